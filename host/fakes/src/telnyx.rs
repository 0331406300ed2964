//! A fake of Telnyx's Messaging API v2 and of the webhooks Telnyx sends.
//!
//! [`FakeTelnyx::start`] serves `POST /v2/messages` on 127.0.0.1 as Telnyx documents it:
//!
//! | request | answer |
//! |---|---|
//! | `Authorization: Bearer {api key}`, JSON with `to` and `from` (or `messaging_profile_id`) and `text` or `media_urls` | `200` `{"data": {"record_type": "message", "direction": "outbound", "id": <fresh UUID>, "to": [{"phone_number", "status": "queued", …}], …}}` |
//! | another or no bearer | `401` `{"errors": [{"code": "10009", "title": "Authentication failed", …}]}` |
//! | a content type other than JSON | `415`, code `10014` (Unsupported Media Type) |
//! | a body that is not a JSON object | `400`, code `10015` (Bad Request) |
//! | no `to`, no sender, nothing to send | `400`, code `10004` (Missing required parameter), `source.pointer` naming the field |
//! | any other path or method | `404`, code `10005` (Resource not found) |
//!
//! The error codes, titles and details are those of Telnyx's error list; the statuses of the
//! validation errors are the fake's choice (Telnyx documents the codes, not a status for each).
//! [`FakeTelnyx::fail_next`] makes the next sends answer as a test says (a `429` with
//! `Retry-After`, a `503`, garbage).
//!
//! The fake owns an Ed25519 key pair, made fresh for each fake. Its webhook builders
//! ([`FakeTelnyx::message_received`], [`FakeTelnyx::message_sent`],
//! [`FakeTelnyx::message_finalized`]) give the headers and body Telnyx would post, signed as
//! Telnyx signs: `telnyx-signature-ed25519` is the base64 Ed25519 signature of
//! `{telnyx-timestamp}|{body}`, `telnyx-timestamp` the Unix time in seconds. The provider under
//! test verifies them with [`FakeTelnyx::public_key_base64`], as it would with the key Telnyx's
//! portal shows.
//!
//! ```no_run
//! # async fn example() {
//! use roomkit_fakes::telnyx::FakeTelnyx;
//!
//! let telnyx = FakeTelnyx::start().await;
//! // config: api_base = telnyx.url(), api_key = FakeTelnyx::API_KEY,
//! //         public_key = telnyx.public_key_base64()
//! // … let the provider deliver …
//! let sent = telnyx.sent();
//! assert_eq!(sent[0]["to"], "+14185551234");
//! let (headers, body) = telnyx.message_received("+14185551234", "+15145550000", "hi", &[]);
//! // … POST body with headers to /v1/webhooks/{channel} …
//! # }
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{SecondsFormat, Utc};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use crate::server::{FakeServer, Recorded, Reply};

/// Headers of a webhook: names in lower case, in order.
pub type Headers = Vec<(String, String)>;

/// One entry of Telnyx's `errors` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelnyxError {
    /// Telnyx's code, e.g. `40300`.
    pub code: String,
    /// The short title.
    pub title: String,
    /// The explanation.
    pub detail: String,
}

impl TelnyxError {
    /// An error with Telnyx's `code`, `title` and `detail`.
    pub fn new(code: &str, title: &str, detail: &str) -> Self {
        TelnyxError {
            code: code.to_owned(),
            title: title.to_owned(),
            detail: detail.to_owned(),
        }
    }

    fn to_json(&self) -> Value {
        json!({"code": self.code, "title": self.title, "detail": self.detail})
    }

    /// Telnyx's answer refusing a request with this error: `{"errors": [{"code", "title",
    /// "detail", "meta": {"url"}}]}` with `status`, for [`FakeTelnyx::fail_next`].
    pub fn reply(&self, status: u16) -> Reply {
        error(status, &self.code, &self.title, &self.detail, None)
    }
}

