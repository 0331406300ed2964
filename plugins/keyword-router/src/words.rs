//! Whole-word phrase matching that ignores case, in one pass over a text and without
//! copying it: the text's words are slices of it, compared where they lie.
//!
//! (The same file is in `profanity-filter` and `keyword-router`; keep the two identical.)
//!
//! Cost: a table lookup per ASCII byte (a character is decoded only at bytes of 0x80 and
//! above), and for each word a lookup of its first byte; only words that start like a
//! phrase's first word are compared, and a phrase of k words looks at most k words ahead.

/// Phrases, each kept as its words folded to lower case (see [`fold`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrases {
    phrases: Vec<Vec<String>>,
    /// Whether a word starting with this byte (ASCII-lower-cased) may begin a phrase; every
    /// byte of 0x80 and above does, and such a word is then checked by its first character
    /// in lower case against `wide_starts`.
    starts: [bool; 256],
    /// The first characters of the phrases' first words.
    wide_starts: Vec<char>,
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
        let phrases: Vec<Vec<String>> = texts
            .into_iter()
            .map(|text| words(text).map(|(word, _)| fold(word).collect()).collect())
            .collect();
        let mut starts = [false; 256];
        starts[0x80..].fill(true);
        for first in phrases.iter().filter_map(|p| p.first()) {
            if let Some(&b) = first.as_bytes().first() {
                starts[usize::from(b.to_ascii_lowercase())] = true;
            }
        }
        let mut wide_starts: Vec<char> = phrases
            .iter()
            .filter_map(|p| p.first()?.chars().next())
            .collect();
        wide_starts.sort_unstable();
        wide_starts.dedup();
        Phrases {
            phrases,
            starts,
            wide_starts,
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
    pub fn lowest_match(&self, text: &str, before: usize) -> Option<usize> {
        let mut best = before.min(self.phrases.len());
        let mut words = words(text);
        while best > 0
            && let Some((word, ascii)) = words.next()
        {
            let first = word.as_bytes().first().map_or(0, u8::to_ascii_lowercase);
            if !self.starts[usize::from(first)] {
                continue;
            }
            // A word starting with another character: one lower-casing tells whether it can be.
            if first >= 0x80
                && !fold(word)
                    .next()
                    .is_some_and(|c| self.wide_starts.contains(&c))
            {
                continue;
            }
            if let Some(found) = self.phrases[..best]
                .iter()
                .position(|phrase| phrase_at(word, ascii, words.clone(), phrase))
            {
                best = found;
            }
        }
        (best < before.min(self.phrases.len())).then_some(best)
    }
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

/// The words of `text`, runs of letters and digits, each with whether it is ASCII.
pub fn words(text: &str) -> Words<'_> {
    Words { text, at: 0 }
}

/// The iterator of [`words`].
#[derive(Debug, Clone)]
pub struct Words<'a> {
    text: &'a str,
    at: usize,
}

/// What an ASCII byte is: 0 separator, 1 letter or digit; 2 for the bytes of other characters.
const CLASS: [u8; 256] = {
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
            .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8()))
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
        let found: Vec<(&str, bool)> = words("  Hi, été-x1 ☎ Σας!").collect();
        assert_eq!(
            found,
            vec![("Hi", true), ("été", false), ("x1", true), ("Σας", false)]
        );
        assert_eq!(words("").next(), None);
        assert_eq!(words(" ,. ").next(), None);
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
