//! The certification pipeline behind commit, as steps over a submission (ARCHITECTURE §5).
//!
//! Each step is a durable job. The worker runs a step, then records the submission's next
//! state and the next job in one transaction, so a crash at any point resumes at the last
//! recorded step and a step that already ran is never recorded twice.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use storeroom_wire::devcenter::{PublishMode, StatusCode, StatusDetail, SubmissionStatus};

/// How the pipeline moves: for the whole server (the default) or for one product.
///
/// This is how users test their automation against slow, stuck and failing certification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PipelinePolicy {
    #[serde(default)]
    pub mode: PipelineMode,
    /// Wait between steps in `delay` mode.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_seconds: f64,
    /// When set, a step waits for this many status reads of the submission before it runs,
    /// as slow real certification looks to a poller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polls_per_step: Option<u32>,
    /// When set, the pipeline ends in this failure state with these errors, returns the
    /// submission to `PendingCommit` or `Canceled` right after commit, or never leaves the
    /// named in-progress state while the policy says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ForcedOutcome>,
    /// In-progress states the submission passes without ever showing them (a poller sees
    /// `CommitStarted`, then `Certification`, when `PreProcessing` is skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_states: Vec<SubmissionStatus>,
    /// Warnings every committed submission carries in `statusDetails.warnings` (documented
    /// warning codes only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<StatusDetail>,
    /// Test-only fault injection: the named step (`check-upload`, `preprocess`, `certify`,
    /// `release`, `publish`) panics when the worker runs it, to prove that a panicking step
    /// fails its submission cleanly and the server keeps serving. Honoured only in builds
    /// with the `fault-injection` feature (the integration tests enable it); other builds
    /// refuse the field with a 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panic_in_step: Option<String>,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PipelineMode {
    /// Every step runs at once.
    #[default]
    Immediate,
    /// Certification waits for an approval or rejection through the admin API.
    Manual,
    /// Each step waits `delaySeconds`.
    Delay,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForcedOutcome {
    /// One of the failure states (CommitFailed, PreProcessingFailed, CertificationFailed,
    /// ReleaseFailed, PublishFailed), a state the commit returns to (PendingCommit,
    /// Canceled), or an in-progress state to be stuck in (CommitStarted, PreProcessing,
    /// Certification, Release, Publishing).
    pub status: SubmissionStatus,
    #[serde(default)]
    pub errors: Vec<StatusDetail>,
}

/// Statuses a forced outcome may name, with the step that fails into each.
const FAILURES: &[(SubmissionStatus, Step)] = &[
    (SubmissionStatus::CommitFailed, Step::CheckUpload),
    (SubmissionStatus::PreProcessingFailed, Step::PreProcess),
    (SubmissionStatus::CertificationFailed, Step::Certify),
    (SubmissionStatus::ReleaseFailed, Step::Release),
    (SubmissionStatus::PublishFailed, Step::Publish),
];

/// States the first step returns a committed submission to: the commit "bounced back"
/// (StoreBroker treats it as a failure) or was cancelled.
const RETURNS: &[SubmissionStatus] = &[SubmissionStatus::PendingCommit, SubmissionStatus::Canceled];

/// The steps in order; a submission can be stuck in the state of any of them.
const STEPS: &[Step] = &[
    Step::CheckUpload,
    Step::PreProcess,
    Step::Certify,
    Step::Release,
    Step::Publish,
];

/// In-progress states a policy may skip: not `CommitStarted` (commit answers with it) and
/// not those where the submission waits for an admin or a client (`Certification` in manual
/// mode, `Release` for a manual publish).
const SKIPPABLE: &[SubmissionStatus] = &[
    SubmissionStatus::PreProcessing,
    SubmissionStatus::Certification,
    SubmissionStatus::Publishing,
];

