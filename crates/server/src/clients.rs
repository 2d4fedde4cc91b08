//! Azure AD clients by id, remembered once read. A client record is written once (on first
//! start, or when the admin API adds a seller with its client) and never changed or
//! deleted, so a remembered copy cannot go stale, on this instance or on any other sharing
//! the database. Every devcenter and MSI request looks its caller's client up; remembering
//! them saves that statement on all but the first.

use std::collections::HashMap;
use std::sync::RwLock;

use storeroom_domain::accounts::AadClient;
use storeroom_domain::store::{Store, StoreResult};

/// At most this many clients are remembered; past it the memory starts over. Only clients
/// that exist get in (their tokens carry a valid signature), so this is a bound, not a
/// working size.
const CAPACITY: usize = 4096;

#[derive(Default)]
pub struct KnownClients {
    by_id: RwLock<HashMap<String, AadClient>>,
}

impl KnownClients {
    /// The client `client_id` (any letter case, as the store matches it), from memory or
    /// the store. Unknown ids are not remembered: a client created later is found.
    pub async fn get(&self, store: &dyn Store, client_id: &str) -> StoreResult<Option<AadClient>> {
        let key = client_id.to_ascii_lowercase();
        if let Some(client) = self.read().get(&key) {
            return Ok(Some(client.clone()));
        }
        let found = store.client(client_id).await?;
        if let Some(client) = &found {
            let mut by_id = self
                .by_id
                .write()
                .unwrap_or_else(|poison| poison.into_inner());
            if by_id.len() >= CAPACITY {
                by_id.clear();
            }
            by_id.insert(key, client.clone());
        }
        Ok(found)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, AadClient>> {
        self.by_id
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}
