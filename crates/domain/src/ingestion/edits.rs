//! Reads and writes of the resources inside instances: listings and their media,
//! properties, availabilities, package configurations, co-sell listings, supplemental
//! content, the reseller and lead configurations. Writes go to draft instances only.

use serde_json::{Map, Value};
use storeroom_wire::ingestion::models::{
    self, EXPANDABLE_AVAILABILITY, package_configuration_model,
};
use storeroom_wire::ingestion::schema::{Model, get_ci};

use super::error::{IngestionError, IngestionResult};
use super::offer::Offer;
use super::resource::{Instance, Module, Resource, blob_name, instance_id, same_id};
use super::service::{
    IngestionService, check_if_match, find_instance, find_resource, remove_checked,
    resource_type_of,
};
use super::submission::OfferSubmission;

/// The kinds of resources that live in instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Listing,
    Image,
    Video,
    Asset,
    Property,
    ProductAvailability,
    FeatureAvailability,
    PackageConfiguration,
    CosellListing,
    SupplementalContent,
}

const CONFIGURATION_TYPES: &[&str] = &[
    "AzureApplicationPackageConfiguration",
    "AzureManagedApplicationPackageConfiguration",
    "AzureSolutionTemplatePackageConfiguration",
    "AzureResourceManagerTestDrivePackageConfiguration",
    "Dynamics365BusinessCentralPackageConfiguration",
    "Dynamics365BusinessCentralTestDrivePackageConfiguration",
    "Dynamics365CustomerEngagementPackageConfiguration",
    "Dynamics365CustomerEngagementTestDrivePackageConfiguration",
    "Dynamics365OperationsPackageConfiguration",
    "Dynamics365OperationsTestDrivePackageConfiguration",
];

impl Kind {
    /// The `resourceType` values of this kind.
    pub fn types(self) -> &'static [&'static str] {
        match self {
            Kind::Listing => &["AzureListing"],
            Kind::Image => &["ListingImage"],
            Kind::Video => &["ListingVideo"],
            Kind::Asset => &["ListingAsset"],
            Kind::Property => &["AzureProperty"],
            Kind::ProductAvailability => &["ProductAvailability"],
            Kind::FeatureAvailability => &["FeatureAvailability"],
            Kind::PackageConfiguration => CONFIGURATION_TYPES,
            Kind::CosellListing => &["CosellListing"],
            Kind::SupplementalContent => &["SupplementalContent"],
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            Kind::Listing => "Listing",
            Kind::Image => "Image",
            Kind::Video => "Video",
            Kind::Asset => "Asset",
            Kind::Property => "Property",
            Kind::ProductAvailability => "ProductAvailability",
            Kind::FeatureAvailability => "FeatureAvailability",
            Kind::PackageConfiguration => "PackageConfiguration",
            Kind::CosellListing => "CosellListing",
            Kind::SupplementalContent => "SupplementalContent",
        }
    }

    pub fn module(self) -> Module {
        match self {
            Kind::Listing | Kind::Image | Kind::Video | Kind::Asset => Module::Listing,
            Kind::Property => Module::Property,
            Kind::ProductAvailability | Kind::FeatureAvailability => Module::Availability,
            Kind::PackageConfiguration => Module::Package,
            Kind::CosellListing => Module::Cosell,
            Kind::SupplementalContent => Module::SupplementalContent,
        }
    }

    pub fn is_media(self) -> bool {
        matches!(self, Kind::Image | Kind::Video | Kind::Asset)
    }

    fn model(self, resource_type: &str) -> &'static Model {
        match self {
            Kind::Listing => &models::LISTING,
            Kind::Image => &models::IMAGE,
            Kind::Video => &models::VIDEO,
            Kind::Asset => &models::ASSET,
            Kind::Property => &models::PROPERTY,
            Kind::ProductAvailability => &models::PRODUCT_AVAILABILITY,
            Kind::FeatureAvailability => &models::FEATURE_AVAILABILITY,
            Kind::PackageConfiguration => package_configuration_model(resource_type)
                .map_or(&models::SOLUTION_TEMPLATE_CONFIGURATION, |(_, model)| model),
            Kind::CosellListing => &models::COSELL_LISTING,
            Kind::SupplementalContent => &models::SUPPLEMENTAL_CONTENT,
        }
    }

    pub fn holds(self, resource: &Resource) -> bool {
        self.types()
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&resource.resource_type))
    }
}

