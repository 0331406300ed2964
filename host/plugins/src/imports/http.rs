//! `wasi:http` for plugins: outbound requests (`wasi:http/outgoing-handler`) only to the hosts
//! of the manifest's `allowed_hosts` ([`crate::allowed_hosts`]: plain http only where an entry
//! says `http://`). A
//! request to any other host never leaves the machine: the guest gets
//! `error-code::HTTP-request-denied` and the host logs the plugin and the host it tried.
//! Allowed requests go out over kept-alive connections ([`pool`]).

mod pool;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use roomkit_tls::TrustedRoots;
use wasmtime::component::Linker;
use wasmtime_wasi_http::{
    Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks, WasiHttpView,
};

use self::pool::Sent;
use crate::allowed_hosts::{self as allowed, Scheme};
use crate::info::PluginInfo;
use crate::stats::PluginStats;

/// Links `wasi:http` (without the rest of WASI, which [`super::wasi`] links); the state gives
/// its context, table and this policy through [`WasiHttpView`].
pub(crate) fn add_to_linker<T: WasiHttpView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
}

/// The send hook of one plugin's `wasi:http`.
pub(crate) struct HttpPolicy {
    info: Arc<PluginInfo>,
    stats: Arc<PluginStats>,
    roots: TrustedRoots,
}

impl HttpPolicy {
    pub(crate) fn new(info: Arc<PluginInfo>, stats: Arc<PluginStats>, roots: TrustedRoots) -> Self {
        HttpPolicy { info, stats, roots }
    }
}

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = Sent> + Send> {
        let uri = request.uri();
        let host = uri.host().unwrap_or_default().to_owned();
        let scheme = if uri.scheme_str() == Some("https") {
            Scheme::Https
        } else {
            Scheme::Http
        };
        let port = uri.port_u16().unwrap_or(scheme.default_port());
        let plugin = self.info.name.as_str();
        let allowed_hosts = &self.info.manifest.allowed_hosts;
        if !allowed::admitted(allowed_hosts, scheme, &host, port) {
            self.stats.http_denied.fetch_add(1, Ordering::Relaxed);
            if scheme == Scheme::Http && allowed::admitted_over_https(allowed_hosts, &host, port) {
                tracing::warn!(
                    plugin,
                    host = %host,
                    port,
                    "plugin {plugin}: outbound HTTP to http://{host}:{port} denied: plain http \
                     needs an allowed_hosts entry that says http://, such as \
                     \"http://{host}:{port}\""
                );
            } else {
                tracing::warn!(
                    plugin,
                    host = %host,
                    port,
                    "plugin {plugin}: outbound HTTP to {host}:{port} denied: not in allowed_hosts"
                );
            }
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        self.stats.http_requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(plugin, host = %host, port, "outbound HTTP request");
        // Nothing may wait longer than the call's own deadline.
        let limit = self.info.manifest.timeout();
        let mut options = options.unwrap_or_default();
        for timeout in [
            &mut options.connect_timeout,
            &mut options.first_byte_timeout,
            &mut options.between_bytes_timeout,
        ] {
            *timeout = Some(timeout.map_or(limit, |t| t.min(limit)));
        }
        // The completion future the default send ignores too: errors reach the guest through
        // the response and its body.
        drop(fut);
        Box::new(pool::send(request, Some(options), self.roots.clone()))
    }
}
