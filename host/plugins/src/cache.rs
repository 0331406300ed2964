//! The precompiled cache: compiled plugin code on disk, keyed by the wasm's SHA-256 and the
//! engine's compatibility hash, so a second start compiles nothing. It lives in its own
//! directory, never in the plugin drop directory: only code this host compiled is loaded.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components are kept.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCache {
    dir: PathBuf,
    engine_hash: u64,
}

impl CompiledCache {
    pub(crate) fn new(dir: &Path, engine: &Engine) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(CompiledCache {
            dir: dir.to_owned(),
            engine_hash: hasher.finish(),
        })
    }

    fn path_for(&self, wasm: &[u8]) -> PathBuf {
        let digest = Sha256::digest(wasm);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir
            .join(format!("{hex}-{:016x}.cwasm", self.engine_hash))
    }

    /// The compiled component from the cache, if there.
    pub(crate) fn load(&self, engine: &Engine, wasm: &[u8]) -> Option<Component> {
        let path = self.path_for(wasm);
        if !path.exists() {
            return None;
        }
        // SAFETY: `deserialize_file` runs the machine code in the file. Only this host writes
        // the cache directory (in `store`, from code it compiled itself with an engine of the
        // same compatibility hash, which is part of the file name); plugins never reach it.
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize_file(engine, &path) };
        match loaded {
            Ok(component) => Some(component),
            Err(err) => {
                tracing::warn!(path = %path.display(), %err, "dropping an unreadable cache entry");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Compiles and stores a component; a failure to write the cache is only logged.
    pub(crate) fn store(&self, engine: &Engine, wasm: &[u8]) -> wasmtime::Result<()> {
        let compiled = engine.precompile_component(wasm)?;
        let path = self.path_for(wasm);
        let partial = path.with_extension("partial");
        let written =
            std::fs::write(&partial, compiled).and_then(|()| std::fs::rename(&partial, &path));
        if let Err(err) = written {
            tracing::warn!(path = %path.display(), %err, "cannot write the compiled cache");
        }
        Ok(())
    }
}
