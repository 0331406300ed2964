//! The inbound pipeline (SPEC §2): `process_inbound`, `send_event`, and the pass every event
//! goes through — lock, status gate, idempotency, BEFORE_BROADCAST hooks, write gate, commit,
//! delivery in the room's lane, and the drain of intelligence responses.

mod delivery;
mod events;
mod followups;
mod identity;

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;

use roomkit_model::{
    Access, ChannelDirection, Content, EventSource, EventStatus, EventType, FrameworkEventType,
    Metadata, Observation, ParticipantStatus, Room, RoomEvent, Task, Visibility,
};

use crate::channel::{Channel, Response};
use crate::context::RoomContext;
use crate::detach::RunToEnd;
use crate::framework::FrameworkEvent;
use crate::hooks::{HookTrigger, InjectedEvent};
use crate::kit::bindings::{KIT_NAMESPACE, detached_key};
use crate::kit::{AttachOptions, Inner, RoomKit};
use crate::locks::RoomGuard;
use crate::{Error, InboundMessage, InboundResult, Result};
use delivery::DeliveryReport;
pub use events::PREVIOUS_CONTENT;
use identity::Identified;

/// Side effects of hooks, kept also when the event is blocked.
#[derive(Debug, Default)]
struct Effects {
    injected: Vec<InjectedEvent>,
    tasks: Vec<Task>,
    observations: Vec<Observation>,
}

/// An event that passed steps 8–12 under its room's lock, ready to commit.
struct Ready {
    guard: RoomGuard,
    ctx: Arc<RoomContext>,
    event: RoomEvent,
    effects: Effects,
    on_commit: Option<OnCommit>,
}

/// Called with the committed event of a pass, under the room lock, before it is delivered.
pub type OnCommit = Box<dyn FnOnce(&RoomEvent) + Send>;

enum Gate {
    /// Nothing stored (closed room, identity block, duplicate).
    Done(InboundResult),
    Ready(Ready),
}

/// Work left after an event's delivery: answers to process and depth-limit records to store.
#[derive(Debug, Clone)]
pub(crate) enum Followup {
    Response {
        trigger: RoomEvent,
        responder: String,
        response: Response,
    },
    DepthLimit {
        trigger: RoomEvent,
        responder: String,
    },
}

/// What one pass did.
struct PassReport {
    event: RoomEvent,
    delivery: DeliveryReport,
}

/// How to send an event from a channel attached to a room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendOptions {
    /// The event type (edits and deletes are recognised from their content).
    pub event_type: Option<EventType>,
    /// Who may see it.
    pub visibility: Option<Visibility>,
    /// Who it is addressed to.
    pub addressed_to: Option<Vec<String>>,
    /// The thread it belongs to.
    pub parent_event_id: Option<String>,
    /// Deduplication key.
    pub idempotency_key: Option<String>,
    /// The participant sending it.
    pub participant_id: Option<String>,
    /// Chain depth, for automations.
    pub chain_depth: u32,
    /// Free-form data.
    pub metadata: Metadata,
    /// Who may see the answers this event provokes (default: all).
    pub response_visibility: Option<Visibility>,
    /// The provider that carried it (kept in the event's source).
    pub provider: Option<String>,
}

/// The metadata key that keeps a hook's reason for blocking (`blocked_by` names the hook).
pub const BLOCKED_REASON: &str = "blocked_reason";

fn block(event: &mut RoomEvent, by: &str) {
    event.status = EventStatus::Blocked;
    event.blocked_by = Some(by.to_owned());
}

/// Why an event was blocked: the hook's reason when a hook blocked it, else the code in
/// `blocked_by` (`source_muted`, …).
pub fn blocked_reason(event: &RoomEvent) -> Option<String> {
    match event.metadata.get(BLOCKED_REASON).and_then(|r| r.as_str()) {
        Some(reason) => Some(reason.to_owned()),
        None => event.blocked_by.clone(),
    }
}

