//! JavaScript and Go plugins end to end, through the real binary: `roomkit plugin new --lang
//! js|go`, `plugin build` and `plugin check`, then `roomkit serve` loading them from its plugin
//! directory. Messages posted over HTTP are blocked or allowed by the JS and the Go hook; the Go
//! provider example (`sdk/go/examples/notify-provider`, `roomkit.Send` over wasi:http) POSTs
//! deliveries to a local server, and a copy of it whose `allowed_hosts` leaves that server out
//! fails with the host's refusal. Hot reload, each while the host runs: the Go hook rebuilt with
//! another block reason into its plugin directory, the JS hook's manifest replaced with another
//! blocked word, then the JS hook rebuilt with another block reason; the old version answers
//! until the new one serves (timings printed).
//!
//! The JS hook is built twice per run, once per version (componentize-js takes 6–80 s); the
//! first build is shared by every assertion. The toolchains are the SDKs' own
//! (`sdk/js/node_modules`, `sdk/go/.toolchain`); when one is missing its setup script runs
//! first, and says so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

use common::{succeeded, text};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `roomkit ARGS` in `dir` and asserts success; returns stdout.
fn roomkit(dir: &Path, args: &[&str]) -> String {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_roomkit"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the roomkit binary runs");
    succeeded(&output, &format!("roomkit {args:?}"))
}

/// Installs a language's toolchain with its setup script when it is missing, saying so.
fn ensure_toolchain(marker: &str, setup: &str) {
    let repo = repo();
    if repo.join(marker).exists() {
        return;
    }
    eprintln!("plugin_js_go: {marker} is missing: running {setup} (installs into the repository)");
    let status = Command::new("bash").arg(repo.join(setup)).status().unwrap();
    assert!(status.success(), "{setup} failed");
}

