//! `roomkit store demo`: writes a sample conversation through the store and prints it, so a
//! first run shows what the store keeps.

use anyhow::Result;
use roomkit_model::{
    ChannelBinding, Content, EventSource, EventStatus, Participant, Room, RoomEvent,
};
use roomkit_store::{ConversationStore, Error, EventQuery};

const ROOM: &str = "demo";

pub async fn run(store: &impl ConversationStore) -> Result<()> {
    match store.create_room(Room::with_id(ROOM)).await {
        Ok(_) => println!("created room {ROOM}"),
        Err(Error::RoomExists(_)) => println!("room {ROOM} exists; adding to it"),
        Err(err) => return Err(err.into()),
    }
    let mut sms = ChannelBinding::new(ROOM, "sms-main", "sms");
    sms.participant_id = Some("customer".into());
    store.put_binding(&sms).await?;
    store
        .put_binding(&ChannelBinding::new(ROOM, "agent-ws", "websocket"))
        .await?;
    store
        .put_participant(&Participant::new("customer", ROOM, "sms-main"))
        .await?;

    let mut hello = inbound("Hi, my parcel has not arrived.");
    hello.idempotency_key = Some("sms-provider-msg-1".into());
    let first = store.commit_event(hello.clone()).await?;
    // The provider retries the same webhook: same idempotency key, nothing new is stored.
    let mut retry = inbound("Hi, my parcel has not arrived.");
    retry.idempotency_key = hello.idempotency_key.clone();
    let replay = store.commit_event(retry).await?;
    println!(
        "committed index {} (duplicate: {}); the retry returned index {} (duplicate: {})",
        first.event.index, first.duplicate, replay.event.index, replay.duplicate
    );

    let mut spam = inbound("buy cheap watches");
    spam.status = EventStatus::Blocked;
    spam.blocked_by = Some("profanity-filter".into());
    let blocked = store.commit_event(spam).await?;
    println!(
        "blocked event took index {} and is kept out of the timeline",
        blocked.event.index
    );

    store.mark_all_read(ROOM, "agent-ws").await?;
    store.commit_event(inbound("Order number is 1234.")).await?;
    let room = store.get_room(ROOM).await?;
    let unread = store.unread_count(ROOM, "agent-ws").await?;
    println!(
        "room {ROOM}: event_count {}, latest_index {}, unread for agent-ws {unread}",
        room.as_ref().map_or(0, |r| r.event_count),
        room.and_then(|r| r.latest_index)
            .map_or_else(|| "none".to_owned(), |i| i.to_string())
    );
    println!("latest 3 events, newest first:");
    for event in store.list_events(ROOM, &EventQuery::latest(3)).await? {
        if let Content::Text { body, .. } = &event.content {
            println!("  #{} {}: {body}", event.index, event.source.channel_id);
        }
    }
    Ok(())
}

fn inbound(text: &str) -> RoomEvent {
    let mut source = EventSource::inbound("sms-main", "sms");
    source.participant_id = Some("customer".into());
    RoomEvent::new(ROOM, source, Content::text(text))
}
