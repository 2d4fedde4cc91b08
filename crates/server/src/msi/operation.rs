//! Every operation of the MSI/EXE submission API that [`super::dispatch`] serves, and the
//! table it is decoded by from the method and the path ([`crate::dispatch::table`]).

use axum::http::Method;

use crate::dispatch::table::{Route, route};

/// A path id, percent-decoded.
type Id = String;

/// One variant per operation (named as its `operationId`, after `msi`), with the path's
/// ids in order: the product's first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    GetMetadata(Id),
    PutMetadata(Id),
    PatchMetadata(Id),
    GetMetadataModule(Id, Id),
    GetPackages(Id),
    PutPackages(Id),
    CommitPackages(Id),
    GetPackage(Id, Id),
    PatchPackage(Id, Id),
    GetListingAssets(Id),
    CreateListingAssets(Id),
    CommitListingAssets(Id),
    GetModuleStatus(Id),
    Submit(Id),
    GetSubmissionStatus(Id, Id),
}

const METADATA: &str = "/submission/v1/product/{product_id}/metadata";
const METADATA_MODULE: &str = "/submission/v1/product/{product_id}/metadata/{module}";
const PACKAGES: &str = "/submission/v1/product/{product_id}/packages";
const PACKAGES_COMMIT: &str = "/submission/v1/product/{product_id}/packages/commit";
const PACKAGE: &str = "/submission/v1/product/{product_id}/packages/{package_id}";
const ASSETS: &str = "/submission/v1/product/{product_id}/listings/assets";
const ASSETS_CREATE: &str = "/submission/v1/product/{product_id}/listings/assets/create";
const ASSETS_COMMIT: &str = "/submission/v1/product/{product_id}/listings/assets/commit";
const STATUS: &str = "/submission/v1/product/{product_id}/status";
const SUBMIT: &str = "/submission/v1/product/{product_id}/submit";
const SUBMISSION_STATUS: &str =
    "/submission/v1/product/{product_id}/submission/{submission_id}/status";

/// Every template of the API and its operations, in the order axum routed them. One pair of
/// templates matches one path: `packages/commit` and `packages/{package_id}`. The fixed
/// word wins, as it did in axum's router (a `GET` of `packages/commit` is a 405), so
/// `packages/commit` comes first: [`crate::dispatch::table::decode`] takes the first match.
pub const ROUTES: &[Route<Op>] = {
    use Method as M;
    use Op::*;
    &[
        route(
            METADATA,
            &[
                (M::GET, |[p, ..]| GetMetadata(p)),
                (M::PUT, |[p, ..]| PutMetadata(p)),
                (M::PATCH, |[p, ..]| PatchMetadata(p)),
            ],
        ),
        route(
            METADATA_MODULE,
            &[(M::GET, |[p, m, _]| GetMetadataModule(p, m))],
        ),
        route(
            PACKAGES,
            &[
                (M::GET, |[p, ..]| GetPackages(p)),
                (M::PUT, |[p, ..]| PutPackages(p)),
            ],
        ),
        route(PACKAGES_COMMIT, &[(M::POST, |[p, ..]| CommitPackages(p))]),
        route(
            PACKAGE,
            &[
                (M::GET, |[p, k, _]| GetPackage(p, k)),
                (M::PATCH, |[p, k, _]| PatchPackage(p, k)),
            ],
        ),
        route(ASSETS, &[(M::GET, |[p, ..]| GetListingAssets(p))]),
        route(
            ASSETS_CREATE,
            &[(M::POST, |[p, ..]| CreateListingAssets(p))],
        ),
        route(ASSETS_COMMIT, &[(M::PUT, |[p, ..]| CommitListingAssets(p))]),
        route(STATUS, &[(M::GET, |[p, ..]| GetModuleStatus(p))]),
        route(SUBMIT, &[(M::POST, |[p, ..]| Submit(p))]),
        route(
            SUBMISSION_STATUS,
            &[(M::GET, |[p, s, _]| GetSubmissionStatus(p, s))],
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
    fn the_commit_word_wins_over_a_package_id() {
        let product = "/submission/v1/product/9P";
        assert_eq!(
            op(Method::POST, &format!("{product}/packages/commit")),
            Ok(Op::CommitPackages("9P".into()))
        );
        let Err(Miss::MethodNotAllowed { template, allow }) =
            op(Method::GET, &format!("{product}/packages/commit"))
        else {
            panic!("GET packages/commit");
        };
        assert_eq!((template, allow.as_str()), (PACKAGES_COMMIT, "POST"));
        assert_eq!(
            op(Method::PATCH, &format!("{product}/packages/Commit")),
            Ok(Op::PatchPackage("9P".into(), "Commit".into()))
        );
    }

    #[test]
    fn ids_in_order_and_ids_spelled_like_fixed_words() {
        assert_eq!(
            op(
                Method::GET,
                "/submission/v1/product/status/submission/submit/status"
            ),
            Ok(Op::GetSubmissionStatus("status".into(), "submit".into()))
        );
        assert_eq!(
            op(Method::GET, "/submission/v1/product/p/metadata/listings"),
            Ok(Op::GetMetadataModule("p".into(), "listings".into()))
        );
    }

    #[test]
    fn methods_listed_as_axum_listed_them() {
        for (path, allow) in [
            ("/submission/v1/product/p/metadata", "GET,HEAD,PUT,PATCH"),
            ("/submission/v1/product/p/packages", "GET,HEAD,PUT"),
            ("/submission/v1/product/p/packages/k", "GET,HEAD,PATCH"),
            ("/submission/v1/product/p/listings/assets/commit", "PUT"),
        ] {
            let listed = table::allowed(ROUTES, path);
            assert_eq!(listed.as_deref(), Some(allow), "{path}");
        }
    }

    #[test]
    fn unknown_paths_are_not_decoded() {
        for path in [
            "/submission",
            "/submission/v1",
            "/submission/v1/product/p",
            "/submission/v1/product/p/nothing/here",
            "/submission/v1/product/p/listings",
            "/submission/v1/product/p/submission/s",
        ] {
            assert_eq!(op(Method::GET, path), Err(Miss::NotFound), "{path}");
        }
    }
}
