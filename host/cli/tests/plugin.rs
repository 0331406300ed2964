//! `roomkit plugin …` run as the real binary: scaffold, build and check a plugin of every kind
//! (one nested cargo build, shared by all its assertions), refuse broken components with the
//! file and the reason, and list a plugin directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use roomkit_kit::testing::{RecordingProvider, kit_with_sink};
use roomkit_kit::{InboundMessage, RoomKit};
use roomkit_model::{Content, EventStatus};
use roomkit_plugins::{PluginEngine, WasmPlugin, WasmProvider};

use common::{succeeded, text};

/// Runs `roomkit ARGS` in `dir`, with a clean environment for the nested cargo.
fn roomkit(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roomkit"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET");
    // The scaffolded crates share one target directory that outlives the test, so a rerun
    // compiles only what changed (the SDK and wit-bindgen once for all five kinds).
    command.env(
        "CARGO_TARGET_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffolded-plugins"),
    );
    // Offline: the crates.io dependencies come from cargo's cache.
    command.env("CARGO_NET_OFFLINE", "true");
    command.output().expect("the roomkit binary runs")
}

/// Asserts success and returns stdout.
fn ok(output: &Output) -> String {
    succeeded(output, "roomkit")
}

/// Asserts failure (exit code 1) and returns stderr.
fn fails(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stderr)
}

/// A kit with room `r`, a source channel `sms` and a recording `sink`, and `hook` loaded.
async fn kit_with(hook: &Path) -> (RoomKit, Arc<RecordingProvider>) {
    let (kit, store, sink) = kit_with_sink(|builder| builder).await;
    let engine = PluginEngine::new().unwrap();
    let plugin = Arc::new(WasmPlugin::load(&engine, hook, Some(store)).unwrap());
    plugin.register(&kit);
    (kit, sink)
}

const KINDS: [&str; 5] = [
    "hook",
    "identity-resolver",
    "inbound-router",
    "provider",
    "ai-provider",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scaffolded_plugin_of_every_kind_builds_checks_and_the_hook_blocks_as_its_template_says()
{
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    for kind in KINDS {
        let name = format!("my-{kind}");
        let created = ok(&roomkit(
            dir,
            &["plugin", "new", "--lang", "rust", &name, "--kind", kind],
        ));
        assert!(
            created.contains(&format!("created the Rust {kind} plugin {name}")),
            "{created}"
        );
        // The SDK comes with the plugin (tests/plugin_new.rs checks the copy).
        let cargo = std::fs::read_to_string(dir.join(&name).join("Cargo.toml")).unwrap();
        assert!(
            cargo.contains("roomkit-sdk = { path = \"vendor/roomkit-sdk\" }"),
            "{cargo}"
        );
        assert!(cargo.contains("[workspace]"), "{cargo}");
        assert!(
            dir.join(&name)
                .join("vendor/roomkit-sdk/Cargo.toml")
                .is_file()
        );
        let readme = std::fs::read_to_string(dir.join(&name).join("README.md")).unwrap();
        assert!(
            readme.contains("on the copy in `vendor/roomkit-sdk`"),
            "{readme}"
        );

        let built = ok(&roomkit(dir, &["plugin", "build", &name]));
        let wasm = dir.join(&name).join("dist").join(format!("{name}.wasm"));
        assert!(
            built.contains(&format!(
                "wrote {}",
                Path::new(&name)
                    .join("dist")
                    .join(format!("{name}.wasm"))
                    .display()
            )),
            "{built}"
        );
        assert!(
            dir.join(&name)
                .join("dist")
                .join(format!("{name}.toml"))
                .is_file()
        );

        let checked = ok(&roomkit(dir, &["plugin", "check", wasm.to_str().unwrap()]));
        assert!(
            checked.starts_with(&format!("ok: {}", wasm.display())),
            "{checked}"
        );
        assert!(
            checked.contains(&format!("  kind      {kind} (roomkit:plugin/{kind}@0.2.0)")),
            "{checked}"
        );
        let exports = match kind {
            "hook" => "handle",
            "identity-resolver" => "resolve",
            "inbound-router" => "route",
            "provider" => "deliver, verify-signature, parse-webhook",
            _ => "info, generate",
        };
        assert!(
            checked.contains(&format!("  exports   {exports}\n")),
            "{checked}"
        );
    }

    // The hook behaves as its template says: a listed word blocks, the rest passes unchanged.
    let hook = dir.join("my-hook/dist/my-hook.wasm");
    let (kit, sink) = kit_with(&hook).await;
    let say = |body: &'static str| {
        let kit = kit.clone();
        async move {
            kit.process_inbound(InboundMessage::text("sms", "+1", body).in_room("r"))
                .await
                .unwrap()
        }
    };
    let blocked = say("This is SPAM!").await;
    assert!(blocked.blocked);
    assert_eq!(blocked.reason.as_deref(), Some("blocked word"));
    assert_eq!(blocked.event.unwrap().status, EventStatus::Blocked);
    let allowed = say("spammy but fine").await;
    assert!(!allowed.blocked);
    assert_eq!(
        allowed.event.unwrap().content,
        Content::text("spammy but fine")
    );
    assert_eq!(sink.bodies(), vec!["spammy but fine"]);
}

