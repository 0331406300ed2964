//! One shape for an SMS or MMS webhook, whichever service sent it (Twilio, Telnyx, Sinch,
//! VoiceMeUp). Each SMS provider reads its service's payload into an [`SmsMeta`]; the inbound
//! message it makes carries the meta under the `sms` key of its metadata, so hooks and clients
//! read one shape:
//!
//! ```json
//! {"sms": {"provider": "twilio", "sender": "+14185551234", "recipient": "+15145550000",
//!          "body": "hi", "media": [{"url": "https://…", "mime_type": "image/jpeg"}],
//!          "provider_message_id": "SM…", "raw": {…}}}
//! ```
//!
//! ```
//! use roomkit_sdk::sms::{SmsMedia, SmsMeta};
//!
//! let meta = SmsMeta {
//!     provider: "twilio".into(),
//!     sender: "+14185551234".into(),
//!     recipient: "+15145550000".into(),
//!     body: "see photo".into(),
//!     media: vec![SmsMedia { url: "https://m.example/1.jpg".into(), mime_type: "image/jpeg".into() }],
//!     provider_message_id: Some("MM1".into()),
//!     raw: serde_json::json!({"NumMedia": "1"}),
//! };
//! let message = meta.to_inbound("sms");
//! assert_eq!(message.sender_id, "+14185551234");
//! assert_eq!(message.idempotency_key.as_deref(), Some("MM1"));
//! let metadata: serde_json::Value = serde_json::from_str(&message.metadata).unwrap();
//! assert_eq!(metadata["sms"]["media"][0]["mime_type"], "image/jpeg");
//! ```

use serde::{Deserialize, Serialize};

use crate::types::{Content, InboundMessage, MediaContent, Part, TextContent};

/// A media attachment of an MMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsMedia {
    /// Where the service keeps it.
    pub url: String,
    /// Its type as the service gave it (`application/octet-stream` when it gave none).
    pub mime_type: String,
}

/// An SMS or MMS as any SMS service delivers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmsMeta {
    /// The provider's short name: `twilio`, `telnyx`, `sinch`, `voicemeup`.
    pub provider: String,
    /// Who sent it (E.164 when the service gives E.164).
    pub sender: String,
    /// The number it was sent to.
    pub recipient: String,
    /// The text (empty for an MMS without text).
    pub body: String,
    /// The attachments, in order.
    pub media: Vec<SmsMedia>,
    /// The service's id for the message.
    pub provider_message_id: Option<String>,
    /// The service's payload as it came (form fields as an object).
    pub raw: serde_json::Value,
}

impl SmsMeta {
    /// The content: text, one media item (captioned by the text), or a composite of the text
    /// and each media item when there are several.
    pub fn content(&self) -> Content {
        let media = |m: &SmsMedia, caption: Option<String>| MediaContent {
            url: m.url.clone(),
            mime_type: m.mime_type.clone(),
            filename: None,
            size_bytes: None,
            caption,
        };
        let text = (!self.body.is_empty()).then(|| self.body.clone());
        match self.media.as_slice() {
            [] => Content::Text(TextContent {
                body: self.body.clone(),
                language: None,
            }),
            [one] => Content::Media(media(one, text)),
            many => {
                let mut parts = Vec::with_capacity(many.len() + 1);
                if let Some(body) = text {
                    parts.push(Part::Text(TextContent {
                        body,
                        language: None,
                    }));
                }
                parts.extend(many.iter().map(|m| Part::Media(media(m, None))));
                Content::Composite(parts)
            }
        }
    }

    /// The metadata object `{"sms": {…}}` as JSON text.
    pub fn to_metadata(&self) -> String {
        serde_json::json!({ "sms": self }).to_string()
    }

    /// The inbound message on `channel_id`: sender, content, the provider and its message id
    /// (which is also the idempotency key, so a service's retry is a duplicate), and the
    /// metadata.
    pub fn to_inbound(&self, channel_id: &str) -> InboundMessage {
        let mut message = InboundMessage::new(channel_id, self.sender.as_str(), self.content());
        if let Some(id) = &self.provider_message_id {
            message.idempotency_key = Some(id.clone());
        }
        message.provider = Some(self.provider.clone());
        message.provider_message_id = self.provider_message_id.clone();
        message.metadata = self.to_metadata();
        message
    }
}
