//! Every validation rule of seed 001 over HTTP, each with one accepted and one rejected
//! request: the rejection is `isSuccess: false`, 400, with the module as `target` and the
//! field named in the message.

use crate::common;

use common::TestServer;
use common::msi::MsiClient;
use reqwest::Method;
use serde_json::{Value, json};

fn with(base: &Value, overrides: Value) -> Value {
    let mut merged = base.clone();
    for (key, value) in overrides.as_object().unwrap() {
        merged[key] = value.clone();
    }
    merged
}

fn availability() -> Value {
    json!({"markets": ["US"], "discoverability": "DISCOVERABLE", "enableInFutureMarkets": true,
           "pricing": "PAID", "freeTrial": "NO_FREE_TRIAL"})
}

fn properties() -> Value {
    json!({
        "isPrivacyPolicyRequired": true, "privacyPolicyUrl": "http://contoso.com",
        "website": "http://contoso.com", "supportContactInfo": "http://contoso.com",
        "certificationNotes": "Certification Notes", "category": "DeveloperTools",
        "subcategory": "Database",
        "productDeclarations": {"dependsOnDriversOrNT": false, "accessibilitySupport": false,
                                "penAndInkSupport": false},
        "isSystemFeatureRequired": [{"isRequired": true, "isRecommended": false, "hardwareItemType": "Touch"}],
        "systemRequirementDetails": [{"minimumRequirement": "1GB", "recommendedRequirement": "4GB",
                                      "hardwareItemType": "Memory"}]
    })
}

fn listing() -> Value {
    json!({
        "language": "en-us", "description": "Description", "whatsNew": "What's New",
        "productFeatures": ["Feature 1"], "shortDescription": "Short Description",
        "searchTerms": ["Search Ter 1"], "additionalLicenseTerms": "License Terms",
        "copyright": "Copyright Information", "developedBy": "Developer Details",
        "sortTitle": "Product 101",
        "requirements": [{"minimumHardware": "Pentium4", "recommendedHardware": "Corei9"}],
        "contactInfo": "contactus@contoso.com"
    })
}

fn package() -> Value {
    json!({
        "packageUrl": "https://www.contoso.com/downloads/1.1/setup.exe", "languages": ["en-us"],
        "architectures": ["X86"], "isSilentInstall": true, "installerParameters": "/s",
        "genericDocUrl": "https://docs.contoso.com/doclink",
        "errorDetails": [{"errorScenario": "rebootRequired", "errorScenarioDetails": [
            {"errorValue": "ERR001001", "errorUrl": "https://errors.contoso.com/errors/ERR001001"}]}],
        "packageType": "exe"
    })
}

struct Rules<'a> {
    client: MsiClient<'a>,
    product: String,
}

/// One rule: a request part that passes, one that breaks it, and the field the error names.
type Case = (Value, Value, &'static str);

impl Rules<'_> {
    async fn metadata_cases(&self, module: &str, base: fn() -> Value, cases: Vec<Case>) {
        for (good, bad, field) in cases {
            self.metadata(module, base(), good, bad, field).await;
        }
    }

    async fn package_cases(&self, cases: Vec<Case>) {
        for (good, bad, field) in cases {
            self.package(good, bad, field).await;
        }
    }

    /// PUT /metadata with `module` built from `base` plus `good`, then plus `bad`.
    async fn metadata(&self, module: &str, base: Value, good: Value, bad: Value, field: &str) {
        let request = |overrides: Value| json!({ module: with(&base, overrides) });
        self.client
            .ok(Method::PUT, &self.product, "metadata", request(good))
            .await;
        self.client
            .rejected(
                Method::PUT,
                &self.product,
                "metadata",
                request(bad),
                module,
                field,
            )
            .await;
    }

    /// PUT /packages with one package built from the sample plus `good`, then plus `bad`.
    async fn package(&self, good: Value, bad: Value, field: &str) {
        let request = |overrides: Value| json!({"packages": [with(&package(), overrides)]});
        self.client
            .ok(Method::PUT, &self.product, "packages", request(good))
            .await;
        self.client
            .rejected(
                Method::PUT,
                &self.product,
                "packages",
                request(bad),
                "packages",
                field,
            )
            .await;
    }
}

fn text(n: usize) -> String {
    "x".repeat(n)
}

