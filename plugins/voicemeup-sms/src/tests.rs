//! The provider end to end with the SDK's stand-ins: exact `queue_sms` requests, every error
//! class, the webhook token, and each path of the two-part MMS merge.

use super::*;
use roomkit_sdk::http::{Error, Method, Request, Response};
use roomkit_sdk::types::{Header, MediaContent, Part, TextContent};
use roomkit_sdk::{Content, EventSource, testing};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::rc::Rc;

const AUTH: &str = "vmu-auth-91c2e7";
const HOOK_TOKEN: &str = "hook-tok-55aa";

fn configure() {
    testing::set_configs([
        ("username", "acme"),
        ("auth_token", AUTH),
        ("from_number", "+15145550000"),
        ("webhook_token", HOOK_TOKEN),
    ]);
}

fn event(content: Content) -> RoomEvent {
    let mut e = RoomEvent::message("room-1", EventSource::inbound("ws", "websocket"), content);
    e.id = "ev-3".into();
    e
}

fn binding() -> BindingView {
    testing::sms_binding(Some("+14185551234"))
}

fn answer(status: u16, body: &str) -> Response {
    testing::json_response(status, body)
}

fn queued(hash: &str) -> String {
    json!({"response_details": {"response_status": "success",
        "response_messages": {"message": [{"code": "queued_sms_hash", "_content": hash}]}}})
    .to_string()
}

fn refused(code: &str, text: &str) -> String {
    json!({"response_details": {"response_status": "error",
        "response_messages": {"message": {"code": code, "_content": text}}}})
    .to_string()
}

/// Delivers with the answers given in turn; the requests made.
fn deliver_with(
    content: Content,
    replies: Vec<Response>,
) -> (Result<DeliveryReceipt, DeliveryError>, Vec<Request>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let replies = RefCell::new(replies.into_iter());
    testing::on_http(move |request| {
        sink.borrow_mut().push(request.clone());
        Ok(replies
            .borrow_mut()
            .next()
            .unwrap_or_else(|| answer(500, "no more answers")))
    });
    let result = VoiceMeUpSms::deliver(event(content), binding());
    let requests = seen.borrow().clone();
    (result, requests)
}

fn body(request: &Request) -> String {
    String::from_utf8(request.body.clone()).unwrap()
}

fn no_secret_anywhere(text: &str) {
    assert!(!text.contains(AUTH) && !text.contains(HOOK_TOKEN), "{text}");
    for (_, line) in testing::logs() {
        assert!(!line.contains(AUTH) && !line.contains(HOOK_TOKEN), "{line}");
    }
}

#[test]
fn a_text_is_queued_with_one_form_post() {
    configure();
    let (result, requests) = deliver_with(
        Content::text("hi & bye"),
        vec![answer(200, &queued("c3efc8a3-f901"))],
    );
    assert_eq!(
        result.unwrap().provider_message_id.as_deref(),
        Some("c3efc8a3-f901")
    );
    let [request] = requests.as_slice() else {
        panic!("{requests:?}")
    };
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        "https://clients.voicemeup.com/api/v1.1/json/queue_sms"
    );
    assert_eq!(
        request.headers,
        vec![
            (
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned()
            ),
            ("accept".to_owned(), "application/json".to_owned()),
        ]
    );
    assert_eq!(
        body(request),
        format!(
            "username=acme&auth_token={AUTH}&source_number=15145550000&destination_number=14185551234&message=hi+%26+bye"
        )
    );
    assert_eq!(request.timeout, Some(Duration::from_secs(10)));
}

fn image(caption: Option<&str>) -> Content {
    Content::Media(MediaContent {
        url: "https://cdn.example.com/a.jpg".into(),
        mime_type: "image/jpeg".into(),
        filename: None,
        size_bytes: None,
        caption: caption.map(str::to_owned),
    })
}

