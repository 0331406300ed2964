//! The JSON body of a delivery, and what an answer's status means.
//!
//! The body is one object: the event (`id`, `room_id`, `type`, `index`, `created_at`,
//! `chain_depth`, `visibility`, `parent_event_id`, `responds_to`, `correlation_id`, `source`,
//! `content`, `metadata`) and the `recipient` (the binding's `channel_id`, `channel_type` and
//! `participant_id`). Content is tagged by `type` (`text`, `rich`, `media`, `location`, `audio`,
//! `video`, `system`, `template`, `composite`, `edit`, `delete`) with its fields in snake case,
//! as the host's own JSON writes it. JSON-valued fields (`metadata`, `data`, `parameters`)
//! are embedded as JSON, or as a string if they do not parse.

use roomkit_sdk::types::{
    AudioContent, DeleteType, Direction, LocationContent, MediaContent, Part, RichContent,
    RichFormat, SystemContent, TemplateContent, VideoContent,
};
use roomkit_sdk::{BindingView, Content, DeliveryError, RoomEvent};
use serde::Serialize;
use serde_json::{Value, json};

/// The body posted for `event` to the recipient of `binding`.
pub fn body(event: &RoomEvent, binding: &BindingView) -> Vec<u8> {
    let body = Body {
        id: &event.id,
        room_id: &event.room_id,
        kind: &event.event_type,
        index: event.index,
        created_at: &event.created_at,
        chain_depth: event.chain_depth,
        visibility: &event.visibility,
        parent_event_id: event.parent_event_id.as_deref(),
        responds_to: event.responds_to.as_deref(),
        correlation_id: event.correlation_id.as_deref(),
        source: Source {
            channel_id: &event.source.channel_id,
            channel_type: &event.source.channel_type,
            direction: match event.source.direction {
                Direction::Inbound => "inbound",
                Direction::Outbound => "outbound",
            },
            participant_id: event.source.participant_id.as_deref(),
            external_id: event.source.external_id.as_deref(),
        },
        content: content(&event.content),
        metadata: embedded(&event.metadata),
        recipient: Recipient {
            channel_id: &binding.channel_id,
            channel_type: &binding.channel_type,
            participant_id: binding.participant_id.as_deref(),
        },
    };
    // Serialising borrowed fields cannot fail: every key is a string.
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The delivery body, written field by field from borrowed parts of the event (a
/// `serde_json::Value` tree would copy every string first).
#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    room_id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    index: u64,
    created_at: &'a str,
    chain_depth: u32,
    visibility: &'a str,
    parent_event_id: Option<&'a str>,
    responds_to: Option<&'a str>,
    correlation_id: Option<&'a str>,
    source: Source<'a>,
    content: Value,
    metadata: Value,
    recipient: Recipient<'a>,
}

#[derive(Serialize)]
struct Source<'a> {
    channel_id: &'a str,
    channel_type: &'a str,
    direction: &'static str,
    participant_id: Option<&'a str>,
    external_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Recipient<'a> {
    channel_id: &'a str,
    channel_type: &'a str,
    participant_id: Option<&'a str>,
}

/// What a status code means for the delivery: `Ok` for 2xx; 408, 429 and 5xx may pass on a
/// later try; every other status (redirects are not followed, 4xx) will not.
pub fn classify(status: u16) -> Result<(), DeliveryError> {
    match status {
        200..=299 => Ok(()),
        408 | 429 | 500..=599 => Err(DeliveryError::retryable(format!(
            "endpoint answered {status}"
        ))),
        _ => Err(DeliveryError::permanent(format!(
            "endpoint answered {status}"
        ))),
    }
}

/// The endpoint's id for the message: the `id` (string or number) of a JSON object body.
pub fn message_id(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body).ok()?.get("id")? {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

fn embedded(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|_| Value::String(json.to_owned()))
}

fn content(content: &Content) -> Value {
    match content {
        Content::Text(t) => json!({"type": "text", "body": t.body, "language": t.language}),
        Content::Rich(r) => rich(r),
        Content::Media(m) => media(m),
        Content::Location(l) => location(l),
        Content::Audio(a) => audio(a),
        Content::Video(v) => video(v),
        Content::System(s) => system(s),
        Content::Template(t) => template(t),
        Content::Composite(parts) => {
            json!({"type": "composite", "parts": parts.iter().map(part).collect::<Vec<_>>()})
        }
        Content::Edit(e) => json!({
            "type": "edit",
            "target_event_id": e.target_event_id,
            "new_content": part(&e.new_content),
        }),
        Content::Delete(d) => json!({
            "type": "delete",
            "target_event_id": d.target_event_id,
            "delete_type": match d.delete_type {
                DeleteType::Sender => "sender",
                DeleteType::System => "system",
                DeleteType::Admin => "admin",
            },
            "reason": d.reason,
        }),
    }
}

