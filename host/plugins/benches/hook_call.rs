//! Plugin benchmarks (issue 4, acceptance 5), each against a baseline in the same run:
//! - the per-call cost of a wasm hook against a native hook doing the same check on a 200-byte
//!   text event (warm instances, and a fresh instance per call);
//! - host start-up with 20 plugins, cold cache against warm cache;
//! - hot-reload latency: new version written → new version serving.
//!
//! Run: `cargo bench -p roomkit-plugins --bench hook_call` (it builds plugins/ first).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use roomkit_kit::{
    AttachOptions, Hook, HookError, HookResult, HookTrigger, InboundMessage, RoomContext, RoomKit,
    RoomOptions,
};
use roomkit_model::{Content, EventSource, Room, RoomEvent};
use roomkit_plugins::{PluginDirectory, PluginEngine, WasmPlugin};
use roomkit_store::{ConversationStore, MemoryStore};

#[path = "../tests/support/build_fixture.rs"]
mod build_fixture;
mod support;
use build_fixture::build_test_hook;
use support::{median, runtime};

/// The native twin of test-hook's check: block when the text contains the word.
struct NativeCheck {
    word: String,
}

#[async_trait]
impl Hook for NativeCheck {
    async fn handle(
        &self,
        _: HookTrigger,
        event: &RoomEvent,
        _: &RoomContext,
    ) -> Result<HookResult, HookError> {
        Ok(match &event.content {
            Content::Text { body, .. } if body.contains(&self.word) => HookResult::block("word"),
            _ => HookResult::allow(),
        })
    }
}

async fn per_call(hook: &dyn Hook, event: &RoomEvent, ctx: &RoomContext, n: usize) -> f64 {
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
    start.elapsed().as_secs_f64() / n as f64
}

