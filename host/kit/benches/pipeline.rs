//! The orchestrator's reference workload (issue 3): one room with a source channel and two
//! transport targets, three BEFORE_BROADCAST sync hooks doing a small string check and one
//! AFTER_BROADCAST async hook, on the durable sled store. Sequential, then 100 concurrent
//! senders over 100 rooms. The baseline is the store's own single-writer durable commit rate,
//! measured in the same run, in slices between the sequential messages.
//!
//! Both run with mimalloc, the allocator of the `roomkit` binary.
//!
//! Run: `cargo bench -p roomkit-kit --bench pipeline` (`-- --quick` for a smoke run;
//! `--features bench-system-allocator` for the system allocator).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use roomkit_kit::{
    DeliveryError, Hook, HookError, HookResult, HookSpec, HookTrigger, InboundMessage, Provider,
    ProviderResult, RoomContext, RoomKit, RoomOptions, TransportChannel,
};
use roomkit_model::{ChannelBinding, ChannelCapabilities, Content, EventSource, Room, RoomEvent};
use roomkit_store::{ConversationStore, SledStore};

// The allocator of the `roomkit` binary, so the pipeline runs as it does in the host
// (`--features bench-system-allocator` measures it with the system's).
#[cfg(not(feature = "bench-system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct CountingProvider(AtomicU64);

#[async_trait]
impl Provider for CountingProvider {
    fn name(&self) -> &str {
        "counting"
    }
    async fn send(
        &self,
        _: &RoomEvent,
        _: &ChannelBinding,
    ) -> Result<ProviderResult, DeliveryError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(ProviderResult::default())
    }
}

/// Blocks messages containing a word: the "small string check".
struct WordCheck(&'static str);

#[async_trait]
impl Hook for WordCheck {
    async fn handle(
        &self,
        _: HookTrigger,
        event: &RoomEvent,
        _: &RoomContext,
    ) -> Result<HookResult, HookError> {
        Ok(match &event.content {
            Content::Text { body, .. } if body.contains(self.0) => HookResult::block("word"),
            _ => HookResult::allow(),
        })
    }
}

struct Counter(AtomicU64);

#[async_trait]
impl Hook for Counter {
    async fn handle(
        &self,
        _: HookTrigger,
        _: &RoomEvent,
        _: &RoomContext,
    ) -> Result<HookResult, HookError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(HookResult::allow())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

async fn kit_on(dir: &std::path::Path) -> (RoomKit, Arc<CountingProvider>) {
    let store: Arc<dyn ConversationStore> = Arc::new(SledStore::open(dir.join("db")).unwrap());
    let kit = RoomKit::new(store);
    let provider = Arc::new(CountingProvider(AtomicU64::new(0)));
    for id in ["source", "target-a", "target-b"] {
        kit.register_channel(Arc::new(TransportChannel::new(
            id,
            "sms",
            ChannelCapabilities::default(),
            provider.clone(),
        )))
        .unwrap();
    }
    for (n, word) in ["viagra", "lottery", "bitcoin"].into_iter().enumerate() {
        kit.add_hook(
            HookSpec::new(format!("check-{n}"), HookTrigger::BeforeBroadcast).priority(n as i32),
            Arc::new(WordCheck(word)),
        );
    }
    kit.add_hook(
        HookSpec::new("after", HookTrigger::AfterBroadcast),
        Arc::new(Counter(AtomicU64::new(0))),
    );
    (kit, provider)
}

async fn room(kit: &RoomKit, id: &str) {
    kit.create_room(RoomOptions {
        id: Some(id.into()),
        ..RoomOptions::default()
    })
    .await
    .unwrap();
    for channel in ["source", "target-a", "target-b"] {
        kit.attach_channel(id, channel, Default::default())
            .await
            .unwrap();
    }
}

fn message(room: &str, n: usize) -> InboundMessage {
    InboundMessage::text(
        "source",
        "+15550001",
        format!("Hello, this is message {n} about my order"),
    )
    .in_room(room)
}

/// The baseline: single-writer durable commits straight into the store, one room.
struct Baseline {
    store: SledStore,
    _dir: tempfile::TempDir,
    next: usize,
    commits: usize,
    time: Duration,
}

impl Baseline {
    async fn open() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path().join("db")).unwrap();
        store.create_room(Room::with_id("r")).await.unwrap();
        Baseline {
            store,
            _dir: dir,
            next: 0,
            commits: 0,
            time: Duration::ZERO,
        }
    }

    /// Commits `n` more events, adding them and their time to the tally.
    async fn run(&mut self, n: usize) {
        let start = Instant::now();
        for _ in 0..n {
            let event = RoomEvent::new(
                "r",
                EventSource::inbound("source", "sms"),
                Content::text(format!(
                    "Hello, this is message {} about my order",
                    self.next
                )),
            );
            self.next += 1;
            self.store.commit_event(event).await.unwrap();
        }
        self.time += start.elapsed();
        self.commits += n;
    }

    fn rate(&self) -> f64 {
        self.commits as f64 / self.time.as_secs_f64()
    }
}

