//! What the pipeline needs of each kind of submission content (app, flight, add-on).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::media::ImageRequirement;
use serde::de::DeserializeOwned;
use storeroom_wire::devcenter::{
    AppSubmissionContent, ApplicationPackage, FileStatus, FlightSubmissionContent, Image,
    InAppProductSubmissionContent, PackageRollout, PublishMode,
};

pub trait SubmissionContent: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Every file the uploaded ZIP must hold: entries marked `PendingUpload` and new trailers.
    fn files_to_upload(&self) -> Vec<String>;
    fn publish_mode(&self) -> PublishMode;
    fn publish_date(&self) -> DateTime<Utc>;
    /// On publish: uploaded files become `Uploaded`, `PendingDelete` entries disappear.
    fn settle_files(&mut self);
    fn rollout(&self) -> Option<&PackageRollout>;
    fn rollout_mut(&mut self) -> Option<&mut PackageRollout>;
    /// The packages, for contents that have them.
    fn packages(&self) -> &[ApplicationPackage] {
        &[]
    }
    /// The packages, to fill in from their manifests after PreProcessing.
    fn packages_mut(&mut self) -> Option<&mut Vec<ApplicationPackage>> {
        None
    }
    /// New images (marked for upload) and what each is for.
    fn image_requirements(&self) -> Vec<(String, ImageRequirement)> {
        Vec::new()
    }
    /// App content, for the rules only apps have.
    fn as_app(&self) -> Option<&AppSubmissionContent> {
        None
    }
    /// A published submission's content, made ready to be the next submission's.
    fn reset_for_new_submission(&mut self) {
        if let Some(rollout) = self.rollout_mut() {
            *rollout = PackageRollout::default();
        }
    }
}

fn pending_packages(packages: &[ApplicationPackage]) -> impl Iterator<Item = String> + '_ {
    packages
        .iter()
        .filter(|p| p.file_status == FileStatus::PendingUpload)
        .map(|p| p.file_name.clone())
}

fn pending_images(images: &[Image]) -> impl Iterator<Item = String> + '_ {
    images
        .iter()
        .filter(|i| i.file_status == FileStatus::PendingUpload)
        .map(|i| i.file_name.clone())
}

pub(crate) fn settle_packages(packages: &mut Vec<ApplicationPackage>) {
    packages.retain(|p| p.file_status != FileStatus::PendingDelete);
    for package in packages {
        package.file_status = FileStatus::Uploaded;
    }
}

fn settle_images(images: &mut Vec<Image>) {
    images.retain(|i| i.file_status != FileStatus::PendingDelete);
    for image in images {
        image.file_status = FileStatus::Uploaded;
    }
}

impl SubmissionContent for AppSubmissionContent {
    fn files_to_upload(&self) -> Vec<String> {
        let mut files: Vec<String> = pending_packages(&self.application_packages).collect();
        for listing in self.listings.values() {
            files.extend(pending_images(&listing.base_listing.images));
            for platform in listing.platform_overrides.values() {
                files.extend(pending_images(
                    platform.images.as_deref().unwrap_or_default(),
                ));
            }
        }
        for trailer in self.trailers.iter().flatten() {
            if trailer.video_file_id.is_empty() {
                files.push(trailer.video_file_name.clone());
                for assets in trailer.trailer_assets.values() {
                    files.extend(assets.image_list.iter().map(|i| i.file_name.clone()));
                }
            }
        }
        files
    }

    fn publish_mode(&self) -> PublishMode {
        self.target_publish_mode
    }

    fn publish_date(&self) -> DateTime<Utc> {
        self.target_publish_date
    }

    fn settle_files(&mut self) {
        settle_packages(&mut self.application_packages);
        for listing in self.listings.values_mut() {
            settle_images(&mut listing.base_listing.images);
            for platform in listing.platform_overrides.values_mut() {
                if let Some(images) = platform.images.as_mut() {
                    settle_images(images);
                }
            }
        }
    }

    fn rollout(&self) -> Option<&PackageRollout> {
        Some(&self.package_delivery_options.package_rollout)
    }

