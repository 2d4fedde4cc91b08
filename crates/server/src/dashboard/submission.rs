//! A submission's page: its status, `statusDetails`, timeline and certification reports (a
//! live region), its files, every field, what changed since the last published submission,
//! Partner Center's actions (approve, reject, publish now, delete) and "edit in Partner
//! Center", after which the API may no longer change, commit or delete it.

use std::collections::BTreeMap;

use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;
use storeroom_domain::DomainError;
use storeroom_domain::service::{DashboardEdit, ensure_dashboard_editable};
use storeroom_domain::submission::Submission;
use storeroom_wire::dates;
use storeroom_wire::devcenter::{AppSubmissionContent, StatusDetail};

use super::layout::{self, csrf_field, shell};
use super::live;
use super::product::{any_app, app_path, read_submission, status_badge, submission_path};
use super::session::{NoFields, Posted, Signed};
use crate::state::AppState;

type AppSubmission = Submission<AppSubmissionContent>;

/// Changed fields listed in the diff at most.
const DIFF_MAX: usize = 300;

/// The app's submission `submission_id`, or 404 (also when it is another product's).
async fn app_submission(
    state: &AppState,
    app_id: &str,
    submission_id: &str,
) -> Result<AppSubmission, DomainError> {
    read_submission(state, submission_id)
        .await?
        .filter(|s| s.product.app_id() == Some(app_id) && s.product.id() == app_id)
        .ok_or_else(|| DomainError::not_found("Submission not found", "submissionId"))
}

fn time(at: &DateTime<Utc>) -> Markup {
    let text = dates::format_seconds(at);
    html! { time datetime=(text) { (text) } }
}

fn details(title: &str, items: &[StatusDetail]) -> Markup {
    html! {
        @if !items.is_empty() {
            h3 { (title) }
            ul { @for item in items { li { code { (item.code.as_str()) } ": " (item.details) } } }
        }
    }
}

/// The live part: status, `statusDetails`, reports and the timeline.
fn status_region(submission: &AppSubmission) -> Markup {
    let status_details = &submission.status_details;
    let mut timeline: Vec<(DateTime<Utc>, String)> =
        vec![(submission.created_at, "Created".to_string())];
    for change in &submission.timeline {
        timeline.push((change.at, change.status.to_string()));
    }
    for report in &status_details.certification_reports {
        timeline.push((report.date, "Certification report written".to_string()));
    }
    if submission.timeline.is_empty() {
        // Stored before timelines were kept: what the submission's own times tell.
        if let Some(published) = submission.published_at {
            timeline.push((published, "Published".to_string()));
        }
        timeline.push((
            submission.updated_at,
            format!("Last change: now {}", submission.status),
        ));
    }
    // Stable: changes made at the same time keep their order.
    timeline.sort_by_key(|(at, _)| *at);
    html! {
        dl.fields {
            dt { "Status" } dd #status-value data-status=(submission.status.to_string()) { (status_badge(submission.status)) }
            dt { "Owner" } dd {
                @if submission.created_via_api { "The API (created through it)" }
                @else { "The dashboard: the API may read it but not change, commit or delete it" }
            }
        }
        (details("Errors", &status_details.errors))
        (details("Warnings", &status_details.warnings))
        @if !status_details.certification_reports.is_empty() {
            h3 { "Certification reports" }
            ul { @for report in &status_details.certification_reports {
                li { a href=(report.report_url) { "Report of " (time(&report.date)) } }
            } }
        }
        h3 { "Timeline" }
        ol.timeline { @for (at, what) in &timeline { li { (time(at)) " — " (what) } } }
    }
}

/// Every leaf of a JSON value by its path (`listings.en-us.baseListing.title`).
fn leaves(value: &Value, path: String, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                leaves(member, path, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                leaves(item, format!("{path}[{index}]"), out);
            }
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

fn flatten(content: &AppSubmissionContent) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    leaves(
        &serde_json::to_value(content).unwrap_or_default(),
        String::new(),
        &mut out,
    );
    out
}

