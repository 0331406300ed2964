//! WASI for plugins: the interfaces a component built by the usual toolchains imports, with a
//! context that grants nothing (no preopened directory, no environment, no socket, no
//! arguments).

use wasmtime::component::Linker;
use wasmtime_wasi::{WasiCtx, WasiView};

/// The WASI context of one instance.
pub(crate) fn context() -> WasiCtx {
    WasiCtx::builder().build()
}

/// Links WASI preview 2; the state gives its context through [`WasiView`].
pub(crate) fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)
}
