//! Messages in and events out: inbound messages, send event, the timeline with paging, one event.

use axum::Json;
use axum::extract::{Path, State};
use roomkit_kit::{InboundMessage, InboundResult, SendOptions};
use roomkit_model::{Content, EventType, Metadata, RoomEvent, Visibility};
use roomkit_store::{EventQuery, VisibleTo};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ErrorBody;
use crate::extract::{JsonBody, QueryParams};
use crate::{ApiError, ApiState, Result};

/// The largest page of the timeline.
pub(crate) const MAX_EVENTS_PAGE: usize = 500;

/// `POST /v1/inbound`
///
/// A message arriving on a channel, routed like any inbound message: `room_id` names the room,
/// which is created if missing; without it the inbound router decides. Blocked messages are
/// `200` with `"blocked": true`; an unknown channel is 404. With `?wait=commit` the answer
/// comes once the event is stored (`"delivery_pending": true`), and delivery and AI answers go
/// on after it.
#[utoipa::path(
    post, path = "/v1/inbound", tag = "messages", operation_id = "process_inbound",
    summary = "Process an inbound message",
    params(InboundQuery),
    request_body = InboundMessage,
    responses(
        (status = OK, description = "What the pipeline did (blocked messages too)", body = InboundResult),
        (status = NOT_FOUND, description = "The channel is not registered (`channel_not_found`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An id, content or visibility the model refuses (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
pub(crate) async fn inbound(
    State(state): State<ApiState>,
    QueryParams(query): QueryParams<InboundQuery>,
    JsonBody(message): JsonBody<InboundMessage>,
) -> Result<Json<InboundResult>> {
    let result = match query.wait {
        Wait::Delivery => state.kit().process_inbound(message).await?,
        Wait::Commit => state.kit().process_inbound_until_commit(message).await?,
    };
    Ok(Json(result))
}

/// How long `POST /v1/inbound` waits.
#[derive(Debug, Default, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Wait {
    /// Until the event and the answers it provokes are delivered (the default).
    #[default]
    Delivery,
    /// Until the event is stored; delivery goes on after the answer.
    Commit,
}

/// The query of `POST /v1/inbound`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct InboundQuery {
    /// `delivery` (default) or `commit`.
    #[serde(default)]
    #[param(inline)]
    wait: Wait,
}

