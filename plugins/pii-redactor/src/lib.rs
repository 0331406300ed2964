//! A hook that masks personal data in the text of events: e-mail addresses become `[email]`,
//! phone numbers `[phone]` and payment card numbers `[card]`. An event with nothing to mask is
//! allowed unchanged; otherwise the hook answers with the masked event (`modify`).
//!
//! What counts as what (no regular expressions; the scan is one pass over the text):
//! - e-mail: `local@domain.tld`, the local part of ASCII letters, digits and `._%+-_`, the domain of
//!   labels of letters, digits and `-` with at least one dot and a top-level label of two or
//!   more letters.
//! - number runs: digit groups joined by single spaces, dashes, dots or parentheses, optionally
//!   starting with `+`, not glued to letters. A run of 13–19 digits joined only by spaces or
//!   dashes that passes the Luhn check is a card. Otherwise a run is a phone number when it has
//!   10–15 digits, or starts with `+` and has 7–15, or is a 7-digit `555-0100` / `555 0100`.
//!   Shorter numbers (order numbers, years) and dates such as `2024-01-15` are left alone.

use std::borrow::Cow;

#[cfg(test)]
mod reference;

use roomkit_sdk::{Hook, HookResult, HookTrigger, RoomContext, RoomEvent, config};

/// What the hook can mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    /// E-mail addresses.
    pub email: bool,
    /// Phone numbers.
    pub phone: bool,
    /// Card numbers.
    pub card: bool,
}

impl Kinds {
    /// All three.
    pub const ALL: Kinds = Kinds {
        email: true,
        phone: true,
        card: true,
    };

    /// Parses the `mask` setting: a comma list of `email`, `phone`, `card`.
    pub fn parse(list: &str) -> Result<Kinds, String> {
        let mut kinds = Kinds {
            email: false,
            phone: false,
            card: false,
        };
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item {
                "email" => kinds.email = true,
                "phone" => kinds.phone = true,
                "card" => kinds.card = true,
                other => return Err(format!("config `mask`: unknown kind {other:?}")),
            }
        }
        Ok(kinds)
    }
}

/// `text` with every e-mail address, phone number and card number of `kinds` masked;
/// borrowed when there was nothing to mask.
///
/// One pass over the bytes: every character the patterns care about is ASCII, so the scan
/// looks at bytes and decodes a character only where a number run begins or ends (to tell
/// whether a letter of any script is glued to it). The text is copied into the result in
/// slices between the masked spans, and only once something is masked.
pub fn redact(text: &str, kinds: Kinds) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    // Addresses first, so that digits in a local part are not taken for a phone number.
    let mut emails = Emails::new(text, kinds.email);
    let mut next_email = emails.next();
    let mut out: Option<String> = None;
    // Everything before `copied` is in `out` already (when there is an `out`).
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let limit = next_email.map_or(bytes.len(), |(start, _)| start);
        if i == limit
            && let Some((start, end)) = next_email
        {
            mask(&mut out, text, &mut copied, start, end, "[email]");
            next_email = emails.next();
            i = end;
            continue;
        }
        let b = bytes[i];
        if !can_start_run(b) {
            i = next_candidate(bytes, i, limit);
            continue;
        }
        // What most candidates in a text made to be costly are, told here at a glance: a `(`
        // or `+` that no run follows, a start glued to an ASCII letter, digit or `+`.
        let lone = !b.is_ascii_digit() && !continues_at(&bytes[..limit], i + 1);
        let glued = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'+');
        if lone || glued {
            i += 1;
            continue;
        }
        if let Some((end, label)) = number_at(&text[..limit], i, kinds) {
            match label {
                Some(label) => mask(&mut out, text, &mut copied, i, end, label),
                // A run that is neither is not taken apart into phone numbers, but a card
                // number among its pieces is masked ("(4111 1111 1111 1111)", "+4111…",
                // "4111 1111 1111 1111.5").
                // (13 digits take 13 bytes at least.)
                None if kinds.card && end - i >= 13 => {
                    for (from, to) in card_pieces(&bytes[i..end]) {
                        mask(&mut out, text, &mut copied, i + from, i + to, "[card]");
                    }
                }
                None => {}
            }
            i = end;
            continue;
        }
        i += 1;
    }
    match out {
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(text),
    }
}

