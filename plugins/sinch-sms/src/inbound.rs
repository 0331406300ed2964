//! Sinch's SMS callbacks: mobile-originated messages (`mo_text`, `mo_media`, `mo_binary`) and
//! delivery reports (`delivery_report_sms`/`_mms`, `recipient_delivery_report_sms`/`_mms`).
//!
//! | callback | becomes |
//! |---|---|
//! | `mo_text` | an inbound text message ([`SmsMeta`], provider `sinch`, id = idempotency key) |
//! | `mo_media` | an inbound MMS: `body.message` (and `body.subject`) as text, every `Uploaded` item of `body.media` as media (at most [`MAX_MEDIA`]) |
//! | `mo_binary` | nothing: a binary SMS (UDH + Base64 payload) has no text or media to show; acknowledged and logged |
//! | `delivery_report_sms`, `delivery_report_mms` | one status update per entry of `statuses`, for `batch_id` |
//! | `recipient_delivery_report_sms`, `recipient_delivery_report_mms` | one status update for `batch_id` |
//!
//! Sinch writes international numbers without their `+`; a sender of digits only gets it back.
//! Sinch wants a 2xx answer (it retries on 5xx and 429), so every callback is answered with an
//! empty `200`.

use roomkit_sdk::sms::{SmsMedia, SmsMeta};
use roomkit_sdk::types::DeliveryStatus;
use roomkit_sdk::{InboundMessage, StatusUpdate, WebhookRequest, WebhookResponse, WebhookResult};
use serde::Deserialize;
use serde_json::{Value, json};

/// The most media items one `mo_media` callback may carry.
pub const MAX_MEDIA: usize = 10;

#[derive(Deserialize)]
struct MoText {
    id: String,
    from: String,
    to: String,
    body: String,
}

#[derive(Deserialize)]
struct MoMedia {
    id: String,
    from: String,
    to: String,
    body: MediaBody,
}

#[derive(Deserialize)]
struct MediaBody {
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    media: Vec<MediaItem>,
}

#[derive(Deserialize)]
struct MediaItem {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct BatchReport {
    batch_id: String,
    statuses: Vec<BatchStatus>,
}

#[derive(Deserialize)]
struct BatchStatus {
    status: String,
    #[serde(default)]
    code: Option<Value>,
}

#[derive(Deserialize)]
struct RecipientReport {
    batch_id: String,
    status: String,
    #[serde(default)]
    code: Option<Value>,
}

/// The messages and status updates of a Sinch callback.
pub fn parse(request: &WebhookRequest) -> Result<WebhookResult, String> {
    let content_type = request.header("content-type").unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(format!(
            "Sinch callbacks are JSON; this one's content-type is {content_type:?}"
        ));
    }
    let raw: Value = serde_json::from_slice(&request.body)
        .map_err(|e| format!("Sinch callback body is not JSON: {e}"))?;
    let kind = raw
        .get("type")
        .and_then(Value::as_str)
        .ok_or("Sinch callback has no string `type`")?
        .to_owned();
    let field_error = |e: serde_json::Error| format!("Sinch `{kind}` callback: {e}");
    let mut result = WebhookResult::messages(Vec::new()).with_response(WebhookResponse::empty());
    match kind.as_str() {
        "mo_text" => {
            let mo: MoText = serde_json::from_value(raw.clone()).map_err(field_error)?;
            result.messages.push(message(
                &request.channel_id,
                mo.id,
                &mo.from,
                mo.to,
                mo.body,
                Vec::new(),
                raw,
            )?);
        }
        "mo_media" => {
            let mo: MoMedia = serde_json::from_value(raw.clone()).map_err(field_error)?;
            if mo.body.media.len() > MAX_MEDIA {
                return Err(format!(
                    "Sinch `mo_media` callback carries {} media items; at most {MAX_MEDIA}",
                    mo.body.media.len()
                ));
            }
            let media = mo
                .body
                .media
                .iter()
                .filter(|m| {
                    m.status
                        .as_deref()
                        .is_none_or(|s| s.eq_ignore_ascii_case("Uploaded"))
                })
                .filter_map(|m| {
                    Some(SmsMedia {
                        url: m.url.clone().filter(|u| !u.is_empty())?,
                        mime_type: m
                            .content_type
                            .clone()
                            .unwrap_or_else(|| "application/octet-stream".to_owned()),
                    })
                })
                .collect();
            let text = [mo.body.subject, mo.body.message]
                .into_iter()
                .flatten()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            result.messages.push(message(
                &request.channel_id,
                mo.id,
                &mo.from,
                mo.to,
                text,
                media,
                raw,
            )?);
        }
        "mo_binary" => {
            let id = raw.get("id").and_then(Value::as_str).unwrap_or("?");
            roomkit_sdk::log::info(&format!(
                "Sinch binary SMS {id} acknowledged: a binary payload has no text or media to store"
            ));
        }
        "delivery_report_sms" | "delivery_report_mms" => {
            let report: BatchReport = serde_json::from_value(raw.clone()).map_err(field_error)?;
            for entry in report.statuses {
                result.status_updates.extend(update(
                    &report.batch_id,
                    &entry.status,
                    entry.code,
                    &raw,
                ));
            }
        }
        "recipient_delivery_report_sms" | "recipient_delivery_report_mms" => {
            let report: RecipientReport =
                serde_json::from_value(raw.clone()).map_err(field_error)?;
            result.status_updates.extend(update(
                &report.batch_id,
                &report.status,
                report.code,
                &raw,
            ));
        }
        other => return Err(format!("unknown Sinch callback type {other:?}")),
    }
    Ok(result)
}

