//! Writes the seed corpus of the fuzz targets under `fuzz/` from the test fixtures, one
//! folder per target (`scripts/fuzz.sh` runs it).
//!
//! Usage: fuzz_corpus DIR

use std::fs;
use std::path::Path;

use storeroom_testkit::fixtures::{
    BundleFixture, Method, PackageFixture, SubmissionFixture, UploadFixture, ZipStyle, jpeg, png,
};

fn package() -> PackageFixture {
    PackageFixture::new("Contoso.Reader")
        .publisher("CN=Contoso")
        .file("Assets/Logo.png", png(50, 50))
}

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let folder = dir.join(target);
    fs::create_dir_all(&folder)?;
    fs::write(folder.join(name), bytes)
}

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: fuzz_corpus DIR");
        std::process::exit(2);
    };
    let dir = Path::new(&dir);

    for (index, (style, method)) in [
        (ZipStyle::PLAIN, Method::Stored),
        (ZipStyle::PLAIN, Method::Deflated(6)),
        (ZipStyle::MAKEAPPX, Method::Stored),
        (ZipStyle::MAKEAPPX, Method::Deflated(1)),
    ]
    .into_iter()
    .enumerate()
    {
        let zip = SubmissionFixture::new()
            .file_with("App.msix", package().style(style).to_bytes(), method)
            .file("Screenshot.png", png(64, 48))
            .file("readme.txt", b"read me".to_vec())
            .to_bytes();
        write(dir, "zip_reader", &format!("package-{index}.zip"), &zip)?;
    }
    let bundle = BundleFixture::new("Contoso.Reader")
        .publisher("CN=Contoso")
        .package(package())
        .to_bytes();
    let upload = UploadFixture::package(package()).to_bytes();
    let zip = SubmissionFixture::new()
        .stored("App.msixbundle", bundle)
        .file("App.msixupload", upload)
        .to_bytes();
    write(dir, "zip_reader", "bundle-and-upload.zip", &zip)?;

    write(
        dir,
        "manifests",
        "AppxManifest.xml",
        package().manifest().as_bytes(),
    )?;

    write(dir, "image_probe", "image.png", &png(64, 48))?;
    write(dir, "image_probe", "image.jpg", &jpeg(64, 48))?;

    write(
        dir,
        "sas",
        "upload-url.txt",
        b"ingestion/a/b.zip?sv=2021-08-06&sr=b&sig=dGVzdA%3D%3D&st=2026-07-09T11:00:00Z&se=2026-07-10T00:00Z&sp=rcw&spr=https,http&sip=127.0.0.1-127.0.0.9",
    )?;

    let body = br#"{"applicationCategory": "BooksAndReference", "pricing": {"trialPeriod": "NoFreeTrial", "priceId": "Free"}, "visibility": "Public", "targetPublishMode": "SpecificDate", "targetPublishDate": "2026-08-01T00:00:00Z", "listings": {"en-us": {"baseListing": {"title": "Reader", "description": "Reads.", "features": ["a"], "images": [{"fileName": "Screenshot.png", "fileStatus": "PendingUpload", "imageType": "Screenshot"}]}}}, "applicationPackages": [{"fileName": "App.msix", "fileStatus": "PendingUpload", "minimumDirectXVersion": "None", "minimumSystemRam": "None"}], "packageDeliveryOptions": {"packageRollout": {"isPackageRollout": true, "packageRolloutPercentage": 10.5}, "isMandatoryUpdate": false}, "allowTargetFutureDeviceFamilies": {"Desktop": true}}"#;
    for target in ["lenient_json", "devcenter_put"] {
        write(dir, target, "submission.json", body)?;
        write(dir, target, "empty.json", b"{}")?;
    }
    write(
        dir,
        "request_heads",
        "keep-alive.txt",
        b"PUT /v1.0/my/applications/9NBLGGH4R315 HTTP/1.1\r\nHost: manage.devcenter.microsoft.com\r\nContent-Length: 2\r\n\r\n{}GET /submission/v1/product/1 HTTP/1.1\r\nHost: x\r\nX-Bad: \x01\r\n\r\n",
    )?;
    write(
        dir,
        "request_heads",
        "chunked.txt",
        b"POST /tenant/oauth2/token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
    )?;
    Ok(())
}
