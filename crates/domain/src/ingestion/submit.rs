//! Submissions of an offer: creation (which freezes the instances it names, §5.5), the
//! workflow steps the job runner drives under the pipeline policy (§5.6), promote, cancel,
//! and the admin's certification decision.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use storeroom_wire::devcenter::{PublishMode, StatusDetail};
use storeroom_wire::ingestion::schema::get_ci;

use super::error::{IngestionError, IngestionResult};
use super::offer::{Offer, TEST_DRIVE};
use super::resource::{Instance, Module, blob_name, guid, instance_id, same_id};
use super::service::IngestionService;
use super::store::{INGESTION_QUEUE, IngestionTransaction};
use super::submission::{
    Environment, OfferSubmission, Report, Stage, StepKind, StepState, ValidationItem,
    VariantResources,
};
use super::validation::{self, ImageVerdicts};
use crate::leniency::Leniency;
use crate::pipeline::{Outcome, PipelineMode, PipelinePolicy, Step, decide, due_time};
use crate::store::NewJob;

/// The job key of a submission's steps (the shared job table's `submission_id`).
pub fn job_key(submission_id: &str) -> String {
    format!("offer-submission:{submission_id}")
}

/// The submission id of a job key.
pub fn submission_of_job(key: &str) -> Option<&str> {
    key.strip_prefix("offer-submission:")
}

/// The pipeline step whose policy rules a workflow step: automated validation fails as a
/// commit does, preview creation as pre-processing, publisher sign-off waits as release.
fn pipeline_step(kind: StepKind) -> Step {
    match kind {
        StepKind::Validate => Step::CheckUpload,
        StepKind::PreviewCreation => Step::PreProcess,
        StepKind::Certify => Step::Certify,
        StepKind::Signoff => Step::Release,
        StepKind::Publish => Step::Publish,
    }
}

/// A submission id: 19 digits, 2^60 + n (§2.1).
fn submission_id(number: i64) -> String {
    ((1u64 << 60) + u64::try_from(number).unwrap_or_default()).to_string()
}

fn invalid(field: &str, message: impl Into<String>) -> IngestionError {
    IngestionError::invalid(field, message)
}

/// `{type, value}` pairs of a request field, with the type a known module.
fn module_pairs(
    value: Option<&Value>,
    field: &str,
    allowed: &[Module],
) -> IngestionResult<Vec<(Module, String)>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let items = value
        .as_array()
        .ok_or_else(|| invalid(field, format!("The field {field} must be an array")))?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let at = format!("{field}[{index}]");
            let object = item
                .as_object()
                .ok_or_else(|| invalid(&at, format!("The field {at} must be an object")))?;
            let kind = get_ci(object, "type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let module = Module::parse(kind)
                .filter(|m| allowed.contains(m))
                .ok_or_else(|| {
                    invalid(
                        &format!("{at}.type"),
                        format!("The module type '{kind}' is invalid here"),
                    )
                })?;
            let instance = get_ci(object, "value")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    invalid(
                        &format!("{at}.value"),
                        "The value field (an instance id) is required",
                    )
                })?;
            Ok((module, instance.to_string()))
        })
        .collect()
}

const OFFER_MODULES: &[Module] = &Module::ALL;
const PLAN_MODULES: &[Module] = &[Module::Availability, Module::Listing, Module::Package];

/// What a submission creation request names, checked against the offer.
struct Request {
    resources: Vec<(Module, String)>,
    variants: Vec<(String, Vec<(Module, String)>)>,
    publish_option: Option<Map<String, Value>>,
    extended_properties: Vec<Value>,
}

