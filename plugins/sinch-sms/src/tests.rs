//! The provider end to end with the SDK's stand-ins: exact requests, every error class, signed
//! and unsigned callbacks, and no secret in any error or log line.

use super::*;
use roomkit_sdk::http::{Error, Method, Response};
use roomkit_sdk::types::{Header, MediaContent, Part, TextContent};
use roomkit_sdk::{Content, EventSource, testing};

const TOKEN: &str = "tok-3f9a-very-secret";
const SECRET: &str = "whsec-sinch-8b1d";

fn configure() {
    testing::set_configs([
        ("service_plan_id", "plan42"),
        ("api_token", TOKEN),
        ("from_number", "+15145550000"),
        ("webhook_secret", SECRET),
    ]);
}

fn event(content: Content) -> RoomEvent {
    let mut e = RoomEvent::message("room-1", EventSource::inbound("ws", "websocket"), content);
    e.id = "ev-7".into();
    e
}

fn binding() -> BindingView {
    testing::sms_binding(Some("+14185551234"))
}

fn answer(status: u16, body: &str) -> Response {
    testing::json_response(status, body)
}

const CREATED: &str = r#"{"id":"01FC66621XXXXX119Z8PMV1QPQ","to":["+14185551234"],"from":"+15145550000","canceled":false,"body":"hi","type":"mt_text","created_at":"2026-12-06T17:00:00.000Z","modified_at":"2026-12-06T17:00:00.000Z","delivery_report":"per_recipient","expire_at":"2026-12-09T17:00:00.000Z","client_reference":"ev-7","flash_message":false}"#;

fn deliver_with(
    content: Content,
    reply: Response,
) -> (
    Result<DeliveryReceipt, DeliveryError>,
    Vec<roomkit_sdk::http::Request>,
) {
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = seen.clone();
    testing::on_http(move |request| {
        sink.borrow_mut().push(request.clone());
        Ok(reply.clone())
    });
    let result = SinchSms::deliver(event(content), binding());
    let requests = seen.borrow().clone();
    (result, requests)
}

fn no_secret_anywhere(error: &DeliveryError) {
    assert!(!error.message.contains(TOKEN), "{error:?}");
    assert!(!error.message.contains(SECRET), "{error:?}");
    for (_, line) in testing::logs() {
        assert!(!line.contains(TOKEN) && !line.contains(SECRET), "{line}");
    }
}

#[test]
fn a_text_is_posted_as_an_mt_text_batch() {
    configure();
    let (result, requests) = deliver_with(Content::text("hi"), answer(201, CREATED));
    assert_eq!(
        result.unwrap().provider_message_id.as_deref(),
        Some("01FC66621XXXXX119Z8PMV1QPQ")
    );
    let [request] = requests.as_slice() else {
        panic!("{requests:?}")
    };
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        "https://us.sms.api.sinch.com/xms/v1/plan42/batches"
    );
    assert_eq!(
        request.headers,
        vec![
            ("authorization".to_owned(), format!("Bearer {TOKEN}")),
            ("content-type".to_owned(), "application/json".to_owned()),
            ("accept".to_owned(), "application/json".to_owned()),
        ]
    );
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        r#"{"from":"+15145550000","to":["+14185551234"],"body":"hi","delivery_report":"per_recipient","client_reference":"ev-7"}"#
    );
    assert_eq!(request.timeout, Some(Duration::from_secs(10)));
}

#[test]
fn channel_settings_pick_region_callback_and_report_and_the_binding_number() {
    configure();
    testing::set_configs([
        ("api_base", "https://eu.sms.api.sinch.com/"),
        ("delivery_report", "none"),
        ("callback_url", "https://desk.example.com/v1/webhooks/sms"),
        ("timeout_ms", "2500"),
    ]);
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = seen.clone();
    testing::on_http(move |r| {
        sink.borrow_mut().push(r.clone());
        Ok(answer(201, CREATED))
    });
    let mut b = binding();
    b.metadata = r#"{"phone_number":"+33612345678"}"#.into();
    SinchSms::deliver(event(Content::text("bonjour")), b).unwrap();
    let request = &seen.borrow()[0];
    assert_eq!(
        request.url,
        "https://eu.sms.api.sinch.com/xms/v1/plan42/batches"
    );
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        r#"{"from":"+15145550000","to":["+33612345678"],"body":"bonjour","delivery_report":"none","callback_url":"https://desk.example.com/v1/webhooks/sms","client_reference":"ev-7"}"#
    );
    assert_eq!(request.timeout, Some(Duration::from_millis(2500)));
}

