//! Package intelligence over HTTP: real packages, bundles, uploads and PNGs built at test
//! time; manifests fill the package entries; package, image and archive rules fail the
//! submission with the documented code and a message naming the file.

use crate::common;

use common::{TestApp, json, put_blob};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storeroom_testkit::fixtures::{
    BombHeader, BundleFixture, PackageFixture, SubmissionFixture, UploadFixture, hostile, png,
};

/// The kit's app, with the identity its packages must carry.
struct App {
    app: TestApp,
    identity: String,
    publisher: String,
}

async fn app() -> App {
    let app = TestApp::builder().app("Packaged").start().await;
    let (identity, publisher) = app.server.identity(&app.app_id).await;
    App {
        app,
        identity,
        publisher,
    }
}

impl App {
    fn package(&self, version: &str) -> PackageFixture {
        PackageFixture::new(&self.identity)
            .publisher(&self.publisher)
            .version(version)
    }

    /// Creates a submission adding `packages` (file names) and `images` (file, type), uploads
    /// `zip`, commits, and returns the final status and the submission.
    async fn submit(
        &self,
        packages: &[&str],
        images: &[(&str, &str)],
        zip: Vec<u8>,
    ) -> (Value, Value) {
        let (status, created) = json(
            self.app
                .server
                .dc(
                    Method::POST,
                    &format!("applications/{}/submissions", self.app.app_id),
                    &self.app.token,
                )
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap().to_string();
        let mut entries = created["applicationPackages"].clone();
        for name in packages {
            entries
                .as_array_mut()
                .unwrap()
                .push(json!({"fileName": name, "fileStatus": "PendingUpload",
                "minimumDirectXVersion": "None", "minimumSystemRam": "None"}));
        }
        let mut listing = created["listings"]["en-us"].clone();
        listing["baseListing"]["images"] = images
            .iter()
            .map(|(file, kind)| json!({"fileName": file, "fileStatus": "PendingUpload", "imageType": kind}))
            .collect();
        let path = format!("applications/{}/submissions/{id}", self.app.app_id);
        let body = json!({"applicationPackages": entries, "listings": {"en-us": listing}});
        let (status, updated) = json(
            self.app
                .server
                .dc(Method::PUT, &path, &self.app.token)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(
            put_blob(
                &self.app.server.http,
                created["fileUploadUrl"].as_str().unwrap(),
                zip
            )
            .await
            .status(),
            StatusCode::CREATED
        );
        let status = self
            .app
            .server
            .commit_and_wait(&self.app.token, &self.app.app_id, &id)
            .await;
        let (_, submission) = json(
            self.app
                .server
                .dc(Method::GET, &path, &self.app.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        if status["status"] != "Published" {
            // Leave room for the next case.
            self.app
                .server
                .dc(Method::DELETE, &path, &self.app.token)
                .send()
                .await
                .unwrap();
        }
        (status, submission)
    }
}

fn zip(files: Vec<(&str, Vec<u8>)>) -> Vec<u8> {
    files
        .into_iter()
        .fold(SubmissionFixture::new(), |zip, (path, bytes)| {
            zip.file(path, bytes)
        })
        .to_bytes()
}

fn assert_failed(status: &Value, state: &str, code: &str, file: &str) {
    assert_eq!(status["status"], state, "{status}");
    let errors = status["statusDetails"]["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["code"] == code && e["details"].as_str().unwrap().contains(file)),
        "no {code} naming {file} in {errors:#?}"
    );
}

#[tokio::test]
async fn manifests_fill_package_entries_for_packages_bundles_and_uploads() {
    let a = app().await;
    let package = a
        .package("2.0.0.0")
        .languages(&["en-US", "de-DE"])
        .capabilities(&["internetClient", "uap:picturesLibrary"]);
    let (status, submission) = a
        .submit(
            &["App_2.0.0.0_x64.msix"],
            &[],
            zip(vec![("App_2.0.0.0_x64.msix", package.to_bytes())]),
        )
        .await;
    assert_eq!(status["status"], "Published", "{status}");
    let entry = submission["applicationPackages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fileName"] == "App_2.0.0.0_x64.msix")
        .unwrap()
        .clone();
    assert_eq!(entry["version"], "2.0.0.0");
    assert_eq!(entry["architecture"], "x64");
    assert_eq!(entry["languages"], json!(["en-US", "de-DE"]));
    assert_eq!(
        entry["capabilities"],
        json!(["internetClient", "picturesLibrary"])
    );
    assert_eq!(
        entry["targetDeviceFamilies"],
        json!(["Windows.Desktop min version 10.0.17763.0"])
    );
    assert_eq!(entry["id"].as_str().unwrap().len(), 19);

    let bundle = BundleFixture::new(&a.identity)
        .publisher(&a.publisher)
        .version("3.0.0.0")
        .package(a.package("3.0.0.0").architecture("x64"))
        .package(a.package("3.0.0.0").architecture("arm64"));
    let upload = UploadFixture::bundle(bundle);
    let (status, submission) = a
        .submit(
            &["App_3.0.0.0.msixupload"],
            &[],
            zip(vec![("App_3.0.0.0.msixupload", upload.to_bytes())]),
        )
        .await;
    assert_eq!(status["status"], "Published", "{status}");
    let entry = submission["applicationPackages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fileName"] == "App_3.0.0.0.msixupload")
        .unwrap()
        .clone();
    assert_eq!(entry["version"], "3.0.0.0");
    assert_eq!(entry["architecture"], "x64, arm64");
    // The report lists what was read.
    let url = status["statusDetails"]["certificationReports"][0]["reportUrl"]
        .as_str()
        .unwrap();
    let report: Value = a
        .app
        .server
        .http
        .get(format!("{url}.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Packages"),
        "{report}"
    );
}

#[tokio::test]
async fn package_rules_name_the_file_and_field() {
    let a = app().await;
    let cases: Vec<(&str, PackageFixture, &str)> = vec![
        (
            "Wrong_Name.msix",
            PackageFixture::new("Someone.Else")
                .publisher(&a.publisher)
                .version("5.0.0.0"),
            "Identity Name 'Someone.Else'",
        ),
        (
            "Wrong_Publisher.msix",
            a.package("5.0.0.0").publisher("CN=Mallory"),
            "Identity Publisher 'CN=Mallory'",
        ),
        (
            "Old_Version.msix",
            a.package("1.0.0.0"),
            "Identity Version 1.0.0.0 must be higher than 1.0.0.0",
        ),
        (
            "Broken_Manifest.msix",
            a.package("5.0.0.0")
                .manifest_xml("<Package><Identity Name="),
            "Broken_Manifest.msix",
        ),
    ];
    for (file, package, expected) in cases {
        let (status, _) = a
            .submit(&[file], &[], zip(vec![(file, package.to_bytes())]))
            .await;
        assert_failed(
            &status,
            "PreProcessingFailed",
            "PackageValidationFailed",
            file,
        );
        let details = status["statusDetails"]["errors"].to_string();
        assert!(details.contains(expected), "{expected} not in {details}");
    }
    // Not an archive at all.
    let (status, _) = a
        .submit(
            &["Junk.msix"],
            &[],
            zip(vec![("Junk.msix", b"this is no package".to_vec())]),
        )
        .await;
    assert!(
        ["PreProcessingFailed"].contains(&status["status"].as_str().unwrap()),
        "{status}"
    );
    assert!(
        status["statusDetails"]["errors"]
            .to_string()
            .contains("Junk.msix"),
        "{status}"
    );
    // Two packages with the same identity, version and architecture.
    let (status, _) = a
        .submit(
            &["One.msix", "Two.msix"],
            &[],
            zip(vec![
                ("One.msix", a.package("6.0.0.0").to_bytes()),
                ("Two.msix", a.package("6.0.0.0").to_bytes()),
            ]),
        )
        .await;
    assert_failed(
        &status,
        "PreProcessingFailed",
        "PackageValidationFailed",
        "Two.msix",
    );
    // A higher version of another architecture passes even when x64 stays put.
    let (status, _) = a
        .submit(
            &["Arm.msix"],
            &[],
            zip(vec![(
                "Arm.msix",
                a.package("1.0.0.0").architecture("arm64").to_bytes(),
            )]),
        )
        .await;
    assert_eq!(status["status"], "Published", "{status}");
}

#[tokio::test]
async fn image_rules_per_type() {
    let a = app().await;
    let package = |v: &str| a.package(v).to_bytes();
    let (status, _) = a
        .submit(
            &["P4.msix"],
            &[("shots/small.png", "Screenshot")],
            zip(vec![
                ("P4.msix", package("4.0.0.0")),
                ("shots/small.png", png(1280, 720)),
            ]),
        )
        .await;
    assert_failed(
        &status,
        "PreProcessingFailed",
        "InvalidParameterValue",
        "shots/small.png",
    );
    let (status, _) = a
        .submit(
            &["P4.msix"],
            &[("icon.png", "Icon")],
            zip(vec![
                ("P4.msix", package("4.0.0.0")),
                ("icon.png", png(310, 310)),
            ]),
        )
        .await;
    assert_failed(
        &status,
        "PreProcessingFailed",
        "InvalidParameterValue",
        "icon.png",
    );
    let jpeg = storeroom_testkit::fixtures::jpeg(1920, 1080);
    let (status, _) = a
        .submit(
            &["P4.msix"],
            &[("shot.jpg", "Screenshot")],
            zip(vec![("P4.msix", package("4.0.0.0")), ("shot.jpg", jpeg)]),
        )
        .await;
    assert_failed(
        &status,
        "PreProcessingFailed",
        "InvalidParameterValue",
        "shot.jpg",
    );
    let (status, _) = a
        .submit(
            &["P4.msix"],
            &[
                ("shots\\wide.png", "Screenshot"),
                ("icon.png", "Icon"),
                ("logo.png", "StoreLogo9x16"),
            ],
            zip(vec![
                ("P4.msix", package("4.0.0.0")),
                ("shots/wide.png", png(1920, 1080)),
                ("icon.png", png(300, 300)),
                ("logo.png", png(720, 1080)),
            ]),
        )
        .await;
    assert_eq!(status["status"], "Published", "{status}");
    // More than ten screenshots of one type fail the commit.
    let many: Vec<(String, &str)> = (0..11)
        .map(|n| (format!("s{n}.png"), "Screenshot"))
        .collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(f, t)| (f.as_str(), *t)).collect();
    let files: Vec<(&str, Vec<u8>)> = many
        .iter()
        .map(|(f, _)| (f.as_str(), png(1366, 768)))
        .collect();
    let (status, _) = a.submit(&[], &refs, zip(files)).await;
    assert_eq!(status["status"], "CommitFailed", "{status}");
    assert!(
        status["statusDetails"]["errors"]
            .to_string()
            .contains("the limit is 10"),
        "{status}"
    );
}

#[tokio::test]
async fn hostile_archives_are_refused_and_the_server_keeps_serving() {
    let a = app().await;
    for (name, bytes) in [
        ("zip-slip", hostile::zip_slip()),
        ("absolute path", hostile::absolute_path()),
        ("drive letter", hostile::drive_letter()),
        (
            "truncated",
            hostile::truncated(
                &zip(vec![("Slip.msix", a.package("7.0.0.0").to_bytes())]),
                200,
            ),
        ),
    ] {
        let (status, _) = a.submit(&["Slip.msix"], &[], bytes).await;
        assert_eq!(
            status["statusDetails"]["errors"][0]["code"], "InvalidArchive",
            "{name}: {status}"
        );
        assert_eq!(status["status"], "CommitFailed", "{name}: {status}");
    }
    // A package that is a zip bomb: a ~10 MB file whose payload expands to 10 GiB, past the
    // compression-ratio limit, with headers that lie about its size.
    let bomb = a
        .package("7.0.0.0")
        .bomb("payload.bin", 10 << 10, BombHeader::Lying)
        .to_bytes();
    assert!(bomb.len() < 12 << 20, "{}", bomb.len());
    let (status, _) = a
        .submit(&["Bomb.msix"], &[], zip(vec![("Bomb.msix", bomb)]))
        .await;
    assert_eq!(
        status["statusDetails"]["errors"][0]["code"], "InvalidArchive",
        "{status}"
    );
    // Still serving.
    let (status, _) = json(
        a.app
            .server
            .dc(
                Method::GET,
                &format!("applications/{}", a.app.app_id),
                &a.app.token,
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
