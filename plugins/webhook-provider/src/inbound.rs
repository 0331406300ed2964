//! Webhook requests that bring messages in.
//!
//! The accepted body is JSON: one message object, an array of them, or `{"messages": [...]}`
//! (at most [`MAX_MESSAGES`]). A message object has
//!
//! | field | | meaning |
//! |---|---|---|
//! | `sender` | required string | who sent it (phone number, address, user id) |
//! | `text` | required string | the text |
//! | `id` | optional string or number | the sender's id for the message: the idempotency key (a redelivery is stored once) and the provider message id |
//! | `room` | optional string | the room to send it to, instead of asking the inbound router |
//! | `metadata` | optional object | kept as the message's metadata |
//!
//! Other fields are ignored.

use roomkit_sdk::{InboundMessage, WebhookRequest};
use serde::Deserialize;
use serde_json::Value;

/// The most messages one request may carry.
pub const MAX_MESSAGES: usize = 100;

#[derive(Deserialize)]
#[serde(untagged)]
enum Body {
    Envelope { messages: Vec<Message> },
    Many(Vec<Message>),
    One(Message),
}

#[derive(Deserialize)]
struct Message {
    sender: String,
    text: String,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    room: Option<String>,
    #[serde(default)]
    metadata: Option<serde_json::Map<String, Value>>,
}

/// The messages of `request`, as from provider `provider`.
pub fn parse(request: &WebhookRequest, provider: &str) -> Result<Vec<InboundMessage>, String> {
    let body: Body = serde_json::from_slice(&request.body).map_err(|e| {
        format!("webhook body is not a message, a list of messages or {{\"messages\": [...]}}: {e}")
    })?;
    let messages = match body {
        Body::Envelope { messages } | Body::Many(messages) => messages,
        Body::One(message) => vec![message],
    };
    if messages.len() > MAX_MESSAGES {
        return Err(format!(
            "webhook carries {} messages; at most {MAX_MESSAGES}",
            messages.len()
        ));
    }
    messages
        .into_iter()
        .map(|m| {
            if m.sender.trim().is_empty() {
                return Err("webhook message with an empty sender".to_owned());
            }
            let id = match m.id {
                None | Some(Value::Null) => None,
                Some(Value::String(id)) if !id.is_empty() => Some(id),
                Some(Value::Number(id)) => Some(id.to_string()),
                Some(other) => {
                    return Err(format!(
                        "webhook message id {other} is not a string or number"
                    ));
                }
            };
            let mut message = InboundMessage::text(&request.channel_id, m.sender, m.text)
                .provider(provider, id.clone());
            if let Some(id) = id {
                message = message.idempotency_key(id);
            }
            if let Some(room) = m.room {
                message = message.room(room);
            }
            if let Some(metadata) = m.metadata {
                message = message.metadata(Value::Object(metadata).to_string());
            }
            Ok(message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &str) -> WebhookRequest {
        WebhookRequest {
            channel_id: "hook-in".into(),
            method: "POST".into(),
            path: "/v1/webhooks/hook-in".into(),
            query: String::new(),
            public_url: "https://desk.example.com/v1/webhooks/hook-in".into(),
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn one_message_becomes_an_inbound_message_keyed_by_its_id() {
        let messages = parse(
            &request(r#"{"sender":"+15550001","text":"hi","id":"m-1"}"#),
            "webhook",
        )
        .unwrap();
        let [m] = messages.as_slice() else {
            panic!("{messages:?}")
        };
        assert_eq!(
            (m.channel_id.as_str(), m.sender_id.as_str()),
            ("hook-in", "+15550001")
        );
        assert_eq!(m.content.as_text(), Some("hi"));
        assert_eq!(m.idempotency_key.as_deref(), Some("m-1"));
        assert_eq!(m.provider_message_id.as_deref(), Some("m-1"));
        assert_eq!(m.provider.as_deref(), Some("webhook"));
        assert_eq!(m.room_id, None);
    }

    #[test]
    fn lists_envelopes_rooms_and_metadata_are_taken() {
        let body = r#"{"messages":[{"sender":"a","text":"1","id":7,"room":"r1","metadata":{"k":1}},
                                   {"sender":"b","text":"2","extra":true}]}"#;
        let messages = parse(&request(body), "webhook").unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].idempotency_key.as_deref(), Some("7"));
        assert_eq!(messages[0].room_id.as_deref(), Some("r1"));
        assert_eq!(messages[0].metadata, r#"{"k":1}"#);
        assert_eq!(messages[1].idempotency_key, None);
        let many = parse(
            &request(r#"[{"sender":"a","text":"x"},{"sender":"b","text":"y"}]"#),
            "w",
        )
        .unwrap();
        assert_eq!(many.len(), 2);
    }

    #[test]
    fn malformed_bodies_are_errors() {
        for body in [
            "",
            "hi",
            r#"{"text":"no sender"}"#,
            r#"{"sender":"","text":"x"}"#,
            r#"{"sender":"a","text":"x","id":{"n":1}}"#,
            r#"{"sender":"a","text":5}"#,
        ] {
            assert!(parse(&request(body), "w").is_err(), "{body}");
        }
        let too_many = format!(
            "[{}]",
            vec![r#"{"sender":"a","text":"x"}"#; MAX_MESSAGES + 1].join(",")
        );
        assert!(parse(&request(&too_many), "w").is_err());
    }
}