/// `POST /v1/rooms/{room_id}/messages`
///
/// An inbound message into an existing room (404 if it does not exist). The body is the one of
/// `/v1/inbound`; a `room_id` in it must match.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/messages", tag = "messages", operation_id = "post_room_message",
    summary = "Process an inbound message into an existing room",
    params(("room_id" = String, Path, description = "Room id")),
    request_body = InboundMessage,
    responses(
        (status = OK, description = "What the pipeline did (blocked messages too)", body = InboundResult),
        (status = NOT_FOUND, description = "No such room, or the channel is not registered (`room_not_found`, `channel_not_found`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "The body's `room_id` differs from the path's (`room_mismatch`); an id, content or visibility the model refuses (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
pub(crate) async fn room_message(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    JsonBody(message): JsonBody<InboundMessage>,
) -> Result<Json<InboundResult>> {
    if message.room_id.as_ref().is_some_and(|id| *id != room_id) {
        return Err(ApiError::invalid(
            "room_mismatch",
            "the body's room_id differs from the path's",
        ));
    }
    state.kit().get_room(&room_id).await?;
    let message = message.in_room(room_id);
    Ok(Json(state.kit().process_inbound(message).await?))
}

/// An event a channel attached to the room sends into it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendEvent {
    /// The attached channel it comes from.
    channel_id: String,
    /// What it carries.
    content: Content,
    /// The event type (default `message`; edits and deletes are recognised from their content).
    #[serde(default)]
    event_type: Option<EventType>,
    /// Who may see it (default all).
    #[serde(default)]
    visibility: Option<Visibility>,
    /// Channel or participant ids it is addressed to.
    #[serde(default)]
    addressed_to: Option<Vec<String>>,
    /// The thread root, when in a thread.
    #[serde(default)]
    parent_event_id: Option<String>,
    /// Deduplication key, unique per (room, channel).
    #[serde(default)]
    idempotency_key: Option<String>,
    /// The participant who sends it.
    #[serde(default)]
    participant_id: Option<String>,
    /// How many responders deep in a chain of answers.
    #[serde(default)]
    chain_depth: u32,
    /// Free-form data copied to the event.
    #[serde(default)]
    #[schema(value_type = Object)]
    metadata: Metadata,
    /// Who may see the answers it provokes.
    #[serde(default)]
    response_visibility: Option<Visibility>,
    /// The provider that carried it.
    #[serde(default)]
    provider: Option<String>,
}

/// `POST /v1/rooms/{room_id}/events`
///
/// Sends an event from a channel attached to the room (an agent's reply, a system notice): the
/// pipeline without routing or identity resolution.
#[utoipa::path(
    post, path = "/v1/rooms/{room_id}/events", tag = "messages", operation_id = "send_event",
    summary = "Send an event from an attached channel",
    params(("room_id" = String, Path, description = "Room id")),
    request_body = SendEvent,
    responses(
        (status = OK, description = "What the pipeline did (blocked events too)", body = InboundResult),
        (status = NOT_FOUND, description = "No such room, or the channel is not registered (`room_not_found`, `channel_not_found`); a channel that is not attached to the room is answered 200, blocked `source_unbound`", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An id, content or visibility the model refuses (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
pub(crate) async fn send(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    JsonBody(body): JsonBody<SendEvent>,
) -> Result<Json<InboundResult>> {
    let options = SendOptions {
        event_type: body.event_type,
        visibility: body.visibility,
        addressed_to: body.addressed_to,
        parent_event_id: body.parent_event_id,
        idempotency_key: body.idempotency_key,
        participant_id: body.participant_id,
        chain_depth: body.chain_depth,
        metadata: body.metadata,
        response_visibility: body.response_visibility,
        provider: body.provider,
    };
    Ok(Json(
        state
            .kit()
            .send_event(&room_id, &body.channel_id, body.content, options)
            .await?,
    ))
}

/// Oldest (`asc`) or newest (`desc`) first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Order {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct TimelineQuery {
    /// Skip this many matching events.
    #[serde(default)]
    #[param(default = 0)]
    offset: usize,
    /// At most this many events.
    #[param(minimum = 1, maximum = 500, default = 50)]
    limit: Option<usize>,
    /// Only events with a higher index.
    after: Option<u64>,
    /// Only events with a lower index.
    before: Option<u64>,
    /// Oldest or newest first (default `asc`).
    #[serde(default)]
    #[param(inline)]
    order: Order,
    /// Include blocked events.
    #[serde(default)]
    #[param(default = false)]
    include_blocked: bool,
    /// Only events this channel may see.
    visible_to: Option<String>,
}

/// A page of the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Timeline {
    events: Vec<RoomEvent>,
    /// More events match beyond this page.
    has_more: bool,
}

/// `GET /v1/rooms/{room_id}/events`
///
/// The timeline, oldest first (`order=desc` for newest first), blocked events left out unless
/// `include_blocked=true`. Page with `offset`/`limit` (default 50, at most 500) or with
/// `after`/`before` (exclusive indexes).
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/events", tag = "messages", operation_id = "get_timeline",
    summary = "The timeline",
    params(("room_id" = String, Path, description = "Room id"), TimelineQuery),
    responses(
        (status = OK, description = "A page of events", body = Timeline),
        (status = NOT_FOUND, description = "No such room, or `visible_to` names no registered channel (`room_not_found`, `channel_not_found`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "`limit` out of range (`invalid_query`)", body = ErrorBody),
    ),
)]
pub(crate) async fn timeline(
    State(state): State<ApiState>,
    Path(room_id): Path<String>,
    QueryParams(q): QueryParams<TimelineQuery>,
) -> Result<Json<Timeline>> {
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_EVENTS_PAGE {
        return Err(ApiError::invalid(
            "invalid_query",
            format!("limit must be between 1 and {MAX_EVENTS_PAGE}"),
        ));
    }
    let kit = state.kit();
    kit.get_room(&room_id).await?;
    let visible_to = match q.visible_to {
        Some(channel_id) => {
            let channel = kit
                .get_channel(&channel_id)
                .ok_or_else(|| roomkit_kit::Error::ChannelNotRegistered(channel_id.clone()))?;
            Some(VisibleTo {
                category: channel.category(),
                channel_id,
            })
        }
        None => None,
    };
    let query = EventQuery {
        after_index: q.after,
        before_index: q.before,
        offset: q.offset,
        limit: limit + 1,
        newest_first: q.order == Order::Desc,
        include_blocked: q.include_blocked,
        visible_to,
    };
    let mut events = kit.get_timeline(&room_id, &query).await?;
    let has_more = events.len() > limit;
    events.truncate(limit);
    Ok(Json(Timeline { events, has_more }))
}

/// `GET /v1/rooms/{room_id}/events/{event_id}`: one event of the room (blocked ones too).
#[utoipa::path(
    get, path = "/v1/rooms/{room_id}/events/{event_id}", tag = "messages", operation_id = "get_event",
    summary = "Get one event of a room",
    params(("room_id" = String, Path, description = "Room id"), ("event_id" = String, Path, description = "Event id")),
    responses(
        (status = OK, description = "The event", body = RoomEvent),
        (status = NOT_FOUND, description = "No such room, or no such event in it (`room_not_found`, `event_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path((room_id, event_id)): Path<(String, String)>,
) -> Result<Json<RoomEvent>> {
    state.kit().get_room(&room_id).await?;
    state
        .kit()
        .store()
        .get_event(&event_id)
        .await?
        .filter(|event| event.room_id == room_id)
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(
                "event_not_found",
                format!("no event {event_id:?} in room {room_id:?}"),
            )
        })
}