fn leb128(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The component with a custom section appended: the same code, a different file (so the cache
/// cannot share one compilation between the 20 plugins).
fn variant(wasm: &[u8], n: usize) -> Vec<u8> {
    let name = format!("roomkit-bench-{n}");
    let mut body = Vec::new();
    leb128(name.len(), &mut body);
    body.extend_from_slice(name.as_bytes());
    let mut out = wasm.to_vec();
    out.push(0);
    leb128(body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

fn start_up(dir: &Path, cache: &Path) -> (f64, u64) {
    let start = Instant::now();
    let engine = PluginEngine::new().unwrap().with_cache(cache).unwrap();
    for n in 0..20 {
        WasmPlugin::load(&engine, &dir.join(format!("p{n}.wasm")), None).unwrap();
    }
    (start.elapsed().as_secs_f64(), engine.compilations())
}

async fn reload_latency(wasm: &Path, engine: &PluginEngine, rounds: u32) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    let write = |version: u32| {
        std::fs::write(
            dir.path().join("gate.toml"),
            format!("[config]\ncount_calls = \"off\"\nblock_word = \"v{version}\"\n"),
        )
        .unwrap();
        std::fs::copy(wasm, dir.path().join("gate.wasm")).unwrap();
    };
    write(0);
    let store: Arc<dyn ConversationStore> = Arc::new(MemoryStore::new());
    let kit = RoomKit::new(Arc::clone(&store));
    let sink: Arc<dyn roomkit_kit::Provider> = Arc::new(Null);
    kit.register_channel(Arc::new(roomkit_kit::TransportChannel::new(
        "sms",
        "sms",
        Default::default(),
        sink,
    )))
    .unwrap();
    kit.create_room(RoomOptions {
        id: Some("r".into()),
        ..RoomOptions::default()
    })
    .await
    .unwrap();
    kit.attach_channel("r", "sms", AttachOptions::default())
        .await
        .unwrap();
    let directory = Arc::new(PluginDirectory::new(
        dir.path(),
        engine.clone(),
        kit.clone(),
        None,
    ));
    directory.load_all();
    let watcher = directory.watch(Duration::from_millis(100));
    let mut latencies = Vec::new();
    for version in 1..=rounds {
        write(version);
        let start = Instant::now();
        loop {
            let probe = InboundMessage::text("sms", "+1", format!("probe v{version}")).in_room("r");
            if kit.process_inbound(probe).await.unwrap().blocked {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(start.elapsed().as_secs_f64());
    }
    watcher.abort();
    latencies
}

struct Null;

#[async_trait]
impl roomkit_kit::Provider for Null {
    fn name(&self) -> &str {
        "null"
    }
    async fn send(
        &self,
        _: &RoomEvent,
        _: &roomkit_model::ChannelBinding,
    ) -> Result<roomkit_kit::ProviderResult, roomkit_kit::DeliveryError> {
        Ok(Default::default())
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (runs, n) = if quick { (1, 2_000) } else { (5, 20_000) };
    let wasm: PathBuf = build_test_hook();
    let bytes = std::fs::read(&wasm).unwrap();
    let runtime = runtime();
    runtime.block_on(async {
        // Per-call cost.
        let engine = PluginEngine::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (name, extra) in [("warm", ""), ("fresh", "instance = \"fresh\"\n")] {
            std::fs::copy(&wasm, dir.path().join(format!("{name}.wasm"))).unwrap();
            std::fs::write(dir.path().join(format!("{name}.toml")), format!("{extra}[config]\ncount_calls = \"off\"\nblock_word = \"darn\"\n")).unwrap();
        }
        let warm = WasmPlugin::load(&engine, &dir.path().join("warm.wasm"), None).unwrap();
        let fresh = WasmPlugin::load(&engine, &dir.path().join("fresh.wasm"), None).unwrap();
        let native = NativeCheck { word: "darn".into() };
        let store: Arc<dyn ConversationStore> = Arc::new(MemoryStore::new());
        let room = store.create_room(Room::with_id("r")).await.unwrap();
        let ctx = RoomContext::from_parts(room, vec![], vec![], vec![]);
        let text = "Hello, I am writing about my order placed last week; the parcel has not arrived and the tracking page shows no update since Monday. Could someone check it please?!";
        let text: String = text.chars().cycle().take(200).collect();
        let event = RoomEvent::new("r", EventSource::inbound("sms", "sms"), Content::text(text));
        let (mut native_t, mut warm_t, mut fresh_t) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            native_t.push(per_call(&native, &event, &ctx, n).await);
            warm_t.push(per_call(&warm, &event, &ctx, n).await);
            fresh_t.push(per_call(&fresh, &event, &ctx, n / 10).await);
        }
        let (native_m, warm_m, fresh_m) = (median(native_t), median(warm_t), median(fresh_t));

        // Start-up with 20 plugins.
        let plugins = tempfile::tempdir().unwrap();
        for i in 0..20 {
            std::fs::write(plugins.path().join(format!("p{i}.wasm")), variant(&bytes, i)).unwrap();
        }
        let (mut cold, mut warm_start, mut cold_compiles, mut warm_compiles) = (Vec::new(), Vec::new(), 0, 0);
        for _ in 0..runs.min(3) {
            let cache = tempfile::tempdir().unwrap();
            let (t, c) = start_up(plugins.path(), cache.path());
            cold.push(t);
            cold_compiles = c;
            let (t, c) = start_up(plugins.path(), cache.path());
            warm_start.push(t);
            warm_compiles = c;
        }

        // Hot reload.
        let reload = median(reload_latency(&wasm, &engine, if quick { 3 } else { 7 }).await);

        let us = |s: f64| s * 1e6;
        let ms = |s: f64| s * 1e3;
        println!("## Plugins (medians of {runs} runs)\n");
        println!("| measurement | value | ratio |");
        println!("|---|---|---|");
        println!("| native hook, 200-byte text check (baseline) | {:.2} µs per call | 1.0 |", us(native_m));
        println!("| wasm hook, warm instance, same check | {:.2} µs per call | {:.1} |", us(warm_m), warm_m / native_m);
        println!("| wasm hook, fresh instance per call | {:.2} µs per call | {:.1} |", us(fresh_m), fresh_m / native_m);
        println!("| start-up, 20 plugins, cold cache ({cold_compiles} compilations) | {:.0} ms | 1.00 |", ms(median(cold.clone())));
        println!("| start-up, 20 plugins, warm cache ({warm_compiles} compilations) | {:.1} ms | {:.3} |", ms(median(warm_start.clone())), median(warm_start) / median(cold));
        println!("| hot reload, file written → new version serving (100 ms watch) | {:.0} ms | |", ms(reload));
        println!("\ncomponent: {} KiB; pooling allocator: {}", bytes.len() / 1024, engine.pooling());
    });
}
