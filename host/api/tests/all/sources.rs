//! Event-driven sources over REST: an SSE stream's events and a WebSocket server's messages
//! become messages, sources reconnect (SSE resuming with `Last-Event-ID`), replays are stored
//! once, and bad specs are refused.

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use roomkit_tls::testing::TestCa;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::support::{config, eventually, start, start_with};

trait Socket: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Socket for T {}

/// The accepted connection, after a TLS handshake when `tls` is given (None: the client
/// refused our certificate).
async fn accept(tcp: TcpStream, tls: &Option<TlsAcceptor>) -> Option<Box<dyn Socket>> {
    match tls {
        None => Some(Box::new(tcp)),
        Some(acceptor) => match acceptor.accept(tcp).await {
            Ok(stream) => Some(Box::new(stream)),
            Err(_) => None,
        },
    }
}

/// An SSE server on 127.0.0.1: connection `n` gets `streams[n]` (the last one repeats) and is
/// closed after it unless it is the last; it records each request's `Last-Event-ID`.
async fn sse_server(streams: Vec<&'static str>) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    sse_server_on(streams, None).await
}

/// The SSE server, over https with `tls` when given.
async fn sse_server_on(
    streams: Vec<&'static str>,
    tls: Option<TlsAcceptor>,
) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}/events", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((tcp, _)) = listener.accept().await {
            let Some(mut socket) = accept(tcp, &tls).await else {
                continue;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(k) => request.extend_from_slice(&buf[..k]),
                }
            }
            let text = String::from_utf8_lossy(&request).to_lowercase();
            let last_id = text
                .lines()
                .find_map(|l| l.strip_prefix("last-event-id: "))
                .map(|v| v.trim().to_owned());
            record.lock().unwrap().push(last_id);
            let last = n + 1 >= streams.len();
            let body = streams[n.min(streams.len() - 1)];
            n += 1;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
            if last {
                // Keep the stream open for the rest of the test.
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    drop(socket);
                });
            }
        }
    });
    (url, seen)
}

const FIRST: &str = ": hello\n\n\
id: 1\ndata: {\"sender_id\":\"u1\",\"text\":\"first\",\"room_id\":\"feed\"}\n\n\
id: 2\nevent: ping\ndata: {}\n\n\
id: 3\ndata: not json\n\n\
id: 4\nevent: chat\ndata: {\"sender_id\":\"u2\",\"text\":\"fourth\",\"room_id\":\"feed\"}\n\n";
const SECOND: &str = "id: 4\nevent: chat\ndata: {\"sender_id\":\"u2\",\"text\":\"fourth\",\"room_id\":\"feed\"}\n\n\
id: 5\ndata: {\"sender_id\":\"u1\",\"text\":\"fifth\",\"room_id\":\"feed\",\"external_id\":\"m-5\"}\n\n";

fn bodies(timeline: &Value) -> Vec<String> {
    timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["content"]["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sse_stream_becomes_messages_and_resumes_after_its_last_event_id() {
    let server = start().await;
    let (url, seen) = sse_server(vec![FIRST, SECOND]).await;
    let (status, body) = server
        .post(
            "/v1/sources",
            json!({"channel_id": "sms", "type": "sse", "url": url, "restart_delay_ms": 50}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["channel_id"], "sms");
    assert_eq!(body["name"], format!("sse:{url}"));

    // The ping carried nothing, the bad event was skipped, and event 4, sent again after the
    // reconnect, was stored once.
    assert_eq!(
        await_bodies(&server, "feed", 3).await,
        ["first", "fourth", "fifth"]
    );
    assert_eq!(*seen.lock().unwrap(), [None, Some("4".to_owned())]);

    let (status, body) = server.get("/v1/sources/sms").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "connected");
    assert_eq!(
        body["messages_received"], 4,
        "first, fourth, fourth again, fifth"
    );
    assert_eq!(body["error"], Value::Null);
    let (status, list) = server.get("/v1/sources").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["sources"].as_array().unwrap().len(), 1);
    assert_eq!(list["sources"][0]["channel_id"], "sms");

    let (status, _) = server.delete("/v1/sources/sms").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = server.get("/v1/sources/sms").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": {"code": "source_not_found",
            "message": "channel \"sms\" has no source attached"}})
    );
    let (status, _) = server.delete("/v1/sources/sms").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = server.get("/v1/sources").await;
    assert_eq!(list, json!({"sources": []}));
}

