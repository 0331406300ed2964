//! The plugin directory: every `*.wasm` in it (with its `NAME.toml`) is loaded as the kind its
//! manifest names; hooks are registered with the kit, the other kinds are reached through
//! stable handles ([`PluginDirectory::provider`] and friends). A watcher picks up added,
//! replaced and removed files while the host runs.
//!
//! A new version is compiled and checked off the hot path and swapped in by name, so calls in
//! flight finish on the old version (they hold it) and the next ones get the new one. A broken
//! replacement is reported with `plugin_failed` and the old version keeps serving. A file is
//! taken only once it has stopped changing between two looks, so a half-written copy is not
//! loaded.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

use roomkit_kit::{FrameworkEvent, RoomKit};
use roomkit_model::FrameworkEventType;
use roomkit_store::ConversationStore;
use serde::Serialize;
use tokio::task::JoinHandle;

use crate::ai::AiProviderHandle;
use crate::engine::PluginEngine;
use crate::error::Result;
use crate::handle::{PluginHandle, Slot};
use crate::hook::WasmPlugin;
use crate::info::plugin_name;
use crate::kinds;
use crate::loaded::{LoadedPlugin, downcast};
use crate::manifest::{InstancePolicy, Manifest, PluginKind};
use crate::provider::ProviderHandle;
use crate::resolver::IdentityResolverHandle;
use crate::router::InboundRouterHandle;
use crate::stats::StatsSnapshot;

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

/// One loaded version of a plugin, of whichever kind.
struct Loaded {
    fingerprint: Fingerprint,
    plugin: Arc<dyn LoadedPlugin>,
    /// The names it is registered under in the kit (hooks; none while no kit is attached).
    hooks: Vec<String>,
}

/// Points `slot` at `plugin`, or at nothing.
fn set(slot: &Slot, plugin: Option<Arc<dyn LoadedPlugin>>) {
    *slot.write().unwrap_or_else(|p| p.into_inner()) = plugin;
}

/// Whether a plugin serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadStatus {
    /// A version is loaded and serving.
    Loaded,
    /// No version is loaded: its file failed.
    Failed,
    /// A version is loaded, but its circuit breaker suspends it after too many failures in
    /// a row: calls fail at once until the cool-down ends (or a new version is loaded).
    Suspended,
}

/// A plugin's limits, from its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginLimits {
    /// Wall-clock limit of one call.
    pub timeout_ms: u64,
    /// CPU budget of one call.
    pub fuel: u64,
    /// Memory limit of an instance.
    pub memory_mb: u64,
    /// Warm instances or fresh ones.
    pub instance: InstancePolicy,
    /// How many idle instances it keeps warm.
    pub warm_instances: usize,
    /// Hosts it may call over HTTP.
    pub allowed_hosts: Vec<String>,
    /// A failing hook call blocks the event.
    pub fail_closed: bool,
    /// Failures in a row that suspend it (0: never).
    pub breaker_threshold: u32,
    /// How long a suspension lasts.
    pub breaker_cooldown_ms: u64,
    /// Keys its key-value space may hold.
    pub kv_max_keys: u64,
    /// Bytes its key-value space may hold.
    pub kv_max_bytes: u64,
}

impl PluginLimits {
    fn of(manifest: &Manifest) -> Self {
        PluginLimits {
            timeout_ms: manifest.timeout_ms,
            fuel: manifest.fuel,
            memory_mb: manifest.memory_mb,
            instance: manifest.instance,
            warm_instances: manifest.warm_instances,
            allowed_hosts: manifest.allowed_hosts.clone(),
            fail_closed: manifest.fail_closed,
            breaker_threshold: manifest.breaker_threshold,
            breaker_cooldown_ms: manifest.breaker_cooldown_ms,
            kv_max_keys: manifest.kv.max_keys,
            kv_max_bytes: manifest.kv.max_bytes,
        }
    }
}

