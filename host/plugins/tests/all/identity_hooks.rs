//! Wasm identity hooks (the `identity-hook` world, plugins/fixtures/identity-hook): deciding
//! about senders the resolver (plugins/fixtures/test-resolver) could not settle, in the
//! pipeline, with their filters, priorities and fail policy; and the `hook` world's components
//! keep loading as before.

use std::sync::Arc;

use roomkit_kit::testing::RecordingProvider;
use roomkit_kit::{
    AttachOptions, HookTrigger, IdentityHookResult, IdentityResult, InboundMessage, InboundResult,
    Provider, RoomContext, RoomKit, RoomOptions, TransportChannel,
};
use roomkit_model::{ChannelCapabilities, FrameworkEventType, Identification, Identity, Room};
use roomkit_plugins::{PluginDirectory, WasmPlugin};
use roomkit_store::{ConversationStore, MemoryStore};

use crate::fixtures::{PluginDir, engine};

/// The resolver: `+15550001` is Ana, `+15550002` is ambiguous, everyone else unknown.
const PHONEBOOK: &str = r#"kind = "identity-resolver"
[config]
"sender.+15550001" = "ana|Ana Lima"
"sender.+15550002" = "bob|Bob;robert|Robert"
"#;

/// An identity hook's manifest: `triggers`, then any other keys, then its decision.
fn identity_hook(triggers: &str, extra: &str, decision: &str) -> String {
    format!(
        "triggers = [{triggers}]\ntimeout_ms = 2000\n{extra}\n[config]\ndecision = {decision:?}\n"
    )
}

const UNKNOWN: &str = r#""on_identity_unknown""#;
const BOTH: &str = r#""on_identity_unknown", "on_identity_ambiguous""#;

/// A kit resolving senders with the wasm resolver `phonebook`, room `r` bound to `sms` (type
/// sms), `mail` (type email) and a `sink`, and the plugins of `dir` loaded.
struct Setup {
    kit: RoomKit,
    store: Arc<dyn ConversationStore>,
    /// What was sent back on the `sms` channel (identity challenges).
    sms: Arc<RecordingProvider>,
    /// What was broadcast to the sink.
    sink: Arc<RecordingProvider>,
    directory: PluginDirectory,
    _dir: PluginDir,
}

impl Setup {
    /// `hooks`: (name, manifest) of identity-hook components.
    async fn new(hooks: &[(&str, String)]) -> Setup {
        let dir = PluginDir::new();
        dir.add_component("phonebook", "test-resolver", PHONEBOOK);
        for (name, manifest) in hooks {
            dir.add_component(name, "identity-hook", manifest);
        }
        let directory = PluginDirectory::detached(dir.dir.path(), engine(), None);
        let resolver = directory.identity_resolver("phonebook");
        let store: Arc<dyn ConversationStore> = Arc::new(MemoryStore::new());
        let kit = RoomKit::builder(Arc::clone(&store))
            .identity_resolver(Arc::new(resolver))
            .build();
        let (sms, mail, sink) = (
            Arc::new(RecordingProvider::default()),
            Arc::new(RecordingProvider::default()),
            Arc::new(RecordingProvider::default()),
        );
        for (id, channel_type, provider) in [
            ("sms", "sms", &sms),
            ("mail", "email", &mail),
            ("sink", "sms", &sink),
        ] {
            kit.register_channel(Arc::new(TransportChannel::new(
                id,
                channel_type,
                ChannelCapabilities::default(),
                Arc::clone(provider) as Arc<dyn Provider>,
            )))
            .unwrap();
        }
        kit.create_room(RoomOptions {
            id: Some("r".into()),
            ..RoomOptions::default()
        })
        .await
        .unwrap();
        for channel in ["sms", "mail", "sink"] {
            kit.attach_channel("r", channel, AttachOptions::default())
                .await
                .unwrap();
        }
        assert!(directory.attach_kit(kit.clone()));
        let report = directory.load_all();
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        Setup {
            kit,
            store,
            sms,
            sink,
            directory,
            _dir: dir,
        }
    }

    async fn say(&self, channel: &str, sender: &str, body: &str) -> InboundResult {
        self.kit
            .process_inbound(InboundMessage::text(channel, sender, body).in_room("r"))
            .await
            .unwrap()
    }

