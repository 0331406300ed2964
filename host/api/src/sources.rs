//! Event-driven sources (seed 002): list, inspect, attach at runtime and detach. The built-in
//! type is `sse` ([`SseSource`]); the host's configuration attaches its `[[sources]]` through
//! the same [`SourceSpec`].

pub mod sse;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_kit::{RoomKit, SourceHealth, SourceOptions, SourceProvider};
use serde::{Deserialize, Serialize};

use crate::extract::JsonBody;
use crate::{ApiError, ApiState, Result};
pub use sse::SseSource;

/// The source types the host implements.
pub const SOURCE_TYPES: &[&str] = &["sse"];

/// A source to attach to a registered channel, with how the kit supervises it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The channel its messages arrive on (registered already).
    pub channel_id: String,
    /// Its type: `sse`.
    #[serde(rename = "type")]
    pub source_type: String,
    /// What it connects to (`http://` or `https://`).
    pub url: String,
    /// Extra request headers (e.g. `Authorization`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Resume after this event id (sent as `Last-Event-ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_id: Option<String>,
    /// Restart after a failure (default true).
    #[serde(default = "yes")]
    pub auto_restart: bool,
    /// First delay before a restart, doubling per consecutive failure (default 5,000).
    #[serde(default = "default_restart_delay_ms")]
    pub restart_delay_ms: u64,
    /// Longest delay between restarts (default 300,000).
    #[serde(default = "default_max_restart_delay_ms")]
    pub max_restart_delay_ms: u64,
    /// Consecutive failures before giving up (default: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_restart_attempts: Option<u32>,
    /// Messages in the pipeline at once (default 10).
    #[serde(default = "default_max_concurrent_emits")]
    pub max_concurrent_emits: usize,
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

    /// The source it describes; an error says what is wrong with the spec.
    pub fn build(&self) -> std::result::Result<Arc<dyn SourceProvider>, String> {
        match self.source_type.as_str() {
            "sse" => Ok(Arc::new(SseSource::new(
                &self.channel_id,
                &self.url,
                self.headers.clone(),
                self.last_event_id.clone(),
            )?)),
            other => Err(format!(
                "unknown source type {other:?} (known: {})",
                SOURCE_TYPES.join(", ")
            )),
        }
    }

    /// Builds the source and attaches it to its channel in `kit`.
    pub async fn attach(&self, kit: &RoomKit) -> Result<()> {
        let source = self
            .build()
            .map_err(|message| ApiError::invalid("invalid_source", message))?;
        kit.attach_source(&self.channel_id, source, self.options())
            .await?;
        Ok(())
    }
}

/// An attached source as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceInfo {
    /// The channel it feeds.
    pub channel_id: String,
    /// What it connects to (`sse:URL`).
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

fn info(kit: &RoomKit, channel_id: &str) -> Result<SourceInfo> {
    let (name, health) = kit
        .source_info(channel_id)
        .ok_or_else(|| no_source(channel_id))?;
    Ok(SourceInfo {
        channel_id: channel_id.to_owned(),
        name,
        health,
    })
}

#[derive(Debug, Serialize)]
pub(crate) struct SourceList {
    sources: Vec<SourceInfo>,
}

/// `GET /v1/sources`: every attached source, by channel id.
pub(crate) async fn list(State(state): State<ApiState>) -> Result<Json<SourceList>> {
    let kit = state.kit();
    let sources = kit
        .list_sources()
        .keys()
        .filter_map(|channel_id| info(kit, channel_id).ok())
        .collect();
    Ok(Json(SourceList { sources }))
}

/// `POST /v1/sources`: attaches a source to a registered channel and starts it.
pub(crate) async fn attach(
    State(state): State<ApiState>,
    JsonBody(spec): JsonBody<SourceSpec>,
) -> Result<(StatusCode, Json<SourceInfo>)> {
    spec.attach(state.kit()).await?;
    Ok((
        StatusCode::CREATED,
        Json(info(state.kit(), &spec.channel_id)?),
    ))
}

/// `GET /v1/sources/{channel_id}`: a source's status and counters.
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path(channel_id): Path<String>,
) -> Result<Json<SourceInfo>> {
    Ok(Json(info(state.kit(), &channel_id)?))
}

/// `DELETE /v1/sources/{channel_id}`: stops and detaches a source.
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
