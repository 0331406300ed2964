//! The visibility grammar (SPEC §3): a keyword or a comma list of channel ids.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ChannelCategory, ValidationError};

/// Who may see an event, or what a binding lets through.
///
/// Serialised as a string: `all`, `none`, `transport`, `intelligence`, `internal`, or a comma
/// list of channel ids (stored sorted and de-duplicated).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Visibility {
    /// Everyone; the neutral element of [`Visibility::intersect`].
    #[default]
    All,
    /// No one.
    None,
    /// Transport channels only.
    Transport,
    /// Intelligence channels only.
    Intelligence,
    /// Kept inside the host (hooks, store); refused on inbound messages and bindings.
    Internal,
    /// Exactly these channel ids; never empty (an empty set is `None`).
    Channels(BTreeSet<String>),
}

/// The channel an event would be shown to, for visibility checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer<'a> {
    /// The viewing channel's id.
    pub channel_id: &'a str,
    /// The viewing channel's category.
    pub category: ChannelCategory,
}

impl Visibility {
    /// Builds a channel list, normalising an empty list to `None`.
    pub fn channels<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let set: BTreeSet<String> = ids.into_iter().map(Into::into).collect();
        if set.is_empty() {
            Visibility::None
        } else {
            Visibility::Channels(set)
        }
    }

    /// The intersection of two visibilities (SPEC §3): `all` is neutral, `none` and `internal`
    /// absorb (`none` wins over `internal`), `transport ∩ intelligence = none`, two lists keep
    /// their common ids, and an empty result is `none`. A category meets a list as the list: the
    /// ids are the more specific statement.
    pub fn intersect(&self, other: &Visibility) -> Visibility {
        use Visibility::*;
        match (self, other) {
            (None, _) | (_, None) => None,
            (Internal, _) | (_, Internal) => Internal,
            (All, x) | (x, All) => x.clone(),
            (Transport, Transport) => Transport,
            (Intelligence, Intelligence) => Intelligence,
            (Transport, Intelligence) | (Intelligence, Transport) => None,
            (Channels(a), Channels(b)) => Visibility::channels(a.intersection(b).cloned()),
            (Channels(a), _) | (_, Channels(a)) => Channels(a.clone()),
        }
    }

    /// Whether an event with this visibility may be shown to `viewer`.
    pub fn admits(&self, viewer: Viewer<'_>) -> bool {
        match self {
            Visibility::All => true,
            Visibility::None | Visibility::Internal => false,
            Visibility::Transport => viewer.category == ChannelCategory::Transport,
            Visibility::Intelligence => viewer.category == ChannelCategory::Intelligence,
            Visibility::Channels(ids) => ids.contains(viewer.channel_id),
        }
    }

    /// Refuses `internal`, which inbound messages and bindings may not carry (SPEC §3).
    pub fn refuse_internal(&self, place: &'static str) -> Result<(), ValidationError> {
        match self {
            Visibility::Internal => Err(ValidationError::InternalVisibilityRefused { place }),
            _ => Ok(()),
        }
    }
}

impl FromStr for Visibility {
    type Err = ValidationError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| ValidationError::InvalidVisibility {
            value: value.to_owned(),
            reason,
        };
        let trimmed = value.trim();
        match trimmed.to_ascii_lowercase().as_str() {
            "" => return Err(invalid("it is empty")),
            "all" => return Ok(Visibility::All),
            "none" => return Ok(Visibility::None),
            "transport" => return Ok(Visibility::Transport),
            "intelligence" => return Ok(Visibility::Intelligence),
            "internal" => return Ok(Visibility::Internal),
            _ => {}
        }
        let mut ids = BTreeSet::new();
        for id in trimmed.split(',').map(str::trim) {
            if id.is_empty() {
                return Err(invalid("a channel id in the list is empty"));
            }
            if id.chars().any(char::is_whitespace) {
                return Err(invalid("a channel id contains whitespace"));
            }
            ids.insert(id.to_owned());
        }
        Ok(Visibility::Channels(ids))
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Visibility::All => f.write_str("all"),
            Visibility::None => f.write_str("none"),
            Visibility::Transport => f.write_str("transport"),
            Visibility::Intelligence => f.write_str("intelligence"),
            Visibility::Internal => f.write_str("internal"),
            Visibility::Channels(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str(id)?;
                }
                Ok(())
            }
        }
    }
}