/// The documented warning codes (`statusDetails.warnings[].code`), and the observed
/// `SalesUnsupportedWarning`.
pub const WARNING_CODES: &[StatusCode] = &[
    StatusCode::ListingOptOutWarning,
    StatusCode::ListingOptInWarning,
    StatusCode::UpdateOnlyWarning,
    StatusCode::Other,
    StatusCode::PackageValidationWarning,
    StatusCode::SalesUnsupportedWarning,
];

/// How often a step stuck by the policy looks at the policy again, so a changed policy
/// releases it.
pub const STUCK_RECHECK_SECONDS: i64 = 1;

/// The longest wait `delay` mode allows between steps: one year. Longer waits test nothing a
/// year does not, and the bound keeps every due time far inside chrono's range.
pub const MAX_DELAY_SECONDS: f64 = 365.0 * 86_400.0;

impl PipelinePolicy {
    pub fn delayed(delay: Duration) -> Self {
        Self {
            mode: PipelineMode::Delay,
            delay_seconds: delay.num_milliseconds() as f64 / 1000.0,
            ..Self::default()
        }
    }

    pub fn manual() -> Self {
        Self {
            mode: PipelineMode::Manual,
            ..Self::default()
        }
    }

    /// Parses the server flag: `immediate`, `manual` or `delay=<duration>` (`500ms`, `2s`,
    /// `1m`, `1h`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("immediate") {
            return Ok(Self::default());
        }
        if text.eq_ignore_ascii_case("manual") {
            return Ok(Self::manual());
        }
        if let Some(duration) = text.strip_prefix("delay=") {
            return parse_duration(duration).map(Self::delayed).ok_or_else(|| {
                format!("'{duration}' is not a duration such as 500ms, 2s, 1m or 1h")
            });
        }
        Err(format!(
            "unknown pipeline policy '{text}': use 'immediate', 'manual' or 'delay=DURATION'"
        ))
    }

    /// Checks what the admin API accepts; the error names the field.
    pub fn validate(&self) -> Result<(), (String, &'static str)> {
        if !(self.delay_seconds.is_finite() && self.delay_seconds >= 0.0) {
            return Err((
                "delaySeconds must be a non-negative number".into(),
                "delaySeconds",
            ));
        }
        if self.delay_seconds > MAX_DELAY_SECONDS {
            return Err((
                format!("delaySeconds must be at most {MAX_DELAY_SECONDS} (one year)"),
                "delaySeconds",
            ));
        }
        if let Some(step) = &self.panic_in_step {
            if !cfg!(feature = "fault-injection") {
                return Err((
                    "panicInStep is honoured only in builds with the fault-injection feature"
                        .into(),
                    "panicInStep",
                ));
            }
            if Step::parse(step).is_none() {
                return Err((
                    format!(
                        "panicInStep must name a step: check-upload, preprocess, certify, release or publish, not '{step}'"
                    ),
                    "panicInStep",
                ));
            }
        }
        if self.polls_per_step == Some(0) {
            return Err(("pollsPerStep must be at least 1".into(), "pollsPerStep"));
        }
        if let Some(outcome) = &self.outcome
            && !FAILURES.iter().any(|(status, _)| *status == outcome.status)
            && !RETURNS.contains(&outcome.status)
            && !STEPS.iter().any(|step| step.status() == outcome.status)
        {
            return Err((
                format!(
                    "outcome.status must be a failure state (CommitFailed, PreProcessingFailed, CertificationFailed, ReleaseFailed, PublishFailed), PendingCommit, Canceled, or a state to be stuck in (CommitStarted, PreProcessing, Certification, Release, Publishing), not {}",
                    outcome.status
                ),
                "outcome.status",
            ));
        }
        if let Some(skipped) = self.skip_states.iter().find(|s| !SKIPPABLE.contains(s)) {
            return Err((
                format!(
                    "skipStates may name PreProcessing, Certification and Publishing, not {skipped}"
                ),
                "skipStates",
            ));
        }
        if self.mode == PipelineMode::Manual
            && self.skip_states.contains(&SubmissionStatus::Certification)
        {
            return Err((
                "Certification cannot be skipped in manual mode: it waits for an approval there"
                    .into(),
                "skipStates",
            ));
        }
        if let Some(warning) = self
            .warnings
            .iter()
            .find(|w| !WARNING_CODES.contains(&w.code))
        {
            return Err((
                format!(
                    "warnings[].code must be a documented warning code (ListingOptOutWarning, ListingOptInWarning, UpdateOnlyWarning, Other, PackageValidationWarning, SalesUnsupportedWarning), not {}",
                    warning.code
                ),
                "warnings",
            ));
        }
        Ok(())
    }

    /// The wait before a step that was just reached may run. A policy stored by an older
    /// build without the bound (or a NaN) is read as the nearest allowed delay, so it can
    /// slow its product's pipeline but never break it.
    pub fn step_delay(&self) -> Duration {
        match self.mode {
            PipelineMode::Delay => {
                let seconds = if self.delay_seconds.is_nan() {
                    0.0
                } else {
                    self.delay_seconds.clamp(0.0, MAX_DELAY_SECONDS)
                };
                Duration::milliseconds((seconds * 1000.0) as i64)
            }
            _ => Duration::zero(),
        }
    }

    /// Whether the policy keeps submissions in `step`'s state (it names that state).
    pub fn stuck_in(&self, step: Step) -> bool {
        self.outcome
            .as_ref()
            .is_some_and(|outcome| outcome.status == step.status())
    }

    /// Whether a submission reaching `step` keeps showing the state it had (skipped state).
    pub fn skips(&self, step: Step) -> bool {
        self.skip_states.contains(&step.status())
    }

    /// The state the first step returns a committed submission to, with its errors, when
    /// the policy names one.
    fn forced_return(&self, step: Step) -> Option<(SubmissionStatus, Vec<StatusDetail>)> {
        let outcome = self.outcome.as_ref()?;
        (step == Step::CheckUpload && RETURNS.contains(&outcome.status))
            .then(|| (outcome.status, outcome.errors.clone()))
    }

    /// The forced failure for `step`, when the policy names that step's failure state.
    pub fn forced_failure(&self, step: Step) -> Option<Vec<StatusDetail>> {
        let outcome = self.outcome.as_ref()?;
        FAILURES
            .iter()
            .any(|(status, failing)| *status == outcome.status && *failing == step)
            .then(|| {
                if outcome.errors.is_empty() {
                    vec![StatusDetail {
                        code: StatusCode::Other,
                        details: format!("{} forced by the pipeline policy", outcome.status),
                    }]
                } else {
                    outcome.errors.clone()
                }
            })
    }
}

