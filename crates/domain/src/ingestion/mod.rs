//! The Partner Center ingestion API's domain (seed 003, partner-ingestion.md): Azure
//! Marketplace offers made of modules and plans, their draft and frozen instances, files,
//! and submissions that go through a Preview and a Live workflow under the same pipeline
//! policy as app submissions.
//!
//! Modules, one job each: `resource` (resources, modules, instances, ids), `offer` (the
//! offer aggregate and what creating it and its plans creates), `service` (offer, setup
//! and plan operations), `edits` (resources inside instances), `files` (packages, co-sell
//! assets), `submission` (the submission and its state machine), `submit` (creating,
//! promoting, cancelling, and the workflow steps), `validation` (automated validation),
//! `store` (the storage it needs).

pub mod edits;
pub mod error;
pub mod files;
pub mod offer;
pub mod resource;
pub mod service;
pub mod store;
pub mod submission;
pub mod submit;
pub mod validation;

pub use error::{IngestionError, IngestionResult};
pub use service::IngestionService;