/// Whether a byte can start a number run: a digit, `+` or `(`.
fn can_start_run(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'+' | b'(')
}

/// The first byte of `bytes[from..to]` that can start a number run, or `to`. Eight bytes at a
/// time where none is in `(`..=`9` (the range holding every such byte), which is most of a
/// text, so that plain text costs a fraction of an instruction per byte.
fn next_candidate(bytes: &[u8], from: usize, to: usize) -> usize {
    const ONES: u64 = u64::MAX / 255;
    let mut i = from;
    while i < to {
        if i + 8 <= to
            && let Ok(chunk) = <[u8; 8]>::try_from(&bytes[i..i + 8])
        {
            // "Has a byte greater than 0x27 and less than 0x3a" (Bit Twiddling Hacks,
            // `hasbetween`): exact, and bytes of 0x80 and above never count.
            let x = u64::from_le_bytes(chunk);
            let low7 = x & (ONES * 127);
            let found = (ONES * (127 + 0x3a) - low7) & !x & (low7 + ONES * (127 - 0x27));
            if found & (ONES * 128) == 0 {
                i += 8;
                continue;
            }
        }
        // A candidate may be among the next eight bytes: look at them one by one.
        let end = (i + 8).min(to);
        match bytes[i..end].iter().position(|&b| can_start_run(b)) {
            Some(at) => return i + at,
            None => i = end,
        }
    }
    to
}

/// Appends `text[copied..start]` and `label` to `out` (made on first use) and moves `copied`
/// past the masked span `start..end`.
fn mask(
    out: &mut Option<String>,
    text: &str,
    copied: &mut usize,
    start: usize,
    end: usize,
    label: &str,
) {
    let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
    out.push_str(&text[*copied..start]);
    out.push_str(label);
    *copied = end;
}

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

/// The e-mail addresses of a text in order, as byte ranges that do not overlap. Each `@` is
/// looked at once; the scan around it stops at the first byte that cannot be part of an
/// address (another `@` among them), so the whole search is linear.
struct Emails<'a> {
    text: &'a str,
    /// Where to look for the next `@`.
    from: usize,
    /// The end of the last address found: the next one must start at or after it.
    last_end: usize,
}

impl<'a> Emails<'a> {
    fn new(text: &'a str, enabled: bool) -> Self {
        Emails {
            text,
            from: if enabled { 0 } else { text.len() },
            last_end: 0,
        }
    }
}

impl Iterator for Emails<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        while let Some(at) = next_at_sign(self.text, self.from) {
            self.from = at + 1;
            if let Some(span) = email_at(self.text.as_bytes(), at)
                && span.0 >= self.last_end
            {
                self.last_end = span.1;
                return Some(span);
            }
        }
        self.from = self.text.len();
        None
    }
}

/// The first `@` of `text` at or after byte `from`. The next few bytes are looked at one by
/// one (in a text full of `@`s, a search for each would cost more than the byte), the rest
/// with `str::find`.
fn next_at_sign(text: &str, from: usize) -> Option<usize> {
    let near = text.as_bytes().get(from..)?;
    let head = &near[..near.len().min(16)];
    if let Some(at) = head.iter().position(|&b| b == b'@') {
        return Some(from + at);
    }
    // The search starts on a character boundary; the bytes skipped to get there continue a
    // character, so none of them is an `@`.
    let mut start = from + head.len();
    while !text.is_char_boundary(start) {
        start += 1;
    }
    Some(start + text[start..].find('@')?)
}

