//! What a transport channel renders: RoomKit's channel matrix, by channel type. A channel's own
//! `capabilities` (its `[[channels]]` entry or API spec) narrow its type's preset: they can
//! take content types away, shorten the limit and turn features off, never add what the type
//! cannot carry. A type the matrix does not name takes the channel's own capabilities as given.

use roomkit_model::ChannelCapabilities;

/// The longest SMS text (a concatenated message of ten segments).
pub const SMS_MAX_LENGTH: usize = 1600;
/// The longest Messenger text.
pub const MESSENGER_MAX_LENGTH: usize = 2000;
/// The longest WhatsApp text.
pub const WHATSAPP_MAX_LENGTH: usize = 4096;

/// The capabilities of channel type `channel_type` (text only for a type the matrix does not
/// name).
pub fn capabilities(channel_type: &str) -> ChannelCapabilities {
    let types = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect::<Vec<_>>();
    match channel_type {
        // MMS carries media; every SMS provider reports delivery.
        "sms" | "mms" => ChannelCapabilities {
            media_types: types(&["text", "media"]),
            max_length: Some(SMS_MAX_LENGTH),
            supports_read_receipts: true,
            ..ChannelCapabilities::default()
        },
        "email" => ChannelCapabilities {
            media_types: types(&["text", "rich", "media"]),
            supports_threading: true,
            ..ChannelCapabilities::default()
        },
        "messenger" => ChannelCapabilities {
            media_types: types(&["text", "rich", "media", "template"]),
            max_length: Some(MESSENGER_MAX_LENGTH),
            supports_read_receipts: true,
            ..ChannelCapabilities::default()
        },
        "whatsapp" => ChannelCapabilities {
            media_types: types(&["text", "rich", "media", "location", "template"]),
            max_length: Some(WHATSAPP_MAX_LENGTH),
            supports_read_receipts: true,
            supports_reactions: true,
            ..ChannelCapabilities::default()
        },
        _ => ChannelCapabilities::default(),
    }
}

/// Channel types the matrix names.
const KNOWN: [&str; 5] = ["sms", "mms", "email", "messenger", "whatsapp"];

/// What a channel of `channel_type` that asks for `asked` renders: `asked` within the type's
/// preset (see the module docs).
pub fn narrowed(channel_type: &str, asked: ChannelCapabilities) -> ChannelCapabilities {
    if !KNOWN.contains(&channel_type) {
        return asked;
    }
    let preset = capabilities(channel_type);
    ChannelCapabilities {
        media_types: asked
            .media_types
            .into_iter()
            .filter(|t| preset.media_types.contains(t))
            .collect(),
        max_length: match (asked.max_length, preset.max_length) {
            (Some(a), Some(p)) => Some(a.min(p)),
            (a, p) => a.or(p),
        },
        supports_edit: asked.supports_edit && preset.supports_edit,
        supports_delete: asked.supports_delete && preset.supports_delete,
        supports_typing: asked.supports_typing && preset.supports_typing,
        supports_read_receipts: asked.supports_read_receipts && preset.supports_read_receipts,
        supports_threading: asked.supports_threading && preset.supports_threading,
        supports_reactions: asked.supports_reactions && preset.supports_reactions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_is_1600_characters_with_mms_media() {
        let sms = capabilities("sms");
        assert_eq!(sms.max_length, Some(1600));
        assert_eq!(sms.media_types, ["text", "media"]);
        assert!(sms.supports_read_receipts);
        assert!(!sms.supports_typing);
    }

    #[test]
    fn messenger_and_whatsapp_have_their_limits() {
        assert_eq!(capabilities("messenger").max_length, Some(2000));
        assert_eq!(capabilities("whatsapp").max_length, Some(4096));
        assert!(capabilities("email").supports_threading);
    }

    #[test]
    fn a_channels_own_capabilities_narrow_its_types_preset() {
        let asked = ChannelCapabilities {
            media_types: vec!["text".into(), "rich".into()],
            max_length: Some(3000),
            supports_typing: true,
            supports_read_receipts: true,
            ..ChannelCapabilities::default()
        };
        let sms = narrowed("sms", asked.clone());
        assert_eq!(sms.media_types, ["text"], "sms carries no rich text");
        assert_eq!(
            sms.max_length,
            Some(1600),
            "never longer than the type's limit"
        );
        assert!(!sms.supports_typing);
        assert!(sms.supports_read_receipts);
        let shorter = narrowed(
            "sms",
            ChannelCapabilities {
                max_length: Some(160),
                ..ChannelCapabilities::default()
            },
        );
        assert_eq!(shorter.max_length, Some(160));
        // A type the matrix does not name takes them as given.
        assert_eq!(narrowed("pager", asked.clone()), asked);
    }

    #[test]
    fn an_unknown_type_renders_text_only() {
        assert_eq!(capabilities("pager"), ChannelCapabilities::default());
        for preset in ["sms", "email", "messenger", "whatsapp"] {
            capabilities(preset).validate().unwrap();
        }
    }
}
