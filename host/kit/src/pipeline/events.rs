//! Building events: from inbound messages, answers and depth-limit records; threads; the
//! edit and delete rules (SPEC §3).

use roomkit_model::{
    Content, DeleteType, Direction, EventSource, EventStatus, EventType, Metadata, RoomEvent,
};

use crate::channel::Response;
use crate::context::RoomContext;
use crate::kit::Inner;
use crate::{InboundMessage, Result};

/// Edits and deletes are typed by their content; everything else keeps the requested type.
pub(crate) fn event_type_for(content: &Content, requested: Option<EventType>) -> EventType {
    match content {
        Content::Edit { .. } => EventType::Edit,
        Content::Delete { .. } => EventType::Delete,
        _ => requested.unwrap_or(EventType::Message),
    }
}

/// An answer from `responder` to `trigger` (SPEC §2 step 15): outbound, one level deeper,
/// in the trigger's thread, visible per the trigger's response visibility.
pub(crate) fn response_event(
    trigger: &RoomEvent,
    responder: &str,
    ctx: &RoomContext,
    response: Response,
) -> RoomEvent {
    let channel_type = ctx
        .binding(responder)
        .map_or_else(|| "ai".to_owned(), |b| b.channel_type.clone());
    let source = EventSource {
        direction: Direction::Outbound,
        ..EventSource::inbound(responder, channel_type)
    };
    let mut event = RoomEvent::new(&trigger.room_id, source, response.content);
    event.event_type = event_type_for(&event.content, None);
    event.chain_depth = trigger.chain_depth + 1;
    event.responds_to = Some(trigger.id.clone());
    event.parent_event_id = trigger.parent_event_id.clone();
    event.correlation_id = trigger.correlation_id.clone();
    event.visibility = trigger.response_visibility.clone().unwrap_or_default();
    event.metadata = response.metadata;
    event
}

/// The blocked record stored instead of asking a responder past the chain depth limit.
pub(crate) fn depth_limit_event(trigger: &RoomEvent, responder: &str, max_depth: u32) -> RoomEvent {
    let source = EventSource {
        direction: Direction::Outbound,
        ..EventSource::inbound(responder, "ai")
    };
    let mut data = Metadata::new();
    data.insert("max_chain_depth".into(), max_depth.into());
    let mut event = RoomEvent::new(
        &trigger.room_id,
        source,
        Content::System {
            body: format!("chain depth limit {max_depth} reached"),
            code: Some("event_chain_depth_limit".into()),
            data,
        },
    );
    event.event_type = EventType::System;
    event.chain_depth = trigger.chain_depth + 1;
    event.responds_to = Some(trigger.id.clone());
    event.status = EventStatus::Blocked;
    event.blocked_by = Some("event_chain_depth_limit".into());
    event
}

/// The metadata key of an edited event that keeps the content its last edit replaced.
pub const PREVIOUS_CONTENT: &str = "previous_content";

fn is_deleted(event: &RoomEvent) -> bool {
    event.metadata.get("deleted") == Some(&serde_json::Value::Bool(true))
}

fn same_author(a: &RoomEvent, b: &RoomEvent) -> bool {
    match (&a.source.participant_id, &b.source.participant_id) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.source.channel_id == b.source.channel_id,
        _ => false,
    }
}

impl Inner {
    /// Step 6: the event for an inbound message.
    pub(crate) async fn build_inbound_event(
        &self,
        message: &InboundMessage,
        channel_type: &str,
        room_id: &str,
    ) -> Result<RoomEvent> {
        // An SMS with media is an MMS (RoomKit's channel docs): the event says so.
        let channel_type = if channel_type == "sms" && message.content.carries_media() {
            "mms"
        } else {
            channel_type
        };
        let source = EventSource {
            channel_id: message.channel_id.clone(),
            channel_type: channel_type.to_owned(),
            direction: Direction::Inbound,
            participant_id: Some(message.sender_id.clone()),
            external_id: Some(message.sender_id.clone()),
            provider: message.provider.clone(),
            provider_message_id: message.provider_message_id.clone(),
        };
        let mut event = RoomEvent::new(room_id, source, message.content.clone());
        event.event_type = event_type_for(&message.content, Some(message.event_type));
        event.visibility = message.visibility.clone().unwrap_or_default();
        event.addressed_to = message.addressed_to.clone();
        event.idempotency_key = message.idempotency_key.clone();
        event.chain_depth = message.chain_depth;
        event.correlation_id = message.correlation_id.clone();
        event.metadata = message.metadata.clone();
        event.parent_event_id = self
            .thread_root(room_id, message.parent_event_id.as_deref())
            .await?;
        Ok(event)
    }

    /// Threads: a parent is normalised to its thread root; an unknown parent means top level.
    pub(crate) async fn thread_root(
        &self,
        room_id: &str,
        parent: Option<&str>,
    ) -> Result<Option<String>> {
        let Some(parent) = parent else {
            return Ok(None);
        };
        Ok(match self.store.get_event(parent).await? {
            Some(p) if p.room_id == room_id => Some(p.parent_event_id.unwrap_or(p.id)),
            _ => None,
        })
    }

    /// Edit/delete rules: the target must exist in the room and be neither blocked nor
    /// deleted; only its author may edit it or delete it as sender.
    pub(crate) async fn check_edit_delete(
        &self,
        event: &RoomEvent,
    ) -> Result<Option<&'static str>> {
        let (target_id, needs_author) = match &event.content {
            Content::Edit {
                target_event_id, ..
            } => (target_event_id, true),
            Content::Delete {
                target_event_id,
                delete_type,
                ..
            } => (target_event_id, *delete_type == DeleteType::Sender),
            _ => return Ok(None),
        };
        let target = self.store.get_event(target_id).await?;
        let Some(target) =
            target.filter(|t| t.room_id == event.room_id && !t.is_blocked() && !is_deleted(t))
        else {
            return Ok(Some("target_event_not_found"));
        };
        if needs_author && !same_author(&target, event) {
            return Ok(Some("not_original_author"));
        }
        Ok(None)
    }

    /// Applies a committed edit or delete to its target: an edit replaces the content (the
    /// content it replaced is kept in `metadata.previous_content`, only the latest one, so that
    /// repeated edits do not grow the event) and sets `metadata.edited`; a delete sets
    /// `metadata.deleted`. `edited_by` / `deleted_by` name the event that did it.
    pub(crate) async fn apply_edit_delete(&self, event: &RoomEvent) -> Result<()> {
        let (target_id, new_content, flag, by) = match &event.content {
            Content::Edit {
                target_event_id,
                new_content,
            } => (target_event_id, Some(new_content), "edited", "edited_by"),
            Content::Delete {
                target_event_id, ..
            } => (target_event_id, None, "deleted", "deleted_by"),
            _ => return Ok(()),
        };
        if let Some(mut target) = self.store.get_event(target_id).await? {
            if let Some(new_content) = new_content {
                let previous = std::mem::replace(&mut target.content, (**new_content).clone());
                target.metadata.insert(
                    PREVIOUS_CONTENT.into(),
                    serde_json::to_value(previous).unwrap_or_default(),
                );
            }
            target.metadata.insert(flag.into(), true.into());
            target.metadata.insert(by.into(), event.id.clone().into());
            self.store.update_event(&target).await?;
        }
        Ok(())
    }
}