#[test]
fn media_goes_as_the_attachment_with_or_without_text() {
    configure();
    testing::set_config("api_base", "https://dev-clients.voicemeup.com/");
    let (result, requests) = deliver_with(image(Some("look")), vec![answer(200, &queued("h1"))]);
    result.unwrap();
    assert_eq!(
        requests[0].url,
        "https://dev-clients.voicemeup.com/api/v1.1/json/queue_sms"
    );
    assert_eq!(
        body(&requests[0]),
        format!(
            "username=acme&auth_token={AUTH}&source_number=15145550000&destination_number=14185551234&message=look&attachment=https%3A%2F%2Fcdn.example.com%2Fa.jpg"
        )
    );
    let (_, requests) = deliver_with(image(None), vec![answer(200, &queued("h2"))]);
    assert_eq!(
        body(&requests[0]),
        format!(
            "username=acme&auth_token={AUTH}&source_number=15145550000&destination_number=14185551234&attachment=https%3A%2F%2Fcdn.example.com%2Fa.jpg"
        )
    );
    let two = Content::Composite(vec![
        Part::Text(TextContent {
            body: "x".into(),
            language: None,
        }),
        Part::Media(MediaContent {
            url: "https://m/1.jpg".into(),
            mime_type: "image/jpeg".into(),
            filename: None,
            size_bytes: None,
            caption: None,
        }),
        Part::Media(MediaContent {
            url: "https://m/2.jpg".into(),
            mime_type: "image/jpeg".into(),
            filename: None,
            size_bytes: None,
            caption: None,
        }),
    ]);
    let (result, requests) = deliver_with(two, vec![]);
    assert!(requests.is_empty());
    assert_eq!(
        result.unwrap_err().message,
        "VoiceMeUp sends one attachment per message; this event has 2"
    );
}

#[test]
fn long_texts_go_as_segments_of_1000_characters() {
    configure();
    let text = format!(
        "{}{}{}",
        "a".repeat(1000),
        "b".repeat(1000),
        "c".repeat(500)
    );
    let (result, requests) = deliver_with(
        Content::text(text),
        vec![
            answer(200, &queued("s1")),
            answer(200, &queued("s2")),
            answer(200, &queued("s3")),
        ],
    );
    assert_eq!(result.unwrap().provider_message_id.as_deref(), Some("s1"));
    let prefix = format!(
        "username=acme&auth_token={AUTH}&source_number=15145550000&destination_number=14185551234&message="
    );
    let bodies: Vec<String> = requests.iter().map(body).collect();
    assert_eq!(
        bodies,
        vec![
            format!("{prefix}{}", "a".repeat(1000)),
            format!("{prefix}{}", "b".repeat(1000)),
            format!("{prefix}{}", "c".repeat(500)),
        ]
    );
    // A later segment refused: permanent, since the first is out already.
    let (result, requests) = deliver_with(
        Content::text("x".repeat(1500)),
        vec![answer(200, &queued("s1")), answer(503, "")],
    );
    assert_eq!(requests.len(), 2);
    let error = result.unwrap_err();
    assert!(!error.retryable);
    assert_eq!(
        error.message,
        "VoiceMeUp queued segments 1 to 1 of 2 (first s1) but not segment 2: VoiceMeUp answered HTTP 503: (empty body)"
    );
}

#[test]
fn voicemeup_errors_give_their_code_and_text() {
    configure();
    let (result, _) = deliver_with(
        Content::text("dup"),
        vec![answer(
            200,
            &refused("duplicate_entry", "SMS already queued"),
        )],
    );
    assert_eq!(
        result.unwrap_err(),
        DeliveryError {
            message: "VoiceMeUp refused the message (duplicate_entry): SMS already queued".into(),
            retryable: false,
            code: Some("duplicate_entry".into()),
            retry_after_ms: None,
        }
    );
    let (result, _) = deliver_with(
        Content::text("x"),
        vec![answer(
            200,
            &refused("permission_refused", &format!("bad auth_token {AUTH}")),
        )],
    );
    let error = result.unwrap_err();
    assert_eq!(
        error.message,
        "VoiceMeUp refused the message (permission_refused): bad auth_token [redacted]"
    );
    no_secret_anywhere(&error.message);
}

#[test]
fn http_failures_are_classed_by_status() {
    configure();
    let mut limited = answer(429, &refused("rate_limited", "slow down"));
    limited.headers.push(("retry-after".into(), "4".into()));
    let (result, _) = deliver_with(Content::text("x"), vec![limited]);
    let error = result.unwrap_err();
    assert!(error.retryable);
    assert_eq!(error.retry_after_ms, Some(4000));
    assert_eq!(
        error.message,
        "VoiceMeUp answered HTTP 429 (rate_limited): slow down"
    );
    let (result, _) = deliver_with(
        Content::text("x"),
        vec![answer(502, "<html>bad gateway</html>")],
    );
    let error = result.unwrap_err();
    assert!(error.retryable);
    assert_eq!(
        error.message,
        "VoiceMeUp answered HTTP 502: <html>bad gateway</html>"
    );
    let (result, _) = deliver_with(Content::text("x"), vec![answer(404, "")]);
    assert!(!result.unwrap_err().retryable);
}

