//! The canonical spelling of a request path, as the router's templates spell it.
//!
//! The real services take their paths' fixed words in any letter case and with a trailing
//! slash (`/Commit`, `listflights/`), while axum matches exactly. So before routing, a path
//! is matched against every route template, segment by segment: the fixed words of the
//! template that matches are written as the template spells them, and everything else (ids,
//! names) is kept as sent, so an id that happens to be spelled like a fixed word elsewhere
//! (a snapshot named `Restore`) is never changed.
//!
//! The templates are read once from the routes' own declarations (the OpenAPI document the
//! router is built with, [`crate::api_routes`]), so a new route is matched without any list
//! to keep. The ingestion API decodes its own paths in any case ([`crate::ingestion::operation`]):
//! only its prefix is matched here.

use std::collections::HashMap;
use std::sync::OnceLock;

use utoipa::openapi::OpenApi;

/// One segment of a route template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// A fixed word, as the template spells it.
    Word(String),
    /// `{name}`: any one segment, kept as sent.
    Param,
    /// `{*rest}`: every remaining segment, kept as sent.
    Rest,
}

/// Route templates by their number of segments (a `{*rest}` template under its prefix's).
#[derive(Debug, Default)]
pub struct Templates {
    exact: HashMap<usize, Vec<Vec<Segment>>>,
    rest: Vec<Vec<Segment>>,
}

impl Templates {
    /// The templates of `paths` (axum/OpenAPI syntax: `/a/{id}/b`, `/a/{*rest}`).
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> Self {
        let mut templates = Self::default();
        for path in paths {
            let template: Vec<Segment> = segments(path)
                .map(|segment| {
                    if segment.starts_with("{*") {
                        Segment::Rest
                    } else if segment.starts_with('{') && segment.ends_with('}') {
                        Segment::Param
                    } else {
                        Segment::Word(segment.to_string())
                    }
                })
                .collect();
            if template.last() == Some(&Segment::Rest) {
                templates.rest.push(template);
            } else {
                templates
                    .exact
                    .entry(template.len())
                    .or_default()
                    .push(template);
            }
        }
        // Where two templates could match one path, the one with more fixed words wins
        // (`…/submissions/{id}/commit` before `…/submissions/{id}/{anything}`).
        let words = |t: &Vec<Segment>| t.iter().filter(|s| matches!(s, Segment::Word(_))).count();
        for list in templates.exact.values_mut() {
            list.sort_by_key(|t| std::cmp::Reverse(words(t)));
        }
        templates.rest.sort_by_key(|t| std::cmp::Reverse(t.len()));
        templates
    }

