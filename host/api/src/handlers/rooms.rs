//! Rooms: create, read, list with filters, close, archive, pause, resume, timers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_kit::RoomOptions;
use roomkit_model::{AgentResponsePolicy, Metadata, Room, RoomStatus, RoomTimers};
use roomkit_store::RoomFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ErrorBody;
use crate::extract::{JsonBody, QueryParams};
use crate::{ApiError, ApiState, Result};

/// The largest page of rooms.
pub(crate) const MAX_ROOMS_PAGE: usize = 1000;

/// A room to create; every field is optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateRoom {
    /// Its id; a fresh one when absent (1-256 bytes, no control characters).
    #[serde(default)]
    id: Option<String>,
    /// The tenant it belongs to.
    #[serde(default)]
    organization_id: Option<String>,
    /// Free-form data.
    #[serde(default)]
    #[schema(value_type = Object)]
    metadata: Metadata,
    /// Inactivity timers (none by default).
    #[serde(default)]
    timers: Timers,
    /// Which agents answer (default `agent_chain`).
    #[serde(default)]
    agent_response_policy: AgentResponsePolicy,
}

/// A room's inactivity timers; `null` or absent clears one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Timers {
    /// Active → paused after this many seconds without activity.
    #[serde(default)]
    inactive_after_seconds: Option<u64>,
    /// Paused → closed after this many seconds.
    #[serde(default)]
    closed_after_seconds: Option<u64>,
}

/// `POST /v1/rooms`: creates a room (an existing id is 409 `room_exists`).
#[utoipa::path(
    post, path = "/v1/rooms", tag = "rooms", operation_id = "create_room",
    summary = "Create a room",
    request_body = CreateRoom,
    responses(
        (status = CREATED, description = "Created", body = Room),
        (status = CONFLICT, description = "A room with this id exists (`room_exists`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An id that is empty, longer than 256 bytes or holds control characters (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
pub(crate) async fn create(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody<CreateRoom>,
) -> Result<(StatusCode, Json<Room>)> {
    if body.id.as_deref().is_some_and(|id| id.trim().is_empty()) {
        return Err(ApiError::invalid(
            "validation_failed",
            "id must not be empty",
        ));
    }
    let room = state
        .kit()
        .create_room(RoomOptions {
            id: body.id,
            organization_id: body.organization_id,
            metadata: body.metadata,
            timers: RoomTimers {
                inactive_after_seconds: body.timers.inactive_after_seconds,
                closed_after_seconds: body.timers.closed_after_seconds,
                last_activity_at: None,
            },
            agent_response_policy: body.agent_response_policy,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(room)))
}

/// `GET /v1/rooms/{room_id}`: one room.
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}", tag = "rooms", operation_id = "get_room",
    summary = "Get a room",
    params(("room_id" = String, Path, description = "Room id")),
    responses(
        (status = OK, description = "The room", body = Room),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().get_room(&room_id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only rooms in this state.
    status: Option<RoomStatus>,
    /// Only rooms of this organisation.
    organization_id: Option<String>,
    /// Only rooms this channel is attached to.
    channel_id: Option<String>,
    /// Only rooms where this participant takes part.
    participant_id: Option<String>,
    /// With `metadata_value`: only rooms whose metadata has this key with that value.
    metadata_key: Option<String>,
    /// JSON (`"vip"`, `true`, `3`); a bare word is a string.
    metadata_value: Option<String>,
    /// Skip this many rooms.
    #[serde(default)]
    #[param(default = 0)]
    offset: usize,
    /// At most this many rooms.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<usize>,
}

/// A page of rooms.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RoomList {
    rooms: Vec<Room>,
}

/// `GET /v1/rooms`
///
/// Rooms in creation order, filtered by `status`, `organization_id`, `channel_id`,
/// `participant_id`, `metadata_key`+`metadata_value`; paged by `offset`, `limit`.
#[utoipa::path(
    get, path = "/v1/rooms", tag = "rooms", operation_id = "list_rooms",
    summary = "List rooms",
    params(ListQuery),
    responses(
        (status = OK, description = "The rooms", body = RoomList),
        (status = UNPROCESSABLE_ENTITY, description = "`limit` out of range, or only one of `metadata_key` and `metadata_value` (`invalid_query`)", body = ErrorBody),
    ),
)]
pub(crate) async fn list(
    State(state): State<ApiState>,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Json<RoomList>> {
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_ROOMS_PAGE {
        return Err(ApiError::invalid(
            "invalid_query",
            format!("limit must be between 1 and {MAX_ROOMS_PAGE}"),
        ));
    }
    let metadata = match (q.metadata_key, q.metadata_value) {
        (Some(key), Some(value)) => {
            let value = serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value));
            Some((key, value))
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid(
                "invalid_query",
                "metadata_key and metadata_value go together",
            ));
        }
    };
    let filter = RoomFilter {
        status: q.status,
        organization_id: q.organization_id,
        channel_id: q.channel_id,
        participant_id: q.participant_id,
        metadata,
        offset: q.offset,
        limit: Some(limit),
    };
    Ok(Json(RoomList {
        rooms: state.kit().list_rooms(&filter).await?,
    }))
}

