//! How closely storeroom refuses what the real service refuses (`--leniency`).
//!
//! The real service refuses some requests every known client already avoids (a bodyless
//! POST without a JSON `Content-Type`, an add-on `contentType` it does not accept, an add-on
//! PUT echoing server-owned fields). Strict (the default) refuses them as it does, so
//! automation that passes here passes there; relaxed accepts them for users who prefer that.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Leniency {
    /// The real service's refusals.
    #[default]
    Strict,
    /// The refusals listed above are off.
    Relaxed,
}

impl Leniency {
    pub fn is_strict(self) -> bool {
        self == Leniency::Strict
    }
}

impl FromStr for Leniency {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "strict" => Ok(Leniency::Strict),
            "relaxed" => Ok(Leniency::Relaxed),
            other => Err(format!(
                "unknown leniency '{other}': use 'strict' or 'relaxed'"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_settings_in_any_case() {
        assert_eq!("strict".parse(), Ok(Leniency::Strict));
        assert_eq!(" Relaxed ".parse(), Ok(Leniency::Relaxed));
        assert!("loose".parse::<Leniency>().is_err());
        assert!(Leniency::default().is_strict());
    }
}
