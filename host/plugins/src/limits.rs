//! The resource limiter of a plugin instance: memory, tables and instances. Growth past a limit
//! traps with a [`LimitHit`], a typed error the runtime recognises (wasmtime's own
//! `StoreLimits` reports it as text only); host imports that refuse a guest's request over a
//! limit (the key-value quota) trap with it too.

use wasmtime::ResourceLimiter;

/// What an instance may hold besides its memory.
const MAX_INSTANCES: usize = 16;
const MAX_TABLES: usize = 16;
const MAX_TABLE_ELEMENTS: usize = 100_000;

/// A growth the limiter refused: the guest's call traps with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LimitHit {
    /// Linear memory would have grown to `desired` bytes, over `limit`.
    #[error("memory limit: growing to {desired} bytes is over the limit of {limit} bytes")]
    Memory { desired: usize, limit: usize },
    /// A table would have grown to `desired` elements, over `limit`.
    #[error("table limit: growing to {desired} elements is over the limit of {limit}")]
    Table { desired: usize, limit: usize },
    /// A host import refused what the guest asked of it (a key-value write over the quota).
    #[error("{0}")]
    Refused(String),
}

/// The limiter of one instance's store.
#[derive(Debug)]
pub(crate) struct Limiter {
    memory_bytes: usize,
}

impl Limiter {
    /// A limiter holding linear memory to `memory_mb` MiB.
    pub(crate) fn new(memory_mb: u64) -> Self {
        let bytes = memory_mb.saturating_mul(1024 * 1024);
        Limiter {
            memory_bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // The manifest's limit first (what the error reports), then the memory's own maximum.
        for limit in [Some(self.memory_bytes), maximum].into_iter().flatten() {
            if desired > limit {
                return Err(LimitHit::Memory { desired, limit }.into());
            }
        }
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context("growing memory failed"))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        for limit in [Some(MAX_TABLE_ELEMENTS), maximum].into_iter().flatten() {
            if desired > limit {
                return Err(LimitHit::Table { desired, limit }.into());
            }
        }
        Ok(true)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context("growing a table failed"))
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }
}
