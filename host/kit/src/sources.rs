//! Event-driven sources (seed 002): providers that hold a persistent connection and push
//! messages into the pipeline. The kit supervises each one: restarts with exponential backoff,
//! gives up after `max_restart_attempts`, bounds concurrent emits, and reports health.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use roomkit_model::{FrameworkEventType, Timestamp, now};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::framework::FrameworkEvent;
use crate::kit::RoomKit;
use crate::{Error, InboundMessage, InboundResult, Result};

/// Where a source is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Not running.
    Stopped,
    /// Establishing its connection.
    Connecting,
    /// Connected and receiving.
    Connected,
    /// Lost its connection; waiting to restart.
    Reconnecting,
    /// Failed for good (see `error`).
    Error,
}

/// What a source reports about itself.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SourceHealth {
    /// Its status.
    pub status: SourceStatus,
    /// When it last connected.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub connected_at: Option<Timestamp>,
    /// When it last emitted a message.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_message_at: Option<Timestamp>,
    /// How many messages it emitted.
    pub messages_received: u64,
    /// Its last error.
    pub error: Option<String>,
}

impl SourceHealth {
    fn new() -> Self {
        SourceHealth {
            status: SourceStatus::Connecting,
            connected_at: None,
            last_message_at: None,
            messages_received: 0,
            error: None,
        }
    }
}

/// How the kit supervises a source (seed 002's defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceOptions {
    /// Restart after a failure.
    pub auto_restart: bool,
    /// The first delay before a restart; it doubles per consecutive failure.
    pub restart_delay: Duration,
    /// The longest delay between restarts.
    pub max_restart_delay: Duration,
    /// Consecutive failures before giving up (`None`: never).
    pub max_restart_attempts: Option<u32>,
    /// How many emits may be in the pipeline at once (`None`: unbounded).
    pub max_concurrent_emits: Option<usize>,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            auto_restart: true,
            restart_delay: Duration::from_secs(5),
            max_restart_delay: Duration::from_secs(300),
            max_restart_attempts: None,
            max_concurrent_emits: Some(10),
        }
    }
}

/// A persistent connection that pushes messages into the kit.
#[async_trait]
pub trait SourceProvider: Send + Sync {
    /// A name for events and health.
    fn name(&self) -> String;
    /// Connects and runs until the connection ends: `Ok` when it ended on purpose, `Err` when it
    /// failed (the kit may restart it). Messages go in through `emitter`.
    async fn start(&self, emitter: Emitter) -> Result<(), String>;
    /// Asks a running source to stop.
    async fn stop(&self);
}

/// How a running source hands messages to the kit and reports its connection.
#[derive(Clone)]
pub struct Emitter {
    kit: RoomKit,
    permits: Option<Arc<Semaphore>>,
    health: Arc<Mutex<SourceHealth>>,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter").finish_non_exhaustive()
    }
}

/// A source's health, locked (a panic elsewhere does not poison it for good).
fn lock_health(health: &Mutex<SourceHealth>) -> std::sync::MutexGuard<'_, SourceHealth> {
    health.lock().unwrap_or_else(|p| p.into_inner())
}

impl Emitter {
    fn health(&self) -> std::sync::MutexGuard<'_, SourceHealth> {
        lock_health(&self.health)
    }

    /// Reports that the connection is up; the restart backoff starts over.
    pub fn connected(&self) {
        let mut health = self.health();
        health.status = SourceStatus::Connected;
        health.connected_at = Some(now());
        health.error = None;
    }

    /// Runs a message through the pipeline, waiting while `max_concurrent_emits` are in flight.
    pub async fn emit(&self, message: InboundMessage) -> Result<InboundResult> {
        let _permit = match &self.permits {
            Some(permits) => Some(permits.acquire().await.map_err(|_| Error::Closed)?),
            None => None,
        };
        {
            let mut health = self.health();
            health.messages_received += 1;
            health.last_message_at = Some(now());
        }
        self.kit.process_inbound(message).await
    }
}

pub(crate) struct AttachedSource {
    name: String,
    provider: Arc<dyn SourceProvider>,
    health: Arc<Mutex<SourceHealth>>,
    task: JoinHandle<()>,
}

impl AttachedSource {
    /// Its health, locked.
    fn health(&self) -> std::sync::MutexGuard<'_, SourceHealth> {
        lock_health(&self.health)
    }

    /// Its name and a copy of its health.
    fn info(&self) -> (String, SourceHealth) {
        (self.name.clone(), self.health().clone())
    }
}

/// The sources attached to a kit, by channel id.
#[derive(Default)]
pub(crate) struct Sources {
    attached: Mutex<HashMap<String, AttachedSource>>,
}

