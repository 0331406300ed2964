//! `GET /v1/ws`: the WebSocket endpoint and the built-in `websocket` channel type.
//!
//! A session has a reader (this task: client messages, handled in order) and a writer (a task
//! draining the client's bounded queue into the socket, each write under `send_timeout`).
//! Deliveries and ephemeral events only ever *queue* frames (see [`Hub`]), so a client that stops
//! reading loses frames and is then evicted, while the room and its delivery lane go on.

mod channel;
mod hub;
mod protocol;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use roomkit_kit::{FrameworkEvent, InboundMessage};
use roomkit_model::{Content, EphemeralEventType, FrameworkEventType, Metadata, Viewer};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub(crate) use channel::WebSocketChannel;
pub(crate) use hub::{Client, Hub, HubStats};
use protocol::{ClientMessage, ServerMessage};

use crate::auth::{TokenCheck, check_token};
use crate::extract::QueryParams;
use crate::{ApiError, ApiState, Result};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WsQuery {
    /// An API token (or an `Authorization` header, or a first `auth` message).
    #[serde(default)]
    token: Option<String>,
}

/// `GET /v1/ws`
///
/// Upgrades to a WebSocket speaking the JSON protocol of docs/api.md. A token in the
/// `Authorization` header or the `token` query parameter is checked before the upgrade (invalid
/// → 401); without one, the first message must be `{"type":"auth","token":"..."}`.
#[utoipa::path(
    get, path = "/v1/ws", tag = "websocket", operation_id = "websocket", summary = "WebSocket",
    params(WsQuery),
    responses(
        (status = SWITCHING_PROTOCOLS, description = "Switching protocols"),
        (status = BAD_REQUEST, description = "Not a WebSocket upgrade request (`bad_request`)", body = crate::error::ErrorBody),
        (status = UNAUTHORIZED, description = "The token is not valid (`invalid_token`)", body = crate::error::ErrorBody),
    ),
)]
pub(crate) async fn upgrade(
    State(state): State<ApiState>,
    QueryParams(query): QueryParams<WsQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response> {
    let authenticated = match check_token(state.config(), &headers, query.token.as_deref()) {
        TokenCheck::Open | TokenCheck::Valid => true,
        TokenCheck::Missing => false,
        TokenCheck::Invalid => {
            return Err(ApiError::unauthorized(
                "invalid_token",
                "the token is not valid",
            ));
        }
    };
    let max = state.config().websocket.max_message_size;
    Ok(upgrade
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| Session::run(state, socket, authenticated)))
}

/// A joined room.
struct Membership {
    channel_id: String,
    user_id: String,
    /// Forwards the room's ephemeral events to the client.
    forward: JoinHandle<()>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.forward.abort();
    }
}

struct Session {
    state: ApiState,
    client: Arc<Client>,
    rooms: HashMap<String, Membership>,
}

type Frame = Utf8Bytes;

