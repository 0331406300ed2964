//! The harness: a temporary deployment made from `examples/support-desk` (its `roomkit.toml`
//! and plugin manifests, the plugins built by `roomkit-plugin-builds`), the real `roomkit`
//! binary serving it on a free port, an in-test webhook sink standing in for the customer-side
//! system, and HTTP and WebSocket clients.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use roomkit_api::testing::WsClient;
use serde_json::{Value, json};
use sha2::Sha256;

/// The API token of the example.
pub const TOKEN: &str = "dev-token";
/// The webhook provider's HMAC secret in the example.
pub const SECRET: &str = "change-me";
/// The header carrying `sha256=<hex>`, both ways.
pub const SIGNATURE_HEADER: &str = "x-roomkit-signature";
/// The plugins of the example.
pub const PLUGINS: [&str; 5] = [
    "echo-ai",
    "phone-identity",
    "pii-redactor",
    "profanity-filter",
    "webhook-provider",
];

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/support-desk")
}

/// `sha256=<lower-case hex of HMAC-SHA256(SECRET, body)>`, computed here, independently of
/// the product.
pub fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

// ---------------------------------------------------------------------------------------------
// The webhook sink

/// One POST the sink received.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a delivery is JSON")
    }

    /// The delivered event's text.
    pub fn text(&self) -> String {
        self.json()["content"]["body"]
            .as_str()
            .expect("a text delivery")
            .to_owned()
    }

    /// Whether the signature header is exactly the HMAC of the body under the secret.
    pub fn signed(&self) -> bool {
        self.headers.get(SIGNATURE_HEADER) == Some(&sign(&self.body))
    }
}

type Received = Arc<Mutex<Vec<Delivery>>>;

/// The customer-side system: records every POST and answers `{"id":"sink-N"}`.
#[derive(Debug)]
pub struct Sink {
    pub addr: SocketAddr,
    received: Received,
    task: tokio::task::JoinHandle<()>,
}

async fn receive(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> String {
    let headers = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut received = received.lock().unwrap();
    received.push(Delivery {
        headers,
        body: body.to_vec(),
    });
    json!({ "id": format!("sink-{}", received.len()) }).to_string()
}

impl Sink {
    /// The sink, over https with `tls` when given (HTTP/1.1).
    pub async fn start_on(tls: Option<tokio_rustls::TlsAcceptor>) -> Sink {
        let received = Received::default();
        let app = axum::Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(Arc::clone(&received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = match tls {
            None => tokio::spawn(async move {
                axum::serve(listener, app).await.unwrap();
            }),
            Some(acceptor) => tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let (acceptor, app) = (acceptor.clone(), app.clone());
                    tokio::spawn(async move {
                        let Ok(stream) = acceptor.accept(tcp).await else {
                            return; // the client refused the certificate
                        };
                        let service = hyper_util::service::TowerToHyperService::new(app);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    });
                }
            }),
        };
        Sink {
            addr,
            received,
            task,
        }
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (30 s at most: a limit for "never", not a measure) until `n` deliveries arrived;
    /// returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.deliveries();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "the sink got {} deliveries, expected {n}: {:?}",
                got.len(),
                got.iter()
                    .map(|d| String::from_utf8_lossy(&d.body).into_owned())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// The deployment and the binary

/// Compiled plugin code shared by every deployment (the host's cache is keyed by the wasm's
/// hash), so only the first start of a run compiles; it lives in the target directory so a
/// rerun compiles nothing.
pub fn shared_cache() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-plugin-cache");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

pub fn copy_dir_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_file() && !target.exists() {
            // Written under a temporary name and renamed, so a concurrent reader never sees
            // half a file.
            let partial = to.join(format!(
                ".{}.{}.partial",
                entry.file_name().to_string_lossy(),
                std::process::id()
            ));
            std::fs::copy(entry.path(), &partial).unwrap();
            std::fs::rename(&partial, &target).unwrap();
        }
    }
}

/// Serializes the first start, which fills the shared cache (the others copy it).
static WARM: tokio::sync::Mutex<bool> = tokio::sync::Mutex::const_new(false);

