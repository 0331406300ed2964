//! A fake of VoiceMeUp's `queue_sms` (`POST /api/v1.1/json/queue_sms`, a form with `username`,
//! `auth_token`, `source_number`, `destination_number`, `message`, `attachment`), answered with
//! VoiceMeUp's JSON (`response_details`: `response_status` `success` with the
//! `queued_sms_hash`, or `error` with a code), and builders of VoiceMeUp's webhooks, including
//! the two webhooks of an MMS (the text with its `.mms.html` wrapper, then the image).
//!
//! VoiceMeUp does not sign webhooks; the channel's webhook URL carries a secret `token`
//! ([`webhook_url`]).
//!
//! ```no_run
//! # async fn example() {
//! use roomkit_fakes::voicemeup::{self, VoiceMeUpFake};
//!
//! let fake = VoiceMeUpFake::start("acme", "secret").await;
//! // … configure the provider with api_base = fake.url() and let it deliver …
//! assert_eq!(fake.sent()[0]["message"], "hi");
//! let (text, image) = voicemeup::mms("14188050723", "14184805945", "look", "https://x/1.jpg", "2026-01-28 13:00:14");
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};

use crate::{FakeServer, Recorded, Reply};

/// The path of `queue_sms`.
pub const QUEUE_SMS: &str = "/api/v1.1/json/queue_sms";

/// A running fake of one VoiceMeUp API user.
#[derive(Debug, Clone)]
pub struct VoiceMeUpFake {
    server: FakeServer,
    accepted: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

impl VoiceMeUpFake {
    /// Starts a fake that takes `username` and `auth_token`.
    ///
    /// # Panics
    /// When no port on 127.0.0.1 can be bound.
    #[allow(clippy::expect_used)]
    pub async fn start(username: &str, auth_token: &str) -> Self {
        Self::start_at(([127, 0, 0, 1], 0).into(), username, auth_token)
            .await
            .expect("a fake binds a port on 127.0.0.1")
    }

    /// [`start`](Self::start) on `addr`.
    ///
    /// # Errors
    /// When `addr` cannot be bound.
    pub async fn start_at(
        addr: std::net::SocketAddr,
        username: &str,
        auth_token: &str,
    ) -> std::io::Result<Self> {
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&accepted);
        let (username, auth_token) = (username.to_owned(), auth_token.to_owned());
        let counter = AtomicU64::new(0);
        let server = FakeServer::start_at(addr, move |request| {
            let (reply, form) = answer(&username, &auth_token, &counter, request);
            if let Some(form) = form {
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(form);
            }
            reply
        })
        .await?;
        Ok(VoiceMeUpFake { server, accepted })
    }

    /// The `api_base` to configure: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The recording server.
    pub fn server(&self) -> &FakeServer {
        &self.server
    }