#[test]
fn garbage_answers_are_clear_permanent_errors() {
    configure();
    let (result, _) = deliver_with(Content::text("x"), vec![answer(200, "OK")]);
    let error = result.unwrap_err();
    assert!(!error.retryable);
    assert_eq!(
        error.message,
        "VoiceMeUp answered HTTP 200 without its response_details JSON: OK"
    );
    let (result, _) = deliver_with(
        Content::text("x"),
        vec![answer(
            200,
            r#"{"response_details":{"response_status":"maybe"}}"#,
        )],
    );
    assert!(
        result
            .unwrap_err()
            .message
            .starts_with("VoiceMeUp answered with response_status Some(\"maybe\")")
    );
    // Success without a hash is still queued.
    let (result, _) = deliver_with(
        Content::text("x"),
        vec![answer(
            200,
            r#"{"response_details":{"response_status":"success","response_messages":{"message":[]}}}"#,
        )],
    );
    assert_eq!(result.unwrap().provider_message_id, None);
}

#[test]
fn transport_failures_keep_their_class_and_hide_the_token() {
    configure();
    testing::on_http(|_| Err(Error::Timeout));
    let error = VoiceMeUpSms::deliver(event(Content::text("x")), binding()).unwrap_err();
    assert!(error.retryable);
    assert_eq!(
        error.message,
        "VoiceMeUp queue_sms request failed: timed out"
    );
    testing::on_http(|_| Err(Error::Other(format!("proxy said auth_token={AUTH}"))));
    let error = VoiceMeUpSms::deliver(event(Content::text("x")), binding()).unwrap_err();
    assert!(!error.retryable);
    no_secret_anywhere(&error.message);
}

#[test]
fn missing_settings_and_bad_numbers_are_permanent_errors() {
    let error = VoiceMeUpSms::deliver(event(Content::text("x")), binding()).unwrap_err();
    assert_eq!(error.message, "config key `username` is not set");
    testing::set_configs([("username", "acme"), ("auth_token", AUTH)]);
    let error = VoiceMeUpSms::deliver(event(Content::text("x")), binding()).unwrap_err();
    assert_eq!(error.message, "config key `from_number` is not set");
    testing::set_config("from_number", "main line");
    let error = VoiceMeUpSms::deliver(event(Content::text("x")), binding()).unwrap_err();
    assert!(
        error
            .message
            .starts_with("config `from_number` \"main line\" is not a phone number"),
        "{error:?}"
    );
    testing::set_config("from_number", "15145550000");
    let mut b = binding();
    b.participant_id = Some("alice".into());
    let error = VoiceMeUpSms::deliver(event(Content::text("x")), b).unwrap_err();
    assert!(
        error
            .message
            .starts_with("recipient \"alice\" is not a phone number"),
        "{error:?}"
    );
    let settings = Settings::read(config::get).unwrap();
    assert!(!format!("{settings:?}").contains(AUTH));
}

// --- webhooks -------------------------------------------------------------------------------

fn webhook(method: &str, query: &str, content_type: &str, body: &str) -> WebhookRequest {
    WebhookRequest {
        channel_id: "sms".into(),
        method: method.into(),
        path: "/v1/webhooks/sms".into(),
        query: query.into(),
        public_url: format!("https://desk.example.com/v1/webhooks/sms?{query}"),
        headers: vec![Header {
            name: "content-type".into(),
            value: content_type.into(),
        }],
        body: body.as_bytes().to_vec(),
    }
}

fn post(payload: &Value) -> WebhookRequest {
    webhook(
        "POST",
        &format!("token={HOOK_TOKEN}"),
        "application/json",
        &payload.to_string(),
    )
}

fn tick() -> WebhookRequest {
    webhook("GET", &format!("token={HOOK_TOKEN}"), "", "")
}

