//! The plain text of any content (SPEC §3 "Transcoding to a text-only target") and the
//! `max_length` cut.
//!
//! Optional strings that are present but empty count as absent: a media with `caption: ""`
//! falls back to its filename, an audio with `transcript: ""` to `[Voice message: …]`.

use roomkit_model::Content;

/// The first of `candidates` that is present and not empty, else `fallback`.
fn first_present<'a>(candidates: &[Option<&'a str>], fallback: &'a str) -> &'a str {
    candidates
        .iter()
        .flatten()
        .copied()
        .find(|text| !text.is_empty())
        .unwrap_or(fallback)
}

/// A media URL as a label: none for a `data:` URL, whose payload would otherwise be written
/// into the text (the MIME type names it instead).
fn url_label(url: &str) -> Option<&str> {
    let scheme = url.get(..5)?;
    (!scheme.eq_ignore_ascii_case("data:")).then_some(url)
}

/// The plain text of any content: what a text-only target receives and what a hook checks.
///
/// text → body; rich → plain_text, else body; media → `[Media: X]` with X the first present of
/// caption, filename, url (not a `data:` URL), mime_type; audio → transcript, else `[Voice message: url|mime]`;
/// video → `[Video: url|mime]`; location → `[Location: label (lat, lon)]` or
/// `[Location: (lat, lon)]` (numbers in Rust's `f64` Display: `45.5`, `-73.6`, `2`); template →
/// body, else `[Template: template_id]`; composite → its parts' texts joined with `\n`;
/// system → body; edit → `Correction: <text of the new content>`; delete → `[Message deleted]`.
pub fn text_of(content: &Content) -> String {
    match content {
        Content::Text { body, .. } | Content::System { body, .. } => body.clone(),
        Content::Rich {
            body, plain_text, ..
        } => first_present(&[plain_text.as_deref()], body).to_owned(),
        Content::Media {
            url,
            mime_type,
            filename,
            caption,
            ..
        } => {
            let label = first_present(
                &[caption.as_deref(), filename.as_deref(), url_label(url)],
                mime_type,
            );
            format!("[Media: {label}]")
        }
        Content::Audio {
            url,
            mime_type,
            transcript,
            ..
        } => match transcript.as_deref().filter(|t| !t.is_empty()) {
            Some(transcript) => transcript.to_owned(),
            None => format!(
                "[Voice message: {}]",
                first_present(&[url_label(url)], mime_type)
            ),
        },
        Content::Video { url, mime_type, .. } => {
            format!("[Video: {}]", first_present(&[url_label(url)], mime_type))
        }
        Content::Location {
            latitude,
            longitude,
            label,
            ..
        } => match label.as_deref().filter(|l| !l.is_empty()) {
            Some(label) => format!("[Location: {label} ({latitude}, {longitude})]"),
            None => format!("[Location: ({latitude}, {longitude})]"),
        },
        Content::Template {
            template_id, body, ..
        } => match body.as_deref().filter(|b| !b.is_empty()) {
            Some(body) => body.to_owned(),
            None => format!("[Template: {template_id}]"),
        },
        Content::Composite { parts } => parts.iter().map(text_of).collect::<Vec<_>>().join("\n"),
        Content::Edit { new_content, .. } => format!("Correction: {}", text_of(new_content)),
        Content::Delete { .. } => "[Message deleted]".to_owned(),
    }
}

/// `text` cut to at most `max` characters: `max - 3` characters plus `...`, or just `max`
/// characters when `max < 3`. Shorter texts are returned unchanged.
fn cut(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    if max < 3 {
        return text.chars().take(max).collect();
    }
    let mut out: String = text.chars().take(max - 3).collect();
    out.push_str("...");
    out
}

