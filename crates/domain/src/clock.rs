//! The one clock of the server.
//!
//! Token expiry, SAS expiry, SpecificDate publishing and pipeline delays all read this clock,
//! so tests and users can move time forward without waiting. It is the system clock plus an
//! offset that only ever grows.
//!
//! The offset is bounded by [`MAX_OFFSET`] (100 years): every instant the server computes
//! from "now" plus a bounded duration then stays far inside chrono's range (year ±262,143),
//! so no request can overflow the clock, and an offset stored by an older build that had no
//! bound is clamped when it is loaded instead of panicking on every request.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::futures::Notified;

/// The furthest the clock may run ahead of the system clock: 100 years (36,500 days).
pub const MAX_OFFSET_SECONDS: i64 = 36_500 * 86_400;
const MAX_OFFSET_MILLIS: i64 = MAX_OFFSET_SECONDS * 1000;

/// The bound as a duration.
pub fn max_offset() -> Duration {
    Duration::milliseconds(MAX_OFFSET_MILLIS)
}

/// An advance the clock refuses: it would run further ahead than [`MAX_OFFSET_SECONDS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the clock may run at most {MAX_OFFSET_SECONDS} seconds (100 years) ahead of the system clock; it is {current_seconds} seconds ahead"
)]
pub struct OffsetOutOfRange {
    pub current_seconds: i64,
}

#[derive(Debug, Default)]
pub struct Clock {
    /// Always within 0..=MAX_OFFSET_MILLIS.
    offset_millis: AtomicI64,
    /// Wakes whoever waits for a time to come (pipeline runners) when the clock jumps.
    moved: tokio::sync::Notify,
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }

    /// The server's idea of "now".
    pub fn now(&self) -> DateTime<Utc> {
        let system = Utc::now();
        // Cannot fail while the offset stays within its bound; the fallback keeps "now"
        // answering rather than panicking should it ever.
        system.checked_add_signed(self.offset()).unwrap_or(system)
    }

    /// Moves the clock forward by `by`, or refuses when that would run further ahead than
    /// the bound (the clock is then unchanged). Negative amounts are ignored: time never
    /// runs backwards, so issued tokens and SAS URLs never become valid again.
    pub fn advance(&self, by: Duration) -> Result<(), OffsetOutOfRange> {
        let millis = by.num_milliseconds();
        if millis <= 0 {
            return Ok(());
        }
        self.offset_millis
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| {
                current
                    .checked_add(millis)
                    .filter(|next| *next <= MAX_OFFSET_MILLIS)
            })
            .map(|_| self.moved.notify_waiters())
            .map_err(|current| OffsetOutOfRange {
                current_seconds: current / 1000,
            })
    }

    /// The current offset from the system clock (persisted so a restart keeps the time).
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_millis.load(Ordering::Relaxed))
    }

    /// Moves the clock forward to `offset` if it is behind it: instances sharing a database
    /// follow the offset another one stored, and time still never runs backwards. An offset
    /// beyond the bound counts as the bound.
    pub fn catch_up(&self, offset: Duration) {
        let target = bounded(offset.num_milliseconds());
        let before = self.offset_millis.fetch_max(target, Ordering::Relaxed);
        if before < target {
            self.moved.notify_waiters();
        }
    }

    /// Sets the offset loaded at start-up. Returns false when `offset` was outside
    /// 0..=MAX_OFFSET and was clamped into it, so the caller can say so and store the repair.
    pub fn set_offset(&self, offset: Duration) -> bool {
        let millis = offset.num_milliseconds();
        let clamped = bounded(millis);
        self.offset_millis.store(clamped, Ordering::Relaxed);
        self.moved.notify_waiters();
        clamped == millis
    }

    /// Completes at the next move of the clock. `enable` it before reading the time it
    /// waits against, so that a move in between is not missed.
    pub fn moved(&self) -> Notified<'_> {
        self.moved.notified()
    }
}

fn bounded(millis: i64) -> i64 {
    millis.clamp(0, MAX_OFFSET_MILLIS)
}

/// Parses a stored offset (milliseconds) and loads it into `clock`, clamping one out of range.
/// Returns the repaired text to store back when the stored one was out of range.
pub fn load_stored_offset(clock: &Clock, stored: &str) -> Option<String> {
    let millis = stored.trim().parse::<i64>().ok()?;
    let clamped = bounded(millis);
    clock.offset_millis.store(clamped, Ordering::Relaxed);
    clock.moved.notify_waiters();
    (clamped != millis).then(|| clamped.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_forward_only() {
        let clock = Clock::new();
        let before = clock.now();
        clock.advance(Duration::hours(2)).unwrap();
        assert!(clock.now() - before >= Duration::hours(2));
        clock.advance(Duration::hours(-5)).unwrap();
        assert!(clock.now() - before >= Duration::hours(2));
        clock.catch_up(Duration::hours(1));
        assert_eq!(clock.offset(), Duration::hours(2));
        clock.catch_up(Duration::hours(3));
        assert_eq!(clock.offset(), Duration::hours(3));
    }

    #[test]
    fn advance_beyond_the_bound_is_refused_and_changes_nothing() {
        let clock = Clock::new();
        clock.advance(Duration::days(36_000)).unwrap();
        let err = clock.advance(Duration::days(501)).unwrap_err();
        assert_eq!(err.current_seconds, 36_000 * 86_400);
        assert_eq!(clock.offset(), Duration::days(36_000));
        clock.advance(Duration::days(500)).unwrap();
        assert_eq!(clock.offset(), max_offset());
        assert!(clock.advance(Duration::milliseconds(1)).is_err());
        // "now" still answers at the bound.
        assert!(clock.now() > Utc::now() + Duration::days(36_499));
    }

    #[test]
    fn stored_offsets_out_of_range_are_clamped() {
        let clock = Clock::new();
        assert_eq!(load_stored_offset(&clock, "5000"), None);
        assert_eq!(clock.offset(), Duration::seconds(5));
        let huge = (9_000_000_000_000i64 * 1000).to_string();
        assert_eq!(
            load_stored_offset(&clock, &huge),
            Some(MAX_OFFSET_MILLIS.to_string())
        );
        assert_eq!(clock.offset(), max_offset());
        assert_eq!(load_stored_offset(&clock, "-7"), Some("0".into()));
        assert_eq!(
            load_stored_offset(&clock, &i64::MAX.to_string()),
            Some(MAX_OFFSET_MILLIS.to_string())
        );
        assert_eq!(load_stored_offset(&clock, "garbage"), None);
        clock.catch_up(Duration::milliseconds(i64::MAX));
        assert_eq!(clock.offset(), max_offset());
    }

    /// Whether `moved` has completed (a zero timeout still polls it once).
    async fn ready(moved: std::pin::Pin<&mut Notified<'_>>) -> bool {
        tokio::time::timeout(std::time::Duration::ZERO, moved)
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn moves_wake_waiters_and_standing_still_does_not() {
        let clock = Clock::new();
        let moved = clock.moved();
        tokio::pin!(moved);
        moved.as_mut().enable();
        clock.advance(Duration::hours(-1)).unwrap();
        clock.catch_up(Duration::zero());
        assert!(!ready(moved.as_mut()).await);
        clock.advance(Duration::seconds(1)).unwrap();
        assert!(ready(moved.as_mut()).await);

        let moved = clock.moved();
        tokio::pin!(moved);
        moved.as_mut().enable();
        clock.catch_up(Duration::hours(1));
        assert!(ready(moved.as_mut()).await);
    }
}
