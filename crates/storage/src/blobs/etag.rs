//! Azure-shaped ETags: the commit time in 100 ns ticks since 1601 (Windows FILETIME), shown
//! like Azure's as 15 hex digits starting with 8 (`"0x8DB704C9D5CCF70"`).

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

/// The ticks an ETag shows: Azure replaces FILETIME's top hex digit (1 in this era) with 8.
const TICK_BITS: u64 = 0x00FF_FFFF_FFFF_FFFF;
const MARKER: u64 = 0x0800_0000_0000_0000;

/// Hands out ETags that differ from every ETag it gave before, even for commits in the same
/// 100 ns.
#[derive(Debug, Default)]
pub(crate) struct EtagClock {
    last: AtomicU64,
}

impl EtagClock {
    /// The ETag of a commit at `now` replacing a blob whose ETag is `previous`. It differs
    /// from `previous` too, which another instance may have written in the same tick:
    /// conditional requests must see every commit as a change.
    pub(crate) fn next(&self, now: DateTime<Utc>, previous: Option<&str>) -> String {
        let floor = previous.and_then(parse).map_or(0, |ticks| ticks + 1);
        let wanted = ticks(now).max(floor);
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let next = wanted.max(last + 1);
            match self
                .last
                .compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return format!("\"0x{:X}\"", next | MARKER),
                Err(actual) => last = actual,
            }
        }
    }
}

fn ticks(now: DateTime<Utc>) -> u64 {
    const UNIX_TO_FILETIME_SECS: i64 = 11_644_473_600;
    let ticks = (now.timestamp() + UNIX_TO_FILETIME_SECS)
        .saturating_mul(10_000_000)
        .saturating_add(i64::from(now.timestamp_subsec_nanos() / 100));
    u64::try_from(ticks).unwrap_or(0) & TICK_BITS
}

/// The ticks of an ETag this module made; None for anything else.
fn parse(etag: &str) -> Option<u64> {
    let hex = etag.trim_matches('"').strip_prefix("0x")?;
    u64::from_str_radix(hex, 16)
        .ok()
        .map(|bits| bits & TICK_BITS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_distinct_and_filetime_shaped() {
        let clock = EtagClock::default();
        let now = Utc::now();
        let a = clock.next(now, None);
        let b = clock.next(now, None);
        assert_ne!(a, b);
        assert!(a.starts_with("\"0x8") && a.len() == 2 + 2 + 15, "{a}");
    }

    #[test]
    fn an_etag_follows_the_one_it_replaces() {
        let now = Utc::now();
        let other_instance = EtagClock::default().next(now + chrono::Duration::seconds(1), None);
        let next = EtagClock::default().next(now, Some(&other_instance));
        assert!(
            parse(&next) > parse(&other_instance),
            "{next} {other_instance}"
        );
    }
}
