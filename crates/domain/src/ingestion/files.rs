//! Product-level files: technical packages (processed inside their `PUT`, §5.3) and
//! co-sell assets. Their bytes go to the blob endpoint under the SAS URL the server hands
//! out; reading them is the server's, recording what it found is here.

use serde_json::{Map, Value, json};
use storeroom_wire::ingestion::models::{self, PACKAGE_TYPES};

use super::error::{IngestionError, IngestionResult};
use super::offer::Offer;
use super::resource::{Resource, blob_name, guid, same_id};
use super::service::{IngestionService, remove_checked, resource_type_of};
use super::submission::ValidationItem;

/// What a package `PUT {state: Uploaded}` asks the server to do.
#[derive(Debug, Clone)]
pub enum PackageUpload {
    /// Read and check the blob, then [`IngestionService::finish_package`].
    Process(Resource),
    /// Nothing to do (already processed, or no state asked for).
    Done(Resource),
}

/// A package check's verdict: its size, or the problems (file, rule) it found.
pub type PackageVerdict = Result<u64, Vec<(String, String)>>;

/// The package types a product type takes (§2.5).
fn package_types_for(offer: &Offer) -> &'static [&'static str] {
    match offer.resource_type.as_str() {
        "AzureApplication" => &PACKAGE_TYPES[..1],
        "AzureDynamics365BusinessCentral" => &PACKAGE_TYPES[1..],
        _ => &[],
    }
}

impl IngestionService {
    pub async fn packages(
        &self,
        seller_id: &str,
        product_id: &str,
    ) -> IngestionResult<Vec<Resource>> {
        Ok(self.offer(seller_id, product_id).await?.packages)
    }

    pub async fn package(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
    ) -> IngestionResult<Resource> {
        self.offer(seller_id, product_id)
            .await?
            .package(id)
            .cloned()
            .ok_or_else(|| IngestionError::not_found("Package", id))
    }

    /// `POST packages`: a package waiting for its upload.
    pub async fn create_package(
        &self,
        seller_id: &str,
        product_id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<Resource> {
        let mut fields = models::PACKAGE.read(body)?;
        let file_name = fields
            .get("fileName")
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        if file_name.is_empty() {
            return Err(IngestionError::invalid(
                "fileName",
                "The fileName field is required",
            ));
        }
        let (_, package) = self
            .write(seller_id, product_id, |offer, now| {
                let allowed = package_types_for(offer);
                if allowed.is_empty() {
                    return Err(IngestionError::invalid(
                        "resourceType",
                        format!("{} offers take no packages", offer.resource_type),
                    ));
                }
                let resource_type = resource_type_of(body, allowed, Some(allowed[0]))?;
                for read_only in ["fileSasUri", "validationItems", "fileSize", "isCertified"] {
                    fields.remove(read_only);
                }
                fields.insert("state".into(), json!("PendingUpload"));
                fields.insert("isEmpty".into(), json!(true));
                fields.insert("publishTargets".into(), json!([]));
                fields.insert("isCertified".into(), json!(false));
                let mut package = Resource::new(guid(), resource_type, fields);
                package.blob = Some(blob_name());
                offer.stamp(&mut package, now);
                offer.packages.push(package.clone());
                Ok(package)
            })
            .await?;
        Ok(package)
    }

    /// `PUT packages/{id}`: what the request asks for (§5.3).
    pub async fn start_package_upload(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<PackageUpload> {
        let package = self.package(seller_id, product_id, id).await?;
        if let Some(Value::String(sent)) =
            storeroom_wire::ingestion::schema::get_ci(body, "resourceType")
            && !sent.trim().is_empty()
            && !sent.trim().eq_ignore_ascii_case(&package.resource_type)
        {
            return Err(IngestionError::invalid(
                "resourceType",
                format!(
                    "The field resourceType is invalid: this package is a {}, not a {sent}",
                    package.resource_type
                ),
            ));
        }
        let fields = models::PACKAGE.read(body)?;
        match fields.get("state").and_then(Value::as_str) {
            None => Ok(PackageUpload::Done(package)),
            Some("Uploaded") if package.file_state() == "Processed" => {
                Ok(PackageUpload::Done(package))
            }
            Some("Uploaded") => Ok(PackageUpload::Process(package)),
            Some(other) => Err(IngestionError::invalid(
                "state",
                format!("The field state is invalid: a client may set Uploaded, not {other}"),
            )),
        }
    }

    /// Records what processing `package` (as it was when processing began) found.
    pub async fn finish_package(
        &self,
        seller_id: &str,
        product_id: &str,
        package: &Resource,
        verdict: PackageVerdict,
    ) -> IngestionResult<Resource> {
        let (_, package) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let stored = offer
                    .package_mut(&package.id)
                    .filter(|p| p.blob == package.blob)
                    .ok_or_else(|| IngestionError::not_found("Package", &package.id))?;
                let file_name = stored.str("fileName").unwrap_or_default().to_string();
                match verdict {
                    Ok(size) => {
                        stored.set("state", "Processed");
                        stored.set("fileSize", size);
                        stored.set("isEmpty", size == 0);
                        stored.fields.remove("validationItems");
                    }
                    Err(problems) => {
                        let items: Vec<ValidationItem> = problems
                            .into_iter()
                            .map(|(file, rule)| {
                                let file = if file.is_empty() { &file_name } else { &file };
                                ValidationItem::error("InvalidPackage", file, rule)
                            })
                            .collect();
                        stored.set("state", "ProcessFailed");
                        stored.set(
                            "validationItems",
                            serde_json::to_value(items).unwrap_or_default(),
                        );
                    }
                }
                stored.etag = Some(etag);
                Ok(stored.clone())
            })
            .await?;
        Ok(package)
    }