/// Copies a first-party component into `dir` as `NAME.wasm`, with `manifest` as `NAME.toml`.
fn plugin(dir: &Path, name: &str, package: &str, manifest: Option<&str>) -> PathBuf {
    let wasm = dir.join(format!("{name}.wasm"));
    std::fs::copy(roomkit_plugin_builds::component(package), &wasm).unwrap();
    if let Some(manifest) = manifest {
        std::fs::write(dir.join(format!("{name}.toml")), manifest).unwrap();
    }
    wasm
}

#[test]
fn check_describes_a_good_component_and_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = plugin(
        dir.path(),
        "courier",
        "webhook-provider",
        Some(
            "kind = \"provider\"\nallowed_hosts = [\"crm.example.com\"]\ntimeout_ms = 6000\n[config]\nsecret = \"s\"\nurl = \"https://crm.example.com/in\"\n",
        ),
    );
    let out = ok(&roomkit(dir.path(), &["plugin", "check", "courier.wasm"]));
    let engine = PluginEngine::new().unwrap();
    let provider = WasmProvider::load(&engine, &wasm, None).unwrap();
    let version = &provider.info().version[..12];
    assert!(
        out.contains(&format!("  version   sha256 {version}\n")),
        "{out}"
    );
    for line in [
        "ok: courier.wasm",
        "  name      courier",
        "  kind      provider (roomkit:plugin/provider@0.2.0)",
        "  manifest  courier.toml",
        "  exports   deliver, verify-signature, parse-webhook",
        "  limits    6000 ms, fuel 100M, 64 MiB, reuse, fail open",
        "  http      allowed hosts: crm.example.com",
        "  config    secret, url",
    ] {
        assert!(out.lines().any(|l| l == line), "no line {line:?} in\n{out}");
    }
    assert!(out.contains("wasi:http@"), "it imports wasi:http:\n{out}");
}

