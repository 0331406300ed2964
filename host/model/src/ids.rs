use crate::ValidationError;

/// A fresh id: a random UUID as 32 lowercase hex digits without dashes (SPEC §1).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The longest id, in bytes (SPEC §4).
pub const MAX_ID_BYTES: usize = 256;

/// An id (room, channel, participant, identity, address, …) must be 1–256 bytes without
/// control characters (SPEC §4); `field` names it in the error.
pub fn validate_id(field: &'static str, id: &str) -> Result<(), ValidationError> {
    if id.is_empty() {
        return Err(ValidationError::Empty(field));
    }
    let reason = if id.len() > MAX_ID_BYTES {
        format!("must be at most {MAX_ID_BYTES} bytes (got {})", id.len())
    } else if id.chars().any(char::is_control) {
        "must not contain control characters".to_owned()
    } else {
        return Ok(());
    };
    Err(ValidationError::Invalid { field, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_to_256_bytes_without_control_characters() {
        assert_eq!(validate_id("id", "ok-1"), Ok(()));
        assert_eq!(validate_id("id", &"x".repeat(256)), Ok(()));
        assert_eq!(validate_id("id", ""), Err(ValidationError::Empty("id")));
        assert!(validate_id("id", &"x".repeat(257)).is_err());
        assert!(validate_id("id", "a\nb").is_err());
        assert!(validate_id("id", "a\u{7f}").is_err());
    }

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
}
