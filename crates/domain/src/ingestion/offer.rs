//! An offer (an ingestion API product) and everything it owns but its submissions: setup,
//! plans, the draft instance of every branch, packages, co-sell assets and the lead
//! configuration. It is stored as one document, written under its version, so every rule
//! that spans its parts (a plan and its branches, a configuration and the packages it
//! references) is checked against one consistent state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use storeroom_wire::ingestion::etag;
use storeroom_wire::ingestion::models::{self, MARKETS};
use storeroom_wire::ingestion::schema::Model;

use super::resource::{Instance, Module, Resource, guid, instance_id, same_id};
use crate::pipeline::PipelinePolicy;

/// The id of the plan every Azure Application gets for its test drive.
pub const TEST_DRIVE: &str = "testdrive";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: String,
    pub seller_id: String,
    /// Creation order among all offers (paging).
    pub position: i64,
    pub resource_type: String,
    /// `name`, `externalIDs`, `isModularPublishing`, `offerMarketingUrlIDentifier`.
    pub fields: Map<String, Value>,
    /// The AzureOfferId, lower-cased: unique per seller.
    pub offer_key: String,
    pub setup: Map<String, Value>,
    /// `testdrive` first, then plans in creation order.
    pub variants: Vec<Resource>,
    /// The draft instance of every branch: offer-level ones first, then by plan.
    pub instances: Vec<Instance>,
    pub packages: Vec<Resource>,
    #[serde(default)]
    pub cosell_assets: Vec<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<Resource>,
    /// Writes so far: the counter part of each new ETag.
    #[serde(default)]
    pub writes: u32,
    /// Submissions so far (`releaseNumber`).
    #[serde(default)]
    pub releases: u32,
    /// The offer's own pipeline policy (admin API), else the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelinePolicy>,
    /// Branches (module, plan) that have a live instance: later submissions may leave them out.
    #[serde(default)]
    pub live_modules: Vec<(Module, Option<String>)>,
    pub created_at: DateTime<Utc>,
}

impl Offer {
    /// A new offer with what the service creates with it (§5.1).
    pub fn create(
        seller_id: &str,
        resource_type: &str,
        fields: Map<String, Value>,
        offer_key: String,
        position: i64,
        now: DateTime<Utc>,
    ) -> Self {
        let id = guid();
        let mut setup = Map::new();
        models::SETUP.fill_initial(&mut setup);
        setup.insert(
            "channelStates".into(),
            json!([{"type": "Reseller", "value": "Disabled"}]),
        );
        let mut offer = Self {
            id: id.clone(),
            seller_id: seller_id.to_string(),
            position,
            resource_type: resource_type.to_string(),
            fields,
            offer_key,
            setup,
            variants: Vec::new(),
            instances: Vec::new(),
            packages: Vec::new(),
            cosell_assets: Vec::new(),
            lead: None,
            writes: 0,
            releases: 0,
            pipeline: None,
            live_modules: Vec::new(),
            created_at: now,
        };
        let title = offer.name().to_string();
        offer.add_instance(Module::Listing, None, now, |o, now| {
            vec![o.listing(&title, now)]
        });
        offer.add_instance(Module::Property, None, now, |o, now| {
            vec![o.fresh("AzureProperty", &models::PROPERTY, now)]
        });
        offer.add_instance(Module::Availability, None, now, |o, now| {
            vec![o.fresh("ProductAvailability", &models::PRODUCT_AVAILABILITY, now)]
        });
        if let Some(configuration) = offer_configuration_type(resource_type) {
            offer.add_instance(Module::Package, None, now, |o, now| {
                vec![o.configuration(configuration, now)]
            });
        }
        let reseller_id = offer.reseller_instance_id();
        let mut reseller_fields = Map::new();
        models::RESELLER.fill_initial(&mut reseller_fields);
        offer.instances.push(Instance {
            id: reseller_id.clone(),
            module: Module::ResellerConfiguration,
            variant_id: None,
            resources: vec![Resource::new(
                reseller_id,
                "ResellerConfiguration",
                reseller_fields,
            )],
        });
        if resource_type == "AzureApplication" {
            offer.add_instance(Module::Cosell, None, now, |o, now| {
                vec![o.fresh("CosellListing", &models::COSELL_LISTING, now)]
            });
            let mut drive = Resource::new(TEST_DRIVE.into(), "AzureTestDriveVariant", Map::new());
            models::TEST_DRIVE_VARIANT.fill_initial(&mut drive.fields);
            offer.stamp(&mut drive, now);
            offer.variants.push(drive);
            offer.add_plan_branches(
                TEST_DRIVE,
                &title,
                Some("AzureResourceManagerTestDrivePackageConfiguration"),
                now,
            );
        } else if has_plans(resource_type) {
            // Offers other than Azure Applications and Business Central (virtual machines,
            // containers, SaaS…) carry supplemental content (§3.6).
            offer.add_instance(Module::SupplementalContent, None, now, |o, now| {
                vec![o.fresh("SupplementalContent", &models::SUPPLEMENTAL_CONTENT, now)]
            });
        }
        offer
    }

