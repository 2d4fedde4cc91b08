//! Every operation of the admin API that [`super::dispatch`] serves, and the table it is
//! decoded by from the method and the path ([`crate::dispatch::table`]).

use axum::http::Method;

use crate::dispatch::table::{Route, route};

/// A path id, percent-decoded.
type Id = String;

/// One variant per operation (named as its `operationId`, after `admin`), with the path's
/// ids in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    ReserveApplication,
    ListApplications,
    PutApplication(Id),
    GetApplicationPipeline(Id),
    PutApplicationPipeline(Id),
    DeleteApplicationPipeline(Id),
    StartDashboardSubmission(Id),
    DeleteDashboardSubmission(Id, Id),
    CreateSeller,
    CreateFlightGroup,
    ListFlightGroups,
    GetFlightGroup(Id),
    PutFlightGroup(Id),
    DeleteFlightGroup(Id),
    GetPipeline,
    PutPipeline,
    Approve(Id),
    Reject(Id),
    PublishNow(Id),
    GetClock,
    AdvanceClock,
    CreateClient,
    ListClients,
    ChangeClientRole(Id),
    AddClientKey(Id),
    DeleteClientKey(Id, Id),
    ListMsiProducts,
    GetMsiProductPipeline(Id),
    PutMsiProductPipeline(Id),
    DeleteMsiProductPipeline(Id),
    ApproveMsiSubmission(Id),
    RejectMsiSubmission(Id),
    GetMsiThrottle,
    PutMsiThrottle,
    ListOffers,
    GetOfferPipeline(Id),
    PutOfferPipeline(Id),
    DeleteOfferPipeline(Id),
    // The ops state's (`crate::opsstate::routes`).
    Journal,
    CreateFault,
    ListFaults,
    DeleteFault(Id),
    Reset,
    SaveSnapshot,
    ListSnapshots,
    DeleteSnapshot(Id),
    RestoreSnapshot(Id),
}

