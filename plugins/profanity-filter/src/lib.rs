//! A hook that blocks messages containing a word of a configured list.
//!
//! Matching is by whole word and ignores case: with `words = "darn"`, "Darn it" is blocked,
//! "darning" is not. An entry of several words ("son of a gun") matches those words in a row.
//! Words are runs of letters and digits; everything else separates them. Every piece of text an
//! event carries is checked (text and rich bodies, captions, composite parts, edits, …).
//!
//! The block reason is the list's category (`category`, default `profanity`), never the word, so
//! that the word does not travel further in the reason.

use roomkit_sdk::{Hook, HookResult, HookTrigger, RoomContext, RoomEvent, config, log};
use word_scan::{Phrases, has_word};

/// The reason given when the manifest names no category.
pub const DEFAULT_CATEGORY: &str = "profanity";

/// A list of words and phrases.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WordList {
    entries: Phrases,
}

impl WordList {
    /// Parses a comma-separated list; blank entries are skipped.
    pub fn parse(list: &str) -> Self {
        let entries = list.split(',').filter(|entry| has_word(entry));
        WordList {
            entries: Phrases::new(entries),
        }
    }

    /// Whether the list has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `text` contains an entry as whole words (one pass over the text; see
    /// [`words`]).
    pub fn matches(&self, text: &str) -> bool {
        self.entries.lowest_match(text, usize::MAX).is_some()
    }
}

/// What the hook decides for `event` with `list`, blocking with `category`.
pub fn check(list: &WordList, category: &str, event: &RoomEvent) -> HookResult {
    if event
        .content
        .texts()
        .into_iter()
        .any(|text| list.matches(text))
    {
        HookResult::block(category)
    } else {
        HookResult::allow()
    }
}

/// The plugin.
#[derive(Debug)]
pub struct ProfanityFilter;

impl Hook for ProfanityFilter {
    fn handle(_: HookTrigger, event: RoomEvent, _: &RoomContext) -> Result<HookResult, String> {
        let list = WordList::parse(&config::require("words")?);
        if list.is_empty() {
            return Err("config key `words` lists no word".to_owned());
        }
        let category = config::get_or("category", DEFAULT_CATEGORY);
        let result = check(&list, &category, &event);
        if !matches!(result.action, roomkit_sdk::HookAction::Allow) {
            log::info(&format!("blocked event {} ({category})", event.id));
        }
        Ok(result)
    }
}

