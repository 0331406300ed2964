//! Merging VoiceMeUp's two-part MMS into one message, with the plugin's key-value space.
//!
//! VoiceMeUp delivers an MMS as two webhooks: first the text with a `.mms.html` wrapper as
//! attachment, then the image without text. Both carry the same sender, recipient and
//! `datetime_transmission` (the correlation). A part is *held* under
//! `vmu-mms:{channel}:{correlation}` (its payload and when it came) and listed in
//! `vmu-mms-index:{channel}`:
//!
//! - when the other part comes within the window, one message with the text and the media is
//!   emitted and the held part forgotten (either order: text first or image first);
//! - every request to the channel's webhook (another message, the second part, a status, or
//!   the `GET` the operator schedules) first emits, each alone, the held parts older than the
//!   window. A held part is in the host's durable store, so it is delivered at the latest with
//!   the first request after its window, even across restarts;
//! - a part that cannot be held (the key-value quota refuses, the store fails, more than
//!   [`MAX_HELD`] parts wait) is emitted alone at once: nothing is lost, the merge is given up;
//! - a retried part that is already held is not held twice; another part under the same
//!   correlation sends the held one out alone.
//!
//! The key-value space has no compare-and-set: two webhooks handled at the same instant may
//! both miss each other (each is then delivered alone, after the window). The index is
//! re-read after each write and written again if a concurrent write dropped the entry.

use roomkit_sdk::kv;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::payload::{Kind, Payload};

/// The most parts held at once per channel.
pub const MAX_HELD: usize = 100;

