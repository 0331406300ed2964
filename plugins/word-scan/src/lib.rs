//! Whole-word phrase matching that ignores case, in one pass over a text and without
//! copying it: the text's words are slices of it, compared where they lie.
//!
//! Used by `profanity-filter` and `keyword-router`.
//!
//! Cost: a table lookup per ASCII byte (a character is decoded only at bytes of 0x80 and
//! above, and what it is is kept in a small cache), and for each word a lookup of its first
//! byte; only words that start like a phrase's first word are compared, and a phrase of k
//! words looks at most k words ahead.

use std::cell::Cell;

/// Phrases, each kept as its words folded to lower case (see [`fold`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrases {
    phrases: Vec<Vec<String>>,
    /// Whether a word starting with this byte may begin a phrase: the first letters of the
    /// first words in both cases, and the first bytes of characters beyond ASCII when
    /// `wide_may_start` (such a word is then checked by its first character in lower case
    /// against `wide_starts`).
    starts: [bool; 256],
    /// Bit n set when a phrase's first word is n bytes long (n < 64; bit 63 for any longer).
    first_lengths: u64,
    /// The first characters of the phrases' first words.
    wide_starts: Vec<char>,
    /// Whether a word starting with a character beyond ASCII can begin a phrase at all: only
    /// when a phrase starts with such a character, or with `i` or `k` (the only ASCII letters
    /// such a character lower-cases to: `İ` and the Kelvin sign).
    wide_may_start: bool,
}

impl Default for Phrases {
    fn default() -> Self {
        Phrases::new([])
    }
}

impl Phrases {
    /// The phrases of `texts`, in order; a text with no word gives an empty phrase, which
    /// never matches.
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let cache = WideCache::default();
        let phrases: Vec<Vec<String>> = texts
            .into_iter()
            .map(|text| {
                words(text, &cache)
                    .map(|(word, _)| fold(word).collect())
                    .collect()
            })
            .collect();
        let mut starts = [false; 256];
        for first in phrases.iter().filter_map(|p| p.first()) {
            if let Some(&b) = first.as_bytes().first() {
                starts[usize::from(b.to_ascii_lowercase())] = true;
                starts[usize::from(b.to_ascii_uppercase())] = true;
            }
        }
        let mut wide_starts: Vec<char> = phrases
            .iter()
            .filter_map(|p| p.first()?.chars().next())
            .collect();
        wide_starts.sort_unstable();
        wide_starts.dedup();
        let wide_may_start = wide_starts
            .iter()
            .any(|&c| !c.is_ascii() || c == 'i' || c == 'k');
        let first_lengths = phrases
            .iter()
            .filter_map(|p| p.first())
            .fold(0, |bits, first| bits | length_bit(first.len()));
        // (Bytes 0x80 to 0xbf continue a character; 0xc0 and above start one.)
        starts[0xc0..].fill(wide_may_start);
        Phrases {
            phrases,
            starts,
            first_lengths,
            wide_starts,
            wide_may_start,
        }
    }

    /// How many phrases there are.
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    /// Whether there is no phrase.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// The words of phrase `index`.
    pub fn get(&self, index: usize) -> Option<&[String]> {
        self.phrases.get(index).map(Vec::as_slice)
    }

    /// The lowest index below `before` of a phrase found in `text` as whole words in a row.
    ///
    /// The scan skips, a byte at a time, to the next byte that can start a phrase's first
    /// word; only there does it read the word (and, for a phrase of several, the words after).
    pub fn lowest_match(&self, text: &str, before: usize) -> Option<usize> {
        let limit = before.min(self.phrases.len());
        let mut best = limit;
        let cache = WideCache::default();
        let bytes = text.as_bytes();
        let mut i = 0;
        while best > 0 && i < bytes.len() {
            if !self.starts[usize::from(bytes[i])] {
                i += 1;
                continue;
            }
            let at = i;
            i += 1;
            // Only where a word begins: not after a letter or digit.
            let after_word = match at.checked_sub(1).map(|p| bytes[p]) {
                None => false,
                Some(b) if b.is_ascii() => CLASS[usize::from(b)] == 1,
                Some(_) => text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| cache.is_alphanumeric(c)),
            };
            if after_word {
                continue;
            }
            // An ASCII word (the usual case) is measured here, and skipped unless a phrase's
            // first word has its length.
            let ascii_end = bytes[at..]
                .iter()
                .position(|&b| CLASS[usize::from(b)] != 1)
                .map_or(bytes.len(), |n| at + n);
            if bytes.get(ascii_end).is_none_or(|b| b.is_ascii()) {
                i = ascii_end;
                if self.first_lengths & length_bit(ascii_end - at) == 0 {
                    continue;
                }
                // Compared byte by byte where the text is ASCII; by characters (below) only
                // where it is not.
                let found = self.phrases[..best].iter().position(|phrase| {
                    phrase.first().is_some_and(|f| f.len() == ascii_end - at)
                        && ascii_phrase_at(bytes, at, phrase).unwrap_or_else(|| {
                            let mut rest = Words {
                                text,
                                at,
                                cache: &cache,
                            };
                            rest.next().is_some_and(|(word, ascii)| {
                                phrase_at(word, ascii, rest.clone(), phrase)
                            })
                        })
                });
                if let Some(found) = found {
                    best = found;
                }
                continue;
            }
            let mut rest = Words {
                text,
                at,
                cache: &cache,
            };
            let Some((word, ascii)) = rest.next() else {
                break;
            };
            let start = word.as_ptr() as usize - text.as_ptr() as usize;
            if start != at {
                // The character at `at` is not a letter or digit: the scan goes on at the next
                // word (there is nothing but separators before it).
                i = start;
                continue;
            }
            i = at + word.len();
            // A word starting with another character: one lower-casing tells whether it can be.
            if !ascii
                && !word.as_bytes()[0].is_ascii()
                && !fold(word)
                    .next()
                    .is_some_and(|c| self.wide_starts.contains(&c))
            {
                continue;
            }
            // An ASCII word can only be a first word of its own length.
            let may_be = |phrase: &Vec<String>| {
                !ascii
                    || phrase
                        .first()
                        .is_some_and(|first| first.len() == word.len())
            };
            if let Some(found) = self.phrases[..best]
                .iter()
                .position(|phrase| may_be(phrase) && phrase_at(word, ascii, rest.clone(), phrase))
            {
                best = found;
            }
        }
        (best < limit).then_some(best)
    }
}

