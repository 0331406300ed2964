//! A fake of Sinch's SMS REST API: `POST /xms/v1/{service_plan_id}/batches` with a bearer API
//! token, answered as Sinch answers (201 with the batch, or 4xx with `{"code", "text"}`), and
//! builders of the callbacks Sinch sends, signed as Sinch signs them:
//! `x-sinch-webhook-signature = Base64(HMAC-SHA256(secret, body + "." + nonce + "." + timestamp))`
//! with the nonce, timestamp (Unix seconds) and algorithm (`HmacSHA256`) headers.
//!
//! ```no_run
//! # async fn example() {
//! use roomkit_fakes::sinch::{self, SinchFake};
//!
//! let fake = SinchFake::start("plan42", "token").await;
//! // … configure the provider with api_base = fake.url() and let it deliver …
//! assert_eq!(fake.sent()[0]["to"][0], "+14185551234");
//! let callback = sinch::signed("whsec", &sinch::mo_text("01MO", "14185551234", "15145550000", "hi"), "n1", 1_800_000_000);
//! # }
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{FakeServer, Recorded, Reply};

/// The time every batch of the fake is created at (a fake's answers are reproducible).
pub const CREATED_AT: &str = "2026-01-01T00:00:00.000Z";
/// Three days later: Sinch's default expiry.
pub const EXPIRE_AT: &str = "2026-01-04T00:00:00.000Z";

/// A running fake of one service plan.
#[derive(Debug, Clone)]
pub struct SinchFake {
    server: FakeServer,
    accepted: Arc<Mutex<Vec<Value>>>,
}

impl SinchFake {
    /// Starts a fake for `service_plan_id` that takes `api_token`.
    ///
    /// # Panics
    /// When no port on 127.0.0.1 can be bound.
    #[allow(clippy::expect_used)]
    pub async fn start(service_plan_id: &str, api_token: &str) -> Self {
        Self::start_at(([127, 0, 0, 1], 0).into(), service_plan_id, api_token)
            .await
            .expect("a fake binds a port on 127.0.0.1")
    }

