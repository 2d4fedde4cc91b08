//! MSI/EXE products and the submission API of seed 001: the draft and its modules, the
//! seed's value tables and field rules, listing assets, package processing and the
//! submission lifecycle, and the storage trait they need ([`store::MsiStore`]).

pub mod assets;
pub mod draft;
pub mod error;
pub mod formats;
pub mod lifecycle;
pub mod product;
pub mod service;
pub mod store;
pub mod tables;
pub mod validate;

pub use error::{MsiError, MsiResult, Problem};
pub use service::MsiService;
