//! One VoiceMeUp webhook: its fields (JSON object or form body), and which kind of message it
//! is. VoiceMeUp's fields, as its webhooks carry them:
//!
//! | field | meaning |
//! |---|---|
//! | `sms_hash` | VoiceMeUp's id of the message |
//! | `source_number`, `destination_number` | sender and recipient (11 digits, e.g. `14188050723`) |
//! | `message` | the text (empty on the image part of an MMS) |
//! | `attachment` (or `attachment_url`) | the media URL; an MMS's first part has the `.mms.html` wrapper here |
//! | `attachment_mime_type` (or `attachment_type`) | the media type |
//! | `datetime_transmission` | when the handset sent it: both parts of one MMS share it |
//! | `direction` | `inbound`, or `outbound` for a message this account sent |
//! | `transmission_status` | where a message stands (`completed`, …) |

use roomkit_sdk::WebhookRequest;
use serde_json::{Map, Value};

/// What a webhook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole message: text without attachment, or media with its text.
    Complete,
    /// The first part of a split MMS: the text, with the `.mms.html` wrapper as attachment.
    TextPart,
    /// The second part of a split MMS: the media, without text.
    MediaPart,
    /// News about a message this account sent (`direction: outbound`).
    Outbound,
}

/// A webhook's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// The fields as they came (form fields as strings).
    pub raw: Map<String, Value>,
}

impl Payload {
    /// The non-empty text of field `key` (numbers as written).
    pub fn get(&self, key: &str) -> Option<String> {
        match self.raw.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A field that must be there.
    pub fn require(&self, key: &str) -> Result<String, String> {
        self.get(key)
            .ok_or_else(|| format!("VoiceMeUp webhook has no `{key}`"))
    }

    /// The text (empty when none).
    pub fn message(&self) -> String {
        match self.raw.get("message") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    }

    /// The attachment's URL.
    pub fn attachment(&self) -> Option<String> {
        self.get("attachment")
            .or_else(|| self.get("attachment_url"))
    }

    /// The attachment's type (`application/octet-stream` when not given).
    pub fn attachment_type(&self) -> String {
        self.get("attachment_mime_type")
            .or_else(|| self.get("attachment_type"))
            .unwrap_or_else(|| "application/octet-stream".to_owned())
    }

    /// What this webhook is.
    pub fn kind(&self) -> Kind {
        if self
            .get("direction")
            .is_some_and(|d| d.eq_ignore_ascii_case("outbound"))
        {
            return Kind::Outbound;
        }
        match self.attachment() {
            None => Kind::Complete,
            Some(url) if is_wrapper(&url, &self.attachment_type()) => Kind::TextPart,
            Some(_) if self.message().trim().is_empty() => Kind::MediaPart,
            Some(_) => Kind::Complete,
        }
    }

    /// What the two parts of one MMS share: sender, recipient and the sending time.
    pub fn correlation(&self) -> Result<String, String> {
        Ok(format!(
            "{}:{}:{}",
            self.require("source_number")?,
            self.require("destination_number")?,
            self.get("datetime_transmission").unwrap_or_default()
        ))
    }
}

/// Whether an attachment is VoiceMeUp's `.mms.html` wrapper of an MMS's first part (not media).
pub fn is_wrapper(url: &str, mime_type: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.ends_with(".mms.html")
        || (mime_type.eq_ignore_ascii_case("text/html") && path.contains(".mms."))
}

/// The fields of `request`'s body: a JSON object or a form.
pub fn read(request: &WebhookRequest) -> Result<Payload, String> {
    let content_type = request.header("content-type").unwrap_or("");
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let raw = match media_type.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("VoiceMeUp webhook body is JSON but not an object".to_owned()),
            Err(e) => return Err(format!("VoiceMeUp webhook body is not JSON: {e}")),
        },
        "application/x-www-form-urlencoded" => request
            .form_pairs()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
        _ => {
            return Err(format!(
                "VoiceMeUp webhooks are JSON or form bodies; this one's content-type is {content_type:?}"
            ));
        }
    };
    Ok(Payload { raw })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(value: Value) -> Payload {
        match value {
            Value::Object(raw) => Payload { raw },
            _ => unreachable!(),
        }
    }

    #[test]
    fn kinds_follow_direction_and_attachment() {
        let text = json!({"message": "hi", "source_number": "1", "destination_number": "2"});
        assert_eq!(payload(text).kind(), Kind::Complete);
        let wrapper = json!({"message": "hi", "attachment": "https://clients.voicemeup.com/file/c3.mms.html", "attachment_mime_type": "text/html"});
        assert_eq!(payload(wrapper).kind(), Kind::TextPart);
        let image = json!({"message": "", "attachment": "https://clients.voicemeup.com/file/24.mms.jpg", "attachment_mime_type": "image/jpeg"});
        assert_eq!(payload(image).kind(), Kind::MediaPart);
        let captioned = json!({"message": "look", "attachment_url": "https://x/1.jpg", "attachment_type": "image/jpeg"});
        assert_eq!(payload(captioned).kind(), Kind::Complete);
        let outbound = json!({"direction": "outbound", "message": "hi"});
        assert_eq!(payload(outbound).kind(), Kind::Outbound);
        assert!(is_wrapper("https://h/f/x.mms.html?sig=1", ""));
        assert!(is_wrapper("https://h/f/x.mms.htm", "text/html"));
        assert!(!is_wrapper("https://h/f/x.jpg", "text/html"));
    }

    #[test]
    fn numbers_and_blank_fields() {
        let p = payload(json!({"sms_log_id": 5237355, "message": "", "source_number": " "}));
        assert_eq!(p.get("sms_log_id").as_deref(), Some("5237355"));
        assert_eq!(p.get("message"), None);
        assert_eq!(
            p.require("source_number").unwrap_err(),
            "VoiceMeUp webhook has no `source_number`"
        );
        assert_eq!(p.attachment_type(), "application/octet-stream");
    }
}
