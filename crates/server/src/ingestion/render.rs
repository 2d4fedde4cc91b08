//! The ingestion API's output shapes (partner-ingestion.md §4): resources in their documented
//! field order with `resourceType` first and `@odata.etag`, `id` last, products, branches,
//! submissions, workflow details and reports. Nothing is emitted as `null`.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};
use storeroom_domain::ingestion::offer::Offer;
use storeroom_domain::ingestion::resource::{FILE_CONTAINER, Instance, Resource};
use storeroom_domain::ingestion::submission::{
    Environment, OfferSubmission, StepState, ValidationItem,
};
use storeroom_wire::ingestion::models::{EXPANDABLE_AVAILABILITY, PRODUCT, model_of};
use storeroom_wire::ingestion::{published_time, workflow_time};

use super::respond::Out;
use crate::blob::BlobService;

/// How long the SAS URLs handed out stay valid: a day to upload, an hour to read.
const WRITE_SAS_HOURS: i64 = 24;
const READ_SAS_HOURS: i64 = 1;

/// What a rendering needs besides the resource.
pub struct Render<'a> {
    pub blob: &'a BlobService,
    pub now: DateTime<Utc>,
}

/// Whether a file resource shows its `fileSasUri`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sas {
    Show,
    Hide,
}

/// Members a feature availability shows (`$expand`).
pub type Expanded<'a> = &'a [&'static str];

fn ordered(resource_type: &str, fields: &Map<String, Value>) -> Vec<(String, Out)> {
    match model_of(resource_type) {
        Some(model) => model
            .ordered(fields)
            .into_iter()
            .map(|(k, v)| (k.to_string(), Out::V(v.clone())))
            .collect(),
        None => fields
            .iter()
            .map(|(k, v)| (k.clone(), Out::V(v.clone())))
            .collect(),
    }
}

impl Render<'_> {
    /// A SAS URL for a file blob: write access while it waits for its upload.
    pub fn file_sas(&self, blob: &str, pending: bool) -> String {
        let (permissions, hours) = if pending {
            ("rwl", WRITE_SAS_HOURS)
        } else {
            ("rl", READ_SAS_HOURS)
        };
        self.blob.sas_url(
            FILE_CONTAINER,
            blob,
            permissions,
            self.now + Duration::hours(hours),
        )
    }

    /// Any resource: `resourceType`, its fields, then `@odata.etag` and `id` (those with
    /// neither, like the reseller configuration, show neither).
    pub fn resource(&self, resource: &Resource, sas: Sas, expanded: Option<Expanded>) -> Out {
        let mut fields = resource.fields.clone();
        if let Some(blob) = &resource.blob {
            fields.remove("fileSasUri");
            if sas == Sas::Show {
                let pending = resource.file_state() == "PendingUpload";
                fields.insert(
                    "fileSasUri".into(),
                    Value::String(self.file_sas(blob, pending)),
                );
            }
        }
        if let Some(expanded) = expanded {
            for (name, field) in EXPANDABLE_AVAILABILITY {
                if !expanded.contains(name) {
                    fields.remove(*field);
                }
            }
        }
        let mut out = Out::obj().with("resourceType", resource.resource_type.as_str());
        if let Out::Obj(members) = &mut out {
            members.extend(ordered(&resource.resource_type, &fields));
        }
        if let Some(etag) = &resource.etag {
            out.push("@odata.etag", etag.as_str());
            out.push("id", resource.id.as_str());
        }
        out
    }

    /// A resource without an id of its own (reseller, lead configuration).
    pub fn configuration(&self, resource: &Resource) -> Out {
        let mut out = Out::obj().with("resourceType", resource.resource_type.as_str());
        if let Out::Obj(members) = &mut out {
            members.extend(ordered(&resource.resource_type, &resource.fields));
        }
        out
    }
}

pub fn product(offer: &Offer) -> Out {
    let mut out = Out::obj().with("resourceType", offer.resource_type.as_str());
    for (key, value) in PRODUCT.ordered(&offer.fields) {
        out.push(key, value.clone());
    }
    out.with("id", offer.id.as_str())
}

pub fn setup(offer: &Offer) -> Out {
    let mut out = Out::obj().with("resourceType", "AzureProductSetup");
    if let Out::Obj(members) = &mut out {
        members.extend(ordered("AzureProductSetup", &offer.setup));
    }
    out
}

