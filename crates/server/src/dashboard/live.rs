//! Live regions: a server-sent event stream that re-renders a region from the store every
//! [`EVERY`] and sends it when it changed (the first rendering at once). Reading the store is
//! what makes it work across instances of a shared database: whichever instance moved the
//! pipeline, every instance sees it.
//!
//! A region may also be woken early ([`region_woken`]): the journal's is woken by each entry
//! this instance stores, and still re-read every [`EVERY`] for other instances' entries —
//! one mechanism, the store read, either way.
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
use tokio::sync::broadcast;
use tokio::time::Instant;

/// How often a region is re-read.
pub const EVERY: Duration = Duration::from_millis(500);
/// How long one stream lasts.
pub const LIVE_FOR: Duration = Duration::from_secs(25);
/// How soon the browser reconnects after a stream ended.
const RETRY: Duration = Duration::from_millis(500);

struct Follow<F, T> {
    render: F,
    last: Option<String>,
    started: Instant,
    wake: Option<broadcast::Receiver<T>>,
}

impl<F, T: Clone> Follow<F, T> {
    /// Until the next re-read: [`EVERY`], or sooner when woken.
    async fn pause(&mut self) {
        let Some(wake) = &mut self.wake else {
            return tokio::time::sleep(EVERY).await;
        };
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            woken = wake.recv() => {
                if matches!(woken, Err(broadcast::error::RecvError::Closed)) {
                    self.wake = None;
                }
            }
        }
    }
}

/// The stream of a region `render` draws.
pub fn region<F, Fut>(render: F) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<Markup, DomainError>> + Send,
{
    region_woken::<F, Fut, ()>(render, None)
}

/// The stream of a region `render` draws, re-read also whenever `wake` says something.
pub fn region_woken<F, Fut, T>(
    render: F,
    wake: Option<broadcast::Receiver<T>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<Markup, DomainError>> + Send,
    T: Clone + Send + 'static,
{
    let start = Follow {
        render,
        last: None,
        started: Instant::now(),
        wake,
    };
    let stream = futures::stream::unfold(start, |mut follow| async move {
        let mut first = follow.last.is_none();
        loop {
            if !first {
                follow.pause().await;
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
