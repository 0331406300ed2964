//! Encoding of stored values (JSON) and the small read helpers over trees.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::Tree;
use sled::transaction::TransactionError;

use super::trees::name_of;
use crate::{Error, Result};

pub(super) fn from_tx(err: TransactionError<Error>) -> Error {
    match err {
        TransactionError::Abort(err) => err,
        TransactionError::Storage(err) => err.into(),
    }
}

/// The buffer a record is encoded into starts this large.
const ENCODE_CAPACITY: usize = 1024;

pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    // Most records (events, bindings) are a few hundred bytes: one allocation, not eight.
    let mut bytes = Vec::with_capacity(ENCODE_CAPACITY);
    serde_json::to_writer(&mut bytes, value)
        .map_err(|e| Error::Backend(format!("cannot encode record: {e}")))?;
    Ok(bytes)
}

pub(super) fn decode<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Corrupt {
        tree,
        key: String::from_utf8_lossy(key).into_owned(),
        reason: e.to_string(),
    })
}

pub(super) fn get_json<T: DeserializeOwned>(tree: &Tree, key: &[u8]) -> Result<Option<T>> {
    match tree.get(key)? {
        Some(bytes) => decode(name_of(tree), key, &bytes).map(Some),
        None => Ok(None),
    }
}

/// Whether a stored event record is the event `id`, without decoding it: serde writes `id`
/// first, so the record starts with `{"id":<id as JSON string>,`.
pub(super) fn starts_with_id(record: &[u8], id: &str) -> bool {
    let Ok(quoted) = serde_json::to_string(id) else {
        return false;
    };
    record.strip_prefix(b"{\"id\":").is_some_and(|rest| {
        rest.starts_with(quoted.as_bytes()) && rest.get(quoted.len()) == Some(&b',')
    })
}

/// Decodes every value under a key prefix, in key order.
pub(super) fn scan_json<T: DeserializeOwned>(tree: &Tree, prefix: &[u8]) -> Result<Vec<T>> {
    tree.scan_prefix(prefix)
        .map(|entry| {
            let (key, value) = entry?;
            decode(name_of(tree), &key, &value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_model::RoomEvent;
    use roomkit_model::{Content, EventSource};

    #[test]
    fn a_stored_event_is_recognised_by_its_leading_id() {
        let mut event = RoomEvent::new("r", EventSource::inbound("c", "sms"), Content::text("x"));
        event.id = "we\"ird\\id".into();
        let record = encode(&event).unwrap();
        assert!(starts_with_id(&record, &event.id));
        assert!(!starts_with_id(&record, "we"));
        assert!(!starts_with_id(b"{\"room_id\":\"r\"}", "r"));
    }
}
