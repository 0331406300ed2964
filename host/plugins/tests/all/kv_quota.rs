//! A plugin's key-value space under its quota: a flood stops at `[kv] max_keys` / `max_bytes`
//! with the quota named (`kv-set` returns the refusal as a value the plugin handles; the test
//! hook blocks with it), nothing past it is stored, the usage is shown and measured again when
//! the plugin is loaded again, and a manifest over the host's ceiling is refused.

use std::sync::Arc;

use roomkit_kit::InboundMessage;
use roomkit_plugins::{Ceilings, PluginEngine, WasmPlugin};
use roomkit_store::ConversationStore;

use crate::fixtures::{Host, PluginDir, host_with};

/// Sends "attack now" (the flood) and returns the reason the hook blocked it with: the
/// refused `kv-set`'s error, which the plugin got as a value (the call did not trap).
async fn flood(host: &Host) -> String {
    let outcome = host
        .kit
        .process_inbound(InboundMessage::text("sms", "+1", "attack now").in_room("r"))
        .await
        .unwrap();
    assert!(outcome.blocked, "the hook blocks with the refusal it got");
    assert_eq!(
        host.plugin.snapshot().failures,
        0,
        "a refused write is not a failed call"
    );
    outcome.reason.unwrap()
}

/// Keys and bytes (keys and values) the store holds for `plugin`.
async fn held(store: &Arc<dyn ConversationStore>, plugin: &str) -> (u64, u64) {
    let keys = store.kv_keys(plugin, "", usize::MAX).await.unwrap();
    let mut bytes = 0;
    for key in &keys {
        let value = store.kv_get(plugin, key).await.unwrap().unwrap();
        bytes += (key.len() + value.len()) as u64;
    }
    (keys.len() as u64, bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kv_flood_stops_at_the_key_quota_and_nothing_past_it_is_stored() {
    let host = host_with(
        "key-flooder",
        "[kv]\nmax_keys = 50\n[config]\nmode = \"kv-flood\"\ncount_calls = \"off\"\n",
    )
    .await;
    let error = flood(&host).await;
    assert!(
        error.starts_with("kv refused key 49: KvError::OverQuota(\"over the key-value quota: 51 keys would be over max_keys = 50 ([kv] of its manifest)"),
        "{error}"
    );
    let (keys, bytes) = held(&host.store, "key-flooder").await;
    assert_eq!(keys, 50, "flood-next and 49 flood keys");
    let stats = host.plugin.snapshot();
    assert_eq!((stats.kv_keys, stats.kv_bytes), (keys, bytes));
    // Loaded again, the space is measured from the store.
    let again = WasmPlugin::load(
        &crate::fixtures::engine(),
        &host.plugin_path(),
        Some(Arc::clone(&host.store)),
    )
    .unwrap();
    let stats = again.snapshot();
    assert_eq!((stats.kv_keys, stats.kv_bytes), (keys, bytes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kv_flood_stops_at_the_byte_quota() {
    let host = host_with(
        "byte-flooder",
        "[kv]\nmax_bytes = 10000\n[config]\nmode = \"kv-flood\"\ncount_calls = \"off\"\n",
    )
    .await;
    let error = flood(&host).await;
    assert!(
        error.contains("KvError::OverQuota(\"over the key-value quota: ")
            && error.contains(" bytes would be over max_bytes = 10000 ([kv] of its manifest)"),
        "{error}"
    );
    let (keys, bytes) = held(&host.store, "byte-flooder").await;
    assert!(bytes <= 10_000, "{bytes} bytes held");
    assert!(
        bytes > 10_000 - 1_100,
        "the flood filled the quota: {bytes} bytes in {keys} keys"
    );
    let stats = host.plugin.snapshot();
    assert_eq!((stats.kv_keys, stats.kv_bytes), (keys, bytes));
}

#[test]
fn a_kv_quota_over_the_hosts_ceiling_is_refused_at_load() {
    let dir = PluginDir::new();
    let path = dir.add("greedy", "[kv]\nmax_keys = 1000\n");
    let engine = PluginEngine::with_ceilings(Ceilings {
        max_kv_keys: 100,
        ..Ceilings::default()
    })
    .unwrap();
    let err = WasmPlugin::load(&engine, &path, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "[kv] max_keys = 1000 is over the host's ceiling max_kv_keys = 100 ([limits] in \
             roomkit.toml)"
        ),
        "{err}"
    );
}
