//! The built-in `sse` source: a Server-Sent Events stream whose events become inbound messages
//! (seed 002's `SSESource`). It sends `Last-Event-ID` when it reconnects, so a server that
//! supports it resumes where the stream broke; event ids also serve as idempotency keys, so an
//! event a server sends twice is stored once.

use std::sync::Mutex;

use async_trait::async_trait;
use futures_util::StreamExt;
use roomkit_kit::{Emitter, InboundMessage, SourceProvider};
use roomkit_tls::TrustedRoots;
use tokio::sync::watch;

use super::{MAX_MESSAGE_BYTES, default_message, emit_or_log, with_causes};

/// How long to wait for the server's response headers.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A Server-Sent Events source.
pub struct SseSource {
    channel_id: String,
    url: String,
    headers: reqwest::header::HeaderMap,
    client: reqwest::Client,
    last_event_id: Mutex<Option<String>>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for SseSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseSource")
            .field("channel_id", &self.channel_id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl SseSource {
    /// A source reading `url` for channel `channel_id`, sending `headers` (e.g.
    /// `Authorization`) and resuming after `last_event_id` if given; https trusts `roots`.
    pub fn new(
        channel_id: impl Into<String>,
        url: impl Into<String>,
        headers: reqwest::header::HeaderMap,
        last_event_id: Option<String>,
        roots: &TrustedRoots,
    ) -> Result<Self, String> {
        let url = url.into();
        let parsed = reqwest::Url::parse(&url).map_err(|e| format!("url {url:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("url {url:?}: the scheme must be http or https"));
        }
        let mut client = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT);
        for der in roots.extra() {
            let cert = reqwest::Certificate::from_der(der)
                .map_err(|e| format!("trusted certificate: {e}"))?;
            client = client.add_root_certificate(cert);
        }
        let client = client.build().map_err(|e| format!("http client: {e}"))?;
        Ok(SseSource {
            channel_id: channel_id.into(),
            url,
            headers,
            client,
            last_event_id: Mutex::new(last_event_id),
            stop: watch::Sender::new(false),
        })
    }

    /// The id of the last event received (sent as `Last-Event-ID` on reconnect).
    pub fn last_event_id(&self) -> Option<String> {
        self.last_event_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn request(&self) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .get(&self.url)
            .header("accept", "text/event-stream")
            .header("cache-control", "no-cache")
            .headers(self.headers.clone());
        if let Some(id) = self.last_event_id() {
            request = request.header("last-event-id", id);
        }
        request
    }

    /// Reads the stream until it ends, fails or the source is stopped.
    async fn read(&self, emitter: &Emitter) -> Result<(), String> {
        let response = tokio::time::timeout(CONNECT_TIMEOUT, self.request().send())
            .await
            .map_err(|_| format!("{}: no response in {CONNECT_TIMEOUT:?}", self.url))?
            .map_err(|e| format!("{}: {}", self.url, with_causes(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{}: status {status}", self.url));
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.starts_with("text/event-stream") {
            return Err(format!(
                "{}: content-type {content_type:?} is not text/event-stream",
                self.url
            ));
        }
        emitter.connected();
        let mut parser = EventParser::default();
        let mut body = response.bytes_stream();
        let mut stop = self.stop.subscribe();
        loop {
            let chunk = tokio::select! {
                chunk = body.next() => chunk,
                _ = stop.wait_for(|stopped| *stopped) => return Ok(()),
            };
            let chunk = match chunk {
                Some(Ok(chunk)) => chunk,
                Some(Err(e)) => return Err(format!("{}: {}", self.url, with_causes(&e))),
                None => return Err(format!("{}: the server ended the stream", self.url)),
            };
            for event in parser.feed(&chunk)? {
                if let Some(id) = &event.id {
                    *self.last_event_id.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(id.clone());
                }
                // Events of other types (ping, heartbeat, …) carry no message.
                if let Some(message) = to_message(&self.channel_id, &event).transpose() {
                    emit_or_log(emitter, &self.channel_id, "sse", message).await;
                }
            }
        }
    }
}

#[async_trait]
impl SourceProvider for SseSource {
    fn name(&self) -> String {
        format!("sse:{}", self.url)
    }

    async fn start(&self, emitter: Emitter) -> Result<(), String> {
        self.stop.send_replace(false);
        self.read(&emitter).await
    }

    async fn stop(&self) {
        self.stop.send_replace(true);
    }
}

/// One dispatched event of the stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field (empty when absent).
    pub event: String,
    /// The `data:` lines joined with newlines.
    pub data: String,
    /// The `id:` field in force for this event.
    pub id: Option<String>,
}

/// The event-stream format (WHATWG HTML §9.2): lines ending in CR, LF or CRLF; `field: value`;
/// comments start with `:`; a blank line dispatches the event gathered so far.
#[derive(Debug, Default)]
pub struct EventParser {
    line: Vec<u8>,
    after_cr: bool,
    event: String,
    data: Option<String>,
    id: Option<String>,
    pending_bytes: usize,
}

impl EventParser {
    /// Feeds bytes; returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, String> {
        let mut events = Vec::new();
        for &byte in bytes {
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue; // the LF of a CRLF
                }
            }
            match byte {
                b'\r' | b'\n' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.line_ended(&line) {
                        events.push(event);
                    }
                }
                _ => {
                    self.pending_bytes += 1;
                    if self.pending_bytes > MAX_MESSAGE_BYTES {
                        return Err(format!("an event exceeds {MAX_MESSAGE_BYTES} bytes"));
                    }
                    self.line.push(byte);
                }
            }
        }
        Ok(events)
    }