pub fn branch(instance: &Instance) -> Out {
    let mut out = Out::obj()
        .with("resourceType", "Branch")
        .with("friendlyName", "Main")
        .with("type", "Main")
        .with("module", instance.module.name())
        .with("currentDraftInstanceID", instance.id.as_str());
    if let Some(variant) = &instance.variant_id {
        out.push("variantID", variant.as_str());
    }
    out
}

fn pairs(items: &[(String, String)]) -> Out {
    Out::Arr(
        items
            .iter()
            .map(|(kind, value)| Out::V(json!({"type": kind, "value": value})))
            .collect(),
    )
}

/// The submission's `href` (§8 #12).
fn href(submission: &OfferSubmission) -> String {
    format!(
        "v1.0/ingestion/products/{}/submissions/{}",
        submission.product_id, submission.id
    )
}

pub fn submission(submission: &OfferSubmission, with_publish_option: bool) -> Out {
    let (update_type, status) = submission.pending_update();
    let mut pending = Out::obj()
        .with("updateType", update_type)
        .with("status", status)
        .with("href", href(submission));
    if status == "Failed"
        && let Some(reason) = &submission.failure_reason
    {
        pending.push("failureReason", reason.as_str());
    }
    let variants = Out::Arr(
        submission
            .variant_resources
            .iter()
            .map(|v| {
                Out::obj()
                    .with("variantID", v.variant_id.as_str())
                    .with("resources", pairs(&v.resources))
            })
            .collect(),
    );
    let mut out = Out::obj()
        .with("resourceType", "Submission")
        .with("state", submission.stage.state())
        .with("substate", submission.stage.substate())
        .with(
            "targets",
            Out::V(json!([{"type": "Scope", "value": "Preview"}])),
        )
        .with("resources", pairs(&submission.resources))
        .with("variantResources", variants);
    if with_publish_option && let Some(option) = &submission.publish_option {
        out.push("publishOption", Value::Object(option.clone()));
    }
    out.with(
        "publishedTimeInUtc",
        published_time(submission.published_at),
    )
    .with("pendingUpdateInfo", pending)
    .with(
        "extendedProperties",
        Value::Array(submission.extended_properties.clone()),
    )
    .with("releaseNumber", submission.release_number)
    .with(
        "friendlyName",
        format!("Submission {}", submission.release_number),
    )
    .with("areResourcesReady", submission.resources_ready())
    .with("id", submission.id.as_str())
}

/// One workflow (Preview or Live) of a submission.
pub fn workflow(submission: &OfferSubmission, environment: Environment) -> Out {
    let steps: Vec<_> = submission
        .steps
        .iter()
        .filter(|s| s.environment == environment)
        .collect();
    let state = if steps.iter().any(|s| s.state == StepState::Failed) {
        "Failed"
    } else if steps.iter().all(|s| s.state == StepState::Success) {
        "Success"
    } else if steps.iter().all(|s| s.state == StepState::NotStarted) {
        "NotStarted"
    } else {
        "InProgress"
    };
    let mut out = Out::obj()
        .with("type", "Push")
        .with("state", state)
        .with("targetEnvironment", environment.name())
        .with(
            "workflowSteps",
            Out::Arr(
                steps
                    .iter()
                    .map(|s| {
                        let mut step = Out::obj()
                            .with("name", s.kind.title())
                            .with("state", s.state.name());
                        if let Some(at) = s.started {
                            step.push("startDateTimeInUtc", workflow_time(at));
                        }
                        if let Some(at) = s.completed {
                            step.push("completeDateTimeInUtc", workflow_time(at));
                        }
                        step
                    })
                    .collect(),
            ),
        );
    if let Some(start) = steps.iter().filter_map(|s| s.started).min() {
        out.push("startDateTimeInUtc", workflow_time(start));
    }
    if matches!(state, "Success" | "Failed")
        && let Some(end) = steps.iter().filter_map(|s| s.completed).max()
    {
        out.push("completeDateTimeInUtc", workflow_time(end));
    }
    out
}

pub fn validation(item: &ValidationItem) -> Out {
    Out::V(serde_json::to_value(item).unwrap_or_default())
}
