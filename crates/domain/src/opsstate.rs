//! What storeroom keeps for the people operating it, beside the catalogue: the request
//! journal, fault rules (and the "zombie" submissions they leave) and snapshots of the whole
//! catalogue. The records, the rules that need no IO (path globs, validation), and the
//! storage traits ([`OpsStore`], [`OpsTransaction`]) the SQL store implements.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::StoreResult;

/// Bytes as a hash-map key by their content, hashed by their length and ends only: the
/// journal's equal bodies (a polled resource's, a client's repeated request) are found by
/// one comparison of their bytes instead of hashing all of them.
#[derive(Debug, Clone)]
pub struct ByContent<T>(pub T);

impl<T: AsRef<[u8]>> PartialEq for ByContent<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_ref() == other.0.as_ref()
    }
}

impl<T: AsRef<[u8]>> Eq for ByContent<T> {}

impl<T: AsRef<[u8]>> std::hash::Hash for ByContent<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let bytes = self.0.as_ref();
        let ends = 64.min(bytes.len());
        state.write_usize(bytes.len());
        state.write(&bytes[..ends]);
        state.write(&bytes[bytes.len() - ends..]);
    }
}

/// One request as the journal keeps it. Bodies are already bounded and redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Assigned by the store when the entry is written (0 before): newer entries have
    /// larger ids, on every instance of a shared database.
    #[serde(default)]
    pub id: i64,
    pub time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    pub method: String,
    /// The path and query as sent (secrets in the query redacted).
    pub path: String,
    pub status: u16,
    pub latency_ms: f64,
    pub correlation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// The fault rule that answered (or delayed) the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_id: Option<String>,
}

impl JournalEntry {
    /// The path without its query, which path filters match.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }
}

/// How much journal the store keeps: the newest entries within both bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalBounds {
    pub max_entries: u64,
    /// Bytes of stored documents.
    pub max_bytes: u64,
}

/// What a journal append did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appended {
    /// The ids given to the entries, in order.
    pub ids: Vec<i64>,
    /// How many of the oldest entries were removed to stay within the bounds.
    pub trimmed: u64,
}

/// A fault rule: which requests it matches and what it does to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    pub id: String,
    pub created: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_side_effect: bool,
    /// How many matching requests it applies to, as created (None: every one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// How many of those are left (kept by the store, counted down atomically).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub zombie: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The longest delay a rule may ask for.
pub const MAX_DELAY_MS: u64 = 120_000;

/// Why a rule cannot be stored: the message and the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    pub field: &'static str,
}

impl Invalid {
    fn new(message: impl Into<String>, field: &'static str) -> Self {
        Self {
            message: message.into(),
            field,
        }
    }
}

impl FaultRule {
    /// Checks a rule as a client sent it.
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(method) = &self.method
            && (method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(Invalid::new(
                format!("method '{method}' is not an HTTP method"),
                "method",
            ));
        }
        if let Some(path) = &self.path {
            Glob::parse(path).map_err(|message| Invalid::new(message, "path"))?;
        }
        match self.status {
            Some(status) if !(400..=599).contains(&status) => {
                return Err(Invalid::new(
                    format!("status {status} is not an error status: use 400-599"),
                    "status",
                ));
            }
            None if self.delay_ms.is_none() && !self.zombie => {
                return Err(Invalid::new(
                    "status is required (400-599), unless the rule only delays (delayMs)",
                    "status",
                ));
            }
            _ => {}
        }
        if self.delay_ms.is_some_and(|delay| delay > MAX_DELAY_MS) {
            return Err(Invalid::new(
                format!("delayMs must be at most {MAX_DELAY_MS}"),
                "delayMs",
            ));
        }
        if self.retry_after.is_some() && self.status.is_none() {
            return Err(Invalid::new(
                "retryAfter needs a status to answer with",
                "retryAfter",
            ));
        }
        if self.after_side_effect && self.status.is_none() {
            return Err(Invalid::new(
                "afterSideEffect needs a status to answer with",
                "afterSideEffect",
            ));
        }
        if let Some(probability) = self.probability
            && !(0.0..=1.0).contains(&probability)
        {
            return Err(Invalid::new(
                format!("probability {probability} is outside 0..1"),
                "probability",
            ));
        }
        if self.times == Some(0) {
            return Err(Invalid::new("times must be at least 1", "times"));
        }
        if self.zombie
            && let Some(method) = &self.method
            && !method.eq_ignore_ascii_case("POST")
        {
            return Err(Invalid::new(
                "a zombie rule applies to submission creates: its method is POST",
                "method",
            ));
        }
        Ok(())
    }

    /// Whether the rule applies to a request (its probability aside).
    pub fn matches(&self, method: &str, path: &str, client_id: Option<&str>) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|wanted| wanted.eq_ignore_ascii_case(method));
        let path_ok = self
            .path
            .as_deref()
            .is_none_or(|glob| Glob::parse(glob).is_ok_and(|glob| glob.matches(path)));
        let client_ok = self.client_id.as_deref().is_none_or(|wanted| {
            client_id.is_some_and(|client| client.eq_ignore_ascii_case(wanted))
        });
        method_ok && path_ok && client_ok
    }
}

