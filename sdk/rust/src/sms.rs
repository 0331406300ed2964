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

use crate::types::{
    BindingView, Content, DeliveryError, InboundMessage, MediaContent, Part, TextContent,
};

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

/// The text and media of an outgoing message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outgoing {
    /// The text (empty when there is none).
    pub text: String,
    /// The media items, in order.
    pub media: Vec<SmsMedia>,
}

/// The text and media of `content`: text and rich bodies (a rich body's plain-text form when it
/// has one), captions, template bodies, locations as text; media, audio and video as media.
/// A composite joins its parts' texts with new lines. Edits and deletes cannot be sent by SMS,
/// nor content with neither text nor media.
pub fn outgoing(content: &Content) -> Result<Outgoing, DeliveryError> {
    let mut out = Outgoing::default();
    let mut texts: Vec<String> = Vec::new();
    match content {
        Content::Text(t) => texts.push(t.body.clone()),
        Content::Rich(r) => texts.push(r.plain_text.clone().unwrap_or_else(|| r.body.clone())),
        Content::Media(m) => add_media(m, &mut texts, &mut out.media),
        Content::Location(l) => texts.push(location(l.latitude, l.longitude, &l.label, &l.address)),
        Content::Audio(a) => out.media.push(SmsMedia {
            url: a.url.clone(),
            mime_type: a.mime_type.clone(),
        }),
        Content::Video(v) => out.media.push(SmsMedia {
            url: v.url.clone(),
            mime_type: v.mime_type.clone(),
        }),
        Content::System(s) => texts.push(s.body.clone()),
        Content::Template(t) => texts.extend(t.body.clone()),
        Content::Composite(parts) => {
            for part in parts {
                add_part(part, &mut texts, &mut out.media)?;
            }
        }
        Content::Edit(_) => {
            return Err(DeliveryError::permanent(
                "an edit cannot be sent by SMS: a sent SMS cannot be changed",
            ));
        }
        Content::Delete(_) => {
            return Err(DeliveryError::permanent(
                "a delete cannot be sent by SMS: a sent SMS cannot be taken back",
            ));
        }
    }
    texts.retain(|t| !t.is_empty());
    out.text = texts.join("\n");
    if out.text.is_empty() && out.media.is_empty() {
        return Err(DeliveryError::permanent(
            "the event has neither text nor media to send by SMS",
        ));
    }
    Ok(out)
}

fn add_media(m: &MediaContent, texts: &mut Vec<String>, media: &mut Vec<SmsMedia>) {
    texts.extend(m.caption.clone());
    media.push(SmsMedia {
        url: m.url.clone(),
        mime_type: m.mime_type.clone(),
    });
}

fn add_part(
    part: &Part,
    texts: &mut Vec<String>,
    media: &mut Vec<SmsMedia>,
) -> Result<(), DeliveryError> {
    match part {
        Part::Text(t) => texts.push(t.body.clone()),
        Part::Rich(r) => texts.push(r.plain_text.clone().unwrap_or_else(|| r.body.clone())),
        Part::Media(m) => add_media(m, texts, media),
        Part::Location(l) => texts.push(location(l.latitude, l.longitude, &l.label, &l.address)),
        Part::Audio(a) => media.push(SmsMedia {
            url: a.url.clone(),
            mime_type: a.mime_type.clone(),
        }),
        Part::Video(v) => media.push(SmsMedia {
            url: v.url.clone(),
            mime_type: v.mime_type.clone(),
        }),
        Part::System(s) => texts.push(s.body.clone()),
        Part::Template(t) => texts.extend(t.body.clone()),
        Part::Json(_) => {
            return Err(DeliveryError::permanent(
                "a composite with a nested JSON part cannot be sent by SMS",
            ));
        }
    }
    Ok(())
}

fn location(lat: f64, lon: f64, label: &Option<String>, address: &Option<String>) -> String {
    let mut words: Vec<String> = Vec::new();
    words.extend(label.clone());
    words.extend(address.clone());
    words.push(format!("({lat}, {lon})"));
    words.join(" ")
}

/// The number `binding` delivers to: its metadata's `phone_number` when set, else its
/// participant id.
pub fn recipient(binding: &BindingView) -> Result<String, DeliveryError> {
    let from_metadata = serde_json::from_str::<serde_json::Value>(&binding.metadata)
        .ok()
        .and_then(|m| {
            m.get("phone_number")?
                .as_str()
                .map(str::trim)
                .map(str::to_owned)
        })
        .filter(|n| !n.is_empty());
    from_metadata
        .or_else(|| {
            binding
                .participant_id
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            DeliveryError::permanent(format!(
                "binding of channel {} has no recipient: neither metadata `phone_number` nor a participant id",
                binding.channel_id
            ))
        })
}

#[cfg(test)]
mod outgoing_tests {
    use super::*;
    use roomkit_sdk::types::{EditContent, TextContent};

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

    #[test]
    fn the_recipient_is_the_metadata_phone_number_else_the_participant() {
        let b = binding(Some("+15145550001"), r#"{"phone_number":"+15145550002"}"#);
        assert_eq!(recipient(&b).unwrap(), "+15145550002");
        let b = binding(Some("+15145550001"), r#"{"other":1}"#);
        assert_eq!(recipient(&b).unwrap(), "+15145550001");
        let b = binding(Some("+15145550001"), "not json");
        assert_eq!(recipient(&b).unwrap(), "+15145550001");
        let error = recipient(&binding(None, "{}")).unwrap_err();
        assert!(
            !error.retryable && error.message.contains("no recipient"),
            "{error:?}"
        );
    }

    #[test]
    fn captions_and_composites_give_text_and_media() {
        let media = |url: &str, caption: Option<&str>| MediaContent {
            url: url.into(),
            mime_type: "image/png".into(),
            filename: None,
            size_bytes: None,
            caption: caption.map(str::to_owned),
        };
        let out = outgoing(&Content::Media(media("https://m/1.png", Some("look")))).unwrap();
        assert_eq!(out.text, "look");
        assert_eq!(
            out.media,
            vec![SmsMedia {
                url: "https://m/1.png".into(),
                mime_type: "image/png".into()
            }]
        );
        let out = outgoing(&Content::Composite(vec![
            Part::Text(TextContent {
                body: "a".into(),
                language: None,
            }),
            Part::Media(media("https://m/2.png", None)),
            Part::Text(TextContent {
                body: "b".into(),
                language: None,
            }),
        ]))
        .unwrap();
        assert_eq!((out.text.as_str(), out.media.len()), ("a\nb", 1));
    }

    #[test]
    fn edits_and_empty_content_are_permanent_errors() {
        let edit = Content::Edit(EditContent {
            target_event_id: "e1".into(),
            new_content: Part::Text(TextContent {
                body: "x".into(),
                language: None,
            }),
        });
        assert!(!outgoing(&edit).unwrap_err().retryable);
        let error = outgoing(&Content::text("")).unwrap_err();
        assert!(
            error.message.contains("neither text nor media"),
            "{error:?}"
        );
    }
}
