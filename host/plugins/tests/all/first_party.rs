//! The six first-party plugins of `plugins/`, built for wasm32-wasip2 and loaded with a
//! manifest as the host loads them, exercised through a RoomKit pipeline with exact results.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use roomkit_kit::ai::AiProvider;
use roomkit_kit::{AiChannel, AttachOptions, InboundMessage, RoomContext, TransportChannel};
use roomkit_model::{
    ChannelCapabilities, Content, DeliveryStatus, EventStatus, FrameworkEventType, Identification,
    Room,
};
use roomkit_plugins::{PluginDirectory, WasmPlugin, WasmProvider, WebhookRequest};
use roomkit_store::EventQuery;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::fixtures::{engine, kit_routed_by, kit_with_sink, room_of};

mod limits;

/// The first-party plugins (packages of the plugins workspace).
const FIRST_PARTY: &[&str] = &[
    "profanity-filter",
    "pii-redactor",
    "phone-identity",
    "keyword-router",
    "webhook-provider",
    "echo-ai",
];

/// The component of a first-party plugin (built by `roomkit-plugin-builds`).
fn component(package: &str) -> PathBuf {
    assert!(
        FIRST_PARTY.contains(&package),
        "{package} is not first-party"
    );
    crate::build_fixture::component(package)
}

/// A plugin directory holding `NAME.wasm` (the component of `package`) and `NAME.toml`.
fn plugin_dir(plugins: &[(&str, &str, &str)]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, package, manifest) in plugins {
        let wasm = dir.path().join(format!("{name}.wasm"));
        std::fs::copy(component(package), &wasm).unwrap();
        std::fs::write(dir.path().join(format!("{name}.toml")), manifest).unwrap();
        paths.push(wasm);
    }
    (dir, paths)
}