    /// `DELETE packages/{id}`: refused while a frozen configuration references it.
    pub async fn delete_package(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
        if_match: Option<&str>,
    ) -> IngestionResult<()> {
        let (offer, submissions) = self.offer_with_submissions(seller_id, product_id).await?;
        let package = offer
            .package(id)
            .ok_or_else(|| IngestionError::not_found("Package", id))?;
        let referenced = submissions.iter().filter(|s| !s.superseded).find(|s| {
            s.frozen.iter().flat_map(|i| &i.resources).any(|r| {
                r.pairs("packageReferences")
                    .iter()
                    .any(|(_, value)| same_id(value, &package.id))
            })
        });
        if let Some(submission) = referenced {
            return Err(IngestionError::Conflict(format!(
                "Package {} is referenced by submission {}: it cannot be deleted",
                package.id, submission.id
            )));
        }
        self.write(seller_id, product_id, |offer, _| {
            remove_checked(&mut offer.packages, id, if_match, "Package")?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    pub async fn cosell_assets(
        &self,
        seller_id: &str,
        product_id: &str,
    ) -> IngestionResult<Vec<Resource>> {
        Ok(self.offer(seller_id, product_id).await?.cosell_assets)
    }

    pub async fn cosell_asset(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
    ) -> IngestionResult<Resource> {
        self.offer(seller_id, product_id)
            .await?
            .cosell_assets
            .into_iter()
            .find(|a| same_id(&a.id, id))
            .ok_or_else(|| IngestionError::not_found("CosellAsset", id))
    }

    /// `POST cosellAssets`: like an image, a file waiting for its upload.
    pub async fn create_cosell_asset(
        &self,
        seller_id: &str,
        product_id: &str,
        body: &Map<String, Value>,
    ) -> IngestionResult<Resource> {
        resource_type_of(body, &["CosellAsset"], Some("CosellAsset"))?;
        let mut fields = models::COSELL_ASSET.read(body)?;
        if fields
            .get("fileName")
            .and_then(Value::as_str)
            .is_none_or(|n| n.trim().is_empty())
        {
            return Err(IngestionError::invalid(
                "fileName",
                "The fileName field is required",
            ));
        }
        fields.remove("fileSasUri");
        fields.insert("state".into(), json!("PendingUpload"));
        let (_, asset) = self
            .write(seller_id, product_id, |offer, now| {
                let mut asset = Resource::new(guid(), "CosellAsset", fields);
                asset.blob = Some(blob_name());
                offer.stamp(&mut asset, now);
                offer.cosell_assets.push(asset.clone());
                Ok(asset)
            })
            .await?;
        Ok(asset)
    }

    /// `PUT cosellAssets/{id}`: its fields; the state may move to `Uploaded`.
    pub async fn put_cosell_asset(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
        body: &Map<String, Value>,
        if_match: Option<&str>,
    ) -> IngestionResult<Resource> {
        let mut fields = models::COSELL_ASSET.read(body)?;
        fields.remove("fileSasUri");
        let (_, asset) = self
            .write(seller_id, product_id, |offer, now| {
                let etag = offer.next_etag(now);
                let asset = offer
                    .cosell_assets
                    .iter_mut()
                    .find(|a| same_id(&a.id, id))
                    .ok_or_else(|| IngestionError::not_found("CosellAsset", id))?;
                super::service::check_if_match(if_match, asset.etag.as_deref())?;
                let state = super::edits::media_state(
                    asset.file_state(),
                    fields.get("state").and_then(Value::as_str),
                )?;
                if !fields.contains_key("fileName")
                    && let Some(name) = asset.fields.get("fileName")
                {
                    fields.insert("fileName".into(), name.clone());
                }
                fields.insert("state".into(), Value::String(state.into()));
                asset.fields = fields;
                asset.etag = Some(etag);
                Ok(asset.clone())
            })
            .await?;
        Ok(asset)
    }

    pub async fn delete_cosell_asset(
        &self,
        seller_id: &str,
        product_id: &str,
        id: &str,
        if_match: Option<&str>,
    ) -> IngestionResult<()> {
        self.write(seller_id, product_id, |offer, _| {
            remove_checked(&mut offer.cosell_assets, id, if_match, "CosellAsset")?;
            Ok(())
        })
        .await?;
        Ok(())
    }
}