/// The e-mail address whose `@` is at `at`, as a range of `bytes`.
fn email_at(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut start = at;
    while start > 0 && is_local(bytes[start - 1]) {
        start -= 1;
    }
    // A dot may end a sentence, not an address.
    while start < at && bytes[start] == b'.' {
        start += 1;
    }
    if start == at {
        return None;
    }
    let mut end = at + 1;
    while end < bytes.len() && is_domain(bytes[end]) {
        end += 1;
    }
    while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
        end -= 1;
    }
    let domain = &bytes[at + 1..end];
    let mut labels = 0;
    let mut tld: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        if label.is_empty() || label[0] == b'-' || label[label.len() - 1] == b'-' {
            return None;
        }
        labels += 1;
        tld = label;
    }
    let valid = labels >= 2 && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic);
    valid.then_some((start, end))
}

/// The number run starting at byte `start` of `text` (whose first byte is a digit, `+` or
/// `(`): where it ends and, if it is a phone or card number of `kinds`, what replaces it. `None` when a letter, digit or `+` comes right before it (it
/// is part of something else) or nothing that can continue a run comes after a `(` or `+`.
fn number_at(text: &str, start: usize, kinds: Kinds) -> Option<(usize, Option<&'static str>)> {
    let bytes = text.as_bytes();
    let first = bytes[start];
    let plus = first == b'+';
    // A lone `(` or `+` (the costliest texts are made of them): the run would end at once,
    // which the caller treats alike.
    if !first.is_ascii_digit() && !continues_at(bytes, start + 1) {
        return None;
    }
    let glued_before = match start.checked_sub(1).map(|at| bytes[at]) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric() || b == b'+',
        Some(_) => text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric),
    };
    if glued_before {
        return None;
    }
    // Extend over digits and single separators that are followed by more of the run.
    let mut end = start + 1;
    let mut digits = usize::from(first.is_ascii_digit());
    let mut card_separators = true;
    let mut closed = false;
    while end < bytes.len() {
        let c = bytes[end];
        if c.is_ascii_digit() {
            digits += 1;
            end += 1;
        } else if matches!(c, b' ' | b'-' | b'.' | b'(' | b')') {
            let continues = continues_at(bytes, end);
            if !continues {
                break;
            }
            if c != b' ' && c != b'-' {
                card_separators = false;
            }
            closed |= c == b')';
            end += 1;
        } else {
            break;
        }
    }
    let glued_after = match bytes.get(end) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric),
    };
    if glued_after {
        return Some((end, None));
    }
    let run = &text[start..end];
    let card = kinds.card
        && card_separators
        && (13..=19).contains(&digits)
        && luhn_of(
            run.bytes()
                .rev()
                .filter(u8::is_ascii_digit)
                .map(|b| u32::from(b - b'0')),
        );
    if first.is_ascii_digit() {
        if card {
            return Some((end, Some("[card]")));
        }
        if kinds.phone && is_phone(run, digits, plus) {
            return Some((end, Some("[phone]")));
        }
        return Some((end, None));
    }
    // After `(` or `+`, a phone number ("(555) 123-4567", "+1 555 000 1234"); a card number
    // there is found by the caller, in the run's pieces.
    if (first != b'(' || closed) && kinds.phone && is_phone(run, digits, plus) {
        return Some((end, Some("[phone]")));
    }
    Some((end, None))
}

/// The card numbers among the pieces of a number run: stretches of digits joined by single
/// spaces or dashes (what parentheses, dots and `+` separate), with 13–19 digits passing the
/// Luhn check, as ranges of `run`.
fn card_pieces(run: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut k = 0;
    std::iter::from_fn(move || {
        while k < run.len() {
            while k < run.len() && !run[k].is_ascii_digit() {
                k += 1;
            }
            let start = k;
            let (mut end, mut digits) = (k, 0);
            while k < run.len() && matches!(run[k], b'0'..=b'9' | b' ' | b'-') {
                if run[k].is_ascii_digit() {
                    digits += 1;
                    end = k + 1;
                }
                k += 1;
            }
            let piece = &run[start..end];
            if (13..=19).contains(&digits)
                && luhn_of(
                    piece
                        .iter()
                        .rev()
                        .filter(|b| b.is_ascii_digit())
                        .map(|b| u32::from(b - b'0')),
                )
            {
                return Some((start, end));
            }
        }
        None
    })
}

