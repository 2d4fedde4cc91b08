//! File checks for the Partner Center ingestion API (Azure Marketplace offers): the
//! technical configuration package of an Azure Application offer, and listing images.
//!
//! Everything here blocks (it reads through [`ReadAt`]): call it on a blocking thread.
//!
//! Problems are reported as [`FileProblem`]s whose `rule` is one sentence with no ". " in
//! it, as clients split error text on ". ".

use std::fmt;
use std::io::{self, Read};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use storeroom_storage::blobs::ReadAt;

use crate::archive::{Fault, SeekZip, Window, fault_of};
use crate::images::{ImageFormat, read_image_info};
use crate::limits::{ArchiveLimits, Budget};

/// A rule a marketplace file broke: the file named (an archive entry, or the upload's fileName) and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    pub rule: String,
}

impl FileProblem {
    fn new(file: &str, rule: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            rule: one_sentence(rule.into()),
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rule)
    }
}

/// Makes `rule` one line with no ". " in it (inner errors may hold several sentences) and
/// no trailing period.
fn one_sentence(rule: String) -> String {
    let rule = rule.replace(['\r', '\n'], " ");
    rule.trim_end_matches(|c: char| c == '.' || c.is_whitespace())
        .replace(". ", "; ")
}

/// Bytes of `mainTemplate.json` or `createUiDefinition.json` read at most.
pub const MAX_JSON_BYTES: u64 = 16 << 20;

/// A JSON file an Azure Application package must hold at its root.
struct Document {
    name: &'static str,
    /// What the file is, for messages.
    what: &'static str,
    /// The top-level members it must have.
    members: &'static [&'static str],
    /// The one member whose kind is checked, and the kind it must be.
    typed: (&'static str, Kind),
}

const DOCUMENTS: [Document; 2] = [
    Document {
        name: "mainTemplate.json",
        what: "an ARM deployment template",
        members: &["$schema", "contentVersion", "resources"],
        typed: ("resources", Kind::Array),
    },
    Document {
        name: "createUiDefinition.json",
        what: "a UI definition",
        members: &["$schema", "handler", "version", "parameters"],
        typed: ("parameters", Kind::Object),
    },
];

