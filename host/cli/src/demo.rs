//! `roomkit demo`: a support conversation through the orchestrator, on the durable store, with
//! native stand-ins for what plugins will do: a console "provider" that prints deliveries, two
//! hooks (a spam filter and a card-number redactor) and `MockAiProvider` as the assistant.

use std::sync::Arc;

use anyhow::Result;
use async_trait::async_trait;
use roomkit_kit::{
    AiChannel, AttachOptions, DeliveryError, Hook, HookError, HookResult, HookSpec, HookTrigger,
    InboundMessage, MockAiProvider, Provider, ProviderResult, RoomContext, RoomKit, RoomOptions,
    TransportChannel,
};
use roomkit_model::{ChannelBinding, ChannelCapabilities, Content, RoomEvent};
use roomkit_store::{ConversationStore, Error as StoreError, EventQuery};

const ROOM: &str = "support-demo";

/// Prints what it delivers instead of sending it anywhere.
struct ConsoleProvider;

#[async_trait]
impl Provider for ConsoleProvider {
    fn name(&self) -> &str {
        "console"
    }

    async fn send(
        &self,
        event: &RoomEvent,
        binding: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError> {
        println!(
            "  deliver #{} to {:<12} {}",
            event.index,
            binding.channel_id,
            roomkit_kit::transcode::text_of(&event.content)
        );
        Ok(ProviderResult::default())
    }
}

struct SpamFilter;

#[async_trait]
impl Hook for SpamFilter {
    async fn handle(
        &self,
        _: HookTrigger,
        event: &RoomEvent,
        _: &RoomContext,
    ) -> Result<HookResult, HookError> {
        let text = roomkit_kit::transcode::text_of(&event.content).to_lowercase();
        Ok(if text.contains("buy now") {
            HookResult::block("looks like spam")
        } else {
            HookResult::allow()
        })
    }
}

/// Masks runs of 12 or more digits (spaces allowed), keeping the last four.
struct CardRedactor;

fn redact_cards(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        let mut digits = 0;
        while j < chars.len() && (chars[j].is_ascii_digit() || (chars[j] == ' ' && digits > 0)) {
            if chars[j].is_ascii_digit() {
                digits += 1;
            }
            j += 1;
        }
        if digits >= 12 {
            let run: String = chars[i..j].iter().collect();
            let trimmed = run.trim_end();
            let last4: String = trimmed
                .chars()
                .filter(char::is_ascii_digit)
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.push_str(&format!("**** {last4}"));
            out.push_str(&run[trimmed.len()..]);
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[async_trait]
impl Hook for CardRedactor {
    async fn handle(
        &self,
        _: HookTrigger,
        event: &RoomEvent,
        _: &RoomContext,
    ) -> Result<HookResult, HookError> {
        let Content::Text { body, language } = &event.content else {
            return Ok(HookResult::allow());
        };
        let redacted = redact_cards(body);
        if redacted == *body {
            return Ok(HookResult::allow());
        }
        let mut changed = event.clone();
        changed.content = Content::Text {
            body: redacted,
            language: language.clone(),
        };
        Ok(HookResult::modify(changed))
    }
}

pub async fn run(store: Arc<dyn ConversationStore>) -> Result<()> {
    let kit = RoomKit::new(store);
    let console = Arc::new(ConsoleProvider);
    let sms = ChannelCapabilities {
        max_length: Some(160),
        ..ChannelCapabilities::default()
    };
    kit.register_channel(Arc::new(TransportChannel::new(
        "sms-customer",
        "sms",
        sms,
        console.clone(),
    )))?;
    kit.register_channel(Arc::new(TransportChannel::new(
        "agent-ws",
        "websocket",
        ChannelCapabilities::default(),
        console,
    )))?;
    let assistant = MockAiProvider::new([
        "Sorry about that! I have flagged the double charge for an agent.",
        "Thanks, an agent will confirm the refund shortly.",
    ]);
    kit.register_channel(Arc::new(AiChannel::new("assistant", Arc::new(assistant))))?;
    kit.add_hook(
        HookSpec::new("spam-filter", HookTrigger::BeforeBroadcast).priority(0),
        Arc::new(SpamFilter),
    );
    kit.add_hook(
        HookSpec::new("card-redactor", HookTrigger::BeforeBroadcast).priority(1),
        Arc::new(CardRedactor),
    );

    let options = RoomOptions {
        id: Some(ROOM.into()),
        ..RoomOptions::default()
    };
    match kit.create_room(options).await {
        Ok(_) => {
            println!("created room {ROOM}");
            for channel in ["sms-customer", "agent-ws", "assistant"] {
                kit.attach_channel(ROOM, channel, AttachOptions::default())
                    .await?;
            }
        }
        Err(roomkit_kit::Error::Store(StoreError::RoomExists(_))) => {
            println!("room {ROOM} exists; continuing it")
        }
        Err(err) => return Err(err.into()),
    }

    for text in [
        "Hi, my card 4111 1111 1111 1111 was charged twice",
        "BUY NOW cheap watches",
        "It was order 1234",
    ] {
        println!("customer says: {text}");
        let message = InboundMessage::text("sms-customer", "+15550001", text).in_room(ROOM);
        let result = kit.process_inbound(message).await?;
        match (&result.event, result.blocked) {
            (Some(event), true) => println!(
                "  blocked by {}: {} (stored at index {})",
                event.blocked_by.as_deref().unwrap_or("?"),
                result.reason.as_deref().unwrap_or("?"),
                event.index
            ),
            (Some(event), false) => println!(
                "  stored at index {}; {} answer(s)",
                event.index,
                result.response_events.len()
            ),
            (None, _) => println!("  refused: {}", result.reason.as_deref().unwrap_or("?")),
        }
    }

    let room = kit.get_room(ROOM).await?;
    let latest = room
        .latest_index
        .map_or_else(|| "none".to_owned(), |i| i.to_string());
    println!(
        "room {ROOM}: {} events, latest index {latest}",
        room.event_count
    );
    println!("timeline (blocked events left out):");
    for event in kit
        .get_timeline(ROOM, &EventQuery::latest(5))
        .await?
        .iter()
        .rev()
    {
        println!(
            "  #{:<3} {:<12} {}",
            event.index,
            event.source.channel_id,
            roomkit_kit::transcode::text_of(&event.content)
        );
    }
    kit.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::redact_cards;

    #[test]
    fn card_numbers_are_masked_to_their_last_four_digits() {
        assert_eq!(
            redact_cards("card 4111 1111 1111 1111 was"),
            "card **** 1111 was"
        );
        assert_eq!(redact_cards("order 1234"), "order 1234");
        assert_eq!(redact_cards("4111111111111111"), "**** 1111");
    }
}
