//! Channels in rooms: attach, detach, mute, unmute, access, visibility, metadata, and the
//! channel's read marker and unread count.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_kit::AttachOptions;
use roomkit_model::{
    Access, ChannelBinding, ChannelCapabilities, ChannelCategory, ChannelDirection, Metadata,
    RateLimit, RetryPolicy, Visibility,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::extract::JsonBody;
use crate::{ApiError, ApiState, Result};

/// How to attach a registered channel to a room.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Attach {
    /// The registered channel.
    channel_id: String,
    /// Transport or intelligence (default: the channel's own).
    #[serde(default)]
    category: Option<ChannelCategory>,
    /// Which way messages flow (default `bidirectional`).
    #[serde(default)]
    direction: ChannelDirection,
    /// What the channel may do in this room (default `read_write`).
    #[serde(default)]
    access: Access,
    /// Attach muted: it receives, but what it sends is blocked.
    #[serde(default)]
    muted: bool,
    /// What the channel lets through (default `all`; `internal` is refused).
    #[serde(default)]
    visibility: Visibility,
    /// The correspondent this binding talks to (e.g. the phone number an SMS channel sends to).
    #[serde(default)]
    participant_id: Option<String>,
    /// Addresses and settings (phone_number, email_address, recipient_id, …).
    #[serde(default)]
    #[schema(value_type = Object)]
    metadata: Metadata,
    /// What it renders in this room (default: the channel's own).
    #[serde(default)]
    capabilities: Option<ChannelCapabilities>,
    /// Outbound rate limit (default none).
    #[serde(default)]
    rate_limit: Option<RateLimit>,
    /// Retries of failed deliveries (default: the kit's).
    #[serde(default)]
    retry_policy: Option<RetryPolicy>,
}

/// The channels attached to a room.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BindingList {
    bindings: Vec<ChannelBinding>,
}

/// `GET /v1/rooms/{room_id}/bindings`: the channels attached to the room.
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/bindings", tag = "bindings", operation_id = "list_bindings",
    summary = "List the channels attached to a room",
    params(("room_id" = String, Path, description = "Room id")),
    responses(
        (status = OK, description = "The bindings", body = BindingList),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn list(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<BindingList>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(BindingList {
        bindings: state.kit().list_bindings(&room_id).await?,
    }))
}

/// `POST /v1/rooms/{room_id}/bindings`
///
/// Attaches a registered channel (409 `binding_exists` if it is attached already; change it
/// with the routes below).
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/bindings", tag = "bindings", operation_id = "attach_channel",
    summary = "Attach a registered channel",
    params(("room_id" = String, Path, description = "Room id")),
    request_body = Attach,
    responses(
        (status = CREATED, description = "Attached", body = ChannelBinding),
        (status = NOT_FOUND, description = "No such room, or no such channel registered (`room_not_found`, `channel_not_found`)", body = ErrorBody),
        (status = CONFLICT, description = "The channel is attached already (`binding_exists`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "`internal` visibility or a `max_length` below 4 (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "The host is shutting down (`shutting_down`)", body = ErrorBody),
    ),
)]
pub(crate) async fn attach(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<Attach>,
) -> Result<(StatusCode, Json<ChannelBinding>)> {
    let kit = state.kit();
    kit.get_room(&room_id).await?;
    if kit.get_channel(&body.channel_id).is_none() {
        return Err(roomkit_kit::Error::ChannelNotRegistered(body.channel_id).into());
    }
    if kit.get_binding(&room_id, &body.channel_id).await.is_ok() {
        return Err(ApiError::conflict(
            "binding_exists",
            format!(
                "channel {:?} is attached to room {room_id:?} already",
                body.channel_id
            ),
        ));
    }
    let options = AttachOptions {
        category: body.category,
        direction: body.direction,
        access: body.access,
        muted: body.muted,
        visibility: body.visibility,
        participant_id: body.participant_id,
        metadata: body.metadata,
        capabilities: body.capabilities,
        rate_limit: body.rate_limit,
        retry_policy: body.retry_policy,
    };
    let binding = kit
        .attach_channel(&room_id, &body.channel_id, options)
        .await?;
    Ok((StatusCode::CREATED, Json(binding)))
}

/// `GET /v1/rooms/{room_id}/bindings/{channel_id}`: one binding.
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/bindings/{channel_id}", tag = "bindings", operation_id = "get_binding",
    summary = "Get a binding",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = OK, description = "The binding", body = ChannelBinding),
        (status = NOT_FOUND, description = "No such room, or the channel is not attached to it (`room_not_found`, `binding_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(state.kit().get_binding(&room_id, &channel_id).await?))
}

/// `DELETE /v1/rooms/{room_id}/bindings/{channel_id}`: detaches the channel; its messages naming
/// this room are then blocked `source_unbound`.
#[utoipa::path(
    delete, path = "/v1/rooms/{room_id}/bindings/{channel_id}", tag = "bindings", operation_id = "detach_channel",
    summary = "Detach a channel",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = NO_CONTENT, description = "Detached"),
        (status = NOT_FOUND, description = "No such room, or the channel is not attached to it (`room_not_found`, `binding_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn detach(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    state.kit().get_room(&room_id).await?;
    state.kit().detach_channel(&room_id, &channel_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/rooms/{room_id}/bindings/{channel_id}/mute`: the channel still receives; what it
/// sends is stored blocked `source_muted`.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/bindings/{channel_id}/mute", tag = "bindings", operation_id = "mute_channel",
    summary = "Mute a channel (it still receives)",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = OK, description = "The binding", body = ChannelBinding),
        (status = NOT_FOUND, description = "No such room, or the channel is not attached to it (`room_not_found`, `binding_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn mute(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(state.kit().mute(&room_id, &channel_id).await?))
}

/// `POST /v1/rooms/{room_id}/bindings/{channel_id}/unmute`.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/bindings/{channel_id}/unmute", tag = "bindings", operation_id = "unmute_channel",
    summary = "Unmute a channel",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = OK, description = "The binding", body = ChannelBinding),
        (status = NOT_FOUND, description = "No such room, or the channel is not attached to it (`room_not_found`, `binding_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn unmute(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(state.kit().unmute(&room_id, &channel_id).await?))
}

