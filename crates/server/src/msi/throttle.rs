//! Rate limiting of the MSI/EXE API per seller account: a fixed one-minute window, off
//! unless the admin API sets a limit. Over the limit a request gets 429 with an integer
//! `Retry-After`, which is what clients wait on before retrying.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct Throttle {
    /// Requests per seller per minute; 0 is no limit.
    per_minute: AtomicU32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Throttle {
    pub fn limit(&self) -> u32 {
        self.per_minute.load(Ordering::Relaxed)
    }

    /// Sets the limit and starts every window afresh.
    pub fn set_limit(&self, per_minute: u32) {
        self.per_minute.store(per_minute, Ordering::Relaxed);
        if let Ok(mut windows) = self.windows.lock() {
            windows.clear();
        }
    }

    /// Counts a request of `key`; Err(seconds to wait) when it is over the limit.
    pub fn admit(&self, key: &str) -> Result<(), u64> {
        let limit = self.limit();
        if limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        let (started, count) = windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(*started) >= WINDOW {
            *started = now;
            *count = 0;
        }
        if *count >= limit {
            let left = WINDOW.saturating_sub(now.duration_since(*started));
            return Err(left.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_once_set() {
        let throttle = Throttle::default();
        assert!((0..100).all(|_| throttle.admit("a").is_ok()));
        throttle.set_limit(2);
        assert!(throttle.admit("a").is_ok());
        assert!(throttle.admit("a").is_ok());
        let wait = throttle.admit("a").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(throttle.admit("b").is_ok());
        throttle.set_limit(0);
        assert!(throttle.admit("a").is_ok());
    }
}
