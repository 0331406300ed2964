//! A provider for SMS channels on Telnyx (Messaging API v2).
//!
//! - `deliver` sends the event to the binding's recipient with `POST {api_base}/v2/messages`
//!   ([`outbound`]): text, MMS media, the configured sender, messaging profile and status
//!   webhook URL, authorised with `Bearer {api_key}`. Telnyx's message id is the receipt.
//!   Telnyx's refusals become errors with its text and code; 408, 429 and 5xx are retryable
//!   (honouring `Retry-After`), timeouts and connection failures too.
//! - `verify-signature` checks Telnyx's Ed25519 signature over `{timestamp}|{body}` with the
//!   account's public key, and refuses timestamps more than `timestamp_tolerance_s` from now
//!   ([`signature`]).
//! - `parse-webhook` turns `message.received` into an inbound message (with the normalised
//!   [`SmsMeta`](roomkit_sdk::sms::SmsMeta)) and `message.sent` / `message.finalized` into
//!   status updates, and answers Telnyx an empty `200` ([`inbound`], [`status`]).
//!
//! Settings come from the channel's `config` table, then the manifest's `[config]`
//! ([`settings`]); `api_key` is a secret and appears in no error and no log line.

pub mod inbound;
pub mod outbound;
pub mod settings;
pub mod signature;
pub mod status;

use std::time::{SystemTime, UNIX_EPOCH};

use roomkit_sdk::{
    BindingView, DeliveryError, DeliveryReceipt, Provider, RoomEvent, WebhookRequest,
    WebhookResult, config, log,
};

use settings::{DeliverySettings, WebhookSettings};

/// Sends `event` to `binding`'s recipient with `settings`.
pub fn deliver(
    settings: &DeliverySettings,
    event: &RoomEvent,
    binding: &BindingView,
) -> Result<DeliveryReceipt, DeliveryError> {
    let message = outbound::message(settings, event, binding)?;
    let response = outbound::request(settings, &message).send().map_err(|e| {
        let error = DeliveryError::from(e);
        DeliveryError {
            message: settings
                .api_key
                .scrub(&format!("Telnyx request failed: {}", error.message)),
            ..error
        }
    })?;
    outbound::outcome(&response, settings)
}

/// The current Unix time in seconds (wasi clocks in a component).
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether `request` is signed by Telnyx, at time `now`; a refusal is logged with its reason.
pub fn verify_at(request: &WebhookRequest, now: u64) -> bool {
    let settings = match WebhookSettings::read(config::get) {
        Ok(settings) => settings,
        Err(why) => {
            log::error(&format!(
                "channel {}: webhook refused: {why}",
                request.channel_id
            ));
            return false;
        }
    };
    match signature::verify(&settings.public_key, request, now, settings.tolerance_s) {
        Ok(()) => true,
        Err(refusal) => {
            log::warn(&format!(
                "channel {}: webhook refused: {refusal}",
                request.channel_id
            ));
            false
        }
    }
}

/// The plugin.
#[derive(Debug)]
pub struct TelnyxSms;

impl Provider for TelnyxSms {
    fn deliver(event: RoomEvent, binding: BindingView) -> Result<DeliveryReceipt, DeliveryError> {
        let settings = DeliverySettings::read(config::get).map_err(DeliveryError::permanent)?;
        deliver(&settings, &event, &binding)
    }

    fn verify_signature(request: WebhookRequest) -> bool {
        verify_at(&request, now())
    }

    fn parse_webhook(request: WebhookRequest) -> Result<WebhookResult, String> {
        inbound::parse(&request)
    }
}

