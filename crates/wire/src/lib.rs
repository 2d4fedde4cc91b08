//! Serde types of the wire formats storeroom speaks: the devcenter API's JSON resources and
//! error bodies, the Azure AD token responses, and the lenient reader every JSON input goes
//! through. No logic and no IO live here.

pub mod aad;
pub mod dates;
pub mod devcenter;
pub mod ingestion;
pub mod lenient;
pub mod msi;
pub mod overlay;