/// The ids of `addressed_to` that name neither a channel attached to the room nor one of its
/// participants or a binding's correspondent (SPEC §3 "Addressing"): reported as unavailable targets.
fn unknown_addressees(event: &RoomEvent, ctx: &RoomContext) -> Vec<String> {
    let Some(addressed_to) = &event.addressed_to else {
        return Vec::new();
    };
    addressed_to
        .iter()
        .filter(|id| {
            !ctx.bindings
                .iter()
                .any(|b| &b.channel_id == *id || b.participant_id.as_ref() == Some(*id))
                && !ctx.participants.iter().any(|p| &p.id == *id)
        })
        .cloned()
        .collect()
}

impl RoomKit {
    /// Runs an inbound message through the pipeline (SPEC §2) and returns what happened.
    /// Refusals (rate limit, closed room, hooks, gates) are blocked results, not errors; an
    /// unknown channel is [`Error::ChannelNotRegistered`].
    ///
    /// The pass runs to its end even when the caller stops waiting (an HTTP client that hangs
    /// up): if the caller drops it unfinished, the rest moves to a task of its own, so a message
    /// is never half processed — committed but not delivered. A call from inside a pass (a hook sending into its own room) runs in
    /// place, where it re-enters the room lock it already holds.
    pub async fn process_inbound(&self, message: InboundMessage) -> Result<InboundResult> {
        self.process_inbound_observed(message, None).await
    }

    /// [`process_inbound`](Self::process_inbound), calling `on_commit` with the event once it
    /// is committed (not when blocked or refused), under the room lock and before anything is
    /// delivered — so what it shows (e.g. the WebSocket hub echoing a message to the other
    /// clients of its channel) comes before any reply the event provokes.
    pub async fn process_inbound_observed(
        &self,
        message: InboundMessage,
        on_commit: Option<OnCommit>,
    ) -> Result<InboundResult> {
        run_to_completion(Arc::clone(&self.inner).process_inbound(message, on_commit)).await
    }

    /// [`process_inbound`](Self::process_inbound), answered as soon as the event is committed:
    /// everything up to the commit (routing, identity, hooks, gates) has run, so a blocked or
    /// refused message, a duplicate and an error are answered as `process_inbound` answers
    /// them; a committed one is answered with the stored event and `delivery_pending`, while
    /// its delivery, the answers it provokes and their retries go on in a task of their own
    /// (a pass that finishes without waiting on anything answers in full, as
    /// `process_inbound` does).
    /// What a webhook needs: the service gets its answer once the message is durable, and a
    /// slow model or a retried delivery cannot make it time out and send again.
    pub async fn process_inbound_until_commit(
        &self,
        message: InboundMessage,
    ) -> Result<InboundResult> {
        // Past the bound on passes still delivering, the caller waits for its own pass: the
        // service answering slowly is the backpressure.
        let Ok(permit) = Arc::clone(&self.inner.background).try_acquire_owned() else {
            return self.process_inbound(message).await;
        };
        let (committed_tx, committed) = tokio::sync::oneshot::channel::<RoomEvent>();
        let on_commit: OnCommit = Box::new(move |event| {
            let _ = committed_tx.send(event.clone());
        });
        let kit = self.clone();
        // Polled here until the commit; then dropped, and `RunToEnd` moves the rest of the
        // pass (delivery, answers, retries) to a task of its own, the permit with it, so the
        // permit is held until the pass has ended. (No spawn up front: most of a webhook's
        // pass is before its commit.)
        let mut pass = std::pin::pin!(RunToEnd::new(async move {
            let _permit = permit;
            kit.process_inbound_observed(message, Some(on_commit)).await
        }));
        tokio::select! {
            biased;
            committed = committed => match committed {
                Ok(event) => Ok(InboundResult {
                    event: Some(event),
                    delivery_pending: true,
                    ..InboundResult::default()
                }),
                // Nothing was committed (blocked, refused, a duplicate, an error).
                Err(_) => pass.await,
            },
            result = &mut pass => result,
        }
    }

    /// Sends an event from a channel attached to a room (an agent's reply, a system notice):
    /// the same pass as inbound messages, without routing or identity resolution.
    pub async fn send_event(
        &self,
        room_id: &str,
        channel_id: &str,
        content: Content,
        options: SendOptions,
    ) -> Result<InboundResult> {
        let inner = Arc::clone(&self.inner);
        let (room_id, channel_id) = (room_id.to_owned(), channel_id.to_owned());
        run_to_completion(async move {
            inner
                .send_event(&room_id, &channel_id, content, options)
                .await
        })
        .await
    }
}

