//! SPEC §2 step 7: identity resolution, its timeout and the identity hooks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use roomkit_kit::{
    HookError, HookSpec, HookTrigger, IdentityHook, IdentityHookResult, IdentityResolver,
    IdentityResult, InboundMessage, KitConfig, RoomContext,
};
use roomkit_model::{Content, FrameworkEventType, Identification, Identity};
use roomkit_store::RoomFilter;

use crate::support::{Setup, TriggerLog, eventually, setup_with, text_caps};

/// Resolves `+1` to Ana, `+2` ambiguously, sleeps on `+slow`, and knows no one else.
struct Directory;

#[async_trait]
impl IdentityResolver for Directory {
    async fn resolve(
        &self,
        message: &InboundMessage,
        _channel_type: &str,
        _ctx: &RoomContext,
    ) -> Result<IdentityResult, String> {
        let ana = || Identity {
            display_name: Some("Ana".into()),
            ..Identity {
                id: "ana".into(),
                ..Identity::new()
            }
        };
        Ok(match message.sender_id.as_str() {
            "+1" => IdentityResult::identified(ana()),
            "+2" => IdentityResult::ambiguous(vec![ana(), Identity::new()]),
            "+slow" => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                IdentityResult::identified(ana())
            }
            _ => IdentityResult::unknown(),
        })
    }
}

struct Decide(Mutex<Option<IdentityHookResult>>);

#[async_trait]
impl IdentityHook for Decide {
    async fn handle(
        &self,
        _trigger: HookTrigger,
        _message: &InboundMessage,
        _result: &IdentityResult,
        _ctx: &RoomContext,
    ) -> Result<Option<IdentityHookResult>, HookError> {
        Ok(self.0.lock().unwrap().clone())
    }
}

fn with_directory() -> Setup {
    setup_with(|b| {
        b.identity_resolver(Arc::new(Directory)).config(KitConfig {
            identity_timeout: Duration::from_millis(50),
            ..KitConfig::default()
        })
    })
}

#[tokio::test]
async fn an_identified_sender_becomes_an_identified_participant() {
    let s = with_directory();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let log = Arc::new(TriggerLog::default());
    s.kit.add_hook(
        HookSpec::new("log", HookTrigger::OnParticipantIdentified),
        log.clone(),
    );
    let mut resolved = s.kit.on(Some(&[FrameworkEventType::IdentityResolved]));
    let event = s.say("r", "sms", "+1", "hi").await.event.unwrap();
    assert_eq!(event.source.participant_id.as_deref(), Some("ana"));
    let participants = s.kit.list_participants("r").await.unwrap();
    assert_eq!(participants.len(), 1);
    assert_eq!(participants[0].identification, Identification::Identified);
    assert_eq!(participants[0].display_name.as_deref(), Some("Ana"));
    assert_eq!(resolved.recv().await.unwrap().data["identity_id"], "ana");
    eventually(|| log.0.lock().unwrap().len() == 1).await;
}

#[tokio::test]
async fn an_unknown_sender_without_hooks_goes_on_with_the_raw_sender_id() {
    let s = with_directory();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let event = s.say("r", "sms", "+999", "hi").await.event.unwrap();
    assert_eq!(event.source.participant_id.as_deref(), Some("+999"));
    assert!(s.kit.list_participants("r").await.unwrap().is_empty());
}

#[tokio::test]
async fn an_ambiguous_sender_without_hooks_goes_on_as_a_pending_participant() {
    let s = with_directory();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    assert!(!s.say("r", "sms", "+2", "hi").await.blocked);
    let participants = s.kit.list_participants("r").await.unwrap();
    assert_eq!(participants[0].id, "+2");
    assert_eq!(participants[0].identification, Identification::Pending);
}

#[tokio::test]
async fn identity_timeout_counts_as_unknown_and_is_reported() {
    let s = with_directory();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let mut timeouts = s.kit.on(Some(&[FrameworkEventType::IdentityTimeout]));
    let result = s.say("r", "sms", "+slow", "hi").await;
    assert!(!result.blocked);
    assert_eq!(
        result.event.unwrap().source.participant_id.as_deref(),
        Some("+slow")
    );
    assert_eq!(timeouts.recv().await.unwrap().data["sender_id"], "+slow");
}