    fn rollout_mut(&mut self) -> Option<&mut PackageRollout> {
        Some(&mut self.package_delivery_options.package_rollout)
    }

    fn packages(&self) -> &[ApplicationPackage] {
        &self.application_packages
    }

    fn as_app(&self) -> Option<&AppSubmissionContent> {
        Some(self)
    }

    fn packages_mut(&mut self) -> Option<&mut Vec<ApplicationPackage>> {
        Some(&mut self.application_packages)
    }

    fn image_requirements(&self) -> Vec<(String, ImageRequirement)> {
        let mut images = Vec::new();
        let mut listing_images = |list: &[Image]| {
            for image in list
                .iter()
                .filter(|i| i.file_status == FileStatus::PendingUpload)
            {
                images.push((
                    image.file_name.clone(),
                    ImageRequirement::Listing(image.image_type),
                ));
            }
        };
        for listing in self.listings.values() {
            listing_images(&listing.base_listing.images);
            for platform in listing.platform_overrides.values() {
                listing_images(platform.images.as_deref().unwrap_or_default());
            }
        }
        for trailer in self
            .trailers
            .iter()
            .flatten()
            .filter(|t| t.video_file_id.is_empty())
        {
            for assets in trailer.trailer_assets.values() {
                for image in &assets.image_list {
                    images.push((image.file_name.clone(), ImageRequirement::TrailerThumbnail));
                }
            }
        }
        images
    }

    fn reset_for_new_submission(&mut self) {
        self.package_delivery_options.package_rollout = PackageRollout::default();
        self.pricing.sales.clear();
    }
}

impl SubmissionContent for FlightSubmissionContent {
    fn files_to_upload(&self) -> Vec<String> {
        pending_packages(&self.flight_packages).collect()
    }

    fn publish_mode(&self) -> PublishMode {
        self.target_publish_mode
    }

    fn publish_date(&self) -> DateTime<Utc> {
        self.target_publish_date
    }

    fn settle_files(&mut self) {
        settle_packages(&mut self.flight_packages);
    }

    fn rollout(&self) -> Option<&PackageRollout> {
        Some(&self.package_delivery_options.package_rollout)
    }

    fn rollout_mut(&mut self) -> Option<&mut PackageRollout> {
        Some(&mut self.package_delivery_options.package_rollout)
    }

    fn packages(&self) -> &[ApplicationPackage] {
        &self.flight_packages
    }

    fn packages_mut(&mut self) -> Option<&mut Vec<ApplicationPackage>> {
        Some(&mut self.flight_packages)
    }
}

/// Add-ons upload only their listing icons and have no packages, hence no rollout.
impl SubmissionContent for InAppProductSubmissionContent {
    fn files_to_upload(&self) -> Vec<String> {
        self.listings
            .values()
            .filter_map(|listing| listing.icon.as_ref())
            .filter(|icon| icon.file_status == FileStatus::PendingUpload)
            .map(|icon| icon.file_name.clone())
            .collect()
    }

    fn publish_mode(&self) -> PublishMode {
        self.target_publish_mode
    }

    fn publish_date(&self) -> DateTime<Utc> {
        self.target_publish_date
    }

    fn image_requirements(&self) -> Vec<(String, ImageRequirement)> {
        self.files_to_upload()
            .into_iter()
            .map(|icon| (icon, ImageRequirement::AddOnIcon))
            .collect()
    }

    fn settle_files(&mut self) {
        for listing in self.listings.values_mut() {
            if listing
                .icon
                .as_ref()
                .is_some_and(|icon| icon.file_status == FileStatus::PendingDelete)
            {
                listing.icon = None;
            }
            if let Some(icon) = listing.icon.as_mut() {
                icon.file_status = FileStatus::Uploaded;
            }
        }
    }

    fn rollout(&self) -> Option<&PackageRollout> {
        None
    }

    fn rollout_mut(&mut self) -> Option<&mut PackageRollout> {
        None
    }

    fn reset_for_new_submission(&mut self) {
        self.pricing.sales.clear();
    }
}
