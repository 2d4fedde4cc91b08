//! storeroom's domain: accounts, products, submissions and the rules of their lifecycle.
//! No HTTP and no SQL live here; storage is reached through the traits in [`store`].

pub mod accounts;
pub mod add_on_input;
pub mod application;
pub mod clock;
pub mod content;
pub mod dashboard_session;
pub mod delivery;
pub mod error;
pub mod flight;
pub mod flight_group;
pub mod ids;
pub mod in_app_product;
pub mod ingestion;
pub mod jobs;
pub mod leniency;
pub mod media;
pub mod msi;
pub mod opsstate;
pub mod packages;
pub mod panics;
pub mod pipeline;
pub mod product;
pub mod product_record;
pub mod report;
pub mod rollout;
pub mod rules;
pub mod seed;
pub mod service;
pub mod store;
pub mod submission;
pub mod update;

pub use clock::Clock;
pub use error::{DomainError, DomainResult};
pub use leniency::Leniency;
pub use service::Service;
