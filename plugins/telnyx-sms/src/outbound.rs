//! Sending: the `POST {api_base}/v2/messages` request for an event, and what Telnyx's answer
//! means.
//!
//! The body is JSON `{"from", "to", "text"?, "media_urls"?, "messaging_profile_id"?,
//! "webhook_url"?}` (Telnyx's "send a message"). What the event carries becomes:
//!
//! | content | `text` | `media_urls` |
//! |---|---|---|
//! | text, system, template (with a body) | the body | — |
//! | rich | the plain-text form, else the body | — |
//! | media | the caption, if any | the URL |
//! | audio, video | — | the URL |
//! | composite | its parts' texts, joined by a space | each media, audio and video URL |
//!
//! Anything else (location, edit, delete, a template without a body), or content with neither
//! text nor media, is a permanent error; so are more than [`MAX_MEDIA`] media URLs, Telnyx's
//! limit per MMS.
//!
//! Telnyx answers `200 {"data": {"id": …, …}}`; the id is the receipt's provider message id,
//! which its `message.sent` / `message.finalized` webhooks name. A refusal carries
//! `{"errors": [{"code", "title", "detail"}, …]}`: the error's message quotes them and its
//! `code` is the first one's. 408, 429 and 5xx are retryable (after `Retry-After` seconds when
//! given); other statuses are not.

use roomkit_sdk::http::{Request, Response};
use roomkit_sdk::{BindingView, Content, DeliveryError, DeliveryReceipt, Part, RoomEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::settings::DeliverySettings;

/// The most media URLs Telnyx takes in one MMS.
pub const MAX_MEDIA: usize = 10;

/// How much of an unreadable answer an error quotes.
const QUOTE_CHARS: usize = 200;

/// The JSON body of a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendMessage {
    /// The sending number.
    pub from: String,
    /// The recipient.
    pub to: String,
    /// The text, when there is any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The media, when there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub media_urls: Vec<String>,
    /// The messaging profile, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messaging_profile_id: Option<String>,
    /// Where Telnyx sends this message's status, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

/// The binding's recipient: the `phone_number` of its metadata when set, else its participant
/// id (the sender's number when an inbound SMS created the room).
pub fn recipient(binding: &BindingView) -> Result<String, DeliveryError> {
    let metadata: Value = if binding.metadata.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&binding.metadata).map_err(|e| {
            DeliveryError::permanent(format!(
                "binding of channel {} has metadata that is not JSON: {e}",
                binding.channel_id
            ))
        })?
    };
    match metadata.get("phone_number") {
        None | Some(Value::Null) => {}
        Some(Value::String(number)) if !number.trim().is_empty() => {
            return Ok(number.trim().to_owned());
        }
        Some(other) => {
            return Err(DeliveryError::permanent(format!(
                "binding of channel {}: metadata `phone_number` {other} is not a phone number",
                binding.channel_id
            )));
        }
    }
    binding
        .participant_id
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            DeliveryError::permanent(format!(
                "binding of channel {} names no recipient: no metadata `phone_number` and no participant",
                binding.channel_id
            ))
        })
}

