//! Webhooks Telnyx sends: `{"data": {"event_type", "id", "occurred_at", "payload": {…}},
//! "meta": {…}}` as `application/json`.
//!
//! - `message.received`: an SMS or MMS to one of the account's numbers. `payload.id`,
//!   `payload.from.phone_number` and `payload.to[0].phone_number` are required; `text` may be
//!   missing or null (an MMS without text); `media` is a list of `{"url", "content_type"}`, at
//!   most [`MAX_MEDIA`](crate::outbound::MAX_MEDIA). It becomes an [`SmsMeta`] (provider
//!   `telnyx`, `raw` the whole webhook) and from it the inbound message: sender, text / media /
//!   composite content, `payload.id` as provider message id and idempotency key.
//! - `message.sent`, `message.finalized`: a status update for a message this plugin sent
//!   ([`crate::status`]).
//! - Any other event type is acknowledged and ignored.
//!
//! Telnyx gets an empty `200` for every webhook that parses. Anything else — not JSON, not
//! Telnyx's envelope, a missing field, too many media, another content type — is an error
//! naming what is wrong (the host answers it `400`).

use roomkit_sdk::sms::{SmsMedia, SmsMeta};
use roomkit_sdk::{WebhookRequest, WebhookResponse, WebhookResult};
use serde::Deserialize;
use serde_json::Value;

use crate::outbound::MAX_MEDIA;
use crate::status::{self, EventInfo, StatusPayload};

/// The provider name on inbound messages and in their `sms` metadata.
pub const PROVIDER: &str = "telnyx";

/// A media type given when Telnyx gives none.
const UNKNOWN_MEDIA_TYPE: &str = "application/octet-stream";

#[derive(Deserialize)]
struct Envelope {
    data: Event,
}

#[derive(Deserialize)]
struct Event {
    event_type: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    occurred_at: Option<String>,
    payload: Value,
}

#[derive(Deserialize)]
struct Received {
    id: String,
    from: Address,
    to: Vec<Address>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    media: Option<Vec<Media>>,
}

#[derive(Deserialize)]
struct Address {
    phone_number: String,
}

#[derive(Deserialize)]
struct Media {
    url: String,
    #[serde(default)]
    content_type: Option<String>,
}

/// What `request` carries, with the empty `200` Telnyx expects.
pub fn parse(request: &WebhookRequest) -> Result<WebhookResult, String> {
    check_content_type(request)?;
    let raw: Value = serde_json::from_slice(&request.body)
        .map_err(|e| format!("Telnyx webhook body is not JSON: {e}"))?;
    let envelope = Envelope::deserialize(&raw).map_err(|e| {
        format!("Telnyx webhook is not {{\"data\": {{\"event_type\", \"payload\", …}}}}: {e}")
    })?;
    let event = envelope.data;
    let info = EventInfo {
        event_type: &event.event_type,
        event_id: event.id.as_deref(),
        occurred_at: event.occurred_at.as_deref(),
    };
    let result = WebhookResult::reply(WebhookResponse::empty());
    match event.event_type.as_str() {
        "message.received" => {
            let meta = received(&event.payload, raw.clone())?;
            let mut result = result;
            result.messages = vec![meta.to_inbound(&request.channel_id)];
            Ok(result)
        }
        "message.sent" | "message.finalized" => {
            let payload = StatusPayload::deserialize(&event.payload)
                .map_err(|e| format!("Telnyx {} webhook payload: {e}", event.event_type))?;
            let update = status::update(payload, info)?;
            Ok(result.with_status_updates(vec![update]))
        }
        _ => Ok(result),
    }
}

/// The content type must be JSON (`application/json`, parameters allowed).
fn check_content_type(request: &WebhookRequest) -> Result<(), String> {
    let Some(value) = request.header("content-type") else {
        return Err("Telnyx webhook without a content-type; expected application/json".to_owned());
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(format!(
            "Telnyx webhook has content-type {value:?}; expected application/json"
        ))
    }
}