struct State {
    api_key: String,
    /// The bodies of the messages it accepted, oldest first.
    sent: Mutex<Vec<Value>>,
    /// Answers to give the next sends instead of accepting them.
    failures: Mutex<VecDeque<Reply>>,
}

/// A fake Telnyx: the Messaging API on a local port, and signed webhooks.
#[derive(Clone)]
pub struct FakeTelnyx {
    server: FakeServer,
    state: Arc<State>,
    key: Arc<SigningKey>,
}

impl std::fmt::Debug for FakeTelnyx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTelnyx")
            .field("server", &self.server)
            .field("public_key", &self.public_key_base64())
            .finish_non_exhaustive()
    }
}

impl FakeTelnyx {
    /// The API key [`FakeTelnyx::start`] accepts.
    pub const API_KEY: &'static str = "KEY0FAKE0TELNYX0API0KEY";

    /// Starts a fake that accepts [`FakeTelnyx::API_KEY`].
    ///
    /// # Panics
    /// When no port on 127.0.0.1 can be bound, or the system has no randomness for the key.
    pub async fn start() -> Self {
        Self::start_with_key(Self::API_KEY).await
    }

    /// Starts a fake that accepts `api_key` as its bearer token.
    ///
    /// # Panics
    /// As [`FakeTelnyx::start`].
    #[allow(clippy::expect_used)]
    pub async fn start_with_key(api_key: &str) -> Self {
        let mut seed = [0u8; 32];
        if let Err(e) = getrandom::fill(&mut seed) {
            panic!("the fake's key pair needs randomness: {e}");
        }
        Self::start_at(([127, 0, 0, 1], 0).into(), api_key, seed)
            .await
            .expect("a fake binds a port on 127.0.0.1")
    }

    /// A fake on `addr` that accepts `api_key` and signs with the key pair of `seed` (a fixed
    /// seed gives a public key a walkthrough can configure once).
    ///
    /// # Errors
    /// When `addr` cannot be bound.
    pub async fn start_at(
        addr: std::net::SocketAddr,
        api_key: &str,
        seed: [u8; 32],
    ) -> std::io::Result<Self> {
        let state = Arc::new(State {
            api_key: api_key.to_owned(),
            sent: Mutex::new(Vec::new()),
            failures: Mutex::new(VecDeque::new()),
        });
        let answering = Arc::clone(&state);
        let server = FakeServer::start_at(addr, move |request| answer(&answering, request)).await?;
        Ok(FakeTelnyx {
            server,
            state,
            key: Arc::new(SigningKey::from_bytes(&seed)),
        })
    }

    /// The API's origin, `http://127.0.0.1:PORT`: the provider's `api_base`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The recording server underneath.
    pub fn server(&self) -> &FakeServer {
        &self.server
    }

    /// Every request so far, whatever was answered.
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    /// The JSON bodies of the messages it accepted (answered `200`), oldest first.
    pub fn sent(&self) -> Vec<Value> {
        lock(&self.state.sent).clone()
    }

    /// Answers the next authorised sends with `replies`, one each, instead of accepting them.
    pub fn fail_next(&self, replies: impl IntoIterator<Item = Reply>) {
        lock(&self.state.failures).extend(replies);
    }

    /// The public key of the fake's key pair, base64 as Telnyx's portal shows an account's.
    pub fn public_key_base64(&self) -> String {
        STANDARD.encode(self.key.verifying_key().to_bytes())
    }

