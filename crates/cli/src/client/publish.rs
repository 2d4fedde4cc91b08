//! `storeroom publish`: a whole submission in one command. Create a submission (or reuse
//! or replace the pending one), merge the JSON files and listings into it, add packages,
//! zip them with any other files, upload the ZIP to the submission's `fileUploadUrl` with a
//! progress bar, commit, and with `--wait` follow the status until it is Published or
//! failed.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::submission::{self, Target};
use super::wait::{self, WaitArgs};
use super::{
    Api, ClientOpts, Failure, Outcome, Output, Surface, merge_patch, progress, read_json, text,
};

#[derive(clap::Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    pub target: Target,

    /// Continues the product's pending submission when there is one, instead of creating one.
    #[arg(long, conflicts_with = "replace")]
    pub reuse: bool,

    /// Deletes the product's pending submission first, then creates a new one.
    #[arg(long)]
    pub replace: bool,

    /// A JSON file of submission fields, merged into the submission (RFC 7386: objects
    /// merge, null removes); repeat to apply several in order (`-`: stdin).
    #[arg(long, value_name = "FILE")]
    pub from: Vec<PathBuf>,

    /// A listing for one language, LANG=FILE: the JSON file's fields are merged into
    /// listings.LANG.baseListing (an add-on's: into listings.LANG). Repeat per language.
    #[arg(long, value_name = "LANG=FILE")]
    pub listing: Vec<String>,

    /// A package to add (.msix, .appx, bundles, uploads), as PendingUpload; repeat for more.
    #[arg(long, value_name = "PATH")]
    pub package: Vec<PathBuf>,

    /// Marks the packages the submission already has PendingDelete.
    #[arg(long)]
    pub replace_packages: bool,

    /// Another file for the ZIP (screenshots, logos, add-on icons), as PATH or
    /// PATH=NAME_IN_ZIP (the name the submission's fileName fields give); repeat for more.
    #[arg(long, value_name = "PATH[=NAME]")]
    pub file: Vec<String>,

    /// Stops after the upload, without committing.
    #[arg(long)]
    pub no_commit: bool,

    #[command(flatten)]
    pub wait: WaitArgs,
}

/// A file that goes into the ZIP under `name`.
struct Entry {
    path: PathBuf,
    name: String,
}

fn base_name(path: &Path) -> Outcome<String> {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| Failure::local(format!("{} names no file", path.display())))
}

fn must_exist(path: &Path) -> Outcome<()> {
    if !path.is_file() {
        return Err(Failure::local(format!("{} is not a file", path.display())));
    }
    Ok(())
}

/// What goes into the ZIP: the packages, then the other files; checked before anything is
/// sent.
fn entries(args: &PublishArgs) -> Outcome<Vec<Entry>> {
    let mut entries = Vec::new();
    for path in &args.package {
        must_exist(path)?;
        entries.push(Entry {
            path: path.clone(),
            name: base_name(path)?,
        });
    }
    for spec in &args.file {
        let (path, name) = match spec.split_once('=') {
            Some((path, name)) => (PathBuf::from(path), name.replace('\\', "/")),
            None => (PathBuf::from(spec), base_name(Path::new(spec))?),
        };
        must_exist(&path)?;
        entries.push(Entry { path, name });
    }
    Ok(entries)
}

/// The listing files, `(language, fields)`.
fn listings(args: &PublishArgs) -> Outcome<Vec<(String, Value)>> {
    args.listing
        .iter()
        .map(|spec| {
            let (language, file) = spec.split_once('=').ok_or_else(|| {
                Failure::local(format!(
                    "--listing '{spec}' must be LANG=FILE, such as en-us=listing.json"
                ))
            })?;
            Ok((language.to_string(), read_json(Path::new(file))?))
        })
        .collect()
}

/// Applies the files, listings and packages to `submission`; whether anything changed.
fn apply(
    submission: &mut Value,
    args: &PublishArgs,
    patches: &[Value],
    listings: &[(String, Value)],
) -> Outcome<bool> {
    for patch in patches {
        merge_patch(submission, patch);
    }
    for (language, fields) in listings {
        let listing = match (&args.target.addon, &args.target.flight) {
            (Some(_), _) => &mut submission["listings"][language],
            (None, None) => &mut submission["listings"][language]["baseListing"],
            (None, Some(_)) => {
                return Err(Failure::local("flight submissions have no listings"));
            }
        };
        if listing.is_null() {
            *listing = json!({});
        }
        merge_patch(listing, fields);
    }
    let mut changed = !patches.is_empty() || !listings.is_empty();
    if let Some(field) = args.target.packages_field() {
        if !submission[field].is_array() {
            submission[field] = json!([]);
        }
        let packages = submission[field].as_array_mut().expect("an array");
        if args.replace_packages {
            for package in packages.iter_mut() {
                package["fileStatus"] = json!("PendingDelete");
            }
            changed = true;
        }
        for path in &args.package {
            let name = base_name(path)?;
            packages.retain(|package| text(package, "fileName") != name);
            let mut entry = json!({"fileName": name, "fileStatus": "PendingUpload"});
            if field == "applicationPackages" {
                entry["minimumDirectXVersion"] = json!("None");
                entry["minimumSystemRam"] = json!("None");
            }
            packages.push(entry);
            changed = true;
        }
    } else if !args.package.is_empty() {
        return Err(Failure::local(
            "add-on submissions have no packages: give their files with --file",
        ));
    }
    Ok(changed)
}

