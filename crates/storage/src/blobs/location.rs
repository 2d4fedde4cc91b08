//! The `--blobs` setting: where blobs live, and opening the store it names.
//!
//! `file://DIR` (or a plain path) is the local store; `s3://bucket/prefix` and
//! `az://container/prefix` go through the `object_store` crate, which takes its credentials
//! and endpoints from the usual environment variables (`AWS_*`, `AZURE_STORAGE_*`).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::path::Path;
use object_store::prefix::PrefixStore;

use super::{BlobStore, FileBlobStore, ObjectBlobStore};

/// The object storage services `--blobs` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectService {
    /// Amazon S3 or an S3-compatible server (`s3://bucket/prefix`).
    S3,
    /// Azure Blob Storage or Azurite (`az://container/prefix`).
    Azure,
}

impl ObjectService {
    fn scheme(self) -> &'static str {
        match self {
            Self::S3 => "s3",
            Self::Azure => "az",
        }
    }
}

/// Where blobs are stored.
#[derive(Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A directory on local disk.
    Directory(PathBuf),
    /// A bucket or container (boxed: the setting rides in every server configuration).
    Object(Box<ObjectLocation>),
}

/// A bucket or container, under a key prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct ObjectLocation {
    pub service: ObjectService,
    /// Bucket (S3) or container (Azure).
    pub bucket: String,
    /// Key prefix without leading or trailing slashes; may be empty.
    pub prefix: String,
    /// Settings that win over the environment, as `object_store` config keys
    /// (`aws_endpoint`, `azure_storage_account_key`…): how tests point one process at
    /// several local servers.
    pub options: Vec<(String, String)>,
}

impl BlobLocation {
    /// Parses `file://DIR`, a plain path, `s3://bucket[/prefix]` or `az://container[/prefix]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let Some((scheme, rest)) = text.split_once("://") else {
            if text.is_empty() {
                return Err("the blob location is empty".into());
            }
            return Ok(Self::Directory(PathBuf::from(text)));
        };
        let service = match scheme.to_ascii_lowercase().as_str() {
            "file" if !rest.is_empty() => return Ok(Self::Directory(PathBuf::from(rest))),
            "file" => return Err("file:// needs a directory, e.g. file:///var/lib/blobs".into()),
            "s3" => ObjectService::S3,
            "az" | "azure" => ObjectService::Azure,
            other => {
                return Err(format!(
                    "unsupported blob location scheme {other}://: use file://, s3:// or az://"
                ));
            }
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!(
                "{scheme}:// needs a {} name",
                match service {
                    ObjectService::S3 => "bucket",
                    ObjectService::Azure => "container",
                }
            ));
        }
        Ok(Self::Object(Box::new(ObjectLocation {
            service,
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            options: Vec::new(),
        })))
    }

    /// Adds settings that win over the environment (object stores only).
    #[must_use]
    pub fn with_options<K: Into<String>, V: Into<String>>(
        mut self,
        extra: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        if let Self::Object(object) = &mut self {
            object
                .options
                .extend(extra.into_iter().map(|(k, v)| (k.into(), v.into())));
        }
        self
    }
}

/// The location as written on the command line; options are left out, since they may hold
/// secrets.
impl fmt::Display for BlobLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Directory(dir) => write!(f, "file://{}", dir.display()),
            Self::Object(object) => {
                write!(f, "{}://{}", object.service.scheme(), object.bucket)?;
                if !object.prefix.is_empty() {
                    write!(f, "/{}", object.prefix)?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for BlobLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobLocation({self})")
    }
}

/// Opens the store `location` names, and checks that it is reachable, so that a wrong
/// bucket or credential stops the server at start-up rather than failing uploads later.
pub async fn open(location: &BlobLocation) -> io::Result<Arc<dyn BlobStore>> {
    let object = match location {
        BlobLocation::Directory(dir) => {
            let dir = dir.clone();
            let store = tokio::task::spawn_blocking(move || FileBlobStore::open(dir))
                .await
                .map_err(io::Error::other)??;
            return Ok(Arc::new(store));
        }
        BlobLocation::Object(object) => object,
    };
    let unreachable = |error: &dyn fmt::Display| {
        io::Error::other(format!("blob store {location} is not usable: {error}"))
    };
    let store = build(object).map_err(|e| unreachable(&e))?;
    let store: Arc<dyn ObjectStore> = if object.prefix.is_empty() {
        store
    } else {
        Arc::new(PrefixStore::new(store, Path::from(object.prefix.as_str())))
    };
    store
        .list_with_delimiter(None)
        .await
        .map_err(|e| unreachable(&e))?;
    Ok(Arc::new(ObjectBlobStore::new(store, location.to_string())))
}

/// The client for the bucket or container: the environment first, then `options`.
fn build(location: &ObjectLocation) -> Result<Arc<dyn ObjectStore>, String> {
    let ObjectLocation {
        service,
        bucket,
        options,
        ..
    } = location;
    Ok(match service {
        ObjectService::S3 => {
            let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
            for (key, value) in options {
                let key: AmazonS3ConfigKey = key
                    .to_ascii_lowercase()
                    .parse()
                    .map_err(|e: object_store::Error| format!("unknown S3 setting {key}: {e}"))?;
                builder = builder.with_config(key, value);
            }
            Arc::new(builder.build().map_err(|e| e.to_string())?)
        }
        ObjectService::Azure => {
            let mut builder = MicrosoftAzureBuilder::from_env().with_container_name(bucket);
            for (key, value) in options {
                let key: AzureConfigKey =
                    key.to_ascii_lowercase()
                        .parse()
                        .map_err(|e: object_store::Error| {
                            format!("unknown Azure setting {key}: {e}")
                        })?;
                builder = builder.with_config(key, value);
            }
            Arc::new(builder.build().map_err(|e| e.to_string())?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        assert_eq!(
            BlobLocation::parse("file:///var/blobs"),
            Ok(BlobLocation::Directory("/var/blobs".into()))
        );
        assert_eq!(
            BlobLocation::parse("./data/blobs"),
            Ok(BlobLocation::Directory("./data/blobs".into()))
        );
        let s3 = BlobLocation::parse("s3://bucket/some/prefix/").expect("s3");
        assert_eq!(s3.to_string(), "s3://bucket/some/prefix");
        let az = BlobLocation::parse("az://container").expect("az");
        assert_eq!(az.to_string(), "az://container");
        assert!(BlobLocation::parse("s3:///prefix").is_err());
        assert!(BlobLocation::parse("gs://bucket").is_err());
        assert!(BlobLocation::parse("file://").is_err());
    }

    #[tokio::test]
    async fn unknown_settings_are_refused() {
        let location = BlobLocation::parse("s3://bucket")
            .expect("s3")
            .with_options([("aws_nonsense", "1")]);
        let error = open(&location).await.expect_err("refused");
        assert!(error.to_string().contains("aws_nonsense"), "{error}");
    }
}
