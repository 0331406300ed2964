//! What a transport channel renders when its `[[channels]]` entry (or API spec) names no
//! `capabilities`: RoomKit's channel matrix, by channel type. A channel's own `capabilities`
//! replace the preset whole.

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
    fn an_unknown_type_renders_text_only() {
        assert_eq!(capabilities("pager"), ChannelCapabilities::default());
        for preset in ["sms", "email", "messenger", "whatsapp"] {
            capabilities(preset).validate().unwrap();
        }
    }
}
