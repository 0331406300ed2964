//! Steps 14–16 per target: who receives an event, and delivering it with transcoding,
//! max_length, circuit breaker, rate limit and retries.

use std::collections::BTreeMap;
use std::sync::Arc;

use roomkit_model::{
    Access, AgentResponsePolicy, ChannelBinding, ChannelCategory, ChannelDirection, DeliveryResult,
    DeliveryStatus, EventStatus, FrameworkEventType, Metadata, Observation, RoomEvent, Task,
    Viewer,
};

use super::Followup;
use crate::Result;
use crate::channel::ChannelOutput;
use crate::context::RoomContext;
use crate::framework::FrameworkEvent;
use crate::hooks::HookTrigger;
use crate::kit::{Inner, lifecycle_event};
use crate::resilience::{Admission, Transition, with_retry};
use crate::transcode::cut_to_max_length;

/// What delivering one event produced.
#[derive(Debug, Default, Clone)]
pub(crate) struct DeliveryReport {
    pub(crate) results: BTreeMap<String, DeliveryResult>,
    pub(crate) unavailable: Vec<String>,
    pub(crate) followups: Vec<Followup>,
    pub(crate) tasks: Vec<Task>,
    pub(crate) observations: Vec<Observation>,
}

enum TargetOutcome {
    Unavailable(String),
    DepthLimited(String),
    Done {
        channel_id: String,
        result: DeliveryResult,
        output: Option<ChannelOutput>,
    },
}

fn failed(error: impl Into<String>, attempts: u32) -> DeliveryResult {
    DeliveryResult {
        status: DeliveryStatus::Failed,
        provider_message_id: None,
        error: Some(error.into()),
        error_code: None,
        attempts,
        updated_at: None,
    }
}

impl Inner {
    /// Step 14: the bindings that receive an event. The source is skipped, so are channels that
    /// may not read (write_only, none), inbound-only bindings and those the event's visibility
    /// does not admit; muted
    /// channels still receive. With `addressed_only`, intelligence channels receive only what is
    /// addressed to them.
    pub(crate) fn plan_targets(&self, event: &RoomEvent, ctx: &RoomContext) -> Vec<ChannelBinding> {
        let addressed_only = ctx.room.agent_response_policy == AgentResponsePolicy::AddressedOnly;
        ctx.bindings
            .iter()
            .filter(|b| b.channel_id != event.source.channel_id)
            .filter(|b| !matches!(b.access, Access::WriteOnly | Access::None))
            .filter(|b| b.direction != ChannelDirection::Inbound)
            .filter(|b| {
                event.visibility.admits(Viewer {
                    channel_id: &b.channel_id,
                    category: b.category,
                })
            })
            .filter(|b| {
                !(addressed_only && b.category == ChannelCategory::Intelligence)
                    || event
                        .addressed_to
                        .as_ref()
                        .is_some_and(|to| to.contains(&b.channel_id))
            })
            .cloned()
            .collect()
    }

    /// Delivers an event to its targets concurrently, then records the outcome on the event
    /// (status delivered; failures only in `delivery_results`) and reports it.
    pub(crate) async fn deliver_all(
        self: &Arc<Self>,
        mut event: RoomEvent,
        ctx: &Arc<RoomContext>,
        targets: Vec<ChannelBinding>,
    ) -> Result<(RoomEvent, DeliveryReport)> {
        let outcomes = futures_util::future::join_all(
            targets
                .into_iter()
                .map(|binding| self.deliver_one(&event, ctx, binding)),
        )
        .await;
        let mut report = DeliveryReport::default();
        for outcome in outcomes {
            match outcome {
                TargetOutcome::Unavailable(channel_id) => report.unavailable.push(channel_id),
                TargetOutcome::DepthLimited(responder) => {
                    report.followups.push(Followup::DepthLimit {
                        trigger: event.clone(),
                        responder,
                    })
                }
                TargetOutcome::Done {
                    channel_id,
                    result,
                    output,
                } => {
                    if let Some(output) = output {
                        for response in output.responses {
                            report.followups.push(Followup::Response {
                                trigger: event.clone(),
                                responder: channel_id.clone(),
                                response,
                            });
                        }
                        report.tasks.extend(output.tasks);
                        report.observations.extend(output.observations);
                    }
                    report.results.insert(channel_id, result);
                }
            }
        }
        let failures = report
            .results
            .values()
            .filter(|r| r.status == DeliveryStatus::Failed)
            .count();
        if failures > 0 {
            self.emit(|| {
                FrameworkEvent::new(FrameworkEventType::BroadcastPartialFailure)
                    .room(event.room_id.clone())
                    .event(event.id.clone())
                    .with("failed", failures as u64)
                    .with("targets", report.results.len() as u64)
            });
        }
        event.status = EventStatus::Delivered;
        event.delivery_results = report.results.clone();
        self.store.record_delivery(&event).await?;
        self.index_provider_ids(&event).await?;
        Ok((event, report))
    }

