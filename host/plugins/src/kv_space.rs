//! A plugin's key-value space in the host's store, under its quota: at most `[kv] max_keys`
//! keys and `max_bytes` bytes (keys and values together), each value at most 64 KiB and each
//! key at most 1 KiB. The usage is measured from the store when the plugin is loaded and kept
//! up to date by every write; a write that would go over is refused with the quota named.
//! Concurrent calls of one plugin may overshoot by at most one value each.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use roomkit_store::ConversationStore;

use crate::manifest::KvQuota;

/// The largest value a plugin may keep under one key.
pub(crate) const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The longest key.
pub(crate) const MAX_KEY_BYTES: usize = 1024;

/// One plugin's key-value space.
pub(crate) struct KvSpace {
    plugin: String,
    store: Option<Arc<dyn ConversationStore>>,
    quota: KvQuota,
    keys: AtomicU64,
    bytes: AtomicU64,
}

/// Why a key-value operation failed: the space refused it (quota, sizes), or the store failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KvError {
    Refused(String),
    Store(String),
}

impl std::fmt::Display for KvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KvError::Refused(reason) | KvError::Store(reason) => f.write_str(reason),
        }
    }
}

/// A key-value operation's outcome.
pub(crate) type KvResult<T> = Result<T, KvError>;

fn store_error(e: impl std::fmt::Display) -> KvError {
    KvError::Store(e.to_string())
}

impl KvSpace {
    /// The space of `plugin` in `store`, its usage measured from what the store holds.
    pub(crate) async fn open(
        plugin: &str,
        store: Option<Arc<dyn ConversationStore>>,
        quota: KvQuota,
    ) -> KvResult<Self> {
        let (mut keys, mut bytes) = (0u64, 0u64);
        if let Some(store) = &store {
            let names = store
                .kv_keys(plugin, "", usize::MAX)
                .await
                .map_err(|e| store_error(format!("measuring its key-value space: {e}")))?;
            for key in names {
                let value = store
                    .kv_get(plugin, &key)
                    .await
                    .map_err(|e| store_error(format!("measuring its key-value space: {e}")))?;
                if let Some(value) = value {
                    keys += 1;
                    bytes += (key.len() + value.len()) as u64;
                }
            }
        }
        Ok(KvSpace {
            plugin: plugin.to_owned(),
            store,
            quota,
            keys: AtomicU64::new(keys),
            bytes: AtomicU64::new(bytes),
        })
    }

    /// Keys and bytes held now.
    pub(crate) fn usage(&self) -> (u64, u64) {
        (
            self.keys.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }

    fn store(&self) -> KvResult<&Arc<dyn ConversationStore>> {
        self.store
            .as_ref()
            .ok_or_else(|| store_error("this host has no store for plugin key-value data"))
    }

    pub(crate) async fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>> {
        self.store()?
            .kv_get(&self.plugin, key)
            .await
            .map_err(store_error)
    }

    /// Sets `key`, unless that would take the space over its quota.
    pub(crate) async fn set(&self, key: &str, value: &[u8]) -> KvResult<()> {
        if value.len() > MAX_VALUE_BYTES {
            return Err(KvError::Refused(format!(
                "value of {} bytes is over the {MAX_VALUE_BYTES}-byte limit",
                value.len()
            )));
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(KvError::Refused(format!(
                "key of {} bytes is over the {MAX_KEY_BYTES}-byte limit",
                key.len()
            )));
        }
        let store = self.store()?;
        let old = store
            .kv_get(&self.plugin, key)
            .await
            .map_err(store_error)?
            .map(|old| (key.len() + old.len()) as u64);
        let new = (key.len() + value.len()) as u64;
        let (keys, bytes) = self.usage();
        let keys_after = keys + u64::from(old.is_none());
        let bytes_after = (bytes + new).saturating_sub(old.unwrap_or(0));
        let quota = &self.quota;
        if old.is_none() && keys_after > quota.max_keys {
            return Err(KvError::Refused(format!(
                "over the key-value quota: {keys_after} keys would be over max_keys = {} \
                 ([kv] of its manifest)",
                quota.max_keys
            )));
        }
        if bytes_after > quota.max_bytes && bytes_after > bytes {
            return Err(KvError::Refused(format!(
                "over the key-value quota: {bytes_after} bytes would be over max_bytes = {} \
                 ([kv] of its manifest)",
                quota.max_bytes
            )));
        }
        store
            .kv_set(&self.plugin, key, value)
            .await
            .map_err(store_error)?;
        if old.is_none() {
            self.keys.fetch_add(1, Ordering::Relaxed);
        }
        let freed = old.unwrap_or(0);
        let _ = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some((b + new).saturating_sub(freed))
            });
        Ok(())
    }

    pub(crate) async fn delete(&self, key: &str) -> KvResult<bool> {
        let store = self.store()?;
        let old = store.kv_get(&self.plugin, key).await.map_err(store_error)?;
        let existed = store
            .kv_delete(&self.plugin, key)
            .await
            .map_err(store_error)?;
        if existed && let Some(old) = old {
            let freed = (key.len() + old.len()) as u64;
            let _ = self
                .keys
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |k| {
                    Some(k.saturating_sub(1))
                });
            let _ = self
                .bytes
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                    Some(b.saturating_sub(freed))
                });
        }
        Ok(existed)
    }
}