/// A WebSocket server on 127.0.0.1: connection `n` gets `scripts[n]` (the last repeats) and is
/// closed after it unless it is the last.
async fn websocket_server(scripts: Vec<Vec<tokio_tungstenite::tungstenite::Message>>) -> String {
    websocket_server_on(scripts, None).await
}

/// The WebSocket server, over wss with `tls` when given.
async fn websocket_server_on(
    scripts: Vec<Vec<tokio_tungstenite::tungstenite::Message>>,
    tls: Option<TlsAcceptor>,
) -> String {
    use futures_util::SinkExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    let url = format!("{scheme}://{}/feed", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((tcp, _)) = listener.accept().await {
            let Some(stream) = accept(tcp, &tls).await else {
                continue;
            };
            let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                continue;
            };
            let last = n + 1 >= scripts.len();
            for message in scripts[n.min(scripts.len() - 1)].clone() {
                socket.send(message).await.unwrap();
            }
            n += 1;
            if last {
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    drop(socket);
                });
            } else {
                let _ = socket.close(None).await;
            }
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_source_turns_messages_into_events_and_reconnects() {
    use tokio_tungstenite::tungstenite::Message;
    let server = start().await;
    let say = |text: &str, id: &str| {
        Message::text(
            json!({"sender_id": "u1", "text": text, "room_id": "wsfeed", "external_id": id})
                .to_string(),
        )
    };
    let first = vec![
        say("one", "w-1"),
        Message::text("not json"),
        Message::binary(
            json!({"sender_id": "u2", "text": "two", "room_id": "wsfeed"})
                .to_string()
                .into_bytes(),
        ),
    ];
    // After the reconnect the server repeats w-1 (stored once) and sends three.
    let second = vec![say("one", "w-1"), say("three", "w-3")];
    let url = websocket_server(vec![first, second]).await;
    let (status, body) = server
        .post(
            "/v1/sources",
            json!({"channel_id": "sms", "type": "websocket", "url": url,
                   "restart_delay_ms": 50, "headers": {"Authorization": "Bearer t"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["name"], format!("websocket:{url}"));
    assert_eq!(
        await_bodies(&server, "wsfeed", 3).await,
        ["one", "two", "three"]
    );
    let (_, body) = server.get("/v1/sources/sms").await;
    assert_eq!(body["status"], "connected");
    assert_eq!(body["messages_received"], 4, "one, two, one again, three");
    let (status, _) = server.delete("/v1/sources/sms").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// Attaches a `source_type` source reading `url` to channel sms with `attempts` restart
/// attempts, waits until it gives up and returns its status.
async fn failed_source(
    server: &crate::support::Server,
    source_type: &str,
    url: &str,
    attempts: u32,
) -> Value {
    let spec = json!({"channel_id": "sms", "type": source_type, "url": url,
                      "max_restart_attempts": attempts, "restart_delay_ms": 10});
    assert_eq!(
        server.post("/v1/sources", spec).await.0,
        StatusCode::CREATED
    );
    eventually("the source to give up", || async {
        server.get("/v1/sources/sms").await.1["status"] == "error"
    })
    .await;
    server.get("/v1/sources/sms").await.1
}

#[tokio::test]
async fn a_source_whose_server_refuses_gives_up_after_its_attempts_with_the_reason() {
    let server = start().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let body = failed_source(&server, "sse", &url, 2).await;
    assert_eq!(
        body["error"],
        format!("{url}: status 503 Service Unavailable")
    );
    assert_eq!(body["messages_received"], 0);
}

#[tokio::test]
async fn bad_source_specs_are_refused_and_attach_nothing() {
    let server = start().await;
    let cases = [
        (
            json!({"channel_id": "nope", "type": "sse", "url": "http://127.0.0.1:9/e"}),
            StatusCode::NOT_FOUND,
            "channel_not_found",
        ),
        (
            json!({"channel_id": "sms", "type": "mqtt", "url": "http://127.0.0.1:9/e"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_source",
        ),
        (
            json!({"channel_id": "sms", "type": "sse", "url": "ftp://127.0.0.1/e"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_source",
        ),
        (
            json!({"channel_id": "sms", "type": "sse", "url": "http://x/e", "headers": {"bad header": "v"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_source",
        ),
        (
            json!({"channel_id": "sms", "type": "websocket", "url": "http://127.0.0.1/e"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_source",
        ),
        (
            json!({"channel_id": "sms", "type": "websocket", "url": "ws://x/e", "last_event_id": "4"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_source",
        ),
        (
            json!({"channel_id": "sms", "type": "sse", "url": "http://x/e", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
    ];
    for (spec, expected_status, code) in cases {
        let (status, body) = server.post("/v1/sources", spec.clone()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (expected_status, Some(code)),
            "{spec}: {body}"
        );
    }
    let (_, list) = server.get("/v1/sources").await;
    assert_eq!(list, json!({"sources": []}));

    // One source per channel.
    let spec = json!({"channel_id": "sms", "type": "sse", "url": "http://127.0.0.1:9/e"});
    assert_eq!(
        server.post("/v1/sources", spec.clone()).await.0,
        StatusCode::CREATED
    );
    let (status, body) = server.post("/v1/sources", spec).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "source_exists");
}

/// Attaches a `source_type` source reading `url` to channel sms, waits until `room` holds `n`
/// events and returns their bodies.
async fn read_source(
    server: &crate::support::Server,
    source_type: &str,
    url: &str,
    room: &str,
    n: u64,
) -> Vec<String> {
    let spec = json!({"channel_id": "sms", "type": source_type, "url": url});
    let (status, body) = server.post("/v1/sources", spec).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    await_bodies(server, room, n).await
}

/// Waits until `room` holds `n` events and returns their bodies.
/// Waits until the room holds `n` messages (besides its channel records); returns their bodies.
async fn await_bodies(server: &crate::support::Server, room: &str, n: u64) -> Vec<String> {
    eventually(&format!("{n} messages in {room}"), || async {
        server.kit.get_room(room).await.is_ok() && server.event_count(room).await == n
    })
    .await;
    let (_, mut timeline) = server
        .get(&format!("/v1/rooms/{room}/events?limit=20"))
        .await;
    if let Some(events) = timeline["events"].as_array_mut() {
        events.retain(|e| !crate::support::is_record_json(e));
    }
    bodies(&timeline)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_and_wss_sources_trust_the_configured_authority() {
    use tokio_tungstenite::tungstenite::Message;
    let ca = TestCa::new();
    let server = start_with(roomkit_api::ApiConfig {
        trusted_roots: ca.trusted_roots(),
        ..config()
    })
    .await;
    let (url, _) = sse_server_on(vec![FIRST], Some(ca.acceptor())).await;
    assert!(url.starts_with("https://"));
    assert_eq!(
        read_source(&server, "sse", &url, "feed", 2).await,
        ["first", "fourth"]
    );
    assert_eq!(
        server.delete("/v1/sources/sms").await.0,
        StatusCode::NO_CONTENT
    );

    let say = json!({"sender_id": "u1", "text": "secure", "room_id": "wssfeed"}).to_string();
    let url = websocket_server_on(vec![vec![Message::text(say)]], Some(ca.acceptor())).await;
    assert!(url.starts_with("wss://"));
    assert_eq!(
        read_source(&server, "websocket", &url, "wssfeed", 1).await,
        ["secure"]
    );
    let (_, body) = server.get("/v1/sources/sms").await;
    assert_eq!(body["status"], "connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_refuse_a_server_of_an_unknown_authority_and_say_why() {
    use tokio_tungstenite::tungstenite::Message;
    let ca = TestCa::new();
    // The default configuration trusts the webpki roots only.
    let server = start().await;
    let (sse_url, seen) = sse_server_on(vec![FIRST], Some(ca.acceptor())).await;
    let wss_url = websocket_server_on(vec![vec![Message::text("{}")]], Some(ca.acceptor())).await;
    for (source_type, url) in [("sse", sse_url), ("websocket", wss_url)] {
        let body = failed_source(&server, source_type, &url, 1).await;
        let error = body["error"].as_str().unwrap();
        assert!(error.starts_with(&format!("{url}: ")), "{error}");
        assert!(error.contains("UnknownIssuer"), "{source_type}: {error}");
        assert_eq!(body["messages_received"], 0);
        assert_eq!(
            server.delete("/v1/sources/sms").await.0,
            StatusCode::NO_CONTENT
        );
    }
    assert!(seen.lock().unwrap().is_empty(), "no request got through");
}
