//! Status callbacks: Twilio's news about a message it was given (`StatusCallback`).
//!
//! A status callback is a form post like an inbound message's, with `MessageStatus` (and the
//! older `SmsStatus`) and, for `failed` and `undelivered`, `ErrorCode`. Its statuses map onto
//! the host's: `accepted`, `scheduled`, `queued` and `sending` are queued; `sent` (and
//! `partially_delivered`) sent; `delivered`; `read`; `failed`, `undelivered` and `canceled`
//! failed. `receiving` and `received` describe inbound messages, which are not status
//! callbacks. A status Twilio adds later is [`Kind::Unknown`]: answered 200 and not stored.

use roomkit_sdk::{DeliveryStatus, StatusUpdate, form};

use crate::inbound::{message_sid, raw};

/// What a `MessageStatus` value says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A status of a message Twilio sends.
    Outbound(DeliveryStatus),
    /// `receiving` / `received`: an inbound message.
    Inbound,
    /// A value this plugin does not know.
    Unknown(String),
}

/// What `status` (a `MessageStatus` value, any case) means.
pub fn kind(status: &str) -> Kind {
    match status.trim().to_ascii_lowercase().as_str() {
        "accepted" | "scheduled" | "queued" | "sending" => Kind::Outbound(DeliveryStatus::Queued),
        "sent" | "partially_delivered" => Kind::Outbound(DeliveryStatus::Sent),
        "delivered" => Kind::Outbound(DeliveryStatus::Delivered),
        "read" => Kind::Outbound(DeliveryStatus::Read),
        "failed" | "undelivered" | "canceled" => Kind::Outbound(DeliveryStatus::Failed),
        "receiving" | "received" => Kind::Inbound,
        _ => Kind::Unknown(status.to_owned()),
    }
}

/// The status update of a callback whose `MessageStatus` maps to `status`.
pub fn update(fields: &[(String, String)], status: DeliveryStatus) -> Result<StatusUpdate, String> {
    let sid = message_sid(fields).ok_or("Twilio status callback has no `MessageSid`")?;
    let mut update = StatusUpdate::new(sid, status);
    let code = form::get(fields, "ErrorCode")
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "0");
    if let Some(code) = code {
        update.error_code = Some(code.to_owned());
        update.error_message = form::get(fields, "ErrorMessage")
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .or_else(|| error_text(code).map(str::to_owned));
    }
    update.metadata = raw(fields).to_string();
    Ok(update)
}

/// Twilio's title for the delivery error codes a status callback carries most often (its
/// error dictionary, `https://www.twilio.com/docs/api/errors/{code}`).
pub fn error_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "30001" => "Queue overflow",
        "30002" => "Account suspended",
        "30003" => "Unreachable destination handset",
        "30004" => "Message blocked",
        "30005" => "Unknown destination handset",
        "30006" => "Landline or unreachable carrier",
        "30007" => "Message filtered",
        "30008" => "Unknown error",
        "30009" => "Missing inbound segment",
        "30010" => "Message price exceeds max price",
        "30034" => "Message from an unregistered number",
        "21610" => "Attempt to send to unsubscribed recipient",
        "21614" => "'To' number is not a valid mobile number",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A status callback as Twilio documents it ("Track the Message Status of Outbound
    /// Messages").
    pub(crate) const DELIVERED: &str = "AccountSid=AC0123456789abcdef0123456789abcdef\
        &From=%2B15145550000&MessageSid=SM0123456789abcdef0123456789abcdef\
        &MessageStatus=delivered&SmsSid=SM0123456789abcdef0123456789abcdef&SmsStatus=delivered\
        &To=%2B14185551234&ApiVersion=2010-04-01&RawDlrDoneDate=2612061830";

    fn fields(body: &str) -> Vec<(String, String)> {
        form::decode(body.as_bytes())
    }

    #[test]
    fn every_documented_status_maps() {
        let cases = [
            ("accepted", Kind::Outbound(DeliveryStatus::Queued)),
            ("scheduled", Kind::Outbound(DeliveryStatus::Queued)),
            ("queued", Kind::Outbound(DeliveryStatus::Queued)),
            ("sending", Kind::Outbound(DeliveryStatus::Queued)),
            ("sent", Kind::Outbound(DeliveryStatus::Sent)),
            ("partially_delivered", Kind::Outbound(DeliveryStatus::Sent)),
            ("delivered", Kind::Outbound(DeliveryStatus::Delivered)),
            ("Delivered", Kind::Outbound(DeliveryStatus::Delivered)),
            ("read", Kind::Outbound(DeliveryStatus::Read)),
            ("failed", Kind::Outbound(DeliveryStatus::Failed)),
            ("undelivered", Kind::Outbound(DeliveryStatus::Failed)),
            ("canceled", Kind::Outbound(DeliveryStatus::Failed)),
            ("received", Kind::Inbound),
            ("receiving", Kind::Inbound),
            ("teleported", Kind::Unknown("teleported".into())),
        ];
        for (status, expected) in cases {
            assert_eq!(kind(status), expected, "{status}");
        }
    }

    #[test]
    fn a_delivered_callback_is_an_update_with_the_raw_fields() {
        let update = update(&fields(DELIVERED), DeliveryStatus::Delivered).unwrap();
        assert_eq!(
            update.provider_message_id,
            "SM0123456789abcdef0123456789abcdef"
        );
        assert_eq!(update.status, DeliveryStatus::Delivered);
        assert_eq!((update.error_code, update.error_message), (None, None));
        let metadata: serde_json::Value = serde_json::from_str(&update.metadata).unwrap();
        assert_eq!(metadata["RawDlrDoneDate"], "2612061830");
        assert_eq!(metadata["To"], "+14185551234");
    }

    #[test]
    fn an_error_code_gets_twilios_text_when_known() {
        let undelivered = DELIVERED.replace("=delivered", "=undelivered") + "&ErrorCode=30003";
        let update = update(&fields(&undelivered), DeliveryStatus::Failed).unwrap();
        assert_eq!(update.error_code.as_deref(), Some("30003"));
        assert_eq!(
            update.error_message.as_deref(),
            Some("Unreachable destination handset")
        );

        let unknown_code = DELIVERED.replace("=delivered", "=failed") + "&ErrorCode=63016";
        let update = super::update(&fields(&unknown_code), DeliveryStatus::Failed).unwrap();
        assert_eq!(
            (update.error_code.as_deref(), update.error_message),
            (Some("63016"), None)
        );

        let with_text = DELIVERED.replace("=delivered", "=failed")
            + "&ErrorCode=30008&ErrorMessage=Carrier+said+no";
        let update = super::update(&fields(&with_text), DeliveryStatus::Failed).unwrap();
        assert_eq!(update.error_message.as_deref(), Some("Carrier said no"));
    }

    #[test]
    fn a_callback_without_a_sid_is_an_error() {
        assert_eq!(
            update(&fields("MessageStatus=sent&To=%2B1"), DeliveryStatus::Sent).unwrap_err(),
            "Twilio status callback has no `MessageSid`"
        );
    }
}