/// `pass` in a lock scope of its own, so that dropping the caller does not cut it short (see
/// [`RunToEnd`]); inside a lock scope (a nested call) it runs in place, keeping the scope's
/// reentrancy. Called in the body of the public `async fn`s, so the scope is decided by the
/// task that polls them.
fn run_to_completion<T: Send + 'static>(
    pass: impl Future<Output = Result<T>> + Send + 'static,
) -> RunToEnd<Result<T>> {
    if crate::locks::in_lock_scope() {
        RunToEnd::in_place(pass)
    } else {
        RunToEnd::new(crate::locks::new_scope(pass))
    }
}

impl Inner {
    async fn process_inbound(
        self: Arc<Self>,
        message: InboundMessage,
        on_commit: Option<OnCommit>,
    ) -> Result<InboundResult> {
        self.check_open()?;
        message.validate()?;
        if let Some(visibility) = &message.visibility {
            visibility.refuse_internal("inbound messages")?;
        }
        if let Some(limit) = &self.config.inbound_rate_limit
            && !self
                .inbound_limits
                .get(&message.channel_id, limit)
                .try_acquire()
        {
            self.emit(|| {
                FrameworkEvent::new(FrameworkEventType::RoomRefusedEvent)
                    .channel(message.channel_id.clone())
                    .with("reason", "rate_limited")
            });
            return Ok(InboundResult::refused("rate_limited"));
        }
        let channel = self.channel(&message.channel_id)?;
        // The stages are boxed so that the pass itself stays small: `RunToEnd` moves it to the
        // heap on every message, and with the stages inline it was ~25 KB to copy.
        let prepared = tokio::time::timeout(
            self.config.process_timeout,
            Box::pin(self.prepare_inbound(&message, &channel)),
        )
        .await;
        let ready = match prepared {
            Err(_) => {
                self.emit(|| {
                    FrameworkEvent::new(FrameworkEventType::ProcessTimeout)
                        .channel(message.channel_id.clone())
                        .with("timeout_ms", self.config.process_timeout.as_millis() as u64)
                });
                return Ok(InboundResult::refused("process_timeout"));
            }
            Ok(gate) => match gate? {
                Gate::Done(result) => return Ok(result),
                Gate::Ready(ready) => ready,
            },
        };
        let ready = Ready { on_commit, ..ready };
        Box::pin(self.run_to_end(ready)).await
    }

    async fn send_event(
        self: Arc<Self>,
        room_id: &str,
        channel_id: &str,
        content: Content,
        options: SendOptions,
    ) -> Result<InboundResult> {
        self.check_open()?;
        roomkit_model::validate_id("room_id", room_id)?;
        roomkit_model::validate_id("channel_id", channel_id)?;
        if let Some(participant) = &options.participant_id {
            roomkit_model::validate_id("participant_id", participant)?;
        }
        content.validate()?;
        let channel = self.channel(channel_id)?;
        let room = self.room(room_id).await?;
        let source = EventSource {
            participant_id: options.participant_id.clone(),
            direction: roomkit_model::Direction::Outbound,
            provider: options.provider,
            ..EventSource::inbound(channel_id, channel.channel_type())
        };
        let mut event = RoomEvent::new(room_id, source, content);
        event.event_type = events::event_type_for(&event.content, options.event_type);
        event.visibility = options.visibility.unwrap_or_default();
        event.addressed_to = options.addressed_to;
        event.idempotency_key = options.idempotency_key;
        event.chain_depth = options.chain_depth;
        event.metadata = options.metadata;
        event.response_visibility = options.response_visibility;
        event.parent_event_id = self
            .thread_root(room_id, options.parent_event_id.as_deref())
            .await?;
        let ctx =
            RoomContext::load(Arc::clone(&self.store), room, self.config.context_events).await?;
        match self.gate_and_hooks(event, ctx).await? {
            Gate::Done(result) => Ok(result),
            Gate::Ready(ready) => self.run_to_end(ready).await,
        }
    }

