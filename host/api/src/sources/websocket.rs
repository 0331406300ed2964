//! The built-in `websocket` source: a WebSocket connection whose text (or UTF-8 binary) messages
//! carry the default payload ([`default_message`]) and become inbound messages (seed 002's
//! `WebSocketSource`). Control frames are answered by the protocol layer; a message over
//! [`MAX_MESSAGE_BYTES`] or a close from the server ends the connection, and the kit restarts
//! it.

use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use roomkit_kit::{Emitter, SourceProvider};
use roomkit_tls::TrustedRoots;
use tokio::sync::watch;
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderMap;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::{MAX_MESSAGE_BYTES, default_message, emit_or_log, with_causes};

/// How long the connection and the opening handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A WebSocket-client source.
pub struct WebSocketSource {
    channel_id: String,
    url: String,
    headers: HeaderMap,
    roots: TrustedRoots,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for WebSocketSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketSource")
            .field("channel_id", &self.channel_id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl WebSocketSource {
    /// A source reading `url` (`ws://` or `wss://`) for channel `channel_id`, sending `headers`
    /// with the opening handshake; wss trusts `roots`.
    pub fn new(
        channel_id: impl Into<String>,
        url: impl Into<String>,
        headers: HeaderMap,
        roots: &TrustedRoots,
    ) -> Result<Self, String> {
        let url = url.into();
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        if !matches!(scheme, Some("ws" | "wss")) {
            return Err(format!("url {url:?}: the scheme must be ws or wss"));
        }
        url.as_str()
            .into_client_request()
            .map_err(|e| format!("url {url:?}: {e}"))?;
        Ok(WebSocketSource {
            channel_id: channel_id.into(),
            url,
            headers,
            roots: roots.clone(),
            stop: watch::Sender::new(false),
        })
    }

    /// Reads messages until the connection ends, fails or the source is stopped.
    async fn read(&self, emitter: &Emitter) -> Result<(), String> {
        let mut request = self
            .url
            .as_str()
            .into_client_request()
            .map_err(|e| format!("{}: {e}", self.url))?;
        request.headers_mut().extend(self.headers.clone());
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_MESSAGE_BYTES));
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(config),
            false,
            Some(Connector::Rustls(self.roots.client_config())),
        );
        let (mut socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| format!("{}: no handshake in {CONNECT_TIMEOUT:?}", self.url))?
            .map_err(|e| format!("{}: {}", self.url, with_causes(&e)))?;
        emitter.connected();
        let mut stop = self.stop.subscribe();
        loop {
            let next = tokio::select! {
                next = socket.next() => Some(next),
                _ = stop.wait_for(|stopped| *stopped) => None,
            };
            let Some(next) = next else {
                let _ = socket.close(None).await;
                return Ok(());
            };
            let text = match next {
                Some(Ok(Message::Text(text))) => text.as_str().to_owned(),
                Some(Ok(Message::Binary(bytes))) => match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => text,
                    Err(_) => {
                        tracing::warn!(channel = %self.channel_id, "websocket source: binary message is not UTF-8, skipped");
                        continue;
                    }
                },
                Some(Ok(Message::Close(frame))) => {
                    let why = frame.map_or_else(String::new, |f| format!(" ({})", f.code));
                    return Err(format!(
                        "{}: the server closed the connection{why}",
                        self.url
                    ));
                }
                Some(Ok(_)) => continue, // ping, pong: answered by the protocol layer
                Some(Err(e)) => return Err(format!("{}: {}", self.url, with_causes(&e))),
                None => return Err(format!("{}: the connection ended", self.url)),
            };
            let message = default_message(&self.channel_id, &text, None).map(|mut message| {
                message.provider = Some("websocket".to_owned());
                message
            });
            emit_or_log(emitter, &self.channel_id, "websocket", message).await;
        }
    }
}

#[async_trait]
impl SourceProvider for WebSocketSource {
    fn name(&self) -> String {
        format!("websocket:{}", self.url)
    }

    async fn start(&self, emitter: Emitter) -> Result<(), String> {
        self.stop.send_replace(false);
        self.read(&emitter).await
    }

    async fn stop(&self) {
        self.stop.send_replace(true);
    }
}
