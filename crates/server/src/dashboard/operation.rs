//! Every page, form action and asset of the dashboard that [`super::dispatch`] serves, and
//! the table it is decoded by from the method and the path ([`crate::dispatch::table`]).
//!
//! Templates are spelled as links write them (lower case, no trailing slash): the front
//! door only drops a trailing slash from a dashboard path.

use axum::http::Method;

use crate::dispatch::table::{Route, route};

/// A path id, percent-decoded.
type Id = String;

/// One variant per operation, with the path's ids in order. Pages are named for what they
/// show, form actions for what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Home,
    SigninPage,
    SignIn,
    SignOut,
    Stylesheet,
    Script,
    Products,
    ProductsEvents,
    ReserveApplication,
    Product(Id),
    SetPolicy(Id),
    ChangeRollout(Id),
    StartSubmission(Id),
    Submission(Id, Id),
    SubmissionEvents(Id, Id),
    ApproveSubmission(Id, Id),
    RejectSubmission(Id, Id),
    PublishSubmission(Id, Id),
    DeleteSubmission(Id, Id),
    EditSubmission(Id, Id),
    Storefront,
    Accounts,
    CreateClient,
    ChangeRole(Id),
    AddKey(Id),
    DeleteKey(Id, Id),
    Clock,
    AdvanceClock,
    MsiProduct(Id),
    Offer(Id),
    Journal,
    JournalEvents,
    Faults,
    CreateFault,
    DeleteFault(Id),
    Snapshots,
    SaveSnapshot,
    RestoreSnapshot(Id),
    DeleteSnapshot(Id),
    ConfirmReset,
    Reset,
}

