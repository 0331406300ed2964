//! Per-call cost of a wasm hook against a native hook doing the same work (read config, count
//! the call in the key-value store, check the text), both called directly, plus a fresh
//! instance per call and the first compile of the component.
//!
//! Run: `cargo bench -p roomkit-plugins --bench hook_call` (it builds plugins/ first).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use roomkit_kit::{Hook, HookError, HookResult, HookTrigger, RoomContext};
use roomkit_model::{Content, EventSource, Room, RoomEvent};
use roomkit_plugins::{PluginEngine, WasmPlugin};
use roomkit_store::{ConversationStore, MemoryStore};

#[path = "../tests/support/build_fixture.rs"]
mod build_fixture;
use build_fixture::build_test_hook;

/// The native twin of test-hook's default mode.
struct NativeKeywords {
    store: Arc<dyn ConversationStore>,
    word: String,
}

#[async_trait]
impl Hook for NativeKeywords {
    async fn handle(
        &self,
        _: HookTrigger,
        event: &RoomEvent,
        _: &RoomContext,
    ) -> Result<HookResult, HookError> {
        let count = self
            .store
            .kv_get("native", "calls")
            .await
            .ok()
            .flatten()
            .and_then(|v| String::from_utf8(v).ok())
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let _ = self
            .store
            .kv_set("native", "calls", count.to_string().as_bytes())
            .await;
        Ok(match &event.content {
            Content::Text { body, .. } if body.contains(&self.word) => HookResult::block("word"),
            _ => HookResult::allow(),
        })
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

async fn per_call(hook: &dyn Hook, event: &RoomEvent, ctx: &RoomContext, n: usize) -> Duration {
    for _ in 0..100 {
        hook.handle(HookTrigger::BeforeBroadcast, event, ctx)
            .await
            .unwrap();
    }
    let start = Instant::now();
    for _ in 0..n {
        hook.handle(HookTrigger::BeforeBroadcast, event, ctx)
            .await
            .unwrap();
    }
    start.elapsed() / n as u32
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (runs, n) = if quick { (1, 2_000) } else { (5, 20_000) };
    let wasm = build_test_hook();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store: Arc<dyn ConversationStore> = Arc::new(MemoryStore::new());
        let engine = PluginEngine::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let warm_path = dir.path().join("keywords.wasm");
        std::fs::copy(&wasm, &warm_path).unwrap();
        std::fs::write(
            dir.path().join("keywords.toml"),
            "[config]\nblock_word = \"darn\"\n",
        )
        .unwrap();
        let fresh_path = dir.path().join("fresh.wasm");
        std::fs::copy(&wasm, &fresh_path).unwrap();
        std::fs::write(
            dir.path().join("fresh.toml"),
            "instance = \"fresh\"\n[config]\nblock_word = \"darn\"\n",
        )
        .unwrap();

        let compile: Vec<f64> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                WasmPlugin::load(&engine, &warm_path, None).unwrap();
                start.elapsed().as_secs_f64()
            })
            .collect();
        let warm = WasmPlugin::load(&engine, &warm_path, Some(Arc::clone(&store))).unwrap();
        let fresh = WasmPlugin::load(&engine, &fresh_path, Some(Arc::clone(&store))).unwrap();
        let native = NativeKeywords {
            store: Arc::clone(&store),
            word: "darn".into(),
        };
        let room = store.create_room(Room::with_id("r")).await.unwrap();
        let ctx = RoomContext::from_parts(room, vec![], vec![], vec![]);
        let event = RoomEvent::new(
            "r",
            EventSource::inbound("sms", "sms"),
            Content::text("hello, a perfectly ordinary message"),
        );

        let mut native_t = Vec::new();
        let mut warm_t = Vec::new();
        let mut fresh_t = Vec::new();
        for _ in 0..runs {
            native_t.push(per_call(&native, &event, &ctx, n).await.as_secs_f64());
            warm_t.push(per_call(&warm, &event, &ctx, n).await.as_secs_f64());
            fresh_t.push(per_call(&fresh, &event, &ctx, n / 10).await.as_secs_f64());
        }
        let us = |s: f64| s * 1e6;
        let (native_m, warm_m, fresh_m) = (median(native_t), median(warm_t), median(fresh_t));
        println!("## Plugin call cost (medians of {runs} runs)\n");
        println!("| measurement | per call | ratio to native |");
        println!("|---|---|---|");
        println!("| native hook (baseline) | {:.2} µs | 1.00 |", us(native_m));
        println!(
            "| wasm hook, warm instance | {:.2} µs | {:.1} |",
            us(warm_m),
            warm_m / native_m
        );
        println!(
            "| wasm hook, fresh instance per call | {:.2} µs | {:.1} |",
            us(fresh_m),
            fresh_m / native_m
        );
        println!(
            "| compiling the component ({} KiB) | {:.1} ms | |",
            std::fs::metadata(&wasm).unwrap().len() / 1024,
            median(compile) * 1e3
        );
        println!("\npooling allocator: {}", engine.pooling());
    });
}
