//! Phone numbers in E.164 (`+`, a country calling code and the national number: at most 15
//! digits), the form SMS services take and give.
//!
//! [`normalize_phone`] reads a number as people write it — spaces, dashes, dots, slashes and
//! parentheses; `+` or an international call prefix (`011` in North America, `00` in most of
//! the world) before the country code; a national trunk prefix (the `0` of `020 7946 0958`, the
//! `1` of `1-418-555-1234`) — and writes it in E.164.
//!
//! ```
//! use roomkit_sdk::phone::{normalize_phone, PhoneError};
//!
//! assert_eq!(normalize_phone("418-555-1234", "CA").as_deref(), Ok("+14185551234"));
//! assert_eq!(normalize_phone("1 (514) 555.0000", "us").as_deref(), Ok("+15145550000"));
//! assert_eq!(normalize_phone("+44 20 7946 0958", "US").as_deref(), Ok("+442079460958"));
//! assert_eq!(normalize_phone("020 7946 0958", "GB").as_deref(), Ok("+442079460958"));
//! assert_eq!(normalize_phone("011 33 1 42 68 53 00", "CA").as_deref(), Ok("+33142685300"));
//! assert!(matches!(normalize_phone("call me", "US"), Err(PhoneError::NotANumber { .. })));
//! assert!(matches!(normalize_phone("555-1234", "US"), Err(PhoneError::Invalid { .. })));
//! ```
//!
//! What is checked:
//!
//! - **North American Numbering Plan** (`+1`: the US, Canada and the Caribbean): exactly ten
//!   digits after the `1`; the area code and the exchange start with 2–9 and are not an `N11`
//!   service code; area codes with 9 as their middle digit are reserved, so refused.
//! - **Everywhere else**: the country calling code is one the ITU has assigned, and the whole
//!   number has at most 15 digits, with at least 4 after the country code. Each country's own
//!   number lengths are not checked (the service will refuse a number that does not exist).
//! - A number without `+` or an international prefix belongs to `default_region` (ISO 3166-1
//!   alpha-2, any case). Its rules (country code, trunk prefix, international prefix) are
//!   known for the NANP regions and [about forty others](REGIONS); a number of any other
//!   region must be written with its country code.
//!
//! This is a small hand-written plan, not Google's libphonenumber: the `phonenumber` crate
//! adds about 2.4 MB to a component, and its first call (loading the metadata of every
//! country) costs about 130 ms natively, more than a plugin call's default fuel.

use std::fmt;

/// Why a text is not a phone number that can be written in E.164.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// `default_region` is not a two-letter region code, or the number needs the region's
    /// rules and they are not known here (write the number with `+` and its country code).
    UnknownRegion(String),
    /// The text is not written as a phone number (letters, stray signs, no digits).
    NotANumber {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The text reads as digits, but they break the numbering plan (length, country code,
    /// area code).
    Invalid {
        /// The text given.
        input: String,
        /// Which rule it breaks.
        reason: String,
    },
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneError::UnknownRegion(region) => write!(
                f,
                "unknown region {region:?}: expected a two-letter code whose numbering rules are known \
                 (US, CA, GB, FR, …), or write the number with + and its country code"
            ),
            PhoneError::NotANumber { input, reason } => {
                write!(f, "{input:?} is not a phone number: {reason}")
            }
            PhoneError::Invalid { input, reason } => {
                write!(f, "{input:?} is not a valid phone number: {reason}")
            }
        }
    }
}

impl std::error::Error for PhoneError {}

/// The numbering rules of a region: its country calling code, its trunk prefix (dialled
/// before a national number; none where the leading digit is part of the number) and its
/// international call prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// ISO 3166-1 alpha-2, upper case.
    pub code: &'static str,
    /// The country calling code, e.g. `"44"`.
    pub country_code: &'static str,
    /// The trunk prefix, e.g. `"0"`; `""` when there is none.
    pub trunk_prefix: &'static str,
    /// The international call prefix, e.g. `"00"`.
    pub international_prefix: &'static str,
}