fn part(part: &Part) -> Value {
    match part {
        Part::Text(t) => json!({"type": "text", "body": t.body, "language": t.language}),
        Part::Rich(r) => rich(r),
        Part::Media(m) => media(m),
        Part::Location(l) => location(l),
        Part::Audio(a) => audio(a),
        Part::Video(v) => video(v),
        Part::System(s) => system(s),
        Part::Template(t) => template(t),
        Part::Json(j) => embedded(j),
    }
}

fn rich(r: &RichContent) -> Value {
    json!({
        "type": "rich",
        "body": r.body,
        "format": match r.format { RichFormat::Markdown => "markdown", RichFormat::Html => "html" },
        "plain_text": r.plain_text,
        "buttons": r.buttons.iter().map(|b| json!({"label": b.label, "value": b.value, "url": b.url})).collect::<Vec<_>>(),
        "quick_replies": r.quick_replies.iter().map(|q| json!({"label": q.label, "value": q.value})).collect::<Vec<_>>(),
    })
}

fn media(m: &MediaContent) -> Value {
    json!({"type": "media", "url": m.url, "mime_type": m.mime_type, "filename": m.filename,
           "size_bytes": m.size_bytes, "caption": m.caption})
}

fn location(l: &LocationContent) -> Value {
    json!({"type": "location", "latitude": l.latitude, "longitude": l.longitude,
           "label": l.label, "address": l.address})
}

fn audio(a: &AudioContent) -> Value {
    json!({"type": "audio", "url": a.url, "mime_type": a.mime_type,
           "duration_seconds": a.duration_seconds, "transcript": a.transcript})
}

fn video(v: &VideoContent) -> Value {
    json!({"type": "video", "url": v.url, "mime_type": v.mime_type,
           "duration_seconds": v.duration_seconds, "thumbnail_url": v.thumbnail_url})
}

fn system(s: &SystemContent) -> Value {
    json!({"type": "system", "body": s.body, "code": s.code, "data": embedded(&s.data)})
}

fn template(t: &TemplateContent) -> Value {
    json!({"type": "template", "template_id": t.template_id, "language": t.language,
           "parameters": embedded(&t.parameters), "body": t.body})
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::EventSource;

    fn binding() -> BindingView {
        BindingView {
            channel_id: "hook-out".into(),
            channel_type: "webhook".into(),
            category: "transport".into(),
            access: "read_write".into(),
            muted: false,
            visibility: "all".into(),
            participant_id: Some("crm".into()),
            metadata: "{}".into(),
        }
    }

    #[test]
    fn body_carries_the_event_and_the_recipient() {
        let mut event = RoomEvent::message(
            "room-1",
            EventSource::inbound("sms-1", "sms"),
            Content::text("hi"),
        );
        event.id = "ev-1".into();
        event.metadata = r#"{"vip":true}"#.into();
        let value: Value = serde_json::from_slice(&body(&event, &binding())).unwrap();
        assert_eq!(value["id"], "ev-1");
        assert_eq!(value["room_id"], "room-1");
        assert_eq!(value["type"], "message");
        assert_eq!(
            value["content"],
            json!({"type": "text", "body": "hi", "language": null})
        );
        assert_eq!(value["source"]["direction"], "inbound");
        assert_eq!(value["metadata"], json!({"vip": true}));
        assert_eq!(value["recipient"]["participant_id"], "crm");
    }

    #[test]
    fn composite_parts_and_raw_json_are_embedded() {
        let content = Content::Composite(vec![
            Part::Json(r#"{"type":"x"}"#.into()),
            Part::Json("not json".into()),
        ]);
        assert_eq!(
            super::content(&content)["parts"],
            json!([{"type": "x"}, "not json"])
        );
    }

    #[test]
    fn statuses_split_into_retryable_and_permanent() {
        assert!(classify(200).is_ok() && classify(204).is_ok());
        for status in [500, 502, 503, 599, 408, 429] {
            assert!(classify(status).unwrap_err().retryable, "{status}");
        }
        for status in [301, 400, 401, 403, 404, 410, 422] {
            assert!(!classify(status).unwrap_err().retryable, "{status}");
        }
    }

    #[test]
    fn message_id_comes_from_the_answer() {
        assert_eq!(message_id(br#"{"id":"m-7"}"#), Some("m-7".into()));
        assert_eq!(message_id(br#"{"id":42}"#), Some("42".into()));
        assert_eq!(message_id(b"ok"), None);
    }
}