    /// `path` with empty segments (a trailing slash, `//`) dropped and, when a template
    /// matches it, that template's fixed words in the template's spelling.
    pub fn canonical(&self, path: &str) -> String {
        let sent: Vec<&str> = segments(path).collect();
        let exact = self.exact.get(&sent.len()).into_iter().flatten();
        let rest = self.rest.iter().filter(|t| t.len() - 1 <= sent.len());
        let matched = exact.chain(rest).find(|template| matches(template, &sent));
        let mut canonical = String::with_capacity(path.len());
        for (index, segment) in sent.iter().enumerate() {
            canonical.push('/');
            match matched.and_then(|template| template.get(index)) {
                Some(Segment::Word(word)) => canonical.push_str(word),
                _ => canonical.push_str(segment),
            }
        }
        if canonical.is_empty() {
            canonical.push('/');
        }
        canonical
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

fn matches(template: &[Segment], sent: &[&str]) -> bool {
    template
        .iter()
        .enumerate()
        .all(|(index, segment)| match segment {
            Segment::Word(word) => sent
                .get(index)
                .is_some_and(|s| s.eq_ignore_ascii_case(word)),
            Segment::Param => sent.get(index).is_some(),
            Segment::Rest => true,
        })
}

/// The templates of every route the API router serves, learnt from the document the router
/// was built with ([`learn`]), or built from the declarations on first use (unit tests).
static SERVED: OnceLock<Templates> = OnceLock::new();

/// Takes the templates from `document`, the description of the routes the router serves,
/// so that they are not built a second time.
pub fn learn(document: &OpenApi) {
    SERVED.get_or_init(|| served_by(document));
}

fn served_by(document: &OpenApi) -> Templates {
    let prefix = crate::ingestion::PREFIX;
    let ingestion_rest = format!("{prefix}/{{*rest}}");
    let own_paths = document
        .paths
        .paths
        .keys()
        .map(String::as_str)
        .filter(|path| !path.starts_with(&format!("{prefix}/")));
    Templates::new(own_paths.chain([prefix, ingestion_rest.as_str()]))
}

/// `path` as the router's templates spell it (see the module's documentation).
pub fn path(path: &str) -> String {
    SERVED
        .get_or_init(|| served_by(&crate::api_routes().split_for_parts().1))
        .canonical(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Templates {
        Templates::new([
            "/v1.0/my/applications",
            "/v1.0/my/applications/{app_id}/submissions/{submission_id}",
            "/v1.0/my/applications/{app_id}/submissions/{submission_id}/commit",
            "/admin/v1/snapshots/{name}/restore",
            "/admin/v1/snapshots/{name}",
            "/v1.0/ingestion",
            "/v1.0/ingestion/{*rest}",
        ])
    }

    #[test]
    fn fixed_words_take_the_templates_spelling_and_ids_stay() {
        let t = templates();
        assert_eq!(
            t.canonical(
                "/V1.0/My/Applications/9NBLGGH4R315/Submissions/1152921504621243540/Commit/"
            ),
            "/v1.0/my/applications/9NBLGGH4R315/submissions/1152921504621243540/commit"
        );
        assert_eq!(
            t.canonical("/v1.0/my/applications/"),
            "/v1.0/my/applications"
        );
        assert_eq!(
            t.canonical("//v1.0//MY/applications"),
            "/v1.0/my/applications"
        );
        assert_eq!(t.canonical("/"), "/");
    }

    #[test]
    fn an_id_spelled_like_a_fixed_word_is_kept() {
        let t = templates();
        assert_eq!(
            t.canonical("/Admin/V1/Snapshots/Restore/RESTORE"),
            "/admin/v1/snapshots/Restore/restore"
        );
        assert_eq!(
            t.canonical("/admin/v1/snapshots/Commit"),
            "/admin/v1/snapshots/Commit"
        );
    }

    #[test]
    fn a_catch_all_matches_its_prefix_only() {
        let t = templates();
        assert_eq!(
            t.canonical("/V1.0/Ingestion/Products/abc/Branches"),
            "/v1.0/ingestion/Products/abc/Branches"
        );
        assert_eq!(t.canonical("/v1.0/INGESTION"), "/v1.0/ingestion");
    }

    #[test]
    fn a_path_no_template_matches_keeps_its_case() {
        let t = templates();
        assert_eq!(t.canonical("/Dashboard/Products/"), "/Dashboard/Products");
        assert_eq!(t.canonical("/v1.0/my/Unknown"), "/v1.0/my/Unknown");
    }

    #[test]
    fn the_served_templates_cover_every_surface() {
        for (sent, canonical) in [
            (
                "/V1.0/my/applications/APP/listflights/",
                "/v1.0/my/applications/APP/listflights",
            ),
            (
                "/Submission/V1/Product/P/Packages/Commit",
                "/submission/v1/product/P/packages/commit",
            ),
            ("/common/OAuth2/Token", "/common/oauth2/token"),
            ("/Admin/v1/Clock", "/admin/v1/clock"),
            ("/admin/v1/Journal", "/admin/v1/journal"),
            ("/V1.0/Ingestion/products", "/v1.0/ingestion/products"),
        ] {
            assert_eq!(path(sent), canonical, "{sent}");
        }
    }
}
