//! The web dashboard at `/dashboard/`: Partner Center's side of storeroom for the people
//! around the automation. Server-rendered HTML (maud, escaping every value), one embedded
//! stylesheet and script, live regions fed by server-sent events that re-read the store.
//!
//! Every action calls the same domain service function as the admin API: this module holds
//! pages and forms, no rules and no SQL. Dashboard paths are not API routes, so the front
//! door only drops a trailing slash ([`crate::canonical`]): every route here is spelled in
//! lower case without one, as links write them.

mod accounts;
mod clock;
mod faults;
mod journal;
mod layout;
mod live;
mod msi;
mod offers;
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
use axum::routing::{MethodRouter, any, get, post};

use crate::state::AppState;

/// Where signing in leads.
pub(crate) const HOME: &str = "/dashboard/products";

pub fn routes() -> Router<AppState> {
    // A method a route does not take: a page for a session, the sign-in page otherwise
    // (the API's JSON 405 is for the API's routes).
    let on = |methods: MethodRouter<AppState>| methods.fallback(layout::not_allowed);
    Router::new()
        .route("/dashboard", on(get(home)))
        .route(
            session::SIGNIN_PATH,
            on(get(session::signin_page).post(session::sign_in)),
        )
        .route("/dashboard/signout", on(post(session::sign_out)))
        .route("/dashboard/static/dashboard.css", on(get(layout::css)))
        .route("/dashboard/static/dashboard.js", on(get(layout::js)))
        .route("/dashboard/products", on(get(products::page)))
        .route("/dashboard/products/events", on(get(products::events)))
        .route("/dashboard/applications", on(post(products::reserve)))
        .route("/dashboard/applications/{app_id}", on(get(product::page)))
        .route(
            "/dashboard/applications/{app_id}/pipeline",
            on(post(product::set_policy)),
        )
        .route(
            "/dashboard/applications/{app_id}/rollout",
            on(post(product::change_rollout)),
        )
        .route(
            "/dashboard/applications/{app_id}/submissions",
            on(post(product::start_submission)),
        )
        .route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}",
            on(get(submission::page)),
        )
        .route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/events",
            on(get(submission::events)),
        )
        .route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/approve",
            on(post(submission::approve)),
        )
        .route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/reject",
            on(post(submission::reject)),
        )
        .route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/publish",
            on(post(submission::publish_now)),
        )
        .route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/delete",
            on(post(submission::delete)),
        )
        .route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/edit",
            on(post(submission::edit)),
        )
        .route("/dashboard/store", on(get(storefront::page)))
        .route(
            "/dashboard/accounts",
            on(get(accounts::page).post(accounts::create_client)),
        )
        .route(
            "/dashboard/accounts/{client_id}/role",
            on(post(accounts::change_role)),
        )
        .route(
            "/dashboard/accounts/{client_id}/keys",
            on(post(accounts::add_key)),
        )
        .route(
            "/dashboard/accounts/{client_id}/keys/{key_id}/delete",
            on(post(accounts::delete_key)),
        )
        .route(
            "/dashboard/clock",
            on(get(clock::page).post(clock::advance)),
        )
        .route("/dashboard/msi/{product_id}", on(get(msi::page)))
        .route("/dashboard/offers/{product_id}", on(get(offers::page)))
        .route(journal::PATH, on(get(journal::page)))
        .route("/dashboard/journal/events", on(get(journal::events)))
        .route(faults::PATH, on(get(faults::page).post(faults::create)))
        .route(
            "/dashboard/faults/{fault_id}/delete",
            on(post(faults::delete)),
        )
        .route(
            snapshots::PATH,
            on(get(snapshots::page).post(snapshots::save)),
        )
        .route(
            "/dashboard/snapshots/{name}/restore",
            on(post(snapshots::restore)),
        )
        .route(
            "/dashboard/snapshots/{name}/delete",
            on(post(snapshots::delete)),
        )
        .route(
            snapshots::RESET_PATH,
            on(get(snapshots::confirm_page).post(snapshots::reset)),
        )
        .route("/dashboard/{*rest}", any(layout::unknown))
}

async fn home(_: session::Signed) -> Response {
    Redirect::to(HOME).into_response()
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
