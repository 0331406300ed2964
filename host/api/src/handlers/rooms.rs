//! Rooms: create, read, list with filters, close, archive, pause, resume, timers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_kit::RoomOptions;
use roomkit_model::{AgentResponsePolicy, Metadata, Room, RoomStatus, RoomTimers};
use roomkit_store::RoomFilter;
use serde::{Deserialize, Serialize};

use crate::extract::{JsonBody, QueryParams};
use crate::{ApiError, ApiState, Result};

/// The largest page of rooms.
pub(crate) const MAX_ROOMS_PAGE: usize = 1000;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateRoom {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    timers: Timers,
    #[serde(default)]
    agent_response_policy: AgentResponsePolicy,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Timers {
    #[serde(default)]
    inactive_after_seconds: Option<u64>,
    #[serde(default)]
    closed_after_seconds: Option<u64>,
}

/// `POST /v1/rooms`: creates a room (an existing id is 409 `room_exists`).
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
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().get_room(&room_id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<RoomStatus>,
    organization_id: Option<String>,
    channel_id: Option<String>,
    participant_id: Option<String>,
    metadata_key: Option<String>,
    /// JSON (`"vip"`, `true`, `3`); a bare word is a string.
    metadata_value: Option<String>,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
pub(crate) struct RoomList {
    rooms: Vec<Room>,
}

/// `GET /v1/rooms`: rooms in creation order, filtered by `status`, `organization_id`,
/// `channel_id`, `participant_id`, `metadata_key`+`metadata_value`; paged by `offset`, `limit`.
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
pub(crate) async fn close(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().close_room(&room_id).await?))
}

/// `POST /v1/rooms/{room_id}/archive`: archives the room.
pub(crate) async fn archive(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().archive_room(&room_id).await?))
}

/// `POST /v1/rooms/{room_id}/pause`: pauses an active room.
pub(crate) async fn pause(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().pause_room(&room_id).await?))
}

/// `POST /v1/rooms/{room_id}/resume`: resumes a paused room.
pub(crate) async fn resume(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
) -> Result<Json<Room>> {
    Ok(Json(state.kit().resume_room(&room_id).await?))
}

/// `PUT /v1/rooms/{room_id}/timers`: sets (or with `null`, clears) the inactivity timers.
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

#[derive(Debug, Serialize)]
pub(crate) struct TimerCheck {
    changed: Vec<Room>,
}

/// `POST /v1/timers/check`: applies due timer transitions to every room now; returns the rooms
/// that changed.
pub(crate) async fn check_timers(State(state): State<ApiState>) -> Result<Json<TimerCheck>> {
    Ok(Json(TimerCheck {
        changed: state.kit().check_all_timers().await?,
    }))
}
