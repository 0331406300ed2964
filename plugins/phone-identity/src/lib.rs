//! An identity resolver that looks the sender's phone number up in a directory written in the
//! manifest.
//!
//! The directory is the config value `directory`: entries separated by `;` or new lines, each
//! `NUMBER = NAME` or `NUMBER = NAME | ID`. Entries with the same id are one identity with
//! several numbers; without an explicit id, the id is the name in lower case with runs of other
//! characters than letters and digits turned into `-` ("Alice Smith" → `alice-smith`). Numbers
//! are compared with everything but digits and a leading `+` removed, so `+1 (555) 000-1` and
//! `+15550001` are the same number.
//!
//! The answer: `identified` when exactly one identity has the sender's number, `ambiguous` with
//! all of them as candidates when several share it (a family phone), `unknown` otherwise. A
//! malformed directory is an error naming the entry, so a typo does not pass for "unknown".

use roomkit_sdk::{
    IdentityResolver, IdentityResult, InboundMessage, RoomContext, config, types::Identity,
};

/// One person or system of the directory with all its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The identity's id.
    pub id: String,
    /// The name to show.
    pub name: String,
    /// Its numbers, normalized.
    pub numbers: Vec<String>,
}

/// The parsed directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Directory {
    entries: Vec<Entry>,
}

impl Directory {
    /// Parses the `directory` setting.
    pub fn parse(text: &str) -> Result<Directory, String> {
        let mut directory = Directory::default();
        for line in text
            .split([';', '\n'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let (number, who) = line
                .split_once('=')
                .ok_or_else(|| format!("directory entry {line:?}: expected NUMBER = NAME"))?;
            let number = normalize(number)
                .ok_or_else(|| format!("directory entry {line:?}: {number:?} is not a number"))?;
            let (name, id) = match who.split_once('|') {
                Some((name, id)) => (name.trim(), id.trim().to_owned()),
                None => (who.trim(), slug(who)),
            };
            if name.is_empty() || id.is_empty() {
                return Err(format!("directory entry {line:?}: the name or id is empty"));
            }
            match directory.entries.iter_mut().find(|e| e.id == id) {
                Some(entry) if !entry.numbers.contains(&number) => entry.numbers.push(number),
                Some(_) => {}
                None => directory.entries.push(Entry {
                    id,
                    name: name.to_owned(),
                    numbers: vec![number],
                }),
            }
        }
        Ok(directory)
    }

    /// The entries that have `number` (in any notation).
    pub fn lookup(&self, number: &str) -> Vec<&Entry> {
        let Some(number) = normalize(number) else {
            return Vec::new();
        };
        self.entries
            .iter()
            .filter(|e| e.numbers.contains(&number))
            .collect()
    }

    /// The answer for a message from `number` on a channel of `channel_type`.
    pub fn resolve(&self, number: &str, channel_type: &str) -> IdentityResult {
        let identity = |entry: &Entry| {
            entry.numbers.iter().fold(
                Identity::new(&entry.id).display_name(&entry.name),
                |identity, number| identity.address(channel_type, number),
            )
        };
        match self.lookup(number).as_slice() {
            [] => IdentityResult::unknown(),
            [one] => IdentityResult::identified(identity(one)),
            several => IdentityResult::ambiguous(several.iter().map(|e| identity(e)).collect()),
        }
    }
}

/// Digits with a leading `+` kept; `None` when there are fewer than 3 digits or letters.
pub fn normalize(number: &str) -> Option<String> {
    let number = number.trim();
    if number.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 3 {
        return None;
    }
    Some(if number.starts_with('+') {
        format!("+{digits}")
    } else {
        digits
    })
}

fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Whether the resolver answers for `channel_type` given the `channel_types` setting (a comma
/// list; unset means every type).
pub fn applies_to(channel_types: Option<&str>, channel_type: &str) -> bool {
    channel_types.is_none_or(|list| list.split(',').any(|t| t.trim() == channel_type))
}

/// The plugin.
#[derive(Debug)]
pub struct PhoneIdentity;

impl IdentityResolver for PhoneIdentity {
    fn resolve(
        message: InboundMessage,
        channel_type: String,
        _: &RoomContext,
    ) -> Result<IdentityResult, String> {
        if !applies_to(config::get("channel_types").as_deref(), &channel_type) {
            return Ok(IdentityResult::unknown());
        }
        let directory = Directory::parse(&config::require("directory")?)?;
        Ok(directory.resolve(&message.sender_id, &channel_type))
    }
}

roomkit_sdk::export_identity_resolver!(PhoneIdentity);

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::{Identification, RoomView, testing};

    const DIRECTORY: &str = "+15550001=Alice Smith; +15550002 = Bob
        +1 (555) 000-3 = Carol | carol; +15550003=Dave|dave; +1-555-0004 = Carol|carol";

    #[test]
    fn one_match_is_identified_with_all_its_numbers() {
        let d = Directory::parse(DIRECTORY).unwrap();
        let result = d.resolve("+1 555 0001", "sms");
        assert_eq!(result.status, Identification::Identified);
        let alice = result.identity.unwrap();
        assert_eq!(
            (alice.id.as_str(), alice.display_name.as_deref()),
            ("alice-smith", Some("Alice Smith"))
        );
        let carol = d.resolve("+15550004", "sms").identity.unwrap();
        let numbers: Vec<&str> = carol.addresses.iter().map(|a| a.address.as_str()).collect();
        assert_eq!(numbers, ["+15550003", "+15550004"]);
        assert_eq!(carol.addresses[0].channel_type, "sms");
    }

    #[test]
    fn a_shared_number_is_ambiguous() {
        let d = Directory::parse(DIRECTORY).unwrap();
        let result = d.resolve("+15550003", "whatsapp");
        assert_eq!(result.status, Identification::Ambiguous);
        assert!(result.identity.is_none());
        let ids: Vec<&str> = result.candidates.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["carol", "dave"]);
    }

