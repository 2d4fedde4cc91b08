//! The value tables of seed 001, transcribed as they are printed there (spelling included:
//! `AccountingAndfinance`, `DYI`, `themes`). Input matches them case-insensitively and is
//! stored in the spelling below.

/// Markets (two-letter codes), the seed's "Markets" table: 241 entries.
pub const MARKETS: &[&str] = &[
    "AF", "AL", "DZ", "AS", "AD", "AO", "AI", "AQ", "AG", "AR", "AM", "AW", "AU", "AT", "AZ", "BS",
    "BH", "BD", "BB", "BY", "BE", "BZ", "BJ", "BM", "BT", "VE", "BO", "BQ", "BA", "BW", "BV", "BR",
    "IO", "VG", "BN", "BG", "BF", "BI", "KH", "CM", "CA", "CV", "KY", "CF", "TD", "CL", "CN", "CX",
    "CC", "CO", "KM", "CG", "CD", "CK", "CR", "HR", "CW", "CY", "CZ", "CI", "DK", "DJ", "DM", "DO",
    "EC", "EG", "SV", "GQ", "ER", "EE", "ET", "FK", "FO", "FJ", "FI", "FR", "GF", "PF", "TF", "GA",
    "GM", "GE", "DE", "GH", "GI", "GR", "GL", "GD", "GP", "GU", "GT", "GG", "GN", "GW", "GY", "HT",
    "HM", "VA", "HN", "HK", "HU", "IS", "IN", "ID", "IQ", "IE", "IL", "IT", "JM", "JP", "JE", "JO",
    "KZ", "KE", "KI", "KR", "KW", "KG", "LA", "LV", "LB", "LS", "LR", "LY", "LI", "LT", "LU", "MO",
    "MK", "MG", "MW", "MY", "MV", "ML", "MT", "IM", "MH", "MQ", "MR", "MU", "YT", "MX", "FM", "MD",
    "MC", "MN", "ME", "MS", "MA", "MZ", "MM", "NA", "NR", "NP", "NL", "NC", "NZ", "NI", "NE", "NG",
    "NU", "NF", "MP", "NO", "OM", "PK", "PW", "PS", "PA", "PG", "PY", "PE", "PH", "PN", "PL", "PT",
    "QA", "RE", "RO", "RU", "RW", "BL", "SH", "KN", "LC", "MF", "PM", "VC", "WS", "SM", "SA", "SN",
    "RS", "SC", "SL", "SG", "SX", "SK", "SI", "SB", "SO", "ZA", "GS", "ES", "LK", "SR", "SJ", "SZ",
    "SE", "CH", "ST", "TW", "TJ", "TZ", "TH", "TL", "TG", "TK", "TO", "TT", "TN", "TR", "TM", "TC",
    "TV", "UM", "VI", "UG", "UA", "AE", "GB", "US", "UY", "UZ", "VU", "VN", "WF", "YE", "ZM", "ZW",
    "AX",
];