/// The [`SmsMeta`] of a `message.received` payload; `raw` is the whole webhook.
fn received(payload: &Value, raw: Value) -> Result<SmsMeta, String> {
    let received = Received::deserialize(payload)
        .map_err(|e| format!("Telnyx message.received webhook payload: {e}"))?;
    let what = |field: &str| format!("Telnyx message.received webhook: payload.{field} is empty");
    if received.id.is_empty() {
        return Err(what("id"));
    }
    if received.from.phone_number.trim().is_empty() {
        return Err(what("from.phone_number"));
    }
    let Some(recipient) = received.to.first() else {
        return Err(what("to"));
    };
    if recipient.phone_number.trim().is_empty() {
        return Err(what("to[0].phone_number"));
    }
    let media = received.media.unwrap_or_default();
    if media.len() > MAX_MEDIA {
        return Err(format!(
            "Telnyx message.received webhook carries {} media; Telnyx sends at most {MAX_MEDIA} per MMS",
            media.len()
        ));
    }
    let media = media
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            if m.url.trim().is_empty() {
                return Err(what(&format!("media[{i}].url")));
            }
            Ok(SmsMedia {
                url: m.url,
                mime_type: m
                    .content_type
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or_else(|| UNKNOWN_MEDIA_TYPE.to_owned()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SmsMeta {
        provider: PROVIDER.to_owned(),
        sender: received.from.phone_number.trim().to_owned(),
        recipient: recipient.phone_number.trim().to_owned(),
        body: received.text.unwrap_or_default(),
        media,
        provider_message_id: Some(received.id),
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::types::Header;
    use roomkit_sdk::{Content, DeliveryStatus, Part};
    use serde_json::json;

    /// `message.received` as Telnyx's API reference shows it (inbound message callback).
    pub(crate) const RECEIVED: &str = r#"{
  "data": {
    "record_type": "event",
    "id": "bf6307bd-884d-4c1f-b6ea-c62b8c495d3c",
    "event_type": "message.received",
    "occurred_at": "2019-01-23T18:10:02.574Z",
    "payload": {
      "record_type": "message",
      "direction": "inbound",
      "id": "7ee4241c-f127-47e5-9c34-3aac291f8058",
      "type": "SMS",
      "messaging_profile_id": "0f512bda-ae1e-4597-8e11-e5f5686b97d3",
      "organization_id": "b448f9cc-a842-4784-98e9-03c1a5872950",
      "from": {"phone_number": "+18665550001", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"},
      "to": [{"phone_number": "+18445550001", "status": "delivered", "carrier": "TELNYX LLC", "line_type": "VoIP"}],
      "cc": [],
      "text": "Hello, World!",
      "media": [],
      "encoding": "GSM-7",
      "parts": 1,
      "received_at": "2019-01-23T18:10:02.574Z",
      "errors": []
    }
  },
  "meta": {"attempt": 1, "delivered_to": "https://www.example.com/hooks"}
}"#;

    /// `message.finalized` as Telnyx's messaging guide shows it (a delivery receipt).
    const FINALIZED: &str = r#"{
  "data": {
    "event_type": "message.finalized",
    "id": "4ee8c3a6-4995-4309-a3c6-38e3db9ea4be",
    "occurred_at": "2019-12-09T21:32:14.148+00:00",
    "payload": {
      "completed_at": "2019-12-09T21:32:14.148+00:00",
      "cost": {"amount": "0.0051", "currency": "USD"},
      "direction": "outbound",
      "encoding": "GSM-7",
      "errors": [],
      "from": {"carrier": "TELNYX LLC", "line_type": "VoIP", "phone_number": "+13125550001"},
      "id": "40385f64-5717-4562-b3fc-2c963f66afa6",
      "media": [],
      "messaging_profile_id": "4000eba1-a0c0-4563-9925-b25e842a7cb6",
      "parts": 1,
      "record_type": "message",
      "sent_at": "2019-12-09T21:32:13.552+00:00",
      "text": "Hello there!",
      "to": [{"carrier": "T-MOBILE USA, INC.", "line_type": "Wireless", "phone_number": "+13125550002", "status": "delivered"}],
      "type": "SMS",
      "valid_until": "2019-12-09T22:32:12.399+00:00"
    },
    "record_type": "event"
  },
  "meta": {"attempt": 1, "delivered_to": "https://example.com/webhooks"}
}"#;

    fn request(content_type: Option<&str>, body: &str) -> WebhookRequest {
        WebhookRequest {
            channel_id: "sms".into(),
            method: "POST".into(),
            path: "/v1/webhooks/sms".into(),
            query: String::new(),
            public_url: "https://desk.example.com/v1/webhooks/sms".into(),
            headers: content_type
                .map(|value| Header {
                    name: "content-type".into(),
                    value: value.into(),
                })
                .into_iter()
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn json_request(body: &str) -> WebhookRequest {
        request(Some("application/json"), body)
    }

    fn with_payload(event_type: &str, payload: Value) -> String {
        json!({"data": {"event_type": event_type, "id": "ev-1", "occurred_at": "2026-12-06T17:00:00Z", "payload": payload}})
            .to_string()
    }

    #[test]
    fn an_inbound_sms_becomes_a_message_with_its_sms_meta() {
        let result = parse(&json_request(RECEIVED)).unwrap();
        assert_eq!(result.response, Some(WebhookResponse::empty()));
        assert!(result.status_updates.is_empty());
        let [m] = result.messages.as_slice() else {
            panic!("{result:?}")
        };
        assert_eq!(m.channel_id, "sms");
        assert_eq!(m.sender_id, "+18665550001");
        assert_eq!(m.content.as_text(), Some("Hello, World!"));
        assert_eq!(m.provider.as_deref(), Some("telnyx"));
        assert_eq!(
            m.provider_message_id.as_deref(),
            Some("7ee4241c-f127-47e5-9c34-3aac291f8058")
        );
        assert_eq!(
            m.idempotency_key.as_deref(),
            Some("7ee4241c-f127-47e5-9c34-3aac291f8058")
        );
        assert_eq!(m.room_id, None);
        let metadata: Value = serde_json::from_str(&m.metadata).unwrap();
        let raw: Value = serde_json::from_str(RECEIVED).unwrap();
        assert_eq!(
            metadata,
            json!({"sms": {
                "provider": "telnyx",
                "sender": "+18665550001",
                "recipient": "+18445550001",
                "body": "Hello, World!",
                "media": [],
                "provider_message_id": "7ee4241c-f127-47e5-9c34-3aac291f8058",
                "raw": raw,
            }})
        );
    }

    #[test]
    fn an_inbound_mms_carries_its_media() {
        let one = with_payload(
            "message.received",
            json!({"id": "m-1", "from": {"phone_number": "+14185551234"},
                   "to": [{"phone_number": "+15145550000"}], "text": "Check out this photo!",
                   "media": [{"url": "https://media.telnyx.com/abc123/image.jpg", "content_type": "image/jpeg", "size": 245760}]}),
        );
        let result = parse(&json_request(&one)).unwrap();
        let Content::Media(media) = &result.messages[0].content else {
            panic!("{:?}", result.messages[0].content)
        };
        assert_eq!(media.url, "https://media.telnyx.com/abc123/image.jpg");
        assert_eq!(media.mime_type, "image/jpeg");
        assert_eq!(media.caption.as_deref(), Some("Check out this photo!"));

        // Two media, no text, one without a content type.
        let two = with_payload(
            "message.received",
            json!({"id": "m-2", "from": {"phone_number": "+14185551234"},
                   "to": [{"phone_number": "+15145550000"}], "text": null,
                   "media": [{"url": "https://media.telnyx.com/1.png", "content_type": "image/png"},
                             {"url": "https://media.telnyx.com/2.bin", "content_type": null}]}),
        );
        let result = parse(&json_request(&two)).unwrap();
        let Content::Composite(parts) = &result.messages[0].content else {
            panic!("{:?}", result.messages[0].content)
        };
        let types: Vec<&str> = parts
            .iter()
            .map(|p| match p {
                Part::Media(m) => m.mime_type.as_str(),
                _ => "other",
            })
            .collect();
        assert_eq!(types, ["image/png", "application/octet-stream"]);
        let metadata: Value = serde_json::from_str(&result.messages[0].metadata).unwrap();
        assert_eq!(metadata["sms"]["body"], "");
    }

    #[test]
    fn delivery_receipts_become_status_updates() {
        let result = parse(&json_request(FINALIZED)).unwrap();
        assert_eq!(result.response, Some(WebhookResponse::empty()));
        assert!(result.messages.is_empty());
        let [update] = result.status_updates.as_slice() else {
            panic!("{result:?}")
        };
        assert_eq!(
            update.provider_message_id,
            "40385f64-5717-4562-b3fc-2c963f66afa6"
        );
        assert_eq!(update.status, DeliveryStatus::Delivered);
        assert_eq!(
            (
                update.error_code.as_deref(),
                update.error_message.as_deref()
            ),
            (None, None)
        );

        let sent = with_payload(
            "message.sent",
            json!({"id": "m-9", "to": [{"phone_number": "+15145550000", "status": "sent"}], "errors": []}),
        );
        let result = parse(&json_request(&sent)).unwrap();
        assert_eq!(result.status_updates[0].status, DeliveryStatus::Sent);
        assert_eq!(result.status_updates[0].provider_message_id, "m-9");

        let failed = with_payload(
            "message.finalized",
            json!({"id": "m-9", "to": [{"phone_number": "+15145550000", "status": "sending_failed"}],
                   "errors": [{"code": "40300", "title": "Blocked due to STOP message", "detail": "The recipient replied STOP."}]}),
        );
        let update = &parse(&json_request(&failed)).unwrap().status_updates[0];
        assert_eq!(update.status, DeliveryStatus::Failed);
        assert_eq!(update.error_code.as_deref(), Some("40300"));
        assert_eq!(
            update.error_message.as_deref(),
            Some("Blocked due to STOP message: The recipient replied STOP.")
        );
    }

    #[test]
    fn other_events_are_acknowledged_and_ignored() {
        for event_type in ["call.initiated", "10dlc.campaign.update", "message.unknown"] {
            let body = with_payload(event_type, json!({"anything": true}));
            let result = parse(&json_request(&body)).unwrap();
            assert_eq!(
                result,
                WebhookResult::reply(WebhookResponse::empty()),
                "{event_type}"
            );
        }
    }

    #[test]
    fn the_content_type_must_be_json() {
        assert!(parse(&request(Some("application/json; charset=utf-8"), RECEIVED)).is_ok());
        assert!(parse(&request(Some("Application/JSON"), RECEIVED)).is_ok());
        assert_eq!(
            parse(&request(
                Some("application/x-www-form-urlencoded"),
                RECEIVED
            ))
            .unwrap_err(),
            "Telnyx webhook has content-type \"application/x-www-form-urlencoded\"; expected application/json"
        );
        assert_eq!(
            parse(&request(None, RECEIVED)).unwrap_err(),
            "Telnyx webhook without a content-type; expected application/json"
        );
    }

    #[test]
    fn malformed_webhooks_are_errors_that_say_why() {
        let err = |body: &str| parse(&json_request(body)).unwrap_err();
        assert!(
            err("").starts_with("Telnyx webhook body is not JSON"),
            "{}",
            err("")
        );
        assert!(err("hello").starts_with("Telnyx webhook body is not JSON"));
        assert!(
            err(r#"{"event_type":"message.received"}"#)
                .starts_with("Telnyx webhook is not {\"data\": {\"event_type\", \"payload\", …}}: missing field `data`"),
            "{}",
            err(r#"{"event_type":"message.received"}"#)
        );
        assert!(err(r#"{"data":{"payload":{}}}"#).contains("missing field `event_type`"));
        assert!(
            err(r#"{"data":{"event_type":"message.received"}}"#)
                .contains("missing field `payload`")
        );

        let received = |payload: Value| err(&with_payload("message.received", payload));
        let base = json!({"id": "m-1", "from": {"phone_number": "+1"}, "to": [{"phone_number": "+2"}], "text": "x"});
        let without = |field: &str| {
            let mut p = base.clone();
            p.as_object_mut().unwrap().remove(field);
            p
        };
        assert_eq!(
            received(without("from")),
            "Telnyx message.received webhook payload: missing field `from`"
        );
        assert_eq!(
            received(without("id")),
            "Telnyx message.received webhook payload: missing field `id`"
        );
        assert_eq!(
            received(without("to")),
            "Telnyx message.received webhook payload: missing field `to`"
        );
        let mut p = base.clone();
        p["to"] = json!([]);
        assert_eq!(
            received(p),
            "Telnyx message.received webhook: payload.to is empty"
        );
        let mut p = base.clone();
        p["from"] = json!({"phone_number": " "});
        assert_eq!(
            received(p),
            "Telnyx message.received webhook: payload.from.phone_number is empty"
        );
        let mut p = base.clone();
        p["text"] = json!(5);
        assert!(received(p).starts_with("Telnyx message.received webhook payload: invalid type"));
        let mut p = base.clone();
        p["media"] = json!([{"url": ""}]);
        assert_eq!(
            received(p),
            "Telnyx message.received webhook: payload.media[0].url is empty"
        );
        let mut p = base.clone();
        p["media"] = json!((0..=MAX_MEDIA)
            .map(|i| json!({"url": format!("https://media.telnyx.com/{i}.jpg"), "content_type": "image/jpeg"}))
            .collect::<Vec<_>>());
        assert_eq!(
            received(p),
            "Telnyx message.received webhook carries 11 media; Telnyx sends at most 10 per MMS"
        );

        assert_eq!(
            err(&with_payload(
                "message.finalized",
                json!({"to": [{"status": "sent"}]})
            )),
            "Telnyx message.finalized webhook payload: missing field `id`"
        );
        assert_eq!(
            err(&with_payload(
                "message.sent",
                json!({"id": "m-1", "to": [{"phone_number": "+1"}]})
            )),
            "Telnyx message.sent webhook payload: missing field `status`"
        );
    }
}
