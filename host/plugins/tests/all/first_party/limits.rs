//! The first-party plugins at the largest input the host accepts, under the limits they ship
//! with: the manifests of `examples/support-desk/plugins/` (host defaults for what they leave
//! out), the payload at the very end of the text. A guard that cannot finish blocks.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use roomkit_kit::ai::{AiContext, AiMessage, AiPart, AiProvider, AiRole};
use roomkit_kit::{HookTrigger, InboundMessage, RoomContext};
use roomkit_model::{
    ChannelBinding, Content, DeliveryStatus, EventSource, EventStatus, Room, RoomEvent,
};
use roomkit_plugins::{
    PluginEngine, Route, WasmAiProvider, WasmIdentityResolver, WasmInboundRouter, WasmPlugin,
    WasmProvider,
};
use roomkit_store::EventQuery;

use super::{hmac_sha256, kit_with_webhook, plugin_dir, say, webhook, webhook_sink};
use crate::fixtures::{engine, kit_with_sink};

/// The API's request body limit (`roomkit_api::config::DEFAULT_BODY_LIMIT`, 1 MiB). A text
/// carried in a JSON body is a little shorter; the tests use the whole mebibyte for the text.
const LARGEST: usize = 1 << 20;

/// The manifest a plugin ships with in the support-desk example.
fn shipped(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/support-desk/plugins")
        .join(format!("{name}.toml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `manifest` with `key = value` set at the top level (before any table), instead of the
/// manifest's own line for `key` if it has one.
fn with(manifest: &str, key: &str, value: &str) -> String {
    let own = format!("{key} =");
    let rest: Vec<&str> = manifest
        .lines()
        .filter(|line| !line.starts_with(&own))
        .collect();
    format!("{key} = {value}\n{}\n", rest.join("\n"))
}

/// `unit` repeated to `len` bytes minus `tail`'s, then `tail`: the payload at the very end.
fn padded(unit: &str, tail: &str) -> String {
    let mut text = unit.repeat((LARGEST - tail.len()) / unit.len());
    text.push_str(tail);
    text
}

/// Padding that keeps the PII scanner busiest per byte: number-run starts that end at once,
/// `@`s that are not addresses, digits glued to letters, parentheses.
const PII_PADDING: &str = "(a@b (1) +2 x1 3.4.5 c@d.e ";

fn event(text: String) -> RoomEvent {
    RoomEvent::new("r", EventSource::inbound("sms", "sms"), Content::text(text))
}

fn context() -> RoomContext {
    RoomContext::from_parts(Room::with_id("r"), Vec::new(), Vec::new(), Vec::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pii_redactor_masks_a_card_number_after_a_megabyte_of_padding() {
    let (_dir, paths) = plugin_dir(&[("pii-redactor", "pii-redactor", &shipped("pii-redactor"))]);
    let (kit, store, sink) = kit_with_sink().await;
    let plugin = Arc::new(WasmPlugin::load(&engine(), &paths[0], Some(store.clone())).unwrap());
    plugin.register(&kit);

    let text = padded(PII_PADDING, " card 4111 1111 1111 1111");
    let result = kit.process_inbound(say("+1", &text)).await.unwrap();
    assert!(!result.blocked, "{:?}", result.reason);
    let expected = padded(PII_PADDING, " card 4111 1111 1111 1111")
        .replace(" card 4111 1111 1111 1111", " card [card]");
    let stored = store
        .list_events("r", &EventQuery::oldest(10))
        .await
        .unwrap();
    let stored = without_records(stored);
    assert_eq!(stored[0].content, Content::text(expected.clone()));
    assert_eq!(sink.bodies(), vec![expected]);
    assert_eq!(plugin.snapshot().failures, 0);

    // Nothing to mask in the largest text: allowed as it is.
    let plain = padded(PII_PADDING, " order 1234");
    let result = kit.process_inbound(say("+1", &plain)).await.unwrap();
    assert_eq!(result.event.unwrap().content, Content::text(plain));
    assert_eq!(plugin.snapshot().failures, 0);

    // The costliest text found (see the measurement below) fits the shipped limits too.
    let costly = padded("+1 ", " (4111 1111 1111 1111)");
    let result = kit.process_inbound(say("+1", &costly)).await.unwrap();
    let Some(Content::Text { body, .. }) = result.event.map(|e| e.content) else {
        panic!("{:?}", result.reason)
    };
    assert!(body.ends_with(" ([card])"));
    assert_eq!(plugin.snapshot().failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profanity_filter_blocks_a_word_at_the_end_of_the_largest_message() {
    let manifest = shipped("profanity-filter");
    let (_dir, paths) = plugin_dir(&[("profanity-filter", "profanity-filter", &manifest)]);
    let (kit, store, sink) = kit_with_sink().await;
    let plugin = Arc::new(WasmPlugin::load(&engine(), &paths[0], Some(store.clone())).unwrap());
    plugin.register(&kit);

    // One-letter words: the most words per byte; "son of a nice gun" starts the phrase.
    let blocked = padded("a son of a nice gun ", "heck");
    let result = kit.process_inbound(say("+1", &blocked)).await.unwrap();
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("profanity"));
    let phrase = padded("a b c d e f ", "son of a GUN");
    let result = kit.process_inbound(say("+1", &phrase)).await.unwrap();
    assert_eq!(result.reason.as_deref(), Some("profanity"));
    let costly = padded("son of a son of a ", "darn");
    let result = kit.process_inbound(say("+1", &costly)).await.unwrap();
    assert_eq!(result.reason.as_deref(), Some("profanity"));
    let clean = padded("a son of a nice gun ", "hello");
    assert!(
        !kit.process_inbound(say("+1", &clean))
            .await
            .unwrap()
            .blocked
    );

    let stored = store
        .list_events("r", &EventQuery::oldest(10).with_blocked())
        .await
        .unwrap();
    let stored = without_records(stored);
    let blocked_by: Vec<Option<&str>> = stored.iter().map(|e| e.blocked_by.as_deref()).collect();
    assert_eq!(
        blocked_by,
        vec![
            Some("profanity-filter"),
            Some("profanity-filter"),
            Some("profanity-filter"),
            None
        ]
    );
    assert_eq!(sink.bodies(), vec![clean]);
    assert_eq!(plugin.snapshot().failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_that_cannot_finish_blocks_the_event_and_delivers_nothing() {
    // The shipped manifests with a fuel budget that instantiates the component (at load) but
    // is far too small to scan 200 KB: the call runs out of fuel, and the fail-closed policy
    // they ship with blocks the message.
    let pii = with(&shipped("pii-redactor"), "fuel", "50000");
    let words = with(&shipped("profanity-filter"), "fuel", "50000");
    let text = format!(
        "{} card 4111 1111 1111 1111, darn",
        "lorem ipsum ".repeat(200_000 / 12)
    );
    for (name, package, manifest) in [
        ("pii-redactor", "pii-redactor", pii),
        ("profanity-filter", "profanity-filter", words),
    ] {
        let (_dir, paths) = plugin_dir(&[(name, package, &manifest)]);
        let (kit, store, sink) = kit_with_sink().await;
        let plugin = Arc::new(WasmPlugin::load(&engine(), &paths[0], Some(store.clone())).unwrap());
        assert!(plugin.manifest().fail_closed, "{name} ships fail-closed");
        plugin.register(&kit);

        let result = kit.process_inbound(say("+1", &text)).await.unwrap();
        assert!(result.blocked, "{name}");
        let stored = store
            .list_events("r", &EventQuery::oldest(10).with_blocked())
            .await
            .unwrap();
        let stored = without_records(stored);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].status, EventStatus::Blocked);
        assert_eq!(stored[0].blocked_by.as_deref(), Some(name));
        assert!(sink.bodies().is_empty(), "{name}: nothing was delivered");
        assert_eq!(plugin.snapshot().failures, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profanity_filter_without_a_word_list_blocks_rather_than_allows() {
    let manifest = shipped("profanity-filter").replace("words = ", "unused = ");
    let (_dir, paths) = plugin_dir(&[("profanity-filter", "profanity-filter", &manifest)]);
    let (kit, store, sink) = kit_with_sink().await;
    let plugin = Arc::new(WasmPlugin::load(&engine(), &paths[0], Some(store)).unwrap());
    plugin.register(&kit);
    let result = kit.process_inbound(say("+1", "hello")).await.unwrap();
    assert!(result.blocked);
    assert!(sink.bodies().is_empty());
}

/// A signed inbound webhook of `text`, exactly `LARGEST` bytes of body.
fn largest_webhook_body(tail: &str) -> String {
    let envelope = |text: &str| format!(r#"{{"sender":"+15550001","text":"{text}","id":"m-1"}}"#);
    let overhead = envelope("").len();
    let unit = "lorem ipsum ";
    let mut text = unit.repeat((LARGEST - overhead - tail.len()) / unit.len());
    text.push_str(tail);
    text.push_str(&"x".repeat(LARGEST - overhead - text.len()));
    let body = envelope(&text);
    assert_eq!(body.len(), LARGEST);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_provider_verifies_a_signed_body_at_the_limit_and_refuses_it_tampered() {
    // The host's default fuel is enough to check a signature (the example ships more, for
    // deliveries of the largest message).
    let manifest = with(&shipped("webhook-provider"), "fuel", "100000000");
    let (_dir, paths) = plugin_dir(&[("webhook-provider", "webhook-provider", &manifest)]);
    let provider = WasmProvider::load(&engine(), &paths[0], None).unwrap();
    let body = largest_webhook_body("the end");
    let signature = format!("sha256={}", hmac_sha256(b"change-me", body.as_bytes()));

    let signed = webhook(Some(signature.clone()), &body);
    assert!(provider.verify_signature(&signed, None).await.unwrap());
    let messages = provider
        .parse_webhook(&signed, None)
        .await
        .unwrap()
        .messages;
    assert_eq!(messages.len(), 1);
    let Content::Text { body: text, .. } = &messages[0].content else {
        panic!("not a text: {:?}", messages[0].content)
    };
    let overhead = r#"{"sender":"+15550001","text":"","id":"m-1"}"#.len();
    assert_eq!(text.len(), LARGEST - overhead);
    assert!(text.contains("the end"));

    // The last byte of the text changed: refused.
    let at = body.len() - r#"","id":"m-1"}"#.len() - 1;
    let mut tampered = body.clone().into_bytes();
    tampered[at] = b'y';
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(
        !provider
            .verify_signature(&webhook(Some(signature), &tampered), None)
            .await
            .unwrap()
    );
    assert_eq!(provider.snapshot().failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_provider_delivers_the_largest_message_signed() {
    let (port, received, _) = webhook_sink().await;
    let manifest =
        shipped("webhook-provider").replace("127.0.0.1:9090", &format!("127.0.0.1:{port}"));
    let (_dir, paths) = plugin_dir(&[("crm", "webhook-provider", &manifest)]);
    let (kit, provider) = kit_with_webhook(&paths[0]).await;

    let text = padded("lorem \"ipsum\" \\ ", "the end");
    let result = kit.process_inbound(say("+15550001", &text)).await.unwrap();
    let delivery = &result.delivery_results["crm"];
    assert_eq!(delivery.status, DeliveryStatus::Delivered, "{delivery:?}");
    let received = received.lock().unwrap().clone();
    let request = &received[0];
    assert_eq!(
        request.header("x-roomkit-signature"),
        Some(format!("sha256={}", hmac_sha256(b"change-me", &request.body)).as_str())
    );
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["content"]["body"], text.as_str());
    assert_eq!(provider.snapshot().failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyword_router_finds_a_keyword_at_the_end_of_the_largest_message() {
    // Shipped as the README shows it, with the host's default limits.
    let manifest = "kind = \"inbound-router\"\n[config]\n\
                    keywords = \"billing = room-billing; card stolen = room-fraud\"\n";
    let (_dir, paths) = plugin_dir(&[("desk", "keyword-router", manifest)]);
    let router = WasmInboundRouter::load(&engine(), &paths[0], None).unwrap();
    let text = padded("a card b stolen ", "card STOLEN");
    let route = router
        .route_message(&InboundMessage::text("sms", "+1", text), "sms")
        .await
        .unwrap();
    assert_eq!(route, Route::Room("room-fraud".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_identity_and_echo_ai_take_the_largest_message() {
    let (_dir, paths) = plugin_dir(&[
        (
            "phone-identity",
            "phone-identity",
            &shipped("phone-identity"),
        ),
        ("echo-ai", "echo-ai", &shipped("echo-ai")),
    ]);
    let text = padded("lorem ipsum ", "the end");
    let resolver = WasmIdentityResolver::load(&engine(), &paths[0], None).unwrap();
    let found = resolver
        .resolve_sender(
            &InboundMessage::text("sms", "+15550002", text.clone()),
            "sms",
            &context(),
        )
        .await
        .unwrap();
    assert_eq!(found.identity.map(|i| i.id).as_deref(), Some("bob"));

    let ai = WasmAiProvider::load(&engine(), &paths[1], None).unwrap();
    let answer = ai
        .generate(&AiContext {
            system_prompt: None,
            messages: vec![AiMessage {
                role: AiRole::User,
                parts: vec![AiPart::Text(text.clone())],
            }],
            temperature: None,
            max_tokens: None,
        })
        .await
        .unwrap();
    assert_eq!(answer.content, format!("echo: {text}"));
}

/// The least fuel (within 0.1%) with which `call` succeeds on the component `wasm` loaded
/// with `manifest` plus a `fuel` line, by bisection; `None` when even `ceiling` is not enough.
async fn least_fuel<F, Fut>(wasm: &Path, manifest: &str, ceiling: u64, call: F) -> Option<u64>
where
    F: Fn(PathBuf) -> Fut,
    Fut: Future<Output = bool>,
{
    let attempt = |fuel: u64| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe.wasm");
        std::fs::copy(wasm, &path).unwrap();
        let manifest = with(manifest, "fuel", &fuel.to_string());
        std::fs::write(dir.path().join("probe.toml"), manifest).unwrap();
        let call = call(path);
        async move {
            let ok = call.await;
            drop(dir);
            ok
        }
    };
    if !attempt(ceiling).await {
        return None;
    }
    let (mut low, mut high) = (0, ceiling);
    while high - low > high / 1000 + 1 {
        let mid = low + (high - low) / 2;
        if attempt(mid).await {
            high = mid;
        } else {
            low = mid;
        }
    }
    Some(high)
}

/// Prints the fuel the content-handling calls of the first-party plugins need at growing
/// sizes, with the payload at the end (run with `-- --ignored --nocapture`). The components
/// are this build's, or those of the directory `ROOMKIT_MEASURE_WASM` names (another
/// commit's `plugins/target/wasm32-wasip2/release`, to compare).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: prints a table"]
async fn fuel_used_by_first_party_plugins_at_growing_sizes() {
    let wasm = |package: &str| match std::env::var_os("ROOMKIT_MEASURE_WASM") {
        Some(dir) => Path::new(&dir).join(format!("{}.wasm", package.replace('-', "_"))),
        None => super::component(package),
    };
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new()
        .unwrap()
        .with_cache(cache.path())
        .unwrap();
    let ceiling = 20_000_000_000;
    let hook = |text: String| {
        let engine = engine.clone();
        move |path: PathBuf| {
            let (engine, event) = (engine.clone(), event(text.clone()));
            async move {
                let plugin = WasmPlugin::load(&engine, &path, None).unwrap();
                let ctx = context();
                let result = plugin.call(HookTrigger::BeforeBroadcast, &event, &ctx);
                result.await.is_ok()
            }
        }
    };
    // Ordinary text, the padding of the tests, and the costliest inputs found per plugin.
    let hooks: &[(&str, &str, &str)] = &[
        (
            "pii-redactor",
            "lorem ipsum dolor sit amet ",
            " 4111 1111 1111 1111",
        ),
        ("pii-redactor", PII_PADDING, " 4111 1111 1111 1111"),
        ("pii-redactor", "(", " 4111 1111 1111 1111"),
        ("pii-redactor", "@", " 4111 1111 1111 1111"),
        ("pii-redactor", "1a", " 4111 1111 1111 1111"),
        // (Addresses of seven bytes or more: "a@b.cd" becomes "[email]", one byte longer,
        // and a whole mebibyte of them would make the event too large.)
        ("pii-redactor", "a@b.cde ", " 4111 1111 1111 1111"),
        ("pii-redactor", "(4", " 4111 1111 1111 1111"),
        ("pii-redactor", "+1 ", " 4111 1111 1111 1111"),
        ("pii-redactor", "1.2.3.4.5.6.7 ", " 4111 1111 1111 1111"),
        (
            "pii-redactor",
            "(4111-1111-1111-1112)",
            " 4111 1111 1111 1111",
        ),
        ("profanity-filter", "lorem ipsum dolor sit amet ", "heck"),
        ("profanity-filter", "a son of a nice gun ", "heck"),
        ("profanity-filter", "s ", "heck"),
        ("profanity-filter", "son of a son of a ", "heck"),
        ("profanity-filter", "é ", "heck"),
        ("profanity-filter", "中文 ", "heck"),
        ("profanity-filter", "é", "heck"),
    ];
    for size in [256 << 10, LARGEST] {
        let scale = |unit: &str, tail: &str| {
            let mut text = unit.repeat((size - tail.len()) / unit.len());
            text.push_str(tail);
            text
        };
        for (package, unit, tail) in hooks {
            let text = scale(unit, tail);
            let fuel = least_fuel(&wasm(package), &shipped(package), ceiling, hook(text)).await;
            println!("{size:>8} bytes: {package} {unit:?}…{tail:?}: {fuel:?}");
        }
        let body = scale("lorem ipsum ", "");
        let signature = format!("sha256={}", hmac_sha256(b"change-me", body.as_bytes()));
        let request = webhook(Some(signature), &body);
        let manifest = shipped("webhook-provider");
        let verify = least_fuel(&wasm("webhook-provider"), &manifest, ceiling, |path| {
            let (engine, request) = (engine.clone(), request.clone());
            async move {
                let provider = WasmProvider::load(&engine, &path, None).unwrap();
                provider
                    .verify_signature(&request, None)
                    .await
                    .unwrap_or(false)
            }
        })
        .await;
        println!("{size:>8} bytes: webhook-provider verify-signature: {verify:?}");
        let (port, _, _) = webhook_sink().await;
        let manifest =
            shipped("webhook-provider").replace("127.0.0.1:9090", &format!("127.0.0.1:{port}"));
        let event = event(scale("lorem \"ipsum\" \\ ", ""));
        let deliver = least_fuel(&wasm("webhook-provider"), &manifest, ceiling, |path| {
            let (engine, event) = (engine.clone(), event.clone());
            async move {
                let provider = WasmProvider::load(&engine, &path, None).unwrap();
                let binding = ChannelBinding::new("r", "crm", "webhook");
                provider.deliver(&event, &binding, None).await.is_ok()
            }
        })
        .await;
        println!("{size:>8} bytes: webhook-provider deliver: {deliver:?}");
    }
}

/// A room's events without its internal channel records (`channel_attached`, …).
fn without_records(events: Vec<roomkit_model::RoomEvent>) -> Vec<roomkit_model::RoomEvent> {
    events
        .into_iter()
        .filter(|e| !e.event_type.is_channel_record())
        .collect()
}
