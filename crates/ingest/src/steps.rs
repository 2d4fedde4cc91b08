//! The work of the pipeline steps that look at what was uploaded: the upload check at
//! CommitStarted and the package and image reading of PreProcessing, both within the
//! server's configured archive limits. Archive IO runs on the blocking pool; rules come
//! from the domain.

use std::sync::Arc;

use storeroom_domain::DomainError;
use storeroom_domain::application::Application;
use storeroom_domain::content::SubmissionContent;
use storeroom_domain::media::{ImageFacts, ImageRequirement, requirement_problem};
use storeroom_domain::packages::{self, ManifestFacts, ReservedIdentity, UploadedPackage};
use storeroom_domain::product::ProductRef;
use storeroom_domain::report::Check;
use storeroom_domain::rules;
use storeroom_domain::service::{Effects, StepWork};
use storeroom_domain::store::{Store, SubmissionReads};
use storeroom_domain::submission::{self, Submission, UPLOAD_CONTAINER};
use storeroom_storage::blobs::BlobStore;
use storeroom_wire::devcenter::{
    AppSubmissionContent, ApplicationPackage, FileStatus, FlightSubmissionContent, StatusCode,
    StatusDetail,
};

use crate::archive;
use crate::images::ImageFormat;
use crate::inspect::{InspectionRequest, SubmissionArchive, inspect_submission};
use crate::limits::ArchiveLimits;

pub struct Steps {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    /// The server's `--archive-max-*` limits, for every step that reads the upload.
    pub limits: ArchiveLimits,
}

fn service_error(message: String) -> Vec<StatusDetail> {
    vec![submission::status_detail(StatusCode::ServiceError, message)]
}

impl Steps {
    /// CommitStarted: the content rules against the submission's `app`, then every listed
    /// file is in a safe archive.
    pub async fn check_upload<C: SubmissionContent>(
        &self,
        submission: &Submission<C>,
        app: Option<&Application>,
    ) -> Result<StepWork, DomainError> {
        // Content rules first: they need no archive, and the client fixes them by PUT.
        if let (Some(content), Some(app)) = (submission.content.as_app(), app) {
            let findings = rules::commit_findings(app, content);
            if !findings.is_empty() {
                return Ok(Err(findings));
            }
        }
        let required = submission.files_to_upload();
        if required.is_empty() {
            return Ok(Ok(Effects::default()));
        }
        let blob = submission.upload_blob.clone().unwrap_or_default();
        let limits = self.limits.clone();
        let checked = match self.blobs.open_read_at(UPLOAD_CONTAINER, &blob).await {
            Ok(archive) => {
                tokio::task::spawn_blocking(move || {
                    Ok::<_, std::io::Error>(archive::check_files(archive, &required, &limits))
                })
                .await
            }
            Err(io) => Ok(Err(io)),
        };
        Ok(match checked {
            Ok(Ok(result)) => result.map(|()| Effects::default()),
            Ok(Err(io)) => Err(service_error(format!(
                "The uploaded archive could not be read: {io}"
            ))),
            Err(join) => Err(service_error(format!(
                "The uploaded archive could not be inspected: {join}"
            ))),
        })
    }

