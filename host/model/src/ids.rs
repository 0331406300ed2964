use crate::ValidationError;

/// The longest id a caller may choose, in bytes.
pub const MAX_ID_BYTES: usize = 256;

/// An id a caller chose (room, channel, participant, sender, user): 1 to [`MAX_ID_BYTES`]
/// bytes without control characters, so that it can be addressed in a URL and never forges a
/// log line or drives a terminal.
pub fn validate_id(field: &'static str, id: &str) -> Result<(), ValidationError> {
    let reason = if id.is_empty() {
        "must not be empty".to_owned()
    } else if id.len() > MAX_ID_BYTES {
        format!("is {} bytes; the limit is {MAX_ID_BYTES}", id.len())
    } else if let Some(c) = id.chars().find(|c| c.is_control()) {
        format!("contains the control character {:?}", c)
    } else {
        return Ok(());
    };
    Err(ValidationError::InvalidId { field, reason })
}

/// A fresh id: a random UUID as 32 lowercase hex digits without dashes (SPEC §1).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_32_lowercase_hex_digits_and_unique() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.len(), 32);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }

    #[test]
    fn ids_are_one_to_256_bytes_without_control_characters() {
        assert!(validate_id("room_id", "support-1").is_ok());
        assert!(validate_id("room_id", "é".repeat(128).as_str()).is_ok());
        assert!(validate_id("room_id", &"x".repeat(256)).is_ok());
        let refused = |id: &str| validate_id("room_id", id).unwrap_err().to_string();
        assert_eq!(refused(""), "room_id: must not be empty");
        assert_eq!(
            refused(&"x".repeat(257)),
            "room_id: is 257 bytes; the limit is 256"
        );
        assert_eq!(
            refused("r\nERROR forged"),
            "room_id: contains the control character '\\n'"
        );
        assert!(refused("a\u{1b}[31mred").contains("control character"));
        assert!(refused("nul\0").contains("control character"));
    }
}
