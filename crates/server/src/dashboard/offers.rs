//! An Azure offer, read-only: its type and its submissions with their state, substate and
//! times. Read through the ingestion store the Partner Center ingestion API uses; that API
//! is where offers are changed, the admin API's decisions where they are approved.

use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use storeroom_wire::dates;

use super::layout::{self, shell};
use super::session::Signed;
use crate::state::AppState;

/// The page of the offer `id`.
pub fn link(id: &str) -> String {
    format!("/dashboard/offers/{id}")
}

pub async fn page(signed: Signed, state: AppState, product_id: String) -> Response {
    let store = &state.ingestion.service.store;
    let read = async {
        let Some(offer) = store.offer(product_id.trim()).await? else {
            return Ok(None);
        };
        let submissions = store.submissions(&offer.id).await?;
        Ok::<_, storeroom_domain::store::StoreError>(Some((offer, submissions)))
    };
    let (offer, mut submissions) = match read.await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return layout::message_page(
                StatusCode::NOT_FOUND,
                "Not found",
                &format!("Offer {product_id} not found"),
            );
        }
        Err(err) => return layout::domain_error(storeroom_domain::DomainError::from(err)),
    };
    submissions.sort_by_key(|s| std::cmp::Reverse(s.created_at));
    let name = offer
        .fields
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or(offer.id.as_str())
        .to_string();
    let body = html! {
        section.card {
            dl.fields {
                dt { "Product id" } dd { code #offer-id { (offer.id) } }
                dt { "Type" } dd { (offer.resource_type) }
                dt { "Seller" } dd { (offer.seller_id) }
            }
            p.hint { "Azure offers change through the Partner Center ingestion API." }
        }
        section.card aria-labelledby="offer-submissions-h" {
            h2 #offer-submissions-h { "Submissions" }
            @if submissions.is_empty() { p.muted { "None." } } @else {
                div.table-wrap { table #offer-submissions {
                    thead { tr {
                        th scope="col" { "Submission" } th scope="col" { "Release" }
                        th scope="col" { "State" } th scope="col" { "Substate" }
                        th.optional scope="col" { "Created" } th.optional scope="col" { "Published" }
                    } }
                    tbody { @for s in &submissions { tr.offer-submission data-submission-id=(s.id) {
                        td { code { (s.id) } }
                        td { (s.release_number) }
                        td { (s.stage.state()) }
                        td.substate { (s.stage.substate())
                            @if let Some(reason) = &s.failure_reason { br; span.error { (reason) } }
                        }
                        td.optional { (dates::format_seconds(&s.created_at)) }
                        td.optional { (s.published_at.as_ref().map(dates::format_seconds).unwrap_or_default()) }
                    } } }
                } }
            }
        }
    };
    shell(&signed, super::HOME, &name, body)
}