const fn region(
    code: &'static str,
    country_code: &'static str,
    trunk_prefix: &'static str,
    international_prefix: &'static str,
) -> Region {
    Region {
        code,
        country_code,
        trunk_prefix,
        international_prefix,
    }
}

/// The regions whose national numbers [`normalize_phone`] reads.
pub const REGIONS: &[Region] = &[
    // North American Numbering Plan: trunk prefix 1, international prefix 011.
    region("US", "1", "1", "011"),
    region("CA", "1", "1", "011"),
    region("AG", "1", "1", "011"),
    region("AI", "1", "1", "011"),
    region("AS", "1", "1", "011"),
    region("BB", "1", "1", "011"),
    region("BM", "1", "1", "011"),
    region("BS", "1", "1", "011"),
    region("DM", "1", "1", "011"),
    region("DO", "1", "1", "011"),
    region("GD", "1", "1", "011"),
    region("GU", "1", "1", "011"),
    region("JM", "1", "1", "011"),
    region("KN", "1", "1", "011"),
    region("KY", "1", "1", "011"),
    region("LC", "1", "1", "011"),
    region("MP", "1", "1", "011"),
    region("MS", "1", "1", "011"),
    region("PR", "1", "1", "011"),
    region("SX", "1", "1", "011"),
    region("TC", "1", "1", "011"),
    region("TT", "1", "1", "011"),
    region("VC", "1", "1", "011"),
    region("VG", "1", "1", "011"),
    region("VI", "1", "1", "011"),
    // Europe.
    region("GB", "44", "0", "00"),
    region("IE", "353", "0", "00"),
    region("FR", "33", "0", "00"),
    region("BE", "32", "0", "00"),
    region("NL", "31", "0", "00"),
    region("LU", "352", "", "00"),
    region("DE", "49", "0", "00"),
    region("AT", "43", "0", "00"),
    region("CH", "41", "0", "00"),
    region("IT", "39", "", "00"),
    region("ES", "34", "", "00"),
    region("PT", "351", "", "00"),
    region("DK", "45", "", "00"),
    region("NO", "47", "", "00"),
    region("SE", "46", "0", "00"),
    region("FI", "358", "0", "00"),
    region("PL", "48", "", "00"),
    region("CZ", "420", "", "00"),
    region("GR", "30", "", "00"),
    region("RO", "40", "0", "00"),
    region("TR", "90", "0", "00"),
    // Elsewhere.
    region("MX", "52", "", "00"),
    region("BR", "55", "0", "00"),
    region("AR", "54", "0", "00"),
    region("CL", "56", "", "00"),
    region("CO", "57", "", "00"),
    region("AU", "61", "0", "0011"),
    region("NZ", "64", "0", "00"),
    region("JP", "81", "0", "010"),
    region("KR", "82", "0", "001"),
    region("CN", "86", "0", "00"),
    region("HK", "852", "", "001"),
    region("SG", "65", "", "000"),
    region("IN", "91", "0", "00"),
    region("PH", "63", "0", "00"),
    region("IL", "972", "0", "00"),
    region("AE", "971", "0", "00"),
    region("ZA", "27", "0", "00"),
    region("MA", "212", "0", "00"),
];

/// The country calling codes the ITU has assigned (E.164), one to three digits; no code is
/// the start of another.
const COUNTRY_CODES: &[&str] = &[
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
    "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98", "211",
    "212", "213", "216", "218", "220", "221", "222", "223", "224", "225", "226", "227", "228",
    "229", "230", "231", "232", "233", "234", "235", "236", "237", "238", "239", "240", "241",
    "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254",
    "255", "256", "257", "258", "260", "261", "262", "263", "264", "265", "266", "267", "268",
    "269", "290", "291", "297", "298", "299", "350", "351", "352", "353", "354", "355", "356",
    "357", "358", "359", "370", "371", "372", "373", "374", "375", "376", "377", "378", "380",
    "381", "382", "383", "385", "386", "387", "389", "420", "421", "423", "500", "501", "502",
    "503", "504", "505", "506", "507", "508", "509", "590", "591", "592", "593", "594", "595",
    "596", "597", "598", "599", "670", "672", "673", "674", "675", "676", "677", "678", "679",
    "680", "681", "682", "683", "685", "686", "687", "688", "689", "690", "691", "692", "800",
    "808", "850", "852", "853", "855", "856", "870", "878", "880", "881", "882", "883", "886",
    "888", "960", "961", "962", "963", "964", "965", "966", "967", "968", "970", "971", "972",
    "973", "974", "975", "976", "977", "979", "992", "993", "994", "995", "996", "998",
];

