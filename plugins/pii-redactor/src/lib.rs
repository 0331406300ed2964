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

/// `text` with every e-mail address, phone number and card number of `kinds` masked.
pub fn redact(text: &str, kinds: Kinds) -> String {
    let chars: Vec<char> = text.chars().collect();
    // Addresses first, so that digits in a local part are not taken for a phone number.
    let emails: Vec<(usize, usize)> = if kinds.email {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for at in 0..chars.len() {
            if let Some(span) = email_at(&chars, at)
                && spans.last().is_none_or(|last| span.0 >= last.1)
            {
                spans.push(span);
            }
        }
        spans
    } else {
        Vec::new()
    };
    let mut next_email = emails.iter().peekable();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let limit = next_email.peek().map_or(chars.len(), |span| span.0);
        if i == limit
            && let Some(&(_, end)) = next_email.next()
        {
            out.push_str("[email]");
            i = end;
            continue;
        }
        if let Some((end, label)) = number_at(&chars[..limit], i, kinds) {
            // A run that is neither is copied whole, so that its tail is not taken for one.
            match label {
                Some(label) => out.push_str(label),
                None => out.extend(&chars[i..end]),
            }
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn is_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+_-".contains(c)
}

fn is_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.'
}

/// The e-mail address whose `@` is at `at`, as a range of `chars`.
fn email_at(chars: &[char], at: usize) -> Option<(usize, usize)> {
    if chars[at] != '@' {
        return None;
    }
    let mut start = at;
    while start > 0 && is_local(chars[start - 1]) {
        start -= 1;
    }
    // A dot may end a sentence, not an address.
    while start < at && chars[start] == '.' {
        start += 1;
    }
    if start == at {
        return None;
    }
    let mut end = at + 1;
    while end < chars.len() && is_domain(chars[end]) {
        end += 1;
    }
    while end > at + 1 && matches!(chars[end - 1], '.' | '-') {
        end -= 1;
    }
    let domain: String = chars[at + 1..end].iter().collect();
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last()?;
    let valid = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic());
    valid.then_some((start, end))
}

/// The number run starting at `start`: where it ends and, if it is a phone or card number of
/// `kinds`, what replaces it.
fn number_at(chars: &[char], start: usize, kinds: Kinds) -> Option<(usize, Option<&'static str>)> {
    let first = chars[start];
    let plus = first == '+';
    if !(first.is_ascii_digit() || plus || first == '(') {
        return None;
    }
    if start > 0 && (chars[start - 1].is_alphanumeric() || chars[start - 1] == '+') {
        return None;
    }
    // Extend over digits and single separators that are followed by more of the run.
    let mut end = start + 1;
    let mut digits = usize::from(first.is_ascii_digit());
    let mut card_separators = true;
    while end < chars.len() {
        let c = chars[end];
        if c.is_ascii_digit() {
            digits += 1;
            end += 1;
        } else if " -.()".contains(c) {
            let next = chars.get(end + 1).copied();
            let continues = match next {
                Some(n) if n.is_ascii_digit() => true,
                // "(555) 123": a closing parenthesis then a space, or a space then "(".
                Some(n) => (c == ')' && n == ' ') || (c == ' ' && n == '('),
                None => false,
            };
            if !continues || (c == ')' && chars.get(end + 1) == Some(&')')) {
                break;
            }
            if c != ' ' && c != '-' {
                card_separators = false;
            }
            end += 1;
        } else {
            break;
        }
    }
    if chars.get(end).is_some_and(|c| c.is_alphanumeric()) {
        return Some((end, None));
    }
    let run: String = chars[start..end].iter().collect();
    let run_digits: Vec<u32> = run.chars().filter_map(|c| c.to_digit(10)).collect();
    if first == '(' && !run.contains(')') {
        return Some((end, None));
    }
    if kinds.card
        && !plus
        && first != '('
        && card_separators
        && (13..=19).contains(&digits)
        && luhn(&run_digits)
    {
        return Some((end, Some("[card]")));
    }
    if kinds.phone && is_phone(&run, digits, plus) {
        return Some((end, Some("[phone]")));
    }
    Some((end, None))
}

fn is_phone(run: &str, digits: usize, plus: bool) -> bool {
    if (10..=15).contains(&digits) || (plus && (7..=15).contains(&digits)) {
        return true;
    }
    // A local number: 555-0100 or 555 0100.
    let bytes = run.as_bytes();
    digits == 7
        && bytes.len() == 8
        && (bytes[3] == b'-' || bytes[3] == b' ')
        && run.chars().filter(|c| !c.is_ascii_digit()).count() == 1
}

/// The Luhn check of a card number's digits.
pub fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// What the hook decides for `event`: the masked event, or allow when nothing was masked.
pub fn check(event: RoomEvent, kinds: Kinds) -> HookResult {
    let mut changed = false;
    let mut masked = event.clone();
    masked.content = event.content.map_texts(|text| {
        let redacted = redact(text, kinds);
        changed |= redacted != text;
        redacted
    });
    if changed {
        HookResult::modify(masked)
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
        redact(text, Kinds::ALL)
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
