//! Outbound HTTP through wasi:http: allowed hosts answer, any other host is refused before a
//! connection is made, and the plugin only sees an error code.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use roomkit_kit::{InboundMessage, RoomKit};
use roomkit_plugins::PluginEngine;
use roomkit_tls::testing::TestCa;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::fixtures::{PluginDir, engine, kit_with_sink};

/// A one-route HTTP server on 127.0.0.1 that counts the connections it accepted and closes
/// each after one answer.
async fn server() -> (u16, Arc<AtomicU64>) {
    serve(Reuse::Close).await
}

/// What the test server does with a connection after an answer.
#[derive(Clone, Copy, PartialEq)]
enum Reuse {
    /// Says `connection: close` and closes it.
    Close,
    /// Keeps it open for the next request.
    KeepAlive,
    /// Closes it without saying so, as a server whose keep-alive timeout ran out.
    Hangup,
    /// Answers only after 200 ms, then closes like `Close`: calls overlap.
    SlowClose,
}

async fn serve(reuse: Reuse) -> (u16, Arc<AtomicU64>) {
    serve_on(reuse, None).await
}

trait Socket: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Socket for T {}

/// The test server, speaking TLS with `tls` when given; `accepted` counts connections whose
/// handshake succeeded.
async fn serve_on(reuse: Reuse, tls: Option<TlsAcceptor>) -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            let tls = tls.clone();
            tokio::spawn(async move {
                let mut socket: Box<dyn Socket> = match tls {
                    None => Box::new(tcp),
                    Some(acceptor) => match acceptor.accept(tcp).await {
                        Ok(stream) => Box::new(stream),
                        Err(_) => return, // the client refused our certificate
                    },
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                loop {
                    // Requests here have no body: each ends with its header section.
                    let end = loop {
                        if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    };
                    request.drain(..end);
                    let body = "hello from the test server";
                    if reuse == Reuse::SlowClose {
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    }
                    let close = if matches!(reuse, Reuse::Close | Reuse::SlowClose) {
                        "connection: close\r\n"
                    } else {
                        ""
                    };
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n{close}\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err()
                        || reuse != Reuse::KeepAlive
                    {
                        return;
                    }
                }
            });
        }
    });
    (port, accepted)
}

async fn fetch(kit: &RoomKit, url: &str) -> Option<String> {
    kit.process_inbound(InboundMessage::text("sms", "+1", format!("fetch {url}")).in_room("r"))
        .await
        .unwrap()
        .reason
}

async fn probe(manifest: String) -> (RoomKit, Arc<roomkit_plugins::WasmPlugin>, PluginDir) {
    probe_on(&engine(), manifest).await
}

