//! Content transcoding to a target channel's capabilities (SPEC §2 step 15, §3).
//!
//! A content whose type name is listed in the target's `media_types` passes unchanged; text
//! always passes. Everything else becomes plain text with the exact strings of SPEC §3 (see
//! [`text_of`]). A composite the target does not render natively is transcoded part by part:
//! parts the target renders stay, the rest become text, and when every part ends up as text
//! they are joined with a newline into one text.
//!
//! Transcoding fails with `transcoding_failed` (see [`TranscodeError`]) when
//! - the target renders neither the content's type nor `text`, so nothing could be delivered, or
//! - the conversion to text yields an empty string (say a rich content with an empty body), which
//!   no text transport could send. A text content with an empty body still passes unchanged.
//!
//! [`cut_to_max_length`] then cuts what is sent to the target's `max_length`.

mod composite;
mod text;

use roomkit_model::{ChannelCapabilities, Content};

pub use text::{cut_to_max_length, text_of};

/// Why content could not be made fit for a target; the Display starts with
/// `transcoding_failed`, the reason recorded in the delivery result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranscodeError {
    /// The target renders neither the content's type nor text.
    #[error("transcoding_failed: the target renders neither {content_type} nor text")]
    Unrenderable {
        /// The content's type name.
        content_type: &'static str,
    },
    /// The content would become an empty text.
    #[error("transcoding_failed: {content_type} content has no text to send")]
    Empty {
        /// The content's type name.
        content_type: &'static str,
    },
}

/// Converts content for a target that may not render it.
pub trait ContentTranscoder: Send + Sync {
    /// The content as the target should receive it.
    fn transcode(
        &self,
        content: &Content,
        target: &ChannelCapabilities,
    ) -> Result<Content, TranscodeError>;
}

/// The SPEC §3 table: content the target renders passes unchanged, everything else becomes text.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultTranscoder;

/// The type name of a content, as listed in [`ChannelCapabilities::media_types`].
pub fn type_name(content: &Content) -> &'static str {
    match content {
        Content::Text { .. } => "text",
        Content::Rich { .. } => "rich",
        Content::Media { .. } => "media",
        Content::Location { .. } => "location",
        Content::Audio { .. } => "audio",
        Content::Video { .. } => "video",
        Content::Composite { .. } => "composite",
        Content::System { .. } => "system",
        Content::Template { .. } => "template",
        Content::Edit { .. } => "edit",
        Content::Delete { .. } => "delete",
    }
}

/// Whether the target lists `name` among the types it renders.
fn renders(target: &ChannelCapabilities, name: &str) -> bool {
    target.media_types.iter().any(|t| t == name)
}

impl ContentTranscoder for DefaultTranscoder {
    fn transcode(
        &self,
        content: &Content,
        target: &ChannelCapabilities,
    ) -> Result<Content, TranscodeError> {
        let content_type = type_name(content);
        if content_type == "text" || renders(target, content_type) {
            return Ok(content.clone());
        }
        if let Content::Composite { parts } = content {
            return composite::transcode_parts(self, parts, target);
        }
        if !renders(target, "text") {
            return Err(TranscodeError::Unrenderable { content_type });
        }
        non_empty_text(text_of(content), content_type)
    }
}