fn message(
    channel_id: &str,
    id: String,
    from: &str,
    to: String,
    body: String,
    media: Vec<SmsMedia>,
    raw: Value,
) -> Result<InboundMessage, String> {
    if id.trim().is_empty() || from.trim().is_empty() {
        return Err("Sinch inbound message with an empty `id` or `from`".to_owned());
    }
    let meta = SmsMeta {
        provider: "sinch".to_owned(),
        sender: with_plus(from),
        recipient: to,
        body,
        media,
        provider_message_id: Some(id),
        raw,
    };
    Ok(meta.to_inbound(channel_id))
}

/// An MSISDN of digits only, as Sinch writes it, with its `+`.
fn with_plus(number: &str) -> String {
    let number = number.trim();
    if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{number}")
    } else {
        number.to_owned()
    }
}

/// Sinch's delivery status as RoomKit's; `None` for `Unknown` and statuses Sinch may add.
pub fn status(sinch: &str) -> Option<DeliveryStatus> {
    Some(match sinch {
        "Queued" => DeliveryStatus::Queued,
        "Dispatched" => DeliveryStatus::Sent,
        "Delivered" => DeliveryStatus::Delivered,
        "Aborted" | "Rejected" | "Failed" | "Expired" | "Cancelled" | "Deleted" => {
            DeliveryStatus::Failed
        }
        _ => return None,
    })
}

