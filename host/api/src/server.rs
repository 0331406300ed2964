//! The accept loop: each connection is served by hyper with a header-read timeout (which also
//! ends idle keep-alive connections), and the number of open connections is capped. Past the
//! cap a small reserve still answers `/healthz` and `/metrics`, so an operator can see the
//! host while it is saturated; everything else gets 503 `overloaded`, and beyond the reserve a
//! connection is closed at once. A failed accept (out of file descriptors) waits a moment
//! instead of spinning.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::ApiError;
use crate::config::ConnectionLimits;

/// Paths a reserve connection may ask for.
const RESERVE_PATHS: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// How long the loop waits after a failed accept (typically: no file descriptor left).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

fn overloaded() -> axum::response::Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "the host serves its maximum of connections; only /healthz and /metrics answer",
    )
    .into_response()
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then stops
/// accepting and waits for requests in flight (upgraded WebSocket sessions are not waited for).
pub async fn serve_with(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let general = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let reserve = Arc::new(Semaphore::new(limits.reserved_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    tracing::warn!(%err, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (permit, restricted) = match Arc::clone(&general).try_acquire_owned() {
            Ok(permit) => (permit, false),
            Err(_) => match Arc::clone(&reserve).try_acquire_owned() {
                Ok(permit) => (permit, true),
                Err(_) => {
                    drop(stream);
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = tower::service_fn(move |request: hyper::Request<Incoming>| {
            let router = router.clone();
            async move {
                if restricted && !RESERVE_PATHS.contains(&request.uri().path()) {
                    return Ok::<_, Infallible>(overloaded());
                }
                router.oneshot(request).await
            }
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
