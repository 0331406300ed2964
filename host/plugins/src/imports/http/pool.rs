//! Sending a plugin's request over a kept-alive HTTP/1.1 connection.
//!
//! wasmtime-wasi-http's default send opens a TCP connection (and a TLS session, with a freshly
//! built root store) for every request and closes it after the answer. A webhook provider that
//! delivers every event to the same host spent most of a delivery on that: connect, accept,
//! shutdown and close on both sides. This module keeps idle connections per scheme and
//! authority, process-wide, and otherwise behaves as the default: the same connect, first-byte
//! and between-bytes timeouts, the same error values; TLS trusts the engine's
//! [`TrustedRoots`] (the webpki roots and the operator's `[tls] ca_files`).
//!
//! A connection goes back to the pool only when its answer was read to the end and hyper says
//! it can take another request; an answer left unread, `connection: close`, an error or a
//! connection the server closed while idle all drop it. A request that hyper could not start
//! writing because the pooled connection was already closed is sent again on a new connection;
//! nothing else is retried here (the caller's delivery retries decide that).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::Scheme;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::client::conn::http1::{self, SendRequest};
use roomkit_tls::TrustedRoots;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// The answer and the I/O future of [`wasmtime_wasi_http::WasiHttpHooks::send_request`].
pub(crate) type Sent = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), Error>> + Send>,
    ),
    Error,
>;

/// Idle connections kept per scheme and authority; more are closed.
const MAX_IDLE_PER_HOST: usize = 64;
/// How long a connection may sit idle before it is closed rather than reused. Short enough to
/// stay under common server keep-alive timeouts, so a server rarely closes one under us.
const IDLE_TIMEOUT: Duration = Duration::from_secs(4);
/// What the default send waits when the request sets no timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    https: bool,
    /// `host:port`, the port always written out.
    authority: String,
    /// Which trusted roots verified the connection ([`TrustedRoots::id`]): engines trusting
    /// different authorities never share one.
    roots: u64,
}

struct Idle {
    sender: SendRequest<WasiBody>,
    since: Instant,
}

#[derive(Default)]
struct Pool {
    idle: Mutex<HashMap<Key, Vec<Idle>>>,
}

/// One pool for the process: every plugin that may reach a host shares its connections (the
/// allowed-hosts check happens before a request gets here).
static POOL: LazyLock<Pool> = LazyLock::new(Pool::default);

impl Pool {
    /// The most recently used idle connection to `key` that the server has not closed. It may
    /// still be finishing its last answer: wait for [`SendRequest::ready`] before using it.
    fn checkout(&self, key: &Key) -> Option<SendRequest<WasiBody>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(key)?;
        let now = Instant::now();
        // The oldest ones are at the front; drop the expired ones all at once.
        let fresh = list
            .iter()
            .position(|c| now.duration_since(c.since) < IDLE_TIMEOUT)
            .unwrap_or(list.len());
        list.drain(..fresh);
        while let Some(conn) = list.pop() {
            if !conn.sender.is_closed() {
                return Some(conn.sender);
            }
        }
        None
    }

    fn checkin(&self, key: Key, sender: SendRequest<WasiBody>) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(key).or_default();
        if list.len() < MAX_IDLE_PER_HOST {
            list.push(Idle {
                sender,
                since: Instant::now(),
            });
        }
    }
}

/// Sends `request` (absolute URI) and returns the answer, as
/// [`wasmtime_wasi_http::default_send_request`] would, over a pooled connection when one is
/// idle.
pub(crate) async fn send(
    mut request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    roots: TrustedRoots,
) -> Sent {
    let uri = request.uri();
    let authority = uri.authority().ok_or(Error::HttpRequestUriInvalid)?;
    let https = uri.scheme() == Some(&Scheme::HTTPS);
    let authority = match authority.port() {
        Some(_) => authority.to_string(),
        None => format!("{authority}:{}", if https { 443 } else { 80 }),
    };
    let key = Key {
        https,
        authority,
        roots: roots.id(),
    };
    let options = options.unwrap_or_default();
    let connect_timeout = options.connect_timeout.unwrap_or(DEFAULT_TIMEOUT);
    let first_byte_timeout = options.first_byte_timeout.unwrap_or(DEFAULT_TIMEOUT);
    let between_bytes_timeout = options
        .between_bytes_timeout
        .unwrap_or(DEFAULT_TIMEOUT)
        // tokio panics on a zero interval.
        .max(Duration::from_nanos(1));

    // The request line carries only the path; scheme and authority are for proxies.
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    *request.uri_mut() = http::Uri::try_from(path).map_err(|_| Error::HttpRequestUriInvalid)?;

    let deadline = tokio::time::Instant::now() + first_byte_timeout;
    let mut pooled = None;
    while let Some(mut sender) = POOL.checkout(&key) {
        // Only connections whose last answer was read to the end are pooled, so this is quick;
        // an error means the connection closed meanwhile.
        match tokio::time::timeout_at(deadline, sender.ready()).await {
            Ok(Ok(())) => {
                pooled = Some(sender);
                break;
            }
            Ok(Err(_)) => continue,
            Err(_) => return Err(Error::ConnectionReadTimeout),
        }
    }
    let (response, sender) = match pooled {
        Some(mut sender) => {
            let sent = tokio::time::timeout_at(deadline, sender.try_send_request(request)).await;
            match sent.map_err(|_| Error::ConnectionReadTimeout)? {
                Ok(response) => (response, sender),
                Err(mut failed) => match failed.take_message() {
                    // Nothing was written: the connection had closed. Use a new one.
                    Some(request) => {
                        send_on_new(&key, &roots, request, connect_timeout, deadline).await?
                    }
                    None => return Err(Error::from(failed.into_error())),
                },
            }
        }
        None => send_on_new(&key, &roots, request, connect_timeout, deadline).await?,
    };

    let mut timeout = tokio::time::interval(between_bytes_timeout);
    timeout.reset();
    let (parts, incoming) = response.into_parts();
    let mut body = PooledBody {
        incoming,
        timeout,
        sender: Some(sender),
        key,
    };
    if body.incoming.is_end_stream() {
        // No body to read (204, HEAD, `content-length: 0`): the connection is free already.
        body.release();
    }
    Ok((
        http::Response::from_parts(parts, body.boxed_unsync()),
        Box::new(async { Ok(()) }),
    ))
}

