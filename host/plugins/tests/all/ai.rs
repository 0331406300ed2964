//! A wasm AI provider: `info` read at load, `generate` directly and answering in a room.

use std::sync::Arc;

use roomkit_kit::ai::{AiContext, AiMessage, AiPart, AiProvider, AiRole};
use roomkit_kit::{AiChannel, AttachOptions, InboundMessage};
use roomkit_model::Content;
use roomkit_plugins::{PluginDirectory, WasmAiProvider};

use crate::fixtures::{PluginDir, engine, kit_with_sink};

fn asking(text: &str) -> AiContext {
    AiContext {
        system_prompt: Some("be brief".into()),
        messages: vec![
            AiMessage {
                role: AiRole::User,
                parts: vec![AiPart::Text("earlier".into())],
            },
            AiMessage {
                role: AiRole::User,
                parts: vec![AiPart::Text(text.into())],
            },
        ],
        temperature: None,
        max_tokens: Some(50),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_ai_provider_is_described_once_and_answers() {
    let dir = PluginDir::new();
    let path = dir.add_component(
        "echo",
        "test-ai",
        "kind = \"ai-provider\"\n[config]\nmodel = \"echo-7\"\n",
    );
    let ai = WasmAiProvider::load(&engine(), &path, None).unwrap();
    assert_eq!(ai.model_name(), "echo-7");
    assert!(!ai.supports_vision());
    assert_eq!(ai.snapshot().calls, 1, "info was called once, at load");

    let answer = ai.generate(&asking("what time is it?")).await.unwrap();
    assert_eq!(answer.content, "echo: what time is it?");
    assert_eq!(answer.metadata["messages"], 2);
    assert_eq!(answer.metadata["system_prompt"], true);

    let busy = ai.generate(&asking("overloaded?")).await.unwrap_err();
    assert_eq!(
        busy.message,
        "plugin echo: generate: returned an error: test-ai is overloaded"
    );
    assert!(busy.retryable);
    let trapped = ai.generate(&asking("panic")).await.unwrap_err();
    assert!(
        trapped.message.starts_with("plugin echo: generate: trap:"),
        "{}",
        trapped.message
    );
    assert_eq!(
        ai.generate(&asking("still there?")).await.unwrap().content,
        "echo: still there?"
    );
    assert_eq!(ai.model_name(), "echo-7", "info is not asked again");
    let stats = ai.snapshot();
    assert_eq!(
        (stats.calls, stats.failures, stats.instantiations),
        (5, 2, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_ai_provider_answers_in_a_room() {
    let dir = PluginDir::new();
    dir.add_component("echo", "test-ai", "kind = \"ai-provider\"\n");
    let (kit, _, sink) = kit_with_sink().await;
    let directory = PluginDirectory::new(dir.dir.path(), engine(), kit.clone(), None);
    assert_eq!(directory.load_all().loaded, vec!["echo"]);
    let handle = directory.ai_provider("echo");
    assert_eq!(handle.model_name(), "test-ai-1");
    kit.register_channel(Arc::new(AiChannel::new("assistant", Arc::new(handle))))
        .unwrap();
    kit.attach_channel("r", "assistant", AttachOptions::default())
        .await
        .unwrap();
    let result = kit
        .process_inbound(InboundMessage::text("sms", "+1", "where is my order?").in_room("r"))
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
