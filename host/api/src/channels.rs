//! Registered channels: list, read, register at runtime, unregister. The built-in type is
//! `websocket`; every other type comes from the host's [`ChannelFactory`] (provider plugins).

use std::sync::Arc;

use async_trait::async_trait;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_kit::Channel;
use roomkit_model::{ChannelCapabilities, ChannelCategory, Metadata};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::extract::JsonBody;
use crate::{ApiError, ApiState, Result};

/// The channel type this crate implements itself.
pub const WEBSOCKET_CHANNEL_TYPE: &str = "websocket";

/// A channel to register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    /// Its id, unique in the host.
    pub id: String,
    /// Its type: `websocket`, or one the [`ChannelFactory`] knows.
    #[serde(rename = "type")]
    pub channel_type: String,
    /// What it renders (default: the type's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<ChannelCapabilities>,
    /// Settings for the provider (the plugin that sends, the sender number, …).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: Metadata,
}

/// Why a channel could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelFactoryError {
    /// No provider offers this type (422 `unknown_channel_type`).
    #[error("no provider offers channel type {0:?}")]
    UnknownType(String),
    /// The settings are wrong for the type (422 `invalid_channel_config`).
    #[error("{0}")]
    InvalidConfig(String),
    /// The provider failed to set it up (502 `provider_failed`).
    #[error("{0}")]
    Failed(String),
}

impl From<ChannelFactoryError> for ApiError {
    fn from(err: ChannelFactoryError) -> Self {
        match err {
            err @ ChannelFactoryError::UnknownType(_) => {
                ApiError::invalid("unknown_channel_type", err.to_string())
            }
            ChannelFactoryError::InvalidConfig(message) => {
                ApiError::invalid("invalid_channel_config", message)
            }
            ChannelFactoryError::Failed(message) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_failed", message)
            }
        }
    }
}

/// Makes channels of the types the host's providers offer. The host binary implements it over
/// its provider plugins.
#[async_trait]
pub trait ChannelFactory: Send + Sync {
    /// The types it can make (for documentation and errors).
    fn channel_types(&self) -> Vec<String>;
    /// A channel for the spec; the API registers it with the kit.
    async fn create(&self, spec: &ChannelSpec) -> Result<Arc<dyn Channel>, ChannelFactoryError>;
}

/// A factory for a host whose only channels are the built-in WebSocket ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoChannelTypes;

#[async_trait]
impl ChannelFactory for NoChannelTypes {
    fn channel_types(&self) -> Vec<String> {
        Vec::new()
    }

    async fn create(&self, spec: &ChannelSpec) -> Result<Arc<dyn Channel>, ChannelFactoryError> {
        Err(ChannelFactoryError::UnknownType(spec.channel_type.clone()))
    }
}

/// A registered channel as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChannelInfo {
    /// Its id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub channel_type: String,
    /// Transport or intelligence.
    pub category: ChannelCategory,
    /// What it renders.
    pub capabilities: ChannelCapabilities,
}

impl ChannelInfo {
    pub(crate) fn of(channel: &dyn Channel) -> Self {
        ChannelInfo {
            id: channel.id().to_owned(),
            channel_type: channel.channel_type().to_owned(),
            category: channel.category(),
            capabilities: channel.capabilities(),
        }
    }
}

/// Every registered channel.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChannelList {
    channels: Vec<ChannelInfo>,
}

/// `GET /v1/channels`: every registered channel, sorted by id.
#[utoipa::path(
    get, path = "/v1/channels", tag = "channels", operation_id = "list_channels",
    summary = "List registered channels",
    responses((status = OK, description = "The channels, sorted by id", body = ChannelList)),
)]
pub(crate) async fn list(State(state): State<ApiState>) -> Json<ChannelList> {
    let kit = state.kit();
    let channels = kit
        .channel_ids()
        .iter()
        .filter_map(|id| kit.get_channel(id))
        .map(|c| ChannelInfo::of(c.as_ref()))
        .collect();
    Json(ChannelList { channels })
}

/// `GET /v1/channels/{channel_id}`: one registered channel.
#[utoipa::path(
    get, path = "/v1/channels/{channel_id}", tag = "channels", operation_id = "get_channel",
    summary = "Get a registered channel",
    params(("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = OK, description = "The channel", body = ChannelInfo),
        (status = NOT_FOUND, description = "No such channel is registered (`channel_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path(channel_id): Path<String>,
) -> Result<Json<ChannelInfo>> {
    state
        .kit()
        .get_channel(&channel_id)
        .map(|c| Json(ChannelInfo::of(c.as_ref())))
        .ok_or_else(|| roomkit_kit::Error::ChannelNotRegistered(channel_id).into())
}

/// `POST /v1/channels`
///
/// Registers a channel at runtime; it is remembered across restarts. Type `websocket` is built
/// in; other types come from the host's provider plugins.
#[utoipa::path(
    post, path = "/v1/channels", tag = "channels", operation_id = "register_channel",
    summary = "Register a channel at runtime",
    request_body = ChannelSpec,
    responses(
        (status = CREATED, description = "Registered", body = ChannelInfo),
        (status = CONFLICT, description = "A channel with this id is registered (`channel_exists`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "No provider offers the type, or its settings are wrong for it (`unknown_channel_type`, `invalid_channel_config`, `validation_failed`)", body = ErrorBody),
        (status = BAD_GATEWAY, description = "The provider failed to set the channel up (`provider_failed`)", body = ErrorBody),
    ),
)]
pub(crate) async fn register(
    State(state): State<ApiState>,
    JsonBody(spec): JsonBody<ChannelSpec>,
) -> Result<(StatusCode, Json<ChannelInfo>)> {
    let info = state.register_runtime_channel(spec).await?;
    Ok((StatusCode::CREATED, Json(info)))
}

/// `DELETE /v1/channels/{channel_id}`
///
/// Unregisters a channel. Its bindings stay; deliveries to it are reported as unavailable
/// targets until a channel of that id is registered again.
#[utoipa::path(
    delete, path = "/v1/channels/{channel_id}", tag = "channels", operation_id = "unregister_channel",
    summary = "Unregister a channel",
    params(("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = NO_CONTENT, description = "Unregistered"),
        (status = NOT_FOUND, description = "No such channel is registered (`channel_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn unregister(
    State(state): State<ApiState>,
    Path(channel_id): Path<String>,
) -> Result<StatusCode> {
    if state.unregister_channel(&channel_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(roomkit_kit::Error::ChannelNotRegistered(channel_id).into())
    }
}