fn not_found(kind: Kind, id: &str) -> IngestionError {
    IngestionError::not_found(kind.what(), id)
}

impl IngestionService {
    /// The resources of `kind` in instance `instance_id` (draft or frozen).
    pub async fn instance_resources(
        &self,
        seller_id: &str,
        product_id: &str,
        instance_id: &str,
        kind: Kind,
    ) -> IngestionResult<Vec<Resource>> {
        let (offer, submissions) = self.offer_with_submissions(seller_id, product_id).await?;
        let found = find_instance(&offer, &submissions, instance_id)
            .ok_or_else(|| IngestionError::not_found("Instance", instance_id))?;
        Ok(found
            .instance()
            .resources
            .iter()
            .filter(|r| kind.holds(r))
            .cloned()
            .collect())
    }

    /// The current draft resources of `kind` at offer level (`GET properties`, …).
    pub async fn draft_resources(
        &self,
        seller_id: &str,
        product_id: &str,
        kind: Kind,
    ) -> IngestionResult<Vec<Resource>> {
        let offer = self.offer(seller_id, product_id).await?;
        Ok(offer
            .branches(kind.module())
            .into_iter()
            .filter(|i| i.variant_id.is_none())
            .flat_map(|i| i.resources.iter().filter(|r| kind.holds(r)).cloned())
            .collect())
    }

    /// One resource of `kind` by id, draft or frozen.
    pub async fn resource(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
        kind: Kind,
    ) -> IngestionResult<Resource> {
        let (offer, submissions) = self.offer_with_submissions(seller_id, product_id).await?;
        find_resource(&offer, &submissions, id)
            .map(|(r, _)| r)
            .filter(|r| kind.holds(r))
            .cloned()
            .ok_or_else(|| not_found(kind, id))
    }

    /// The media of `kind` under listing `listing_id`.
    pub async fn media(
        &self,
        seller_id: &str,
        product_id: &str,
        listing_id: &str,
        kind: Kind,
    ) -> IngestionResult<Vec<Resource>> {
        let (offer, submissions) = self.offer_with_submissions(seller_id, product_id).await?;
        media_of(&offer, &submissions, listing_id, kind)
    }

    /// One medium under a listing.
    pub async fn medium(
        &self,
        seller_id: &str,
        product_id: &str,
        listing_id: &str,
        id: &str,
        kind: Kind,
    ) -> IngestionResult<Resource> {
        let (offer, submissions) = self.offer_with_submissions(seller_id, product_id).await?;
        media_of(&offer, &submissions, listing_id, kind)?
            .into_iter()
            .find(|r| same_id(&r.id, id))
            .ok_or_else(|| not_found(kind, id))
    }

