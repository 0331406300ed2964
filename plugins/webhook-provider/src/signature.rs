//! `x-roomkit-signature: sha256=<hex>`: HMAC-SHA256 of the body with the shared secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header value for `body`: `sha256=` and the lower-case hex of the HMAC.
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex(&mac(secret, body).finalize().into_bytes()))
}

/// Whether `header` is the signature of `body`. The body is hashed where it lies (one pass of
/// HMAC-SHA256, no copy), the header's hex is read into a fixed array, and the comparison
/// takes the same time however much of the signature is right (`verify_slice`).
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

/// The 32 bytes written as 64 hex digits (either case) in `text`.
fn unhex(text: &str) -> Option<[u8; 32]> {
    let digits: &[u8; 64] = text.as_bytes().try_into().ok()?;
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(bytes)
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
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
        assert!(!verify(
            "s3cret",
            b"{\"text\":\"hi\"}",
            &format!("{header}00")
        ));
        let not_hex = format!("sha256={}", "g".repeat(64));
        assert!(!verify("s3cret", b"{\"text\":\"hi\"}", &not_hex));
    }

    #[test]
    fn a_megabyte_body_is_verified_and_a_changed_byte_refused() {
        let mut body = vec![b'x'; 1 << 20];
        let header = sign("s3cret", &body);
        assert!(verify("s3cret", &body, &header));
        body[(1 << 20) - 1] = b'y';
        assert!(!verify("s3cret", &body, &header));
    }
}
