//! Unit tests of the domain services (`storeroom_domain::service`) on a store of each test's
//! own (`storeroom_testkit::store`): the rules each operation applies, without HTTP. Here
//! rather than in the domain crate, which cannot use the storage crate (storage depends on
//! it). One binary with a module per service.

mod add_ons;
mod apps;
mod certification;
mod flights;
mod sellers;

use storeroom_domain::DomainError;
use storeroom_domain::application::Application;
use storeroom_domain::service::Service;
use storeroom_testkit::store::{TempStore, service};
use storeroom_wire::devcenter::StatusCode;

/// A fresh store, its services, the development seller's id and one reserved app of theirs.
pub struct World {
    pub _store: TempStore,
    pub service: Service,
    pub seller: String,
    pub app: Application,
}

pub async fn world() -> World {
    let (store, service, account) = service().await;
    let seller = account.seller.id.clone();
    let app = service
        .reserve_application(&seller, "Contoso Reader", false)
        .await
        .expect("reserve");
    World {
        _store: store,
        service,
        seller,
        app,
    }
}

/// A 404 naming `target`.
#[track_caller]
pub fn assert_not_found(error: DomainError, target: &str) {
    match error {
        DomainError::NotFound { target: named, .. } => assert_eq!(named, target),
        other => panic!("expected not found ({target}), got {other:?}"),
    }
}

/// A 409 `InvalidState` naming `target`.
#[track_caller]
pub fn assert_invalid_state(error: DomainError, target: &str) {
    match error {
        DomainError::Conflict {
            code,
            target: named,
            ..
        } => {
            assert_eq!(code, StatusCode::InvalidState);
            assert_eq!(named, target);
        }
        other => panic!("expected a conflict ({target}), got {other:?}"),
    }
}

/// A 400 naming `target`.
#[track_caller]
pub fn assert_invalid(error: DomainError, target: &str) {
    match error {
        DomainError::Invalid { target: named, .. } => assert_eq!(named, target),
        other => panic!("expected an invalid value ({target}), got {other:?}"),
    }
}
