//! The operations of the ingestion API on offers, their setup, plans and branches, each one
//! transaction. Callers pass the seller they act for; another seller's offers are not found.
//! Resource edits are in `edits`, files in `files`, submissions in `submit`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use storeroom_wire::ingestion::models::{self, PRODUCT_TYPES, canonical};
use storeroom_wire::ingestion::schema::get_ci;

use super::error::{IngestionError, IngestionResult};
use super::offer::{Offer, TEST_DRIVE, has_plans, plan_configuration_type};
use super::resource::{Instance, Module, Resource, guid, same_id};
use super::store::IngestionStore;
use super::submission::OfferSubmission;
use crate::clock::Clock;
use crate::leniency::Leniency;
use crate::pipeline::{PipelinePolicy, Policies};

/// Offers per page of `GET /products` (§2.3).
pub const PAGE_SIZE: u32 = 100;

#[derive(Clone)]
pub struct IngestionService {
    pub store: Arc<dyn IngestionStore>,
    pub clock: Arc<Clock>,
    pub policies: Arc<Policies>,
    /// Strict adds the optional checks of automated validation (§5.6).
    pub leniency: Leniency,
}

/// What `$filter` on `/products` asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferFilter {
    /// `ExternalIDs/Any(i:i/Type eq 'AzureOfferId' and i/Value eq '…')`, lower-cased.
    pub offer_id: Option<String>,
    /// `ResourceType eq '…'` terms, canonical.
    pub resource_types: Vec<String>,
}