impl Serialize for Visibility {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Visibility {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Its OpenAPI schema: the string grammar it is written in.
impl utoipa::PartialSchema for Visibility {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Who may see an event, or what a binding lets through: `all`, `none`, \
                 `transport`, `intelligence`, `internal`, or a comma list of channel ids (stored \
                 sorted and de-duplicated). `internal` is refused on bindings and inbound messages.",
            ))
            .examples(["all", "transport", "sms-1,email-1"])
            .into()
    }
}

impl utoipa::ToSchema for Visibility {}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Visibility {
        s.parse().unwrap()
    }

    #[test]
    fn keywords_parse_case_insensitively() {
        assert_eq!(v("ALL"), Visibility::All);
        assert_eq!(v(" none "), Visibility::None);
        assert_eq!(v("Transport"), Visibility::Transport);
        assert_eq!(v("intelligence"), Visibility::Intelligence);
        assert_eq!(v("internal"), Visibility::Internal);
    }

    #[test]
    fn channel_lists_are_stored_sorted_and_deduplicated() {
        assert_eq!(v("b, a,b,c").to_string(), "a,b,c");
        assert_eq!(
            serde_json::to_string(&v("z,y,z")).unwrap(),
            "\"y,z\"".to_owned()
        );
    }

    #[test]
    fn malformed_visibility_is_refused_with_the_reason() {
        for bad in ["", "  ", "a,,b", "a,", "a b"] {
            let err = bad.parse::<Visibility>().unwrap_err();
            assert!(
                matches!(err, ValidationError::InvalidVisibility { .. }),
                "{bad:?}"
            );
        }
        let err = serde_json::from_str::<Visibility>("\"a,,b\"").unwrap_err();
        assert!(err.to_string().contains("invalid visibility"), "{err}");
    }

    #[test]
    fn visibility_intersection_follows_the_spec_table() {
        let cases = [
            ("all", "all", "all"),
            ("all", "transport", "transport"),
            ("intelligence", "all", "intelligence"),
            ("all", "a,b", "a,b"),
            ("none", "all", "none"),
            ("transport", "none", "none"),
            ("internal", "all", "internal"),
            ("a,b", "internal", "internal"),
            ("internal", "none", "none"),
            ("transport", "intelligence", "none"),
            ("intelligence", "transport", "none"),
            ("transport", "transport", "transport"),
            ("a,b,c", "b,c,d", "b,c"),
            ("a,b", "c,d", "none"),
            ("transport", "a,b", "a,b"),
        ];
        for (left, right, expected) in cases {
            assert_eq!(
                v(left).intersect(&v(right)),
                v(expected),
                "{left} ∩ {right}"
            );
            assert_eq!(
                v(right).intersect(&v(left)),
                v(expected),
                "{right} ∩ {left}"
            );
        }
    }

    #[test]
    fn admits_checks_category_and_channel_ids() {
        let sms = Viewer {
            channel_id: "sms",
            category: ChannelCategory::Transport,
        };
        let ai = Viewer {
            channel_id: "ai",
            category: ChannelCategory::Intelligence,
        };
        assert!(v("all").admits(sms));
        assert!(!v("none").admits(sms));
        assert!(!v("internal").admits(ai));
        assert!(v("transport").admits(sms) && !v("transport").admits(ai));
        assert!(v("intelligence").admits(ai) && !v("intelligence").admits(sms));
        assert!(v("ai,email").admits(ai) && !v("ai,email").admits(sms));
    }

    #[test]
    fn internal_is_refused_where_the_spec_says() {
        assert_eq!(
            v("internal").refuse_internal("bindings"),
            Err(ValidationError::InternalVisibilityRefused { place: "bindings" })
        );
        assert!(v("transport").refuse_internal("bindings").is_ok());
    }
}
