//! The shell every dashboard page shares (head, navigation, sign-out), the pages that only
//! say something (errors, 403, 404), and the embedded stylesheet and script.
//!
//! Pages are maud templates: every interpolated value is HTML-escaped unless wrapped in
//! `PreEscaped`, which only the embedded assets are.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use storeroom_domain::DomainError;

use super::session::Signed;

const CSS: &str = include_str!("assets/dashboard.css");
const JS: &str = include_str!("assets/dashboard.js");

/// The navigation's sections: (path, label).
const SECTIONS: &[(&str, &str)] = &[
    ("/dashboard/products", "Products"),
    ("/dashboard/store", "Store front"),
    ("/dashboard/accounts", "Account settings"),
    ("/dashboard/journal", "Request journal"),
    ("/dashboard/faults", "Fault rules"),
    ("/dashboard/snapshots", "Reset and snapshots"),
    ("/dashboard/clock", "Clock"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · storeroom" }
            link rel="stylesheet" href="/dashboard/static/dashboard.css";
            script src="/dashboard/static/dashboard.js" defer {}
        }
    }
}

/// A page of a signed-in session: navigation (`current` highlighted), sign-out, `body`.
pub fn shell(signed: &Signed, current: &str, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href=(super::HOME) { "storeroom" }
                    nav aria-label="Sections" {
                        ul {
                            @for (path, label) in SECTIONS {
                                li {
                                    @if *path == current {
                                        a href=(path) aria-current="page" { (label) }
                                    } @else {
                                        a href=(path) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    form.signout method="post" action="/dashboard/signout" {
                        (csrf_field(signed))
                        button type="submit" { "Sign out" }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// A page without navigation (sign-in, and answers to requests without a session).
pub fn bare_page(status: StatusCode, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body { (body) }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

/// A page that says `message`, with a way back.
pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    bare_page(
        status,
        title,
        html! {
            main.message {
                h1 { (title) }
                p role="alert" { (message) }
                p { a href=(super::HOME) { "Back to the dashboard" } }
            }
        },
    )
}

/// The hidden field every form of a session carries.
pub fn csrf_field(signed: &Signed) -> Markup {
    html! { input type="hidden" name="csrf" value=(signed.csrf()); }
}

/// A domain failure as a page, with the status the API would answer.
pub fn domain_error(err: DomainError) -> Response {
    let (status, title) = match &err {
        DomainError::NotFound { .. } => (StatusCode::NOT_FOUND, "Not found"),
        DomainError::Conflict { .. } => (StatusCode::CONFLICT, "Not possible now"),
        DomainError::Invalid { .. } => (StatusCode::BAD_REQUEST, "Invalid value"),
        DomainError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
    };
    let message = match &err {
        DomainError::Storage(message) => {
            tracing::error!(error = %message, "dashboard: storage failed");
            "The store failed; the server's log says why.".to_string()
        }
        DomainError::Invalid { message, target } if !target.is_empty() => {
            format!("{message} ({target})")
        }
        other => other.to_string(),
    };
    message_page(status, title, &message)
}

/// An admin API failure (a check shared with it) as a page, with its status.
pub fn api_error(err: crate::errors::ApiError) -> Response {
    let body = err.body;
    let message = match body.target.as_str() {
        "" => body.message,
        target => format!("{} ({target})", body.message),
    };
    message_page(err.status, "Not possible", &message)
}

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CSS,
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        JS,
    )
        .into_response()
}

/// A dashboard route asked with a method it does not take: 405 for a session, the sign-in
/// page otherwise.
pub async fn not_allowed(_: Signed) -> Response {
    message_page(
        StatusCode::METHOD_NOT_ALLOWED,
        "Not allowed",
        "This page does not take that method.",
    )
}

/// `/dashboard/…` that is no page: 404 for a session, the sign-in page otherwise.
pub async fn unknown(_: Signed) -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "The dashboard has no such page.",
    )
}
