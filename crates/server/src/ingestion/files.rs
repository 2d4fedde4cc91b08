//! The file work behind the ingestion API: processing a package inside its `PUT` (§5.3),
//! probing listing images for automated validation (§5.4), and the certification report's
//! text blob. Files are read from the blob store the blob endpoint wrote them to, on a
//! blocking thread, streaming, under the configured archive limits.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use serde_json::{Map, Value};
use storeroom_domain::ingestion::IngestionResult;
use storeroom_domain::ingestion::files::{PackageUpload, PackageVerdict};
use storeroom_domain::ingestion::resource::{FILE_CONTAINER, Resource};
use storeroom_domain::ingestion::submission::OfferSubmission;
use storeroom_domain::ingestion::validation::{ImageToProbe, ImageVerdicts};
use storeroom_ingest::ArchiveLimits;
use storeroom_ingest::marketplace;
use storeroom_storage::blobs::{BlobProperties, BlobStore, ReadAtCursor, write_blob};

use super::render::Render;
use super::respond::Out;
use crate::state::AppState;

/// `PUT packages/{id}`: processes the uploaded file when the request says `Uploaded`.
pub async fn put_package(
    state: &AppState,
    seller: &str,
    product_id: &str,
    id: &str,
    body: &Map<String, Value>,
) -> IngestionResult<Resource> {
    let ingestion = &state.ingestion;
    match ingestion
        .service
        .start_package_upload(seller, product_id, id, body)
        .await?
    {
        PackageUpload::Done(package) => Ok(package),
        PackageUpload::Process(package) => {
            let verdict =
                check_package(ingestion.blobs.clone(), &package, ingestion.limits.clone()).await;
            ingestion
                .service
                .finish_package(seller, product_id, &package, verdict)
                .await
        }
    }
}

/// Reads a package's blob and checks it for its type.
async fn check_package(
    blobs: Arc<dyn BlobStore>,
    package: &Resource,
    limits: ArchiveLimits,
) -> PackageVerdict {
    let name = package.str("fileName").unwrap_or("package").to_string();
    let problem = |rule: String| Err(vec![(name.clone(), rule)]);
    let Some(blob) = package.blob.clone() else {
        return problem(format!("{name} has no upload location"));
    };
    let reader = match blobs.open_read_at(FILE_CONTAINER, &blob).await {
        Ok(Some(reader)) => reader,
        Ok(None) => {
            return problem(format!(
                "No file was uploaded to the fileSasUri of {name}: upload it, then PUT the package with state Uploaded"
            ));
        }
        Err(err) => return problem(format!("{name} could not be read: {err}")),
    };
    let size = match reader.size() {
        Ok(size) => size,
        Err(err) => return problem(format!("{name} could not be read: {err}")),
    };
    if size == 0 {
        return problem(format!("{name} is empty"));
    }
    if package.resource_type != "AzureApplicationPackage" {
        return Ok(size);
    }
    let upload_name = name.clone();
    let checked = tokio::task::spawn_blocking(move || {
        marketplace::check_azure_application_package(&*reader, &upload_name, &limits)
    })
    .await;
    match checked {
        Ok(Ok(())) => Ok(size),
        Ok(Err(problems)) => Err(problems.into_iter().map(|p| (p.file, p.rule)).collect()),
        Err(err) => problem(format!(
            "{} could not be processed: {err}",
            package.str("fileName").unwrap_or("package")
        )),
    }
}

/// Probes the listing images automated validation processes.
pub async fn probe_images(blobs: Arc<dyn BlobStore>, images: Vec<ImageToProbe>) -> ImageVerdicts {
    let mut verdicts = ImageVerdicts::new();
    for (id, image_type, file_name, blob) in images {
        let verdict = match blobs.open_read_at(FILE_CONTAINER, &blob).await {
            Ok(Some(reader)) => tokio::task::spawn_blocking(move || {
                let mut cursor = ReadAtCursor::new(reader);
                marketplace::check_listing_image(&image_type, &file_name, &mut cursor)
                    .map_err(|problem| problem.rule)
            })
            .await
            .unwrap_or_else(|err| Err(format!("the image could not be probed: {err}"))),
            Ok(None) => Err(format!(
                "Image {file_name} was never uploaded to its fileSasUri"
            )),
            // A store failure is no verdict: the step fails and is retried.
            Err(err) => {
                tracing::warn!(error = %err, image = %id, "listing image unreadable");
                continue;
            }
        };
        verdicts.insert(id, verdict);
    }
    verdicts
}

/// `GET .../reports`: the certification report once the step finished, its text written
/// to its blob the first time it is asked for.
pub async fn reports(
    state: &AppState,
    submission: &OfferSubmission,
    now: DateTime<Utc>,
) -> Vec<Out> {
    let Some(report) = &submission.report else {
        return Vec::new();
    };
    let blobs = &state.ingestion.blobs;
    let present = matches!(
        blobs.blob_meta(FILE_CONTAINER, &report.blob).await,
        Ok(Some(_))
    );
    if !present {
        let mut text = report.lines.join("\n");
        text.push('\n');
        if let Err(err) = write_text(blobs.as_ref(), &report.blob, text.into_bytes(), now).await {
            tracing::warn!(error = %err, submission = %submission.id, "certification report not written");
        }
    }
    let render = Render {
        blob: &state.blob,
        now,
    };
    vec![
        Out::obj()
            .with(
                "reportTimeInUtc",
                report.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            )
            .with("status", report.status.as_str())
            .with("fileUri", render.file_sas(&report.blob, false)),
    ]
}

async fn write_text(
    blobs: &dyn BlobStore,
    blob: &str,
    data: Vec<u8>,
    now: DateTime<Utc>,
) -> io::Result<()> {
    let properties = BlobProperties {
        content_type: Some("text/plain; charset=utf-8".into()),
        ..BlobProperties::default()
    };
    let content = futures::stream::once(async move { Ok(Bytes::from(data)) }).boxed();
    write_blob(blobs, FILE_CONTAINER, blob, content, properties, now).await
}
