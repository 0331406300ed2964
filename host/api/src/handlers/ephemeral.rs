//! Ephemeral events over REST: typing, presence and read receipts, published to the room's
//! realtime subscribers (WebSocket clients) and never stored.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_model::{EphemeralEventType, Metadata};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::extract::JsonBody;
use crate::{ApiError, ApiState, Result};

/// Someone starts or stops typing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Typing {
    /// Who types.
    user_id: String,
    /// `true` for `typing_start`, `false` for `typing_stop`.
    #[serde(default = "yes")]
    #[schema(default = true)]
    typing: bool,
    /// The channel they type on.
    #[serde(default)]
    channel_id: Option<String>,
}

fn yes() -> bool {
    true
}

/// `POST /v1/rooms/{room_id}/typing`: `typing_start` (or `typing_stop` with `"typing": false`).
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/typing", tag = "ephemeral", operation_id = "publish_typing",
    summary = "Publish typing",
    params(("room_id" = String, Path, description = "Room id")),
    request_body = Typing,
    responses(
        (status = ACCEPTED, description = "Published to the room's realtime subscribers; nothing is stored"),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "A `user_id` that is empty, longer than 256 bytes or holds control characters (`validation_failed`)", body = ErrorBody),
    ),
)]
pub(crate) async fn typing(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<Typing>,
) -> Result<StatusCode> {
    roomkit_model::validate_id("user_id", &body.user_id)?;
    state.kit().get_room(&room_id).await?;
    let kind = if body.typing {
        EphemeralEventType::TypingStart
    } else {
        EphemeralEventType::TypingStop
    };
    state
        .kit()
        .publish_ephemeral(
            &room_id,
            kind,
            &body.user_id,
            body.channel_id.as_deref(),
            Metadata::new(),
        )
        .await;
    Ok(StatusCode::ACCEPTED)
}

/// Someone's presence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Presence {
    /// Whose presence.
    user_id: String,
    /// `online`, `away` or `offline`.
    #[schema(examples("online", "away", "offline"))]
    status: String,
    /// The channel they are present on.
    #[serde(default)]
    channel_id: Option<String>,
}

/// `POST /v1/rooms/{room_id}/presence`: `online`, `away` or `offline` (anything else is 422).
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/presence", tag = "ephemeral", operation_id = "publish_presence",
    summary = "Publish presence",
    params(("room_id" = String, Path, description = "Room id")),
    request_body = Presence,
    responses(
        (status = ACCEPTED, description = "Published to the room's realtime subscribers; nothing is stored"),
        (status = NOT_FOUND, description = "No such room (`room_not_found`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "A status other than `online`, `away` or `offline`, or an invalid `user_id` (`validation_failed`)", body = ErrorBody),
    ),
)]
pub(crate) async fn presence(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<Presence>,
) -> Result<StatusCode> {
    roomkit_model::validate_id("user_id", &body.user_id)?;
    state.kit().get_room(&room_id).await?;
    let kind = match body.status.as_str() {
        "online" => EphemeralEventType::PresenceOnline,
        "away" => EphemeralEventType::PresenceAway,
        "offline" => EphemeralEventType::PresenceOffline,
        other => {
            return Err(ApiError::invalid(
                "validation_failed",
                format!("presence status must be online, away or offline (got {other:?})"),
            ));
        }
    };
    state
        .kit()
        .publish_ephemeral(
            &room_id,
            kind,
            &body.user_id,
            body.channel_id.as_deref(),
            Metadata::new(),
        )
        .await;
    Ok(StatusCode::ACCEPTED)
}

/// Someone read up to an event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadReceipt {
    /// Who read.
    user_id: String,
    /// The newest event of the room they read.
    event_id: String,
    /// The channel they read on.
    #[serde(default)]
    channel_id: Option<String>,
}

/// `POST /v1/rooms/{room_id}/read-receipts`
///
/// Tells the room that a user read up to an event of it (404 `event_not_found` otherwise). Read
/// markers are `.../bindings/{channel_id}/read`.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/read-receipts", tag = "ephemeral", operation_id = "publish_read_receipt",
    summary = "Publish a read receipt",
    params(("room_id" = String, Path, description = "Room id")),
    request_body = ReadReceipt,
    responses(
        (status = ACCEPTED, description = "Published to the room's realtime subscribers; nothing is stored"),
        (status = NOT_FOUND, description = "No such room, or no such event in it (`room_not_found`, `event_not_found`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "A `user_id` that is empty, longer than 256 bytes or holds control characters (`validation_failed`)", body = ErrorBody),
    ),
)]
pub(crate) async fn read_receipt(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<ReadReceipt>,
) -> Result<StatusCode> {
    roomkit_model::validate_id("user_id", &body.user_id)?;
    state.kit().get_room(&room_id).await?;
    let event = state
        .kit()
        .store()
        .get_event(&body.event_id)
        .await?
        .filter(|e| e.room_id == room_id)
        .ok_or_else(|| {
            ApiError::not_found(
                "event_not_found",
                format!("no event {:?} in room {room_id:?}", body.event_id),
            )
        })?;
    let mut data = Metadata::new();
    data.insert("event_id".into(), event.id.into());
    data.insert("index".into(), event.index.into());
    state
        .kit()
        .publish_ephemeral(
            &room_id,
            EphemeralEventType::ReadReceipt,
            &body.user_id,
            body.channel_id.as_deref(),
            data,
        )
        .await;
    Ok(StatusCode::ACCEPTED)
}
