//! After an event's delivery: hook-injected events, tasks and observations, and the drain of
//! answers and chain-depth records (SPEC §2 steps 15–16).

use std::collections::VecDeque;
use std::sync::Arc;

use roomkit_model::{EventSource, FrameworkEventType, Metadata, Observation, RoomEvent, Task};

use super::{Followup, Gate, events};
use crate::Result;
use crate::context::RoomContext;
use crate::framework::FrameworkEvent;
use crate::hooks::{HookTrigger, InjectedEvent};
use crate::kit::Inner;

impl Inner {
    /// Commits an event a hook injected: its own index, visible per the hook's choice.
    pub(super) async fn commit_injected(
        &self,
        trigger: &RoomEvent,
        injected: InjectedEvent,
    ) -> Result<RoomEvent> {
        let source = EventSource {
            direction: roomkit_model::Direction::Outbound,
            ..EventSource::inbound("roomkit", "system")
        };
        let mut event = RoomEvent::new(&trigger.room_id, source, injected.content);
        event.event_type = events::event_type_for(&event.content, None);
        event.visibility = injected.visibility;
        event.responds_to = Some(trigger.id.clone());
        event.chain_depth = trigger.chain_depth;
        Ok(self.store.commit_event_unsynced(event).await?.event)
    }

    pub(super) async fn persist_side_effects(
        &self,
        event: &RoomEvent,
        ctx: &Arc<RoomContext>,
        tasks: Vec<Task>,
        observations: Vec<Observation>,
    ) -> Result<()> {
        for mut task in tasks {
            task.room_id = event.room_id.clone();
            self.store.add_task(&task).await?;
            let mut data = Metadata::new();
            data.insert("task_id".into(), task.id.clone().into());
            data.insert("title".into(), task.title.clone().into());
            let notice = crate::kit::lifecycle_event(&event.room_id, "task_created", data);
            self.hooks
                .spawn_async(HookTrigger::OnTaskCreated, &notice, ctx);
        }
        for mut observation in observations {
            observation.room_id = event.room_id.clone();
            if let Err(err) = observation.validate() {
                tracing::warn!(%err, room = %event.room_id, "dropping an invalid observation");
                continue;
            }
            self.store.add_observation(&observation).await?;
        }
        Ok(())
    }

    /// Processes answers and depth-limit records until the cascade is done.
    pub(super) async fn drain(
        self: &Arc<Self>,
        followups: Vec<Followup>,
        out: &mut Vec<RoomEvent>,
    ) -> Result<()> {
        let mut queue: VecDeque<Followup> = followups.into();
        while let Some(followup) = queue.pop_front() {
            match followup {
                Followup::Response {
                    trigger,
                    responder,
                    response,
                } => {
                    let room = self.room(&trigger.room_id).await?;
                    let ctx = RoomContext::load(
                        Arc::clone(&self.store),
                        room,
                        self.config.context_events,
                    )
                    .await?;
                    let event = events::response_event(&trigger, &responder, &ctx, response);
                    if let Gate::Ready(ready) = self.gate_and_hooks(event, ctx).await? {
                        let report = self.commit_and_deliver(ready).await?;
                        queue.extend(report.delivery.followups);
                        out.push(report.event);
                    }
                }
                Followup::DepthLimit { trigger, responder } => {
                    self.record_depth_limit(&trigger, &responder).await?;
                }
            }
        }
        Ok(())
    }

    /// Stores the blocked `event_chain_depth_limit` record and its observation instead of asking
    /// the responder.
    async fn record_depth_limit(&self, trigger: &RoomEvent, responder: &str) -> Result<()> {
        let _guard = self.locks.lock(&trigger.room_id).await;
        let record = events::depth_limit_event(trigger, responder, self.config.max_chain_depth);
        let record = self.store.commit_event(record).await?.event;
        let mut observation = Observation::new(
            &trigger.room_id,
            responder,
            format!(
                "chain depth limit {} reached: {responder} was not asked to answer event {}",
                self.config.max_chain_depth, trigger.id
            ),
        );
        observation.category = "chain_depth_limit".into();
        self.store.add_observation(&observation).await?;
        self.emit(|| {
            FrameworkEvent::new(FrameworkEventType::ChainDepthExceeded)
                .room(trigger.room_id.clone())
                .event(record.id.clone())
                .channel(responder)
                .with("chain_depth", trigger.chain_depth + 1)
        });
        self.emit(|| {
            FrameworkEvent::new(FrameworkEventType::EventBlocked)
                .room(trigger.room_id.clone())
                .event(record.id)
                .with("reason", "event_chain_depth_limit")
        });
        Ok(())
    }
}
