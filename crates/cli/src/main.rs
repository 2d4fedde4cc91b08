//! `storeroom`: a self-hosted Microsoft Store submission backend.

mod admin;
mod client;
mod memory;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;

use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use client::ClientOpts;
use storeroom_server::ServerConfig;
use storeroom_server::config::{ArchiveLimits, BlobLocation, DEFAULT_BLOB_ACCOUNT};
use storeroom_server::domain_pipeline::PipelinePolicy;

/// Self-hosted Microsoft Store submission backend.
///
/// storeroom answers the same HTTP contracts as Microsoft's services: the Azure AD token
/// endpoint, the devcenter submission API v1.0 and the Azure Blob upload URLs it hands out,
/// so StoreBroker, msstore-cli, Microsoft's samples and your own pipelines run against it
/// with nothing changed but base URLs.
///
/// The same binary is a client of those contracts, for a storeroom or the real service:
///
///   storeroom profile add local --storeroom http://127.0.0.1:8080 \
///       --credentials storeroom-data/credentials.json
///   APP=$(storeroom admin reserve --name "Contoso Reader" --json | jq -r .id)
///   storeroom package make --app $APP --out app.msix
///   storeroom publish --app $APP --package app.msix --wait
#[derive(Parser)]
#[command(name = "storeroom", version, about, long_about, verbatim_doc_comment, after_long_help = client::EXIT_HELP)]
struct Cli {
    /// How log lines are written to stderr: `text` for people, or `json`, one JSON object a
    /// line for log collectors. Each line logged while a request is served lists the
    /// request's span, with its correlation_id (the id the response carries in its
    /// correlation header: MS-CorrelationId, X-Correlation-ID, request-id or
    /// x-ms-request-id). STOREROOM_LOG picks what is logged (default: info,sqlx=warn).
    #[arg(
        long,
        global = true,
        env = "STOREROOM_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    ///
    /// On an empty data directory it creates a development tenant, an Azure AD client with a
    /// secret, a seller account and an admin token, and writes them to
    /// DIR/credentials.json. Reserve an app with the admin API, then point your client at
    /// the server:
    ///
    ///   curl -X POST http://127.0.0.1:8080/admin/v1/applications \
    ///        -H "Authorization: Bearer $ADMIN_TOKEN" -d '{"name":"Contoso","type":"msix"}'
    ///
    /// For operators, without a token: GET /metrics (Prometheus), GET /healthz (the process
    /// is alive), GET /readyz (the database and the blob store answer; 503 otherwise).
    /// SIGTERM or Ctrl-C stops it gracefully: no new connections, the running pipeline
    /// steps handed back to the queue, the requests in flight finished, exit 0. A second
    /// signal exits at once.
    #[command(verbatim_doc_comment)]
    // Boxed: the serve flags are many, the other commands' few.
    Serve(Box<ServeArgs>),

    /// Administration: `seed` works on a data directory (or database) directly; the other
    /// commands call a running storeroom's admin API with the profile's admin token.
    #[command(after_long_help = client::EXIT_HELP)]
    Admin(admin::AdminArgs),

    /// HTTPS under the production host names: hosts-file lines and how to trust the local CA.
    ///
    /// Clients with hard-coded hosts (StoreBroker, msstore-cli, the store-submission Action,
    /// Microsoft's samples) reach storeroom when three things hold: storeroom serves HTTPS
    /// (`storeroom serve --tls-listen 127.0.0.1:443`), the production names resolve to it
    /// (`storeroom tls hosts`), and the machine trusts its CA (`storeroom tls trust`).
    #[command(subcommand, verbatim_doc_comment)]
    Tls(tls::TlsCommand),

