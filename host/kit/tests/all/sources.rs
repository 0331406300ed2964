//! Event-driven sources (SPEC §3 sources, seed 002): restart backoff, exhaustion,
//! back-pressure and health.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use roomkit_kit::{Emitter, InboundMessage, SourceOptions, SourceProvider, SourceStatus};
use roomkit_model::FrameworkEventType;

use crate::support::{eventually, setup, setup_with, text_caps};

/// Fails its first `failures` starts (recording when each start happened), then connects,
/// emits `messages` messages concurrently and ends.
struct ScriptedSource {
    failures: u32,
    messages: usize,
    starts: Mutex<Vec<tokio::time::Instant>>,
    started: AtomicU32,
}

impl ScriptedSource {
    fn new(failures: u32, messages: usize) -> Arc<Self> {
        Arc::new(ScriptedSource {
            failures,
            messages,
            starts: Mutex::new(Vec::new()),
            started: AtomicU32::new(0),
        })
    }

    fn gaps(&self) -> Vec<u64> {
        let starts = self.starts.lock().unwrap();
        starts.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect()
    }
}

#[async_trait]
impl SourceProvider for ScriptedSource {
    fn name(&self) -> String {
        "scripted".into()
    }

    async fn start(&self, emitter: Emitter) -> Result<(), String> {
        self.starts
            .lock()
            .unwrap()
            .push(tokio::time::Instant::now());
        let n = self.started.fetch_add(1, Ordering::SeqCst);
        if n < self.failures {
            return Err(format!("connection refused ({n})"));
        }
        emitter.connected();
        let sends: Vec<_> = (0..self.messages)
            .map(|i| {
                let emitter = emitter.clone();
                tokio::spawn(async move {
                    emitter
                        .emit(InboundMessage::text("feed", "u", format!("m{i}")).in_room("r"))
                        .await
                        .unwrap()
                })
            })
            .collect();
        for send in sends {
            send.await.unwrap();
        }
        Ok(())
    }

    async fn stop(&self) {}
}

