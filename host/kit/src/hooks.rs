//! Hooks: business logic at fixed points of the pipeline (seed 003's trigger table).
//!
//! A hook implements [`Hook`] (or [`IdentityHook`] for the identity triggers) and is registered
//! with a [`HookSpec`]: trigger, sync or async, priority (lower first), filters, timeout and fail
//! policy. Native Rust hooks and wasm plugins implement the same traits.

mod engine;

use std::collections::BTreeSet;
use std::time::Duration;

use async_trait::async_trait;
use roomkit_model::{Content, Direction, Identity, Observation, RoomEvent, Task, Visibility};
use serde::{Deserialize, Serialize};

use crate::{IdentityResult, InboundMessage, RoomContext};
pub use engine::{HookEngine, HookFailure, SyncOutcome};

/// Where in the pipeline a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookTrigger {
    /// Before an event is stored and delivered: may block or modify it (sync).
    BeforeBroadcast,
    /// After delivery: side effects (async).
    AfterBroadcast,
    /// A room was created.
    OnRoomCreated,
    /// A room was paused.
    OnRoomPaused,
    /// A room was closed.
    OnRoomClosed,
    /// A channel was attached.
    OnChannelAttached,
    /// A channel was detached.
    OnChannelDetached,
    /// A channel was muted.
    OnChannelMuted,
    /// A channel was unmuted.
    OnChannelUnmuted,
    /// Identity resolution found several candidates, or is pending.
    OnIdentityAmbiguous,
    /// Identity resolution found no one.
    OnIdentityUnknown,
    /// A participant was identified.
    OnParticipantIdentified,
    /// A task was created.
    OnTaskCreated,
    /// A hook or a delivery failed.
    OnError,
}

impl HookTrigger {
    /// All fourteen triggers.
    pub const ALL: [HookTrigger; 14] = [
        HookTrigger::BeforeBroadcast,
        HookTrigger::AfterBroadcast,
        HookTrigger::OnRoomCreated,
        HookTrigger::OnRoomPaused,
        HookTrigger::OnRoomClosed,
        HookTrigger::OnChannelAttached,
        HookTrigger::OnChannelDetached,
        HookTrigger::OnChannelMuted,
        HookTrigger::OnChannelUnmuted,
        HookTrigger::OnIdentityAmbiguous,
        HookTrigger::OnIdentityUnknown,
        HookTrigger::OnParticipantIdentified,
        HookTrigger::OnTaskCreated,
        HookTrigger::OnError,
    ];
}

/// Whether the pipeline waits for a hook's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookExecution {
    /// The pipeline waits and applies the result.
    #[default]
    Sync,
    /// Runs concurrently; errors are logged, never raised.
    Async,
}

/// Which events a hook sees. Empty sets mean "any".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HookFilter {
    /// Only these channel types.
    #[serde(default)]
    pub channel_types: BTreeSet<String>,
    /// Only these channel ids.
    #[serde(default)]
    pub channel_ids: BTreeSet<String>,
    /// Only these directions.
    #[serde(default)]
    pub directions: BTreeSet<Direction>,
}

impl HookFilter {
    /// Whether an event passes the filter.
    pub fn admits(&self, event: &RoomEvent) -> bool {
        let source = &event.source;
        (self.channel_types.is_empty() || self.channel_types.contains(&source.channel_type))
            && (self.channel_ids.is_empty() || self.channel_ids.contains(&source.channel_id))
            && (self.directions.is_empty() || self.directions.contains(&source.direction))
    }

    /// Whether an inbound message on a channel of this id and type passes the filter: what
    /// the identity triggers apply, before there is an event (direction inbound).
    pub fn admits_inbound(&self, channel_id: &str, channel_type: &str) -> bool {
        (self.channel_types.is_empty() || self.channel_types.contains(channel_type))
            && (self.channel_ids.is_empty() || self.channel_ids.contains(channel_id))
            && (self.directions.is_empty() || self.directions.contains(&Direction::Inbound))
    }
}

/// How a hook is registered.
#[derive(Debug, Clone, PartialEq)]
pub struct HookSpec {
    /// Unique name; add/remove go by it.
    pub name: String,
    /// Where it runs.
    pub trigger: HookTrigger,
    /// Sync or async.
    pub execution: HookExecution,
    /// Lower runs first.
    pub priority: i32,
    /// Which events it sees.
    pub filter: HookFilter,
    /// The longest one call may take.
    pub timeout: Duration,
    /// A failing sync hook blocks the event instead of being skipped.
    pub fail_closed: bool,
}