/// Whether a run goes on at byte `at`: a digit, or a single separator (space, `-`, `.`,
/// parentheses) followed by a digit, or "(555) 123": a closing parenthesis then a space, or a
/// space then "(".
fn continues_at(bytes: &[u8], at: usize) -> bool {
    match bytes.get(at) {
        Some(c) if c.is_ascii_digit() => true,
        Some(&c @ (b' ' | b'-' | b'.' | b'(' | b')')) => match bytes.get(at + 1) {
            Some(n) if n.is_ascii_digit() => true,
            Some(&n) => (c == b')' && n == b' ') || (c == b' ' && n == b'('),
            None => false,
        },
        _ => false,
    }
}

fn is_phone(run: &str, digits: usize, plus: bool) -> bool {
    if (10..=15).contains(&digits) || (plus && (7..=15).contains(&digits)) {
        return true;
    }
    // A local number: 555-0100 or 555 0100.
    let bytes = run.as_bytes();
    digits == 7 && bytes.len() == 8 && (bytes[3] == b'-' || bytes[3] == b' ')
}

/// The Luhn check of a card number's digits.
pub fn luhn(digits: &[u32]) -> bool {
    luhn_of(digits.iter().rev().copied())
}

/// The Luhn check of digits given from the last one to the first.
fn luhn_of(reversed: impl Iterator<Item = u32>) -> bool {
    let mut sum = 0;
    let mut count = 0usize;
    for d in reversed {
        sum += if count % 2 == 1 {
            let d = d * 2;
            if d > 9 { d - 9 } else { d }
        } else {
            d
        };
        count += 1;
    }
    count > 0 && sum.is_multiple_of(10)
}

/// What the hook decides for `event`: the masked event, or allow when nothing was masked.
pub fn check(mut event: RoomEvent, kinds: Kinds) -> HookResult {
    let mut changed = false;
    event.content = event.content.map_texts(|text| match redact(text, kinds) {
        Cow::Owned(masked) => {
            changed = true;
            masked
        }
        Cow::Borrowed(text) => text.to_owned(),
    });
    if changed {
        HookResult::modify(event)
    } else {
        HookResult::allow()
    }
}

/// The plugin.
#[derive(Debug)]
pub struct PiiRedactor;

impl Hook for PiiRedactor {
    fn handle(_: HookTrigger, event: RoomEvent, _: &RoomContext) -> Result<HookResult, String> {
        let kinds = match config::get("mask") {
            Some(list) => Kinds::parse(&list)?,
            None => Kinds::ALL,
        };
        Ok(check(event, kinds))
    }
}

