//! Sending: the Messages resource request for an event, and what Twilio's answer means.
//!
//! `POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth,
//! `application/x-www-form-urlencoded` with `To`, `From` or `MessagingServiceSid`, `Body`
//! (when there is text), one `MediaUrl` per media item (at most 10, Twilio's limit) and
//! `StatusCallback` (when configured). Twilio answers `201 Created` with the message as JSON
//! (its `sid` is the receipt) or an error object `{code, message, more_info, status}`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use roomkit_sdk::http::{Request, Response};
use roomkit_sdk::phone::normalize_phone;
use roomkit_sdk::types::Part;
use roomkit_sdk::{Content, DeliveryError, DeliveryReceipt, form};
use serde_json::Value;

use crate::settings::{Sender, Settings};

/// Twilio's limit on media items in one message.
pub const MAX_MEDIA: usize = 10;

/// What one message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The text (texts joined by a line break; may be empty when there is media).
    pub body: String,
    /// The URLs of the media items, in order.
    pub media: Vec<String>,
}

/// The recipient of `binding`: its metadata's `phone_number` when set, else its participant
/// id (the sender's number when an inbound SMS made the room).
pub use roomkit_sdk::sms::recipient;

/// The text and media of `content`. Rich text goes as its plain-text form when it has one;
/// media, audio and video go as `MediaUrl` (their captions or transcripts as text); an edit
/// sends its new content. Errors when nothing can be sent, or more media than Twilio takes.
pub fn outgoing(content: &Content) -> Result<Outgoing, DeliveryError> {
    let mut texts: Vec<String> = Vec::new();
    let mut media: Vec<String> = Vec::new();
    match content {
        Content::Composite(parts) => parts.iter().for_each(|p| part(p, &mut texts, &mut media)),
        Content::Edit(edit) => part(&edit.new_content, &mut texts, &mut media),
        Content::Delete(_) => {
            return Err(DeliveryError::permanent(
                "a delete cannot be sent by SMS: a sent SMS cannot be taken back",
            ));
        }
        Content::Text(t) => texts.push(t.body.clone()),
        Content::Rich(r) => texts.push(r.plain_text.clone().unwrap_or_else(|| r.body.clone())),
        Content::Media(m) => {
            media.push(m.url.clone());
            texts.extend(m.caption.clone());
        }
        Content::Audio(a) => {
            media.push(a.url.clone());
            texts.extend(a.transcript.clone());
        }
        Content::Video(v) => media.push(v.url.clone()),
        Content::Location(_) | Content::System(_) | Content::Template(_) => {
            texts.extend(content.texts().into_iter().map(str::to_owned));
        }
    }
    let body = texts
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if body.is_empty() && media.is_empty() {
        return Err(DeliveryError::permanent(
            "nothing to send by SMS: the event has no text and no media",
        ));
    }
    if media.len() > MAX_MEDIA {
        return Err(DeliveryError::permanent(format!(
            "the event has {} media items; Twilio takes at most {MAX_MEDIA} in one message",
            media.len()
        )));
    }
    Ok(Outgoing { body, media })
}

fn part(part: &Part, texts: &mut Vec<String>, media: &mut Vec<String>) {
    match part {
        Part::Text(t) => texts.push(t.body.clone()),
        Part::Rich(r) => texts.push(r.plain_text.clone().unwrap_or_else(|| r.body.clone())),
        Part::Media(m) => {
            media.push(m.url.clone());
            texts.extend(m.caption.clone());
        }
        Part::Audio(a) => {
            media.push(a.url.clone());
            texts.extend(a.transcript.clone());
        }
        Part::Video(v) => media.push(v.url.clone()),
        Part::Location(_) | Part::System(_) | Part::Template(_) | Part::Json(_) => {
            texts.extend(part.texts().into_iter().map(str::to_owned));
        }
    }
}

/// `To` in E.164: the recipient normalised with the config's `default_region`.
pub fn to_number(recipient: &str, settings: &Settings) -> Result<String, DeliveryError> {
    normalize_phone(recipient, &settings.default_region)
        .map_err(|e| DeliveryError::permanent(format!("recipient: {e}")))
}

/// The form body of the Messages request.
pub fn form_body(settings: &Settings, to: &str, message: &Outgoing) -> String {
    let mut pairs: Vec<(&str, &str)> = vec![("To", to)];
    match &settings.sender {
        Sender::From(from) => pairs.push(("From", from)),
        Sender::MessagingService(sid) => pairs.push(("MessagingServiceSid", sid)),
    }
    if !message.body.is_empty() {
        pairs.push(("Body", &message.body));
    }
    pairs.extend(message.media.iter().map(|url| ("MediaUrl", url.as_str())));
    if let Some(callback) = &settings.status_callback {
        pairs.push(("StatusCallback", callback));
    }
    form::encode(pairs)
}