impl Session {
    async fn run(state: ApiState, socket: WebSocket, authenticated: bool) {
        let hub = Arc::clone(state.hub());
        let (client, queue) = hub.connect();
        let (sink, mut stream) = socket.split();
        let writer = tokio::spawn(write_loop(
            Arc::clone(&hub),
            Arc::clone(&client),
            queue,
            sink,
        ));
        let mut session = Session {
            state,
            client,
            rooms: HashMap::new(),
        };
        if session.authenticate(&mut stream, authenticated).await {
            session.send(ServerMessage::Authenticated.frame());
            loop {
                let next = tokio::select! {
                    next = stream.next() => next,
                    () = session.client.gone() => break,
                };
                match next {
                    Some(Ok(Message::Text(text))) => session.handle(&text).await,
                    Some(Ok(Message::Binary(_))) => {
                        session.error("invalid_message", "messages are JSON text frames", None)
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                }
            }
        }
        for (room_id, membership) in std::mem::take(&mut session.rooms) {
            session.announce(
                FrameworkEventType::ChannelDisconnected,
                &room_id,
                &membership,
            );
        }
        hub.disconnect(session.client.id);
        let _ = writer.await;
    }

    /// Waits for `auth` unless the upgrade was authenticated already.
    async fn authenticate(
        &mut self,
        stream: &mut futures_util::stream::SplitStream<WebSocket>,
        authenticated: bool,
    ) -> bool {
        if authenticated {
            return true;
        }
        let timeout = self.state.config().websocket.auth_timeout;
        let first = tokio::time::timeout(timeout, stream.next()).await;
        let token = match first {
            Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str(&text) {
                Ok(ClientMessage::Auth { token }) => token,
                _ => {
                    self.error("unauthorized", "the first message must be auth", None);
                    return false;
                }
            },
            Err(_) => {
                self.error("unauthorized", "no auth message in time", None);
                return false;
            }
            _ => return false,
        };
        let valid = matches!(
            check_token(self.state.config(), &HeaderMap::new(), Some(&token)),
            TokenCheck::Open | TokenCheck::Valid
        );
        if !valid {
            self.error("invalid_token", "the token is not valid", None);
        }
        valid
    }

    fn send(&self, frame: Frame) {
        self.state.hub().offer(&self.client, frame);
    }

    fn error(&self, code: &str, message: &str, request_id: Option<&str>) {
        self.send(
            ServerMessage::Error {
                code,
                message,
                request_id,
            }
            .frame(),
        );
    }

    fn api_error(&self, err: &ApiError, request_id: Option<&str>) {
        self.error(err.code, &err.message, request_id);
    }

    async fn handle(&mut self, text: &str) {
        let message: ClientMessage = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(err) => {
                return self.error("invalid_message", &err.to_string(), None);
            }
        };
        let outcome = match message {
            ClientMessage::Auth { .. } => {
                self.send(ServerMessage::Authenticated.frame());
                Ok(())
            }
            ClientMessage::Ping => {
                self.send(ServerMessage::Pong.frame());
                Ok(())
            }
            ClientMessage::Join {
                room_id,
                channel_id,
                user_id,
            } => self.join(room_id, channel_id, user_id).await,
            ClientMessage::Leave { room_id } => self.leave(&room_id),
            ClientMessage::Typing { room_id, typing } => {
                let kind = if typing {
                    EphemeralEventType::TypingStart
                } else {
                    EphemeralEventType::TypingStop
                };
                self.publish(&room_id, kind, Metadata::new()).await
            }
            ClientMessage::Presence { room_id, status } => {
                let kind = match status.as_str() {
                    "online" => EphemeralEventType::PresenceOnline,
                    "away" => EphemeralEventType::PresenceAway,
                    "offline" => EphemeralEventType::PresenceOffline,
                    _ => {
                        return self.error(
                            "validation_failed",
                            "presence status must be online, away or offline",
                            None,
                        );
                    }
                };
                self.publish(&room_id, kind, Metadata::new()).await
            }
            ClientMessage::Read { room_id, event_id } => self.read(&room_id, event_id).await,
            ClientMessage::Message(message) => {
                let protocol::OutgoingMessage {
                    room_id,
                    content,
                    text,
                    request_id,
                    idempotency_key,
                    visibility,
                    parent_event_id,
                    addressed_to,
                    metadata,
                } = *message;
                let content = match (content, text) {
                    (Some(content), None) => content,
                    (None, Some(text)) => Content::text(text),
                    _ => {
                        return self.error(
                            "invalid_message",
                            "a message has either content or text",
                            request_id.as_deref(),
                        );
                    }
                };
                let result = self
                    .message(&room_id, content, &request_id, |m| {
                        m.idempotency_key = idempotency_key;
                        m.visibility = visibility;
                        m.parent_event_id = parent_event_id;
                        m.addressed_to = addressed_to;
                        m.metadata = metadata;
                    })
                    .await;
                if let Err(err) = result {
                    self.api_error(&err, request_id.as_deref());
                }
                return;
            }
        };
        if let Err(err) = outcome {
            self.api_error(&err, None);
        }
    }

