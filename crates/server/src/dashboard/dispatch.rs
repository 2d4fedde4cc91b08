//! The dashboard's one route: every request under `/dashboard` is decoded once
//! ([`operation::ROUTES`]) and run from one `match` ([`crate::dispatch::serve_as`] tells the
//! order of checks).
//!
//! There is no caller checked for every operation: the sign-in page and the assets need no
//! session, and each operation reads what its handler reads in the order axum's extractors
//! read it. A page reads the session first, then its ids and query; a form's action reads
//! its ids first, then the session, the body and its CSRF token ([`Posted`]). A miss is
//! answered as a page for a session, and by the sign-in page's redirect without one
//! ([`Pages`]).

use axum::RequestExt;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

use super::operation::{self, Op};
use super::session::{self, Posted, Signed};
use super::{
    accounts, clock, faults, journal, layout, msi, offers, product, products, snapshots,
    storefront, submission,
};
use crate::dispatch::{Misses, Refusal, Unreadable, query};
use crate::state::AppState;

/// The route of the dashboard's paths under its entry (listed in `openapi::UNDOCUMENTED`),
/// and the metrics' `operation` of a path no page has, as when it was the catch-all page's.
pub const ROUTE: &str = "/dashboard/{*rest}";

pub(super) async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    crate::dispatch::serve_as::<Pages, _, _, _, _>(
        state,
        request,
        operation::ROUTES,
        |state, (), request, op| execute(state, request, op),
    )
    .await
}

/// The session of `request` (read, not taken): its refusal is the sign-in page's redirect,
/// or 401 for an event stream.
async fn signed(state: &AppState, request: &mut Request) -> Result<Signed, Response> {
    request.extract_parts_with_state(state).await
}

/// The form `request` posts for its session, its CSRF token checked.
async fn posted<T: DeserializeOwned + Send + 'static>(
    state: &AppState,
    request: Request,
) -> Result<Posted<T>, Response> {
    request.extract_with_state(state).await
}

/// Runs `op`: every operation of the dispatcher, each read as its handler reads it.
async fn execute(state: AppState, mut request: Request, op: Op) -> Result<Response, Refusal> {
    use Op::*;
    let s = state;
    let r = &mut request;
    Ok(match op {
        Home => {
            signed(&s, r).await?;
            Redirect::to(super::HOME).into_response()
        }
        SigninPage => session::signin_page(request).await,
        SignIn => session::sign_in(s, request).await,
        SignOut => session::sign_out(s, request).await,
        Stylesheet => layout::css().await,
        Script => layout::js().await,
        Products => products::page(signed(&s, r).await?, s, query(r)?).await,
        ProductsEvents => products::events(signed(&s, r).await?, s, query(r)?).await,
        ReserveApplication => products::reserve(s.clone(), posted(&s, request).await?).await,
        Product(a) => product::page(signed(&s, r).await?, s, a).await,
        SetPolicy(a) => product::set_policy(s.clone(), a, posted(&s, request).await?).await,
        ChangeRollout(a) => product::change_rollout(s.clone(), a, posted(&s, request).await?).await,
        StartSubmission(a) => {
            product::start_submission(s.clone(), a, posted(&s, request).await?).await
        }
        Submission(a, id) => submission::page(signed(&s, r).await?, s, a, id).await,
        SubmissionEvents(a, id) => submission::events(signed(&s, r).await?, s, a, id).await,
        ApproveSubmission(a, id) => {
            submission::approve(s.clone(), a, id, posted(&s, request).await?).await
        }
        RejectSubmission(a, id) => {
            submission::reject(s.clone(), a, id, posted(&s, request).await?).await
        }
        PublishSubmission(a, id) => {
            submission::publish_now(s.clone(), a, id, posted(&s, request).await?).await
        }
        DeleteSubmission(a, id) => {
            submission::delete(s.clone(), a, id, posted(&s, request).await?).await
        }
        EditSubmission(a, id) => {
            submission::edit(s.clone(), a, id, posted(&s, request).await?).await
        }
        Storefront => storefront::page(signed(&s, r).await?, s, query(r)?).await,
        Accounts => accounts::page(signed(&s, r).await?, s).await,
        CreateClient => accounts::create_client(s.clone(), posted(&s, request).await?).await,
        ChangeRole(c) => accounts::change_role(s.clone(), c, posted(&s, request).await?).await,
        AddKey(c) => accounts::add_key(s.clone(), c, posted(&s, request).await?).await,
        DeleteKey(c, k) => accounts::delete_key(s.clone(), c, k, posted(&s, request).await?).await,
        Clock => clock::page(signed(&s, r).await?, s).await,
        AdvanceClock => clock::advance(s.clone(), posted(&s, request).await?).await,
        MsiProduct(p) => msi::page(signed(&s, r).await?, s, p).await,
        Offer(p) => offers::page(signed(&s, r).await?, s, p).await,
        Journal => journal::page(signed(&s, r).await?, s, query(r)?).await,
        JournalEvents => journal::events(signed(&s, r).await?, s, query(r)?).await,
        Faults => faults::page(signed(&s, r).await?, s).await,
        CreateFault => faults::create(s.clone(), posted(&s, request).await?).await,
        DeleteFault(f) => faults::delete(s.clone(), f, posted(&s, request).await?).await,
        Snapshots => snapshots::page(signed(&s, r).await?, s).await,
        SaveSnapshot => snapshots::save(s.clone(), posted(&s, request).await?).await,
        RestoreSnapshot(n) => snapshots::restore(s.clone(), n, posted(&s, request).await?).await,
        DeleteSnapshot(n) => snapshots::delete(s.clone(), n, posted(&s, request).await?).await,
        ConfirmReset => snapshots::confirm_page(signed(&s, r).await?).await,
        Reset => snapshots::reset(s.clone(), posted(&s, request).await?).await,
    })
}

/// The dashboard's misses, as its catch-all page and its routes' method fallback answered
/// them: a page for a session, the sign-in page's redirect otherwise.
struct Pages;

impl Misses for Pages {
    fn unmatched(_: &Request) -> String {
        ROUTE.to_string()
    }

    async fn not_found(state: &AppState, mut request: Request) -> Response {
        match signed(state, &mut request).await {
            Ok(signed) => layout::unknown(signed).await,
            Err(refusal) => refusal,
        }
    }

    async fn method_not_allowed(state: &AppState, mut request: Request) -> Response {
        match signed(state, &mut request).await {
            Ok(signed) => layout::not_allowed(signed).await,
            Err(refusal) => refusal,
        }
    }

    /// A page reads its session before its ids, a form's action its ids first.
    async fn unreadable_id(
        state: &AppState,
        mut request: Request,
        unreadable: Unreadable,
    ) -> Response {
        let page = matches!(*request.method(), Method::GET | Method::HEAD);
        if page && let Err(refusal) = signed(state, &mut request).await {
            return refusal;
        }
        crate::dispatch::unreadable_id(unreadable.name)
    }
}
