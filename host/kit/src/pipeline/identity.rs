//! Step 7: identity resolution, with its timeout and the identity hooks.

use std::sync::Arc;

use roomkit_model::{
    Direction, EventSource, FrameworkEventType, Identification, Participant, RoomEvent,
};

use crate::channel::Channel;
use crate::context::RoomContext;
use crate::framework::FrameworkEvent;
use crate::hooks::{HookTrigger, IdentityHookResult};
use crate::kit::Inner;
use crate::{IdentityResult, InboundMessage, InboundResult, Result};

pub(crate) enum Identified {
    Continue,
    /// Blocked by identity: nothing is stored.
    Refused(Box<InboundResult>),
}

impl Inner {
    pub(crate) async fn identify(
        &self,
        message: &InboundMessage,
        channel: &Arc<dyn Channel>,
        ctx: &RoomContext,
        event: &mut RoomEvent,
    ) -> Result<Identified> {
        let Some(resolver) = &self.identity else {
            return Ok(Identified::Continue);
        };
        if let Some(types) = &self.config.identity_channel_types
            && !types.contains(channel.channel_type())
        {
            return Ok(Identified::Continue);
        }
        let attempt = tokio::time::timeout(
            self.config.identity_timeout,
            resolver.resolve(message, channel.channel_type(), ctx),
        )
        .await;
        let mut result = match attempt {
            Ok(Ok(result)) => result,
            Ok(Err(reason)) => {
                tracing::warn!(%reason, channel = %message.channel_id, "identity resolver failed");
                IdentityResult::unknown()
            }
            Err(_) => {
                self.emit(|| {
                    FrameworkEvent::new(FrameworkEventType::IdentityTimeout)
                        .room(ctx.room.id.clone())
                        .channel(message.channel_id.clone())
                        .with("sender_id", message.sender_id.clone())
                });
                IdentityResult::unknown()
            }
        };
        let trigger = match result.status {
            Identification::Identified => None,
            Identification::Ambiguous | Identification::Pending => {
                Some(HookTrigger::OnIdentityAmbiguous)
            }
            _ => Some(HookTrigger::OnIdentityUnknown),
        };
        if let Some(trigger) = trigger {
            match self
                .hooks
                .run_identity(trigger, message, channel.channel_type(), &result, ctx)
                .await
            {
                Some(IdentityHookResult::Resolved(identity)) => {
                    result = IdentityResult::identified(identity);
                }
                Some(IdentityHookResult::Pending) => result.status = Identification::Pending,
                Some(IdentityHookResult::Challenge(content)) => {
                    self.send_challenge(message, channel, ctx, content).await;
                    return Ok(Identified::Refused(Box::new(InboundResult::refused(
                        "identity_challenge_sent",
                    ))));
                }
                Some(IdentityHookResult::Reject(reason)) => {
                    return Ok(Identified::Refused(Box::new(InboundResult::refused(
                        reason,
                    ))));
                }
                None => {}
            }
        }
        match (result.status, result.identity) {
            (Identification::Identified, Some(identity)) => {
                event.source.participant_id = Some(identity.id.clone());
                let known = ctx.participant(&identity.id).is_some_and(|p| {
                    p.identification == Identification::Identified
                        && p.identity_id.as_deref() == Some(identity.id.as_str())
                });
                if !known {
                    // A row the room already has keeps its role and status (a ban is not
                    // lifted by being identified).
                    let mut participant =
                        ctx.participant(&identity.id).cloned().unwrap_or_else(|| {
                            Participant::new(&identity.id, &ctx.room.id, &message.channel_id)
                        });
                    participant.identification = Identification::Identified;
                    participant.identity_id = Some(identity.id.clone());
                    participant.display_name = identity.display_name.clone();
                    self.store.put_participant(&participant).await?;
                    let mut data = roomkit_model::Metadata::new();
                    data.insert("participant_id".into(), identity.id.clone().into());
                    self.spawn_lifecycle_hooks(
                        HookTrigger::OnParticipantIdentified,
                        &ctx.room,
                        "participant_identified",
                        data,
                    )
                    .await;
                }
                self.emit(|| {
                    FrameworkEvent::new(FrameworkEventType::IdentityResolved)
                        .room(ctx.room.id.clone())
                        .channel(message.channel_id.clone())
                        .with("identity_id", identity.id)
                });
            }
            (Identification::Ambiguous | Identification::Pending, _) => {
                // Pending already, or resolved after the fact (`resolve_participant`): a
                // resolver that is unsure again does not undo a resolution.
                let settled = ctx.participant(&message.sender_id).is_some_and(|p| {
                    matches!(
                        p.identification,
                        Identification::Pending | Identification::Identified
                    )
                });
                if !settled {
                    let mut participant = ctx
                        .participant(&message.sender_id)
                        .cloned()
                        .unwrap_or_else(|| {
                            Participant::new(&message.sender_id, &ctx.room.id, &message.channel_id)
                        });
                    participant.identification = Identification::Pending;
                    self.store.put_participant(&participant).await?;
                }
            }
            _ => {}
        }
        Ok(Identified::Continue)
    }

    /// Sends an identity challenge back on the sender's channel; it is not stored.
    async fn send_challenge(
        &self,
        message: &InboundMessage,
        channel: &Arc<dyn Channel>,
        ctx: &RoomContext,
        content: roomkit_model::Content,
    ) {
        let Some(binding) = ctx.binding(&message.channel_id) else {
            tracing::warn!(channel = %message.channel_id, "no binding to send the identity challenge on");
            return;
        };
        let source = EventSource {
            direction: Direction::Outbound,
            ..EventSource::inbound("roomkit", "system")
        };
        let challenge = RoomEvent::new(&ctx.room.id, source, content);
        if let Err(err) = channel.on_event(&challenge, binding, ctx).await {
            tracing::warn!(%err, channel = %message.channel_id, "identity challenge not delivered");
        }
    }
}
