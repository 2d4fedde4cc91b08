//! Reset and snapshots: the database part in one store transaction (the store's write
//! lock, so no pipeline step or API write interleaves), the blob part through the blob
//! store, while that transaction is open. A snapshot's blobs are copies kept in the blob
//! store under the container [`SNAPSHOTS`] (a name no Azure container can have), as
//! `<snapshot>/<container>/<blob>`.

use std::io;

use chrono::{DateTime, Utc};
use storeroom_domain::opsstate::{OpsStore, OpsTransaction, SnapshotInfo};
use storeroom_domain::store::StoreError;
use storeroom_storage::blobs::{BlobMeta, BlobStore, copy_blob, remove_blob};

/// The container snapshot copies live in.
pub const SNAPSHOTS: &str = "$snapshots";

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("no snapshot is named '{0}'")]
    NotFound(String),
    #[error("a snapshot named '{0}' exists: delete it first")]
    Exists(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the blob store failed: {0}")]
    Blobs(#[from] io::Error),
}

pub struct Snapshots<'a> {
    pub store: &'a dyn OpsStore,
    pub blobs: &'a dyn BlobStore,
}

impl Snapshots<'_> {
    /// Removes the catalogue, its blobs and the fault rules (the caller clears the journal).
    pub async fn reset(&self) -> Result<(), SnapshotError> {
        let mut tx = self.store.begin_ops().await?;
        tx.reset().await?;
        for blob in self.live_blobs().await? {
            remove_blob(self.blobs, &blob.container, &blob.blob).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn save(
        &self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<SnapshotInfo, SnapshotError> {
        let live = self.live_blobs().await?;
        let info = SnapshotInfo {
            name: name.to_string(),
            created: now,
            blobs: live.len() as u64,
        };
        let mut tx = self.store.begin_ops().await?;
        if !tx.save_snapshot(&info).await? {
            return Err(SnapshotError::Exists(name.to_string()));
        }
        // Copies left by an earlier snapshot of this name whose save failed half way.
        self.remove_copies(name).await?;
        for blob in &live {
            copy_blob(self.blobs, blob, SNAPSHOTS, &copy_name(name, blob), now).await?;
        }
        tx.commit().await?;
        Ok(info)
    }

    pub async fn restore(
        &self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<SnapshotInfo, SnapshotError> {
        let mut tx = self.store.begin_ops().await?;
        let info = tx
            .restore_snapshot(name)
            .await?
            .ok_or_else(|| SnapshotError::NotFound(name.to_string()))?;
        let all = self.blobs.list_blobs().await?;
        for blob in all.iter().filter(|blob| blob.container != SNAPSHOTS) {
            remove_blob(self.blobs, &blob.container, &blob.blob).await?;
        }
        for copy in all.iter().filter(|blob| blob.container == SNAPSHOTS) {
            if let Some((container, blob)) = original(name, &copy.blob) {
                copy_blob(self.blobs, copy, container, blob, now).await?;
            }
        }
        commit(tx).await?;
        Ok(info)
    }

    pub async fn delete(&self, name: &str) -> Result<(), SnapshotError> {
        let mut tx = self.store.begin_ops().await?;
        if !tx.delete_snapshot(name).await? {
            return Err(SnapshotError::NotFound(name.to_string()));
        }
        self.remove_copies(name).await?;
        commit(tx).await
    }

    async fn live_blobs(&self) -> io::Result<Vec<BlobMeta>> {
        let mut blobs = self.blobs.list_blobs().await?;
        blobs.retain(|blob| blob.container != SNAPSHOTS);
        Ok(blobs)
    }

    async fn remove_copies(&self, name: &str) -> io::Result<()> {
        for copy in self.blobs.list_blobs().await? {
            if copy.container == SNAPSHOTS && original(name, &copy.blob).is_some() {
                remove_blob(self.blobs, SNAPSHOTS, &copy.blob).await?;
            }
        }
        Ok(())
    }
}

async fn commit(tx: Box<dyn OpsTransaction>) -> Result<(), SnapshotError> {
    Ok(tx.commit().await?)
}

fn copy_name(snapshot: &str, blob: &BlobMeta) -> String {
    format!("{snapshot}/{}/{}", blob.container, blob.blob)
}

/// The container and blob a copy of snapshot `snapshot` was made from.
fn original<'a>(snapshot: &str, copy: &'a str) -> Option<(&'a str, &'a str)> {
    copy.strip_prefix(snapshot)?
        .strip_prefix('/')?
        .split_once('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_name_their_snapshot_container_and_blob() {
        assert_eq!(
            original("base", "base/uploads/a/b.zip"),
            Some(("uploads", "a/b.zip"))
        );
        assert_eq!(original("base", "base2/uploads/a"), None);
        assert_eq!(original("base", "other/uploads/a"), None);
    }
}
