//! `roomkit dev sink`: a stand-in for the system on the other side of a webhook channel. It
//! accepts the POSTs the `webhook-provider` plugin delivers, checks their HMAC-SHA256 signature
//! and prints one JSON line per delivery (`{"verified":true,"event":{…}}`), so a walkthrough or
//! a test can see exactly what a customer-side system would receive.

use std::io::{BufWriter, Stdout, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a delivery's line may wait in the output buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(50);

/// What the sink checks, and where it prints.
#[derive(Debug)]
struct Sink {
    secret: Option<String>,
    header: String,
    /// Lines go out in batches: a write (and a flush) per delivery cost more than the rest of
    /// receiving it under load.
    out: Mutex<BufWriter<Stdout>>,
}

impl Sink {
    fn print(&self, line: &serde_json::Value) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // A closed stdout only loses the printout; the delivery's answer stands.
        let _ = serde_json::to_writer(&mut *out, line);
        let _ = out.write_all(b"\n");
    }

    fn flush(&self) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.flush();
    }
}

/// Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `secret`.
pub fn signature_matches(secret: &str, body: &[u8], signature: &str) -> bool {
    let Some(hex) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Some(expected) = decode_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

async fn receive(State(sink): State<Arc<Sink>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let verified = sink.secret.as_deref().map(|secret| {
        headers
            .get(&sink.header)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|signature| signature_matches(secret, &body, signature))
    });
    let event = serde_json::from_slice::<serde_json::Value>(&body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&body).into()));
    sink.print(&serde_json::json!({ "verified": verified, "event": event }));
    match verified {
        Some(false) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::OK,
    }
}

/// Listens on `listen` until ctrl-c or SIGTERM.
pub async fn run(listen: SocketAddr, secret: Option<String>, header: String) -> Result<()> {
    let sink = Arc::new(Sink {
        secret,
        header: header.to_ascii_lowercase(),
        out: Mutex::new(BufWriter::with_capacity(64 * 1024, std::io::stdout())),
    });
    let app = Router::new()
        .fallback(post(receive))
        .with_state(Arc::clone(&sink));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let shutdown = crate::serve::shutdown_signal();
    // On stderr: stdout carries only the deliveries, one JSON line each (pipe it into jq).
    eprintln!(
        "roomkit sink listening on http://{}",
        listener.local_addr()?
    );
    let flusher = {
        let sink = Arc::clone(&sink);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            loop {
                tick.tick().await;
                sink.flush();
            }
        })
    };
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    flusher.abort();
    sink.flush();
    served?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::signature_matches;

    #[test]
    fn signatures_are_checked_against_the_body_and_secret() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style
        // test vector from Wikipedia.
        let good = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
        let body = b"The quick brown fox jumps over the lazy dog";
        assert!(signature_matches("key", body, good));
        assert!(!signature_matches("other", body, good));
        assert!(!signature_matches("key", b"tampered", good));
        assert!(!signature_matches("key", body, &good[7..]));
        assert!(!signature_matches("key", body, "sha256=zz"));
    }
}