fn say(sender: &str, body: &str) -> InboundMessage {
    InboundMessage::text("sms", sender, body).in_room("r")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profanity_filter_blocks_with_reason_profanity_and_the_blocked_event_is_stored() {
    let manifest = "kind = \"hook\"\ntriggers = [\"before_broadcast\"]\ndirections = [\"inbound\"]\n\
                    [config]\nwords = \"darn, heck, son of a gun\"\n";
    let (_dir, paths) = plugin_dir(&[("profanity", "profanity-filter", manifest)]);
    let (kit, store, sink) = kit_with_sink().await;
    let plugin = Arc::new(WasmPlugin::load(&engine(), &paths[0], Some(store.clone())).unwrap());
    assert_eq!(plugin.register(&kit), vec!["profanity"]);

    let blocked = kit
        .process_inbound(say("+1", "Well DARN it"))
        .await
        .unwrap();
    assert!(blocked.blocked);
    assert_eq!(blocked.reason.as_deref(), Some("profanity"));
    let phrase = kit
        .process_inbound(say("+1", "you son of a gun!"))
        .await
        .unwrap();
    assert_eq!(phrase.reason.as_deref(), Some("profanity"));
    let allowed = kit
        .process_inbound(say("+1", "darning socks"))
        .await
        .unwrap();
    assert!(!allowed.blocked);

    let stored = store
        .list_events("r", &EventQuery::oldest(10).with_blocked())
        .await
        .unwrap();
    let summary: Vec<(u64, EventStatus, Option<&str>)> = stored
        .iter()
        .map(|e| (e.index, e.status, e.blocked_by.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            // The channel_attached records of the room's two channels.
            (0, EventStatus::Delivered, None),
            (1, EventStatus::Delivered, None),
            (2, EventStatus::Blocked, Some("profanity")),
            (3, EventStatus::Blocked, Some("profanity")),
            (4, EventStatus::Delivered, None),
        ]
    );
    assert_eq!(stored[2].content, Content::text("Well DARN it"));
    assert_eq!(sink.bodies(), vec!["darning socks"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pii_redactor_masks_cards_emails_and_phones_in_what_is_stored_and_delivered() {
    let manifest = "kind = \"hook\"\ntriggers = [\"before_broadcast\"]\n[config]\nmask = \"email,phone,card\"\n";
    let (_dir, paths) = plugin_dir(&[("pii", "pii-redactor", manifest)]);
    let (kit, store, sink) = kit_with_sink().await;
    let plugin = Arc::new(WasmPlugin::load(&engine(), &paths[0], Some(store.clone())).unwrap());
    plugin.register(&kit);

    let said = "Hi, my card 4111 1111 1111 1111 was charged, mail jane@example.com or call +1 555 000 1234";
    let masked = "Hi, my card [card] was charged, mail [email] or call [phone]";
    let result = kit.process_inbound(say("+1", said)).await.unwrap();
    assert!(!result.blocked);
    assert_eq!(result.event.unwrap().content, Content::text(masked));
    // Left alone: an order number, a date, a 16-digit number failing Luhn.
    let plain = "order 1234 on 2024-01-15, ref 4111 1111 1111 1112";
    kit.process_inbound(say("+1", plain)).await.unwrap();

    let stored: Vec<Content> = store
        .list_events("r", &EventQuery::oldest(10))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.visibility != roomkit_model::Visibility::Internal)
        .map(|e| e.content)
        .collect();
    assert_eq!(stored, vec![Content::text(masked), Content::text(plain)]);
    assert_eq!(sink.bodies(), vec![masked, plain]);
}

const DIRECTORY: &str = r#"kind = "identity-resolver"
[config]
directory = """
+15550001 = Alice Smith
+15550002 = Bob
+1 (555) 000-3 = Carol | carol
+15550003 = Dave | dave
+15550004 = Carol | carol
"""
channel_types = "sms,whatsapp,voice"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_identity_identifies_finds_ambiguous_and_leaves_unknown_senders() {
    let (dir, paths) = plugin_dir(&[("phones", "phone-identity", DIRECTORY)]);

    // Directly: the candidates of an ambiguous number.
    let resolver = roomkit_plugins::WasmIdentityResolver::load(&engine(), &paths[0], None).unwrap();
    let ctx = RoomContext::from_parts(Room::with_id("r"), Vec::new(), Vec::new(), Vec::new());
    let carol_or_dave = resolver
        .resolve_sender(&InboundMessage::text("sms", "+15550003", "hi"), "sms", &ctx)
        .await
        .unwrap();
    assert_eq!(carol_or_dave.status, Identification::Ambiguous);
    let ids: Vec<&str> = carol_or_dave
        .candidates
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, vec!["carol", "dave"]);
    let carol = &carol_or_dave.candidates[0];
    assert_eq!(carol.display_name.as_deref(), Some("Carol"));
    assert_eq!(
        carol.channel_addresses["sms"],
        vec!["+15550003", "+15550004"]
    );

    // Through the pipeline, as the kit's identity resolver.
    let directory = PluginDirectory::detached(dir.path(), engine(), None);
    let handle = directory.identity_resolver("phones");
    let (kit, store, _) =
        roomkit_kit::testing::kit_with_sink(|b| b.identity_resolver(Arc::new(handle.clone())))
            .await;
    assert!(directory.attach_kit(kit.clone()));
    assert_eq!(directory.load_all().loaded, vec!["phones"]);
    let mut resolved = kit.on(Some(&[FrameworkEventType::IdentityResolved]));

    let bob = kit
        .process_inbound(say("+15550002", "hello"))
        .await
        .unwrap();
    assert_eq!(
        bob.event.unwrap().source.participant_id.as_deref(),
        Some("bob")
    );
    let event = resolved.recv().await.unwrap();
    assert_eq!(event.data["identity_id"], "bob");
    let alice = kit.process_inbound(say("+15550001", "hi")).await.unwrap();
    assert_eq!(
        alice.event.unwrap().source.participant_id.as_deref(),
        Some("alice-smith")
    );
    assert_eq!(
        resolved.recv().await.unwrap().data["identity_id"],
        "alice-smith"
    );

    let ambiguous = kit
        .process_inbound(say("+15550003", "who am I"))
        .await
        .unwrap();
    assert!(
        !ambiguous.blocked,
        "an ambiguous sender's message still goes through"
    );
    let unknown = kit
        .process_inbound(say("+15559999", "stranger"))
        .await
        .unwrap();
    assert!(!unknown.blocked);
    for result in [&ambiguous, &unknown] {
        let participant = result.event.as_ref().unwrap().source.participant_id.clone();
        assert!(
            !matches!(participant.as_deref(), Some("carol" | "dave")),
            "{participant:?}"
        );
    }
    assert!(resolved.try_recv().is_err(), "nobody else was identified");

    let participants = store.list_participants("r").await.unwrap();
    let status = |id: &str| {
        participants
            .iter()
            .find(|p| p.id == id)
            .map(|p| (p.identification, p.display_name.clone()))
    };
    assert_eq!(
        status("bob"),
        Some((Identification::Identified, Some("Bob".into())))
    );
    assert_eq!(
        status("alice-smith"),
        Some((Identification::Identified, Some("Alice Smith".into())))
    );
    assert_eq!(status("+15550003"), Some((Identification::Pending, None)));
    assert_eq!(
        status("+15559999"),
        None,
        "an unknown sender is not a participant"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyword_router_routes_by_keyword_and_sender_prefix_into_the_configured_rooms() {
    let manifest = "kind = \"inbound-router\"\n[config]\n\
                    keywords = \"billing = room-billing; refund = room-billing; card stolen = room-fraud\"\n\
                    senders = \"+44 = room-uk; +4420 = room-london\"\n";
    let (dir, _) = plugin_dir(&[("desk", "keyword-router", manifest)]);
    let (kit, store, _directory) = kit_routed_by(dir.path(), "desk").await;
    assert_eq!(
        room_of(&kit, "+15550001", "A BILLING question").await,
        "room-billing"
    );
    assert_eq!(
        room_of(&kit, "+15550002", "I want a refund").await,
        "room-billing"
    );
    assert_eq!(
        room_of(&kit, "+15550003", "my card stolen today").await,
        "room-fraud"
    );
    assert_eq!(room_of(&kit, "+442071234567", "hello").await, "room-london");
    assert_eq!(room_of(&kit, "+441611234567", "hello").await, "room-uk");
    // Keywords win over the sender prefix (`prefer` defaults to keywords).
    assert_eq!(
        room_of(&kit, "+442071234567", "billing").await,
        "room-billing"
    );
    // Nothing matches: the host's default routing (the only room bound to `sms`).
    assert_eq!(room_of(&kit, "+15550004", "hello").await, "r");
    // The channel_attached record of the sender's channel, then three messages.
    assert_eq!(kit.get_room("room-billing").await.unwrap().event_count, 4);
    let timeline = store
        .list_events("room-billing", &EventQuery::oldest(10))
        .await
        .unwrap();
    let bodies: Vec<Content> = timeline
        .into_iter()
        .filter(|e| e.visibility != roomkit_model::Visibility::Internal)
        .map(|e| e.content)
        .collect();
    assert_eq!(
        bodies,
        vec![
            Content::text("A BILLING question"),
            Content::text("I want a refund"),
            Content::text("billing")
        ]
    );
}

/// One request the sink received.
#[derive(Debug, Clone)]
struct Received {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP sink on 127.0.0.1 that keeps every request and answers `{"id":"crm-N"}`; it also
/// counts the connections it accepted.
async fn webhook_sink() -> (u16, Arc<Mutex<Vec<Received>>>, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let accepted = Arc::new(AtomicU64::new(0));
    let (keep, count) = (Arc::clone(&received), Arc::clone(&accepted));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let keep = Arc::clone(&keep);
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        break at;
                    }
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => data.extend_from_slice(&buf[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
                let mut lines = head.split("\r\n");
                let request_line = lines.next().unwrap_or_default().to_owned();
                let headers: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                let length: usize = headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                let mut body = data[head_end + 4..].to_vec();
                let chunked = headers
                    .iter()
                    .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
                if chunked {
                    while !body.ends_with(b"0\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => body.extend_from_slice(&buf[..n]),
                        }
                    }
                    body = dechunk(&body);
                } else {
                    while body.len() < length {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => body.extend_from_slice(&buf[..n]),
                        }
                    }
                }
                let n = {
                    let mut keep = keep.lock().unwrap();
                    keep.push(Received {
                        request_line,
                        headers,
                        body,
                    });
                    keep.len()
                };
                let answer = format!("{{\"id\":\"crm-{n}\"}}");
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (port, received, accepted)
}

/// The payload of a chunked body (`SIZE\r\nDATA\r\n` … `0\r\n\r\n`).
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || raw.len() < end + 2 + size {
            break;
        }
        body.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[(end + 4 + size).min(raw.len())..];
    }
    body
}

/// HMAC-SHA256 (RFC 2104), computed here so the test checks the plugin against an
/// independent implementation.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

fn webhook_manifest(allowed: &str, port: u16) -> String {
    format!(
        "kind = \"provider\"\nallowed_hosts = [{allowed}]\ntimeout_ms = 3000\n[config]\n\
         url = \"http://127.0.0.1:{port}/roomkit\"\nsecret = \"change-me\"\ntimeout_ms = \"2000\"\n"
    )
}

/// A kit whose room `r` also delivers to channel `crm`, served by the provider at `path`.
async fn kit_with_webhook(path: &Path) -> (roomkit_kit::RoomKit, Arc<WasmProvider>) {
    let (kit, _, _) = kit_with_sink().await;
    let provider = Arc::new(WasmProvider::load(&engine(), path, None).unwrap());
    kit.register_channel(Arc::new(TransportChannel::new(
        "crm",
        "webhook",
        ChannelCapabilities::default(),
        Arc::clone(&provider) as Arc<dyn roomkit_kit::Provider>,
    )))
    .unwrap();
    kit.attach_channel("r", "crm", AttachOptions::default())
        .await
        .unwrap();
    (kit, provider)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_provider_delivers_a_signed_post_to_the_sink() {
    let (port, received, _) = webhook_sink().await;
    let manifest = webhook_manifest(&format!("\"http://127.0.0.1:{port}\""), port);
    let (_dir, paths) = plugin_dir(&[("crm", "webhook-provider", &manifest)]);
    let (kit, provider) = kit_with_webhook(&paths[0]).await;

    let result = kit
        .process_inbound(say("+15550001", "hello crm"))
        .await
        .unwrap();
    let event = result.event.unwrap();
    let delivery = &result.delivery_results["crm"];
    assert_eq!(delivery.status, DeliveryStatus::Delivered, "{delivery:?}");
    assert_eq!(delivery.provider_message_id.as_deref(), Some("crm-1"));

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.request_line, "POST /roomkit HTTP/1.1");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("x-roomkit-event-id"),
        Some(event.id.as_str())
    );
    assert_eq!(request.header("idempotency-key"), Some(event.id.as_str()));
    assert_eq!(
        request.header("x-roomkit-signature"),
        Some(format!("sha256={}", hmac_sha256(b"change-me", &request.body)).as_str()),
        "signed with the configured secret over the exact body"
    );
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["id"], event.id.as_str());
    assert_eq!(body["room_id"], "r");
    assert_eq!(body["type"], "message");
    assert_eq!(
        body["content"],
        serde_json::json!({"type": "text", "body": "hello crm", "language": null})
    );
    assert_eq!(body["source"]["channel_id"], "sms");
    assert_eq!(body["source"]["direction"], "inbound");
    assert_eq!(body["recipient"]["channel_id"], "crm");
    assert_eq!(body["recipient"]["channel_type"], "webhook");
    let stats = provider.snapshot();
    assert_eq!((stats.http_requests, stats.http_denied), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_provider_without_the_sink_in_allowed_hosts_fails_permanently_and_sends_nothing() {
    let (port, received, accepted) = webhook_sink().await;
    let manifest = webhook_manifest("\"crm.example.com\"", port);
    let (_dir, paths) = plugin_dir(&[("crm", "webhook-provider", &manifest)]);
    let (kit, provider) = kit_with_webhook(&paths[0]).await;

    let result = kit
        .process_inbound(say("+15550001", "hello crm"))
        .await
        .unwrap();
    let delivery = &result.delivery_results["crm"];
    assert_eq!(delivery.status, DeliveryStatus::Failed);
    assert_eq!(delivery.attempts, 1, "a permanent error is not retried");
    let error = delivery.error.as_deref().unwrap();
    assert!(
        error.starts_with("plugin crm: deliver: returned an error: webhook delivery failed:"),
        "{error}"
    );
    // The guest learns that the host refused the request by policy.
    assert!(
        error.contains("request denied: host not allowed"),
        "{error}"
    );
    let stats = provider.snapshot();
    assert_eq!((stats.http_requests, stats.http_denied), (0, 1));
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");
    assert!(received.lock().unwrap().is_empty());
}

fn webhook(signature: Option<String>, body: &str) -> WebhookRequest {
    WebhookRequest {
        channel_id: "crm-in".into(),
        method: "POST".into(),
        path: "/v1/webhooks/crm-in".into(),
        query: String::new(),
        public_url: "http://127.0.0.1:8080/v1/webhooks/crm-in".into(),
        headers: signature
            .map(|s| vec![("X-RoomKit-Signature".to_owned(), s)])
            .unwrap_or_default(),
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_provider_verifies_signatures_and_parses_inbound_messages() {
    let manifest = webhook_manifest("", 9);
    let (_dir, paths) = plugin_dir(&[("crm", "webhook-provider", &manifest)]);
    let provider = WasmProvider::load(&engine(), &paths[0], None).unwrap();
    let body = r#"{"messages":[{"sender":"+15550001","text":"hi","id":"m-1"},{"sender":"+15550002","text":"second","id":7,"room":"r","metadata":{"k":1}}]}"#;
    let signed = |body: &str| {
        Some(format!(
            "sha256={}",
            hmac_sha256(b"change-me", body.as_bytes())
        ))
    };

    assert!(
        provider
            .verify_signature(&webhook(signed(body), body), None)
            .await
            .unwrap()
    );
    let forged = format!("sha256={}", hmac_sha256(b"guessed", body.as_bytes()));
    assert!(
        !provider
            .verify_signature(&webhook(Some(forged), body), None)
            .await
            .unwrap()
    );
    assert!(
        !provider
            .verify_signature(&webhook(None, body), None)
            .await
            .unwrap()
    );
    let tampered = body.replace("hi", "ho");
    assert!(
        !provider
            .verify_signature(&webhook(signed(body), &tampered), None)
            .await
            .unwrap()
    );

    let messages = provider
        .parse_webhook(&webhook(signed(body), body), None)
        .await
        .unwrap()
        .messages;
    let mut first = InboundMessage::text("crm-in", "+15550001", "hi");
    first.idempotency_key = Some("m-1".into());
    first.provider = Some("webhook".into());
    first.provider_message_id = Some("m-1".into());
    let mut second = InboundMessage::text("crm-in", "+15550002", "second").in_room("r");
    second.idempotency_key = Some("7".into());
    second.provider = Some("webhook".into());
    second.provider_message_id = Some("7".into());
    second.metadata = serde_json::json!({"k": 1}).as_object().unwrap().clone();
    assert_eq!(messages, vec![first, second]);

    let err = provider
        .parse_webhook(&webhook(None, r#"{"sender":"","text":"x"}"#), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin crm: parse-webhook: returned an error: webhook message with an empty sender"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_ai_answers_in_a_room() {
    let (dir, _) = plugin_dir(&[(
        "echo",
        "echo-ai",
        "kind = \"ai-provider\"\n[config]\nprefix = \"echo: \"\n",
    )]);
    let (kit, _, sink) = kit_with_sink().await;
    let directory = PluginDirectory::new(dir.path(), engine(), kit.clone(), None);
    assert_eq!(directory.load_all().loaded, vec!["echo"]);
    let handle = directory.ai_provider("echo");
    assert_eq!(handle.model_name(), "echo-ai");
    kit.register_channel(Arc::new(AiChannel::new("assistant", Arc::new(handle))))
        .unwrap();
    kit.attach_channel("r", "assistant", AttachOptions::default())
        .await
        .unwrap();

    let result = kit
        .process_inbound(say("+1", "where is my order?"))
        .await
        .unwrap();
    assert_eq!(result.response_events.len(), 1);
    let answer = &result.response_events[0];
    assert_eq!(answer.source.channel_id, "assistant");
    assert_eq!(answer.content, Content::text("echo: where is my order?"));
    assert_eq!(
        sink.bodies(),
        vec!["where is my order?", "echo: where is my order?"]
    );
}
