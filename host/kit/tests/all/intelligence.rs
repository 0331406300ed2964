//! Intelligence channels: answers re-enter the pipeline; chain depth; muted and addressed-only
//! agents.

use std::sync::Arc;

use roomkit_kit::{AiChannel, AttachOptions, InboundMessage, MockAiProvider, RoomOptions};
use roomkit_model::{
    AgentResponsePolicy, ChannelCategory, Content, Direction, EventStatus, FrameworkEventType,
};
use roomkit_store::EventQuery;

use crate::support::{setup, text_caps};

fn body(content: &Content) -> &str {
    match content {
        Content::Text { body, .. } => body,
        _ => "",
    }
}

#[tokio::test]
async fn an_ai_answer_re_enters_the_pipeline_one_level_deeper() {
    let s = setup();
    let sms = s.transport("sms", "sms", text_caps());
    let provider = Arc::new(MockAiProvider::new(["Hello! How can I help?"]));
    s.kit
        .register_channel(Arc::new(
            AiChannel::new("bot", provider.clone()).with_system_prompt("Be brief."),
        ))
        .unwrap();
    let first = s.room("r", &["sms", "bot"]).await;
    let result = s.say("r", "sms", "+1", "hi").await;
    let trigger = result.event.unwrap();
    assert_eq!(result.response_events.len(), 1);
    let answer = &result.response_events[0];
    assert_eq!(body(&answer.content), "Hello! How can I help?");
    assert_eq!(answer.source.channel_id, "bot");
    assert_eq!(answer.source.direction, Direction::Outbound);
    assert_eq!(answer.chain_depth, 1);
    assert_eq!(answer.responds_to.as_deref(), Some(trigger.id.as_str()));
    assert_eq!(answer.index, first + 1);
    assert_eq!(sms.bodies(), vec!["Hello! How can I help?"]);
    let calls = provider.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].system_prompt.as_deref(), Some("Be brief."));
    assert_eq!(calls[0].messages.len(), 1);
}

#[tokio::test]
async fn two_bots_answering_each_other_stop_at_the_chain_depth_limit() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    for name in ["alice-bot", "bob-bot"] {
        let provider = Arc::new(MockAiProvider::new([format!("{name} says hi")]));
        s.kit
            .register_channel(Arc::new(AiChannel::new(name, provider)))
            .unwrap();
    }
    s.room("r", &["sms", "alice-bot", "bob-bot"]).await;
    let mut exceeded = s.kit.on(Some(&[FrameworkEventType::ChainDepthExceeded]));
    let result = s.say("r", "sms", "+1", "hello bots").await;
    // depth 0 → both answer (depth 1) → each answers the other (2) → (3) → (4); at depth 4,
    // 4 + 1 >= 5, so the other bot is not asked.
    let depths: Vec<u32> = result
        .response_events
        .iter()
        .map(|e| e.chain_depth)
        .collect();
    assert_eq!(depths, vec![1, 1, 2, 2, 3, 3, 4, 4]);
    let all = s
        .kit
        .get_timeline("r", &EventQuery::oldest(100).with_blocked())
        .await
        .unwrap();
    let limits: Vec<_> = all
        .iter()
        .filter(|e| e.blocked_by.as_deref() == Some("event_chain_depth_limit"))
        .collect();
    assert_eq!(limits.len(), 2);
    assert!(
        limits
            .iter()
            .all(|e| e.status == EventStatus::Blocked && e.chain_depth == 5)
    );
    let observations = s.kit.list_observations("r").await.unwrap();
    assert_eq!(observations.len(), 2);
    assert!(
        observations
            .iter()
            .all(|o| o.category == "chain_depth_limit")
    );
    assert_eq!(exceeded.recv().await.unwrap().data["chain_depth"], 5);
    let room = s.kit.get_room("r").await.unwrap();
    // Three channel records, the message, eight answers and two depth-limit records.
    assert_eq!(room.event_count, 3 + 1 + 8 + 2);
}

#[tokio::test]
async fn a_muted_ai_is_asked_but_its_answer_is_stored_blocked() {
    let s = setup();
    let sms = s.transport("sms", "sms", text_caps());
    let provider = Arc::new(MockAiProvider::new(["I would say something"]));
    s.kit
        .register_channel(Arc::new(AiChannel::new("observer", provider.clone())))
        .unwrap();
    s.room("r", &["sms", "observer"]).await;
    s.kit.mute("r", "observer").await.unwrap();
    let result = s.say("r", "sms", "+1", "hi").await;
    assert_eq!(provider.calls().len(), 1, "asked");
    assert_eq!(result.response_events.len(), 1);
    assert_eq!(result.response_events[0].status, EventStatus::Blocked);
    assert_eq!(
        result.response_events[0].blocked_by.as_deref(),
        Some("source_muted")
    );
    assert!(sms.bodies().is_empty(), "nothing reaches the customer");
}

#[tokio::test]
async fn addressed_only_rooms_ask_only_the_agents_addressed() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let first = Arc::new(MockAiProvider::new(["first here"]));
    let second = Arc::new(MockAiProvider::new(["second here"]));
    s.kit
        .register_channel(Arc::new(AiChannel::new("first", first.clone())))
        .unwrap();
    s.kit
        .register_channel(Arc::new(AiChannel::new("second", second.clone())))
        .unwrap();
    s.kit
        .create_room(RoomOptions {
            id: Some("r".into()),
            agent_response_policy: AgentResponsePolicy::AddressedOnly,
            ..RoomOptions::default()
        })
        .await
        .unwrap();
    for channel in ["sms", "first", "second"] {
        s.kit
            .attach_channel("r", channel, AttachOptions::default())
            .await
            .unwrap();
    }
    let mut message = InboundMessage::text("sms", "+1", "@second help").in_room("r");
    message.addressed_to = Some(vec!["second".into()]);
    let result = s.kit.process_inbound(message).await.unwrap();
    assert_eq!(first.calls().len(), 0);
    assert_eq!(second.calls().len(), 1);
    assert_eq!(result.response_events.len(), 1);
    assert_eq!(
        s.kit.get_binding("r", "first").await.unwrap().category,
        ChannelCategory::Intelligence
    );
}

#[tokio::test]
async fn an_ai_reads_recent_history_but_never_answers_itself() {
    let s = setup();
    s.transport("sms", "sms", text_caps());
    let provider = Arc::new(MockAiProvider::new(["noted"]));
    s.kit
        .register_channel(Arc::new(AiChannel::new("bot", provider.clone())))
        .unwrap();
    s.room("r", &["sms", "bot"]).await;
    s.say("r", "sms", "+1", "first").await;
    s.say("r", "sms", "+1", "second").await;
    let calls = provider.calls();
    assert_eq!(calls.len(), 2, "the bot's own answers did not trigger it");
    let second_context: Vec<String> = calls[1]
        .messages
        .iter()
        .map(|m| format!("{:?}:{:?}", m.role, m.parts))
        .collect();
    assert_eq!(
        second_context,
        vec![
            "User:[Text(\"first\")]",
            "Assistant:[Text(\"noted\")]",
            "User:[Text(\"second\")]"
        ]
    );
}
