//! What the host binary configures: API tokens, the body limit and the WebSocket bounds.

use std::time::Duration;

use roomkit_tls::TrustedRoots;

/// The default largest request body: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Settings of the HTTP and WebSocket surface. Every field has a default.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiConfig {
    /// Bearer tokens accepted on every route but `/healthz` and `/v1/webhooks/*`. Empty means
    /// the API is open to anyone who can reach it; the host should log a warning at start
    /// ([`ApiConfig::is_open`]).
    pub tokens: Vec<String>,
    /// The largest request body in bytes; larger ones get 413.
    pub body_limit: usize,
    /// Bounds of WebSocket clients.
    pub websocket: WebSocketConfig,
    /// What the `sse` and `websocket` sources trust for https and wss.
    pub trusted_roots: TrustedRoots,
    /// Bounds of connections: read timeouts and how many may be open.
    pub connections: ConnectionLimits,
}

/// How slow or idle clients and too many connections are bounded (`serve_with`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client has to send a request's headers, counted from the connection's start
    /// or the end of its previous answer (so it is also the idle keep-alive limit). Past it the
    /// connection is closed.
    pub header_read_timeout: Duration,
    /// How long reading a request's body may take; a body that stalls (shorter than its
    /// `Content-Length`) fails the request and the connection is closed.
    pub body_read_timeout: Duration,
    /// Connections served at once; past it new connections get only `/healthz` and
    /// `/metrics` (503 `overloaded` for the rest) from the reserve, and beyond the reserve they
    /// are closed at once.
    pub max_connections: usize,
    /// Connections kept for `/healthz` and `/metrics` when `max_connections` are open.
    pub reserved_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 4096,
            reserved_connections: 16,
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            tokens: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            websocket: WebSocketConfig::default(),
            trusted_roots: TrustedRoots::webpki(),
            connections: ConnectionLimits::default(),
        }
    }
}

impl ApiConfig {
    /// Whether no token is configured, so no request is authenticated.
    pub fn is_open(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// How a slow or dead WebSocket client is bounded: frames for it wait in a queue of
/// `queue_capacity`; a frame that finds the queue full is dropped, a write that takes longer than
/// `send_timeout` is abandoned, and after `max_failures` such failures in a row the client is
/// disconnected. Nothing a client does makes a room or a delivery wait.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSocketConfig {
    /// Frames waiting to be written to one client.
    pub queue_capacity: usize,
    /// How long one write to a client may take.
    pub send_timeout: Duration,
    /// Consecutive failures (full queue, write timeout) before the client is evicted.
    pub max_failures: u32,
    /// How long a client that did not authenticate in the query has to send its `auth` message.
    pub auth_timeout: Duration,
    /// The largest message a client may send, in bytes.
    pub max_message_size: usize,
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        WebSocketConfig {
            queue_capacity: 256,
            send_timeout: Duration::from_secs(5),
            max_failures: 3,
            auth_timeout: Duration::from_secs(10),
            max_message_size: DEFAULT_BODY_LIMIT,
        }
    }
}
