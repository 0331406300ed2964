//! The plugin directory: every `*.wasm` in it (with its `NAME.toml`) is loaded and registered
//! with the kit; a watcher picks up added, replaced and removed files while the host runs.
//!
//! A new version is compiled and checked off the hot path and swapped in by name, so calls in
//! flight finish on the old version (they hold it) and the next ones get the new one. A broken
//! replacement is reported with `plugin_failed` and the old version keeps serving. A file is
//! taken only once it has stopped changing between two looks, so a half-written copy is not
//! loaded.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use roomkit_kit::{FrameworkEvent, RoomKit};
use roomkit_model::FrameworkEventType;
use roomkit_store::ConversationStore;
use tokio::task::JoinHandle;

use crate::{PluginEngine, WasmPlugin};

/// What identifies a version of a plugin on disk: size and modification time of the wasm and
/// of its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint(Vec<(u64, Option<SystemTime>)>);

fn stat(path: &Path) -> (u64, Option<SystemTime>) {
    match std::fs::metadata(path) {
        Ok(meta) => (meta.len(), meta.modified().ok()),
        Err(_) => (0, None),
    }
}

fn fingerprint(wasm: &Path) -> Fingerprint {
    Fingerprint(vec![stat(wasm), stat(&wasm.with_extension("toml"))])
}

struct Loaded {
    fingerprint: Fingerprint,
    plugin: Arc<WasmPlugin>,
    hooks: Vec<String>,
}

/// What one look at the directory changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    /// Plugins loaded for the first time.
    pub loaded: Vec<String>,
    /// Plugins replaced by a new version.
    pub reloaded: Vec<String>,
    /// Plugins that failed to load, with the reason (an old version keeps serving).
    pub failed: Vec<(String, String)>,
    /// Plugins whose files are gone.
    pub removed: Vec<String>,
}

/// A watched plugin directory feeding a kit.
pub struct PluginDirectory {
    dir: PathBuf,
    engine: PluginEngine,
    kit: RoomKit,
    store: Option<Arc<dyn ConversationStore>>,
    loaded: Mutex<HashMap<String, Loaded>>,
    /// name → (fingerprint seen last time, last fingerprint that failed)
    seen: Mutex<HashMap<String, (Fingerprint, Option<Fingerprint>)>>,
}

impl std::fmt::Debug for PluginDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginDirectory")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl PluginDirectory {
    /// A directory whose plugins will run in `kit`, with their key-value spaces in `store`.
    pub fn new(
        dir: impl Into<PathBuf>,
        engine: PluginEngine,
        kit: RoomKit,
        store: Option<Arc<dyn ConversationStore>>,
    ) -> Self {
        PluginDirectory {
            dir: dir.into(),
            engine,
            kit,
            store,
            loaded: Mutex::new(HashMap::new()),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// The loaded plugins, by name.
    pub fn plugins(&self) -> BTreeMap<String, Arc<WasmPlugin>> {
        self.lock_loaded()
            .iter()
            .map(|(name, l)| (name.clone(), Arc::clone(&l.plugin)))
            .collect()
    }

    fn lock_loaded(&self) -> std::sync::MutexGuard<'_, HashMap<String, Loaded>> {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wasm_files(&self) -> BTreeMap<String, PathBuf> {
        let mut files = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return files;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "wasm")
                && let Some(stem) = path.file_stem()
            {
                files.insert(stem.to_string_lossy().into_owned(), path);
            }
        }
        files
    }

    fn announce(&self, kind: FrameworkEventType, name: &str, error: Option<&str>) {
        let mut event = FrameworkEvent::new(kind).with("plugin", name.to_owned());
        if let Some(error) = error {
            event = event.with("error", error.to_owned());
        }
        self.kit.emit_framework_event(event);
    }

    /// Loads everything now, whether or not it is still changing (the first look at start-up).
    pub fn load_all(&self) -> ScanReport {
        self.scan_with(false)
    }

    /// One look at the directory: loads, reloads and unloads what changed and has settled.
    pub fn scan(&self) -> ScanReport {
        self.scan_with(true)
    }

    fn scan_with(&self, wait_until_settled: bool) -> ScanReport {
        let mut report = ScanReport::default();
        let files = self.wasm_files();
        let gone: Vec<String> = self
            .lock_loaded()
            .keys()
            .filter(|name| !files.contains_key(*name))
            .cloned()
            .collect();
        for name in gone {
            if let Some(old) = self.lock_loaded().remove(&name) {
                for hook in &old.hooks {
                    self.kit.remove_hook(hook);
                }
                report.removed.push(name.clone());
            }
        }
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|name, _| files.contains_key(name));
        for (name, path) in files {
            let now = fingerprint(&path);
            let current = self.lock_loaded().get(&name).map(|l| l.fingerprint.clone());
            if current.as_ref() == Some(&now) {
                continue;
            }
            {
                let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
                // A file seen for the first time has not settled yet (an empty fingerprint
                // never matches a real one).
                let entry = seen
                    .entry(name.clone())
                    .or_insert((Fingerprint(Vec::new()), None));
                let settled = entry.0 == now;
                entry.0 = now.clone();
                if (wait_until_settled && !settled) || entry.1.as_ref() == Some(&now) {
                    continue; // still being written, or this very version already failed
                }
            }
            match WasmPlugin::load(&self.engine, &path, self.store.clone()) {
                Ok(plugin) => {
                    let plugin = Arc::new(plugin);
                    let hooks = plugin.register(&self.kit);
                    let previous = self.lock_loaded().insert(
                        name.clone(),
                        Loaded {
                            fingerprint: now,
                            plugin,
                            hooks: hooks.clone(),
                        },
                    );
                    if let Some(previous) = previous {
                        // Triggers the new version no longer has.
                        for hook in previous.hooks.iter().filter(|h| !hooks.contains(h)) {
                            self.kit.remove_hook(hook);
                        }
                        self.announce(FrameworkEventType::PluginReloaded, &name, None);
                        report.reloaded.push(name);
                    } else {
                        self.announce(FrameworkEventType::PluginLoaded, &name, None);
                        report.loaded.push(name);
                    }
                }
                Err(err) => {
                    let reason = err.to_string();
                    tracing::warn!(plugin = %name, %reason, "plugin not loaded");
                    if let Some(entry) = self
                        .seen
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_mut(&name)
                    {
                        entry.1 = Some(now);
                    }
                    self.announce(FrameworkEventType::PluginFailed, &name, Some(&reason));
                    report.failed.push((name, reason));
                }
            }
        }
        report
    }

    /// Looks at the directory every `interval` until the handle is aborted. Compiling happens
    /// on the blocking pool, off the threads that run the pipeline.
    pub fn watch(self: &Arc<Self>, interval: Duration) -> JoinHandle<()> {
        let directory = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let scanner = Arc::clone(&directory);
                if let Err(err) = tokio::task::spawn_blocking(move || scanner.scan()).await {
                    tracing::error!(%err, "plugin directory scan failed");
                }
            }
        })
    }
}