    /// [`start`](Self::start) on `addr`.
    ///
    /// # Errors
    /// When `addr` cannot be bound.
    pub async fn start_at(
        addr: std::net::SocketAddr,
        service_plan_id: &str,
        api_token: &str,
    ) -> std::io::Result<Self> {
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&accepted);
        let path = format!("/xms/v1/{service_plan_id}/batches");
        let bearer = format!("Bearer {api_token}");
        let counter = AtomicU64::new(0);
        let server = FakeServer::start_at(addr, move |request| {
            let (reply, batch) = answer(&path, &bearer, &counter, request);
            if let Some(batch) = batch {
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(batch);
            }
            reply
        })
        .await?;
        Ok(SinchFake { server, accepted })
    }

    /// The `api_base` to configure: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The recording server (every request, and `respond_with` to fail on purpose).
    pub fn server(&self) -> &FakeServer {
        &self.server
    }

    /// The request bodies of the batches accepted (answered 201), oldest first.
    pub fn sent(&self) -> Vec<Value> {
        self.accepted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Sinch's error answer.
pub fn error(status: u16, code: &str, text: &str) -> Reply {
    Reply::json(status, json!({"code": code, "text": text}).to_string())
}

fn answer(
    path: &str,
    bearer: &str,
    counter: &AtomicU64,
    request: &Recorded,
) -> (Reply, Option<Value>) {
    if request.path != path {
        return (
            error(
                404,
                "not_found",
                &format!("No resource at {}", request.path),
            ),
            None,
        );
    }
    if request.method != "POST" {
        return (
            error(405, "method_not_allowed", "Use POST to send a batch"),
            None,
        );
    }
    if request.header("authorization") != Some(bearer) {
        return (
            error(401, "unauthorized", "Invalid or missing API token"),
            None,
        );
    }
    let Ok(Value::Object(batch)) = serde_json::from_slice::<Value>(&request.body) else {
        return (
            error(400, "syntax_invalid_json", "The JSON input is invalid"),
            None,
        );
    };
    let to_ok = batch
        .get("to")
        .and_then(Value::as_array)
        .is_some_and(|to| !to.is_empty() && to.iter().all(Value::is_string));
    if !to_ok {
        return (
            error(
                400,
                "syntax_constraint_violation",
                "The parameter 'to' must be a non-empty list of numbers",
            ),
            None,
        );
    }
    let kind = batch
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("mt_text");
    let body_ok = match kind {
        "mt_text" => batch.get("body").is_some_and(Value::is_string),
        "mt_media" => batch
            .get("body")
            .and_then(|b| b.get("url"))
            .is_some_and(Value::is_string),
        _ => false,
    };
    if !body_ok {
        return (
            error(
                400,
                "syntax_constraint_violation",
                &format!("The body of a {kind} batch is missing or invalid"),
            ),
            None,
        );
    }
    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
    let mut created = json!({
        "id": batch_id(n),
        "to": batch["to"],
        "canceled": false,
        "body": batch["body"],
        "type": kind,
        "created_at": CREATED_AT,
        "modified_at": CREATED_AT,
        "delivery_report": batch.get("delivery_report").cloned().unwrap_or(json!("none")),
        "expire_at": EXPIRE_AT,
        "flash_message": false,
    });
    for key in ["from", "callback_url", "client_reference"] {
        if let Some(value) = batch.get(key) {
            created[key] = value.clone();
        }
    }
    (
        Reply::json(201, created.to_string()),
        Some(Value::Object(batch)),
    )
}

/// The `n`th batch id of a fake: 26 characters like Sinch's ULIDs, e.g. `01FAKEBATCH000000000000001`.
pub fn batch_id(n: u64) -> String {
    format!("01FAKEBATCH{n:015}")
}

/// A `mo_text` callback.
pub fn mo_text(id: &str, from: &str, to: &str, body: &str) -> String {
    json!({"type": "mo_text", "id": id, "from": from, "to": to, "body": body,
           "operator_id": "302720", "received_at": CREATED_AT})
    .to_string()
}

/// A `mo_media` callback with `message` and uploaded media items (`url`, `content_type`).
pub fn mo_media(id: &str, from: &str, to: &str, message: &str, media: &[(&str, &str)]) -> String {
    let items: Vec<Value> = media
        .iter()
        .map(|(url, content_type)| json!({"url": url, "content_type": content_type, "status": "Uploaded", "code": 0}))
        .collect();
    json!({"type": "mo_media", "id": id, "from": from, "to": to,
           "body": {"message": message, "media": items}, "received_at": CREATED_AT})
    .to_string()
}

/// A `recipient_delivery_report_sms` callback.
pub fn recipient_report(batch_id: &str, recipient: &str, status: &str, code: u32) -> String {
    json!({"type": "recipient_delivery_report_sms", "batch_id": batch_id, "recipient": recipient,
           "status": status, "code": code, "at": CREATED_AT, "operator_status_at": CREATED_AT})
    .to_string()
}

/// A `delivery_report_sms` callback (a batch summary with one status).
pub fn batch_report(batch_id: &str, status: &str, code: u32, recipients: &[&str]) -> String {
    json!({"type": "delivery_report_sms", "batch_id": batch_id, "total_message_count": recipients.len(),
           "statuses": [{"code": code, "count": recipients.len(), "recipients": recipients, "status": status}]})
    .to_string()
}

/// A callback as Sinch sends it: the body and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// Headers, names in lower case: content type and the four signature headers.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: String,
}

/// `body` signed with `secret`, `nonce` and `timestamp` (Unix seconds), as Sinch signs.
pub fn signed(secret: &str, body: &str, nonce: &str, timestamp: u64) -> Callback {
    let timestamp = timestamp.to_string();
    Callback {
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-sinch-webhook-signature-nonce".into(), nonce.into()),
            (
                "x-sinch-webhook-signature-timestamp".into(),
                timestamp.clone(),
            ),
            (
                "x-sinch-webhook-signature-algorithm".into(),
                "HmacSHA256".into(),
            ),
            (
                "x-sinch-webhook-signature".into(),
                signature(secret, body, nonce, &timestamp),
            ),
        ],
        body: body.to_owned(),
    }
}

