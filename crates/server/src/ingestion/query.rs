//! Query parameters of the ingestion API (partner-ingestion.md §1.1, §2.3, §3.1, §3.7): names
//! that may arrive percent-encoded (`%24filter`) and in any case, the `$filter` grammars of
//! products and submissions, `$skipToken` and `$expand`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use storeroom_domain::ingestion::IngestionError;
use storeroom_domain::ingestion::service::OfferFilter;
use storeroom_wire::ingestion::models::{PRODUCT_TYPES, canonical};

/// The decoded parameters, names lower-cased.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The members `$expand` names, lower-cased (a malformed value names none).
    pub fn expand(&self) -> Vec<String> {
        self.get("$expand")
            .map(|v| {
                v.split(',')
                    .map(|m| m.trim().to_ascii_lowercase())
                    .filter(|m| !m.is_empty() && !m.contains(['$', '=']))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn expands(&self, member: &str) -> bool {
        let member = member.to_ascii_lowercase();
        self.expand().contains(&member)
    }
}

fn bad_filter(text: &str) -> IngestionError {
    IngestionError::invalid(
        "$filter",
        format!(
            "The $filter '{text}' is not supported: use ExternalIDs/Any(i:i/Type eq 'AzureOfferId' and i/Value eq '<offer id>') or ResourceType eq '<type>'"
        ),
    )
}

/// The quoted value that follows `key` (lower-case) in `text`, e.g. `/value eq '`.
fn quoted_after(text: &str, lower: &str, key: &str) -> Option<String> {
    let start = lower.find(key)? + key.len();
    let end = text[start..].find('\'')?;
    Some(text[start..start + end].to_string())
}

/// `$filter` (or the legacy `externalId=`) on `GET /products`.
pub fn offer_filter(query: &Query) -> Result<Option<OfferFilter>, IngestionError> {
    if let Some(id) = query.get("externalid") {
        return Ok(Some(OfferFilter {
            offer_id: Some(id.trim().to_ascii_lowercase()),
            resource_types: Vec::new(),
        }));
    }
    let Some(text) = query
        .get("$filter")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    let lower = text.to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.starts_with("externalids/any(") {
        let kind = quoted_after(text, &lower, "/type eq '").ok_or_else(|| bad_filter(text))?;
        let value = quoted_after(text, &lower, "/value eq '").ok_or_else(|| bad_filter(text))?;
        let offer_id = if kind.eq_ignore_ascii_case("AzureOfferId") {
            value.trim().to_ascii_lowercase()
        } else {
            // Other id types name no offer of this emulator.
            String::from("\u{0}")
        };
        return Ok(Some(OfferFilter {
            offer_id: Some(offer_id),
            resource_types: Vec::new(),
        }));
    }
    let mut types = Vec::new();
    for term in lower.split(" or ") {
        let term = term.trim();
        let Some(rest) = term.strip_prefix("resourcetype") else {
            return Err(bad_filter(text));
        };
        let rest = rest.trim_start();
        let Some(value) = rest
            .strip_prefix("eq")
            .map(str::trim)
            .and_then(|v| v.strip_prefix('\''))
            .and_then(|v| v.strip_suffix('\''))
        else {
            return Err(bad_filter(text));
        };
        let canonical = canonical(PRODUCT_TYPES, value).ok_or_else(|| bad_filter(text))?;
        types.push(canonical.to_string());
    }
    Ok(Some(OfferFilter {
        offer_id: None,
        resource_types: types,
    }))
}

/// What `$filter` selects among submissions: a state and/or a target scope.
#[derive(Debug, Default, PartialEq)]
pub struct SubmissionFilter {
    pub state: Option<String>,
    pub scope: Option<String>,
}

pub fn submission_filter(query: &Query) -> Result<SubmissionFilter, IngestionError> {
    let mut filter = SubmissionFilter::default();
    if let Some(state) = query.get("state") {
        filter.state = Some(state.trim().to_ascii_lowercase());
    }
    let Some(text) = query
        .get("$filter")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(filter);
    };
    let lower = text.to_ascii_lowercase();
    let bad = || {
        IngestionError::invalid(
            "$filter",
            format!(
                "The $filter '{text}' is not supported: use state eq '<InProgress|Published>' and/or targets/Any(i:i/type eq 'Scope' and i/value eq '<Preview|Live>')"
            ),
        )
    };
    let mut understood = false;
    if let Some(at) = lower.find("state eq '") {
        // Not the `i/state` of something else: the term starts the filter or follows `and`.
        let before = lower[..at].trim_end();
        if before.is_empty()
            || before.ends_with(" and")
            || before.ends_with(')')
            || before.ends_with("and")
        {
            filter.state = quoted_after(text, &lower, "state eq '").map(|s| s.to_ascii_lowercase());
            understood = true;
        }
    }
    if lower.contains("targets/any(") {
        filter.scope = quoted_after(text, &lower, "/value eq '").map(|s| s.to_ascii_lowercase());
        understood = true;
    }
    if understood { Ok(filter) } else { Err(bad()) }
}

/// The skip token after offer `last_id` (§2.3): base64 of `{"LastId", "Source"}`.
pub fn skip_token(last_id: &str) -> String {
    STANDARD.encode(json!({"LastId": last_id, "Source": "DocDB"}).to_string())
}

/// The offer id a skip token continues after; None for an empty token (the first page).
pub fn read_skip_token(query: &Query) -> Result<Option<String>, IngestionError> {
    let Some(token) = query
        .get("$skiptoken")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    let bad = || IngestionError::invalid("$skipToken", "The $skipToken is invalid");
    let bytes = STANDARD.decode(token).map_err(|_| bad())?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    value
        .get("LastId")
        .and_then(|v| v.as_str())
        .map(|id| Some(id.to_string()))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decode_and_filters_parse() {
        let query = Query::parse(Some(
            "%24filter=ExternalIDs%2FAny(i%3Ai%2FType%20eq%20%27AzureOfferID%27%20and%20i%2FValue%20eq%20%27My-Offer%27)",
        ));
        let filter = offer_filter(&query).unwrap().unwrap();
        assert_eq!(filter.offer_id.as_deref(), Some("my-offer"));
        let query = Query::parse(Some(
            "$filter=ResourceType eq 'azureapplication' or resourceType eq 'AzureContainer'",
        ));
        assert_eq!(
            offer_filter(&query).unwrap().unwrap().resource_types,
            vec!["AzureApplication", "AzureContainer"]
        );
        assert!(offer_filter(&Query::parse(Some("$filter=name eq 'x'"))).is_err());
        let token = skip_token("abc");
        let query = Query::parse(Some(&format!("$skipToken={}", urlencode(&token))));
        assert_eq!(read_skip_token(&query).unwrap().as_deref(), Some("abc"));
        assert!(read_skip_token(&Query::parse(Some("$skiptoken=%%%"))).is_err());
        let query = Query::parse(Some(
            "$filter=state eq 'Published' and targets/Any(i:i/type eq 'Scope' and i/value eq 'Live')",
        ));
        assert_eq!(
            submission_filter(&query).unwrap(),
            SubmissionFilter {
                state: Some("published".into()),
                scope: Some("live".into())
            }
        );
        assert!(
            Query::parse(Some("$expand=$expand%3DFileSasUri"))
                .expand()
                .is_empty()
        );
        assert!(Query::parse(Some("$expand=MarketStates,Trial")).expands("trial"));
    }

    fn urlencode(text: &str) -> String {
        form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }
}