/// Categories with their subcategories ("(None)" in the seed is an empty list).
pub const CATEGORIES: &[(&str, &[&str])] = &[
    (
        "BooksAndReference",
        &["EReader", "Fiction", "Nonfiction", "Reference"],
    ),
    (
        "Business",
        &[
            "AccountingAndfinance",
            "Collaboration",
            "CRM",
            "DataAndAnalytics",
            "FileManagement",
            "InventoryAndlogistics",
            "LegalAndHR",
            "ProjectManagement",
            "RemoteDesktop",
            "SalesAndMarketing",
            "TimeAndExpenses",
        ],
    ),
    (
        "DeveloperTools",
        &[
            "Database",
            "DesignTools",
            "DevelopmentKits",
            "Networking",
            "ReferenceAndTraining",
            "Servers",
            "Utilities",
            "WebHosting",
        ],
    ),
    (
        "Education",
        &[
            "EducationBooksAndReference",
            "EarlyLearning",
            "InstructionalTools",
            "Language",
            "StudyAids",
        ],
    ),
    ("Entertainment", &[]),
    ("FoodAndDining", &[]),
    ("GovernmentAndPolitics", &[]),
    ("HealthAndFitness", &[]),
    (
        "KidsAndFamily",
        &[
            "KidsAndFamilyBooksAndReference",
            "KidsAndFamilyEntertainment",
            "HobbiesAndToys",
            "SportsAndActivities",
            "KidsAndFamilyTravel",
        ],
    ),
    (
        "Lifestyle",
        &[
            "Automotive",
            "DYI",
            "HomeAndGarden",
            "Relationships",
            "SpecialInterest",
            "StyleAndFashion",
        ],
    ),
    ("Medical", &[]),
    (
        "MultimediaDesign",
        &[
            "IllustrationAndGraphicDesign",
            "MusicProduction",
            "PhotoAndVideoProduction",
        ],
    ),
    ("Music", &[]),
    ("NavigationAndMaps", &[]),
    ("NewsAndWeather", &["News", "Weather"]),
    (
        "PersonalFinance",
        &["BankingAndInvestments", "BudgetingAndTaxes"],
    ),
    (
        "Personalization",
        &["RingtonesAndSounds", "themes", "WallpaperAndLockScreens"],
    ),
    ("PhotoAndVideo", &[]),
    ("Productivity", &[]),
    ("Security", &["PCProtection", "PersonalSecurity"]),
    ("Shopping", &[]),
    ("Social", &[]),
    ("Sports", &[]),
    ("Travel", &["CityGuides", "Hotels"]),
    ("UtilitiesAndTools", &["BackupAndManage", "FileManager"]),
];