/// `plugin new`, then `plugin build` into `out`, then `plugin check`; returns the plugin's
/// source directory.
fn scaffold_build_check(work: &Path, lang: &str, name: &str, out: &Path) -> PathBuf {
    let created = roomkit(work, &["plugin", "new", "--lang", lang, name]);
    assert!(
        created.contains(&format!("plugin {name} in {name}")),
        "{created}"
    );
    let dir = work.join(name);
    let started = Instant::now();
    let built = roomkit(
        work,
        &["plugin", "build", name, "--out", out.to_str().unwrap()],
    );
    eprintln!(
        "plugin_js_go: built the {lang} hook in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let wasm = out.join(format!("{name}.wasm"));
    assert!(
        built.contains(&format!("wrote {}", wasm.display())),
        "{built}"
    );
    let checked = roomkit(work, &["plugin", "check", wasm.to_str().unwrap()]);
    assert!(
        checked.contains("kind      hook (roomkit:plugin/hook@0.2.0)"),
        "{checked}"
    );
    assert!(checked.contains("exports   handle"), "{checked}");
    dir
}

/// What the local HTTP server received: (headers, body) per request.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A server on 127.0.0.1 that takes `POST /notify` and answers 200 with `x-message-id: m-N`.
async fn notify_server() -> (SocketAddr, Received) {
    let received: Received = Arc::default();
    let seen = Arc::clone(&received);
    let app = Router::new().route(
        "/notify",
        post(move |headers: HeaderMap, body: Bytes| {
            let seen = Arc::clone(&seen);
            async move {
                let mut seen = seen.lock().unwrap();
                seen.push((headers, body));
                (
                    StatusCode::OK,
                    [("x-message-id", format!("m-{}", seen.len()))],
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, received)
}

/// A running `roomkit serve`, killed on drop.
struct Host {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Host {
    /// Starts `roomkit serve --config CONFIG --listen 127.0.0.1:0` and waits for its address.
    fn start(config: &Path) -> Host {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roomkit"))
            .args(["serve", "--config"])
            .arg(config)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("roomkit listening on ") {
                    let _ = tx.send(address.to_owned());
                }
            }
        });
        // The first start compiles the JS component (seconds; the cache makes later starts fast).
        let base = rx
            .recv_timeout(Duration::from_secs(180))
            .expect("roomkit serve prints its address");
        Host {
            child,
            base,
            http: reqwest::Client::new(),
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    /// Posts `body` from channel `in` into `room`; returns the pipeline's result.
    async fn say(&self, room: &str, body: &str) -> Value {
        let (status, result) = self
            .post(
                &format!("/v1/rooms/{room}/messages"),
                json!({"channel_id": "in", "sender_id": "+15550001",
                       "content": {"type": "text", "body": body}}),
            )
            .await;
        assert_eq!(status, 200, "{result}");
        result
    }

    /// Waits until every plugin of the directory is loaded; returns the listing.
    async fn loaded(&self, names: &[&str]) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let list = self.get("/v1/plugins").await;
            let plugins = list["plugins"].as_array().cloned().unwrap_or_default();
            let ready = names.iter().all(|name| {
                plugins
                    .iter()
                    .any(|p| p["name"] == *name && p["status"] == "loaded")
            });
            if ready {
                return list;
            }
            assert!(Instant::now() < deadline, "plugins not loaded: {list:#}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts the pipeline's result: blocked with `reason`, or allowed.
fn expect(result: &Value, blocked: Option<&str>) {
    match blocked {
        Some(reason) => {
            assert_eq!(result["blocked"], true, "{result:#}");
            assert_eq!(result["reason"], reason, "{result:#}");
        }
        None => {
            assert_eq!(result["blocked"], false, "{result:#}");
            assert_eq!(result["reason"], Value::Null, "{result:#}");
        }
    }
}

/// The pipeline's verdict: the block reason, or `None` when allowed.
fn verdict(result: &Value) -> Option<String> {
    if result["blocked"] == true {
        Some(
            result["reason"]
                .as_str()
                .expect("a block reason")
                .to_owned(),
        )
    } else {
        assert_eq!(result["blocked"], false, "{result:#}");
        assert_eq!(result["reason"], Value::Null, "{result:#}");
        None
    }
}

/// Posts `body` until the verdict is `new` (the watcher has swapped the new version in), every
/// answer before being `old` (the old version keeps serving while the new one compiles: never
/// an error, never a gap); returns how many answers the old version gave.
async fn until(host: &Host, room: &str, body: &str, old: Option<&str>, new: Option<&str>) -> usize {
    // Generous: a rebuilt JS component takes the host 15–30 s to compile on a busy 2-core box.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut old_answers = 0;
    loop {
        let result = host.say(room, body).await;
        let got = verdict(&result);
        if got.as_deref() == new {
            return old_answers;
        }
        assert_eq!(
            got.as_deref(),
            old,
            "{body:?} got neither the old nor the new verdict: {result:#}"
        );
        old_answers += 1;
        assert!(
            Instant::now() < deadline,
            "{body:?} never got {new:?}: {result:#}"
        );
        // Not faster: the host compiles on the same two cores.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How long ago `path` was written (a file placed by `plugin build` is renamed into place, so
/// its modification time is when its bytes were complete).
fn since_written(path: &Path) -> Duration {
    let written = std::fs::metadata(path).unwrap().modified().unwrap();
    std::time::SystemTime::now()
        .duration_since(written)
        .unwrap_or_default()
}

/// The loaded version (SHA-256 of the wasm) of plugin `name`.
async fn version(host: &Host, name: &str) -> String {
    let list = host.get("/v1/plugins").await;
    let plugin = list["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed: {list:#}"));
    assert_eq!(plugin["status"], "loaded", "{plugin:#}");
    plugin["version"].as_str().unwrap().to_owned()
}

/// Drops from the compiled cache every entry (`SHA256-ENGINE.cwasm`) but those of `keep`: the
/// versions loaded at the start stay (fast starts, fast manifest-only reloads), while the rebuilt
/// versions of the previous run go, so they are compiled in every run (the old version must
/// answer meanwhile) and the cache does not grow from run to run.
fn prune_cache(cache: &Path, keep: &[String]) {
    for entry in std::fs::read_dir(cache).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !keep
            .iter()
            .any(|version| name.starts_with(version.as_str()))
        {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_and_go_plugins_from_plugin_new_serve_the_pipeline_and_hot_reload() {
    ensure_toolchain(
        "sdk/js/node_modules/@bytecodealliance/componentize-js",
        "sdk/js/setup.sh",
    );
    ensure_toolchain(
        "sdk/go/.toolchain/bin/roomkit-go-componentize",
        "sdk/go/setup.sh",
    );
    let repo = repo();
    let tmp = tempfile::tempdir().unwrap();
    // The sources sit at the same path on every run: esbuild writes source paths into the
    // bundle, so the same sources make the same component, which the cache below then knows.
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-js-go-src");
    let _ = std::fs::remove_dir_all(&work);
    let plugins = tmp.path().join("plugins");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    // Compiled components outlive the run, so the JS component compiles once per version.
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-js-go-cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::os::unix::fs::symlink(&cache, data.join("plugin-cache")).unwrap();

    // Scaffold, build and check one hook per language, straight into the plugin directory.
    let js = scaffold_build_check(&work, "js", "js-guard", &plugins);
    let go = scaffold_build_check(&work, "go", "go-guard", &plugins);
    for (name, word) in [("js-guard", "jsword"), ("go-guard", "goword")] {
        let manifest = plugins.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&manifest).unwrap();
        let text = text.replace("word = \"forbidden\"", &format!("word = \"{word}\""));
        std::fs::write(&manifest, text).unwrap();
    }
    // The Go provider example, twice: allowed to reach the local server, and not.
    let (server, received) = notify_server().await;
    let example = repo.join("sdk/go/examples/notify-provider");
    roomkit(
        &work,
        &[
            "plugin",
            "build",
            example.to_str().unwrap(),
            "--out",
            plugins.to_str().unwrap(),
        ],
    );
    let url = format!("http://{server}/notify");
    std::fs::write(
        plugins.join("notify_provider.toml"),
        format!(
            "kind = \"provider\"\nallowed_hosts = [\"http://{server}\"]\ntimeout_ms = 5000\n\n\
             [config]\nurl = \"{url}\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        plugins.join("fenced_provider.toml"),
        format!(
            "kind = \"provider\"\nallowed_hosts = [\"api.example.com\"]\ntimeout_ms = 5000\n\n\
             [config]\nurl = \"{url}\"\n"
        ),
    )
    .unwrap();
    std::fs::copy(
        plugins.join("notify_provider.wasm"),
        plugins.join("fenced_provider.wasm"),
    )
    .unwrap();

    let config = tmp.path().join("roomkit.toml");
    std::fs::write(
        &config,
        r#"data_dir = "data"
plugin_dir = "plugins"

[[channels]]
id = "in"
type = "websocket"

[[channels]]
id = "out"
type = "webhook"
provider = "notify_provider"

[[channels]]
id = "fenced"
type = "webhook"
provider = "fenced_provider"
"#,
    )
    .unwrap();
    let started = Instant::now();
    let host = Host::start(&config);
    let list = host
        .loaded(&["js-guard", "go-guard", "notify_provider", "fenced_provider"])
        .await;
    eprintln!(
        "plugin_js_go: host up with 4 plugins in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(list["plugins"].as_array().unwrap().len(), 4, "{list:#}");
    let loaded: Vec<String> = list["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["version"].as_str().unwrap().to_owned())
        .collect();
    prune_cache(&cache, &loaded);

    for (room, out) in [("r", "out"), ("fenced-room", "fenced")] {
        let (status, body) = host.post("/v1/rooms", json!({"id": room})).await;
        assert_eq!(status, 201, "{body}");
        for binding in [
            json!({"channel_id": "in", "participant_id": "+15550001"}),
            json!({"channel_id": out, "participant_id": "+15550002"}),
        ] {
            let (status, body) = host
                .post(&format!("/v1/rooms/{room}/bindings"), binding)
                .await;
            assert_eq!(status, 201, "{body}");
        }
    }

    // Through the pipeline: each hook blocks its word, with its reason; the rest is delivered
    // by the Go provider to the local server.
    expect(
        &host.say("r", "this has jsword in it").await,
        Some("contains jsword"),
    );
    expect(
        &host.say("r", "this has goword in it").await,
        Some("contains goword"),
    );
    let allowed = host.say("r", "hello from the test").await;
    expect(&allowed, None);
    let delivery = &allowed["delivery_results"]["out"];
    assert_eq!(delivery["status"], "delivered", "{allowed:#}");
    assert_eq!(delivery["provider_message_id"], "m-1", "{allowed:#}");
    {
        let received = received.lock().unwrap();
        assert_eq!(
            received.len(),
            1,
            "one delivery, nothing for blocked messages"
        );
        let (headers, body) = &received[0];
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(
            headers["idempotency-key"],
            allowed["event"]["id"].as_str().unwrap()
        );
        let body: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            body,
            json!({"to": "+15550002", "event_id": allowed["event"]["id"],
                   "text": "hello from the test"})
        );
    }
    // The same provider without the server in allowed_hosts: refused by the host, no request.
    let fenced = host.say("fenced-room", "hello again").await;
    let delivery = &fenced["delivery_results"]["fenced"];
    assert_eq!(delivery["status"], "failed", "{fenced:#}");
    let error = delivery["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("POST {url}: request denied: host not allowed")),
        "{error}"
    );
    assert_eq!(
        received.lock().unwrap().len(),
        1,
        "the fenced copy sent nothing"
    );

    // Hot reload, Go: the source changes its block reason; the rebuild goes straight into the
    // running host's plugin directory (manifest first, each file renamed into place).
    let main_go = go.join("main.go");
    let source = std::fs::read_to_string(&main_go).unwrap();
    assert!(source.contains("\"contains \" + word"), "{source}");
    std::fs::write(
        &main_go,
        source.replace("\"contains \" + word", "\"go v2 blocks \" + word"),
    )
    .unwrap();
    std::fs::copy(plugins.join("go-guard.toml"), go.join("go-guard.toml")).unwrap();
    roomkit(
        &work,
        &[
            "plugin",
            "build",
            "go-guard",
            "--out",
            plugins.to_str().unwrap(),
        ],
    );
    let old = until(
        &host,
        "r",
        "goword again",
        Some("contains goword"),
        Some("go v2 blocks goword"),
    )
    .await;
    eprintln!(
        "plugin_js_go: the rebuilt Go hook served {:.2} s after its wasm was written \
         ({old} answers from the old version meanwhile)",
        since_written(&plugins.join("go-guard.wasm")).as_secs_f64()
    );
    expect(
        &host.say("r", "jsword still").await,
        Some("contains jsword"),
    );

    // Hot reload, JS: another blocked word in its manifest (the component is the same, so it
    // comes from the compiled cache rather than another 6-80 s build).
    let manifest = plugins.join("js-guard.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let tmp_manifest = plugins.join(".js-guard.toml.tmp");
    std::fs::write(&tmp_manifest, text.replace("\"jsword\"", "\"jsnew\"")).unwrap();
    std::fs::rename(&tmp_manifest, &manifest).unwrap();
    until(&host, "r", "now jsnew here", None, Some("contains jsnew")).await;
    eprintln!(
        "plugin_js_go: the JS hook with its new manifest served {:.2} s after the manifest was \
         written",
        since_written(&manifest).as_secs_f64()
    );
    expect(&host.say("r", "jsword is fine now").await, None);

    // Hot reload, JS rebuilt: the source changes its block reason; the new ~13 MB component
    // goes into the running host's plugin directory like the Go one. Compiling it takes the
    // host seconds (it is not in the cache, see prune_cache): meanwhile the old version serves.
    let plugin_ts = js.join("src/plugin.ts");
    let source = std::fs::read_to_string(&plugin_ts).unwrap();
    assert!(source.contains("`contains ${word}`"), "{source}");
    std::fs::write(
        &plugin_ts,
        source.replace("`contains ${word}`", "`js v2 blocks ${word}`"),
    )
    .unwrap();
    std::fs::copy(&manifest, js.join("js-guard.toml")).unwrap();
    let old_version = version(&host, "js-guard").await;
    let started = Instant::now();
    roomkit(
        &work,
        &[
            "plugin",
            "build",
            "js-guard",
            "--out",
            plugins.to_str().unwrap(),
        ],
    );
    eprintln!(
        "plugin_js_go: rebuilt the js hook in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let wasm = plugins.join("js-guard.wasm");
    // Right after the write: the old version answers, and is the one listed.
    expect(
        &host.say("r", "jsnew at once").await,
        Some("contains jsnew"),
    );
    assert_eq!(version(&host, "js-guard").await, old_version);
    let old = until(
        &host,
        "r",
        "jsnew again",
        Some("contains jsnew"),
        Some("js v2 blocks jsnew"),
    )
    .await;
    eprintln!(
        "plugin_js_go: the rebuilt JS hook served {:.2} s after its wasm was written \
         ({} answers from the old version meanwhile)",
        since_written(&wasm).as_secs_f64(),
        old + 1
    );
    assert_ne!(version(&host, "js-guard").await, old_version);
    // The new version keeps the manifest's word, and the Go hook its rebuilt reason.
    expect(&host.say("r", "jsword is still fine").await, None);
    expect(
        &host.say("r", "goword last").await,
        Some("go v2 blocks goword"),
    );

    let list = host.get("/v1/plugins").await;
    for p in list["plugins"].as_array().unwrap() {
        assert_eq!(p["status"], "loaded", "{p:#}");
    }
}

#[test]
fn go_plugins_of_every_kind_scaffold_build_and_check() {
    ensure_toolchain(
        "sdk/go/.toolchain/bin/roomkit-go-componentize",
        "sdk/go/setup.sh",
    );
    let tmp = tempfile::tempdir().unwrap();
    for kind in [
        "hook",
        "identity-resolver",
        "inbound-router",
        "provider",
        "ai-provider",
    ] {
        let name = format!("go-{kind}");
        let created = roomkit(
            tmp.path(),
            &["plugin", "new", "--lang", "go", "--kind", kind, &name],
        );
        let sdk = repo().join("sdk/go");
        assert!(
            created.contains(&format!("roomkit.example/sdk from {}", sdk.display())),
            "{created}"
        );
        let go_mod = std::fs::read_to_string(tmp.path().join(&name).join("go.mod")).unwrap();
        assert!(
            go_mod.contains(&format!(
                "replace roomkit.example/sdk => {}\n",
                sdk.display()
            )),
            "{go_mod}"
        );
        roomkit(tmp.path(), &["plugin", "build", &name]);
        let wasm = tmp
            .path()
            .join(&name)
            .join("dist")
            .join(format!("{name}.wasm"));
        let checked = roomkit(tmp.path(), &["plugin", "check", wasm.to_str().unwrap()]);
        assert!(
            checked.contains(&format!("kind      {kind} (roomkit:plugin/{kind}@0.2.0)")),
            "{checked}"
        );
    }
}

#[test]
fn plugin_new_refuses_an_existing_directory_for_every_language() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("taken")).unwrap();
    std::fs::write(tmp.path().join("taken/keep.txt"), "mine").unwrap();
    for lang in ["js", "go"] {
        let output = Command::new(env!("CARGO_BIN_EXE_roomkit"))
            .args(["plugin", "new", "--lang", lang, "taken"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(
            text(&output.stderr).contains("taken exists and is not empty"),
            "{}",
            text(&output.stderr)
        );
    }
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("taken/keep.txt")).unwrap(),
        "mine"
    );
}
