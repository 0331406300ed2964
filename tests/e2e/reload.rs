//! Hot reload through the running binary: a new word list in profanity-filter.toml blocks the
//! new word without a restart, and the plugin list and metrics show the reload. How soon is a
//! benchmark's question (BENCHMARKS.md), not a test's.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::Deployment;

fn reloads(metrics: &str) -> Vec<&str> {
    metrics
        .lines()
        .filter(|l| l.starts_with("roomkit_plugin_reloads_total{"))
        .collect()
}

#[tokio::test]
async fn a_rewritten_manifest_takes_effect_without_a_restart() {
    let d = Deployment::start().await;
    // "rats" is fine at first.
    let allowed = d
        .webhook_ok(&json!({"sender": "+15550001", "text": "rats, my parcel", "room": "desk"}))
        .await;
    assert_eq!(allowed["blocked"], false, "{allowed}");
    let before = d.get_ok("/v1/plugins/profanity-filter").await;
    assert_eq!(before["status"], "loaded");
    assert_eq!(before["stats"]["calls"], 1, "{before}");
    let version = before["version"].clone();

    // A new word list.
    let manifest = d.plugin_dir().join("profanity-filter.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let old_line = "words = \"darn, heck, son of a gun\"";
    assert!(text.contains(old_line), "{text}");
    std::fs::write(
        &manifest,
        text.replace(old_line, "words = \"darn, heck, son of a gun, rats\""),
    )
    .unwrap();
    let changed = Instant::now();

    // Poll until "rats" is blocked; every probe is a new room so the blocked ones pile up
    // nowhere else.
    let mut probes = 0;
    let blocked = loop {
        probes += 1;
        let result = d
            .webhook_ok(&json!({"sender": "+15550001", "text": "rats again",
                                "room": format!("probe-{probes}")}))
            .await;
        if result["blocked"] == true {
            break result;
        }
        // A limit for "never served", not a measure of reload speed (that is a benchmark's).
        assert!(
            changed.elapsed() < Duration::from_secs(60),
            "the new word list never served"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    println!("reloaded after {:?} ({probes} probes)", changed.elapsed());
    assert_eq!(blocked["reason"], "profanity");
    assert_eq!(blocked["event"]["blocked_by"], "profanity-filter");
    assert_eq!(blocked["event"]["status"], "blocked");
    // The old words still block.
    let darn = d
        .webhook_ok(&json!({"sender": "+15550001", "text": "darn", "room": "desk"}))
        .await;
    assert_eq!(darn["reason"], "profanity");

    // The plugin list shows the reloaded plugin: same component, counters of the new
    // instance (they start at zero after a reload: the blocking probe and "darn").
    let after = d.get_ok("/v1/plugins/profanity-filter").await;
    assert_eq!(after["status"], "loaded");
    assert_eq!(after["version"], version);
    assert_eq!(after["stats"]["calls"], 2, "{after}");
    assert_eq!(after["stats"]["failures"], 0);
    assert!(after.get("error").is_none(), "{after}");
    let (status, metrics) = d.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reloads(metrics.as_str().unwrap()),
        ["roomkit_plugin_reloads_total{plugin=\"profanity-filter\",outcome=\"reloaded\"} 1"]
    );
    // The other plugins were left alone.
    let plugins = d.get_ok("/v1/plugins").await;
    let names: Vec<(&str, &str)> = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("echo-ai", "loaded"),
            ("phone-identity", "loaded"),
            ("pii-redactor", "loaded"),
            ("profanity-filter", "loaded"),
            ("webhook-provider", "loaded"),
        ]
    );

    // A broken replacement is refused: the plugin stays loaded (the previous version
    // serves, with the reason of the refusal) and keeps blocking.
    std::fs::write(&manifest, "kind = \"hook\"\nno_such_key = 1\n").unwrap();
    crate::support::eventually(
        "the broken manifest is reported",
        Duration::from_secs(30),
        || async {
            let plugin = d.get_ok("/v1/plugins/profanity-filter").await;
            plugin["error"].is_string()
        },
    )
    .await;
    let plugin = d.get_ok("/v1/plugins/profanity-filter").await;
    assert_eq!(plugin["status"], "loaded", "{plugin}");
    assert_eq!(plugin["version"], version);
    assert!(
        plugin["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `no_such_key`"),
        "{plugin}"
    );
    let still = d
        .webhook_ok(&json!({"sender": "+15550001", "text": "rats", "room": "desk"}))
        .await;
    assert_eq!(still["reason"], "profanity");
    // (Framework-event counters trail a moment.)
    let expected = [
        "roomkit_plugin_reloads_total{plugin=\"profanity-filter\",outcome=\"failed\"} 1",
        "roomkit_plugin_reloads_total{plugin=\"profanity-filter\",outcome=\"reloaded\"} 1",
    ];
    crate::support::eventually(
        "the failed reload counted",
        Duration::from_secs(30),
        || async {
            let (_, metrics) = d.get("/metrics").await;
            reloads(metrics.as_str().unwrap()) == expected
        },
    )
    .await;
}
