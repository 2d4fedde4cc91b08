//! The client side of the `storeroom` binary: commands that drive a storeroom, or the real
//! Microsoft services, over HTTP with the same contracts every other client uses.
//!
//! `profile` keeps base URLs and identities, `http` gets tokens and maps error bodies to
//! exit codes, one module per command group, `publish` runs a whole submission, `upload`
//! and `progress` put a ZIP on its SAS URL with a bar on stderr.

pub mod addons;
pub mod admin_api;
mod admin_ops;
pub mod apps;
pub mod flights;
mod http;
pub mod package;
pub mod product;
pub mod profile;
mod progress;
pub mod publish;
mod retry;
pub mod rollout;
pub mod submission;
mod upload;
mod wait;

use std::fmt;
use std::process::ExitCode;

use serde_json::{Value, json};

pub use http::{Api, Surface};

/// Exit statuses of client commands, in `--help` and the README.
pub const EXIT_LOCAL: u8 = 1;
pub const EXIT_CLIENT: u8 = 3;
pub const EXIT_SERVER: u8 = 4;
pub const EXIT_SUBMISSION: u8 = 5;
pub const EXIT_TIMEOUT: u8 = 6;

/// The exit statuses, as `--help` of every client command ends.
pub const EXIT_HELP: &str = "\
Exit status:
  0  success
  1  a local problem: a file, the profile, a missing secret
  2  usage: unknown command or flag, missing argument
  3  the service refused the request (HTTP 4xx; the error body's code and message are shown)
  4  the service failed or could not be reached (HTTP 5xx, connection, TLS, timeout)
  5  the submission failed: CommitFailed, PreProcessingFailed, CertificationFailed,
     ReleaseFailed, PublishFailed, Canceled, or a commit bounced back to PendingCommit
     (MSI/EXE: FAILED)
  6  --wait gave up (--timeout) before the submission reached a final state
With --json, a failure is also written to stdout as {\"error\": {...}}.";

/// Why a client command failed; each kind has its exit status.
#[derive(Debug)]
pub enum Failure {
    /// A file, the profile, a missing secret: nothing was sent.
    Local(String),
    /// The service answered with an error status.
    Http(Box<HttpFailure>),
    /// No answer: connection refused, TLS, timeout, a body cut short.
    Network { url: String, message: String },
    /// The submission ended in a failure state.
    Submission {
        id: String,
        status: String,
        status_details: Value,
    },
    /// `--wait` ran out of time.
    Timeout { id: String, status: String },
}

/// An error answer: the request, its status and what the error body says.
#[derive(Debug)]
pub struct HttpFailure {
    pub status: u16,
    pub method: String,
    pub url: String,
    pub code: String,
    pub message: String,
    pub target: String,
    pub body: Value,
}

pub type Outcome<T = ()> = Result<T, Failure>;

impl Failure {
    pub fn local(message: impl fmt::Display) -> Self {
        Self::Local(message.to_string())
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Local(_) => EXIT_LOCAL,
            Self::Http(http) if http.status < 500 => EXIT_CLIENT,
            Self::Http(_) | Self::Network { .. } => EXIT_SERVER,
            Self::Submission { .. } => EXIT_SUBMISSION,
            Self::Timeout { .. } => EXIT_TIMEOUT,
        }
    }

    pub fn to_json(&self) -> Value {
        let error = match self {
            Self::Local(message) => json!({"kind": "local", "message": message}),
            Self::Http(http) => json!({
                "kind": if http.status < 500 { "client" } else { "server" },
                "status": http.status, "method": http.method, "url": http.url,
                "code": http.code, "message": http.message, "target": http.target,
                "body": http.body,
            }),
            Self::Network { url, message } => {
                json!({"kind": "network", "url": url, "message": message})
            }
            Self::Submission {
                id,
                status,
                status_details,
            } => json!({
                "kind": "submission", "id": id, "status": status,
                "statusDetails": status_details,
            }),
            Self::Timeout { id, status } => json!({"kind": "timeout", "id": id, "status": status}),
        };
        json!({"exitCode": self.exit_code(), "error": error})
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(message) => write!(f, "{message}"),
            Self::Http(http) => {
                let HttpFailure {
                    status,
                    method,
                    url,
                    code,
                    message,
                    target,
                    ..
                } = http.as_ref();
                write!(f, "{method} {url}: HTTP {status}")?;
                if !code.is_empty() {
                    write!(f, " {code}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if !target.is_empty() {
                    write!(f, " (target: {target})")?;
                }
                Ok(())
            }
            Self::Network { url, message } => write!(f, "{url}: no answer: {message}"),
            Self::Submission {
                id,
                status,
                status_details,
            } => {
                write!(f, "submission {id} ended in {status}")?;
                write!(f, "{}", wait::details_report(status_details))
            }
            Self::Timeout { id, status } => write!(
                f,
                "gave up waiting for submission {id}: still {status} (raise --timeout, or check later with `storeroom submission status`)"
            ),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Self::Local(err.to_string())
    }
}

/// How results are written: JSON on stdout for scripts, or text for people.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Writes `value` as JSON, or what `human` makes of it.
    pub fn show(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).unwrap_or_default()
            );
        } else {
            let text = human(value);
            if !text.is_empty() {
                println!("{}", text.trim_end());
            }
        }
    }

    /// A line for people on stderr (nothing with --json).
    pub fn say(&self, line: String) {
        if !self.json {
            eprintln!("{line}");
        }
    }

    /// Writes a resource: JSON either way (pretty JSON is what people read of these too).
    pub fn resource(&self, value: &Value) {
        self.show(value, |value| {
            serde_json::to_string_pretty(value).unwrap_or_default()
        });
    }

    /// Ends a command: the exit status, with the failure reported on stderr (and as JSON on
    /// stdout with `--json`).
    pub fn finish(&self, outcome: Outcome) -> ExitCode {
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                if self.json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&failure.to_json()).unwrap_or_default()
                    );
                }
                eprintln!("error: {failure}");
                ExitCode::from(failure.exit_code())
            }
        }
    }
}

