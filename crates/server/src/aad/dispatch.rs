//! The token endpoint's and OpenID discovery's one dispatcher: every request whose path the
//! front door counts as AAD's (`/{tenant}/oauth2/…`, `/{tenant}/.well-known/…`, …:
//! [`AAD_SEGMENTS`]) is decoded once ([`operation::ROUTES`]) and run from one `match`
//! ([`crate::dispatch::serve`] tells the order of checks). No token is read: the caller is
//! nobody in particular (`()`).
//!
//! An unknown path or method is answered as the router answered it (the front door's 404
//! and 405, AAD's error body being for the requests the endpoints read). A tenant that is
//! not UTF-8 is refused as axum's `Path` refused it, where a handler read it: the GET
//! refusals of the token endpoints read no tenant, so they answer as ever.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use utoipa_axum::router::OpenApiRouter;

use super::operation::{self, Op, TOKEN_V1, TOKEN_V2};
use super::{discovery, token};
use crate::dispatch::{Misses, Unreadable, unreadable_id};
use crate::state::AppState;
use crate::surface::AAD_SEGMENTS;

/// What the dispatcher's routes start with (listed in `openapi::UNDOCUMENTED`): one route
/// per word of [`AAD_SEGMENTS`] after it, `/{tenant}/oauth2/{*rest}` and so on, so that the
/// paths it serves are those the front door counts as AAD's. Their prefixes are not
/// templates of the front door's ([`crate::canonical`]): a path no operation matches keeps
/// its spelling in the 404, as before.
pub const TENANT: &str = "/{tenant}/";

/// The dispatcher's routes, and the document of the operations it serves.
pub fn routes() -> OpenApiRouter<AppState> {
    AAD_SEGMENTS.iter().fold(
        OpenApiRouter::with_openapi(super::described()),
        |router, word| router.route(&format!("{TENANT}{word}/{{*rest}}"), any(dispatch)),
    )
}

async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    crate::dispatch::serve_as::<Endpoints, _, _, _, _>(
        state,
        request,
        operation::ROUTES,
        |state, (), request, op| async move {
            Ok(execute(&state, request, op)
                .await
                .unwrap_or_else(IntoResponse::into_response))
        },
    )
    .await
}

/// The front door's answers, but for the token endpoints' GET, which reads no tenant.
struct Endpoints;

impl Misses for Endpoints {
    async fn unreadable_id(state: &AppState, request: Request, unreadable: Unreadable) -> Response {
        let token = [TOKEN_V1, TOKEN_V2].contains(&unreadable.template);
        if token && request.method() != Method::POST {
            token::token_get(state, request.headers())
        } else {
            unreadable_id(unreadable.name)
        }
    }
}

/// Runs `op`: every operation of the endpoints, each read as its handler reads it. The
/// only refusal is of a token request's body that cannot be read, in axum's words.
async fn execute(state: &AppState, request: Request, op: Op) -> Result<Response, BytesRejection> {
    use Op::*;
    let s = state;
    let headers = request.headers().clone();
    let h = &headers;
    let form = |request: Request| Bytes::from_request(request, state);
    Ok(match op {
        TokenV1(t) => token::token_v1(s, &t, h, &form(request).await?).await,
        TokenV1Get => token::token_get(s, h),
        TokenV2(t) => token::token_v2(s, &t, h, &form(request).await?).await,
        TokenV2Get => super::token_get_v2(s, h),
        OpenidConfigurationV1(t) => discovery::openid_v1(s, &t, h).await,
        OpenidConfigurationV2(t) => discovery::openid_v2(s, &t, h).await,
        SigningKeys(t) => discovery::jwks(s, &t, h).await,
        SigningKeysV2(t) => super::jwks_v2(s, &t, h).await,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_exactly_the_operations_decoded() {
        let document = routes().into_openapi();
        crate::dispatch::described::exactly(&document, operation::ROUTES, "", |template| {
            template.replace("{tenant}", "contoso.onmicrosoft.com")
        });
    }

    #[test]
    fn the_dispatcher_serves_every_documented_path_and_only_aad_paths() {
        for template in routes().into_openapi().paths.paths.keys() {
            let rest = template.strip_prefix(TENANT).unwrap_or_default();
            let word = rest.split('/').next().unwrap_or_default();
            assert!(AAD_SEGMENTS.contains(&word), "{template}");
        }
        for word in AAD_SEGMENTS {
            let path = format!("/t/{word}/anything");
            assert_eq!(
                crate::surface::Surface::of(&path),
                crate::surface::Surface::Aad
            );
        }
    }
}
