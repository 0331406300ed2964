//! A batch for Sinch's `POST /xms/v1/{service_plan_id}/batches`, and what its answer means.
//!
//! Text goes as an `mt_text` batch (`{"from", "to": [..], "body": "text", ...}`); one media
//! item goes as an `mt_media` batch (`"type": "mt_media", "body": {"url", "message"}`), the
//! only MMS form of this API, which carries one media URL per message. More than one media
//! item is refused before anything is sent.

use roomkit_sdk::http::{Request, Response};
use roomkit_sdk::{DeliveryError, DeliveryReceipt};
use serde::{Deserialize, Serialize};

use crate::Settings;
use roomkit_sdk::sms::Outgoing;

/// The batch body.
#[derive(Debug, Serialize)]
struct Batch<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    to: [&'a str; 1],
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    body: Body<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery_report: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_reference: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Body<'a> {
    Text(&'a str),
    Media {
        url: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<&'a str>,
    },
}

/// The request that sends `message` to `to`; `reference` (the event id) comes back in the
/// delivery reports as `client_reference`.
pub fn request(
    settings: &Settings,
    message: &Outgoing,
    to: &str,
    reference: &str,
) -> Result<Request, DeliveryError> {
    let (kind, body) = match message.media.as_slice() {
        [] => (None, Body::Text(&message.text)),
        [one] => (
            Some("mt_media"),
            Body::Media {
                url: &one.url,
                message: (!message.text.is_empty()).then_some(message.text.as_str()),
            },
        ),
        many => {
            return Err(DeliveryError::permanent(format!(
                "Sinch's SMS API sends one media item per MMS (mt_media); this event has {}",
                many.len()
            )));
        }
    };
    let batch = Batch {
        from: settings.from_number.as_deref(),
        to: [to],
        kind,
        body,
        delivery_report: Some(settings.delivery_report.as_str()),
        callback_url: settings.callback_url.as_deref(),
        client_reference: (!reference.is_empty()).then_some(reference),
    };
    // Serialising borrowed strings cannot fail.
    let json = serde_json::to_vec(&batch).unwrap_or_default();
    Ok(Request::post(format!(
        "{}/xms/v1/{}/batches",
        settings.api_base, settings.service_plan_id
    ))
    .header("authorization", format!("Bearer {}", settings.api_token))
    .header("content-type", "application/json")
    .header("accept", "application/json")
    .body(json)
    .timeout(settings.timeout))
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct ApiError {
    code: String,
    text: String,
}

/// The receipt for a 2xx answer (the batch `id`), or the error for any other.
pub fn answer(response: &Response, secret: &str) -> Result<DeliveryReceipt, DeliveryError> {
    if (200..300).contains(&response.status) {
        return match serde_json::from_slice::<Created>(&response.body) {
            Ok(batch) if !batch.id.is_empty() => Ok(DeliveryReceipt::new(Some(batch.id))),
            // The batch may exist: trying again could send the message twice.
            _ => Err(DeliveryError::permanent(format!(
                "Sinch answered HTTP {} without a batch id: {}",
                response.status,
                excerpt(&response.body, secret)
            ))),
        };
    }
    let retry_after = response.header("retry-after");
    let error = match serde_json::from_slice::<ApiError>(&response.body) {
        Ok(error) => DeliveryError::from_status(
            response.status,
            retry_after,
            format!(
                "Sinch refused the batch (HTTP {} {}): {}",
                response.status,
                error.code,
                redact(&error.text, secret)
            ),
        )
        .with_code(error.code),
        Err(_) => DeliveryError::from_status(
            response.status,
            retry_after,
            format!(
                "Sinch answered HTTP {} without its error JSON: {}",
                response.status,
                excerpt(&response.body, secret)
            ),
        ),
    };
    Err(error)
}

/// What an error quotes of a service's answer, and how a secret is masked in text: the SDK's.
pub use roomkit_sdk::config::{excerpt, redact};