    /// Publishes a submission in one go: create, change, upload, commit, wait.
    ///
    /// Creates a submission (or --reuse/--replace the pending one), merges JSON fields and
    /// listings, adds packages, zips and uploads them with a progress bar, commits, and
    /// with --wait follows the status to Published or the failure.
    ///
    ///   storeroom publish --app 9NBLGGH4R315 --package Contoso_1.0.1.0_x64.msix --wait
    ///   storeroom publish --app 9NBLGGH4R315 --replace --replace-packages \
    ///       --package app.msix --from notes.json --listing en-us=listing.json \
    ///       --file shots/main.png=images/main.png --wait --json
    ///   storeroom publish --app 9NBLGGH4R315 --flight 43e448df-… --package app.msix --wait
    ///   storeroom publish --addon 9NBLGGH4TNMP --listing en-us=coins.json --file icon.png --wait
    ///
    /// A submission that fails exits 5 and prints its statusDetails errors, warnings and
    /// certification report links.
    #[command(verbatim_doc_comment, after_long_help = client::EXIT_HELP)]
    Publish(PublishCmd),

    /// One submission, call by call: create, get, update --from FILE, upload, commit,
    /// status, delete (of an app with --app, a flight with --app and --flight, an add-on
    /// with --addon).
    #[command(after_long_help = client::EXIT_HELP)]
    Submission(SubmissionCmd),

    /// Apps of the account: list, get.
    #[command(after_long_help = client::EXIT_HELP)]
    Apps(AppsCmd),

    /// Package flights of an app: list, get, create, delete.
    #[command(after_long_help = client::EXIT_HELP)]
    Flights(FlightsCmd),

    /// Add-ons (in-app products): list, get, create, delete.
    #[command(after_long_help = client::EXIT_HELP)]
    Addons(AddonsCmd),

    /// Gradual package rollout of an app or flight submission: get, set, halt, finalize.
    #[command(after_long_help = client::EXIT_HELP)]
    Rollout(RolloutCmd),

    /// MSI/EXE products (the Store submission API): metadata, update, packages,
    /// set-packages, status, submit, submission-status.
    #[command(after_long_help = client::EXIT_HELP)]
    Product(ProductCmd),

    /// Builds packages for apps: `package make`.
    #[command(after_long_help = client::EXIT_HELP)]
    Package(PackageCmd),

    /// Connection profiles in the user's config directory: add, list, show, remove, use.
    ///
    /// Kept in $STOREROOM_CONFIG_DIR/profiles.json, or the platform's user config
    /// directory (~/.config/storeroom/profiles.json on Linux). No secret is written there
    /// by `add`: the client secret comes from STOREROOM_CLIENT_SECRET or, for a storeroom,
    /// from its credentials.json at each run.
    #[command(verbatim_doc_comment, after_long_help = client::EXIT_HELP)]
    Profile(ProfileCmd),

    /// Prints a shell completion script.
    ///
    ///   storeroom completions bash > ~/.local/share/bash-completion/completions/storeroom
    ///   storeroom completions zsh > "${fpath[1]}/_storeroom"
    ///   storeroom completions fish > ~/.config/fish/completions/storeroom.fish
    ///   storeroom completions powershell >> $PROFILE
    #[command(verbatim_doc_comment)]
    Completions { shell: clap_complete::Shell },
}

/// A client command group with the connection flags.
macro_rules! client_group {
    ($name:ident, $command:ty) => {
        #[derive(clap::Args)]
        struct $name {
            #[command(flatten)]
            opts: ClientOpts,
            #[command(subcommand)]
            command: $command,
        }
    };
}

client_group!(SubmissionCmd, client::submission::SubmissionCommand);
client_group!(AppsCmd, client::apps::AppsCommand);
client_group!(FlightsCmd, client::flights::FlightsCommand);
client_group!(AddonsCmd, client::addons::AddonsCommand);
client_group!(RolloutCmd, client::rollout::RolloutCommand);
client_group!(ProductCmd, client::product::ProductCommand);
client_group!(PackageCmd, client::package::PackageCommand);
client_group!(ProfileCmd, client::profile::ProfileCommand);

