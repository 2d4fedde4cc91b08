//! The `storeroom` client commands, run as a user runs them: the built binary in its own
//! process, with a profile in a temporary config directory, against a real server.

mod admin;
mod errors;
mod groups;
mod ops;
mod profiles;
mod publish;
mod retries;
mod submission;

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::TestApp;

/// The binary with a config directory of its own and a profile `test` of the server.
pub struct Cli {
    pub config: TempDir,
    pub work: TempDir,
    pub credentials: PathBuf,
    pub base: String,
}

/// What one run gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| {
            panic!(
                "stdout is not JSON ({err}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts the exit status and that stderr says `said`.
    pub fn ends(&self, code: i32, said: &str) {
        assert_eq!(self.code, code, "{}", self.stderr);
        assert!(self.stderr.contains(said), "{}", self.stderr);
    }

    /// Asserts success and returns stdout as JSON.
    pub fn ok_json(&self) -> Value {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self.json()
    }
}

impl Cli {
    /// A config directory with no profile yet.
    pub fn bare(app: &TestApp) -> Self {
        Self {
            config: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
            credentials: app.server.dir.path().join("credentials.json"),
            base: app.server.base.clone(),
        }
    }

    /// A config directory whose default profile is the server, made with `profile add`.
    pub async fn for_app(app: &TestApp) -> Self {
        let cli = Self::bare(app);
        let added = cli
            .run(&[
                "profile",
                "add",
                "test",
                "--storeroom",
                &cli.base,
                "--credentials",
                cli.credentials.to_str().unwrap(),
                "--json",
            ])
            .await;
        added.ok_json();
        cli
    }

    /// Runs `storeroom ARGS` in the work directory, with only this test's environment.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[]).await
    }

    pub async fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        for (name, value) in env {
            command.env(name, value);
        }
        Run::from(command.output().await.expect("the storeroom binary runs"))
    }

    /// Runs `storeroom ARGS` with `input` on its stdin.
    pub async fn run_input(&self, args: &[&str], input: &str) -> Run {
        use tokio::io::AsyncWriteExt;
        let mut child = self
            .command(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the storeroom binary starts");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).await.unwrap();
        drop(stdin);
        Run::from(child.wait_with_output().await.unwrap())
    }

    /// `storeroom ARGS` ready to run, with only this test's environment; killed when
    /// dropped.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_storeroom"));
        command
            .args(args)
            .current_dir(self.work.path())
            .env("STOREROOM_CONFIG_DIR", self.config.path())
            .env_remove("STOREROOM_CLIENT_SECRET")
            .env_remove("STOREROOM_ADMIN_TOKEN")
            .env_remove("STOREROOM_PROFILE")
            .env_remove("STOREROOM_URL")
            .env_remove("STOREROOM_CLIENT_ID")
            .kill_on_drop(true);
        command
    }

    /// Runs `storeroom ARGS --json`, asserts success and returns stdout as JSON.
    pub async fn ok(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        self.run(&args).await.ok_json()
    }

    /// Runs `storeroom publish --app APP ARGS --wait` polling every 100 ms.
    pub async fn publish(&self, app_id: &str, args: &[&str]) -> Run {
        let mut all = vec!["publish", "--app", app_id];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--wait", "--poll-interval", "100ms"]);
        self.run(&all).await
    }

    /// Reserves an MSI/EXE product with `admin reserve --type win32`; its answer.
    pub async fn reserve_product(&self, name: &str) -> Value {
        let product = self
            .ok(&["admin", "reserve", "--name", name, "--type", "win32"])
            .await;
        assert!(product["productId"].is_string(), "{product}");
        product
    }

    /// `submission update --app APP ID --from FILE`; the updated submission.
    pub async fn update(&self, app_id: &str, id: &str, file: &std::path::Path) -> Value {
        let file = file.to_str().unwrap();
        self.ok(&["submission", "update", "--app", app_id, id, "--from", file])
            .await
    }

    /// A package of the app made with `package make`; its path.
    pub async fn package(&self, app_id: &str, extra: &[&str]) -> String {
        let mut args = vec!["package", "make", "--app", app_id, "--json"];
        args.extend_from_slice(extra);
        let made = self.run(&args).await.ok_json();
        self.work
            .path()
            .join(made["file"].as_str().unwrap())
            .to_str()
            .unwrap()
            .to_string()
    }
}
