//! Delivery status: what Telnyx's `message.sent` and `message.finalized` webhooks say about a
//! message this plugin sent, as a [`StatusUpdate`].
//!
//! The message's `to[].status` (Telnyx's words) maps to the host's:
//!
//! | Telnyx | host |
//! |---|---|
//! | `scheduled`, `queued`, `sending` | queued |
//! | `sent`, `delivery_unconfirmed` (the carrier took it but never confirmed) | sent |
//! | `delivered` | delivered |
//! | `sending_failed`, `delivery_failed`, `expired`, `cancelled` | failed |
//!
//! The update names the message by `payload.id` (the id `deliver`'s receipt gave). For a group
//! MMS the first recipient's status stands for the message. The first entry of `errors` gives
//! the error code and text; the metadata keeps Telnyx's own status, the event's id, type and
//! time, the recipient and every error.

use roomkit_sdk::{DeliveryStatus, StatusUpdate};
use serde::Deserialize;
use serde_json::json;

use crate::outbound::TelnyxError;

/// The host's status for Telnyx's `to[].status`; `None` for a status Telnyx has not
/// documented.
pub fn delivery_status(telnyx: &str) -> Option<DeliveryStatus> {
    Some(match telnyx {
        "scheduled" | "queued" | "sending" => DeliveryStatus::Queued,
        "sent" | "delivery_unconfirmed" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "sending_failed" | "delivery_failed" | "expired" | "cancelled" => DeliveryStatus::Failed,
        _ => return None,
    })
}

/// The `payload` of a `message.sent` or `message.finalized` event.
#[derive(Debug, Deserialize)]
pub struct StatusPayload {
    /// Telnyx's id for the message.
    pub id: String,
    /// Its recipients and where each stands.
    pub to: Vec<Recipient>,
    /// What went wrong, if anything.
    #[serde(default)]
    pub errors: Option<Vec<TelnyxError>>,
}

/// One entry of `to`.
#[derive(Debug, Deserialize)]
pub struct Recipient {
    /// The number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Telnyx's status for it.
    pub status: String,
}

/// What the event around the payload says.
#[derive(Debug, Clone, Copy)]
pub struct EventInfo<'a> {
    /// `data.event_type`.
    pub event_type: &'a str,
    /// `data.id`.
    pub event_id: Option<&'a str>,
    /// `data.occurred_at`.
    pub occurred_at: Option<&'a str>,
}

/// The update `payload` makes; an error names what is missing or unknown.
pub fn update(payload: StatusPayload, event: EventInfo<'_>) -> Result<StatusUpdate, String> {
    if payload.id.is_empty() {
        return Err(format!(
            "Telnyx {} webhook: payload.id is empty",
            event.event_type
        ));
    }
    let Some(first) = payload.to.first() else {
        return Err(format!(
            "Telnyx {} webhook for message {}: payload.to is empty",
            event.event_type, payload.id
        ));
    };
    let status = delivery_status(&first.status).ok_or_else(|| {
        format!(
            "Telnyx {} webhook for message {}: status {:?} is not one Telnyx documents",
            event.event_type, payload.id, first.status
        )
    })?;
    let errors = payload.errors.unwrap_or_default();
    let mut update = StatusUpdate::new(payload.id.clone(), status);
    if let Some(error) = errors.first() {
        update.error_code = error.code.clone();
        update.error_message = Some(error.text());
    }
    update.metadata = json!({
        "provider": "telnyx",
        "telnyx_status": first.status,
        "recipient": first.phone_number,
        "event_type": event.event_type,
        "event_id": event.event_id,
        "occurred_at": event.occurred_at,
        "errors": errors
            .iter()
            .map(|e| json!({"code": e.code, "title": e.title, "detail": e.detail}))
            .collect::<Vec<_>>(),
    })
    .to_string();
    Ok(update)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: EventInfo<'static> = EventInfo {
        event_type: "message.finalized",
        event_id: Some("4ee8c3a6-4995-4309-a3c6-38e3db9ea4be"),
        occurred_at: Some("2019-12-09T21:32:14.148+00:00"),
    };

    #[test]
    fn every_documented_status_maps() {
        for (telnyx, host) in [
            ("scheduled", DeliveryStatus::Queued),
            ("queued", DeliveryStatus::Queued),
            ("sending", DeliveryStatus::Queued),
            ("sent", DeliveryStatus::Sent),
            ("delivery_unconfirmed", DeliveryStatus::Sent),
            ("delivered", DeliveryStatus::Delivered),
            ("sending_failed", DeliveryStatus::Failed),
            ("delivery_failed", DeliveryStatus::Failed),
            ("expired", DeliveryStatus::Failed),
            ("cancelled", DeliveryStatus::Failed),
        ] {
            assert_eq!(delivery_status(telnyx), Some(host), "{telnyx}");
        }
        assert_eq!(delivery_status("Delivered"), None);
        assert_eq!(delivery_status("read"), None);
    }

    #[test]
    fn a_failure_carries_the_first_error() {
        let payload: StatusPayload = serde_json::from_str(
            r#"{"id":"40385f64-5717-4562-b3fc-2c963f66afa6",
                "to":[{"phone_number":"+18665550001","status":"delivery_failed"}],
                "errors":[{"code":"40002","title":"Blocked as spam","detail":"The message was blocked by the carrier."},
                          {"code":"40008","title":"Undeliverable"}]}"#,
        )
        .unwrap();
        let update = update(payload, EVENT).unwrap();
        assert_eq!(
            update.provider_message_id,
            "40385f64-5717-4562-b3fc-2c963f66afa6"
        );
        assert_eq!(update.status, DeliveryStatus::Failed);
        assert_eq!(update.error_code.as_deref(), Some("40002"));
        assert_eq!(
            update.error_message.as_deref(),
            Some("Blocked as spam: The message was blocked by the carrier.")
        );
        let metadata: serde_json::Value = serde_json::from_str(&update.metadata).unwrap();
        assert_eq!(
            metadata,
            json!({
                "provider": "telnyx",
                "telnyx_status": "delivery_failed",
                "recipient": "+18665550001",
                "event_type": "message.finalized",
                "event_id": "4ee8c3a6-4995-4309-a3c6-38e3db9ea4be",
                "occurred_at": "2019-12-09T21:32:14.148+00:00",
                "errors": [
                    {"code": "40002", "title": "Blocked as spam", "detail": "The message was blocked by the carrier."},
                    {"code": "40008", "title": "Undeliverable", "detail": null}
                ]
            })
        );
    }

    #[test]
    fn missing_recipients_and_unknown_statuses_are_errors() {
        let empty: StatusPayload = serde_json::from_str(r#"{"id":"m-1","to":[]}"#).unwrap();
        assert_eq!(
            update(empty, EVENT).unwrap_err(),
            "Telnyx message.finalized webhook for message m-1: payload.to is empty"
        );
        let odd: StatusPayload =
            serde_json::from_str(r#"{"id":"m-1","to":[{"status":"teleported"}]}"#).unwrap();
        assert_eq!(
            update(odd, EVENT).unwrap_err(),
            "Telnyx message.finalized webhook for message m-1: status \"teleported\" is not one Telnyx documents"
        );
        let no_id: StatusPayload =
            serde_json::from_str(r#"{"id":"","to":[{"status":"sent"}]}"#).unwrap();
        assert!(
            update(no_id, EVENT)
                .unwrap_err()
                .contains("payload.id is empty")
        );
    }
}