#[derive(clap::Args)]
struct PublishCmd {
    #[command(flatten)]
    args: client::publish::PublishArgs,
    #[command(flatten)]
    opts: ClientOpts,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "STOREROOM_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Data directory: the SQLite database, uploaded blobs and credentials.json.
    #[arg(
        long = "data",
        env = "STOREROOM_DATA",
        default_value = "./storeroom-data"
    )]
    data_dir: PathBuf,

    /// Base URL clients reach this server at, used in the URLs it hands out
    /// [default: http://<listen address>].
    #[arg(long, env = "STOREROOM_PUBLIC_URL")]
    public_url: Option<String>,

    /// Base URL of upload (SAS) URLs. Path-style by default: <public-url>/<blob-account>.
    /// For clients that need the production shape, use
    /// https://<blob-account>.blob.core.windows.net and point that name at this server.
    #[arg(long, env = "STOREROOM_PUBLIC_BLOB_URL")]
    public_blob_url: Option<String>,

    /// Storage account name in upload URLs.
    #[arg(long, env = "STOREROOM_BLOB_ACCOUNT", default_value = DEFAULT_BLOB_ACCOUNT)]
    blob_account: String,

    /// How committed submissions move through the pipeline by default: `immediate`,
    /// `manual` (certification waits for POST /admin/v1/submissions/{id}/approve or
    /// /reject), or `delay=DURATION` (500ms, 2s, 1m, 1h) before each step. The admin API
    /// changes it at run time (PUT /admin/v1/pipeline) and per product.
    #[arg(long, env = "STOREROOM_PIPELINE", default_value = "immediate", value_parser = PipelinePolicy::parse)]
    pipeline: PipelinePolicy,

    /// MSI/EXE package processing fetches each package URL (HEAD, then a GET of at most
    /// 1 MiB) and fails the package when it cannot be reached. Without it, processing only
    /// checks that the URL is a well-formed https URL.
    #[arg(long, env = "STOREROOM_VERIFY_PACKAGE_URLS")]
    verify_package_urls: bool,

    /// Where uploaded blobs are kept: file://DIR (default: the blobs directory under --data),
    /// s3://BUCKET[/PREFIX] or az://CONTAINER[/PREFIX]. Instances that share a database must
    /// share an object store. S3 reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
    /// and, for S3-compatible servers, AWS_ENDPOINT and AWS_ALLOW_HTTP; Azure reads
    /// AZURE_STORAGE_ACCOUNT_NAME with AZURE_STORAGE_ACCOUNT_KEY (or AZURE_STORAGE_SAS_KEY,
    /// or AZURE_CLIENT_ID/SECRET/TENANT_ID), AZURE_STORAGE_ENDPOINT, and
    /// AZURE_STORAGE_USE_EMULATOR=true for Azurite on 127.0.0.1:10000.
    #[arg(long, env = "STOREROOM_BLOBS", value_parser = BlobLocation::parse)]
    blobs: Option<BlobLocation>,

    /// The database: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE for a PostgreSQL server
    /// that several instances share (each with its own --data, all with one --blobs store),
    /// or sqlite://PATH. Default: the embedded SQLite file storeroom.db under --data.
    #[arg(long, env = "STOREROOM_DATABASE_URL")]
    database: Option<String>,

    /// How long a pipeline job stays leased to the instance running it without renewal
    /// (500ms, 2s, 1m). The holder renews it while the step runs; when an instance dies,
    /// another takes over its jobs once this runs out.
    #[arg(long, env = "STOREROOM_JOB_LEASE", default_value = "30s", value_parser = parse_lease)]
    job_lease: std::time::Duration,

    /// Most entries one archive of a submission may hold (the ZIP, or a package in it);
    /// more is refused with InvalidArchive.
    #[arg(long, env = "STOREROOM_ARCHIVE_MAX_ENTRIES", default_value_t = ArchiveLimits::default().max_entries)]
    archive_max_entries: u64,

    /// Most bytes a submission's archives may expand to, in total (zip bombs stop here).
    #[arg(long, env = "STOREROOM_ARCHIVE_MAX_BYTES", default_value_t = ArchiveLimits::default().max_total_uncompressed)]
    archive_max_bytes: u64,

    /// Highest compression ratio one archive entry may have.
    #[arg(long, env = "STOREROOM_ARCHIVE_MAX_RATIO", default_value_t = ArchiveLimits::default().max_compression_ratio)]
    archive_max_ratio: u64,

    /// Also serve every surface over HTTPS on this address (for example 127.0.0.1:443), with
    /// a certificate from storeroom's local CA for login.microsoftonline.com,
    /// login.windows.net, manage.devcenter.microsoft.com, api.store.microsoft.com,
    /// api.partner.microsoft.com, *.blob.core.windows.net, localhost and the listen IP. The
    /// CA certificate is written to DIR/ca.pem; see `storeroom tls trust`. With it, the URLs
    /// handed out default to the production shapes (https://manage.devcenter.microsoft.com,
    /// https://<blob-account>.blob.core.windows.net).
    #[arg(long, env = "STOREROOM_TLS_LISTEN")]
    tls_listen: Option<SocketAddr>,

    /// Another name (or IP address) the HTTPS certificate carries; repeat for more
    /// (STOREROOM_TLS_NAMES: comma-separated).
    #[arg(long = "tls-name", env = "STOREROOM_TLS_NAMES", value_delimiter = ',')]
    tls_names: Vec<String>,

    /// `strict` (default): refuse what the real service refuses although every known client
    /// avoids it (a bodyless POST create/commit without `Content-Type: application/json`, a
    /// create whose body is a JSON object, an add-on `contentType` the service does not
    /// accept, an add-on PUT echoing `id`/`status`/`statusDetails`/`fileUploadUrl`).
    /// `relaxed`: accept those requests.
    #[arg(long, env = "STOREROOM_LENIENCY", default_value = "strict")]
    leniency: storeroom_server::Leniency,

    /// Request journal (GET /admin/v1/journal): the newest entries kept, at most. 0 turns
    /// the journal off. Kept across restarts: with SQLite in its own file beside the
    /// database (storeroom.requests.db), with PostgreSQL in the database, shared by every
    /// instance. Under heavy load it costs a polled GET about a tenth of its rate (bodies
    /// answered again and again are stored once per flush): 0 for load tests.
    #[arg(long, env = "STOREROOM_JOURNAL_MAX_ENTRIES", default_value_t = JOURNAL.max_entries)]
    journal_max_entries: u64,

    /// Request journal: the bytes of stored entries kept, at most (each entry keeps up to
    /// 16 KiB of each body; a body of 256 bytes or more that several entries carry, as a
    /// polled resource's, is stored and counted once per flush).
    #[arg(long, env = "STOREROOM_JOURNAL_MAX_BYTES", default_value_t = JOURNAL.max_bytes)]
    journal_max_bytes: u64,
}

