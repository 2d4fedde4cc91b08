//! An MSI/EXE product, read-only: its state and the submissions it knows (in progress, last
//! published) with their publishing status, step and errors. Read through the MSI/EXE
//! service the admin API uses; the MSI/EXE API is where such products are changed.

use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use storeroom_domain::msi::MsiError;
use storeroom_wire::dates;

use super::layout::{self, shell};
use super::session::Signed;
use crate::state::AppState;

/// The page of the MSI/EXE product `id`.
pub fn link(id: &str) -> String {
    format!("/dashboard/msi/{id}")
}

fn status_name(status: storeroom_wire::msi::PublishingStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

async fn submission(state: &AppState, label: &str, id: Option<&str>) -> Result<Markup, MsiError> {
    let Some(id) = id else {
        return Ok(html! { h2 { (label) } p.muted { "None." } });
    };
    let found = state.msi.service.store.submission(id).await?;
    Ok(html! {
        h2 { (label) }
        @match found {
            None => p.muted { "Submission " code { (id) } " is no longer stored." },
            Some(s) => dl.fields.submission data-submission-id=(s.id) {
                dt { "Submission id" } dd { code { (s.id) } }
                dt { "Publishing status" } dd.status { (status_name(s.status)) }
                dt { "Pipeline step" } dd { (s.step.as_deref().unwrap_or("none")) }
                dt { "Created" } dd { (dates::format_seconds(&s.created_at)) }
                dt { "Updated" } dd { (dates::format_seconds(&s.updated_at)) }
                @if !s.errors.is_empty() {
                    dt { "Errors" } dd { ul { @for e in &s.errors { li { (e) } } } }
                }
            },
        }
    })
}

pub async fn page(signed: Signed, state: AppState, product_id: String) -> Response {
    let service = &state.msi.service;
    let product = match service.any_product(&product_id).await {
        Ok(product) => product,
        Err(MsiError::NotFound(problem)) => {
            return layout::message_page(StatusCode::NOT_FOUND, "Not found", &problem.message);
        }
        Err(err) => return msi_failure(err),
    };
    let ongoing = submission(
        &state,
        "Submission in progress",
        product.ongoing_submission_id.as_deref(),
    )
    .await;
    let published = submission(
        &state,
        "Last published submission",
        product.last_published_submission_id.as_deref(),
    )
    .await;
    let (ongoing, published) = match (ongoing, published) {
        (Ok(o), Ok(p)) => (o, p),
        (Err(err), _) | (_, Err(err)) => return msi_failure(err),
    };
    let body = html! {
        section.card {
            dl.fields {
                dt { "Product id" } dd { code #msi-product-id { (product.id) } }
                dt { "Seller" } dd { (product.seller_id) }
                dt { "Submissions made" } dd { (product.submission_count) }
                dt { "Created" } dd { (dates::format_seconds(&product.created_at)) }
            }
            p.hint { "MSI/EXE products change through the MSI/EXE submission API." }
        }
        section.card { (ongoing) }
        section.card { (published) }
    };
    shell(&signed, super::HOME, &product.name, body)
}

fn msi_failure(err: MsiError) -> Response {
    tracing::error!(error = %err, "dashboard: an MSI/EXE product cannot be read");
    layout::message_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal error",
        "The store failed; the server's log says why.",
    )
}
