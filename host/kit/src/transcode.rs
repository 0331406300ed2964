//! Content transcoding to a target channel's capabilities (SPEC §3), and the `max_length` cut.

use roomkit_model::{ChannelCapabilities, Content};

/// Why content could not be made fit for a target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranscodeError {
    /// The target renders neither the content's type nor text.
    #[error("transcoding_failed: the target renders neither {content_type} nor text")]
    Unrenderable {
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

/// The type name of a content, as listed in `ChannelCapabilities::media_types`.
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

fn renders(target: &ChannelCapabilities, name: &str) -> bool {
    target.media_types.iter().any(|t| t == name)
}

impl ContentTranscoder for DefaultTranscoder {
    fn transcode(
        &self,
        content: &Content,
        target: &ChannelCapabilities,
    ) -> Result<Content, TranscodeError> {
        let name = type_name(content);
        if name == "text" || renders(target, name) {
            return Ok(content.clone());
        }
        if !renders(target, "text") {
            return Err(TranscodeError::Unrenderable { content_type: name });
        }
        Ok(Content::text(text_of(content)))
    }
}

/// The plain text of any content: what a text-only target receives and what a hook checks.
pub fn text_of(content: &Content) -> String {
    match content {
        Content::Text { body, .. } => body.clone(),
        Content::Rich {
            body, plain_text, ..
        } => plain_text.clone().unwrap_or_else(|| body.clone()),
        Content::Media {
            url,
            mime_type,
            filename,
            caption,
            ..
        } => format!(
            "[Media: {}]",
            caption
                .as_ref()
                .or(filename.as_ref())
                .unwrap_or(if url.is_empty() { mime_type } else { url })
        ),
        Content::Audio {
            url,
            mime_type,
            transcript,
            ..
        } => match transcript {
            Some(text) => text.clone(),
            None => format!(
                "[Voice message: {}]",
                if url.is_empty() { mime_type } else { url }
            ),
        },
        Content::Video { url, mime_type, .. } => {
            format!("[Video: {}]", if url.is_empty() { mime_type } else { url })
        }
        Content::Location {
            latitude,
            longitude,
            label,
            ..
        } => match label {
            Some(label) => format!("[Location: {label} ({latitude}, {longitude})]"),
            None => format!("[Location: ({latitude}, {longitude})]"),
        },
        Content::Template {
            template_id, body, ..
        } => body
            .clone()
            .unwrap_or_else(|| format!("[Template: {template_id}]")),
        Content::Composite { parts } => parts.iter().map(text_of).collect::<Vec<_>>().join("\n"),
        Content::System { body, .. } => body.clone(),
        Content::Edit { new_content, .. } => format!("Correction: {}", text_of(new_content)),
        Content::Delete { .. } => "[Message deleted]".to_owned(),
    }
}

/// Cuts text (and rich bodies) longer than `max_length` characters to `max_length - 3`
/// characters plus `...`.
pub fn cut_to_max_length(content: Content, max_length: Option<usize>) -> Content {
    let Some(max) = max_length else {
        return content;
    };
    let cut = |text: String| -> String {
        if text.chars().count() <= max {
            return text;
        }
        if max < 3 {
            return text.chars().take(max).collect();
        }
        let mut out: String = text.chars().take(max - 3).collect();
        out.push_str("...");
        out
    };
    match content {
        Content::Text { body, language } => Content::Text {
            body: cut(body),
            language,
        },
        Content::Rich {
            body,
            format,
            plain_text,
            buttons,
            quick_replies,
        } => Content::Rich {
            body: cut(body),
            format,
            plain_text: plain_text.map(cut),
            buttons,
            quick_replies,
        },
        other => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn text_only() -> ChannelCapabilities {
        ChannelCapabilities::default()
    }

    fn to_text(content: Content) -> String {
        match DefaultTranscoder.transcode(&content, &text_only()).unwrap() {
            Content::Text { body, .. } => body,
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn edit_and_delete_become_correction_and_message_deleted() {
        let edit = Content::Edit {
            target_event_id: "e".into(),
            new_content: Box::new(Content::text("fixed")),
        };
        assert_eq!(to_text(edit), "Correction: fixed");
        let delete = Content::Delete {
            target_event_id: "e".into(),
            delete_type: roomkit_model::DeleteType::Sender,
            reason: None,
        };
        assert_eq!(to_text(delete), "[Message deleted]");
    }

    #[test]
    fn content_the_target_renders_passes_unchanged() {
        let mut caps = text_only();
        caps.media_types.push("location".into());
        let location = Content::Location {
            latitude: 1.0,
            longitude: 2.0,
            label: None,
            address: None,
        };
        assert_eq!(
            DefaultTranscoder.transcode(&location, &caps).unwrap(),
            location
        );
    }

    #[test]
    fn a_target_without_text_cannot_receive_what_it_does_not_render() {
        let caps = ChannelCapabilities {
            media_types: vec!["media".into()],
            ..text_only()
        };
        let err = DefaultTranscoder
            .transcode(
                &Content::Location {
                    latitude: 1.0,
                    longitude: 2.0,
                    label: None,
                    address: None,
                },
                &caps,
            )
            .unwrap_err();
        assert!(err.to_string().starts_with("transcoding_failed"));
    }

    #[test]
    fn max_length_counts_characters_not_bytes() {
        let cut = cut_to_max_length(Content::text("héllo wörld"), Some(8));
        assert_eq!(cut, Content::text("héllo..."));
        assert_eq!(
            cut_to_max_length(Content::text("abc"), Some(2)),
            Content::text("ab")
        );
        assert_eq!(
            cut_to_max_length(Content::text("abc"), None),
            Content::text("abc")
        );
    }
}
