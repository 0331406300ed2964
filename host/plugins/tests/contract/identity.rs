//! The identity hook examples of the JS and Go SDKs (`examples/ask-identity`), built for the
//! `identity-hook` world because their manifests name an identity trigger, decide about unknown
//! senders through the pipeline: resolve, reject and challenge.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use roomkit_kit::{IdentityResolver, IdentityResult, InboundMessage, RoomContext};
use roomkit_plugins::WasmPlugin;

use crate::contract::{go_example, js_example};
use crate::fixtures::{PluginDir, engine};

/// Knows no one, so every sender reaches the identity hooks.
struct NobodyKnown;

#[async_trait]
impl IdentityResolver for NobodyKnown {
    async fn resolve(
        &self,
        _message: &InboundMessage,
        _channel_type: &str,
        _ctx: &RoomContext,
    ) -> Result<IdentityResult, String> {
        Ok(IdentityResult::unknown())
    }
}

const MANIFEST: &str = r#"triggers = ["on_identity_unknown"]
channel_types = ["sms"]
timeout_ms = 5000
[config]
blocked = "+1666"
question = "Who is this?"
"#;

async fn decides_about_unknown_senders(built: &Path) {
    let dir = PluginDir::new();
    let wasm = dir.dir.path().join("ask.wasm");
    std::fs::copy(built, &wasm).unwrap();
    std::fs::write(dir.dir.path().join("ask.toml"), MANIFEST).unwrap();
    let plugin = Arc::new(WasmPlugin::load(&engine(), &wasm, None).unwrap());
    assert!(plugin.handles_identity());
    assert_eq!(plugin.world(), "roomkit:plugin/identity-hook@0.2.0");
    let (kit, _store, sink) =
        roomkit_kit::testing::kit_with_sink(|b| b.identity_resolver(Arc::new(NobodyKnown))).await;
    plugin.register(&kit);
    let say = |sender: &'static str, body: &'static str| {
        let kit = kit.clone();
        async move {
            kit.process_inbound(InboundMessage::text("sms", sender, body).in_room("r"))
                .await
                .unwrap()
        }
    };

    let resolved = say("+1555", "account 42").await;
    assert!(!resolved.blocked, "{:?}", resolved.reason);
    assert_eq!(
        resolved.event.unwrap().source.participant_id.as_deref(),
        Some("acct-42")
    );
    let rejected = say("+1666", "hi").await;
    assert_eq!(rejected.reason.as_deref(), Some("number blocked"));
    assert!(rejected.event.is_none());
    let challenged = say("+1777", "hi").await;
    assert_eq!(
        challenged.reason.as_deref(),
        Some("identity_challenge_sent")
    );
    assert!(challenged.event.is_none());
    assert_eq!(sink.bodies(), vec!["account 42"]);
    assert_eq!(plugin.snapshot().failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_identity_hook_example_resolves_rejects_and_challenges() {
    decides_about_unknown_senders(&js_example("ask-identity", "identity-hook")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_go_identity_hook_example_resolves_rejects_and_challenges() {
    decides_about_unknown_senders(&go_example("ask-identity", "identity-hook")).await;
}
