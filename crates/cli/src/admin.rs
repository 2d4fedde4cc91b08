//! `storeroom admin …`: tasks run on a data directory (or database) directly, without a
//! server.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Subcommand;
use storeroom_domain::pipeline::{PipelinePolicy, Policies};
use storeroom_domain::seed::{BulkLoad, SeedCounts, SeedPlan};
use storeroom_domain::{Clock, Service};
use storeroom_storage::{Database, DatabaseUrl};

use crate::client::ClientOpts;
use crate::client::admin_api::AdminApiCommand;

/// `storeroom admin`: its commands, and the connection flags of those that call a server.
#[derive(clap::Args)]
pub struct AdminArgs {
    #[command(flatten)]
    opts: ClientOpts,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Writes many realistic apps and submissions, for measuring storeroom at scale.
    ///
    /// Every app is reserved for the development seller (created if the data directory is
    /// new) and gets a history of published submissions, as if it had gone through that
    /// many API submissions; every tenth app also has a pending one. Records are written in
    /// batches, one transaction each, next to whatever the database already holds. Start
    /// `storeroom serve` on the same data directory (and database) afterwards, or while it
    /// runs.
    ///
    ///   storeroom admin seed --apps 100000 --submissions 1000000 --data ./bench-data
    #[command(verbatim_doc_comment)]
    Seed(SeedArgs),

    #[command(flatten)]
    Api(AdminApiCommand),
}

#[derive(clap::Args)]
pub struct SeedArgs {
    /// Apps to reserve.
    #[arg(long, default_value_t = 100_000)]
    apps: u64,

    /// Submissions in all, spread evenly over the apps (at least one per app).
    #[arg(long, default_value_t = 1_000_000)]
    submissions: u64,

    /// Data directory whose database is seeded (as `storeroom serve --data`).
    #[arg(
        long = "data",
        env = "STOREROOM_DATA",
        default_value = "./storeroom-data"
    )]
    data_dir: PathBuf,

    /// Database to seed instead of the data directory's SQLite file, as `storeroom serve
    /// --database`: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE or sqlite://PATH.
    #[arg(long, env = "STOREROOM_DATABASE_URL")]
    database: Option<String>,

    /// Apps per transaction, with their submissions.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,

    /// Seller the apps belong to [default: the development seller].
    #[arg(long)]
    seller: Option<String>,
}

pub async fn run(args: AdminArgs) -> ExitCode {
    match args.command {
        AdminCommand::Seed(seed_args) => crate::exit_status(seed(seed_args).await),
        AdminCommand::Api(command) => crate::client::admin_api::run(command, &args.opts).await,
    }
}

async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    if args.submissions < args.apps {
        bail!("--submissions must be at least --apps: every app has a published submission");
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create data directory {}", args.data_dir.display()))?;
    let url = DatabaseUrl::parse(args.database.as_deref(), &args.data_dir)?;
    let database = Database::open(&url)
        .await
        .with_context(|| format!("cannot open the database {}", url.describe()))?;
    let store = database.store();
    let bulk: &dyn BulkLoad = match &database {
        Database::Sqlite(store, _) => store,
        Database::Postgres(store) => store,
    };
    let clock = Arc::new(Clock::new());
    if let Some(stored) = store.setting("clock_offset_ms").await? {
        // Out-of-range offsets are clamped here too; the server stores the repair at start-up.
        storeroom_domain::clock::load_stored_offset(&clock, &stored);
    }
    let service = Service {
        store: store.clone(),
        clock,
        policies: Arc::new(Policies::new(PipelinePolicy::default())),
        report_base: "".into(),
        leniency: Default::default(),
        parsed: Default::default(),
    };
    let account = service
        .bootstrap()
        .await
        .context("cannot create the development account")?;
    let seller = args.seller.unwrap_or(account.seller.id);
    let plan = SeedPlan {
        apps: args.apps,
        submissions: args.submissions,
        apps_per_batch: args.batch,
        ..SeedPlan::default()
    };

    let started = Instant::now();
    let step = (args.apps / 10).max(1);
    let mut reported = 0;
    let mut progress = |done: SeedCounts| {
        if done.apps / step > reported || done.apps == args.apps {
            reported = done.apps / step;
            tracing::info!(
                apps = done.apps,
                submissions = done.submissions,
                seconds = started.elapsed().as_secs_f64(),
                "seeding"
            );
        }
    };
    let counts = service
        .seed(bulk, &seller, &plan, &mut progress)
        .await
        .context("seeding failed")?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "seeded {} apps and {} submissions for seller {seller} in {seconds:.1} s ({:.0} records/s)",
        counts.apps,
        counts.submissions,
        (counts.apps + counts.submissions) as f64 / seconds.max(1e-9)
    );
    Ok(())
}
