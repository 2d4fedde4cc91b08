//! The storeroom server: one listener serving the Azure AD token endpoint, the devcenter API,
//! the blob endpoint behind upload URLs and the admin API, plus the pipeline's job runners.

pub mod aad;
pub mod admin;
pub mod auth;
pub mod blob;
pub mod canonical;
pub mod client_admin;
pub mod clients;
pub mod config;
pub mod correlation;
pub mod dashboard;
pub mod devcenter;
pub mod dispatch;
pub mod errors;
pub mod front;
pub mod ingestion;
pub mod keys;
pub mod listen;
pub mod msi;
pub mod openapi;
pub mod ops;
pub mod opsstate;
mod policy_routes;
pub mod public;
pub mod reports;
pub mod state;
pub mod storefront;
pub mod surface;
pub mod tls;
pub mod token_memo;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use serde_json::json;
use storeroom_domain::accounts::DevelopmentAccount;
use storeroom_domain::pipeline::Policies;
use storeroom_domain::{Clock, Service};
use storeroom_ingest::runner::{JobHandler, Runner, Runners};
use storeroom_ingest::steps::Steps;
use storeroom_ingest::worker::DevcenterJobs;
use storeroom_storage::{Database, DatabaseUrl};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use utoipa_axum::router::OpenApiRouter;

pub use config::ServerConfig;
pub use storeroom_domain::Leniency;
pub use storeroom_domain::pipeline as domain_pipeline;

use crate::blob::{BlobEndpoint, BlobService};
use crate::front::Front;
use crate::keys::SigningKeys;
use crate::state::{AppParts, AppState};

/// A server that is listening.
pub struct Running {
    pub addr: SocketAddr,
    /// The HTTPS listener's address, when `tls_listen` is set.
    pub tls_addr: Option<SocketAddr>,
    pub public_url: String,
    pub account: DevelopmentAccount,
    server: JoinHandle<()>,
    tls_server: Option<JoinHandle<()>>,
    /// The job runners (unless started without), the shared clock's follower and the
    /// metrics' upkeep.
    background: JoinHandle<()>,
    runners: Runners,
    /// The journal's last entries are stored when the server stops gracefully.
    opsstate: Arc<opsstate::OpsState>,
    /// Tells both listeners to stop accepting and finish the requests in flight.
    draining: tokio::sync::watch::Sender<bool>,
}

impl Running {
    /// Serves until `stop` completes (a signal), then stops gracefully (see
    /// [`Running::shutdown`]); or until the listener's task ends (it panicked).
    pub async fn serve_until(mut self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        tokio::select! {
            result = &mut self.server => {
                self.background.abort();
                Ok(result?)
            }
            () = stop => self.shutdown().await,
        }
    }

