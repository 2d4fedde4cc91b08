//! Package flights (devcenter §2.2): a set of packages offered to the members of flight
//! groups before everyone else, ranked among the app's other flights.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use storeroom_wire::devcenter::FlightSubmissionContent;

use crate::content::SubmissionContent;
use crate::error::{DomainError, DomainResult};
use crate::ids;
use crate::product::{ProductRef, Slots};

/// What `rankHigherThan` says of the lowest-ranked flight: it ranks above the app itself.
pub const NON_FLIGHTED: &str = "Non-flighted submission";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flight {
    /// GUID.
    pub id: String,
    pub app_id: String,
    pub seller_id: String,
    pub friendly_name: String,
    /// Flight group ids (opaque strings).
    pub group_ids: Vec<String>,
    /// Position among the app's flights: higher ranks win for users in several groups.
    pub rank: i64,
    #[serde(flatten)]
    pub slots: Slots,
    pub created_at: DateTime<Utc>,
}

impl Flight {
    pub fn product(&self) -> ProductRef {
        ProductRef::Flight {
            app_id: self.app_id.clone(),
            flight_id: self.id.clone(),
        }
    }
}

/// A request to create a flight, as clients send it (group ids may be numbers).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NewFlight {
    pub friendly_name: Option<String>,
    pub group_ids: Vec<serde_json::Value>,
    pub rank_higher_than: Option<String>,
}

/// Orders `flights` highest rank first.
pub fn by_rank(flights: &mut [Flight]) {
    flights.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.created_at.cmp(&b.created_at)));
}

/// The friendly name of the flight ranked just below `flight` among `ranked` (highest first).
pub fn ranked_below<'a>(ranked: &'a [Flight], flight: &Flight) -> Option<&'a str> {
    let position = ranked.iter().position(|f| f.id == flight.id)?;
    ranked.get(position + 1).map(|f| f.friendly_name.as_str())
}

/// Creates a flight among `existing` (the app's flights), placing it just above the flight
/// named by `rankHigherThan` (by friendly name or id), or at the top when omitted. Ranks of
/// the app's flights are renumbered; the caller saves every returned flight.
pub fn create(
    app_id: &str,
    seller_id: &str,
    request: NewFlight,
    mut existing: Vec<Flight>,
    now: DateTime<Utc>,
) -> DomainResult<(Flight, Vec<Flight>)> {
    let name = match request.friendly_name.as_deref().map(str::trim) {
        Some("") => {
            return Err(DomainError::invalid(
                "friendlyName must not be empty",
                "friendlyName",
            ));
        }
        Some(name) => name.to_string(),
        None => format!("Flight {}", existing.len() + 1),
    };
    if name.chars().count() > 256 {
        return Err(DomainError::invalid(
            "friendlyName must be at most 256 characters",
            "friendlyName",
        ));
    }
    if existing
        .iter()
        .any(|f| f.friendly_name.eq_ignore_ascii_case(&name))
    {
        return Err(DomainError::invalid(
            format!("A flight named '{name}' already exists for this app"),
            "friendlyName",
        ));
    }
    let group_ids = request
        .group_ids
        .iter()
        .enumerate()
        .map(|(index, id)| match id {
            serde_json::Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            _ => Err(DomainError::invalid(
                format!("groupIds[{index}] must be a flight group id"),
                format!("groupIds[{index}]"),
            )),
        })
        .collect::<DomainResult<Vec<_>>>()?;
    by_rank(&mut existing);
    // Index in the highest-first order at which the new flight goes.
    let position = match request.rank_higher_than.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(target) if target.eq_ignore_ascii_case(NON_FLIGHTED) => existing.len(),
        Some(target) => existing
            .iter()
            .position(|f| {
                f.friendly_name.eq_ignore_ascii_case(target) || f.id.eq_ignore_ascii_case(target)
            })
            .ok_or_else(|| {
                DomainError::invalid(
                    format!("rankHigherThan names no flight of this app: '{target}'"),
                    "rankHigherThan",
                )
            })?,
    };
    let flight = Flight {
        id: ids::guid(),
        app_id: app_id.to_string(),
        seller_id: seller_id.to_string(),
        friendly_name: name,
        group_ids,
        rank: 0,
        slots: Slots::default(),
        created_at: now,
    };
    existing.insert(position, flight);
    let count = existing.len() as i64;
    for (index, f) in existing.iter_mut().enumerate() {
        f.rank = count - index as i64;
    }
    let created = existing[position].clone();
    Ok((created, existing))
}

/// The first submission of a new flight, or a new one of a flight with nothing published:
/// the app's published packages.
pub fn content_from_app<C: SubmissionContent>(app_content: &C) -> FlightSubmissionContent {
    FlightSubmissionContent {
        flight_packages: app_content.packages().to_vec(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(names: &[&str]) -> Vec<Flight> {
        let mut flights = Vec::new();
        for name in names.iter().rev() {
            let request = NewFlight {
                friendly_name: Some(name.to_string()),
                ..Default::default()
            };
            let (_, all) = create("9APP", "1", request, flights, Utc::now()).unwrap();
            flights = all;
        }
        by_rank(&mut flights);
        flights
    }

    #[test]
    fn new_flights_go_on_top_or_above_the_named_one() {
        let flights = named(&["Alpha", "Beta"]);
        assert_eq!(
            flights
                .iter()
                .map(|f| f.friendly_name.as_str())
                .collect::<Vec<_>>(),
            ["Alpha", "Beta"]
        );
        assert_eq!(ranked_below(&flights, &flights[0]), Some("Beta"));
        assert_eq!(
            ranked_below(&flights, &flights[1]),
            None,
            "the lowest flight"
        );
        let request = NewFlight {
            friendly_name: Some("Gamma".into()),
            rank_higher_than: Some("beta".into()),
            group_ids: vec![
                serde_json::json!(0),
                serde_json::json!("1152921504606962205"),
            ],
        };
        let (gamma, mut all) = create("9APP", "1", request, flights, Utc::now()).unwrap();
        by_rank(&mut all);
        assert_eq!(
            all.iter()
                .map(|f| f.friendly_name.as_str())
                .collect::<Vec<_>>(),
            ["Alpha", "Gamma", "Beta"]
        );
        assert_eq!(gamma.group_ids, ["0", "1152921504606962205"]);
    }

    #[test]
    fn bad_requests_name_the_field() {
        let flights = named(&["Alpha"]);
        let err = create(
            "9APP",
            "1",
            NewFlight {
                friendly_name: Some("alpha".into()),
                ..Default::default()
            },
            flights.clone(),
            Utc::now(),
        )
        .unwrap_err();
        assert!(matches!(err, DomainError::Invalid { ref target, .. } if target == "friendlyName"));
        let err = create(
            "9APP",
            "1",
            NewFlight {
                rank_higher_than: Some("Nope".into()),
                ..Default::default()
            },
            flights.clone(),
            Utc::now(),
        )
        .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { ref target, .. } if target == "rankHigherThan")
        );
        let err = create(
            "9APP",
            "1",
            NewFlight {
                group_ids: vec![serde_json::json!({})],
                ..Default::default()
            },
            flights,
            Utc::now(),
        )
        .unwrap_err();
        assert!(matches!(err, DomainError::Invalid { ref target, .. } if target == "groupIds[0]"));
    }
}