/// Checks an Azure Application package (the technical configuration ZIP of a managed app or
/// solution template): a safe, readable ZIP within `limits` that holds `mainTemplate.json`
/// and `createUiDefinition.json` at its root (names matched case-insensitively; a copy in a
/// subfolder does not count), each valid JSON (UTF-8, optional BOM tolerated) whose top
/// level is an object with the members an ARM deployment template requires (`$schema`,
/// `contentVersion`, `resources`; `resources` an array) and a UI definition requires
/// (`$schema`, `handler`, `version`, `parameters`; `parameters` an object).
///
/// Every byte of every entry is read (so every CRC is verified), streaming and bounded by
/// `limits`; JSON files larger than [`MAX_JSON_BYTES`] are refused, and the JSON is checked
/// without being kept in memory. `upload_name` is the package's fileName, used as `file`
/// for whole-archive problems (not a ZIP, truncated, unsafe entry name, limits). Returns
/// every problem found, or `Ok`.
pub fn check_azure_application_package(
    archive: &dyn ReadAt,
    upload_name: &str,
    limits: &ArchiveLimits,
) -> Result<(), Vec<FileProblem>> {
    let label = if upload_name.trim().is_empty() {
        "The package"
    } else {
        upload_name
    };
    let whole = |rule: String| vec![FileProblem::new(upload_name, rule)];
    let budget = Budget::new(limits);
    let window =
        Window::whole(archive).map_err(|err| whole(format!("{label} could not be read: {err}")))?;
    let mut zip =
        SeekZip::open(window, &budget, label).map_err(|fault| whole(fault.to_string()))?;

    let mut problems = Vec::new();
    // Per document: whether it is at the root, and the first copy met in a subfolder.
    let mut at_root = [false; DOCUMENTS.len()];
    let mut in_folder: [Option<String>; DOCUMENTS.len()] = Default::default();
    for index in 0..zip.entries().len() {
        let meta = &zip.entries()[index];
        if meta.is_dir {
            continue;
        }
        let name = meta.name.clone();
        let (folder, base) = match meta.key.rsplit_once('/') {
            Some((folder, base)) => (Some(folder), base),
            None => (None, meta.key.as_str()),
        };
        let document = DOCUMENTS
            .iter()
            .position(|document| document.name.eq_ignore_ascii_case(base));
        let root_document = match (document, folder) {
            (Some(at), None) => {
                at_root[at] = true;
                Some(&DOCUMENTS[at])
            }
            (Some(at), Some(_)) => {
                in_folder[at].get_or_insert_with(|| name.clone());
                None
            }
            (None, _) => None,
        };
        let read = zip.open_entry(index).and_then(|entry| {
            let mut reader = entry.into_reader();
            match root_document {
                Some(document) => {
                    let content = read_json(&mut reader, label)?;
                    Ok(Some((document, content)))
                }
                None => drain(&mut reader, label).map(|()| None),
            }
        });
        match read {
            Ok(None) => {}
            Ok(Some((_, None))) => problems.push(FileProblem::new(
                &name,
                format!(
                    "{name} is larger than the {} MiB a JSON file of the package may hold",
                    MAX_JSON_BYTES >> 20
                ),
            )),
            Ok(Some((document, Some(bytes)))) => problems.extend(
                check_document(document, &name, &bytes)
                    .into_iter()
                    .map(|rule| FileProblem::new(&name, rule)),
            ),
            // Nothing more of the package is read once a limit is reached.
            Err(Fault::Limit(message)) => {
                problems.push(FileProblem::new(upload_name, message));
                return Err(problems);
            }
            Err(fault) => problems.push(FileProblem::new(&name, fault.to_string())),
        }
    }

    for ((document, found), copy) in DOCUMENTS.iter().zip(at_root).zip(in_folder) {
        if found {
            continue;
        }
        let name = document.name;
        let rule = match copy {
            Some(copy) => format!(
                "{name} is missing from the root of the package (the copy at '{copy}' does not count, as it must sit at the root)"
            ),
            None => format!("{name} is missing from the root of the package"),
        };
        problems.push(FileProblem::new(name, rule));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Reads a JSON entry whole, unless it is larger than [`MAX_JSON_BYTES`] (`None`); either
/// way its reader is read to its end, so that its size and CRC are checked.
fn read_json(reader: &mut dyn Read, label: &str) -> Result<Option<Vec<u8>>, Fault> {
    let mut bytes = Vec::new();
    (&mut *reader)
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| fault_of(err, label))?;
    let too_large = bytes.len() as u64 > MAX_JSON_BYTES;
    if too_large {
        drop(bytes);
        drain(reader, label)?;
        return Ok(None);
    }
    drain(reader, label)?;
    Ok(Some(bytes))
}

/// Reads what is left of an entry, so that its reader checks the size and CRC at its end.
fn drain(reader: &mut dyn Read, label: &str) -> Result<(), Fault> {
    io::copy(reader, &mut io::sink())
        .map(drop)
        .map_err(|err| fault_of(err, label))
}

/// The rules `bytes`, the content of entry `entry`, breaks as `document`.
fn check_document(document: &Document, entry: &str, bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => return vec![format!("{entry} is not UTF-8 text: {err}")],
    };
    let mut json = serde_json::Deserializer::from_str(text);
    let shape = ShapeOf(document.members)
        .deserialize(&mut json)
        .and_then(|shape| json.end().map(|()| shape));
    let shape = match shape {
        Ok(shape) => shape,
        Err(err) => return vec![format!("{entry} is not valid JSON: {err}")],
    };
    let what = document.what;
    if shape.kind != Kind::Object {
        return vec![format!(
            "{entry} holds {} at its top level, but {what} must be a JSON object",
            shape.kind.described()
        )];
    }
    let (typed, kind) = document.typed;
    document
        .members
        .iter()
        .zip(shape.members)
        .filter_map(|(member, found)| match found {
            None => Some(format!(
                "{entry} lacks the member '{member}' {what} requires"
            )),
            Some(found) if *member == typed && found != kind => Some(format!(
                "{entry} has the member '{member}' as {}, but {what} requires {} there",
                found.described(),
                kind.described()
            )),
            Some(_) => None,
        })
        .collect()
}

/// What a JSON value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    fn described(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "a boolean",
            Self::Number => "a number",
            Self::String => "a string",
            Self::Array => "an array",
            Self::Object => "an object",
        }
    }
}

/// A JSON value's kind and, for an object, the kinds of the members asked for (in the
/// order asked), all without keeping the value: a large template costs its bytes, not a
/// tree of them.
struct Shape {
    kind: Kind,
    members: Vec<Option<Kind>>,
}