/// `Base64(HMAC-SHA256(secret, body.nonce.timestamp))`.
pub fn signature(secret: &str, body: &str, nonce: &str, timestamp: &str) -> String {
    let signed_data = format!("{body}.{nonce}.{timestamp}");
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(signed_data.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_reproduce_sinchs_published_vector() {
        // sinch-sdk-dotnet's webhook test: same secret, nonce, timestamp and body.
        let body = r#"{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}"#;
        assert_eq!(
            signature(
                "foo_secret1234",
                body,
                "01FJA8B4A7BM43YGWSG9GBV067",
                "1634579353"
            ),
            "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE="
        );
        let callback = signed(
            "foo_secret1234",
            body,
            "01FJA8B4A7BM43YGWSG9GBV067",
            1_634_579_353,
        );
        assert_eq!(
            callback.headers[4].1,
            "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE="
        );
        assert_eq!(
            callback.headers[2],
            (
                "x-sinch-webhook-signature-timestamp".into(),
                "1634579353".into()
            )
        );
    }

    #[test]
    fn builders_write_sinchs_callback_shapes() {
        let mo: Value =
            serde_json::from_str(&mo_text("01MO", "14185551234", "15145550000", "hi")).unwrap();
        assert_eq!(
            (
                mo["type"].as_str(),
                mo["from"].as_str(),
                mo["body"].as_str()
            ),
            (Some("mo_text"), Some("14185551234"), Some("hi"))
        );
        let media: Value = serde_json::from_str(&mo_media(
            "01MM",
            "1",
            "2",
            "see",
            &[("https://m/a.jpg", "image/jpeg")],
        ))
        .unwrap();
        assert_eq!(
            media["body"]["media"][0],
            json!({"url": "https://m/a.jpg", "content_type": "image/jpeg", "status": "Uploaded", "code": 0})
        );
        let report: Value =
            serde_json::from_str(&recipient_report("01B", "14185551234", "Delivered", 0)).unwrap();
        assert_eq!(
            (report["type"].as_str(), report["status"].as_str()),
            (Some("recipient_delivery_report_sms"), Some("Delivered"))
        );
        let summary: Value =
            serde_json::from_str(&batch_report("01B", "Dispatched", 401, &["1", "2"])).unwrap();
        assert_eq!(summary["statuses"][0]["count"], 2);
        assert_eq!(batch_id(1), "01FAKEBATCH000000000000001");
        assert_eq!(batch_id(1).len(), 26);
    }

    #[tokio::test]
    async fn batches_are_created_and_bad_requests_refused_as_sinch_does() {
        let fake = SinchFake::start("plan42", "tok").await;
        let client = reqwest::Client::new();
        let url = format!("{}/xms/v1/plan42/batches", fake.url());
        let send = |auth: &'static str, body: &'static str| {
            client
                .post(&url)
                .header("authorization", auth)
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let answer = send("Bearer tok", r#"{"from":"+15145550000","to":["+14185551234"],"body":"hi","client_reference":"ev-1"}"#).await.unwrap();
        assert_eq!(answer.status(), 201);
        let created: Value = answer.json().await.unwrap();
        assert_eq!(
            created,
            json!({"id": "01FAKEBATCH000000000000001", "from": "+15145550000", "to": ["+14185551234"],
                   "canceled": false, "body": "hi", "type": "mt_text", "created_at": CREATED_AT,
                   "modified_at": CREATED_AT, "delivery_report": "none", "expire_at": EXPIRE_AT,
                   "flash_message": false, "client_reference": "ev-1"})
        );
        let answer = send(
            "Bearer tok",
            r#"{"to":["+1"],"type":"mt_media","body":{"url":"https://m/a.jpg","message":"x"}}"#,
        )
        .await
        .unwrap();
        assert_eq!(answer.status(), 201);
        let answer = send("Bearer nope", r#"{"to":["+1"],"body":"x"}"#)
            .await
            .unwrap();
        assert_eq!(answer.status(), 401);
        assert_eq!(
            answer.json::<Value>().await.unwrap()["code"],
            "unauthorized"
        );
        let answer = send("Bearer tok", "{oops").await.unwrap();
        assert_eq!(
            (
                answer.status().as_u16(),
                answer.json::<Value>().await.unwrap()["code"].clone()
            ),
            (400, json!("syntax_invalid_json"))
        );
        let answer = send("Bearer tok", r#"{"to":[],"body":"x"}"#).await.unwrap();
        assert_eq!(
            answer.json::<Value>().await.unwrap()["code"],
            "syntax_constraint_violation"
        );
        let answer = send(
            "Bearer tok",
            r#"{"to":["+1"],"type":"mt_media","body":"no url"}"#,
        )
        .await
        .unwrap();
        assert_eq!(answer.status(), 400);
        let answer = client
            .post(format!("{}/xms/v1/other/batches", fake.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404);
        let sent = fake.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0]["client_reference"], "ev-1");
        assert_eq!(sent[1]["type"], "mt_media");
        assert_eq!(fake.server().requests().len(), 7);
    }
}