/// One plugin of the directory, as `GET /v1/plugins` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PluginStatus {
    /// Its name (the file stem).
    pub name: String,
    /// Its kind; none when its manifest could not be read.
    pub kind: Option<PluginKind>,
    /// Loaded or failed.
    pub status: LoadStatus,
    /// Why it failed; for a loaded plugin, why its latest replacement was refused (the
    /// loaded version keeps serving).
    pub error: Option<String>,
    /// The SHA-256 of the loaded wasm.
    pub version: Option<String>,
    /// The loaded version's limits.
    pub limits: Option<PluginLimits>,
    /// The loaded version's call counters.
    pub stats: Option<StatsSnapshot>,
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
    kit: OnceLock<RoomKit>,
    store: Option<Arc<dyn ConversationStore>>,
    loaded: Mutex<HashMap<String, Loaded>>,
    /// The slots behind the handles, by plugin name; a slot outlives its plugin, so a handle
    /// taken before a plugin is loaded, or kept across its removal, serves it when it comes
    /// back.
    slots: Mutex<HashMap<String, Slot>>,
    /// name → (kind when known, why its latest file failed)
    failures: Mutex<HashMap<String, (Option<PluginKind>, String)>>,
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
        let directory = Self::detached(dir, engine, store);
        let _ = directory.kit.set(kit);
        directory
    }

    /// A directory without a kit yet, for a host that builds its kit with the directory's
    /// identity resolver or inbound router: take the handles, build the kit with them, then
    /// [`attach_kit`](Self::attach_kit). Hooks loaded before that are registered then.
    pub fn detached(
        dir: impl Into<PathBuf>,
        engine: PluginEngine,
        store: Option<Arc<dyn ConversationStore>>,
    ) -> Self {
        PluginDirectory {
            dir: dir.into(),
            engine,
            kit: OnceLock::new(),
            store,
            loaded: Mutex::new(HashMap::new()),
            slots: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Gives a detached directory its kit and registers the hooks loaded so far. A directory
    /// has one kit for good: returns false (and changes nothing) when it has one already.
    pub fn attach_kit(&self, kit: RoomKit) -> bool {
        if self.kit.set(kit).is_err() {
            return false;
        }
        let mut loaded = self.lock_loaded();
        for l in loaded.values_mut() {
            l.hooks = self.register(&l.plugin);
        }
        true
    }

    fn register(&self, plugin: &Arc<dyn LoadedPlugin>) -> Vec<String> {
        self.kit
            .get()
            .map(|kit| Arc::clone(plugin).register(kit))
            .unwrap_or_default()
    }

    fn remove_hooks<'a>(&self, hooks: impl IntoIterator<Item = &'a String>) {
        if let Some(kit) = self.kit.get() {
            // A name is either a hook or an identity hook (the identity triggers).
            for hook in hooks {
                if !kit.remove_hook(hook) {
                    kit.remove_identity_hook(hook);
                }
            }
        }
    }

    /// The loaded hook plugins, by name.
    pub fn plugins(&self) -> BTreeMap<String, Arc<WasmPlugin>> {
        self.lock_loaded()
            .iter()
            .filter_map(|(name, l)| Some((name.clone(), downcast(Arc::clone(&l.plugin))?)))
            .collect()
    }

    /// The slot of `name`, made on demand.
    fn slot(&self, name: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            slots
                .entry(name.to_owned())
                .or_insert_with(|| Arc::new(RwLock::new(None))),
        )
    }

    /// A handle to the plugin `name` as a `T` (a [`crate::WasmProvider`], …), loaded now or
    /// later; while the version loaded is of another kind, it serves nothing.
    fn handle<T: LoadedPlugin>(&self, name: &str) -> PluginHandle<T> {
        PluginHandle::new(name, self.slot(name))
    }

    fn lock_failures(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (Option<PluginKind>, String)>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A handle to the provider plugin `name`, loaded now or later.
    pub fn provider(&self, name: &str) -> ProviderHandle {
        self.handle(name)
    }

    /// A handle to the identity resolver plugin `name`, loaded now or later.
    pub fn identity_resolver(&self, name: &str) -> IdentityResolverHandle {
        self.handle(name)
    }

    /// A handle to the inbound router plugin `name`, loaded now or later.
    pub fn inbound_router(&self, name: &str) -> InboundRouterHandle {
        self.handle(name)
    }

    /// A handle to the AI provider plugin `name`, loaded now or later.
    pub fn ai_provider(&self, name: &str) -> AiProviderHandle {
        self.handle(name)
    }

    /// Every plugin of the directory, loaded or failed, by name.
    pub fn list(&self) -> Vec<PluginStatus> {
        let mut list: BTreeMap<String, PluginStatus> = BTreeMap::new();
        for (name, l) in self.lock_loaded().iter() {
            let info = l.plugin.info();
            let stats = l.plugin.snapshot();
            list.insert(
                name.clone(),
                PluginStatus {
                    name: name.clone(),
                    kind: Some(info.manifest.kind),
                    status: if stats.suspended_ms > 0 {
                        LoadStatus::Suspended
                    } else {
                        LoadStatus::Loaded
                    },
                    error: None,
                    version: Some(info.version.clone()),
                    limits: Some(PluginLimits::of(&info.manifest)),
                    stats: Some(stats),
                },
            );
        }
        for (name, (kind, reason)) in self.lock_failures().iter() {
            let entry = list.entry(name.clone()).or_insert_with(|| PluginStatus {
                name: name.clone(),
                kind: *kind,
                status: LoadStatus::Failed,
                error: None,
                version: None,
                limits: None,
                stats: None,
            });
            entry.error = Some(reason.clone());
        }
        list.into_values().collect()
    }

    /// Loads one file as the kind its manifest names.
    fn load_version(&self, path: &Path) -> Result<Arc<dyn LoadedPlugin>> {
        let manifest = Manifest::for_component(path, &plugin_name(path))?;
        kinds::load(manifest.kind, &self.engine, path, self.store.clone())
    }

    /// Points the handles of `name` at `plugin` (or at nothing): handles of its kind serve it,
    /// handles of any other kind stop serving.
    fn point_handles(&self, name: &str, plugin: Option<&Arc<dyn LoadedPlugin>>) {
        match plugin {
            Some(plugin) => set(&self.slot(name), Some(Arc::clone(plugin))),
            None => {
                let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(slot) = slots.get(name) {
                    set(slot, None);
                }
            }
        }
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
        let Some(kit) = self.kit.get() else {
            return;
        };
        let mut event = FrameworkEvent::new(kind).with("plugin", name.to_owned());
        if let Some(error) = error {
            event = event.with("error", error.to_owned());
        }
        kit.emit_framework_event(event);
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
            let removed = self.lock_loaded().remove(&name);
            if let Some(old) = removed {
                self.remove_hooks(&old.hooks);
                self.point_handles(&name, None);
                report.removed.push(name.clone());
            }
        }
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|name, _| files.contains_key(name));
        self.lock_failures()
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
            match self.load_version(&path) {
                Ok(plugin) => {
                    let hooks = self.register(&plugin);
                    self.point_handles(&name, Some(&plugin));
                    self.lock_failures().remove(&name);
                    let previous = self.lock_loaded().insert(
                        name.clone(),
                        Loaded {
                            fingerprint: now,
                            plugin,
                            hooks: hooks.clone(),
                        },
                    );
                    if let Some(previous) = previous {
                        // Triggers the new version no longer has (all of them when it is no
                        // longer a hook).
                        self.remove_hooks(previous.hooks.iter().filter(|h| !hooks.contains(h)));
                        self.announce(FrameworkEventType::PluginReloaded, &name, None);
                        report.reloaded.push(name);
                    } else {
                        self.announce(FrameworkEventType::PluginLoaded, &name, None);
                        report.loaded.push(name);
                    }
                }
                Err(err) => {
                    let reason = err.to_string();
                    let kind = Manifest::for_component(&path, &name).ok().map(|m| m.kind);
                    self.lock_failures()
                        .insert(name.clone(), (kind, reason.clone()));
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
