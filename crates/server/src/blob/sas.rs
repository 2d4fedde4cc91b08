//! Service SAS (blob and container): signing what we hand out, and checking what comes back
//! in the order Azure checks it (notes B.3): signature, time window, IP, protocol; the
//! per-operation permission check is left to the operation, which knows what it needs.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::context::http_date;
use super::error::BlobError;

/// The version our own SAS URLs carry: recent enough for every SDK, and the 2020-12-06
/// string-to-sign family.
pub(crate) const ISSUED_VERSION: &str = "2021-08-06";

type HmacSha256 = Hmac<Sha256>;

/// Query parameters decoded form-style, as Azure's front end does: an unencoded `+` is a
/// space (the classic cause of "Signature did not match"), `%2B` is a plus.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self {
            pairs: form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        }
    }

    /// The first value of `name`; later duplicates are ignored.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What a validated SAS allows.
#[derive(Debug, Clone, Default)]
pub(crate) struct SasGrant {
    pub read: bool,
    pub create: bool,
    pub write: bool,
    pub delete: bool,
    /// `rscc`, `rscd`, `rsce`, `rscl`, `rsct`: header values that replace the stored ones on
    /// reads.
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub content_type: Option<String>,
}

impl SasGrant {
    pub fn require(allowed: bool) -> Result<(), BlobError> {
        if allowed {
            Ok(())
        } else {
            Err(BlobError::permission_mismatch())
        }
    }
}

/// How the request reached us, for `spr` and `sip`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transport {
    pub https: bool,
    /// None when the listener does not record peers; `sip` is then not enforced.
    pub peer: Option<IpAddr>,
}

/// The signed fields; absent ones are empty strings, which still take their line.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SasFields<'a> {
    pub sp: &'a str,
    pub st: &'a str,
    pub se: &'a str,
    pub si: &'a str,
    pub sip: &'a str,
    pub spr: &'a str,
    pub sv: &'a str,
    pub sr: &'a str,
    pub snapshot: &'a str,
    pub ses: &'a str,
    pub rscc: &'a str,
    pub rscd: &'a str,
    pub rsce: &'a str,
    pub rscl: &'a str,
    pub rsct: &'a str,
}

impl<'a> SasFields<'a> {
    fn from_query(query: &'a Query) -> Self {
        let get = |name| query.get(name).unwrap_or("");
        Self {
            sp: get("sp"),
            st: get("st"),
            se: get("se"),
            si: get("si"),
            sip: get("sip"),
            spr: get("spr"),
            sv: get("sv"),
            sr: get("sr"),
            snapshot: get("snapshot"),
            ses: get("ses"),
            rscc: get("rscc"),
            rscd: get("rscd"),
            rsce: get("rsce"),
            rscl: get("rscl"),
            rsct: get("rsct"),
        }
    }
}

/// The string-to-sign of a service SAS for `sv`. Versions are ISO dates, so plain string
/// comparison orders them.
pub(crate) fn string_to_sign(
    fields: &SasFields<'_>,
    account: &str,
    container: &str,
    blob: Option<&str>,
) -> String {
    let f = fields;
    // The "/blob" service prefix entered the canonical resource with 2015-02-21.
    let prefix = if f.sv >= "2015-02-21" { "/blob/" } else { "/" };
    let mut resource = format!("{prefix}{account}/{container}");
    if let Some(blob) = blob {
        resource.push('/');
        resource.push_str(blob);
    }
    let r = resource.as_str();
    let lines: Vec<&str> = if f.sv >= "2020-12-06" {
        vec![
            f.sp, f.st, f.se, r, f.si, f.sip, f.spr, f.sv, f.sr, f.snapshot, f.ses, f.rscc, f.rscd,
            f.rsce, f.rscl, f.rsct,
        ]
    } else if f.sv >= "2018-11-09" {
        vec![
            f.sp, f.st, f.se, r, f.si, f.sip, f.spr, f.sv, f.sr, f.snapshot, f.rscc, f.rscd,
            f.rsce, f.rscl, f.rsct,
        ]
    } else if f.sv >= "2015-04-05" {
        vec![
            f.sp, f.st, f.se, r, f.si, f.sip, f.spr, f.sv, f.rscc, f.rscd, f.rsce, f.rscl, f.rsct,
        ]
    } else if f.sv >= "2013-08-15" {
        vec![
            f.sp, f.st, f.se, r, f.si, f.sv, f.rscc, f.rscd, f.rsce, f.rscl, f.rsct,
        ]
    } else {
        vec![f.sp, f.st, f.se, r, f.si, f.sv]
    };
    lines.join("\n")
}