fn read_request(offer: &Offer, body: &Map<String, Value>) -> IngestionResult<Request> {
    if let Some(Value::String(kind)) = get_ci(body, "resourceType")
        && !kind.eq_ignore_ascii_case("SubmissionCreationRequest")
    {
        return Err(invalid(
            "resourceType",
            format!("The field resourceType is invalid: '{kind}' is not SubmissionCreationRequest"),
        ));
    }
    if let Some(targets) = get_ci(body, "targets") {
        let targets = targets
            .as_array()
            .ok_or_else(|| invalid("targets", "The field targets must be an array"))?;
        for target in targets {
            let kind = target
                .get("type")
                .or_else(|| target.get("Type"))
                .and_then(Value::as_str);
            let value = target
                .get("value")
                .or_else(|| target.get("Value"))
                .and_then(Value::as_str);
            let ok = kind.is_some_and(|k| k.eq_ignore_ascii_case("Scope"))
                && value.is_some_and(|v| v.eq_ignore_ascii_case("Preview"));
            if !ok {
                return Err(invalid(
                    "targets",
                    "The field targets is invalid: only {\"type\":\"Scope\",\"value\":\"Preview\"} is accepted (go live with promote)",
                ));
            }
        }
    }
    let mut resources = module_pairs(get_ci(body, "resources"), "resources", OFFER_MODULES)?;
    let mut variants = Vec::new();
    if let Some(value) = get_ci(body, "variantResources") {
        let items = value.as_array().ok_or_else(|| {
            invalid(
                "variantResources",
                "The field variantResources must be an array",
            )
        })?;
        for (index, item) in items.iter().enumerate() {
            let at = format!("variantResources[{index}]");
            let object = item
                .as_object()
                .ok_or_else(|| invalid(&at, format!("The field {at} must be an object")))?;
            let variant_id = get_ci(object, "variantID")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let variant = offer.variant(variant_id).ok_or_else(|| {
                invalid(
                    &format!("{at}.variantID"),
                    format!("The plan '{variant_id}' does not exist in this offer"),
                )
            })?;
            let pairs = module_pairs(
                get_ci(object, "resources"),
                &format!("{at}.resources"),
                PLAN_MODULES,
            )?;
            variants.push((variant.id.clone(), pairs));
        }
    }
    if resources.is_empty() && variants.is_empty() {
        // `{}` submits every current draft (§5.6), the inactive test drive aside.
        for instance in &offer.instances {
            match &instance.variant_id {
                None => resources.push((instance.module, instance.id.clone())),
                Some(variant) => {
                    let active = offer.variant(variant).is_some_and(|v| {
                        !(same_id(&v.id, TEST_DRIVE) && v.str("state") != Some("Active"))
                    });
                    if !active {
                        continue;
                    }
                    match variants.iter_mut().find(|(v, _)| v == variant) {
                        Some((_, pairs)) => pairs.push((instance.module, instance.id.clone())),
                        None => variants.push((
                            variant.clone(),
                            vec![(instance.module, instance.id.clone())],
                        )),
                    }
                }
            }
        }
    }
    for (module, instance) in &resources {
        check_draft(offer, *module, None, instance, "resources")?;
    }
    for (variant, pairs) in &variants {
        for (module, instance) in pairs {
            check_draft(offer, *module, Some(variant), instance, "variantResources")?;
        }
    }
    let publish_option = match get_ci(body, "publishOption") {
        Some(Value::Object(option)) => Some(read_publish_option(option)?),
        Some(_) => {
            return Err(invalid(
                "publishOption",
                "The field publishOption must be an object",
            ));
        }
        None => None,
    };
    let extended_properties = get_ci(body, "extendedProperties")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(Request {
        resources,
        variants,
        publish_option,
        extended_properties,
    })
}

fn read_publish_option(option: &Map<String, Value>) -> IngestionResult<Map<String, Value>> {
    let mut out = Map::new();
    if let Some(value) = get_ci(option, "releaseTimeInUtc") {
        let text = value.as_str().unwrap_or_default();
        if DateTime::parse_from_rfc3339(text).is_err() {
            return Err(invalid(
                "publishOption.releaseTimeInUtc",
                format!(
                    "The field publishOption.releaseTimeInUtc is invalid: '{text}' is not a date-time"
                ),
            ));
        }
        out.insert("releaseTimeInUtc".into(), value.clone());
    }
    for flag in ["isManualPublish", "isAutoPromote"] {
        match get_ci(option, flag) {
            Some(Value::Bool(b)) => {
                out.insert(flag.into(), Value::Bool(*b));
            }
            Some(Value::String(s))
                if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
            {
                out.insert(flag.into(), Value::Bool(s.eq_ignore_ascii_case("true")));
            }
            Some(_) => {
                return Err(invalid(
                    &format!("publishOption.{flag}"),
                    format!("The field publishOption.{flag} must be true or false"),
                ));
            }
            None => {}
        }
    }
    if let Some(notes) = get_ci(option, "certificationNotes").and_then(Value::as_str) {
        out.insert("certificationNotes".into(), Value::String(notes.into()));
    }
    Ok(out)
}

