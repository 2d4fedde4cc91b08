//! What every backend must do the same way, run against each (SQLite always, PostgreSQL
//! when `STOREROOM_TEST_DATABASE_URL` names a server to create scratch databases on).

use chrono::{Duration, Utc};
use storeroom_domain::accounts::{ClientKey, DevelopmentAccount, Role, SecretCheck};
use storeroom_domain::application::Application;
use storeroom_domain::dashboard_session::DashboardSession;
use storeroom_domain::msi::product::MsiProduct;
use storeroom_domain::msi::store::MsiStore;
use storeroom_domain::msi::store::MsiTransaction;
use storeroom_domain::opsstate::{
    FaultRule, JournalBounds, JournalEntry, JournalStore, OpsStore, SnapshotInfo,
};
use storeroom_domain::store::{
    DEVCENTER_QUEUE, MSI_QUEUE, NewJob, Store, StoreError, SubmissionAccess, SubmissionReads,
};
use storeroom_domain::submission::dashboard_submission;

use crate::sql::{Arg, Backend, RowAccess, SqlStore};

/// The conformance tests, for a backend whose `$open(test_name).await` gives
/// `Option<(guard, SqlStore<_>)>` (None: the backend is not available here, skip).
macro_rules! suite {
    ($open:ident) => {
        $crate::conformance::suite!(
            $open:
            records_round_trip_and_jobs_are_leased_once,
            application_pages_are_per_seller,
            stale_submission_writes_conflict,
            msi_products_submissions_and_jobs_round_trip,
            stale_msi_writes_conflict,
            committed_jobs_wake_their_queue,
            offers_page_by_seller_and_stale_offer_writes_conflict,
            client_roles_change_and_keys_come_and_go,
            reads_see_every_commit,
            dashboard_sessions_open_close_and_expire,
            application_search_seeks_by_name,
            journal_is_bounded_and_filtered,
            journal_bodies_are_stored_once_and_go_with_their_entries,
            fault_rules_count_down_and_change_generation,
            snapshots_restore_the_catalogue_and_reset_keeps_accounts,
        );
    };
    ($open:ident: $($test:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                let Some((_guard, store)) = $open(stringify!($test)).await else {
                    return;
                };
                $crate::conformance::$test(&store).await;
            }
        )+
    };
}
pub(crate) use suite;

