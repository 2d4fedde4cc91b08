//! Listing assets: upload slots (create) and replacing a language's images (commit).
//!
//! Create hands out ids; the client PUTs each PNG to the slot's SAS URL; commit names the
//! images a language keeps (existing ids) or adds (uploaded slots) and replaces the whole
//! set of each type it names.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use storeroom_wire::devcenter::ImageType;
use storeroom_wire::msi::{AssetRef, CommitAssets};

use super::draft::Asset;
use super::error::{MsiError, MsiResult, Problem};
use super::formats::is_url;
use super::product::{AssetKind, MsiProduct, PendingAsset};
use super::validate::language;
use crate::ids;
use crate::media::{ImageFacts, SizeRule, image_problem, size_rule};

/// Blob containers behind the primary and secondary upload URLs of a slot.
pub const PRIMARY_CONTAINER: &str = "listingassets";
pub const SECONDARY_CONTAINER: &str = "listingassets-secondary";

pub const MAX_SCREENSHOTS: usize = 10;
pub const MAX_LOGOS: usize = 2;
/// Slots not committed within this time are forgotten (their SAS URLs expired long before).
const SLOT_LIFETIME_HOURS: i64 = 24;

const TARGET: &str = "listingAssets";

impl AssetKind {
    fn max(self) -> usize {
        match self {
            AssetKind::Screenshot => MAX_SCREENSHOTS,
            AssetKind::Logo => MAX_LOGOS,
        }
    }

    /// `Screenshot` and `Logo` as the seed names them (plurals and `StoreLogo` accepted).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "screenshot" | "screenshots" => Some(AssetKind::Screenshot),
            "logo" | "logos" | "storelogo" | "storelogos" => Some(AssetKind::Logo),
            _ => None,
        }
    }
}

/// The listing language a request names, which must be one of the draft's.
fn draft_language(product: &MsiProduct, code: Option<&str>) -> MsiResult<String> {
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            MsiError::invalid(TARGET, "language is required: name the listing language")
        })?;
    language(code)
        .and_then(|code| product.draft.listing(code))
        .map(|entry| entry.listing.language.clone())
        .ok_or_else(|| {
            MsiError::invalid(
                TARGET,
                format!("language '{code}' is not a listing language of this product: add it with listingsToAdd first"),
            )
        })
}

/// Create: new upload slots for `language`, by kind and count.
pub fn create_slots(
    product: &mut MsiProduct,
    code: Option<&str>,
    request: Option<&BTreeMap<String, i64>>,
    now: DateTime<Utc>,
) -> MsiResult<Vec<PendingAsset>> {
    let language = draft_language(product, code)?;
    let request = request.ok_or_else(|| {
        MsiError::invalid(
            TARGET,
            "createAssetRequest is required: {\"Screenshot\": n, \"Logo\": n}",
        )
    })?;
    let mut problems = Vec::new();
    let mut slots = Vec::new();
    for (name, count) in request {
        let Some(kind) = AssetKind::parse(name) else {
            problems.push(Problem::bad_request(
                TARGET,
                format!("createAssetRequest.{name} is not an asset type: use Screenshot or Logo"),
            ));
            continue;
        };
        let max = kind.max();
        match usize::try_from(*count) {
            Ok(count) if count <= max => slots.extend((0..count).map(|_| PendingAsset {
                id: ids::guid().replace('-', ""),
                language: language.clone(),
                kind,
                created_at: now,
            })),
            _ => problems.push(Problem::bad_request(
                TARGET,
                format!("createAssetRequest.{name} must be between 0 and {max}, not {count}"),
            )),
        }
    }
    MsiError::check(problems)?;
    let oldest = now - Duration::hours(SLOT_LIFETIME_HOURS);
    product
        .pending_assets
        .retain(|slot| slot.created_at > oldest);
    product.pending_assets.extend(slots.iter().cloned());
    Ok(slots)
}

/// What the blob store holds for an upload slot.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadedImage {
    pub container: String,
    pub facts: ImageFacts,
}

/// The slot ids a commit adds (so the caller can read their uploads).
pub fn slots_to_read(product: &MsiProduct, request: &CommitAssets) -> Vec<String> {
    let named = [&request.store_logos, &request.screenshots]
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|asset| asset.id.as_deref());
    let pending: HashSet<&str> = product
        .pending_assets
        .iter()
        .map(|slot| slot.id.as_str())
        .collect();
    named
        .filter(|id| pending.contains(id))
        .map(str::to_string)
        .collect()
}