    async fn deliver_one(
        &self,
        event: &RoomEvent,
        ctx: &Arc<RoomContext>,
        binding: ChannelBinding,
    ) -> TargetOutcome {
        let channel_id = binding.channel_id.clone();
        let Ok(channel) = self.channel(&channel_id) else {
            return TargetOutcome::Unavailable(channel_id);
        };
        if binding.category == ChannelCategory::Intelligence
            && event.chain_depth + 1 >= self.config.max_chain_depth
        {
            return TargetOutcome::DepthLimited(channel_id);
        }
        let (result, output) = match self
            .transcoder
            .transcode(&event.content, &binding.capabilities)
        {
            Err(err) => (failed(err.to_string(), 0), None),
            Ok(content) => {
                let mut outgoing = event.clone();
                outgoing.content = cut_to_max_length(content, binding.capabilities.max_length);
                self.send(&outgoing, ctx, &binding, channel.as_ref()).await
            }
        };
        let kind = match result.status {
            DeliveryStatus::Delivered => FrameworkEventType::DeliverySucceeded,
            _ => FrameworkEventType::DeliveryFailed,
        };
        let mut notice = FrameworkEvent::new(kind)
            .room(event.room_id.clone())
            .event(event.id.clone())
            .channel(channel_id.clone())
            .with("attempts", result.attempts);
        if let Some(error) = &result.error {
            notice = notice.with("error", error.clone());
        }
        self.emit(|| notice);
        if result.status == DeliveryStatus::Failed {
            let error = result.error.clone().unwrap_or_default();
            tracing::warn!(room = %event.room_id, event = %event.id, channel = %channel_id,
                attempts = result.attempts, %error, "delivery failed");
            let mut data = Metadata::new();
            data.insert("event_id".into(), event.id.clone().into());
            data.insert("channel_id".into(), channel_id.clone().into());
            data.insert("error".into(), error.into());
            let failure = lifecycle_event(&event.room_id, "delivery_failed", data);
            self.hooks.spawn_async(HookTrigger::OnError, &failure, ctx);
        }
        TargetOutcome::Done {
            channel_id,
            result,
            output,
        }
    }

    /// Circuit breaker, rate limit (waits), then the channel with the binding's retry policy
    /// (the channel's when the binding has none).
    async fn send(
        &self,
        event: &RoomEvent,
        ctx: &Arc<RoomContext>,
        binding: &ChannelBinding,
        channel: &dyn crate::channel::Channel,
    ) -> (DeliveryResult, Option<ChannelOutput>) {
        let breaker = self.breakers.get(&binding.channel_id);
        if let Admission::Refused = breaker.allow() {
            return (failed("circuit_breaker_open", 0), None);
        }
        // The binding's own settings win over its channel's.
        let rate_limit = binding.rate_limit.clone().or_else(|| channel.rate_limit());
        if let Some(limit) = &rate_limit {
            self.outbound_limits
                .get(&binding.channel_id, limit)
                .acquire()
                .await;
        }
        let retry_policy = binding
            .retry_policy
            .clone()
            .or_else(|| channel.retry_policy());
        let (outcome, attempts) = with_retry(retry_policy.as_ref(), || {
            channel.on_event(event, binding, ctx)
        })
        .await;
        let transition = match &outcome {
            Ok(_) => breaker.record_success(),
            Err(_) => breaker.record_failure(),
        };
        match transition {
            Some(Transition::Opened) => self.emit(|| {
                FrameworkEvent::new(FrameworkEventType::CircuitBreakerOpened)
                    .channel(binding.channel_id.clone())
            }),
            Some(Transition::Closed) => self.emit(|| {
                FrameworkEvent::new(FrameworkEventType::CircuitBreakerClosed)
                    .channel(binding.channel_id.clone())
            }),
            None => {}
        }
        match outcome {
            Ok(output) => (
                DeliveryResult {
                    status: DeliveryStatus::Delivered,
                    provider_message_id: output.provider_message_id.clone(),
                    error: None,
                    error_code: None,
                    attempts,
                    updated_at: None,
                },
                Some(output),
            ),
            Err(err) => {
                let mut result = failed(err.message, attempts);
                result.error_code = err.code;
                (result, None)
            }
        }
    }
}