    #[test]
    fn other_numbers_are_unknown() {
        let d = Directory::parse(DIRECTORY).unwrap();
        assert_eq!(
            d.resolve("+15559999", "sms").status,
            Identification::Unknown
        );
        assert_eq!(
            d.resolve("alice@example.com", "email").status,
            Identification::Unknown
        );
        assert_eq!(d.resolve("15550001", "sms").status, Identification::Unknown);
    }

    #[test]
    fn malformed_entries_are_errors_naming_them() {
        let err = Directory::parse("+15550001 Alice").unwrap_err();
        assert!(err.contains("+15550001 Alice"), "{err}");
        assert!(Directory::parse("abc=Alice").is_err());
        assert!(Directory::parse("+15550001=").is_err());
        assert_eq!(Directory::parse(" ; \n ").unwrap(), Directory::default());
    }

    #[test]
    fn names_become_ids() {
        assert_eq!(slug("  Dr. Alice  Smith-Jones "), "dr-alice-smith-jones");
    }

    #[test]
    fn resolver_reads_the_directory_and_channel_types() {
        let ctx = RoomContext::fixed(RoomView::new("r"), vec![], vec![]);
        let message = || InboundMessage::text("sms-1", "+15550002", "hi");
        assert!(PhoneIdentity::resolve(message(), "sms".into(), &ctx).is_err());
        testing::set_config("directory", DIRECTORY);
        let result = PhoneIdentity::resolve(message(), "sms".into(), &ctx).unwrap();
        assert_eq!(result.identity.map(|i| i.id), Some("bob".to_owned()));
        testing::set_config("channel_types", "whatsapp, voice");
        let result = PhoneIdentity::resolve(message(), "sms".into(), &ctx).unwrap();
        assert_eq!(result.status, Identification::Unknown);
    }
}