/// An instance a request names must be the current draft of that module (and plan).
fn check_draft(
    offer: &Offer,
    module: Module,
    variant: Option<&str>,
    instance_id: &str,
    field: &str,
) -> IngestionResult<()> {
    let ok = offer.instance(instance_id).is_some_and(|i| {
        i.module == module
            && match (&i.variant_id, variant) {
                (None, None) => true,
                (Some(a), Some(b)) => same_id(a, b),
                _ => false,
            }
    });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!(
                "The instance '{instance_id}' is not the current draft of the {} module{}: read the branches again (getByModule) and submit their currentDraftInstanceID",
                module.name(),
                variant.map(|v| format!(" of plan {v}")).unwrap_or_default()
            ),
        ))
    }
}

/// Freezes the draft `instance_id`: it moves into the submission and its branch gets a deep
/// copy with new ids as its new draft. The reseller configuration keeps its constant id and
/// is snapshotted instead.
fn freeze(offer: &mut Offer, instance_id_sent: &str, now: DateTime<Utc>) -> Option<Instance> {
    let at = offer
        .instances
        .iter()
        .position(|i| same_id(&i.id, instance_id_sent))?;
    if offer.instances[at].module == Module::ResellerConfiguration {
        return Some(offer.instances[at].clone());
    }
    let frozen = offer.instances[at].clone();
    let mut draft = frozen.clone();
    draft.id = instance_id();
    let mut renamed = Vec::new();
    for resource in &mut draft.resources {
        let new_id = if resource.resource_type.ends_with("PackageConfiguration") {
            guid()
        } else {
            instance_id()
        };
        renamed.push((resource.id.clone(), new_id.clone()));
        resource.id = new_id;
    }
    for resource in &mut draft.resources {
        if let Some(parent) = &resource.parent
            && let Some((_, new)) = renamed.iter().find(|(old, _)| old == parent)
        {
            resource.parent = Some(new.clone());
        }
        resource.etag = Some(offer.next_etag(now));
    }
    offer.instances[at] = draft;
    Some(frozen)
}

impl IngestionService {
    fn strict(&self) -> bool {
        self.leniency == Leniency::Strict
    }

