//! An app's page: its submissions (pending, last published), the gradual rollout of the
//! published one with halt / finalize / percentage controls, flights and flight groups,
//! add-ons, and its pipeline policy with a form to change it.

use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use storeroom_domain::DomainError;
use storeroom_domain::application::Application;
use storeroom_domain::rollout;
use storeroom_domain::store::SubmissionReads;
use storeroom_domain::submission::Submission;
use storeroom_wire::devcenter::AppSubmissionContent;

use super::layout::{self, csrf_field, shell};
use super::session::{NoFields, Posted, Signed};
use crate::state::AppState;

/// Flights and add-ons shown on the page (an app has a handful).
const LISTED_MAX: u64 = 100;

pub(super) fn app_path(app_id: &str) -> String {
    format!("/dashboard/applications/{app_id}")
}

pub(super) fn submission_path(app_id: &str, submission_id: &str) -> String {
    format!("/dashboard/applications/{app_id}/submissions/{submission_id}")
}

/// Any seller's app (the dashboard acts for every seller), or 404.
pub(super) async fn any_app(state: &AppState, app_id: &str) -> Result<Application, DomainError> {
    state
        .service
        .store
        .application(app_id)
        .await?
        .ok_or_else(|| {
            DomainError::not_found(format!("Application {app_id} not found"), "applicationId")
        })
}

/// An app submission by id, when stored.
pub(super) async fn read_submission(
    state: &AppState,
    id: &str,
) -> Result<Option<Submission<AppSubmissionContent>>, DomainError> {
    Ok(state.service.store.submission(id).await?)
}

pub(super) fn status_badge(status: impl std::fmt::Display) -> Markup {
    let status = status.to_string();
    html! { span class=(format!("status status-{status}")) { (status) } }
}

fn submission_line(app_id: &str, submission: Option<&Submission<AppSubmissionContent>>) -> Markup {
    html! {
        @match submission {
            Some(s) => {
                a href=(submission_path(app_id, &s.id)) { (s.friendly_name()) " (" (s.id) ")" }
                " " (status_badge(s.status))
                @if !s.created_via_api { " " span.muted { "· dashboard-owned" } }
            }
            None => span.muted { "none" },
        }
    }
}

fn rollout_section(
    signed: &Signed,
    app: &Application,
    published: Option<&Submission<AppSubmissionContent>>,
) -> Markup {
    let action = format!("{}/rollout", app_path(&app.id));
    let rollout = published.map(|s| &s.content.package_delivery_options.package_rollout);
    html! {
        section.card aria-labelledby="rollout-h" {
            h2 #rollout-h { "Gradual rollout" }
            @match rollout {
                Some(r) if r.is_package_rollout => {
                    dl.fields {
                        dt { "Status" } dd #rollout-status { (format!("{:?}", r.package_rollout_status)) }
                        dt { "Percentage" } dd #rollout-percentage { (r.package_rollout_percentage) }
                        dt { "Fallback submission" } dd { (r.fallback_submission_id) }
                    }
                    form.inline method="post" action=(action) {
                        (csrf_field(signed))
                        input type="hidden" name="action" value="percentage";
                        label for="percentage" { "New percentage" }
                        input #percentage type="number" name="percentage" min="0" max="100" step="any" required;
                        button type="submit" { "Update percentage" }
                    }
                    form.inline method="post" action=(action) {
                        (csrf_field(signed))
                        input type="hidden" name="action" value="halt";
                        button.secondary type="submit" { "Halt rollout" }
                    }
                    form.inline method="post" action=(action) {
                        (csrf_field(signed))
                        input type="hidden" name="action" value="finalize";
                        button type="submit" { "Finalize rollout" }
                    }
                }
                Some(_) => p.muted { "The published submission is not a gradual rollout." },
                None => p.muted { "Nothing is published yet." },
            }
        }
    }
}