/// The fields that differ from the last published submission's.
fn diff(submission: &AppSubmission, published: Option<&AppSubmission>) -> Markup {
    let Some(published) = published.filter(|p| p.id != submission.id) else {
        return html! { p.muted { "Nothing to compare with: this is the last published submission, or none is." } };
    };
    let (old, new) = (flatten(&published.content), flatten(&submission.content));
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    let changed: Vec<_> = paths
        .into_iter()
        .filter(|p| old.get(*p) != new.get(*p))
        .collect();
    let absent = String::from("—");
    html! {
        p { "Compared with " (published.friendly_name()) " (" (published.id) ")." }
        @if changed.is_empty() { p.muted { "No field differs." } } @else {
            div.table-wrap { table {
                thead { tr { th scope="col" { "Field" } th scope="col" { "Published" } th scope="col" { "This submission" } } }
                tbody { @for path in changed.iter().take(DIFF_MAX) { tr {
                    td { code { (path) } }
                    td.diff-old { (old.get(*path).unwrap_or(&absent)) }
                    td.diff-new { (new.get(*path).unwrap_or(&absent)) }
                } } }
            } }
            @if changed.len() > DIFF_MAX { p.muted { (changed.len() - DIFF_MAX) " more fields differ." } }
        }
    }
}

fn files(submission: &AppSubmission) -> Markup {
    let content = &submission.content;
    html! {
        dl.fields {
            dt { "Upload" } dd {
                @match &submission.upload_blob {
                    Some(blob) => code { (blob) },
                    None => span.muted { "no upload URL (dashboard-made)" },
                }
            }
        }
        div.table-wrap { table {
            thead { tr { th scope="col" { "File" } th scope="col" { "Kind" } th scope="col" { "Status" } } }
            tbody {
                @for package in &content.application_packages { tr {
                    td { (package.file_name) } td { "package " (package.version) } td { (package.file_status.to_string()) }
                } }
                @for (language, listing) in &content.listings {
                    @for image in &listing.base_listing.images { tr {
                        td { (image.file_name) } td { (language) " image" } td { (image.file_status.to_string()) }
                    } }
                }
            }
        } }
    }
}

/// The actions of Partner Center, and its edit forms while the submission is pending.
fn actions(signed: &Signed, submission: &AppSubmission, app_id: &str) -> Markup {
    let base = submission_path(app_id, &submission.id);
    let editable = ensure_dashboard_editable(submission).is_ok();
    html! {
        section.card aria-labelledby="actions-h" {
            h2 #actions-h { "Actions" }
            form.inline method="post" action=(format!("{base}/approve")) {
                (csrf_field(signed))
                button #approve type="submit" { "Approve certification" }
            }
            form.inline method="post" action=(format!("{base}/publish")) {
                (csrf_field(signed))
                button.secondary #publish type="submit" { "Publish now" }
            }
            form.inline method="post" action=(format!("{base}/delete")) {
                (csrf_field(signed))
                button.danger #delete type="submit" { "Delete submission" }
            }
            form.stack method="post" action=(format!("{base}/reject")) {
                (csrf_field(signed))
                label for="reason" { "Reason for rejecting certification" }
                textarea #reason name="reason" required {}
                div { button.danger type="submit" { "Reject certification" } }
            }
            p.hint { "Approve and reject act on a submission held in Certification (a manual policy); publish now on one waiting in Release." }
        }
        @if editable {
            section.card aria-labelledby="edit-h" {
                h2 #edit-h { "Edit in Partner Center" }
                p.hint { "Saving any of these makes the submission the dashboard's: the API then refuses to change, commit or delete it (409 InvalidOperation)." }
                div.grid2 {
                    @for (language, listing) in &submission.content.listings {
                        form.stack method="post" action=(format!("{base}/edit")) {
                            (csrf_field(signed))
                            input type="hidden" name="language" value=(language);
                            h3 { "Listing " (language) }
                            label for=(format!("title-{language}")) { "Title" }
                            input id=(format!("title-{language}")) type="text" name="title" value=(listing.base_listing.title);
                            label for=(format!("description-{language}")) { "Description" }
                            textarea id=(format!("description-{language}")) name="description" { (listing.base_listing.description) }
                            label for=(format!("release-notes-{language}")) { "Release notes" }
                            textarea id=(format!("release-notes-{language}")) name="releaseNotes" { (listing.base_listing.release_notes) }
                            div { button type="submit" { "Save listing " (language) } }
                        }
                    }
                    form.stack method="post" action=(format!("{base}/edit")) {
                        (csrf_field(signed))
                        label for="notes" { "Notes for certification" }
                        textarea #notes name="notesForCertification" { (submission.content.notes_for_certification) }
                        div { button type="submit" { "Save notes" } }
                    }
                }
            }
        }
    }
}