#[test]
fn check_refuses_a_file_that_is_not_a_component() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.wasm"), "not wasm at all").unwrap();
    let err = fails(&roomkit(dir.path(), &["plugin", "check", "junk.wasm"]));
    assert!(
        err.contains("junk.wasm is not a plugin the host can load: not a WebAssembly file"),
        "{err}"
    );
    std::fs::write(dir.path().join("core.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let err = fails(&roomkit(dir.path(), &["plugin", "check", "core.wasm"]));
    assert!(
        err.contains("core.wasm is not a plugin the host can load: a core WebAssembly module, not a component"),
        "{err}"
    );
    let err = fails(&roomkit(dir.path(), &["plugin", "check", "missing.wasm"]));
    assert!(err.contains("reading missing.wasm"), "{err}");
}

#[test]
fn check_refuses_a_component_of_another_world_than_its_manifest_says() {
    let dir = tempfile::tempdir().unwrap();
    plugin(
        dir.path(),
        "filter",
        "profanity-filter",
        Some("kind = \"provider\"\n"),
    );
    let err = fails(&roomkit(dir.path(), &["plugin", "check", "filter.wasm"]));
    assert!(
        err.contains("filter.wasm is not a plugin the host can load"),
        "{err}"
    );
    assert!(
        err.contains(
            "plugin filter: filter.wasm cannot be loaded: is not a \
             roomkit:plugin/provider@0.2.0 component (manifest kind = \"provider\")"
        ),
        "{err}"
    );
    assert!(err.contains("it exports [handle]"), "{err}");
}

#[test]
fn check_refuses_a_manifest_with_an_unknown_key() {
    let dir = tempfile::tempdir().unwrap();
    plugin(
        dir.path(),
        "filter",
        "profanity-filter",
        Some("kind = \"hook\"\npriorty = 3\n"),
    );
    let err = fails(&roomkit(dir.path(), &["plugin", "check", "filter.wasm"]));
    assert!(
        err.contains("filter.wasm is not a plugin the host can load"),
        "{err}"
    );
    assert!(
        err.contains("plugin filter: manifest filter.toml: unknown field `priorty`"),
        "{err}"
    );
}

#[test]
fn check_refuses_a_memory_limit_the_component_cannot_start_under() {
    let dir = tempfile::tempdir().unwrap();
    plugin(
        dir.path(),
        "filter",
        "profanity-filter",
        Some("kind = \"hook\"\nmemory_mb = 1\n"),
    );
    let err = fails(&roomkit(dir.path(), &["plugin", "check", "filter.wasm"]));
    assert!(
        err.contains(
            "plugin filter: filter.wasm cannot be loaded: it cannot be instantiated under \
             memory_mb = 1: memory limit exceeded (1048576 bytes)"
        ),
        "{err}"
    );
}

#[test]
fn check_refuses_a_manifest_over_a_ceiling_unless_the_configuration_raises_it() {
    let dir = tempfile::tempdir().unwrap();
    plugin(
        dir.path(),
        "filter",
        "profanity-filter",
        Some("kind = \"hook\"\nfuel = 1000000000000000\n"),
    );
    let err = fails(&roomkit(dir.path(), &["plugin", "check", "filter.wasm"]));
    assert!(
        err.contains(
            "plugin filter: manifest filter.toml: fuel = 1000000000000000 is over the host's \
             ceiling max_fuel = 100000000000 ([limits] in roomkit.toml)"
        ),
        "{err}"
    );
    std::fs::write(
        dir.path().join("roomkit.toml"),
        "[limits]\nmax_fuel = 1000000000000000\n",
    )
    .unwrap();
    let out = ok(&roomkit(
        dir.path(),
        &["plugin", "check", "filter.wasm", "--config", "roomkit.toml"],
    ));
    assert!(
        out.lines()
            .any(|l| l == "  limits    1000 ms, fuel 1000000000M, 64 MiB, reuse, fail open"),
        "{out}"
    );
}

#[test]
fn list_shows_loaded_and_failed_plugins_and_compiles_nothing_the_second_time() {
    let work = tempfile::tempdir().unwrap();
    let plugins = work.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    plugin(
        &plugins,
        "profanity",
        "profanity-filter",
        Some("kind = \"hook\"\ntimeout_ms = 200\n[config]\nwords = \"darn\"\n"),
    );
    plugin(&plugins, "broken", "echo-ai", Some("kind = \"hook\"\n"));
    // Through a configuration file, whose paths are relative to it.
    std::fs::write(
        work.path().join("roomkit.toml"),
        "plugin_dir = \"plugins\"\ndata_dir = \"state\"\n",
    )
    .unwrap();
    let list = |args: &[&str]| ok(&roomkit(work.path(), args));
    let first = list(&["plugin", "list", "--config", "roomkit.toml"]);
    let lines: Vec<&str> = first.lines().collect();
    // The version column is the start of the SHA-256 the host computed for the file.
    let engine = PluginEngine::new().unwrap();
    let loaded = WasmPlugin::load(&engine, &plugins.join("profanity.wasm"), None).unwrap();
    let version = &loaded.info().version[..12];
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "KIND", "STATUS", "VERSION", "LIMITS"],
        "{first}"
    );
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["broken", "hook", "failed", "-", "-"],
        "{first}"
    );
    assert!(
        lines[3].starts_with("  broken: failed: plugin broken: ")
            && lines[3].contains("cannot be loaded: is not a roomkit:plugin/hook@0.2.0 component"),
        "{first}"
    );
    assert_eq!(
        lines[4].split_whitespace().collect::<Vec<_>>().join(" "),
        format!("profanity hook loaded {version} 200 ms, fuel 100M, 64 MiB, reuse, fail open"),
        "{first}"
    );
    assert_eq!(
        lines[5], "2 plugins: 1 loaded, 1 failed; 2 compiled now (cache: state/plugin-cache)",
        "{first}"
    );
    assert!(work.path().join("state/plugin-cache").is_dir());
    // The second listing compiles nothing: both components are in the cache (the broken one
    // compiled; it failed the world check after).
    let second = list(&["plugin", "list", "--config", "roomkit.toml"]);
    assert!(
        second.contains("2 plugins: 1 loaded, 1 failed; 0 compiled now"),
        "{second}"
    );
    // --dir names the directory directly, with the cache under --data-dir.
    let by_dir = list(&["plugin", "list", "--dir", "plugins", "--data-dir", "state"]);
    assert!(by_dir.contains("0 compiled now"), "{by_dir}");
}
