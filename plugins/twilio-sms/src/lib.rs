//! A provider for SMS channels through Twilio's Programmable Messaging.
//!
//! - `deliver` sends the event to the binding's number with the Messages resource
//!   ([`outbound`]): text as `Body`, media as `MediaUrl`, the number normalised to E.164 with
//!   [`roomkit_sdk::phone::normalize_phone`]. The receipt is Twilio's message sid (`SM…`/`MM…`);
//!   Twilio's error objects become delivery errors with its code and text.
//! - `verify-signature` checks `X-Twilio-Signature` ([`signature`]) against the URL Twilio
//!   called (the request's `public-url`) with the channel's `auth_token`.
//! - `parse-webhook` reads an inbound SMS/MMS ([`inbound`]; answered with empty TwiML) or a
//!   status callback ([`status`]; answered with an empty 200).
//!
//! Settings come from the channel's `config` table, then the manifest ([`settings`]), so one
//! component serves several accounts. The auth token and API key secret appear in no error
//! and no log line.

pub mod inbound;
pub mod outbound;
pub mod settings;
pub mod signature;
pub mod status;

use roomkit_sdk::{
    BindingView, DeliveryError, DeliveryReceipt, Provider, RoomEvent, WebhookRequest,
    WebhookResponse, WebhookResult, config, form, log,
};

use crate::settings::Settings;
use crate::status::Kind;

/// Sends `event` to `binding`'s recipient with the settings `get` reads.
pub fn deliver_with(
    get: impl Fn(&str) -> Option<String>,
    event: &RoomEvent,
    binding: &BindingView,
) -> Result<DeliveryReceipt, DeliveryError> {
    let settings = Settings::read(get).map_err(DeliveryError::permanent)?;
    let message = outbound::outgoing(&event.content)?;
    let to = outbound::to_number(&outbound::recipient(binding)?, &settings)?;
    let response = outbound::request(&settings, &to, &message)
        .send()
        .map_err(|e| {
            let text = format!("Twilio request failed: {e}");
            if e.is_retryable() {
                DeliveryError::retryable(text)
            } else {
                DeliveryError::permanent(text)
            }
        })?;
    outbound::receipt(&response)
}

/// What a verified webhook carries: a status update (answered with an empty 200) or a message
/// (answered with empty TwiML).
pub fn parse(request: &WebhookRequest) -> Result<WebhookResult, String> {
    let fields = inbound::fields(request)?;
    let reported = form::get(&fields, "MessageStatus").or_else(|| form::get(&fields, "SmsStatus"));
    match reported.map(status::kind) {
        Some(Kind::Outbound(state)) => Ok(WebhookResult::reply(WebhookResponse::empty())
            .with_status_updates(vec![status::update(&fields, state)?])),
        Some(Kind::Unknown(value)) => {
            log::warn(&format!(
                "Twilio status callback with an unknown MessageStatus {value:?}; not stored"
            ));
            Ok(WebhookResult::reply(WebhookResponse::empty()))
        }
        Some(Kind::Inbound) | None => {
            let meta = inbound::message(&fields)?;
            Ok(
                WebhookResult::messages(vec![meta.to_inbound(&request.channel_id)])
                    .with_response(inbound::empty_twiml()),
            )
        }
    }
}

/// The plugin.
#[derive(Debug)]
pub struct TwilioSms;

impl Provider for TwilioSms {
    fn deliver(event: RoomEvent, binding: BindingView) -> Result<DeliveryReceipt, DeliveryError> {
        deliver_with(config::get, &event, &binding)
    }

    fn verify_signature(request: WebhookRequest) -> bool {
        let token = match settings::auth_token(config::get) {
            Ok(token) => token,
            Err(e) => {
                log::error(&format!(
                    "cannot check Twilio webhooks on channel {}: {e}",
                    request.channel_id
                ));
                return false;
            }
        };
        let valid = signature::verify(&token, &request);
        if !valid {
            log::warn(&format!(
                "Twilio signature does not match {} on channel {} (is the host's public_url the URL configured in Twilio?)",
                request.public_url, request.channel_id
            ));
        }
        valid
    }

    fn parse_webhook(request: WebhookRequest) -> Result<WebhookResult, String> {
        parse(&request)
    }
}