/// A path pattern: `*` matches within one segment, `**` across segments, `?` one
/// character; anything else matches itself, ASCII case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob<'a>(&'a str);

impl<'a> Glob<'a> {
    pub fn parse(pattern: &'a str) -> Result<Self, String> {
        if !pattern.starts_with('/') {
            return Err(format!("path '{pattern}' must start with '/'"));
        }
        if pattern.contains("***") {
            return Err(format!("path '{pattern}' has '***': use '*' or '**'"));
        }
        if let Some(bad) = pattern
            .chars()
            .find(|c| c.is_control() || c.is_whitespace() || "[]{}".contains(*c))
        {
            return Err(format!(
                "path '{}' has '{}', which a path glob does not allow (use *, ** and ?)",
                pattern.escape_debug(),
                bad.escape_debug()
            ));
        }
        Ok(Self(pattern))
    }

    /// Whether the pattern has wildcards (without, a journal filter is a prefix).
    pub fn is_wild(&self) -> bool {
        self.0.contains(['*', '?'])
    }

    pub fn matches(&self, path: &str) -> bool {
        matches(self.0.as_bytes(), path.as_bytes())
    }
}

fn matches(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=text.len()).any(|skip| matches(rest, &text[skip..])),
        [b'*', rest @ ..] => {
            let segment = text.iter().position(|&b| b == b'/').unwrap_or(text.len());
            (0..=segment).any(|skip| matches(rest, &text[skip..]))
        }
        [b'?', rest @ ..] => {
            matches!(text.first(), Some(&b) if b != b'/') && matches(rest, &text[1..])
        }
        [first, rest @ ..] => {
            text.first().is_some_and(|b| b.eq_ignore_ascii_case(first)) && matches(rest, &text[1..])
        }
    }
}

/// The rules in force and the submissions they turned into zombies, as of `generation`
/// (changed by every write to either).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSet {
    pub generation: Option<String>,
    pub rules: Vec<FaultRule>,
    pub zombies: Vec<String>,
}

/// A saved snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    pub name: String,
    pub created: DateTime<Utc>,
    /// How many blobs it holds copies of.
    #[serde(default)]
    pub blobs: u64,
}

/// A snapshot name: 1-64 letters, digits, `-`, `_` and `.`, not starting with `.`.
pub fn valid_snapshot_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Where the request journal is kept. On SQLite it is a file of its own beside the
/// database, so that its flushes neither take the catalogue's write lock nor move the
/// version the read cache checks; on PostgreSQL a table of the shared database.
#[async_trait]
pub trait JournalStore: Send + Sync + 'static {
    /// Appends entries (ids assigned in order), then trims the oldest beyond `bounds`.
    async fn append_journal(
        &self,
        entries: &[JournalEntry],
        bounds: JournalBounds,
    ) -> StoreResult<Appended>;
    /// Up to `count` entries older than `before` (all when None), newest first, with
    /// `status` and `client_id` (case-insensitive) when given.
    async fn journal_page(
        &self,
        before: Option<i64>,
        status: Option<u16>,
        client_id: Option<&str>,
        count: u32,
    ) -> StoreResult<Vec<JournalEntry>>;
    /// Removes every entry (a reset).
    async fn clear_journal(&self) -> StoreResult<()>;
}