#[tokio::test]
async fn availability_rules() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Availability Rules").await;
    let rules = Rules {
        client: server.msi_client().await,
        product,
    };
    rules
        .metadata_cases(
            "availability",
            availability,
            vec![
                (
                    json!({"markets": ["us", "GB", "AX"]}),
                    json!({"markets": ["US", "XX"]}),
                    "markets[1]",
                ),
                (json!({}), json!({"markets": []}), "markets"),
                (
                    json!({"discoverability": "DEEPLINK_ONLY"}),
                    json!({"discoverability": "HIDDEN"}),
                    "discoverability",
                ),
                (
                    json!({"pricing": "FREEMIUM"}),
                    json!({"pricing": "CHEAP"}),
                    "pricing",
                ),
                (
                    json!({"pricing": "FREE", "freeTrial": null}),
                    json!({"pricing": "PAID", "freeTrial": null}),
                    "freeTrial",
                ),
                (
                    json!({"pricing": "SUBSCRIPTION", "freeTrial": "FREE_TRIAL"}),
                    json!({"pricing": "SUBSCRIPTION", "freeTrial": null}),
                    "freeTrial",
                ),
                (
                    json!({"freeTrial": "FREE_TRIAL"}),
                    json!({"freeTrial": "MAYBE"}),
                    "freeTrial",
                ),
            ],
        )
        .await;
    // Absent required values in a full update take defaults, which fail.
    rules
        .metadata(
            "availability",
            availability(),
            json!({}),
            json!({"pricing": null}),
            "pricing",
        )
        .await;
}

#[tokio::test]
async fn properties_rules() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Properties Rules").await;
    let rules = Rules {
        client: server.msi_client().await,
        product,
    };
    rules
        .metadata_cases(
            "properties",
            properties,
            vec![
                (
                    json!({"isPrivacyPolicyRequired": false, "privacyPolicyUrl": ""}),
                    json!({"privacyPolicyUrl": ""}),
                    "privacyPolicyUrl",
                ),
                (
                    json!({"privacyPolicyUrl": "https://contoso.com/privacy"}),
                    json!({"privacyPolicyUrl": "contoso privacy"}),
                    "privacyPolicyUrl",
                ),
                (
                    json!({"website": "https://www.contoso.com/app"}),
                    json!({"website": "www contoso"}),
                    "website",
                ),
                (
                    json!({"supportContactInfo": "support@contoso.com"}),
                    json!({"supportContactInfo": "call me maybe"}),
                    "supportContactInfo",
                ),
                (
                    json!({"certificationNotes": text(2000)}),
                    json!({"certificationNotes": text(2001)}),
                    "certificationNotes",
                ),
                (
                    json!({"category": "Entertainment", "subcategory": ""}),
                    json!({"category": "Games", "subcategory": ""}),
                    "category",
                ),
                (
                    json!({"category": "education", "subcategory": "studyaids"}),
                    json!({"category": "Education", "subcategory": "Database"}),
                    "subcategory",
                ),
                (
                    json!({"category": "Business", "subcategory": "CRM"}),
                    json!({"category": "Business", "subcategory": ""}),
                    "subcategory",
                ),
                (
                    json!({"category": "Music", "subcategory": "None"}),
                    json!({"category": "Music", "subcategory": "Jazz"}),
                    "subcategory",
                ),
            ],
        )
        .await;
    let feature = |kind: &str| json!({"isSystemFeatureRequired": [{"isRequired": true, "isRecommended": false, "hardwareItemType": kind}]});
    rules
        .metadata(
            "properties",
            properties(),
            feature("NFC_HCE"),
            feature("Joystick"),
            "isSystemFeatureRequired[0].hardwareItemType",
        )
        .await;
    let requirement = |kind: &str, min: &str| json!({"systemRequirementDetails": [{"minimumRequirement": min, "recommendedRequirement": "", "hardwareItemType": kind}]});
    rules
        .metadata_cases(
            "properties",
            properties,
            vec![
                (
                    requirement("Memory", "20GB"),
                    requirement("Memory", "3GB"),
                    "systemRequirementDetails[0].minimumRequirement",
                ),
                (
                    requirement("DirectX", "DX12-FEATURELEVEL12"),
                    requirement("DirectX", "DX8"),
                    "systemRequirementDetails[0].minimumRequirement",
                ),
                (
                    requirement("Video_Memory", "6GB"),
                    requirement("Video_Memory", "8GB"),
                    "systemRequirementDetails[0].minimumRequirement",
                ),
                (
                    requirement("Processor", &text(200)),
                    requirement("Processor", &text(201)),
                    "systemRequirementDetails[0].minimumRequirement",
                ),
                (
                    requirement("Graphics", ""),
                    requirement("Sound", ""),
                    "systemRequirementDetails[0].hardwareItemType",
                ),
            ],
        )
        .await;
}

