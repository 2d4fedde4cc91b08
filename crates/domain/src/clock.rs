//! The one clock of the server.
//!
//! Token expiry, SAS expiry, SpecificDate publishing and pipeline delays all read this clock,
//! so tests and users can move time forward without waiting. It is the system clock plus an
//! offset that only ever grows.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::futures::Notified;

#[derive(Debug, Default)]
pub struct Clock {
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
        Utc::now() + Duration::milliseconds(self.offset_millis.load(Ordering::Relaxed))
    }

    /// Moves the clock forward. Negative amounts are ignored: time never runs backwards, so
    /// issued tokens and SAS URLs never become valid again.
    pub fn advance(&self, by: Duration) {
        let millis = by.num_milliseconds();
        if millis > 0 {
            self.offset_millis.fetch_add(millis, Ordering::Relaxed);
            self.moved.notify_waiters();
        }
    }

    /// The current offset from the system clock (persisted so a restart keeps the time).
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_millis.load(Ordering::Relaxed))
    }

    /// Moves the clock forward to `offset` if it is behind it: instances sharing a database
    /// follow the offset another one stored, and time still never runs backwards.
    pub fn catch_up(&self, offset: Duration) {
        let before = self
            .offset_millis
            .fetch_max(offset.num_milliseconds(), Ordering::Relaxed);
        if before < offset.num_milliseconds() {
            self.moved.notify_waiters();
        }
    }

    pub fn set_offset(&self, offset: Duration) {
        self.offset_millis
            .store(offset.num_milliseconds().max(0), Ordering::Relaxed);
        self.moved.notify_waiters();
    }

    /// Completes at the next move of the clock. `enable` it before reading the time it
    /// waits against, so that a move in between is not missed.
    pub fn moved(&self) -> Notified<'_> {
        self.moved.notified()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_forward_only() {
        let clock = Clock::new();
        let before = clock.now();
        clock.advance(Duration::hours(2));
        assert!(clock.now() - before >= Duration::hours(2));
        clock.advance(Duration::hours(-5));
        assert!(clock.now() - before >= Duration::hours(2));
        clock.catch_up(Duration::hours(1));
        assert_eq!(clock.offset(), Duration::hours(2));
        clock.catch_up(Duration::hours(3));
        assert_eq!(clock.offset(), Duration::hours(3));
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
        clock.advance(Duration::hours(-1));
        clock.catch_up(Duration::zero());
        assert!(!ready(moved.as_mut()).await);
        clock.advance(Duration::seconds(1));
        assert!(ready(moved.as_mut()).await);

        let moved = clock.moved();
        tokio::pin!(moved);
        moved.as_mut().enable();
        clock.catch_up(Duration::hours(1));
        assert!(ready(moved.as_mut()).await);
    }
}
