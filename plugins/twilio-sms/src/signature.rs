//! `X-Twilio-Signature`: how Twilio signs the webhooks it sends.
//!
//! The signature is the base64 of HMAC-SHA1, keyed with the account's auth token, over the URL
//! Twilio called (scheme, host, path and query, exactly as configured in Twilio) followed by
//! every POST parameter, sorted by name (then value), each written as name then value with
//! nothing between. A GET request, and a request whose URL carries a `bodySHA256` query
//! parameter (Twilio's JSON webhooks), sign the URL alone; for the latter the lower-case hex
//! SHA-256 of the raw body must equal `bodySHA256`.
//!
//! Twilio's helper libraries accept a URL signed with or without the scheme's default port
//! (`https://host/…` and `https://host:443/…`), since a proxy may add or drop it; so does
//! [`verify`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use roomkit_sdk::{WebhookRequest, form};
use sha1::Sha1;
use sha2::{Digest, Sha256};

type HmacSha1 = Hmac<Sha1>;

/// The header Twilio puts its signature in (the host gives header names in lower case).
pub const HEADER: &str = "x-twilio-signature";

/// The signature Twilio sends for a request to `url` with POST parameters `params`.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// Whether `request` carries a signature made with `auth_token` (see the module docs). The
/// comparison takes the same time however much of the signature is right (`verify_slice`).
pub fn verify(auth_token: &str, request: &WebhookRequest) -> bool {
    let Some(header) = request.header(HEADER) else {
        return false;
    };
    let Ok(signature) = STANDARD.decode(header.trim()) else {
        return false;
    };
    let query = request.query_pairs();
    let params = if let Some(expected) = form::get(&query, "bodySHA256") {
        if !body_hash_matches(&request.body, expected) {
            return false;
        }
        Vec::new()
    } else if request.method.eq_ignore_ascii_case("POST") {
        request.form_pairs()
    } else {
        Vec::new()
    };
    url_variants(&request.public_url).iter().any(|url| {
        mac(auth_token, url, &params)
            .verify_slice(&signature)
            .is_ok()
    })
}