#[tokio::test]
async fn an_identity_hook_challenge_is_sent_back_and_blocks_storing_nothing() {
    let s = with_directory();
    let sms = s.transport("sms", "sms", text_caps());
    let first = s.room("r", &["sms"]).await;
    s.kit.add_identity_hook(
        HookSpec::new("ask", HookTrigger::OnIdentityUnknown),
        Arc::new(Decide(Mutex::new(Some(IdentityHookResult::Challenge(
            Content::text("Who is this? Reply with your account number."),
        ))))),
    );
    let result = s.say("r", "sms", "+999", "hi").await;
    assert_eq!(result.reason.as_deref(), Some("identity_challenge_sent"));
    assert!(result.event.is_none());
    assert_eq!(s.kit.get_room("r").await.unwrap().event_count, first);
    assert_eq!(
        sms.bodies(),
        vec!["Who is this? Reply with your account number."]
    );
}

#[tokio::test]
async fn an_identity_hook_can_reject_resolve_or_keep_pending() {
    let s = with_directory();
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let decision = Arc::new(Decide(Mutex::new(Some(IdentityHookResult::Reject(
        "blocked number".into(),
    )))));
    s.kit.add_identity_hook(
        HookSpec::new("decide", HookTrigger::OnIdentityAmbiguous),
        decision.clone(),
    );
    let rejected = s.say("r", "sms", "+2", "hi").await;
    assert_eq!(rejected.reason.as_deref(), Some("blocked number"));
    assert!(rejected.event.is_none());

    *decision.0.lock().unwrap() = Some(IdentityHookResult::Resolved(Identity {
        id: "bob".into(),
        ..Identity::new()
    }));
    let resolved = s.say("r", "sms", "+2", "hi").await;
    assert_eq!(
        resolved.event.unwrap().source.participant_id.as_deref(),
        Some("bob")
    );

    *decision.0.lock().unwrap() = Some(IdentityHookResult::Pending);
    let pending = s.say("r", "sms", "+2", "hi again").await;
    assert!(!pending.blocked);
    let participants = s.kit.list_participants("r").await.unwrap();
    let plus2 = participants.iter().find(|p| p.id == "+2").unwrap();
    assert_eq!(plus2.identification, Identification::Pending);
    assert_eq!(
        s.store
            .list_rooms(&RoomFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn identity_is_resolved_only_for_the_selected_channel_types() {
    let s = setup_with(|b| {
        b.identity_resolver(Arc::new(Directory)).config(KitConfig {
            identity_channel_types: Some(["email".to_owned()].into()),
            ..KitConfig::default()
        })
    });
    s.transport("sms", "sms", text_caps());
    s.room("r", &["sms"]).await;
    let event = s.say("r", "sms", "+1", "hi").await.event.unwrap();
    assert_eq!(
        event.source.participant_id.as_deref(),
        Some("+1"),
        "sms is not resolved"
    );
}

/// Fails every call.
struct Failing;

#[async_trait]
impl IdentityHook for Failing {
    async fn handle(
        &self,
        _trigger: HookTrigger,
        _message: &InboundMessage,
        _result: &IdentityResult,
        _ctx: &RoomContext,
    ) -> Result<Option<IdentityHookResult>, HookError> {
        Err(HookError::new("directory unavailable"))
    }
}

#[tokio::test]
async fn identity_hooks_see_only_what_their_filter_admits_and_a_failing_fail_closed_one_rejects() {
    let s = with_directory();
    s.transport("sms", "sms", text_caps());
    s.transport("mail", "email", text_caps());
    s.room("r", &["sms", "mail"]).await;
    let email_only = roomkit_kit::HookFilter {
        channel_types: ["email".to_owned()].into(),
        ..roomkit_kit::HookFilter::default()
    };
    s.kit.add_identity_hook(
        HookSpec::new("strict", HookTrigger::OnIdentityUnknown)
            .filter(email_only)
            .fail_closed(),
        Arc::new(Failing),
    );
    let sms = s.say("r", "sms", "+999", "hi").await;
    assert!(!sms.blocked, "the filter keeps the hook out of sms");
    let mail = s.say("r", "mail", "x@example.com", "hi").await;
    assert_eq!(mail.reason.as_deref(), Some("hook_error:strict"));
    assert!(mail.event.is_none());
}