    pub fn name(&self) -> &str {
        self.fields
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The constant id of the reseller configuration's instance (clients build it).
    pub fn reseller_instance_id(&self) -> String {
        format!("{}-ResellerInstance", self.id)
    }

    /// A new ETag for a write at `now`.
    pub fn next_etag(&mut self, now: DateTime<Utc>) -> String {
        self.writes = self.writes.wrapping_add(1);
        // A random high part keeps ETags of a deleted and recreated offer apart.
        let salt: u32 = rand::random::<u32>() & 0xffff_0000;
        etag(salt | (self.writes & 0xffff), now)
    }

    /// Gives `resource` a new ETag.
    pub fn stamp(&mut self, resource: &mut Resource, now: DateTime<Utc>) {
        resource.etag = Some(self.next_etag(now));
    }

    /// A new ETag-bearing resource with the model's initial values.
    pub fn fresh(&mut self, resource_type: &str, model: &Model, now: DateTime<Utc>) -> Resource {
        let mut fields = Map::new();
        model.fill_initial(&mut fields);
        let mut resource = Resource::new(instance_id(), resource_type, fields);
        self.stamp(&mut resource, now);
        resource
    }

    fn listing(&mut self, title: &str, now: DateTime<Utc>) -> Resource {
        let mut listing = self.fresh("AzureListing", &models::LISTING, now);
        listing.set("title", title);
        listing
    }

    fn configuration(&mut self, resource_type: &str, now: DateTime<Utc>) -> Resource {
        let mut configuration = Resource::new(guid(), resource_type, Map::new());
        self.stamp(&mut configuration, now);
        configuration
    }

    fn feature_availability(&mut self, now: DateTime<Utc>) -> Resource {
        let mut availability =
            self.fresh("FeatureAvailability", &models::FEATURE_AVAILABILITY, now);
        let markets: Vec<Value> = MARKETS
            .iter()
            .map(|code| json!({"marketCode": code, "state": "Disabled"}))
            .collect();
        availability.set("marketStates", markets);
        availability.set("trial", json!({"type": "NoTrial"}));
        availability
    }

    fn add_instance(
        &mut self,
        module: Module,
        variant_id: Option<&str>,
        now: DateTime<Utc>,
        resources: impl FnOnce(&mut Self, DateTime<Utc>) -> Vec<Resource>,
    ) {
        let resources = resources(self, now);
        self.instances.push(Instance {
            id: instance_id(),
            module,
            variant_id: variant_id.map(str::to_string),
            resources,
        });
    }

    /// The Listing, Availability and (where the product type configures plans) Package
    /// branches of a plan (§5.2).
    pub fn add_plan_branches(
        &mut self,
        variant_id: &str,
        title: &str,
        configuration_type: Option<&str>,
        now: DateTime<Utc>,
    ) {
        self.add_instance(Module::Listing, Some(variant_id), now, |o, now| {
            vec![o.listing(title, now)]
        });
        self.add_instance(Module::Availability, Some(variant_id), now, |o, now| {
            vec![o.feature_availability(now)]
        });
        if let Some(configuration_type) = configuration_type {
            self.add_instance(Module::Package, Some(variant_id), now, |o, now| {
                vec![o.configuration(configuration_type, now)]
            });
        }
    }

    pub fn variant(&self, id: &str) -> Option<&Resource> {
        self.variants.iter().find(|v| same_id(&v.id, id))
    }

    /// The draft instances of `module`: offer-level first, then by plan in plan order.
    pub fn branches(&self, module: Module) -> Vec<&Instance> {
        let mut branches: Vec<&Instance> = self
            .instances
            .iter()
            .filter(|i| i.module == module)
            .collect();
        let rank = |instance: &Instance| match &instance.variant_id {
            None => 0,
            Some(variant) => {
                1 + self
                    .variants
                    .iter()
                    .position(|v| &v.id == variant)
                    .unwrap_or(usize::MAX - 1)
            }
        };
        branches.sort_by_key(|i| rank(i));
        branches
    }

    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| same_id(&i.id, id))
    }

    pub fn instance_mut(&mut self, id: &str) -> Option<&mut Instance> {
        self.instances.iter_mut().find(|i| same_id(&i.id, id))
    }

    /// The draft instance holding resource `id`.
    pub fn instance_of(&self, resource_id: &str) -> Option<&Instance> {
        self.instances
            .iter()
            .find(|i| i.resource(resource_id).is_some())
    }

    pub fn instance_of_mut(&mut self, resource_id: &str) -> Option<&mut Instance> {
        self.instances
            .iter_mut()
            .find(|i| i.resource(resource_id).is_some())
    }

    pub fn package(&self, id: &str) -> Option<&Resource> {
        self.packages.iter().find(|p| same_id(&p.id, id))
    }

    pub fn package_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.packages.iter_mut().find(|p| same_id(&p.id, id))
    }

    /// Whether a branch already has a live instance.
    pub fn is_live(&self, module: Module, variant_id: Option<&str>) -> bool {
        self.live_modules
            .iter()
            .any(|(m, v)| *m == module && v.as_deref() == variant_id)
    }
}

/// The offer-level package configuration a product type gets (§4.11, §5.1).
pub fn offer_configuration_type(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "AzureApplication" => Some("AzureApplicationPackageConfiguration"),
        "AzureDynamics365BusinessCentral" => Some("Dynamics365BusinessCentralPackageConfiguration"),
        "AzureDynamics365ForCustomerEngagement" => {
            Some("Dynamics365CustomerEngagementPackageConfiguration")
        }
        "AzureDynamics365ForOperations" => Some("Dynamics365OperationsPackageConfiguration"),
        _ => None,
    }
}

/// The plan-level package configuration of a plan: by `subType` for an Azure Application,
/// none for the other product types (§4.11 has no plan configuration for them).
pub fn plan_configuration_type(resource_type: &str, sub_type: &str) -> Option<&'static str> {
    match (resource_type, sub_type) {
        ("AzureApplication", "managed-application") => {
            Some("AzureManagedApplicationPackageConfiguration")
        }
        ("AzureApplication", _) => Some("AzureSolutionTemplatePackageConfiguration"),
        _ => None,
    }
}

/// Product types that have plans: all but Business Central, whose clients use only the
/// offer-level branches (§5.1).
pub fn has_plans(resource_type: &str) -> bool {
    resource_type != "AzureDynamics365BusinessCentral"
}
