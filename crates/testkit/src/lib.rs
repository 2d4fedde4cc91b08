//! What storeroom's tests share: real archives and images built at test time
//! ([`fixtures`]), a scratch PostgreSQL schema per test ([`scratch`]), waiting for a
//! condition with a deadline instead of sleeping ([`eventually`]), and, with the `app`
//! feature, a real server driven over HTTP ([`app`]) and temporary stores for unit tests.

pub mod eventually;
pub mod fixtures;
pub mod scratch;

#[cfg(feature = "app")]
pub mod app;
#[cfg(feature = "app")]
pub mod store;

pub use eventually::eventually;