/// The admin URL PostgreSQL tests create their databases from, or None (and a note) when
/// they are skipped.
pub(crate) fn postgres_admin_url(test: &str) -> Option<String> {
    let url = std::env::var("STOREROOM_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty());
    if url.is_none() {
        eprintln!("SKIPPED: {test} on PostgreSQL (STOREROOM_TEST_DATABASE_URL is not set)");
    }
    url
}

pub(crate) async fn records_round_trip_and_jobs_are_leased_once<B: Backend>(
    backend_store: &SqlStore<B>,
) {
    let store: &dyn Store = backend_store;
    let dev = DevelopmentAccount::generate();
    let now = Utc::now();
    let app = Application::reserve(&dev.seller, "Reader", true, now);
    let sub = dashboard_submission(&app, now);
    let mut tx = store.begin().await.unwrap();
    tx.insert_tenant(&dev.tenant).await.unwrap();
    tx.insert_seller(&dev.seller).await.unwrap();
    tx.insert_client(&dev.client).await.unwrap();
    tx.put_application(&app).await.unwrap();
    tx.put_submission(&sub).await.unwrap();
    tx.enqueue_job(&NewJob {
        queue: DEVCENTER_QUEUE,
        submission_id: sub.id.clone(),
        step: "publish".into(),
        run_at: now,
    })
    .await
    .unwrap();
    assert_eq!(tx.setting_or_insert("k", "first").await.unwrap(), "first");
    assert_eq!(tx.setting_or_insert("k", "second").await.unwrap(), "first");
    tx.commit().await.unwrap();

    assert_eq!(
        store
            .tenant(&dev.tenant.domain.to_uppercase())
            .await
            .unwrap(),
        Some(dev.tenant.clone())
    );
    assert_eq!(
        store
            .client(&dev.client.client_id.to_uppercase())
            .await
            .unwrap(),
        Some(dev.client.clone())
    );
    assert_eq!(store.application(&app.id).await.unwrap(), Some(app.clone()));
    assert_eq!(
        SubmissionReads::submission(store, &sub.id).await.unwrap(),
        Some(sub.clone())
    );
    let (page, total) = store
        .applications(Some(&dev.seller.id), 0, 10)
        .await
        .unwrap();
    assert_eq!((page.len(), total), (1, 1));
    assert_eq!(store.applications(Some("other"), 0, 10).await.unwrap().1, 0);
    assert_eq!(store.applications(None, 0, 10).await.unwrap().1, 1);

    let lease = now + Duration::seconds(30);
    let job = store
        .claim_job(DEVCENTER_QUEUE, now, lease, "a")
        .await
        .unwrap()
        .expect("due job");
    assert_eq!((job.step.as_str(), job.attempts), ("publish", 1));
    assert!(
        store
            .claim_job(DEVCENTER_QUEUE, now, lease, "b")
            .await
            .unwrap()
            .is_none(),
        "leased jobs are not handed out twice"
    );
    assert_eq!(
        store
            .next_job_due(DEVCENTER_QUEUE)
            .await
            .unwrap()
            .map(|due| due.timestamp_millis()),
        Some(lease.timestamp_millis()),
        "stored times are milliseconds"
    );
    assert!(store.renew_lease(job.id, "a", lease).await.unwrap());
    assert!(
        !store.renew_lease(job.id, "b", lease).await.unwrap(),
        "only the holder renews"
    );
    // Once the lease has run out, another worker takes the job over.
    let later = lease + Duration::seconds(1);
    let taken = store
        .claim_job(DEVCENTER_QUEUE, later, later + Duration::seconds(30), "b")
        .await
        .unwrap()
        .expect("expired lease");
    assert_eq!((taken.id, taken.attempts), (job.id, 2));
    assert!(
        !store.renew_lease(job.id, "a", later).await.unwrap(),
        "the old holder learns it lost the job"
    );
    // The metrics' counts: a leased job is not waiting; the submission is counted by state.
    let tallies = backend_store.tallies(later).await.unwrap();
    assert!(tallies.waiting_jobs.is_empty(), "{tallies:?}");
    assert_eq!(
        tallies.submissions,
        [("devcenter".to_string(), sub.status.as_str().to_string(), 1)]
    );
    // A stopping runner hands back its own leases only.
    assert_eq!(store.release_leases_of("a").await.unwrap(), 0);
    assert_eq!(store.release_leases_of("b").await.unwrap(), 1);
    assert_eq!(
        backend_store.tallies(later).await.unwrap().waiting_jobs,
        [(DEVCENTER_QUEUE.to_string(), 1)]
    );
    assert!(
        store
            .claim_job(DEVCENTER_QUEUE, later, later + Duration::seconds(30), "c")
            .await
            .unwrap()
            .is_some(),
        "a released job is due again at once"
    );
    store.release_all_leases().await.unwrap();
    assert!(
        store
            .claim_job(DEVCENTER_QUEUE, now, lease, "c")
            .await
            .unwrap()
            .is_some()
    );
}

/// A transaction writes a submission back only over the version it read. The test bumps
/// the version behind the transaction's back, as a writer that bypassed its read would (raw
/// SQL, another binary).
pub(crate) async fn stale_submission_writes_conflict<B: Backend>(backend_store: &SqlStore<B>) {
    let store: &dyn Store = backend_store;
    let dev = DevelopmentAccount::generate();
    let now = Utc::now();
    let app = Application::reserve(&dev.seller, "Versions", true, now);
    let mut sub = dashboard_submission(&app, now);
    let mut tx = store.begin().await.unwrap();
    tx.put_submission(&sub).await.unwrap();
    // Writing twice in one transaction follows its own writes.
    tx.put_submission(&sub).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let read = tx
        .submission::<serde_json::Value>(&sub.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.id, sub.id);
    tx.put_submission(&sub).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = backend_store.transaction().await.unwrap();
    tx.submission_header(&sub.id).await.unwrap().unwrap();
    bump(&mut tx, "submissions", &sub.id).await;
    sub.status_reads = 7;
    let err = SubmissionAccess::put_submission(&mut tx, &sub)
        .await
        .unwrap_err();
    assert_conflict(err, "submissionId");
    drop(tx);
    let stored = SubmissionReads::submission::<serde_json::Value>(store, &sub.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status_reads, 0, "the stale write was not applied");
}

pub(crate) async fn msi_products_submissions_and_jobs_round_trip<B: Backend>(
    backend_store: &SqlStore<B>,
) {
    let main: &dyn Store = backend_store;
    let store: &dyn MsiStore = backend_store;
    let now = Utc::now();
    let (product, published) = MsiProduct::reserve("42", "App", now);
    let mut tx = store.begin().await.unwrap();
    tx.put_product(&product).await.unwrap();
    tx.put_submission(&published).await.unwrap();
    tx.enqueue_job(&NewJob {
        queue: MSI_QUEUE,
        submission_id: product.id.clone(),
        step: "packages:1".into(),
        run_at: now + Duration::hours(1),
    })
    .await
    .unwrap();
    assert_eq!(tx.make_jobs_due(&product.id, now).await.unwrap(), 1);
    tx.commit().await.unwrap();

    assert_eq!(
        store.product(&product.id).await.unwrap(),
        Some(product.clone())
    );
    assert_eq!(
        store.submission(&published.id).await.unwrap(),
        Some(published)
    );
    assert_eq!(store.products(Some("42")).await.unwrap().len(), 1);
    assert_eq!(store.products(None).await.unwrap().len(), 1);
    assert!(store.products(Some("7")).await.unwrap().is_empty());
    let job = main
        .claim_job(MSI_QUEUE, now, now + Duration::minutes(1), "w")
        .await
        .unwrap()
        .expect("the job is due");
    assert_eq!(job.submission_id, product.id);
}

/// `applications` pages each seller's apps in creation order with its own total, however
/// the inserts of sellers interleave and however often an app is rewritten.
pub(crate) async fn application_pages_are_per_seller<B: Backend>(store: &SqlStore<B>) {
    let store: &dyn Store = store;
    let first = DevelopmentAccount::generate();
    let second = DevelopmentAccount::generate();
    let now = Utc::now();
    let mut mine = Vec::new();
    let mut tx = store.begin().await.unwrap();
    for i in 0..7 {
        let app = Application::reserve(&first.seller, &format!("Mine {i}"), true, now);
        tx.put_application(&app).await.unwrap();
        mine.push(app);
        if i % 2 == 0 {
            let other = Application::reserve(&second.seller, &format!("Other {i}"), true, now);
            tx.put_application(&other).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    // Rewrites (an upsert of an existing app) neither count nor move an app.
    let mut tx = store.begin().await.unwrap();
    tx.put_application(&mine[2]).await.unwrap();
    tx.put_application(&mine[0]).await.unwrap();
    tx.commit().await.unwrap();

    let ids = |apps: Vec<Application>| apps.into_iter().map(|a| a.id).collect::<Vec<_>>();
    let (page, total) = store
        .applications(Some(&first.seller.id), 0, 3)
        .await
        .unwrap();
    assert_eq!(total, 7);
    assert_eq!(ids(page), ids(mine[..3].to_vec()));
    let (page, total) = store
        .applications(Some(&first.seller.id), 5, 10)
        .await
        .unwrap();
    assert_eq!(total, 7);
    assert_eq!(ids(page), ids(mine[5..].to_vec()));
    let (page, _) = store
        .applications(Some(&first.seller.id), 7, 10)
        .await
        .unwrap();
    assert!(page.is_empty());
    let (page, total) = store
        .applications(Some(&second.seller.id), 1, 10)
        .await
        .unwrap();
    assert_eq!((page.len(), total), (3, 4));
    let (all, total) = store.applications(None, 0, 100).await.unwrap();
    assert_eq!((all.len(), total), (11, 11));
    let (none, total) = store.applications(Some("nobody"), 0, 10).await.unwrap();
    assert_eq!((none.len(), total), (0, 0));
}

/// Bumps the version of record `id` of `table` inside `tx`, as a writer that bypassed the
/// transaction's read would.
async fn bump<B: Backend>(tx: &mut crate::sql::SqlTransaction<B>, table: &str, id: &str) {
    let sql = match table {
        "submissions" => "UPDATE submissions SET version = version + 1 WHERE id = $1 RETURNING id",
        "msi_products" => {
            "UPDATE msi_products SET version = version + 1 WHERE id = $1 RETURNING id"
        }
        "msi_submissions" => {
            "UPDATE msi_submissions SET version = version + 1 WHERE id = $1 RETURNING id"
        }
        "ingestion_offers" => {
            "UPDATE ingestion_offers SET version = version + 1 WHERE id = $1 RETURNING id"
        }
        other => panic!("no versions in {other}"),
    };
    assert_eq!(tx.fetch(sql, &[Arg::Text(id)]).await.unwrap().len(), 1);
}

/// MSI products and submissions are written back only over the version read, as devcenter
/// submissions are; blind writes and a transaction's own writes go through.
pub(crate) async fn stale_msi_writes_conflict<B: Backend>(backend_store: &SqlStore<B>) {
    let store: &dyn MsiStore = backend_store;
    let now = Utc::now();
    let (mut product, mut published) = MsiProduct::reserve("42", "Versions", now);
    let mut tx = store.begin().await.unwrap();
    tx.put_product(&product).await.unwrap();
    tx.put_product(&product).await.unwrap();
    tx.put_submission(&published).await.unwrap();
    tx.commit().await.unwrap();

    // Read, then written back over the version read (twice: it follows its own write).
    let mut tx = store.begin().await.unwrap();
    let read = tx.product(&product.id).await.unwrap().unwrap();
    tx.put_product(&read).await.unwrap();
    tx.put_product(&read).await.unwrap();
    tx.submission(&published.id).await.unwrap().unwrap();
    tx.put_submission(&published).await.unwrap();
    tx.commit().await.unwrap();

    let original_name = product.name.clone();
    let mut tx = backend_store.transaction().await.unwrap();
    MsiTransaction::product(&mut tx, &product.id)
        .await
        .unwrap()
        .unwrap();
    bump(&mut tx, "msi_products", &product.id).await;
    product.name = "Lost".into();
    let err = tx.put_product(&product).await.unwrap_err();
    assert_conflict(err, "productId");
    drop(tx);
    assert_eq!(
        store.product(&product.id).await.unwrap().unwrap().name,
        original_name,
        "the stale product write was not applied"
    );

    let mut tx = backend_store.transaction().await.unwrap();
    MsiTransaction::submission(&mut tx, &published.id)
        .await
        .unwrap()
        .unwrap();
    bump(&mut tx, "msi_submissions", &published.id).await;
    published.product_id = "changed".into();
    let err = MsiTransaction::put_submission(&mut tx, &published)
        .await
        .unwrap_err();
    assert_conflict(err, "submissionId");
    drop(tx);
    assert_ne!(
        store
            .submission(&published.id)
            .await
            .unwrap()
            .unwrap()
            .product_id,
        "changed",
        "the stale submission write was not applied"
    );
}

/// A committed transaction that enqueued a job, or made jobs due, wakes that queue's
/// runner (the store's [`Store::job_signal`], the same for every call); one rolled back
/// does not, nor does one that touched another queue.
pub(crate) async fn committed_jobs_wake_their_queue<B: Backend>(backend_store: &SqlStore<B>) {
    let store: &dyn Store = backend_store;
    let devcenter = store.job_signal(DEVCENTER_QUEUE);
    assert!(std::sync::Arc::ptr_eq(
        &devcenter,
        &store.job_signal(DEVCENTER_QUEUE)
    ));
    let msi = store.job_signal(MSI_QUEUE);
    let woken = |signal: &tokio::sync::Notify| {
        // A stored wake-up completes `notified()` at once; none leaves it pending.
        let notified = signal.notified();
        futures::FutureExt::now_or_never(notified).is_some()
    };
    let now = Utc::now();
    let job = |run_at| NewJob {
        queue: DEVCENTER_QUEUE,
        submission_id: "s1".into(),
        step: "publish".into(),
        run_at,
    };

    let mut tx = store.begin().await.unwrap();
    tx.enqueue_job(&job(now + Duration::hours(1)))
        .await
        .unwrap();
    drop(tx);
    assert!(!woken(&devcenter), "a rolled back enqueue wakes no one");

    let mut tx = store.begin().await.unwrap();
    tx.enqueue_job(&job(now + Duration::hours(1)))
        .await
        .unwrap();
    assert!(!woken(&devcenter), "not before the commit");
    tx.commit().await.unwrap();
    assert!(woken(&devcenter), "the commit wakes the queue's runner");
    assert!(!woken(&devcenter), "once");
    assert!(!woken(&msi), "only that queue's");

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.make_jobs_due("s1", now).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert!(woken(&devcenter), "jobs made due wake the runner");
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.make_jobs_due("s1", now).await.unwrap(), 0);
    tx.commit().await.unwrap();
    assert!(!woken(&devcenter), "nothing made due, nothing to wake for");

    let mut tx = MsiStore::begin(backend_store).await.unwrap();
    tx.enqueue_job(&NewJob {
        queue: MSI_QUEUE,
        ..job(now)
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(woken(&msi), "MSI transactions wake the MSI queue");
    assert!(!woken(&devcenter));
}

/// An MSI product an older build stored (before MSI records had versions) reads back, and
/// takes version-checked writes, once the current store has opened the database. `old`
/// opens the database with the older build's migrations only.
pub(crate) async fn records_of_the_previous_schema_survive<B: Backend>(
    old: impl AsyncFnOnce() -> SqlStore<B>,
    open: impl AsyncFnOnce() -> SqlStore<B>,
) {
    let (mut product, _) = MsiProduct::reserve("42", "Old", Utc::now());
    let doc = crate::sql::to_doc(&product).unwrap();
    old()
        .await
        .backend
        .fetch(
            "INSERT INTO msi_products (id, seller_id, seq, doc) VALUES ($1, $2, 1, $3)",
            &[
                Arg::Text(&product.id),
                Arg::Text(&product.seller_id),
                Arg::Text(&doc),
            ],
        )
        .await
        .unwrap();
    let store = open().await;
    let msi: &dyn MsiStore = &store;
    assert_eq!(
        msi.product(&product.id).await.unwrap(),
        Some(product.clone())
    );
    let mut tx = msi.begin().await.unwrap();
    tx.product(&product.id).await.unwrap().unwrap();
    product.name = "Renamed".into();
    tx.put_product(&product).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(msi.product(&product.id).await.unwrap(), Some(product));
}

/// `err` is a lost race on a record the API names by `target`.
fn assert_conflict(err: StoreError, target: &str) {
    assert!(
        matches!(&err, StoreError::Conflict { target: t, .. } if t == target),
        "{err:?}"
    );
}

/// Offers: positions and pages per seller, lookup by offer id, submissions in number order,
/// deletes, and the same version check as every other record.
pub(crate) async fn offers_page_by_seller_and_stale_offer_writes_conflict<B: Backend>(
    backend_store: &SqlStore<B>,
) {
    use storeroom_domain::ingestion::offer::Offer;
    use storeroom_domain::ingestion::store::{IngestionStore, IngestionTransaction};
    use storeroom_domain::ingestion::submission::{OfferSubmission, Stage};

    let store: &dyn IngestionStore = backend_store;
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    let mut offers = Vec::new();
    for (seller, key) in [("1", "a"), ("2", "b"), ("1", "c")] {
        let position = tx.next_offer_position().await.unwrap();
        let offer = Offer::create(
            seller,
            "AzureApplication",
            Default::default(),
            key.into(),
            position,
            now,
        );
        tx.put_offer(&offer).await.unwrap();
        offers.push(offer);
    }
    let number = tx.next_submission_number().await.unwrap();
    let submission = OfferSubmission {
        id: ((1u64 << 60) + number as u64).to_string(),
        product_id: offers[0].id.clone(),
        release_number: 1,
        created_at: now,
        resources: Vec::new(),
        variant_resources: Vec::new(),
        publish_option: None,
        extended_properties: Vec::new(),
        frozen: Vec::new(),
        stage: Stage::Submitted,
        steps: OfferSubmission::new_steps("AzureApplication"),
        validations: Vec::new(),
        report: None,
        published_at: None,
        superseded: false,
        failure_reason: None,
        live_failed: false,
        status_reads: 0,
    };
    tx.put_submission(&submission).await.unwrap();
    tx.commit().await.unwrap();
    // An offer submission's state is its stage, read from the stored document.
    assert_eq!(
        backend_store.tallies(now).await.unwrap().submissions,
        [("ingestion".to_string(), "Submitted".to_string(), 1)]
    );

    let mine = store.offers(Some("1"), 0, 10).await.unwrap();
    let keys: Vec<&str> = mine.iter().map(|o| o.offer_key.as_str()).collect();
    assert_eq!(keys, ["a", "c"]);
    let after_first = store.offers(Some("1"), mine[0].position, 10).await.unwrap();
    assert_eq!(after_first.len(), 1);
    assert_eq!(store.offers(None, 0, 2).await.unwrap().len(), 2);
    assert_eq!(
        store.offer_by_key("2", "b").await.unwrap().unwrap().id,
        offers[1].id
    );
    assert!(store.offer_by_key("1", "b").await.unwrap().is_none());
    assert_eq!(
        store.submissions(&offers[0].id).await.unwrap(),
        vec![submission.clone()]
    );
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.next_offer_position().await.unwrap(), 4);
    drop(tx);

    // A write over a version someone else bumped is refused and changes nothing.
    let mut tx = backend_store.transaction().await.unwrap();
    let mut read = IngestionTransaction::offer(&mut tx, &offers[0].id)
        .await
        .unwrap()
        .unwrap();
    bump(&mut tx, "ingestion_offers", &read.id).await;
    read.releases = 9;
    assert_conflict(tx.put_offer(&read).await.unwrap_err(), "productId");
    drop(tx);
    assert_eq!(
        store.offer(&offers[0].id).await.unwrap().unwrap().releases,
        0
    );

    let mut tx = store.begin().await.unwrap();
    tx.delete_submission(&submission.id).await.unwrap();
    tx.delete_offer(&offers[0].id).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.offer(&offers[0].id).await.unwrap().is_none());
    assert!(store.submission(&submission.id).await.unwrap().is_none());
}

/// Clients: a role change is read back, keys list oldest first per client and only their
/// own client can delete them.
pub(crate) async fn client_roles_change_and_keys_come_and_go<B: Backend>(
    backend_store: &SqlStore<B>,
) {
    let store: &dyn Store = backend_store;
    let dev = DevelopmentAccount::generate();
    let now = Utc::now();
    let (older, older_secret) = ClientKey::generate(&dev.client.client_id, None, now).unwrap();
    let (newer, _) =
        ClientKey::generate(&dev.client.client_id, Some(1), now + Duration::seconds(1)).unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.insert_tenant(&dev.tenant).await.unwrap();
    tx.insert_client(&dev.client).await.unwrap();
    tx.insert_client_key(&newer).await.unwrap();
    tx.insert_client_key(&older).await.unwrap();
    tx.commit().await.unwrap();

    let mut demoted = dev.client.clone();
    demoted.role = Role::Developer;
    let mut tx = store.begin().await.unwrap();
    tx.put_client(&demoted).await.unwrap();
    assert!(
        !tx.delete_client_key("someone-else", &older.key_id)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(store.clients().await.unwrap(), vec![demoted.clone()]);
    let keys = store.client_keys(&dev.client.client_id).await.unwrap();
    assert_eq!(keys, vec![older.clone(), newer.clone()]);
    assert_eq!(
        demoted.check_secret(&keys, &older_secret, now),
        SecretCheck::Valid
    );

    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.delete_client_key(&dev.client.client_id, &older.key_id)
            .await
            .unwrap()
    );
    assert!(
        !tx.delete_client_key(&dev.client.client_id, &older.key_id)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let keys = store.client_keys(&dev.client.client_id).await.unwrap();
    assert_eq!(keys, vec![newer]);
    assert_eq!(
        demoted.check_secret(&keys, &older_secret, now),
        SecretCheck::Wrong
    );
}

fn journal_entry(status: u16, client: Option<&str>, path: &str, body: usize) -> JournalEntry {
    JournalEntry {
        id: 0,
        time: Utc::now(),
        client_id: client.map(str::to_string),
        method: "GET".into(),
        path: path.into(),
        status,
        latency_ms: 1.5,
        correlation_id: "c".into(),
        request_body: None,
        response_body: Some("x".repeat(body)),
        fault_id: None,
    }
}

pub(crate) async fn journal_is_bounded_and_filtered<B: Backend>(store: &SqlStore<B>) {
    let store: &dyn JournalStore = store;
    let roomy = JournalBounds {
        max_entries: 5,
        max_bytes: 1 << 20,
    };
    let first = store
        .append_journal(
            &[
                journal_entry(200, Some("Client-A"), "/a", 10),
                journal_entry(404, None, "/b", 10),
            ],
            roomy,
        )
        .await
        .unwrap();
    assert_eq!(first.trimmed, 0);
    assert_eq!(first.ids.len(), 2);
    assert!(first.ids[0] < first.ids[1], "ids grow in order");
    let all = store.journal_page(None, None, None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["/b", "/a"],
        "newest first"
    );
    assert_eq!(all[0].id, first.ids[1]);
    let mine = store
        .journal_page(None, None, Some("client-a"), 10)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "client ids match case-insensitively");
    assert_eq!(mine[0].client_id.as_deref(), Some("Client-A"));
    let missing = store.journal_page(None, Some(404), None, 10).await.unwrap();
    assert_eq!(missing.len(), 1);
    let older = store
        .journal_page(Some(first.ids[1]), None, None, 10)
        .await
        .unwrap();
    assert_eq!(older.len(), 1, "a page before an id");

    // By count: only the newest five stay.
    let many: Vec<_> = (0..6)
        .map(|i| journal_entry(200, None, &format!("/n{i}"), 10))
        .collect();
    let appended = store.append_journal(&many, roomy).await.unwrap();
    assert_eq!(appended.trimmed, 3);
    let all = store.journal_page(None, None, None, 10).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].path, "/n5");
    // By bytes (of stored documents): room for the big entry and one small one.
    let big = journal_entry(200, None, "/big", 2000);
    let size = |entry: &JournalEntry| serde_json::to_string(entry).unwrap().len() as u64;
    let tight = JournalBounds {
        max_entries: 100,
        max_bytes: size(&big) + size(&all[0]) + 20,
    };
    store.append_journal(&[big], tight).await.unwrap();
    let all = store.journal_page(None, None, None, 10).await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0].path, "/big");

    // Emptied, it starts over, and both bounds still hold batch after batch.
    store.clear_journal().await.unwrap();
    assert!(
        store
            .journal_page(None, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let small = size(&journal_entry(200, None, "/s0", 100));
    let bounds = JournalBounds {
        max_entries: 7,
        max_bytes: 4 * small + small / 2,
    };
    for batch in 0..3 {
        let entries: Vec<_> = (0..3)
            .map(|i| journal_entry(200, None, &format!("/s{}", batch * 3 + i), 100))
            .collect();
        store.append_journal(&entries, bounds).await.unwrap();
    }
    let all = store.journal_page(None, None, None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["/s8", "/s7", "/s6", "/s5"],
        "the newest entries within the size bound"
    );
    let loose = JournalBounds {
        max_entries: 3,
        max_bytes: 1 << 20,
    };
    store
        .append_journal(&[journal_entry(200, None, "/s9", 100)], loose)
        .await
        .unwrap();
    let all = store.journal_page(None, None, None, 10).await.unwrap();
    assert_eq!(all.len(), 3, "the newest entries within the count bound");
}

pub(crate) async fn journal_bodies_are_stored_once_and_go_with_their_entries<B: Backend>(
    store: &SqlStore<B>,
) {
    let bodies = async || {
        let rows = store
            .backend
            .fetch("SELECT count(*) FROM journal_bodies", &[])
            .await
            .unwrap();
        rows[0].int(0).unwrap().unwrap_or_default()
    };
    let journal: &dyn JournalStore = store;
    journal.clear_journal().await.unwrap();
    let polled = |path: &str| {
        let mut entry = journal_entry(200, None, path, 0);
        entry.response_body = Some(format!("{{\"polled\":\"{}\"}}", "p".repeat(4000)));
        entry.request_body = Some("short".into());
        entry
    };
    let other = journal_entry(201, None, "/other", 3000);
    // Counted once: three copies of a 4 KB body and a 3 KB one fit in 9 KB.
    let bounds = JournalBounds {
        max_entries: 4,
        max_bytes: 9000,
    };
    let batch = [polled("/p1"), polled("/p2"), other.clone(), polled("/p3")];
    journal.append_journal(&batch, bounds).await.unwrap();
    let all = journal.journal_page(None, None, None, 10).await.unwrap();
    assert_eq!(
        all.len(),
        4,
        "shared bodies count once toward the byte bound"
    );
    for (read, written) in all.iter().rev().zip(&batch) {
        assert_eq!(read.path, written.path);
        assert_eq!(read.request_body, written.request_body, "{}", read.path);
        assert_eq!(read.response_body, written.response_body, "{}", read.path);
    }
    assert_eq!(bodies().await, 2, "one row per distinct long body");
    // A later batch refers to the stored body; the other body goes with its entry.
    let three = JournalBounds {
        max_entries: 3,
        ..bounds
    };
    journal
        .append_journal(&[polled("/p4"), polled("/p5")], three)
        .await
        .unwrap();
    let all = journal.journal_page(None, None, None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["/p5", "/p4", "/p3"]
    );
    assert!(
        all.iter()
            .all(|e| e.response_body == polled("/").response_body)
    );
    assert_eq!(bodies().await, 1, "the body no entry refers to is gone");
    journal.clear_journal().await.unwrap();
    assert_eq!(bodies().await, 0);
}

pub(crate) async fn fault_rules_count_down_and_change_generation<B: Backend>(store: &SqlStore<B>) {
    let store: &dyn OpsStore = store;
    let rule = FaultRule {
        id: "f1".into(),
        created: Utc::now(),
        method: Some("POST".into()),
        path: Some("/v1.0/**".into()),
        client_id: None,
        status: Some(503),
        body: None,
        retry_after: None,
        delay_ms: None,
        after_side_effect: true,
        times: Some(2),
        remaining: None,
        probability: None,
        zombie: false,
    };
    let before = store.fault_generation().await.unwrap();
    store.insert_fault(&rule).await.unwrap();
    store
        .insert_fault(&FaultRule {
            id: "f2".into(),
            times: None,
            ..rule.clone()
        })
        .await
        .unwrap();
    let set = store.fault_set().await.unwrap();
    assert_ne!(set.generation, before);
    assert_eq!(set.rules.len(), 2);
    assert_eq!(set.rules[0].remaining, Some(2));
    assert_eq!(set.rules[1].remaining, None, "unlimited");
    assert_eq!(set.rules[0].path, rule.path);

    assert!(store.take_fault("f1").await.unwrap());
    assert_eq!(
        store.fault_generation().await.unwrap(),
        set.generation,
        "a use that leaves some changes nothing cached"
    );
    assert!(store.take_fault("f1").await.unwrap());
    assert!(!store.take_fault("f1").await.unwrap(), "spent");
    assert!(!store.take_fault("f2").await.unwrap(), "not counted");
    let set = store.fault_set().await.unwrap();
    assert_eq!(
        set.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["f2"],
        "the spent rule is gone"
    );
    store.add_zombie("sub-1").await.unwrap();
    store.add_zombie("sub-1").await.unwrap();
    assert_eq!(store.fault_set().await.unwrap().zombies, ["sub-1"]);
    assert!(store.delete_fault("f2").await.unwrap());
    assert!(!store.delete_fault("f2").await.unwrap());
    assert!(store.fault_set().await.unwrap().rules.is_empty());
}

pub(crate) async fn snapshots_restore_the_catalogue_and_reset_keeps_accounts<B: Backend>(
    backend_store: &SqlStore<B>,
) {
    let store: &dyn Store = backend_store;
    let ops: &dyn OpsStore = backend_store;
    let journal: &dyn JournalStore = backend_store;
    let dev = DevelopmentAccount::generate();
    let now = Utc::now();
    let first = Application::reserve(&dev.seller, "First", true, now);
    let second = Application::reserve(&dev.seller, "Second", true, now);
    let sub = dashboard_submission(&first, now);
    let mut tx = store.begin().await.unwrap();
    tx.insert_tenant(&dev.tenant).await.unwrap();
    tx.insert_seller(&dev.seller).await.unwrap();
    tx.insert_client(&dev.client).await.unwrap();
    tx.put_application(&first).await.unwrap();
    tx.put_application(&second).await.unwrap();
    tx.put_submission(&sub).await.unwrap();
    tx.enqueue_job(&NewJob {
        queue: DEVCENTER_QUEUE,
        submission_id: sub.id.clone(),
        step: "publish".into(),
        run_at: now,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    journal
        .append_journal(
            &[journal_entry(200, None, "/a", 1)],
            JournalBounds {
                max_entries: 10,
                max_bytes: 1 << 20,
            },
        )
        .await
        .unwrap();

    let info = SnapshotInfo {
        name: "base".into(),
        created: now,
        blobs: 3,
    };
    let mut tx = ops.begin_ops().await.unwrap();
    assert!(tx.save_snapshot(&info).await.unwrap());
    assert!(!tx.save_snapshot(&info).await.unwrap(), "names are unique");
    tx.commit().await.unwrap();
    let listed = ops.snapshots().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].name.as_str(), listed[0].blobs), ("base", 3));

    let mut tx = ops.begin_ops().await.unwrap();
    tx.reset().await.unwrap();
    tx.commit().await.unwrap();
    // A reset clears the journal beside its transaction (the journal may be another file).
    journal.clear_journal().await.unwrap();
    assert_eq!(store.application(&first.id).await.unwrap(), None);
    assert_eq!(store.applications(None, 0, 10).await.unwrap().1, 0);
    assert!(store.submission_doc(&sub.id).await.unwrap().is_none());
    assert!(
        store
            .claim_job(DEVCENTER_QUEUE, now, now, "a")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        journal
            .journal_page(None, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.client(&dev.client.client_id).await.unwrap().is_some());
    assert!(store.seller(&dev.seller.id).await.unwrap().is_some());

    // Something made after the snapshot goes with the restore.
    let third = Application::reserve(&dev.seller, "Third", true, now);
    let mut tx = store.begin().await.unwrap();
    tx.put_application(&third).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = ops.begin_ops().await.unwrap();
    assert_eq!(tx.restore_snapshot("missing").await.unwrap(), None);
    let restored = tx.restore_snapshot("base").await.unwrap().expect("saved");
    tx.commit().await.unwrap();
    assert_eq!(restored.name, "base");
    assert_eq!(
        store.application(&first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.application(&third.id).await.unwrap(), None);
    let (page, total) = store
        .applications(Some(&dev.seller.id), 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 2, "counts rebuilt");
    assert_eq!(
        page.into_iter().map(|a| a.id).collect::<Vec<_>>(),
        [first.id.clone(), second.id.clone()],
        "listing order kept"
    );
    let (page, _) = store
        .applications(Some(&dev.seller.id), 1, 10)
        .await
        .unwrap();
    assert_eq!(page.len(), 1, "places rebuilt");
    assert_eq!(
        SubmissionReads::submission(store, &sub.id).await.unwrap(),
        Some(sub.clone())
    );
    let job = store
        .claim_job(DEVCENTER_QUEUE, now, now + Duration::seconds(30), "a")
        .await
        .unwrap()
        .expect("the job is back, unleased");
    assert_eq!(job.submission_id, sub.id);

    let mut tx = ops.begin_ops().await.unwrap();
    assert!(tx.delete_snapshot("base").await.unwrap());
    assert!(!tx.delete_snapshot("base").await.unwrap());
    tx.commit().await.unwrap();
    assert!(ops.snapshots().await.unwrap().is_empty());
}

/// The reads every API request makes (its client; an app with a submission) answer what the
/// last commit left, however often they were made before it (SQLite caches them).
pub(crate) async fn reads_see_every_commit<B: Backend>(backend_store: &SqlStore<B>) {
    let store: &dyn Store = backend_store;
    let dev = DevelopmentAccount::generate();
    let now = Utc::now();
    let app = Application::reserve(&dev.seller, "Cached", true, now);
    let mut sub = dashboard_submission(&app, now);
    let mut tx = store.begin().await.unwrap();
    tx.insert_tenant(&dev.tenant).await.unwrap();
    tx.insert_seller(&dev.seller).await.unwrap();
    tx.insert_client(&dev.client).await.unwrap();
    tx.put_application(&app).await.unwrap();
    tx.put_submission(&sub).await.unwrap();
    tx.commit().await.unwrap();
    let read_pair = async || {
        let (app, doc) = store
            .application_with_submission_doc(&app.id, &sub.id)
            .await
            .unwrap()
            .expect("app");
        (app, doc.expect("submission"))
    };

    for _ in 0..2 {
        let client = store.client(&dev.client.client_id).await.unwrap().unwrap();
        assert_eq!(client.role, Role::Manager);
        assert_eq!(read_pair().await.0.primary_name, "Cached");
    }
    let first_doc = read_pair().await.1;

    let mut demoted = dev.client.clone();
    demoted.role = Role::Developer;
    let mut renamed = app.clone();
    renamed.primary_name = "Renamed".into();
    sub.status_reads += 1;
    let mut tx = store.begin().await.unwrap();
    tx.put_client(&demoted).await.unwrap();
    tx.put_application(&renamed).await.unwrap();
    tx.put_submission(&sub).await.unwrap();
    tx.commit().await.unwrap();

    let client = store.client(&dev.client.client_id).await.unwrap().unwrap();
    assert_eq!(client.role, Role::Developer);
    let (app_now, doc_now) = read_pair().await;
    assert_eq!(app_now.primary_name, "Renamed");
    assert_ne!(doc_now, first_doc);
    // A transaction rolled back changes nothing, and reads stay right after it.
    let mut tx = store.begin().await.unwrap();
    tx.put_client(&dev.client).await.unwrap();
    drop(tx);
    let client = store.client(&dev.client.client_id).await.unwrap().unwrap();
    assert_eq!(client.role, Role::Developer);
}

/// Dashboard sessions: read back by their token's digest, removed by sign-out once, and the
/// expired ones removed together while live ones stay.
pub(crate) async fn dashboard_sessions_open_close_and_expire<B: Backend>(
    backend_store: &SqlStore<B>,
) {
    let store: &dyn Store = backend_store;
    let now = Utc::now();
    let (old, _) = DashboardSession::generate(now - Duration::hours(24));
    let (live, live_token) = DashboardSession::generate(now);
    let (other, _) = DashboardSession::generate(now);
    let mut tx = store.begin().await.unwrap();
    for session in [&old, &live, &other] {
        tx.insert_dashboard_session(session).await.unwrap();
    }
    tx.commit().await.unwrap();
    let key = storeroom_domain::dashboard_session::token_sha256(&live_token);
    assert_eq!(
        store.dashboard_session(&key).await.unwrap(),
        Some(live.clone())
    );
    assert!(
        store
            .dashboard_session(&live_token)
            .await
            .unwrap()
            .is_none()
    );

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.delete_expired_dashboard_sessions(now).await.unwrap(), 1);
    assert!(
        tx.delete_dashboard_session(&other.token_sha256)
            .await
            .unwrap()
    );
    assert!(
        !tx.delete_dashboard_session(&other.token_sha256)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert!(
        store
            .dashboard_session(&old.token_sha256)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .dashboard_session(&other.token_sha256)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.dashboard_session(&key).await.unwrap(), Some(live));
}

/// Searching apps by name: one seller's, any letter case, the text literal (no wildcards),
/// paged by seeking after the last place shown.
pub(crate) async fn application_search_seeks_by_name<B: Backend>(backend_store: &SqlStore<B>) {
    let store: &dyn Store = backend_store;
    let first = DevelopmentAccount::generate();
    let second = DevelopmentAccount::generate();
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    for name in [
        "Contoso Paint",
        "Fabrikam",
        "contoso notes",
        "100% Contoso_",
        "Contoso Mail",
    ] {
        let app = Application::reserve(&first.seller, name, true, now);
        tx.put_application(&app).await.unwrap();
    }
    let theirs = Application::reserve(&second.seller, "Contoso Theirs", true, now);
    tx.put_application(&theirs).await.unwrap();
    tx.commit().await.unwrap();

    let names = |found: &[(i64, Application)]| {
        found
            .iter()
            .map(|(_, app)| app.primary_name.clone())
            .collect::<Vec<_>>()
    };
    let seller = &first.seller.id;
    let page = store
        .search_applications(seller, "CONTOSO", 0, 2)
        .await
        .unwrap();
    assert_eq!(names(&page), ["Contoso Paint", "contoso notes"]);
    let after = page.last().unwrap().0;
    let page = store
        .search_applications(seller, "contoso", after, 2)
        .await
        .unwrap();
    assert_eq!(names(&page), ["100% Contoso_", "Contoso Mail"]);
    let after = page.last().unwrap().0;
    assert!(
        store
            .search_applications(seller, "contoso", after, 2)
            .await
            .unwrap()
            .is_empty()
    );
    let literal = store
        .search_applications(seller, "% Contoso_", 0, 10)
        .await
        .unwrap();
    assert_eq!(names(&literal), ["100% Contoso_"]);
    assert!(
        store
            .search_applications(seller, "t_o", 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let theirs = store
        .search_applications(&second.seller.id, "contoso", 0, 10)
        .await
        .unwrap();
    assert_eq!(names(&theirs), ["Contoso Theirs"]);
}