#[tokio::test]
async fn listing_rules() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Listing Rules").await;
    let rules = Rules {
        client: server.msi_client().await,
        product,
    };
    let l = listing;
    let limits: [(&str, usize); 7] = [
        ("description", 10_000),
        ("whatsNew", 1_500),
        ("shortDescription", 1_000),
        ("additionalLicenseTerms", 10_000),
        ("copyright", 200),
        ("developedBy", 255),
        ("contactInfo", 200),
    ];
    for (field, limit) in limits {
        rules
            .metadata(
                "listings",
                l(),
                json!({ field: text(limit) }),
                json!({ field: text(limit + 1) }),
                field,
            )
            .await;
    }
    for required in ["description", "additionalLicenseTerms"] {
        rules
            .metadata(
                "listings",
                l(),
                json!({}),
                json!({ required: "" }),
                required,
            )
            .await;
    }
    rules
        .metadata_cases(
            "listings",
            listing,
            vec![
                (
                    json!({"language": "EN-US"}),
                    json!({"language": "xx-xx"}),
                    "language",
                ),
                (
                    json!({"productFeatures": vec![text(200); 20]}),
                    json!({"productFeatures": vec![text(10); 21]}),
                    "productFeatures",
                ),
                (
                    json!({}),
                    json!({"productFeatures": [text(201)]}),
                    "productFeatures[0]",
                ),
            ],
        )
        .await;
    let terms = |n: usize, words: usize| -> Vec<String> {
        (0..n)
            .map(|t| {
                (0..words)
                    .map(|w| format!("t{t}w{w}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    rules
        .metadata_cases(
            "listings",
            listing,
            vec![
                (
                    json!({"searchTerms": terms(7, 3)}),
                    json!({"searchTerms": terms(8, 1)}),
                    "searchTerms",
                ),
                (
                    json!({"searchTerms": [text(30)]}),
                    json!({"searchTerms": [text(31)]}),
                    "searchTerms[0]",
                ),
                (
                    json!({"searchTerms": terms(7, 3)}),
                    json!({"searchTerms": terms(2, 11)}),
                    "22 unique words",
                ),
            ],
        )
        .await;
    let requirements = |n: usize, chars: usize| -> Value {
        let items: Vec<Value> = (0..n)
            .map(|i| {
                if i % 2 == 0 {
                    json!({"minimumHardware": text(chars)})
                } else {
                    json!({"recommendedHardware": text(chars)})
                }
            })
            .collect();
        json!({ "requirements": items })
    };
    rules
        .metadata_cases(
            "listings",
            listing,
            vec![
                (requirements(11, 200), requirements(12, 10), "requirements"),
                (
                    json!({}),
                    requirements(1, 201),
                    "requirements[0].minimumHardware",
                ),
            ],
        )
        .await;
    // listingsToAdd and listingsToRemove take codes from the languages table.
    let client = &rules.client;
    client
        .ok(
            Method::PUT,
            &rules.product,
            "metadata",
            json!({"listingsToAdd": ["de-de", "zh-hans"]}),
        )
        .await;
    client
        .rejected(
            Method::PUT,
            &rules.product,
            "metadata",
            json!({"listingsToAdd": ["xx"]}),
            "listings",
            "listingsToAdd[0]",
        )
        .await;
    client
        .ok(
            Method::PATCH,
            &rules.product,
            "metadata",
            json!({"listingsToRemove": ["DE-DE", "zh-Hans"]}),
        )
        .await;
    client
        .rejected(
            Method::PATCH,
            &rules.product,
            "metadata",
            json!({"listingsToRemove": ["klingon"]}),
            "listings",
            "listingsToRemove[0]",
        )
        .await;
    client
        .rejected(
            Method::PUT,
            &rules.product,
            "metadata",
            json!({"listings": with(&l(), json!({"language": "fr-fr"}))}),
            "listings",
            "listingsToAdd",
        )
        .await;
    // PATCH checks the listing it leaves, with the fields it did not send kept.
    client
        .ok(
            Method::PATCH,
            &rules.product,
            "metadata",
            json!({"listings": {"language": "en-us", "whatsNew": "Fixes"}}),
        )
        .await;
    client
        .rejected(
            Method::PATCH,
            &rules.product,
            "metadata",
            json!({"listings": {"language": "en-us", "copyright": text(201)}}),
            "listings",
            "copyright",
        )
        .await;
}

#[tokio::test]
async fn package_rules() {
    let server = TestServer::start().await;
    let product = server.reserve_win32("Package Rules").await;
    let rules = Rules {
        client: server.msi_client().await,
        product: product.clone(),
    };
    rules
        .package_cases(vec![
            (json!({}), json!({"packageUrl": ""}), "packageUrl"),
            (
                json!({"packageUrl": "http://www.contoso.com/setup.exe"}),
                json!({"packageUrl": "setup.exe"}),
                "packageUrl",
            ),
            (
                json!({"languages": ["en-us", "FR-fr"]}),
                json!({"languages": ["xx-yy"]}),
                "languages[0]",
            ),
            (json!({}), json!({"languages": []}), "languages"),
            (
                json!({}),
                json!({"architectures": ["X86", "X64"]}),
                "exactly one architecture",
            ),
            (
                json!({"isSilentInstall": false, "installerParameters": "/S"}),
                json!({"isSilentInstall": false, "installerParameters": ""}),
                "installerParameters",
            ),
            (
                json!({"packageType": "msi", "genericDocUrl": ""}),
                json!({"packageType": "exe", "genericDocUrl": ""}),
                "genericDocUrl",
            ),
            (json!({}), json!({"genericDocUrl": "docs"}), "genericDocUrl"),
        ])
        .await;
    for architecture in ["Neutral", "X86", "X64", "Arm", "arm64"] {
        rules
            .package(
                json!({"architectures": [architecture]}),
                json!({"architectures": ["Sparc"]}),
                "architectures",
            )
            .await;
    }
    let scenario = |name: &str, url: &str| json!({"errorDetails": [{"errorScenario": name, "errorScenarioDetails": [{"errorValue": "E1", "errorUrl": url}]}]});
    for name in [
        "installationCancelledByUser",
        "applicationAlreadyExists",
        "installationAlreadyInProgress",
        "diskSpaceIsFull",
        "rebootRequired",
        "networkFailure",
        "packageRejectedDuringInstallation",
        "installationSuccessful",
        "miscellaneous",
    ] {
        rules
            .package(
                scenario(name, "https://errors.contoso.com/1"),
                scenario("meltdown", "https://errors.contoso.com/1"),
                "errorDetails[0].errorScenario",
            )
            .await;
    }
    rules
        .package(
            json!({}),
            scenario("rebootRequired", "not a url"),
            "errorScenarioDetails[0].errorUrl",
        )
        .await;
    rules
        .package(
            json!({"packageType": "MSI"}),
            json!({"packageType": "appx"}),
            "packageType",
        )
        .await;
    rules
        .package(json!({}), json!({"packageType": ""}), "packageType")
        .await;
    // PATCH checks the package it leaves.
    let client = &rules.client;
    let packages = client.get(&product, "packages").await;
    let id = packages["responseData"]["packages"][0]["packageId"]
        .as_str()
        .unwrap()
        .to_string();
    client
        .ok(
            Method::PATCH,
            &product,
            &format!("packages/{id}"),
            json!({"architectures": ["Arm64"]}),
        )
        .await;
    client
        .rejected(
            Method::PATCH,
            &product,
            &format!("packages/{id}"),
            json!({"architectures": []}),
            "packages",
            "architectures",
        )
        .await;
    client
        .rejected(
            Method::PUT,
            &product,
            "packages",
            json!({"packages": []}),
            "packages",
            "at least one package",
        )
        .await;
    client
        .rejected(
            Method::PUT,
            &product,
            "packages",
            json!({}),
            "packages",
            "packages is required",
        )
        .await;
}
