//! VoiceMeUp webhooks into inbound messages and status updates.
//!
//! A `POST` carries one webhook ([`crate::payload`]): a whole message is emitted at once, the
//! parts of a split MMS go through [`crate::merge`], an `outbound` webhook becomes a status
//! update. Before that, held parts older than the merge window are emitted alone; a `GET`
//! (the operator's scheduled call, with the same token) does only that. Every request is
//! answered with an empty `200`. The body is read and checked before anything held is
//! touched, so a malformed webhook changes nothing.

use roomkit_sdk::sms::{SmsMedia, SmsMeta};
use roomkit_sdk::types::DeliveryStatus;
use roomkit_sdk::{InboundMessage, StatusUpdate, WebhookRequest, WebhookResponse, WebhookResult};
use serde_json::{Value, json};

use crate::merge::{self, Emit};
use crate::payload::{self, Kind, Payload};

/// The messages and status updates of `request` at `now_ms`, with held MMS parts merged or
/// flushed with a window of `window_ms`.
pub fn handle(
    request: &WebhookRequest,
    window_ms: u64,
    now_ms: u64,
) -> Result<WebhookResult, String> {
    let channel = request.channel_id.as_str();
    let current = if request.method.eq_ignore_ascii_case("GET") {
        None
    } else {
        let payload = payload::read(request)?;
        let kind = payload.kind();
        // Everything a message needs is checked before the held parts are touched.
        payload.require("sms_hash")?;
        if kind != Kind::Outbound {
            payload.correlation()?;
        }
        Some((payload, kind))
    };
    let updates: Vec<StatusUpdate> = match &current {
        Some((payload, Kind::Outbound)) => status_update(payload)?.into_iter().collect(),
        _ => Vec::new(),
    };
    let mut emits = merge::flush(channel, window_ms, now_ms);
    match current {
        None | Some((_, Kind::Outbound)) => {}
        Some((payload, Kind::Complete)) => emits.push(Emit::Alone(payload, Kind::Complete)),
        Some((payload, kind)) => {
            emits.extend(merge::take(channel, window_ms, now_ms, payload, kind)?)
        }
    }
    let messages = emits.into_iter().map(|e| message(channel, e)).collect();
    Ok(WebhookResult {
        messages,
        status_updates: updates,
        response: Some(WebhookResponse::empty()),
    })
}

/// The inbound message of what the merge gives.
pub fn message(channel: &str, emit: Emit) -> InboundMessage {
    let (meta_of, media, raw) = match emit {
        Emit::Alone(payload, kind) => {
            let media = match (kind, payload.attachment()) {
                (Kind::TextPart, _) | (_, None) => Vec::new(),
                (_, Some(url)) => vec![SmsMedia {
                    url,
                    mime_type: payload.attachment_type(),
                }],
            };
            let raw = Value::Object(payload.raw.clone());
            (payload, media, raw)
        }
        Emit::Merged { text, media } => {
            let items = media
                .attachment()
                .map(|url| SmsMedia {
                    url,
                    mime_type: media.attachment_type(),
                })
                .into_iter()
                .collect();
            let raw = json!({"text_part": text.raw, "media_part": media.raw});
            (text, items, raw)
        }
    };
    SmsMeta {
        provider: "voicemeup".to_owned(),
        sender: with_plus(&meta_of.get("source_number").unwrap_or_default()),
        recipient: with_plus(&meta_of.get("destination_number").unwrap_or_default()),
        body: meta_of.message(),
        media,
        provider_message_id: meta_of.get("sms_hash"),
        raw,
    }
    .to_inbound(channel)
}

/// A North American number as VoiceMeUp writes it (11 digits starting with 1) with its `+`;
/// anything else as it came.
fn with_plus(number: &str) -> String {
    if number.len() == 11 && number.starts_with('1') && number.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{number}")
    } else {
        number.to_owned()
    }
}

/// VoiceMeUp's `transmission_status` of a sent message as RoomKit's status; `None` for values
/// it does not name.
pub fn status(transmission_status: &str) -> Option<DeliveryStatus> {
    Some(match transmission_status.to_ascii_lowercase().as_str() {
        "pending" | "queued" => DeliveryStatus::Queued,
        "completed" | "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "failed" | "error" | "rejected" | "undelivered" => DeliveryStatus::Failed,
        _ => return None,
    })
}

fn status_update(payload: &Payload) -> Result<Option<StatusUpdate>, String> {
    let hash = payload.require("sms_hash")?;
    let reported = payload.require("transmission_status")?;
    let Some(mapped) = status(&reported) else {
        roomkit_sdk::log::info(&format!(
            "VoiceMeUp transmission_status {reported:?} of {hash} is not a delivery status; no update"
        ));
        return Ok(None);
    };
    let mut update = StatusUpdate::new(hash, mapped);
    if mapped == DeliveryStatus::Failed {
        update.error_code = Some(reported.clone());
        update.error_message = payload
            .get("transmission_status_message")
            .or(Some(reported.clone()));
    }
    update.metadata =
        json!({"transmission_status": reported, "raw": Value::Object(payload.raw.clone())})
            .to_string();
    Ok(Some(update))
}
