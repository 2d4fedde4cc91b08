//! The seed 001 Node.js sample, unmodified except for its configuration object, runs against
//! storeroom through to a PUBLISHED submission.
//!
//! The sample's code is not part of this repository: this test extracts its three code
//! blocks from the seed file beside the repository (`../shared/spec/seeds/`), writes them to
//! a temporary directory with the configuration values of the running server, and runs them
//! with node and the `node-fetch@2` that `scripts/setup-test-env.sh` installs in
//! `tests/node-sample/node_modules`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::msi::png;
use common::{TestServer, repo_root};
use serde_json::Value;

const SEED: &str = "../shared/spec/seeds/001_9ad0d7f3e2fa5186.txt";

/// The fenced `nodejs` blocks of the seed's Node.js section.
fn node_blocks(seed: &str) -> Vec<String> {
    let section = seed
        .split_once("## Node.js sample")
        .map_or("", |(_, rest)| rest);
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in section.lines() {
        match (&mut current, line.trim_start()) {
            (None, fence) if fence.starts_with("```nodejs") => current = Some(Vec::new()),
            (Some(lines), "```") => {
                blocks.push(lines.join("\n") + "\n");
                current = None;
            }
            (Some(lines), _) => lines.push(line),
            (None, _) => {}
        }
    }
    blocks
}

/// The configuration block with each named key's string value replaced; nothing else changes.
fn configure(block: &str, values: &[(&str, String)]) -> String {
    let mut replaced = 0;
    let lines: Vec<String> = block
        .lines()
        .map(|line| {
            let key = line
                .trim_start()
                .split([' ', ':'])
                .next()
                .unwrap_or_default();
            match values.iter().find(|(name, _)| *name == key) {
                Some((_, value)) => {
                    replaced += 1;
                    let indent = &line[..line.len() - line.trim_start().len()];
                    let comma = if line.trim_end().ends_with(',') {
                        ","
                    } else {
                        ""
                    };
                    format!("{indent}{key} : {}{comma}", Value::String(value.clone()))
                }
                None => line.to_string(),
            }
        })
        .collect();
    assert_eq!(
        replaced,
        values.len(),
        "every configuration key is in the sample"
    );
    lines.join("\n") + "\n"
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[tokio::test]
async fn the_seed_node_sample_reaches_published() {
    let seed_path = repo_root().join(SEED);
    let Ok(seed) = std::fs::read_to_string(&seed_path) else {
        println!("SKIPPED: seed 001 not found at {}", seed_path.display());
        return;
    };
    let modules: PathBuf = repo_root().join("tests/node-sample/node_modules");
    let node_runs = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_runs || !modules.join("node-fetch/package.json").exists() {
        println!(
            "SKIPPED: node or tests/node-sample/node_modules/node-fetch not found (run scripts/setup-test-env.sh)"
        );
        return;
    }
    let blocks = node_blocks(&seed);
    let find = |needle: &str| -> String {
        blocks
            .iter()
            .find(|b| b.contains(needle))
            .unwrap_or_else(|| panic!("the seed's Node.js section has a block with {needle}"))
            .clone()
    };
    let (main, config, client) = (
        find("RunNodeJsSample"),
        find("var config"),
        find("class SubmissionClient"),
    );

    let server = TestServer::start().await;
    let product = server.reserve_win32("Node Sample").await;
    let dir = tempfile::tempdir().unwrap();
    let config = configure(
        &config,
        &[
            ("applicationId", product.clone()),
            ("clientId", server.cred("clientId")),
            ("clientSecret", server.cred("clientSecret")),
            ("serviceEndpoint", server.base.clone()),
            (
                "tokenEndpoint",
                server.url(&format!("{}/oauth2/v2.0/token", server.cred("tenantId"))),
            ),
            ("sellerId", server.cred("sellerId")),
        ],
    );
    write(dir.path(), "index.js", &main);
    write(dir.path(), "Configuration.js", &config);
    write(dir.path(), "SubmissionClient.js", &client);
    // The sample uploads ./Image.png as its screenshot.
    std::fs::write(dir.path().join("Image.png"), png(1920, 1080)).unwrap();

    let cwd = dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("index.js")
            .current_dir(cwd)
            .env("NODE_PATH", modules)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    // An exception or a rejected promise ends node with a non-zero status.
    assert!(
        output.status.success(),
        "the sample failed:\n{stdout}\n{stderr}"
    );

    let created = stdout
        .lines()
        .skip_while(|line| !line.contains("Creating Submission"))
        .find_map(|line| serde_json::from_str::<Value>(line).ok())
        .unwrap_or_else(|| panic!("the sample printed no submission:\n{stdout}"));
    assert_eq!(created["isSuccess"], true, "{created}");
    let submission = created["responseData"]["submissionId"]
        .as_str()
        .unwrap()
        .to_string();

    let msi = server.msi_client().await;
    let done = msi.wait_submission(&product, &submission).await;
    assert_eq!(
        done["responseData"]["publishingStatus"], "PUBLISHED",
        "{done}"
    );
    // What the sample changed is in the product.
    let listings = msi.get(&product, "metadata/listings").await;
    assert_eq!(
        listings["responseData"]["listings"][0]["description"],
        "New Description Updated By Node.js Sample Code"
    );
    let assets = msi.get(&product, "listings/assets").await;
    let shots = &assets["responseData"]["listingAssets"][0]["screenshots"];
    assert_eq!(shots.as_array().unwrap().len(), 1, "{assets}");
    // The sample's full update set "/s /r new-args"; its PATCH, by the id it read before
    // that update, reaches the package that took its place and sets the final value.
    let packages = msi.get(&product, "packages").await;
    assert_eq!(
        packages["responseData"]["packages"][0]["installerParameters"],
        "/s /r /t new-args"
    );
}
