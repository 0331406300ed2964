//! Event-driven sources (seed 002): list, inspect, attach at runtime and detach. The built-in
//! types are `sse` ([`SseSource`]) and `websocket` ([`WebSocketSource`]); the host's
//! configuration attaches its `[[sources]]` through the same [`SourceSpec`].

pub mod sse;
pub mod websocket;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_kit::{Emitter, InboundMessage, RoomKit, SourceHealth, SourceOptions, SourceProvider};
use roomkit_model::{Content, Metadata};
use roomkit_tls::TrustedRoots;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::extract::JsonBody;
use crate::{ApiError, ApiState, Result};
pub use sse::SseSource;
pub use websocket::WebSocketSource;

/// The source types the host implements.
pub const SOURCE_TYPES: &[&str] = &["sse", "websocket"];

/// The largest message a source accepts; a server sending more is cut off (the source fails
/// and the kit restarts it).
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// The default payload of both source types (seed 002): `{"sender_id", "text", "external_id"?,
/// "metadata"?}`, plus an optional `room_id` to send into a room instead of asking the inbound
/// router.
#[derive(Debug, Deserialize)]
struct Payload {
    sender_id: String,
    text: String,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    room_id: Option<String>,
    #[serde(default)]
    metadata: Metadata,
}

/// Request headers of a spec, checked once when a source is made.
fn parse_headers(
    headers: &BTreeMap<String, String>,
) -> std::result::Result<reqwest::header::HeaderMap, String> {
    use reqwest::header::{HeaderName, HeaderValue};
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("header {name:?}: not a valid header name"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("header {name:?}: not a valid header value"))?;
        map.append(header, value);
    }
    Ok(map)
}

/// The inbound message of a default payload on `channel_id`. Its idempotency key is the
/// payload's `external_id`, else `fallback_key` (an SSE event id), so a message a server sends
/// twice is stored once.
pub fn default_message(
    channel_id: &str,
    data: &str,
    fallback_key: Option<String>,
) -> std::result::Result<InboundMessage, String> {
    let payload: Payload = serde_json::from_str(data).map_err(|e| format!("not a message: {e}"))?;
    let mut message =
        InboundMessage::new(channel_id, payload.sender_id, Content::text(payload.text));
    message.metadata = payload.metadata;
    message.room_id = payload.room_id;
    message.idempotency_key = payload.external_id.clone().or(fallback_key);
    message.provider_message_id = payload.external_id;
    Ok(message)
}

/// A source to attach to a registered channel, with how the kit supervises it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The channel its messages arrive on (registered already).
    pub channel_id: String,
    /// Its type: `sse` or `websocket`.
    #[serde(rename = "type")]
    #[schema(examples("sse", "websocket"))]
    pub source_type: String,
    /// What it connects to (`http(s)://` for `sse`, `ws(s)://` for `websocket`).
    pub url: String,
    /// Extra request headers (e.g. `Authorization`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Resume after this event id (sent as `Last-Event-ID`; `sse` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_id: Option<String>,
    /// Restart after a failure (default true).
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub auto_restart: bool,
    /// First delay before a restart, doubling per consecutive failure (default 5,000).
    #[serde(default = "default_restart_delay_ms")]
    #[schema(default = 5000)]
    pub restart_delay_ms: u64,
    /// Longest delay between restarts (default 300,000).
    #[serde(default = "default_max_restart_delay_ms")]
    #[schema(default = 300000)]
    pub max_restart_delay_ms: u64,
    /// Consecutive failures before giving up (default: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub max_restart_attempts: Option<u32>,
    /// Messages in the pipeline at once (default 10).
    #[serde(default = "default_max_concurrent_emits")]
    #[schema(minimum = 1, default = 10)]
    pub max_concurrent_emits: usize,
}

/// Hands a source's message to the pipeline. A message that could not be read (`Err`) or that
/// the pipeline refuses is logged and skipped: neither ends the connection.
async fn emit_or_log(
    emitter: &Emitter,
    channel_id: &str,
    source_type: &str,
    message: std::result::Result<InboundMessage, String>,
) {
    match message {
        Ok(message) => {
            if let Err(err) = emitter.emit(message).await {
                tracing::warn!(channel = %channel_id, %err, "{source_type} message refused by the pipeline");
            }
        }
        Err(reason) => {
            tracing::warn!(channel = %channel_id, %reason, "{source_type} message skipped");
        }
    }
}

/// An error and its causes, `: `-separated (client errors put the reason, such as a refused
/// certificate, in their sources).
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = inner.source();
    }
    text
}

fn yes() -> bool {
    true
}

fn default_restart_delay_ms() -> u64 {
    5_000
}

fn default_max_restart_delay_ms() -> u64 {
    300_000
}

fn default_max_concurrent_emits() -> usize {
    10
}

impl SourceSpec {
    /// The supervision options it asks for.
    pub fn options(&self) -> SourceOptions {
        SourceOptions {
            auto_restart: self.auto_restart,
            restart_delay: Duration::from_millis(self.restart_delay_ms),
            max_restart_delay: Duration::from_millis(
                self.max_restart_delay_ms.max(self.restart_delay_ms),
            ),
            max_restart_attempts: self.max_restart_attempts,
            max_concurrent_emits: Some(self.max_concurrent_emits.max(1)),
        }
    }