/// What a webhook gives to store, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Emit {
    /// One part (or a whole message) as it is.
    Alone(Payload, Kind),
    /// The two parts of one MMS as one message.
    Merged {
        /// The first part (text and wrapper).
        text: Payload,
        /// The second part (the media).
        media: Payload,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Held {
    /// `text` or `media`.
    part: String,
    received_ms: u64,
    payload: Map<String, Value>,
}

impl Held {
    fn kind(&self) -> Kind {
        if self.part == "text" {
            Kind::TextPart
        } else {
            Kind::MediaPart
        }
    }
}

fn part_key(channel: &str, correlation: &str) -> String {
    format!("vmu-mms:{channel}:{correlation}")
}

fn index_key(channel: &str) -> String {
    format!("vmu-mms-index:{channel}")
}

fn read_index(channel: &str) -> Vec<String> {
    kv::get(&index_key(channel))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write_index(channel: &str, index: &[String]) -> Result<(), String> {
    let key = index_key(channel);
    if index.is_empty() {
        kv::delete(&key);
        return Ok(());
    }
    let bytes = serde_json::to_vec(index).unwrap_or_default();
    kv::set(&key, &bytes).map_err(describe)
}

fn load(channel: &str, correlation: &str) -> Option<Held> {
    kv::get(&part_key(channel, correlation)).and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

fn describe(error: kv::KvError) -> String {
    match error {
        kv::KvError::OverQuota(why) => format!("key-value quota: {why}"),
        kv::KvError::Store(why) => format!("key-value store: {why}"),
    }
}

/// The held parts of `channel` older than `window_ms` at `now_ms`, each alone, forgotten.
pub fn flush(channel: &str, window_ms: u64, now_ms: u64) -> Vec<Emit> {
    let index = read_index(channel);
    if index.is_empty() {
        return Vec::new();
    }
    let mut keep = Vec::with_capacity(index.len());
    let mut out = Vec::new();
    for correlation in &index {
        match load(channel, correlation) {
            None => {}
            Some(held) if now_ms.saturating_sub(held.received_ms) >= window_ms => {
                let kind = held.kind();
                out.push(Emit::Alone(Payload { raw: held.payload }, kind));
                kv::delete(&part_key(channel, correlation));
            }
            Some(_) => keep.push(correlation.clone()),
        }
    }
    if keep != index
        && let Err(why) = write_index(channel, &keep)
    {
        // The parts are gone already; a stale entry is dropped by the next flush.
        roomkit_sdk::log::warn(&format!(
            "VoiceMeUp MMS index of channel {channel} not updated: {why}"
        ));
    }
    out
}

/// What one part of a split MMS (`kind` is [`Kind::TextPart`] or [`Kind::MediaPart`]) gives:
/// the merged message, the part alone, or nothing while it is held.
pub fn take(
    channel: &str,
    window_ms: u64,
    now_ms: u64,
    payload: Payload,
    kind: Kind,
) -> Result<Vec<Emit>, String> {
    if window_ms == 0 {
        return Ok(vec![Emit::Alone(payload, kind)]);
    }
    let correlation = payload.correlation()?;
    let key = part_key(channel, &correlation);
    match load(channel, &correlation) {
        Some(held) if held.kind() != kind => {
            kv::delete(&key);
            let mut index = read_index(channel);
            index.retain(|c| c != &correlation);
            if let Err(why) = write_index(channel, &index) {
                roomkit_sdk::log::warn(&format!(
                    "VoiceMeUp MMS index of channel {channel} not updated: {why}"
                ));
            }
            let held = Payload { raw: held.payload };
            Ok(vec![match kind {
                Kind::MediaPart => Emit::Merged {
                    text: held,
                    media: payload,
                },
                _ => Emit::Merged {
                    text: payload,
                    media: held,
                },
            }])
        }
        Some(held) if held.payload.get("sms_hash") == payload.raw.get("sms_hash") => {
            // VoiceMeUp sent this part again; it is held already.
            Ok(Vec::new())
        }
        Some(held) => {
            // Another part of the same kind under the same correlation: the held one goes out.
            let held_kind = held.kind();
            let earlier = Emit::Alone(Payload { raw: held.payload }, held_kind);
            match store(&key, &payload, kind, now_ms) {
                Ok(()) => Ok(vec![earlier]),
                Err(why) => {
                    kv::delete(&key);
                    gave_up(channel, &payload, &why);
                    Ok(vec![earlier, Emit::Alone(payload, kind)])
                }
            }
        }
        None => match hold(channel, &correlation, &payload, kind, now_ms) {
            Ok(()) => Ok(Vec::new()),
            Err(why) => {
                gave_up(channel, &payload, &why);
                Ok(vec![Emit::Alone(payload, kind)])
            }
        },
    }
}

fn gave_up(channel: &str, payload: &Payload, why: &str) {
    roomkit_sdk::log::warn(&format!(
        "VoiceMeUp MMS part {} on channel {channel} delivered alone, not held for its other part: {why}",
        payload.get("sms_hash").unwrap_or_default()
    ));
}

fn store(key: &str, payload: &Payload, kind: Kind, now_ms: u64) -> Result<(), String> {
    let held = Held {
        part: if kind == Kind::TextPart {
            "text"
        } else {
            "media"
        }
        .to_owned(),
        received_ms: now_ms,
        payload: payload.raw.clone(),
    };
    kv::set(key, &serde_json::to_vec(&held).unwrap_or_default()).map_err(describe)
}

fn hold(
    channel: &str,
    correlation: &str,
    payload: &Payload,
    kind: Kind,
    now_ms: u64,
) -> Result<(), String> {
    if read_index(channel).len() >= MAX_HELD {
        return Err(format!("{MAX_HELD} parts are held already"));
    }
    let key = part_key(channel, correlation);
    store(&key, payload, kind, now_ms)?;
    for _ in 0..3 {
        let mut index = read_index(channel);
        if index.iter().any(|c| c == correlation) {
            return Ok(());
        }
        index.push(correlation.to_owned());
        if let Err(why) = write_index(channel, &index) {
            kv::delete(&key);
            return Err(why);
        }
    }
    if read_index(channel).iter().any(|c| c == correlation) {
        return Ok(());
    }
    kv::delete(&key);
    Err("the index kept changing under concurrent webhooks".to_owned())
}