/// The most digits an E.164 number has, country code included.
const MAX_DIGITS: usize = 15;
/// The fewest digits after the country code taken as a number.
const MIN_NATIONAL_DIGITS: usize = 4;

/// The rules of region `code` (any case), if known.
pub fn region_rules(code: &str) -> Option<&'static Region> {
    let code = code.trim();
    REGIONS.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// `number` in E.164 (`+14185551234`). A number without `+` or the region's international
/// prefix belongs to `default_region` (ISO 3166-1 alpha-2, any case); see the module docs for
/// what is checked.
pub fn normalize_phone(number: &str, default_region: &str) -> Result<String, PhoneError> {
    let region = default_region.trim();
    if region.len() != 2 || !region.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(PhoneError::UnknownRegion(default_region.to_owned()));
    }
    let not_a_number = |reason: &str| PhoneError::NotANumber {
        input: number.to_owned(),
        reason: reason.to_owned(),
    };
    let invalid = |reason: String| PhoneError::Invalid {
        input: number.to_owned(),
        reason,
    };

    let text = number.trim();
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' | '\u{2010}'..='\u{2015}' => {}
            c if c.is_alphabetic() => return Err(not_a_number("it contains letters")),
            '+' => return Err(not_a_number("`+` may only come first")),
            c => return Err(not_a_number(&format!("it contains {c:?}"))),
        }
    }
    if digits.is_empty() {
        return Err(not_a_number("it has no digits"));
    }

    let international = if plus {
        Some(digits.as_str())
    } else {
        let rules = region_rules(region);
        match rules.and_then(|r| digits.strip_prefix(r.international_prefix)) {
            Some(after) => Some(after),
            None => {
                let rules = rules.ok_or_else(|| PhoneError::UnknownRegion(region.to_owned()))?;
                return national(&digits, rules, invalid);
            }
        }
    };
    let digits = international.unwrap_or_default();
    let Some(code) = (1..=3)
        .filter_map(|len| digits.get(..len))
        .find(|prefix| COUNTRY_CODES.contains(prefix))
    else {
        return Err(invalid(format!(
            "no country has a calling code at the start of +{digits}"
        )));
    };
    check(code, &digits[code.len()..], invalid)
}

/// A national number of `rules`'s region, written without its country code.
fn national(
    digits: &str,
    rules: &Region,
    invalid: impl Fn(String) -> PhoneError,
) -> Result<String, PhoneError> {
    let national = if rules.country_code == "1" {
        // NANP: ten digits, or eleven starting with the trunk prefix 1.
        match digits.len() {
            11 => digits.strip_prefix('1').unwrap_or(digits),
            _ => digits,
        }
    } else if !rules.trunk_prefix.is_empty() {
        digits.strip_prefix(rules.trunk_prefix).unwrap_or(digits)
    } else {
        digits
    };
    check(rules.country_code, national, invalid)
}

