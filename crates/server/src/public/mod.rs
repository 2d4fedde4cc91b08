//! The pages served without a token: certification reports at their `reportUrl`
//! (`crate::reports`) and the store front (`crate::storefront`).
//!
//! One operation each, so they share one small enum and one dispatcher rather than a
//! surface apiece: what they have in common is what a dispatcher decides (no caller to
//! check, the devcenter error body, the front door's 404 and 405), while what each page
//! answers stays in its own module with its declaration.

mod dispatch;
mod operation;

pub use dispatch::{REPORTS, STORE, routes};