/// The request that sends `message` to `to`.
pub fn request(settings: &Settings, to: &str, message: &Outgoing) -> Request {
    let credentials = STANDARD.encode(format!("{}:{}", settings.username, settings.password));
    Request::post(settings.messages_url())
        .header("authorization", format!("Basic {credentials}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(form_body(settings, to, message))
        .timeout(settings.timeout)
}

/// What Twilio's answer means: 2xx is sent (the receipt's id is the JSON's `sid`); otherwise a
/// [`DeliveryError`] with Twilio's own code and text, retryable for 408, 429 and 5xx (waiting
/// as `Retry-After` says).
pub fn receipt(response: &Response) -> Result<DeliveryReceipt, DeliveryError> {
    let json = serde_json::from_slice::<Value>(&response.body).ok();
    if (200..300).contains(&response.status) {
        let sid = json
            .as_ref()
            .and_then(|j| j.get("sid")?.as_str().map(str::to_owned))
            .filter(|sid| !sid.is_empty());
        if sid.is_none() {
            // Twilio took the message; trying again would send it twice.
            roomkit_sdk::log::warn(&format!(
                "Twilio answered {} without a message sid: {}",
                response.status,
                excerpt(&response.text())
            ));
        }
        return Ok(DeliveryReceipt::new(sid));
    }
    let retry_after = response.header("retry-after");
    let error = json.as_ref().and_then(|j| {
        let code = match j.get("code")? {
            Value::Number(n) => n.to_string(),
            Value::String(s) if !s.is_empty() => s.clone(),
            _ => return None,
        };
        let message = j.get("message").and_then(Value::as_str).unwrap_or("");
        let more_info = j.get("more_info").and_then(Value::as_str);
        Some((code, message.to_owned(), more_info.map(str::to_owned)))
    });
    Err(match error {
        Some((code, message, more_info)) => {
            let mut text = format!(
                "Twilio refused the message (HTTP {}, error {code}): {message}",
                response.status
            );
            if let Some(more_info) = more_info {
                text.push_str(&format!(" ({more_info})"));
            }
            DeliveryError::from_status(response.status, retry_after, text).with_code(code)
        }
        None => DeliveryError::from_status(
            response.status,
            retry_after,
            format!(
                "Twilio answered HTTP {} without its JSON error object: {}",
                response.status,
                excerpt(&response.text())
            ),
        ),
    })
}

/// The start of an answer's text, for an error message.
fn excerpt(text: &str) -> String {
    const LIMIT: usize = 200;
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    match text.char_indices().nth(LIMIT) {
        Some((at, _)) => format!("{:?}…", &text[..at]),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::BindingView;
    use roomkit_sdk::types::{
        AudioContent, DeleteContent, DeleteType, EditContent, MediaContent, RichContent,
        RichFormat, TextContent, VideoContent,
    };

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

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_recipient_is_the_metadata_number_else_the_participant() {
        assert_eq!(
            recipient(&binding(
                Some("+15550001"),
                r#"{"phone_number":"+15550002"}"#
            ))
            .unwrap(),
            "+15550002"
        );
        assert_eq!(
            recipient(&binding(Some("+15550001"), "{}")).unwrap(),
            "+15550001"
        );
        assert_eq!(
            recipient(&binding(Some("+15550001"), "not json")).unwrap(),
            "+15550001"
        );
        assert_eq!(
            recipient(&binding(Some("+15550001"), r#"{"phone_number":""}"#)).unwrap(),
            "+15550001"
        );
        let error = recipient(&binding(None, r#"{"phone_number":7}"#)).unwrap_err();
        assert!(!error.retryable);
        assert_eq!(
            error.message,
            "binding of channel sms has no recipient: neither metadata `phone_number` nor a participant id"
        );
    }

    #[test]
    fn text_media_and_composites_become_body_and_media_urls() {
        assert_eq!(
            outgoing(&Content::text("hi")).unwrap(),
            Outgoing {
                body: "hi".into(),
                media: vec![]
            }
        );
        assert_eq!(
            outgoing(&Content::Media(media(
                "https://m.example/1.jpg",
                Some("look")
            )))
            .unwrap(),
            Outgoing {
                body: "look".into(),
                media: vec!["https://m.example/1.jpg".into()]
            }
        );
        let composite = Content::Composite(vec![
            Part::Text(TextContent {
                body: "first".into(),
                language: None,
            }),
            Part::Media(media("https://m.example/1.jpg", None)),
            Part::Text(TextContent {
                body: "second".into(),
                language: None,
            }),
            Part::Video(VideoContent {
                url: "https://m.example/2.mp4".into(),
                mime_type: "video/mp4".into(),
                duration_seconds: None,
                thumbnail_url: None,
            }),
        ]);
        assert_eq!(
            outgoing(&composite).unwrap(),
            Outgoing {
                body: "first\nsecond".into(),
                media: vec![
                    "https://m.example/1.jpg".into(),
                    "https://m.example/2.mp4".into()
                ]
            }
        );
        let rich = Content::Rich(RichContent {
            body: "**bold**".into(),
            format: RichFormat::Markdown,
            plain_text: Some("bold".into()),
            buttons: vec![],
            quick_replies: vec![],
        });
        assert_eq!(outgoing(&rich).unwrap().body, "bold");
        let audio = Content::Audio(AudioContent {
            url: "https://m.example/a.ogg".into(),
            mime_type: "audio/ogg".into(),
            duration_seconds: None,
            transcript: Some("hello".into()),
        });
        assert_eq!(
            outgoing(&audio).unwrap(),
            Outgoing {
                body: "hello".into(),
                media: vec!["https://m.example/a.ogg".into()]
            }
        );
        let edit = Content::Edit(EditContent {
            target_event_id: "ev-1".into(),
            new_content: Part::Text(TextContent {
                body: "fixed".into(),
                language: None,
            }),
        });
        assert_eq!(outgoing(&edit).unwrap().body, "fixed");
    }

    #[test]
    fn empty_deletes_and_too_much_media_are_permanent_errors() {
        let empty = outgoing(&Content::text("  ")).unwrap_err();
        assert_eq!(
            (empty.message.as_str(), empty.retryable),
            (
                "nothing to send by SMS: the event has no text and no media",
                false
            )
        );
        let delete = outgoing(&Content::Delete(DeleteContent {
            target_event_id: "ev-1".into(),
            delete_type: DeleteType::Sender,
            reason: None,
        }))
        .unwrap_err();
        assert_eq!(
            delete.message,
            "a delete cannot be sent by SMS: a sent SMS cannot be taken back"
        );
        let eleven = Content::Composite(
            (0..11)
                .map(|i| Part::Media(media(&format!("https://m.example/{i}.jpg"), None)))
                .collect(),
        );
        assert_eq!(
            outgoing(&eleven).unwrap_err().message,
            "the event has 11 media items; Twilio takes at most 10 in one message"
        );
    }

    #[test]
    fn a_created_message_gives_its_sid() {
        let body = r#"{"account_sid":"AC123","sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}"#;
        assert_eq!(
            receipt(&response(201, body))
                .unwrap()
                .provider_message_id
                .as_deref(),
            Some("SM0123456789abcdef0123456789abcdef")
        );
        assert_eq!(
            receipt(&response(201, "ok")).unwrap().provider_message_id,
            None
        );
    }

    #[test]
    fn twilios_error_object_gives_code_text_and_retry() {
        let error = receipt(&response(
            400,
            r#"{"code": 21211, "message": "The 'To' number 5551234 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#,
        ))
        .unwrap_err();
        assert_eq!(
            error.message,
            "Twilio refused the message (HTTP 400, error 21211): The 'To' number 5551234 is not a valid phone number. (https://www.twilio.com/docs/errors/21211)"
        );
        assert_eq!(error.code.as_deref(), Some("21211"));
        assert!(!error.retryable);
        assert_eq!(error.retry_after_ms, None);

        let mut limited = response(
            429,
            r#"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#,
        );
        limited.headers.push(("retry-after".into(), "3".into()));
        let error = receipt(&limited).unwrap_err();
        assert!(error.retryable);
        assert_eq!(error.code.as_deref(), Some("20429"));
        assert_eq!(error.retry_after_ms, Some(3000));

        let error = receipt(&response(503, "<html>Service Unavailable</html>")).unwrap_err();
        assert!(error.retryable);
        assert_eq!(error.code, None);
        assert_eq!(
            error.message,
            "Twilio answered HTTP 503 without its JSON error object: \"<html>Service Unavailable</html>\""
        );
        let error = receipt(&response(500, "")).unwrap_err();
        assert_eq!(
            error.message,
            "Twilio answered HTTP 500 without its JSON error object: (empty body)"
        );
        let long = "x".repeat(500);
        let error = receipt(&response(502, &long)).unwrap_err();
        assert_eq!(
            error.message,
            format!(
                "Twilio answered HTTP 502 without its JSON error object: {:?}…",
                "x".repeat(200)
            )
        );
    }
}
