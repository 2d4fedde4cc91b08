//! Test harness: the kit's real server on 127.0.0.1:0 (see `storeroom_testkit::app`), and
//! what only this crate's tests need: the SDK environments of `scripts/setup-test-env.sh`.
#![allow(dead_code)]

use std::path::PathBuf;

pub use storeroom_testkit::app::{
    DEVCENTER, TestApp, TestServer, call_as, json, put_blob, zip_bytes, zip_of,
};
pub use storeroom_testkit::eventually;
pub use storeroom_testkit::scratch::test_database;

/// The Python interpreter of the test virtualenv, when it exists.
pub fn python() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("STOREROOM_TEST_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    root.exists().then_some(root)
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Node and the installed JavaScript SDK, when `scripts/setup-test-env.sh` has run.
pub fn node_sdk() -> Option<PathBuf> {
    let script = repo_root().join("tests/js/upload_sdk.mjs");
    let installed = repo_root().join("tests/js/node_modules/@azure/storage-blob/package.json");
    let node_runs = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (installed.exists() && node_runs).then_some(script)
}

/// The MSI/EXE submission API helpers.
pub mod msi {
    pub use storeroom_testkit::app::msi::{MsiClient, STORE};
    pub use storeroom_testkit::fixtures::grey_png as png;
}