#[test]
fn the_webhook_token_is_required_and_never_logged() {
    configure();
    let sms = plain("s-1", "hi");
    assert!(VoiceMeUpSms::verify_signature(post(&sms)));
    assert!(VoiceMeUpSms::verify_signature(tick()));
    let mut wrong = post(&sms);
    wrong.query = "token=hook-tok-55ab".into();
    assert!(!VoiceMeUpSms::verify_signature(wrong));
    let mut none = post(&sms);
    none.query = String::new();
    assert!(!VoiceMeUpSms::verify_signature(none));
    let logs = testing::logs();
    assert!(
        logs.iter()
            .any(|(_, l)| l.contains("has no `token` query parameter")),
        "{logs:?}"
    );
    no_secret_anywhere("");
    testing::reset();
    assert!(!VoiceMeUpSms::verify_signature(post(&sms)));
}

fn plain(hash: &str, text: &str) -> Value {
    json!({"sms_log_id": "5237400", "sms_hash": hash, "datetime": "2026-01-28 14:00:01",
           "direction": "inbound", "source_number": "14188050723", "destination_number": "14184805945",
           "message": text, "status": "enabled", "transmission_status": "completed",
           "datetime_transmission": "2026-01-28 14:00:00"})
}

/// The first webhook of an MMS: the text, with the `.mms.html` wrapper.
fn text_part(text: &str) -> Value {
    json!({"sms_log_id": "5237355", "sms_hash": "c3efc8a3-f901-52ac-9868-93f6e89d10f6",
           "datetime": "2026-01-28 13:00:16", "direction": "inbound",
           "source_number": "14188050723", "destination_number": "14184805945", "message": text,
           "attachment": "https://clients.voicemeup.com/file/c3efc8a3.mms.html",
           "attachment_size": "343", "attachment_mime_type": "text/html",
           "datetime_transmission": "2026-01-28 13:00:14"})
}

/// The second webhook: the image, without text.
fn media_part() -> Value {
    json!({"sms_log_id": "5237356", "sms_hash": "249fad7f-dc67-09bb-52d6-cd752856bae0",
           "datetime": "2026-01-28 13:00:17", "direction": "inbound",
           "source_number": "14188050723", "destination_number": "14184805945", "message": "",
           "attachment": "https://clients.voicemeup.com/file/249fad7f.mms.jpg",
           "attachment_size": "93002", "attachment_mime_type": "image/jpeg",
           "datetime_transmission": "2026-01-28 13:00:14"})
}

const WINDOW: u64 = 10_000;
const T0: u64 = 1_800_000_000_000;

fn handle(request: &WebhookRequest, now_ms: u64) -> WebhookResult {
    inbound::handle(request, WINDOW, now_ms).unwrap()
}

fn sms_meta(message: &roomkit_sdk::InboundMessage) -> Value {
    serde_json::from_str::<Value>(&message.metadata).unwrap()["sms"].clone()
}

fn held_keys() -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    (
        testing::kv("vmu-mms:sms:14188050723:14184805945:2026-01-28 13:00:14"),
        testing::kv("vmu-mms-index:sms"),
    )
}

fn assert_merged(result: &WebhookResult, text: &str) {
    let [m] = result.messages.as_slice() else {
        panic!("{result:?}")
    };
    assert_eq!(m.sender_id, "+14188050723");
    assert_eq!(
        m.content,
        Content::Media(MediaContent {
            url: "https://clients.voicemeup.com/file/249fad7f.mms.jpg".into(),
            mime_type: "image/jpeg".into(),
            filename: None,
            size_bytes: None,
            caption: Some(text.into()),
        })
    );
    assert_eq!(
        m.idempotency_key.as_deref(),
        Some("c3efc8a3-f901-52ac-9868-93f6e89d10f6")
    );
    assert_eq!(m.provider.as_deref(), Some("voicemeup"));
    let sms = sms_meta(m);
    assert_eq!(sms["body"], text);
    assert_eq!(sms["recipient"], "+14184805945");
    assert_eq!(sms["raw"]["text_part"]["sms_log_id"], "5237355");
    assert_eq!(sms["raw"]["media_part"]["sms_log_id"], "5237356");
    assert_eq!(held_keys(), (None, None), "nothing stays held");
}

