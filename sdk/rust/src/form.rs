//! `application/x-www-form-urlencoded` bodies and query strings, as services such as Twilio
//! send and expect them.
//!
//! ```
//! use roomkit_sdk::form;
//!
//! let body = form::encode([("To", "+14185551234"), ("Body", "hi & bye")]);
//! assert_eq!(body, "To=%2B14185551234&Body=hi+%26+bye");
//! assert_eq!(form::decode(body.as_bytes())[1], ("Body".to_owned(), "hi & bye".to_owned()));
//! ```

/// The pairs of a form body or query string, percent-decoded (`+` as space), in order.
/// Invalid UTF-8 is replaced.
pub fn decode(input: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(input)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A form body (or query string) of `pairs`, in order.
pub fn encode<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k.as_ref(), v.as_ref());
    }
    serializer.finish()
}

/// The first value of `name` among `pairs`.
pub fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