/// The running binary.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// Every line it printed on stdout so far.
    stdout: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `command` (a `roomkit serve …`) with its stderr in `stderr_path`, and waits for
    /// the line that gives its address (a limit of 3 minutes turns "never" into a failure: the
    /// first start of a run compiles the plugins on two shared cores).
    pub async fn spawn(mut command: Command, stderr_path: &Path) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr_path).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn({
            let lines = Arc::clone(&lines);
            move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let addr = line
                        .strip_prefix("roomkit listening on http://")
                        .map(|addr| addr.parse::<SocketAddr>().unwrap());
                    lines.lock().unwrap().push(line);
                    if let Some(addr) = addr {
                        let _ = tx.send(addr);
                    }
                }
            }
        });
        let addr = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(180)))
            .await
            .unwrap();
        let mut server = Server {
            child,
            addr: addr.unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0))),
            stdout: lines,
        };
        if addr.is_err() {
            let _ = server.child.kill();
            panic!(
                "roomkit did not start\nstdout:\n{}\nstderr:\n{}",
                server.stdout().join("\n"),
                std::fs::read_to_string(stderr_path).unwrap_or_default()
            );
        }
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// `kill -TERM PID`.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit (`timeout` at most).
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "roomkit did not exit within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A deployment of the support-desk example in a temporary directory, its sink and (while
/// running) its server.
#[derive(Debug)]
pub struct Deployment {
    pub dir: tempfile::TempDir,
    pub sink: Sink,
    server: Option<Server>,
    starts: usize,
    http: reqwest::Client,
}

impl Deployment {
    /// Makes the deployment and starts the binary.
    pub async fn start() -> Deployment {
        Self::start_on(None).await
    }

    /// The deployment with its sink behind https, its certificate issued by `ca`, which
    /// `roomkit.toml` trusts through `[tls] ca_files`.
    pub async fn start_with_https_sink(ca: &roomkit_tls::testing::TestCa) -> Deployment {
        Self::start_on(Some(ca)).await
    }

    async fn start_on(ca: Option<&roomkit_tls::testing::TestCa>) -> Deployment {
        let sink = Sink::start_on(ca.map(|ca| ca.acceptor())).await;
        let dir = tempfile::Builder::new()
            .prefix("roomkit-e2e-")
            .tempdir()
            .unwrap();
        let example = example_dir();
        let config = std::fs::read_to_string(example.join("roomkit.toml")).unwrap();
        let mut config = replace_line(&config, "data_dir = ", "data_dir = \"data\"");
        if let Some(ca) = ca {
            std::fs::write(dir.path().join("sink-ca.pem"), ca.ca_pem()).unwrap();
            config.push_str("\n[tls]\nca_files = [\"sink-ca.pem\"]\n");
        }
        let scheme = if ca.is_some() { "https" } else { "http" };
        std::fs::write(dir.path().join("roomkit.toml"), config).unwrap();
        let plugins = dir.path().join("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        for name in PLUGINS {
            let manifest = format!("{name}.toml");
            let mut text = std::fs::read_to_string(example.join("plugins").join(&manifest))
                .unwrap_or_else(|err| panic!("the example's {manifest}: {err}"));
            if name == "webhook-provider" {
                let addr = sink.addr;
                text = replace_line(
                    &text,
                    "allowed_hosts = ",
                    &format!("allowed_hosts = [\"{scheme}://{addr}\"]"),
                );
                text = replace_line(
                    &text,
                    "url = ",
                    &format!("url = \"{scheme}://{addr}/roomkit\""),
                );
            }
            std::fs::write(plugins.join(&manifest), text).unwrap();
            std::fs::copy(
                roomkit_plugin_builds::component(name),
                plugins.join(format!("{name}.wasm")),
            )
            .unwrap();
        }
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut deployment = Deployment {
            dir,
            sink,
            server: None,
            starts: 0,
            http,
        };
        deployment.restart().await;
        deployment
    }