    /// Commits the first event, delivers it and drains the answers it provokes.
    async fn run_to_end(self: &Arc<Self>, ready: Ready) -> Result<InboundResult> {
        let first = Box::pin(self.commit_and_deliver(ready)).await?;
        let mut result = InboundResult {
            blocked: first.event.is_blocked(),
            reason: blocked_reason(&first.event),
            delivery_results: first.delivery.results.clone(),
            unavailable_targets: first.delivery.unavailable.clone(),
            ..InboundResult::default()
        };
        let followups = first.delivery.followups.clone();
        result.event = Some(first.event);
        if !followups.is_empty() {
            // Boxed like the other stages: the drain nests whole passes, and most messages
            // provoke none.
            Box::pin(self.drain(followups, &mut result.response_events)).await?;
        }
        Ok(result)
    }

    /// Steps 4–12 for an inbound message.
    async fn prepare_inbound(
        &self,
        message: &InboundMessage,
        channel: &Arc<dyn Channel>,
    ) -> Result<Gate> {
        let room = self.route(message, channel).await?;
        let ctx =
            RoomContext::load(Arc::clone(&self.store), room, self.config.context_events).await?;
        let mut event = self
            .build_inbound_event(message, channel.channel_type(), &ctx.room.id)
            .await?;
        match self.identify(message, channel, &ctx, &mut event).await? {
            Identified::Continue => {}
            Identified::Refused(result) => return Ok(Gate::Done(*result)),
        }
        self.gate_and_hooks(event, ctx).await
    }

    /// The configured channels of a room that routing created, except the sender's own.
    async fn attach_new_room_channels(&self, room_id: &str, sender_channel: &str) -> Result<()> {
        for channel in &self.config.new_room_channels {
            if channel.channel_id != sender_channel {
                self.attach(room_id, &channel.channel_id, channel.options.clone())
                    .await?;
            }
        }
        Ok(())
    }

    /// Step 4: the room for an inbound message, created and bound when needed.
    async fn route(&self, message: &InboundMessage, channel: &Arc<dyn Channel>) -> Result<Room> {
        let attach_sender = || AttachOptions {
            participant_id: Some(message.sender_id.clone()),
            ..AttachOptions::default()
        };
        let room_id = match &message.room_id {
            Some(room_id) => room_id.clone(),
            None => match self
                .router
                .route(message, channel.channel_type(), self.store.as_ref())
                .await?
            {
                Some(room_id) => room_id,
                None => {
                    let room = self.create_room_record(Room::new()).await?;
                    self.attach(&room.id, &message.channel_id, attach_sender())
                        .await?;
                    self.attach_new_room_channels(&room.id, &message.channel_id)
                        .await?;
                    return self.room(&room.id).await;
                }
            },
        };
        match self.store.get_room(&room_id).await? {
            None => {
                let room = match self.create_room_record(Room::with_id(&room_id)).await {
                    Ok(room) => room,
                    // Another message created it first.
                    Err(Error::Store(roomkit_store::Error::RoomExists(_))) => {
                        self.room(&room_id).await?
                    }
                    Err(err) => return Err(err),
                };
                if self
                    .store
                    .get_binding(&room.id, &message.channel_id)
                    .await?
                    .is_none()
                {
                    self.attach(&room.id, &message.channel_id, attach_sender())
                        .await?;
                    self.attach_new_room_channels(&room.id, &message.channel_id)
                        .await?;
                }
                Ok(room)
            }
            Some(room) => {
                let bound = self
                    .store
                    .get_binding(&room.id, &message.channel_id)
                    .await?
                    .is_some();
                if bound || room.is_closed() {
                    return Ok(room);
                }
                let detached = self
                    .store
                    .kv_get(KIT_NAMESPACE, &detached_key(&room.id, &message.channel_id))
                    .await?
                    .is_some();
                if !detached {
                    self.attach(&room.id, &message.channel_id, AttachOptions::default())
                        .await?;
                }
                Ok(room)
            }
        }
    }