/// The text and media URLs of `content`, as the module's table says.
pub fn text_and_media(content: &Content) -> Result<(Option<String>, Vec<String>), String> {
    let mut texts: Vec<String> = Vec::new();
    let mut media: Vec<String> = Vec::new();
    match content {
        Content::Text(t) => texts.push(t.body.clone()),
        Content::Rich(r) => texts.push(r.plain_text.clone().unwrap_or_else(|| r.body.clone())),
        Content::Media(m) => {
            texts.extend(m.caption.clone());
            media.push(m.url.clone());
        }
        Content::Audio(a) => media.push(a.url.clone()),
        Content::Video(v) => media.push(v.url.clone()),
        Content::System(s) => texts.push(s.body.clone()),
        Content::Template(t) => texts.extend(t.body.clone()),
        Content::Composite(parts) => {
            for part in parts {
                match part {
                    Part::Text(t) => texts.push(t.body.clone()),
                    Part::Rich(r) => {
                        texts.push(r.plain_text.clone().unwrap_or_else(|| r.body.clone()))
                    }
                    Part::Media(m) => {
                        texts.extend(m.caption.clone());
                        media.push(m.url.clone());
                    }
                    Part::Audio(a) => media.push(a.url.clone()),
                    Part::Video(v) => media.push(v.url.clone()),
                    Part::System(s) => texts.push(s.body.clone()),
                    Part::Template(t) => texts.extend(t.body.clone()),
                    Part::Location(_) | Part::Json(_) => {}
                }
            }
        }
        Content::Location(_) => return Err("location content cannot be sent as SMS".to_owned()),
        Content::Edit(_) => return Err("an edit cannot be sent as SMS".to_owned()),
        Content::Delete(_) => return Err("a delete cannot be sent as SMS".to_owned()),
    }
    texts.retain(|t| !t.trim().is_empty());
    let text = (!texts.is_empty()).then(|| texts.join(" "));
    if text.is_none() && media.is_empty() {
        return Err("the content has neither text nor media to send".to_owned());
    }
    if media.len() > MAX_MEDIA {
        return Err(format!(
            "the content has {} media; Telnyx sends at most {MAX_MEDIA} per MMS",
            media.len()
        ));
    }
    Ok((text, media))
}

/// The body that sends `event` to `binding`'s recipient.
pub fn message(
    settings: &DeliverySettings,
    event: &RoomEvent,
    binding: &BindingView,
) -> Result<SendMessage, DeliveryError> {
    let to = recipient(binding)?;
    let (text, media_urls) = text_and_media(&event.content)
        .map_err(|why| DeliveryError::permanent(format!("event {}: {why}", event.id)))?;
    Ok(SendMessage {
        from: settings.from_number.clone(),
        to,
        text,
        media_urls,
        messaging_profile_id: settings.messaging_profile_id.clone(),
        webhook_url: settings.webhook_url.clone(),
    })
}

/// The HTTP request for `message`.
pub fn request(settings: &DeliverySettings, message: &SendMessage) -> Request {
    let body = serde_json::to_vec(message)
        .unwrap_or_else(|_| unreachable!("a struct of strings always serialises"));
    Request::post(settings.messages_url())
        .header(
            "authorization",
            format!("Bearer {}", settings.api_key.expose()),
        )
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body)
        .timeout(settings.timeout)
}

#[derive(Deserialize)]
struct Sent {
    data: SentData,
}

#[derive(Deserialize)]
struct SentData {
    id: String,
}

#[derive(Deserialize)]
struct Refused {
    errors: Vec<TelnyxError>,
}

/// One entry of Telnyx's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TelnyxError {
    /// Telnyx's error code (a string of digits; a number is taken too).
    #[serde(default, deserialize_with = "code_text")]
    pub code: Option<String>,
    /// The short title.
    #[serde(default)]
    pub title: Option<String>,
    /// The explanation.
    #[serde(default)]
    pub detail: Option<String>,
}

impl TelnyxError {
    /// `title: detail`, with whichever parts are there.
    pub fn text(&self) -> String {
        match (self.title.as_deref(), self.detail.as_deref()) {
            (Some(t), Some(d)) if !t.is_empty() && !d.is_empty() && t != d => format!("{t}: {d}"),
            (Some(t), _) if !t.is_empty() => t.to_owned(),
            (_, Some(d)) if !d.is_empty() => d.to_owned(),
            _ => "no title or detail".to_owned(),
        }
    }

    /// `title: detail (code N)`, with whichever parts are there.
    pub fn describe(&self) -> String {
        let mut text = self.text();
        if let Some(code) = &self.code {
            text.push_str(&format!(" (code {code})"));
        }
        text
    }
}

