//! Sinch's callback signature (the SMS API's signed callbacks, as Sinch's SDKs check them):
//!
//! ```text
//! x-sinch-webhook-signature           = Base64(HMAC-SHA256(secret, body + "." + nonce + "." + timestamp))
//! x-sinch-webhook-signature-nonce     = a random value, unique per callback
//! x-sinch-webhook-signature-timestamp = Unix seconds when it was signed
//! x-sinch-webhook-signature-algorithm = HmacSHA256
//! ```
//!
//! The secret's UTF-8 bytes are the HMAC key; the body is the raw request body, byte for byte.
//! A callback is accepted when the algorithm is `HmacSHA256` (or not named), the timestamp is
//! within the tolerance of now (replays of old callbacks fail), and the signature matches,
//! compared in constant time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The signature header.
pub const SIGNATURE: &str = "x-sinch-webhook-signature";
/// The nonce header.
pub const NONCE: &str = "x-sinch-webhook-signature-nonce";
/// The timestamp header (Unix seconds).
pub const TIMESTAMP: &str = "x-sinch-webhook-signature-timestamp";
/// The algorithm header.
pub const ALGORITHM: &str = "x-sinch-webhook-signature-algorithm";

/// The signature headers of one callback.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// `x-sinch-webhook-signature`.
    pub signature: Option<&'a str>,
    /// `x-sinch-webhook-signature-nonce`.
    pub nonce: Option<&'a str>,
    /// `x-sinch-webhook-signature-timestamp`.
    pub timestamp: Option<&'a str>,
    /// `x-sinch-webhook-signature-algorithm`.
    pub algorithm: Option<&'a str>,
}

/// The Base64 signature of `body` signed with `nonce` and `timestamp`.
pub fn sign(secret: &str, body: &[u8], nonce: &str, timestamp: &str) -> String {
    STANDARD.encode(mac(secret, body, nonce, timestamp).finalize().into_bytes())
}

/// Whether the callback is signed with `secret` at a time within `tolerance_s` of `now_s`; the
/// error says why not (without the secret or the signature).
pub fn verify(
    secret: &str,
    body: &[u8],
    signed: Signed<'_>,
    now_s: u64,
    tolerance_s: u64,
) -> Result<(), String> {
    if secret.is_empty() {
        return Err("config key `webhook_secret` is not set".to_owned());
    }
    if let Some(algorithm) = signed.algorithm
        && !algorithm.trim().eq_ignore_ascii_case("HmacSHA256")
    {
        return Err(format!(
            "{ALGORITHM} is {algorithm:?}; only HmacSHA256 is accepted"
        ));
    }
    let signature = signed.signature.ok_or(format!("no {SIGNATURE} header"))?;
    let nonce = signed.nonce.ok_or(format!("no {NONCE} header"))?;
    let timestamp = signed.timestamp.ok_or(format!("no {TIMESTAMP} header"))?;
    let at = timestamp
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("{TIMESTAMP} {timestamp:?} is not Unix seconds"))?;
    if at.abs_diff(now_s) > tolerance_s {
        return Err(format!(
            "{TIMESTAMP} {at} is more than {tolerance_s} s from now ({now_s})"
        ));
    }
    let digest = STANDARD
        .decode(signature.trim())
        .map_err(|_| format!("{SIGNATURE} is not Base64"))?;
    mac(secret, body, nonce, timestamp)
        .verify_slice(&digest)
        .map_err(|_| "the signature does not match the body".to_owned())
}