    /// `PUT` of a resource in a draft instance: replaces its fields (§2.4, §4.6).
    pub async fn put_resource(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
        kind: Kind,
        body: &Map<String, Value>,
        if_match: Option<&str>,
    ) -> IngestionResult<Resource> {
        let (_, resource) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let stored = offer
                    .instance_of(id)
                    .and_then(|i| i.resource(id))
                    .filter(|r| kind.holds(r))
                    .cloned()
                    .ok_or_else(|| not_found(kind, id))?;
                check_if_match(if_match, stored.etag.as_deref())?;
                let fields = replaced_fields(offer, kind, &stored, body)?;
                let resource = offer
                    .instance_of_mut(id)
                    .and_then(|i| i.resource_mut(id))
                    .ok_or_else(|| not_found(kind, id))?;
                resource.fields = fields;
                resource.etag = Some(etag);
                Ok(resource.clone())
            })
            .await?;
        Ok(resource)
    }

    /// `POST properties` / `POST productavailabilities` (#34, #39): creates the resource in
    /// the offer-level draft when that has none.
    pub async fn create_offer_resource(
        &self,
        seller_id: &str,
        product_id: &str,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> IngestionResult<Resource> {
        let resource_type = resource_type_of(body, kind.types(), kind.types().first().copied())?;
        let mut fields = kind.model(resource_type).read(body)?;
        kind.model(resource_type).fill_initial(&mut fields);
        let (_, resource) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let instance = offer
                    .instances
                    .iter_mut()
                    .find(|i| i.module == kind.module() && i.variant_id.is_none())
                    .ok_or_else(|| {
                        IngestionError::invalid(
                            "resourceType",
                            format!("This offer has no {} branch", kind.module().name()),
                        )
                    })?;
                if instance.resources.iter().any(|r| kind.holds(r)) {
                    return Err(IngestionError::Conflict(format!(
                        "The draft instance {} already holds a {}",
                        instance.id,
                        kind.what()
                    )));
                }
                let mut resource = Resource::new(instance_id(), resource_type, fields);
                resource.etag = Some(etag);
                instance.resources.push(resource.clone());
                Ok(resource)
            })
            .await?;
        Ok(resource)
    }

    /// `POST listings/createWithInstanceID(instanceID=…)`.
    pub async fn create_listing(
        &self,
        seller_id: &str,
        product_id: &str,
        instance: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<Resource> {
        resource_type_of(body, &["AzureListing"], Some("AzureListing"))?;
        let mut fields = models::LISTING.read(body)?;
        models::LISTING.fill_initial(&mut fields);
        let (_, listing) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let instance = draft_instance(offer, instance, Module::Listing)?;
                let language = fields.get("languageCode").cloned();
                if instance.resources.iter().any(|r| {
                    Kind::Listing.holds(r) && r.fields.get("languageCode") == language.as_ref()
                }) {
                    return Err(IngestionError::Conflict(format!(
                        "Instance {} already has a listing in this language",
                        instance.id
                    )));
                }
                let mut listing = Resource::new(instance_id(), "AzureListing", fields);
                listing.etag = Some(etag);
                instance.resources.push(listing.clone());
                Ok(listing)
            })
            .await?;
        Ok(listing)
    }

    /// `DELETE listings/{id}`: the listing and its media.
    pub async fn delete_listing(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
        if_match: Option<&str>,
    ) -> IngestionResult<()> {
        self.write(seller_id, product_id, |offer, _| {
            let instance = offer
                .instance_of_mut(id)
                .filter(|i| i.resource(id).is_some_and(|r| Kind::Listing.holds(r)))
                .ok_or_else(|| not_found(Kind::Listing, id))?;
            let listing = remove_checked(&mut instance.resources, id, if_match, "Listing")?;
            // Its media go with it.
            instance
                .resources
                .retain(|r| r.parent.as_deref().is_none_or(|p| p != listing.id));
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `POST listings/{id}/images|videos|assets`: a new medium waiting for its upload.
    pub async fn create_medium(
        &self,
        seller_id: &str,
        product_id: &str,
        listing_id: &str,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> IngestionResult<Resource> {
        let resource_type = resource_type_of(body, kind.types(), kind.types().first().copied())?;
        let mut fields = kind.model(resource_type).read(body)?;
        require_file_name(&fields)?;
        if kind == Kind::Image && !fields.contains_key("type") {
            return Err(IngestionError::invalid(
                "type",
                "The type field is required",
            ));
        }
        kind.model(resource_type).fill_initial(&mut fields);
        fields.remove("fileSasUri");
        fields.insert("state".into(), Value::String("PendingUpload".into()));
        let (_, medium) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let instance = offer
                    .instance_of_mut(listing_id)
                    .filter(|i| {
                        i.resource(listing_id)
                            .is_some_and(|r| Kind::Listing.holds(r))
                    })
                    .ok_or_else(|| not_found(Kind::Listing, listing_id))?;
                let listing = instance
                    .resource(listing_id)
                    .map(|r| r.id.clone())
                    .unwrap_or_default();
                let mut medium = Resource::new(instance_id(), resource_type, fields);
                medium.etag = Some(etag);
                medium.parent = Some(listing);
                medium.blob = Some(blob_name());
                instance.resources.push(medium.clone());
                Ok(medium)
            })
            .await?;
        Ok(medium)
    }

    /// `DELETE listings/{lid}/images/{id}` (and videos, assets).
    pub async fn delete_medium(
        &self,
        seller_id: &str,
        product_id: &str,
        listing_id: &str,
        id: &str,
        kind: Kind,
        if_match: Option<&str>,
    ) -> IngestionResult<()> {
        self.write(seller_id, product_id, |offer, _| {
            let instance = offer
                .instance_of_mut(id)
                .filter(|i| {
                    i.resource(id).is_some_and(|r| {
                        kind.holds(r) && r.parent.as_deref().is_some_and(|p| same_id(p, listing_id))
                    })
                })
                .ok_or_else(|| not_found(kind, id))?;
            remove_checked(&mut instance.resources, id, if_match, kind.what())?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// `GET resellerConfiguration`: the draft.
    pub async fn reseller(&self, seller_id: &str, product_id: &str) -> IngestionResult<Resource> {
        let offer = self.offer(seller_id, product_id).await?;
        offer
            .instance(&offer.reseller_instance_id())
            .and_then(|i| i.resources.first())
            .cloned()
            .ok_or_else(|| IngestionError::not_found("ResellerConfiguration", &offer.id))
    }

    /// `POST resellerConfiguration`: replaces the draft and keeps the setup's Reseller
    /// channel state in step.
    pub async fn put_reseller(
        &self,
        seller_id: &str,
        product_id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<Resource> {
        resource_type_of(
            body,
            &["ResellerConfiguration"],
            Some("ResellerConfiguration"),
        )?;
        let mut fields = models::RESELLER.read(body)?;
        models::RESELLER.fill_initial(&mut fields);
        let (_, reseller) = self
            .write(seller_id, product_id, |offer, _| {
                let state = fields
                    .get("resellerChannelState")
                    .cloned()
                    .unwrap_or(Value::String("Disabled".into()));
                let channel = if state == "Enabled" || state == "PartialOptIn" {
                    "Enabled"
                } else {
                    "Disabled"
                };
                offer.setup.insert(
                    "channelStates".into(),
                    serde_json::json!([{"type": "Reseller", "value": channel}]),
                );
                let id = offer.reseller_instance_id();
                let instance = offer
                    .instance_mut(&id)
                    .ok_or_else(|| IngestionError::not_found("ResellerConfiguration", &id))?;
                let resource = Resource::new(id, "ResellerConfiguration", fields);
                instance.resources = vec![resource.clone()];
                Ok(resource)
            })
            .await?;
        Ok(reseller)
    }

    /// `GET leadconfiguration`: 404 until one is set.
    pub async fn lead(&self, seller_id: &str, product_id: &str) -> IngestionResult<Resource> {
        let offer = self.offer(seller_id, product_id).await?;
        offer
            .lead
            .ok_or_else(|| IngestionError::not_found("LeadConfiguration", product_id))
    }

    /// `POST leadconfiguration`: upsert.
    pub async fn put_lead(
        &self,
        seller_id: &str,
        product_id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<Resource> {
        let resource_type = resource_type_of(body, models::LEAD_TYPES, None)?;
        let fields = models::LEAD.read(body)?;
        let (_, lead) = self
            .write(seller_id, product_id, |offer, _| {
                let lead = Resource::new(offer.id.clone(), resource_type, fields);
                offer.lead = Some(lead.clone());
                Ok(lead)
            })
            .await?;
        Ok(lead)
    }

    /// The one resource of `kind` of an instance addressed by instance id (supplemental
    /// content, co-sell listing).
    pub async fn instance_resource(
        &self,
        seller_id: &str,
        product_id: &str,
        instance: &str,
        kind: Kind,
    ) -> IngestionResult<Resource> {
        self.instance_resources(seller_id, product_id, instance, kind)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_found(kind, instance))
    }

    /// `PUT supplementalContents/{instanceID}` and `cosellListing/{instanceID}`: replaces
    /// (or creates) the instance's one resource of `kind`.
    pub async fn put_instance_resource(
        &self,
        seller_id: &str,
        product_id: &str,
        instance: &str,
        kind: Kind,
        body: &Map<String, Value>,
        if_match: Option<&str>,
    ) -> IngestionResult<Resource> {
        let resource_type = resource_type_of(body, kind.types(), kind.types().first().copied())?;
        let fields = kind.model(resource_type).read(body)?;
        let (_, resource) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let instance = draft_instance(offer, instance, kind.module())?;
                match instance.resources.iter_mut().find(|r| kind.holds(r)) {
                    Some(resource) => {
                        check_if_match(if_match, resource.etag.as_deref())?;
                        resource.fields = fields;
                        resource.etag = Some(etag);
                        Ok(resource.clone())
                    }
                    None => {
                        let mut resource =
                            Resource::new(instance.id.clone(), resource_type, fields);
                        resource.etag = Some(etag);
                        instance.resources.push(resource.clone());
                        Ok(resource)
                    }
                }
            })
            .await?;
        Ok(resource)
    }

    /// `POST supplementalContents/{instanceID}/commit`: marks the content committed (a new
    /// ETag; the content is what a submission of the module freezes).
    pub async fn commit_supplemental(
        &self,
        seller_id: &str,
        product_id: &str,
        instance: &str,
    ) -> IngestionResult<Resource> {
        let (_, resource) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let instance = draft_instance(offer, instance, Module::SupplementalContent)?;
                let resource = instance
                    .resources
                    .iter_mut()
                    .find(|r| Kind::SupplementalContent.holds(r))
                    .ok_or_else(|| not_found(Kind::SupplementalContent, &instance.id))?;
                resource.etag = Some(etag);
                Ok(resource.clone())
            })
            .await?;
        Ok(resource)
    }
}

/// A draft instance of `module` by id, for writes.
fn draft_instance<'a>(
    offer: &'a mut Offer,
    id: &str,
    module: Module,
) -> IngestionResult<&'a mut Instance> {
    offer
        .instance_mut(id)
        .filter(|i| i.module == module)
        .ok_or_else(|| IngestionError::not_found("Instance", id))
}