    fn line_ended(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            self.pending_bytes = 0;
            let event = std::mem::take(&mut self.event);
            let data = self.data.take()?;
            return Some(SseEvent {
                event,
                data,
                id: self.id.clone(),
            });
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with(':') {
            return None; // a comment (keep-alive)
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {} // `retry` and unknown fields: the kit's supervision decides about retries
        }
        None
    }
}

/// The message an event carries: `Ok(None)` for event types that carry none (`ping`,
/// `heartbeat`, …), an error for a message event whose data is not the default payload
/// ([`default_message`]). The event's SSE id stands in for a missing `external_id`.
pub fn to_message(channel_id: &str, event: &SseEvent) -> Result<Option<InboundMessage>, String> {
    if !matches!(event.event.as_str(), "" | "message" | "msg" | "chat") {
        return Ok(None);
    }
    let mut message = default_message(channel_id, &event.data, event.id.clone())?;
    message.provider = Some("sse".to_owned());
    Ok(Some(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_model::Content;

    fn events(chunks: &[&str]) -> Vec<SseEvent> {
        let mut parser = EventParser::default();
        chunks
            .iter()
            .flat_map(|c| parser.feed(c.as_bytes()).unwrap())
            .collect()
    }

    #[test]
    fn events_are_dispatched_on_blank_lines_whatever_the_line_endings() {
        let got = events(&[
            ": keep-alive\n\nid: 1\ndata: {\"a\":1}\n\n",
            "event: ping\r\ndata: x\r\n\r\n",
            "id: 3\rdata: line one\rdata: line two\r\r",
        ]);
        assert_eq!(
            got,
            vec![
                SseEvent {
                    event: String::new(),
                    data: "{\"a\":1}".into(),
                    id: Some("1".into()),
                },
                SseEvent {
                    event: "ping".into(),
                    data: "x".into(),
                    id: Some("1".into()),
                },
                SseEvent {
                    event: String::new(),
                    data: "line one\nline two".into(),
                    id: Some("3".into()),
                },
            ]
        );
    }

    #[test]
    fn an_event_split_across_chunks_is_put_back_together() {
        let got = events(&["da", "ta: hel", "lo\r", "\n\r", "\n"]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, "hello");
    }

    #[test]
    fn an_oversized_event_is_refused() {
        let mut parser = EventParser::default();
        let huge = format!("data: {}", "x".repeat(MAX_MESSAGE_BYTES));
        let err = parser.feed(huge.as_bytes()).unwrap_err();
        assert_eq!(err, format!("an event exceeds {MAX_MESSAGE_BYTES} bytes"));
    }

    #[test]
    fn the_default_payload_becomes_an_inbound_message() {
        let event = SseEvent {
            event: "chat".into(),
            data: r#"{"sender_id":"u1","text":"hi","external_id":"m-9","metadata":{"k":"v"}}"#
                .into(),
            id: Some("41".into()),
        };
        let message = to_message("alerts", &event).unwrap().unwrap();
        assert_eq!(message.channel_id, "alerts");
        assert_eq!(message.sender_id, "u1");
        assert_eq!(message.content, Content::text("hi"));
        assert_eq!(message.idempotency_key.as_deref(), Some("m-9"));
        assert_eq!(message.provider_message_id.as_deref(), Some("m-9"));
        assert_eq!(message.metadata["k"], "v");
    }

    #[test]
    fn other_event_types_carry_nothing_and_bad_data_is_an_error() {
        let ping = SseEvent {
            event: "heartbeat".into(),
            data: "{}".into(),
            id: None,
        };
        assert_eq!(to_message("c", &ping).unwrap(), None);
        let bad = SseEvent {
            event: String::new(),
            data: "not json".into(),
            id: None,
        };
        assert!(
            to_message("c", &bad)
                .unwrap_err()
                .starts_with("not a message: ")
        );
    }
}
