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
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            tokens: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            websocket: WebSocketConfig::default(),
            trusted_roots: TrustedRoots::webpki(),
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