    async fn event_count(&self) -> u64 {
        self.kit.get_room("r").await.unwrap().event_count
    }

    fn plugin(&self, name: &str) -> Arc<WasmPlugin> {
        self.directory.plugins()[name].clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_identity_hook_resolves_an_unknown_sender() {
    let s = Setup::new(&[("who", identity_hook(UNKNOWN, "", "resolved:carol|Carol"))]).await;
    assert!(s.plugin("who").handles_identity());

    let result = s.say("sms", "+19999999", "hello").await;
    assert!(!result.blocked, "{:?}", result.reason);
    let event = result.event.unwrap();
    assert_eq!(event.source.participant_id.as_deref(), Some("carol"));
    let participants = s.store.list_participants("r").await.unwrap();
    let carol = participants.iter().find(|p| p.id == "carol").unwrap();
    assert_eq!(carol.identification, Identification::Identified);
    assert_eq!(carol.display_name.as_deref(), Some("Carol"));
    assert_eq!(s.sink.bodies(), vec!["hello"]);

    // A sender the resolver knows never reaches the hook.
    let ana = s.say("sms", "+15550001", "hi").await;
    assert_eq!(
        ana.event.unwrap().source.participant_id.as_deref(),
        Some("ana")
    );
    assert_eq!(s.plugin("who").snapshot().calls, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handle_identity_gets_the_trigger_the_resolver_answer_and_the_room() {
    let dir = PluginDir::new();
    let path = dir.add_component(
        "who",
        "identity-hook",
        &identity_hook(BOTH, "", "resolved:carol|Carol"),
    );
    let plugin = WasmPlugin::load(&engine(), &path, None).unwrap();
    let ctx = RoomContext::from_parts(Room::with_id("r"), Vec::new(), Vec::new(), Vec::new());
    let candidates = vec![
        Identity {
            id: "bob".into(),
            ..Identity::new()
        },
        Identity {
            id: "robert".into(),
            ..Identity::new()
        },
    ];
    let decision = plugin
        .call_identity(
            HookTrigger::OnIdentityAmbiguous,
            &InboundMessage::text("sms", "+15550002", "hi"),
            &IdentityResult::ambiguous(candidates),
            &ctx,
        )
        .await
        .unwrap();
    let Some(IdentityHookResult::Resolved(identity)) = decision else {
        panic!("expected a resolved identity, got {decision:?}");
    };
    assert_eq!(identity.id, "carol");
    assert_eq!(identity.channel_addresses["sms"], vec!["+15550002"]);
    assert_eq!(identity.metadata["trigger"], "on_identity_ambiguous");
    assert_eq!(identity.metadata["status"], "ambiguous");
    assert_eq!(identity.metadata["candidates"], 2);
    assert_eq!(identity.metadata["room"], "r", "it read the room context");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_identity_hook_challenge_is_sent_back_to_the_sender_storing_nothing() {
    let s = Setup::new(&[(
        "ask",
        identity_hook(
            UNKNOWN,
            "",
            "challenge:Who is this? Reply with your account number.",
        ),
    )])
    .await;
    let before = s.event_count().await;
    let result = s.say("sms", "+19999999", "hello").await;
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("identity_challenge_sent"));
    assert!(result.event.is_none());
    assert_eq!(s.event_count().await, before, "nothing is stored");
    assert_eq!(
        s.sms.bodies(),
        vec!["Who is this? Reply with your account number."],
        "the challenge goes back on the sender's channel"
    );
    assert!(s.sink.bodies().is_empty(), "the message is not broadcast");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_identity_hook_rejects_with_its_reason() {
    let s = Setup::new(&[(
        "gate",
        identity_hook(BOTH, "", "reject:unknown numbers are not served"),
    )])
    .await;
    let before = s.event_count().await;
    for sender in ["+19999999", "+15550002"] {
        let result = s.say("sms", sender, "hello").await;
        assert!(result.blocked);
        assert_eq!(
            result.reason.as_deref(),
            Some("unknown numbers are not served")
        );
        assert!(result.event.is_none());
    }
    assert_eq!(s.event_count().await, before);
    assert!(s.sink.bodies().is_empty());
    assert!(s.sms.bodies().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_identity_hook_keeps_an_unknown_sender_pending() {
    let s = Setup::new(&[("later", identity_hook(UNKNOWN, "", "pending"))]).await;
    let result = s.say("sms", "+19999999", "hello").await;
    assert!(!result.blocked);
    assert_eq!(s.sink.bodies(), vec!["hello"]);
    let participants = s.store.list_participants("r").await.unwrap();
    let pending = participants.iter().find(|p| p.id == "+19999999").unwrap();
    assert_eq!(pending.identification, Identification::Pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_hook_whose_filter_excludes_the_channel_is_not_called() {
    let s = Setup::new(&[
        (
            "email-only",
            identity_hook(
                UNKNOWN,
                r#"channel_types = ["email"]"#,
                "reject:email senders must register",
            ),
        ),
        (
            "outbound-only",
            identity_hook(UNKNOWN, r#"directions = ["outbound"]"#, "reject:never"),
        ),
        (
            "other-channel",
            identity_hook(UNKNOWN, r#"channel_ids = ["sink"]"#, "reject:never"),
        ),
    ])
    .await;
    let sms = s.say("sms", "+19999999", "hello").await;
    assert!(!sms.blocked, "{:?}", sms.reason);
    assert_eq!(
        sms.event.unwrap().source.participant_id.as_deref(),
        Some("+19999999")
    );
    for name in ["email-only", "outbound-only", "other-channel"] {
        assert_eq!(s.plugin(name).snapshot().calls, 0, "{name} was called");
    }

    // On a channel its filter admits, the hook decides.
    let mail = s.say("mail", "someone@example.com", "hello").await;
    assert_eq!(mail.reason.as_deref(), Some("email senders must register"));
    assert_eq!(s.plugin("email-only").snapshot().calls, 1);
    assert_eq!(s.plugin("outbound-only").snapshot().calls, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapping_identity_hook_is_reported_naming_the_plugin_and_the_function_and_the_next_hook_decides()
 {
    let s = Setup::new(&[
        (
            "a-undecided",
            identity_hook(UNKNOWN, "priority = 0", "none"),
        ),
        ("b-broken", identity_hook(UNKNOWN, "priority = 1", "trap")),
        (
            "c-fallback",
            identity_hook(UNKNOWN, "priority = 2", "resolved:dana|Dana"),
        ),
    ])
    .await;
    let mut errors = s.kit.on(Some(&[FrameworkEventType::HookError]));
    let result = s.say("sms", "+19999999", "hello").await;
    assert!(!result.blocked, "{:?}", result.reason);
    assert_eq!(
        result.event.unwrap().source.participant_id.as_deref(),
        Some("dana")
    );
    let error = errors.recv().await.unwrap();
    assert_eq!(error.data["hook"], "b-broken");
    assert_eq!(error.data["trigger"], "on_identity_unknown");
    let message = error.data["error"].as_str().unwrap();
    assert!(
        message.starts_with("plugin b-broken: handle-identity: trap"),
        "{message}"
    );
    for name in ["a-undecided", "b-broken", "c-fallback"] {
        assert_eq!(s.plugin(name).snapshot().calls, 1, "{name}");
    }
    assert_eq!(s.plugin("b-broken").snapshot().failures, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapping_identity_hook_alone_leaves_the_resolver_answer_in_place() {
    let s = Setup::new(&[("broken", identity_hook(UNKNOWN, "", "trap"))]).await;
    let mut errors = s.kit.on(Some(&[FrameworkEventType::HookError]));
    let result = s.say("sms", "+19999999", "hello").await;
    assert!(!result.blocked, "{:?}", result.reason);
    assert_eq!(
        result.event.unwrap().source.participant_id.as_deref(),
        Some("+19999999"),
        "the default: an unknown sender goes on with the raw sender id"
    );
    assert_eq!(s.sink.bodies(), vec!["hello"]);
    let error = errors.recv().await.unwrap();
    assert_eq!(error.data["hook"], "broken");
    let message = error.data["error"].as_str().unwrap();
    assert!(
        message.starts_with("plugin broken: handle-identity: trap"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fail_closed_identity_hook_that_fails_rejects_the_message() {
    let s = Setup::new(&[(
        "strict",
        identity_hook(UNKNOWN, "fail_closed = true", "error:directory unavailable"),
    )])
    .await;
    let before = s.event_count().await;
    let result = s.say("sms", "+19999999", "hello").await;
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("hook_error:strict"));
    assert!(result.event.is_none());
    assert_eq!(s.event_count().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_hook_component_also_runs_as_a_before_broadcast_hook() {
    let s = Setup::new(&[(
        "both",
        identity_hook(
            r#""before_broadcast", "on_identity_unknown""#,
            "",
            "resolved:erin|Erin",
        ),
    )])
    .await;
    let result = s.say("sms", "+19999999", "this is forbidden").await;
    assert!(result.blocked);
    assert_eq!(result.reason.as_deref(), Some("forbidden word"));
    let stored = result.event.unwrap();
    assert_eq!(stored.source.participant_id.as_deref(), Some("erin"));
    assert_eq!(stored.blocked_by.as_deref(), Some("both:before_broadcast"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_world_component_loads_as_before_but_is_refused_for_identity_triggers_naming_both_worlds()
 {
    let dir = PluginDir::new();
    let plain = dir.add("plain", "");
    let plugin = WasmPlugin::load(&engine(), &plain, None).unwrap();
    assert!(!plugin.handles_identity());

    let path = dir.add(
        "asks",
        r#"triggers = ["before_broadcast", "on_identity_unknown"]"#,
    );
    let error = WasmPlugin::load(&engine(), &path, None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("plugin asks"), "{error}");
    assert!(error.contains("on_identity_unknown"), "{error}");
    assert!(error.contains("handle-identity"), "{error}");
    assert!(error.contains("roomkit:plugin/hook@0.2.0"), "{error}");
    assert!(
        error.contains("roomkit:plugin/identity-hook@0.2.0"),
        "{error}"
    );

    // In a directory the refused one is reported and the plain one still serves.
    let directory = PluginDirectory::detached(dir.dir.path(), engine(), None);
    let report = directory.load_all();
    assert_eq!(report.loaded, vec!["plain"]);
    assert_eq!(report.failed.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_that_moves_a_hook_off_the_identity_trigger_leaves_no_identity_hook_behind() {
    let s = Setup::new(&[("who", identity_hook(UNKNOWN, "", "reject:no strangers"))]).await;
    assert_eq!(
        s.say("sms", "+19999999", "hello").await.reason.as_deref(),
        Some("no strangers")
    );
    std::fs::write(
        s._dir.dir.path().join("who.toml"),
        identity_hook(
            r#""before_broadcast""#,
            "",
            "reject:no strangers, version 2",
        ),
    )
    .unwrap();
    assert_eq!(s.directory.load_all().reloaded, vec!["who"]);
    let result = s.say("sms", "+19999999", "hello").await;
    assert!(!result.blocked, "{:?}", result.reason);
    let forbidden = s.say("sms", "+19999999", "forbidden").await;
    assert_eq!(forbidden.reason.as_deref(), Some("forbidden word"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_built_against_contract_0_1_is_refused_naming_both_versions_while_the_others_load() {
    let dir = PluginDir::new();
    dir.add_component("legacy", "legacy-hook", "");
    dir.add("current", "");
    let (kit, _store, _sink) = crate::fixtures::kit_with_sink().await;
    let directory = PluginDirectory::detached(dir.dir.path(), engine(), None);
    assert!(directory.attach_kit(kit.clone()));
    let report = directory.load_all();
    assert_eq!(report.loaded, vec!["current"]);
    let (name, reason) = &report.failed[0];
    assert_eq!(name, "legacy");
    assert!(reason.starts_with("plugin legacy: "), "{reason}");
    assert!(
        reason.contains(
            "was built against roomkit:plugin@0.1.0, but this host serves roomkit:plugin@0.2.0 \
             (expected world roomkit:plugin/hook@0.2.0): rebuild it with the SDK of \
             roomkit:plugin@0.2.0"
        ),
        "{reason}"
    );
    // Refused, it blocks nothing: the message passes the current hook only.
    let result = kit
        .process_inbound(InboundMessage::text("sms", "+1", "legacy").in_room("r"))
        .await
        .unwrap();
    assert!(!result.blocked, "{:?}", result.reason);
}
