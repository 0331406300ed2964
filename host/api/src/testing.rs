//! Test support for code that drives the host over `/v1/ws` (enable the `testing` feature): a
//! JSON WebSocket client speaking the protocol of docs/api.md. For tests; the host does not use
//! it.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test support: a failure is a failed test

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long [`WsClient::recv`] waits for a message.
const RECV_TIMEOUT: Duration = Duration::from_secs(30);
/// How long [`WsClient::is_quiet`] listens.
const QUIET: Duration = Duration::from_millis(300);

/// A client of `/v1/ws` exchanging JSON messages.
#[derive(Debug)]
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Connects to `url` (with the token in its query) and waits for `authenticated`.
    pub async fn connect(url: &str) -> WsClient {
        let mut client = Self::open(url).await;
        assert_eq!(client.recv().await, json!({"type": "authenticated"}));
        client
    }

    /// Opens the connection and nothing more (to authenticate with a message, or not at all).
    pub async fn open(url: &str) -> WsClient {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the WebSocket handshake");
        WsClient { socket }
    }

    /// Sends a JSON message.
    pub async fn send(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    /// Sends a text message as it is (to send what is not JSON).
    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("the socket takes a message");
    }

    /// The next JSON message, or `{"closed": CODE}` for a close (30 s at most).
    pub async fn recv(&mut self) -> Value {
        loop {
            let next = tokio::time::timeout(RECV_TIMEOUT, self.socket.next())
                .await
                .expect("a WebSocket message within 30 s")
                .expect("the socket is open")
                .expect("a readable frame");
            match next {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
                Message::Close(frame) => {
                    return json!({"closed": frame.map(|f| u16::from(f.code))});
                }
                _ => {}
            }
        }
    }

    /// The next JSON message, or `None` once the socket is closed (30 s at most).
    pub async fn try_recv(&mut self) -> Option<Value> {
        loop {
            let next = tokio::time::timeout(RECV_TIMEOUT, self.socket.next())
                .await
                .expect("a WebSocket message or the close within 30 s");
            match next {
                Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(_)) | Err(_)) | None => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    /// Whether nothing arrives for 300 ms.
    pub async fn is_quiet(&mut self) -> bool {
        tokio::time::timeout(QUIET, self.socket.next())
            .await
            .is_err()
    }

    /// Joins `room` on `channel` as `user` and checks the `joined` answer.
    pub async fn join(&mut self, room: &str, channel: &str, user: &str) {
        self.send(json!({"type": "join", "room_id": room, "channel_id": channel, "user_id": user}))
            .await;
        assert_eq!(
            self.recv().await,
            json!({"type": "joined", "room_id": room, "channel_id": channel, "user_id": user})
        );
    }
}
