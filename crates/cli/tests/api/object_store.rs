//! storeroom on object storage: `--blobs s3://…` against moto's S3 server and
//! `--blobs az://…` against Azurite, each started by the test on a free port (modules in
//! `object_store/`: `servers` runs them, `flows` drives the blob endpoint and a whole
//! submission, `memory` measures a large upload).

mod flows;
mod memory;
mod servers;

use servers::{Kind, ObjectServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_blob_endpoint_and_submission() {
    if let Some(object) = ObjectServer::start(Kind::S3).await {
        flows::endpoint_and_submission(&object).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_blob_endpoint_and_submission() {
    if let Some(object) = ObjectServer::start(Kind::Azure).await {
        flows::endpoint_and_submission(&object).await;
    }
}

/// The large uploads measure the server process, whatever database the suite runs on
/// (`scripts/test.sh` runs it twice): once is enough.
fn on_the_postgres_pass() -> bool {
    let other = std::env::var("STOREROOM_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    if other {
        println!("SKIPPED: the large upload runs in the SQLite pass of the suite only");
    }
    other
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_large_upload_in_bounded_memory() {
    if on_the_postgres_pass() {
        return;
    }
    if let Some(object) = ObjectServer::start(Kind::S3).await {
        memory::large_upload_in_bounded_memory(&object).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_large_upload_in_bounded_memory() {
    if on_the_postgres_pass() {
        return;
    }
    if let Some(object) = ObjectServer::start(Kind::Azure).await {
        memory::large_upload_in_bounded_memory(&object).await;
    }
}
