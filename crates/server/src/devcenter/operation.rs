//! Every operation of the devcenter API v1.0, and the table it is decoded by from the
//! method and the path ([`crate::dispatch::table`]).

use axum::http::Method;

use crate::dispatch::table::{Route, route};

/// A path id, percent-decoded.
type Id = String;

/// One variant per operation (named as its `operationId`), with the path's ids in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    ListApplications,
    GetApplication(Id),
    CreateSubmission(Id),
    GetSubmission(Id, Id),
    UpdateSubmission(Id, Id),
    DeleteSubmission(Id, Id),
    CommitSubmission(Id, Id),
    GetSubmissionStatus(Id, Id),
    GetPackageRollout(Id, Id),
    UpdatePackageRolloutPercentage(Id, Id),
    HaltPackageRollout(Id, Id),
    FinalizePackageRollout(Id, Id),
    ListFlights(Id),
    CreateFlight(Id),
    GetFlight(Id, Id),
    DeleteFlight(Id, Id),
    CreateFlightSubmission(Id, Id),
    GetFlightSubmission(Id, Id, Id),
    UpdateFlightSubmission(Id, Id, Id),
    DeleteFlightSubmission(Id, Id, Id),
    CommitFlightSubmission(Id, Id, Id),
    GetFlightSubmissionStatus(Id, Id, Id),
    GetFlightPackageRollout(Id, Id, Id),
    UpdateFlightPackageRolloutPercentage(Id, Id, Id),
    HaltFlightPackageRollout(Id, Id, Id),
    FinalizeFlightPackageRollout(Id, Id, Id),
    ListApplicationInAppProducts(Id),
    ListInAppProducts,
    CreateInAppProduct,
    GetInAppProduct(Id),
    DeleteInAppProduct(Id),
    CreateInAppProductSubmission(Id),
    GetInAppProductSubmission(Id, Id),
    UpdateInAppProductSubmission(Id, Id),
    DeleteInAppProductSubmission(Id, Id),
    CommitInAppProductSubmission(Id, Id),
    GetInAppProductSubmissionStatus(Id, Id),
}

const APPLICATIONS: &str = "/v1.0/my/applications";
const APPLICATION: &str = "/v1.0/my/applications/{app_id}";
const SUBMISSIONS: &str = "/v1.0/my/applications/{app_id}/submissions";
const SUBMISSION: &str = "/v1.0/my/applications/{app_id}/submissions/{submission_id}";
const COMMIT: &str = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/commit";
const STATUS: &str = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/status";
const ROLLOUT: &str = "/v1.0/my/applications/{app_id}/submissions/{submission_id}/packagerollout";
const ROLLOUT_PERCENTAGE: &str =
    "/v1.0/my/applications/{app_id}/submissions/{submission_id}/updatepackagerolloutpercentage";
const ROLLOUT_HALT: &str =
    "/v1.0/my/applications/{app_id}/submissions/{submission_id}/haltpackagerollout";
const ROLLOUT_FINALIZE: &str =
    "/v1.0/my/applications/{app_id}/submissions/{submission_id}/finalizepackagerollout";
const LIST_FLIGHTS: &str = "/v1.0/my/applications/{app_id}/listflights";
const FLIGHTS: &str = "/v1.0/my/applications/{app_id}/flights";
const FLIGHT: &str = "/v1.0/my/applications/{app_id}/flights/{flight_id}";
const FLIGHT_SUBMISSIONS: &str = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions";
const FLIGHT_SUBMISSION: &str =
    "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}";
const FLIGHT_COMMIT: &str =
    "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/commit";
const FLIGHT_STATUS: &str =
    "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/status";
const FLIGHT_ROLLOUT: &str =
    "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/packagerollout";
const FLIGHT_ROLLOUT_PERCENTAGE: &str = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/updatepackagerolloutpercentage";
const FLIGHT_ROLLOUT_HALT: &str = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/haltpackagerollout";
const FLIGHT_ROLLOUT_FINALIZE: &str = "/v1.0/my/applications/{app_id}/flights/{flight_id}/submissions/{submission_id}/finalizepackagerollout";
const APPLICATION_IN_APP_PRODUCTS: &str = "/v1.0/my/applications/{app_id}/listinappproducts";
const IN_APP_PRODUCTS: &str = "/v1.0/my/inappproducts";
const IN_APP_PRODUCT: &str = "/v1.0/my/inappproducts/{iap_id}";
const IAP_SUBMISSIONS: &str = "/v1.0/my/inappproducts/{iap_id}/submissions";
const IAP_SUBMISSION: &str = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}";
const IAP_COMMIT: &str = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}/commit";
const IAP_STATUS: &str = "/v1.0/my/inappproducts/{iap_id}/submissions/{submission_id}/status";