roomkit_sdk::export_provider!(TelnyxSms);

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use ed25519_dalek::{Signer, SigningKey};
    use roomkit_sdk::http::{Error, Method, Response};
    use roomkit_sdk::types::{Header, MediaContent};
    use roomkit_sdk::{Content, EventSource, Part, TextContent, testing};
    use serde_json::{Value, json};
    use std::cell::RefCell;
    use std::rc::Rc;

    const API_KEY: &str = "KEY01234567890ABCDEF_secret";

    fn configure() {
        testing::set_configs([
            ("api_key", API_KEY),
            ("from_number", "+15145550000"),
            ("api_base", "https://api.telnyx.com"),
        ]);
    }

    fn event(content: Content) -> RoomEvent {
        let mut e =
            RoomEvent::message("room-1", EventSource::inbound("desk", "websocket"), content);
        e.id = "ev-9".into();
        e
    }

    fn text(body: &str) -> Content {
        Content::Text(TextContent {
            body: body.into(),
            language: None,
        })
    }

    fn binding(participant: Option<&str>, metadata: &str) -> BindingView {
        BindingView {
            channel_id: "sms".into(),
            channel_type: "sms".into(),
            category: "transport".into(),
            access: "read_write".into(),
            muted: false,
            visibility: "all".into(),
            participant_id: participant.map(str::to_owned),
            metadata: metadata.into(),
        }
    }

    fn answer(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Telnyx's answer to a send, as its API reference shows it.
    const SENT: &str = r#"{"data":{"record_type":"message","direction":"outbound","id":"40385f64-5717-4562-b3fc-2c963f66afa6","type":"SMS","messaging_profile_id":"4000eba1-a0c0-4563-9925-b25e842a7cb6","from":{"phone_number":"+15145550000","carrier":"TELNYX LLC","line_type":"VoIP"},"to":[{"phone_number":"+14185551234","status":"queued","carrier":"T-MOBILE USA, INC.","line_type":"Wireless"}],"text":"Hello!","media":[],"encoding":"GSM-7","parts":1,"errors":[]}}"#;

    /// Records every request and answers with `reply`.
    fn record(reply: Response) -> Rc<RefCell<Vec<roomkit_sdk::http::Request>>> {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::clone(&seen);
        testing::on_http(move |request| {
            log.borrow_mut().push(request.clone());
            Ok(reply.clone())
        });
        seen
    }

    #[test]
    fn a_text_is_posted_to_telnyx_exactly() {
        configure();
        let seen = record(answer(200, SENT));
        let receipt =
            TelnyxSms::deliver(event(text("Hello!")), binding(Some("+14185551234"), "{}")).unwrap();
        assert_eq!(
            receipt.provider_message_id.as_deref(),
            Some("40385f64-5717-4562-b3fc-2c963f66afa6")
        );
        let seen = seen.borrow();
        let [request] = seen.as_slice() else {
            panic!("{seen:?}")
        };
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.url, "https://api.telnyx.com/v2/messages");
        assert_eq!(
            request.headers,
            vec![
                ("authorization".to_owned(), format!("Bearer {API_KEY}")),
                ("content-type".to_owned(), "application/json".to_owned()),
                ("accept".to_owned(), "application/json".to_owned()),
            ]
        );
        assert_eq!(
            String::from_utf8(request.body.clone()).unwrap(),
            r#"{"from":"+15145550000","to":"+14185551234","text":"Hello!"}"#
        );
        assert_eq!(
            request.timeout,
            Some(std::time::Duration::from_millis(10_000))
        );
    }

    #[test]
    fn an_mms_with_profile_and_webhook_url_to_the_metadata_number() {
        configure();
        testing::set_configs([
            (
                "messaging_profile_id",
                "4000eba1-a0c0-4563-9925-b25e842a7cb6",
            ),
            ("webhook_url", "https://desk.example.com/v1/webhooks/sms"),
            ("api_base", "http://127.0.0.1:4010/"),
        ]);
        let seen = record(answer(200, SENT));
        let content = Content::Composite(vec![
            Part::Text(TextContent {
                body: "Product photos".into(),
                language: None,
            }),
            Part::Media(MediaContent {
                url: "https://example.com/photo1.jpg".into(),
                mime_type: "image/jpeg".into(),
                filename: None,
                size_bytes: None,
                caption: None,
            }),
            Part::Media(MediaContent {
                url: "https://example.com/photo2.jpg".into(),
                mime_type: "image/jpeg".into(),
                filename: None,
                size_bytes: None,
                caption: None,
            }),
        ]);
        TelnyxSms::deliver(
            event(content),
            binding(Some("+14185551234"), r#"{"phone_number":"+15145559999"}"#),
        )
        .unwrap();
        let request = &seen.borrow()[0];
        assert_eq!(request.url, "http://127.0.0.1:4010/v2/messages");
        assert_eq!(
            String::from_utf8(request.body.clone()).unwrap(),
            r#"{"from":"+15145550000","to":"+15145559999","text":"Product photos","media_urls":["https://example.com/photo1.jpg","https://example.com/photo2.jpg"],"messaging_profile_id":"4000eba1-a0c0-4563-9925-b25e842a7cb6","webhook_url":"https://desk.example.com/v1/webhooks/sms"}"#
        );
    }

    fn deliver_with(reply: Response) -> DeliveryError {
        configure();
        record(reply);
        TelnyxSms::deliver(event(text("hi")), binding(Some("+14185551234"), "{}")).unwrap_err()
    }

    #[test]
    fn a_refusal_carries_telnyx_text_and_code_and_is_permanent() {
        let error = deliver_with(answer(
            422,
            r#"{"errors":[{"code":"40310","title":"Invalid 'to' address","detail":"The 'to' address should be in E.164 format.","source":{"pointer":"/to"},"meta":{"url":"https://developers.telnyx.com/docs/overview/errors/40310"}}]}"#,
        ));
        assert_eq!(
            error,
            DeliveryError {
                message: "Telnyx refused the message (HTTP 422): Invalid 'to' address: The 'to' address should be in E.164 format. (code 40310)".into(),
                retryable: false,
                code: Some("40310".into()),
                retry_after_ms: None,
            }
        );
    }

    #[test]
    fn a_wrong_api_key_is_permanent_and_the_key_never_shows() {
        // Even a service that echoes the header back does not get the key into the error.
        configure();
        testing::on_http(|request| {
            let auth = request
                .headers
                .iter()
                .find(|(n, _)| n == "authorization")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            Ok(answer(
                401,
                &json!({"errors": [{"code": "10009", "title": "Authentication failed",
                                    "detail": format!("Could not understand the provided credentials: {auth}")}]})
                .to_string(),
            ))
        });
        let error =
            TelnyxSms::deliver(event(text("hi")), binding(Some("+14185551234"), "{}")).unwrap_err();
        assert!(!error.retryable);
        assert_eq!(error.code.as_deref(), Some("10009"));
        assert_eq!(
            error.message,
            "Telnyx refused the message (HTTP 401): Authentication failed: Could not understand the provided credentials: Bearer [redacted] (code 10009)"
        );
        // Nor in garbage answers, transport errors or the log.
        testing::on_http(|_| Ok(answer(502, &format!("proxy error for key {API_KEY}"))));
        let error =
            TelnyxSms::deliver(event(text("hi")), binding(Some("+14185551234"), "{}")).unwrap_err();
        assert!(!error.message.contains(API_KEY), "{}", error.message);
        testing::on_http(|_| Err(Error::Connection(format!("reset after {API_KEY}"))));
        let error =
            TelnyxSms::deliver(event(text("hi")), binding(Some("+14185551234"), "{}")).unwrap_err();
        assert_eq!(
            error.message,
            "Telnyx request failed: connection failed: reset after [redacted]"
        );
        assert!(
            testing::logs()
                .iter()
                .all(|(_, line)| !line.contains(API_KEY))
        );
    }

    #[test]
    fn throttling_and_server_errors_are_retryable_after_retry_after() {
        let mut throttled = answer(
            429,
            r#"{"errors":[{"code":"10011","title":"Too many requests","detail":"You have exceeded the maximum number of allowed requests."}]}"#,
        );
        throttled.headers.push(("retry-after".into(), "7".into()));
        let error = deliver_with(throttled);
        assert_eq!(
            error,
            DeliveryError {
                message: "Telnyx refused the message (HTTP 429): Too many requests: You have exceeded the maximum number of allowed requests. (code 10011)".into(),
                retryable: true,
                code: Some("10011".into()),
                retry_after_ms: Some(7000),
            }
        );
        let error = deliver_with(answer(
            500,
            r#"{"errors":[{"code":"10007","title":"Unexpected error","detail":"An unexpected error occured."}]}"#,
        ));
        assert!(error.retryable);
        assert_eq!(error.code.as_deref(), Some("10007"));
        assert_eq!(error.retry_after_ms, None);
        let mut unavailable = answer(503, "");
        unavailable.headers.push(("retry-after".into(), "2".into()));
        let error = deliver_with(unavailable);
        assert_eq!(
            error,
            DeliveryError {
                message: "Telnyx answered HTTP 503 without its error JSON: (empty body)".into(),
                retryable: true,
                code: None,
                retry_after_ms: Some(2000),
            }
        );
    }

    #[test]
    fn garbage_answers_are_clear_errors() {
        let error = deliver_with(answer(502, "<html>Bad Gateway</html>"));
        assert_eq!(
            error.message,
            "Telnyx answered HTTP 502 without its error JSON: \"<html>Bad Gateway</html>\""
        );
        assert!(error.retryable);
        let error = deliver_with(answer(400, r#"{"message":"nope"}"#));
        assert_eq!(
            error.message,
            "Telnyx answered HTTP 400 without its error JSON: \"{\\\"message\\\":\\\"nope\\\"}\""
        );
        assert!(!error.retryable);
        // A success without an id: the message may be queued, so it is not tried again.
        for body in [
            "",
            "ok",
            r#"{"data":{}}"#,
            r#"{"data":{"id":""}}"#,
            r#"{"id":"x"}"#,
        ] {
            let error = deliver_with(answer(200, body));
            assert!(!error.retryable, "{body}");
            assert!(
                error.message.starts_with(
                    "Telnyx answered HTTP 200 without a message id (expected {\"data\": {\"id\": …}}); the message may have been sent: "
                ),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn transport_failures_follow_the_http_layer() {
        configure();
        testing::on_http(|_| Err(Error::Timeout));
        let error =
            TelnyxSms::deliver(event(text("hi")), binding(Some("+14185551234"), "{}")).unwrap_err();
        assert_eq!(
            (error.message.as_str(), error.retryable),
            ("Telnyx request failed: timed out", true)
        );
        testing::on_http(|_| Err(Error::Denied("host not allowed".into())));
        let error =
            TelnyxSms::deliver(event(text("hi")), binding(Some("+14185551234"), "{}")).unwrap_err();
        assert_eq!(
            (error.message.as_str(), error.retryable),
            (
                "Telnyx request failed: request denied: host not allowed",
                false
            )
        );
    }

    #[test]
    fn nothing_is_sent_without_settings_recipient_or_content() {
        let seen = record(answer(200, SENT));
        let error =
            TelnyxSms::deliver(event(text("hi")), binding(Some("+14185551234"), "{}")).unwrap_err();
        assert_eq!(
            (error.message.as_str(), error.retryable),
            ("config key `api_key` is not set", false)
        );
        configure();
        let error = TelnyxSms::deliver(event(text("hi")), binding(None, "{}")).unwrap_err();
        assert!(!error.retryable && error.message.contains("names no recipient"));
        let error =
            TelnyxSms::deliver(event(text("")), binding(Some("+14185551234"), "{}")).unwrap_err();
        assert_eq!(
            error.message,
            "event ev-9: the content has neither text nor media to send"
        );
        assert!(seen.borrow().is_empty());
    }

    // Webhooks, end to end through the trait: a request signed with the RFC 8032 TEST 1 key.

    const RFC8032_SECRET: [u8; 32] = [
        0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c,
        0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae,
        0x7f, 0x60,
    ];
    const RFC8032_PUBLIC_BASE64: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    fn signed_webhook(timestamp: u64, body: &str) -> WebhookRequest {
        let key = SigningKey::from_bytes(&RFC8032_SECRET);
        let signature = key.sign(format!("{timestamp}|{body}").as_bytes());
        let header = |name: &str, value: String| Header {
            name: name.into(),
            value,
        };
        WebhookRequest {
            channel_id: "sms".into(),
            method: "POST".into(),
            path: "/v1/webhooks/sms".into(),
            query: String::new(),
            public_url: "https://desk.example.com/v1/webhooks/sms".into(),
            headers: vec![
                header("content-type", "application/json".into()),
                header(
                    "telnyx-signature-ed25519",
                    STANDARD.encode(signature.to_bytes()),
                ),
                header("telnyx-timestamp", timestamp.to_string()),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    const INBOUND: &str = r#"{"data":{"record_type":"event","id":"bf6307bd-884d-4c1f-b6ea-c62b8c495d3c","event_type":"message.received","occurred_at":"2019-01-23T18:10:02.574Z","payload":{"direction":"inbound","id":"7ee4241c-f127-47e5-9c34-3aac291f8058","type":"SMS","from":{"phone_number":"+14185551234"},"to":[{"phone_number":"+15145550000","status":"delivered"}],"text":"Hi there","media":[]}},"meta":{"attempt":1,"delivered_to":"https://desk.example.com/v1/webhooks/sms"}}"#;

    #[test]
    fn a_signed_webhook_is_verified_now_and_parsed() {
        testing::set_config("public_key", RFC8032_PUBLIC_BASE64);
        let request = signed_webhook(now(), INBOUND);
        assert!(TelnyxSms::verify_signature(request.clone()));
        let result = TelnyxSms::parse_webhook(request).unwrap();
        assert_eq!(result.messages[0].sender_id, "+14185551234");
        assert_eq!(result.messages[0].content.as_text(), Some("Hi there"));
        assert_eq!(result.response, Some(roomkit_sdk::WebhookResponse::empty()));
        assert!(testing::logs().is_empty());
    }

    #[test]
    fn refused_webhooks_are_logged_with_the_reason() {
        testing::set_config("public_key", RFC8032_PUBLIC_BASE64);
        let now = 1_765_000_000;
        let mut tampered = signed_webhook(now, INBOUND);
        tampered.body = INBOUND.replace("Hi there", "Hi thete").into_bytes();
        assert!(!verify_at(&tampered, now));
        assert!(!verify_at(&signed_webhook(now - 301, INBOUND), now));
        testing::set_config("timestamp_tolerance_s", "600");
        assert!(verify_at(&signed_webhook(now - 301, INBOUND), now));
        let logs: Vec<String> = testing::logs().into_iter().map(|(_, l)| l).collect();
        assert_eq!(
            logs,
            [
                "channel sms: webhook refused: the signature does not match the timestamp and body (or another key signed it)",
                "channel sms: webhook refused: header telnyx-timestamp 1764999699 is 301s from now (1765000000); at most 300s is accepted",
            ]
        );
    }

    #[test]
    fn without_a_public_key_every_webhook_is_refused() {
        assert!(!verify_at(
            &signed_webhook(1_765_000_000, INBOUND),
            1_765_000_000
        ));
        assert_eq!(
            testing::logs(),
            [(
                log::Level::Error,
                "channel sms: webhook refused: config key `public_key` is not set".to_owned()
            )]
        );
    }

    #[test]
    fn the_status_of_a_sent_message_comes_back_by_its_id() {
        let body = json!({"data": {"event_type": "message.finalized", "id": "e-2", "occurred_at": "2026-12-06T17:00:00Z",
            "payload": {"id": "40385f64-5717-4562-b3fc-2c963f66afa6", "direction": "outbound",
                        "to": [{"phone_number": "+14185551234", "status": "delivered"}], "errors": []}}})
        .to_string();
        let result = TelnyxSms::parse_webhook(signed_webhook(0, &body)).unwrap();
        let update = &result.status_updates[0];
        assert_eq!(
            update.provider_message_id,
            "40385f64-5717-4562-b3fc-2c963f66afa6"
        );
        assert_eq!(update.status, roomkit_sdk::DeliveryStatus::Delivered);
        let metadata: Value = serde_json::from_str(&update.metadata).unwrap();
        assert_eq!(metadata["telnyx_status"], "delivered");
    }
}
