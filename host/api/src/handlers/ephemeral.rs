//! Ephemeral events over REST: typing, presence and read receipts, published to the room's
//! realtime subscribers (WebSocket clients) and never stored.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_model::{EphemeralEventType, Metadata};
use serde::Deserialize;

use crate::extract::JsonBody;
use crate::{ApiError, ApiState, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Typing {
    user_id: String,
    #[serde(default = "yes")]
    typing: bool,
    #[serde(default)]
    channel_id: Option<String>,
}

fn yes() -> bool {
    true
}

/// `POST /v1/rooms/{room_id}/typing`: `typing_start` (or `typing_stop` with `"typing": false`).
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Presence {
    user_id: String,
    status: String,
    #[serde(default)]
    channel_id: Option<String>,
}

/// `POST /v1/rooms/{room_id}/presence`: `online`, `away` or `offline` (anything else is 422).
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadReceipt {
    user_id: String,
    event_id: String,
    #[serde(default)]
    channel_id: Option<String>,
}

/// `POST /v1/rooms/{room_id}/read-receipts`: tells the room that a user read up to an event of
/// it (404 `event_not_found` otherwise). Read markers are `.../bindings/{channel_id}/read`.
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
