//! `x-roomkit-signature: sha256=<hex>`: HMAC-SHA256 of the body with the shared secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header value for `body`: `sha256=` and the lower-case hex of the HMAC.
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex(&mac(secret, body).finalize().into_bytes()))
}

/// Whether `header` is the signature of `body`. The comparison takes the same time however
/// much of the signature is right (`verify_slice`).
pub fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(digest) = header.trim().strip_prefix("sha256=").and_then(unhex) else {
        return false;
    };
    mac(secret, body).verify_slice(&digest).is_ok()
}

fn mac(secret: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail; an empty key is refused earlier.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(body);
    mac
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    text
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac() {
        // RFC 4231 test case 2.
        let header = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            header,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verify_accepts_the_signature_and_nothing_else() {
        let header = sign("s3cret", b"{\"text\":\"hi\"}");
        assert!(verify("s3cret", b"{\"text\":\"hi\"}", &header));
        assert!(verify(
            "s3cret",
            b"{\"text\":\"hi\"}",
            &header.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(!verify("other", b"{\"text\":\"hi\"}", &header));
        assert!(!verify("s3cret", b"{\"text\":\"ho\"}", &header));
        assert!(!verify("s3cret", b"{\"text\":\"hi\"}", &header[7..]));
        assert!(!verify("s3cret", b"{\"text\":\"hi\"}", "sha256=zz"));
        assert!(!verify(
            "s3cret",
            b"{\"text\":\"hi\"}",
            &header[..header.len() - 2]
        ));
    }
}
