//! Signing in and out of the dashboard, the session every other page needs, and the CSRF
//! token every form carries.
//!
//! The session cookie is `HttpOnly`, `SameSite=Strict`, `Path=/dashboard` and `Secure` over
//! HTTPS; the session itself is in the store (see
//! [`storeroom_domain::dashboard_session`]), so every instance of a shared database honours
//! it and it survives a restart. Every POST carries the session's CSRF token in a hidden
//! `csrf` field ([`Posted`]); the sign-in form, which has no session yet, carries the token
//! of a short-lived pre-session cookie instead (double submit).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use rand::distr::{Alphanumeric, SampleString};
use serde::de::DeserializeOwned;
use storeroom_domain::dashboard_session::DashboardSession;

use super::layout;
use crate::aad::constant_time_eq;
use crate::listen::OverTls;
use crate::state::AppState;

/// The session cookie.
const SESSION_COOKIE: &str = "storeroom_session";
/// The sign-in form's double-submit cookie.
const SIGNIN_COOKIE: &str = "storeroom_signin";
pub const SIGNIN_PATH: &str = "/dashboard/signin";

/// A signed-in request: its session (whose CSRF token the page's forms carry).
pub struct Signed {
    pub session: DashboardSession,
}

impl Signed {
    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }
}

/// A cookie's value from the request headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// How a request without a session is answered: event streams (which cannot follow a
/// redirect usefully) get 401, pages a redirect to the sign-in page.
fn unsigned(parts: &Parts) -> Response {
    let stream = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"))
        || parts.uri.path().ends_with("/events");
    if stream {
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Sign in to the dashboard first.",
        )
            .into_response()
    } else {
        Redirect::to(SIGNIN_PATH).into_response()
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Err(unsigned(parts));
        };
        match state.service.dashboard_session(token).await {
            Ok(Some(session)) => Ok(Signed { session }),
            Ok(None) => Err(unsigned(parts)),
            Err(err) => Err(layout::domain_error(err)),
        }
    }
}

/// A POSTed form of a signed-in session whose `csrf` field is the session's token; the other
/// fields as `T` (every value a string). Missing or wrong token: 403.
pub struct Posted<T> {
    pub signed: Signed,
    pub form: T,
}

/// The fields of a form body, the last value of each name.
fn fields(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// A 403 page: the form did not carry its session's token.
fn forbidden() -> Response {
    layout::message_page(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "This form's CSRF token is missing or wrong. Reload the page and try again.",
    )
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, state).await?;
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| {
                layout::message_page(rejection.status(), "Bad request", &rejection.body_text())
            })?;
        let mut fields = fields(&body);
        let csrf = fields.remove("csrf").unwrap_or_default();
        if !constant_time_eq(csrf.as_bytes(), signed.csrf().as_bytes()) {
            return Err(forbidden());
        }
        let object = fields
            .into_iter()
            .map(|(key, value)| (key, serde_json::Value::String(value)))
            .collect();
        let form = serde_json::from_value(serde_json::Value::Object(object)).map_err(|err| {
            layout::message_page(
                StatusCode::BAD_REQUEST,
                "Bad request",
                &format!("The form is incomplete: {err}"),
            )
        })?;
        Ok(Posted { signed, form })
    }
}

/// `Set-Cookie` for a dashboard cookie: `HttpOnly`, `SameSite=Strict`, `Path=/dashboard`,
/// `Secure` over HTTPS; `max_age` None removes it.
fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let age = max_age.unwrap_or(0);
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path=/dashboard; Max-Age={age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("x=; Max-Age=0"))
}

fn over_tls(parts: &Parts) -> bool {
    parts.extensions.get::<OverTls>().is_some()
}

/// `GET /dashboard/signin`: the form, with a fresh double-submit token in a cookie.
pub async fn signin_page(request: Request) -> Response {
    let (parts, _) = request.into_parts();
    signin_form(&parts, StatusCode::OK, None)
}

fn signin_form(parts: &Parts, status: StatusCode, error: Option<&str>) -> Response {
    let token = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let body = html! {
        main.signin {
            h1 { "storeroom dashboard" }
            @if let Some(error) = error {
                p.error role="alert" { (error) }
            }
            form method="post" action=(SIGNIN_PATH) {
                input type="hidden" name="csrf" value=(token);
                label for="token" { "Admin token" }
                input #token type="password" name="token" autocomplete="current-password" required autofocus;
                p.hint { "The " code { "adminToken" } " of " code { "credentials.json" } " in the data directory." }
                button type="submit" { "Sign in" }
            }
        }
    };
    let mut response = layout::bare_page(status, "Sign in", body);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, &token, Some(600), over_tls(parts)),
    );
    response
}

/// `POST /dashboard/signin` `token=…&csrf=…`: opens a session when the token is the admin
/// token (compared in constant time).
pub async fn sign_in(state: AppState, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 16 << 10).await else {
        return layout::message_page(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The form is too large.",
        );
    };
    let fields = fields(&body);
    let expected = cookie(&parts.headers, SIGNIN_COOKIE).unwrap_or_default();
    let sent = fields.get("csrf").map(String::as_str).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        return forbidden();
    }
    let token = fields.get("token").map(|t| t.trim()).unwrap_or_default();
    if !constant_time_eq(token.as_bytes(), state.account.admin_token.as_bytes()) {
        return signin_form(
            &parts,
            StatusCode::UNAUTHORIZED,
            Some("That is not the admin token."),
        );
    }
    let (session, cookie_token) = match state.service.open_dashboard_session().await {
        Ok(opened) => opened,
        Err(err) => return layout::domain_error(err),
    };
    let max_age = (session.expires_at - session.created_at).num_seconds();
    let secure = over_tls(&parts);
    let mut response = Redirect::to(super::HOME).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &cookie_token, Some(max_age), secure),
    );
    headers.append(
        header::SET_COOKIE,
        set_cookie(SIGNIN_COOKIE, "", None, secure),
    );
    response
}

#[derive(serde::Deserialize)]
pub struct NoFields {}

/// `POST /dashboard/signout`: the session is deleted from the store and the cookie removed.
pub async fn sign_out(state: AppState, request: Request) -> Response {
    let secure = request.extensions().get::<OverTls>().is_some();
    let token = cookie(request.headers(), SESSION_COOKIE)
        .unwrap_or_default()
        .to_string();
    if let Err(rejection) = Posted::<NoFields>::from_request(request, &state).await {
        return rejection;
    }
    if let Err(err) = state.service.close_dashboard_session(&token).await {
        return layout::domain_error(err);
    }
    let mut response = Redirect::to(SIGNIN_PATH).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", None, secure),
    );
    response
}