/// Whether `phrase` is written as whole words from byte `at` (the start of a word) of an
/// ASCII stretch of `bytes`: `None` where a byte beyond ASCII makes it a question of
/// characters.
fn ascii_phrase_at(bytes: &[u8], mut at: usize, phrase: &[String]) -> Option<bool> {
    for (k, word) in phrase.iter().enumerate() {
        if k > 0 {
            // The separators before the next word.
            loop {
                match bytes.get(at) {
                    None => return Some(false),
                    Some(&b) if !b.is_ascii() => return None,
                    Some(&b) if CLASS[usize::from(b)] == 1 => break,
                    Some(_) => at += 1,
                }
            }
        }
        let w = word.as_bytes();
        let end = at + w.len();
        match bytes.get(at..end) {
            Some(written) if written.is_ascii() && w.is_ascii() => {
                if !written.eq_ignore_ascii_case(w) {
                    return Some(false);
                }
            }
            _ => return None,
        }
        // The word ends there.
        match bytes.get(end) {
            Some(&b) if !b.is_ascii() => return None,
            Some(&b) if CLASS[usize::from(b)] == 1 => return Some(false),
            _ => at = end,
        }
    }
    Some(true)
}

/// The bit of `first_lengths` for a word of `len` bytes.
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

/// Whether `phrase` is `word` and the words after it.
fn phrase_at(word: &str, ascii: bool, mut after: Words<'_>, phrase: &[String]) -> bool {
    let Some((first, rest)) = phrase.split_first() else {
        return false;
    };
    same_word(word, ascii, first)
        && rest.iter().all(|w| {
            after
                .next()
                .is_some_and(|(t, ascii)| same_word(t, ascii, w))
        })
}

/// The characters of `word` in lower case, one by one, with the final sigma `ς` taken as
/// `σ` (lower-casing a character alone cannot tell a final Σ; this way "ΟΔΟΣ", "οδος" and
/// "οδοσ" are one word on either side).
pub fn fold(word: &str) -> impl Iterator<Item = char> + '_ {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ς' { 'σ' } else { c })
}

/// Whether the text's `word` (`ascii` when it is) is `folded`, a phrase's word.
fn same_word(word: &str, ascii: bool, folded: &str) -> bool {
    if ascii {
        word.eq_ignore_ascii_case(folded)
    } else {
        fold(word).eq(folded.chars())
    }
}

/// The words of `text`, runs of letters and digits, each with whether it is ASCII; `cache`
/// remembers what the characters beyond ASCII met so far are.
pub fn words<'a>(text: &'a str, cache: &'a WideCache) -> Words<'a> {
    Words { text, at: 0, cache }
}