fn update(batch_id: &str, sinch: &str, code: Option<Value>, raw: &Value) -> Option<StatusUpdate> {
    let Some(mapped) = status(sinch) else {
        roomkit_sdk::log::info(&format!(
            "Sinch status {sinch:?} of batch {batch_id} is not a delivery status; no update"
        ));
        return None;
    };
    let code = code.map(|c| match c {
        Value::String(s) => s,
        other => other.to_string(),
    });
    let mut update = StatusUpdate::new(batch_id, mapped);
    if mapped == DeliveryStatus::Failed {
        update.error_code = code.clone();
        update.error_message = Some(sinch.to_owned());
    }
    update.metadata = json!({"sinch_status": sinch, "sinch_code": code, "raw": raw}).to_string();
    Some(update)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::Content;
    use roomkit_sdk::types::Header;

    fn request(content_type: &str, body: &str) -> WebhookRequest {
        WebhookRequest {
            channel_id: "sms".into(),
            method: "POST".into(),
            path: "/v1/webhooks/sms".into(),
            query: String::new(),
            public_url: "https://desk.example.com/v1/webhooks/sms".into(),
            headers: vec![Header {
                name: "content-type".into(),
                value: content_type.into(),
            }],
            body: body.as_bytes().to_vec(),
        }
    }

    fn json(body: &str) -> WebhookRequest {
        request("application/json", body)
    }

    const MO_TEXT: &str = r#"{"type":"mo_text","id":"01FC66621VHDBN119Z8PMV1AHY","from":"16051234567","to":"13185551234","body":"This is a test message.","operator_id":"35000","received_at":"2022-08-24T14:15:22Z"}"#;

    #[test]
    fn mo_text_becomes_one_inbound_sms() {
        let result = parse(&request("application/json; charset=utf-8", MO_TEXT)).unwrap();
        assert_eq!(result.response, Some(WebhookResponse::empty()));
        assert!(result.status_updates.is_empty());
        let [m] = result.messages.as_slice() else {
            panic!("{result:?}")
        };
        assert_eq!(
            (m.channel_id.as_str(), m.sender_id.as_str()),
            ("sms", "+16051234567")
        );
        assert_eq!(m.content, Content::text("This is a test message."));
        assert_eq!(
            m.idempotency_key.as_deref(),
            Some("01FC66621VHDBN119Z8PMV1AHY")
        );
        assert_eq!(m.provider.as_deref(), Some("sinch"));
        assert_eq!(
            m.provider_message_id.as_deref(),
            Some("01FC66621VHDBN119Z8PMV1AHY")
        );
        let metadata: Value = serde_json::from_str(&m.metadata).unwrap();
        let sms = &metadata["sms"];
        assert_eq!(sms["provider"], "sinch");
        assert_eq!(sms["sender"], "+16051234567");
        assert_eq!(sms["recipient"], "13185551234");
        assert_eq!(sms["body"], "This is a test message.");
        assert_eq!(sms["media"], json!([]));
        assert_eq!(sms["raw"]["operator_id"], "35000");
    }

    #[test]
    fn mo_media_keeps_uploaded_items_and_the_text() {
        let body = r#"{"type":"mo_media","id":"01MMS","from":"14185551234","to":"15145550000","received_at":"2026-12-06T17:00:00Z",
            "body":{"subject":"Trip","message":"see these","media":[
              {"url":"https://mms.sinch.com/a.jpg","content_type":"image/jpeg","status":"Uploaded","code":0},
              {"content_type":"video/mp4","status":"Failed","code":1},
              {"url":"https://mms.sinch.com/b.png","content_type":"image/png","status":"Uploaded","code":0}]}}"#;
        let result = parse(&json(body)).unwrap();
        let m = &result.messages[0];
        let metadata: Value = serde_json::from_str(&m.metadata).unwrap();
        assert_eq!(metadata["sms"]["body"], "Trip\nsee these");
        assert_eq!(
            metadata["sms"]["media"],
            json!([{"url":"https://mms.sinch.com/a.jpg","mime_type":"image/jpeg"},
                   {"url":"https://mms.sinch.com/b.png","mime_type":"image/png"}])
        );
        let Content::Composite(parts) = &m.content else {
            panic!("{:?}", m.content)
        };
        assert_eq!(parts.len(), 3);
    }

    #[test]
    fn delivery_reports_become_status_updates_of_the_batch() {
        let body = r#"{"type":"recipient_delivery_report_sms","batch_id":"01BATCH","recipient":"14185551234","code":0,"status":"Delivered","at":"2026-12-06T17:00:05.000Z","client_reference":"ev-7"}"#;
        let result = parse(&json(body)).unwrap();
        assert!(result.messages.is_empty());
        assert_eq!(result.response, Some(WebhookResponse::empty()));
        let [u] = result.status_updates.as_slice() else {
            panic!("{result:?}")
        };
        assert_eq!(
            (u.provider_message_id.as_str(), u.status),
            ("01BATCH", DeliveryStatus::Delivered)
        );
        assert_eq!(
            (u.error_code.as_deref(), u.error_message.as_deref()),
            (None, None)
        );
        let metadata: Value = serde_json::from_str(&u.metadata).unwrap();
        assert_eq!(
            (
                metadata["sinch_status"].as_str(),
                metadata["sinch_code"].as_str()
            ),
            (Some("Delivered"), Some("0"))
        );
        assert_eq!(metadata["raw"]["client_reference"], "ev-7");

        let failed = body
            .replace("\"code\":0", "\"code\":402")
            .replace("Delivered", "Rejected");
        let u = &parse(&json(&failed)).unwrap().status_updates[0];
        assert_eq!(u.status, DeliveryStatus::Failed);
        assert_eq!(
            (u.error_code.as_deref(), u.error_message.as_deref()),
            (Some("402"), Some("Rejected"))
        );

        let summary = r#"{"type":"delivery_report_sms","batch_id":"01BATCH","total_message_count":2,"statuses":[
            {"code":401,"count":1,"recipients":["14185551234"],"status":"Dispatched"},
            {"code":0,"count":1,"recipients":["14185550000"],"status":"Delivered"},
            {"code":400,"count":1,"status":"Unknown"}]}"#;
        let updates = parse(&json(summary)).unwrap().status_updates;
        let statuses: Vec<_> = updates
            .iter()
            .map(|u| (u.provider_message_id.as_str(), u.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("01BATCH", DeliveryStatus::Sent),
                ("01BATCH", DeliveryStatus::Delivered)
            ]
        );
    }

    #[test]
    fn every_documented_status_is_mapped() {
        let cases = [
            ("Queued", Some(DeliveryStatus::Queued)),
            ("Dispatched", Some(DeliveryStatus::Sent)),
            ("Delivered", Some(DeliveryStatus::Delivered)),
            ("Failed", Some(DeliveryStatus::Failed)),
            ("Rejected", Some(DeliveryStatus::Failed)),
            ("Aborted", Some(DeliveryStatus::Failed)),
            ("Expired", Some(DeliveryStatus::Failed)),
            ("Cancelled", Some(DeliveryStatus::Failed)),
            ("Deleted", Some(DeliveryStatus::Failed)),
            ("Unknown", None),
        ];
        for (sinch, ours) in cases {
            assert_eq!(status(sinch), ours, "{sinch}");
        }
    }

    #[test]
    fn binary_sms_is_acknowledged_without_a_message() {
        let body = r#"{"type":"mo_binary","id":"01BIN","from":"14185551234","to":"15145550000","body":"AAEC","udh":"050003010201","received_at":"2026-12-06T17:00:00Z"}"#;
        let result = parse(&json(body)).unwrap();
        assert!(result.messages.is_empty() && result.status_updates.is_empty());
        assert_eq!(result.response, Some(WebhookResponse::empty()));
    }

    #[test]
    fn malformed_callbacks_are_errors_with_the_reason() {
        let cases = [
            (
                "application/json",
                "not json",
                "Sinch callback body is not JSON",
            ),
            (
                "application/json",
                r#"{"id":"x"}"#,
                "Sinch callback has no string `type`",
            ),
            (
                "application/json",
                r#"{"type":"mo_call"}"#,
                "unknown Sinch callback type \"mo_call\"",
            ),
            (
                "application/json",
                r#"{"type":"mo_text","id":"1","to":"2","body":"x"}"#,
                "Sinch `mo_text` callback: missing field `from`",
            ),
            (
                "application/json",
                r#"{"type":"mo_text","id":"1","from":"3","to":"2","body":5}"#,
                "Sinch `mo_text` callback: invalid type",
            ),
            (
                "application/json",
                r#"{"type":"mo_text","id":"","from":"3","to":"2","body":"x"}"#,
                "Sinch inbound message with an empty `id` or `from`",
            ),
            (
                "application/json",
                r#"{"type":"recipient_delivery_report_sms","status":"Delivered"}"#,
                "missing field `batch_id`",
            ),
            (
                "application/x-www-form-urlencoded",
                MO_TEXT,
                "Sinch callbacks are JSON; this one's content-type is \"application/x-www-form-urlencoded\"",
            ),
        ];
        for (content_type, body, reason) in cases {
            let error = parse(&request(content_type, body)).unwrap_err();
            assert!(error.contains(reason), "{body}: {error}");
        }
        let mut no_type = json(MO_TEXT);
        no_type.headers.clear();
        assert!(
            parse(&no_type)
                .unwrap_err()
                .contains("content-type is \"\"")
        );
        let items = [
            r#"{"url":"https://m/x.jpg","content_type":"image/jpeg","status":"Uploaded","code":0}"#;
            MAX_MEDIA + 1
        ]
        .join(",");
        let too_many = format!(
            r#"{{"type":"mo_media","id":"1","from":"2","to":"3","body":{{"media":[{items}]}}}}"#
        );
        assert_eq!(
            parse(&json(&too_many)).unwrap_err(),
            "Sinch `mo_media` callback carries 11 media items; at most 10"
        );
    }
}