fn mac(secret: &str, body: &[u8], nonce: &str, timestamp: &str) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(body);
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector of Sinch's own SDK tests (sinch-sdk-dotnet, `WebhooksTests.ValidateRequest`),
    /// signed by Sinch's platform with the same scheme.
    const BODY: &str = r#"{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}"#;
    const SECRET: &str = "foo_secret1234";
    const NONCE_V: &str = "01FJA8B4A7BM43YGWSG9GBV067";
    const TS: &str = "1634579353";
    const SIG: &str = "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=";

    fn signed<'a>(signature: &'a str, timestamp: &'a str) -> Signed<'a> {
        Signed {
            signature: Some(signature),
            nonce: Some(NONCE_V),
            timestamp: Some(timestamp),
            algorithm: Some("HmacSHA256"),
        }
    }

    #[test]
    fn sinchs_published_vector_is_reproduced_and_accepted() {
        assert_eq!(sign(SECRET, BODY.as_bytes(), NONCE_V, TS), SIG);
        assert_eq!(
            verify(SECRET, BODY.as_bytes(), signed(SIG, TS), 1_634_579_353, 300),
            Ok(())
        );
        // Within the tolerance either side.
        assert!(verify(SECRET, BODY.as_bytes(), signed(SIG, TS), 1_634_579_653, 300).is_ok());
        assert!(verify(SECRET, BODY.as_bytes(), signed(SIG, TS), 1_634_579_053, 300).is_ok());
    }

    #[test]
    fn a_changed_body_timestamp_nonce_or_secret_is_refused() {
        let now = 1_634_579_353;
        let tampered = BODY.replace("New Test Contact", "New Test Contacts");
        let error = verify(SECRET, tampered.as_bytes(), signed(SIG, TS), now, 300).unwrap_err();
        assert_eq!(error, "the signature does not match the body");
        // Another timestamp inside the tolerance: signed data changes, signature fails.
        let error =
            verify(SECRET, BODY.as_bytes(), signed(SIG, "1634579354"), now, 300).unwrap_err();
        assert_eq!(error, "the signature does not match the body");
        let mut other_nonce = signed(SIG, TS);
        other_nonce.nonce = Some("01FJA8B4A7BM43YGWSG9GBV068");
        assert!(verify(SECRET, BODY.as_bytes(), other_nonce, now, 300).is_err());
        assert!(verify("foo_secret1235", BODY.as_bytes(), signed(SIG, TS), now, 300).is_err());
    }

    #[test]
    fn old_or_future_timestamps_fail_even_when_signed() {
        let error =
            verify(SECRET, BODY.as_bytes(), signed(SIG, TS), 1_634_579_654, 300).unwrap_err();
        assert_eq!(
            error,
            "x-sinch-webhook-signature-timestamp 1634579353 is more than 300 s from now (1634579654)"
        );
        assert!(verify(SECRET, BODY.as_bytes(), signed(SIG, TS), 1_634_579_052, 300).is_err());
    }

    #[test]
    fn missing_or_malformed_headers_are_refused_with_the_reason() {
        let now = 1_634_579_353;
        let cases: [(Signed<'_>, &str); 6] = [
            (
                Signed {
                    signature: None,
                    ..signed(SIG, TS)
                },
                "no x-sinch-webhook-signature header",
            ),
            (
                Signed {
                    nonce: None,
                    ..signed(SIG, TS)
                },
                "no x-sinch-webhook-signature-nonce header",
            ),
            (
                Signed {
                    timestamp: None,
                    ..signed(SIG, TS)
                },
                "no x-sinch-webhook-signature-timestamp header",
            ),
            (
                signed(SIG, "yesterday"),
                "x-sinch-webhook-signature-timestamp \"yesterday\" is not Unix seconds",
            ),
            (signed("%%%", TS), "x-sinch-webhook-signature is not Base64"),
            (
                Signed {
                    algorithm: Some("HmacSHA1"),
                    ..signed(SIG, TS)
                },
                "x-sinch-webhook-signature-algorithm is \"HmacSHA1\"; only HmacSHA256 is accepted",
            ),
        ];
        for (headers, reason) in cases {
            assert_eq!(
                verify(SECRET, BODY.as_bytes(), headers, now, 300),
                Err(reason.to_owned())
            );
        }
        // No algorithm header: HmacSHA256 is assumed.
        let unnamed = Signed {
            algorithm: None,
            ..signed(SIG, TS)
        };
        assert!(verify(SECRET, BODY.as_bytes(), unnamed, now, 300).is_ok());
        assert!(verify("", BODY.as_bytes(), signed(SIG, TS), now, 300).is_err());
    }
}