/// Commit: replaces each named type's images of the language. `uploads` has, for every id
/// of [`slots_to_read`], the image found or why there is none.
pub fn commit(
    product: &mut MsiProduct,
    request: CommitAssets,
    uploads: &HashMap<String, Result<UploadedImage, String>>,
) -> MsiResult<()> {
    let language = draft_language(product, request.language.as_deref())?;
    if request.store_logos.is_none() && request.screenshots.is_none() {
        return Err(MsiError::invalid(
            TARGET,
            "listingAssets names neither storeLogos nor screenshots: nothing to commit",
        ));
    }
    let mut problems = Vec::new();
    let mut chosen: Vec<(AssetKind, Vec<Asset>)> = Vec::new();
    let mut used = HashSet::new();
    for (kind, refs) in [
        (AssetKind::Logo, request.store_logos),
        (AssetKind::Screenshot, request.screenshots),
    ] {
        let Some(refs) = refs else { continue };
        if refs.len() > kind.max() {
            problems.push(Problem::bad_request(
                TARGET,
                format!(
                    "listingAssets.{} holds {} images; the limit is {}",
                    kind.field(),
                    refs.len(),
                    kind.max()
                ),
            ));
        }
        let mut assets = Vec::new();
        for (i, asset) in refs.iter().enumerate() {
            match resolve(product, &language, kind, i, asset, uploads) {
                Ok(found) if used.insert(found.id.clone()) => assets.push(found),
                Ok(found) => problems.push(Problem::bad_request(
                    TARGET,
                    format!(
                        "listingAssets.{}[{i}].id '{}' is named twice",
                        kind.field(),
                        found.id
                    ),
                )),
                Err(problem) => problems.push(problem),
            }
        }
        chosen.push((kind, assets));
    }
    MsiError::check(problems)?;
    let entry = product
        .draft
        .listing_mut(&language)
        .ok_or_else(|| MsiError::invalid(TARGET, format!("language '{language}' vanished")))?;
    for (kind, assets) in chosen {
        match kind {
            AssetKind::Logo => entry.store_logos = assets,
            AssetKind::Screenshot => entry.screenshots = assets,
        }
    }
    product
        .pending_assets
        .retain(|slot| !used.contains(&slot.id));
    Ok(())
}

/// One named image: an existing one of that type and language, or an uploaded slot.
fn resolve(
    product: &MsiProduct,
    language: &str,
    kind: AssetKind,
    index: usize,
    asset: &AssetRef,
    uploads: &HashMap<String, Result<UploadedImage, String>>,
) -> Result<Asset, Problem> {
    let field = format!("listingAssets.{}[{index}]", kind.field());
    let bad = |message: String| Problem::bad_request(TARGET, message);
    let id = asset
        .id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| bad(format!("{field}.id is required")))?;
    if let Some(url) = asset.asset_url.as_deref()
        && !url.trim().is_empty()
        && !is_url(url)
    {
        return Err(bad(format!("{field}.assetUrl '{url}' is not a valid URL")));
    }
    let existing = product.draft.listing(language).and_then(|entry| {
        let set = match kind {
            AssetKind::Logo => &entry.store_logos,
            AssetKind::Screenshot => &entry.screenshots,
        };
        set.iter().find(|a| a.id == id)
    });
    if let Some(existing) = existing {
        return Ok(existing.clone());
    }
    let slot = product
        .pending_assets
        .iter()
        .find(|slot| slot.id == id && slot.kind == kind && slot.language == language)
        .ok_or_else(|| {
            bad(format!(
                "{field}.id '{id}' is neither one of this language's {} nor a slot created for them by listings/assets/create",
                kind.field()
            ))
        })?;
    let image = match uploads.get(&slot.id) {
        Some(Ok(image)) => image,
        Some(Err(reason)) => return Err(bad(format!("{field} ({id}) {reason}"))),
        None => return Err(bad(format!("{field} ({id}) was not uploaded"))),
    };
    if let Some(problem) = size_problem(&format!("{field} ({id})"), kind, image.facts) {
        return Err(bad(problem));
    }
    Ok(Asset {
        id: slot.id.clone(),
        container: image.container.clone(),
        blob: slot.id.clone(),
        width: image.facts.width,
        height: image.facts.height,
    })
}