fn image(url: &str, caption: Option<&str>) -> MediaContent {
    MediaContent {
        url: url.into(),
        mime_type: "image/jpeg".into(),
        filename: None,
        size_bytes: None,
        caption: caption.map(str::to_owned),
    }
}

#[test]
fn one_media_item_goes_as_an_mt_media_batch() {
    configure();
    let (result, requests) = deliver_with(
        Content::Media(image("https://cdn.example.com/a.jpg", Some("look"))),
        answer(201, &CREATED.replace("mt_text", "mt_media")),
    );
    result.unwrap();
    assert_eq!(
        String::from_utf8(requests[0].body.clone()).unwrap(),
        r#"{"from":"+15145550000","to":["+14185551234"],"type":"mt_media","body":{"url":"https://cdn.example.com/a.jpg","message":"look"},"delivery_report":"per_recipient","client_reference":"ev-7"}"#
    );
    let (_, requests) = deliver_with(
        Content::Media(image("https://cdn.example.com/a.jpg", None)),
        answer(201, CREATED),
    );
    assert_eq!(
        String::from_utf8(requests[0].body.clone()).unwrap(),
        r#"{"from":"+15145550000","to":["+14185551234"],"type":"mt_media","body":{"url":"https://cdn.example.com/a.jpg"},"delivery_report":"per_recipient","client_reference":"ev-7"}"#
    );
}

#[test]
fn two_media_items_are_refused_before_sending() {
    configure();
    let (result, requests) = deliver_with(
        Content::Composite(vec![
            Part::Text(TextContent {
                body: "two".into(),
                language: None,
            }),
            Part::Media(image("https://cdn.example.com/a.jpg", None)),
            Part::Media(image("https://cdn.example.com/b.jpg", None)),
        ]),
        answer(201, CREATED),
    );
    let error = result.unwrap_err();
    assert!(requests.is_empty());
    assert!(!error.retryable);
    assert_eq!(
        error.message,
        "Sinch's SMS API sends one media item per MMS (mt_media); this event has 2"
    );
}

