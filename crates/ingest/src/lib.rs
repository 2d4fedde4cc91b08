//! Ingestion: archive inspection, the job runner, and the devcenter pipeline steps it runs
//! behind commit.

pub mod archive;
pub mod images;
pub mod inspect;
pub mod limits;
pub mod manifest;
pub mod marketplace;
pub mod runner;
pub mod steps;
pub mod worker;

pub use images::{ImageFormat, ImageInfo};
pub use inspect::{
    Finding, InspectedPackage, InspectionRequest, PackageKind, SubmissionArchive,
    inspect_submission,
};
pub use limits::ArchiveLimits;
pub use manifest::{PackageManifest, TargetDeviceFamily};
pub use runner::{JobHandler, Runner, Runners};
pub use worker::DevcenterJobs;