    /// `POST /products/{id}/submissions`.
    pub async fn create_submission(
        &self,
        seller_id: &str,
        product_id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<OfferSubmission> {
        let mut tx = self.store.begin().await?;
        let mut offer = match tx.offer(&product_id.trim().to_ascii_lowercase()).await? {
            Some(offer) if offer.seller_id == seller_id => offer,
            _ => return Err(IngestionError::not_found("Product", product_id)),
        };
        let request = read_request(&offer, body)?;
        let mut others = tx.submissions(&offer.id).await?;
        if let Some(running) = others.iter().find(|s| !s.superseded && s.stage.in_flight()) {
            return Err(IngestionError::Conflict(format!(
                "Submission {} is {}/{}: wait for it to finish (or cancel it) before submitting again",
                running.id,
                running.stage.state(),
                running.stage.substate()
            )));
        }
        for other in others.iter_mut().filter(|s| {
            !s.superseded
                && matches!(
                    s.stage,
                    Stage::Failed | Stage::FailedInCertification | Stage::ReadyToPublish
                )
        }) {
            other.superseded = true;
            tx.delete_jobs_of(&job_key(&other.id)).await?;
            tx.put_submission(other).await?;
        }
        let now = self.now();
        let mut frozen = Vec::new();
        let mut freeze_all = |offer: &mut Offer, pairs: &[(Module, String)]| {
            for (_, instance) in pairs {
                if let Some(instance) = freeze(offer, instance, now) {
                    frozen.push(instance);
                }
            }
        };
        freeze_all(&mut offer, &request.resources);
        for (_, pairs) in &request.variants {
            freeze_all(&mut offer, pairs);
        }
        let number = tx.next_submission_number().await?;
        offer.releases += 1;
        let pairs = |pairs: &[(Module, String)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(m, i)| (m.name().to_string(), i.clone()))
                .collect()
        };
        let mut submission = OfferSubmission {
            id: submission_id(number),
            product_id: offer.id.clone(),
            release_number: offer.releases,
            created_at: now,
            resources: pairs(&request.resources),
            variant_resources: request
                .variants
                .iter()
                .map(|(variant_id, p)| VariantResources {
                    variant_id: variant_id.clone(),
                    resources: pairs(p),
                })
                .collect(),
            publish_option: request.publish_option,
            extended_properties: request.extended_properties,
            frozen,
            stage: Stage::Submitted,
            steps: OfferSubmission::new_steps(&offer.resource_type),
            validations: Vec::new(),
            report: None,
            published_at: None,
            superseded: false,
            failure_reason: None,
            live_failed: false,
            status_reads: 0,
        };
        let policy = self.policy(&offer);
        submission.start(StepKind::Validate, now);
        enqueue(
            tx.as_mut(),
            &submission.id,
            StepKind::Validate,
            due_time(&policy, now),
        )
        .await?;
        tx.put_submission(&submission).await?;
        tx.put_offer(&offer).await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// `GET /products/{id}/submissions`: the ones not superseded, oldest first.
    pub async fn submissions(
        &self,
        seller_id: &str,
        product_id: &str,
    ) -> IngestionResult<Vec<OfferSubmission>> {
        let offer = self.offer(seller_id, product_id).await?;
        let mut all = self.store.submissions(&offer.id).await?;
        all.retain(|s| !s.superseded);
        Ok(all)
    }

    /// `GET /products/{id}/submissions/{sid}`, counting the read for `pollsPerStep`.
    pub async fn submission(
        &self,
        seller_id: &str,
        product_id: &str,
        submission_id: &str,
    ) -> IngestionResult<OfferSubmission> {
        let offer = self.offer(seller_id, product_id).await?;
        let submission = self
            .store
            .submission(submission_id.trim())
            .await?
            .filter(|s| s.product_id == offer.id)
            .ok_or_else(|| IngestionError::not_found("Submission", submission_id))?;
        let Some(polls) = self.policy(&offer).polls_per_step else {
            return Ok(submission);
        };
        if !submission.stage.in_flight() {
            return Ok(submission);
        }
        let mut tx = self.store.begin().await?;
        let Some(mut current) = tx.submission(&submission.id).await? else {
            return Ok(submission);
        };
        current.status_reads += 1;
        if current.status_reads >= polls {
            current.status_reads = 0;
            tx.make_jobs_due(&job_key(&current.id), self.now()).await?;
        }
        tx.put_submission(&current).await?;
        tx.commit().await?;
        Ok(current)
    }

    /// `DELETE /products/{id}/submissions/{sid}`: cancels one still in progress (§5.6).
    pub async fn cancel_submission(
        &self,
        seller_id: &str,
        product_id: &str,
        submission_id: &str,
    ) -> IngestionResult<()> {
        let mut tx = self.store.begin().await?;
        let submission =
            owned_submission(tx.as_mut(), seller_id, product_id, submission_id).await?;
        if submission.stage.state() != "InProgress" {
            return Err(IngestionError::Conflict(format!(
                "Submission {} is {}/{}: only an InProgress submission can be cancelled",
                submission.id,
                submission.stage.state(),
                submission.stage.substate()
            )));
        }
        tx.delete_jobs_of(&job_key(&submission.id)).await?;
        tx.delete_submission(&submission.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `POST .../promote`: takes a ready preview live (S4 → S5).
    pub async fn promote(
        &self,
        seller_id: &str,
        product_id: &str,
        submission_id: &str,
    ) -> IngestionResult<OfferSubmission> {
        let mut tx = self.store.begin().await?;
        let mut submission =
            owned_submission(tx.as_mut(), seller_id, product_id, submission_id).await?;
        if submission.stage != Stage::ReadyToPublish || submission.superseded {
            return Err(IngestionError::Conflict(format!(
                "Submission {} is {}/{}: only a ReadyToPublish preview can be promoted",
                submission.id,
                submission.stage.state(),
                submission.stage.substate()
            )));
        }
        let offer = tx
            .offer(&submission.product_id)
            .await?
            .ok_or_else(|| IngestionError::not_found("Product", product_id))?;
        let now = self.now();
        if let Some((step, due)) = start_live(&mut submission, &self.policy(&offer), now) {
            enqueue(tx.as_mut(), &submission.id, step, due).await?;
        }
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// The runner: the images a validation job must probe first, if the job is current.
    pub async fn images_for_step(
        &self,
        submission_id: &str,
        step: StepKind,
    ) -> IngestionResult<Option<Vec<validation::ImageToProbe>>> {
        let Some(submission) = self.store.submission(submission_id).await? else {
            return Ok(None);
        };
        if submission.running().map(|s| s.kind) != Some(step) {
            return Ok(None);
        }
        Ok(Some(if step == StepKind::Validate {
            validation::images_to_probe(&submission)
        } else {
            Vec::new()
        }))
    }

    /// The runner: runs workflow step `step` of a submission and records its outcome with
    /// the next job, removing job `job_id`, in one transaction.
    pub async fn run_step(
        &self,
        job_id: i64,
        submission_id: &str,
        step: StepKind,
        verdicts: &ImageVerdicts,
    ) -> IngestionResult<()> {
        let mut tx = self.store.begin().await?;
        let submission = tx.submission(submission_id).await?;
        let offer = match &submission {
            Some(s) => tx.offer(&s.product_id).await?,
            None => None,
        };
        let (Some(mut submission), Some(mut offer)) = (submission, offer) else {
            tx.delete_job(job_id).await?;
            return Ok(tx.commit().await?);
        };
        if submission.running().map(|s| s.kind) != Some(step) {
            tx.delete_job(job_id).await?;
            return Ok(tx.commit().await?);
        }
        let now = self.now();
        let policy = self.policy(&offer);
        let work = if step == StepKind::Validate {
            let items = validation::validate(&offer, &mut submission, verdicts, self.strict());
            submission.validations = items.clone();
            if items.is_empty() {
                Ok(())
            } else {
                Err(items
                    .iter()
                    .map(|i| StatusDetail {
                        code: storeroom_wire::devcenter::StatusCode::InvalidParameterValue,
                        details: i.message.clone(),
                    })
                    .collect())
            }
        } else {
            Ok(())
        };
        let outcome = match (step, submission.release_time()) {
            (StepKind::Publish, Some(at)) if at > now => Outcome::Wait { until: at },
            _ => decide(
                pipeline_step(step),
                &policy,
                work,
                PublishMode::Immediate,
                now,
                now,
            ),
        };
        let next = record(&mut offer, &mut submission, step, outcome, &policy, now);
        if submission.stage == Stage::InStore {
            for mut earlier in tx.submissions(&offer.id).await? {
                if earlier.id != submission.id
                    && earlier.stage == Stage::InStore
                    && !earlier.superseded
                {
                    earlier.superseded = true;
                    tx.put_submission(&earlier).await?;
                }
            }
        }
        if let Some((next, due)) = next {
            enqueue(tx.as_mut(), &submission.id, next, due).await?;
        }
        tx.put_submission(&submission).await?;
        tx.put_offer(&offer).await?;
        tx.delete_job(job_id).await?;
        Ok(tx.commit().await?)
    }

    /// The runner: a step panicked; the submission fails with the correlation id.
    pub async fn fail_step(
        &self,
        job_id: i64,
        submission_id: &str,
        message: &str,
    ) -> IngestionResult<()> {
        let mut tx = self.store.begin().await?;
        if let Some(mut submission) = tx.submission(submission_id).await?
            && let Some(step) = submission.running().map(|s| s.kind)
            && let Some(mut offer) = tx.offer(&submission.product_id).await?
        {
            let now = self.now();
            let policy = self.policy(&offer);
            let errors = vec![StatusDetail {
                code: storeroom_wire::devcenter::StatusCode::Other,
                details: message.to_string(),
            }];
            record(
                &mut offer,
                &mut submission,
                step,
                Outcome::Failed(errors),
                &policy,
                now,
            );
            tx.put_submission(&submission).await?;
            tx.put_offer(&offer).await?;
        }
        tx.delete_job(job_id).await?;
        Ok(tx.commit().await?)
    }

    /// Admin: a submission waiting in Certification under a manual policy moves on
    /// (approved) or fails with the reason (rejected).
    pub async fn decide_certification(
        &self,
        submission_id: &str,
        rejection: Option<&str>,
    ) -> IngestionResult<OfferSubmission> {
        if rejection.is_some_and(|r| r.trim().is_empty()) {
            return Err(invalid(
                "reason",
                "reason must say why the submission is rejected",
            ));
        }
        let mut tx = self.store.begin().await?;
        let mut submission = tx
            .submission(submission_id.trim())
            .await?
            .ok_or_else(|| IngestionError::not_found("Submission", submission_id))?;
        let mut offer = tx
            .offer(&submission.product_id)
            .await?
            .ok_or_else(|| IngestionError::not_found("Product", &submission.product_id))?;
        let policy = self.policy(&offer);
        let waiting = submission.running().map(|s| s.kind) == Some(StepKind::Certify)
            && policy.mode == PipelineMode::Manual;
        if !waiting {
            return Err(invalid(
                "submissionId",
                format!(
                    "Submission {} is not waiting for a certification decision ({}/{}; only a manual pipeline waits)",
                    submission.id,
                    submission.stage.state(),
                    submission.stage.substate()
                ),
            ));
        }
        let now = self.now();
        let outcome = match rejection {
            Some(reason) => Outcome::Failed(vec![StatusDetail {
                code: storeroom_wire::devcenter::StatusCode::Other,
                details: reason.trim().to_string(),
            }]),
            None => Outcome::Advance {
                next: Step::Release,
                due: due_time(&policy, now),
            },
        };
        tx.delete_jobs_of(&job_key(&submission.id)).await?;
        if let Some((next, due)) = record(
            &mut offer,
            &mut submission,
            StepKind::Certify,
            outcome,
            &policy,
            now,
        ) {
            enqueue(tx.as_mut(), &submission.id, next, due).await?;
        }
        tx.put_submission(&submission).await?;
        tx.put_offer(&offer).await?;
        tx.commit().await?;
        Ok(submission)
    }

    /// Admin: any submission.
    pub async fn any_submission(&self, submission_id: &str) -> IngestionResult<OfferSubmission> {
        self.store
            .submission(submission_id.trim())
            .await?
            .ok_or_else(|| IngestionError::not_found("Submission", submission_id))
    }
}

async fn owned_submission(
    tx: &mut dyn IngestionTransaction,
    seller_id: &str,
    product_id: &str,
    submission_id: &str,
) -> IngestionResult<OfferSubmission> {
    let owned = tx
        .offer(&product_id.trim().to_ascii_lowercase())
        .await?
        .filter(|o| o.seller_id == seller_id)
        .ok_or_else(|| IngestionError::not_found("Product", product_id))?;
    tx.submission(submission_id.trim())
        .await?
        .filter(|s| s.product_id == owned.id)
        .ok_or_else(|| IngestionError::not_found("Submission", submission_id))
}

async fn enqueue(
    tx: &mut dyn IngestionTransaction,
    submission_id: &str,
    step: StepKind,
    due: DateTime<Utc>,
) -> IngestionResult<()> {
    tx.enqueue_job(&NewJob {
        queue: INGESTION_QUEUE,
        submission_id: job_key(submission_id),
        step: step.job().into(),
        run_at: due,
    })
    .await?;
    Ok(())
}

/// Starts the Live workflow (S4 → S5); the first step and when it is due.
fn start_live(
    submission: &mut OfferSubmission,
    policy: &PipelinePolicy,
    now: DateTime<Utc>,
) -> Option<(StepKind, DateTime<Utc>)> {
    submission.reset_live();
    submission.stage = Stage::Publishing;
    let first = submission.first_live_step()?;
    submission.start(first, now);
    Some((first, due_time(policy, now)))
}

/// Records a step's outcome; returns the next job.
fn record(
    offer: &mut Offer,
    submission: &mut OfferSubmission,
    step: StepKind,
    outcome: Outcome,
    policy: &PipelinePolicy,
    now: DateTime<Utc>,
) -> Option<(StepKind, DateTime<Utc>)> {
    match outcome {
        Outcome::Advance { due, .. } => {
            submission.finish(step, StepState::Success, now);
            if step == StepKind::Certify {
                certified(offer, submission, now);
            }
            match submission.next_step(step) {
                Some(next) => {
                    submission.start(next, now);
                    Some((next, due))
                }
                None if submission.environment_of(step) == Environment::Preview => {
                    submission.stage = Stage::ReadyToPublish;
                    if submission.auto_promote() {
                        start_live(submission, policy, now)
                    } else {
                        None
                    }
                }
                None => {
                    go_live(offer, submission, now);
                    None
                }
            }
        }
        Outcome::Wait { until } => Some((step, until)),
        Outcome::Park => None,
        Outcome::Published => {
            submission.finish(step, StepState::Success, now);
            go_live(offer, submission, now);
            None
        }
        Outcome::Failed(errors) | Outcome::Returned(_, errors) => {
            submission.finish(step, StepState::Failed, now);
            let reason = errors
                .first()
                .map(|e| e.details.clone())
                .unwrap_or_else(|| format!("{} failed", step.title()));
            if step != StepKind::Validate || submission.validations.is_empty() {
                submission.validations.extend(errors.iter().map(|e| {
                    ValidationItem::error(&e.code.to_string(), "Submission", e.details.clone())
                }));
            }
            submission.failure_reason = Some(reason.clone());
            if step == StepKind::Certify {
                submission.report = Some(Report {
                    status: "Failed".into(),
                    at: now,
                    blob: blob_name(),
                    lines: vec![format!("Certification failed: {reason}")],
                });
            }
            match submission.environment_of(step) {
                Environment::Preview => {
                    submission.stage = if step == StepKind::Certify {
                        Stage::FailedInCertification
                    } else {
                        Stage::Failed
                    };
                }
                Environment::Live => {
                    submission.stage = Stage::ReadyToPublish;
                    submission.live_failed = true;
                }
            }
            None
        }
    }
}

/// Certification passed: the report, and the packages it certified.
fn certified(offer: &mut Offer, submission: &mut OfferSubmission, now: DateTime<Utc>) {
    let mut lines = vec![format!(
        "Certification passed for offer {} ({}), submission {} (release {})",
        offer.name(),
        offer.offer_key,
        submission.id,
        submission.release_number
    )];
    let referenced: Vec<String> = submission
        .frozen
        .iter()
        .flat_map(|i| &i.resources)
        .flat_map(|r| r.pairs("packageReferences"))
        .map(|(_, id)| id)
        .collect();
    for package in offer
        .packages
        .iter_mut()
        .filter(|p| referenced.iter().any(|id| same_id(&p.id, id)))
    {
        package.set("isCertified", true);
        lines.push(format!(
            "Package {} ({}) certified",
            package.id,
            package.str("fileName").unwrap_or_default()
        ));
    }
    submission.report = Some(Report {
        status: "Passed".into(),
        at: now,
        blob: blob_name(),
        lines,
    });
}

/// The submission is live (S6): its branches count as submitted from now on.
fn go_live(offer: &mut Offer, submission: &mut OfferSubmission, now: DateTime<Utc>) {
    submission.stage = Stage::InStore;
    submission.published_at = Some(now);
    for instance in &submission.frozen {
        let key = (instance.module, instance.variant_id.clone());
        if !offer.live_modules.contains(&key) {
            offer.live_modules.push(key);
        }
    }
}

impl IngestionService {
    /// Admin ("Publish now"): a ready preview goes live at once, and a Live workflow waiting
    /// for its `releaseTimeInUtc` stops waiting.
    pub async fn publish_now(&self, submission_id: &str) -> IngestionResult<OfferSubmission> {
        let mut tx = self.store.begin().await?;
        let mut submission = tx
            .submission(submission_id.trim())
            .await?
            .ok_or_else(|| IngestionError::not_found("Submission", submission_id))?;
        let offer = tx
            .offer(&submission.product_id)
            .await?
            .ok_or_else(|| IngestionError::not_found("Product", &submission.product_id))?;
        let now = self.now();
        match submission.stage {
            Stage::ReadyToPublish if !submission.superseded => {
                if let Some((step, due)) = start_live(&mut submission, &self.policy(&offer), now) {
                    enqueue(tx.as_mut(), &submission.id, step, due).await?;
                }
            }
            Stage::Publishing => {
                if let Some(option) = submission.publish_option.as_mut() {
                    option.remove("releaseTimeInUtc");
                }
                tx.make_jobs_due(&job_key(&submission.id), now).await?;
            }
            _ => {
                return Err(invalid(
                    "submissionId",
                    format!(
                        "Submission {} is {}/{}: only a ReadyToPublish or Publishing submission can be published now",
                        submission.id,
                        submission.stage.state(),
                        submission.stage.substate()
                    ),
                ));
            }
        }
        tx.put_submission(&submission).await?;
        tx.commit().await?;
        Ok(submission)
    }
}
