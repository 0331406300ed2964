//! Hooks: business logic at a point of the pipeline.

use crate::context::RoomContext;
use crate::types::{
    Content, HookAction, HookResult, HookTrigger, Identity, IdentityDecision, IdentityResult,
    InboundMessage, InjectedEvent, Json, Observation, RoomEvent, Task,
};

/// A hook: runs at the triggers its manifest names and allows, blocks or modifies the event,
/// possibly with side effects (injected events, tasks, observations). Export it with
/// [`export_hook!`](crate::export_hook).
///
/// An `Err` is a failure the plugin reports (not a trap): the host records it as `hook_error`
/// and applies the manifest's fail policy.
pub trait Hook {
    /// Handles one event at `trigger`; `ctx` reads the room lazily.
    fn handle(
        trigger: HookTrigger,
        event: RoomEvent,
        ctx: &RoomContext<'_>,
    ) -> Result<HookResult, String>;
}

/// A hook that also decides about senders identity resolution could not settle: the host
/// calls [`handle_identity`](IdentityHook::handle_identity) on the triggers
/// `on_identity_ambiguous` (several candidates, or pending) and `on_identity_unknown` (nobody
/// found), and [`Hook::handle`] on the others. Export it with
/// [`export_identity_hook!`](crate::export_identity_hook) (the `identity-hook` world); name the
/// identity triggers in the manifest:
///
/// ```toml
/// triggers = ["on_identity_unknown"]
/// channel_types = ["sms"]   # optional: the filters apply to the inbound message
/// ```
///
/// Identity hooks run only when the host has an identity resolver, in priority order, until
/// one decides; `Ok(None)` leaves the decision to the next one (and, when none decides, the
/// host goes on with the resolver's answer). An `Err` is reported as `hook_error` and the next
/// hook is asked; a fail-closed hook's failure rejects the message.
pub trait IdentityHook: Hook {
    /// Decides about the sender of `message`, whom the resolver found to be `result`.
    fn handle_identity(
        trigger: HookTrigger,
        message: InboundMessage,
        result: IdentityResult,
        ctx: &RoomContext<'_>,
    ) -> Result<Option<IdentityDecision>, String>;
}

impl IdentityDecision {
    /// This is who it is: the message goes on with `identity` as its participant.
    pub fn resolved(identity: Identity) -> Self {
        IdentityDecision::Resolved(identity)
    }

    /// Keep the sender a pending participant and let the message go on.
    pub fn pending() -> Self {
        IdentityDecision::Pending
    }

    /// Send `text` back to the sender and block the message; nothing is stored (the host
    /// answers `identity_challenge_sent`).
    pub fn challenge(text: impl Into<String>) -> Self {
        IdentityDecision::Challenge(Content::text(text))
    }

    /// Block the message with `reason`; nothing is stored.
    pub fn reject(reason: impl Into<String>) -> Self {
        IdentityDecision::Reject(reason.into())
    }
}

impl HookResult {
    /// Let the event through unchanged.
    pub fn allow() -> Self {
        HookResult::from(HookAction::Allow)
    }

    /// Block the event; `reason` is stored with it (`blocked_by`) and shown to operators.
    pub fn block(reason: impl Into<String>) -> Self {
        HookResult::from(HookAction::Block(reason.into()))
    }

    /// Replace the event with `event` for the hooks after this one and for delivery.
    pub fn modify(event: RoomEvent) -> Self {
        HookResult::from(HookAction::Modify(event))
    }

    /// Adds an event to the room, delivered only to its targets.
    pub fn inject(mut self, event: InjectedEvent) -> Self {
        self.injected_events.push(event);
        self
    }

    /// Creates a task.
    pub fn task(mut self, task: Task) -> Self {
        self.tasks.push(task);
        self
    }

    /// Records an observation.
    pub fn observe(mut self, observation: Observation) -> Self {
        self.observations.push(observation);
        self
    }
}

impl From<HookAction> for HookResult {
    fn from(action: HookAction) -> Self {
        HookResult {
            action,
            injected_events: Vec::new(),
            tasks: Vec::new(),
            observations: Vec::new(),
        }
    }
}

impl InjectedEvent {
    /// An event with `content`, visible to all, with no targets yet (add them with
    /// [`InjectedEvent::to`]).
    pub fn new(content: Content) -> Self {
        InjectedEvent {
            content,
            target_channel_ids: Vec::new(),
            visibility: "all".to_owned(),
        }
    }

    /// A text event, as [`InjectedEvent::new`].
    pub fn text(body: impl Into<String>) -> Self {
        InjectedEvent::new(Content::text(body))
    }

    /// Delivers it to `channel_id` too.
    pub fn to(mut self, channel_id: impl Into<String>) -> Self {
        self.target_channel_ids.push(channel_id.into());
        self
    }

    /// Who may see it: `all`, `none`, `transport`, `intelligence`, `internal` or a comma list
    /// of channel ids.
    pub fn visibility(mut self, visibility: impl Into<String>) -> Self {
        self.visibility = visibility.into();
        self
    }
}

impl Task {
    /// A task with a title and nothing else.
    pub fn new(title: impl Into<String>) -> Self {
        Task {
            title: title.into(),
            description: None,
            assigned_to: None,
            metadata: "{}".to_owned(),
        }
    }

    /// Its description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Who it is for.
    pub fn assigned_to(mut self, assignee: impl Into<String>) -> Self {
        self.assigned_to = Some(assignee.into());
        self
    }

    /// Metadata, a JSON object as text.
    pub fn metadata(mut self, metadata: impl Into<Json>) -> Self {
        self.metadata = metadata.into();
        self
    }
}

impl Observation {
    /// An observation of `category` saying `content`, with confidence 1.
    pub fn new(category: impl Into<String>, content: impl Into<String>) -> Self {
        Observation {
            content: content.into(),
            category: category.into(),
            confidence: 1.0,
            metadata: "{}".to_owned(),
        }
    }

    /// How sure the plugin is, clamped to 0..1.
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = if confidence.is_nan() {
            0.0
        } else {
            confidence.clamp(0.0, 1.0)
        };
        self
    }

    /// Metadata, a JSON object as text.
    pub fn metadata(mut self, metadata: impl Into<Json>) -> Self {
        self.metadata = metadata.into();
        self
    }
}