struct Sequential {
    rate: f64,
    baseline: f64,
    p50: Duration,
    p99: Duration,
    first_p50: Duration,
    last_p50: Duration,
}

/// `n` sequential messages into one room. The baseline runs in ten slices between tenths of
/// the messages, so both see the same disk: fsync latency on this shared machine drifts by
/// ±20% within a minute, which a baseline measured before or after would not share.
async fn sequential(n: usize) -> Sequential {
    let dir = tempfile::tempdir().unwrap();
    let (kit, provider) = kit_on(dir.path()).await;
    room(&kit, "bench").await;
    let mut baseline = Baseline::open().await;
    let tenth = n / 10;
    let mut latencies = Vec::with_capacity(n);
    let mut pipeline_time = Duration::ZERO;
    for slice in 0..10 {
        baseline.run(tenth / 4).await;
        let start = Instant::now();
        for i in slice * tenth..(slice + 1) * tenth {
            let t = Instant::now();
            let result = kit.process_inbound(message("bench", i)).await.unwrap();
            latencies.push(t.elapsed());
            assert!(!result.blocked);
        }
        pipeline_time += start.elapsed();
    }
    let rate = (10 * tenth) as f64 / pipeline_time.as_secs_f64();
    assert_eq!(provider.0.load(Ordering::Relaxed), 2 * 10 * tenth as u64);
    let mut first = latencies[..tenth].to_vec();
    let mut last = latencies[latencies.len() - tenth..].to_vec();
    first.sort();
    last.sort();
    latencies.sort();
    Sequential {
        rate,
        baseline: baseline.rate(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        first_p50: percentile(&first, 0.5),
        last_p50: percentile(&last, 0.5),
    }
}

async fn concurrent(senders: usize, per_sender: usize) -> (f64, Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let (kit, _provider) = kit_on(dir.path()).await;
    for r in 0..senders {
        room(&kit, &format!("room-{r}")).await;
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..senders)
        .map(|r| {
            let kit = kit.clone();
            tokio::spawn(async move {
                let room = format!("room-{r}");
                let mut latencies = Vec::with_capacity(per_sender);
                for i in 0..per_sender {
                    let t = Instant::now();
                    kit.process_inbound(message(&room, i)).await.unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let rate = (senders * per_sender) as f64 / start.elapsed().as_secs_f64();
    latencies.sort();
    (
        rate,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (runs, n, per_sender) = if quick {
        (1, 2_000, 20)
    } else {
        (5, 20_000, 200)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The sender runs as a task of the runtime, as the host's request handlers and sources do
    // (not on the `block_on` thread, whose spawns must wake a parked worker from outside).
    let seq: Vec<Sequential> = (0..runs)
        .map(|_| runtime.block_on(async { tokio::spawn(sequential(n)).await.unwrap() }))
        .collect();
    let conc: Vec<(f64, Duration, Duration)> = (0..runs)
        .map(|_| runtime.block_on(concurrent(100, per_sender)))
        .collect();
    let med = |f: &dyn Fn(&Sequential) -> f64| median(seq.iter().map(f).collect());
    let seq_rate = med(&|s| s.rate);
    let baseline = med(&|s| s.baseline);
    let ratio = med(&|s| s.rate / s.baseline);
    let secs = |d: Duration| d.as_secs_f64();
    let first = med(&|s| secs(s.first_p50));
    let last = med(&|s| secs(s.last_p50));
    let allocator = if cfg!(feature = "bench-system-allocator") {
        "system allocator"
    } else {
        "mimalloc, as the host binary"
    };
    println!("## Orchestrator: reference workload (durable sled, native hooks, {allocator})\n");
    println!(
        "Medians of {runs} runs; {n} sequential messages; 100 senders × {per_sender} messages over 100 rooms.\n"
    );
    println!("| measurement | value | ratio |");
    println!("|---|---|---|");
    println!("| store single-writer durable commits (baseline) | {baseline:.0} /s | 1.00 |");
    println!(
        "| sequential pipeline, 1 room | {seq_rate:.0} msgs/s | {ratio:.2} of baseline (median of the runs' ratios) |"
    );
    println!(
        "| sequential p50 / p99 | {} / {} | |",
        ms(Duration::from_secs_f64(med(&|s| secs(s.p50)))),
        ms(Duration::from_secs_f64(med(&|s| secs(s.p99))))
    );
    println!(
        "| sequential p50, first 10% / last 10% | {} / {} | last/first {:.2} |",
        ms(Duration::from_secs_f64(first)),
        ms(Duration::from_secs_f64(last)),
        last / first
    );
    let conc_rate = median(conc.iter().map(|c| c.0).collect());
    println!(
        "| 100 concurrent senders, 100 rooms | {conc_rate:.0} msgs/s | {:.2} of baseline |",
        conc_rate / baseline
    );
    println!(
        "| concurrent p50 / p99 | {} / {} | |",
        ms(Duration::from_secs_f64(median(
            conc.iter().map(|c| secs(c.1)).collect()
        ))),
        ms(Duration::from_secs_f64(median(
            conc.iter().map(|c| secs(c.2)).collect()
        )))
    );
}