    /// PreProcessing: reads the manifests of new packages and the headers of new images, and
    /// applies the package and image rules (identity rules against the submission's `app`).
    pub async fn preprocess<C: SubmissionContent>(
        &self,
        submission: &Submission<C>,
        app: Option<&Application>,
    ) -> Result<StepWork, DomainError> {
        let new_packages: Vec<String> = submission
            .content
            .packages()
            .iter()
            .filter(|p| p.file_status == FileStatus::PendingUpload)
            .map(|p| p.file_name.clone())
            .collect();
        let images = submission.content.image_requirements();
        if new_packages.is_empty() && images.is_empty() {
            return Ok(Ok(Effects::default()));
        }
        let request = InspectionRequest {
            packages: new_packages.clone(),
            images: images.iter().map(|(file, _)| file.clone()).collect(),
            other_files: Vec::new(),
        };
        let blob = submission.upload_blob.clone().unwrap_or_default();
        let limits = self.limits.clone();
        // Opening is async (object stores); reading the archive blocks, so it runs on the
        // blocking pool.
        let inspected = match self.blobs.open_read_at(UPLOAD_CONTAINER, &blob).await {
            Ok(archive) => {
                tokio::task::spawn_blocking(
                    move || -> std::io::Result<Result<SubmissionArchive, Vec<StatusDetail>>> {
                        let Some(archive) = archive else {
                            return Ok(Err(vec![submission::status_detail(
                                StatusCode::MissingFiles,
                                "No archive was uploaded to the submission's fileUploadUrl",
                            )]));
                        };
                        Ok(
                            inspect_submission(archive, &request, &limits).map_err(|findings| {
                                findings.into_iter().map(StatusDetail::from).collect()
                            }),
                        )
                    },
                )
                .await
            }
            Err(io) => Ok(Err(io)),
        };
        let archive = match inspected {
            Ok(Ok(Ok(archive))) => archive,
            Ok(Ok(Err(findings))) => return Ok(Err(findings)),
            Ok(Err(io)) => {
                return Ok(Err(service_error(format!(
                    "The uploaded archive could not be read: {io}"
                ))));
            }
            Err(join) => {
                return Ok(Err(service_error(format!(
                    "The uploaded archive could not be inspected: {join}"
                ))));
            }
        };

        let uploaded: Vec<UploadedPackage> = archive
            .packages
            .iter()
            .map(|package| UploadedPackage {
                file_name: package.file_name.clone(),
                manifests: package
                    .manifests
                    .iter()
                    .map(|m| ManifestFacts {
                        identity_name: m.identity_name.clone(),
                        publisher: m.publisher.clone(),
                        version: m.version.clone(),
                        architecture: m.architecture.clone(),
                        languages: m.languages.clone(),
                        capabilities: m.capabilities.clone(),
                        device_families: m
                            .target_device_families
                            .iter()
                            .map(|f| (f.name.clone(), f.min_version.clone()))
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let mut findings = Vec::new();
        if let Some(app) = app {
            let identity = ReservedIdentity {
                name: &app.package_identity_name,
                publisher: &app.publisher_name,
            };
            let published = self.published_packages(&submission.product, app).await?;
            findings.extend(packages::package_findings(&identity, &published, &uploaded));
        }
        for info in &archive.images {
            let Some((_, requirement)) = images
                .iter()
                .find(|(file, _)| archive::normalize(file) == archive::normalize(&info.file_name))
            else {
                continue;
            };
            let facts = ImageFacts {
                is_png: info.format == ImageFormat::Png,
                width: info.width,
                height: info.height,
            };
            if let Some(problem) = requirement_problem(&info.file_name, *requirement, facts) {
                findings.push(submission::status_detail(
                    StatusCode::InvalidParameterValue,
                    problem,
                ));
            }
        }
        if !findings.is_empty() {
            return Ok(Err(findings));
        }
        Ok(Ok(Effects {
            checks: checks(&uploaded, &images),
            uploaded,
        }))
    }

    /// The packages of the product's last published submission, which new versions must pass
    /// (`app` is the product's app, already read).
    async fn published_packages(
        &self,
        product: &ProductRef,
        app: &Application,
    ) -> Result<Vec<ApplicationPackage>, DomainError> {
        let published_id = match product {
            ProductRef::Application(_) => app.slots.last_published_submission_id.clone(),
            ProductRef::Flight { flight_id, .. } => self
                .store
                .flight(flight_id)
                .await?
                .and_then(|f| f.slots.last_published_submission_id),
            ProductRef::InAppProduct(_) => None,
        };
        let Some(id) = published_id else {
            return Ok(Vec::new());
        };
        Ok(match product {
            ProductRef::Application(_) => self
                .store
                .submission::<AppSubmissionContent>(&id)
                .await?
                .map(|s| s.content.application_packages)
                .unwrap_or_default(),
            ProductRef::Flight { .. } => self
                .store
                .submission::<FlightSubmissionContent>(&id)
                .await?
                .map(|s| s.content.flight_packages)
                .unwrap_or_default(),
            ProductRef::InAppProduct(_) => Vec::new(),
        })
    }
}

/// The report's account of what PreProcessing read.
fn checks(uploaded: &[UploadedPackage], images: &[(String, ImageRequirement)]) -> Vec<Check> {
    let mut checks = Vec::new();
    if !uploaded.is_empty() {
        let details = uploaded
            .iter()
            .map(|u| {
                let versions: Vec<String> = u
                    .manifests
                    .iter()
                    .map(|m| format!("{} {} {}", m.identity_name, m.version, m.architecture))
                    .collect();
                format!("{}: {}", u.file_name, versions.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ");
        checks.push(Check::passed(
            "Packages",
            format!("Identity, publisher and version rules hold ({details})"),
            uploaded.iter().map(|u| u.file_name.clone()).collect(),
        ));
    }
    if !images.is_empty() {
        checks.push(Check::passed(
            "Images",
            "Every new image is a PNG of an allowed size for its type",
            images.iter().map(|(file, _)| file.clone()).collect(),
        ));
    }
    checks
}