/// The offer-id rules (§2.1): lowercase alphanumerics, `-` and `_`, at most 50, or a GUID.
fn check_offer_id(value: &str, field: &str) -> IngestionResult<String> {
    let value = value.trim();
    let ok = (!value.is_empty()
        && value.len() <= 50
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        || storeroom_wire::ingestion::schema::is_guid(value);
    if ok {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(IngestionError::invalid(
            field,
            format!(
                "The field {field} is invalid: '{value}' must be 1 to 50 letters, digits, '-' or '_'"
            ),
        ))
    }
}

/// The `resourceType` of a body: one of `allowed` (any case), `default` when absent.
pub fn resource_type_of(
    body: &Map<String, Value>,
    allowed: &[&'static str],
    default: Option<&'static str>,
) -> IngestionResult<&'static str> {
    match get_ci(body, "resourceType") {
        Some(Value::String(sent)) => canonical(allowed, sent).ok_or_else(|| {
            IngestionError::invalid(
                "resourceType",
                format!(
                    "The field resourceType is invalid: '{sent}' is not allowed here (expected {})",
                    allowed.join(", ")
                ),
            )
        }),
        Some(_) => Err(IngestionError::invalid(
            "resourceType",
            "The field resourceType must be a string",
        )),
        None => default.ok_or_else(|| {
            IngestionError::invalid("resourceType", "The resourceType field is required")
        }),
    }
}

impl IngestionService {
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(super) fn policy(&self, offer: &Offer) -> PipelinePolicy {
        self.policies.for_product(offer.pipeline.as_ref())
    }

    /// An offer of the seller, outside a transaction.
    pub async fn offer(&self, seller_id: &str, product_id: &str) -> IngestionResult<Offer> {
        match self
            .store
            .offer(&product_id.trim().to_ascii_lowercase())
            .await?
        {
            Some(offer) if offer.seller_id == seller_id => Ok(offer),
            _ => Err(IngestionError::not_found("Product", product_id)),
        }
    }

    /// An offer and its submissions, for reads that may reach frozen instances.
    pub async fn offer_with_submissions(
        &self,
        seller_id: &str,
        product_id: &str,
    ) -> IngestionResult<(Offer, Vec<OfferSubmission>)> {
        let offer = self.offer(seller_id, product_id).await?;
        let submissions = self.store.submissions(&offer.id).await?;
        Ok((offer, submissions))
    }

    /// Loads an owned offer, lets `change` edit it, stores it, all in one transaction. A
    /// resource `change` cannot find among the drafts but a submission froze is a 409.
    pub(super) async fn write<T: Send>(
        &self,
        seller_id: &str,
        product_id: &str,
        change: impl FnOnce(&mut Offer, DateTime<Utc>) -> IngestionResult<T> + Send,
    ) -> IngestionResult<(Offer, T)> {
        let mut tx = self.store.begin().await?;
        let mut offer = match tx.offer(&product_id.trim().to_ascii_lowercase()).await? {
            Some(offer) if offer.seller_id == seller_id => offer,
            _ => return Err(IngestionError::not_found("Product", product_id)),
        };
        let value = match change(&mut offer, self.now()) {
            Ok(value) => value,
            Err(IngestionError::NotFound { id, message }) => {
                return Err(frozen_or_missing(
                    tx.submissions(&offer.id).await?,
                    id,
                    message,
                ));
            }
            Err(err) => return Err(err),
        };
        tx.put_offer(&offer).await?;
        tx.commit().await?;
        Ok((offer, value))
    }

    /// `POST /products` (§5.1).
    pub async fn create_offer(
        &self,
        seller_id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<Offer> {
        let resource_type = resource_type_of(body, PRODUCT_TYPES, Some("AzureApplication"))?;
        let mut fields = models::PRODUCT.read(body)?;
        let name = fields
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            return Err(IngestionError::invalid(
                "name",
                "The name field is required",
            ));
        }
        // `externalIds` is the base model's spelling of the same field.
        if !fields.contains_key("externalIDs")
            && let Some(Value::Array(ids)) = get_ci(body, "externalIds")
        {
            fields.insert("externalIDs".into(), Value::Array(ids.clone()));
        }
        let external = super::resource::pairs(fields.get("externalIDs"));
        let Some((_, offer_id)) = external
            .iter()
            .find(|(kind, _)| kind.eq_ignore_ascii_case("AzureOfferId"))
        else {
            return Err(IngestionError::invalid(
                "externalIDs",
                "The externalIDs field must hold an AzureOfferId: [{\"type\":\"AzureOfferId\",\"value\":\"<offer id>\"}]",
            ));
        };
        let offer_key = check_offer_id(offer_id, "externalIDs")?;
        let normalized: Vec<Value> = external
            .iter()
            .map(|(kind, value)| {
                let kind = if kind.eq_ignore_ascii_case("AzureOfferId") {
                    "AzureOfferId"
                } else {
                    kind.as_str()
                };
                json!({"type": kind, "value": value})
            })
            .collect();
        fields.insert("externalIDs".into(), Value::Array(normalized));
        fields.insert("isModularPublishing".into(), Value::Bool(true));
        let mut tx = self.store.begin().await?;
        if tx.offer_by_key(seller_id, &offer_key).await?.is_some() {
            return Err(IngestionError::Conflict(format!(
                "An offer with the id '{offer_id}' already exists in this account"
            )));
        }
        let position = tx.next_offer_position().await?;
        let offer = Offer::create(
            seller_id,
            resource_type,
            fields,
            offer_key,
            position,
            self.now(),
        );
        tx.put_offer(&offer).await?;
        tx.commit().await?;
        Ok(offer)
    }

    /// `GET /products`: a page after `after` (an offer id from the skip token), or the
    /// offers `filter` selects on one page.
    pub async fn offers(
        &self,
        seller_id: &str,
        filter: Option<&OfferFilter>,
        after: Option<&str>,
    ) -> IngestionResult<(Vec<Offer>, bool)> {
        if let Some(filter) = filter {
            let mut found = match &filter.offer_id {
                Some(key) => self
                    .store
                    .offer_by_key(seller_id, key)
                    .await?
                    .into_iter()
                    .collect(),
                None => self.all(Some(seller_id)).await?,
            };
            if !filter.resource_types.is_empty() {
                found.retain(|o| filter.resource_types.contains(&o.resource_type));
            }
            return Ok((found, false));
        }
        let position = match after {
            Some(id) => match self.store.offer(&id.to_ascii_lowercase()).await? {
                Some(offer) if offer.seller_id == seller_id => offer.position,
                _ => {
                    return Err(IngestionError::invalid(
                        "$skipToken",
                        "The $skipToken is invalid or expired",
                    ));
                }
            },
            None => 0,
        };
        let mut page = self
            .store
            .offers(Some(seller_id), position, PAGE_SIZE + 1)
            .await?;
        let more = page.len() > PAGE_SIZE as usize;
        page.truncate(PAGE_SIZE as usize);
        Ok((page, more))
    }

    /// `DELETE /products/{id}`: refused while a submission is in flight or live (§8 #13).
    pub async fn delete_offer(&self, seller_id: &str, product_id: &str) -> IngestionResult<()> {
        let mut tx = self.store.begin().await?;
        let offer = match tx.offer(&product_id.trim().to_ascii_lowercase()).await? {
            Some(offer) if offer.seller_id == seller_id => offer,
            _ => return Err(IngestionError::not_found("Product", product_id)),
        };
        let submissions = tx.submissions(&offer.id).await?;
        if let Some(blocking) = submissions
            .iter()
            .find(|s| s.stage.in_flight() || s.stage == super::submission::Stage::InStore)
        {
            return Err(IngestionError::Conflict(format!(
                "Product {} has submission {} ({}/{}): it cannot be deleted",
                offer.id,
                blocking.id,
                blocking.stage.state(),
                blocking.stage.substate()
            )));
        }
        for submission in &submissions {
            tx.delete_jobs_of(&super::submit::job_key(&submission.id))
                .await?;
            tx.delete_submission(&submission.id).await?;
        }
        tx.delete_offer(&offer.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `POST /products/{id}/setup`: replaces the setup.
    pub async fn put_setup(
        &self,
        seller_id: &str,
        product_id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<Offer> {
        resource_type_of(body, &["AzureProductSetup"], Some("AzureProductSetup"))?;
        let mut setup = models::SETUP.read(body)?;
        let (offer, ()) = self
            .write(seller_id, product_id, |offer, _| {
                if setup.get("enableTestDrive") == Some(&Value::Bool(true))
                    && offer.variant(TEST_DRIVE).is_none()
                {
                    return Err(IngestionError::invalid(
                        "FeatureName",
                        "The field FeatureName is invalid.",
                    ));
                }
                let mut defaults = Map::new();
                models::SETUP.fill_initial(&mut defaults);
                for (key, value) in defaults {
                    setup.entry(key).or_insert(value);
                }
                if !setup.contains_key("channelStates") {
                    setup.insert(
                        "channelStates".into(),
                        offer
                            .setup
                            .get("channelStates")
                            .cloned()
                            .unwrap_or_else(|| json!([])),
                    );
                }
                offer.setup = setup;
                Ok(())
            })
            .await?;
        Ok(offer)
    }

    /// `POST /products/{id}/variants` (§5.2).
    pub async fn create_variant(
        &self,
        seller_id: &str,
        product_id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<(Offer, Resource)> {
        resource_type_of(body, &["AzureSkuVariant"], Some("AzureSkuVariant"))?;
        let mut fields = models::SKU_VARIANT.read(body)?;
        let friendly = fields
            .get("friendlyName")
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        if friendly.is_empty() {
            return Err(IngestionError::invalid(
                "friendlyName",
                "The friendlyName field is required",
            ));
        }
        let plan_id = fields
            .get("externalID")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let plan_key = check_offer_id(&plan_id, "externalID")?;
        models::SKU_VARIANT.fill_initial(&mut fields);
        let (offer, variant) = self
            .write(seller_id, product_id, |offer, now| {
                if !has_plans(&offer.resource_type) {
                    return Err(IngestionError::invalid(
                        "resourceType",
                        format!("{} offers have no plans", offer.resource_type),
                    ));
                }
                if offer.variants.iter().any(|v| {
                    v.str("externalID")
                        .is_some_and(|id| id.eq_ignore_ascii_case(&plan_key))
                }) {
                    return Err(IngestionError::Conflict(format!(
                        "A plan with the id '{plan_id}' already exists in this offer"
                    )));
                }
                if offer.resource_type == "AzureApplication" {
                    // A plan's subType fixes its technical configuration (§8 #7).
                    fields
                        .entry("subType")
                        .or_insert_with(|| Value::String("solution-template".into()));
                }
                let sub_type = fields
                    .get("subType")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let configuration = plan_configuration_type(&offer.resource_type, &sub_type);
                let mut variant = Resource::new(guid(), "AzureSkuVariant", fields);
                offer.stamp(&mut variant, now);
                offer.add_plan_branches(&variant.id, &friendly, configuration, now);
                offer.variants.push(variant.clone());
                Ok(variant)
            })
            .await?;
        Ok((offer, variant))
    }

    /// `PUT /products/{id}/variants/{variantID}`: replaces the plan; its id and `subType`
    /// stay.
    pub async fn put_variant(
        &self,
        seller_id: &str,
        product_id: &str,
        variant_id: &str,
        body: &Map<String, Value>,
        if_match: Option<&str>,
    ) -> IngestionResult<Resource> {
        let (_, variant) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let stored = offer
                    .variant(variant_id)
                    .cloned()
                    .ok_or_else(|| IngestionError::not_found("Variant", variant_id))?;
                check_if_match(if_match, stored.etag.as_deref())?;
                let (model, kind) = if stored.resource_type == "AzureTestDriveVariant" {
                    (&models::TEST_DRIVE_VARIANT, "AzureTestDriveVariant")
                } else {
                    (&models::SKU_VARIANT, "AzureSkuVariant")
                };
                resource_type_of(body, &[kind], Some(kind))?;
                let mut fields = model.read(body)?;
                if kind == "AzureSkuVariant" {
                    for kept in ["subType", "externalID"] {
                        match stored.fields.get(kept) {
                            Some(value) => {
                                fields.insert(kept.into(), value.clone());
                            }
                            None => {
                                fields.remove(kept);
                            }
                        }
                    }
                    if fields
                        .get("friendlyName")
                        .and_then(Value::as_str)
                        .is_none_or(|f| f.trim().is_empty())
                    {
                        return Err(IngestionError::invalid(
                            "friendlyName",
                            "The friendlyName field is required",
                        ));
                    }
                }
                let variant = offer
                    .variants
                    .iter_mut()
                    .find(|v| same_id(&v.id, variant_id))
                    .ok_or_else(|| IngestionError::not_found("Variant", variant_id))?;
                variant.fields = fields;
                variant.etag = Some(etag);
                Ok(variant.clone())
            })
            .await?;
        Ok(variant)
    }

    /// `DELETE /products/{id}/variants/{variantID}`: the plan and its branches; refused
    /// while a live or running submission includes it.
    pub async fn delete_variant(
        &self,
        seller_id: &str,
        product_id: &str,
        variant_id: &str,
        if_match: Option<&str>,
    ) -> IngestionResult<()> {
        let offer = self.offer(seller_id, product_id).await?;
        let submissions = self.store.submissions(&offer.id).await?;
        if let Some(using) = submissions.iter().find(|s| {
            !s.superseded && s.stage.state() == "Published" && s.includes_variant(variant_id)
        }) {
            return Err(IngestionError::Conflict(format!(
                "Plan {variant_id} is part of published submission {}: it cannot be deleted",
                using.id
            )));
        }
        if same_id(TEST_DRIVE, variant_id) {
            return Err(IngestionError::Conflict(
                "The testdrive plan cannot be deleted: set its state to Inactive".into(),
            ));
        }
        self.write(seller_id, product_id, |offer, _| {
            remove_checked(&mut offer.variants, variant_id, if_match, "Variant")?;
            offer.instances.retain(|i| {
                i.variant_id
                    .as_deref()
                    .is_none_or(|v| !same_id(v, variant_id))
            });
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Admin: sets (or with None, removes) an offer's own pipeline policy.
    pub async fn set_policy(
        &self,
        product_id: &str,
        policy: Option<PipelinePolicy>,
    ) -> IngestionResult<Offer> {
        let mut tx = self.store.begin().await?;
        let mut offer = tx
            .offer(&product_id.trim().to_ascii_lowercase())
            .await?
            .ok_or_else(|| IngestionError::not_found("Product", product_id))?;
        offer.pipeline = policy;
        tx.put_offer(&offer).await?;
        tx.commit().await?;
        Ok(offer)
    }

    /// Admin: every offer, or a seller's, oldest first.
    pub async fn all(&self, seller_id: Option<&str>) -> IngestionResult<Vec<Offer>> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store.offers(seller_id, after, 500).await?;
            let Some(last) = page.last() else {
                return Ok(all);
            };
            after = last.position;
            all.extend(page);
        }
    }
}

/// Checks `If-Match` against the stored ETag (§2.2): absent or `*` always pass.
pub fn check_if_match(sent: Option<&str>, current: Option<&str>) -> IngestionResult<()> {
    match (sent, current) {
        (Some(sent), Some(current)) if !storeroom_wire::ingestion::if_match(sent, current) => {
            Err(IngestionError::PreconditionFailed(format!(
                "The If-Match value {sent} does not match the resource's current ETag {current}"
            )))
        }
        _ => Ok(()),
    }
}

/// Removes resource `id` (a `what`) from `resources`, after checking `If-Match` against it.
pub(super) fn remove_checked(
    resources: &mut Vec<Resource>,
    id: &str,
    if_match: Option<&str>,
    what: &str,
) -> IngestionResult<Resource> {
    let at = resources
        .iter()
        .position(|r| same_id(&r.id, id))
        .ok_or_else(|| IngestionError::not_found(what, id))?;
    check_if_match(if_match, resources[at].etag.as_deref())?;
    Ok(resources.remove(at))
}

/// A resource missing from the drafts: a 409 when a submission froze it, else the 404.
fn frozen_or_missing(
    submissions: Vec<OfferSubmission>,
    id: String,
    message: String,
) -> IngestionError {
    match submissions
        .iter()
        .find(|s| s.frozen_resource(&id).is_some() || s.frozen_instance(&id).is_some())
    {
        Some(submission) => IngestionError::Conflict(format!(
            "{id} belongs to an instance frozen by submission {}: edit the branch's current draft instance instead",
            submission.id
        )),
        None => IngestionError::NotFound { id, message },
    }
}

/// Where a resource was found for a read.
pub enum Found<'a> {
    Draft(&'a Instance),
    Frozen(&'a Instance),
}

/// The instance `id` names: a draft, or one a submission froze.
pub fn find_instance<'a>(
    offer: &'a Offer,
    submissions: &'a [OfferSubmission],
    id: &str,
) -> Option<Found<'a>> {
    if let Some(instance) = offer.instance(id) {
        return Some(Found::Draft(instance));
    }
    submissions
        .iter()
        .rev()
        .find_map(|s| s.frozen_instance(id))
        .map(Found::Frozen)
}

/// The resource `id` names, in a draft or a frozen instance.
pub fn find_resource<'a>(
    offer: &'a Offer,
    submissions: &'a [OfferSubmission],
    id: &str,
) -> Option<(&'a Resource, bool)> {
    if let Some(instance) = offer.instance_of(id) {
        return instance.resource(id).map(|r| (r, false));
    }
    submissions
        .iter()
        .rev()
        .find_map(|s| s.frozen_resource(id))
        .map(|r| (r, true))
}

impl Found<'_> {
    pub fn instance(&self) -> &Instance {
        match self {
            Found::Draft(i) | Found::Frozen(i) => i,
        }
    }
}

/// Module names as `getByModule` takes them.
pub fn parse_module(text: &str) -> IngestionResult<Module> {
    Module::parse(text).ok_or_else(|| {
        IngestionError::invalid(
            "module",
            format!(
                "The module '{text}' is invalid: use one of {}",
                models::MODULES.join(", ")
            ),
        )
    })
}
