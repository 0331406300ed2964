//! Composites for a target that does not render `composite` natively: transcoded part by part.

use roomkit_model::{ChannelCapabilities, Content};

use super::{ContentTranscoder, DefaultTranscoder, TranscodeError, non_empty_text};

/// Every part transcoded (recursively, through `transcoder`): parts the target renders stay and
/// the rest become text. When every part ends up as text they are joined with newlines into one
/// text (failing as empty if that text is empty); a single surviving part is sent on its own;
/// otherwise the transcoded parts stay a composite. One part that fails fails the whole.
pub(super) fn transcode_parts(
    transcoder: &DefaultTranscoder,
    parts: &[Content],
    target: &ChannelCapabilities,
) -> Result<Content, TranscodeError> {
    let mut transcoded = parts
        .iter()
        .map(|part| transcoder.transcode(part, target))
        .collect::<Result<Vec<_>, _>>()?;
    let all_text = transcoded
        .iter()
        .all(|part| matches!(part, Content::Text { .. }));
    if all_text {
        let bodies: Vec<String> = transcoded
            .into_iter()
            .filter_map(|part| match part {
                Content::Text { body, .. } => Some(body),
                _ => None,
            })
            .collect();
        return non_empty_text(bodies.join("\n"), "composite");
    }
    if transcoded.len() == 1 {
        return Ok(transcoded.remove(0));
    }
    Ok(Content::Composite { parts: transcoded })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn caps(media_types: &[&str]) -> ChannelCapabilities {
        ChannelCapabilities {
            media_types: media_types.iter().map(|t| (*t).to_owned()).collect(),
            ..ChannelCapabilities::default()
        }
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
            size_bytes: None,
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

    fn composite(parts: Vec<Content>) -> Content {
        Content::Composite { parts }
    }

    #[test]
    fn a_composite_of_unrendered_parts_becomes_one_text_joined_with_newlines() {
        let content = composite(vec![
            Content::text("look"),
            media(Some("a cat")),
            location(Some("Office")),
        ]);
        assert_eq!(
            transcode(&content, &caps(&["text"])).unwrap(),
            Content::text("look\n[Media: a cat]\n[Location: Office (45.5, -73.6)]")
        );
    }

    #[test]
    fn a_composite_keeps_the_parts_the_target_renders_and_converts_the_rest() {
        let content = composite(vec![
            Content::text("look"),
            media(Some("a cat")),
            location(None),
        ]);
        assert_eq!(
            transcode(&content, &caps(&["text", "media"])).unwrap(),
            composite(vec![
                Content::text("look"),
                media(Some("a cat")),
                Content::text("[Location: (45.5, -73.6)]"),
            ])
        );
    }

    #[test]
    fn a_composite_passes_whole_when_the_target_lists_composite() {
        let content = composite(vec![Content::text("look"), location(None)]);
        assert_eq!(
            transcode(&content, &caps(&["text", "composite"])).unwrap(),
            content
        );
    }

    #[test]
    fn nested_composites_are_transcoded_recursively() {
        let content = composite(vec![
            composite(vec![Content::text("a"), location(None)]),
            media(None),
        ]);
        assert_eq!(
            transcode(&content, &caps(&["text", "media"])).unwrap(),
            composite(vec![
                Content::text("a\n[Location: (45.5, -73.6)]"),
                media(None)
            ])
        );
        assert_eq!(
            transcode(&content, &caps(&["text"])).unwrap(),
            Content::text("a\n[Location: (45.5, -73.6)]\n[Media: a.png]")
        );
    }

    #[test]
    fn a_single_rendered_part_of_a_composite_is_sent_on_its_own() {
        let content = composite(vec![media(Some("a cat"))]);
        assert_eq!(
            transcode(&content, &caps(&["media"])).unwrap(),
            media(Some("a cat"))
        );
    }

    #[test]
    fn one_part_that_cannot_be_rendered_fails_the_whole_composite() {
        let content = composite(vec![media(None), location(None)]);
        assert_eq!(
            transcode(&content, &caps(&["media"])).unwrap_err(),
            TranscodeError::Unrenderable {
                content_type: "location"
            }
        );
    }

    #[test]
    fn a_composite_of_empty_texts_fails_as_empty() {
        let content = composite(vec![Content::text("")]);
        assert_eq!(
            transcode(&content, &caps(&["text"])).unwrap_err(),
            TranscodeError::Empty {
                content_type: "composite"
            }
        );
    }

    #[test]
    fn text_parts_lose_their_language_when_joined() {
        let content = composite(vec![
            Content::Text {
                body: "bonjour".into(),
                language: Some("fr".into()),
            },
            location(None),
        ]);
        assert_eq!(
            transcode(&content, &caps(&["text"])).unwrap(),
            Content::text("bonjour\n[Location: (45.5, -73.6)]")
        );
    }
}
