//! Which package a customer's Store installs (the store front): flights first for members of
//! their groups, then the app's gradual rollout, then market availability. Pure rules; the
//! service loads the records.

use sha2::{Digest, Sha256};
use storeroom_wire::devcenter::{
    AppSubmissionContent, ApplicationPackage, PackageRollout, RolloutStatus, Visibility,
};

/// Rollout percentages are honoured to a hundredth of a percent.
const BUCKETS: u64 = 10_000;

/// The customer's bucket for one submission: a stable hash of (user, submission), so a user
/// keeps their answer, and different submissions pick different users.
pub fn bucket(user_id: &str, submission_id: &str) -> u64 {
    let digest = Sha256::digest(format!("{user_id}\u{0}{submission_id}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % BUCKETS
}

/// The submission a customer gets of a published submission with this rollout: the
/// submission itself, or its fallback. None when neither applies (a halted first release).
pub fn choose<'a>(
    rollout: &'a PackageRollout,
    submission_id: &'a str,
    user_id: &str,
) -> Option<&'a str> {
    let fallback =
        (rollout.fallback_submission_id != "0").then_some(rollout.fallback_submission_id.as_str());
    if !rollout.is_package_rollout {
        return Some(submission_id);
    }
    match rollout.package_rollout_status {
        RolloutStatus::PackageRolloutComplete | RolloutStatus::PackageRolloutNotStarted => {
            Some(submission_id)
        }
        RolloutStatus::PackageRolloutStopped => fallback,
        RolloutStatus::PackageRolloutInProgress => {
            let threshold =
                (rollout.package_rollout_percentage * (BUCKETS as f64 / 100.0)).round() as u64;
            if bucket(user_id, submission_id) < threshold {
                Some(submission_id)
            } else {
                // With no earlier submission there is nothing else to offer.
                Some(fallback.unwrap_or(submission_id))
            }
        }
    }
}

/// Whether the app is offered in `market` (two-letter code): visible, and priced there.
pub fn available_in(content: &AppSubmissionContent, market: &str) -> bool {
    offered(
        content.visibility,
        &content.pricing.price_id,
        &content.pricing.market_specific_pricings,
        market,
    )
}

/// Whether a product with this visibility and pricing is offered in `market`.
pub fn offered(
    visibility: Visibility,
    price_id: &str,
    market_specific_pricings: &std::collections::BTreeMap<String, String>,
    market: &str,
) -> bool {
    if matches!(visibility, Visibility::Hidden | Visibility::Private) {
        return false;
    }
    let price = market_specific_pricings
        .iter()
        .find(|(m, _)| m.eq_ignore_ascii_case(market))
        .map(|(_, tier)| tier.as_str())
        .filter(|tier| *tier != "Base")
        .unwrap_or(price_id);
    price != "NotAvailable"
}

fn version_key(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

/// The highest package version of a submission.
pub fn highest_version(packages: &[ApplicationPackage]) -> Option<String> {
    packages
        .iter()
        .map(|p| p.version.as_str())
        .filter(|v| !v.is_empty())
        .max_by_key(|v| version_key(v))
        .map(str::to_string)
}

/// The device families a customer's device can be (`Windows.Desktop`, …).
pub const DEVICE_FAMILIES: &[&str] = &[
    "Windows.Desktop",
    "Windows.Mobile",
    "Windows.Xbox",
    "Windows.Holographic",
    "Windows.Team",
    "Windows.IoT",
];

/// The packages a device of `family` can install: those targeting it or
/// `Windows.Universal`, and those whose targets were never read from a manifest (any device
/// may try them). Targets read "Windows.Desktop min version 10.0.10240.0".
pub fn for_device_family<'a>(
    packages: &'a [ApplicationPackage],
    family: &str,
) -> Vec<&'a ApplicationPackage> {
    let targets = |target: &str| {
        let name = target.split_whitespace().next().unwrap_or_default();
        name.eq_ignore_ascii_case(family) || name.eq_ignore_ascii_case("Windows.Universal")
    };
    packages
        .iter()
        .filter(|p| {
            p.target_device_families.is_empty()
                || p.target_device_families.iter().any(|t| targets(t))
        })
        .collect()
}

