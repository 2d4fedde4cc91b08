//! The one accept loop of both listeners (plain HTTP and HTTPS): each connection's request
//! heads pass [`heads::HeadGuard`] before hyper reads them, each request carries the peer
//! address (the blob endpoint checks SAS `sip` ranges against it) and the connection's
//! refusal, if its head was refused, and stopping waits for the requests in flight.

pub mod heads;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

pub use heads::Refusal;
use heads::{HeadGuard, Refusals};

/// How long a client may take to finish the TLS handshake before the connection is dropped,
/// so that idle half-open connections cannot pile up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` (over TLS when `tls` is given) until `stop` completes: then it
/// stops accepting and returns once the requests in flight are answered. Dropping the task
/// drops every connection.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    stop: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let (tcp, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of file descriptors and the like: back off rather than spin.
                tracing::warn!(error = %err, "listener cannot accept");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Requests and answers are small and come one at a time: no Nagle delay.
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let served = match tls {
                None => connection(tcp, false, false, peer, app, watcher).await,
                Some(acceptor) => {
                    let Some(stream) = handshake(&acceptor, tcp, peer).await else {
                        return;
                    };
                    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                    connection(stream, h2, true, peer, app, watcher).await
                }
            };
            if let Err(err) = served {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

async fn handshake(
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(err)) => {
            tracing::debug!(%peer, error = %err, "TLS handshake failed");
            None
        }
        Err(_) => None,
    }
}

/// Marks a request that arrived over HTTPS (the dashboard's cookies are `Secure` then).
#[derive(Debug, Clone, Copy)]
pub struct OverTls;

/// One connection served by hyper (HTTP/1 or HTTP/2, upgrades allowed) behind the head
/// guard; `h2` when ALPN chose HTTP/2, whose frames only hyper reads; `tls` when it came
/// through the HTTPS listener.
async fn connection<S>(
    stream: S,
    h2: bool,
    tls: bool,
    peer: SocketAddr,
    app: Router,
    watcher: Watcher,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let refusals = Arc::new(Refusals::default());
    let guarded = if h2 {
        HeadGuard::through(stream, refusals.clone())
    } else {
        HeadGuard::new(stream, refusals.clone())
    };
    let service = app.map_request(move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        if tls {
            request.extensions_mut().insert(OverTls);
        }
        if let Some(refusal) = refusals.take(request.headers_mut()) {
            request.extensions_mut().insert(Arc::new(refusal));
        }
        request
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder
        .serve_connection_with_upgrades(TokioIo::new(guarded), TowerToHyperService::new(service));
    watcher.watch(connection).await
}
