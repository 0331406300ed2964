//! What of an event an SMS or MMS can carry: its text and its media, and the number it goes to.

use roomkit_sdk::types::{MediaContent, Part};
use roomkit_sdk::{BindingView, Content, DeliveryError};

/// One media item to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// Where the service fetches it.
    pub url: String,
    /// Its type.
    pub mime_type: String,
}

/// The text and media of an outgoing message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outgoing {
    /// The text (empty when there is none).
    pub text: String,
    /// The media items, in order.
    pub media: Vec<Media>,
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
        Content::Audio(a) => out.media.push(Media {
            url: a.url.clone(),
            mime_type: a.mime_type.clone(),
        }),
        Content::Video(v) => out.media.push(Media {
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

fn add_media(m: &MediaContent, texts: &mut Vec<String>, media: &mut Vec<Media>) {
    texts.extend(m.caption.clone());
    media.push(Media {
        url: m.url.clone(),
        mime_type: m.mime_type.clone(),
    });
}

fn add_part(
    part: &Part,
    texts: &mut Vec<String>,
    media: &mut Vec<Media>,
) -> Result<(), DeliveryError> {
    match part {
        Part::Text(t) => texts.push(t.body.clone()),
        Part::Rich(r) => texts.push(r.plain_text.clone().unwrap_or_else(|| r.body.clone())),
        Part::Media(m) => add_media(m, texts, media),
        Part::Location(l) => texts.push(location(l.latitude, l.longitude, &l.label, &l.address)),
        Part::Audio(a) => media.push(Media {
            url: a.url.clone(),
            mime_type: a.mime_type.clone(),
        }),
        Part::Video(v) => media.push(Media {
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
mod tests {
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
            vec![Media {
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