roomkit_sdk::export_provider!(TwilioSms);

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::http::{Error, Method, Response};
    use roomkit_sdk::types::{Header, MediaContent};
    use roomkit_sdk::{Content, DeliveryStatus, EventSource, testing};
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    const TOKEN: &str = "tok-0123456789abcdef";
    const SID: &str = "AC0123456789abcdef0123456789abcdef";

    fn configure() {
        testing::set_configs([
            ("account_sid", SID),
            ("auth_token", TOKEN),
            ("from", "+15145550000"),
        ]);
    }

    fn event(content: Content) -> RoomEvent {
        let mut e = RoomEvent::message("room-1", EventSource::inbound("web", "websocket"), content);
        e.id = "ev-1".into();
        e
    }

    fn binding(participant: &str) -> BindingView {
        BindingView {
            channel_id: "sms".into(),
            channel_type: "sms".into(),
            category: "transport".into(),
            access: "read_write".into(),
            muted: false,
            visibility: "all".into(),
            participant_id: Some(participant.into()),
            metadata: "{}".into(),
        }
    }

    fn created(sid: &str) -> Response {
        Response {
            status: 201,
            headers: vec![("content-type".into(), "application/json".into())],
            body: format!(
                r#"{{"account_sid":"{SID}","api_version":"2010-04-01","body":"hi","direction":"outbound-api","error_code":null,"error_message":null,"from":"+15145550000","num_media":"0","num_segments":"1","sid":"{sid}","status":"queued","to":"+14185551234","uri":"/2010-04-01/Accounts/{SID}/Messages/{sid}.json"}}"#
            )
            .into_bytes(),
        }
    }

    /// Answers with `response` and keeps every request it was asked.
    fn record(response: Result<Response, Error>) -> Rc<RefCell<Vec<roomkit_sdk::http::Request>>> {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::clone(&seen);
        testing::on_http(move |request| {
            log.borrow_mut().push(request.clone());
            response.clone()
        });
        seen
    }

    /// No error message and no log line shows a secret.
    fn assert_no_secret(text: &str) {
        for secret in [TOKEN, "key-secret-42"] {
            assert!(!text.contains(secret), "secret in {text:?}");
        }
        for (_, line) in testing::logs() {
            assert!(
                !line.contains(TOKEN) && !line.contains("key-secret-42"),
                "secret in log {line:?}"
            );
        }
    }

    #[test]
    fn a_text_is_posted_exactly_as_twilio_documents() {
        configure();
        let seen = record(Ok(created("SM0123456789abcdef0123456789abcdef")));
        let receipt =
            TwilioSms::deliver(event(Content::text("Hi & bye")), binding("418-555-1234")).unwrap();
        assert_eq!(
            receipt.provider_message_id.as_deref(),
            Some("SM0123456789abcdef0123456789abcdef")
        );
        let seen = seen.borrow();
        let [request] = seen.as_slice() else {
            panic!("{seen:?}")
        };
        assert_eq!(request.method, Method::Post);
        assert_eq!(
            request.url,
            format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json")
        );
        // base64("AC0123456789abcdef0123456789abcdef:tok-0123456789abcdef")
        assert_eq!(
            request.headers,
            vec![
                (
                    "authorization".to_owned(),
                    "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0b2stMDEyMzQ1Njc4OWFiY2RlZg==".to_owned()
                ),
                ("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned()),
                ("accept".to_owned(), "application/json".to_owned()),
            ]
        );
        assert_eq!(
            String::from_utf8_lossy(&request.body),
            "To=%2B14185551234&From=%2B15145550000&Body=Hi+%26+bye"
        );
        assert_eq!(request.timeout, Some(Duration::from_millis(10_000)));
    }

    #[test]
    fn media_an_api_key_a_service_and_a_status_callback_go_in_the_request() {
        testing::set_configs([
            ("account_sid", SID),
            ("auth_token", TOKEN),
            ("api_key_sid", "SK42"),
            ("api_key_secret", "key-secret-42"),
            ("messaging_service_sid", "MG42"),
            (
                "status_callback_url",
                "https://desk.example.com/v1/webhooks/sms",
            ),
            ("api_base", "http://127.0.0.1:4010"),
            ("default_region", "CA"),
        ]);
        let seen = record(Ok(created("MM1")));
        let content = Content::Composite(vec![
            roomkit_sdk::Part::Media(MediaContent {
                url: "https://m.example/1.jpg".into(),
                mime_type: "image/jpeg".into(),
                filename: None,
                size_bytes: None,
                caption: Some("photo".into()),
            }),
            roomkit_sdk::Part::Media(MediaContent {
                url: "https://m.example/2.png?x=1&y=2".into(),
                mime_type: "image/png".into(),
                filename: None,
                size_bytes: None,
                caption: None,
            }),
        ]);
        let mut binding = binding("+15550000000");
        binding.metadata = r#"{"phone_number":"(418) 555-1234"}"#.into();
        TwilioSms::deliver(event(content), binding).unwrap();
        let seen = seen.borrow();
        assert_eq!(
            seen[0].url,
            format!("http://127.0.0.1:4010/2010-04-01/Accounts/{SID}/Messages.json")
        );
        // base64("SK42:key-secret-42")
        assert_eq!(seen[0].headers[0].1, "Basic U0s0MjprZXktc2VjcmV0LTQy");
        assert_eq!(
            String::from_utf8_lossy(&seen[0].body),
            "To=%2B14185551234&MessagingServiceSid=MG42&Body=photo\
             &MediaUrl=https%3A%2F%2Fm.example%2F1.jpg&MediaUrl=https%3A%2F%2Fm.example%2F2.png%3Fx%3D1%26y%3D2\
             &StatusCallback=https%3A%2F%2Fdesk.example.com%2Fv1%2Fwebhooks%2Fsms"
        );
    }

    #[test]
    fn every_error_class_is_told_apart_and_shows_no_secret() {
        configure();
        let json = |status: u16, body: &str| {
            Ok(Response {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.as_bytes().to_vec(),
            })
        };
        // (answer, retryable, code, retry-after ms, message)
        type Case = (
            Result<Response, Error>,
            bool,
            Option<&'static str>,
            Option<u64>,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (
                json(401, r#"{"code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.", "message": "Authentication Error - invalid username", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#),
                false,
                Some("20003"),
                None,
                "Twilio refused the message (HTTP 401, error 20003): Authentication Error - invalid username (https://www.twilio.com/docs/errors/20003)",
            ),
            (
                json(400, r#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400}"#),
                false,
                Some("21610"),
                None,
                "Twilio refused the message (HTTP 400, error 21610): Attempt to send to unsubscribed recipient (https://www.twilio.com/docs/errors/21610)",
            ),
            (
                json(429, r#"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#)
                    .map(|mut r| { r.headers.push(("retry-after".into(), "2".into())); r }),
                true,
                Some("20429"),
                Some(2000),
                "Twilio refused the message (HTTP 429, error 20429): Too Many Requests (https://www.twilio.com/docs/errors/20429)",
            ),
            (
                json(500, "upstream exploded"),
                true,
                None,
                None,
                "Twilio answered HTTP 500 without its JSON error object: \"upstream exploded\"",
            ),
            (Err(Error::Timeout), true, None, None, "Twilio request failed: timed out"),
            (
                Err(Error::Connection("refused".into())),
                true,
                None,
                None,
                "Twilio request failed: connection failed: refused",
            ),
            (
                Err(Error::Denied("host not allowed".into())),
                false,
                None,
                None,
                "Twilio request failed: request denied: host not allowed",
            ),
        ];
        for (answer, retryable, code, retry_after_ms, message) in cases {
            record(answer);
            let error = TwilioSms::deliver(event(Content::text("hi")), binding("+14185551234"))
                .unwrap_err();
            assert_eq!(error.message, message);
            assert_eq!(error.retryable, retryable, "{message}");
            assert_eq!(error.code.as_deref(), code, "{message}");
            assert_eq!(error.retry_after_ms, retry_after_ms, "{message}");
            assert_no_secret(&error.message);
        }
    }

    #[test]
    fn bad_config_numbers_and_content_fail_before_any_request() {
        let seen = record(Ok(created("SM1")));
        testing::set_configs([("account_sid", SID), ("from", "+15145550000")]);
        let error =
            TwilioSms::deliver(event(Content::text("hi")), binding("+14185551234")).unwrap_err();
        assert_eq!(
            (error.message.as_str(), error.retryable),
            ("config key `auth_token` is not set", false)
        );
        configure();
        let error =
            TwilioSms::deliver(event(Content::text("hi")), binding("not a number")).unwrap_err();
        assert_eq!(
            error.message,
            "recipient: \"not a number\" is not a phone number: it contains letters"
        );
        assert!(!error.retryable);
        let error =
            TwilioSms::deliver(event(Content::text("")), binding("+14185551234")).unwrap_err();
        assert_eq!(
            error.message,
            "nothing to send by SMS: the event has no text and no media"
        );
        assert!(seen.borrow().is_empty());
    }

    fn webhook(url: &str, body: &str, signature: Option<String>) -> WebhookRequest {
        let (_, query) = url.split_once('?').unwrap_or((url, ""));
        let mut headers = vec![Header {
            name: "content-type".into(),
            value: "application/x-www-form-urlencoded".into(),
        }];
        headers.extend(signature.map(|value| Header {
            name: "x-twilio-signature".into(),
            value,
        }));
        WebhookRequest {
            channel_id: "sms".into(),
            method: "POST".into(),
            path: "/v1/webhooks/sms".into(),
            query: query.into(),
            public_url: url.into(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    const URL: &str = "https://desk.example.com/v1/webhooks/sms";

    #[test]
    fn signed_webhooks_verify_with_the_channel_token_only() {
        configure();
        let body = "MessageSid=SM1&From=%2B14185551234&To=%2B15145550000&Body=hi&NumMedia=0";
        let good = signature::sign(TOKEN, URL, &form::decode(body.as_bytes()));
        assert!(TwilioSms::verify_signature(webhook(
            URL,
            body,
            Some(good.clone())
        )));
        assert!(!TwilioSms::verify_signature(webhook(
            URL,
            &body.replace("hi", "ho"),
            Some(good.clone())
        )));
        assert!(!TwilioSms::verify_signature(webhook(
            &format!("{URL}?x=1"),
            body,
            Some(good.clone())
        )));
        assert!(!TwilioSms::verify_signature(webhook(URL, body, None)));
        let forged = signature::sign("guessed", URL, &form::decode(body.as_bytes()));
        assert!(!TwilioSms::verify_signature(webhook(
            URL,
            body,
            Some(forged)
        )));
        assert_no_secret("");
        testing::reset();
        assert!(!TwilioSms::verify_signature(webhook(URL, body, Some(good))));
        assert_eq!(
            testing::logs().last().map(|(_, l)| l.as_str()),
            Some("cannot check Twilio webhooks on channel sms: config key `auth_token` is not set")
        );
    }

    #[test]
    fn an_inbound_sms_is_a_message_answered_with_empty_twiml() {
        let body = "ToCountry=US&SmsMessageSid=SM9&NumMedia=0&SmsSid=SM9&SmsStatus=received\
                    &Body=Bonjour&To=%2B15145550000&NumSegments=1&MessageSid=SM9\
                    &AccountSid=AC1&From=%2B14185551234&ApiVersion=2010-04-01";
        let result = TwilioSms::parse_webhook(webhook(URL, body, None)).unwrap();
        let [message] = result.messages.as_slice() else {
            panic!("{result:?}")
        };
        assert_eq!(message.channel_id, "sms");
        assert_eq!(message.sender_id, "+14185551234");
        assert_eq!(message.content, Content::text("Bonjour"));
        assert_eq!(message.idempotency_key.as_deref(), Some("SM9"));
        assert_eq!(message.provider.as_deref(), Some("twilio"));
        assert_eq!(message.provider_message_id.as_deref(), Some("SM9"));
        let metadata: serde_json::Value = serde_json::from_str(&message.metadata).unwrap();
        assert_eq!(metadata["sms"]["recipient"], "+15145550000");
        assert_eq!(metadata["sms"]["raw"]["ToCountry"], "US");
        assert!(result.status_updates.is_empty());
        assert_eq!(result.response, Some(inbound::empty_twiml()));
    }

    #[test]
    fn a_status_callback_is_an_update_answered_with_an_empty_200() {
        let body = "AccountSid=AC1&From=%2B15145550000&MessageSid=SM5&MessageStatus=undelivered\
                    &SmsSid=SM5&SmsStatus=undelivered&To=%2B14185551234&ApiVersion=2010-04-01&ErrorCode=30005";
        let result = TwilioSms::parse_webhook(webhook(URL, body, None)).unwrap();
        assert!(result.messages.is_empty());
        let [update] = result.status_updates.as_slice() else {
            panic!("{result:?}")
        };
        assert_eq!(update.provider_message_id, "SM5");
        assert_eq!(update.status, DeliveryStatus::Failed);
        assert_eq!(update.error_code.as_deref(), Some("30005"));
        assert_eq!(
            update.error_message.as_deref(),
            Some("Unknown destination handset")
        );
        assert_eq!(result.response, Some(WebhookResponse::empty()));

        let unknown = body.replace("=undelivered", "=beamed");
        let result = TwilioSms::parse_webhook(webhook(URL, &unknown, None)).unwrap();
        assert!(result.messages.is_empty() && result.status_updates.is_empty());
        assert_eq!(result.response, Some(WebhookResponse::empty()));
    }

    #[test]
    fn malformed_webhooks_are_errors() {
        let cases = [
            (
                "Body=hi&From=%2B1",
                "Twilio message webhook has no `MessageSid`",
            ),
            (
                "MessageStatus=sent&To=%2B1",
                "Twilio status callback has no `MessageSid`",
            ),
            (
                "MessageSid=SM1&From=%2B1&NumMedia=12",
                "Twilio message SM1: `NumMedia` is 12; Twilio sends at most 10",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                TwilioSms::parse_webhook(webhook(URL, body, None)).unwrap_err(),
                expected
            );
        }
    }
}