roomkit_sdk::export_hook!(ProfanityFilter);

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::types::{MediaContent, Part};
    use roomkit_sdk::{Content, EventSource, HookAction, RoomView, testing};

    fn event(content: Content) -> RoomEvent {
        RoomEvent::message("room", EventSource::inbound("sms-1", "sms"), content)
    }

    fn ctx() -> RoomContext<'static> {
        RoomContext::fixed(RoomView::new("room"), vec![], vec![])
    }

    #[test]
    fn whole_words_match_in_any_case() {
        let list = WordList::parse("darn, Heck ,");
        assert!(list.matches("Well DARN it"));
        assert!(list.matches("what the heck?"));
        assert!(list.matches("heck!"));
        assert!(!list.matches("darning socks"));
        assert!(!list.matches("checkout"));
        assert!(!list.matches(""));
    }

    #[test]
    fn phrases_match_their_words_in_a_row() {
        let list = WordList::parse("son of a gun");
        assert!(list.matches("You son  of a GUN."));
        assert!(!list.matches("son of a nice gun"));
    }

    #[test]
    fn case_is_ignored_beyond_ascii() {
        let list = WordList::parse("ÄRGER, οδος, straße");
        assert!(list.matches("so ein ärger!"));
        assert!(list.matches("ΟΔΟΣ"));
        assert!(list.matches("Die STRAßE"));
        assert!(!list.matches("ärgerlich"));
    }

    #[test]
    fn matching_agrees_with_matching_lower_case_word_lists() {
        // The first implementation: every word of the text lower-cased into a list.
        fn model(list: &str, text: &str) -> bool {
            let words = |t: &str| -> Vec<String> {
                t.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_lowercase)
                    .collect()
            };
            let text = words(text);
            list.split(',')
                .map(words)
                .filter(|e| !e.is_empty())
                .any(|entry| text.windows(entry.len()).any(|w| w == entry.as_slice()))
        }
        const PIECES: &[&str] = &[
            "darn",
            "DaRn",
            "son",
            "of",
            "a",
            "gun",
            " ",
            "  ",
            ".",
            "-",
            "é",
            "É",
            "x",
            "1",
            "☎",
            "\u{212A}ay",
            "kay",
        ];
        let lists = [
            "darn",
            "son of a gun, darn",
            "a, a a gun",
            "of a",
            "kay, é",
            "éx",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for case in 0..20_000 {
            let text: String = (0..(case % 12))
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    PIECES[(state % PIECES.len() as u64) as usize]
                })
                .collect();
            let list = lists[case % lists.len()];
            assert_eq!(
                WordList::parse(list).matches(&text),
                model(list, &text),
                "{list:?} in {text:?}"
            );
        }
    }

    #[test]
    fn a_word_at_the_end_of_a_megabyte_is_found() {
        let list = WordList::parse("darn, son of a gun");
        let padding = "a son of a nice gun, ".repeat((1 << 20) / 21 + 1);
        assert!(!list.matches(&padding));
        assert!(list.matches(&format!("{padding}DARN")));
        assert!(list.matches(&format!("{padding}son of a GUN")));
        let almost = "son of a son of a ".repeat((1 << 20) / 18);
        assert!(!list.matches(&almost));
        // Characters beyond ASCII that may start a word ("kay" may be written with a Kelvin
        // sign) but are not letters: each is looked at once.
        let signs = "☎".repeat((1 << 20) / 3);
        assert!(!WordList::parse("kay").matches(&signs));
        assert!(WordList::parse("kay").matches(&format!("{signs}\u{212A}AY")));
    }

    #[test]
    fn blank_entries_are_skipped() {
        assert!(WordList::parse(" , ,").is_empty());
        assert_eq!(WordList::parse("a,,b").entries.len(), 2);
    }

    #[test]
    fn block_reason_is_the_category_not_the_word() {
        let list = WordList::parse("darn");
        let result = check(&list, "profanity", &event(Content::text("darn it")));
        assert_eq!(result.action, HookAction::Block("profanity".to_owned()));
    }

    #[test]
    fn captions_and_composite_parts_are_checked() {
        let list = WordList::parse("darn");
        let media = Content::Media(MediaContent {
            url: "https://x/darn.png".to_owned(),
            mime_type: "image/png".to_owned(),
            filename: None,
            size_bytes: None,
            caption: Some("darn cat".to_owned()),
        });
        assert_ne!(check(&list, "p", &event(media)).action, HookAction::Allow);
        let composite = Content::Composite(vec![Part::Json("{\"darn\":1}".to_owned())]);
        assert_eq!(
            check(&list, "p", &event(composite)).action,
            HookAction::Allow
        );
    }

    #[test]
    fn hook_reads_words_and_category_from_config() {
        testing::set_config("words", "darn");
        testing::set_config("category", "rude");
        let blocked = ProfanityFilter::handle(
            HookTrigger::BeforeBroadcast,
            event(Content::text("Darn.")),
            &ctx(),
        );
        assert_eq!(
            blocked.map(|r| r.action),
            Ok(HookAction::Block("rude".to_owned()))
        );
        let allowed = ProfanityFilter::handle(
            HookTrigger::BeforeBroadcast,
            event(Content::text("hi")),
            &ctx(),
        );
        assert_eq!(allowed.map(|r| r.action), Ok(HookAction::Allow));
    }

    #[test]
    fn hook_without_words_reports_an_error() {
        let result = ProfanityFilter::handle(
            HookTrigger::BeforeBroadcast,
            event(Content::text("x")),
            &ctx(),
        );
        assert!(result.is_err());
    }
}