/// `POST /v1/rooms/{room_id}/close`: closes the room (409 `invalid_transition` if archived).
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/close", tag = "rooms", operation_id = "close_room",
    summary = "Close a room (it refuses new events)",
    params(("room_id" = String, Path, description = "Room id")),
    responses(
        (status = OK, description = "The room", body = Room),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
        (status = CONFLICT, description = "An archived room cannot be closed (`invalid_transition`)", body = ErrorBody),
    ),
)]
pub(crate) async fn close(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().close_room(&room_id).await?))
}

/// `POST /v1/rooms/{room_id}/archive`: archives the room.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/archive", tag = "rooms", operation_id = "archive_room",
    summary = "Archive a room",
    params(("room_id" = String, Path, description = "Room id")),
    responses(
        (status = OK, description = "The room", body = Room),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn archive(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().archive_room(&room_id).await?))
}

/// `POST /v1/rooms/{room_id}/pause`: pauses an active room.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/pause", tag = "rooms", operation_id = "pause_room",
    summary = "Pause an active room",
    params(("room_id" = String, Path, description = "Room id")),
    responses(
        (status = OK, description = "The room", body = Room),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
        (status = CONFLICT, description = "A closed or archived room cannot be paused (`invalid_transition`)", body = ErrorBody),
    ),
)]
pub(crate) async fn pause(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().pause_room(&room_id).await?))
}

/// `POST /v1/rooms/{room_id}/resume`: resumes a paused room.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/resume", tag = "rooms", operation_id = "resume_room",
    summary = "Resume a paused room",
    params(("room_id" = String, Path, description = "Room id")),
    responses(
        (status = OK, description = "The room", body = Room),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
        (status = CONFLICT, description = "A closed or archived room cannot be resumed (`invalid_transition`)", body = ErrorBody),
    ),
)]
pub(crate) async fn resume(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().resume_room(&room_id).await?))
}

/// `PUT /v1/rooms/{room_id}/timers`: sets (or with `null`, clears) the inactivity timers.
#[utoipa::path(
    put, path = "/v1/rooms/{room_id}/timers", tag = "rooms", operation_id = "set_room_timers",
    summary = "Set or clear the inactivity timers",
    params(("room_id" = String, Path, description = "Room id")),
    request_body = Timers,
    responses(
        (status = OK, description = "The room", body = Room),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn set_timers(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    JsonBody(timers): JsonBody<Timers>,
) -> Result<Json<Room>> {
    Ok(Json(
        state
            .kit()
            .set_timers(
                &room_id,
                timers.inactive_after_seconds,
                timers.closed_after_seconds,
            )
            .await?,
    ))
}

/// The rooms a timer check changed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TimerCheck {
    changed: Vec<Room>,
}

/// `POST /v1/timers/check`: applies due timer transitions to every room now; returns the rooms
/// that changed.
#[utoipa::path(
    post, path = "/v1/timers/check", tag = "rooms", operation_id = "check_timers",
    summary = "Apply due timer transitions to every room now",
    responses((status = OK, description = "The rooms that changed", body = TimerCheck)),
)]
pub(crate) async fn check_timers(State(state): State<ApiState>) -> Result<Json<TimerCheck>> {
    Ok(Json(TimerCheck {
        changed: state.kit().check_all_timers().await?,
    }))
}
