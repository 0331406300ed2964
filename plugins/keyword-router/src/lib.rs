//! An inbound router that picks the room for a message without one by a keyword in its text or
//! by the sender's prefix, from rules in the manifest.
//!
//! - `keywords`: `WORD = ROOM` entries separated by `;` or new lines. A keyword matches as whole
//!   words in any case (`billing` matches "Billing question", not "rebilling"); a keyword of
//!   several words matches them in a row. The first entry that matches wins.
//! - `senders`: `PREFIX = ROOM` entries; a sender id starting with the prefix matches
//!   (`+44 = uk-desk`, `vip- = vip-room`). The longest matching prefix wins.
//! - `prefer`: `keywords` (the default) or `senders`: which rules are tried first.
//! - `fallback`: what happens when nothing matches: `default` (the host's routing; the default),
//!   `new-room`, or `room:ID`.
//!
//! Keywords are looked for in every piece of text the message carries (see
//! `Content::texts`).

use roomkit_sdk::{InboundMessage, InboundRouter, Route, config};
use word_scan::{Phrases, has_word};

/// The parsed rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    keywords: Phrases,
    rooms: Vec<String>,
    senders: Vec<(String, String)>,
    senders_first: bool,
    fallback: Route,
}

impl Rules {
    /// Parses the settings (each `None` when unset).
    pub fn parse(
        keywords: Option<&str>,
        senders: Option<&str>,
        prefer: Option<&str>,
        fallback: Option<&str>,
    ) -> Result<Rules, String> {
        let keywords = entries("keywords", keywords.unwrap_or(""))?;
        if let Some((keyword, _)) = keywords.iter().find(|(k, _)| !has_word(k)) {
            return Err(format!("config `keywords`: {keyword:?} has no word"));
        }
        let rooms = keywords.iter().map(|(_, room)| room.clone()).collect();
        let keywords = Phrases::new(keywords.iter().map(|(keyword, _)| keyword.as_str()));
        let senders = entries("senders", senders.unwrap_or(""))?;
        let senders_first = match prefer.map(str::trim) {
            None | Some("keywords") => false,
            Some("senders") => true,
            Some(other) => {
                return Err(format!(
                    "config `prefer`: {other:?} is not keywords or senders"
                ));
            }
        };
        let fallback = match fallback.map(str::trim) {
            None | Some("default") => Route::Default,
            Some("new-room") => Route::NewRoom,
            Some(other) => match other.strip_prefix("room:").map(str::trim) {
                Some(room) if !room.is_empty() => Route::Room(room.to_owned()),
                _ => {
                    return Err(format!(
                        "config `fallback`: {other:?} is not default, new-room or room:ID"
                    ));
                }
            },
        };
        Ok(Rules {
            keywords,
            rooms,
            senders,
            senders_first,
            fallback,
        })
    }

    /// Where `message` goes.
    pub fn route(&self, message: &InboundMessage) -> Route {
        let by_keyword = || self.by_keyword(message);
        let by_sender = || self.by_sender(&message.sender_id);
        let found = if self.senders_first {
            by_sender().or_else(by_keyword)
        } else {
            by_keyword().or_else(by_sender)
        };
        found.map_or_else(
            || self.fallback.clone(),
            |room| Route::Room(room.to_owned()),
        )
    }

    /// The room of the first keyword entry found in any text of `message` (one pass over
    /// each text; see [`words`]).
    fn by_keyword(&self, message: &InboundMessage) -> Option<&str> {
        let mut best = self.keywords.len();
        for text in message.content.texts() {
            if best == 0 {
                break;
            }
            if let Some(found) = self.keywords.lowest_match(text, best) {
                best = found;
            }
        }
        self.rooms.get(best).map(String::as_str)
    }

    fn by_sender(&self, sender: &str) -> Option<&str> {
        self.senders
            .iter()
            .filter(|(prefix, _)| sender.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, room)| room.as_str())
    }
}

/// `KEY = ROOM` entries separated by `;` or new lines.
fn entries(setting: &str, text: &str) -> Result<Vec<(String, String)>, String> {
    text.split([';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| match entry.split_once('=') {
            Some((key, room)) if !key.trim().is_empty() && !room.trim().is_empty() => {
                Ok((key.trim().to_owned(), room.trim().to_owned()))
            }
            _ => Err(format!(
                "config `{setting}`: entry {entry:?} is not KEY = ROOM"
            )),
        })
        .collect()
}

/// The plugin.
#[derive(Debug)]
pub struct KeywordRouter;