/// The server's default policy, shared by the API and the worker, and how a product's own
/// policy overrides it.
#[derive(Debug, Default)]
pub struct Policies {
    default: std::sync::RwLock<PipelinePolicy>,
}

impl Policies {
    pub fn new(default: PipelinePolicy) -> Self {
        Self {
            default: std::sync::RwLock::new(default),
        }
    }

    pub fn default_policy(&self) -> PipelinePolicy {
        self.default.read().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn set_default(&self, policy: PipelinePolicy) {
        if let Ok(mut current) = self.default.write() {
            *current = policy;
        }
    }

    /// The policy in force for a product: its own, else the server's.
    pub fn for_product(&self, own: Option<&PipelinePolicy>) -> PipelinePolicy {
        own.cloned().unwrap_or_else(|| self.default_policy())
    }
}

/// When a step that was just reached becomes due: now, after the delay, or (when it waits
/// for status reads) not until the reads make it due.
pub fn due_time(policy: &PipelinePolicy, now: DateTime<Utc>) -> DateTime<Utc> {
    if policy.polls_per_step.is_some() {
        return parked_until();
    }
    // The delay is bounded, so this only saturates for a "now" already near chrono's end.
    now.checked_add_signed(policy.step_delay())
        .unwrap_or_else(parked_until)
}

/// The due time of a job that only status reads (or an approval) release.
pub fn parked_until() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC - Duration::days(1)
}

pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok()?;
    let duration = match unit {
        "ms" => Duration::try_milliseconds(number),
        "s" => Duration::try_seconds(number),
        "m" => Duration::try_minutes(number),
        "h" => Duration::try_hours(number),
        _ => None,
    }?;
    // The same bound as the admin API's delaySeconds.
    (duration.num_seconds() as f64 <= MAX_DELAY_SECONDS).then_some(duration)
}

/// The steps, by the status a submission holds while the step is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// CommitStarted: the upload holds every file the submission names.
    CheckUpload,
    /// PreProcessing: packages and images are read.
    PreProcess,
    /// Certification.
    Certify,
    /// Release: waits for the publish mode.
    Release,
    /// Publishing: becomes the published submission.
    Publish,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::CheckUpload => "check-upload",
            Step::PreProcess => "preprocess",
            Step::Certify => "certify",
            Step::Release => "release",
            Step::Publish => "publish",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [
            Step::CheckUpload,
            Step::PreProcess,
            Step::Certify,
            Step::Release,
            Step::Publish,
        ]
        .into_iter()
        .find(|step| step.name() == name)
    }

    /// The status a submission holds while this step waits to run.
    pub fn status(self) -> SubmissionStatus {
        match self {
            Step::CheckUpload => SubmissionStatus::CommitStarted,
            Step::PreProcess => SubmissionStatus::PreProcessing,
            Step::Certify => SubmissionStatus::Certification,
            Step::Release => SubmissionStatus::Release,
            Step::Publish => SubmissionStatus::Publishing,
        }
    }

    /// The status a failure of this step leaves.
    pub fn failure_status(self) -> SubmissionStatus {
        match self {
            Step::CheckUpload => SubmissionStatus::CommitFailed,
            Step::PreProcess => SubmissionStatus::PreProcessingFailed,
            Step::Certify => SubmissionStatus::CertificationFailed,
            Step::Release => SubmissionStatus::ReleaseFailed,
            Step::Publish => SubmissionStatus::PublishFailed,
        }
    }

    pub fn next(self) -> Option<Step> {
        match self {
            Step::CheckUpload => Some(Step::PreProcess),
            Step::PreProcess => Some(Step::Certify),
            Step::Certify => Some(Step::Release),
            Step::Release => Some(Step::Publish),
            Step::Publish => None,
        }
    }
}

/// What the worker records after running a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Move to the next step, due at the given time.
    Advance { next: Step, due: DateTime<Utc> },
    /// Stay in this step and run it again at the given time (SpecificDate not reached yet).
    Wait { until: DateTime<Utc> },
    /// Stay in this step with no job: something outside the pipeline moves it on (Manual).
    Park,
    /// The submission becomes the published one.
    Published,
    /// The step failed with these errors.
    Failed(Vec<StatusDetail>),
    /// The pipeline ends, the submission in this state (`PendingCommit`, `Canceled`) with
    /// these errors.
    Returned(SubmissionStatus, Vec<StatusDetail>),
}

/// Decides the outcome of the Release step from the publish mode.
pub fn release_outcome(
    mode: PublishMode,
    target: DateTime<Utc>,
    now: DateTime<Utc>,
    policy: &PipelinePolicy,
) -> Outcome {
    match mode {
        PublishMode::Immediate => Outcome::Advance {
            next: Step::Publish,
            due: due_time(policy, now),
        },
        PublishMode::SpecificDate if target > now => Outcome::Wait { until: target },
        PublishMode::SpecificDate => Outcome::Advance {
            next: Step::Publish,
            due: due_time(policy, now),
        },
        PublishMode::Manual => Outcome::Park,
    }
}

