//! Server settings, set by `storeroom serve` flags and `STOREROOM_*` variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use storeroom_domain::pipeline::PipelinePolicy;
pub use storeroom_ingest::ArchiveLimits;
pub use storeroom_storage::blobs::BlobLocation;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Base URL clients reach this server at; defaults to `http://<listen address>`.
    pub public_url: Option<String>,
    /// Base URL of the blob endpoint including the account for path-style URLs; defaults to
    /// `<public url>/<blob account>`.
    pub public_blob_url: Option<String>,
    /// Storage account name in upload URLs.
    pub blob_account: String,
    pub pipeline: PipelinePolicy,
    /// How much of an uploaded archive PreProcessing accepts to read.
    pub archive_limits: ArchiveLimits,
    /// MSI/EXE package processing fetches each package URL (HEAD, then a capped GET) instead
    /// of only checking that it is a well-formed https URL.
    pub verify_package_urls: bool,
    /// Where uploaded blobs are kept: a directory or an S3/Azure bucket shared by every
    /// instance. None: `<data_dir>/blobs`.
    pub blobs: Option<BlobLocation>,
    /// The database: None for the embedded SQLite file `<data_dir>/storeroom.db`, or a URL
    /// (`postgres://…` for a PostgreSQL server several instances share, `sqlite://PATH`).
    pub database: Option<String>,
    /// How long a pipeline job stays leased to the instance running it without renewal:
    /// how soon another instance takes over the jobs of one that died.
    pub job_lease: Duration,
    /// A second listener serving every surface over HTTPS, with a certificate from the local
    /// CA for the production host names (`--tls-listen`). With it, the URLs handed out
    /// default to the production shapes.
    pub tls_listen: Option<SocketAddr>,
    /// More names (or IP addresses) the HTTPS certificate carries (`--tls-name`).
    pub tls_names: Vec<String>,
    /// Whether the pipeline runs by itself. Off, jobs run only when a test drains them
    /// ([`crate::Running::drain_pipeline`]), which makes the pipeline deterministic.
    pub background_jobs: bool,
    /// Strict (the default) refuses what the real service refuses even where every known
    /// client already avoids it; relaxed accepts those requests (`--leniency`).
    pub leniency: storeroom_domain::Leniency,
    /// How much request journal is kept (`--journal-max-entries`, `--journal-max-bytes`);
    /// 0 entries turns the journal off.
    pub journal: storeroom_domain::opsstate::JournalBounds,
}

impl ServerConfig {
    /// Defaults for a data directory: loopback on an ephemeral port, immediate pipeline.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            public_url: None,
            public_blob_url: None,
            blob_account: DEFAULT_BLOB_ACCOUNT.into(),
            pipeline: PipelinePolicy::default(),
            archive_limits: ArchiveLimits::default(),
            verify_package_urls: false,
            blobs: None,
            database: None,
            job_lease: storeroom_ingest::runner::DEFAULT_LEASE,
            tls_listen: None,
            tls_names: Vec::new(),
            background_jobs: true,
            leniency: storeroom_domain::Leniency::Strict,
            journal: crate::opsstate::journal::DEFAULT_BOUNDS,
        }
    }

    /// Where blobs are kept, with the default filled in.
    pub fn blob_location(&self) -> BlobLocation {
        self.blobs
            .clone()
            .unwrap_or_else(|| BlobLocation::Directory(self.data_dir.join("blobs")))
    }
}

pub const DEFAULT_BLOB_ACCOUNT: &str = "productingestionbin1";
