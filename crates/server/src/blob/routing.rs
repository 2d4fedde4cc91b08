//! Which requests belong to the blob endpoint, and which blob they name.
//!
//! Two URL shapes reach us on one listener (client-behaviours, "The URL shapes clients
//! need"): path-style `/<account>/<container>/<blob>` (what the Azure SDKs expect on an IP
//! host) and host-style `/<container>/<blob>` with a `*.blob.core.windows.net` Host (when
//! users point the production DNS name at storeroom).

use axum::http::header::HOST;
use axum::http::{HeaderMap, Uri};
use percent_encoding::percent_decode_str;

/// A blob named by a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobAddress {
    pub container: String,
    /// Percent-decoded; may contain `/`.
    pub blob: String,
    /// False when the path did not decode to UTF-8; such requests get 400 InvalidUri.
    pub(crate) valid: bool,
}

/// The parts of the configured endpoint that routing needs, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct Routes {
    account: String,
    /// Lowercase host of the public base URL, without port.
    base_host: Option<String>,
    /// Path of the public base URL without trailing slash, e.g. `/productingestionbin1`.
    base_path: String,
    pub base_https: bool,
}

impl Routes {
    pub fn new(account: &str, public_base: &str) -> Self {
        let uri: Option<Uri> = public_base.parse().ok();
        let base_host = uri.as_ref().and_then(Uri::host).map(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase()
        });
        let base_path = uri
            .as_ref()
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let base_https = public_base
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
        Self {
            account: account.to_owned(),
            base_host,
            base_path,
            base_https,
        }
    }

    pub fn route(&self, uri: &Uri, headers: &HeaderMap) -> Option<BlobAddress> {
        let path = uri.path();
        let host = request_host(uri, headers);
        if let Some(host) = host.as_deref()
            && self.is_host_style(host)
        {
            return split_address(path.strip_prefix('/')?);
        }
        // A public base with a path other than "/<account>" (e.g. behind a reverse proxy
        // prefix) is honoured as a prefix.
        let account_path = format!("/{}", self.account);
        if !self.base_path.is_empty()
            && !self.base_path.eq_ignore_ascii_case(&account_path)
            && let Some(rest) = strip_prefix_ignore_case(path, &self.base_path)
            && let Some(rest) = rest.strip_prefix('/')
        {
            return split_address(rest);
        }
        let rest = path.strip_prefix('/')?;
        let (account, rest) = rest.split_once('/')?;
        let account = percent_decode_str(account).decode_utf8().ok()?;
        if !account.eq_ignore_ascii_case(&self.account) {
            return None;
        }
        split_address(rest)
    }

    /// Whether the request is addressed to the blob endpoint at all, even when its path
    /// names no blob (`/<account>`, `/<account>/`, `/<account>/<container>/`): those get
    /// the service's XML error instead of the devcenter API's JSON 404.
    pub fn claims(&self, uri: &Uri, headers: &HeaderMap) -> bool {
        let path = uri.path();
        if request_host(uri, headers).is_some_and(|host| self.is_host_style(&host)) {
            return true;
        }
        let under = |base: &str| {
            strip_prefix_ignore_case(path, base)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if !self.base_path.is_empty() && under(&self.base_path) {
            return true;
        }
        let first = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        percent_decode_str(first)
            .decode_utf8()
            .is_ok_and(|account| account.eq_ignore_ascii_case(&self.account))
            && under(&format!("/{first}"))
    }

    fn is_host_style(&self, host: &str) -> bool {
        if host
            .strip_suffix(".blob.core.windows.net")
            .is_some_and(|label| !label.is_empty())
        {
            return true;
        }
        self.base_path.is_empty() && self.base_host.as_deref() == Some(host)
    }
}