    /// The headers Telnyx would send with `body` signed at `timestamp` (Unix seconds).
    pub fn sign(&self, timestamp: u64, body: &[u8]) -> Headers {
        let mut signed = format!("{timestamp}|").into_bytes();
        signed.extend_from_slice(body);
        let signature = self.key.sign(&signed);
        vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            (
                "telnyx-signature-ed25519".to_owned(),
                STANDARD.encode(signature.to_bytes()),
            ),
            ("telnyx-timestamp".to_owned(), timestamp.to_string()),
        ]
    }

    /// A `message.received` webhook, signed now: an SMS (or MMS, with `media` as `(url,
    /// content type)` pairs) from `from` to `to`.
    pub fn message_received(
        &self,
        from: &str,
        to: &str,
        text: &str,
        media: &[(&str, &str)],
    ) -> (Headers, Vec<u8>) {
        let payload = json!({
            "record_type": "message",
            "direction": "inbound",
            "id": uuid::Uuid::new_v4().to_string(),
            "type": if media.is_empty() { "SMS" } else { "MMS" },
            "messaging_profile_id": "4000eba1-a0c0-4563-9925-b25e842a7cb6",
            "organization_id": "b448f9cc-a842-4784-98e9-03c1a5872950",
            "from": {"phone_number": from, "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"},
            "to": [{"phone_number": to, "status": "delivered", "carrier": "TELNYX LLC", "line_type": "VoIP"}],
            "cc": [],
            "text": text,
            "subject": null,
            "media": media
                .iter()
                .map(|(url, content_type)| json!({"url": url, "content_type": content_type, "hash_sha256": null, "size": null}))
                .collect::<Vec<_>>(),
            "encoding": "GSM-7",
            "parts": 1,
            "tags": [],
            "received_at": now_rfc3339(),
            "errors": [],
        });
        self.webhook("message.received", payload)
    }

    /// A `message.sent` webhook, signed now, for message `id` (one this fake accepted, or any
    /// id): its recipient is `sent`.
    pub fn message_sent(&self, id: &str) -> (Headers, Vec<u8>) {
        self.webhook("message.sent", self.outbound_payload(id, "sent", &[]))
    }

    /// A `message.finalized` webhook, signed now, for message `id` with its recipient's
    /// `status` (`delivered`, `delivery_failed`, `sending_failed`, `delivery_unconfirmed`, …)
    /// and `errors`.
    pub fn message_finalized(
        &self,
        id: &str,
        status: &str,
        errors: &[TelnyxError],
    ) -> (Headers, Vec<u8>) {
        self.webhook(
            "message.finalized",
            self.outbound_payload(id, status, errors),
        )
    }

    /// An event envelope around `payload`, signed now.
    fn webhook(&self, event_type: &str, payload: Value) -> (Headers, Vec<u8>) {
        let body = json!({
            "data": {
                "record_type": "event",
                "id": uuid::Uuid::new_v4().to_string(),
                "event_type": event_type,
                "occurred_at": now_rfc3339(),
                "payload": payload,
            },
            "meta": {"attempt": 1, "delivered_to": "https://example.com/webhooks"},
        })
        .to_string()
        .into_bytes();
        (self.sign(unix_now(), &body), body)
    }

    /// The message record of an outbound message: what the fake accepted under `id`, if it
    /// did, with its recipient's status set.
    fn outbound_payload(&self, id: &str, status: &str, errors: &[TelnyxError]) -> Value {
        let sent = lock(&self.state.sent)
            .iter()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap_or_else(|| json!({}));
        let field = |name: &str| sent.get(name).cloned().unwrap_or(Value::Null);
        let finished = matches!(
            status,
            "delivered" | "delivery_failed" | "sending_failed" | "delivery_unconfirmed" | "expired"
        );
        let now = now_rfc3339();
        json!({
            "record_type": "message",
            "direction": "outbound",
            "id": id,
            "type": if sent.get("media_urls").is_some() { "MMS" } else { "SMS" },
            "messaging_profile_id": field("messaging_profile_id"),
            "from": {"phone_number": field("from"), "carrier": "TELNYX LLC", "line_type": "VoIP"},
            "to": [{"phone_number": field("to"), "status": status, "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"}],
            "cc": [],
            "text": field("text"),
            "media": media_of(&sent),
            "webhook_url": field("webhook_url"),
            "encoding": "GSM-7",
            "parts": 1,
            "tags": [],
            "sent_at": now,
            "completed_at": if finished { Value::String(now.clone()) } else { Value::Null },
            "errors": errors.iter().map(TelnyxError::to_json).collect::<Vec<_>>(),
        })
    }
}