/// The connection settings every client command takes (after the command name or before
/// it); each overrides the profile's value.
#[derive(clap::Args, Clone, Debug, Default)]
#[command(next_help_heading = "Connection")]
pub struct ClientOpts {
    /// Profile to use (see `storeroom profile`) [default: the profile marked default].
    #[arg(long, global = true, env = "STOREROOM_PROFILE")]
    pub profile: Option<String>,

    /// Machine-readable output: JSON on stdout (errors too, as {"error": …}); progress
    /// bars are hidden unless --progress.
    #[arg(long, global = true)]
    pub json: bool,

    /// Base URL of a storeroom: sets the token, devcenter, MSI/EXE and admin URLs under it.
    #[arg(long, global = true, env = "STOREROOM_URL", value_name = "URL")]
    pub storeroom: Option<String>,

    /// Azure AD tenant id.
    #[arg(long, global = true, env = "STOREROOM_TENANT_ID")]
    pub tenant: Option<String>,

    /// Azure AD application (client) id. Its secret comes from STOREROOM_CLIENT_SECRET,
    /// or from the storeroom credentials.json the profile names.
    #[arg(long, global = true, env = "STOREROOM_CLIENT_ID")]
    pub client_id: Option<String>,

    /// Seller id (the MSI/EXE API's X-Seller-Account-Id).
    #[arg(long, global = true, env = "STOREROOM_SELLER_ID")]
    pub seller_id: Option<String>,

    /// Token endpoint; `{tenant}` is replaced by the tenant id
    /// [default: https://login.microsoftonline.com/{tenant}/oauth2/token].
    #[arg(long, global = true, env = "STOREROOM_TOKEN_URL", value_name = "URL")]
    pub token_url: Option<String>,

    /// Devcenter API base [default: https://manage.devcenter.microsoft.com/v1.0/my].
    #[arg(long, global = true, env = "STOREROOM_API_URL", value_name = "URL")]
    pub api_url: Option<String>,

    /// MSI/EXE submission API base [default: https://api.store.microsoft.com/submission/v1].
    #[arg(long, global = true, env = "STOREROOM_MSI_URL", value_name = "URL")]
    pub msi_url: Option<String>,

    /// storeroom admin API base (.../admin/v1); its token comes from STOREROOM_ADMIN_TOKEN
    /// or the profile.
    #[arg(long, global = true, env = "STOREROOM_ADMIN_URL", value_name = "URL")]
    pub admin_url: Option<String>,

    /// How many times a request is tried again after a 429, a 5xx or a lost connection,
    /// waiting as the server's Retry-After says (at most 60 s) or backing off
    /// exponentially; 0: never. A create or commit is retried only when the server
    /// refused it outright (429).
    #[arg(long, global = true, env = "STOREROOM_RETRIES", value_name = "N", default_value_t = retry::DEFAULT_RETRIES)]
    pub retries: u32,
}

impl ClientOpts {
    pub fn output(&self) -> Output {
        Output { json: self.json }
    }

    /// The API client for these settings and the profile.
    pub fn api(&self) -> Outcome<Api> {
        let retry = retry::RetryPolicy {
            retries: self.retries,
            quiet: self.json,
        };
        Api::new(profile::resolve(self)?, retry)
    }
}

/// Runs a client command: connects, runs `body`, and turns its outcome into an exit status.
pub async fn run<F, Fut>(opts: &ClientOpts, body: F) -> ExitCode
where
    F: FnOnce(Api, Output) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let output = opts.output();
    let outcome = match opts.api() {
        Ok(api) => body(api, output).await,
        Err(failure) => Err(failure),
    };
    output.finish(outcome)
}

/// Reads a JSON file (`-` for stdin), naming the file in errors.
pub fn read_json(path: &std::path::Path) -> Outcome<Value> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path)
            .map_err(|err| Failure::local(format!("cannot read {}: {err}", path.display())))?
    };
    serde_json::from_str(&text)
        .map_err(|err| Failure::local(format!("{} is not JSON: {err}", path.display())))
}

/// RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything
/// else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// A string field of a JSON value, or "".
pub fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}, "keep": [1]});
        merge_patch(
            &mut target,
            &json!({"a": "z", "c": {"f": null}, "new": {"x": 1}}),
        );
        assert_eq!(
            target,
            json!({"a": "z", "c": {"d": "e"}, "keep": [1], "new": {"x": 1}})
        );
        merge_patch(&mut target, &json!({"keep": [2, 3]}));
        assert_eq!(target["keep"], json!([2, 3]));
    }

    #[test]
    fn each_failure_has_its_exit_status() {
        let http = |status| {
            Failure::Http(Box::new(HttpFailure {
                status,
                method: "GET".into(),
                url: "u".into(),
                code: String::new(),
                message: String::new(),
                target: String::new(),
                body: Value::Null,
            }))
        };
        assert_eq!(http(404).exit_code(), EXIT_CLIENT);
        assert_eq!(http(503).exit_code(), EXIT_SERVER);
        assert_eq!(Failure::local("x").exit_code(), EXIT_LOCAL);
        assert_eq!(
            Failure::Network {
                url: "u".into(),
                message: "refused".into()
            }
            .exit_code(),
            EXIT_SERVER
        );
        assert_eq!(http(409).to_json()["error"]["kind"], "client");
    }
}