/// Host without port, lowercase: the Host header, else the URI authority (HTTP/2, or an
/// absolute-form request line).
fn request_host(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    let raw = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))?;
    let raw = raw.trim();
    let host = if let Some(bracketed) = raw.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        raw.split(':').next().unwrap_or_default()
    };
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `<container>/<blob...>`, both non-empty.
fn split_address(rest: &str) -> Option<BlobAddress> {
    let (raw_container, raw_blob) = rest.split_once('/')?;
    if raw_container.is_empty() || raw_blob.is_empty() {
        return None;
    }
    let decode = |raw: &str| {
        percent_decode_str(raw)
            .decode_utf8()
            .ok()
            .map(|text| text.into_owned())
    };
    let (container, blob) = (decode(raw_container), decode(raw_blob));
    let valid = container.is_some() && blob.is_some();
    Some(BlobAddress {
        container: container.unwrap_or_else(|| raw_container.to_owned()),
        blob: blob.unwrap_or_else(|| raw_blob.to_owned()),
        valid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn route(routes: &Routes, host: &str, path: &str) -> Option<(String, String)> {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_str(host).expect("host"));
        let uri: Uri = path.parse().expect("uri");
        routes.route(&uri, &headers).map(|a| (a.container, a.blob))
    }

    fn pair(container: &str, blob: &str) -> Option<(String, String)> {
        Some((container.to_owned(), blob.to_owned()))
    }

    #[test]
    fn path_style_needs_account_container_and_blob() {
        let routes = Routes::new(
            "productingestionbin1",
            "http://127.0.0.1:8080/productingestionbin1",
        );
        let host = "127.0.0.1:8080";
        assert_eq!(
            route(&routes, host, "/productingestionbin1/ingestion/abc?sv=x"),
            pair("ingestion", "abc")
        );
        assert_eq!(
            route(&routes, host, "/ProductIngestionBin1/c/a%20b/c%2Fd"),
            pair("c", "a b/c/d")
        );
        assert_eq!(route(&routes, host, "/productingestionbin1/c"), None);
        assert_eq!(route(&routes, host, "/productingestionbin1/c/"), None);
        assert_eq!(route(&routes, host, "/v1.0/my/applications"), None);
    }

    #[test]
    fn host_style_for_production_names_and_host_only_bases() {
        let routes = Routes::new(
            "productingestionbin1",
            "http://127.0.0.1:8080/productingestionbin1",
        );
        assert_eq!(
            route(
                &routes,
                "productingestionbin1.blob.core.windows.net",
                "/ingestion/g"
            ),
            pair("ingestion", "g")
        );
        assert_eq!(
            route(&routes, "Other.Blob.Core.Windows.Net:443", "/file/1"),
            pair("file", "1")
        );
        assert_eq!(route(&routes, "blob.core.windows.net", "/file/1"), None);

        let routes = Routes::new("acct", "https://blobs.example.test");
        assert_eq!(route(&routes, "blobs.example.test", "/c/b"), pair("c", "b"));
        assert_eq!(route(&routes, "api.example.test", "/c/b"), None);
    }

    #[test]
    fn bare_account_and_container_paths_are_claimed_but_name_no_blob() {
        let routes = Routes::new(
            "productingestionbin1",
            "http://127.0.0.1:8080/productingestionbin1",
        );
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        for path in [
            "/productingestionbin1",
            "/productingestionbin1/",
            "/ProductIngestionBin1/c",
            "/productingestionbin1/c/",
        ] {
            let uri: Uri = path.parse().unwrap();
            assert!(routes.claims(&uri, &headers), "{path}");
            assert_eq!(routes.route(&uri, &headers), None, "{path}");
        }
        for path in ["/", "/v1.0/my/applications", "/productingestionbin10/c/b"] {
            assert!(!routes.claims(&path.parse().unwrap(), &headers), "{path}");
        }
    }

    #[test]
    fn base_path_prefix_is_honoured() {
        let routes = Routes::new("acct", "http://proxy.test/storage/acct");
        assert_eq!(
            route(&routes, "proxy.test", "/storage/acct/c/b"),
            pair("c", "b")
        );
        assert_eq!(route(&routes, "proxy.test", "/acct/c/b"), pair("c", "b"));
    }
}
