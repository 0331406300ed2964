//! Event content, tagged by `type` (SPEC §1), and its validation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Metadata, ValidationError};

/// How deep composites may nest inside each other (a composite of texts has depth 1).
pub const MAX_COMPOSITE_NESTING: usize = 5;

/// What an event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Content {
    /// Plain text.
    Text {
        /// The text.
        body: String,
        /// Its language (BCP 47, e.g. `en`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language: Option<String>,
    },
    /// Formatted text with optional buttons and quick replies.
    Rich {
        /// The formatted text.
        body: String,
        #[serde(default)]
        format: RichFormat,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// The same without markup, for channels that render none.
        plain_text: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<Button>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        quick_replies: Vec<QuickReply>,
    },
    /// An image or file.
    Media {
        /// `http(s)://` or `data:` URL.
        url: String,
        mime_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// Its size in bytes.
        size_bytes: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
    /// A point on the map.
    Location {
        /// -90 to 90.
        #[schema(minimum = -90.0, maximum = 90.0)]
        latitude: f64,
        /// -180 to 180.
        #[schema(minimum = -180.0, maximum = 180.0)]
        longitude: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    /// A voice message or other audio.
    Audio {
        /// `http(s)://` or `data:` URL.
        url: String,
        mime_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_seconds: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transcript: Option<String>,
    },
    /// A video clip.
    Video {
        /// `http(s)://` or `data:` URL.
        url: String,
        mime_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_seconds: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thumbnail_url: Option<String>,
    },
    /// Several parts sent as one message.
    Composite {
        /// The parts, in order; not empty, nested at most 5 composites deep.
        #[schema(no_recursion)]
        parts: Vec<Content>,
    },
    /// A message from the system itself.
    System {
        /// The notice.
        body: String,
        /// A machine-readable code (e.g. `hook_error`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// Data that goes with the code.
        #[serde(default)]
        #[schema(value_type = Object)]
        data: Metadata,
    },
    /// A provider template (e.g. a pre-approved WhatsApp message).
    Template {
        /// The provider's id of the template.
        template_id: String,
        /// The language version of the template.
        language: String,
        /// Values of its placeholders.
        #[serde(default)]
        #[schema(value_type = Object)]
        parameters: Metadata,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// The rendered text, for channels without templates.
        body: Option<String>,
    },
    /// A correction of an earlier event.
    Edit {
        /// The event it corrects.
        target_event_id: String,
        /// The corrected content.
        #[schema(no_recursion)]
        new_content: Box<Content>,
    },
    /// The removal of an earlier event.
    Delete {
        /// The event it removes.
        target_event_id: String,
        /// Who deleted it (default `sender`).
        #[serde(default)]
        delete_type: DeleteType,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// Why.
        reason: Option<String>,
    },
}

/// Markup of rich content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RichFormat {
    /// Markdown (the default).
    #[default]
    Markdown,
    /// HTML.
    Html,
}

/// A button shown with rich content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Button {
    /// What the user sees.
    pub label: String,
    /// What comes back when pressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A link to open instead of sending a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A suggested reply shown with rich content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuickReply {
    /// What the user sees.
    pub label: String,
    /// What comes back when chosen.
    pub value: String,
}

/// Who deleted an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeleteType {
    /// The original author (the default).
    #[default]
    Sender,
    /// The host or a hook.
    System,
    /// An operator.
    Admin,
}

impl Content {
    /// Plain text content.
    pub fn text(body: impl Into<String>) -> Self {
        Content::Text {
            body: body.into(),
            language: None,
        }
    }

