//! Live regions: a server-sent event stream that re-renders a region from the store every
//! [`EVERY`] and sends it when it changed (the first rendering at once). Reading the store is
//! what makes it work across instances of a shared database: whichever instance moved the
//! pipeline, every instance sees it.
//!
//! A stream ends after [`LIVE_FOR`] (the browser's `EventSource` reconnects by itself,
//! after the `retry` sent, and the server re-checks the session then): no stream outlives a
//! session by long, and a stopping server waits for none by long.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use maud::Markup;
use storeroom_domain::DomainError;
use tokio::time::Instant;

/// How often a region is re-read.
pub const EVERY: Duration = Duration::from_millis(500);
/// How long one stream lasts.
pub const LIVE_FOR: Duration = Duration::from_secs(25);
/// How soon the browser reconnects after a stream ended.
const RETRY: Duration = Duration::from_millis(500);

struct Follow<F> {
    render: F,
    last: Option<String>,
    started: Instant,
}

/// The stream of a region `render` draws.
pub fn region<F, Fut>(render: F) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<Markup, DomainError>> + Send,
{
    let start = Follow {
        render,
        last: None,
        started: Instant::now(),
    };
    let stream = futures::stream::unfold(start, |mut follow| async move {
        let mut first = follow.last.is_none();
        loop {
            if !first {
                tokio::time::sleep(EVERY).await;
            }
            first = false;
            if follow.started.elapsed() >= LIVE_FOR {
                return None;
            }
            match (follow.render)().await {
                Ok(markup) => {
                    let html = markup.into_string();
                    if follow.last.as_deref() != Some(html.as_str()) {
                        let event = Event::default().retry(RETRY).data(&html);
                        follow.last = Some(html);
                        return Some((Ok(event), follow));
                    }
                }
                // The page shows the failure when reloaded; the stream waits for the store.
                Err(err) => tracing::warn!(error = %err, "dashboard: a live region cannot be read"),
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
