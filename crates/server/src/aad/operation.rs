//! Every operation of the token endpoint and OpenID discovery that [`super::dispatch`]
//! serves, and the table it is decoded by from the method and the path
//! ([`crate::dispatch::table`]).

use axum::http::Method;

use crate::dispatch::table::{Route, route};

/// A path id, percent-decoded.
type Id = String;

/// One variant per operation (named as its `operationId`), with the tenant where the
/// operation reads it: the GET refusals of the token endpoints do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    TokenV1(Id),
    TokenV1Get,
    TokenV2(Id),
    TokenV2Get,
    OpenidConfigurationV1(Id),
    OpenidConfigurationV2(Id),
    SigningKeys(Id),
    SigningKeysV2(Id),
}

pub const TOKEN_V1: &str = "/{tenant}/oauth2/token";
pub const TOKEN_V2: &str = "/{tenant}/oauth2/v2.0/token";
const OPENID_V1: &str = "/{tenant}/.well-known/openid-configuration";
const OPENID_V2: &str = "/{tenant}/v2.0/.well-known/openid-configuration";
const KEYS: &str = "/{tenant}/discovery/keys";
const KEYS_V2: &str = "/{tenant}/discovery/v2.0/keys";

/// Every template of the endpoints and their operations. No two templates match one path.
pub const ROUTES: &[Route<Op>] = {
    use Method as M;
    use Op::*;
    &[
        route(
            TOKEN_V1,
            &[(M::POST, |[t, ..]| TokenV1(t)), (M::GET, |_| TokenV1Get)],
        ),
        route(
            TOKEN_V2,
            &[(M::POST, |[t, ..]| TokenV2(t)), (M::GET, |_| TokenV2Get)],
        ),
        route(OPENID_V1, &[(M::GET, |[t, ..]| OpenidConfigurationV1(t))]),
        route(OPENID_V2, &[(M::GET, |[t, ..]| OpenidConfigurationV2(t))]),
        route(KEYS, &[(M::GET, |[t, ..]| SigningKeys(t))]),
        route(KEYS_V2, &[(M::GET, |[t, ..]| SigningKeysV2(t))]),
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
    fn the_tenant_is_an_id_of_any_spelling() {
        assert_eq!(
            op(Method::POST, "/oauth2/oauth2/token"),
            Ok(Op::TokenV1("oauth2".into()))
        );
        assert_eq!(
            op(Method::GET, "/contoso.onmicrosoft.com/discovery/v2.0/keys"),
            Ok(Op::SigningKeysV2("contoso.onmicrosoft.com".into()))
        );
        assert_eq!(op(Method::HEAD, "/t/oauth2/v2.0/token"), Ok(Op::TokenV2Get));
    }

    #[test]
    fn methods_listed_as_axum_listed_them() {
        for (path, allow) in [
            ("/t/oauth2/token", "POST,GET,HEAD"),
            ("/t/oauth2/v2.0/token", "POST,GET,HEAD"),
            ("/t/discovery/keys", "GET,HEAD"),
        ] {
            let listed = table::allowed(ROUTES, path);
            assert_eq!(listed.as_deref(), Some(allow), "{path}");
        }
    }

    #[test]
    fn unknown_paths_are_not_decoded() {
        for path in [
            "/t/oauth2",
            "/t/oauth2/foo",
            "/t/v2.0/foo",
            "/t/discovery/keys/x",
        ] {
            assert_eq!(op(Method::GET, path), Err(Miss::NotFound), "{path}");
        }
    }
}
