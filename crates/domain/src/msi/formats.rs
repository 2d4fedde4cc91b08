//! The text formats the seed asks for: "a valid URL", "a valid URL or Email address", and
//! character limits.

/// An absolute `http` or `https` URL with a host, and no spaces or control characters.
pub fn is_url(text: &str) -> bool {
    url_host(text).is_some()
}

/// An absolute `https` URL with a host: what package processing accepts by default.
pub fn is_https_url(text: &str) -> bool {
    let text = text.trim();
    text.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        && is_url(text)
}

/// The host of an absolute http(s) URL, when `text` is one.
fn url_host(text: &str) -> Option<&str> {
    let text = text.trim();
    let rest = ["https://", "http://"].iter().find_map(|scheme| {
        text.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| &text[scheme.len()..])
    })?;
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let (v6, after) = inner.split_once(']')?;
        (v6, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | ':' | '%'))
        && !host.starts_with('.')
        && !host.ends_with("..");
    (port_ok && host_ok).then_some(host)
}

/// `name@domain.tld`, without spaces.
pub fn is_email(text: &str) -> bool {
    let text = text.trim();
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.'));
    !local.is_empty()
        && !local
            .chars()
            .any(|c| c.is_whitespace() || c == '@' || c.is_control())
        && domain_ok
}

/// Characters as a person counts them (Unicode scalar values), not UTF-8 bytes.
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for good in [
            "http://contoso.com",
            "https://www.contoso.com/downloads/1.1/setup.exe",
            "https://127.0.0.1:8080/a?b=c#d",
            "HTTPS://[::1]:443/x",
        ] {
            assert!(is_url(good), "{good}");
        }
        for bad in [
            "",
            "contoso.com",
            "ftp://contoso.com/x",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://host:port/",
            "https://host:99999/",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
        assert!(is_https_url("https://contoso.com/setup.msi"));
        assert!(!is_https_url("http://contoso.com/setup.msi"));
    }

    #[test]
    fn emails_and_lengths() {
        assert!(is_email("contactus@contoso.com"));
        assert!(!is_email("contactus@contoso"));
        assert!(!is_email("@contoso.com"));
        assert!(!is_email("a b@contoso.com"));
        assert_eq!(chars("héllo"), 5);
    }
}
