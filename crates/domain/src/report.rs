//! Certification reports: what the pipeline checked for a submission, what passed and what
//! failed, with file names. Written by the Certification step (or by a manual decision) and
//! served at the `reportUrl` listed in `statusDetails.certificationReports`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub details: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

impl Check {
    pub fn passed(name: &str, details: impl Into<String>, files: Vec<String>) -> Self {
        Self {
            name: name.into(),
            passed: true,
            details: details.into(),
            files,
        }
    }

    pub fn failed(name: &str, details: impl Into<String>, files: Vec<String>) -> Self {
        Self {
            name: name.into(),
            passed: false,
            details: details.into(),
            files,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Passed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificationReport {
    pub id: String,
    pub submission_id: String,
    /// The app, flight or add-on.
    pub product_id: String,
    pub submission_name: String,
    pub date: DateTime<Utc>,
    pub verdict: Verdict,
    pub checks: Vec<Check>,
}

impl CertificationReport {
    pub fn new<C>(
        submission: &crate::submission::Submission<C>,
        checks: Vec<Check>,
        date: DateTime<Utc>,
    ) -> Self {
        let verdict = if checks.iter().all(|c| c.passed) {
            Verdict::Passed
        } else {
            Verdict::Failed
        };
        Self {
            id: ids::guid(),
            submission_id: submission.id.clone(),
            product_id: submission.product.id().to_string(),
            submission_name: submission.friendly_name(),
            date,
            verdict,
            checks,
        }
    }
}

/// The check a step contributes to the report, from its outcome.
pub fn step_check<C: crate::content::SubmissionContent>(
    step: crate::pipeline::Step,
    outcome: &crate::pipeline::Outcome,
    submission: &crate::submission::Submission<C>,
) -> Option<Check> {
    use crate::pipeline::{Outcome, Step};
    let failed = |name: &str, errors: &[storeroom_wire::devcenter::StatusDetail]| {
        let details = errors
            .iter()
            .map(|e| format!("{}: {}", e.code, e.details))
            .collect::<Vec<_>>()
            .join("; ");
        Check::failed(name, details, Vec::new())
    };
    match (step, outcome) {
        (Step::CheckUpload, Outcome::Advance { .. }) => {
            let files = submission.files_to_upload();
            let details = if files.is_empty() {
                "No new files were needed; every file of the submission was already uploaded"
                    .to_string()
            } else {
                format!(
                    "The uploaded archive holds all {} file(s) the submission lists",
                    files.len()
                )
            };
            Some(Check::passed("Upload", details, files))
        }
        (Step::Certify, Outcome::Advance { .. }) => Some(Check::passed(
            "Certification",
            "The submission meets the certification requirements",
            Vec::new(),
        )),
        (Step::Certify, Outcome::Failed(errors)) => Some(failed("Certification", errors)),
        _ => None,
    }
}

/// Where reports are served: `<base>/<report id>`.
pub fn report_url(base: &str, id: &str) -> String {
    format!("{}/{id}", base.trim_end_matches('/'))
}