/// Listing language codes, the seed's "Languages" table (its repeated Chinese (Traditional)
/// codes listed once): 320 entries.
pub const LANGUAGES: &[&str] = &[
    "af",
    "af-za",
    "sq",
    "sq-al",
    "am",
    "am-et",
    "hy",
    "hy-am",
    "as",
    "as-in",
    "az-arab",
    "az-arab-az",
    "az-cyrl",
    "az-cyrl-az",
    "az-latn",
    "az-latn-az",
    "eu",
    "eu-es",
    "be",
    "be-by",
    "bn",
    "bn-bd",
    "bn-in",
    "bs",
    "bs-cyrl",
    "bs-cyrl-ba",
    "bs-latn",
    "bs-latn-ba",
    "bg",
    "bg-bg",
    "ca",
    "ca-es",
    "ca-es-valencia",
    "chr-cher",
    "chr-cher-us",
    "chr-latn",
    "zh-Hans",
    "zh-cn",
    "zh-hans-cn",
    "zh-sg",
    "zh-hans-sg",
    "zh-Hant",
    "zh-hk",
    "zh-mo",
    "zh-tw",
    "zh-hant-hk",
    "zh-hant-mo",
    "zh-hant-tw",
    "hr",
    "hr-hr",
    "hr-ba",
    "cs",
    "cs-cz",
    "da",
    "da-dk",
    "prs",
    "prs-af",
    "prs-arab",
    "nl",
    "nl-nl",
    "nl-be",
    "en",
    "en-au",
    "en-ca",
    "en-gb",
    "en-ie",
    "en-in",
    "en-nz",
    "en-sg",
    "en-us",
    "en-za",
    "en-bz",
    "en-hk",
    "en-id",
    "en-jm",
    "en-kz",
    "en-mt",
    "en-my",
    "en-ph",
    "en-pk",
    "en-tt",
    "en-vn",
    "en-zw",
    "et",
    "et-ee",
    "fil",
    "fil-latn",
    "fil-ph",
    "fi",
    "fi-fi",
    "fr",
    "fr-be",
    "fr-ca",
    "fr-ch",
    "fr-fr",
    "fr-lu",
    "fr-cd",
    "fr-ci",
    "fr-cm",
    "fr-ht",
    "fr-ma",
    "fr-mc",
    "fr-ml",
    "fr-re",
    "frc-latn",
    "frp-latn",
    "gl",
    "gl-es",
    "ka",
    "ka-ge",
    "de",
    "de-at",
    "de-ch",
    "de-de",
    "de-lu",
    "de-li",
    "el",
    "el-gr",
    "gu",
    "gu-in",
    "ha",
    "ha-latn",
    "ha-latn-ng",
    "he",
    "he-il",
    "hi",
    "hi-in",
    "hu",
    "hu-hu",
    "is",
    "is-is",
    "ig-latn",
    "ig-ng",
    "id",
    "id-id",
    "iu-cans",
    "iu-latn",
    "iu-latn-ca",
    "ga",
    "ga-ie",
    "xh",
    "xh-za",
    "zu",
    "zu-za",
    "it",
    "it-it",
    "it-ch",
    "ja",
    "ja-jp",
    "kn",
    "kn-in",
    "kk",
    "kk-kz",
    "km",
    "km-kh",
    "quc-latn",
    "qut-gt",
    "qut-latn",
    "rw",
    "rw-rw",
    "sw",
    "sw-ke",
    "kok",
    "kok-in",
    "ko",
    "ko-kr",
    "ku-arab",
    "ku-arab-iq",
    "ky-kg",
    "ky-cyrl",
    "lo",
    "lo-la",
    "lv",
    "lv-lv",
    "lt",
    "lt-lt",
    "lb",
    "lb-lu",
    "mk",
    "mk-mk",
    "ms",
    "ms-bn",
    "ms-my",
    "ml",
    "ml-in",
    "mt",
    "mt-mt",
    "mi",
    "mi-latn",
    "mi-nz",
    "mr",
    "mr-in",
    "mn-cyrl",
    "mn-mong",
    "mn-mn",
    "mn-phag",
    "ne",
    "ne-np",
    "nb",
    "nb-no",
    "nn",
    "nn-no",
    "no",
    "no-no",
    "or",
    "or-in",
    "fa",
    "fa-ir",
    "pl",
    "pl-pl",
    "pt-br",
    "pt",
    "pt-pt",
    "pa",
    "pa-arab",
    "pa-arab-pk",
    "pa-deva",
    "pa-in",
    "quz",
    "quz-bo",
    "quz-ec",
    "quz-pe",
    "ro",
    "ro-ro",
    "ru",
    "ru-ru",
    "gd-gb",
    "gd-latn",
    "sr-Latn",
    "sr-latn-cs",
    "sr",
    "sr-latn-ba",
    "sr-latn-me",
    "sr-latn-rs",
    "sr-cyrl",
    "sr-cyrl-ba",
    "sr-cyrl-cs",
    "sr-cyrl-me",
    "sr-cyrl-rs",
    "nso",
    "nso-za",
    "tn",
    "tn-bw",
    "tn-za",
    "sd-arab",
    "sd-arab-pk",
    "sd-deva",
    "si",
    "si-lk",
    "sk",
    "sk-sk",
    "sl",
    "sl-si",
    "es",
    "es-cl",
    "es-co",
    "es-es",
    "es-mx",
    "es-ar",
    "es-bo",
    "es-cr",
    "es-do",
    "es-ec",
    "es-gt",
    "es-hn",
    "es-ni",
    "es-pa",
    "es-pe",
    "es-pr",
    "es-py",
    "es-sv",
    "es-us",
    "es-uy",
    "es-ve",
    "sv",
    "sv-se",
    "sv-fi",
    "tg-arab",
    "tg-cyrl",
    "tg-cyrl-tj",
    "tg-latn",
    "ta",
    "ta-in",
    "tt-arab",
    "tt-cyrl",
    "tt-latn",
    "tt-ru",
    "te",
    "te-in",
    "th",
    "th-th",
    "ti",
    "ti-et",
    "tr",
    "tr-tr",
    "tk-cyrl",
    "tk-latn",
    "tk-tm",
    "tk-latn-tr",
    "tk-cyrl-tr",
    "uk",
    "uk-ua",
    "ur",
    "ur-pk",
    "ug-arab",
    "ug-cn",
    "ug-cyrl",
    "ug-latn",
    "uz",
    "uz-cyrl",
    "uz-latn",
    "uz-latn-uz",
    "vi",
    "vi-vn",
    "cy",
    "cy-gb",
    "wo",
    "wo-sn",
    "yo-latn",
    "yo-ng",
];

