//! The hook registry and how hooks run: sync hooks in priority order with a timeout each,
//! async hooks concurrently in the background.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use roomkit_model::{FrameworkEventType, Observation, RoomEvent, Task};

use super::{
    Hook, HookAction, HookExecution, HookSpec, HookTrigger, IdentityHook, IdentityHookResult,
    InjectedEvent,
};
use crate::framework::{FrameworkBus, FrameworkEvent};
use crate::{IdentityResult, InboundMessage, RoomContext};

#[derive(Clone)]
struct Registered {
    spec: Arc<HookSpec>,
    hook: Arc<dyn Hook>,
    seq: u64,
}

#[derive(Clone)]
struct RegisteredIdentity {
    spec: Arc<HookSpec>,
    hook: Arc<dyn IdentityHook>,
    seq: u64,
}

/// A hook that failed during a pass: it was skipped (fail-open) or blocked the event
/// (fail-closed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookFailure {
    /// The hook's name.
    pub hook: String,
    /// Where it ran.
    pub trigger: HookTrigger,
    /// It ran out of time (otherwise it failed).
    pub timed_out: bool,
    /// What went wrong.
    pub message: String,
}

impl HookFailure {
    /// `hook_timeout` when it ran out of time, `hook_error` otherwise.
    pub fn code(&self) -> &'static str {
        if self.timed_out {
            "hook_timeout"
        } else {
            "hook_error"
        }
    }

    /// The reason a fail-closed hook's failure blocks an event with: `hook_timeout:NAME` or
    /// `hook_error:NAME`.
    pub fn block_reason(&self) -> String {
        format!("{}:{}", self.code(), self.hook)
    }
}

/// The combined outcome of the sync hooks of one trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOutcome {
    /// The event after every `modify`.
    pub event: RoomEvent,
    /// The hook that blocked and its reason.
    pub blocked: Option<(String, String)>,
    /// Events to inject (collected also on block).
    pub injected: Vec<InjectedEvent>,
    /// Tasks to create (collected also on block).
    pub tasks: Vec<Task>,
    /// Observations to record (collected also on block).
    pub observations: Vec<Observation>,
    /// Hooks that failed or timed out.
    pub failures: Vec<HookFailure>,
}

/// Global hooks, per-room hooks and identity hooks, with the means to run them.
pub struct HookEngine {
    global: RwLock<Vec<Registered>>,
    rooms: RwLock<HashMap<String, Vec<Registered>>>,
    identity: RwLock<Vec<RegisteredIdentity>>,
    seq: AtomicU64,
    bus: Arc<FrameworkBus>,
}

impl std::fmt::Debug for HookEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookEngine").finish_non_exhaustive()
    }
}

impl Registered {
    /// Calls the hook under its timeout; an error or a timeout comes back as a failure.
    async fn call(
        &self,
        trigger: HookTrigger,
        event: &RoomEvent,
        ctx: &RoomContext,
    ) -> Result<super::HookResult, HookFailure> {
        let spec = &self.spec;
        let failure = |timed_out, message| HookFailure {
            hook: spec.name.clone(),
            trigger,
            timed_out,
            message,
        };
        match tokio::time::timeout(spec.timeout, self.hook.handle(trigger, event, ctx)).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(err)) => Err(failure(err.timed_out, err.message)),
            Err(_) => Err(failure(
                true,
                format!("did not answer within {:?}", spec.timeout),
            )),
        }
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

fn insert_sorted(list: &mut Vec<Registered>, entry: Registered) {
    list.retain(|r| r.spec.name != entry.spec.name);
    list.push(entry);
    list.sort_by_key(|r| (r.spec.priority, r.seq));
}

