//! Key encodings of the sled trees.
//!
//! Parts of a composite key are joined with the byte `0xFF`, which never occurs in UTF-8, so a
//! room id can never be mistaken for the prefix of another. Integers are big-endian so that
//! iteration order is numeric order.

/// Joins key parts.
pub const SEP: u8 = 0xFF;

/// `room_id 0xFF` — the prefix of everything stored per room.
pub fn room_prefix(room_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(room_id.len() + 1);
    key.extend_from_slice(room_id.as_bytes());
    key.push(SEP);
    key
}

/// `room_id 0xFF index(u64 BE)` — an event's key in `roomid_index_event`.
pub fn event(room_id: &str, index: u64) -> Vec<u8> {
    let mut key = room_prefix(room_id);
    key.extend_from_slice(&index.to_be_bytes());
    key
}

/// The index at the end of an event key.
pub fn event_index(key: &[u8]) -> Option<u64> {
    let tail = key.get(key.len().checked_sub(8)?..)?;
    Some(u64::from_be_bytes(tail.try_into().ok()?))
}

/// `a 0xFF b` — a two-part key (binding, participant, reverse indexes, addresses, kv).
pub fn pair(a: &str, b: &str) -> Vec<u8> {
    let mut key = room_prefix(a);
    key.extend_from_slice(b.as_bytes());
    key
}

/// The second part of a [`pair`] key.
pub fn pair_second(key: &[u8]) -> Option<&str> {
    let at = key.iter().position(|b| *b == SEP)?;
    std::str::from_utf8(key.get(at + 1..)?).ok()
}

/// `channel_id 0xFF correspondent 0xFF room_id` — a binding in the correspondent index (the
/// correspondent empty for a binding that names none).
pub fn correspondent(channel_id: &str, participant_id: Option<&str>, room_id: &str) -> Vec<u8> {
    let mut key = correspondent_prefix(channel_id, participant_id);
    key.extend_from_slice(room_id.as_bytes());
    key
}

/// The prefix of every [`correspondent`] key of a channel and correspondent.
pub fn correspondent_prefix(channel_id: &str, participant_id: Option<&str>) -> Vec<u8> {
    let mut key = pair(channel_id, participant_id.unwrap_or(""));
    key.push(SEP);
    key
}

/// The room id at the end of a [`correspondent`] key.
pub fn correspondent_room(key: &[u8]) -> Option<&str> {
    let at = key.iter().rposition(|b| *b == SEP)?;
    std::str::from_utf8(key.get(at + 1..)?).ok()
}

/// `room_id 0xFF channel_id 0xFF key` — an idempotency key.
pub fn idempotency(room_id: &str, channel_id: &str, key: &str) -> Vec<u8> {
    let mut out = pair(room_id, channel_id);
    out.push(SEP);
    out.extend_from_slice(key.as_bytes());
    out
}

/// `room_id 0xFF seq(u64 BE)` — a task or observation in creation order.
pub fn sequenced(room_id: &str, seq: u64) -> Vec<u8> {
    event(room_id, seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_are_room_then_separator_then_big_endian_index() {
        assert_eq!(
            event("r1", 258),
            vec![b'r', b'1', 0xFF, 0, 0, 0, 0, 0, 0, 1, 2]
        );
        assert_eq!(event_index(&event("r1", 258)), Some(258));
        assert_eq!(event_index(b"short"), None);
    }

    #[test]
    fn event_keys_sort_numerically() {
        let mut keys: Vec<Vec<u8>> = [300u64, 2, 256, 1, 65536]
            .iter()
            .map(|i| event("room", *i))
            .collect();
        keys.sort();
        let indexes: Vec<u64> = keys.iter().filter_map(|k| event_index(k)).collect();
        assert_eq!(indexes, vec![1, 2, 256, 300, 65536]);
    }

    #[test]
    fn a_room_prefix_never_matches_another_room() {
        assert!(!event("ab", 0).starts_with(&room_prefix("a")));
        assert!(event("a", 0).starts_with(&room_prefix("a")));
    }

    #[test]
    fn pair_and_idempotency_keys_are_byte_exact() {
        assert_eq!(pair("r", "sms"), b"r\xFFsms".to_vec());
        assert_eq!(pair_second(&pair("r", "sms")), Some("sms"));
        assert_eq!(idempotency("r", "sms", "k1"), b"r\xFFsms\xFFk1".to_vec());
        assert_eq!(sequenced("r", 1), b"r\xFF\0\0\0\0\0\0\0\x01".to_vec());
    }
}