    /// Stops gracefully: the listeners stop accepting at once; the job runners stop and
    /// hand back the leases of the jobs they were running (on a shared database another
    /// instance takes them at once; here, the next start does); then the requests in flight
    /// are finished, and this returns.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        let _ = self.draining.send(true);
        self.background.abort();
        // Aborted at its next await: once it has ended no runner claims another job.
        let _ = (&mut self.background).await;
        match self.runners.release_leases().await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "job leases handed back"),
            Err(err) => {
                tracing::warn!(error = %err, "cannot hand back job leases: they run out instead");
            }
        }
        tracing::info!("finishing the requests in flight");
        if let Some(tls) = &mut self.tls_server {
            let _ = tls.await;
        }
        (&mut self.server).await?;
        if let Err(err) = self.opsstate.journal.flush().await {
            tracing::warn!(error = %err, "cannot store the last request journal entries");
        }
        tracing::info!("stopped");
        Ok(())
    }

    /// Stops serving and the background jobs at once (tests).
    pub fn stop(&self) {
        self.server.abort();
        if let Some(tls) = &self.tls_server {
            tls.abort();
        }
        self.background.abort();
    }

    /// Runs every pipeline job due now, on every queue, to completion in the calling task,
    /// including the jobs they enqueue due at once; returns when none is due. With
    /// `background_jobs` off this is the only way jobs run, so a test moves the pipeline
    /// exactly as far as it means to.
    pub async fn drain_pipeline(&self) {
        if let Err(err) = self.runners.drain().await {
            // The store failed; the job stays queued, and the caller sees it unfinished.
            tracing::error!(error = %err, "draining the pipeline failed");
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The routes of every surface, after path normalization, with their OpenAPI description
/// (see [`openapi`]): each surface's `routes()` declares both.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(aad::routes())
        .merge(devcenter::routes())
        .merge(admin::routes())
        .merge(client_admin::routes())
        .merge(public::routes())
        .merge(msi::routes())
        .merge(ingestion::routes())
        .merge(opsstate::routes::routes())
        .merge(dashboard::routes().into())
}

/// The API router, serving the OpenAPI document of its own routes and of the blob
/// endpoint's operations.
pub fn api_router(state: AppState) -> Router {
    let (router, document) = api_routes().split_for_parts();
    canonical::learn(&document);
    let document = openapi::complete(document, &state.blob.endpoint().account);
    router
        .merge(openapi::routes(&document))
        .fallback(front::not_found)
        .method_not_allowed_fallback(front::method_not_allowed)
        .with_state(state)
}

/// Opens the data directory, binds the listener and starts serving.
pub async fn start(config: ServerConfig) -> anyhow::Result<Running> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let database_url = DatabaseUrl::parse(config.database.as_deref(), &config.data_dir)?;
    let database = Database::open(&database_url)
        .await
        .with_context(|| format!("cannot open the database {}", database_url.describe()))?;
    tracing::info!(database = %database_url.describe(), "database opened");
    let store = database.store();
    let blob_location = config.blob_location();
    let blobs = storeroom_storage::blobs::open(&blob_location)
        .await
        .with_context(|| format!("cannot open the blob store {blob_location}"))?;
    tracing::info!(blobs = %blobs.describe(), "blob store opened");
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let tls_listener = match config.tls_listen {
        Some(tls_listen) => Some(
            TcpListener::bind(tls_listen)
                .await
                .with_context(|| format!("cannot listen for HTTPS on {tls_listen}"))?,
        ),
        None => None,
    };
    let tls_addr = tls_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;
    let (public_url, public_blob_url) = public_urls(&config, addr, tls_addr);
    let partner_url = partner_url(&config, &public_url, tls_addr);
    let report_base: Arc<str> = format!("{public_url}/ui/reports").into();
    let clock = Arc::new(Clock::new());
    let policies = Arc::new(Policies::new(config.pipeline.clone()));
    let service = Service {
        store: store.clone(),
        clock: clock.clone(),
        policies: policies.clone(),
        report_base: report_base.clone(),
        leniency: config.leniency,
        parsed: Default::default(),
    };

    let account = service
        .bootstrap()
        .await
        .context("cannot create the development account")?;
    let keys = load_keys(&service).await?;
    let sas_key = load_sas_key(&service).await?;
    load_clock_offset(store.as_ref(), &clock).await?;
    write_credentials(&config, &account)?;
    let tls_config = match tls_addr {
        Some(tls_addr) => {
            let ca = tls::LocalCa::load_or_create(store.as_ref())
                .await
                .context("cannot load the local certificate authority")?;
            let ca_path = config.data_dir.join("ca.pem");
            ca.write_certificate(&ca_path)?;
            tracing::info!(path = %ca_path.display(), "local CA certificate written: trust it to reach storeroom over HTTPS (storeroom tls trust)");
            Some(tls::server_config(
                &ca,
                &tls::leaf_names(tls_addr, &config.tls_names),
            )?)
        }
        None => None,
    };

    let blob = BlobService::new(
        blobs.clone(),
        clock.clone(),
        sas_key,
        BlobEndpoint {
            account: config.blob_account.clone(),
            public_base: public_blob_url,
        },
    );

    let msi = Arc::new(msi::MsiState {
        service: storeroom_domain::msi::MsiService {
            store: database.msi_store(),
            accounts: store.clone(),
            clock: clock.clone(),
            policies: policies.clone(),
        },
        blobs: blobs.clone(),
        throttle: Default::default(),
    });
    let msi_jobs = msi::jobs(&msi, config.verify_package_urls);
    let ingestion = Arc::new(ingestion::IngestionState {
        service: storeroom_domain::ingestion::IngestionService {
            store: database.ingestion_store(),
            clock: clock.clone(),
            policies: policies.clone(),
            leniency: config.leniency,
        },
        blobs: blobs.clone(),
        limits: config.archive_limits.clone(),
    });
    let offer_jobs = ingestion::jobs(&ingestion);
    let devcenter_jobs = DevcenterJobs {
        service: service.clone(),
        steps: Steps {
            store: store.clone(),
            blobs: blobs.clone(),
            limits: config.archive_limits.clone(),
        },
    };
    let handlers: [Arc<dyn JobHandler>; 3] = [
        Arc::new(devcenter_jobs),
        Arc::new(msi_jobs),
        Arc::new(offer_jobs),
    ];
    let queues: Vec<&str> = handlers.iter().map(|handler| handler.queue()).collect();
    let metrics = Arc::new(ops::Metrics::new(&queues));
    let runners = Runners::new(
        handlers
            .into_iter()
            .map(|handler| {
                Runner::new(store.clone(), clock.clone(), handler, config.job_lease)
                    .metered(metrics.recorder())
            })
            .collect(),
    );
    let opsstate = Arc::new(
        opsstate::OpsState::load(
            database.ops_store(),
            database.journal_store(),
            blobs.clone(),
            config.journal,
            metrics.recorder(),
        )
        .await
        .context("cannot load the fault rules")?,
    );
    let state = AppState::new(AppParts {
        service,
        clock: clock.clone(),
        keys: Arc::new(keys),
        blob: Arc::new(blob.metered(metrics.recorder().as_ref())),
        account: Arc::new(account.clone()),
        public_url: public_url.clone().into(),
        partner_url: partner_url.into(),
        msi,
        ingestion,
        verified: Default::default(),
        opsstate: opsstate.clone(),
    });

    // Jobs leased by a previous process of an embedded store are ready again at once. On a
    // shared database another instance may be running them: a dead holder's leases expire.
    if !database.is_shared() {
        store.release_all_leases().await?;
    }
    let clock_follower = database
        .is_shared()
        .then(|| follow_clock(store.clone(), clock.clone()));
    let background_runners = config.background_jobs.then(|| runners.clone());
    let upkept = metrics.clone();
    let operated = opsstate.clone().run(database.is_shared());
    // Runners, clock follower and upkeep run under one task, so that stopping the server
    // stops all.
    let background = tokio::spawn(async move {
        let follow = async move {
            if let Some(follower) = clock_follower {
                follower.await;
            }
        };
        let run = async move {
            if let Some(runners) = background_runners {
                runners.run().await;
            }
        };
        let upkeep = async move {
            loop {
                tokio::time::sleep(ops::UPKEEP_EVERY).await;
                upkept.upkeep();
            }
        };
        tokio::join!(run, follow, upkeep, operated);
    });

    let front = Front {
        api: with_bench_ping(api_router(state.clone()))
            .route_layer(axum::middleware::from_fn(front::remember_route)),
        ops: Arc::new(ops::Ops {
            metrics,
            database,
            store: store.clone(),
            blobs,
            clock: clock.clone(),
        }),
        state,
    };
    let app = Router::new().fallback(front::dispatch).with_state(front);
    let (draining, drain) = tokio::sync::watch::channel(false);
    let drained = move || {
        let mut drain = drain.clone();
        async move {
            let _ = drain.wait_for(|draining| *draining).await;
        }
    };
    let tls_server = tls_listener.zip(tls_config).map(|(listener, tls_config)| {
        let acceptor = tokio_rustls::TlsAcceptor::from(tls_config);
        tokio::spawn(listen::serve(
            listener,
            Some(acceptor),
            app.clone(),
            drained(),
        ))
    });
    let server = tokio::spawn(listen::serve(listener, None, app, drained()));
    Ok(Running {
        addr,
        tls_addr,
        tls_server,
        public_url,
        account,
        server,
        background,
        runners,
        opsstate,
        draining,
    })
}