    /// Steps 8–12: lock, timers and status gate, idempotency, hooks, write gate.
    async fn gate_and_hooks(&self, mut event: RoomEvent, mut ctx: RoomContext) -> Result<Gate> {
        // A blank key is no key: stored, it would make every later blank-keyed message of the
        // room and channel a duplicate of the first.
        event.idempotency_key = event
            .idempotency_key
            .take()
            .filter(|key| !key.trim().is_empty());
        let guard = self.locks.lock(&event.room_id).await;
        let room = self.room(&event.room_id).await?;
        let room = self.apply_due_timers(room).await?;
        if room.is_closed() {
            self.emit(|| {
                FrameworkEvent::new(FrameworkEventType::RoomRefusedEvent)
                    .room(room.id.clone())
                    .channel(event.source.channel_id.clone())
                    .with("reason", "room_closed")
            });
            return Ok(Gate::Done(InboundResult::refused("room_closed")));
        }
        ctx.room = room;
        // Bindings read before the lock may be stale: a channel detached meanwhile must not
        // receive this event (detach takes the same lock).
        ctx.bindings = self.store.list_bindings(&event.room_id).await?;
        if let Some(key) = &event.idempotency_key
            && let Some(original) = self
                .store
                .find_by_idempotency_key(&event.room_id, &event.source.channel_id, key)
                .await?
        {
            return Ok(Gate::Done(InboundResult {
                blocked: original.is_blocked(),
                reason: blocked_reason(&original),
                duplicate: true,
                event: Some(original),
                ..InboundResult::default()
            }));
        }
        let ctx = Arc::new(ctx);
        let outcome = self
            .hooks
            .run_sync(HookTrigger::BeforeBroadcast, event, &ctx)
            .await;
        for _ in &outcome.failures {
            self.hooks
                .spawn_async(HookTrigger::OnError, &outcome.event, &ctx);
        }
        let mut event = outcome.event;
        let effects = Effects {
            injected: outcome.injected,
            tasks: outcome.tasks,
            observations: outcome.observations,
        };
        if let Some((hook, reason)) = &outcome.blocked {
            block(&mut event, hook);
            event
                .metadata
                .insert(BLOCKED_REASON.into(), reason.clone().into());
        } else if let Some(reason) = self.write_gate(&mut event).await? {
            block(&mut event, reason);
        } else if let Some(reason) = self.check_edit_delete(&event).await? {
            block(&mut event, reason);
        }
        Ok(Gate::Ready(Ready {
            guard,
            ctx,
            event,
            effects,
            on_commit: None,
        }))
    }