/// Reads a code given as a string or a number.
fn code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// Telnyx's `errors` in a body, if it is Telnyx's error JSON.
pub fn errors(body: &[u8]) -> Option<Vec<TelnyxError>> {
    serde_json::from_slice::<Refused>(body)
        .ok()
        .map(|r| r.errors)
        .filter(|e| !e.is_empty())
}

/// What Telnyx's answer means: the receipt, or the error (with the service's text and code,
/// and no trace of the API key).
pub fn outcome(
    response: &Response,
    settings: &DeliverySettings,
) -> Result<DeliveryReceipt, DeliveryError> {
    let status = response.status;
    if (200..300).contains(&status) {
        return match serde_json::from_slice::<Sent>(&response.body) {
            Ok(sent) if !sent.data.id.is_empty() => {
                Ok(DeliveryReceipt::new(Some(sent.data.id)))
            }
            // Telnyx may have queued the message: trying again could send it twice.
            _ => Err(DeliveryError::permanent(settings.api_key.scrub(&format!(
                "Telnyx answered HTTP {status} without a message id (expected {{\"data\": {{\"id\": …}}}}); the message may have been sent: {}",
                quote(&response.body)
            )))),
        };
    }
    let (message, code) = match errors(&response.body) {
        Some(errors) => (
            format!(
                "Telnyx refused the message (HTTP {status}): {}",
                errors
                    .iter()
                    .map(TelnyxError::describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            errors.iter().find_map(|e| e.code.clone()),
        ),
        None => (
            format!(
                "Telnyx answered HTTP {status} without its error JSON: {}",
                quote(&response.body)
            ),
            None,
        ),
    };
    let mut error = DeliveryError::from_status(
        status,
        response.header("retry-after"),
        settings.api_key.scrub(&message),
    );
    error.code = code;
    Err(error)
}

/// The start of a body for an error message: at most [`QUOTE_CHARS`] characters, quoted;
/// `(empty body)` when there is nothing.
fn quote(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::types::{
        AudioContent, LocationContent, MediaContent, RichContent, RichFormat,
    };
    use roomkit_sdk::{Content, TextContent};

    fn binding(participant: Option<&str>, metadata: &str) -> BindingView {
        BindingView {
            channel_id: "sms".into(),
            channel_type: "sms".into(),
            category: "transport".into(),
            access: "read_write".into(),
            muted: false,
            visibility: "all".into(),
            participant_id: participant.map(str::to_owned),
            metadata: metadata.into(),
        }
    }

    fn media(url: &str, caption: Option<&str>) -> MediaContent {
        MediaContent {
            url: url.into(),
            mime_type: "image/jpeg".into(),
            filename: None,
            size_bytes: None,
            caption: caption.map(str::to_owned),
        }
    }

    #[test]
    fn the_recipient_is_the_metadata_number_else_the_participant() {
        assert_eq!(
            recipient(&binding(
                Some("+14185551234"),
                r#"{"phone_number":"+15145550001"}"#
            ))
            .unwrap(),
            "+15145550001"
        );
        assert_eq!(
            recipient(&binding(Some("+14185551234"), "{}")).unwrap(),
            "+14185551234"
        );
        assert_eq!(
            recipient(&binding(Some("+14185551234"), r#"{"phone_number":null}"#)).unwrap(),
            "+14185551234"
        );
        assert_eq!(
            recipient(&binding(Some("+14185551234"), "")).unwrap(),
            "+14185551234"
        );
        let none = recipient(&binding(None, "{}")).unwrap_err();
        assert!(!none.retryable);
        assert_eq!(
            none.message,
            "binding of channel sms names no recipient: no metadata `phone_number` and no participant"
        );
        let bad = recipient(&binding(Some("+1"), r#"{"phone_number":5}"#)).unwrap_err();
        assert_eq!(
            bad.message,
            "binding of channel sms: metadata `phone_number` 5 is not a phone number"
        );
        assert!(
            recipient(&binding(Some("+1"), "{oops"))
                .unwrap_err()
                .message
                .contains("not JSON")
        );
    }

    #[test]
    fn content_becomes_text_and_media_urls() {
        let text = |s: &str| {
            Content::Text(TextContent {
                body: s.into(),
                language: None,
            })
        };
        assert_eq!(
            text_and_media(&text("hi")).unwrap(),
            (Some("hi".into()), vec![])
        );
        assert_eq!(
            text_and_media(&Content::Media(media("https://m/1.jpg", Some("look")))).unwrap(),
            (Some("look".into()), vec!["https://m/1.jpg".to_owned()])
        );
        assert_eq!(
            text_and_media(&Content::Media(media("https://m/1.jpg", None))).unwrap(),
            (None, vec!["https://m/1.jpg".to_owned()])
        );
        let rich = Content::Rich(RichContent {
            body: "**bold**".into(),
            format: RichFormat::Markdown,
            plain_text: Some("bold".into()),
            buttons: vec![],
            quick_replies: vec![],
        });
        assert_eq!(text_and_media(&rich).unwrap().0.as_deref(), Some("bold"));
        let composite = Content::Composite(vec![
            Part::Text(TextContent {
                body: "two".into(),
                language: None,
            }),
            Part::Media(media("https://m/1.jpg", None)),
            Part::Audio(AudioContent {
                url: "https://m/a.mp3".into(),
                mime_type: "audio/mpeg".into(),
                duration_seconds: None,
                transcript: None,
            }),
            Part::Text(TextContent {
                body: "photos".into(),
                language: None,
            }),
            Part::Json("{}".into()),
        ]);
        assert_eq!(
            text_and_media(&composite).unwrap(),
            (
                Some("two photos".into()),
                vec!["https://m/1.jpg".to_owned(), "https://m/a.mp3".to_owned()]
            )
        );
    }

    #[test]
    fn content_sms_cannot_carry_is_refused() {
        let location = Content::Location(LocationContent {
            latitude: 46.8,
            longitude: -71.2,
            label: None,
            address: None,
        });
        assert_eq!(
            text_and_media(&location).unwrap_err(),
            "location content cannot be sent as SMS"
        );
        assert_eq!(
            text_and_media(&Content::Text(TextContent {
                body: "  ".into(),
                language: None
            }))
            .unwrap_err(),
            "the content has neither text nor media to send"
        );
        let eleven = Content::Composite(
            (0..=MAX_MEDIA)
                .map(|i| Part::Media(media(&format!("https://m/{i}.jpg"), None)))
                .collect(),
        );
        assert_eq!(
            text_and_media(&eleven).unwrap_err(),
            "the content has 11 media; Telnyx sends at most 10 per MMS"
        );
        let ten = Content::Composite(
            (0..MAX_MEDIA)
                .map(|i| Part::Media(media(&format!("https://m/{i}.jpg"), None)))
                .collect(),
        );
        assert_eq!(text_and_media(&ten).unwrap().1.len(), 10);
    }

    #[test]
    fn telnyx_errors_are_described_with_their_codes() {
        let errors = errors(
            br#"{"errors":[{"code":"40310","title":"Invalid 'to' address","detail":"The 'to' address should be in E.164 format.","source":{"pointer":"/to"}},{"code":10004,"title":"Missing required parameter"}]}"#,
        )
        .unwrap();
        assert_eq!(
            errors[0].describe(),
            "Invalid 'to' address: The 'to' address should be in E.164 format. (code 40310)"
        );
        assert_eq!(
            errors[1].describe(),
            "Missing required parameter (code 10004)"
        );
        assert_eq!(super::errors(br#"{"errors":[]}"#), None);
        assert_eq!(super::errors(b"<html>"), None);
    }

    #[test]
    fn quotes_are_short_and_say_when_empty() {
        assert_eq!(quote(b""), "(empty body)");
        assert_eq!(quote(b"  oops "), "\"oops\"");
        let long = "é".repeat(300);
        let q = quote(long.as_bytes());
        assert_eq!(q.chars().count(), QUOTE_CHARS + 3);
        assert!(q.ends_with('…'));
    }
}
