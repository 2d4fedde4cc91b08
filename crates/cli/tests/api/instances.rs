//! Two `storeroom serve` processes on one PostgreSQL database and one blob store behave as
//! one service: credentials, tokens and SAS URLs of one work on the other, a submission moves
//! across both, each pipeline step is recorded once, a dead instance's job is taken over,
//! an instance stopped by SIGTERM hands its running job to the other at once, and
//! concurrent writes to one submission lose nothing.
//!
//! Runs only when `STOREROOM_TEST_DATABASE_URL` names a PostgreSQL server (SQLite is one
//! process's file); otherwise each test prints a `SKIPPED:` line and passes.

use crate::common;

use std::path::Path;
use std::process::Child;
use std::time::Duration;

use common::{eventually, json, put_blob};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use storeroom_domain::store::Store;
use storeroom_storage::PgStore;
use storeroom_testkit::scratch::ScratchSchema;
use tempfile::TempDir;

/// One `storeroom serve` process with its own data directory.
struct Instance {
    child: Child,
    base: String,
    data: TempDir,
}

impl Instance {
    /// Starts the binary on `database`, keeping blobs in the shared directory `blobs`, with
    /// job leases of `lease`.
    fn spawn(database: &str, blobs: &Path, pipeline: &str, lease: &str) -> Self {
        let data = tempfile::tempdir().unwrap();
        let blobs = format!("file://{}", blobs.display());
        let args = [
            "--pipeline",
            pipeline,
            "--blobs",
            &blobs,
            "--job-lease",
            lease,
        ];
        let (child, base, _log) =
            crate::ops::spawn_binary(data.path(), Some(database), &args, false);
        Self { child, base, data }
    }