async fn flights_and_add_ons(state: &AppState, app: &Application) -> Result<Markup, DomainError> {
    let flights = state.service.store.flights(&app.id).await?;
    let groups = state.service.flight_groups().await?;
    let (add_ons, _) = state
        .service
        .store
        .in_app_products(&app.seller_id, Some(&app.id), 0, LISTED_MAX)
        .await?;
    let group_name = |id: &str| {
        groups
            .iter()
            .find(|g| g.id == id)
            .map_or_else(|| id.to_string(), |g| format!("{} ({id})", g.name))
    };
    Ok(html! {
        section.card aria-labelledby="flights-h" {
            h2 #flights-h { "Package flights" }
            @if flights.is_empty() { p.muted { "None." } } @else {
                div.table-wrap { table {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Rank" } th scope="col" { "Groups" } th scope="col" { "Pending" } th.optional scope="col" { "Last published" } } }
                    tbody { @for flight in &flights { tr {
                        td { (flight.friendly_name) br; span.muted { (flight.id) } }
                        td { (flight.rank) }
                        td { @for id in &flight.group_ids { (group_name(id)) br; } }
                        td { (flight.slots.pending_submission_id.as_deref().unwrap_or("none")) }
                        td.optional { (flight.slots.last_published_submission_id.as_deref().unwrap_or("never")) }
                    } } }
                } }
            }
            h2 { "Flight groups" }
            @if groups.is_empty() { p.muted { "None." } } @else {
                ul { @for group in &groups {
                    li { (group.name) " (" (group.id) "): " (group.members.len()) " members" }
                } }
            }
        }
        section.card aria-labelledby="addons-h" {
            h2 #addons-h { "Add-ons" }
            @if add_ons.is_empty() { p.muted { "None." } } @else {
                div.table-wrap { table {
                    thead { tr { th scope="col" { "Store ID" } th scope="col" { "Product ID" } th scope="col" { "Type" } th scope="col" { "Pending" } } }
                    tbody { @for add_on in &add_ons { tr {
                        td { (add_on.id) }
                        td { (add_on.product_id) }
                        td { (format!("{:?}", add_on.product_type)) }
                        td { (add_on.slots.pending_submission_id.as_deref().unwrap_or("none")) }
                    } } }
                } }
            }
        }
    })
}

fn policy_section(state: &AppState, signed: &Signed, app: &Application) -> Markup {
    let effective = state.service.policies.for_product(app.pipeline.as_ref());
    let json = serde_json::to_string_pretty(&effective).unwrap_or_default();
    let action = format!("{}/pipeline", app_path(&app.id));
    html! {
        section.card aria-labelledby="policy-h" {
            h2 #policy-h { "Pipeline policy" }
            p {
                @if app.pipeline.is_some() { "The app's own policy." } @else { "The server's default policy." }
            }
            form.stack method="post" action=(action) {
                (csrf_field(signed))
                label for="policy" { "Policy (JSON, as " code { "PUT /admin/v1/applications/{id}/pipeline" } " takes it)" }
                textarea #policy name="policy" spellcheck="false" { (json) }
                div {
                    button type="submit" name="action" value="set" { "Save policy" }
                    " "
                    button.secondary type="submit" name="action" value="default" { "Use the server's default" }
                }
            }
        }
    }
}

