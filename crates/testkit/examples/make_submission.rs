//! Writes a large, realistic submission ZIP for the PreProcessing benchmark
//! (`bench/preprocess.sh`): several real packages of the app (deflated inside the ZIP, as
//! .NET's ZipFile and most tools write them) and listing images.
//!
//! Usage: make_submission OUT.zip TOTAL_MIB IDENTITY PUBLISHER
//! Prints the package and image file names, one per line, as `package NAME` / `image NAME TYPE`.

use std::path::PathBuf;

use storeroom_testkit::fixtures::{Method, PackageFixture, Payload, SubmissionFixture, png};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, out, total, identity, publisher] = args.as_slice() else {
        eprintln!("usage: make_submission OUT.zip TOTAL_MIB IDENTITY PUBLISHER");
        std::process::exit(2);
    };
    let total: u64 = total.parse().expect("TOTAL_MIB is a number");
    let architectures = ["x64", "x86", "arm64", "arm"];
    let per_package = (total << 20) / architectures.len() as u64;
    let mut zip = SubmissionFixture::new();
    for (index, arch) in architectures.iter().enumerate() {
        let name = format!("packages/App_2.0.0.{index}_{arch}.msix");
        let package = PackageFixture::new(identity)
            .publisher(publisher)
            .version(&format!("2.0.0.{index}"))
            .architecture(arch)
            .file_with(
                "Payload/data.bin",
                Payload::Noise {
                    len: per_package,
                    seed: index as u64,
                },
                Method::Stored,
            )
            .to_file()?;
        zip = zip.file_with(&name, Payload::File(package), Method::Deflated(1));
        println!("package {name}");
    }
    for (index, (width, height)) in [(1920, 1080), (3840, 2160), (1366, 768)]
        .into_iter()
        .enumerate()
    {
        let name = format!("images/screenshot{index}.png");
        zip = zip.file(&name, png(width, height));
        println!("image {name} Screenshot");
    }
    zip.write_to_path(&PathBuf::from(out))
}