#[async_trait]
pub trait OpsStore: Send + Sync + 'static {
    /// The generation of the fault rules: a cheap read that tells whether to reload them.
    async fn fault_generation(&self) -> StoreResult<Option<String>>;
    async fn fault_set(&self) -> StoreResult<FaultSet>;
    async fn insert_fault(&self, rule: &FaultRule) -> StoreResult<()>;
    async fn delete_fault(&self, id: &str) -> StoreResult<bool>;
    /// Uses one of a counted rule's `remaining` applications, atomically across instances;
    /// false when none was left. The rule is removed with its last use.
    async fn take_fault(&self, id: &str) -> StoreResult<bool>;
    /// Marks a submission a zombie: its PUTs answer 200 and store nothing.
    async fn add_zombie(&self, submission_id: &str) -> StoreResult<()>;

    async fn snapshots(&self) -> StoreResult<Vec<SnapshotInfo>>;
    /// A write transaction for resets and snapshots (the store's write lock: no other write
    /// interleaves, pipeline steps included).
    async fn begin_ops(&self) -> StoreResult<Box<dyn OpsTransaction>>;
}

#[async_trait]
pub trait OpsTransaction: Send {
    /// Copies every catalogue and account row under `info.name`; false when the name is
    /// taken.
    async fn save_snapshot(&mut self, info: &SnapshotInfo) -> StoreResult<bool>;
    /// Replaces every catalogue and account row with the snapshot's; None when there is no
    /// such snapshot.
    async fn restore_snapshot(&mut self, name: &str) -> StoreResult<Option<SnapshotInfo>>;
    async fn delete_snapshot(&mut self, name: &str) -> StoreResult<bool>;
    /// Removes the catalogue (products, submissions, jobs, reports, flight groups) and the
    /// fault rules; keeps accounts, settings and snapshots (the journal is a
    /// [`JournalStore`]'s).
    async fn reset(&mut self) -> StoreResult<()>;
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str, path: &str) -> bool {
        Glob::parse(pattern).unwrap().matches(path)
    }

    #[test]
    fn bodies_are_keys_by_their_whole_content() {
        use std::collections::HashSet;
        let long = |middle: char| format!("{}{middle}{}", "a".repeat(100), "z".repeat(100));
        let mut seen = HashSet::new();
        assert!(seen.insert(ByContent(long('m'))));
        assert!(!seen.insert(ByContent(long('m'))), "a copy is the same key");
        assert!(
            seen.insert(ByContent(long('n'))),
            "the same ends, another middle"
        );
        assert!(seen.insert(ByContent(String::new())));
        assert!(seen.insert(ByContent("a".to_string())));
    }

    #[test]
    fn globs_match_segments_and_across() {
        assert!(glob(
            "/v1.0/my/applications/*/submissions",
            "/v1.0/my/applications/9N1/submissions"
        ));
        assert!(!glob(
            "/v1.0/my/applications/*",
            "/v1.0/my/applications/9N1/submissions"
        ));
        assert!(glob("/v1.0/**", "/v1.0/my/applications/9N1/submissions"));
        assert!(glob("/V1.0/MY/app?ications", "/v1.0/my/applications"));
        assert!(!glob("/a?", "/a/"));
        assert!(Glob::parse("v1.0").is_err());
        assert!(Glob::parse("/a/***").is_err());
        assert!(Glob::parse("/a/[bc]").is_err());
    }

    #[test]
    fn rules_are_checked_field_by_field() {
        let rule = FaultRule {
            id: "f".into(),
            created: Utc::now(),
            method: None,
            path: None,
            client_id: None,
            status: Some(503),
            body: None,
            retry_after: None,
            delay_ms: None,
            after_side_effect: false,
            times: None,
            remaining: None,
            probability: None,
            zombie: false,
        };
        assert_eq!(rule.validate(), Ok(()));
        let field = |rule: FaultRule| rule.validate().unwrap_err().field;
        assert_eq!(
            field(FaultRule {
                status: Some(200),
                ..rule.clone()
            }),
            "status"
        );
        assert_eq!(
            field(FaultRule {
                probability: Some(1.5),
                ..rule.clone()
            }),
            "probability"
        );
        assert_eq!(
            field(FaultRule {
                path: Some("/x/[".into()),
                ..rule.clone()
            }),
            "path"
        );
        assert!(rule.matches("GET", "/anything", None));
        let scoped = FaultRule {
            method: Some("post".into()),
            client_id: Some("ABC".into()),
            ..rule
        };
        assert!(scoped.matches("POST", "/x", Some("abc")));
        assert!(!scoped.matches("POST", "/x", None));
        assert!(!scoped.matches("GET", "/x", Some("abc")));
        assert!(valid_snapshot_name("base-1.2_x"));
        assert!(!valid_snapshot_name("../x"));
        assert!(!valid_snapshot_name(""));
    }
}