pub const DISCOVERABILITY: &[&str] = &["DISCOVERABLE", "DEEPLINK_ONLY"];
pub const PRICING: &[&str] = &["FREE", "FREEMIUM", "SUBSCRIPTION", "PAID"];
/// Pricing models that need a `freeTrial` value.
pub const PRICING_WITH_TRIAL: &[&str] = &["PAID", "SUBSCRIPTION"];
pub const FREE_TRIAL: &[&str] = &["NO_FREE_TRIAL", "FREE_TRIAL"];

/// `isSystemFeatureRequired[].hardwareItemType`.
pub const SYSTEM_FEATURES: &[&str] = &[
    "Touch",
    "Keyboard",
    "Mouse",
    "Camera",
    "NFC_HCE",
    "NFC_Proximity",
    "Bluetooth_LE",
    "Telephony",
    "Microphone",
];

/// `systemRequirementDetails[].hardwareItemType`.
pub const SYSTEM_REQUIREMENTS: &[&str] =
    &["Processor", "Graphics", "Memory", "DirectX", "Video_Memory"];

/// The allowed minimum/recommended values of the requirement types that have a list.
pub const REQUIREMENT_VALUES: &[(&str, &[&str])] = &[
    (
        "Memory",
        &[
            "300MB", "750MB", "1GB", "2GB", "4GB", "6GB", "8GB", "12GB", "16GB", "20GB",
        ],
    ),
    (
        "DirectX",
        &[
            "DX9",
            "DX10",
            "DX11",
            "DX12-FEATURELEVEL11",
            "DX12-FEATURELEVEL12",
        ],
    ),
    ("Video_Memory", &["1GB", "2GB", "4GB", "6GB"]),
];

pub const ARCHITECTURES: &[&str] = &["Neutral", "X86", "X64", "Arm", "Arm64"];
pub const PACKAGE_TYPES: &[&str] = &["exe", "msi"];

/// `errorDetails[].errorScenario`.
pub const ERROR_SCENARIOS: &[&str] = &[
    "installationCancelledByUser",
    "applicationAlreadyExists",
    "installationAlreadyInProgress",
    "diskSpaceIsFull",
    "rebootRequired",
    "networkFailure",
    "packageRejectedDuringInstallation",
    "installationSuccessful",
    "miscellaneous",
];

/// The entry of `table` that `value` names, ignoring case and surrounding spaces.
pub fn canonical(table: &[&'static str], value: &str) -> Option<&'static str> {
    let value = value.trim();
    table
        .iter()
        .copied()
        .find(|entry| entry.eq_ignore_ascii_case(value))
}

/// A category and its subcategories.
pub fn category(value: &str) -> Option<(&'static str, &'static [&'static str])> {
    let value = value.trim();
    CATEGORIES
        .iter()
        .copied()
        .find(|(name, _)| name.eq_ignore_ascii_case(value))
}

/// The value list of a requirement type, when it has one.
pub fn requirement_values(hardware_item_type: &str) -> Option<&'static [&'static str]> {
    REQUIREMENT_VALUES
        .iter()
        .find(|(name, _)| *name == hardware_item_type)
        .map(|(_, values)| *values)
}

/// `"A, B or C"` for messages.
pub fn one_of(table: &[&str]) -> String {
    match table.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_complete_and_unique() {
        assert_eq!(MARKETS.len(), 241);
        assert_eq!(CATEGORIES.len(), 25);
        let mut seen = std::collections::HashSet::new();
        for code in LANGUAGES {
            assert!(seen.insert(code.to_ascii_lowercase()), "{code} twice");
        }
        assert!(MARKETS.iter().all(|m| m.len() == 2));
    }

    #[test]
    fn lookups_ignore_case() {
        assert_eq!(canonical(MARKETS, "us"), Some("US"));
        assert_eq!(canonical(LANGUAGES, "EN-US"), Some("en-us"));
        assert_eq!(canonical(LANGUAGES, "zh-hans"), Some("zh-Hans"));
        assert_eq!(canonical(LANGUAGES, "xx-yy"), None);
        let (name, subs) = category("developertools").unwrap();
        assert_eq!(name, "DeveloperTools");
        assert!(subs.contains(&"Database"));
        assert!(category("Games").is_none());
        assert_eq!(requirement_values("Memory").unwrap().len(), 10);
        assert_eq!(one_of(ARCHITECTURES), "Neutral, X86, X64, Arm or Arm64");
    }
}