impl HookEngine {
    /// An empty registry reporting failures on `bus`.
    pub fn new(bus: Arc<FrameworkBus>) -> Self {
        HookEngine {
            global: RwLock::new(Vec::new()),
            rooms: RwLock::new(HashMap::new()),
            identity: RwLock::new(Vec::new()),
            seq: AtomicU64::new(0),
            bus,
        }
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers a hook for every room; a hook of the same name is replaced.
    pub fn add(&self, spec: HookSpec, hook: Arc<dyn Hook>) {
        let entry = Registered {
            spec: Arc::new(spec),
            hook,
            seq: self.next_seq(),
        };
        insert_sorted(&mut write(&self.global), entry);
    }

    /// Removes a global hook; returns whether it existed.
    pub fn remove(&self, name: &str) -> bool {
        let mut global = write(&self.global);
        let before = global.len();
        global.retain(|r| r.spec.name != name);
        global.len() != before
    }

    /// Registers a hook for one room; a hook of the same name in that room is replaced.
    pub fn add_room(&self, room_id: &str, spec: HookSpec, hook: Arc<dyn Hook>) {
        let entry = Registered {
            spec: Arc::new(spec),
            hook,
            seq: self.next_seq(),
        };
        insert_sorted(
            write(&self.rooms).entry(room_id.to_owned()).or_default(),
            entry,
        );
    }

    /// Removes a room's hook; returns whether it existed.
    pub fn remove_room(&self, room_id: &str, name: &str) -> bool {
        let mut rooms = write(&self.rooms);
        let Some(list) = rooms.get_mut(room_id) else {
            return false;
        };
        let before = list.len();
        list.retain(|r| r.spec.name != name);
        let removed = list.len() != before;
        if list.is_empty() {
            rooms.remove(room_id);
        }
        removed
    }

    /// Registers an identity hook (ON_IDENTITY_AMBIGUOUS / ON_IDENTITY_UNKNOWN).
    pub fn add_identity(&self, spec: HookSpec, hook: Arc<dyn IdentityHook>) {
        let mut list = write(&self.identity);
        list.retain(|r| r.spec.name != spec.name);
        list.push(RegisteredIdentity {
            spec: Arc::new(spec),
            hook,
            seq: self.next_seq(),
        });
        list.sort_by_key(|r| (r.spec.priority, r.seq));
    }

    /// Removes an identity hook; returns whether it existed.
    pub fn remove_identity(&self, name: &str) -> bool {
        let mut list = write(&self.identity);
        let before = list.len();
        list.retain(|r| r.spec.name != name);
        list.len() != before
    }

    /// Names of the global hooks, in run order.
    pub fn names(&self) -> Vec<String> {
        read(&self.global)
            .iter()
            .map(|r| r.spec.name.clone())
            .collect()
    }

    /// Hooks for a trigger and execution that admit the event, global and per-room, in
    /// priority order.
    fn matching(
        &self,
        trigger: HookTrigger,
        execution: HookExecution,
        event: &RoomEvent,
    ) -> Vec<Registered> {
        let wanted = |r: &&Registered| {
            r.spec.trigger == trigger
                && r.spec.execution == execution
                && r.spec.filter.admits(event)
        };
        let mut hooks: Vec<Registered> =
            read(&self.global).iter().filter(wanted).cloned().collect();
        if let Some(room_hooks) = read(&self.rooms).get(&event.room_id) {
            hooks.extend(room_hooks.iter().filter(wanted).cloned());
            hooks.sort_by_key(|r| (r.spec.priority, r.seq));
        }
        hooks
    }

    /// Runs the sync hooks of `trigger` in order (SPEC §2 step 11).
    pub async fn run_sync(
        &self,
        trigger: HookTrigger,
        event: RoomEvent,
        ctx: &RoomContext,
    ) -> SyncOutcome {
        let mut outcome = SyncOutcome {
            event,
            blocked: None,
            injected: Vec::new(),
            tasks: Vec::new(),
            observations: Vec::new(),
            failures: Vec::new(),
        };
        for registered in self.matching(trigger, HookExecution::Sync, &outcome.event) {
            let spec = &registered.spec;
            let failure = match registered.call(trigger, &outcome.event, ctx).await {
                Ok(result) => {
                    outcome.injected.extend(result.injected_events);
                    outcome.tasks.extend(result.tasks);
                    outcome.observations.extend(result.observations);
                    match result.action {
                        HookAction::Allow => {}
                        HookAction::Block(reason) => {
                            outcome.blocked = Some((spec.name.clone(), reason));
                            break;
                        }
                        HookAction::Modify(replacement) => {
                            let mut replacement = *replacement;
                            let original = &outcome.event;
                            replacement.id = original.id.clone();
                            replacement.room_id = original.room_id.clone();
                            replacement.index = original.index;
                            replacement.source = original.source.clone();
                            outcome.event = replacement;
                        }
                    }
                    continue;
                }
                Err(failure) => failure,
            };
            self.report(&failure, &outcome.event);
            let fail_closed = spec.fail_closed;
            let reason = failure.block_reason();
            outcome.failures.push(failure);
            if fail_closed {
                outcome.blocked = Some((spec.name.clone(), reason));
                break;
            }
        }
        outcome
    }

    /// Starts the async hooks of `trigger` in the background; failures are reported, never
    /// raised.
    pub fn spawn_async(
        self: &Arc<Self>,
        trigger: HookTrigger,
        event: &RoomEvent,
        ctx: &Arc<RoomContext>,
    ) {
        let hooks = self.matching(trigger, HookExecution::Async, event);
        for registered in hooks {
            let engine = Arc::clone(self);
            let event = event.clone();
            let ctx = Arc::clone(ctx);
            tokio::spawn(async move {
                if let Err(failure) = registered.call(trigger, &event, &ctx).await {
                    engine.report(&failure, &event);
                    // An ON_ERROR hook's own failure is reported, never fed back to ON_ERROR.
                    if trigger != HookTrigger::OnError {
                        let notice = failure_notice(&failure, &event);
                        engine.spawn_async(HookTrigger::OnError, &notice, &ctx);
                    }
                }
            });
        }
    }

    /// Whether any async hook would run for this trigger and event.
    pub fn has_async(&self, trigger: HookTrigger, event: &RoomEvent) -> bool {
        !self
            .matching(trigger, HookExecution::Async, event)
            .is_empty()
    }

    /// Asks the identity hooks of `trigger` whose filter admits the message (on a channel of
    /// `channel_type`, direction inbound) in order until one decides. A hook that fails is
    /// reported and the next one is asked, unless it is fail-closed: then its failure rejects
    /// the message (`hook_error:NAME` / `hook_timeout:NAME`).
    pub async fn run_identity(
        &self,
        trigger: HookTrigger,
        message: &InboundMessage,
        channel_type: &str,
        result: &IdentityResult,
        ctx: &RoomContext,
    ) -> Option<IdentityHookResult> {
        let hooks: Vec<RegisteredIdentity> = read(&self.identity)
            .iter()
            .filter(|r| {
                r.spec.trigger == trigger
                    && r.spec
                        .filter
                        .admits_inbound(&message.channel_id, channel_type)
            })
            .cloned()
            .collect();
        for registered in hooks {
            let spec = &registered.spec;
            let call = registered.hook.handle(trigger, message, result, ctx);
            let failure = |timed_out, message| HookFailure {
                hook: spec.name.clone(),
                trigger,
                timed_out,
                message,
            };
            let failure = match tokio::time::timeout(spec.timeout, call).await {
                Ok(Ok(Some(decision))) => return Some(decision),
                Ok(Ok(None)) => continue,
                Ok(Err(err)) => failure(err.timed_out, err.message),
                Err(_) => failure(true, format!("did not answer within {:?}", spec.timeout)),
            };
            self.report_identity(&failure, message, ctx);
            if spec.fail_closed {
                return Some(IdentityHookResult::Reject(failure.block_reason()));
            }
        }
        None
    }

    fn report_identity(&self, failure: &HookFailure, message: &InboundMessage, ctx: &RoomContext) {
        tracing::warn!(hook = %failure.hook, trigger = ?failure.trigger, timed_out = failure.timed_out,
            error = %failure.message, room = %ctx.room.id, channel = %message.channel_id,
            "identity hook failed");
        self.bus.emit(
            failure_event(failure)
                .room(ctx.room.id.clone())
                .channel(message.channel_id.clone()),
        );
    }

    fn report(&self, failure: &HookFailure, event: &RoomEvent) {
        tracing::warn!(hook = %failure.hook, trigger = ?failure.trigger, timed_out = failure.timed_out,
            error = %failure.message, room = %event.room_id, "hook failed");
        self.bus.emit(
            failure_event(failure)
                .room(event.room_id.clone())
                .event(event.id.clone()),
        );
    }
}

/// What ON_ERROR hooks receive for an async hook's failure: a system event (code
/// `hook_error` or `hook_timeout`) naming the hook, its trigger, the error and the event.
fn failure_notice(failure: &HookFailure, event: &RoomEvent) -> RoomEvent {
    let mut data = roomkit_model::Metadata::new();
    data.insert("hook".into(), failure.hook.clone().into());
    data.insert(
        "trigger".into(),
        serde_json::to_value(failure.trigger).unwrap_or_default(),
    );
    data.insert("error".into(), failure.message.clone().into());
    data.insert("event_id".into(), event.id.clone().into());
    crate::kit::lifecycle_event(&event.room_id, failure.code(), data)
}

fn failure_event(failure: &HookFailure) -> FrameworkEvent {
    let kind = if failure.timed_out {
        FrameworkEventType::HookTimeout
    } else {
        FrameworkEventType::HookError
    };
    FrameworkEvent::new(kind)
        .with("hook", failure.hook.clone())
        .with(
            "trigger",
            serde_json::to_value(failure.trigger).unwrap_or_default(),
        )
        .with("error", failure.message.clone())
}
