//! The server clock: what time it is for tokens, SAS expiry and the pipeline, and moving it
//! forward (the admin API's `POST /admin/v1/clock`).

use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use storeroom_wire::dates;

use super::layout::{self, csrf_field, shell};
use super::session::{Posted, Signed};
use crate::state::AppState;

const PATH: &str = "/dashboard/clock";

pub async fn page(signed: Signed, state: AppState) -> Response {
    let now = dates::format_seven(&state.clock.now());
    let offset = state.clock.offset().num_seconds();
    let body = html! {
        section.card {
            dl.fields {
                dt { "Server time" } dd #clock-now { (now) }
                dt { "Ahead of the wall clock by" } dd { (offset) " seconds" }
            }
            form.inline method="post" action=(PATH) {
                (csrf_field(&signed))
                label for="advance" { "Advance by (seconds)" }
                input #advance type="number" name="advanceSeconds" min="0" required value="3600";
                button type="submit" { "Advance the clock" }
            }
            p.hint { "The clock only moves forward. Tokens, upload URLs, key expiry and pipeline delays follow it." }
        }
    };
    shell(&signed, PATH, "Clock", body)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvanceForm {
    #[serde(default)]
    advance_seconds: String,
}

pub async fn advance(state: AppState, posted: Posted<AdvanceForm>) -> Response {
    let text = posted.form.advance_seconds.trim();
    let Ok(seconds) = text.parse::<i64>() else {
        return layout::domain_error(storeroom_domain::DomainError::invalid(
            format!("'{text}' is not a whole number of seconds"),
            "advanceSeconds",
        ));
    };
    match crate::admin::advance_clock_by(&state, seconds).await {
        Ok(()) => Redirect::to(PATH).into_response(),
        Err(err) => layout::api_error(err),
    }
}