roomkit_sdk::export_hook!(PiiRedactor);

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::types::{Part, RichContent, RichFormat};
    use roomkit_sdk::{Content, EventSource, HookAction, RoomView, testing};

    fn r(text: &str) -> String {
        redact(text, Kinds::ALL).into_owned()
    }

    fn event(content: Content) -> RoomEvent {
        RoomEvent::message("room", EventSource::inbound("sms-1", "sms"), content)
    }

    #[test]
    fn email_addresses_are_masked() {
        assert_eq!(
            r("write to jane.doe+x@mail.example.com."),
            "write to [email]."
        );
        assert_eq!(r("(a@b.io), c_d@e-f.org"), "([email]), [email]");
        assert_eq!(r("a@b.io"), "[email]");
        assert_eq!(r("5551234567@sms.example.com"), "[email]");
    }

    #[test]
    fn things_that_only_look_like_addresses_stay() {
        assert_eq!(r("@handle and a@b and x@y.1"), "@handle and a@b and x@y.1");
        assert_eq!(r("meet @ 5"), "meet @ 5");
    }

    #[test]
    fn card_numbers_that_pass_luhn_are_masked() {
        assert_eq!(r("card 4111 1111 1111 1111 ok"), "card [card] ok");
        assert_eq!(r("4111-1111-1111-1111"), "[card]");
        assert_eq!(r("4111111111111111"), "[card]");
        assert_eq!(r("amex 3782 822463 10005"), "amex [card]");
    }

    #[test]
    fn card_numbers_inside_longer_runs_of_numbers_are_masked() {
        assert_eq!(r("card (4111 1111 1111 1111)"), "card ([card])");
        assert_eq!(r("( 4111-1111-1111-1111"), "( [card]");
        assert_eq!(r("+4111111111111111"), "+[card]");
        assert_eq!(r("( (4111 1111 1111 1111)"), "( ([card])");
        assert_eq!(
            r("4111 1111 1111 1111.5 or (4111 1111 1111 1111 (5"),
            "[card].5 or ([card] (5"
        );
        assert_eq!(r("((4111-1111-1111-1111))"), "(([card]))");
        // Phone numbers keep their shape first.
        assert_eq!(
            r("(555) 123-4567 and +44 20 7946 0958"),
            "[phone] and [phone]"
        );
    }

    #[test]
    fn sixteen_digits_failing_luhn_are_not_a_card() {
        assert_eq!(r("4111 1111 1111 1112"), "4111 1111 1111 1112");
    }

    #[test]
    fn phone_numbers_are_masked() {
        assert_eq!(r("call +1 555 000 1234 now"), "call [phone] now");
        assert_eq!(r("call (555) 123-4567"), "call [phone]");
        assert_eq!(r("ring 555-0100."), "ring [phone].");
        assert_eq!(r("+44 20 7946 0958"), "[phone]");
        assert_eq!(r("+15550001"), "[phone]");
    }

    #[test]
    fn short_numbers_dates_and_codes_stay() {
        let text = "order 1234, on 2024-01-15 at 10.30, code AB1234567890, v1.2.3";
        assert_eq!(r(text), text);
    }

    #[test]
    fn luhn_matches_known_numbers() {
        let digits = |s: &str| s.chars().filter_map(|c| c.to_digit(10)).collect::<Vec<_>>();
        assert!(luhn(&digits("4111111111111111")));
        assert!(luhn(&digits("79927398713")));
        assert!(!luhn(&digits("79927398710")));
        assert!(!luhn(&[]));
    }

    #[test]
    fn kinds_choose_what_is_masked() {
        let only_email = Kinds::parse("email").unwrap();
        assert_eq!(
            redact("a@b.io 4111111111111111", only_email),
            "[email] 4111111111111111"
        );
        assert!(Kinds::parse("email, ssn").is_err());
    }

    #[test]
    fn unicode_text_around_matches_is_kept() {
        assert_eq!(
            r("été: jo@x.de → ok ☎ +33 1 23 45 67 89"),
            "été: [email] → ok ☎ [phone]"
        );
    }

    #[test]
    fn event_with_nothing_to_mask_is_allowed() {
        let result = check(event(Content::text("order 1234 arrived")), Kinds::ALL);
        assert_eq!(result.action, HookAction::Allow);
    }

    #[test]
    fn rich_and_composite_text_is_masked() {
        let content = Content::Composite(vec![
            Part::Text(roomkit_sdk::TextContent {
                body: "mail a@b.io".into(),
                language: None,
            }),
            Part::Rich(RichContent {
                body: "**4111 1111 1111 1111**".into(),
                format: RichFormat::Markdown,
                plain_text: None,
                buttons: vec![],
                quick_replies: vec![],
            }),
        ]);
        let result = check(event(content), Kinds::ALL);
        let HookAction::Modify(masked) = result.action else {
            panic!("not modified")
        };
        assert_eq!(masked.content.texts(), vec!["mail [email]", "**[card]**"]);
    }

    /// A tiny deterministic generator (xorshift), so the comparison below needs no crate.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn the_one_pass_scanner_agrees_with_the_character_model() {
        // Pieces that make addresses, runs, separators and glued letters likely.
        const PIECES: &[&str] = &[
            "0",
            "1",
            "4",
            "5",
            "7",
            "9",
            " ",
            "-",
            ".",
            "(",
            ")",
            "+",
            "@",
            "a",
            "Z",
            "x",
            "io",
            "de",
            "_",
            "%",
            "é",
            "☎",
            "\n",
            "4111 1111 1111 1111",
            "555-0100",
            "jo@x.de",
            "+1 555 000 1234",
            "(555) 123-4567",
            "3782 822463 10005",
            "a.b-c",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let kinds = [
            Kinds::ALL,
            Kinds::parse("email").unwrap(),
            Kinds::parse("phone,card").unwrap(),
        ];
        for case in 0..30_000 {
            let text: String = (0..rng.below(24))
                .map(|_| PIECES[rng.below(PIECES.len())])
                .collect();
            let kinds = kinds[case % kinds.len()];
            assert_eq!(
                redact(&text, kinds),
                reference::redact(&text, kinds),
                "{text:?} with {kinds:?}"
            );
        }
    }

    #[test]
    fn the_eight_byte_skip_finds_every_run_start() {
        for b in 0..=255u8 {
            for at in 0..11 {
                let mut bytes = [b'a'; 11];
                bytes[at] = b;
                let expected = if can_start_run(b) { at } else { 11 };
                assert_eq!(next_candidate(&bytes, 0, 11), expected, "{b:#x} at {at}");
                assert_eq!(next_candidate(&bytes, 0, at), at, "{b:#x} before {at}");
                assert_eq!(next_candidate(&bytes, at, 11), expected, "{b:#x} from {at}");
            }
        }
    }

    #[test]
    fn text_with_nothing_to_mask_is_not_copied() {
        assert!(matches!(
            redact("order 1234 on 2024-01-15, a@b", Kinds::ALL),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_card_after_a_megabyte_of_padding_is_masked() {
        let padding = "lorem ipsum 12 (x) a@b + ".repeat((1 << 20) / 25 + 1);
        let text = format!("{padding}card 4111 1111 1111 1111");
        let masked = redact(&text, Kinds::ALL);
        assert_eq!(masked.len(), padding.len() + "card [card]".len());
        assert!(masked.ends_with("card [card]"));
        assert!(masked.starts_with(&padding));
    }

    #[test]
    fn the_costliest_texts_found_are_scanned_to_their_end() {
        for unit in ["(", "@", "1a", "a@b.cd ", "+1 "] {
            let padding = unit.repeat((1 << 20) / unit.len());
            let text = format!("{padding} 4111 1111 1111 1111");
            let masked = redact(&text, Kinds::ALL);
            assert!(masked.ends_with(" [card]"), "{unit:?}");
        }
    }

    #[test]
    fn hook_masks_by_default_and_obeys_mask() {
        let ctx = RoomContext::fixed(RoomView::new("room"), vec![], vec![]);
        let text = || event(Content::text("a@b.io, +1 555 000 1234"));
        let result = PiiRedactor::handle(HookTrigger::BeforeBroadcast, text(), &ctx).unwrap();
        let HookAction::Modify(masked) = result.action else {
            panic!("not modified")
        };
        assert_eq!(masked.text(), Some("[email], [phone]"));
        testing::set_config("mask", "phone");
        let result = PiiRedactor::handle(HookTrigger::BeforeBroadcast, text(), &ctx).unwrap();
        let HookAction::Modify(masked) = result.action else {
            panic!("not modified")
        };
        assert_eq!(masked.text(), Some("a@b.io, [phone]"));
    }
}