fn media_of(
    offer: &Offer,
    submissions: &[OfferSubmission],
    listing_id: &str,
    kind: Kind,
) -> IngestionResult<Vec<Resource>> {
    let instance = offer
        .instance_of(listing_id)
        .or_else(|| {
            submissions
                .iter()
                .rev()
                .flat_map(|s| s.frozen.iter())
                .find(|i| i.resource(listing_id).is_some())
        })
        .filter(|i| {
            i.resource(listing_id)
                .is_some_and(|r| Kind::Listing.holds(r))
        })
        .ok_or_else(|| not_found(Kind::Listing, listing_id))?;
    Ok(instance
        .resources
        .iter()
        .filter(|r| kind.holds(r) && r.parent.as_deref().is_some_and(|p| same_id(p, listing_id)))
        .cloned()
        .collect())
}

fn require_file_name(fields: &Map<String, Value>) -> IngestionResult<()> {
    match fields.get("fileName").and_then(Value::as_str) {
        Some(name) if !name.trim().is_empty() => Ok(()),
        _ => Err(IngestionError::invalid(
            "fileName",
            "The fileName field is required",
        )),
    }
}

/// The fields a PUT leaves on `stored`: the body's, read with the kind's model, plus what a
/// PUT never clears.
fn replaced_fields(
    offer: &Offer,
    kind: Kind,
    stored: &Resource,
    body: &Map<String, Value>,
) -> IngestionResult<Map<String, Value>> {
    match get_ci(body, "resourceType") {
        Some(Value::String(sent)) if !sent.trim().eq_ignore_ascii_case(&stored.resource_type) => {
            return Err(IngestionError::invalid(
                "resourceType",
                format!(
                    "The field resourceType is invalid: this resource is a {}, not a {sent}",
                    stored.resource_type
                ),
            ));
        }
        Some(Value::String(_)) | None => {}
        Some(_) => {
            return Err(IngestionError::invalid(
                "resourceType",
                "The field resourceType must be a string",
            ));
        }
    }
    let mut fields = kind.model(&stored.resource_type).read(body)?;
    match kind {
        Kind::Listing => {
            if let Some(language) = stored.fields.get("languageCode") {
                fields.insert("languageCode".into(), language.clone());
            }
        }
        // The enterprise contract replaces the offer's own terms of use.
        Kind::Property if fields.get("useEnterpriseContract") == Some(&Value::Bool(true)) => {
            fields.insert("termsOfUse".into(), Value::String(String::new()));
        }
        Kind::FeatureAvailability => {
            // Shown only when expanded, so a client that did not expand them leaves them out.
            for (_, field) in EXPANDABLE_AVAILABILITY {
                if !fields.contains_key(*field)
                    && let Some(value) = stored.fields.get(*field)
                {
                    fields.insert((*field).into(), value.clone());
                }
            }
        }
        Kind::PackageConfiguration => {
            for (_, package_id) in super::resource::pairs(fields.get("packageReferences")) {
                if offer.package(&package_id).is_none() {
                    return Err(IngestionError::invalid(
                        "packageReferences",
                        format!(
                            "The package {package_id} in packageReferences does not exist in this product"
                        ),
                    ));
                }
            }
        }
        Kind::Image | Kind::Video | Kind::Asset => {
            fields.remove("fileSasUri");
            if !fields.contains_key("fileName")
                && let Some(name) = stored.fields.get("fileName")
            {
                fields.insert("fileName".into(), name.clone());
            }
            if kind == Kind::Image
                && !fields.contains_key("type")
                && let Some(image_type) = stored.fields.get("type")
            {
                fields.insert("type".into(), image_type.clone());
            }
            let state = media_state(
                stored.file_state(),
                fields.get("state").and_then(Value::as_str),
            )?;
            fields.insert("state".into(), Value::String(state.into()));
        }
        _ => {}
    }
    Ok(fields)
}

/// The state a medium PUT leaves (§5.4): a client may say `Uploaded`; processing is the
/// server's.
pub(super) fn media_state(stored: &str, sent: Option<&str>) -> IngestionResult<&'static str> {
    let keep = |state: &str| -> &'static str {
        models::FILE_STATES
            .iter()
            .find(|s| **s == state)
            .copied()
            .unwrap_or("PendingUpload")
    };
    match sent {
        None => Ok(keep(stored)),
        Some(sent) if sent == stored => Ok(keep(stored)),
        Some("Uploaded") => Ok(match stored {
            "Processed" | "InProcessing" => keep(stored),
            _ => "Uploaded",
        }),
        Some(other) => Err(IngestionError::invalid(
            "state",
            format!("The field state is invalid: a client may set Uploaded, not {other}"),
        )),
    }
}