    /// Step 12: the source binding must exist, the sending participant must not be banned
    /// from the room, the binding may write and is not muted; the event's visibility narrows
    /// to the binding's.
    async fn write_gate(&self, event: &mut RoomEvent) -> Result<Option<&'static str>> {
        let binding = self
            .store
            .get_binding(&event.room_id, &event.source.channel_id)
            .await?;
        let banned = match &event.source.participant_id {
            Some(id) => self
                .store
                .get_participant(&event.room_id, id)
                .await?
                .is_some_and(|p| p.status == ParticipantStatus::Banned),
            None => false,
        };
        Ok(match binding {
            None => Some("source_unbound"),
            Some(_) if banned => Some("participant_banned"),
            Some(b) if matches!(b.access, Access::ReadOnly | Access::None) => {
                Some("source_read_only")
            }
            Some(b) if b.muted => Some("source_muted"),
            Some(b) if b.direction == ChannelDirection::Outbound => Some("source_outbound_only"),
            Some(b) => {
                event.visibility = event.visibility.intersect(&b.visibility);
                None
            }
        })
    }

    /// Steps 13–16: commit, plan under the lock, deliver in the lane, then side effects.
    async fn commit_and_deliver(self: &Arc<Self>, ready: Ready) -> Result<PassReport> {
        let Ready {
            guard,
            ctx,
            event,
            effects,
            on_commit,
        } = ready;
        let event = self.store.commit_event_unsynced(event).await?.event;
        if let Some(on_commit) = on_commit.filter(|_| !event.is_blocked()) {
            on_commit(&event);
        }
        if event.is_blocked() {
            self.emit(|| {
                FrameworkEvent::new(FrameworkEventType::EventBlocked)
                    .room(event.room_id.clone())
                    .event(event.id.clone())
                    .with("reason", event.blocked_by.clone().unwrap_or_default())
            });
        } else {
            self.apply_edit_delete(&event).await?;
        }
        let mut injected_events = Vec::with_capacity(effects.injected.len());
        for injected in effects.injected {
            let target_channel_ids = injected.target_channel_ids.clone();
            let committed = self.commit_injected(&event, injected).await?;
            injected_events.push((committed, target_channel_ids));
        }
        // Every write of the pass is in: ask for the flush now (one poll registers it), so that
        // the flusher wakes while the deliveries are planned.
        let mut sync = self.store.sync();
        let early = std::future::poll_fn(|cx| Poll::Ready(sync.as_mut().poll(cx))).await;
        let mut lane = Vec::new();
        if !event.is_blocked() {
            let targets = self.plan_targets(&event, &ctx);
            lane.push((event.clone(), targets, self.lanes.ticket(&event.room_id)));
        }
        for (committed, target_channel_ids) in injected_events {
            let targets: Vec<_> = ctx
                .bindings
                .iter()
                .filter(|b| target_channel_ids.contains(&b.channel_id))
                .cloned()
                .collect();
            lane.push((committed, targets, self.lanes.ticket(&event.room_id)));
        }
        drop(guard);
        let synced = async move {
            match early {
                Poll::Ready(result) => result,
                Poll::Pending => sync.await,
            }
        };

        // Delivery starts while the commit is being flushed; the caller hears back only once
        // both are done, so nothing is acknowledged before it is durable.
        let primary_id = (!event.is_blocked()).then(|| event.id.clone());
        let deliveries = lane.into_iter().map(|(target_event, targets, ticket)| {
            let ctx = Arc::clone(&ctx);
            let primary_id = primary_id.clone();
            async move {
                let _turn = ticket.turn().await;
                let (delivered, report) = self.deliver_all(target_event, &ctx, targets).await?;
                if primary_id.as_deref() == Some(delivered.id.as_str()) {
                    // Step 16 for the event itself; it overlaps the flush that is still running.
                    self.hooks
                        .spawn_async(HookTrigger::AfterBroadcast, &delivered, &ctx);
                    self.emit(|| {
                        FrameworkEvent::new(FrameworkEventType::EventProcessed)
                            .room(delivered.room_id.clone())
                            .event(delivered.id.clone())
                    });
                }
                Ok::<_, Error>((delivered, report))
            }
        });
        let (synced, delivered) = tokio::join!(synced, futures_util::future::join_all(deliveries));
        synced?;
        let mut reports = delivered.into_iter().collect::<Result<Vec<_>>>()?;
        let mut primary = if event.is_blocked() {
            None
        } else {
            Some(reports.remove(0))
        };
        let mut tasks = effects.tasks;
        let mut observations = effects.observations;
        for report in primary.iter_mut().chain(reports.iter_mut()) {
            tasks.append(&mut report.1.tasks);
            observations.append(&mut report.1.observations);
        }
        if !tasks.is_empty() || !observations.is_empty() {
            self.persist_side_effects(&event, &ctx, tasks, observations)
                .await?;
        }
        let (event, mut delivery) = primary.unwrap_or((event, DeliveryReport::default()));
        if !event.is_blocked() {
            for id in unknown_addressees(&event, &ctx) {
                if !delivery.unavailable.contains(&id) {
                    delivery.unavailable.push(id);
                }
            }
        }
        Ok(PassReport { event, delivery })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_store::MemoryStore;

    /// Every move of a future is a copy of all of it. The pass is boxed once, by `RunToEnd`, and
    /// its stages are boxed inside it (inline, it was ~25 KB, moved several times per message);
    /// what a caller of `process_inbound` holds is small. When this was written: 2,448 and 856
    /// bytes (4,528 with the commit stage inline; the public future was 19,080 when it held
    /// the pass).
    #[test]
    fn the_pass_future_stays_small() {
        let kit = RoomKit::new(Arc::new(MemoryStore::new()));
        let message = InboundMessage::text("sms", "+15550001", "hello");
        let pass = Arc::clone(&kit.inner).process_inbound(message.clone(), None);
        let size = std::mem::size_of_val(&pass);
        assert!(size <= 3 * 1024, "the pass future is {size} bytes");
        let public = kit.process_inbound(message);
        let size = std::mem::size_of_val(&public);
        assert!(size <= 1024, "process_inbound's future is {size} bytes");
    }
}
