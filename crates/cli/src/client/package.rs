//! `storeroom package make`: a real, unsigned `.msix` for a reserved app, with the package
//! identity and publisher the app was reserved with (read from the devcenter API), so a
//! submission can be walked through without a Windows SDK.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};
use storeroom_msix::{ManifestSpec, MsixBuilder};

use super::{Api, ClientOpts, Failure, Outcome, Output, Surface, text};

#[derive(Subcommand)]
pub enum PackageCommand {
    /// Builds an unsigned .msix for an app: AppxManifest.xml with the app's package identity
    /// name and publisher, AppxBlockMap.xml with the SHA-256 of every 64 KiB block,
    /// [Content_Types].xml, a placeholder App.exe (not a runnable program) and a logo. The
    /// Store's ingestion (and storeroom's pipeline) accepts it; Windows would not install
    /// it unsigned.
    ///
    ///   storeroom package make --app 9NBLGGH4R315
    ///   storeroom package make --app 9NBLGGH4R315 --version 2.1.0.0 --arch arm64 --out app.msix
    ///   storeroom package make --identity Contoso.Reader --publisher "CN=Contoso" --version 1.0.0.0
    ///
    /// Without --version, the version is one build above the highest package of the app's
    /// last published submission (1.0.1.0 after 1.0.0.0), as the Store wants a higher one.
    #[command(verbatim_doc_comment)]
    Make(MakeArgs),
}

#[derive(clap::Args, Debug)]
pub struct MakeArgs {
    /// The app whose identity the package carries (read through the devcenter API).
    #[arg(long, value_name = "APP_ID", required_unless_present = "identity")]
    pub app: Option<String>,
    /// The identity name instead of an app's (offline).
    #[arg(long, requires = "publisher", conflicts_with = "app")]
    pub identity: Option<String>,
    /// The publisher (CN=…) with --identity.
    #[arg(long, requires = "identity")]
    pub publisher: Option<String>,
    /// Package version, four numbers.
    #[arg(long)]
    pub version: Option<String>,
    /// Processor architecture: x64, x86, arm64, arm or neutral.
    #[arg(long, default_value = "x64")]
    pub arch: String,
    /// Where to write it [default: NAME_VERSION_ARCH.msix in the current directory].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Adds a file of this many incompressible bytes, for uploads of realistic sizes.
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    pub pad: u64,
}

fn version_key(version: &str) -> Vec<u64> {
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

fn check_version(version: &str) -> Outcome<()> {
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() != 4 || parts.iter().any(|p| p.parse::<u16>().is_err()) {
        return Err(Failure::local(format!(
            "--version '{version}' must be four numbers of at most 65535, such as 1.2.0.0"
        )));
    }
    Ok(())
}

/// One build above the highest package version of `submission`.
fn next_version(submission: &Value) -> String {
    let highest = submission["applicationPackages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|package| package["version"].as_str())
        .max_by_key(|version| version_key(version))
        .map(version_key)
        .unwrap_or_default();
    match highest.as_slice() {
        [major, minor, build, ..] => format!("{major}.{minor}.{}.0", build + 1),
        _ => "1.0.0.0".into(),
    }
}

/// Reproducible incompressible bytes (xorshift).
fn noise(len: u64) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Builds the package; returns where it went and what it is.
pub async fn make(api: Option<&Api>, args: MakeArgs) -> Outcome<Value> {
    let (name, publisher, display, version) = match (&args.identity, &args.app, api) {
        (Some(identity), _, _) => (
            identity.clone(),
            args.publisher.clone().unwrap_or_default(),
            identity.clone(),
            args.version.clone().unwrap_or_else(|| "1.0.0.0".into()),
        ),
        (None, Some(app_id), Some(api)) => {
            let app = api
                .get(Surface::Devcenter, &format!("applications/{app_id}"))
                .await?;
            let version = match &args.version {
                Some(version) => version.clone(),
                None => match app["lastPublishedApplicationSubmission"]["id"].as_str() {
                    Some(id) => {
                        let path = format!("applications/{app_id}/submissions/{id}");
                        next_version(&api.get(Surface::Devcenter, &path).await?)
                    }
                    None => "1.0.0.0".into(),
                },
            };
            (
                text(&app, "packageIdentityName").to_string(),
                text(&app, "publisherName").to_string(),
                text(&app, "primaryName").to_string(),
                version,
            )
        }
        _ => return Err(Failure::local("give --app, or --identity and --publisher")),
    };
    check_version(&version)?;
    let mut spec = ManifestSpec::desktop_app(&name, &publisher, &version);
    spec.architecture = match args.arch.to_ascii_lowercase().as_str() {
        "neutral" => None,
        arch @ ("x64" | "x86" | "arm64" | "arm") => Some(arch.to_string()),
        other => {
            return Err(Failure::local(format!(
                "--arch '{other}' is not one of x64, x86, arm64, arm, neutral"
            )));
        }
    };
    if !display.is_empty() {
        spec.display_name = display;
    }
    let mut builder = MsixBuilder::new(spec);
    if args.pad > 0 {
        builder = builder.file("Payload/data.bin", noise(args.pad));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(builder.file_name()));
    let file = std::fs::File::create(&out)
        .map_err(|err| Failure::local(format!("cannot create {}: {err}", out.display())))?;
    builder
        .write_to(std::io::BufWriter::new(file))
        .and_then(|writer| writer.into_inner().map_err(|err| err.into_error()))
        .and_then(|file| file.sync_all())
        .map_err(|err| Failure::local(format!("cannot write {}: {err}", out.display())))?;
    let size = std::fs::metadata(&out)?.len();
    Ok(json!({
        "file": out,
        "fileName": out.file_name().map(|name| name.to_string_lossy().into_owned()),
        "identityName": name,
        "publisher": publisher,
        "version": version,
        "architecture": args.arch.to_ascii_lowercase(),
        "size": size,
    }))
}

pub async fn run(command: PackageCommand, opts: &ClientOpts) -> ExitCode {
    let PackageCommand::Make(args) = command;
    let output: Output = opts.output();
    let outcome = async {
        let api = match &args.app {
            Some(_) => Some(opts.api()?),
            None => None,
        };
        let made = make(api.as_ref(), args).await?;
        output.show(&made, |made| {
            format!(
                "{} ({} {} {}, {} bytes)",
                made["file"].as_str().unwrap_or_default(),
                text(made, "identityName"),
                text(made, "version"),
                text(made, "architecture"),
                made["size"]
            )
        });
        Ok(())
    };
    output.finish(outcome.await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_version_is_one_build_above_the_highest() {
        let submission = json!({"applicationPackages": [
            {"version": "1.0.0.0"}, {"version": "1.10.2.0"}, {"version": "1.9.9.0"}
        ]});
        assert_eq!(next_version(&submission), "1.10.3.0");
        assert_eq!(next_version(&json!({})), "1.0.0.0");
        assert!(check_version("1.2.3.4").is_ok());
        assert!(check_version("1.2.3").is_err());
        assert!(check_version("1.2.3.70000").is_err());
    }
}
