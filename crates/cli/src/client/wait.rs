//! Waiting for a committed submission: polls its status with a live line on stderr until
//! the pipeline lets go of it, and reports a failure with its `statusDetails` and the
//! certification report link.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Api, Failure, Outcome, Surface, progress, text};

/// States the pipeline moves a committed submission through.
pub const IN_FLIGHT: &[&str] = &[
    "CommitStarted",
    "PreProcessing",
    "Certification",
    "Release",
    "PendingPublication",
    "Publishing",
];

/// Final states that mean the submission failed.
pub const FAILED: &[&str] = &[
    "CommitFailed",
    "PreProcessingFailed",
    "CertificationFailed",
    "ReleaseFailed",
    "PublishFailed",
    "Canceled",
];

pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    storeroom_server::domain_pipeline::parse_duration(text)
        .and_then(|duration| duration.to_std().ok())
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| format!("'{text}' is not a positive duration such as 500ms, 2s, 1m or 1h"))
}

#[derive(clap::Args, Clone, Debug)]
pub struct WaitArgs {
    /// Waits until the submission is Published (exit 0) or has failed (exit 5), showing
    /// each status it passes.
    #[arg(long)]
    pub wait: bool,

    /// How often --wait reads the status.
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub poll_interval: Duration,

    /// How long --wait waits at most (exit 6 then).
    #[arg(long, default_value = "2h", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// Shows the live status (and publish's upload bar) even when stderr is not a terminal
    /// or with --json.
    #[arg(long)]
    pub progress: bool,
}

/// Reads the status at `status_path` until it leaves the in-flight states; the final
/// status resource, or the failure it shows. `committed`: a `PendingCommit` means the
/// commit bounced back.
pub async fn until_settled(
    api: &Api,
    status_path: &str,
    id: &str,
    args: &WaitArgs,
    live: bool,
    committed: bool,
) -> Outcome<Value> {
    let started = Instant::now();
    let spinner = progress::spinner(live, format!("submission {id}: waiting"));
    let mut last = String::new();
    let status = loop {
        let status = api.get(Surface::Devcenter, status_path).await?;
        let now = text(&status, "status").to_string();
        if now != last {
            if !last.is_empty() {
                spinner.println(format!("  {last} -> {now} after {:.0?}", started.elapsed()));
            }
            spinner.set_message(format!("submission {id}: {now}"));
            last = now.clone();
        }
        if !IN_FLIGHT.contains(&now.as_str()) {
            break status;
        }
        if started.elapsed() >= args.timeout {
            spinner.finish_and_clear();
            return Err(Failure::Timeout {
                id: id.to_string(),
                status: now,
            });
        }
        tokio::time::sleep(args.poll_interval).await;
    };
    spinner.finish_and_clear();
    check(id, status, committed)
}

/// The status resource if the submission did not fail.
pub fn check(id: &str, status: Value, committed: bool) -> Outcome<Value> {
    let now = text(&status, "status");
    let bounced = now == "PendingCommit"
        && (committed
            || status["statusDetails"]["errors"]
                .as_array()
                .is_some_and(|errors| !errors.is_empty()));
    if FAILED.contains(&now) || bounced {
        return Err(Failure::Submission {
            id: id.to_string(),
            status: now.to_string(),
            status_details: status["statusDetails"].clone(),
        });
    }
    Ok(status)
}

/// `statusDetails` for people: each error and warning, each certification report's link.
pub fn details_report(details: &Value) -> String {
    let mut report = String::new();
    for (key, label) in [("errors", "error"), ("warnings", "warning")] {
        for item in details[key].as_array().into_iter().flatten() {
            report += &format!(
                "\n  {label}: {}: {}",
                text(item, "code"),
                text(item, "details")
            );
        }
    }
    for item in details["certificationReports"]
        .as_array()
        .into_iter()
        .flatten()
    {
        report += &format!(
            "\n  certification report ({}): {}",
            text(item, "date"),
            text(item, "reportUrl")
        );
    }
    report
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn failures_and_bounces_are_failures() {
        assert!(check("s", json!({"status": "Published"}), true).is_ok());
        assert!(check("s", json!({"status": "PendingCommit"}), false).is_ok());
        assert!(check("s", json!({"status": "PendingCommit"}), true).is_err());
        let failed = check(
            "s",
            json!({"status": "CertificationFailed", "statusDetails": {
                "errors": [{"code": "Other", "details": "Crashes on launch"}],
                "warnings": [],
                "certificationReports": [{"date": "2026-01-01T00:00:00Z", "reportUrl": "https://r/1"}]}}),
            true,
        )
        .unwrap_err();
        let text = failed.to_string();
        assert!(text.contains("CertificationFailed"), "{text}");
        assert!(text.contains("error: Other: Crashes on launch"), "{text}");
        assert!(text.contains("https://r/1"), "{text}");
    }
}