/// `bench/run`'s ceiling: with `STOREROOM_BENCH_PING=1` in the environment, `GET /bench/ping`
/// answers `{}` through the same listener, front door and router as every API route, but
/// does no work of its own (no token, no database). Its throughput is the most the server
/// stack can serve on the machine, which the benchmark holds the real routes against.
/// Without the variable the route does not exist (404 like any unknown path).
fn with_bench_ping(api: Router) -> Router {
    if std::env::var_os("STOREROOM_BENCH_PING").is_some_and(|v| v == "1") {
        api.route(
            "/bench/ping",
            axum::routing::get(|| async { axum::Json(json!({})) }),
        )
    } else {
        api
    }
}

/// Loads the stored clock offset. One beyond the clock's bound (written by a build that had
/// none, and which made every request that read the clock panic) is clamped to the bound and
/// stored back, with a warning, so the data directory serves again.
async fn load_clock_offset(
    store: &dyn storeroom_domain::store::Store,
    clock: &Clock,
) -> anyhow::Result<()> {
    let Some(stored) = store.setting("clock_offset_ms").await? else {
        return Ok(());
    };
    if let Some(repaired) = storeroom_domain::clock::load_stored_offset(clock, &stored) {
        tracing::warn!(
            stored = %stored,
            repaired = %repaired,
            "the stored clock offset (milliseconds) is outside 0..=100 years: clamped and stored back"
        );
        let mut tx = store.begin().await?;
        tx.put_setting("clock_offset_ms", &repaired).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// How often an instance on a shared database looks for a clock offset another one stored.
const CLOCK_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// Follows `POST /admin/v1/clock` made on other instances of a shared database: the offset
/// is stored, and each instance catches up with it (never back), so tokens, SAS expiry and
/// pipeline delays agree across instances within one poll.
async fn follow_clock(store: Arc<dyn storeroom_domain::store::Store>, clock: Arc<Clock>) {
    loop {
        tokio::time::sleep(CLOCK_POLL).await;
        match store.setting("clock_offset_ms").await {
            Ok(Some(offset)) => {
                if let Ok(offset) = offset.parse::<i64>() {
                    // Clamped by the clock; negative offsets never move it.
                    clock.catch_up(chrono::Duration::milliseconds(offset.max(0)));
                }
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "cannot read the shared clock offset"),
        }
    }
}

/// The base URL of the ingestion API's `location` headers: the public URL, but under the
/// API's own production host when HTTPS serves the production names.
fn partner_url(config: &ServerConfig, public_url: &str, tls_addr: Option<SocketAddr>) -> String {
    match tls_addr {
        Some(tls) if config.public_url.is_none() => match tls.port() {
            443 => "https://api.partner.microsoft.com".to_string(),
            port => format!("https://api.partner.microsoft.com:{port}"),
        },
        _ => public_url.to_string(),
    }
}

/// The base URLs handed out (report links, upload URLs): as configured, else the production
/// shapes when HTTPS is on (clients reach storeroom under the production names), else the
/// plain listener's address with path-style blob URLs.
fn public_urls(
    config: &ServerConfig,
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
) -> (String, String) {
    let port = |tls_addr: SocketAddr| match tls_addr.port() {
        443 => String::new(),
        port => format!(":{port}"),
    };
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| match tls_addr {
            Some(tls) => format!("https://manage.devcenter.microsoft.com{}", port(tls)),
            None => default_public_url(addr),
        })
        .trim_end_matches('/')
        .to_string();
    let public_blob_url = config
        .public_blob_url
        .clone()
        .unwrap_or_else(|| match tls_addr {
            Some(tls) if config.public_url.is_none() => format!(
                "https://{}.blob.core.windows.net{}",
                config.blob_account.to_ascii_lowercase(),
                port(tls)
            ),
            _ => format!("{public_url}/{}", config.blob_account),
        })
        .trim_end_matches('/')
        .to_string();
    (public_url, public_blob_url)
}

fn default_public_url(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

async fn load_keys(service: &Service) -> anyhow::Result<SigningKeys> {
    let pem = match service.store.setting("jwt_signing_key").await? {
        Some(pem) => pem,
        None => {
            let mut tx = service.store.begin().await?;
            let pem = tx
                .setting_or_insert("jwt_signing_key", &SigningKeys::generate_pem()?)
                .await?;
            tx.commit().await?;
            pem
        }
    };
    SigningKeys::from_pem(&pem)
}

async fn load_sas_key(service: &Service) -> anyhow::Result<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use rand::RngCore;
    let mut fresh = [0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    let mut tx = service.store.begin().await?;
    let stored = tx
        .setting_or_insert("sas_account_key", &STANDARD.encode(fresh))
        .await?;
    tx.commit().await?;
    Ok(STANDARD.decode(stored)?)
}

/// `DIR/credentials.json` (mode 0600): what tools need to talk to this server.
fn write_credentials(config: &ServerConfig, account: &DevelopmentAccount) -> anyhow::Result<()> {
    let path = config.data_dir.join("credentials.json");
    let body = serde_json::to_string_pretty(&json!({
        "tenantId": account.tenant.id,
        "clientId": account.client.client_id,
        "clientSecret": account.client.secret,
        "sellerId": account.seller.id,
        "adminToken": account.admin_token,
    }))?;
    let temp = config.data_dir.join("credentials.json.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(body.as_bytes())?;
        file.sync_all()?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&temp, &path)?;
    tracing::info!(path = %path.display(), "development credentials (tenantId, clientId, clientSecret, sellerId, adminToken) written");
    Ok(())
}