/// Every template of the API and its operations. No two templates match one path: where
/// one has a fixed word, every other of its length has a fixed word or nothing.
pub const ROUTES: &[Route<Op>] = {
    use Method as M;
    use Op::*;
    &[
        route(APPLICATIONS, &[(M::GET, |_| ListApplications)]),
        route(APPLICATION, &[(M::GET, |[a, ..]| GetApplication(a))]),
        route(SUBMISSIONS, &[(M::POST, |[a, ..]| CreateSubmission(a))]),
        route(
            SUBMISSION,
            &[
                (M::GET, |[a, s, _]| GetSubmission(a, s)),
                (M::PUT, |[a, s, _]| UpdateSubmission(a, s)),
                (M::DELETE, |[a, s, _]| DeleteSubmission(a, s)),
            ],
        ),
        route(COMMIT, &[(M::POST, |[a, s, _]| CommitSubmission(a, s))]),
        route(STATUS, &[(M::GET, |[a, s, _]| GetSubmissionStatus(a, s))]),
        route(ROLLOUT, &[(M::GET, |[a, s, _]| GetPackageRollout(a, s))]),
        route(
            ROLLOUT_PERCENTAGE,
            &[(M::POST, |[a, s, _]| UpdatePackageRolloutPercentage(a, s))],
        ),
        route(
            ROLLOUT_HALT,
            &[(M::POST, |[a, s, _]| HaltPackageRollout(a, s))],
        ),
        route(
            ROLLOUT_FINALIZE,
            &[(M::POST, |[a, s, _]| FinalizePackageRollout(a, s))],
        ),
        route(LIST_FLIGHTS, &[(M::GET, |[a, ..]| ListFlights(a))]),
        route(FLIGHTS, &[(M::POST, |[a, ..]| CreateFlight(a))]),
        route(
            FLIGHT,
            &[
                (M::GET, |[a, f, _]| GetFlight(a, f)),
                (M::DELETE, |[a, f, _]| DeleteFlight(a, f)),
            ],
        ),
        route(
            FLIGHT_SUBMISSIONS,
            &[(M::POST, |[a, f, _]| CreateFlightSubmission(a, f))],
        ),
        route(
            FLIGHT_SUBMISSION,
            &[
                (M::GET, |[a, f, s]| GetFlightSubmission(a, f, s)),
                (M::PUT, |[a, f, s]| UpdateFlightSubmission(a, f, s)),
                (M::DELETE, |[a, f, s]| DeleteFlightSubmission(a, f, s)),
            ],
        ),
        route(
            FLIGHT_COMMIT,
            &[(M::POST, |[a, f, s]| CommitFlightSubmission(a, f, s))],
        ),
        route(
            FLIGHT_STATUS,
            &[(M::GET, |[a, f, s]| GetFlightSubmissionStatus(a, f, s))],
        ),
        route(
            FLIGHT_ROLLOUT,
            &[(M::GET, |[a, f, s]| GetFlightPackageRollout(a, f, s))],
        ),
        route(
            FLIGHT_ROLLOUT_PERCENTAGE,
            &[(M::POST, |[a, f, s]| {
                UpdateFlightPackageRolloutPercentage(a, f, s)
            })],
        ),
        route(
            FLIGHT_ROLLOUT_HALT,
            &[(M::POST, |[a, f, s]| HaltFlightPackageRollout(a, f, s))],
        ),
        route(
            FLIGHT_ROLLOUT_FINALIZE,
            &[(M::POST, |[a, f, s]| FinalizeFlightPackageRollout(a, f, s))],
        ),
        route(
            APPLICATION_IN_APP_PRODUCTS,
            &[(M::GET, |[a, ..]| ListApplicationInAppProducts(a))],
        ),
        route(
            IN_APP_PRODUCTS,
            &[
                (M::GET, |_| ListInAppProducts),
                (M::POST, |_| CreateInAppProduct),
            ],
        ),
        route(
            IN_APP_PRODUCT,
            &[
                (M::GET, |[i, ..]| GetInAppProduct(i)),
                (M::DELETE, |[i, ..]| DeleteInAppProduct(i)),
            ],
        ),
        route(
            IAP_SUBMISSIONS,
            &[(M::POST, |[i, ..]| CreateInAppProductSubmission(i))],
        ),
        route(
            IAP_SUBMISSION,
            &[
                (M::GET, |[i, s, _]| GetInAppProductSubmission(i, s)),
                (M::PUT, |[i, s, _]| UpdateInAppProductSubmission(i, s)),
                (M::DELETE, |[i, s, _]| DeleteInAppProductSubmission(i, s)),
            ],
        ),
        route(
            IAP_COMMIT,
            &[(M::POST, |[i, s, _]| CommitInAppProductSubmission(i, s))],
        ),
        route(
            IAP_STATUS,
            &[(M::GET, |[i, s, _]| GetInAppProductSubmissionStatus(i, s))],
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

    const SUB: &str = "/v1.0/my/applications/9NBLGGH4R315/submissions/1152921504621243540";

    #[test]
    fn every_template_decodes_with_its_ids_in_order() {
        use Op::*;
        let (a, s) = (
            "9NBLGGH4R315".to_string(),
            "1152921504621243540".to_string(),
        );
        let (f, i) = ("f-1".to_string(), "9P1".to_string());
        let app = "/v1.0/my/applications/9NBLGGH4R315";
        let flight = format!("{app}/flights/f-1");
        let fsub = format!("{flight}/submissions/1152921504621243540");
        let iap = "/v1.0/my/inappproducts/9P1";
        let isub = format!("{iap}/submissions/1152921504621243540");
        let cases: Vec<(Method, String, Op)> = vec![
            (
                Method::GET,
                "/v1.0/my/applications".into(),
                ListApplications,
            ),
            (Method::GET, app.into(), GetApplication(a.clone())),
            (
                Method::POST,
                format!("{app}/submissions"),
                CreateSubmission(a.clone()),
            ),
            (Method::GET, SUB.into(), GetSubmission(a.clone(), s.clone())),
            (
                Method::PUT,
                SUB.into(),
                UpdateSubmission(a.clone(), s.clone()),
            ),
            (
                Method::DELETE,
                SUB.into(),
                DeleteSubmission(a.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{SUB}/commit"),
                CommitSubmission(a.clone(), s.clone()),
            ),
            (
                Method::GET,
                format!("{SUB}/status"),
                GetSubmissionStatus(a.clone(), s.clone()),
            ),
            (
                Method::GET,
                format!("{SUB}/packagerollout"),
                GetPackageRollout(a.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{SUB}/updatepackagerolloutpercentage"),
                UpdatePackageRolloutPercentage(a.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{SUB}/haltpackagerollout"),
                HaltPackageRollout(a.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{SUB}/finalizepackagerollout"),
                FinalizePackageRollout(a.clone(), s.clone()),
            ),
            (
                Method::GET,
                format!("{app}/listflights"),
                ListFlights(a.clone()),
            ),
            (
                Method::POST,
                format!("{app}/flights"),
                CreateFlight(a.clone()),
            ),
            (Method::GET, flight.clone(), GetFlight(a.clone(), f.clone())),
            (
                Method::DELETE,
                flight.clone(),
                DeleteFlight(a.clone(), f.clone()),
            ),
            (
                Method::POST,
                format!("{flight}/submissions"),
                CreateFlightSubmission(a.clone(), f.clone()),
            ),
            (
                Method::GET,
                fsub.clone(),
                GetFlightSubmission(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::PUT,
                fsub.clone(),
                UpdateFlightSubmission(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::DELETE,
                fsub.clone(),
                DeleteFlightSubmission(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{fsub}/commit"),
                CommitFlightSubmission(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::GET,
                format!("{fsub}/status"),
                GetFlightSubmissionStatus(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::GET,
                format!("{fsub}/packagerollout"),
                GetFlightPackageRollout(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{fsub}/updatepackagerolloutpercentage"),
                UpdateFlightPackageRolloutPercentage(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{fsub}/haltpackagerollout"),
                HaltFlightPackageRollout(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{fsub}/finalizepackagerollout"),
                FinalizeFlightPackageRollout(a.clone(), f.clone(), s.clone()),
            ),
            (
                Method::GET,
                format!("{app}/listinappproducts"),
                ListApplicationInAppProducts(a.clone()),
            ),
            (
                Method::GET,
                "/v1.0/my/inappproducts".into(),
                ListInAppProducts,
            ),
            (
                Method::POST,
                "/v1.0/my/inappproducts".into(),
                CreateInAppProduct,
            ),
            (Method::GET, iap.into(), GetInAppProduct(i.clone())),
            (Method::DELETE, iap.into(), DeleteInAppProduct(i.clone())),
            (
                Method::POST,
                format!("{iap}/submissions"),
                CreateInAppProductSubmission(i.clone()),
            ),
            (
                Method::GET,
                isub.clone(),
                GetInAppProductSubmission(i.clone(), s.clone()),
            ),
            (
                Method::PUT,
                isub.clone(),
                UpdateInAppProductSubmission(i.clone(), s.clone()),
            ),
            (
                Method::DELETE,
                isub.clone(),
                DeleteInAppProductSubmission(i.clone(), s.clone()),
            ),
            (
                Method::POST,
                format!("{isub}/commit"),
                CommitInAppProductSubmission(i.clone(), s.clone()),
            ),
            (
                Method::GET,
                format!("{isub}/status"),
                GetInAppProductSubmissionStatus(i, s),
            ),
        ];
        assert_eq!(
            cases.len(),
            table::served(ROUTES).count(),
            "one case per operation"
        );
        for (method, path, expected) in cases {
            assert_eq!(op(method.clone(), &path), Ok(expected), "{method} {path}");
        }
    }

    #[test]
    fn head_is_a_get() {
        assert_eq!(
            op(Method::HEAD, "/v1.0/my/applications"),
            Ok(Op::ListApplications)
        );
        assert!(matches!(
            op(Method::HEAD, &format!("{SUB}/commit")),
            Err(Miss::MethodNotAllowed { .. })
        ));
    }

    #[test]
    fn a_known_path_with_another_method_lists_its_methods() {
        assert_eq!(
            op(Method::POST, SUB),
            Err(Miss::MethodNotAllowed {
                template: SUBMISSION,
                allow: "GET,HEAD,PUT,DELETE".into(),
            })
        );
        assert_eq!(
            op(Method::PATCH, "/v1.0/my/inappproducts"),
            Err(Miss::MethodNotAllowed {
                template: IN_APP_PRODUCTS,
                allow: "GET,HEAD,POST".into(),
            })
        );
        assert_eq!(
            op(Method::GET, &format!("{SUB}/commit")),
            Err(Miss::MethodNotAllowed {
                template: COMMIT,
                allow: "POST".into(),
            })
        );
        assert_eq!(
            op(Method::OPTIONS, "/v1.0/my/applications/a/listflights"),
            Err(Miss::MethodNotAllowed {
                template: LIST_FLIGHTS,
                allow: "GET,HEAD".into(),
            })
        );
    }

    #[test]
    fn unknown_paths() {
        for path in [
            "/v1.0/my",
            "/v1.0/my/Unknown",
            "/v1.0/my/applicationsX",
            "/v1.0/my/applications/a/b",
            "/v1.0/my/applications/a/submissions/s/commit/more",
            "/v1.0/my/inappproducts/i/submissions/s/packagerollout",
            "/v1.0/my/applications/a/flights/f/submissions/s/unknown",
            // The front door spells fixed words; anything else is not this API's.
            "/v1.0/my/Applications",
            "/v1.0/my/applications/a/Submissions",
            "/v1.0/my/applications//submissions",
            "/v1.0/my/applications/",
            "/v1.0/ingestion/products",
        ] {
            assert_eq!(op(Method::GET, path), Err(Miss::NotFound), "{path}");
        }
    }

    #[test]
    fn ids_spelled_like_fixed_words_are_ids() {
        assert_eq!(
            op(
                Method::POST,
                "/v1.0/my/applications/submissions/submissions/commit/commit"
            ),
            Ok(Op::CommitSubmission("submissions".into(), "commit".into()))
        );
        assert_eq!(
            op(
                Method::GET,
                "/v1.0/my/applications/Flights/flights/listflights"
            ),
            Ok(Op::GetFlight("Flights".into(), "listflights".into()))
        );
        assert_eq!(
            op(Method::DELETE, "/v1.0/my/inappproducts/submissions"),
            Ok(Op::DeleteInAppProduct("submissions".into()))
        );
    }

    #[test]
    fn ids_are_percent_decoded_and_refused_when_not_utf8() {
        assert_eq!(
            op(Method::GET, "/v1.0/my/applications/a%2Fb/submissions/1%20"),
            Ok(Op::GetSubmission("a/b".into(), "1 ".into()))
        );
        assert_eq!(
            op(Method::GET, "/v1.0/my/applications/ok/submissions/%ff"),
            Err(Miss::UnreadableId {
                template: SUBMISSION,
                name: "submission_id",
            })
        );
        // The first unreadable id is named, as axum named it.
        assert_eq!(
            op(
                Method::PUT,
                "/v1.0/my/applications/%fe/flights/%ff/submissions/1"
            ),
            Err(Miss::UnreadableId {
                template: FLIGHT_SUBMISSION,
                name: "app_id",
            })
        );
        // The method is checked first.
        assert!(matches!(
            op(Method::PATCH, "/v1.0/my/inappproducts/%ff"),
            Err(Miss::MethodNotAllowed { .. })
        ));
    }

    #[test]
    fn every_operation_is_matched_by_its_template() {
        for (template, method) in table::served(ROUTES) {
            let path = template
                .replace("{app_id}", "a")
                .replace("{flight_id}", "f")
                .replace("{submission_id}", "s")
                .replace("{iap_id}", "i");
            let (matched, _) = table::decode(ROUTES, method, &path).unwrap();
            assert_eq!(matched, template, "{method} {path}");
        }
    }
}
