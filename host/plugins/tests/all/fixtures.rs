//! Builds the plugins workspace once per test run and lays out plugin files for a test.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use roomkit_kit::{InboundMessage, RoomKit};
use roomkit_plugins::{PluginDirectory, PluginEngine, WasmPlugin};
use roomkit_store::ConversationStore;

/// `test_hook.wasm`, built once (the build is shared by every test of this run).
pub fn test_hook_wasm() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(crate::build_fixture::build_test_hook)
        .clone()
}

/// One engine for the whole test binary: compiling is the slow part.
pub fn engine() -> PluginEngine {
    static ENGINE: OnceLock<PluginEngine> = OnceLock::new();
    ENGINE
        .get_or_init(|| PluginEngine::new().expect("engine"))
        .clone()
}

/// A plugin directory for one test.
pub struct PluginDir {
    pub dir: tempfile::TempDir,
}

impl PluginDir {
    pub fn new() -> Self {
        PluginDir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Writes `NAME.wasm` (the test hook) and `NAME.toml` with the given manifest text.
    pub fn add(&self, name: &str, manifest: &str) -> PathBuf {
        self.add_component(name, "test-hook", manifest)
    }

    /// Writes `NAME.wasm` (the component of plugins-workspace `package`) and `NAME.toml`.
    pub fn add_component(&self, name: &str, package: &str, manifest: &str) -> PathBuf {
        let wasm = self.dir.path().join(format!("{name}.wasm"));
        std::fs::copy(crate::build_fixture::component(package), &wasm).unwrap();
        std::fs::write(self.dir.path().join(format!("{name}.toml")), manifest).unwrap();
        wasm
    }
}

/// A kit with a source channel and a recording sink, and the test hook loaded with `manifest`.
pub struct Host {
    pub kit: RoomKit,
    pub store: Arc<dyn ConversationStore>,
    pub plugin: Arc<WasmPlugin>,
    pub sink: Arc<Sink>,
    dir: PluginDir,
    name: String,
}

impl Host {
    /// Where the plugin's component is.
    pub fn plugin_path(&self) -> PathBuf {
        self.dir.dir.path().join(format!("{}.wasm", self.name))
    }
}

/// A kit over a memory store with room `r`, a source channel `sms` and a recording `sink`.
pub async fn kit_with_sink() -> (RoomKit, Arc<dyn ConversationStore>, Arc<Sink>) {
    roomkit_kit::testing::kit_with_sink(|builder| builder).await
}

/// [`kit_with_sink`] routed by the inbound-router plugin `name` of the plugin directory `dir`
/// (loaded; the directory is returned so that it stays alive).
pub async fn kit_routed_by(
    dir: &Path,
    name: &str,
) -> (RoomKit, Arc<dyn ConversationStore>, PluginDirectory) {
    let directory = PluginDirectory::detached(dir, engine(), None);
    let handle = directory.inbound_router(name);
    let (kit, store, _) =
        roomkit_kit::testing::kit_with_sink(|b| b.inbound_router(Arc::new(handle))).await;
    assert_eq!(directory.load_all().loaded, vec![name]);
    (kit, store, directory)
}

/// The room an SMS from `sender` saying `body` lands in, with no room named by the caller.
pub async fn room_of(kit: &RoomKit, sender: &str, body: &str) -> String {
    kit.process_inbound(InboundMessage::text("sms", sender, body))
        .await
        .unwrap()
        .event
        .unwrap()
        .room_id
}

/// [`kit_with_sink`] with the test hook loaded as `name` with `manifest`.
pub async fn host_with(name: &str, manifest: &str) -> Host {
    let dir = PluginDir::new();
    let wasm = dir.add(name, manifest);
    let (kit, store, sink) = kit_with_sink().await;
    let plugin = Arc::new(WasmPlugin::load(&engine(), &wasm, Some(Arc::clone(&store))).unwrap());
    plugin.register(&kit);
    Host {
        kit,
        store,
        plugin,
        sink,
        dir,
        name: name.to_owned(),
    }
}

/// The recording provider of the `sink` channel.
pub use roomkit_kit::testing::RecordingProvider as Sink;