/// Reads a [`Shape`], looking at the named members of an object.
#[derive(Clone, Copy)]
struct ShapeOf<'m>(&'m [&'m str]);

impl ShapeOf<'_> {
    fn leaf(kind: Kind) -> Shape {
        Shape {
            kind,
            members: Vec::new(),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ShapeOf<'_> {
    type Value = Shape;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ShapeOf<'_> {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Self::leaf(Kind::Bool))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Self::leaf(Kind::Number))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Self::leaf(Kind::Number))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Self::leaf(Kind::Number))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Self::leaf(Kind::String))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Self::leaf(Kind::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Self::leaf(Kind::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::leaf(Kind::Array))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut members = vec![None; self.0.len()];
        while let Some(key) = map.next_key::<String>()? {
            match self.0.iter().position(|member| *member == key) {
                // A repeated member counts as its last value, as most JSON readers take it.
                Some(at) => members[at] = Some(map.next_value_seed(ShapeOf(&[]))?.kind),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Shape {
            kind: Kind::Object,
            members,
        })
    }
}

/// Listing image types with a required size: (type, (width, height)).
const IMAGE_SIZES: [(&str, (u32, u32)); 6] = [
    ("AzureLogoLarge", (216, 216)),
    ("AzureLogoMedium", (90, 90)),
    ("AzureLogoSmall", (48, 48)),
    ("AzureLogoWide", (255, 115)),
    ("AzureLogoHero", (815, 290)),
    ("AzureScreenshot", (1280, 720)),
];

/// The canonical name of `image_type` and its required size, when it has one.
fn image_rule(image_type: &str) -> Option<(&'static str, (u32, u32))> {
    IMAGE_SIZES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(image_type))
        .copied()
}

/// Pixel size a listing image of `image_type` must have (case-insensitive): AzureLogoLarge 216x216, AzureLogoMedium 90x90, AzureLogoSmall 48x48, AzureLogoWide 255x115; AzureLogoHero 815x290; AzureScreenshot 1280x720. None for an unknown type.
pub fn required_image_size(image_type: &str) -> Option<(u32, u32)> {
    image_rule(image_type).map(|(_, size)| size)
}

/// Probes a listing image: must be a PNG (use crate::images::read_image_info) of the size required_image_size gives for its type (any size when the type has no rule). The problem's `file` is `file_name`.
///
/// Only the image's header is read (see [`crate::images::IMAGE_HEADER_BYTES`]).
pub fn check_listing_image(
    image_type: &str,
    file_name: &str,
    data: &mut dyn Read,
) -> Result<(), FileProblem> {
    let info = read_image_info(file_name, data)
        .map_err(|problem| FileProblem::new(file_name, format!("{file_name} {problem}")))?;
    let rule = image_rule(image_type);
    let what = match rule {
        Some((name, _)) => format!("an {name} image"),
        None => "a listing image".to_string(),
    };
    let format = match info.format {
        ImageFormat::Png => None,
        ImageFormat::Jpeg => Some("a JPEG image"),
        ImageFormat::Other => Some("an image in a format other than PNG"),
    };
    if let Some(format) = format {
        return Err(FileProblem::new(
            file_name,
            format!("{file_name} is {format}; {what} must be a PNG"),
        ));
    }
    if let Some((_, (width, height))) = rule
        && (info.width, info.height) != (width, height)
    {
        return Err(FileProblem::new(
            file_name,
            format!(
                "{file_name} is {}x{} pixels; {what} must be {width}x{height}",
                info.width, info.height
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use storeroom_testkit::fixtures;
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;

    use super::*;

    /// An archive in memory.
    struct Bytes(Vec<u8>);

    impl ReadAt for Bytes {
        fn size(&self) -> io::Result<u64> {
            Ok(self.0.len() as u64)
        }

        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(self.0.len());
            let count = buf.len().min(self.0.len() - start);
            buf[..count].copy_from_slice(&self.0[start..start + count]);
            Ok(count)
        }
    }

    const TEMPLATE: &str = r#"{
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"location": {"type": "string"}},
        "resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "CRCMARK"}]
    }"#;

    const UI_DEFINITION: &str = r#"{
        "$schema": "https://schema.management.azure.com/schemas/0.1.2-preview/CreateUIDefinition.MultiVm.json#",
        "handler": "Microsoft.Azure.CreateUIDef",
        "version": "0.1.2-preview",
        "parameters": {"basics": [], "steps": [], "outputs": {}}
    }"#;

    fn zip_of(files: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(method);
        for (name, content) in files {
            if let Some(folder) = name.strip_suffix('/') {
                writer.add_directory(folder, options).unwrap();
                continue;
            }
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn package(files: &[(&str, &[u8])]) -> Vec<u8> {
        zip_of(files, CompressionMethod::Deflated)
    }

    fn good_files() -> Vec<(&'static str, &'static [u8])> {
        vec![
            ("mainTemplate.json", TEMPLATE.as_bytes()),
            ("createUiDefinition.json", UI_DEFINITION.as_bytes()),
            ("nestedtemplates/", b""),
            ("nestedtemplates/storage.json", b"{}"),
            ("scripts/install.sh", b"#!/bin/sh\necho hi\n"),
        ]
    }

    /// Checks `bytes` as `app.zip`, asserting every rule is one sentence.
    fn check(bytes: Vec<u8>) -> Result<(), Vec<FileProblem>> {
        check_with(bytes, &ArchiveLimits::default())
    }

    fn check_with(bytes: Vec<u8>, limits: &ArchiveLimits) -> Result<(), Vec<FileProblem>> {
        let result = check_azure_application_package(&Bytes(bytes), "app.zip", limits);
        for problem in result.as_ref().err().into_iter().flatten() {
            assert_one_sentence(problem);
        }
        result
    }

    fn assert_one_sentence(problem: &FileProblem) {
        assert!(!problem.rule.contains(". "), "{problem:?}");
        assert!(!problem.rule.ends_with('.'), "{problem:?}");
        assert!(!problem.rule.is_empty(), "{problem:?}");
    }

    /// The only problem of `result`.
    fn only(result: Result<(), Vec<FileProblem>>) -> FileProblem {
        let mut problems = result.unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        problems.remove(0)
    }

    #[test]
    fn a_good_package_passes() {
        assert_eq!(check(package(&good_files())), Ok(()));
        assert_eq!(
            check(zip_of(&good_files(), CompressionMethod::Stored)),
            Ok(())
        );
    }

    #[test]
    fn names_match_in_any_case_and_a_bom_is_tolerated() {
        let template = format!("\u{feff}{TEMPLATE}");
        let bytes = package(&[
            ("MAINTEMPLATE.JSON", template.as_bytes()),
            ("./createuidefinition.json", UI_DEFINITION.as_bytes()),
        ]);
        assert_eq!(check(bytes), Ok(()));
    }

    #[test]
    fn a_missing_ui_definition_is_reported() {
        let bytes = package(&[("mainTemplate.json", TEMPLATE.as_bytes())]);
        let problem = only(check(bytes));
        assert_eq!(
            problem,
            FileProblem {
                file: "createUiDefinition.json".into(),
                rule: "createUiDefinition.json is missing from the root of the package".into(),
            }
        );
    }

    #[test]
    fn missing_both_files_gives_two_problems() {
        let problems = check(package(&[("readme.txt", b"hello")])).unwrap_err();
        let files: Vec<&str> = problems.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(files, ["mainTemplate.json", "createUiDefinition.json"]);
    }

    #[test]
    fn files_in_a_subfolder_do_not_count() {
        let bytes = package(&[
            ("pkg/mainTemplate.json", TEMPLATE.as_bytes()),
            ("pkg/createUiDefinition.json", UI_DEFINITION.as_bytes()),
        ]);
        let problems = check(bytes).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].file, "mainTemplate.json");
        assert!(
            problems[0].rule.contains("missing from the root")
                && problems[0].rule.contains("pkg/mainTemplate.json"),
            "{problems:?}"
        );
        assert_eq!(problems[1].file, "createUiDefinition.json");
    }

    #[test]
    fn invalid_json_is_reported_with_its_position() {
        let bytes = package(&[
            ("mainTemplate.json", b"not json"),
            ("createUiDefinition.json", UI_DEFINITION.as_bytes()),
        ]);
        let problem = only(check(bytes));
        assert_eq!(
            problem,
            FileProblem {
                file: "mainTemplate.json".into(),
                rule: "mainTemplate.json is not valid JSON: expected ident at line 1 column 2"
                    .into(),
            }
        );
        for (content, expect) in [
            (&b""[..], "EOF while parsing"),
            (b"{} {}", "trailing characters"),
            (b"{\"a\": \xff}", "not UTF-8"),
            (b"\xff\xfe{\x00}\x00", "not UTF-8"),
        ] {
            let bytes = package(&[
                ("mainTemplate.json", content),
                ("createUiDefinition.json", UI_DEFINITION.as_bytes()),
            ]);
            let problem = only(check(bytes));
            assert!(problem.rule.contains(expect), "{problem:?}");
        }
    }

    #[test]
    fn missing_members_are_each_reported() {
        let template = r#"{"$schema": "x", "resources": []}"#;
        let ui = r#"{"$schema": "x", "handler": "h", "version": "v"}"#;
        let problems = check(package(&[
            ("mainTemplate.json", template.as_bytes()),
            ("createUiDefinition.json", ui.as_bytes()),
        ]))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                FileProblem {
                    file: "mainTemplate.json".into(),
                    rule: "mainTemplate.json lacks the member 'contentVersion' an ARM deployment template requires".into(),
                },
                FileProblem {
                    file: "createUiDefinition.json".into(),
                    rule: "createUiDefinition.json lacks the member 'parameters' a UI definition requires".into(),
                },
            ]
        );
    }

    #[test]
    fn members_of_the_wrong_kind_and_non_objects_are_reported() {
        let template = r#"{"$schema": "x", "contentVersion": "1.0.0.0", "resources": {}}"#;
        let ui = r#"[{"$schema": "x"}]"#;
        let problems = check(package(&[
            ("mainTemplate.json", template.as_bytes()),
            ("createUiDefinition.json", ui.as_bytes()),
        ]))
        .unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            problems[0].rule,
            "mainTemplate.json has the member 'resources' as an object, but an ARM deployment template requires an array there"
        );
        assert_eq!(
            problems[1].rule,
            "createUiDefinition.json holds an array at its top level, but a UI definition must be a JSON object"
        );
        // Nested members of the same name do not count.
        let template = r#"{"$schema": "x", "contentVersion": "1", "variables": {"resources": []}}"#;
        let problem = only(check(package(&[
            ("mainTemplate.json", template.as_bytes()),
            ("createUiDefinition.json", UI_DEFINITION.as_bytes()),
        ])));
        assert!(
            problem.rule.contains("lacks the member 'resources'"),
            "{problem:?}"
        );
    }

    #[test]
    fn deep_nesting_costs_no_stack() {
        let deep = format!(
            r#"{{"$schema": "x", "contentVersion": "1", "resources": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        // Values below the members looked at are skipped without recursing.
        let bytes = package(&[
            ("mainTemplate.json", deep.as_bytes()),
            ("createUiDefinition.json", UI_DEFINITION.as_bytes()),
        ]);
        assert_eq!(check(bytes), Ok(()));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let problem = only(check(package(&[
            ("mainTemplate.json", TEMPLATE.as_bytes()),
            ("createUiDefinition.json", deep.as_bytes()),
        ])));
        assert!(problem.rule.contains("holds an array"), "{problem:?}");
    }

    #[test]
    fn json_files_past_the_size_limit_are_refused() {
        let mut large = TEMPLATE.as_bytes().to_vec();
        large.resize(MAX_JSON_BYTES as usize + 1, b' ');
        let bytes = zip_of(
            &[
                ("mainTemplate.json", &large),
                ("createUiDefinition.json", UI_DEFINITION.as_bytes()),
            ],
            CompressionMethod::Stored,
        );
        let problem = only(check(bytes));
        assert_eq!(problem.file, "mainTemplate.json");
        assert!(problem.rule.contains("16 MiB"), "{problem:?}");
    }

    #[test]
    fn a_zip_slip_entry_refuses_the_package() {
        let mut files = good_files();
        files.push(("../evil.json", b"{}"));
        let problem = only(check(package(&files)));
        assert_eq!(problem.file, "app.zip");
        assert!(problem.rule.contains("'../evil.json'"), "{problem:?}");
    }

    #[test]
    fn a_truncated_package_is_refused() {
        let bytes = package(&good_files());
        let half = fixtures::hostile::truncated(&bytes, bytes.len() / 2);
        let problem = only(check(half));
        assert_eq!(problem.file, "app.zip");
        assert!(problem.rule.contains("not a valid ZIP"), "{problem:?}");
    }

    #[test]
    fn not_a_zip_is_refused() {
        let problem = only(check(b"{\"this is\": \"not a zip\"}".to_vec()));
        assert_eq!(problem.file, "app.zip");
        assert!(
            problem.rule.starts_with("app.zip is not a valid ZIP"),
            "{problem:?}"
        );
        let problem = only(check(Vec::new()));
        assert_eq!(problem.file, "app.zip");
    }

    #[test]
    fn a_wrong_crc_is_reported_on_its_entry() {
        let mut bytes = zip_of(&good_files(), CompressionMethod::Stored);
        let at = memchr::memmem::find(&bytes, b"CRCMARK").unwrap();
        bytes[at + 6] = b'X';
        let problem = only(check(bytes));
        assert_eq!(problem.file, "mainTemplate.json");
        assert!(problem.rule.contains("CRC"), "{problem:?}");
        // Entries other than the two documents are read through too.
        let mut bytes = zip_of(&good_files(), CompressionMethod::Stored);
        let at = memchr::memmem::find(&bytes, b"echo hi").unwrap();
        bytes[at] = b'E';
        let problem = only(check(bytes));
        assert_eq!(problem.file, "scripts/install.sh");
        assert!(problem.rule.contains("CRC"), "{problem:?}");
    }

    #[test]
    fn limits_refuse_the_whole_package() {
        let limits = ArchiveLimits {
            max_total_uncompressed: 100,
            ..ArchiveLimits::default()
        };
        let problem = only(check_with(package(&good_files()), &limits));
        assert_eq!(problem.file, "app.zip");
        let limits = ArchiveLimits {
            max_entries: 2,
            ..ArchiveLimits::default()
        };
        let problem = only(check_with(package(&good_files()), &limits));
        assert_eq!(problem.file, "app.zip");
        assert!(problem.rule.contains("more than 2 entries"), "{problem:?}");
    }

    #[test]
    fn rules_never_hold_a_sentence_break() {
        assert_eq!(
            one_sentence("First. Second.\nThird. ".into()),
            "First; Second; Third"
        );
        let problem = FileProblem::new("a. b.zip", "a. b.zip is bad.");
        assert_eq!(problem.rule, "a; b.zip is bad");
    }

    #[test]
    fn image_sizes_by_type() {
        assert_eq!(required_image_size("AzureLogoLarge"), Some((216, 216)));
        assert_eq!(required_image_size("azurelogomedium"), Some((90, 90)));
        assert_eq!(required_image_size("AZURELOGOSMALL"), Some((48, 48)));
        assert_eq!(required_image_size("AzureLogoWide"), Some((255, 115)));
        assert_eq!(required_image_size("AzureLogoHero"), Some((815, 290)));
        assert_eq!(required_image_size("AzureScreenshot"), Some((1280, 720)));
        assert_eq!(required_image_size("AzureVideo"), None);
    }

    #[test]
    fn a_png_of_the_right_size_passes() {
        let png = fixtures::png(216, 216);
        assert_eq!(
            check_listing_image("azureLogoLarge", "logo.png", &mut png.as_slice()),
            Ok(())
        );
    }

    #[test]
    fn a_png_of_the_wrong_size_names_both_sizes() {
        let png = fixtures::png(100, 100);
        let problem =
            check_listing_image("AzureLogoLarge", "logo.png", &mut png.as_slice()).unwrap_err();
        assert_eq!(
            problem,
            FileProblem {
                file: "logo.png".into(),
                rule: "logo.png is 100x100 pixels; an AzureLogoLarge image must be 216x216".into(),
            }
        );
        assert_one_sentence(&problem);
    }

    #[test]
    fn only_pngs_are_accepted() {
        let jpeg = fixtures::jpeg(216, 216);
        let problem =
            check_listing_image("AzureLogoLarge", "logo.jpg", &mut jpeg.as_slice()).unwrap_err();
        assert_eq!(problem.file, "logo.jpg");
        assert!(
            problem.rule.contains("JPEG") && problem.rule.contains("must be a PNG"),
            "{problem:?}"
        );
        assert_one_sentence(&problem);
        let jpeg = fixtures::jpeg(10, 10);
        assert!(check_listing_image("Unknown", "x.jpg", &mut jpeg.as_slice()).is_err());
        let problem = check_listing_image("AzureScreenshot", "shot.png", &mut &b"plain text"[..])
            .unwrap_err();
        assert_eq!(problem.file, "shot.png");
        assert!(
            problem.rule.starts_with("shot.png is not a PNG"),
            "{problem:?}"
        );
        assert_one_sentence(&problem);
    }

    #[test]
    fn an_unknown_type_takes_a_png_of_any_size() {
        let png = fixtures::png(7, 3);
        assert_eq!(
            check_listing_image("SomethingNew", "odd.png", &mut png.as_slice()),
            Ok(())
        );
    }
}
