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

use crate::extract::JsonBody;
use crate::{ApiError, ApiState, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Attach {
    channel_id: String,
    #[serde(default)]
    category: Option<ChannelCategory>,
    #[serde(default)]
    direction: ChannelDirection,
    #[serde(default)]
    access: Access,
    #[serde(default)]
    muted: bool,
    #[serde(default)]
    visibility: Visibility,
    #[serde(default)]
    participant_id: Option<String>,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    capabilities: Option<ChannelCapabilities>,
    #[serde(default)]
    rate_limit: Option<RateLimit>,
    #[serde(default)]
    retry_policy: Option<RetryPolicy>,
}

#[derive(Debug, Serialize)]
pub(crate) struct BindingList {
    bindings: Vec<ChannelBinding>,
}

/// `GET /v1/rooms/{room_id}/bindings`: the channels attached to the room.
pub(crate) async fn list(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<BindingList>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(BindingList {
        bindings: state.kit().list_bindings(&room_id).await?,
    }))
}

/// `POST /v1/rooms/{room_id}/bindings`: attaches a registered channel (409 `binding_exists` if
/// it is attached already; change it with the routes below).
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
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(state.kit().get_binding(&room_id, &channel_id).await?))
}

/// `DELETE /v1/rooms/{room_id}/bindings/{channel_id}`: detaches the channel; its messages naming
/// this room are then blocked `source_unbound`.
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
pub(crate) async fn mute(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(state.kit().mute(&room_id, &channel_id).await?))
}

/// `POST /v1/rooms/{room_id}/bindings/{channel_id}/unmute`.
pub(crate) async fn unmute(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<Json<ChannelBinding>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(state.kit().unmute(&room_id, &channel_id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetAccess {
    access: Access,
}

/// `PUT /v1/rooms/{room_id}/bindings/{channel_id}/access`: `read_write`, `read_only`,
/// `write_only` or `none`.
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetVisibility {
    visibility: Visibility,
}

/// `PUT /v1/rooms/{room_id}/bindings/{channel_id}/visibility`: a keyword or a comma list of
/// channel ids (`internal` is 422).
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetMetadata {
    metadata: Metadata,
}

/// `PUT /v1/rooms/{room_id}/bindings/{channel_id}/metadata`: replaces the binding's metadata.
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

#[derive(Debug, Serialize)]
pub(crate) struct ReadState {
    room_id: String,
    channel_id: String,
    last_read_index: Option<u64>,
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
pub(crate) async fn get_read(
    State(state): State<ApiState>,
    Path((room_id, channel_id)): Path<(String, String)>,
) -> Result<Json<ReadState>> {
    state.kit().get_room(&room_id).await?;
    Ok(Json(read_state(&state, room_id, channel_id).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarkRead {
    #[serde(default)]
    event_id: Option<String>,
}

/// `POST /v1/rooms/{room_id}/bindings/{channel_id}/read`: raises the read marker to an event
/// (`{"event_id": ...}`) or to the newest event (`{}`); it never moves back.
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