impl InboundRouter for KeywordRouter {
    fn route(message: InboundMessage, _: String) -> Result<Route, String> {
        let rules = Rules::parse(
            config::get("keywords").as_deref(),
            config::get("senders").as_deref(),
            config::get("prefer").as_deref(),
            config::get("fallback").as_deref(),
        )?;
        Ok(rules.route(&message))
    }
}

roomkit_sdk::export_inbound_router!(KeywordRouter);

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::testing;

    const KEYWORDS: &str = "billing = room-billing; refund=room-billing\n card stolen = room-fraud";
    const SENDERS: &str = "+44 = room-uk; +4420 = room-london; vip- = room-vip";

    fn rules(prefer: Option<&str>, fallback: Option<&str>) -> Rules {
        Rules::parse(Some(KEYWORDS), Some(SENDERS), prefer, fallback).unwrap()
    }

    fn msg(sender: &str, text: &str) -> InboundMessage {
        InboundMessage::text("sms-1", sender, text)
    }

    fn room(id: &str) -> Route {
        Route::Room(id.to_owned())
    }

    #[test]
    fn keywords_match_whole_words_in_any_case() {
        let r = rules(None, None);
        assert_eq!(
            r.route(&msg("+1555", "A BILLING question")),
            room("room-billing")
        );
        assert_eq!(r.route(&msg("+1555", "my Card was stolen")), Route::Default);
        assert_eq!(
            r.route(&msg("+1555", "my card stolen!")),
            room("room-fraud")
        );
        assert_eq!(r.route(&msg("+1555", "rebilling")), Route::Default);
    }

    #[test]
    fn the_first_entry_wins_wherever_it_is_in_the_text() {
        let r = rules(None, None);
        assert_eq!(
            r.route(&msg("+1555", "card stolen, I want a refund")),
            room("room-billing")
        );
        let r = Rules::parse(Some("b = room-b; a x = room-a"), None, None, None).unwrap();
        assert_eq!(r.route(&msg("+1", "a x then b")), room("room-b"));
        assert_eq!(r.route(&msg("+1", "a x then c")), room("room-a"));
    }

    #[test]
    fn a_keyword_at_the_end_of_a_megabyte_is_found() {
        let r = rules(None, None);
        let padding = "card not stolen, rebilling ".repeat((1 << 20) / 27 + 1);
        assert_eq!(r.route(&msg("+1555", &padding)), Route::Default);
        assert_eq!(
            r.route(&msg("+1555", &format!("{padding}CARD STOLEN"))),
            room("room-fraud")
        );
    }

    #[test]
    fn the_longest_sender_prefix_wins() {
        let r = rules(None, None);
        assert_eq!(r.route(&msg("+442071234567", "hello")), room("room-london"));
        assert_eq!(r.route(&msg("+441611234567", "hello")), room("room-uk"));
        assert_eq!(r.route(&msg("vip-anna", "hello")), room("room-vip"));
    }

    #[test]
    fn keywords_come_first_unless_senders_are_preferred() {
        let m = msg("+441611234567", "refund please");
        assert_eq!(rules(None, None).route(&m), room("room-billing"));
        assert_eq!(rules(Some("senders"), None).route(&m), room("room-uk"));
    }

    #[test]
    fn fallback_applies_when_nothing_matches() {
        let m = msg("+1555", "hello");
        assert_eq!(rules(None, None).route(&m), Route::Default);
        assert_eq!(rules(None, Some("new-room")).route(&m), Route::NewRoom);
        assert_eq!(rules(None, Some("room:lobby")).route(&m), room("lobby"));
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(Rules::parse(Some("billing"), None, None, None).is_err());
        assert!(Rules::parse(Some(" - = room"), None, None, None).is_err());
        assert!(Rules::parse(None, Some("=room"), None, None).is_err());
        assert!(Rules::parse(None, None, Some("both"), None).is_err());
        assert!(Rules::parse(None, None, None, Some("room:")).is_err());
    }

    #[test]
    fn router_reads_its_rules_from_config() {
        assert_eq!(
            KeywordRouter::route(msg("+1", "billing"), "sms".into()),
            Ok(Route::Default)
        );
        testing::set_configs([("keywords", KEYWORDS), ("fallback", "new-room")]);
        assert_eq!(
            KeywordRouter::route(msg("+1", "billing"), "sms".into()),
            Ok(room("room-billing"))
        );
        assert_eq!(
            KeywordRouter::route(msg("+1", "hi"), "sms".into()),
            Ok(Route::NewRoom)
        );
    }
}