    /// Checks the limits of SPEC §1: safe URLs, coordinates in range, composites non-empty and
    /// nested at most [`MAX_COMPOSITE_NESTING`] deep.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Content::Media { url, .. } => validate_media_url("media.url", url),
            Content::Audio { url, .. } => validate_media_url("audio.url", url),
            Content::Video {
                url, thumbnail_url, ..
            } => {
                validate_media_url("video.url", url)?;
                match thumbnail_url {
                    Some(thumb) => validate_media_url("video.thumbnail_url", thumb),
                    None => Ok(()),
                }
            }
            Content::Location {
                latitude,
                longitude,
                ..
            } => {
                check_range("latitude", *latitude, -90.0, 90.0)?;
                check_range("longitude", *longitude, -180.0, 180.0)
            }
            Content::Composite { parts } => {
                let depth = self.composite_depth();
                if depth > MAX_COMPOSITE_NESTING {
                    return Err(ValidationError::CompositeTooDeep {
                        depth,
                        max: MAX_COMPOSITE_NESTING,
                    });
                }
                validate_parts(parts)
            }
            Content::Edit {
                target_event_id,
                new_content,
            } => {
                if target_event_id.is_empty() {
                    return Err(ValidationError::Empty("edit.target_event_id"));
                }
                new_content.validate()
            }
            Content::Delete {
                target_event_id, ..
            } => {
                if target_event_id.is_empty() {
                    return Err(ValidationError::Empty("delete.target_event_id"));
                }
                Ok(())
            }
            Content::Text { .. }
            | Content::Rich { .. }
            | Content::System { .. }
            | Content::Template { .. } => Ok(()),
        }
    }

    /// Whether it is media or a composite with media in it.
    pub fn carries_media(&self) -> bool {
        match self {
            Content::Media { .. } => true,
            Content::Composite { parts } => parts.iter().any(Content::carries_media),
            _ => false,
        }
    }

    /// How many composites are nested here: 0 for anything but a composite.
    pub fn composite_depth(&self) -> usize {
        match self {
            Content::Composite { parts } => {
                1 + parts
                    .iter()
                    .map(Content::composite_depth)
                    .max()
                    .unwrap_or(0)
            }
            _ => 0,
        }
    }
}

fn validate_parts(parts: &[Content]) -> Result<(), ValidationError> {
    if parts.is_empty() {
        return Err(ValidationError::EmptyComposite);
    }
    parts.iter().try_for_each(Content::validate)
}

