//! Secrets never reach the journal: client secrets, tokens, passwords and SAS signatures are
//! replaced by [`REDACTED`] in JSON bodies (by key, and in string values that are tokens or
//! signed URLs), form bodies and query strings (by name), and anywhere a `sig=` parameter
//! appears in text (XML, URLs in messages). Headers are not journaled at all, so
//! `Authorization` never is.

use serde_json::Value;

pub const REDACTED: &str = "REDACTED";

/// Names whose values are secrets, compared without case, `_` and `-`.
const SECRET_NAMES: &[&str] = &[
    "clientsecret",
    "secret",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "token",
    "password",
    "admintoken",
    "clientassertion",
    "assertion",
    "sig",
];

pub fn is_secret_name(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAMES.contains(&folded.as_str())
}

/// A JSON document with every secret replaced.
pub fn json(value: &mut Value) {
    match value {
        Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                if is_secret_name(name) && !member.is_null() {
                    *member = Value::String(REDACTED.into());
                } else {
                    json(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json),
        Value::String(text) => {
            if looks_like_jwt(text) {
                *text = REDACTED.into();
            } else if text.contains("sig=") || text.contains("SIG=") {
                *text = signatures(text);
            }
        }
        _ => {}
    }
}

/// A form body or query string with the values of secret names replaced.
pub fn form(encoded: &str) -> String {
    encoded
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(&decode(name)) => format!("{name}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A path with its query's secrets replaced.
pub fn path_and_query(path: &str) -> String {
    match path.split_once('?') {
        Some((path, query)) => format!("{path}?{}", form(query)),
        None => path.to_string(),
    }
}

/// Text with the value of every `sig=` parameter (SAS signatures in URLs) replaced.
pub fn signatures(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find("sig=") {
        let start = at + found;
        let boundary = start == 0 || matches!(text.as_bytes()[start - 1], b'?' | b'&' | b';');
        let value_start = start + "sig=".len();
        if !boundary {
            out.push_str(&text[at..value_start]);
            at = value_start;
            continue;
        }
        let value_end = text[value_start..]
            .find(|c: char| c == '&' || c == '"' || c == '<' || c == '\'' || c.is_whitespace())
            .map_or(text.len(), |end| value_start + end);
        out.push_str(&text[at..value_start]);
        out.push_str(REDACTED);
        at = value_end;
    }
    out.push_str(&text[at..]);
    out
}

fn looks_like_jwt(text: &str) -> bool {
    text.starts_with("eyJ") && text.matches('.').count() == 2 && !text.contains(' ')
}

fn decode(text: &str) -> String {
    form_urlencoded::parse(text.as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_in_json_forms_queries_and_urls_are_replaced() {
        let mut body = json!({
            "clientSecret": "s3cret",
            "nested": [{"access_token": "eyJhbGciOi.eyJhcHBpZCI6.c2ln"}],
            "fileUploadUrl": "https://x.blob/c/b?sv=2019&sig=abc%2Bdef&se=1",
            "name": "Contoso",
            "bearer": "eyJa.eyJb.c"
        });
        json(&mut body);
        assert_eq!(body["clientSecret"], REDACTED);
        assert_eq!(body["nested"][0]["access_token"], REDACTED);
        assert_eq!(
            body["fileUploadUrl"],
            "https://x.blob/c/b?sv=2019&sig=REDACTED&se=1"
        );
        assert_eq!(body["name"], "Contoso");
        assert_eq!(body["bearer"], REDACTED);
        assert_eq!(
            form("grant_type=client_credentials&client_id=abc&client_secret=x%26y"),
            "grant_type=client_credentials&client_id=abc&client_secret=REDACTED"
        );
        assert_eq!(
            path_and_query("/acct/c/b?sv=1&SIG=zzz&comp=block"),
            "/acct/c/b?sv=1&SIG=REDACTED&comp=block"
        );
        assert_eq!(
            signatures("<Url>https://h/c?sig=abc</Url> design=1"),
            "<Url>https://h/c?sig=REDACTED</Url> design=1"
        );
    }
}
