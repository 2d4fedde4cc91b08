//! The operations served without a token, and the table they are decoded by from the
//! method and the path ([`crate::dispatch::table`]).

use axum::http::Method;

use crate::dispatch::table::{Route, route};

/// A path id, percent-decoded.
type Id = String;

/// One variant per operation (named as its `operationId`), with the path's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    GetCertificationReport(Id),
    StoreProduct(Id),
}

/// Every template and its operation. No two templates match one path.
pub const ROUTES: &[Route<Op>] = {
    use Method as M;
    use Op::*;
    &[
        route(
            "/ui/reports/{file}",
            &[(M::GET, |[f, ..]| GetCertificationReport(f))],
        ),
        route(
            "/store/v1/products/{store_id}",
            &[(M::GET, |[s, ..]| StoreProduct(s))],
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
    fn one_id_each_and_get_only() {
        assert_eq!(
            op(Method::HEAD, "/ui/reports/r%201.json"),
            Ok(Op::GetCertificationReport("r 1.json".into()))
        );
        assert_eq!(
            table::allowed(ROUTES, "/store/v1/products/9P").as_deref(),
            Some("GET,HEAD")
        );
        for path in ["/ui/reports", "/ui/reports/a/b", "/store/v1/products"] {
            assert_eq!(op(Method::GET, path), Err(Miss::NotFound), "{path}");
        }
    }
}
