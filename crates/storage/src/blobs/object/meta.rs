//! The metadata sidecar (`meta.json`) of a blob in an object store, and its conditional
//! replacement: the commit point every instance sharing the store agrees on.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, UpdateVersion};

use crate::blobs::model::BlobMeta;

/// A committed state and the version of the object that holds it.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub meta: BlobMeta,
    pub version: UpdateVersion,
}

pub(crate) async fn read(store: &dyn ObjectStore, path: &Path) -> io::Result<Option<Stored>> {
    let result = match store.get(path).await {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let version = UpdateVersion {
        e_tag: result.meta.e_tag.clone(),
        version: result.meta.version.clone(),
    };
    let bytes = result.bytes().await?;
    let meta = serde_json::from_slice(&bytes)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok(Some(Stored { meta, version }))
}

/// Whether a write replaced the state it was meant to replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Yes,
    /// Another commit came first: read the state again and decide anew.
    Conflict,
}

/// Writes sidecars, conditionally where the service allows it.
#[derive(Debug)]
pub(crate) struct MetaWriter {
    conditional: AtomicBool,
}

impl Default for MetaWriter {
    fn default() -> Self {
        Self {
            conditional: AtomicBool::new(true),
        }
    }
}

impl MetaWriter {
    /// Writes `meta` if the sidecar is still `replacing` (None: still absent). Services
    /// without conditional writes (`AWS_CONDITIONAL_PUT=disabled`, older S3-compatible
    /// servers) get plain overwrites, with a warning: then only one instance may write.
    pub(crate) async fn write(
        &self,
        store: &dyn ObjectStore,
        path: &Path,
        meta: &BlobMeta,
        replacing: Option<&UpdateVersion>,
    ) -> io::Result<Written> {
        let body = serde_json::to_vec(meta).map_err(io::Error::other)?;
        let mode = match (self.conditional.load(Ordering::Relaxed), replacing) {
            (false, _) => PutMode::Overwrite,
            (true, None) => PutMode::Create,
            (true, Some(version)) => PutMode::Update(version.clone()),
        };
        let conditional = mode != PutMode::Overwrite;
        match store.put_opts(path, body.clone().into(), mode.into()).await {
            Ok(_) => Ok(Written::Yes),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(Written::Conflict),
            Err(
                error @ (object_store::Error::NotImplemented { .. }
                | object_store::Error::NotSupported { .. }),
            ) if conditional => {
                if self.conditional.swap(false, Ordering::Relaxed) {
                    tracing::warn!(
                        %error,
                        "the blob store cannot write conditionally; commits now overwrite, \
                         so only one storeroom instance may share it"
                    );
                }
                store.put(path, body.into()).await?;
                Ok(Written::Yes)
            }
            Err(error) => Err(error.into()),
        }
    }
}