/// Base64 HMAC-SHA256 of the string-to-sign.
pub(crate) fn sign(key: &[u8], string_to_sign: &str) -> String {
    let mut mac = new_mac(key);
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length (long ones are hashed), so this cannot fail.
    match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// Constant-time comparison, on the decoded bytes so that equivalent encodings agree.
fn signature_matches(key: &[u8], string_to_sign: &str, sig: &str) -> bool {
    let Ok(given) = BASE64.decode(sig.trim()) else {
        return false;
    };
    let mut mac = new_mac(key);
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Validates the SAS of a request addressed to `container`/`blob`.
pub(crate) fn authorize(
    key: &[u8],
    account: &str,
    query: &Query,
    container: &str,
    blob: &str,
    now: DateTime<Utc>,
    transport: Transport,
) -> Result<SasGrant, BlobError> {
    let Some(sig) = query.get("sig") else {
        return Err(BlobError::no_authentication());
    };
    let fields = SasFields::from_query(query);
    for (name, value) in [("sv", fields.sv), ("sr", fields.sr)] {
        if value.is_empty() {
            return Err(BlobError::authentication_failed(format!(
                "{name} is mandatory. Cannot be empty"
            )));
        }
    }
    if fields.si.is_empty() {
        for (name, value) in [("se", fields.se), ("sp", fields.sp)] {
            if value.is_empty() {
                return Err(BlobError::authentication_failed(format!(
                    "{name} is mandatory. Cannot be empty"
                )));
            }
        }
    }
    let signed_blob = (fields.sr != "c").then_some(blob);
    let sts = string_to_sign(&fields, account, container, signed_blob);
    if !signature_matches(key, &sts, sig) {
        return Err(BlobError::authentication_failed(format!(
            "Signature did not match. String to sign used was {sts}"
        )));
    }
    if !fields.si.is_empty() {
        // storeroom keeps no stored access policies, so no identifier can resolve.
        return Err(BlobError::authentication_failed(format!(
            "The specified signed identifier [{}] does not exist.",
            fields.si
        )));
    }
    check_time_window(&fields, now)?;
    check_source_ip(fields.sip, transport.peer)?;
    if fields.spr == "https" && !transport.https {
        return Err(BlobError::protocol_mismatch());
    }
    if fields.sr != "b" && fields.sr != "c" {
        // Snapshot, version and directory SAS address things storeroom does not keep.
        return Err(BlobError::resource_type_mismatch());
    }
    let has = |c| fields.sp.contains(c);
    let text = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    Ok(SasGrant {
        read: has('r'),
        create: has('c'),
        write: has('w'),
        delete: has('d'),
        cache_control: text(fields.rscc),
        content_disposition: text(fields.rscd),
        content_encoding: text(fields.rsce),
        content_language: text(fields.rscl),
        content_type: text(fields.rsct),
    })
}

fn check_time_window(fields: &SasFields<'_>, now: DateTime<Utc>) -> Result<(), BlobError> {
    let malformed = || BlobError::authentication_failed("Signature fields not well formed.");
    let start = if fields.st.is_empty() {
        None
    } else {
        Some(parse_sas_time(fields.st).ok_or_else(malformed)?)
    };
    let expiry = if fields.se.is_empty() {
        None
    } else {
        Some(parse_sas_time(fields.se).ok_or_else(malformed)?)
    };
    let shown = |t: Option<DateTime<Utc>>| t.map(http_date).unwrap_or_default();
    if let (Some(start), Some(expiry)) = (start, expiry)
        && expiry <= start
    {
        return Err(BlobError::authentication_failed(format!(
            "Signed expiry time [{}] must be after signed start time [{}]",
            http_date(expiry),
            http_date(start)
        )));
    }
    let started = start.is_none_or(|start| start <= now);
    let unexpired = expiry.is_none_or(|expiry| now < expiry);
    if started && unexpired {
        return Ok(());
    }
    Err(BlobError::authentication_failed(format!(
        "Signature not valid in the specified time frame: Start [{}] - Expiry [{}] - Current [{}]",
        shown(start),
        shown(expiry),
        http_date(now)
    )))
}

/// The SAS time formats: a date, or a UTC date-time with minutes, seconds or fractions.
pub(crate) fn parse_sas_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    if let Ok(time) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%MZ") {
        return Some(time.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc())
}

/// `sip` is one address or an inclusive range `low-high` of the same family.
fn check_source_ip(sip: &str, peer: Option<IpAddr>) -> Result<(), BlobError> {
    let (Some(peer), false) = (peer, sip.is_empty()) else {
        return Ok(());
    };
    let (low, high) = sip.split_once('-').unwrap_or((sip, sip));
    let parsed = (low.trim().parse::<IpAddr>(), high.trim().parse::<IpAddr>());
    let (Ok(low), Ok(high)) = parsed else {
        return Err(BlobError::authentication_failed(
            "Signature fields not well formed.",
        ));
    };
    let peer = match (peer, low) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
        _ => peer,
    };
    let inside = match (peer, low, high) {
        (IpAddr::V4(p), IpAddr::V4(l), IpAddr::V4(h)) => l <= p && p <= h,
        (IpAddr::V6(p), IpAddr::V6(l), IpAddr::V6(h)) => l <= p && p <= h,
        _ => false,
    };
    if inside {
        Ok(())
    } else {
        Err(BlobError::source_ip_mismatch(&peer.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(sv: &'a str) -> SasFields<'a> {
        SasFields {
            sp: "rwl",
            se: "2016-06-17T18:32:26Z",
            sv,
            sr: "b",
            ..SasFields::default()
        }
    }

    #[test]
    fn string_to_sign_follows_the_version_families() {
        let blob = Some("b");
        assert_eq!(
            string_to_sign(&fields("2012-02-12"), "acct", "c", blob),
            "rwl\n\n2016-06-17T18:32:26Z\n/acct/c/b\n\n2012-02-12"
        );
        assert_eq!(
            string_to_sign(&fields("2014-02-14"), "acct", "c", blob),
            "rwl\n\n2016-06-17T18:32:26Z\n/acct/c/b\n\n2014-02-14\n\n\n\n\n"
        );
        assert_eq!(
            string_to_sign(&fields("2015-02-21"), "acct", "c", blob),
            "rwl\n\n2016-06-17T18:32:26Z\n/blob/acct/c/b\n\n2015-02-21\n\n\n\n\n"
        );
        assert_eq!(
            string_to_sign(&fields("2015-04-05"), "acct", "c", blob),
            "rwl\n\n2016-06-17T18:32:26Z\n/blob/acct/c/b\n\n\n\n2015-04-05\n\n\n\n\n"
        );
        assert_eq!(
            string_to_sign(&fields("2018-11-09"), "acct", "c", blob),
            "rwl\n\n2016-06-17T18:32:26Z\n/blob/acct/c/b\n\n\n\n2018-11-09\nb\n\n\n\n\n\n"
        );
        assert_eq!(
            string_to_sign(&fields("2021-08-06"), "acct", "c", None),
            "rwl\n\n2016-06-17T18:32:26Z\n/blob/acct/c\n\n\n\n2021-08-06\nb\n\n\n\n\n\n\n"
        );
    }

    #[test]
    fn sas_times_in_every_documented_format() {
        for text in [
            "2026-01-02",
            "2026-01-02T00:00Z",
            "2026-01-02T00:00:00Z",
            "2026-01-02T00:00:00.0000000Z",
        ] {
            assert_eq!(
                parse_sas_time(text).map(|t| t.to_rfc3339()).as_deref(),
                Some("2026-01-02T00:00:00+00:00"),
                "{text}"
            );
        }
        assert!(parse_sas_time("tomorrow").is_none());
    }

    const KEY: &[u8] = b"key";
    const HTTP: Transport = Transport {
        https: false,
        peer: None,
    };

    /// A query signed over `fields` for container `c`, blob `b`.
    fn signed_query(fields: &SasFields<'_>) -> Query {
        let blob = (fields.sr != "c").then_some("b");
        let sig = sign(KEY, &string_to_sign(fields, "acct", "c", blob));
        let mut pairs: Vec<(String, String)> = [
            ("sp", fields.sp),
            ("st", fields.st),
            ("se", fields.se),
            ("spr", fields.spr),
            ("sv", fields.sv),
            ("sr", fields.sr),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        pairs.push(("sig".to_owned(), sig));
        Query { pairs }
    }

    fn now() -> DateTime<Utc> {
        parse_sas_time("2026-03-01T12:00:00Z").expect("time")
    }

    fn check(fields: &SasFields<'_>) -> Result<SasGrant, &'static str> {
        authorize(KEY, "acct", &signed_query(fields), "c", "b", now(), HTTP).map_err(|e| e.code)
    }

    #[test]
    fn container_and_blob_sas_grant_their_permissions() {
        let base = SasFields {
            sp: "rwl",
            se: "2026-03-02",
            sv: "2021-08-06",
            sr: "c",
            ..SasFields::default()
        };
        let grant = check(&base).expect("container SAS");
        assert!(grant.read && grant.write && !grant.create && !grant.delete);
        let grant = check(&SasFields {
            sr: "b",
            sp: "cd",
            ..base
        })
        .expect("blob SAS");
        assert!(grant.create && grant.delete && !grant.read);
        assert_eq!(
            check(&SasFields { sr: "bs", ..base }).err(),
            Some("AuthorizationResourceTypeMismatch")
        );
    }

    #[test]
    fn time_window_protocol_and_mandatory_fields() {
        let base = SasFields {
            sp: "r",
            se: "2026-03-01T12:00:00Z",
            sv: "2019-12-12",
            sr: "b",
            ..SasFields::default()
        };
        // Expiry is exclusive, start inclusive.
        assert_eq!(check(&base).err(), Some("AuthenticationFailed"));
        let open = SasFields {
            st: "2026-03-01T12:00:00Z",
            se: "2026-03-01T12:01Z",
            ..base
        };
        assert!(check(&open).is_ok());
        let early = SasFields {
            st: "2026-03-01T12:00:01Z",
            se: "2026-03-02",
            ..base
        };
        assert_eq!(check(&early).err(), Some("AuthenticationFailed"));
        let https = SasFields {
            spr: "https",
            se: "2026-03-02",
            ..base
        };
        assert_eq!(check(&https).err(), Some("AuthorizationProtocolMismatch"));
        let either = SasFields {
            spr: "https,http",
            se: "2026-03-02",
            ..base
        };
        assert!(check(&either).is_ok());

        let mut query = signed_query(&SasFields {
            se: "2026-03-02",
            ..base
        });
        query.pairs.retain(|(k, _)| k != "sr");
        let error = authorize(KEY, "acct", &query, "c", "b", now(), HTTP).expect_err("no sr");
        assert_eq!(error.details[0].1, "sr is mandatory. Cannot be empty");
        let error = authorize(
            KEY,
            "acct",
            &Query::parse(Some("sv=x")),
            "c",
            "b",
            now(),
            HTTP,
        )
        .expect_err("no sig");
        assert_eq!(error.code, "NoAuthenticationInformation");
    }

    #[test]
    fn signature_mismatch_reports_the_string_to_sign() {
        let fields = SasFields {
            sp: "r",
            se: "2026-03-02",
            sv: "2021-08-06",
            sr: "b",
            ..SasFields::default()
        };
        // Signed for blob "b", used for blob "other".
        let error = authorize(
            KEY,
            "acct",
            &signed_query(&fields),
            "c",
            "other",
            now(),
            HTTP,
        )
        .expect_err("mismatch");
        assert_eq!(error.code, "AuthenticationFailed");
        assert!(error.details[0].1.starts_with(
            "Signature did not match. String to sign used was r\n\n2026-03-02\n/blob/acct/c/other\n"
        ));
    }

    #[test]
    fn source_ip_ranges() {
        let peer = Some("10.0.0.5".parse().expect("ip"));
        assert!(check_source_ip("10.0.0.1-10.0.0.9", peer).is_ok());
        assert!(check_source_ip("10.0.0.6", peer).is_err());
        assert!(check_source_ip("10.0.0.6", None).is_ok());
        let mapped = Some("::ffff:10.0.0.5".parse().expect("ip"));
        assert!(check_source_ip("10.0.0.5", mapped).is_ok());
    }
}
