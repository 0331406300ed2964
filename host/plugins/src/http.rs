//! Outbound HTTP for plugins (`wasi:http/outgoing-handler`), only to the hosts of the
//! manifest's `allowed_hosts`. A request to any other host never leaves the machine: the guest
//! gets `error-code::HTTP-request-denied` and the host logs the plugin and the host it tried.
//! Allowed requests go out over kept-alive connections ([`pool`]).

mod pool;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use roomkit_tls::TrustedRoots;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use self::pool::Sent;
use crate::runtime::PluginStats;
use crate::state::PluginInfo;

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

/// Whether `allowed` (entries `host` or `host:port`, case-insensitive) admits `host` on
/// `port`.
pub(crate) fn host_allowed(allowed: &[String], host: &str, port: u16) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    allowed.iter().any(|entry| {
        let entry = entry.trim();
        // `[::1]:8080`, `::1`, `example.com:443`, `example.com`
        let (entry_host, entry_port) = match entry.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
                if h.contains(':') && !h.starts_with('[') {
                    (entry, None) // a bare IPv6 address
                } else {
                    (h, p.parse::<u16>().ok())
                }
            }
            _ => (entry, None),
        };
        let entry_host = entry_host.trim_start_matches('[').trim_end_matches(']');
        entry_host.eq_ignore_ascii_case(host) && entry_port.is_none_or(|p| p == port)
    })
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
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let plugin = self.info.name.as_str();
        if !host_allowed(&self.info.manifest.allowed_hosts, &host, port) {
            self.stats.http_denied.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                plugin,
                host = %host,
                port,
                "plugin {plugin}: outbound HTTP to {host}:{port} denied: not in allowed_hosts"
            );
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

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn a_host_entry_admits_every_port_and_a_host_port_entry_one() {
        let allowed = vec![
            "api.example.com".to_owned(),
            "127.0.0.1:8080".to_owned(),
            "[::1]:9000".to_owned(),
        ];
        assert!(host_allowed(&allowed, "api.example.com", 443));
        assert!(host_allowed(&allowed, "API.Example.com", 8443));
        assert!(host_allowed(&allowed, "127.0.0.1", 8080));
        assert!(!host_allowed(&allowed, "127.0.0.1", 8081));
        assert!(host_allowed(&allowed, "[::1]", 9000));
        assert!(!host_allowed(&allowed, "::1", 9001));
        assert!(!host_allowed(&allowed, "evil.example.com", 443));
        assert!(!host_allowed(&allowed, "example.com", 443));
        assert!(!host_allowed(&[], "api.example.com", 443));
    }
}