pub async fn page(
    signed: Signed,
    state: AppState,
    app_id: String,
    submission_id: String,
) -> Response {
    let rendered = async {
        let app = any_app(&state, &app_id).await?;
        let submission = app_submission(&state, &app_id, &submission_id).await?;
        let published = match &app.slots.last_published_submission_id {
            Some(id) => read_submission(&state, id).await?,
            None => None,
        };
        Ok::<_, DomainError>((app, submission, published))
    };
    let (app, submission, published) = match rendered.await {
        Ok(parts) => parts,
        Err(err) => return layout::domain_error(err),
    };
    let events = format!("{}/events", submission_path(&app.id, &submission.id));
    let all_fields = serde_json::to_string_pretty(&submission.content).unwrap_or_default();
    let title = format!("{} of {}", submission.friendly_name(), app.primary_name);
    let body = html! {
        p { a href=(app_path(&app.id)) { "← " (app.primary_name) " (" (app.id) ")" } }
        section.card #status aria-live="polite" aria-labelledby="status-h" {
            h2 #status-h { "Status" }
            div #status-live data-live=(events) { (status_region(&submission)) }
        }
        (actions(&signed, &submission, &app.id))
        section.card aria-labelledby="diff-h" {
            h2 #diff-h { "Changes since the last published submission" }
            (diff(&submission, published.as_ref()))
        }
        section.card aria-labelledby="files-h" {
            h2 #files-h { "Files" }
            (files(&submission))
        }
        section.card aria-labelledby="fields-h" {
            h2 #fields-h { "Every field" }
            details { summary { "The submission's content as the API shows it" } pre { (all_fields) } }
        }
    };
    shell(&signed, super::HOME, &title, body)
}

/// `GET …/events`: the status region, as the pipeline moves it.
pub async fn events(_: Signed, state: AppState, app_id: String, submission_id: String) -> Response {
    live::region(move || {
        let (state, app_id, submission_id) = (state.clone(), app_id.clone(), submission_id.clone());
        async move {
            let submission = app_submission(&state, &app_id, &submission_id).await?;
            Ok(status_region(&submission))
        }
    })
    .into_response()
}

/// Back to the submission's page, or its failure.
fn back<T>(result: Result<T, DomainError>, app_id: &str, submission_id: &str) -> Response {
    super::done_or(result, |_| submission_path(app_id, submission_id))
}

/// Checks the submission is the app's before acting on it by id.
async fn of_app(state: &AppState, app_id: &str, submission_id: &str) -> Result<(), DomainError> {
    app_submission(state, app_id, submission_id)
        .await
        .map(|_| ())
}

pub async fn approve(state: AppState, app_id: String, id: String, _: Posted<NoFields>) -> Response {
    let approved = async {
        of_app(&state, &app_id, &id).await?;
        state.service.approve_certification(&id).await
    };
    back(approved.await, &app_id, &id)
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    state: AppState,
    app_id: String,
    id: String,
    posted: Posted<RejectForm>,
) -> Response {
    let rejected = async {
        of_app(&state, &app_id, &id).await?;
        state
            .service
            .reject_certification(&id, &posted.form.reason)
            .await
    };
    back(rejected.await, &app_id, &id)
}

pub async fn publish_now(
    state: AppState,
    app_id: String,
    id: String,
    _: Posted<NoFields>,
) -> Response {
    let published = async {
        of_app(&state, &app_id, &id).await?;
        state.service.publish_now(&id).await
    };
    back(published.await, &app_id, &id)
}

/// Deletes the pending submission (Partner Center's "Delete", whoever made it).
pub async fn delete(state: AppState, app_id: String, id: String, _: Posted<NoFields>) -> Response {
    super::done_or(
        state
            .service
            .delete_dashboard_submission(&app_id, &id)
            .await,
        |_| app_path(&app_id),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditForm {
    #[serde(default)]
    language: String,
    title: Option<String>,
    description: Option<String>,
    release_notes: Option<String>,
    notes_for_certification: Option<String>,
}

pub async fn edit(
    state: AppState,
    app_id: String,
    id: String,
    posted: Posted<EditForm>,
) -> Response {
    let form = posted.form;
    let edit = DashboardEdit {
        language: form.language,
        title: form.title,
        description: form.description,
        release_notes: form.release_notes,
        notes_for_certification: form.notes_for_certification,
    };
    let edited = state
        .service
        .edit_dashboard_submission(&app_id, &id, edit)
        .await;
    back(edited, &app_id, &id)
}