/// Every template the dispatcher serves and its operations, each template's methods in
/// the order axum's `Allow` header listed them. No two templates match one path.
pub const ROUTES: &[Route<Op>] = {
    use super::{faults, journal, session, snapshots};
    use Method as M;
    use Op::*;
    &[
        route(super::ENTRY, &[(M::GET, |_| Home)]),
        route(
            session::SIGNIN_PATH,
            &[(M::GET, |_| SigninPage), (M::POST, |_| SignIn)],
        ),
        route("/dashboard/signout", &[(M::POST, |_| SignOut)]),
        route(
            "/dashboard/static/dashboard.css",
            &[(M::GET, |_| Stylesheet)],
        ),
        route("/dashboard/static/dashboard.js", &[(M::GET, |_| Script)]),
        route(super::HOME, &[(M::GET, |_| Products)]),
        route(
            "/dashboard/products/events",
            &[(M::GET, |_| ProductsEvents)],
        ),
        route(
            "/dashboard/applications",
            &[(M::POST, |_| ReserveApplication)],
        ),
        route(
            "/dashboard/applications/{app_id}",
            &[(M::GET, |[a, ..]| Product(a))],
        ),
        route(
            "/dashboard/applications/{app_id}/pipeline",
            &[(M::POST, |[a, ..]| SetPolicy(a))],
        ),
        route(
            "/dashboard/applications/{app_id}/rollout",
            &[(M::POST, |[a, ..]| ChangeRollout(a))],
        ),
        route(
            "/dashboard/applications/{app_id}/submissions",
            &[(M::POST, |[a, ..]| StartSubmission(a))],
        ),
        route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}",
            &[(M::GET, |[a, s, _]| Submission(a, s))],
        ),
        route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/events",
            &[(M::GET, |[a, s, _]| SubmissionEvents(a, s))],
        ),
        route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/approve",
            &[(M::POST, |[a, s, _]| ApproveSubmission(a, s))],
        ),
        route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/reject",
            &[(M::POST, |[a, s, _]| RejectSubmission(a, s))],
        ),
        route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/publish",
            &[(M::POST, |[a, s, _]| PublishSubmission(a, s))],
        ),
        route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/delete",
            &[(M::POST, |[a, s, _]| DeleteSubmission(a, s))],
        ),
        route(
            "/dashboard/applications/{app_id}/submissions/{submission_id}/edit",
            &[(M::POST, |[a, s, _]| EditSubmission(a, s))],
        ),
        route("/dashboard/store", &[(M::GET, |_| Storefront)]),
        route(
            "/dashboard/accounts",
            &[(M::GET, |_| Accounts), (M::POST, |_| CreateClient)],
        ),
        route(
            "/dashboard/accounts/{client_id}/role",
            &[(M::POST, |[c, ..]| ChangeRole(c))],
        ),
        route(
            "/dashboard/accounts/{client_id}/keys",
            &[(M::POST, |[c, ..]| AddKey(c))],
        ),
        route(
            "/dashboard/accounts/{client_id}/keys/{key_id}/delete",
            &[(M::POST, |[c, k, _]| DeleteKey(c, k))],
        ),
        route(
            "/dashboard/clock",
            &[(M::GET, |_| Clock), (M::POST, |_| AdvanceClock)],
        ),
        route(
            "/dashboard/msi/{product_id}",
            &[(M::GET, |[p, ..]| MsiProduct(p))],
        ),
        route(
            "/dashboard/offers/{product_id}",
            &[(M::GET, |[p, ..]| Offer(p))],
        ),
        route(journal::PATH, &[(M::GET, |_| Journal)]),
        route("/dashboard/journal/events", &[(M::GET, |_| JournalEvents)]),
        route(
            faults::PATH,
            &[(M::GET, |_| Faults), (M::POST, |_| CreateFault)],
        ),
        route(
            "/dashboard/faults/{fault_id}/delete",
            &[(M::POST, |[f, ..]| DeleteFault(f))],
        ),
        route(
            snapshots::PATH,
            &[(M::GET, |_| Snapshots), (M::POST, |_| SaveSnapshot)],
        ),
        route(
            "/dashboard/snapshots/{name}/restore",
            &[(M::POST, |[n, ..]| RestoreSnapshot(n))],
        ),
        route(
            "/dashboard/snapshots/{name}/delete",
            &[(M::POST, |[n, ..]| DeleteSnapshot(n))],
        ),
        route(
            snapshots::RESET_PATH,
            &[(M::GET, |_| ConfirmReset), (M::POST, |_| Reset)],
        ),
    ]
};

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::dispatch::table::{self, Miss};

    fn op(method: Method, path: &str) -> Result<Op, Miss> {
        table::decode(ROUTES, &method, path).map(|(_, op)| op)
    }

    /// A template with sample ids in it.
    fn sample(template: &str) -> String {
        template
            .replace("{app_id}", "9NBLGGH4R315")
            .replace("{submission_id}", "1152921504621243540")
            .replace("{client_id}", "c-1")
            .replace("{key_id}", "k-1")
            .replace("{product_id}", "p-1")
            .replace("{fault_id}", "f-1")
            .replace("{name}", "snap-1")
    }

    /// Every page, action and asset the dashboard had as an axum route, by method.
    const SERVED: &[(&str, &str)] = &[
        ("GET", "/dashboard"),
        ("GET", "/dashboard/signin"),
        ("POST", "/dashboard/signin"),
        ("POST", "/dashboard/signout"),
        ("GET", "/dashboard/static/dashboard.css"),
        ("GET", "/dashboard/static/dashboard.js"),
        ("GET", "/dashboard/products"),
        ("GET", "/dashboard/products/events"),
        ("POST", "/dashboard/applications"),
        ("GET", "/dashboard/applications/{app_id}"),
        ("POST", "/dashboard/applications/{app_id}/pipeline"),
        ("POST", "/dashboard/applications/{app_id}/rollout"),
        ("POST", "/dashboard/applications/{app_id}/submissions"),
        (
            "GET",
            "/dashboard/applications/{app_id}/submissions/{submission_id}",
        ),
        (
            "GET",
            "/dashboard/applications/{app_id}/submissions/{submission_id}/events",
        ),
        (
            "POST",
            "/dashboard/applications/{app_id}/submissions/{submission_id}/approve",
        ),
        (
            "POST",
            "/dashboard/applications/{app_id}/submissions/{submission_id}/reject",
        ),
        (
            "POST",
            "/dashboard/applications/{app_id}/submissions/{submission_id}/publish",
        ),
        (
            "POST",
            "/dashboard/applications/{app_id}/submissions/{submission_id}/delete",
        ),
        (
            "POST",
            "/dashboard/applications/{app_id}/submissions/{submission_id}/edit",
        ),
        ("GET", "/dashboard/store"),
        ("GET", "/dashboard/accounts"),
        ("POST", "/dashboard/accounts"),
        ("POST", "/dashboard/accounts/{client_id}/role"),
        ("POST", "/dashboard/accounts/{client_id}/keys"),
        (
            "POST",
            "/dashboard/accounts/{client_id}/keys/{key_id}/delete",
        ),
        ("GET", "/dashboard/clock"),
        ("POST", "/dashboard/clock"),
        ("GET", "/dashboard/msi/{product_id}"),
        ("GET", "/dashboard/offers/{product_id}"),
        ("GET", "/dashboard/journal"),
        ("GET", "/dashboard/journal/events"),
        ("GET", "/dashboard/faults"),
        ("POST", "/dashboard/faults"),
        ("POST", "/dashboard/faults/{fault_id}/delete"),
        ("GET", "/dashboard/snapshots"),
        ("POST", "/dashboard/snapshots"),
        ("POST", "/dashboard/snapshots/{name}/restore"),
        ("POST", "/dashboard/snapshots/{name}/delete"),
        ("GET", "/dashboard/reset"),
        ("POST", "/dashboard/reset"),
    ];

    #[test]
    fn every_template_decodes_to_its_operation_and_the_table_serves_nothing_else() {
        let mut variants = BTreeSet::new();
        for (method, template) in SERVED {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let path = sample(template);
            let (matched, op) = table::decode(ROUTES, &method, &path)
                .unwrap_or_else(|miss| panic!("{method} {path}: {miss:?}"));
            assert_eq!(matched, *template, "{method} {path}");
            let variant = format!("{op:?}");
            let variant = variant.split('(').next().unwrap_or_default().to_string();
            assert!(
                variants.insert(variant),
                "{method} {template}: {op:?} twice"
            );
        }
        let served: BTreeSet<(String, String)> = SERVED
            .iter()
            .map(|(method, template)| (method.to_string(), template.to_string()))
            .collect();
        let decoded: BTreeSet<(String, String)> = table::served(ROUTES)
            .map(|(template, method)| (method.to_string(), template.to_string()))
            .collect();
        assert_eq!(served, decoded);
    }

    #[test]
    fn ids_in_order_and_ids_spelled_like_fixed_words() {
        assert_eq!(
            op(
                Method::POST,
                "/dashboard/applications/edit/submissions/events/edit"
            ),
            Ok(Op::EditSubmission("edit".into(), "events".into()))
        );
        assert_eq!(
            op(Method::POST, "/dashboard/accounts/keys/keys/delete/delete"),
            Ok(Op::DeleteKey("keys".into(), "delete".into()))
        );
        assert_eq!(
            op(Method::GET, "/dashboard/applications/a%20b"),
            Ok(Op::Product("a b".into()))
        );
    }

    #[test]
    fn methods_listed_as_axum_listed_them() {
        for (path, allow) in [
            ("/dashboard/signin", "GET,HEAD,POST"),
            ("/dashboard/products", "GET,HEAD"),
            ("/dashboard/signout", "POST"),
            ("/dashboard/reset", "GET,HEAD,POST"),
        ] {
            let Err(Miss::MethodNotAllowed { allow: listed, .. }) = op(Method::PATCH, path) else {
                panic!("{path}");
            };
            assert_eq!(listed, allow, "{path}");
        }
    }

    #[test]
    fn unknown_paths_and_other_spellings_are_not_decoded() {
        for path in [
            "/dashboard/nothing",
            "/dashboard/msi",
            "/dashboard/Products",
            "/dashboard/static/other.js",
            "/dashboard/applications/a/submissions/s/other",
        ] {
            assert_eq!(op(Method::GET, path), Err(Miss::NotFound), "{path}");
        }
    }
}