    fn membership(&self, room_id: &str) -> Result<&Membership> {
        self.rooms.get(room_id).ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "not_joined",
                format!("join room {room_id:?} first"),
            )
        })
    }

    async fn join(&mut self, room_id: String, channel_id: String, user_id: String) -> Result<()> {
        roomkit_model::validate_id("user_id", &user_id)?;
        let kit = self.state.kit().clone();
        if kit.get_channel(&channel_id).is_none() {
            return Err(roomkit_kit::Error::ChannelNotRegistered(channel_id).into());
        }
        if !self.state.hub().serves_channel(&channel_id) {
            return Err(ApiError::invalid(
                "not_a_websocket_channel",
                format!("channel {channel_id:?} is not a websocket channel"),
            ));
        }
        kit.get_room(&room_id).await?;
        kit.get_binding(&room_id, &channel_id).await?;
        self.leave(&room_id).ok();
        let mut subscription = kit.subscribe_room(&room_id).await;
        let hub = Arc::clone(self.state.hub());
        let client = Arc::clone(&self.client);
        let me = user_id.clone();
        let forward = tokio::spawn(async move {
            while let Some(event) = subscription.recv().await {
                if event.user_id != me {
                    hub.offer(&client, ServerMessage::Ephemeral { event: &event }.frame());
                }
            }
        });
        self.state.hub().join(self.client.id, &room_id, &channel_id);
        let membership = Membership {
            channel_id,
            user_id,
            forward,
        };
        self.announce(FrameworkEventType::ChannelConnected, &room_id, &membership);
        self.send(
            ServerMessage::Joined {
                room_id: &room_id,
                channel_id: &membership.channel_id,
                user_id: &membership.user_id,
            }
            .frame(),
        );
        self.rooms.insert(room_id, membership);
        Ok(())
    }

    fn leave(&mut self, room_id: &str) -> Result<()> {
        let membership = self.rooms.remove(room_id);
        let membership = membership.ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "not_joined",
                format!("room {room_id:?} was not joined"),
            )
        })?;
        self.state
            .hub()
            .leave(self.client.id, room_id, &membership.channel_id);
        self.announce(
            FrameworkEventType::ChannelDisconnected,
            room_id,
            &membership,
        );
        self.send(ServerMessage::Left { room_id }.frame());
        Ok(())
    }

    /// `channel_connected` / `channel_disconnected`: a client joined or left a room on a
    /// WebSocket channel.
    fn announce(&self, kind: FrameworkEventType, room_id: &str, membership: &Membership) {
        self.state.kit().emit_framework_event(
            FrameworkEvent::new(kind)
                .room(room_id)
                .channel(membership.channel_id.clone())
                .with("user_id", membership.user_id.clone())
                .with("client_id", self.client.id),
        );
    }

    async fn publish(&self, room_id: &str, kind: EphemeralEventType, data: Metadata) -> Result<()> {
        let m = self.membership(room_id)?;
        self.state
            .kit()
            .publish_ephemeral(room_id, kind, &m.user_id, Some(&m.channel_id), data)
            .await;
        Ok(())
    }

    async fn read(&self, room_id: &str, event_id: String) -> Result<()> {
        let m = self.membership(room_id)?;
        let index = self
            .state
            .kit()
            .mark_read(room_id, &m.channel_id, &event_id)
            .await?;
        let mut data = Metadata::new();
        data.insert("event_id".into(), event_id.into());
        data.insert("index".into(), index.into());
        self.publish(room_id, EphemeralEventType::ReadReceipt, data)
            .await
    }

    /// Sends a message through the pipeline on the joined channel and acknowledges it. The other
    /// clients joined on the same channel see it as soon as it is committed (the kit never
    /// delivers an event to its source channel), before any reply it provokes.
    async fn message(
        &self,
        room_id: &str,
        content: Content,
        request_id: &Option<String>,
        fill: impl FnOnce(&mut InboundMessage),
    ) -> Result<()> {
        let m = self.membership(room_id)?;
        let mut inbound =
            InboundMessage::new(m.channel_id.clone(), m.user_id.clone(), content).in_room(room_id);
        fill(&mut inbound);
        let echo = {
            let hub = Arc::clone(self.state.hub());
            let (room_id, channel_id) = (room_id.to_owned(), m.channel_id.clone());
            let sender = self.client.id;
            Box::new(move |event: &roomkit_model::RoomEvent| {
                let viewer = Viewer {
                    channel_id: &channel_id,
                    category: roomkit_model::ChannelCategory::Transport,
                };
                if event.visibility.admits(viewer) {
                    let frame = ServerMessage::Event {
                        room_id: &room_id,
                        channel_id: &channel_id,
                        event,
                    }
                    .frame();
                    hub.broadcast(&room_id, &channel_id, &frame, Some(sender));
                }
            })
        };
        let result = self
            .state
            .kit()
            .process_inbound_observed(inbound, Some(echo))
            .await?;
        self.send(
            ServerMessage::Ack {
                request_id: request_id.as_deref(),
                result: &result,
            }
            .frame(),
        );
        Ok(())
    }
}

/// Drains the client's queue into the socket. A write that exceeds `send_timeout` counts as a
/// failure (too many in a row evict the client); a broken socket ends the session.
async fn write_loop(
    hub: Arc<Hub>,
    client: Arc<Client>,
    mut queue: mpsc::Receiver<Frame>,
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
) {
    let timeout = hub.config().send_timeout;
    loop {
        let frame = tokio::select! {
            biased;
            frame = queue.recv() => frame,
            () = client.gone() => None,
        };
        let Some(frame) = frame else { break };
        match tokio::time::timeout(timeout, sink.send(Message::Text(frame))).await {
            Ok(Ok(())) => client.succeeded(),
            Ok(Err(_)) => break,
            Err(_) => {
                if hub.failed(&client) {
                    break;
                }
            }
        }
    }
    client.end();
    let (code, reason) = if client.was_evicted() {
        (
            close_code::POLICY,
            "too slow: the client did not read its messages",
        )
    } else {
        // A session that ended on its own may still have an answer queued (an auth error).
        while let Ok(frame) = queue.try_recv() {
            if !matches!(
                tokio::time::timeout(timeout, sink.send(Message::Text(frame))).await,
                Ok(Ok(()))
            ) {
                return;
            }
        }
        (close_code::NORMAL, "")
    };
    // Say goodbye if the socket still takes it; never wait longer than one write.
    let close = Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }));
    let _ = tokio::time::timeout(timeout, sink.send(close)).await;
}
