//! The web dashboard at `/dashboard/`: Partner Center's side of storeroom for the people
//! around the automation. Server-rendered HTML (maud, escaping every value), one embedded
//! stylesheet and script, live regions fed by server-sent events that re-read the store.
//!
//! Every action calls the same domain service function as the admin API: this module holds
//! pages and forms, no rules and no SQL. Dashboard paths are not API routes, so the front
//! door only drops a trailing slash ([`crate::canonical`]): every template of [`operation`]
//! is spelled in lower case without one, as links write them. One dispatcher serves them
//! all ([`dispatch`]): handlers are plain functions of what they read.

mod accounts;
mod clock;
mod dispatch;
mod faults;
mod journal;
mod layout;
mod live;
mod msi;
mod offers;
mod operation;
mod product;
mod products;
mod session;
mod snapshots;
mod storefront;
mod submission;

// The front door draws the dashboard's errors no handler answered (a panic, a rejection).
pub(crate) use layout::message_page;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::any;

use crate::state::AppState;

/// Where signing in leads.
pub(crate) const HOME: &str = "/dashboard/products";
/// The dashboard's entry: a redirect to [`HOME`].
const ENTRY: &str = "/dashboard";

/// The dashboard's routes: its entry and everything under it, both decoded by one
/// dispatcher ([`dispatch`], its table in [`operation`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ENTRY, any(dispatch::dispatch))
        .route(dispatch::ROUTE, any(dispatch::dispatch))
}

/// A form's answer: when its action succeeded, back to the page `to` names (303, so a
/// reload does not post again); otherwise the failure as a page.
fn done_or<T>(
    result: Result<T, storeroom_domain::DomainError>,
    to: impl FnOnce(T) -> String,
) -> Response {
    match result {
        Ok(value) => Redirect::to(&to(value)).into_response(),
        Err(err) => layout::domain_error(err),
    }
}

/// [`done_or`] for an action shared with the admin API, which fails as the API does.
fn api_done_or<T>(result: crate::errors::ApiResult<T>, to: &str) -> Response {
    match result {
        Ok(_) => Redirect::to(to).into_response(),
        Err(err) => layout::api_error(err),
    }
}