const JOURNAL: storeroom_server::opsstate::journal::JournalBounds =
    storeroom_server::opsstate::journal::DEFAULT_BOUNDS;

#[tokio::main]
async fn main() -> ExitCode {
    memory::bound_allocator_arenas();
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("STOREROOM_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match cli.log_format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        // The event's fields at the top level; the spans it was logged in (a request's,
        // with its correlation_id) under "spans".
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .init(),
    }
    let done = match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Admin(args) => return admin::run(args).await,
        Command::Tls(command) => tls::run(command),
        Command::Publish(cmd) => return client::publish::run(cmd.args, &cmd.opts).await,
        Command::Submission(cmd) => return client::submission::run(cmd.command, &cmd.opts).await,
        Command::Apps(cmd) => return client::apps::run(cmd.command, &cmd.opts).await,
        Command::Flights(cmd) => return client::flights::run(cmd.command, &cmd.opts).await,
        Command::Addons(cmd) => return client::addons::run(cmd.command, &cmd.opts).await,
        Command::Rollout(cmd) => return client::rollout::run(cmd.command, &cmd.opts).await,
        Command::Product(cmd) => return client::product::run(cmd.command, &cmd.opts).await,
        Command::Package(cmd) => return client::package::run(cmd.command, &cmd.opts).await,
        Command::Profile(cmd) => return client::profile::run(cmd.command, &cmd.opts),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "storeroom",
                &mut std::io::stdout(),
            );
            return ExitCode::SUCCESS;
        }
    };
    exit_status(done)
}

