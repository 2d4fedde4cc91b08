//! A surface's route templates and the operation served at each by method, and the decoder
//! that picks one for a request's method and path.
//!
//! The path is the one the front door hands on ([`crate::canonical`]): its fixed words
//! already spelled as the templates spell them and empty segments (a trailing slash) gone,
//! so fixed words match exactly here; ids keep their case and are percent-decoded, as
//! axum's `Path` decoded them.

use axum::http::Method;
use percent_encoding::percent_decode_str;

/// The most ids a template has.
pub const MAX_IDS: usize = 3;

/// Builds an operation from its template's ids, in order (the unused ones empty).
pub type Build<Op> = fn([String; MAX_IDS]) -> Op;

/// A template and the operations served at it by method, in the order axum's `Allow`
/// header listed them (the handlers' order in their `routes!`).
pub struct Route<Op: 'static> {
    pub template: &'static str,
    pub methods: &'static [(Method, Build<Op>)],
}

pub const fn route<Op>(
    template: &'static str,
    methods: &'static [(Method, Build<Op>)],
) -> Route<Op> {
    Route { template, methods }
}

/// Why a request names no operation, or cannot be given one yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// No template matches the path.
    NotFound,
    /// `template` matches the path, not with this method; `allow` lists its methods as
    /// axum's `Allow` header did (`GET,HEAD,PUT,DELETE`).
    MethodNotAllowed {
        template: &'static str,
        allow: String,
    },
    /// `template` and the method match, but the id named `name` is not UTF-8 once
    /// percent-decoded. axum's `Path` refused it after the caller's token was checked,
    /// so it is answered after authentication.
    UnreadableId {
        template: &'static str,
        name: &'static str,
    },
}

/// The operation `method` names at `path` (the whole path) in `routes`, with the template
/// it was matched by. No two templates of `routes` may match one path.
pub fn decode<Op>(
    routes: &'static [Route<Op>],
    method: &Method,
    path: &str,
) -> Result<(&'static str, Op), Miss> {
    let mut raw = [""; MAX_IDS];
    let route = routes
        .iter()
        .find(|route| matches(route.template, path, &mut raw))
        .ok_or(Miss::NotFound)?;
    // A GET route answers HEAD, as axum's did (the body is dropped on the way out).
    let wanted = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    let Some((_, build)) = route.methods.iter().find(|(m, _)| m == wanted) else {
        return Err(Miss::MethodNotAllowed {
            template: route.template,
            allow: allow(route.methods),
        });
    };
    let mut ids: [String; MAX_IDS] = Default::default();
    for (index, sent) in raw.iter().enumerate() {
        let Ok(decoded) = percent_decode_str(sent).decode_utf8() else {
            return Err(Miss::UnreadableId {
                template: route.template,
                name: id_name(route.template, index),
            });
        };
        ids[index] = decoded.into_owned();
    }
    Ok((route.template, build(ids)))
}

/// Whether `path` matches `template` segment by segment, its ids (as sent) put in `ids`.
fn matches<'a>(template: &str, path: &'a str, ids: &mut [&'a str; MAX_IDS]) -> bool {
    let mut sent = path.split('/');
    let mut count = 0;
    for word in template.split('/') {
        let Some(segment) = sent.next() else {
            return false;
        };
        if word.starts_with('{') {
            // As in axum, an id is never empty (the front door drops empty segments anyway).
            if segment.is_empty() {
                return false;
            }
            ids[count] = segment;
            count += 1;
        } else if word != segment {
            return false;
        }
    }
    sent.next().is_none()
}

/// The name of the `index`th id of `template` (`app_id`).
fn id_name(template: &'static str, index: usize) -> &'static str {
    template
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .nth(index)
        .unwrap_or_default()
}

/// The `Allow` header of a template's methods, as axum wrote it (GET brings HEAD).
fn allow<Op>(methods: &[(Method, Build<Op>)]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (method, _) in methods {
        names.push(method.as_str());
        if method == Method::GET {
            names.push("HEAD");
        }
    }
    names.join(",")
}

/// Every template of `routes` with its methods, for the tests that hold a decoder and the
/// OpenAPI document together.
#[cfg(test)]
pub fn served<Op>(
    routes: &'static [Route<Op>],
) -> impl Iterator<Item = (&'static str, &'static Method)> {
    routes.iter().flat_map(|route| {
        route
            .methods
            .iter()
            .map(move |(method, _)| (route.template, method))
    })
}

/// The `Allow` header of the 405 a method `path`'s template does not serve answers, for the
/// tables' tests (`None` when no template matches `path`).
#[cfg(test)]
pub fn allowed<Op>(routes: &'static [Route<Op>], path: &str) -> Option<String> {
    let unserved = Method::from_bytes(b"UNSERVED").ok()?;
    match decode(routes, &unserved, path) {
        Err(Miss::MethodNotAllowed { allow, .. }) => Some(allow),
        _ => None,
    }
}