#[tokio::test(start_paused = true)]
async fn source_restart_delay_doubles_up_to_the_maximum_and_resets_after_connecting() {
    let s = setup();
    s.transport("feed", "websocket", text_caps());
    s.room("r", &["feed"]).await;
    let source = ScriptedSource::new(4, 1);
    s.kit
        .attach_source(
            "feed",
            source.clone(),
            SourceOptions {
                restart_delay: Duration::from_secs(1),
                max_restart_delay: Duration::from_secs(4),
                ..SourceOptions::default()
            },
        )
        .await
        .unwrap();
    for _ in 0..100 {
        if s.kit.source_health("feed").map(|h| h.status) == Some(SourceStatus::Stopped) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(source.gaps(), vec![1, 2, 4, 4]);
    let health = s.kit.source_health("feed").unwrap();
    assert_eq!(health.status, SourceStatus::Stopped);
    assert_eq!(health.messages_received, 1);
    assert!(health.connected_at.is_some() && health.last_message_at.is_some());
    assert_eq!(health.error, None);
    // The channel_attached record, then the message.
    assert_eq!(s.kit.get_room("r").await.unwrap().event_count, 2);
}

#[tokio::test(start_paused = true)]
async fn source_gives_up_after_max_restart_attempts_with_source_exhausted() {
    let s = setup();
    s.transport("feed", "websocket", text_caps());
    let mut events = s.kit.on(Some(&[
        FrameworkEventType::SourceAttached,
        FrameworkEventType::SourceError,
        FrameworkEventType::SourceExhausted,
    ]));
    let source = ScriptedSource::new(u32::MAX, 0);
    s.kit
        .attach_source(
            "feed",
            source.clone(),
            SourceOptions {
                restart_delay: Duration::from_secs(1),
                max_restart_attempts: Some(3),
                ..SourceOptions::default()
            },
        )
        .await
        .unwrap();
    let mut kinds = Vec::new();
    loop {
        let event = events.recv().await.unwrap();
        kinds.push(event.event_type);
        if event.event_type == FrameworkEventType::SourceExhausted {
            assert_eq!(event.data["attempts"], 3);
            assert_eq!(event.data["last_error"], "connection refused (2)");
            break;
        }
    }
    assert_eq!(
        kinds,
        vec![
            FrameworkEventType::SourceAttached,
            FrameworkEventType::SourceError,
            FrameworkEventType::SourceError,
            FrameworkEventType::SourceError,
            FrameworkEventType::SourceExhausted
        ]
    );
    assert_eq!(source.started.load(Ordering::SeqCst), 3);
    let health = s.kit.source_health("feed").unwrap();
    assert_eq!(health.status, SourceStatus::Error);
    assert_eq!(health.error.as_deref(), Some("connection refused (2)"));
    assert_eq!(s.kit.list_sources().get("feed"), Some(&SourceStatus::Error));
}

/// An identity resolver that measures how many messages are in it at once: it runs before the
/// room lock, so it sees exactly the emits the source lets through.
struct Gauge {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

#[async_trait]
impl roomkit_kit::IdentityResolver for Gauge {
    async fn resolve(
        &self,
        _: &InboundMessage,
        _: &str,
        _: &roomkit_kit::RoomContext,
    ) -> Result<roomkit_kit::IdentityResult, String> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(roomkit_kit::IdentityResult::unknown())
    }
}

async fn peak_concurrent_emits(limit: Option<usize>) -> usize {
    let gauge = Arc::new(Gauge {
        in_flight: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
    });
    let s = setup_with(|b| b.identity_resolver(gauge.clone()));
    s.transport("feed", "websocket", text_caps());
    s.room("r", &["feed"]).await;
    let options = SourceOptions {
        max_concurrent_emits: limit,
        ..SourceOptions::default()
    };
    s.kit
        .attach_source("feed", ScriptedSource::new(0, 12), options)
        .await
        .unwrap();
    // A minute at most: a limit for "never", not a measure.
    for _ in 0..6_000 {
        if s.kit.source_health("feed").map(|h| h.status) == Some(SourceStatus::Stopped) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(s.kit.source_health("feed").unwrap().messages_received, 12);
    // The channel_attached record, then the messages.
    assert_eq!(s.kit.get_room("r").await.unwrap().event_count, 1 + 12);
    gauge.peak.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_emits_holds_back_a_fast_source() {
    assert_eq!(peak_concurrent_emits(Some(2)).await, 2);
    assert!(
        peak_concurrent_emits(None).await > 2,
        "without a limit more run at once"
    );
}

#[tokio::test]
async fn detach_stops_the_source_and_reports_it() {
    let s = setup();
    s.transport("feed", "websocket", text_caps());
    let mut detached = s.kit.on(Some(&[FrameworkEventType::SourceDetached]));
    struct Forever;
    #[async_trait]
    impl SourceProvider for Forever {
        fn name(&self) -> String {
            "forever".into()
        }
        async fn start(&self, emitter: Emitter) -> Result<(), String> {
            emitter.connected();
            std::future::pending::<()>().await;
            Ok(())
        }
        async fn stop(&self) {}
    }
    s.kit
        .attach_source("feed", Arc::new(Forever), SourceOptions::default())
        .await
        .unwrap();
    assert!(matches!(
        s.kit
            .attach_source("feed", Arc::new(Forever), SourceOptions::default())
            .await,
        Err(roomkit_kit::Error::SourceExists(_))
    ));
    let kit = s.kit.clone();
    eventually(|| kit.source_health("feed").map(|h| h.status) == Some(SourceStatus::Connected))
        .await;
    assert!(s.kit.detach_source("feed").await);
    assert!(!s.kit.detach_source("feed").await);
    assert_eq!(
        detached.recv().await.unwrap().data["source_name"],
        "forever"
    );
    assert!(s.kit.source_health("feed").is_none());
    assert!(matches!(
        s.kit
            .attach_source("nope", Arc::new(Forever), SourceOptions::default())
            .await,
        Err(roomkit_kit::Error::ChannelNotRegistered(_))
    ));
}
