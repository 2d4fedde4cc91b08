//! Waiting for a condition with a deadline: tests wait for what they expect to happen, not
//! for a fixed time, so they are as fast as the server and fail only when it never happens.

use std::future::Future;
use std::time::{Duration, Instant};

/// How long a condition may take: far above what a passing test needs, so that a loaded
/// machine running many servers at once does not fail tests that are only slow.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The longest pause between two checks.
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// Runs `check` until it returns `Ok`, and returns that value; panics with `what` and the
/// last `Err` seen if [`DEADLINE`] passes first.
pub async fn eventually<T, S, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, S>>,
    S: std::fmt::Debug,
{
    eventually_within(what, DEADLINE, check).await
}

/// [`eventually`] with a deadline of `limit`.
pub async fn eventually_within<T, S, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, S>>,
    S: std::fmt::Debug,
{
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(2);
    loop {
        let last = match check().await {
            Ok(value) => return value,
            Err(last) => last,
        };
        if Instant::now() >= deadline {
            panic!("{what}: not reached within {limit:?}; last seen: {last:?}");
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[tokio::test]
    async fn returns_the_first_value_that_meets_the_condition() {
        let calls = Cell::new(0);
        let value = eventually("three calls", || {
            calls.set(calls.get() + 1);
            let seen = calls.get();
            async move { if seen == 3 { Ok(seen) } else { Err(seen) } }
        })
        .await;
        assert_eq!(value, 3);
        assert_eq!(calls.get(), 3);
    }

    #[tokio::test]
    #[should_panic(expected = "never: not reached within 20ms; last seen: \"still waiting\"")]
    async fn fails_with_the_last_value_after_the_deadline() {
        eventually_within("never", Duration::from_millis(20), || async {
            Err::<(), _>("still waiting")
        })
        .await;
    }
}