/// The fake's answer to one request.
fn answer(state: &State, request: &Recorded) -> Reply {
    if request.method != "POST" || request.path != "/v2/messages" {
        return error(
            404,
            "10005",
            "Resource not found",
            "The requested resource or URL could not be found.",
            None,
        );
    }
    let expected = format!("Bearer {}", state.api_key);
    if request.header("authorization") != Some(expected.as_str()) {
        return error(
            401,
            "10009",
            "Authentication failed",
            "The required authentication headers were either invalid or not included in the request.",
            None,
        );
    }
    let json_type = request
        .header("content-type")
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if !json_type {
        return error(
            415,
            "10014",
            "Unsupported Media Type",
            "The request failed because the server does not support the media type.",
            None,
        );
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
        return error(
            400,
            "10015",
            "Bad Request",
            "The request failed because it was not well-formed.",
            None,
        );
    };
    let present = |name: &str| {
        body.get(name)
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()) || v.is_array())
    };
    let missing = if !present("to") {
        Some("/to")
    } else if !present("from") && !present("messaging_profile_id") {
        Some("/from")
    } else if !present("text") && !present("media_urls") {
        Some("/text")
    } else {
        None
    };
    if let Some(pointer) = missing {
        return error(
            400,
            "10004",
            "Missing required parameter",
            "A required parameter was missing. Consult the source field on the returned error to determine the missing field.",
            Some(pointer),
        );
    }
    if let Some(reply) = lock(&state.failures).pop_front() {
        return reply;
    }

    let id = uuid::Uuid::new_v4().to_string();
    let mut record = Value::Object(body.clone());
    record["id"] = Value::String(id.clone());
    let text = body.get("text").cloned().unwrap_or(Value::Null);
    let data = json!({
        "record_type": "message",
        "direction": "outbound",
        "id": id,
        "type": if body.contains_key("media_urls") { "MMS" } else { "SMS" },
        "messaging_profile_id": body.get("messaging_profile_id").cloned().unwrap_or(Value::Null),
        "organization_id": "b448f9cc-a842-4784-98e9-03c1a5872950",
        "from": {"phone_number": body.get("from").cloned().unwrap_or(Value::Null), "carrier": "TELNYX LLC", "line_type": "VoIP"},
        "to": [{"phone_number": body["to"].clone(), "status": "queued", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"}],
        "cc": [],
        "text": text,
        "subject": body.get("subject").cloned().unwrap_or(Value::Null),
        "media": media_of(&record),
        "webhook_url": body.get("webhook_url").cloned().unwrap_or(Value::Null),
        "webhook_failover_url": body.get("webhook_failover_url").cloned().unwrap_or(Value::Null),
        "encoding": "GSM-7",
        "parts": 1,
        "tags": [],
        "cost": null,
        "received_at": now_rfc3339(),
        "sent_at": null,
        "completed_at": null,
        "valid_until": null,
        "errors": [],
    });
    // The id goes with what the provider sent, so `sent()` shows the request as it was plus
    // the id Telnyx gave it (under `id`, which a send never carries).
    lock(&state.sent).push(record);
    Reply::json(200, json!({ "data": data }).to_string())
}

/// `media` of a message record from its `media_urls`.
fn media_of(message: &Value) -> Vec<Value> {
    message
        .get("media_urls")
        .and_then(Value::as_array)
        .map(|urls| {
            urls.iter()
                .map(|url| json!({"url": url, "content_type": null, "sha256": null, "size": null}))
                .collect()
        })
        .unwrap_or_default()
}

/// Telnyx's error JSON, with `source.pointer` when a field is at fault.
fn error(status: u16, code: &str, title: &str, detail: &str, pointer: Option<&str>) -> Reply {
    let mut entry = json!({
        "code": code,
        "title": title,
        "detail": detail,
        "meta": {"url": format!("https://developers.telnyx.com/docs/overview/errors/{code}")},
    });
    if let Some(pointer) = pointer {
        entry["source"] = json!({ "pointer": pointer });
    }
    Reply::json(status, json!({ "errors": [entry] }).to_string())
}

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, VerifyingKey};

    async fn post(telnyx: &FakeTelnyx, bearer: &str, body: &str) -> (u16, Value, Option<String>) {
        let answer = reqwest::Client::new()
            .post(format!("{}/v2/messages", telnyx.url()))
            .header("authorization", format!("Bearer {bearer}"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, answer.json().await.unwrap(), retry_after)
    }

    /// Checks `headers` and `body` as a provider would, with the fake's public key.
    fn verify(telnyx: &FakeTelnyx, headers: &Headers, body: &[u8]) -> bool {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let key: [u8; 32] = STANDARD
            .decode(telnyx.public_key_base64())
            .unwrap()
            .try_into()
            .unwrap();
        let signature: [u8; 64] = STANDARD
            .decode(header("telnyx-signature-ed25519"))
            .unwrap()
            .try_into()
            .unwrap();
        let mut signed = format!("{}|", header("telnyx-timestamp")).into_bytes();
        signed.extend_from_slice(body);
        VerifyingKey::from_bytes(&key)
            .unwrap()
            .verify_strict(&signed, &Signature::from_bytes(&signature))
            .is_ok()
    }

    #[tokio::test]
    async fn sends_are_answered_with_a_fresh_message_record() {
        let telnyx = FakeTelnyx::start().await;
        let body = r#"{"from":"+15145550000","to":"+14185551234","text":"Hello!"}"#;
        let (status, first, _) = post(&telnyx, FakeTelnyx::API_KEY, body).await;
        assert_eq!(status, 200);
        let data = &first["data"];
        let id = data["id"].as_str().unwrap().to_owned();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        assert_eq!(data["record_type"], "message");
        assert_eq!(data["direction"], "outbound");
        assert_eq!(data["type"], "SMS");
        assert_eq!(data["from"]["phone_number"], "+15145550000");
        assert_eq!(
            data["to"],
            json!([{"phone_number": "+14185551234", "status": "queued", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"}])
        );
        assert_eq!(data["text"], "Hello!");
        assert_eq!(data["media"], json!([]));
        assert_eq!(data["errors"], json!([]));

        let mms = r#"{"from":"+15145550000","to":"+14185551234","media_urls":["https://example.com/a.jpg"],"messaging_profile_id":"mp-1"}"#;
        let (status, second, _) = post(&telnyx, FakeTelnyx::API_KEY, mms).await;
        assert_eq!(status, 200);
        assert_ne!(second["data"]["id"], first["data"]["id"]);
        assert_eq!(second["data"]["type"], "MMS");
        assert_eq!(second["data"]["messaging_profile_id"], "mp-1");
        assert_eq!(
            second["data"]["media"],
            json!([{"url": "https://example.com/a.jpg", "content_type": null, "sha256": null, "size": null}])
        );

        assert_eq!(
            telnyx.sent(),
            vec![
                json!({"from": "+15145550000", "to": "+14185551234", "text": "Hello!", "id": id}),
                json!({"from": "+15145550000", "to": "+14185551234", "media_urls": ["https://example.com/a.jpg"],
                       "messaging_profile_id": "mp-1", "id": second["data"]["id"]}),
            ]
        );
        let requests = telnyx.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].text(), body);
    }

    #[tokio::test]
    async fn a_wrong_bearer_gets_telnyx_authentication_error() {
        let telnyx = FakeTelnyx::start_with_key("KEY-right").await;
        let (status, body, _) = post(
            &telnyx,
            "KEY-wrong",
            r#"{"from":"+1","to":"+2","text":"x"}"#,
        )
        .await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({"errors": [{
                "code": "10009",
                "title": "Authentication failed",
                "detail": "The required authentication headers were either invalid or not included in the request.",
                "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10009"},
            }]})
        );
        let unauthenticated = reqwest::Client::new()
            .post(format!("{}/v2/messages", telnyx.url()))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(unauthenticated.status(), 401);
        assert!(telnyx.sent().is_empty());
        assert_eq!(telnyx.requests().len(), 2);
    }

    #[tokio::test]
    async fn malformed_sends_get_telnyx_error_codes() {
        let telnyx = FakeTelnyx::start().await;
        let key = FakeTelnyx::API_KEY;
        let code = |body: &Value| body["errors"][0]["code"].as_str().unwrap().to_owned();
        let (status, body, _) = post(&telnyx, key, "not json").await;
        assert_eq!((status, code(&body)), (400, "10015".to_owned()));
        let (status, body, _) = post(&telnyx, key, r#"{"from":"+1","text":"x"}"#).await;
        assert_eq!((status, code(&body)), (400, "10004".to_owned()));
        assert_eq!(body["errors"][0]["source"], json!({"pointer": "/to"}));
        let (_, body, _) = post(&telnyx, key, r#"{"to":"+2","text":"x"}"#).await;
        assert_eq!(body["errors"][0]["source"], json!({"pointer": "/from"}));
        let (_, body, _) = post(&telnyx, key, r#"{"from":"+1","to":"+2"}"#).await;
        assert_eq!(body["errors"][0]["source"], json!({"pointer": "/text"}));

        let form = reqwest::Client::new()
            .post(format!("{}/v2/messages", telnyx.url()))
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("to=%2B2")
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 415);
        let other = reqwest::Client::new()
            .get(format!("{}/v2/messages/abc", telnyx.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 404);
        assert_eq!(
            code(&other.json::<Value>().await.unwrap()),
            "10005".to_owned()
        );
        assert!(telnyx.sent().is_empty());
    }

    #[tokio::test]
    async fn programmed_failures_answer_the_next_sends_in_order() {
        let telnyx = FakeTelnyx::start().await;
        telnyx.fail_next([
            TelnyxError::new(
                "10011",
                "Too many requests",
                "You have exceeded the maximum number of allowed requests.",
            )
            .reply(429)
            .header("retry-after", "3"),
            Reply::text(503, "upstream unavailable"),
        ]);
        let body = r#"{"from":"+1","to":"+2","text":"x"}"#;
        let (status, answer, retry_after) = post(&telnyx, FakeTelnyx::API_KEY, body).await;
        assert_eq!((status, retry_after.as_deref()), (429, Some("3")));
        assert_eq!(answer["errors"][0]["code"], "10011");
        let plain = reqwest::Client::new()
            .post(format!("{}/v2/messages", telnyx.url()))
            .header("authorization", format!("Bearer {}", FakeTelnyx::API_KEY))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), 503);
        assert_eq!(plain.text().await.unwrap(), "upstream unavailable");
        let (status, _, _) = post(&telnyx, FakeTelnyx::API_KEY, body).await;
        assert_eq!(status, 200);
        assert_eq!(telnyx.sent().len(), 1);
    }

    #[tokio::test]
    async fn inbound_webhooks_are_signed_as_telnyx_signs() {
        let telnyx = FakeTelnyx::start().await;
        let (headers, body) = telnyx.message_received(
            "+14185551234",
            "+15145550000",
            "see photo",
            &[("https://media.telnyx.com/1.jpg", "image/jpeg")],
        );
        assert_eq!(
            headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            [
                "content-type",
                "telnyx-signature-ed25519",
                "telnyx-timestamp"
            ]
        );
        assert_eq!(headers[0].1, "application/json");
        assert!(headers[2].1.parse::<u64>().is_ok());
        assert!(verify(&telnyx, &headers, &body));

        let webhook: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(webhook["data"]["record_type"], "event");
        assert_eq!(webhook["data"]["event_type"], "message.received");
        let payload = &webhook["data"]["payload"];
        assert_eq!(payload["direction"], "inbound");
        assert_eq!(payload["type"], "MMS");
        assert_eq!(payload["from"]["phone_number"], "+14185551234");
        assert_eq!(payload["to"][0]["phone_number"], "+15145550000");
        assert_eq!(payload["text"], "see photo");
        assert_eq!(payload["media"][0]["url"], "https://media.telnyx.com/1.jpg");
        assert_eq!(payload["media"][0]["content_type"], "image/jpeg");
        assert!(uuid::Uuid::parse_str(payload["id"].as_str().unwrap()).is_ok());

        // A changed body, another fake's key: the signature no longer holds.
        let mut tampered = body.clone();
        tampered.push(b' ');
        assert!(!verify(&telnyx, &headers, &tampered));
        let other = FakeTelnyx::start().await;
        assert_ne!(other.public_key_base64(), telnyx.public_key_base64());
        assert!(!verify(&other, &headers, &body));
    }

    #[tokio::test]
    async fn status_webhooks_describe_the_message_the_fake_accepted() {
        let telnyx = FakeTelnyx::start().await;
        let (_, answer, _) = post(
            &telnyx,
            FakeTelnyx::API_KEY,
            r#"{"from":"+15145550000","to":"+14185551234","text":"Hello!"}"#,
        )
        .await;
        let id = answer["data"]["id"].as_str().unwrap();

        let (headers, body) = telnyx.message_sent(id);
        assert!(verify(&telnyx, &headers, &body));
        let sent: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(sent["data"]["event_type"], "message.sent");
        assert_eq!(sent["data"]["payload"]["id"], id);
        assert_eq!(sent["data"]["payload"]["to"][0]["status"], "sent");
        assert_eq!(sent["data"]["payload"]["completed_at"], Value::Null);

        let (headers, body) = telnyx.message_finalized(
            id,
            "delivery_failed",
            &[TelnyxError::new(
                "40002",
                "Blocked as spam",
                "The message was blocked by the carrier.",
            )],
        );
        assert!(verify(&telnyx, &headers, &body));
        let finalized: Value = serde_json::from_slice(&body).unwrap();
        let payload = &finalized["data"]["payload"];
        assert_eq!(finalized["data"]["event_type"], "message.finalized");
        assert_eq!(payload["direction"], "outbound");
        assert_eq!(payload["from"]["phone_number"], "+15145550000");
        assert_eq!(payload["to"][0]["phone_number"], "+14185551234");
        assert_eq!(payload["to"][0]["status"], "delivery_failed");
        assert_eq!(payload["text"], "Hello!");
        assert!(payload["completed_at"].is_string());
        assert_eq!(
            payload["errors"],
            json!([{"code": "40002", "title": "Blocked as spam", "detail": "The message was blocked by the carrier."}])
        );

        // An id the fake never gave still makes a well-formed event.
        let (headers, body) = telnyx.message_finalized("m-unknown", "delivered", &[]);
        assert!(verify(&telnyx, &headers, &body));
        let unknown: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(unknown["data"]["payload"]["id"], "m-unknown");
        assert_eq!(
            unknown["data"]["payload"]["to"][0]["phone_number"],
            Value::Null
        );
    }

    #[tokio::test]
    async fn any_body_can_be_signed_at_any_time() {
        let telnyx = FakeTelnyx::start().await;
        let headers = telnyx.sign(1_733_500_000, b"{}");
        assert_eq!(
            headers[2],
            ("telnyx-timestamp".to_owned(), "1733500000".to_owned())
        );
        assert!(verify(&telnyx, &headers, b"{}"));
        assert!(!verify(&telnyx, &telnyx.sign(1_733_500_001, b"{}"), b"{ }"));
    }
}
