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

/// What a JSON text holding a secret contains once folded as [`is_secret_name`] folds
/// (lower case, `_` and `-` left out): every name of [`SECRET_NAMES`] contains one of the
/// first five, and a token starts with `eyJ`.
const SECRET_FRAGMENTS: &[&str] = &["secret", "token", "password", "assertion", "\"sig\"", "eyj"];

/// A JSON text with every secret replaced, without parsing it, when it can hold none but
/// signed URLs (most bodies: submissions, listings, errors); None when it must be parsed
/// ([`json`]). The text keeps its own spelling (order, spacing).
///
/// A `\u` escape of a character that is or folds to ASCII (`\u0073`, the Kelvin sign)
/// could spell a secret's name, a token or `sig=`: such a text is parsed. Escapes of other
/// characters (`\u00e9`, as clients that write ASCII-only JSON send accents) cannot, and
/// stand for one character that matches nothing.
pub fn json_text(text: &str) -> Option<String> {
    // Folded byte by byte: bodies are mostly ASCII, and this runs on every journaled body.
    let bytes = text.as_bytes();
    let mut folded: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' if bytes.get(at + 1) == Some(&b'u') => {
                let code = text
                    .get(at + 2..at + 6)
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok());
                let decoded = code.and_then(char::from_u32);
                if decoded.is_some_and(|d| d.to_lowercase().any(|l| l.is_ascii())) {
                    return None;
                }
                folded.extend_from_slice("\u{FFFD}".as_bytes());
                at += if code.is_some() { 6 } else { 2 };
            }
            // Any other escape stands for its own character (`\\`, `\"`).
            b'\\' if bytes.get(at + 1).is_some_and(u8::is_ascii) => {
                folded.extend_from_slice(&bytes[at..at + 2]);
                at += 2;
            }
            b'_' | b'-' => at += 1,
            _ if byte.is_ascii() => {
                folded.push(byte.to_ascii_lowercase());
                at += 1;
            }
            _ => {
                let Some(c) = text.get(at..).and_then(|rest| rest.chars().next()) else {
                    at += 1;
                    continue;
                };
                for lower in c.to_lowercase() {
                    folded.extend_from_slice(lower.encode_utf8(&mut [0; 4]).as_bytes());
                }
                at += c.len_utf8();
            }
        }
    }
    if SECRET_FRAGMENTS
        .iter()
        .any(|fragment| memchr::memmem::find(&folded, fragment.as_bytes()).is_some())
    {
        return None;
    }
    Some(signatures(text))
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
    fn json_text_without_secret_names_is_redacted_unparsed() {
        let text = r#"{"fileUploadUrl": "https://x.blob/c/b?sv=2019&sig=abc%2Bdef&se=1", "b": 1}"#;
        assert_eq!(
            json_text(text).as_deref(),
            Some(r#"{"fileUploadUrl": "https://x.blob/c/b?sv=2019&sig=REDACTED&se=1", "b": 1}"#)
        );
        for parsed in [
            r#"{"client_secret": "x"}"#,
            r#"{"Access-Token": "x"}"#,
            r#"{"SIG": "x"}"#,
            r#"{"s_i-g": "x"}"#,
            r#"{"v": "eyJa.eyJb.c"}"#,
            r#"{"\u0073ecret": "x"}"#,
            r#"{"PassWord": "x"}"#,
            "{\"to\u{212A}en\": \"x\"}",
            r#"{"to\u212Aen": "x"}"#,
            r#"{"u": "https://h/c?\u0073ig=abc"}"#,
            r#"{"v": "\u0065yJa.eyJb.c"}"#,
            r#"{"s\u002Dig": "x"}"#,
        ] {
            assert_eq!(json_text(parsed), None, "{parsed}");
        }
    }

    #[test]
    fn escapes_of_characters_that_spell_no_secret_are_not_parsed() {
        let text =
            r#"{"copyright": "\u00a9 Contoso", "de": "\u00fcber \\u0041bc", "e": "\ud83d\ude00"}"#;
        assert_eq!(json_text(text).as_deref(), Some(text));
    }

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
