//! The pieces an offer is made of: resources (a listing, an image, a package, a plan…),
//! the modules they are grouped in, and the instances (versions of a module) that branches
//! point at and submissions freeze.

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A module of an offer (§3.1): what a branch and its instances hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Module {
    Listing,
    Property,
    Package,
    Availability,
    SupplementalContent,
    Cosell,
    ResellerConfiguration,
}

impl Module {
    pub const ALL: [Module; 7] = [
        Module::Listing,
        Module::Property,
        Module::Package,
        Module::Availability,
        Module::SupplementalContent,
        Module::Cosell,
        Module::ResellerConfiguration,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Module::Listing => "Listing",
            Module::Property => "Property",
            Module::Package => "Package",
            Module::Availability => "Availability",
            Module::SupplementalContent => "SupplementalContent",
            Module::Cosell => "Cosell",
            Module::ResellerConfiguration => "ResellerConfiguration",
        }
    }

    /// A module by name, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().trim_matches('\'');
        Self::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(text))
    }
}

/// One resource: its type, its fields in canonical form (see the wire crate's models), and
/// what the server keeps beside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub resource_type: String,
    /// ETag-bearing resources only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    pub fields: Map<String, Value>,
    /// The listing a media resource (image, video, asset) belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The blob (container [`FILE_CONTAINER`]) of a file resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

/// The blob container of uploaded packages, media and reports, as the real SAS URLs show.
pub const FILE_CONTAINER: &str = "file";

impl Resource {
    pub fn new(id: String, resource_type: &str, fields: Map<String, Value>) -> Self {
        Self {
            id,
            resource_type: resource_type.to_string(),
            etag: None,
            fields,
            parent: None,
            blob: None,
        }
    }

    pub fn str(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    pub fn set(&mut self, field: &str, value: impl Into<Value>) {
        self.fields.insert(field.to_string(), value.into());
    }

    /// The file state (`PendingUpload`, `Uploaded`, …) of a file resource.
    pub fn file_state(&self) -> &str {
        self.str("state").unwrap_or("PendingUpload")
    }

    /// The `{type, value}` pairs of a field such as `packageReferences`.
    pub fn pairs(&self, field: &str) -> Vec<(String, String)> {
        pairs(self.fields.get(field))
    }
}

/// `[{type, value}]` as pairs, skipping malformed entries.
pub fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some((
                        item.get("type")?.as_str()?.to_string(),
                        item.get("value")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One version of a module: the draft a branch points at, or one a submission froze.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub module: Module,
    /// The plan of a plan-level branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    pub resources: Vec<Resource>,
}

impl Instance {
    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| same_id(&r.id, id))
    }

    pub fn resource_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.resources.iter_mut().find(|r| same_id(&r.id, id))
    }
}

/// Product, plan, package and configuration ids: lowercase RFC 4122 v4 GUIDs.
pub fn guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Instance, listing and image ids: GUID-shaped, 128 random bits, no version bits (§2.1).
pub fn instance_id() -> String {
    let bits: u128 = rand::rng().random();
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Blob names in SAS URLs: 19 random decimal digits.
pub fn blob_name() -> String {
    rand::rng()
        .random_range(1_000_000_000_000_000_000u64..10_000_000_000_000_000_000u64)
        .to_string()
}

/// Whether two ids name the same resource: GUIDs in any case, other ids exactly.
pub fn same_id(stored: &str, sent: &str) -> bool {
    stored == sent || (stored.len() == 36 && stored.eq_ignore_ascii_case(sent))
}