#[test]
fn a_plain_sms_is_one_message_at_once() {
    configure();
    let result = VoiceMeUpSms::parse_webhook(post(&plain("sms-hash-123", "Plain SMS"))).unwrap();
    assert_eq!(result.response, Some(roomkit_sdk::WebhookResponse::empty()));
    let [m] = result.messages.as_slice() else {
        panic!("{result:?}")
    };
    assert_eq!(
        (m.channel_id.as_str(), m.sender_id.as_str()),
        ("sms", "+14188050723")
    );
    assert_eq!(m.content, Content::text("Plain SMS"));
    assert_eq!(m.idempotency_key.as_deref(), Some("sms-hash-123"));
    assert_eq!(m.provider_message_id.as_deref(), Some("sms-hash-123"));
    let sms = sms_meta(m);
    assert_eq!(sms["provider"], "voicemeup");
    assert_eq!(sms["raw"]["sms_log_id"], "5237400");
    // A form body reads the same.
    let form = roomkit_sdk::form::encode([
        ("sms_hash", "f-1"),
        ("source_number", "14188050723"),
        ("destination_number", "14184805945"),
        ("message", "from a form"),
    ]);
    let request = webhook("POST", "", "application/x-www-form-urlencoded", &form);
    let m = &handle(&request, T0).messages[0];
    assert_eq!(
        (m.content.as_text(), m.idempotency_key.as_deref()),
        (Some("from a form"), Some("f-1"))
    );
}

#[test]
fn both_parts_in_order_make_one_message() {
    configure();
    let first = handle(&post(&text_part("Look at this photo!")), T0);
    assert!(first.messages.is_empty(), "the text part is held");
    assert_eq!(first.response, Some(roomkit_sdk::WebhookResponse::empty()));
    let (part, index) = held_keys();
    let held: Value = serde_json::from_slice(&part.unwrap()).unwrap();
    assert_eq!(
        (held["part"].as_str(), held["received_ms"].as_u64()),
        (Some("text"), Some(T0))
    );
    assert_eq!(
        index.unwrap(),
        br#"["14188050723:14184805945:2026-01-28 13:00:14"]"#.to_vec()
    );
    let second = handle(&post(&media_part()), T0 + 1_000);
    assert_merged(&second, "Look at this photo!");
}

#[test]
fn the_image_first_then_the_text_make_one_message() {
    configure();
    assert!(handle(&post(&media_part()), T0).messages.is_empty());
    let result = handle(&post(&text_part("out of order")), T0 + 9_999);
    assert_merged(&result, "out of order");
}

#[test]
fn a_text_whose_image_never_comes_is_delivered_after_the_window() {
    configure();
    assert!(
        handle(&post(&text_part("Where is my image?")), T0)
            .messages
            .is_empty()
    );
    // Within the window the scheduled GET leaves it held.
    assert!(handle(&tick(), T0 + WINDOW - 1).messages.is_empty());
    assert!(held_keys().0.is_some());
    // After it, the GET delivers it alone, as text (the .mms.html wrapper is not media).
    let result = handle(&tick(), T0 + WINDOW);
    let [m] = result.messages.as_slice() else {
        panic!("{result:?}")
    };
    assert_eq!(m.content, Content::text("Where is my image?"));
    assert_eq!(
        m.idempotency_key.as_deref(),
        Some("c3efc8a3-f901-52ac-9868-93f6e89d10f6")
    );
    assert_eq!(sms_meta(m)["media"], json!([]));
    assert_eq!(held_keys(), (None, None));
    // A late image then goes alone too (held for its own window first).
    assert!(
        handle(&post(&media_part()), T0 + 20_000)
            .messages
            .is_empty()
    );
    let late = handle(&tick(), T0 + 30_000);
    assert_eq!(
        late.messages[0].idempotency_key.as_deref(),
        Some("249fad7f-dc67-09bb-52d6-cd752856bae0")
    );
}

#[test]
fn any_later_webhook_delivers_expired_parts_first() {
    configure();
    assert!(handle(&post(&text_part("first")), T0).messages.is_empty());
    let result = handle(&post(&plain("next-1", "next")), T0 + 60_000);
    let texts: Vec<_> = result
        .messages
        .iter()
        .map(|m| m.content.as_text().unwrap_or(""))
        .collect();
    assert_eq!(texts, ["first", "next"]);
    assert_eq!(held_keys(), (None, None));
}

