//! What a wasm provider costs per delivery, against a native HTTP client in the same run.
//!
//! Both post the same ~700-byte signed JSON to the same keep-alive HTTP server on loopback,
//! one request at a time:
//! - baseline: a native hyper client on one kept-alive connection, body and signature built
//!   beforehand (the floor of a delivery: the HTTP round trip itself);
//! - measured: `plugins/webhook-provider` through `WasmProvider::deliver` (a warm instance
//!   builds the body, signs it with HMAC-SHA256 and sends it over wasi:http through the host's
//!   keep-alive pool).
//!
//! Run: `cargo bench -p roomkit-plugins --bench provider_call` (`-- --quick` for a smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use roomkit_model::{ChannelBinding, Content, EventSource, RoomEvent};
use roomkit_plugins::{PluginEngine, WasmProvider};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[path = "../tests/support/build_fixture.rs"]
mod build_fixture;
mod support;
use support::{median, runtime};

/// Calls each caller makes before its clock starts (connection, warm instance, caches).
const WARM_UP: usize = 100;

/// A keep-alive HTTP/1.1 server answering every request `{"id":"sink-1"}`; counts requests.
async fn sink() -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            socket.set_nodelay(true).unwrap();
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let (head_end, length) = loop {
                        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&data[..at]).to_ascii_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                            break (at + 4, length);
                        }
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => data.extend_from_slice(&buf[..n]),
                        }
                    };
                    while data.len() < head_end + length {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => data.extend_from_slice(&buf[..n]),
                        }
                    }
                    data.drain(..head_end + length);
                    counter.fetch_add(1, Ordering::Relaxed);
                    let answer = "{\"id\":\"sink-1\"}";
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, requests)
}

fn event() -> RoomEvent {
    let mut source = EventSource::inbound("agents", "websocket");
    source.participant_id = Some("agent-1".into());
    let text = "Hello, this is agent Smith from the support desk. Your refund for order 12345 has been approved and will reach your account within three to five business days. Thanks for your patience today!!!";
    let mut event = RoomEvent::new("bench-1", source, Content::text(text));
    event.index = 41;
    event
}

/// One POST of `body` on the connection of `sender`, answered 200.
async fn post(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    port: u16,
    body: &Bytes,
) {
    sender.ready().await.unwrap();
    let request = http::Request::post("/roomkit")
        .header("host", format!("127.0.0.1:{port}"))
        .header("content-type", "application/json")
        .header(
            "x-roomkit-signature",
            "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        )
        .header("x-roomkit-event-id", "0a8f5c2e-6d1b-4c7e-9f3a-2b8d7e6f1a90")
        .header("idempotency-key", "0a8f5c2e-6d1b-4c7e-9f3a-2b8d7e6f1a90")
        .body(Full::new(body.clone()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    response.into_body().collect().await.unwrap();
}

/// Seconds per POST of `body` from a native hyper client on one kept-alive connection.
async fn native_post(port: u16, body: &Bytes, n: usize) -> f64 {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(wasmtime_wasi_http::io::TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(connection);
    for _ in 0..WARM_UP {
        post(&mut sender, port, body).await;
    }
    let start = Instant::now();
    for _ in 0..n {
        post(&mut sender, port, body).await;
    }
    start.elapsed().as_secs_f64() / n as f64
}

/// Posts per second from `callers` native clients, each on its own kept-alive connection. The
/// clock covers every caller's connection and warm-up too, so those posts count.
async fn native_rate(port: u16, body: &Bytes, callers: usize, per_caller: usize) -> f64 {
    let start = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let body = body.clone();
            tokio::spawn(async move { native_post(port, &body, per_caller).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (callers * (per_caller + WARM_UP)) as f64 / start.elapsed().as_secs_f64()
}

/// Deliveries per second from `callers` concurrent callers of the wasm provider (warm-ups
/// included, as for the native callers).
async fn wasm_rate(
    provider: &Arc<WasmProvider>,
    event: &RoomEvent,
    callers: usize,
    per_caller: usize,
) -> f64 {
    let start = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (provider, event) = (Arc::clone(provider), event.clone());
            tokio::spawn(async move { wasm_deliver(&provider, &event, per_caller).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (callers * (per_caller + WARM_UP)) as f64 / start.elapsed().as_secs_f64()
}

/// Seconds per `deliver` of the wasm webhook provider.
async fn wasm_deliver(provider: &WasmProvider, event: &RoomEvent, n: usize) -> f64 {
    let binding = ChannelBinding::new("bench-1", "customers", "webhook");
    for _ in 0..WARM_UP {
        provider.deliver(event, &binding, None).await.unwrap();
    }
    let start = Instant::now();
    for _ in 0..n {
        let result = provider.deliver(event, &binding, None).await.unwrap();
        assert_eq!(result.provider_message_id.as_deref(), Some("sink-1"));
    }
    start.elapsed().as_secs_f64() / n as f64
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (runs, n) = if quick { (1, 500) } else { (5, 5_000) };
    const CALLERS: usize = 64;
    let per_caller = n / 10;
    let wasm = build_fixture::component("webhook-provider");
    let runtime = runtime();
    runtime.block_on(async {
        let (port, requests) = sink().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("webhook.wasm");
        std::fs::copy(&wasm, &path).unwrap();
        std::fs::write(
            dir.path().join("webhook.toml"),
            format!(
                "kind = \"provider\"\nallowed_hosts = [\"http://127.0.0.1:{port}\"]\nwarm_instances = {CALLERS}\n[config]\n\
                 url = \"http://127.0.0.1:{port}/roomkit\"\nsecret = \"bench-secret\"\n"
            ),
        )
        .unwrap();
        let engine = PluginEngine::new().unwrap();
        let provider = Arc::new(WasmProvider::load(&engine, &path, None).unwrap());
        let event = event();
        let body = Bytes::from(vec![b'x'; 700]);

        let (mut native, mut plugin) = (Vec::new(), Vec::new());
        let (mut native_many, mut plugin_many) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            native.push(native_post(port, &body, n).await);
            plugin.push(wasm_deliver(&provider, &event, n).await);
            native_many.push(native_rate(port, &body, CALLERS, per_caller).await);
            plugin_many.push(wasm_rate(&provider, &event, CALLERS, per_caller).await);
        }
        let expected = (runs * 2 * (n + WARM_UP + CALLERS * (per_caller + WARM_UP))) as u64;
        assert_eq!(requests.load(Ordering::Relaxed), expected);
        let (native, plugin) = (median(native), median(plugin));
        let (native_many, plugin_many) = (median(native_many), median(plugin_many));
        println!("## Providers: a wasm webhook delivery against a native HTTP POST\n");
        println!(
            "Medians of {runs} runs: {n} sequential deliveries; {CALLERS} callers × {}.\n",
            per_caller + WARM_UP
        );
        println!("| measurement | per delivery or rate | ratio |");
        println!("|---|---|---|");
        println!(
            "| native hyper POST, 700-byte body, keep-alive (baseline) | {:.1} µs | 1.00 |",
            native * 1e6
        );
        println!(
            "| webhook-provider (wasm): body, HMAC-SHA256, POST over wasi:http | {:.1} µs | {:.2} |",
            plugin * 1e6,
            plugin / native
        );
        println!(
            "| native hyper POSTs, {CALLERS} concurrent callers (baseline) | {native_many:.0} /s | 1.00 |"
        );
        println!(
            "| webhook-provider (wasm), {CALLERS} concurrent callers | {plugin_many:.0} /s | {:.2} |",
            plugin_many / native_many
        );
    });
}