#[test]
fn sinch_error_json_gives_the_code_and_text() {
    configure();
    let (result, _) = deliver_with(
        Content::text("hi"),
        answer(
            400,
            r#"{"code":"syntax_constraint_violation","text":"The parameter 'to' is required"}"#,
        ),
    );
    let error = result.unwrap_err();
    assert_eq!(
        error,
        DeliveryError {
            message: "Sinch refused the batch (HTTP 400 syntax_constraint_violation): The parameter 'to' is required".into(),
            retryable: false,
            code: Some("syntax_constraint_violation".into()),
            retry_after_ms: None,
        }
    );
    let (result, _) = deliver_with(
        Content::text("hi"),
        answer(
            401,
            &format!(r#"{{"code":"unauthorized","text":"Bad token {TOKEN}"}}"#),
        ),
    );
    let error = result.unwrap_err();
    assert_eq!(
        error.message,
        "Sinch refused the batch (HTTP 401 unauthorized): Bad token [redacted]"
    );
    assert!(!error.retryable);
    no_secret_anywhere(&error);
}

#[test]
fn rate_limits_and_server_errors_are_retryable_with_retry_after() {
    configure();
    let mut limited = answer(429, r#"{"code":"too_many_requests","text":"Slow down"}"#);
    limited.headers.push(("retry-after".into(), "7".into()));
    let (result, _) = deliver_with(Content::text("hi"), limited);
    let error = result.unwrap_err();
    assert!(error.retryable);
    assert_eq!(error.retry_after_ms, Some(7000));
    assert_eq!(error.code.as_deref(), Some("too_many_requests"));
    let (result, _) = deliver_with(
        Content::text("hi"),
        answer(503, r#"{"code":"internal_error","text":"try later"}"#),
    );
    let error = result.unwrap_err();
    assert!(error.retryable && error.retry_after_ms.is_none());
}

#[test]
fn garbage_answers_are_clear_errors() {
    configure();
    let (result, _) = deliver_with(Content::text("hi"), answer(502, "<html>Bad Gateway</html>"));
    let error = result.unwrap_err();
    assert_eq!(
        error.message,
        "Sinch answered HTTP 502 without its error JSON: <html>Bad Gateway</html>"
    );
    assert!(error.retryable && error.code.is_none());
    let (result, _) = deliver_with(Content::text("hi"), answer(403, ""));
    assert_eq!(
        result.unwrap_err().message,
        "Sinch answered HTTP 403 without its error JSON: (empty body)"
    );
    // A 201 without a batch id: the batch may exist, so no retry.
    let (result, _) = deliver_with(Content::text("hi"), answer(201, "OK"));
    let error = result.unwrap_err();
    assert_eq!(
        error.message,
        "Sinch answered HTTP 201 without a batch id: OK"
    );
    assert!(!error.retryable);
}

#[test]
fn transport_failures_keep_their_class() {
    configure();
    testing::on_http(|_| Err(Error::Timeout));
    let error = SinchSms::deliver(event(Content::text("hi")), binding()).unwrap_err();
    assert!(error.retryable);
    assert_eq!(error.message, "Sinch batch request failed: timed out");
    testing::on_http(|_| Err(Error::Denied("host not allowed".into())));
    let error = SinchSms::deliver(event(Content::text("hi")), binding()).unwrap_err();
    assert!(!error.retryable);
    no_secret_anywhere(&error);
}

#[test]
fn missing_or_bad_settings_are_permanent_errors_naming_the_key() {
    let error = SinchSms::deliver(event(Content::text("hi")), binding()).unwrap_err();
    assert_eq!(error.message, "config key `service_plan_id` is not set");
    testing::set_config("service_plan_id", "plan42");
    let error = SinchSms::deliver(event(Content::text("hi")), binding()).unwrap_err();
    assert_eq!(error.message, "config key `api_token` is not set");
    testing::set_configs([("api_token", TOKEN), ("delivery_report", "always")]);
    let error = SinchSms::deliver(event(Content::text("hi")), binding()).unwrap_err();
    assert!(
        error
            .message
            .starts_with("config `delivery_report`: \"always\""),
        "{error:?}"
    );
    testing::set_configs([("delivery_report", "full"), ("service_plan_id", "../admin")]);
    let error = SinchSms::deliver(event(Content::text("hi")), binding()).unwrap_err();
    assert!(
        error.message.contains("is not a service plan id"),
        "{error:?}"
    );
    assert!(!error.retryable);
    let settings = Settings::read(|k| match k {
        "service_plan_id" => Some("p".into()),
        "api_token" => Some(TOKEN.into()),
        _ => None,
    })
    .unwrap();
    assert!(!format!("{settings:?}").contains(TOKEN));
}

fn callback(body: &str, headers: Vec<(&str, String)>) -> WebhookRequest {
    WebhookRequest {
        channel_id: "sms".into(),
        method: "POST".into(),
        path: "/v1/webhooks/sms".into(),
        query: String::new(),
        public_url: "https://desk.example.com/v1/webhooks/sms".into(),
        headers: headers
            .into_iter()
            .map(|(name, value)| Header {
                name: name.into(),
                value,
            })
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

fn signed_headers(body: &str, timestamp: u64) -> Vec<(&'static str, String)> {
    let nonce = "01FJA8B4A7BM43YGWSG9GBV067";
    vec![
        ("content-type", "application/json".into()),
        (
            signature::SIGNATURE,
            signature::sign(SECRET, body.as_bytes(), nonce, &timestamp.to_string()),
        ),
        (signature::NONCE, nonce.into()),
        (signature::TIMESTAMP, timestamp.to_string()),
        (signature::ALGORITHM, "HmacSHA256".into()),
    ]
}

#[test]
fn callbacks_are_verified_with_the_secret_and_the_clock() {
    configure();
    let body = r#"{"type":"mo_text","id":"01F1","from":"14185551234","to":"15145550000","body":"hi","received_at":"2026-12-06T17:00:00.000Z"}"#;
    let settings = WebhookSettings::read(config::get).unwrap();
    assert!(verify(
        &settings,
        &callback(body, signed_headers(body, 1_800_000_000)),
        1_800_000_100
    ));
    assert!(!verify(
        &settings,
        &callback(body, signed_headers(body, 1_800_000_000)),
        1_800_000_301
    ));
    let tampered = callback(
        &body.replace("hi", "ho"),
        signed_headers(body, 1_800_000_000),
    );
    assert!(!verify(&settings, &tampered, 1_800_000_000));
    // Through the provider, on the real clock.
    assert!(SinchSms::verify_signature(callback(
        body,
        signed_headers(body, now_s())
    )));
    assert!(!SinchSms::verify_signature(callback(body, vec![])));
    let logs = testing::logs();
    assert!(
        logs.iter()
            .any(|(_, l)| l.contains("no x-sinch-webhook-signature header")),
        "{logs:?}"
    );
    for (_, line) in logs {
        assert!(!line.contains(SECRET), "{line}");
    }
    // Without a secret nothing is accepted.
    testing::reset();
    assert!(!SinchSms::verify_signature(callback(
        body,
        signed_headers(body, now_s())
    )));
}