    /// The forms of the messages queued (the `auth_token` field left out), oldest first.
    pub fn sent(&self) -> Vec<BTreeMap<String, String>> {
        self.accepted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// VoiceMeUp's success answer with the queued message's hash.
pub fn queued(hash: &str) -> Reply {
    Reply::json(
        200,
        json!({"response_details": {"response_status": "success",
            "response_messages": {"message": [{"code": "queued_sms_hash", "_content": hash}]}}})
        .to_string(),
    )
}

/// VoiceMeUp's error answer (HTTP 200, `response_status: error`).
pub fn refused(code: &str, text: &str) -> Reply {
    Reply::json(
        200,
        json!({"response_details": {"response_status": "error",
            "response_messages": {"message": [{"code": code, "_content": text}]}}})
        .to_string(),
    )
}

fn answer(
    username: &str,
    auth_token: &str,
    counter: &AtomicU64,
    request: &Recorded,
) -> (Reply, Option<BTreeMap<String, String>>) {
    if request.path != QUEUE_SMS || request.method != "POST" {
        return (Reply::text(404, "Not Found"), None);
    }
    let mut form: BTreeMap<String, String> = form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if form.get("username").map(String::as_str) != Some(username)
        || form.get("auth_token").map(String::as_str) != Some(auth_token)
    {
        return (
            refused("permission_refused", "Invalid username or auth_token"),
            None,
        );
    }
    for field in ["source_number", "destination_number"] {
        let digits = form
            .get(field)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !digits {
            return (
                refused("invalid_parameter", &format!("{field} must be digits")),
                None,
            );
        }
    }
    if !form.contains_key("message") && !form.contains_key("attachment") {
        return (
            refused("invalid_parameter", "message or attachment is required"),
            None,
        );
    }
    form.remove("auth_token");
    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
    (queued(&sms_hash(n)), Some(form))
}

/// The `n`th hash of a fake, shaped like VoiceMeUp's: `00000000-0000-0000-0000-00000000000n`.
pub fn sms_hash(n: u64) -> String {
    format!("00000000-0000-0000-0000-{n:012}")
}

/// An inbound SMS webhook.
pub fn sms(hash: &str, from: &str, to: &str, text: &str, sent_at: &str) -> Value {
    json!({"sms_hash": hash, "datetime": sent_at, "direction": "inbound",
           "source_number": from, "destination_number": to, "message": text,
           "status": "enabled", "transmission_status": "completed",
           "datetime_transmission": sent_at})
}

/// The two webhooks of one MMS, in the order VoiceMeUp sends them: the text with the
/// `.mms.html` wrapper as attachment, then the image without text. Both share sender,
/// recipient and `datetime_transmission`.
pub fn mms(from: &str, to: &str, text: &str, image_url: &str, sent_at: &str) -> (Value, Value) {
    let mut first = sms("mms-part-1", from, to, text, sent_at);
    first["attachment"] = json!("https://clients.voicemeup.com/file/mms-part-1.mms.html");
    first["attachment_size"] = json!("343");
    first["attachment_mime_type"] = json!("text/html");
    let mut second = sms("mms-part-2", from, to, "", sent_at);
    second["attachment"] = json!(image_url);
    second["attachment_size"] = json!("93002");
    second["attachment_mime_type"] = json!("image/jpeg");
    (first, second)
}

/// A webhook about a message this account sent (`direction: outbound`).
pub fn outbound_status(hash: &str, transmission_status: &str) -> Value {
    json!({"sms_hash": hash, "direction": "outbound", "transmission_status": transmission_status})
}

/// The webhook URL to register with VoiceMeUp: `{base}/v1/webhooks/{channel}?token={token}`.
pub fn webhook_url(base: &str, channel: &str, token: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    format!(
        "{}/v1/webhooks/{channel}?{query}",
        base.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mms_comes_as_two_webhooks_sharing_the_correlation() {
        let (text, image) = mms(
            "14188050723",
            "14184805945",
            "look",
            "https://x/1.jpg",
            "2026-01-28 13:00:14",
        );
        assert_eq!(text["message"], "look");
        assert_eq!(text["attachment_mime_type"], "text/html");
        assert!(text["attachment"].as_str().unwrap().ends_with(".mms.html"));
        assert_eq!(
            (image["message"].as_str(), image["attachment"].as_str()),
            (Some(""), Some("https://x/1.jpg"))
        );
        for key in [
            "source_number",
            "destination_number",
            "datetime_transmission",
        ] {
            assert_eq!(text[key], image[key], "{key}");
        }
        assert_ne!(text["sms_hash"], image["sms_hash"]);
        assert_eq!(
            webhook_url("https://desk.example.com/", "sms", "a b&c"),
            "https://desk.example.com/v1/webhooks/sms?token=a+b%26c"
        );
        assert_eq!(outbound_status("h", "failed")["direction"], "outbound");
    }

    #[tokio::test]
    async fn queue_sms_answers_as_voicemeup_does() {
        let fake = VoiceMeUpFake::start("acme", "s3cret").await;
        let client = reqwest::Client::new();
        let url = format!("{}{QUEUE_SMS}", fake.url());
        let post = |body: &'static str| {
            client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
        };
        let answer = post("username=acme&auth_token=s3cret&source_number=15145550000&destination_number=14185551234&message=hi").await.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(
            answer.json::<Value>().await.unwrap(),
            json!({"response_details": {"response_status": "success",
                "response_messages": {"message": [{"code": "queued_sms_hash", "_content": "00000000-0000-0000-0000-000000000001"}]}}})
        );
        let answer =
            post("username=acme&auth_token=wrong&source_number=1&destination_number=2&message=x")
                .await
                .unwrap();
        let refusal = answer.json::<Value>().await.unwrap();
        assert_eq!(refusal["response_details"]["response_status"], "error");
        assert_eq!(
            refusal["response_details"]["response_messages"]["message"][0]["code"],
            "permission_refused"
        );
        let answer = post(
            "username=acme&auth_token=s3cret&source_number=%2B1514&destination_number=2&message=x",
        )
        .await
        .unwrap();
        assert_eq!(
            answer.json::<Value>().await.unwrap()["response_details"]["response_messages"]["message"]
                [0]["code"],
            "invalid_parameter"
        );
        let answer = post("username=acme&auth_token=s3cret&source_number=1&destination_number=2")
            .await
            .unwrap();
        assert_eq!(
            answer.json::<Value>().await.unwrap()["response_details"]["response_status"],
            "error"
        );
        let answer = post("username=acme&auth_token=s3cret&source_number=1&destination_number=2&attachment=https%3A%2F%2Fm%2Fa.jpg").await.unwrap();
        assert_eq!(
            answer.json::<Value>().await.unwrap()["response_details"]["response_status"],
            "success"
        );
        assert_eq!(
            client
                .get(format!("{}/other", fake.url()))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let sent = fake.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0]["message"], "hi");
        assert_eq!(sent[0]["destination_number"], "14185551234");
        assert!(!sent[0].contains_key("auth_token"));
        assert_eq!(sent[1]["attachment"], "https://m/a.jpg");
    }
}