/// The default hook timeout (seed 003).
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(30);

impl HookSpec {
    /// A hook on `trigger` with defaults: sync for BEFORE_BROADCAST and the identity triggers,
    /// async otherwise; priority 0; no filter; 30 s timeout; fail-open.
    pub fn new(name: impl Into<String>, trigger: HookTrigger) -> Self {
        let execution = match trigger {
            HookTrigger::BeforeBroadcast
            | HookTrigger::OnIdentityAmbiguous
            | HookTrigger::OnIdentityUnknown => HookExecution::Sync,
            _ => HookExecution::Async,
        };
        HookSpec {
            name: name.into(),
            trigger,
            execution,
            priority: 0,
            filter: HookFilter::default(),
            timeout: DEFAULT_HOOK_TIMEOUT,
            fail_closed: false,
        }
    }

    /// The same spec with a priority.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// The same spec with a timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same spec, fail-closed.
    pub fn fail_closed(mut self) -> Self {
        self.fail_closed = true;
        self
    }

    /// The same spec with a filter.
    pub fn filter(mut self, filter: HookFilter) -> Self {
        self.filter = filter;
        self
    }

    /// The same spec, async.
    pub fn asynchronous(mut self) -> Self {
        self.execution = HookExecution::Async;
        self
    }
}

/// What a hook decided about an event.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum HookAction {
    /// Let it through unchanged.
    #[default]
    Allow,
    /// Stop it; the event is stored blocked with this reason.
    Block(String),
    /// Replace it for the hooks after this one (id, room, index and source are kept).
    Modify(Box<RoomEvent>),
}

/// An event a hook adds to the room, delivered only to its target channels.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectedEvent {
    /// What it carries.
    pub content: Content,
    /// The channels it goes to.
    pub target_channel_ids: Vec<String>,
    /// Who may see it in the timeline.
    pub visibility: Visibility,
}

/// A hook's answer: the action plus side effects, which are kept even when the action blocks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HookResult {
    /// Allow, block or modify.
    pub action: HookAction,
    /// Events to add to the room.
    pub injected_events: Vec<InjectedEvent>,
    /// Tasks to create.
    pub tasks: Vec<Task>,
    /// Observations to record.
    pub observations: Vec<Observation>,
}

impl HookResult {
    /// Allow.
    pub fn allow() -> Self {
        Self::default()
    }

    /// Block with a reason.
    pub fn block(reason: impl Into<String>) -> Self {
        HookResult {
            action: HookAction::Block(reason.into()),
            ..Self::default()
        }
    }

    /// Replace the event.
    pub fn modify(event: RoomEvent) -> Self {
        HookResult {
            action: HookAction::Modify(Box::new(event)),
            ..Self::default()
        }
    }
}

/// A hook that failed: an error it returned, or a fault the host caught (trap, limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HookError {
    /// What went wrong, naming the cause.
    pub message: String,
    /// It ran out of time (a deadline of its own, such as a plugin's `timeout_ms`), rather
    /// than failing: reported as `hook_timeout`.
    pub timed_out: bool,
}

impl HookError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        HookError {
            message: message.into(),
            timed_out: false,
        }
    }

    /// A hook that ran out of time before answering.
    pub fn timeout(message: impl Into<String>) -> Self {
        HookError {
            message: message.into(),
            timed_out: true,
        }
    }
}

/// Business logic on room events.
#[async_trait]
pub trait Hook: Send + Sync {
    /// Handles one event at one trigger.
    async fn handle(
        &self,
        trigger: HookTrigger,
        event: &RoomEvent,
        ctx: &RoomContext,
    ) -> Result<HookResult, HookError>;
}

/// What an identity hook decided about an unresolved sender.
#[derive(Debug, Clone, PartialEq)]
pub enum IdentityHookResult {
    /// This is who it is.
    Resolved(Identity),
    /// Keep the participant pending and go on.
    Pending,
    /// Send this message back to the sender and block the original.
    Challenge(Content),
    /// Block the message with a reason.
    Reject(String),
}

/// Business logic for senders that identity resolution could not settle
/// (ON_IDENTITY_AMBIGUOUS, ON_IDENTITY_UNKNOWN).
#[async_trait]
pub trait IdentityHook: Send + Sync {
    /// Decides, or returns `None` to leave it to the next hook.
    async fn handle(
        &self,
        trigger: HookTrigger,
        message: &InboundMessage,
        result: &IdentityResult,
        ctx: &RoomContext,
    ) -> Result<Option<IdentityHookResult>, HookError>;
}