/// Cuts text content, and the body and plain text of rich content, that is longer than
/// `max_length` characters (not bytes) to `max_length - 3` characters plus `...` (to
/// `max_length` characters when it is below 3). Other content, including composites, is
/// returned unchanged, as is everything when `max_length` is `None`.
pub fn cut_to_max_length(content: Content, max_length: Option<usize>) -> Content {
    let Some(max) = max_length else {
        return content;
    };
    match content {
        Content::Text { body, language } => Content::Text {
            body: cut(body, max),
            language,
        },
        Content::Rich {
            body,
            format,
            plain_text,
            buttons,
            quick_replies,
        } => Content::Rich {
            body: cut(body, max),
            format,
            plain_text: plain_text.map(|text| cut(text, max)),
            buttons,
            quick_replies,
        },
        other => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use roomkit_model::{DeleteType, Metadata, RichFormat};

    fn rich(body: &str, plain_text: Option<&str>) -> Content {
        Content::Rich {
            body: body.into(),
            format: RichFormat::Markdown,
            plain_text: plain_text.map(Into::into),
            buttons: vec![],
            quick_replies: vec![],
        }
    }

    fn media(caption: Option<&str>, filename: Option<&str>, url: &str) -> Content {
        Content::Media {
            url: url.into(),
            mime_type: "image/png".into(),
            filename: filename.map(Into::into),
            size_bytes: None,
            caption: caption.map(Into::into),
        }
    }

    #[test]
    fn text_and_system_contents_give_their_bodies() {
        assert_eq!(text_of(&Content::text("hello")), "hello");
        let system = Content::System {
            body: "Ana joined".into(),
            code: Some("J1".into()),
            data: Metadata::new(),
        };
        assert_eq!(text_of(&system), "Ana joined");
    }

    #[test]
    fn rich_gives_plain_text_when_set_and_body_otherwise() {
        assert_eq!(text_of(&rich("**hi**", Some("hi"))), "hi");
        assert_eq!(text_of(&rich("**hi**", None)), "**hi**");
        assert_eq!(text_of(&rich("**hi**", Some(""))), "**hi**");
    }

    #[test]
    fn media_names_the_first_present_of_caption_filename_url_and_mime_type() {
        let url = "https://x.io/a.png";
        assert_eq!(
            text_of(&media(Some("a cat"), Some("cat.png"), url)),
            "[Media: a cat]"
        );
        assert_eq!(
            text_of(&media(None, Some("cat.png"), url)),
            "[Media: cat.png]"
        );
        assert_eq!(
            text_of(&media(Some(""), None, url)),
            "[Media: https://x.io/a.png]"
        );
        assert_eq!(text_of(&media(None, None, "")), "[Media: image/png]");
    }

    #[test]
    fn a_data_url_is_never_written_into_text_the_mime_type_names_the_media() {
        let gif = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
        assert_eq!(text_of(&media(None, None, gif)), "[Media: image/png]");
        assert_eq!(
            text_of(&media(None, None, "DATA:text/plain,hi")),
            "[Media: image/png]"
        );
        assert_eq!(
            text_of(&media(None, Some("dot.gif"), gif)),
            "[Media: dot.gif]"
        );
        let audio = Content::Audio {
            url: "data:audio/ogg;base64,T2dnUw==".into(),
            mime_type: "audio/ogg".into(),
            duration_seconds: None,
            transcript: None,
        };
        assert_eq!(text_of(&audio), "[Voice message: audio/ogg]");
        let video = Content::Video {
            url: "data:video/mp4;base64,AAAA".into(),
            mime_type: "video/mp4".into(),
            duration_seconds: None,
            thumbnail_url: None,
        };
        assert_eq!(text_of(&video), "[Video: video/mp4]");
    }

    #[test]
    fn audio_gives_its_transcript_or_a_voice_message_marker() {
        let audio = |url: &str, transcript: Option<&str>| Content::Audio {
            url: url.into(),
            mime_type: "audio/ogg".into(),
            duration_seconds: Some(3.0),
            transcript: transcript.map(Into::into),
        };
        assert_eq!(
            text_of(&audio("https://x.io/v.ogg", Some("call me"))),
            "call me"
        );
        assert_eq!(
            text_of(&audio("https://x.io/v.ogg", None)),
            "[Voice message: https://x.io/v.ogg]"
        );
        assert_eq!(text_of(&audio("", None)), "[Voice message: audio/ogg]");
    }

    #[test]
    fn video_gives_its_url_or_mime_type() {
        let video = |url: &str| Content::Video {
            url: url.into(),
            mime_type: "video/mp4".into(),
            duration_seconds: None,
            thumbnail_url: None,
        };
        assert_eq!(
            text_of(&video("https://x.io/v.mp4")),
            "[Video: https://x.io/v.mp4]"
        );
        assert_eq!(text_of(&video("")), "[Video: video/mp4]");
    }

    #[test]
    fn location_shows_its_label_and_coordinates_in_f64_display() {
        let at = |latitude, longitude, label: Option<&str>| Content::Location {
            latitude,
            longitude,
            label: label.map(Into::into),
            address: Some("1 Main St".into()),
        };
        assert_eq!(
            text_of(&at(45.5, -73.6, Some("Office"))),
            "[Location: Office (45.5, -73.6)]"
        );
        assert_eq!(text_of(&at(45.5, -73.6, None)), "[Location: (45.5, -73.6)]");
        assert_eq!(text_of(&at(1.0, 2.0, Some(""))), "[Location: (1, 2)]");
    }

    #[test]
    fn template_gives_its_body_or_its_id() {
        let template = |body: Option<&str>| Content::Template {
            template_id: "welcome_v2".into(),
            language: "en".into(),
            parameters: Metadata::new(),
            body: body.map(Into::into),
        };
        assert_eq!(text_of(&template(Some("Hi Ana"))), "Hi Ana");
        assert_eq!(text_of(&template(None)), "[Template: welcome_v2]");
    }

    #[test]
    fn composite_joins_its_parts_recursively_with_newlines() {
        let composite = Content::Composite {
            parts: vec![
                Content::text("look"),
                Content::Composite {
                    parts: vec![media(Some("a cat"), None, "https://x.io/a.png")],
                },
                rich("**bye**", Some("bye")),
            ],
        };
        assert_eq!(text_of(&composite), "look\n[Media: a cat]\nbye");
    }

    #[test]
    fn edit_is_a_correction_and_delete_a_deleted_marker() {
        let edit = Content::Edit {
            target_event_id: "e1".into(),
            new_content: Box::new(rich("**fixed**", Some("fixed"))),
        };
        assert_eq!(text_of(&edit), "Correction: fixed");
        let delete = Content::Delete {
            target_event_id: "e1".into(),
            delete_type: DeleteType::Admin,
            reason: Some("spam".into()),
        };
        assert_eq!(text_of(&delete), "[Message deleted]");
    }

    #[test]
    fn long_text_is_cut_to_max_length_minus_three_plus_dots() {
        assert_eq!(
            cut_to_max_length(Content::text("hello world"), Some(10)),
            Content::text("hello w...")
        );
    }

    #[test]
    fn max_length_counts_characters_not_bytes() {
        assert_eq!(
            cut_to_max_length(Content::text("héllo wörld"), Some(8)),
            Content::text("héllo...")
        );
        assert_eq!(
            cut_to_max_length(Content::text("日本語のテキスト"), Some(8)),
            Content::text("日本語のテキスト")
        );
    }

    #[test]
    fn text_at_or_below_max_length_or_without_a_limit_is_unchanged() {
        assert_eq!(
            cut_to_max_length(Content::text("exactly10!"), Some(10)),
            Content::text("exactly10!")
        );
        assert_eq!(
            cut_to_max_length(Content::text("abc"), None),
            Content::text("abc")
        );
    }

    #[test]
    fn a_max_length_below_three_just_cuts_without_dots() {
        assert_eq!(
            cut_to_max_length(Content::text("abc"), Some(2)),
            Content::text("ab")
        );
        assert_eq!(
            cut_to_max_length(Content::text("abc"), Some(0)),
            Content::text("")
        );
        assert_eq!(
            cut_to_max_length(Content::text("abcd"), Some(3)),
            Content::text("...")
        );
    }

    #[test]
    fn the_language_of_cut_text_is_kept() {
        let text = Content::Text {
            body: "bonjour tout le monde".into(),
            language: Some("fr".into()),
        };
        assert_eq!(
            cut_to_max_length(text, Some(10)),
            Content::Text {
                body: "bonjour...".into(),
                language: Some("fr".into())
            }
        );
    }

    #[test]
    fn rich_body_and_plain_text_are_cut_too() {
        assert_eq!(
            cut_to_max_length(rich("**a long body**", Some("a long body")), Some(8)),
            rich("**a l...", Some("a lon..."))
        );
    }

    #[test]
    fn other_content_is_never_cut() {
        let long = media(Some("a very long caption indeed"), None, "https://x.io/a");
        assert_eq!(cut_to_max_length(long.clone(), Some(5)), long);
        let composite = Content::Composite {
            parts: vec![Content::text("a long text part")],
        };
        assert_eq!(cut_to_max_length(composite.clone(), Some(5)), composite);
    }
}