/// Opens a connection to `key` and sends `request` on it.
async fn send_on_new(
    key: &Key,
    roots: &TrustedRoots,
    request: http::Request<WasiBody>,
    connect_timeout: Duration,
    deadline: tokio::time::Instant,
) -> Result<(http::Response<hyper::body::Incoming>, SendRequest<WasiBody>), Error> {
    let mut sender = tokio::time::timeout(connect_timeout, connect(key, roots))
        .await
        .map_err(|_| Error::ConnectionTimeout)??;
    let response = tokio::time::timeout_at(deadline, sender.send_request(request))
        .await
        .map_err(|_| Error::ConnectionReadTimeout)??;
    Ok((response, sender))
}

trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T> Stream for T where T: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

/// A new HTTP/1.1 connection to `key`, driven by a task of its own until it closes.
async fn connect(key: &Key, roots: &TrustedRoots) -> Result<SendRequest<WasiBody>, Error> {
    let tcp = TcpStream::connect(&key.authority)
        .await
        .map_err(Error::Connect)?;
    // Headers and body are written separately (the body streams in from the guest); without
    // this, Nagle's algorithm holds the body back until the headers are acknowledged.
    tcp.set_nodelay(true).map_err(Error::Connect)?;
    let stream: Box<dyn Stream> = if key.https {
        let connector = tokio_rustls::TlsConnector::from(roots.client_config());
        let name = tls_server_name(&key.authority)?;
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(|err| tls_failure(&key.authority, err))?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let (sender, conn) = http1::Builder::new()
        .handshake::<_, WasiBody>(TokioIo::new(stream))
        .await?;
    tokio::spawn(async move {
        // Errors reach the request or its body through hyper; nothing is left to report.
        let _ = conn.await;
    });
    Ok(sender)
}

/// The guest's error for a failed handshake: a certificate the roots do not vouch for is
/// `tls-certificate-error`, an alert from the server `tls-alert-received`, anything else
/// `tls-protocol-error`. The cause is logged for the operator.
fn tls_failure(authority: &str, err: std::io::Error) -> Error {
    tracing::warn!(authority, "TLS handshake with {authority} failed: {err}");
    let rustls_error = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(_)) => Error::TlsCertificateError,
        Some(rustls::Error::AlertReceived(alert)) => Error::TlsAlertReceived {
            alert_id: Some(u8::from(*alert)),
            alert_message: Some(format!("{alert:?}")),
        },
        _ => Error::Tls(err),
    }
}

/// The name the certificate must carry, from `host:port` (`[v6]:port` for IPv6 literals).
fn tls_server_name(
    authority: &str,
) -> Result<rustls::pki_types::ServerName<'static>, rustls::pki_types::InvalidDnsNameError> {
    use rustls::pki_types::ServerName;
    if let Ok(addr) = authority.parse::<std::net::SocketAddr>() {
        return Ok(ServerName::from(addr.ip()));
    }
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    Ok(ServerName::try_from(host)?.to_owned())
}

/// An answer's body with the between-bytes timeout; when it has been read to the end, its
/// connection goes back to the pool.
struct PooledBody {
    incoming: hyper::body::Incoming,
    timeout: tokio::time::Interval,
    sender: Option<SendRequest<WasiBody>>,
    key: Key,
}

impl PooledBody {
    /// Pools the connection: its answer has been read to the end. hyper marks it idle on the
    /// connection's own task a moment later, which the next user waits for.
    fn release(&mut self) {
        if let Some(sender) = self.sender.take() {
            POOL.checkin(self.key.clone(), sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(None) => {
                this.release();
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(err))) => {
                // A broken answer: the connection is not reused.
                this.sender = None;
                Poll::Ready(Some(Err(if err.is_timeout() {
                    Error::HttpResponseTimeout
                } else {
                    Error::from(err)
                })))
            }
            Poll::Ready(Some(Ok(frame))) => {
                this.timeout.reset();
                if this.incoming.is_end_stream() {
                    this.release();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                ready!(this.timeout.poll_tick(cx));
                this.sender = None;
                Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
