//! An offer's submission: the instances it froze and its two workflows (Preview, then
//! Live), with the state machine of partner-ingestion.md §5.6.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::resource::{Instance, Resource, same_id};

/// The state machine's resting and moving states (§5.6, S1–S6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// S1: the Preview workflow runs.
    Submitted,
    /// S2: automated validation (or preview creation) failed.
    Failed,
    /// S3: certification failed.
    FailedInCertification,
    /// S4: the preview is ready; promote takes it live.
    ReadyToPublish,
    /// S5: the Live workflow runs.
    Publishing,
    /// S6: live.
    InStore,
}

impl Stage {
    pub fn state(self) -> &'static str {
        match self {
            Stage::Submitted | Stage::Failed | Stage::FailedInCertification => "InProgress",
            _ => "Published",
        }
    }

    pub fn substate(self) -> &'static str {
        match self {
            Stage::Submitted => "Submitted",
            Stage::Failed => "Failed",
            Stage::FailedInCertification => "FailedInCertification",
            Stage::ReadyToPublish => "ReadyToPublish",
            Stage::Publishing => "Publishing",
            Stage::InStore => "InStore",
        }
    }

    /// A workflow runs: no second submission may start (409).
    pub fn in_flight(self) -> bool {
        matches!(self, Stage::Submitted | Stage::Publishing)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Environment {
    Preview,
    Live,
}

impl Environment {
    pub fn name(self) -> &'static str {
        match self {
            Environment::Preview => "Preview",
            Environment::Live => "Live",
        }
    }
}

/// A workflow step (§5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepKind {
    Validate,
    Certify,
    PreviewCreation,
    Signoff,
    Publish,
}

impl StepKind {
    const ALL: [StepKind; 5] = [
        StepKind::Validate,
        StepKind::Certify,
        StepKind::PreviewCreation,
        StepKind::Signoff,
        StepKind::Publish,
    ];

    /// The name `workflowdetails` shows.
    pub fn title(self) -> &'static str {
        match self {
            StepKind::Validate => "Automated validation",
            StepKind::Certify => "Certification",
            StepKind::PreviewCreation => "Preview Creation",
            StepKind::Signoff => "Publisher Signoff",
            StepKind::Publish => "Publish",
        }
    }

    /// The job step name.
    pub fn job(self) -> &'static str {
        match self {
            StepKind::Validate => "validate",
            StepKind::Certify => "certify",
            StepKind::PreviewCreation => "preview",
            StepKind::Signoff => "signoff",
            StepKind::Publish => "publish",
        }
    }

    pub fn parse_job(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.job() == name)
    }
}