/// The server commands' outcome as anyhow's `main` reports it: the error chain, status 1.
fn exit_status(done: anyhow::Result<()>) -> ExitCode {
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err:?}");
            ExitCode::FAILURE
        }
    }
}

fn parse_lease(text: &str) -> Result<std::time::Duration, String> {
    storeroom_server::domain_pipeline::parse_duration(text)
        .and_then(|lease| lease.to_std().ok())
        .filter(|lease| !lease.is_zero())
        .ok_or_else(|| format!("'{text}' is not a positive duration such as 500ms, 2s or 1m"))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = ServerConfig {
        listen: args.listen,
        data_dir: args.data_dir,
        public_url: args.public_url,
        public_blob_url: args.public_blob_url,
        blob_account: args.blob_account,
        pipeline: args.pipeline,
        verify_package_urls: args.verify_package_urls,
        blobs: args.blobs,
        database: args.database,
        job_lease: args.job_lease,
        // A served instance always runs its pipeline; only tests drain it by hand.
        background_jobs: true,
        archive_limits: ArchiveLimits {
            max_entries: args.archive_max_entries,
            max_total_uncompressed: args.archive_max_bytes,
            max_compression_ratio: args.archive_max_ratio,
            ..ArchiveLimits::default()
        },
        tls_listen: args.tls_listen,
        tls_names: args.tls_names,
        leniency: args.leniency,
        journal: storeroom_server::opsstate::journal::JournalBounds {
            max_entries: args.journal_max_entries,
            max_bytes: args.journal_max_bytes,
        },
    };
    let data_dir = config.data_dir.clone();
    let signals = StopSignals::listen()?;
    let running = storeroom_server::start(config)
        .await
        .context("storeroom could not start")?;
    memory::release_startup_memory();
    if let Some(tls_addr) = running.tls_addr {
        tracing::info!(address = %tls_addr, "serving HTTPS under the production host names");
    }
    tracing::info!(
        url = %running.public_url,
        credentials = %data_dir.join("credentials.json").display(),
        "storeroom is listening"
    );
    // The first signal stops the server gracefully; a second one while it finishes the
    // requests in flight exits at once.
    let first = signals.nth(1);
    let second = signals.nth(2);
    tokio::select! {
        result = running.serve_until(async move {
            let signal = first.await;
            tracing::info!(signal, "stopping: no new connections, finishing the requests in flight");
        }) => result,
        signal = second => {
            tracing::warn!(signal, "second signal: exiting without finishing the requests in flight");
            std::process::exit(1);
        }
    }
}

/// SIGTERM and SIGINT (Ctrl-C), counted from the moment the server starts, so that one
/// sent as soon as it listens is not missed.
struct StopSignals(tokio::sync::watch::Receiver<(u32, &'static str)>);

impl StopSignals {
    fn listen() -> anyhow::Result<Self> {
        let (count, counted) = tokio::sync::watch::channel((0, ""));
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut terminate =
                signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
            let mut interrupt =
                signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
            tokio::spawn(async move {
                loop {
                    let name = tokio::select! {
                        _ = terminate.recv() => "SIGTERM",
                        _ = interrupt.recv() => "SIGINT",
                    };
                    count.send_modify(|(seen, last)| (*seen, *last) = (*seen + 1, name));
                }
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                count.send_modify(|(seen, last)| (*seen, *last) = (*seen + 1, "Ctrl-C"));
            }
        });
        Ok(Self(counted))
    }

    /// Completes once the `n`th signal has come, with its name.
    fn nth(&self, n: u32) -> impl Future<Output = &'static str> + use<> {
        let mut counted = self.0.clone();
        async move {
            match counted.wait_for(|(seen, _)| *seen >= n).await {
                Ok(seen) => seen.1,
                Err(_) => std::future::pending().await,
            }
        }
    }
}
