//! Store benchmarks: durable group commit against sled's raw insert rate, and the cost of
//! reading the latest 50 events as a room grows. Prints a Markdown table for BENCHMARKS.md.
//!
//! Run: `cargo bench -p roomkit-store --bench store` (add `-- --quick` for a smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use roomkit_model::{Content, EventSource, Room, RoomEvent};
use roomkit_store::{ConversationStore, Durability, EventQuery, SledConfig, SledStore, keys};

struct Settings {
    runs: usize,
    raw_inserts: usize,
    commits_per_level: usize,
    big_room: u64,
    reads: usize,
}

fn sample_event(room_id: &str, n: usize) -> RoomEvent {
    let mut source = EventSource::inbound("sms-main", "sms");
    source.participant_id = Some("customer-42".into());
    source.external_id = Some("+15550001234".into());
    RoomEvent::new(
        room_id,
        source,
        Content::text(format!(
            "Hello, I have a question about my order number {n}; it has not arrived yet."
        )),
    )
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// sled inserts per second into a fresh tree, no flushing: the ceiling for any commit.
fn raw_insert_rate(n: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path()).unwrap();
    let tree = db.open_tree("bench").unwrap();
    let value = serde_json::to_vec(&sample_event("room", 0)).unwrap();
    let start = Instant::now();
    for i in 0..n as u64 {
        tree.insert(keys::event("room", i), value.as_slice())
            .unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// sled inserts per second from `writers` concurrent tasks, each writing its own room's keys,
/// no flushing: the raw rate at the same concurrency as the commits.
async fn raw_insert_rate_concurrent(writers: usize, total: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path()).unwrap();
    let tree = db.open_tree("bench").unwrap();
    let value = Arc::new(serde_json::to_vec(&sample_event("room", 0)).unwrap());
    let per_writer = total / writers;
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let (tree, value) = (tree.clone(), Arc::clone(&value));
            tokio::spawn(async move {
                let room = format!("room-{w}");
                for i in 0..per_writer as u64 {
                    tree.insert(keys::event(&room, i), value.as_slice())
                        .unwrap();
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (per_writer * writers) as f64 / start.elapsed().as_secs_f64()
}

/// Durable commits per second with `writers` concurrent writers, each into its own room.
async fn commit_rate(writers: usize, total: usize, durability: Durability) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let config = SledConfig {
        durability,
        ..SledConfig::new(dir.path().join("db"))
    };
    let store = Arc::new(SledStore::open_with(config).unwrap());
    for w in 0..writers {
        store
            .create_room(Room::with_id(format!("room-{w}")))
            .await
            .unwrap();
    }
    let flushes_before = store.flush_count();
    let per_writer = total / writers;
    // Events are built before the clock starts: building them is the caller's work.
    let batches: Vec<Vec<RoomEvent>> = (0..writers)
        .map(|w| {
            let room = format!("room-{w}");
            (0..per_writer).map(|n| sample_event(&room, n)).collect()
        })
        .collect();
    let start = Instant::now();
    let tasks: Vec<_> = batches
        .into_iter()
        .map(|events| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for event in events {
                    store.commit_event(event).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let commits = (per_writer * writers) as f64;
    let flushes = (store.flush_count() - flushes_before) as f64;
    (commits / elapsed, commits / flushes.max(1.0))
}

/// Median time to read the latest 50 events of a room holding `size` events.
async fn latest_50_read(size: u64, reads: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let config = SledConfig {
        durability: Durability::Buffered, // filling the room is not what is measured
        ..SledConfig::new(dir.path().join("db"))
    };
    let store = SledStore::open_with(config).unwrap();
    store.create_room(Room::with_id("room")).await.unwrap();
    for n in 0..size {
        store
            .commit_event(sample_event("room", n as usize))
            .await
            .unwrap();
    }
    store.flush().await.unwrap();
    let query = EventQuery::latest(50);
    let mut samples = Vec::with_capacity(reads);
    for _ in 0..reads {
        let start = Instant::now();
        let events = store.list_events("room", &query).await.unwrap();
        samples.push(start.elapsed().as_secs_f64());
        assert_eq!(events.len(), 50);
        assert_eq!(events[0].index, size - 1);
    }
    Duration::from_secs_f64(median(samples))
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let settings = if quick {
        Settings {
            runs: 1,
            raw_inserts: 5_000,
            commits_per_level: 1_024,
            big_room: 10_000,
            reads: 50,
        }
    } else {
        Settings {
            runs: 5,
            raw_inserts: 50_000,
            commits_per_level: 12_800,
            big_room: 100_000,
            reads: 500,
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    println!("## Store: group commit and read cost\n");
    println!(
        "Medians of {} runs. Machine: {} cores.\n",
        settings.runs,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let raw = median(
        (0..settings.runs)
            .map(|_| raw_insert_rate(settings.raw_inserts))
            .collect(),
    );
    println!("| measurement | value | ratio to sled raw insert (no flush) |");
    println!("|---|---|---|");
    println!("| sled raw insert, no flush, 1 thread | {raw:.0} /s | 1.00 |");
    let raw_128 = median(
        (0..settings.runs)
            .map(|_| runtime.block_on(raw_insert_rate_concurrent(128, settings.commits_per_level)))
            .collect(),
    );
    println!(
        "| sled raw insert, no flush, 128 writers (tasks) | {raw_128:.0} /s | {:.2} |",
        raw_128 / raw
    );
    for writers in [1usize, 16, 128] {
        let total = if writers == 1 {
            settings.commits_per_level / 8
        } else {
            settings.commits_per_level
        };
        let runs: Vec<(f64, f64)> = (0..settings.runs)
            .map(|_| runtime.block_on(commit_rate(writers, total, Durability::Flush)))
            .collect();
        let rate = median(runs.iter().map(|r| r.0).collect());
        let per_flush = median(runs.iter().map(|r| r.1).collect());
        println!(
            "| durable commits, {writers} writers ({per_flush:.1} commits per flush) | {rate:.0} /s | {:.2} |",
            rate / raw
        );
    }

    for writers in [1usize, 128] {
        let rate = median(
            (0..settings.runs)
                .map(|_| {
                    runtime
                        .block_on(commit_rate(
                            writers,
                            settings.commits_per_level,
                            Durability::Buffered,
                        ))
                        .0
                })
                .collect(),
        );
        println!(
            "| buffered commits (no flush), {writers} writers | {rate:.0} /s | {:.2} |",
            rate / raw
        );
    }

    let small = runtime.block_on(latest_50_read(1_000, settings.reads));
    let big = runtime.block_on(latest_50_read(settings.big_room, settings.reads));
    println!();
    println!("| latest 50 events of a room | median read |");
    println!("|---|---|");
    println!(
        "| room of 1,000 events | {:.1} µs |",
        small.as_secs_f64() * 1e6
    );
    println!(
        "| room of {} events | {:.1} µs |",
        settings.big_room,
        big.as_secs_f64() * 1e6
    );
    println!(
        "| ratio big / small | {:.2} |",
        big.as_secs_f64() / small.as_secs_f64()
    );
}
