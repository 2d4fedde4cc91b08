//! The admin API's one route: every request under `/admin/v1/` (the ops state's journal,
//! faults, reset and snapshots included) is decoded once ([`operation::ROUTES`]), its
//! admin token checked once ([`Admin`]) and its operation run from one `match`
//! ([`crate::dispatch::serve`] tells the order of checks).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};

use super::operation::{self, Op};
use crate::auth::Admin;
use crate::dispatch::{Refusal, query};
use crate::ingestion::admin::{self as offers, Offers};
use crate::msi::admin::{self as msi, MsiProducts};
use crate::opsstate::routes as opsstate;
use crate::policy_routes as policy;
use crate::state::AppState;
use crate::{admin as apps, client_admin as clients};

/// The route of the admin paths (listed in `openapi::UNDOCUMENTED`). Its prefix is not a
/// template of the front door's ([`crate::canonical`]): a path no operation matches keeps
/// its spelling in the 404, as before.
pub const ROUTE: &str = "/admin/v1/{*rest}";

pub(super) async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    crate::dispatch::serve(
        state,
        request,
        operation::ROUTES,
        |state, _: Admin, request, op| async move { execute(&state, request, op).await },
    )
    .await
}

/// Runs `op`: every operation of the dispatcher, each read as its handler reads it.
async fn execute(state: &AppState, request: Request, op: Op) -> Result<Response, Refusal> {
    use super::Applications;
    use Op::*;
    let s = state;
    // The body of a POST or PUT: read whole, its failure answered by the handler.
    let bytes = |request: Request| Bytes::from_request(request, state);
    let raw_query = |request: &Request| request.uri().query().map(str::to_string);
    Ok(match op {
        ReserveApplication => apps::reserve_application(s, bytes(request).await)
            .await
            .into_response(),
        ListApplications => apps::list_applications(s, &query(&request)?)
            .await
            .into_response(),
        PutApplication(a) => apps::put_application(s, &a, bytes(request).await)
            .await
            .into_response(),
        GetApplicationPipeline(a) => policy::get::<Applications>(s, &a).await.into_response(),
        PutApplicationPipeline(a) => policy::put::<Applications>(s, &a, bytes(request).await)
            .await
            .into_response(),
        DeleteApplicationPipeline(a) => policy::delete::<Applications>(s, &a).await.into_response(),
        StartDashboardSubmission(a) => apps::start_dashboard_submission(s, &a)
            .await
            .into_response(),
        DeleteDashboardSubmission(a, id) => apps::delete_dashboard_submission(s, &a, &id)
            .await
            .into_response(),
        CreateSeller => apps::create_seller(s, bytes(request).await)
            .await
            .into_response(),
        CreateFlightGroup => apps::create_flight_group(s, bytes(request).await)
            .await
            .into_response(),
        ListFlightGroups => apps::list_flight_groups(s).await.into_response(),
        GetFlightGroup(g) => apps::get_flight_group(s, &g).await.into_response(),
        PutFlightGroup(g) => apps::put_flight_group(s, &g, bytes(request).await)
            .await
            .into_response(),
        DeleteFlightGroup(g) => apps::delete_flight_group(s, &g).await.into_response(),
        GetPipeline => apps::get_default_pipeline(s).await,
        PutPipeline => apps::put_default_pipeline(s, bytes(request).await)
            .await
            .into_response(),
        Approve(id) => apps::approve(s, &id).await.into_response(),
        Reject(id) => apps::reject(s, &id, bytes(request).await)
            .await
            .into_response(),
        PublishNow(id) => apps::publish_now(s, &id).await.into_response(),
        GetClock => apps::get_clock(s).await,
        AdvanceClock => apps::advance_clock(s, bytes(request).await)
            .await
            .into_response(),
        CreateClient => clients::create_client(s, bytes(request).await)
            .await
            .into_response(),
        ListClients => clients::list_clients(s, &query(&request)?)
            .await
            .into_response(),
        ChangeClientRole(c) => clients::change_role(s, &c, bytes(request).await)
            .await
            .into_response(),
        AddClientKey(c) => clients::add_key(s, &c, bytes(request).await)
            .await
            .into_response(),
        DeleteClientKey(c, k) => clients::delete_key(s, &c, &k).await.into_response(),
        ListMsiProducts => msi::list_products(s, raw_query(&request).as_deref())
            .await
            .into_response(),
        GetMsiProductPipeline(p) => policy::get::<MsiProducts>(s, &p).await.into_response(),
        PutMsiProductPipeline(p) => policy::put::<MsiProducts>(s, &p, bytes(request).await)
            .await
            .into_response(),
        DeleteMsiProductPipeline(p) => policy::delete::<MsiProducts>(s, &p).await.into_response(),
        ApproveMsiSubmission(id) => msi::approve(s, &id).await.into_response(),
        RejectMsiSubmission(id) => msi::reject(s, &id, bytes(request).await)
            .await
            .into_response(),
        GetMsiThrottle => msi::get_throttle(s).await,
        PutMsiThrottle => msi::put_throttle(s, bytes(request).await)
            .await
            .into_response(),
        ListOffers => offers::list_offers(s, raw_query(&request).as_deref())
            .await
            .into_response(),
        GetOfferPipeline(p) => policy::get::<Offers>(s, &p).await.into_response(),
        PutOfferPipeline(p) => policy::put::<Offers>(s, &p, bytes(request).await)
            .await
            .into_response(),
        DeleteOfferPipeline(p) => policy::delete::<Offers>(s, &p).await.into_response(),
        Journal => opsstate::journal(s, &query(&request)?)
            .await
            .into_response(),
        CreateFault => opsstate::create_fault(s, bytes(request).await)
            .await
            .into_response(),
        ListFaults => opsstate::list_faults(s).await.into_response(),
        DeleteFault(f) => opsstate::delete_fault(s, &f).await.into_response(),
        Reset => opsstate::reset(s).await.into_response(),
        SaveSnapshot => opsstate::save_snapshot(s, bytes(request).await)
            .await
            .into_response(),
        ListSnapshots => opsstate::list_snapshots(s).await.into_response(),
        DeleteSnapshot(n) => opsstate::delete_snapshot(s, &n).await.into_response(),
        RestoreSnapshot(n) => opsstate::restore_snapshot(s, &n).await.into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The admin API's document: this module's part and the other modules' whose
    /// operations it serves.
    fn document() -> utoipa::openapi::OpenApi {
        crate::admin::routes()
            .merge(crate::client_admin::routes())
            .merge(crate::msi::admin::routes())
            .merge(crate::ingestion::admin::routes())
            .merge(crate::opsstate::routes::routes())
            .into_openapi()
    }

    #[test]
    fn the_document_describes_exactly_the_operations_decoded() {
        crate::dispatch::described::exactly(&document(), operation::ROUTES, "admin", |t| {
            t.replace("{app_id}", "9NBLGGH4R315")
                .replace("{submission_id}", "1152921504621243540")
                .replace("{group_id}", "g-1")
                .replace("{client_id}", "c-1")
                .replace("{key_id}", "k-1")
                .replace("{product_id}", "p-1")
                .replace("{fault_id}", "f-1")
                .replace("{name}", "snap-1")
        });
    }

    #[test]
    fn the_dispatcher_serves_every_documented_path() {
        let prefix = ROUTE.trim_end_matches("{*rest}");
        for template in document().paths.paths.keys() {
            assert!(template.starts_with(prefix), "{template}");
        }
    }
}