    pub fn plugin_dir(&self) -> PathBuf {
        self.dir.path().join("plugins")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Takes the server out (to stop it by hand).
    pub fn take_server(&mut self) -> Server {
        self.server.take().expect("the server runs")
    }

    /// Starts the binary on this deployment (again), on a new free port.
    pub async fn restart(&mut self) {
        assert!(self.server.is_none(), "the server already runs");
        // The first start of the run fills the shared cache; the others wait for it, then go
        // in parallel.
        let mut first = Some(WARM.lock().await);
        if first.as_deref() == Some(&true) {
            first = None;
        }
        copy_dir_files(shared_cache(), &self.data_dir().join("plugin-cache"));
        self.starts += 1;
        let stderr_path = self.dir.path().join(format!("stderr-{}.log", self.starts));
        let mut command = Command::new(env!("CARGO_BIN_EXE_roomkit"));
        command
            .args(["serve", "--config"])
            .arg(self.dir.path().join("roomkit.toml"))
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn");
        let server = Server::spawn(command, &stderr_path).await;
        let loaded: Vec<String> = PLUGINS
            .iter()
            .map(|name| {
                let kind = match *name {
                    "echo-ai" => "ai-provider",
                    "phone-identity" => "identity-resolver",
                    "webhook-provider" => "provider",
                    _ => "hook",
                };
                format!("plugin {name} ({kind}) loaded")
            })
            .chain([format!("roomkit listening on http://{}", server.addr)])
            .collect();
        assert_eq!(server.stdout(), loaded);
        if let Some(mut warm) = first {
            copy_dir_files(&self.data_dir().join("plugin-cache"), shared_cache());
            *warm = true;
        }
        self.server = Some(server);
    }

    /// Stops the server with SIGTERM and checks it exits cleanly and says so.
    pub async fn stop(&mut self) {
        let mut server = self.take_server();
        server.sigterm();
        let status = server.wait_exit(Duration::from_secs(60)).await;
        assert_eq!(status.code(), Some(0), "stdout: {:?}", server.stdout());
        let stdout = server.stdout();
        assert_eq!(stdout.last().map(String::as_str), Some("roomkit stopped"));
    }

    fn addr(&self) -> SocketAddr {
        self.server.as_ref().expect("the server runs").addr
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    /// A request with the token, answered as (status, JSON or the text as a string).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// GET that must succeed; the JSON.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// A raw POST with these headers and no token unless given.
    pub async fn post_raw(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.post(self.url(path)).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request).await
    }

    /// A webhook of the `customers` channel, signed with the secret.
    pub async fn webhook(&self, payload: &Value) -> (StatusCode, Value) {
        self.signed_webhook(payload.to_string()).await
    }

    /// A webhook of the `customers` channel with any body (JSON or not), signed with the secret.
    pub async fn signed_webhook(&self, body: String) -> (StatusCode, Value) {
        let signature = sign(body.as_bytes());
        self.post_raw(
            // The full answer (deliveries and AI answers), not the acknowledgement at commit.
            "/v1/webhooks/customers?wait=delivery",
            &[(SIGNATURE_HEADER, &signature)],
            body,
        )
        .await
    }

    /// A signed webhook that must be accepted; its one result.
    pub async fn webhook_ok(&self, payload: &Value) -> Value {
        let (status, body) = self.webhook(payload).await;
        assert_eq!(status, StatusCode::OK, "webhook {payload}: {body}");
        let results = body["results"].as_array().expect("results");
        assert_eq!(results.len(), 1, "{body}");
        results[0].clone()
    }

    /// The room's timeline, blocked events included (up to 500).
    pub async fn timeline(&self, room: &str) -> Vec<Value> {
        let body = self
            .get_ok(&format!(
                "/v1/rooms/{room}/events?include_blocked=true&limit=500"
            ))
            .await;
        assert_eq!(body["has_more"], json!(false));
        body["events"].as_array().unwrap().clone()
    }

    /// The ids of every room.
    pub async fn room_ids(&self) -> Vec<String> {
        let body = self.get_ok("/v1/rooms?limit=1000").await;
        let mut ids: Vec<String> = body["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|room| room["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    }

    /// A WebSocket client, authenticated.
    pub async fn ws(&self) -> WsClient {
        WsClient::connect(&format!("ws://{}/v1/ws?token={TOKEN}", self.addr())).await
    }

    /// The stderr of the latest start (for failure messages).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("stderr-{}.log", self.starts)))
            .unwrap_or_default()
    }
}

async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// `text` with the line starting with `prefix` replaced by `line` (which must exist).
pub fn replace_line(text: &str, prefix: &str, line: &str) -> String {
    let mut found = false;
    let out: Vec<&str> = text
        .lines()
        .map(|l| {
            if l.starts_with(prefix) {
                found = true;
                line
            } else {
                l
            }
        })
        .collect();
    assert!(found, "no line starting with {prefix:?} in:\n{text}");
    out.join("\n") + "\n"
}

// ---------------------------------------------------------------------------------------------
// WebSocket

/// Polls `check` every 20 ms until it holds (`timeout` at most).
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "{what} within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `value` with every timestamp field (`created_at`, `updated_at`, `attached_at`,
/// `timestamp`, `last_activity_at`) removed, for exact comparisons.
pub fn untimed(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for key in [
                    "created_at",
                    "updated_at",
                    "attached_at",
                    "timestamp",
                    "last_activity_at",
                ] {
                    map.remove(key);
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}
