//! VoiceMeUp's `queue_sms`: a form `POST` to `{api_base}/api/v1.1/json/queue_sms` with the
//! account's `username` and `auth_token`, `source_number`, `destination_number` (digits, no
//! `+`), `message` and, for an MMS, `attachment` (the media URL). The answer is JSON:
//!
//! ```json
//! {"response_details": {"response_status": "success",
//!   "response_messages": {"message": [{"code": "queued_sms_hash", "_content": "…"}]}}}
//! ```
//!
//! or `"response_status": "error"` with the error's `code` and text in `_content`
//! (`response_messages.message` is a list or one object).

use roomkit_sdk::form;
use roomkit_sdk::http::{Request, Response};
use roomkit_sdk::{DeliveryError, DeliveryReceipt};
use serde_json::Value;

use crate::Settings;

/// The longest text of one `queue_sms` call; longer texts go as several.
pub const MAX_SEGMENT_CHARS: usize = 1000;

/// The path of `queue_sms` under `api_base`.
pub const QUEUE_SMS_PATH: &str = "/api/v1.1/json/queue_sms";

/// `text` cut into segments of at most [`MAX_SEGMENT_CHARS`] characters (one empty segment for
/// an empty text).
pub fn segments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((cut, _)) = rest.char_indices().nth(MAX_SEGMENT_CHARS) {
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

/// A number as VoiceMeUp takes it: digits, without the `+`.
pub fn digits(number: &str, what: &str) -> Result<String, DeliveryError> {
    let bare = number.trim().trim_start_matches('+');
    if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DeliveryError::permanent(format!(
            "{what} {number:?} is not a phone number of digits (VoiceMeUp takes e.g. 15145550000)"
        )));
    }
    Ok(bare.to_owned())
}

/// One `queue_sms` request.
pub fn request(settings: &Settings, to: &str, message: &str, attachment: Option<&str>) -> Request {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("username", &settings.username),
        ("auth_token", &settings.auth_token),
        ("source_number", &settings.from_number),
        ("destination_number", to),
    ];
    if !message.is_empty() {
        pairs.push(("message", message));
    }
    if let Some(url) = attachment {
        pairs.push(("attachment", url));
    }
    Request::post(format!("{}{QUEUE_SMS_PATH}", settings.api_base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(form::encode(pairs))
        .timeout(settings.timeout)
}

/// The queued message's hash for a success, the error otherwise.
pub fn answer(response: &Response, secret: &str) -> Result<DeliveryReceipt, DeliveryError> {
    let json: Option<Value> = serde_json::from_slice(&response.body).ok();
    let details = json.as_ref().and_then(|j| j.get("response_details"));
    if !(200..300).contains(&response.status) {
        let message = match details.and_then(first_message) {
            Some((code, text)) => format!(
                "VoiceMeUp answered HTTP {} ({code}): {}",
                response.status,
                redact(&text, secret)
            ),
            None => format!(
                "VoiceMeUp answered HTTP {}: {}",
                response.status,
                excerpt(&response.body, secret)
            ),
        };
        return Err(DeliveryError::from_status(
            response.status,
            response.header("retry-after"),
            message,
        ));
    }
    let Some(details) = details else {
        return Err(DeliveryError::permanent(format!(
            "VoiceMeUp answered HTTP {} without its response_details JSON: {}",
            response.status,
            excerpt(&response.body, secret)
        )));
    };
    match details.get("response_status").and_then(Value::as_str) {
        Some("success") => {
            let hash = messages(details)
                .into_iter()
                .find(|(code, _)| code == "queued_sms_hash")
                .map(|(_, hash)| hash)
                .filter(|h| !h.is_empty());
            Ok(DeliveryReceipt::new(hash))
        }
        Some("error") => {
            let (code, text) = first_message(details)
                .unwrap_or_else(|| ("unknown_error".to_owned(), "no error message".to_owned()));
            Err(DeliveryError::permanent(format!(
                "VoiceMeUp refused the message ({code}): {}",
                redact(&text, secret)
            ))
            .with_code(code))
        }
        other => Err(DeliveryError::permanent(format!(
            "VoiceMeUp answered with response_status {other:?}, neither success nor error: {}",
            excerpt(&response.body, secret)
        ))),
    }
}

/// The (code, text) pairs of `response_messages.message` (a list or one object).
fn messages(details: &Value) -> Vec<(String, String)> {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let list = match details
        .get("response_messages")
        .and_then(|m| m.get("message"))
    {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|m| (text(m.get("code")), text(m.get("_content"))))
        .collect()
}

fn first_message(details: &Value) -> Option<(String, String)> {
    messages(details).into_iter().next()
}

/// What an error quotes of a service's answer, and how a secret is masked in text: the SDK's.
pub use roomkit_sdk::config::{excerpt, redact};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_cut_at_character_boundaries() {
        assert_eq!(segments(""), vec![""]);
        assert_eq!(segments("hi"), vec!["hi"]);
        let long = "é".repeat(2500);
        let parts = segments(&long);
        let lengths: Vec<usize> = parts.iter().map(|p| p.chars().count()).collect();
        assert_eq!(lengths, vec![1000, 1000, 500]);
        assert_eq!(parts.concat(), long);
        assert_eq!(segments(&"a".repeat(1000)).len(), 1);
    }

    #[test]
    fn numbers_lose_their_plus_and_must_be_digits() {
        assert_eq!(digits("+15145550000", "to").unwrap(), "15145550000");
        assert_eq!(digits("15145550000", "to").unwrap(), "15145550000");
        let error = digits("+1 (514) 555-0000", "recipient").unwrap_err();
        assert!(!error.retryable);
        assert!(
            error
                .message
                .starts_with("recipient \"+1 (514) 555-0000\" is not")
        );
        assert!(digits("", "to").is_err());
    }
}
