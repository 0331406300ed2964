//! Telnyx's webhook signature: Ed25519 over `{telnyx-timestamp}|{raw body}`, sent base64 in
//! `telnyx-signature-ed25519`, checked against the account's public key (32 bytes, base64 as
//! Telnyx's portal shows it). `telnyx-timestamp` is the sending time in Unix seconds; one
//! further than the tolerance from now, before or after, is refused, so a captured request
//! cannot be replayed later.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, VerifyingKey};
use roomkit_sdk::WebhookRequest;

/// The header carrying the base64 signature.
pub const SIGNATURE_HEADER: &str = "telnyx-signature-ed25519";
/// The header carrying the Unix time the request was signed at.
pub const TIMESTAMP_HEADER: &str = "telnyx-timestamp";

/// Why a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The configured public key is not 32 bytes of base64 or not a curve point.
    BadPublicKey(String),
    /// A header is missing.
    MissingHeader(&'static str),
    /// The signature header is not 64 bytes of base64.
    BadSignature,
    /// The timestamp header is not a whole number of seconds.
    BadTimestamp(String),
    /// The timestamp is further from now than the tolerance.
    Stale {
        /// The request's timestamp.
        timestamp: u64,
        /// Now, in Unix seconds.
        now: u64,
        /// The tolerance in seconds.
        tolerance_s: u64,
    },
    /// The signature does not match the timestamp and body.
    Mismatch,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::BadPublicKey(why) => write!(f, "config `public_key` is unusable: {why}"),
            Refusal::MissingHeader(name) => write!(f, "header {name} is missing"),
            Refusal::BadSignature => {
                write!(f, "header {SIGNATURE_HEADER} is not 64 bytes of base64")
            }
            Refusal::BadTimestamp(value) => write!(
                f,
                "header {TIMESTAMP_HEADER} {value:?} is not a Unix time in seconds"
            ),
            Refusal::Stale {
                timestamp,
                now,
                tolerance_s,
            } => write!(
                f,
                "header {TIMESTAMP_HEADER} {timestamp} is {}s from now ({now}); at most {tolerance_s}s is accepted",
                timestamp.abs_diff(*now)
            ),
            Refusal::Mismatch => write!(
                f,
                "the signature does not match the timestamp and body (or another key signed it)"
            ),
        }
    }
}

/// The public key from its base64 text (surrounding spaces ignored).
pub fn public_key(base64_text: &str) -> Result<VerifyingKey, Refusal> {
    let bytes = STANDARD
        .decode(base64_text.trim())
        .map_err(|e| Refusal::BadPublicKey(format!("not base64 ({e})")))?;
    let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
        Refusal::BadPublicKey(format!(
            "an Ed25519 public key is 32 bytes, this is {}",
            bytes.len()
        ))
    })?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Refusal::BadPublicKey("not a point of the Ed25519 curve".to_owned()))
}

