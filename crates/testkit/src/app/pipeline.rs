//! Waiting for the pipeline: for a status the pipeline reaches on its own, or until it has
//! nothing left to do at the server's time. The one place tests wait for the pipeline, so
//! that running it in-process (draining its jobs) instead is a change here only.

use std::future::Future;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use storeroom_domain::ingestion::store::INGESTION_QUEUE;
use storeroom_domain::store::{DEVCENTER_QUEUE, MSI_QUEUE};
use storeroom_storage::{Database, DatabaseUrl};

use super::http::json;
use super::{IN_FLIGHT, TestServer};
use crate::eventually::eventually;

impl TestServer {
    /// Waits until `check` returns `Ok`, for a state the pipeline reaches on its own.
    /// The one place that says how tests wait for the pipeline: polling its visible state.
    pub async fn until<T, S, F, Fut>(&self, what: &str, check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, S>>,
        S: std::fmt::Debug,
    {
        eventually(what, check).await
    }

    /// Waits until the pipeline has nothing to do at the server's current time: no job due
    /// and none running, so until a request or a clock advance, no submission can move.
    /// The one place tests wait for the pipeline to settle (a job running shows as due at its
    /// lease's end, so only jobs due later than a lease from now count as waiting).
    pub async fn settle_pipeline(&self) {
        let now = self.server_now().await;
        let url = DatabaseUrl::parse(
            self.database.as_ref().map(|db| db.url.as_str()),
            self.dir.path(),
        )
        .expect("test database URL");
        let database = Database::open(&url).await.expect("test database opens");
        let store = database.store();
        let quiet_until = now + chrono::Duration::from_std(self.job_lease).expect("lease");
        self.until("the pipeline settles", || {
            let store = store.clone();
            async move {
                for queue in [DEVCENTER_QUEUE, MSI_QUEUE, INGESTION_QUEUE] {
                    match store.next_job_due(queue).await.expect("reading the queue") {
                        Some(due) if due <= quiet_until => return Err((queue, due)),
                        _ => {}
                    }
                }
                Ok(())
            }
        })
        .await
    }

    /// The server clock (the admin clock, which tests may advance).
    pub async fn server_now(&self) -> chrono::DateTime<chrono::Utc> {
        let (status, clock) = json(
            self.admin(Method::GET, "admin/v1/clock")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{clock}");
        clock["now"]
            .as_str()
            .and_then(|now| chrono::DateTime::parse_from_rfc3339(now).ok())
            .expect("clock.now")
            .with_timezone(&chrono::Utc)
    }

    /// Commits and waits for the pipeline to finish; returns the final status resource.
    pub async fn commit_and_wait(&self, token: &str, app_id: &str, submission_id: &str) -> Value {
        let path = format!("applications/{app_id}/submissions/{submission_id}/commit");
        let (status, body) = json(self.dc(Method::POST, &path, token).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        self.wait_for_final_status(app_id, submission_id, token)
            .await
    }

    /// Polls the submission status until it leaves the in-flight states.
    pub async fn wait_for_final_status(
        &self,
        app_id: &str,
        submission_id: &str,
        token: &str,
    ) -> Value {
        let path = format!("applications/{app_id}/submissions/{submission_id}/status");
        self.wait_settled(&path, token).await
    }

    /// Reads the status resource at `status_path` (under `/v1.0/my/`) until the pipeline has
    /// let go of it (the status is none of [`IN_FLIGHT`]); returns it.
    pub async fn wait_settled(&self, status_path: &str, token: &str) -> Value {
        self.wait_for_status(status_path, token, |status| !IN_FLIGHT.contains(&status))
            .await
    }

    /// Reads the status resource at `status_path` (under `/v1.0/my/`) until its `status`
    /// meets `done`; returns it.
    pub async fn wait_for_status(
        &self,
        status_path: &str,
        token: &str,
        done: impl Fn(&str) -> bool,
    ) -> Value {
        let done = &done;
        self.until(
            &format!("{status_path} reaches the wanted status"),
            || async move {
                let (_, status) = json(
                    self.dc(Method::GET, status_path, token)
                        .send()
                        .await
                        .unwrap(),
                )
                .await;
                if status["status"].as_str().is_some_and(done) {
                    Ok(status)
                } else {
                    Err(status)
                }
            },
        )
        .await
    }
}