pub async fn page(signed: Signed, state: AppState, app_id: String) -> Response {
    let rendered = async {
        let app = any_app(&state, &app_id).await?;
        let pending = match &app.slots.pending_submission_id {
            Some(id) => read_submission(&state, id).await?,
            None => None,
        };
        let published = match &app.slots.last_published_submission_id {
            Some(id) => read_submission(&state, id).await?,
            None => None,
        };
        let more = flights_and_add_ons(&state, &app).await?;
        Ok::<_, DomainError>((app, pending, published, more))
    };
    let (app, pending, published, more) = match rendered.await {
        Ok(parts) => parts,
        Err(err) => return layout::domain_error(err),
    };
    let body = html! {
        section.card aria-labelledby="app-h" {
            h2 #app-h { "App" }
            dl.fields {
                dt { "Store ID" } dd { (app.id) }
                dt { "Seller" } dd { (app.seller_id) }
                dt { "Package family name" } dd { (app.package_family_name) }
                dt { "Publisher" } dd { (app.publisher_name) }
                dt { "Submissions made" } dd { (app.slots.submission_count) }
                @if app.uses_unsupported_features {
                    dt { "API access" } dd { "Refused: the app uses features the API does not support." }
                }
            }
        }
        section.card aria-labelledby="subs-h" {
            h2 #subs-h { "Submissions" }
            dl.fields {
                dt { "Pending" } dd #pending { (submission_line(&app.id, pending.as_ref())) }
                dt { "Last published" } dd { (submission_line(&app.id, published.as_ref())) }
            }
            @if pending.is_none() && published.is_some() {
                form.inline method="post" action=(format!("{}/submissions", app_path(&app.id))) {
                    (csrf_field(&signed))
                    button.secondary type="submit" { "Start a submission in the dashboard" }
                }
            }
        }
        (rollout_section(&signed, &app, published.as_ref()))
        (policy_section(&state, &signed, &app))
        (more)
    };
    shell(&signed, super::HOME, &app.primary_name, body)
}

#[derive(Deserialize)]
pub struct PolicyForm {
    action: String,
    #[serde(default)]
    policy: String,
}

/// `POST …/pipeline`: sets the app's policy (checked as the admin API checks it), or
/// removes it.
pub async fn set_policy(state: AppState, app_id: String, posted: Posted<PolicyForm>) -> Response {
    let policy = if posted.form.action == "default" {
        None
    } else {
        match crate::admin::policy_from(posted.form.policy.as_bytes()) {
            Ok(policy) => Some(policy),
            Err(err) => return layout::api_error(err),
        }
    };
    super::done_or(
        state.service.set_application_policy(&app_id, policy).await,
        |app| app_path(&app.id),
    )
}

#[derive(Deserialize)]
pub struct RolloutForm {
    action: String,
    #[serde(default)]
    percentage: String,
}

/// `POST …/rollout` `action=halt|finalize|percentage`: the devcenter API's rollout changes,
/// on the app's published submission.
pub async fn change_rollout(
    state: AppState,
    app_id: String,
    posted: Posted<RolloutForm>,
) -> Response {
    let changed = async {
        let app = any_app(&state, &app_id).await?;
        let published = app
            .slots
            .last_published_submission_id
            .clone()
            .ok_or_else(|| {
                DomainError::invalid_state("Nothing is published yet", "submissionId")
            })?;
        let form = posted.form;
        let service = &state.service;
        let (seller, id) = (&app.seller_id, &app.id);
        match form.action.as_str() {
            "halt" => {
                service
                    .change_rollout(seller, id, &published, rollout::halt)
                    .await
            }
            "finalize" => {
                service
                    .change_rollout(seller, id, &published, rollout::finalize)
                    .await
            }
            "percentage" => {
                let percentage: f64 = form.percentage.trim().parse().map_err(|_| {
                    DomainError::invalid(
                        format!("'{}' is not a number", form.percentage),
                        "percentage",
                    )
                })?;
                service
                    .change_rollout(seller, id, &published, |s| {
                        rollout::update_percentage(s, percentage)
                    })
                    .await
            }
            other => Err(DomainError::invalid(
                format!("'{other}' is not a rollout action"),
                "action",
            )),
        }
    };
    super::done_or(changed.await, |_| app_path(&app_id))
}

/// `POST …/submissions`: a submission started in the dashboard (the admin API's).
pub async fn start_submission(state: AppState, app_id: String, _: Posted<NoFields>) -> Response {
    super::done_or(
        state.service.start_dashboard_submission(&app_id).await,
        |created| submission_path(&app_id, &created.id),
    )
}
