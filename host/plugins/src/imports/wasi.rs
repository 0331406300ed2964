//! WASI for plugins: the interfaces a component built by the usual toolchains imports, with a
//! context that grants nothing (no preopened directory, no environment, no socket, no
//! arguments). The guest's stdout and stderr go to the host's log, line by line, under the
//! plugin's log budget ([`crate::plugin_log`]), so a guest's panic message is seen.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime::component::Linker;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::{WasiCtx, WasiView};

use crate::plugin_log::{InstanceLog, Level, MAX_LINE_BYTES};

/// The WASI context of one instance: stdout lines logged at info, stderr lines at warn.
pub(crate) fn context(log: &Arc<InstanceLog>) -> WasiCtx {
    WasiCtx::builder()
        .stdout(GuestOutput::new(Arc::clone(log), Level::Info))
        .stderr(GuestOutput::new(Arc::clone(log), Level::Warn))
        .build()
}

/// Links WASI preview 2; the state gives its context through [`WasiView`].
pub(crate) fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)
}

/// One of the guest's output streams. Every write is taken whole (what the budget refuses is
/// dropped, never refused to the guest: a Rust guest panics when stdout fails); complete lines
/// are logged, a partial one waits for its end, for [`MAX_LINE_BYTES`], or for the stream to
/// be dropped with its instance.
#[derive(Clone)]
struct GuestOutput {
    pending: Arc<Pending>,
}

struct Pending {
    log: Arc<InstanceLog>,
    level: Level,
    line: Mutex<Vec<u8>>,
}

impl Pending {
    fn emit(&self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.log.write(self.level, &String::from_utf8_lossy(line));
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let line = std::mem::take(self.line.get_mut().unwrap_or_else(|p| p.into_inner()));
        if !line.is_empty() {
            self.emit(&line);
        }
    }
}

impl GuestOutput {
    fn new(log: Arc<InstanceLog>, level: Level) -> Self {
        GuestOutput {
            pending: Arc::new(Pending {
                log,
                level,
                line: Mutex::new(Vec::new()),
            }),
        }
    }

    fn feed(&self, bytes: &[u8]) {
        let pending = &*self.pending;
        let mut line = pending.line.lock().unwrap_or_else(|p| p.into_inner());
        for chunk in bytes.split_inclusive(|&b| b == b'\n') {
            let (text, ends) = match chunk.strip_suffix(b"\n") {
                Some(text) => (text, true),
                None => (chunk, false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(line.len());
            line.extend_from_slice(&text[..text.len().min(room)]);
            if ends || line.len() >= MAX_LINE_BYTES {
                pending.emit(&line);
                line.clear();
            }
        }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.feed(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl AsyncWrite for GuestOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.feed(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