/// Panics when the policy asks for it at `step` (see `panicInStep`), in fault-injection
/// builds only.
fn inject_panic(step: Step, policy: &PipelinePolicy) {
    if cfg!(feature = "fault-injection") && policy.panic_in_step.as_deref() == Some(step.name()) {
        panic!(
            "panic injected into pipeline step {} by panicInStep",
            step.name()
        );
    }
}

/// Decides a step's outcome from what its own work found and the policy in force.
pub fn decide(
    step: Step,
    policy: &PipelinePolicy,
    work: Result<(), Vec<StatusDetail>>,
    publish_mode: PublishMode,
    target_date: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Outcome {
    inject_panic(step, policy);
    if let Err(errors) = work {
        return Outcome::Failed(errors);
    }
    if policy.stuck_in(step) {
        return Outcome::Wait {
            until: now + Duration::seconds(STUCK_RECHECK_SECONDS),
        };
    }
    if let Some(errors) = policy.forced_failure(step) {
        return Outcome::Failed(errors);
    }
    if let Some((status, errors)) = policy.forced_return(step) {
        return Outcome::Returned(status, errors);
    }
    match step {
        Step::Certify if policy.mode == PipelineMode::Manual => Outcome::Park,
        Step::Release => release_outcome(publish_mode, target_date, now, policy),
        Step::Publish => Outcome::Published,
        _ => match step.next() {
            Some(next) => Outcome::Advance {
                next,
                due: due_time(policy, now),
            },
            None => Outcome::Published,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_parks_certification_and_forced_outcomes_fail_their_step() {
        let now = Utc::now();
        let date = now;
        let manual = PipelinePolicy::manual();
        let decide_at = |step, policy: &PipelinePolicy| {
            decide(step, policy, Ok(()), PublishMode::Immediate, date, now)
        };
        assert_eq!(decide_at(Step::Certify, &manual), Outcome::Park);
        assert!(matches!(
            decide_at(Step::PreProcess, &manual),
            Outcome::Advance {
                next: Step::Certify,
                ..
            }
        ));

        let failing = PipelinePolicy {
            outcome: Some(ForcedOutcome {
                status: SubmissionStatus::CertificationFailed,
                errors: vec![],
            }),
            ..PipelinePolicy::default()
        };
        assert!(failing.validate().is_ok());
        assert!(matches!(
            decide_at(Step::PreProcess, &failing),
            Outcome::Advance { .. }
        ));
        match decide_at(Step::Certify, &failing) {
            Outcome::Failed(errors) => assert_eq!(errors[0].code, StatusCode::Other),
            other => panic!("{other:?}"),
        }
        let bad = PipelinePolicy {
            outcome: Some(ForcedOutcome {
                status: SubmissionStatus::Published,
                errors: vec![],
            }),
            ..PipelinePolicy::default()
        };
        assert_eq!(bad.validate().unwrap_err().1, "outcome.status");
    }

    #[test]
    fn forced_states_hold_return_or_skip() {
        let now = Utc::now();
        let forced = |status| PipelinePolicy {
            outcome: Some(ForcedOutcome {
                status,
                errors: vec![],
            }),
            ..PipelinePolicy::default()
        };
        let decide_at = |step, policy: &PipelinePolicy| {
            decide(step, policy, Ok(()), PublishMode::Immediate, now, now)
        };
        let stuck = forced(SubmissionStatus::Release);
        assert!(stuck.validate().is_ok());
        assert!(matches!(
            decide_at(Step::Certify, &stuck),
            Outcome::Advance { .. }
        ));
        assert_eq!(
            decide_at(Step::Release, &stuck),
            Outcome::Wait {
                until: now + Duration::seconds(STUCK_RECHECK_SECONDS)
            }
        );
        for status in [SubmissionStatus::PendingCommit, SubmissionStatus::Canceled] {
            let policy = forced(status);
            assert!(policy.validate().is_ok());
            assert_eq!(
                decide_at(Step::CheckUpload, &policy),
                Outcome::Returned(status, vec![])
            );
        }
        let skipping = PipelinePolicy {
            skip_states: vec![SubmissionStatus::PreProcessing],
            ..PipelinePolicy::default()
        };
        assert!(skipping.validate().is_ok());
        assert!(skipping.skips(Step::PreProcess) && !skipping.skips(Step::Certify));
        let release = PipelinePolicy {
            skip_states: vec![SubmissionStatus::Release],
            ..PipelinePolicy::default()
        };
        assert_eq!(release.validate().unwrap_err().1, "skipStates");
        let error_as_warning = PipelinePolicy {
            warnings: vec![StatusDetail {
                code: StatusCode::MissingFiles,
                details: String::new(),
            }],
            ..PipelinePolicy::default()
        };
        assert_eq!(error_as_warning.validate().unwrap_err().1, "warnings");
    }

    #[test]
    fn polls_park_every_step_until_read() {
        let now = Utc::now();
        let polled = PipelinePolicy {
            polls_per_step: Some(3),
            ..PipelinePolicy::default()
        };
        assert_eq!(due_time(&polled, now), parked_until());
        assert_eq!(
            due_time(&PipelinePolicy::delayed(Duration::seconds(5)), now),
            now + Duration::seconds(5)
        );
    }

    #[test]
    fn delays_are_bounded() {
        let huge = PipelinePolicy {
            mode: PipelineMode::Delay,
            delay_seconds: 9_000_000_000_000.0,
            ..PipelinePolicy::default()
        };
        assert_eq!(huge.validate().unwrap_err().1, "delaySeconds");
        // A stored policy from a build without the bound is read as the longest delay.
        let now = Utc::now();
        assert_eq!(due_time(&huge, now), now + Duration::days(365));
        assert_eq!(
            due_time(&huge, DateTime::<Utc>::MAX_UTC - Duration::days(2)),
            parked_until()
        );
        assert!(PipelinePolicy::parse("delay=9223372036854775807h").is_err());
        assert!(PipelinePolicy::parse("delay=9000000h").is_err());
    }

    #[test]
    fn policies_parse() {
        assert_eq!(
            PipelinePolicy::parse("immediate").unwrap().step_delay(),
            Duration::zero()
        );
        assert_eq!(
            PipelinePolicy::parse("delay=2s").unwrap().step_delay(),
            Duration::seconds(2)
        );
        assert_eq!(
            PipelinePolicy::parse("delay=250ms").unwrap().step_delay(),
            Duration::milliseconds(250)
        );
        assert_eq!(
            PipelinePolicy::parse("manual").unwrap().mode,
            PipelineMode::Manual
        );
        assert!(PipelinePolicy::parse("delay=soon").is_err());
        assert!(PipelinePolicy::parse("sometimes").is_err());
    }

    #[test]
    fn steps_round_trip_and_chain_to_publish() {
        let mut step = Step::CheckUpload;
        let mut seen = vec![step.status()];
        while let Some(next) = step.next() {
            assert_eq!(Step::parse(next.name()), Some(next));
            seen.push(next.status());
            step = next;
        }
        assert_eq!(seen.last(), Some(&SubmissionStatus::Publishing));
    }

    #[test]
    fn specific_date_waits_for_the_clock() {
        let now = Utc::now();
        let policy = PipelinePolicy::default();
        let later = now + Duration::hours(1);
        assert_eq!(
            release_outcome(PublishMode::SpecificDate, later, now, &policy),
            Outcome::Wait { until: later }
        );
        assert!(matches!(
            release_outcome(PublishMode::SpecificDate, now, now, &policy),
            Outcome::Advance { .. }
        ));
        assert_eq!(
            release_outcome(PublishMode::Manual, now, now, &policy),
            Outcome::Park
        );
    }
}