fn check_range(field: &'static str, value: f64, min: f64, max: f64) -> Result<(), ValidationError> {
    // NaN fails both comparisons and is refused too.
    if value >= min && value <= max {
        Ok(())
    } else {
        Err(ValidationError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

/// Accepts `http://`, `https://` and `data:` URLs without `..`; refuses everything else
/// (`file:`, `javascript:`, relative paths).
pub fn validate_media_url(field: &'static str, url: &str) -> Result<(), ValidationError> {
    let lower = url.trim_start().to_ascii_lowercase();
    let scheme_ok =
        lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("data:");
    let has_host = lower != "http://" && lower != "https://";
    if scheme_ok && has_host && !url.contains("..") {
        Ok(())
    } else {
        Err(ValidationError::UnsafeUrl {
            field,
            url: url.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: serde_json::Value) -> Content {
        let content: Content = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(serde_json::to_value(&content).unwrap(), value);
        content
    }

    #[test]
    fn every_content_type_round_trips_through_json() {
        round_trip(json!({"type": "text", "body": "hello", "language": "en"}));
        round_trip(
            json!({"type": "rich", "body": "**hi**", "format": "html", "plain_text": "hi",
            "buttons": [{"label": "Yes", "value": "y"}, {"label": "Docs", "url": "https://x.io"}],
            "quick_replies": [{"label": "No", "value": "n"}]}),
        );
        round_trip(
            json!({"type": "media", "url": "https://x.io/a.png", "mime_type": "image/png",
            "filename": "a.png", "size_bytes": 12, "caption": "a cat"}),
        );
        round_trip(
            json!({"type": "location", "latitude": 45.5, "longitude": -73.6,
            "label": "Office", "address": "1 Main St"}),
        );
        round_trip(
            json!({"type": "audio", "url": "https://x.io/a.ogg", "mime_type": "audio/ogg",
            "duration_seconds": 3.5, "transcript": "hello"}),
        );
        round_trip(
            json!({"type": "video", "url": "https://x.io/v.mp4", "mime_type": "video/mp4",
            "duration_seconds": 10.0, "thumbnail_url": "https://x.io/t.png"}),
        );
        round_trip(json!({"type": "composite", "parts": [
            {"type": "text", "body": "a"}, {"type": "media", "url": "data:image/png;base64,AA",
            "mime_type": "image/png"}]}));
        round_trip(json!({"type": "system", "body": "joined", "code": "J1", "data": {"k": 1}}));
        round_trip(
            json!({"type": "template", "template_id": "t1", "language": "en",
            "parameters": {"name": "Ana"}, "body": "Hi Ana"}),
        );
        round_trip(json!({"type": "edit", "target_event_id": "e1",
            "new_content": {"type": "text", "body": "fixed"}}));
        round_trip(
            json!({"type": "delete", "target_event_id": "e1", "delete_type": "admin",
            "reason": "spam"}),
        );
    }

    #[test]
    fn defaults_fill_optional_fields() {
        let rich: Content = serde_json::from_value(json!({"type": "rich", "body": "x"})).unwrap();
        assert_eq!(
            rich,
            Content::Rich {
                body: "x".into(),
                format: RichFormat::Markdown,
                plain_text: None,
                buttons: vec![],
                quick_replies: vec![]
            }
        );
        let delete: Content =
            serde_json::from_value(json!({"type": "delete", "target_event_id": "e"})).unwrap();
        assert!(matches!(
            delete,
            Content::Delete {
                delete_type: DeleteType::Sender,
                ..
            }
        ));
    }

    #[test]
    fn unknown_content_type_and_unknown_fields_are_refused() {
        assert!(serde_json::from_value::<Content>(json!({"type": "hologram"})).is_err());
        assert!(
            serde_json::from_value::<Content>(json!({"type": "text", "body": "a", "x": 1}))
                .is_err()
        );
        assert!(serde_json::from_value::<Content>(json!({"body": "no tag"})).is_err());
    }

    #[test]
    fn media_urls_must_be_http_or_data_without_dot_dot() {
        for ok in [
            "https://cdn.example.com/a.png",
            "http://x.io/a",
            "data:image/png;base64,AAA",
            "HTTPS://X.IO/A",
        ] {
            assert!(validate_media_url("u", ok).is_ok(), "{ok}");
        }
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "ftp://x.io/a",
            "/relative/path",
            "https://x.io/../secret",
            "https://",
            "",
        ] {
            assert!(validate_media_url("u", bad).is_err(), "{bad}");
        }
        let video = Content::Video {
            url: "https://x.io/v".into(),
            mime_type: "video/mp4".into(),
            duration_seconds: None,
            thumbnail_url: Some("file:///t.png".into()),
        };
        assert_eq!(
            video.validate(),
            Err(ValidationError::UnsafeUrl {
                field: "video.thumbnail_url",
                url: "file:///t.png".into()
            })
        );
    }

    #[test]
    fn coordinates_must_be_in_range() {
        let at = |latitude, longitude| Content::Location {
            latitude,
            longitude,
            label: None,
            address: None,
        };
        assert!(at(90.0, -180.0).validate().is_ok());
        assert!(at(-90.0, 180.0).validate().is_ok());
        assert!(at(90.1, 0.0).validate().is_err());
        assert!(at(0.0, -180.5).validate().is_err());
        assert!(at(f64::NAN, 0.0).validate().is_err());
    }

    fn nested(depth: usize) -> Content {
        let mut content = Content::text("leaf");
        for _ in 0..depth {
            content = Content::Composite {
                parts: vec![content],
            };
        }
        content
    }

    #[test]
    fn composites_nest_at_most_five_deep_and_are_never_empty() {
        assert_eq!(nested(5).composite_depth(), 5);
        assert!(nested(5).validate().is_ok());
        assert_eq!(
            nested(6).validate(),
            Err(ValidationError::CompositeTooDeep { depth: 6, max: 5 })
        );
        assert_eq!(
            Content::Composite { parts: vec![] }.validate(),
            Err(ValidationError::EmptyComposite)
        );
    }

    #[test]
    fn edit_validates_its_new_content() {
        let edit = Content::Edit {
            target_event_id: "e1".into(),
            new_content: Box::new(Content::Media {
                url: "javascript:x".into(),
                mime_type: "image/png".into(),
                filename: None,
                size_bytes: None,
                caption: None,
            }),
        };
        assert!(matches!(
            edit.validate(),
            Err(ValidationError::UnsafeUrl { .. })
        ));
    }
}
