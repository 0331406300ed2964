//! Connections that never finish a request, and more connections than the host serves.

use std::time::Duration;

use roomkit_api::{ApiConfig, ConnectionLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{config, start_with};

/// A limit that only turns "never" into a failure.
const NEVER: Duration = Duration::from_secs(60);

fn with_limits(limits: ConnectionLimits) -> ApiConfig {
    ApiConfig {
        connections: limits,
        ..config()
    }
}

/// Reads until the server closes the connection; returns what it sent.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(NEVER, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return got,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the host kept a half-sent request open"),
        }
    }
}

/// How many connections this process may open (the soft limit raised to the hard one), less
/// a margin for the server's side of each and everything else.
fn affordable_connections(wanted: usize) -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024) as usize;
    wanted.min(limit.saturating_sub(256) / 2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_and_short_bodies_are_closed_by_the_host() {
    let server = start_with(with_limits(ConnectionLimits {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        ..ConnectionLimits::default()
    }))
    .await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let n = affordable_connections(1000);
    assert!(n >= 100, "only {n} connections affordable");
    let mut half = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        half.push(stream);
    }
    // A body shorter than its Content-Length.
    let mut short = TcpStream::connect(&addr).await.unwrap();
    short
        .write_all(
            format!(
                "POST /v1/inbound HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
                 Content-Length: 100\r\n\r\n{{\"channel_id\"",
                crate::support::TOKEN
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // An idle keep-alive connection after a complete request.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();

    let mut closed = 0;
    for stream in &mut half {
        until_closed(stream).await;
        closed += 1;
    }
    assert_eq!(
        closed, n,
        "every half-open connection was closed by the host"
    );
    let answer = String::from_utf8_lossy(&until_closed(&mut short).await).into_owned();
    if !answer.is_empty() {
        assert!(answer.contains("\"error\""), "{answer}");
    }
    let answer = String::from_utf8_lossy(&until_closed(&mut idle).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The host still serves.
    let (status, _) = server.get("/healthz").await;
    assert_eq!(status, reqwest::StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_metrics_answer_while_the_connection_cap_is_reached() {
    const CAP: usize = 20;
    let server = start_with(with_limits(ConnectionLimits {
        max_connections: CAP,
        reserved_connections: 2,
        ..ConnectionLimits::default()
    }))
    .await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    // CAP keep-alive connections, each answered once, so the host holds them all.
    let mut held = Vec::new();
    for _ in 0..CAP {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = tokio::time::timeout(NEVER, stream.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    let fresh = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    };
    let health = fresh()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    let metrics = fresh()
        .get(format!("{}/metrics", server.base))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), reqwest::StatusCode::OK);
    let rooms = fresh()
        .get(format!("{}/v1/rooms", server.base))
        .bearer_auth(crate::support::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(rooms.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = rooms.json().await.unwrap();
    assert_eq!(body["error"]["code"], "overloaded");
    // Once connections close, the host serves everything again.
    drop(held);
    let mut served = false;
    for _ in 0..3_000 {
        let answer = fresh()
            .get(format!("{}/v1/rooms", server.base))
            .bearer_auth(crate::support::TOKEN)
            .send()
            .await
            .unwrap();
        if answer.status() == reqwest::StatusCode::OK {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "the host serves again after the connections closed");
}