/// Screenshots follow Partner Center's screenshot sizes; a store logo may be 1:1 box art,
/// 2:3 poster art or the 1:1 app tile icon.
fn size_problem(name: &str, kind: AssetKind, facts: ImageFacts) -> Option<String> {
    match kind {
        AssetKind::Screenshot => image_problem(name, ImageType::Screenshot, facts),
        AssetKind::Logo => {
            let sizes: Vec<(u32, u32)> = [
                ImageType::StoreLogoSquare,
                ImageType::StoreLogo9x16,
                ImageType::Icon,
            ]
            .into_iter()
            .flat_map(|t| match size_rule(t) {
                SizeRule::OneOf(sizes) => sizes.to_vec(),
                _ => Vec::new(),
            })
            .collect();
            if !facts.is_png {
                return Some(format!("{name}: a store logo must be a PNG file"));
            }
            (!sizes.contains(&(facts.width, facts.height))).then(|| {
                let allowed: Vec<String> = sizes.iter().map(|(w, h)| format!("{w}x{h}")).collect();
                format!(
                    "{name}: a store logo must be {} pixels, not {}x{}",
                    allowed.join(", "),
                    facts.width,
                    facts.height
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> ImageFacts {
        ImageFacts {
            is_png: true,
            width,
            height,
        }
    }

    #[test]
    fn slots_are_checked_and_committed() {
        let now = Utc::now();
        let (mut product, _) = MsiProduct::reserve("1", "App", now);
        let mut request = BTreeMap::new();
        request.insert("Screenshot".to_string(), 2);
        request.insert("Logo".to_string(), 0);
        let slots = create_slots(&mut product, Some("EN-US"), Some(&request), now).unwrap();
        assert_eq!(slots.len(), 2);
        request.insert("Logo".to_string(), 3);
        assert!(create_slots(&mut product, Some("en-us"), Some(&request), now).is_err());
        assert!(create_slots(&mut product, Some("fr-fr"), Some(&BTreeMap::new()), now).is_err());

        let commit_request = |ids: &[&str]| CommitAssets {
            language: Some("en-us".into()),
            store_logos: None,
            screenshots: Some(
                ids.iter()
                    .map(|id| AssetRef {
                        id: Some(id.to_string()),
                        asset_url: None,
                    })
                    .collect(),
            ),
        };
        let request = commit_request(&[&slots[0].id, &slots[1].id]);
        assert_eq!(slots_to_read(&product, &request).len(), 2);
        let mut uploads = HashMap::new();
        uploads.insert(
            slots[0].id.clone(),
            Ok(UploadedImage {
                container: PRIMARY_CONTAINER.into(),
                facts: png(1920, 1080),
            }),
        );
        uploads.insert(slots[1].id.clone(), Err("was not uploaded".to_string()));
        let err = commit(&mut product, request, &uploads).unwrap_err();
        assert!(err.to_string().contains("was not uploaded"), "{err}");

        uploads.insert(
            slots[1].id.clone(),
            Ok(UploadedImage {
                container: SECONDARY_CONTAINER.into(),
                facts: png(100, 100),
            }),
        );
        let request = commit_request(&[&slots[0].id, &slots[1].id]);
        let err = commit(&mut product, request, &uploads).unwrap_err();
        assert!(err.to_string().contains("100x100"), "{err}");

        let request = commit_request(&[&slots[0].id]);
        commit(&mut product, request, &uploads).unwrap();
        assert_eq!(product.draft.listings[0].screenshots.len(), 1);
        // The committed image is kept by naming its id again; the slot is used up.
        let request = commit_request(&[&slots[0].id]);
        commit(&mut product, request, &uploads).unwrap();
        assert_eq!(product.pending_assets.len(), 1);
    }

    #[test]
    fn logo_sizes() {
        assert!(size_problem("l", AssetKind::Logo, png(300, 300)).is_none());
        assert!(size_problem("l", AssetKind::Logo, png(2160, 2160)).is_none());
        assert!(size_problem("l", AssetKind::Logo, png(1920, 1080)).is_some());
    }
}