    /// The source it describes, its https and wss trusting `roots`; an error says what is
    /// wrong with the spec.
    pub fn build(
        &self,
        roots: &TrustedRoots,
    ) -> std::result::Result<Arc<dyn SourceProvider>, String> {
        match self.source_type.as_str() {
            "sse" => Ok(Arc::new(SseSource::new(
                &self.channel_id,
                &self.url,
                parse_headers(&self.headers)?,
                self.last_event_id.clone(),
                roots,
            )?)),
            "websocket" if self.last_event_id.is_some() => {
                Err("last_event_id applies to sse sources only".to_owned())
            }
            "websocket" => Ok(Arc::new(WebSocketSource::new(
                &self.channel_id,
                &self.url,
                parse_headers(&self.headers)?,
                roots,
            )?)),
            other => Err(format!(
                "unknown source type {other:?} (known: {})",
                SOURCE_TYPES.join(", ")
            )),
        }
    }

    /// Builds the source and attaches it to its channel in `kit`.
    pub async fn attach(&self, kit: &RoomKit, roots: &TrustedRoots) -> Result<()> {
        let source = self
            .build(roots)
            .map_err(|message| ApiError::invalid("invalid_source", message))?;
        kit.attach_source(&self.channel_id, source, self.options())
            .await?;
        Ok(())
    }
}

/// An attached source as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SourceInfo {
    /// The channel it feeds.
    pub channel_id: String,
    /// What it connects to, e.g. `sse:https://…` or `websocket:wss://…`.
    pub name: String,
    /// Its status, counters and last error.
    #[serde(flatten)]
    pub health: SourceHealth,
}

fn no_source(channel_id: &str) -> ApiError {
    ApiError::not_found(
        "source_not_found",
        format!("channel {channel_id:?} has no source attached"),
    )
}

impl SourceInfo {
    fn new(channel_id: String, (name, health): (String, SourceHealth)) -> Self {
        SourceInfo {
            channel_id,
            name,
            health,
        }
    }
}

fn info(kit: &RoomKit, channel_id: &str) -> Result<SourceInfo> {
    let info = kit
        .source_info(channel_id)
        .ok_or_else(|| no_source(channel_id))?;
    Ok(SourceInfo::new(channel_id.to_owned(), info))
}

/// Every attached source.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SourceList {
    sources: Vec<SourceInfo>,
}

/// `GET /v1/sources`: every attached source, by channel id.
#[utoipa::path(
    get, path = "/v1/sources", tag = "sources", operation_id = "list_sources",
    summary = "List attached event-driven sources",
    responses((status = OK, description = "The sources, by channel id", body = SourceList)),
)]
pub(crate) async fn list(State(state): State<ApiState>) -> Result<Json<SourceList>> {
    let sources = state
        .kit()
        .source_infos()
        .into_iter()
        .map(|(channel_id, info)| SourceInfo::new(channel_id, info))
        .collect();
    Ok(Json(SourceList { sources }))
}

/// `POST /v1/sources`
///
/// Attaches a source to a registered channel and starts it. Types `sse` (Server-Sent Events)
/// and `websocket` (a WebSocket client) are built in. The kit supervises the source: restarts
/// with exponential backoff, gives up after `max_restart_attempts`.
#[utoipa::path(
    post, path = "/v1/sources", tag = "sources", operation_id = "attach_source",
    summary = "Attach an event-driven source to a registered channel",
    request_body = SourceSpec,
    responses(
        (status = CREATED, description = "Attached", body = SourceInfo),
        (status = NOT_FOUND, description = "No such channel is registered (`channel_not_found`)", body = ErrorBody),
        (status = CONFLICT, description = "The channel has a source already (`source_exists`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An unknown type, a URL of the wrong scheme, a bad header, `last_event_id` on a websocket source (`invalid_source`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The host is shutting down (`shutting_down`)", body = ErrorBody),
    ),
)]
pub(crate) async fn attach(
    State(state): State<ApiState>,
    JsonBody(spec): JsonBody<SourceSpec>,
) -> Result<(StatusCode, Json<SourceInfo>)> {
    spec.attach(state.kit(), &state.config().trusted_roots)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(info(state.kit(), &spec.channel_id)?),
    ))
}

/// `GET /v1/sources/{channel_id}`: a source's status and counters.
#[utoipa::path(
    get, path = "/v1/sources/{channel_id}", tag = "sources", operation_id = "get_source",
    summary = "A source's status and counters",
    params(("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = OK, description = "The source", body = SourceInfo),
        (status = NOT_FOUND, description = "No source on this channel (`source_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path(channel_id): Path<String>,
) -> Result<Json<SourceInfo>> {
    Ok(Json(info(state.kit(), &channel_id)?))
}

/// `DELETE /v1/sources/{channel_id}`: stops and detaches a source.
#[utoipa::path(
    delete, path = "/v1/sources/{channel_id}", tag = "sources", operation_id = "detach_source",
    summary = "Stop and detach a source",
    params(("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = NO_CONTENT, description = "Detached"),
        (status = NOT_FOUND, description = "No source on this channel (`source_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn detach(
    State(state): State<ApiState>,
    Path(channel_id): Path<String>,
) -> Result<StatusCode> {
    if state.kit().detach_source(&channel_id).await {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_source(&channel_id))
    }
}