#[test]
fn a_refused_kv_write_delivers_the_part_alone_at_once() {
    configure();
    testing::set_kv_max_keys(0);
    let result = handle(&post(&text_part("no room")), T0);
    assert_eq!(result.messages[0].content, Content::text("no room"));
    assert_eq!(held_keys(), (None, None));
    // Room for the part but not the index: the part is taken back and delivered.
    testing::reset();
    configure();
    testing::set_kv_max_keys(1);
    let result = handle(&post(&media_part()), T0);
    assert_eq!(result.messages.len(), 1);
    assert_eq!(held_keys(), (None, None));
    let logs = testing::logs();
    assert!(
        logs.iter()
            .any(|(_, l)| l.contains("delivered alone, not held") && l.contains("key-value quota")),
        "{logs:?}"
    );
}

#[test]
fn a_retried_part_is_held_once_and_window_zero_turns_merging_off() {
    configure();
    assert!(handle(&post(&text_part("again")), T0).messages.is_empty());
    assert!(
        handle(&post(&text_part("again")), T0 + 500)
            .messages
            .is_empty()
    );
    let index: Vec<String> = serde_json::from_slice(&held_keys().1.unwrap()).unwrap();
    assert_eq!(index.len(), 1);
    testing::reset();
    configure();
    let result = inbound::handle(&post(&text_part("now")), 0, T0).unwrap();
    assert_eq!(result.messages[0].content, Content::text("now"));
    let result = inbound::handle(&post(&media_part()), 0, T0).unwrap();
    assert!(matches!(result.messages[0].content, Content::Media(_)));
    assert_eq!(held_keys(), (None, None));
}

#[test]
fn a_malformed_webhook_is_an_error_and_leaves_held_parts_alone() {
    configure();
    assert!(handle(&post(&text_part("keep me")), T0).messages.is_empty());
    let cases = [
        (
            "application/json",
            "{not json".to_owned(),
            "VoiceMeUp webhook body is not JSON",
        ),
        (
            "application/json",
            "[1]".to_owned(),
            "VoiceMeUp webhook body is JSON but not an object",
        ),
        (
            "text/plain",
            plain("x", "y").to_string(),
            "VoiceMeUp webhooks are JSON or form bodies; this one's content-type is \"text/plain\"",
        ),
        (
            "application/json",
            json!({"message": "no hash", "source_number": "1", "destination_number": "2"})
                .to_string(),
            "VoiceMeUp webhook has no `sms_hash`",
        ),
        (
            "application/json",
            json!({"sms_hash": "h", "message": "x", "destination_number": "2"}).to_string(),
            "VoiceMeUp webhook has no `source_number`",
        ),
    ];
    for (content_type, body, reason) in cases {
        let request = webhook("POST", "", content_type, &body);
        let error = inbound::handle(&request, WINDOW, T0 + 60_000).unwrap_err();
        assert!(error.starts_with(reason), "{body}: {error}");
    }
    assert!(held_keys().0.is_some(), "still held after the errors");
}

#[test]
fn outbound_webhooks_become_status_updates() {
    configure();
    let mut sent = plain("q-77", "hello");
    sent["direction"] = json!("outbound");
    let result = handle(&post(&sent), T0);
    assert!(result.messages.is_empty());
    let [u] = result.status_updates.as_slice() else {
        panic!("{result:?}")
    };
    assert_eq!(
        (u.provider_message_id.as_str(), u.status),
        ("q-77", roomkit_sdk::DeliveryStatus::Sent)
    );
    sent["transmission_status"] = json!("failed");
    let u = &handle(&post(&sent), T0).status_updates[0];
    assert_eq!(u.status, roomkit_sdk::DeliveryStatus::Failed);
    assert_eq!(u.error_code.as_deref(), Some("failed"));
    sent["transmission_status"] = json!("mystery");
    assert!(handle(&post(&sent), T0).status_updates.is_empty());
    // A malformed status leaves a held part held.
    assert!(handle(&post(&text_part("held")), T0).messages.is_empty());
    sent.as_object_mut().unwrap().remove("transmission_status");
    assert_eq!(
        inbound::handle(&post(&sent), WINDOW, T0 + 60_000).unwrap_err(),
        "VoiceMeUp webhook has no `transmission_status`"
    );
    assert!(held_keys().0.is_some());
}