/// Writes the ZIP to a temporary file; packages and images are already compressed, so
/// every entry is stored.
fn write_zip(entries: &[Entry]) -> Outcome<tempfile::NamedTempFile> {
    let staged = tempfile::Builder::new()
        .prefix("storeroom-upload-")
        .suffix(".zip")
        .tempfile()?;
    let mut zip = ZipWriter::new(BufWriter::new(staged.reopen()?));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true);
    for entry in entries {
        zip.start_file(entry.name.as_str(), options)
            .map_err(|err| Failure::local(format!("cannot zip {}: {err}", entry.name)))?;
        let mut file = File::open(&entry.path).map_err(|err| {
            Failure::local(format!("cannot read {}: {err}", entry.path.display()))
        })?;
        io::copy(&mut file, &mut zip)?;
    }
    let writer = zip
        .finish()
        .map_err(|err| Failure::local(format!("cannot write the ZIP: {err}")))?;
    writer
        .into_inner()
        .map_err(|err| Failure::local(format!("cannot write the ZIP: {}", err.error())))?
        .sync_all()?;
    Ok(staged)
}

/// The submission to work on: a new one, the pending one (`--reuse`), or a new one after
/// deleting the pending one (`--replace`); and whether it was recovered after a failed
/// create.
async fn start(
    api: &Api,
    args: &PublishArgs,
    say: &impl Fn(String),
) -> Outcome<submission::Created> {
    let target = &args.target;
    if args.reuse || args.replace {
        let product = api.get(Surface::Devcenter, &target.product_path()).await?;
        if let Some(pending) = product[target.pending_field()]["id"].as_str() {
            if args.reuse {
                say(format!("continuing pending submission {pending}"));
                let submission = api
                    .get(Surface::Devcenter, &target.submission(pending))
                    .await?;
                return Ok(submission::Created {
                    submission,
                    recovered: false,
                });
            }
            api.delete(Surface::Devcenter, &target.submission(pending))
                .await?;
            say(format!("deleted pending submission {pending}"));
        }
    }
    let created = submission::create(api, target, say).await?;
    if !created.recovered {
        say(format!(
            "created submission {}",
            text(&created.submission, "id")
        ));
    }
    Ok(created)
}

pub async fn run(args: PublishArgs, opts: &ClientOpts) -> ExitCode {
    super::run(opts, |api, output| async move {
        publish(&api, args, output).await
    })
    .await
}

async fn publish(api: &Api, args: PublishArgs, output: Output) -> Outcome {
    // Everything local is read and checked before the first request.
    let entries = entries(&args)?;
    let patches = args
        .from
        .iter()
        .map(|file| read_json(file))
        .collect::<Outcome<Vec<_>>>()?;
    let listings = listings(&args)?;
    let say = |line: String| output.say(line);
    let live = progress::visible(output.json, args.wait.progress);

    let started = start(api, &args, &say).await?;
    let mut submission = started.submission;
    let id = text(&submission, "id").to_string();
    let path = args.target.submission(&id);
    if apply(&mut submission, &args, &patches, &listings)? {
        submission = api
            .put(Surface::Devcenter, &path, &submission::for_put(&submission))
            .await?;
        say(format!("updated submission {id}"));
    }
    let mut uploaded = 0;
    if !entries.is_empty() {
        let url = submission::upload_url(&submission)?.to_string();
        let zip = write_zip(&entries)?;
        uploaded = zip.as_file().metadata()?.len();
        let bar = progress::bytes_bar(uploaded, live, "upload");
        super::upload::upload(api, &url, zip.path(), &bar).await?;
        say(format!(
            "uploaded {uploaded} bytes ({} files)",
            entries.len()
        ));
    }
    let mut result = json!({
        "id": id,
        "uploadedBytes": uploaded,
        "committed": !args.no_commit,
    });
    if started.recovered {
        result["recovered"] = json!(true);
    }
    if args.no_commit {
        result["status"] = submission["status"].clone();
        output.show(&result, |_| format!("submission {id} is ready to commit"));
        return Ok(());
    }
    let committed = submission::commit(api, &args.target, &id).await?;
    say(format!("committed: {}", text(&committed, "status")));
    let status = if args.wait.wait {
        let status_path = submission::status_path(&args.target, &id);
        wait::until_settled(api, &status_path, &id, &args.wait, live, true).await?
    } else {
        committed
    };
    result["status"] = status["status"].clone();
    result["statusDetails"] = status["statusDetails"].clone();
    result
        .as_object_mut()
        .expect("an object")
        .retain(|_, value| !value.is_null());
    output.show(&result, |result| {
        format!(
            "submission {id}: {}{}",
            text(result, "status"),
            wait::details_report(&result["statusDetails"])
        )
    });
    Ok(())
}