/// `+{code}{national}` when the digits keep the plan's rules.
fn check(
    code: &str,
    national: &str,
    invalid: impl Fn(String) -> PhoneError,
) -> Result<String, PhoneError> {
    if code == "1" {
        nanp(national).map_err(|reason| invalid(reason.to_owned()))?;
    } else if national.len() < MIN_NATIONAL_DIGITS {
        return Err(invalid(format!(
            "+{code} needs at least {MIN_NATIONAL_DIGITS} digits after the country code, {} given",
            national.len()
        )));
    } else if code.len() + national.len() > MAX_DIGITS {
        return Err(invalid(format!(
            "{} digits; an international number has at most {MAX_DIGITS}",
            code.len() + national.len()
        )));
    }
    Ok(format!("+{code}{national}"))
}

/// The NANP's rules for the ten digits after `+1`.
fn nanp(national: &str) -> Result<(), &'static str> {
    let d = national.as_bytes();
    if d.len() != 10 {
        return Err(
            "a North American number has 10 digits (area code and number), or 11 starting with 1",
        );
    }
    if !(b'2'..=b'9').contains(&d[0]) {
        return Err("a North American area code starts with 2-9");
    }
    if d[1] == b'1' && d[2] == b'1' {
        return Err("N11 codes (211, 311, …, 911) are not area codes");
    }
    if d[1] == b'9' {
        return Err("North American area codes with 9 as their middle digit are reserved");
    }
    if !(b'2'..=b'9').contains(&d[3]) {
        return Err("a North American exchange starts with 2-9");
    }
    if d[4] == b'1' && d[5] == b'1' {
        return Err("N11 codes are not exchanges");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(number: &str, region: &str) -> String {
        normalize_phone(number, region).unwrap_or_else(|e| panic!("{number} ({region}): {e}"))
    }

    fn reason(number: &str, region: &str) -> String {
        match normalize_phone(number, region) {
            Err(PhoneError::Invalid { reason, .. } | PhoneError::NotANumber { reason, .. }) => {
                reason
            }
            other => panic!("{number} ({region}): {other:?}"),
        }
    }

    #[test]
    fn nanp_numbers_in_every_usual_spelling() {
        for written in [
            "418-555-1234",
            "4185551234",
            "(418) 555-1234",
            "418.555.1234",
            "418/555-1234",
            "1 418 555 1234",
            "1-418-555-1234",
            "+1 418 555 1234",
            "+1 (418) 555-1234",
            "+14185551234",
            "011 1 418 555 1234",
            " 418\u{a0}555\u{2013}1234 ",
        ] {
            assert_eq!(ok(written, "CA"), "+14185551234", "{written}");
        }
        assert_eq!(ok("(212) 555-0100", "US"), "+12125550100");
        assert_eq!(ok("212 555 0100", "us"), "+12125550100");
        assert_eq!(ok("876 555 0100", "JM"), "+18765550100");
        // Twilio's test numbers are well-formed NANP numbers.
        assert_eq!(ok("+15005550006", "US"), "+15005550006");
    }

    #[test]
    fn an_international_number_ignores_the_region() {
        for region in ["US", "CA", "GB", "FR", "KE"] {
            assert_eq!(ok("+44 20 7946 0958", region), "+442079460958", "{region}");
            assert_eq!(ok("+39 06 6988 4000", region), "+390669884000", "{region}");
        }
        assert_eq!(ok("+33 1 42 68 53 00", "US"), "+33142685300");
        assert_eq!(ok("00 44 20 7946 0958", "FR"), "+442079460958");
        assert_eq!(ok("011 33 1 42 68 53 00", "US"), "+33142685300");
        assert_eq!(ok("0011 1 418 555 1234", "AU"), "+14185551234");
        assert_eq!(ok("+254 712 345678", "US"), "+254712345678");
    }

    #[test]
    fn national_numbers_drop_their_trunk_prefix_where_there_is_one() {
        assert_eq!(ok("020 7946 0958", "GB"), "+442079460958");
        assert_eq!(ok("01 42 68 53 00", "FR"), "+33142685300");
        assert_eq!(ok("0612345678", "fr"), "+33612345678");
        assert_eq!(ok("030 1234567", "DE"), "+49301234567");
        // Italy keeps the leading 0 of fixed lines; Spain has no trunk prefix.
        assert_eq!(ok("06 6988 4000", "IT"), "+390669884000");
        assert_eq!(ok("912 345 678", "ES"), "+34912345678");
        assert_eq!(ok("0412 345 678", "AU"), "+61412345678");
    }

    #[test]
    fn text_that_is_not_a_number_says_why() {
        assert_eq!(reason("call me", "US"), "it contains letters");
        assert_eq!(reason("1-800-FLOWERS", "US"), "it contains letters");
        assert_eq!(reason("418-555-1234 x12", "US"), "it contains letters");
        assert_eq!(reason("", "US"), "it has no digits");
        assert_eq!(reason("  ( ) - ", "US"), "it has no digits");
        assert_eq!(reason("+", "US"), "it has no digits");
        assert_eq!(reason("1+418", "US"), "`+` may only come first");
        assert_eq!(reason("418#555", "US"), "it contains '#'");
        assert_eq!(
            normalize_phone("call me", "US").unwrap_err().to_string(),
            "\"call me\" is not a phone number: it contains letters"
        );
    }

    #[test]
    fn digits_that_break_the_plan_say_which_rule() {
        let ten =
            "a North American number has 10 digits (area code and number), or 11 starting with 1";
        assert_eq!(reason("555-1234", "US"), ten);
        assert_eq!(reason("12", "US"), ten);
        assert_eq!(reason("+1 418 555 12345", "US"), ten);
        assert_eq!(reason("2 418 555 1234", "US"), ten);
        assert_eq!(
            reason("018-555-1234", "US"),
            "a North American area code starts with 2-9"
        );
        assert_eq!(
            reason("911-555-1234", "US"),
            "N11 codes (211, 311, …, 911) are not area codes"
        );
        assert_eq!(
            reason("296-555-1234", "US"),
            "North American area codes with 9 as their middle digit are reserved"
        );
        assert_eq!(
            reason("418-155-1234", "US"),
            "a North American exchange starts with 2-9"
        );
        assert_eq!(reason("418-411-1234", "US"), "N11 codes are not exchanges");
        assert_eq!(
            reason("+999 123 4567", "US"),
            "no country has a calling code at the start of +9991234567"
        );
        assert_eq!(
            reason("+44 12", "US"),
            "+44 needs at least 4 digits after the country code, 2 given"
        );
        assert_eq!(
            reason("+44 1234 5678 9012 34", "US"),
            "16 digits; an international number has at most 15"
        );
        assert_eq!(
            normalize_phone("555-1234", "US").unwrap_err().to_string(),
            format!("\"555-1234\" is not a valid phone number: {ten}")
        );
    }

    #[test]
    fn regions_must_be_codes_and_known_for_national_numbers() {
        for bad in ["", "USA", "1A", "U"] {
            assert_eq!(
                normalize_phone("418-555-1234", bad),
                Err(PhoneError::UnknownRegion(bad.into())),
                "{bad:?}"
            );
        }
        // A real region without rules here: international numbers pass, national ones cannot.
        assert_eq!(ok("+254712345678", "KE"), "+254712345678");
        let error = normalize_phone("0712 345678", "KE").unwrap_err();
        assert_eq!(error, PhoneError::UnknownRegion("KE".into()));
        assert_eq!(
            error.to_string(),
            "unknown region \"KE\": expected a two-letter code whose numbering rules are known \
             (US, CA, GB, FR, …), or write the number with + and its country code"
        );
    }

    #[test]
    fn the_tables_are_consistent() {
        for r in REGIONS {
            assert!(COUNTRY_CODES.contains(&r.country_code), "{}", r.code);
            assert_eq!(region_rules(&r.code.to_lowercase()), Some(r));
        }
        // No country code is the start of another, so the first match is the only one.
        for a in COUNTRY_CODES {
            for b in COUNTRY_CODES {
                assert!(a == b || !b.starts_with(a), "{a} starts {b}");
            }
        }
        let mut codes: Vec<&str> = REGIONS.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), REGIONS.len());
    }
}
