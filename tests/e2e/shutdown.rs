//! SIGTERM during load: every message the host acknowledged (over HTTP or WebSocket) is in the
//! store after a restart, and every room's indexes have no gap.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Deployment, TOKEN};

const ROOMS: usize = 4;
const SENDERS: usize = 16;
const ROUNDS: usize = 3;

/// An acknowledged message: its room, id and index.
type Acked = Arc<Mutex<Vec<(String, String, u64)>>>;

/// Every event of a room, paged by index.
async fn all_events(d: &Deployment, room: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut query = "include_blocked=true&limit=500".to_owned();
    loop {
        let body = d.get_ok(&format!("/v1/rooms/{room}/events?{query}")).await;
        let page = body["events"].as_array().unwrap();
        events.extend(page.iter().cloned());
        if body["has_more"] != json!(true) {
            return events;
        }
        let last = page.last().unwrap()["index"].as_u64().unwrap();
        query = format!("include_blocked=true&limit=500&after={last}");
    }
}

/// One sender: posts messages until the host stops answering; records what was acknowledged
/// and returns the statuses other than 200 and 503 it saw.
async fn send_until_refused(base: String, sender: usize, acked: Acked) -> Vec<String> {
    let http = reqwest::Client::builder()
        .no_proxy()
        // A limit for a request that never ends, not a measure.
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut unexpected = Vec::new();
    for n in 0.. {
        let room = format!("load-{}", (sender + n) % ROOMS);
        let response = http
            .post(format!("{base}/v1/rooms/{room}/messages"))
            .bearer_auth(TOKEN)
            .json(&json!({
                "channel_id": "agents",
                "sender_id": format!("sender-{sender}"),
                "content": {"type": "text", "body": format!("s{sender} m{n}")},
            }))
            .send()
            .await;
        let Ok(response) = response else { break };
        let status = response.status();
        let Ok(body) = response.json::<Value>().await else {
            break;
        };
        match status {
            StatusCode::OK => {
                assert_eq!(body["blocked"], false, "{body}");
                assert_eq!(body["event"]["room_id"], room.as_str());
                acked.lock().unwrap().push((
                    room,
                    body["event"]["id"].as_str().unwrap().to_owned(),
                    body["event"]["index"].as_u64().unwrap(),
                ));
            }
            StatusCode::SERVICE_UNAVAILABLE => break,
            other => {
                unexpected.push(format!("{other}: {body}"));
                break;
            }
        }
    }
    unexpected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_survives_sigterm_under_load() {
    let mut d = Deployment::start().await;
    for i in 0..ROOMS {
        let room = format!("load-{i}");
        let (status, body) = d.post("/v1/rooms", json!({"id": room})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = d
            .post(
                &format!("/v1/rooms/{room}/bindings"),
                json!({"channel_id": "agents"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let acked = Acked::default();
    let mut sent_before = 0;
    for round in 0..ROUNDS {
        let base = d.url("");
        // An agent on the WebSocket sends too, and its acks count the same.
        let mut agent = d.ws().await;
        agent.join("load-0", "agents", "agent-ws").await;
        let ws_acks = Arc::clone(&acked);
        let ws_count = Arc::new(AtomicUsize::new(0));
        let ws_counted = Arc::clone(&ws_count);
        let ws_sender = tokio::spawn(async move {
            for n in 0.. {
                agent
                    .send(json!({"type": "message", "room_id": "load-0",
                                 "text": format!("ws r{round} m{n}"), "request_id": format!("w{n}")}))
                    .await;
                // Skip deliveries of the HTTP senders' messages until the ack.
                loop {
                    let Some(message) = agent.try_recv().await else {
                        return n;
                    };
                    if message["type"] == "ack" {
                        assert_eq!(message["request_id"], format!("w{n}"));
                        let event = &message["result"]["event"];
                        ws_acks.lock().unwrap().push((
                            "load-0".to_owned(),
                            event["id"].as_str().unwrap().to_owned(),
                            event["index"].as_u64().unwrap(),
                        ));
                        ws_counted.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    if message["type"] == "error" {
                        // Only the shutdown may refuse a message.
                        assert_eq!(message["code"], "shutting_down", "{message}");
                        return n;
                    }
                }
            }
            unreachable!()
        });
        let senders: Vec<_> = (0..SENDERS)
            .map(|sender| {
                tokio::spawn(send_until_refused(base.clone(), sender, Arc::clone(&acked)))
            })
            .collect();

        // SIGTERM once the load is well under way.
        crate::support::eventually(
            "acknowledged messages",
            Duration::from_secs(120),
            || async {
                acked.lock().unwrap().len() >= sent_before + 150
                    && ws_count.load(Ordering::SeqCst) >= 3
            },
        )
        .await;
        let mut server = d.take_server();
        server.sigterm();
        let status = server.wait_exit(Duration::from_secs(60)).await;
        let stdout = server.stdout();
        assert_eq!(
            status.code(),
            Some(0),
            "stdout: {stdout:?}\nstderr: {}",
            d.stderr()
        );
        assert_eq!(
            stdout[stdout.len() - 2..],
            [
                "roomkit shutting down: requests in flight finished",
                "roomkit stopped"
            ]
        );
        drop(server);
        for sender in senders {
            let unexpected = sender.await.unwrap();
            assert!(unexpected.is_empty(), "{unexpected:?}");
        }
        let ws_acked = ws_sender.await.unwrap();
        assert!(ws_acked >= 3, "the WebSocket agent got {ws_acked} acks");
        let acked_now = acked.lock().unwrap().clone();
        assert!(acked_now.len() > sent_before + 150);

        // Restart on the same data directory: everything acknowledged is there, once, at its
        // index, and no room has a gap.
        d.restart().await;
        let mut stored: HashMap<String, (String, u64)> = HashMap::new();
        let mut total = 0;
        for i in 0..ROOMS {
            let room = format!("load-{i}");
            let events = all_events(&d, &room).await;
            let indexes: Vec<u64> = events
                .iter()
                .map(|e| e["index"].as_u64().unwrap())
                .collect();
            let expected: Vec<u64> = (0..events.len() as u64).collect();
            assert_eq!(indexes, expected, "room {room} has a gap");
            let info = d.get_ok(&format!("/v1/rooms/{room}")).await;
            assert_eq!(info["event_count"], events.len(), "{info}");
            for event in &events {
                assert_eq!(event["status"], "delivered", "{event}");
                stored.insert(
                    event["id"].as_str().unwrap().to_owned(),
                    (room.clone(), event["index"].as_u64().unwrap()),
                );
            }
            total += events.len();
        }
        assert_eq!(stored.len(), total, "an event id appears twice");
        let mut per_room: BTreeMap<String, usize> = BTreeMap::new();
        for (room, id, index) in &acked_now {
            assert_eq!(
                stored.get(id),
                Some(&(room.clone(), *index)),
                "acknowledged event {id} ({room} #{index}) is not in the store after round {round}"
            );
            *per_room.entry(room.clone()).or_default() += 1;
        }
        // Unacknowledged messages may have been stored (answered as the connection closed),
        // but never more than one per sender in flight.
        assert!(total >= acked_now.len());
        assert!(
            total <= acked_now.len() + SENDERS + 1,
            "{total} stored, {} acknowledged",
            acked_now.len()
        );
        println!(
            "round {round}: {} acknowledged in all ({per_room:?}), {total} stored",
            acked_now.len()
        );
        sent_before = acked_now.len();
    }
    d.stop().await;
}

/// `GET /v1/plugins/burner` until the plugin is loaded and `check` holds for it.
async fn wait_for_burner(d: &Deployment, what: &str, check: impl Fn(&Value) -> bool) {
    crate::support::eventually(what, Duration::from_secs(60), || async {
        let (status, plugin) = d.get("/v1/plugins/burner").await;
        status == StatusCode::OK && plugin["status"] == "loaded" && check(&plugin)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_cancels_burning_plugin_calls_after_the_grace_and_the_host_exits_cleanly() {
    let mut d = Deployment::start().await;
    d.stop().await;
    // The burning calls may run for an hour (deadline, fuel and process timeout), so the host
    // can exit before the test gives up only by cancelling them after the grace.
    let config_path = d.dir.path().join("roomkit.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let config = config.replace(
        "max_chain_depth = 3",
        "max_chain_depth = 3\nshutdown_grace_ms = 1000\nprocess_timeout_ms = 3600000\n\
         max_timeout_ms = 3600000\nmax_fuel = 100000000000000",
    );
    std::fs::write(&config_path, config).unwrap();
    d.restart().await;
    // A room per burning call: the passes of one room run one after another.
    let rooms = ["burn", "burn-0", "burn-1", "burn-2", "burn-3"];
    for room in rooms {
        let (status, body) = d.post("/v1/rooms", json!({"id": room})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = d
            .post(
                &format!("/v1/rooms/{room}/bindings"),
                json!({"channel_id": "agents"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // A hook that computes for an hour on every message that does not say "pass".
    let plugins = d.plugin_dir();
    std::fs::write(
        plugins.join("burner.toml"),
        "timeout_ms = 3600000\nfuel = 100000000000000\n",
    )
    .unwrap();
    std::fs::copy(
        roomkit_plugin_builds::component("burn-hook"),
        plugins.join("burner.wasm"),
    )
    .unwrap();
    wait_for_burner(&d, "the burner loaded", |_| true).await;
    let message = |body: &str| {
        json!({
            "channel_id": "agents",
            "sender_id": "agent",
            "content": {"type": "text", "body": body},
        })
    };
    let (status, acked) = d.post("/v1/rooms/burn/messages", message("pass")).await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    let acked_id = acked["event"]["id"].as_str().unwrap().to_owned();

    let base = d.url("");
    let burning: Vec<_> = (0..4)
        .map(|n| {
            let base = base.clone();
            let body = message(&format!("burn {n}"));
            tokio::spawn(async move {
                let http = reqwest::Client::builder().no_proxy().build().unwrap();
                let answer = http
                    .post(format!("{base}/v1/rooms/burn-{n}/messages"))
                    .bearer_auth(TOKEN)
                    .json(&body)
                    .send()
                    .await;
                // Cut, or acknowledged after its hook call was cancelled (the hook fails open).
                let response = answer.ok().filter(|r| r.status() == StatusCode::OK)?;
                let body: Value = response.json().await.ok()?;
                body["event"]["id"].as_str().map(str::to_owned)
            })
        })
        .collect();
    wait_for_burner(&d, "four burning calls", |p| {
        p["stats"]["calls"].as_u64() >= Some(5)
    })
    .await;
    let mut server = d.take_server();
    server.sigterm();
    // The burning calls would run for an hour on their own; the limit only turns "never" into
    // a failure.
    let status = server.wait_exit(Duration::from_secs(300)).await;
    let stdout = server.stdout();
    assert_eq!(
        status.code(),
        Some(0),
        "stdout: {stdout:?}\nstderr: {}",
        d.stderr()
    );
    assert_eq!(
        stdout[stdout.len() - 2..],
        [
            "roomkit shutting down: requests in flight cancelled after the grace",
            "roomkit stopped"
        ]
    );
    drop(server);
    let mut acked_ids = vec![acked_id];
    for call in burning {
        acked_ids.extend(call.await.unwrap());
    }

    // Everything acknowledged is there after a restart (without the burner).
    std::fs::remove_file(plugins.join("burner.wasm")).unwrap();
    std::fs::remove_file(plugins.join("burner.toml")).unwrap();
    d.restart().await;
    let mut stored = Vec::new();
    for room in rooms {
        stored.extend(d.timeline(room).await);
    }
    for id in &acked_ids {
        assert!(
            stored.iter().any(|e| e["id"] == id.as_str()),
            "acknowledged event {id} is not stored: {stored:?}"
        );
    }
    d.stop().await;
}