/// The lower-case hex SHA-256 of `body`, as `bodySHA256` carries it.
pub fn body_hash(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn body_hash_matches(body: &[u8], expected: &str) -> bool {
    body_hash(body).eq_ignore_ascii_case(expected.trim())
}

fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> HmacSha1 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <HmacSha1 as Mac>::new_from_slice(auth_token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(url.as_bytes());
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// `url` as given, and with the scheme's default port dropped (when it has one) or added
/// (when it has none).
fn url_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return variants;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return variants,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // A port follows the last `:` unless that `:` is inside an IPv6 literal `[…]`.
    let port_at = authority
        .rfind(':')
        .filter(|&at| !authority[at..].contains(']'));
    let other = match port_at {
        Some(at) if authority[at + 1..].chars().all(|c| c.is_ascii_digit()) => {
            format!("{scheme}://{}{tail}", &authority[..at])
        }
        Some(_) => return variants,
        None => format!("{scheme}://{authority}:{default_port}{tail}"),
    };
    variants.push(other);
    variants
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::types::Header;

    const DOC_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    /// The worked example of Twilio's "Webhooks security" page: auth token 12345 and these
    /// parameters give `0/KCTR6DLpKmkAf8muzZqo1nDgQ=`.
    const DOC_BODY: &str = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234\
                            &From=%2B12349013030&To=%2B18005551212";
    const DOC_SIGNATURE: &str = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn request(method: &str, url: &str, body: &[u8], signature: Option<&str>) -> WebhookRequest {
        let (path, query) = match url
            .split_once("://")
            .and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
        {
            Some(p) => match p.split_once('?') {
                Some((p, q)) => (p.to_owned(), q.to_owned()),
                None => (p.to_owned(), String::new()),
            },
            None => ("/".to_owned(), String::new()),
        };
        WebhookRequest {
            channel_id: "sms".into(),
            method: method.into(),
            path,
            query,
            public_url: url.into(),
            headers: signature
                .map(|value| Header {
                    name: HEADER.into(),
                    value: value.into(),
                })
                .into_iter()
                .collect(),
            body: body.to_vec(),
        }
    }

    #[test]
    fn twilios_published_example_signs_and_verifies() {
        let params = pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(sign("12345", DOC_URL, &params), DOC_SIGNATURE);
        let mut shuffled = params.clone();
        shuffled.reverse();
        assert_eq!(sign("12345", DOC_URL, &shuffled), DOC_SIGNATURE);
        assert!(verify(
            "12345",
            &request("POST", DOC_URL, DOC_BODY.as_bytes(), Some(DOC_SIGNATURE))
        ));
    }

    #[test]
    fn twilio_pythons_vectors_for_repeated_names_and_json_bodies() {
        // twilio-python's tests/unit/test_request_validator.py: a name sent twice sorts by value.
        let repeated = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        assert_eq!(
            sign("12345", DOC_URL, &repeated),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
        // … and a JSON body: the URL carries the body's SHA-256 and alone is signed.
        let body = br#"{"property": "value", "boolean": true}"#;
        assert_eq!(
            body_hash(body),
            "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        );
        let url = format!("{DOC_URL}&bodySHA256={}", body_hash(body));
        let signed = request("POST", &url, body, Some("a9nBmqA0ju/hNViExpshrM61xv4="));
        assert!(verify("12345", &signed));
        let mut tampered = signed.clone();
        tampered.body = br#"{"property": "value", "boolean": false}"#.to_vec();
        assert!(!verify("12345", &tampered));
    }

    #[test]
    fn a_tampered_parameter_url_token_or_header_is_refused() {
        let tampered_body = DOC_BODY.replace("Digits=1234", "Digits=9999");
        let cases = [
            request(
                "POST",
                DOC_URL,
                tampered_body.as_bytes(),
                Some(DOC_SIGNATURE),
            ),
            request(
                "POST",
                &DOC_URL.replace("bar=2", "bar=3"),
                DOC_BODY.as_bytes(),
                Some(DOC_SIGNATURE),
            ),
            request(
                "POST",
                "https://evil.example.com/myapp.php?foo=1&bar=2",
                DOC_BODY.as_bytes(),
                Some(DOC_SIGNATURE),
            ),
            request(
                "POST",
                DOC_URL,
                format!("{DOC_BODY}&Extra=1").as_bytes(),
                Some(DOC_SIGNATURE),
            ),
            request("POST", DOC_URL, DOC_BODY.as_bytes(), None),
            request("POST", DOC_URL, DOC_BODY.as_bytes(), Some("")),
            request("POST", DOC_URL, DOC_BODY.as_bytes(), Some("not base64!")),
            request(
                "POST",
                DOC_URL,
                DOC_BODY.as_bytes(),
                Some(&DOC_SIGNATURE[..DOC_SIGNATURE.len() - 4]),
            ),
        ];
        for (i, case) in cases.iter().enumerate() {
            assert!(!verify("12345", case), "case {i}");
        }
        assert!(!verify(
            "54321",
            &request("POST", DOC_URL, DOC_BODY.as_bytes(), Some(DOC_SIGNATURE))
        ));
    }

    #[test]
    fn the_default_port_may_be_there_or_not() {
        let with_port = DOC_URL.replace(".com/", ".com:443/");
        assert!(verify(
            "12345",
            &request("POST", &with_port, DOC_BODY.as_bytes(), Some(DOC_SIGNATURE))
        ));
        let params = form::decode(DOC_BODY.as_bytes());
        let signed_with_port = sign("12345", &with_port, &params);
        assert!(verify(
            "12345",
            &request(
                "POST",
                DOC_URL,
                DOC_BODY.as_bytes(),
                Some(&signed_with_port)
            )
        ));
        assert_eq!(
            url_variants("http://[::1]:8080/x?y=1"),
            vec![
                "http://[::1]:8080/x?y=1".to_owned(),
                "http://[::1]/x?y=1".to_owned()
            ]
        );
        assert_eq!(
            url_variants("http://h"),
            vec!["http://h".to_owned(), "http://h:80".to_owned()]
        );
    }

    #[test]
    fn a_get_request_signs_its_url_alone() {
        let url = "https://desk.example.com/v1/webhooks/sms?MessageSid=SM1&From=%2B15550001";
        let signature = sign("12345", url, &[]);
        assert!(verify("12345", &request("GET", url, b"", Some(&signature))));
        assert!(!verify(
            "12345",
            &request("GET", &url.replace("SM1", "SM2"), b"", Some(&signature))
        ));
    }
}
