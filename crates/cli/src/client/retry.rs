//! Riding out throttling and transient failures, as Microsoft's clients do: a 429 or a 5xx
//! answer, or no answer at all, is tried again after the server's `Retry-After` (seconds or
//! an HTTP date, capped) or an exponential backoff with jitter, a bounded number of times.
//!
//! Whether a failure may be retried depends on the request: an idempotent one (GET, PUT,
//! DELETE, a token request) always may; a POST that creates or commits only when the
//! server refused it before doing anything (429, or a connection that was never made),
//! since a 503 can come after the side effect (StoreBroker#123) and a blind retry then
//! meets a 409. `submission::create` handles that case itself.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::Failure;

/// Retries of a request when none is given.
pub const DEFAULT_RETRIES: u32 = 5;

/// The longest wait between two tries, whatever `Retry-After` says.
const MAX_DELAY: Duration = Duration::from_secs(60);

/// The first backoff when the server gives no `Retry-After`; it doubles at each try.
const BASE_DELAY: Duration = Duration::from_millis(500);

/// How a command retries: how many times, and whether it says so on stderr.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub retries: u32,
    /// No notes on stderr (`--json`: scripts read stdout, people are not watching).
    pub quiet: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: DEFAULT_RETRIES,
            quiet: false,
        }
    }
}

/// A failure that may pass if tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transient {
    /// What the server asked for in `Retry-After`.
    pub after: Option<Duration>,
    /// The server did nothing: a 429, or no connection was made. Any request may be retried.
    pub refused: bool,
}

impl Transient {
    /// An answer's status and headers: transient for 429, 500, 502, 503 and 504.
    pub fn of_answer(status: StatusCode, headers: &HeaderMap) -> Option<Self> {
        let refused = status == StatusCode::TOO_MANY_REQUESTS;
        let transient = refused
            || matches!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            );
        transient.then(|| Self {
            after: retry_after(headers, chrono::Utc::now()),
            refused,
        })
    }

    /// No answer: a connection not made, timed out or lost is transient (one never made
    /// was refused); a request that could not be built, or a redirect loop, is not.
    pub fn of_error(err: &reqwest::Error) -> Option<Self> {
        let lost = err.is_connect() || err.is_timeout() || err.is_request() || err.is_body();
        lost.then(|| Self {
            after: None,
            refused: err.is_connect(),
        })
    }
}

impl RetryPolicy {
    /// The wait before try number `tried + 1`, when the failure after `tried` retries may
    /// be retried.
    pub fn next(
        &self,
        tried: u32,
        idempotent: bool,
        transient: Option<Transient>,
    ) -> Option<Duration> {
        let transient = transient?;
        if tried >= self.retries || !(idempotent || transient.refused) {
            return None;
        }
        Some(
            transient
                .after
                .unwrap_or_else(|| backoff(tried))
                .min(MAX_DELAY),
        )
    }

    /// Says on stderr what failed and when it is tried again.
    pub fn note(&self, failure: &Failure, delay: Duration, tried: u32) {
        if !self.quiet {
            let said = failure.to_string();
            eprintln!(
                "note: {}; trying again in {:.1}s (retry {} of {})",
                said.trim_end_matches('.'),
                delay.as_secs_f64(),
                tried + 1,
                self.retries
            );
        }
    }
}

/// `Retry-After` as a wait from `now`: delay-seconds or an HTTP date (RFC 9110).
fn retry_after(headers: &HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((date.to_utc() - now).to_std().unwrap_or_default())
}

/// Exponential backoff with jitter: between half and all of BASE × 2^tried, so that clients
/// failing together do not come back together.
fn backoff(tried: u32) -> Duration {
    let full = BASE_DELAY.saturating_mul(2u32.saturating_pow(tried.min(16)));
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let fraction = 0.5 + (random % 1000) as f64 / 2000.0;
    full.mul_f64(fraction).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:30 GMT"), now),
            Some(Duration::from_secs(30))
        );
        // A date in the past means now.
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn only_what_did_nothing_is_retried_on_a_post() {
        let policy = RetryPolicy {
            retries: 2,
            quiet: true,
        };
        let throttled = Transient::of_answer(StatusCode::TOO_MANY_REQUESTS, &headers("3"));
        let unavailable = Transient::of_answer(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new());
        assert_eq!(
            policy.next(0, false, throttled),
            Some(Duration::from_secs(3))
        );
        assert_eq!(policy.next(0, false, unavailable), None);
        assert!(policy.next(1, true, unavailable).is_some());
        // The budget is spent.
        assert_eq!(policy.next(2, true, throttled), None);
        // Not transient at all.
        assert_eq!(
            Transient::of_answer(StatusCode::CONFLICT, &HeaderMap::new()),
            None
        );
        // Capped.
        assert_eq!(
            policy.next(
                0,
                true,
                Transient::of_answer(StatusCode::TOO_MANY_REQUESTS, &headers("3600"))
            ),
            Some(MAX_DELAY)
        );
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        for tried in 0..4 {
            let full = BASE_DELAY * 2u32.pow(tried);
            let delay = backoff(tried);
            assert!(delay >= full / 2 && delay <= full, "{delay:?} for {tried}");
        }
        assert!(backoff(40) <= MAX_DELAY);
    }
}
