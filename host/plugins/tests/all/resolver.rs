//! A wasm identity resolver: directly, and identifying senders in the pipeline.

use std::sync::Arc;

use roomkit_kit::{InboundMessage, RoomContext};
use roomkit_model::{Identification, Room};
use roomkit_plugins::{PluginDirectory, WasmIdentityResolver};

use crate::fixtures::{PluginDir, engine};

// A deadline that ordinary calls meet on a loaded machine too; `spin` runs into it.
const PHONEBOOK: &str = r#"kind = "identity-resolver"
timeout_ms = 1000
fuel = 100000000000
[config]
"sender.+15550001" = "ana|Ana Lima"
"sender.+15550002" = "bob|Bob;robert|Robert"
"#;

fn ctx() -> RoomContext {
    RoomContext::from_parts(Room::with_id("r"), Vec::new(), Vec::new(), Vec::new())
}

fn from(sender: &str) -> InboundMessage {
    InboundMessage::text("sms", sender, "hello")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_resolver_identifies_an_ambiguous_and_an_unknown_sender() {
    let dir = PluginDir::new();
    let path = dir.add_component("phonebook", "test-resolver", PHONEBOOK);
    let resolver = WasmIdentityResolver::load(&engine(), &path, None).unwrap();

    let ana = resolver
        .resolve_sender(&from("+15550001"), "sms", &ctx())
        .await
        .unwrap();
    assert_eq!(ana.status, Identification::Identified);
    let identity = ana.identity.unwrap();
    assert_eq!(identity.id, "ana");
    assert_eq!(identity.display_name.as_deref(), Some("Ana Lima"));
    assert_eq!(identity.channel_addresses["sms"], vec!["+15550001"]);
    assert_eq!(identity.metadata["room"], "r", "it read the room context");
    assert_eq!(identity.metadata["channel_type"], "sms");

    let bob = resolver
        .resolve_sender(&from("+15550002"), "sms", &ctx())
        .await
        .unwrap();
    assert_eq!(bob.status, Identification::Ambiguous);
    assert!(bob.identity.is_none());
    let ids: Vec<&str> = bob.candidates.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec!["bob", "robert"]);

    let nobody = resolver
        .resolve_sender(&from("+19999999"), "sms", &ctx())
        .await
        .unwrap();
    assert_eq!(nobody.status, Identification::Unknown);
    assert!(nobody.identity.is_none() && nobody.candidates.is_empty());
    let stats = resolver.snapshot();
    assert_eq!(
        (stats.calls, stats.failures, stats.instantiations),
        (3, 0, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolver_failures_name_the_plugin_the_function_and_the_cause_and_the_next_call_works() {
    let dir = PluginDir::new();
    let path = dir.add_component("phonebook", "test-resolver", PHONEBOOK);
    let resolver = WasmIdentityResolver::load(&engine(), &path, None).unwrap();
    let error = |sender: &'static str| {
        let resolver = &resolver;
        async move {
            resolver
                .resolve_sender(&from(sender), "sms", &ctx())
                .await
                .unwrap_err()
                .to_string()
        }
    };
    assert_eq!(
        error("error").await,
        "plugin phonebook: resolve: returned an error: no directory entry can say who error is"
    );
    let trap = error("panic").await;
    assert!(
        trap.starts_with("plugin phonebook: resolve: trap:"),
        "{trap}"
    );
    assert_eq!(
        error("spin").await,
        "plugin phonebook: resolve: deadline exceeded: the call ran longer than 1000 ms"
    );
    let after = resolver
        .resolve_sender(&from("+15550001"), "sms", &ctx())
        .await
        .unwrap();
    assert_eq!(after.identity.unwrap().id, "ana", "the next call works");
    let stats = resolver.snapshot();
    assert_eq!(stats.calls, 4);
    assert_eq!(stats.failures, 3);
    // The returned error kept its instance; the trap and the deadline each poisoned one.
    assert_eq!(stats.instantiations, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_resolver_identifies_the_sender_of_process_inbound() {
    let dir = PluginDir::new();
    dir.add_component("phonebook", "test-resolver", PHONEBOOK);
    let directory = PluginDirectory::detached(dir.dir.path(), engine(), None);
    let handle = directory.identity_resolver("phonebook");
    assert!(!handle.is_loaded());
    let (kit, store, sink) =
        roomkit_kit::testing::kit_with_sink(|b| b.identity_resolver(Arc::new(handle.clone())))
            .await;
    assert!(directory.attach_kit(kit.clone()));
    assert_eq!(directory.load_all().loaded, vec!["phonebook"]);
    assert!(handle.is_loaded());

    let known = kit
        .process_inbound(from("+15550001").in_room("r"))
        .await
        .unwrap();
    assert!(!known.blocked);
    assert_eq!(
        known.event.unwrap().source.participant_id.as_deref(),
        Some("ana")
    );
    let participants = store.list_participants("r").await.unwrap();
    let ana = participants.iter().find(|p| p.id == "ana").unwrap();
    assert_eq!(ana.display_name.as_deref(), Some("Ana Lima"));
    assert_eq!(ana.identification, Identification::Identified);

    // A trapping call does not take the pipeline down: the sender stays unknown, the message
    // is delivered, and the next one is identified.
    let trapped = kit
        .process_inbound(InboundMessage::text("sms", "panic", "boom").in_room("r"))
        .await
        .unwrap();
    assert!(!trapped.blocked);
    assert_ne!(
        trapped.event.unwrap().source.participant_id.as_deref(),
        Some("ana")
    );
    let again = kit
        .process_inbound(from("+15550001").in_room("r"))
        .await
        .unwrap();
    assert_eq!(
        again.event.unwrap().source.participant_id.as_deref(),
        Some("ana")
    );
    assert_eq!(sink.bodies(), vec!["hello", "boom", "hello"]);
}