/// The listing for the customer's language (or its base language), else en-us, else the
/// first one.
pub fn listing_for<'a, L>(
    listings: &'a std::collections::BTreeMap<String, L>,
    language: Option<&str>,
) -> Option<(&'a str, &'a L)> {
    let find = |wanted: &str| {
        listings
            .iter()
            .find(|(lang, _)| lang.eq_ignore_ascii_case(wanted))
    };
    language
        .and_then(find)
        .or_else(|| {
            language.and_then(|l| l.split('-').next()).and_then(|base| {
                listings.iter().find(|(lang, _)| {
                    lang.split('-')
                        .next()
                        .is_some_and(|b| b.eq_ignore_ascii_case(base))
                })
            })
        })
        .or_else(|| find("en-us"))
        .or_else(|| listings.iter().next())
        .map(|(lang, listing)| (lang.as_str(), listing))
}

#[cfg(test)]
mod tests {

    #[test]
    fn device_families_get_their_own_universal_and_unread_packages() {
        let package = |name: &str, targets: &[&str]| ApplicationPackage {
            file_name: name.into(),
            target_device_families: targets.iter().map(|t| t.to_string()).collect(),
            ..serde_json::from_value(
                serde_json::json!({"fileName": name, "fileStatus": "Uploaded"}),
            )
            .unwrap()
        };
        let packages = [
            package(
                "desktop.msix",
                &["Windows.Desktop min version 10.0.17763.0"],
            ),
            package("xbox.msix", &["Windows.Xbox min version 10.0.0.0"]),
            package("any.msix", &["Windows.Universal min version 10.0.0.0"]),
            package("unread.msix", &[]),
        ];
        let names = |family| -> Vec<String> {
            for_device_family(&packages, family)
                .iter()
                .map(|p| p.file_name.clone())
                .collect()
        };
        assert_eq!(
            names("Windows.Desktop"),
            ["desktop.msix", "any.msix", "unread.msix"]
        );
        assert_eq!(
            names("windows.xbox"),
            ["xbox.msix", "any.msix", "unread.msix"]
        );
    }

    use super::*;

    fn rollout(status: RolloutStatus, percentage: f64) -> PackageRollout {
        PackageRollout {
            is_package_rollout: true,
            package_rollout_percentage: percentage,
            package_rollout_status: status,
            fallback_submission_id: "old".into(),
            is_seek_enabled: None,
        }
    }

    #[test]
    fn rollout_share_is_close_to_the_percentage_and_stable() {
        let r = rollout(RolloutStatus::PackageRolloutInProgress, 30.0);
        let users: Vec<String> = (0..4000).map(|n| format!("user-{n}")).collect();
        let new = users
            .iter()
            .filter(|u| choose(&r, "new", u) == Some("new"))
            .count();
        let share = new as f64 / users.len() as f64;
        assert!((0.27..=0.33).contains(&share), "{share}");
        assert!(
            users
                .iter()
                .all(|u| choose(&r, "new", u) == choose(&r, "new", u))
        );
        let halted = rollout(RolloutStatus::PackageRolloutStopped, 0.0);
        assert!(
            users
                .iter()
                .all(|u| choose(&halted, "new", u) == Some("old"))
        );
        let done = rollout(RolloutStatus::PackageRolloutComplete, 100.0);
        assert!(users.iter().all(|u| choose(&done, "new", u) == Some("new")));
    }

    #[test]
    fn markets_and_versions() {
        let mut content = AppSubmissionContent::default();
        assert!(available_in(&content, "US"));
        content
            .pricing
            .market_specific_pricings
            .insert("RU".into(), "NotAvailable".into());
        assert!(!available_in(&content, "ru"));
        content.visibility = Visibility::Hidden;
        assert!(!available_in(&content, "US"));
        let package = |v: &str| ApplicationPackage {
            file_name: "a".into(),
            file_status: Default::default(),
            id: String::new(),
            version: v.into(),
            architecture: String::new(),
            languages: vec![],
            capabilities: vec![],
            minimum_direct_x_version: Default::default(),
            minimum_system_ram: Default::default(),
            target_device_families: vec![],
        };
        assert_eq!(
            highest_version(&[package("1.10.0.0"), package("1.9.0.0")]).as_deref(),
            Some("1.10.0.0")
        );
    }
}