/// The steps of each workflow for a product type: Business Central certifies on the way
/// live, the others before the preview.
pub fn workflow_plan(resource_type: &str) -> [(Environment, &'static [StepKind]); 2] {
    if resource_type == "AzureDynamics365BusinessCentral" {
        [
            (
                Environment::Preview,
                &[StepKind::Validate, StepKind::PreviewCreation],
            ),
            (
                Environment::Live,
                &[StepKind::Signoff, StepKind::Certify, StepKind::Publish],
            ),
        ]
    } else {
        [
            (
                Environment::Preview,
                &[
                    StepKind::Validate,
                    StepKind::Certify,
                    StepKind::PreviewCreation,
                ],
            ),
            (Environment::Live, &[StepKind::Signoff, StepKind::Publish]),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepState {
    NotStarted,
    InProgress,
    Success,
    Failed,
}

impl StepState {
    pub fn name(self) -> &'static str {
        match self {
            StepState::NotStarted => "NotStarted",
            StepState::InProgress => "InProgress",
            StepState::Success => "Success",
            StepState::Failed => "Failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowStep {
    pub kind: StepKind,
    pub environment: Environment,
    pub state: StepState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<DateTime<Utc>>,
}

/// One finding of automated validation (§4.1 ValidationItem).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationItem {
    pub error_code: String,
    pub severity: String,
    pub message: String,
    pub resource: String,
}

impl ValidationItem {
    pub fn error(code: &str, resource: &str, message: impl Into<String>) -> Self {
        Self {
            error_code: code.into(),
            severity: "Error".into(),
            message: message.into().replace(". ", "; "),
            resource: resource.into(),
        }
    }
}

/// The certification report, once the Certification step finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `Passed` or `Failed`.
    pub status: String,
    pub at: DateTime<Utc>,
    /// The report's text blob (container `file`), written when first asked for.
    pub blob: String,
    /// What the report says.
    pub lines: Vec<String>,
}

/// A plan's part of a submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResources {
    pub variant_id: String,
    /// (module, instance id)
    pub resources: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferSubmission {
    pub id: String,
    pub product_id: String,
    pub release_number: u32,
    pub created_at: DateTime<Utc>,
    /// Offer-level (module, instance id), canonical module names.
    pub resources: Vec<(String, String)>,
    pub variant_resources: Vec<VariantResources>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_option: Option<Map<String, Value>>,
    #[serde(default)]
    pub extended_properties: Vec<Value>,
    /// The instances this submission froze (the reseller configuration as a snapshot).
    pub frozen: Vec<Instance>,
    pub stage: Stage,
    pub steps: Vec<WorkflowStep>,
    #[serde(default)]
    pub validations: Vec<ValidationItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    /// Replaced by a later submission: out of listings, still readable.
    #[serde(default)]
    pub superseded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The Live workflow failed (the submission stays ReadyToPublish and may be promoted again).
    #[serde(default)]
    pub live_failed: bool,
    /// Status reads since the current step began (`pollsPerStep` policies).
    #[serde(default)]
    pub status_reads: u32,
}

impl OfferSubmission {
    pub fn new_steps(resource_type: &str) -> Vec<WorkflowStep> {
        workflow_plan(resource_type)
            .into_iter()
            .flat_map(|(environment, kinds)| {
                kinds.iter().map(move |kind| WorkflowStep {
                    kind: *kind,
                    environment,
                    state: StepState::NotStarted,
                    started: None,
                    completed: None,
                })
            })
            .collect()
    }

    /// The step that runs now, if any.
    pub fn running(&self) -> Option<&WorkflowStep> {
        self.steps.iter().find(|s| s.state == StepState::InProgress)
    }

    fn step_mut(&mut self, kind: StepKind) -> Option<&mut WorkflowStep> {
        self.steps.iter_mut().find(|s| s.kind == kind)
    }

    pub fn start(&mut self, kind: StepKind, now: DateTime<Utc>) {
        self.status_reads = 0;
        if let Some(step) = self.step_mut(kind) {
            step.state = StepState::InProgress;
            step.started = Some(now);
            step.completed = None;
        }
    }

    pub fn finish(&mut self, kind: StepKind, state: StepState, now: DateTime<Utc>) {
        if let Some(step) = self.step_mut(kind) {
            step.state = state;
            step.started.get_or_insert(now);
            step.completed = Some(now);
        }
    }

    /// The step after `kind` in its workflow.
    pub fn next_step(&self, kind: StepKind) -> Option<StepKind> {
        let at = self.steps.iter().position(|s| s.kind == kind)?;
        let environment = self.steps[at].environment;
        self.steps
            .get(at + 1)
            .filter(|s| s.environment == environment)
            .map(|s| s.kind)
    }

    /// The first step of the Live workflow.
    pub fn first_live_step(&self) -> Option<StepKind> {
        self.steps
            .iter()
            .find(|s| s.environment == Environment::Live)
            .map(|s| s.kind)
    }

    pub fn environment_of(&self, kind: StepKind) -> Environment {
        self.steps
            .iter()
            .find(|s| s.kind == kind)
            .map_or(Environment::Preview, |s| s.environment)
    }

    /// Resets the Live workflow before a (new) promote.
    pub fn reset_live(&mut self) {
        for step in &mut self.steps {
            if step.environment == Environment::Live {
                step.state = StepState::NotStarted;
                step.started = None;
                step.completed = None;
            }
        }
        self.live_failed = false;
    }

    pub fn frozen_instance(&self, id: &str) -> Option<&Instance> {
        self.frozen.iter().find(|i| same_id(&i.id, id))
    }

    pub fn frozen_resource(&self, id: &str) -> Option<&Resource> {
        self.frozen.iter().find_map(|i| i.resource(id))
    }

    pub fn frozen_resource_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.frozen.iter_mut().find_map(|i| i.resource_mut(id))
    }

    /// `isAutoPromote` of the publish option.
    pub fn auto_promote(&self) -> bool {
        self.option_flag("isAutoPromote")
    }

    fn option_flag(&self, name: &str) -> bool {
        self.publish_option
            .as_ref()
            .and_then(|o| o.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// `publishOption.releaseTimeInUtc`, when it parses.
    pub fn release_time(&self) -> Option<DateTime<Utc>> {
        self.publish_option
            .as_ref()
            .and_then(|o| o.get("releaseTimeInUtc"))
            .and_then(Value::as_str)
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|at| at.with_timezone(&Utc))
    }

    /// `pendingUpdateInfo`'s `updateType` and `status`.
    pub fn pending_update(&self) -> (&'static str, &'static str) {
        match self.stage {
            Stage::Submitted => ("Create", "Running"),
            Stage::Failed | Stage::FailedInCertification => ("Create", "Failed"),
            Stage::ReadyToPublish if self.live_failed => ("Promote", "Failed"),
            Stage::ReadyToPublish => ("Create", "Completed"),
            Stage::Publishing => ("Promote", "Running"),
            Stage::InStore => ("Promote", "Completed"),
        }
    }

    /// Automated validation has passed.
    pub fn resources_ready(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.kind == StepKind::Validate && s.state == StepState::Success)
    }

    /// Whether `variant_id` is part of this submission.
    pub fn includes_variant(&self, variant_id: &str) -> bool {
        self.variant_resources
            .iter()
            .any(|v| same_id(&v.variant_id, variant_id))
    }
}