/// Checks `request` as Telnyx signs it, at time `now` (Unix seconds).
pub fn verify(
    public_key_base64: &str,
    request: &WebhookRequest,
    now: u64,
    tolerance_s: u64,
) -> Result<(), Refusal> {
    let key = public_key(public_key_base64)?;
    let signature = request
        .header(SIGNATURE_HEADER)
        .ok_or(Refusal::MissingHeader(SIGNATURE_HEADER))?;
    let timestamp_text = request
        .header(TIMESTAMP_HEADER)
        .ok_or(Refusal::MissingHeader(TIMESTAMP_HEADER))?;

    let signature = STANDARD
        .decode(signature.trim())
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes.as_slice()).ok())
        .map(|bytes| Signature::from_bytes(&bytes))
        .ok_or(Refusal::BadSignature)?;

    // Digits only: `+5` or ` 5` would parse but is not what Telnyx sends, and the signed text
    // is the header exactly as it came.
    let timestamp = Some(timestamp_text)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u64>().ok())
        .ok_or_else(|| Refusal::BadTimestamp(timestamp_text.to_owned()))?;
    if timestamp.abs_diff(now) > tolerance_s {
        return Err(Refusal::Stale {
            timestamp,
            now,
            tolerance_s,
        });
    }

    let mut signed = Vec::with_capacity(timestamp_text.len() + 1 + request.body.len());
    signed.extend_from_slice(timestamp_text.as_bytes());
    signed.push(b'|');
    signed.extend_from_slice(&request.body);
    key.verify_strict(&signed, &signature)
        .map_err(|_| Refusal::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use roomkit_sdk::types::Header;

    /// RFC 8032 §7.1, TEST 1: the secret key and the public key it derives.
    const RFC8032_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC8032_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    /// RFC 8032 §7.1, TEST 1: the signature of the empty message.
    const RFC8032_EMPTY_SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    fn unhex<const N: usize>(hex: &str) -> [u8; N] {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        bytes.try_into().unwrap()
    }

    fn rfc_key() -> SigningKey {
        SigningKey::from_bytes(&unhex::<32>(RFC8032_SECRET))
    }

    fn rfc_public_base64() -> String {
        STANDARD.encode(unhex::<32>(RFC8032_PUBLIC))
    }

    const NOW: u64 = 1_733_500_000;
    const BODY: &str =
        r#"{"data":{"event_type":"message.received","id":"e-1","payload":{"id":"m-1"}}}"#;

    fn request(signature: Option<String>, timestamp: Option<&str>, body: &str) -> WebhookRequest {
        let mut headers = vec![Header {
            name: "content-type".into(),
            value: "application/json".into(),
        }];
        if let Some(value) = signature {
            headers.push(Header {
                name: SIGNATURE_HEADER.into(),
                value,
            });
        }
        if let Some(value) = timestamp {
            headers.push(Header {
                name: TIMESTAMP_HEADER.into(),
                value: value.into(),
            });
        }
        WebhookRequest {
            channel_id: "sms".into(),
            method: "POST".into(),
            path: "/v1/webhooks/sms".into(),
            query: String::new(),
            public_url: "https://desk.example.com/v1/webhooks/sms".into(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    /// Signs as Telnyx does, with the RFC 8032 key.
    fn signed(timestamp: &str, body: &str) -> WebhookRequest {
        let signature = rfc_key().sign(format!("{timestamp}|{body}").as_bytes());
        request(
            Some(STANDARD.encode(signature.to_bytes())),
            Some(timestamp),
            body,
        )
    }

    #[test]
    fn the_rfc8032_key_gives_the_rfc8032_answers() {
        // The test's signer is the RFC's: its public key and the signature of the empty message
        // are the ones RFC 8032 prints, so vectors made with it are independent of the verifier.
        let key = rfc_key();
        assert_eq!(key.verifying_key().to_bytes(), unhex::<32>(RFC8032_PUBLIC));
        assert_eq!(
            key.sign(b"").to_bytes(),
            unhex::<64>(RFC8032_EMPTY_SIGNATURE)
        );
        assert_eq!(
            rfc_public_base64(),
            "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        );
    }

    #[test]
    fn a_signature_telnyx_would_send_is_accepted() {
        let ts = NOW.to_string();
        assert_eq!(
            verify(&rfc_public_base64(), &signed(&ts, BODY), NOW, 300),
            Ok(())
        );
        // Within the tolerance either way.
        let early = (NOW - 300).to_string();
        assert_eq!(
            verify(&rfc_public_base64(), &signed(&early, BODY), NOW, 300),
            Ok(())
        );
        let late = (NOW + 300).to_string();
        assert_eq!(
            verify(&rfc_public_base64(), &signed(&late, BODY), NOW, 300),
            Ok(())
        );
        // The key as the portal shows it may come with spaces around it.
        let padded = format!(" {}\n", rfc_public_base64());
        assert_eq!(verify(&padded, &signed(&ts, BODY), NOW, 300), Ok(()));
    }

    #[test]
    fn a_known_answer_signature_is_accepted() {
        // The signature of "1733500000|{}" under the RFC 8032 TEST 1 key, made outside this
        // crate (Python's `cryptography`, OpenSSL underneath: `Ed25519PrivateKey.
        // from_private_bytes(secret).sign(b"1733500000|{}")`) and written down.
        const SIGNATURE: &str = "4Ov3RYTqbgGGsrugzoN3TBDaUO5UI0omy80XTJN6aTG0N5GaM+0ymWPaULM+jL1t70eudLbImEUvTmbqWohGBA==";
        let req = request(Some(SIGNATURE.into()), Some("1733500000"), "{}");
        assert_eq!(verify(&rfc_public_base64(), &req, NOW, 300), Ok(()));
        let mut tampered = req.clone();
        tampered.body = b"{ }".to_vec();
        assert_eq!(
            verify(&rfc_public_base64(), &tampered, NOW, 300),
            Err(Refusal::Mismatch)
        );
        // The crate's signer agrees, so the other tests' vectors are Telnyx's format too.
        assert_eq!(
            STANDARD.encode(rfc_key().sign(b"1733500000|{}").to_bytes()),
            SIGNATURE
        );
    }

    #[test]
    fn a_changed_body_or_timestamp_is_refused() {
        let ts = NOW.to_string();
        let mut req = signed(&ts, BODY);
        req.body = BODY.replace("m-1", "m-2").into_bytes();
        assert_eq!(
            verify(&rfc_public_base64(), &req, NOW, 300),
            Err(Refusal::Mismatch)
        );

        let mut req = signed(&ts, BODY);
        for h in &mut req.headers {
            if h.name == TIMESTAMP_HEADER {
                h.value = (NOW + 1).to_string();
            }
        }
        assert_eq!(
            verify(&rfc_public_base64(), &req, NOW, 300),
            Err(Refusal::Mismatch)
        );

        // Another account's key.
        let other = SigningKey::from_bytes(&[7u8; 32]);
        let other_public = STANDARD.encode(other.verifying_key().to_bytes());
        assert_eq!(
            verify(&other_public, &signed(&ts, BODY), NOW, 300),
            Err(Refusal::Mismatch)
        );
    }

    #[test]
    fn an_old_or_future_timestamp_is_refused_even_when_signed() {
        let old = (NOW - 301).to_string();
        let refusal = verify(&rfc_public_base64(), &signed(&old, BODY), NOW, 300).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::Stale {
                timestamp: NOW - 301,
                now: NOW,
                tolerance_s: 300
            }
        );
        assert_eq!(
            refusal.to_string(),
            "header telnyx-timestamp 1733499699 is 301s from now (1733500000); at most 300s is accepted"
        );
        let future = (NOW + 301).to_string();
        assert!(matches!(
            verify(&rfc_public_base64(), &signed(&future, BODY), NOW, 300),
            Err(Refusal::Stale { .. })
        ));
        // A tighter tolerance from the config.
        let ts = (NOW - 10).to_string();
        assert!(matches!(
            verify(&rfc_public_base64(), &signed(&ts, BODY), NOW, 5),
            Err(Refusal::Stale { .. })
        ));
    }

    #[test]
    fn missing_and_malformed_headers_are_refused_with_the_reason() {
        let ts = NOW.to_string();
        let good = signed(&ts, BODY);
        let sig = good.header(SIGNATURE_HEADER).unwrap().to_owned();
        let key = rfc_public_base64();
        assert_eq!(
            verify(&key, &request(None, Some(&ts), BODY), NOW, 300),
            Err(Refusal::MissingHeader(SIGNATURE_HEADER))
        );
        assert_eq!(
            verify(&key, &request(Some(sig.clone()), None, BODY), NOW, 300),
            Err(Refusal::MissingHeader(TIMESTAMP_HEADER))
        );
        for bad in ["", "not base64!", "AAAA", &sig[..sig.len() - 4]] {
            assert_eq!(
                verify(&key, &request(Some(bad.into()), Some(&ts), BODY), NOW, 300),
                Err(Refusal::BadSignature),
                "{bad:?}"
            );
        }
        for bad in [
            "",
            "soon",
            "+1733500000",
            " 1733500000",
            "1733500000.5",
            "-5",
        ] {
            assert_eq!(
                verify(&key, &request(Some(sig.clone()), Some(bad), BODY), NOW, 300),
                Err(Refusal::BadTimestamp(bad.into())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_unusable_public_key_is_named() {
        let ts = NOW.to_string();
        let req = signed(&ts, BODY);
        let refusal = verify("not base64!", &req, NOW, 300).unwrap_err();
        assert!(matches!(refusal, Refusal::BadPublicKey(_)));
        assert!(
            refusal
                .to_string()
                .starts_with("config `public_key` is unusable: not base64")
        );
        assert_eq!(
            verify(&STANDARD.encode([1u8; 31]), &req, NOW, 300)
                .unwrap_err()
                .to_string(),
            "config `public_key` is unusable: an Ed25519 public key is 32 bytes, this is 31"
        );
    }

    #[test]
    fn header_names_are_matched_without_regard_to_case() {
        let ts = NOW.to_string();
        let mut req = signed(&ts, BODY);
        for h in &mut req.headers {
            h.name = h.name.to_uppercase();
        }
        assert_eq!(verify(&rfc_public_base64(), &req, NOW, 300), Ok(()));
    }
}