/// A text content, or [`TranscodeError::Empty`] for an empty body.
fn non_empty_text(body: String, content_type: &'static str) -> Result<Content, TranscodeError> {
    if body.is_empty() {
        Err(TranscodeError::Empty { content_type })
    } else {
        Ok(Content::text(body))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use roomkit_model::{DeleteType, Metadata, RichFormat};

    fn caps(media_types: &[&str]) -> ChannelCapabilities {
        ChannelCapabilities {
            media_types: media_types.iter().map(|t| (*t).to_owned()).collect(),
            ..ChannelCapabilities::default()
        }
    }

    fn text_only() -> ChannelCapabilities {
        ChannelCapabilities::default()
    }

    fn transcode(
        content: &Content,
        target: &ChannelCapabilities,
    ) -> Result<Content, TranscodeError> {
        DefaultTranscoder.transcode(content, target)
    }

    fn media(caption: Option<&str>) -> Content {
        Content::Media {
            url: "https://x.io/a.png".into(),
            mime_type: "image/png".into(),
            filename: Some("a.png".into()),
            size_bytes: Some(12),
            caption: caption.map(Into::into),
        }
    }

    fn location(label: Option<&str>) -> Content {
        Content::Location {
            latitude: 45.5,
            longitude: -73.6,
            label: label.map(Into::into),
            address: None,
        }
    }

    fn rich(body: &str, plain_text: Option<&str>) -> Content {
        Content::Rich {
            body: body.into(),
            format: RichFormat::Html,
            plain_text: plain_text.map(Into::into),
            buttons: vec![],
            quick_replies: vec![],
        }
    }

    fn all_kinds() -> Vec<Content> {
        vec![
            Content::text("hi"),
            rich("<b>hi</b>", Some("hi")),
            media(Some("a cat")),
            location(Some("Office")),
            Content::Audio {
                url: "https://x.io/a.ogg".into(),
                mime_type: "audio/ogg".into(),
                duration_seconds: None,
                transcript: None,
            },
            Content::Video {
                url: "https://x.io/v.mp4".into(),
                mime_type: "video/mp4".into(),
                duration_seconds: None,
                thumbnail_url: None,
            },
            Content::Composite {
                parts: vec![Content::text("a"), media(None)],
            },
            Content::System {
                body: "joined".into(),
                code: None,
                data: Metadata::new(),
            },
            Content::Template {
                template_id: "t1".into(),
                language: "en".into(),
                parameters: Metadata::new(),
                body: None,
            },
            Content::Edit {
                target_event_id: "e1".into(),
                new_content: Box::new(Content::text("fixed")),
            },
            Content::Delete {
                target_event_id: "e1".into(),
                delete_type: DeleteType::Sender,
                reason: None,
            },
        ]
    }

    #[test]
    fn type_names_match_the_media_type_names_of_capabilities() {
        let names: Vec<&str> = all_kinds().iter().map(type_name).collect();
        assert_eq!(
            names,
            vec![
                "text",
                "rich",
                "media",
                "location",
                "audio",
                "video",
                "composite",
                "system",
                "template",
                "edit",
                "delete"
            ]
        );
    }

    #[test]
    fn every_content_type_passes_unchanged_to_a_target_that_lists_it() {
        for content in all_kinds() {
            let target = caps(&[type_name(&content)]);
            assert_eq!(transcode(&content, &target).unwrap(), content);
        }
    }

    #[test]
    fn every_content_type_becomes_its_text_for_a_text_only_target() {
        let bodies: Vec<Content> = all_kinds()
            .iter()
            .map(|content| transcode(content, &text_only()).unwrap())
            .collect();
        let expected = [
            "hi",
            "hi",
            "[Media: a cat]",
            "[Location: Office (45.5, -73.6)]",
            "[Voice message: https://x.io/a.ogg]",
            "[Video: https://x.io/v.mp4]",
            "a\n[Media: a.png]",
            "joined",
            "[Template: t1]",
            "Correction: fixed",
            "[Message deleted]",
        ];
        assert_eq!(
            bodies,
            expected
                .iter()
                .map(|b| Content::text(*b))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn text_passes_unchanged_even_to_a_target_that_does_not_list_text() {
        let text = Content::Text {
            body: "bonjour".into(),
            language: Some("fr".into()),
        };
        assert_eq!(transcode(&text, &caps(&["media"])).unwrap(), text);
        assert_eq!(transcode(&text, &caps(&[])).unwrap(), text);
        let empty = Content::text("");
        assert_eq!(transcode(&empty, &text_only()).unwrap(), empty);
    }

    #[test]
    fn content_the_target_does_not_list_becomes_text_when_it_renders_text() {
        let target = caps(&["text", "media"]);
        assert_eq!(
            transcode(&location(None), &target).unwrap(),
            Content::text("[Location: (45.5, -73.6)]")
        );
        assert_eq!(
            transcode(&media(None), &target).unwrap(),
            media(None),
            "media is rendered natively"
        );
    }

    #[test]
    fn a_target_without_text_cannot_receive_what_it_does_not_render() {
        let err = transcode(&location(None), &caps(&["media"])).unwrap_err();
        assert_eq!(
            err,
            TranscodeError::Unrenderable {
                content_type: "location"
            }
        );
        assert_eq!(
            err.to_string(),
            "transcoding_failed: the target renders neither location nor text"
        );
        assert!(matches!(
            transcode(&media(None), &caps(&[])),
            Err(TranscodeError::Unrenderable {
                content_type: "media"
            })
        ));
    }

    #[test]
    fn content_that_would_become_an_empty_text_fails() {
        let err = transcode(&rich("", None), &text_only()).unwrap_err();
        assert_eq!(
            err,
            TranscodeError::Empty {
                content_type: "rich"
            }
        );
        assert_eq!(
            err.to_string(),
            "transcoding_failed: rich content has no text to send"
        );
        let empty_system = Content::System {
            body: String::new(),
            code: None,
            data: Metadata::new(),
        };
        assert!(transcode(&empty_system, &text_only()).is_err());
    }

    #[test]
    fn an_edit_becomes_a_correction_with_its_new_content_as_text() {
        let edit = Content::Edit {
            target_event_id: "e1".into(),
            new_content: Box::new(media(Some("the right cat"))),
        };
        assert_eq!(
            transcode(&edit, &text_only()).unwrap(),
            Content::text("Correction: [Media: the right cat]")
        );
    }

    #[test]
    fn the_default_transcoder_works_behind_the_trait_object() {
        let transcoder: std::sync::Arc<dyn ContentTranscoder> =
            std::sync::Arc::new(DefaultTranscoder);
        assert_eq!(
            transcoder
                .transcode(&rich("**hi**", None), &text_only())
                .unwrap(),
            Content::text("**hi**")
        );
    }
}