    fn credentials(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.data.path().join("credentials.json")).unwrap())
            .unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    /// SIGTERM, and its exit status once it has stopped.
    async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid with a valid signal number.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let child = std::sync::Mutex::new(&mut self.child);
        eventually("the terminated instance exits", || async {
            child
                .lock()
                .unwrap()
                .try_wait()
                .unwrap()
                .ok_or("still running")
        })
        .await
    }

    fn kill(&mut self) {
        // SIGKILL: no shutdown, no lease handed back.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two instances on a fresh database and a shared blob directory, or None (skipped).
struct Cluster {
    a: Instance,
    b: Instance,
    http: Client,
    credentials: Value,
    /// The test's own connection to the database, to look at jobs and hold the write lock.
    db: PgStore,
    _blobs: TempDir,
    // Dropped last: after the instances have stopped.
    _schema: ScratchSchema,
}

impl Cluster {
    /// Two instances whose job leases last a second, so that a takeover is seen within
    /// seconds.
    async fn start(test: &str, pipeline: &str) -> Option<Self> {
        Self::start_with_lease(test, pipeline, "1s").await
    }

    async fn start_with_lease(test: &str, pipeline: &str, lease: &str) -> Option<Self> {
        let Some(schema) = common::test_database().await else {
            println!(
                "SKIPPED: instances::{test} needs PostgreSQL: set STOREROOM_TEST_DATABASE_URL=postgres://USER@HOST:PORT/DATABASE"
            );
            return None;
        };
        let blobs = tempfile::tempdir().unwrap();
        // Both at once: migrations, the development account and the keys are created by
        // whichever gets there first, and the other must find them.
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| Instance::spawn(&schema.url, blobs.path(), pipeline, lease));
            let b = scope.spawn(|| Instance::spawn(&schema.url, blobs.path(), pipeline, lease));
            (a.join().unwrap(), b.join().unwrap())
        });
        let credentials = a.credentials();
        assert_eq!(
            credentials,
            b.credentials(),
            "every instance writes the shared development credentials"
        );
        let db = PgStore::connect(&schema.url).await.unwrap();
        Some(Self {
            a,
            b,
            http: Client::new(),
            credentials,
            db,
            _blobs: blobs,
            _schema: schema,
        })
    }

    fn cred(&self, name: &str) -> &str {
        self.credentials[name].as_str().unwrap()
    }

    async fn token(&self, on: &Instance) -> String {
        self.token_for(on, common::DEVCENTER).await
    }

    async fn token_for(&self, on: &Instance, resource: &str) -> String {
        let response = self
            .http
            .post(on.url(&format!("{}/oauth2/token", self.cred("tenantId"))))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.cred("clientId")),
                ("client_secret", self.cred("clientSecret")),
                ("resource", resource),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    async fn reserve_app(&self, on: &Instance, name: &str) -> Value {
        let response = self
            .http
            .post(on.url("admin/v1/applications"))
            .bearer_auth(self.cred("adminToken"))
            .json(&json!({"name": name, "type": "msix"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    async fn dc(
        &self,
        on: &Instance,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, on.url(&format!("v1.0/my/{path}")))
            .bearer_auth(token)
            .header("content-type", "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        json(request.send().await.unwrap()).await
    }

    /// Creates a submission of `app` on `on` that adds one real package, returning its id,
    /// path and fileUploadUrl.
    async fn submission_with_package(
        &self,
        on: &Instance,
        token: &str,
        app: &Value,
    ) -> (String, String, String) {
        let app_id = app["id"].as_str().unwrap();
        let (status, created) = self
            .dc(
                on,
                Method::POST,
                &format!("applications/{app_id}/submissions"),
                token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap().to_string();
        let path = format!("applications/{app_id}/submissions/{id}");
        let mut packages = created["applicationPackages"].clone();
        packages.as_array_mut().unwrap().push(json!({
            "fileName": "Shared_2.0.0.0_x64.msix", "fileStatus": "PendingUpload",
            "minimumDirectXVersion": "None", "minimumSystemRam": "None"}));
        let (status, body) = self
            .dc(
                on,
                Method::PUT,
                &path,
                token,
                Some(json!({"applicationPackages": packages})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let upload = created["fileUploadUrl"].as_str().unwrap().to_string();
        (id, path, upload)
    }

    /// Polls the status on `on` until it leaves the in-flight states.
    async fn final_status(&self, on: &Instance, token: &str, path: &str) -> Value {
        eventually("the submission leaves the in-flight states", || async {
            let (_, status) = self
                .dc(on, Method::GET, &format!("{path}/status"), token, None)
                .await;
            let name = status["status"].as_str().unwrap_or_default();
            let in_flight = [
                "CommitStarted",
                "PreProcessing",
                "Certification",
                "Release",
                "Publishing",
            ];
            if in_flight.contains(&name) {
                Err(status)
            } else {
                Ok(status)
            }
        })
        .await
    }

    async fn jobs_of(&self, submission_id: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE submission_id = $1")
            .bind(submission_id)
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }
}

/// A committed submission whose first step an instance has claimed and cannot record: the
/// test holds the write lock every transaction takes.
struct HeldStep {
    id: String,
    path: String,
    /// The test's connection holding the lock (see [`Cluster::release`]).
    lock: sqlx::pool::PoolConnection<sqlx::Postgres>,
    /// The lease owner: `worker-<pid>-<millis>-<queue>`.
    holder: String,
}

impl Cluster {
    /// Commits, on A, a submission of a fresh app `name` adding one real package, then
    /// holds the write lock until an instance has claimed its first step (due in a second
    /// under `delay=1s`): that instance runs the step and then waits, holding the job's
    /// lease, to record it.
    async fn commit_and_hold_the_first_step(&self, name: &str) -> HeldStep {
        let app = self.reserve_app(&self.a, name).await;
        let token = self.token(&self.a).await;
        let (id, path, upload) = self.submission_with_package(&self.a, &token, &app).await;
        let response = put_blob(&self.http, &upload, package_zip(&app)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let (status, body) = self
            .dc(
                &self.a,
                Method::POST,
                &format!("{path}/commit"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let mut lock = self.db.pool().acquire().await.unwrap();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(self.db.write_lock())
            .execute(&mut *lock)
            .await
            .unwrap();
        let holder = eventually("an instance claims the job", || async {
            self.owner_of(&id)
                .await
                .ok_or("no instance claimed the job")
        })
        .await;
        HeldStep {
            id,
            path,
            lock,
            holder,
        }
    }

    /// Who holds the lease of the submission's job, if anyone.
    async fn owner_of(&self, submission_id: &str) -> Option<String> {
        sqlx::query_scalar(
            "SELECT lease_owner FROM jobs WHERE submission_id = $1 AND lease_owner IS NOT NULL",
        )
        .bind(submission_id)
        .fetch_optional(self.db.pool())
        .await
        .unwrap()
    }

    /// Whether A (else B) holds the held step's lease.
    fn a_holds(&self, held: &HeldStep) -> bool {
        let pid: u32 = held.holder.split('-').nth(1).unwrap().parse().unwrap();
        let a_holds = self.a.child.id() == pid;
        assert!(
            a_holds || self.b.child.id() == pid,
            "{} is neither instance",
            held.holder
        );
        a_holds
    }

    /// Lets the instances write again.
    async fn release(&self, mut lock: sqlx::pool::PoolConnection<sqlx::Postgres>) {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(self.db.write_lock())
            .execute(&mut *lock)
            .await
            .unwrap();
    }
}

/// A submission ZIP with one real package of the app.
fn package_zip(app: &Value) -> Vec<u8> {
    let package = storeroom_testkit::fixtures::PackageFixture::new(
        app["packageIdentityName"].as_str().unwrap(),
    )
    .publisher(app["publisherName"].as_str().unwrap())
    .version("2.0.0.0");
    storeroom_testkit::fixtures::SubmissionFixture::new()
        .file("Shared_2.0.0.0_x64.msix", package.to_bytes())
        .to_bytes()
}

/// `url` (issued by `from`) pointed at `to`: the same path and SAS, another instance.
fn retarget(url: &str, from: &Instance, to: &Instance) -> String {
    assert!(url.starts_with(&from.base), "{url} is not {}'s", from.base);
    format!("{}{}", to.base, &url[from.base.len()..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_moves_across_instances_and_runs_once() {
    let Some(cluster) = Cluster::start(
        "a_submission_moves_across_instances_and_runs_once",
        "immediate",
    )
    .await
    else {
        return;
    };
    let (a, b) = (&cluster.a, &cluster.b);
    let app = cluster.reserve_app(a, "Shared").await;
    let app_id = app["id"].as_str().unwrap();
    // Tokens are signed with the key in the database: one issued by B works on A, and back.
    let token_b = cluster.token(b).await;
    let token_a = cluster.token(a).await;
    let (status, _) = cluster
        .dc(
            b,
            Method::GET,
            &format!("applications/{app_id}"),
            &token_a,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "A's token on B");

    // Created on A (with B's token); the upload goes to B with the SAS URL A issued.
    let (id, path, upload_a) = cluster.submission_with_package(a, &token_b, &app).await;
    let upload = put_blob(&cluster.http, &retarget(&upload_a, a, b), package_zip(&app)).await;
    assert_eq!(upload.status(), StatusCode::CREATED, "A's SAS URL on B");
    // B's own fileUploadUrl for the same submission names the same blob, which B sees.
    let (_, on_b) = cluster.dc(b, Method::GET, &path, &token_b, None).await;
    let upload_b = on_b["fileUploadUrl"].as_str().unwrap();
    assert!(upload_b.starts_with(&b.base), "{upload_b}");
    let properties = cluster
        .http
        .head(retarget(upload_b, b, a).replace('+', "%2B"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        properties.status(),
        StatusCode::OK,
        "B's SAS URL on A finds the blob uploaded through B"
    );

    let (status, body) = cluster
        .dc(a, Method::POST, &format!("{path}/commit"), &token_a, None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let last = cluster.final_status(b, &token_b, &path).await;
    assert_eq!(last["status"], "Published", "{last}");

    // Each step was recorded once, whichever instance ran it: one certification report and
    // no job left behind.
    let (_, submission) = cluster.dc(a, Method::GET, &path, &token_a, None).await;
    let reports = submission["statusDetails"]["certificationReports"]
        .as_array()
        .unwrap();
    assert_eq!(reports.len(), 1, "{submission}");
    assert_eq!(cluster.jobs_of(&id).await, 0);
    let (_, app_on_b) = cluster
        .dc(
            b,
            Method::GET,
            &format!("applications/{app_id}"),
            &token_b,
            None,
        )
        .await;
    assert_eq!(
        app_on_b["lastPublishedApplicationSubmission"]["id"],
        id.as_str()
    );

    // The clock is shared: moving it on A moves it on B.
    let moved: Value = cluster
        .http
        .post(a.url("admin/v1/clock"))
        .bearer_auth(cluster.cred("adminToken"))
        .json(&json!({"advanceSeconds": 86_400}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let moved = chrono::DateTime::parse_from_rfc3339(moved["now"].as_str().unwrap()).unwrap();
    // B catches up with the shared clock on its own schedule: read it until it has.
    let on_b = eventually("B follows A's clock", || async {
        let on_b: Value = cluster
            .http
            .get(b.url("admin/v1/clock"))
            .bearer_auth(cluster.cred("adminToken"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let on_b = chrono::DateTime::parse_from_rfc3339(on_b["now"].as_str().unwrap()).unwrap();
        if on_b >= moved { Ok(on_b) } else { Err(on_b) }
    })
    .await;
    assert!(on_b >= moved, "B follows A's clock: {on_b} < {moved}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_of_a_killed_instance_is_finished_by_the_other() {
    let Some(mut cluster) = Cluster::start(
        "the_job_of_a_killed_instance_is_finished_by_the_other",
        "delay=1s",
    )
    .await
    else {
        return;
    };
    let held = cluster.commit_and_hold_the_first_step("Survivor").await;
    let (id, path, holder) = (held.id.clone(), held.path.clone(), held.holder.clone());
    // A live holder keeps renewing its lease (1s) while its step is held up: once the lease
    // has been renewed for three more seconds, the job is still its own.
    let lease_of = async |cluster: &Cluster| -> Option<(String, i64)> {
        sqlx::query_as(
            "SELECT lease_owner, lease_until FROM jobs
             WHERE submission_id = $1 AND lease_owner IS NOT NULL",
        )
        .bind(&id)
        .fetch_optional(cluster.db.pool())
        .await
        .unwrap()
    };
    let (_, first_lease) = lease_of(&cluster).await.expect("a leased job");
    eventually("the holder renews its lease three times over", || async {
        let (owner, until) = lease_of(&cluster).await.expect("a leased job");
        assert_eq!(owner, holder, "the live holder keeps its job");
        if until >= first_lease + 3_000 {
            Ok(())
        } else {
            Err(until)
        }
    })
    .await;
    assert_eq!(
        cluster.owner_of(&id).await.as_deref(),
        Some(holder.as_str())
    );

    // Kill the instance holding the job.
    let a_holds = cluster.a_holds(&held);
    if a_holds {
        cluster.a.kill();
    } else {
        cluster.b.kill();
    }
    cluster.release(held.lock).await;

    // The survivor takes the job over once the dead holder's lease runs out.
    let survivor = if a_holds { &cluster.b } else { &cluster.a };
    let token = cluster.token(survivor).await;
    let last = cluster.final_status(survivor, &token, &path).await;
    assert_eq!(last["status"], "Published", "{last}");
    let (_, submission) = cluster.dc(survivor, Method::GET, &path, &token, None).await;
    assert_eq!(
        submission["statusDetails"]["certificationReports"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{submission}"
    );
    assert_eq!(cluster.jobs_of(&id).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigterm_hands_the_running_job_to_the_other_instance_at_once() {
    // Leases far longer than any wait below: the survivor can only finish the job in time
    // if the stopping instance hands its lease back.
    let Some(mut cluster) = Cluster::start_with_lease(
        "a_sigterm_hands_the_running_job_to_the_other_instance_at_once",
        "delay=1s",
        "10m",
    )
    .await
    else {
        return;
    };
    let held = cluster.commit_and_hold_the_first_step("Handover").await;
    let a_holds = cluster.a_holds(&held);
    let stopping = if a_holds {
        &mut cluster.a
    } else {
        &mut cluster.b
    };
    let status = stopping.terminate().await;
    assert!(status.success(), "a SIGTERM stops with exit 0: {status:?}");
    assert_ne!(
        cluster.owner_of(&held.id).await,
        Some(held.holder),
        "the stopped instance handed its lease back"
    );
    let (id, path) = (held.id, held.path);
    cluster.release(held.lock).await;

    let survivor = if a_holds { &cluster.b } else { &cluster.a };
    let token = cluster.token(survivor).await;
    let last = cluster.final_status(survivor, &token, &path).await;
    assert_eq!(last["status"], "Published", "{last}");
    assert_eq!(cluster.jobs_of(&id).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_to_one_submission_lose_nothing() {
    let Some(cluster) = Cluster::start(
        "concurrent_writes_to_one_submission_lose_nothing",
        "immediate",
    )
    .await
    else {
        return;
    };
    let (a, b) = (&cluster.a, &cluster.b);
    let app = cluster.reserve_app(a, "Writers").await;
    let app_id = app["id"].as_str().unwrap();
    let token = cluster.token(a).await;

    // PUTs that each change another field, sent at once through both instances: PUT merges
    // into the stored submission, so every write that answered 200 must still be there.
    let (status, created) = cluster
        .dc(
            a,
            Method::POST,
            &format!("applications/{app_id}/submissions"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!(
        "applications/{app_id}/submissions/{}",
        created["id"].as_str().unwrap()
    );
    let fields = [
        "automaticBackupEnabled",
        "canInstallOnRemovableMedia",
        "isGameDvrEnabled",
        "hasExternalInAppProducts",
        "meetAccessibilityGuidelines",
        "allowMicrosoftDecideAppAvailabilityToFutureDeviceFamilies",
    ];
    let writes = fields.iter().enumerate().map(|(n, field)| {
        let on = if n % 2 == 0 { a } else { b };
        let flipped = !created[*field].as_bool().unwrap();
        let (cluster, token, path) = (&cluster, &token, &path);
        async move {
            let (status, body) = cluster
                .dc(
                    on,
                    Method::PUT,
                    path,
                    token,
                    Some(json!({ *field: flipped })),
                )
                .await;
            (*field, flipped, status, body)
        }
    });
    let notes = async {
        cluster
            .dc(
                b,
                Method::PUT,
                &path,
                &token,
                Some(json!({"notesForCertification": "from the last writer"})),
            )
            .await
    };
    let (results, (notes_status, notes_body)) =
        tokio::join!(futures::future::join_all(writes), notes);
    let (_, stored) = cluster.dc(b, Method::GET, &path, &token, None).await;
    for (field, flipped, status, body) in results {
        match status {
            StatusCode::OK => assert_eq!(stored[field], flipped, "{field} was lost"),
            StatusCode::CONFLICT => {
                assert_eq!(body["code"], "InvalidState", "{body}");
                assert_eq!(stored[field], !flipped);
            }
            other => panic!("PUT {field}: {other} {body}"),
        }
    }
    assert_eq!(notes_status, StatusCode::OK, "{notes_body}");
    assert_eq!(stored["notesForCertification"], "from the last writer");

    // A PUT racing the commit: either it is in the committed submission (200, then commit),
    // or it lost to the commit and says so (409 InvalidState). Never a 200 whose change is
    // missing from what was committed.
    let mut lost_races = 0;
    let rounds = 4;
    for round in 0..rounds {
        let app = cluster.reserve_app(a, &format!("Race {round}")).await;
        let app_id = app["id"].as_str().unwrap();
        let (status, created) = cluster
            .dc(
                a,
                Method::POST,
                &format!("applications/{app_id}/submissions"),
                &token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let path = format!(
            "applications/{app_id}/submissions/{}",
            created["id"].as_str().unwrap()
        );
        let note = format!("round {round}");
        let put = cluster.dc(
            b,
            Method::PUT,
            &path,
            &token,
            Some(json!({ "notesForCertification": note })),
        );
        let commit_path = format!("{path}/commit");
        // Staggered a little more each round, so that both orders get their turn.
        let commit = async {
            tokio::time::sleep(Duration::from_millis(4 * round)).await;
            cluster
                .dc(a, Method::POST, &commit_path, &token, None)
                .await
        };
        let ((put_status, put_body), (commit_status, commit_body)) = tokio::join!(put, commit);
        assert_eq!(commit_status, StatusCode::ACCEPTED, "{commit_body}");
        let last = cluster.final_status(a, &token, &path).await;
        let (_, committed) = cluster.dc(a, Method::GET, &path, &token, None).await;
        match put_status {
            StatusCode::OK => assert_eq!(
                committed["notesForCertification"], note,
                "a PUT answered 200 but its change was not committed ({last})"
            ),
            StatusCode::CONFLICT => {
                assert_eq!(put_body["code"], "InvalidState", "{put_body}");
                assert_ne!(committed["notesForCertification"], note);
                lost_races += 1;
            }
            other => panic!("PUT racing commit: {other} {put_body}"),
        }
    }
    println!("PUTs that lost the race to the commit (409 InvalidState): {lost_races} of {rounds}");
}

#[tokio::test]
async fn an_offer_submitted_on_one_instance_goes_live_through_both() {
    use storeroom_testkit::app::partner::{PARTNER, PartnerClient};
    let Some(cluster) = Cluster::start(
        "an_offer_submitted_on_one_instance_goes_live_through_both",
        "immediate",
    )
    .await
    else {
        return;
    };
    let on_a = PartnerClient::new(
        &cluster.a.base,
        cluster.token_for(&cluster.a, PARTNER).await,
    );
    let offer = crate::partner::prepare_offer(&on_a, "shared-offer").await;
    // Instance b sees what a wrote, takes the submission, and either runs its steps.
    let on_b = PartnerClient::new(
        &cluster.b.base,
        cluster.token_for(&cluster.b, PARTNER).await,
    );
    let mut request = crate::partner::submission_request(&on_b, &offer).await;
    request["publishOption"] = json!({"isAutoPromote": true});
    let created = on_b
        .expect(
            Method::POST,
            &format!("products/{}/submissions", offer.product),
            request,
            StatusCode::CREATED,
        )
        .await;
    let sid = created["id"].as_str().unwrap();
    let live = on_a.wait_substate(&offer.product, sid, "InStore").await;
    assert_eq!(live["releaseNumber"], 1);
    let workflow = on_b
        .get(&format!(
            "products/{}/submissions/{sid}/workflowdetails",
            offer.product
        ))
        .await;
    let steps: Vec<&Value> = workflow["value"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["workflowSteps"].as_array().unwrap())
        .collect();
    assert_eq!(steps.len(), 5);
    assert!(steps.iter().all(|s| s["state"] == "Success"), "{workflow}");
    assert_eq!(
        cluster.db.next_job_due("ingestion").await.unwrap(),
        None,
        "no job left behind"
    );
}

/// Roles and keys live in the database, read on every call: a role changed through one
/// instance is obeyed by the other at once (no instance remembers clients), and a key made
/// on one opens the other's token endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_changed_on_one_instance_is_obeyed_by_the_other() {
    let Some(cluster) = Cluster::start(
        "a_role_changed_on_one_instance_is_obeyed_by_the_other",
        "immediate",
    )
    .await
    else {
        return;
    };
    cluster.reserve_app(&cluster.a, "Reader").await;
    let token = cluster.token(&cluster.b).await;
    let (status, _) = cluster
        .dc(&cluster.b, Method::GET, "applications", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK, "b has read the client as a Manager");

    let admin = |method: Method, path: &str| {
        cluster
            .http
            .request(method, cluster.a.url(path))
            .bearer_auth(cluster.cred("adminToken"))
    };
    let client = cluster.cred("clientId");
    let response = admin(Method::PUT, &format!("admin/v1/clients/{client}"))
        .json(&json!({"role": "Developer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, body) = cluster
        .dc(&cluster.b, Method::GET, "applications", &token, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        body["message"],
        "Authorization: Account is not allowed to access this api"
    );

    let (status, key) = json(
        admin(Method::POST, &format!("admin/v1/clients/{client}/keys"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let response = cluster
        .http
        .post(
            cluster
                .b
                .url(&format!("{}/oauth2/token", cluster.cred("tenantId"))),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", key["secret"].as_str().unwrap()),
            ("resource", common::DEVCENTER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_dashboard_session_opened_on_one_instance_is_honoured_and_closed_on_the_other() {
    let Some(cluster) = Cluster::start(
        "a_dashboard_session_opened_on_one_instance_is_honoured_and_closed_on_the_other",
        "immediate",
    )
    .await
    else {
        return;
    };
    use crate::dashboard::{Dashboard, csrf_of};
    let mut on_a = Dashboard::through(Client::builder(), &cluster.a.base);
    let signed = on_a.sign_in(cluster.cred("adminToken")).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let mut on_b = Dashboard::through(Client::builder(), &cluster.b.base);
    on_b.cookie = on_a.cookie.clone();
    let page = on_b.page("/dashboard/clock").await;
    let out = on_b
        .post("/dashboard/signout", &[("csrf", &csrf_of(&page))])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = on_a.get("/dashboard/clock").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "a still honours it");
    assert_eq!(after.location, "/dashboard/signin");
}
