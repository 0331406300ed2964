//! Conversions between the host's model and the WIT types plugins see.

use std::collections::BTreeMap;

use roomkit_kit::ai::{AiContext, AiMessage, AiPart, AiResponse, AiRole};
use roomkit_kit::{
    HookAction, HookResult, HookTrigger, IdentityHookResult, IdentityResult, InboundMessage,
    InjectedEvent,
};
use roomkit_model::{
    Button, ChannelBinding, Content, DeleteType, Direction, EventStatus, EventType, Identification,
    Identity, Metadata, Observation, QuickReply, RichFormat, RoomEvent, Task,
};

use crate::bindings::wit;

/// The most a hook may make an event weigh, as JSON: the API's request body limit
/// (`roomkit_api::config::DEFAULT_BODY_LIMIT`, 1 MiB), so that what a hook hands back is held
/// to the size of what may come in. An event that came in larger than that (its ids and
/// fields around the body) may keep its size.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Counts the bytes written to it, and refuses to take more than `limit` (so that measuring a
/// huge value stops early).
struct JsonSize {
    bytes: usize,
    limit: usize,
}

impl std::io::Write for JsonSize {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len();
        if self.bytes > self.limit {
            return Err(std::io::Error::other("over the limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether `value` written as JSON fits in `limit` bytes.
fn json_fits<T: serde::Serialize>(value: &T, limit: usize) -> bool {
    serde_json::to_writer(&mut JsonSize { bytes: 0, limit }, value).is_ok()
}

/// The size limit of what a hook hands back in place of `original`: [`MAX_EVENT_BYTES`], or
/// the original's own size if it is larger.
fn event_limit(original: &RoomEvent) -> usize {
    let mut size = JsonSize {
        bytes: 0,
        limit: usize::MAX,
    };
    let _ = serde_json::to_writer(&mut size, original);
    size.bytes.max(MAX_EVENT_BYTES)
}

fn json_text(map: &Metadata) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

pub(crate) fn json_map(text: &str, field: &str) -> Result<Metadata, String> {
    if text.trim().is_empty() {
        return Ok(Metadata::new());
    }
    serde_json::from_str(text).map_err(|e| format!("{field} is not a JSON object: {e}"))
}

/// The WIT name of a hook trigger.
pub fn trigger(t: HookTrigger) -> wit::HookTrigger {
    use HookTrigger as H;
    use wit::HookTrigger as W;
    match t {
        H::BeforeBroadcast => W::BeforeBroadcast,
        H::AfterBroadcast => W::AfterBroadcast,
        H::OnRoomCreated => W::OnRoomCreated,
        H::OnRoomPaused => W::OnRoomPaused,
        H::OnRoomClosed => W::OnRoomClosed,
        H::OnChannelAttached => W::OnChannelAttached,
        H::OnChannelDetached => W::OnChannelDetached,
        H::OnChannelMuted => W::OnChannelMuted,
        H::OnChannelUnmuted => W::OnChannelUnmuted,
        H::OnIdentityAmbiguous => W::OnIdentityAmbiguous,
        H::OnIdentityUnknown => W::OnIdentityUnknown,
        H::OnParticipantIdentified => W::OnParticipantIdentified,
        H::OnTaskCreated => W::OnTaskCreated,
        H::OnError => W::OnError,
    }
}

fn part_to_wit(content: &Content) -> wit::Part {
    match content_to_wit(content) {
        wit::Content::Text(c) => wit::Part::Text(c),
        wit::Content::Rich(c) => wit::Part::Rich(c),
        wit::Content::Media(c) => wit::Part::Media(c),
        wit::Content::Location(c) => wit::Part::Location(c),
        wit::Content::Audio(c) => wit::Part::Audio(c),
        wit::Content::Video(c) => wit::Part::Video(c),
        wit::Content::System(c) => wit::Part::System(c),
        wit::Content::Template(c) => wit::Part::Template(c),
        _ => wit::Part::Json(serde_json::to_string(content).unwrap_or_default()),
    }
}

fn part_from_wit(part: wit::Part) -> Result<Content, String> {
    let content = match part {
        wit::Part::Text(c) => wit::Content::Text(c),
        wit::Part::Rich(c) => wit::Content::Rich(c),
        wit::Part::Media(c) => wit::Content::Media(c),
        wit::Part::Location(c) => wit::Content::Location(c),
        wit::Part::Audio(c) => wit::Content::Audio(c),
        wit::Part::Video(c) => wit::Content::Video(c),
        wit::Part::System(c) => wit::Content::System(c),
        wit::Part::Template(c) => wit::Content::Template(c),
        wit::Part::Json(text) => {
            return serde_json::from_str(&text)
                .map_err(|e| format!("part is not content JSON: {e}"));
        }
    };
    content_from_wit(content)
}

/// Content as a plugin sees it.
pub fn content_to_wit(content: &Content) -> wit::Content {
    match content {
        Content::Text { body, language } => wit::Content::Text(wit::TextContent {
            body: body.clone(),
            language: language.clone(),
        }),
        Content::Rich {
            body,
            format,
            plain_text,
            buttons,
            quick_replies,
        } => wit::Content::Rich(wit::RichContent {
            body: body.clone(),
            format: match format {
                RichFormat::Markdown => wit::RichFormat::Markdown,
                RichFormat::Html => wit::RichFormat::Html,
            },
            plain_text: plain_text.clone(),
            buttons: buttons
                .iter()
                .map(|b| wit::Button {
                    label: b.label.clone(),
                    value: b.value.clone(),
                    url: b.url.clone(),
                })
                .collect(),
            quick_replies: quick_replies
                .iter()
                .map(|q| wit::QuickReply {
                    label: q.label.clone(),
                    value: q.value.clone(),
                })
                .collect(),
        }),
        Content::Media {
            url,
            mime_type,
            filename,
            size_bytes,
            caption,
        } => wit::Content::Media(wit::MediaContent {
            url: url.clone(),
            mime_type: mime_type.clone(),
            filename: filename.clone(),
            size_bytes: *size_bytes,
            caption: caption.clone(),
        }),
        Content::Location {
            latitude,
            longitude,
            label,
            address,
        } => wit::Content::Location(wit::LocationContent {
            latitude: *latitude,
            longitude: *longitude,
            label: label.clone(),
            address: address.clone(),
        }),
        Content::Audio {
            url,
            mime_type,
            duration_seconds,
            transcript,
        } => wit::Content::Audio(wit::AudioContent {
            url: url.clone(),
            mime_type: mime_type.clone(),
            duration_seconds: *duration_seconds,
            transcript: transcript.clone(),
        }),
        Content::Video {
            url,
            mime_type,
            duration_seconds,
            thumbnail_url,
        } => wit::Content::Video(wit::VideoContent {
            url: url.clone(),
            mime_type: mime_type.clone(),
            duration_seconds: *duration_seconds,
            thumbnail_url: thumbnail_url.clone(),
        }),
        Content::Composite { parts } => {
            wit::Content::Composite(parts.iter().map(part_to_wit).collect())
        }
        Content::System { body, code, data } => wit::Content::System(wit::SystemContent {
            body: body.clone(),
            code: code.clone(),
            data: json_text(data),
        }),
        Content::Template {
            template_id,
            language,
            parameters,
            body,
        } => wit::Content::Template(wit::TemplateContent {
            template_id: template_id.clone(),
            language: language.clone(),
            parameters: json_text(parameters),
            body: body.clone(),
        }),
        Content::Edit {
            target_event_id,
            new_content,
        } => wit::Content::Edit(wit::EditContent {
            target_event_id: target_event_id.clone(),
            new_content: part_to_wit(new_content),
        }),
        Content::Delete {
            target_event_id,
            delete_type,
            reason,
        } => wit::Content::Delete(wit::DeleteContent {
            target_event_id: target_event_id.clone(),
            delete_type: match delete_type {
                DeleteType::Sender => wit::DeleteType::Sender,
                DeleteType::System => wit::DeleteType::System,
                DeleteType::Admin => wit::DeleteType::Admin,
            },
            reason: reason.clone(),
        }),
    }
}

/// Content a plugin produced, validated by the caller.
pub fn content_from_wit(content: wit::Content) -> Result<Content, String> {
    Ok(match content {
        wit::Content::Text(c) => Content::Text {
            body: c.body,
            language: c.language,
        },
        wit::Content::Rich(c) => Content::Rich {
            body: c.body,
            format: match c.format {
                wit::RichFormat::Markdown => RichFormat::Markdown,
                wit::RichFormat::Html => RichFormat::Html,
            },
            plain_text: c.plain_text,
            buttons: c
                .buttons
                .into_iter()
                .map(|b| Button {
                    label: b.label,
                    value: b.value,
                    url: b.url,
                })
                .collect(),
            quick_replies: c
                .quick_replies
                .into_iter()
                .map(|q| QuickReply {
                    label: q.label,
                    value: q.value,
                })
                .collect(),
        },
        wit::Content::Media(c) => Content::Media {
            url: c.url,
            mime_type: c.mime_type,
            filename: c.filename,
            size_bytes: c.size_bytes,
            caption: c.caption,
        },
        wit::Content::Location(c) => Content::Location {
            latitude: c.latitude,
            longitude: c.longitude,
            label: c.label,
            address: c.address,
        },
        wit::Content::Audio(c) => Content::Audio {
            url: c.url,
            mime_type: c.mime_type,
            duration_seconds: c.duration_seconds,
            transcript: c.transcript,
        },
        wit::Content::Video(c) => Content::Video {
            url: c.url,
            mime_type: c.mime_type,
            duration_seconds: c.duration_seconds,
            thumbnail_url: c.thumbnail_url,
        },
        wit::Content::System(c) => Content::System {
            body: c.body,
            code: c.code,
            data: json_map(&c.data, "system.data")?,
        },
        wit::Content::Template(c) => Content::Template {
            template_id: c.template_id,
            language: c.language,
            parameters: json_map(&c.parameters, "template.parameters")?,
            body: c.body,
        },
        wit::Content::Composite(parts) => Content::Composite {
            parts: parts
                .into_iter()
                .map(part_from_wit)
                .collect::<Result<_, _>>()?,
        },
        wit::Content::Edit(c) => Content::Edit {
            target_event_id: c.target_event_id,
            new_content: Box::new(part_from_wit(c.new_content)?),
        },
        wit::Content::Delete(c) => Content::Delete {
            target_event_id: c.target_event_id,
            delete_type: match c.delete_type {
                wit::DeleteType::Sender => DeleteType::Sender,
                wit::DeleteType::System => DeleteType::System,
                wit::DeleteType::Admin => DeleteType::Admin,
            },
            reason: c.reason,
        },
    })
}

fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An event as a plugin sees it.
pub fn event_to_wit(event: &RoomEvent) -> wit::RoomEvent {
    wit::RoomEvent {
        id: event.id.clone(),
        room_id: event.room_id.clone(),
        event_type: name_of(&event.event_type),
        source: wit::EventSource {
            channel_id: event.source.channel_id.clone(),
            channel_type: event.source.channel_type.clone(),
            direction: match event.source.direction {
                Direction::Inbound => wit::Direction::Inbound,
                Direction::Outbound => wit::Direction::Outbound,
            },
            participant_id: event.source.participant_id.clone(),
            external_id: event.source.external_id.clone(),
            provider: event.source.provider.clone(),
            provider_message_id: event.source.provider_message_id.clone(),
        },
        content: content_to_wit(&event.content),
        status: match event.status {
            EventStatus::Pending => wit::EventStatus::Pending,
            EventStatus::Delivered => wit::EventStatus::Delivered,
            EventStatus::Read => wit::EventStatus::Read,
            EventStatus::Failed => wit::EventStatus::Failed,
            EventStatus::Blocked => wit::EventStatus::Blocked,
        },
        blocked_by: event.blocked_by.clone(),
        visibility: event.visibility.to_string(),
        addressed_to: event.addressed_to.clone(),
        index: event.index,
        chain_depth: event.chain_depth,
        parent_event_id: event.parent_event_id.clone(),
        responds_to: event.responds_to.clone(),
        correlation_id: event.correlation_id.clone(),
        idempotency_key: event.idempotency_key.clone(),
        created_at: event.created_at.to_rfc3339(),
        metadata: json_text(&event.metadata),
    }
}

/// A modified event from a plugin: content, type, visibility, addressing and metadata are
/// taken; id, room, index and source stay the original's (the pipeline enforces that too).
pub fn event_from_wit(original: &RoomEvent, event: wit::RoomEvent) -> Result<RoomEvent, String> {
    let mut next = original.clone();
    next.content = content_from_wit(event.content)?;
    next.content.validate().map_err(|e| e.to_string())?;
    next.event_type =
        serde_json::from_value::<EventType>(serde_json::Value::String(event.event_type))
            .map_err(|e| format!("event-type: {e}"))?;
    next.visibility = event
        .visibility
        .parse()
        .map_err(|e| format!("visibility: {e}"))?;
    next.addressed_to = event.addressed_to;
    next.metadata = json_map(&event.metadata, "metadata")?;
    Ok(next)
}

/// A hook's result in the kit's terms.
pub fn hook_result_from_wit(
    original: &RoomEvent,
    result: wit::HookResult,
) -> Result<HookResult, String> {
    let action = match result.action {
        wit::HookAction::Allow => HookAction::Allow,
        wit::HookAction::Block(reason) => HookAction::Block(reason),
        wit::HookAction::Modify(event) => {
            let modified = event_from_wit(original, event)?;
            // Held to the limits of an inbound event, so that a hook cannot store or deliver
            // more than a client could send.
            let limit = event_limit(original);
            if !json_fits(&modified, limit) {
                return Err(format!(
                    "modified event too large: over {limit} bytes as JSON (the limit of an \
                     inbound event)"
                ));
            }
            HookAction::Modify(Box::new(modified))
        }
    };
    let injected_events = result
        .injected_events
        .into_iter()
        .map(|i| {
            let content = content_from_wit(i.content)?;
            content.validate().map_err(|e| e.to_string())?;
            if !json_fits(&content, MAX_EVENT_BYTES) {
                return Err(format!(
                    "injected event too large: over {MAX_EVENT_BYTES} bytes of content as JSON"
                ));
            }
            Ok(InjectedEvent {
                content,
                target_channel_ids: i.target_channel_ids,
                visibility: i
                    .visibility
                    .parse()
                    .map_err(|e| format!("visibility: {e}"))?,
            })
        })
        .collect::<Result<_, String>>()?;
    let tasks = result
        .tasks
        .into_iter()
        .map(|t| {
            let mut task = Task::new(&original.room_id, t.title);
            task.description = t.description;
            task.assigned_to = t.assigned_to;
            task.metadata = json_map(&t.metadata, "task.metadata")?;
            Ok(task)
        })
        .collect::<Result<_, String>>()?;
    let observations = result
        .observations
        .into_iter()
        .map(|o| {
            let mut observation =
                Observation::new(&original.room_id, &original.source.channel_id, o.content);
            observation.category = o.category;
            observation.confidence = o.confidence;
            observation.metadata = json_map(&o.metadata, "observation.metadata")?;
            observation.validate().map_err(|e| e.to_string())?;
            Ok(observation)
        })
        .collect::<Result<_, String>>()?;
    Ok(HookResult {
        action,
        injected_events,
        tasks,
        observations,
    })
}

/// A channel binding as a plugin sees it.
pub fn binding_to_wit(b: &ChannelBinding) -> wit::BindingView {
    wit::BindingView {
        channel_id: b.channel_id.clone(),
        channel_type: b.channel_type.clone(),
        category: name_of(&b.category),
        access: name_of(&b.access),
        muted: b.muted,
        visibility: b.visibility.to_string(),
        participant_id: b.participant_id.clone(),
        metadata: json_text(&b.metadata),
    }
}

/// An inbound message as a plugin sees it.
pub fn inbound_to_wit(m: &InboundMessage) -> wit::InboundMessage {
    wit::InboundMessage {
        channel_id: m.channel_id.clone(),
        sender_id: m.sender_id.clone(),
        content: content_to_wit(&m.content),
        room_id: m.room_id.clone(),
        event_type: name_of(&m.event_type),
        idempotency_key: m.idempotency_key.clone(),
        visibility: m.visibility.as_ref().map(ToString::to_string),
        parent_event_id: m.parent_event_id.clone(),
        addressed_to: m.addressed_to.clone(),
        chain_depth: m.chain_depth,
        correlation_id: m.correlation_id.clone(),
        provider: m.provider.clone(),
        provider_message_id: m.provider_message_id.clone(),
        metadata: json_text(&m.metadata),
    }
}

/// An inbound message a plugin produced (from a webhook), checked.
pub fn inbound_from_wit(m: wit::InboundMessage) -> Result<InboundMessage, String> {
    let content = content_from_wit(m.content)?;
    content.validate().map_err(|e| e.to_string())?;
    let event_type = if m.event_type.is_empty() {
        EventType::Message
    } else {
        serde_json::from_value::<EventType>(serde_json::Value::String(m.event_type))
            .map_err(|e| format!("event-type: {e}"))?
    };
    let visibility = m
        .visibility
        .map(|v| v.parse().map_err(|e| format!("visibility: {e}")))
        .transpose()?;
    Ok(InboundMessage {
        channel_id: m.channel_id,
        sender_id: m.sender_id,
        content,
        room_id: m.room_id,
        event_type,
        idempotency_key: m.idempotency_key,
        visibility,
        parent_event_id: m.parent_event_id,
        addressed_to: m.addressed_to,
        chain_depth: m.chain_depth,
        correlation_id: m.correlation_id,
        provider: m.provider,
        provider_message_id: m.provider_message_id,
        metadata: json_map(&m.metadata, "metadata")?,
    })
}

fn identity_from_wit(i: wit::Identity) -> Result<Identity, String> {
    if i.id.is_empty() {
        return Err("an identity has an empty id".to_owned());
    }
    let mut channel_addresses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in i.addresses {
        channel_addresses
            .entry(a.channel_type)
            .or_default()
            .push(a.address);
    }
    Ok(Identity {
        id: i.id,
        organization_id: i.organization_id,
        display_name: i.display_name,
        channel_addresses,
        external_id: i.external_id,
        metadata: json_map(&i.metadata, "identity.metadata")?,
    })
}

/// A resolver's answer in the kit's terms; `identified` must carry its identity.
pub fn identity_result_from_wit(r: wit::IdentityResult) -> Result<IdentityResult, String> {
    use wit::Identification as W;
    let status = match r.status {
        W::Identified => Identification::Identified,
        W::Pending => Identification::Pending,
        W::Ambiguous => Identification::Ambiguous,
        W::Unknown => Identification::Unknown,
        W::ChallengeSent => Identification::ChallengeSent,
        W::Rejected => Identification::Rejected,
    };
    let identity = r.identity.map(identity_from_wit).transpose()?;
    if status == Identification::Identified && identity.is_none() {
        return Err("status identified without an identity".to_owned());
    }
    Ok(IdentityResult {
        status,
        identity,
        candidates: r
            .candidates
            .into_iter()
            .map(identity_from_wit)
            .collect::<Result<_, _>>()?,
    })
}

fn identity_to_wit(i: &Identity) -> wit::Identity {
    wit::Identity {
        id: i.id.clone(),
        organization_id: i.organization_id.clone(),
        display_name: i.display_name.clone(),
        addresses: i
            .channel_addresses
            .iter()
            .flat_map(|(channel_type, addresses)| {
                addresses.iter().map(|address| wit::ChannelAddress {
                    channel_type: channel_type.clone(),
                    address: address.clone(),
                })
            })
            .collect(),
        external_id: i.external_id.clone(),
        metadata: json_text(&i.metadata),
    }
}

/// What the resolver found, as an identity hook sees it.
pub fn identity_result_to_wit(r: &IdentityResult) -> wit::IdentityResult {
    use wit::Identification as W;
    let status = match r.status {
        Identification::Identified => W::Identified,
        Identification::Pending => W::Pending,
        Identification::Ambiguous => W::Ambiguous,
        Identification::Unknown => W::Unknown,
        Identification::ChallengeSent => W::ChallengeSent,
        Identification::Rejected => W::Rejected,
    };
    wit::IdentityResult {
        status,
        identity: r.identity.as_ref().map(identity_to_wit),
        candidates: r.candidates.iter().map(identity_to_wit).collect(),
    }
}

/// An identity hook's decision in the kit's terms. A resolved identity needs an id, a
/// challenge valid content and a rejection a reason: an answer without them is the plugin's
/// error, not a decision.
pub fn identity_decision_from_wit(d: wit::IdentityDecision) -> Result<IdentityHookResult, String> {
    Ok(match d {
        wit::IdentityDecision::Resolved(identity) => {
            IdentityHookResult::Resolved(identity_from_wit(identity)?)
        }
        wit::IdentityDecision::Pending => IdentityHookResult::Pending,
        wit::IdentityDecision::Challenge(content) => {
            IdentityHookResult::Challenge(content_from_wit(content)?)
        }
        wit::IdentityDecision::Reject(reason) => {
            if reason.trim().is_empty() {
                return Err("reject without a reason".to_owned());
            }
            IdentityHookResult::Reject(reason)
        }
    })
}

/// What a model is asked, as a plugin sees it.
pub fn ai_request_to_wit(c: &AiContext) -> wit::AiRequest {
    wit::AiRequest {
        system_prompt: c.system_prompt.clone(),
        messages: c
            .messages
            .iter()
            .map(|m: &AiMessage| wit::AiMessage {
                role: match m.role {
                    AiRole::User => wit::AiRole::User,
                    AiRole::Assistant => wit::AiRole::Assistant,
                },
                parts: m
                    .parts
                    .iter()
                    .map(|p| match p {
                        AiPart::Text(t) => wit::AiPart::Text(t.clone()),
                        AiPart::Image { url, mime_type } => wit::AiPart::Image(wit::AiImage {
                            url: url.clone(),
                            mime_type: mime_type.clone(),
                        }),
                    })
                    .collect(),
            })
            .collect(),
        temperature: c.temperature,
        max_tokens: c.max_tokens,
    }
}

/// A model's answer in the kit's terms.
pub fn ai_response_from_wit(r: wit::AiResponse) -> Result<AiResponse, String> {
    Ok(AiResponse {
        content: r.content,
        metadata: json_map(&r.metadata, "metadata")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_model::EventSource;
    use serde_json::json;

    #[test]
    fn every_content_type_survives_the_trip_to_wit_and_back() {
        let samples: Vec<Content> = serde_json::from_value(json!([
            {"type": "text", "body": "hi", "language": "en"},
            {"type": "rich", "body": "**hi**", "format": "html", "plain_text": "hi",
             "buttons": [{"label": "Yes", "value": "y"}], "quick_replies": [{"label": "No", "value": "n"}]},
            {"type": "media", "url": "https://x.io/a.png", "mime_type": "image/png", "caption": "cat"},
            {"type": "location", "latitude": 45.5, "longitude": -73.6, "label": "Office"},
            {"type": "audio", "url": "https://x.io/a.ogg", "mime_type": "audio/ogg", "transcript": "hello"},
            {"type": "video", "url": "https://x.io/v.mp4", "mime_type": "video/mp4"},
            {"type": "system", "body": "joined", "code": "J", "data": {"k": 1}},
            {"type": "template", "template_id": "t", "language": "en", "parameters": {"n": "Ana"}},
            {"type": "composite", "parts": [{"type": "text", "body": "a"},
                {"type": "composite", "parts": [{"type": "text", "body": "deep"}]}]},
            {"type": "edit", "target_event_id": "e1", "new_content": {"type": "text", "body": "fixed"}},
            {"type": "delete", "target_event_id": "e1", "delete_type": "admin", "reason": "spam"}
        ]))
        .unwrap();
        for content in samples {
            let back = content_from_wit(content_to_wit(&content)).unwrap();
            assert_eq!(back, content);
        }
    }

    #[test]
    fn an_event_goes_to_wit_with_text_fields_and_a_modify_keeps_identity() {
        let mut event = RoomEvent::new("r", EventSource::inbound("sms", "sms"), Content::text("x"));
        event.metadata.insert("k".into(), json!("v"));
        let mut wit_event = event_to_wit(&event);
        assert_eq!(wit_event.event_type, "message");
        assert_eq!(wit_event.visibility, "all");
        assert_eq!(wit_event.metadata, r#"{"k":"v"}"#);
        wit_event.id = "forged".into();
        wit_event.content = wit::Content::Text(wit::TextContent {
            body: "y".into(),
            language: None,
        });
        let back = event_from_wit(&event, wit_event).unwrap();
        assert_eq!(back.id, event.id);
        assert_eq!(back.content, Content::text("y"));
        let mut bad = event_to_wit(&event);
        bad.metadata = "[1,2]".into();
        assert!(
            event_from_wit(&event, bad)
                .unwrap_err()
                .contains("metadata")
        );
    }

    /// A hook's `modify` of `original` whose text is `len` bytes.
    fn modified_to(original: &RoomEvent, len: usize) -> wit::HookResult {
        let mut event = event_to_wit(original);
        event.content = wit::Content::Text(wit::TextContent {
            body: "x".repeat(len),
            language: None,
        });
        wit::HookResult {
            action: wit::HookAction::Modify(event),
            injected_events: Vec::new(),
            tasks: Vec::new(),
            observations: Vec::new(),
        }
    }

    #[test]
    fn a_modified_event_is_held_to_the_size_of_an_inbound_one() {
        let small = RoomEvent::new("r", EventSource::inbound("sms", "sms"), Content::text("x"));
        let fits = hook_result_from_wit(&small, modified_to(&small, MAX_EVENT_BYTES - 1024));
        assert!(matches!(fits.unwrap().action, HookAction::Modify(_)));
        let error = hook_result_from_wit(&small, modified_to(&small, MAX_EVENT_BYTES))
            .map(|_| ())
            .unwrap_err();
        assert!(
            error.starts_with("modified event too large: over 1048576 bytes"),
            "{error}"
        );
        let huge = hook_result_from_wit(&small, modified_to(&small, 50 << 20));
        assert!(huge.is_err());

        // An event that came in larger than the limit may keep its size, not grow.
        let big_text = "y".repeat(MAX_EVENT_BYTES + 10);
        let big = RoomEvent::new(
            "r",
            EventSource::inbound("sms", "sms"),
            Content::text(big_text),
        );
        assert!(hook_result_from_wit(&big, modified_to(&big, MAX_EVENT_BYTES + 10)).is_ok());
        assert!(hook_result_from_wit(&big, modified_to(&big, MAX_EVENT_BYTES + 2048)).is_err());
    }

    #[test]
    fn an_injected_event_is_held_to_the_same_size() {
        let event = RoomEvent::new("r", EventSource::inbound("sms", "sms"), Content::text("x"));
        let inject = |len: usize| wit::HookResult {
            action: wit::HookAction::Allow,
            injected_events: vec![wit::InjectedEvent {
                content: wit::Content::Text(wit::TextContent {
                    body: "z".repeat(len),
                    language: None,
                }),
                target_channel_ids: Vec::new(),
                visibility: "all".into(),
            }],
            tasks: Vec::new(),
            observations: Vec::new(),
        };
        assert!(hook_result_from_wit(&event, inject(1000)).is_ok());
        let error = hook_result_from_wit(&event, inject(MAX_EVENT_BYTES))
            .map(|_| ())
            .unwrap_err();
        assert!(error.starts_with("injected event too large"), "{error}");
    }
}