/// Every template the dispatcher serves and its operations. No two templates match one
/// path: where one has a fixed word, every other of its length has a fixed word or nothing.
pub const ROUTES: &[Route<Op>] = {
    use Method as M;
    use Op::*;
    &[
        route(
            "/admin/v1/applications",
            &[
                (M::POST, |_| ReserveApplication),
                (M::GET, |_| ListApplications),
            ],
        ),
        route(
            "/admin/v1/applications/{app_id}",
            &[(M::PUT, |[a, ..]| PutApplication(a))],
        ),
        route(
            super::PIPELINE,
            &[
                (M::GET, |[a, ..]| GetApplicationPipeline(a)),
                (M::PUT, |[a, ..]| PutApplicationPipeline(a)),
                (M::DELETE, |[a, ..]| DeleteApplicationPipeline(a)),
            ],
        ),
        route(
            "/admin/v1/applications/{app_id}/submissions",
            &[(M::POST, |[a, ..]| StartDashboardSubmission(a))],
        ),
        route(
            "/admin/v1/applications/{app_id}/submissions/{submission_id}",
            &[(M::DELETE, |[a, s, _]| DeleteDashboardSubmission(a, s))],
        ),
        route("/admin/v1/sellers", &[(M::POST, |_| CreateSeller)]),
        route(
            "/admin/v1/flightgroups",
            &[
                (M::POST, |_| CreateFlightGroup),
                (M::GET, |_| ListFlightGroups),
            ],
        ),
        route(
            "/admin/v1/flightgroups/{group_id}",
            &[
                (M::GET, |[g, ..]| GetFlightGroup(g)),
                (M::PUT, |[g, ..]| PutFlightGroup(g)),
                (M::DELETE, |[g, ..]| DeleteFlightGroup(g)),
            ],
        ),
        route(
            "/admin/v1/pipeline",
            &[(M::GET, |_| GetPipeline), (M::PUT, |_| PutPipeline)],
        ),
        route(
            "/admin/v1/submissions/{submission_id}/approve",
            &[(M::POST, |[s, ..]| Approve(s))],
        ),
        route(
            "/admin/v1/submissions/{submission_id}/reject",
            &[(M::POST, |[s, ..]| Reject(s))],
        ),
        route(
            "/admin/v1/submissions/{submission_id}/publish",
            &[(M::POST, |[s, ..]| PublishNow(s))],
        ),
        route(
            "/admin/v1/clock",
            &[(M::GET, |_| GetClock), (M::POST, |_| AdvanceClock)],
        ),
        route(
            "/admin/v1/clients",
            &[(M::POST, |_| CreateClient), (M::GET, |_| ListClients)],
        ),
        route(
            "/admin/v1/clients/{client_id}",
            &[(M::PUT, |[c, ..]| ChangeClientRole(c))],
        ),
        route(
            "/admin/v1/clients/{client_id}/keys",
            &[(M::POST, |[c, ..]| AddClientKey(c))],
        ),
        route(
            "/admin/v1/clients/{client_id}/keys/{key_id}",
            &[(M::DELETE, |[c, k, _]| DeleteClientKey(c, k))],
        ),
        route("/admin/v1/msi/products", &[(M::GET, |_| ListMsiProducts)]),
        route(
            crate::msi::admin::PIPELINE,
            &[
                (M::GET, |[p, ..]| GetMsiProductPipeline(p)),
                (M::PUT, |[p, ..]| PutMsiProductPipeline(p)),
                (M::DELETE, |[p, ..]| DeleteMsiProductPipeline(p)),
            ],
        ),
        route(
            "/admin/v1/msi/submissions/{submission_id}/approve",
            &[(M::POST, |[s, ..]| ApproveMsiSubmission(s))],
        ),
        route(
            "/admin/v1/msi/submissions/{submission_id}/reject",
            &[(M::POST, |[s, ..]| RejectMsiSubmission(s))],
        ),
        route(
            "/admin/v1/msi/throttle",
            &[(M::GET, |_| GetMsiThrottle), (M::PUT, |_| PutMsiThrottle)],
        ),
        route("/admin/v1/offers", &[(M::GET, |_| ListOffers)]),
        route(
            crate::ingestion::admin::PIPELINE,
            &[
                (M::GET, |[p, ..]| GetOfferPipeline(p)),
                (M::PUT, |[p, ..]| PutOfferPipeline(p)),
                (M::DELETE, |[p, ..]| DeleteOfferPipeline(p)),
            ],
        ),
        route(
            crate::opsstate::routes::JOURNAL_ROUTE,
            &[(M::GET, |_| Journal)],
        ),
        route(
            "/admin/v1/faults",
            &[(M::POST, |_| CreateFault), (M::GET, |_| ListFaults)],
        ),
        route(
            "/admin/v1/faults/{fault_id}",
            &[(M::DELETE, |[f, ..]| DeleteFault(f))],
        ),
        route("/admin/v1/reset", &[(M::POST, |_| Reset)]),
        route(
            "/admin/v1/snapshots",
            &[(M::POST, |_| SaveSnapshot), (M::GET, |_| ListSnapshots)],
        ),
        route(
            "/admin/v1/snapshots/{name}",
            &[(M::DELETE, |[n, ..]| DeleteSnapshot(n))],
        ),
        route(
            "/admin/v1/snapshots/{name}/restore",
            &[(M::POST, |[n, ..]| RestoreSnapshot(n))],
        ),
    ]
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::table::{self, Miss};

    fn op(method: Method, path: &str) -> Result<Op, Miss> {
        table::decode(ROUTES, &method, path).map(|(_, op)| op)
    }

    #[test]
    fn ids_in_order_and_ids_spelled_like_fixed_words() {
        assert_eq!(
            op(Method::DELETE, "/admin/v1/clients/keys/keys/keys"),
            Ok(Op::DeleteClientKey("keys".into(), "keys".into()))
        );
        assert_eq!(
            op(Method::GET, "/admin/v1/applications/pipeline/pipeline"),
            Ok(Op::GetApplicationPipeline("pipeline".into()))
        );
        assert_eq!(
            op(Method::POST, "/admin/v1/msi/submissions/approve/reject"),
            Ok(Op::RejectMsiSubmission("approve".into()))
        );
    }

    #[test]
    fn methods_listed_as_axum_listed_them() {
        for (path, allow) in [
            ("/admin/v1/applications", "POST,GET,HEAD"),
            ("/admin/v1/applications/a/pipeline", "GET,HEAD,PUT,DELETE"),
            ("/admin/v1/clock", "GET,HEAD,POST"),
            ("/admin/v1/sellers", "POST"),
            ("/admin/v1/faults", "POST,GET,HEAD"),
            ("/admin/v1/snapshots/s", "DELETE"),
        ] {
            let Err(Miss::MethodNotAllowed { allow: listed, .. }) = op(Method::PATCH, path) else {
                panic!("{path}");
            };
            assert_eq!(listed, allow, "{path}");
        }
    }

    #[test]
    fn the_ops_states_paths_are_decoded() {
        assert_eq!(op(Method::GET, "/admin/v1/journal"), Ok(Op::Journal));
        assert_eq!(
            op(Method::POST, "/admin/v1/snapshots/restore/restore"),
            Ok(Op::RestoreSnapshot("restore".into()))
        );
        assert_eq!(
            op(Method::DELETE, "/admin/v1/faults/f%201"),
            Ok(Op::DeleteFault("f 1".into()))
        );
    }

    #[test]
    fn unknown_paths_are_not_decoded() {
        for path in [
            "/admin/v1/journal/1",
            "/admin/v1/faults/f/x",
            "/admin/v1/snapshots/s/other",
            "/admin/v1",
            "/admin/v1/msi",
            "/admin/v1/applications/a/foo",
        ] {
            assert_eq!(op(Method::GET, path), Err(Miss::NotFound), "{path}");
        }
    }
}
