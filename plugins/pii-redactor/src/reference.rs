//! The first, character-by-character implementation of [`redact`](crate::redact), kept as the
//! model the one-pass scanner is checked against: it collects the text into characters, tries
//! every `@`, and builds each number run as a string. Simple to read, but it allocates per run
//! and per address candidate, which is what made long texts run out of fuel. One rule was
//! added to both since: in a run that is neither a card nor a phone number, each piece between
//! parentheses, dots and `+` that is a card number is masked (such a card number, e.g.
//! "(4111 1111 1111 1111)", used to be left as it was).

use crate::Kinds;

/// `text` with every e-mail address, phone number and card number of `kinds` masked (the model).
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
            match label {
                Some(label) => out.push_str(label),
                // A run that is neither is copied whole, but for the card numbers among its
                // pieces (split at everything but digits, single spaces and dashes).
                None => {
                    let run: String = chars[i..end].iter().collect();
                    out.push_str(&mask_card_pieces(&run, kinds));
                }
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
    let card = kinds.card && card_separators && (13..=19).contains(&digits) && luhn(&run_digits);
    if first.is_ascii_digit() {
        if card {
            return Some((end, Some("[card]")));
        }
        if kinds.phone && is_phone(&run, digits, plus) {
            return Some((end, Some("[phone]")));
        }
        return Some((end, None));
    }
    // After `(` or `+`, a phone number.
    let phone_shape = first != '(' || run.contains(')');
    if phone_shape && kinds.phone && is_phone(&run, digits, plus) {
        return Some((end, Some("[phone]")));
    }
    Some((end, None))
}

/// `run` with each piece that is a card number (digits joined by single spaces or dashes,
/// trimmed of them, 13–19 digits passing Luhn) masked, when `kinds` masks cards.
fn mask_card_pieces(run: &str, kinds: Kinds) -> String {
    if !kinds.card {
        return run.to_owned();
    }
    let mut out = String::new();
    let mut piece = String::new();
    let flush = |piece: &mut String, out: &mut String| {
        let digits: Vec<u32> = piece.chars().filter_map(|c| c.to_digit(10)).collect();
        let lead = piece.len() - piece.trim_start_matches([' ', '-']).len();
        let trail = piece.len() - piece.trim_end_matches([' ', '-']).len();
        if (13..=19).contains(&digits.len()) && luhn(&digits) {
            out.push_str(&piece[..lead]);
            out.push_str("[card]");
            out.push_str(&piece[piece.len() - trail..]);
        } else {
            out.push_str(piece);
        }
        piece.clear();
    };
    for c in run.chars() {
        if c.is_ascii_digit() || c == ' ' || c == '-' {
            piece.push(c);
        } else {
            flush(&mut piece, &mut out);
            out.push(c);
        }
    }
    flush(&mut piece, &mut out);
    out
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
fn luhn(digits: &[u32]) -> bool {
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