/// Whether `text` has a word.
pub fn has_word(text: &str) -> bool {
    words(text, &WideCache::default()).next().is_some()
}

/// The iterator of [`words`].
#[derive(Debug, Clone)]
pub struct Words<'a> {
    text: &'a str,
    at: usize,
    cache: &'a WideCache,
}

/// Whether characters beyond ASCII are letters or digits, for the last one seen per slot of
/// 64 (a text in one script uses few of them): asking Unicode's tables costs some hundred
/// instructions, a slot one. A slot holds the character with bit 31 set when it is a letter or
/// digit; 0 when empty (no character beyond ASCII is 0).
#[derive(Debug)]
pub struct WideCache([Cell<u32>; 64]);

impl Default for WideCache {
    fn default() -> Self {
        WideCache(std::array::from_fn(|_| Cell::new(0)))
    }
}

impl WideCache {
    fn is_alphanumeric(&self, c: char) -> bool {
        let code = u32::from(c);
        let slot = &self.0[(code & 63) as usize];
        let seen = slot.get();
        if seen & 0x7fff_ffff == code {
            return seen >> 31 == 1;
        }
        let alphanumeric = c.is_alphanumeric();
        slot.set(code | u32::from(alphanumeric) << 31);
        alphanumeric
    }
}

/// What an ASCII byte is: 0 separator, 1 letter or digit; 2 for the bytes of other characters.
static CLASS: [u8; 256] = {
    let mut table = [2u8; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric() as u8;
        b += 1;
    }
    table
};

impl Words<'_> {
    /// Whether the character starting at byte `i` (not ASCII) is a letter or digit, and its
    /// length.
    fn wide(&self, i: usize) -> (bool, usize) {
        self.text
            .get(i..)
            .and_then(|rest| rest.chars().next())
            .map_or((false, 1), |c| {
                (self.cache.is_alphanumeric(c), c.len_utf8())
            })
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = (&'a str, bool);

    fn next(&mut self) -> Option<(&'a str, bool)> {
        let bytes = self.text.as_bytes();
        let mut i = self.at;
        let start = loop {
            let Some(&b) = bytes.get(i) else {
                self.at = i;
                return None;
            };
            match CLASS[usize::from(b)] {
                0 => i += 1,
                1 => break i,
                _ => match self.wide(i) {
                    (true, _) => break i,
                    (false, n) => i += n,
                },
            }
        };
        let mut ascii = true;
        while let Some(&b) = bytes.get(i) {
            match CLASS[usize::from(b)] {
                0 => break,
                1 => i += 1,
                _ => match self.wide(i) {
                    (true, n) => {
                        ascii = false;
                        i += n;
                    }
                    (false, _) => break,
                },
            }
        }
        self.at = i;
        Some((&self.text[start..i], ascii))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_runs_of_letters_and_digits_of_any_script() {
        let cache = WideCache::default();
        let found: Vec<(&str, bool)> = words("  Hi, été-x1 ☎ Σας! ée", &cache).collect();
        assert_eq!(
            found,
            vec![
                ("Hi", true),
                ("été", false),
                ("x1", true),
                ("Σας", false),
                ("ée", false)
            ]
        );
        assert!(!has_word(""));
        assert!(!has_word(" ,. ☎"));
        // Characters sharing a slot of the cache are told apart.
        let cache = WideCache::default();
        for c in (0x80..0x3000).filter_map(char::from_u32) {
            assert_eq!(cache.is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn only_two_characters_beyond_ascii_lower_case_to_ascii() {
        let found: Vec<char> = (0x80..=0x10_FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| {
                fold(c.encode_utf8(&mut [0; 4]))
                    .next()
                    .is_some_and(|f| f.is_ascii())
            })
            .collect();
        assert_eq!(found, vec!['\u{130}', '\u{212A}']);
        let phrases = Phrases::new(["kill", "darn"]);
        assert_eq!(phrases.lowest_match("\u{212A}ILL", 2), Some(0));
        assert_eq!(Phrases::new(["darn"]).lowest_match("été darn", 1), Some(0));
    }

    #[test]
    fn the_lowest_phrase_found_anywhere_wins() {
        let phrases = Phrases::new(["b", "a x", "", "ÉTÉ"]);
        assert_eq!(phrases.lowest_match("a x then b", 4), Some(0));
        assert_eq!(phrases.lowest_match("a x then c", 1), None);
        assert_eq!(phrases.lowest_match("A X then c", 4), Some(1));
        assert_eq!(phrases.lowest_match("un été", 4), Some(3));
        assert_eq!(phrases.lowest_match("a", 4), None);
    }
}