/// A binding's new access.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetAccess {
    access: Access,
}

/// `PUT /v1/rooms/{room_id}/bindings/{channel_id}/access`: `read_write`, `read_only`,
/// `write_only` or `none`.
#[utoipa::path(
    put, path = "/v1/rooms/{room_id}/bindings/{channel_id}/access", tag = "bindings", operation_id = "set_binding_access",
    summary = "Set access",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    request_body = SetAccess,
    responses(
        (status = OK, description = "The binding", body = ChannelBinding),
        (status = NOT_FOUND, description = "No such room, or the channel is not attached to it (`room_not_found`, `binding_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn set_access(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<SetAccess>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(
        state
            .kit()
            .set_access(&room_id, &channel_id, body.access)
            .await?,
    ))
}

/// A binding's new visibility.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetVisibility {
    visibility: Visibility,
}

/// `PUT /v1/rooms/{room_id}/bindings/{channel_id}/visibility`: a keyword or a comma list of
/// channel ids (`internal` is 422).
#[utoipa::path(
    put, path = "/v1/rooms/{room_id}/bindings/{channel_id}/visibility", tag = "bindings", operation_id = "set_binding_visibility",
    summary = "Set visibility",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    request_body = SetVisibility,
    responses(
        (status = OK, description = "The binding", body = ChannelBinding),
        (status = NOT_FOUND, description = "No such room, or the channel is not attached to it (`room_not_found`, `binding_not_found`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "`internal` visibility (`validation_failed`)", body = ErrorBody),
    ),
)]
pub(crate) async fn set_visibility(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<SetVisibility>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(
        state
            .kit()
            .set_visibility(&room_id, &channel_id, body.visibility)
            .await?,
    ))
}

/// A binding's new metadata, replacing the old.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetMetadata {
    #[schema(value_type = Object)]
    metadata: Metadata,
}

/// `PUT /v1/rooms/{room_id}/bindings/{channel_id}/metadata`: replaces the binding's metadata.
#[utoipa::path(
    put, path = "/v1/rooms/{room_id}/bindings/{channel_id}/metadata", tag = "bindings", operation_id = "set_binding_metadata",
    summary = "Replace a binding's metadata",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    request_body = SetMetadata,
    responses(
        (status = OK, description = "The binding", body = ChannelBinding),
        (status = NOT_FOUND, description = "No such room, or the channel is not attached to it (`room_not_found`, `binding_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn set_metadata(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<SetMetadata>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(
        state
            .kit()
            .set_binding_metadata(&room_id, &channel_id, body.metadata)
            .await?,
    ))
}

/// A channel's read marker in a room.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReadState {
    /// The room.
    room_id: String,
    /// The channel.
    channel_id: String,
    /// Index of the newest event the channel has read; `null` before it read any.
    last_read_index: Option<u64>,
    /// How many events (not blocked) came after the marker.
    unread_count: u64,
}

async fn read_state(state: &ApiState, room_id: String, channel_id: String) -> Result<ReadState> {
    let binding = state.kit().get_binding(&room_id, &channel_id).await?;
    let unread_count = state.kit().unread_count(&room_id, &channel_id).await?;
    Ok(ReadState {
        room_id,
        channel_id,
        last_read_index: binding.last_read_index,
        unread_count,
    })
}

/// `GET /v1/rooms/{room_id}/bindings/{channel_id}/read`: the channel's read marker and how many
/// (not blocked) events came after it.
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/bindings/{channel_id}/read", tag = "bindings", operation_id = "get_read_state",
    summary = "Read marker and unread count",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    responses(
        (status = OK, description = "The read state", body = ReadState),
        (status = NOT_FOUND, description = "No such room, or the channel is not attached to it (`room_not_found`, `binding_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn get_read(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<Json<ReadState>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(read_state(&state, room_id, channel_id).await?))
}

/// Where to raise a read marker: to `event_id`, or with `{}` to the newest event.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarkRead {
    /// An event of the room.
    #[serde(default)]
    event_id: Option<String>,
}

/// `POST /v1/rooms/{room_id}/bindings/{channel_id}/read`
///
/// Raises the read marker to an event (`{"event_id": ...}`) or to the newest event (`{}`); it
/// never moves back.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/bindings/{channel_id}/read", tag = "bindings",
    operation_id = "mark_read", summary = "Raise the read marker",
    params(("room_id" = String, Path, description = "Room id"), ("channel_id" = String, Path, description = "Channel id")),
    request_body = MarkRead,
    responses(
        (status = OK, description = "The read state", body = ReadState),
        (status = NOT_FOUND, description = "No such room, binding or event (`room_not_found`, `binding_not_found`, `event_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn mark_read(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
    JsonBody(body): JsonBody<MarkRead>,
) -> Result<Json<ReadState>> {
    let kit = state.kit();
    kit.get_room(&room_id).await?;
    kit.get_binding(&room_id, &channel_id).await?;
    match body.event_id {
        Some(event_id) => {
            kit.mark_read(&room_id, &channel_id, &event_id).await?;
        }
        None => {
            kit.mark_all_read(&room_id, &channel_id).await?;
        }
    }
    Ok(Json(read_state(&state, room_id, channel_id).await?))
}
