//! The correlation id of the request being served: the front door gives every request one,
//! opens the `request` span of its log lines with it, and every surface answers with it in
//! its own correlation header (`MS-CorrelationId`, `X-Correlation-ID`, `request-id`,
//! `x-ms-request-id`), so that an id a client quotes finds the server's log lines.

use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static CURRENT: Arc<str>;
}

/// A fresh correlation id (a GUID, the shape every surface's clients expect).
pub fn fresh() -> Arc<str> {
    storeroom_domain::ids::guid().into()
}

/// The id of the request this task serves; a fresh one outside a request (a background
/// task spawned by a handler does not inherit it).
pub fn id() -> String {
    CURRENT
        .try_with(|id| id.to_string())
        .unwrap_or_else(|_| storeroom_domain::ids::guid())
}

/// Runs `serve` with `id` as the current request's correlation id.
pub async fn scope<F: Future>(id: Arc<str>, serve: F) -> F::Output {
    CURRENT.scope(id, serve).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_id_is_the_request_s_inside_its_scope_and_fresh_outside() {
        let request = fresh();
        let inside = scope(request.clone(), async { (id(), id()) }).await;
        assert_eq!(inside, (request.to_string(), request.to_string()));
        assert_ne!(id(), id(), "outside a request every call is a new id");
    }
}