impl Sources {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, AttachedSource>> {
        self.attached.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Restarts a source until it ends on purpose, is detached, or runs out of attempts.
async fn supervise(
    kit: RoomKit,
    channel_id: String,
    provider: Arc<dyn SourceProvider>,
    options: SourceOptions,
    emitter: Emitter,
) {
    let name = provider.name();
    let mut delay = options.restart_delay;
    let mut failures = 0u32;
    loop {
        emitter.health().status = SourceStatus::Connecting;
        let outcome = provider.start(emitter.clone()).await;
        let was_connected = emitter.health().status == SourceStatus::Connected;
        if was_connected {
            // A source that got connected starts its backoff over.
            delay = options.restart_delay;
            failures = 0;
        }
        let error = match outcome {
            Ok(()) => {
                emitter.health().status = SourceStatus::Stopped;
                return;
            }
            Err(error) => error,
        };
        failures += 1;
        {
            let mut health = emitter.health();
            health.error = Some(error.clone());
            health.status = SourceStatus::Reconnecting;
        }
        kit.inner.emit(|| {
            FrameworkEvent::new(FrameworkEventType::SourceError)
                .channel(channel_id.clone())
                .with("source_name", name.clone())
                .with("error", error.clone())
                .with("attempt", failures)
        });
        let exhausted = options
            .max_restart_attempts
            .is_some_and(|max| failures >= max);
        if !options.auto_restart || exhausted {
            emitter.health().status = SourceStatus::Error;
            if exhausted {
                kit.inner.emit(|| {
                    FrameworkEvent::new(FrameworkEventType::SourceExhausted)
                        .channel(channel_id.clone())
                        .with("source_name", name.clone())
                        .with("attempts", failures)
                        .with("last_error", error.clone())
                });
            }
            return;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(options.max_restart_delay);
    }
}

impl RoomKit {
    /// Attaches an event-driven source to a registered channel and starts it under
    /// supervision. A channel has at most one source.
    pub async fn attach_source(
        &self,
        channel_id: &str,
        provider: Arc<dyn SourceProvider>,
        options: SourceOptions,
    ) -> Result<()> {
        self.inner.check_open()?;
        self.inner.channel(channel_id)?;
        let mut attached = self.inner.sources.lock();
        if attached.contains_key(channel_id) {
            return Err(Error::SourceExists(channel_id.to_owned()));
        }
        let health = Arc::new(Mutex::new(SourceHealth::new()));
        let emitter = Emitter {
            kit: self.clone(),
            permits: options
                .max_concurrent_emits
                .map(|n| Arc::new(Semaphore::new(n.max(1)))),
            health: Arc::clone(&health),
        };
        let name = provider.name();
        let task = tokio::spawn(supervise(
            self.clone(),
            channel_id.to_owned(),
            Arc::clone(&provider),
            options,
            emitter,
        ));
        attached.insert(
            channel_id.to_owned(),
            AttachedSource {
                name: name.clone(),
                provider,
                health,
                task,
            },
        );
        drop(attached);
        self.inner.emit(|| {
            FrameworkEvent::new(FrameworkEventType::SourceAttached)
                .channel(channel_id)
                .with("source_name", name)
        });
        Ok(())
    }

    /// Stops and removes a channel's source; returns whether there was one.
    pub async fn detach_source(&self, channel_id: &str) -> bool {
        let Some(source) = self.inner.sources.lock().remove(channel_id) else {
            return false;
        };
        source.provider.stop().await;
        source.task.abort();
        self.inner.emit(|| {
            FrameworkEvent::new(FrameworkEventType::SourceDetached)
                .channel(channel_id)
                .with("source_name", source.name.clone())
        });
        true
    }

    /// The health of a channel's source.
    pub fn source_health(&self, channel_id: &str) -> Option<SourceHealth> {
        self.inner
            .sources
            .lock()
            .get(channel_id)
            .map(|s| s.health().clone())
    }

    /// The name of a channel's source (what it connects to) with its health.
    pub fn source_info(&self, channel_id: &str) -> Option<(String, SourceHealth)> {
        self.inner
            .sources
            .lock()
            .get(channel_id)
            .map(AttachedSource::info)
    }

    /// Every attached source's name and health, by channel id (one look at the table).
    pub fn source_infos(&self) -> BTreeMap<String, (String, SourceHealth)> {
        self.inner
            .sources
            .lock()
            .iter()
            .map(|(id, s)| (id.clone(), s.info()))
            .collect()
    }

    /// Every attached source's status, by channel id.
    pub fn list_sources(&self) -> BTreeMap<String, SourceStatus> {
        self.inner
            .sources
            .lock()
            .iter()
            .map(|(id, s)| (id.clone(), s.health().status))
            .collect()
    }
}