async fn probe_on(
    engine: &PluginEngine,
    manifest: String,
) -> (RoomKit, Arc<roomkit_plugins::WasmPlugin>, PluginDir) {
    let dir = PluginDir::new();
    let path = dir.add_component("prober", "http-probe", &manifest);
    let (kit, store, _) = kit_with_sink().await;
    let plugin = Arc::new(roomkit_plugins::WasmPlugin::load(engine, &path, Some(store)).unwrap());
    plugin.register(&kit);
    (kit, plugin, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_host_answers_the_plugin() {
    let (port, accepted) = server().await;
    for allowed in [
        format!("http://127.0.0.1:{port}"),
        "http://127.0.0.1".to_owned(),
    ] {
        let (kit, plugin, _dir) = probe(format!("allowed_hosts = [\"{allowed}\"]\n")).await;
        let reason = fetch(&kit, &format!("http://127.0.0.1:{port}/ping")).await;
        assert_eq!(
            reason.as_deref(),
            Some("200 hello from the test server"),
            "{allowed}"
        );
        let stats = plugin.snapshot();
        assert_eq!((stats.http_requests, stats.http_denied), (1, 0));
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_host_is_refused_and_the_server_receives_nothing() {
    let (port, accepted) = server().await;
    // Not allowed at all, allowed only on another port, and allowed over https only.
    for manifest in [
        String::new(),
        format!(
            "allowed_hosts = [\"http://127.0.0.1:{}\", \"api.example.com\"]\n",
            port.wrapping_add(1)
        ),
        format!("allowed_hosts = [\"127.0.0.1:{port}\", \"https://127.0.0.1\"]\n"),
    ] {
        let (kit, plugin, _dir) = probe(manifest).await;
        let mut errors = kit.on(Some(&[roomkit_model::FrameworkEventType::HookError]));
        let reason = fetch(&kit, &format!("http://127.0.0.1:{port}/ping"))
            .await
            .unwrap();
        assert!(
            reason.starts_with("error: ") && reason.contains("HttpRequestDenied"),
            "{reason}"
        );
        let stats = plugin.snapshot();
        assert_eq!((stats.http_requests, stats.http_denied), (1 - 1, 1));
        assert_eq!(stats.failures, 0, "the plugin handled the error itself");
        assert!(errors.try_recv().is_err(), "no hook error: nothing crashed");
        // The plugin keeps working.
        let ok = kit
            .process_inbound(InboundMessage::text("sms", "+1", "plain").in_room("r"))
            .await
            .unwrap();
        assert!(!ok.blocked);
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_the_warm_instances_instantiate_and_only_the_warm_ones_are_kept() {
    let (port, _) = serve(Reuse::SlowClose).await;
    let (kit, plugin, _dir) = probe(format!(
        "allowed_hosts = [\"http://127.0.0.1:{port}\"]\nwarm_instances = 2\n"
    ))
    .await;
    let url = format!("http://127.0.0.1:{port}/ping");
    // Six calls at once (six rooms: one lock each), each holding its instance while it waits
    // 200 ms for the server.
    let wave = || {
        futures_util::future::join_all((0..6).map(|n| {
            kit.process_inbound(
                InboundMessage::text("sms", "+1", format!("fetch {url}")).in_room(format!("p{n}")),
            )
        }))
    };
    for outcome in wave().await {
        assert_eq!(
            outcome.unwrap().reason.as_deref(),
            Some("200 hello from the test server")
        );
    }
    let stats = plugin.snapshot();
    assert_eq!((stats.calls, stats.instantiations), (6, 6));
    assert_eq!(stats.warm_instances, 2, "only two stay warm");
    // The next wave reuses the two warm instances and instantiates four.
    for outcome in wave().await {
        assert!(outcome.is_ok());
    }
    let stats = plugin.snapshot();
    assert_eq!((stats.calls, stats.instantiations), (12, 10));
    assert_eq!(stats.warm_instances, 2);
}

/// `n` fetches from a keep-alive server (over TLS with `tls`) through `engine`: every one is
/// answered, and all share one connection.
async fn fetches_share_one_connection(engine: &PluginEngine, tls: Option<TlsAcceptor>, n: u64) {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let (port, accepted) = serve_on(Reuse::KeepAlive, tls).await;
    let (kit, plugin, _dir) = probe_on(
        engine,
        format!("allowed_hosts = [\"{scheme}://127.0.0.1:{port}\"]\n"),
    )
    .await;
    for _ in 0..n {
        let reason = fetch(&kit, &format!("{scheme}://127.0.0.1:{port}/ping")).await;
        assert_eq!(reason.as_deref(), Some("200 hello from the test server"));
    }
    assert_eq!(plugin.snapshot().http_requests, n);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one {scheme} connection for all {n}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_one_host_reuse_a_kept_alive_connection() {
    fetches_share_one_connection(&engine(), None, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_the_server_closed_is_replaced() {
    let (port, accepted) = serve(Reuse::Hangup).await;
    let (kit, _plugin, _dir) =
        probe(format!("allowed_hosts = [\"http://127.0.0.1:{port}\"]\n")).await;
    for _ in 0..3 {
        let reason = fetch(&kit, &format!("http://127.0.0.1:{port}/ping")).await;
        assert_eq!(reason.as_deref(), Some("200 hello from the test server"));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_server_of_a_trusted_authority_reuses_one_tls_connection() {
    let ca = TestCa::new();
    let engine = engine().with_trusted_roots(ca.trusted_roots());
    fetches_share_one_connection(&engine, Some(ca.acceptor()), 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_server_of_an_unknown_authority_fails_and_sends_nothing() {
    let ca = TestCa::new();
    let (port, accepted) = serve_on(Reuse::KeepAlive, Some(ca.acceptor())).await;
    // The shared engine trusts the webpki roots only; another engine trusts another authority.
    let other = engine().with_trusted_roots(TestCa::new().trusted_roots());
    for engine in [engine(), other] {
        let (kit, plugin, _dir) =
            probe_on(&engine, format!("allowed_hosts = [\"127.0.0.1:{port}\"]\n")).await;
        let reason = fetch(&kit, &format!("https://127.0.0.1:{port}/ping"))
            .await
            .unwrap();
        assert_eq!(reason, "error: ErrorCode::TlsCertificateError");
        assert_eq!(plugin.snapshot().http_requests, 1);
        assert_eq!(
            plugin.snapshot().failures,
            0,
            "the plugin handled the error"
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no request was sent");
}
