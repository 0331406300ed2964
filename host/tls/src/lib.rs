//! Which certificate authorities the host trusts when it is the client: plugins' outbound
//! `wasi:http` requests and the `sse` and `websocket` sources. The webpki roots (Mozilla's list)
//! always; in addition, the certificates of `[tls] ca_files` in `roomkit.toml`, for services
//! behind a private or corporate certificate authority.
//!
//! With the `testing` feature, [`testing::TestCa`] issues a throwaway authority and a server
//! certificate for `localhost` and `127.0.0.1`, so tests can run real TLS servers.

#[cfg(any(test, feature = "testing"))]
pub mod testing;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Why a set of trusted roots could not be built; every variant names the file (or source)
/// and the cause.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A PEM block could not be decoded.
    #[error("{origin}: not a PEM certificate file: {reason}")]
    Pem { origin: String, reason: String },
    /// The file holds no `CERTIFICATE` block.
    #[error("{origin}: no certificate in it (expected PEM blocks `-----BEGIN CERTIFICATE-----`)")]
    Empty { origin: String },
    /// rustls refused a certificate as a trust anchor.
    #[error("{origin}: certificate {index} cannot be a trust anchor: {reason}")]
    Anchor {
        origin: String,
        index: usize,
        reason: String,
    },
    /// The TLS client configuration could not be built.
    #[error("TLS client configuration: {0}")]
    Config(String),
}

/// The certificate authorities outbound TLS trusts, and the rustls client configuration built
/// from them (once). Cheap to clone.
#[derive(Clone)]
pub struct TrustedRoots {
    inner: Arc<Inner>,
}

struct Inner {
    /// Distinguishes configurations, so connection pools never share a connection between two.
    id: u64,
    /// Certificates trusted in addition to the webpki roots.
    extra: Vec<CertificateDer<'static>>,
    config: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for TrustedRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedRoots")
            .field("extra", &self.inner.extra.len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for TrustedRoots {
    fn eq(&self, other: &Self) -> bool {
        self.inner.extra == other.inner.extra
    }
}

impl Default for TrustedRoots {
    fn default() -> Self {
        Self::webpki()
    }
}

impl TrustedRoots {
    /// The webpki roots only (the configuration is built once per process).
    pub fn webpki() -> Self {
        static WEBPKI: OnceLock<TrustedRoots> = OnceLock::new();
        WEBPKI
            .get_or_init(|| {
                Self::build(Vec::new()).unwrap_or_else(|e| {
                    // Only a broken crypto provider fails here; nothing can work without it.
                    panic!("the webpki roots: {e}")
                })
            })
            .clone()
    }

    /// The webpki roots and every certificate in these PEM files.
    pub fn with_pem_files<P: AsRef<Path>>(paths: &[P]) -> Result<Self, TlsError> {
        let mut extra = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let origin = path.display().to_string();
            let pem = std::fs::read(path).map_err(|source| TlsError::Read {
                path: origin.clone(),
                source,
            })?;
            extra.extend(parse_pem(&pem, &origin)?);
        }
        Self::build(extra)
    }

    /// The webpki roots and the certificates of `pem`; `origin` names it in errors.
    pub fn with_pem(pem: &[u8], origin: &str) -> Result<Self, TlsError> {
        Self::build(parse_pem(pem, origin)?)
    }

    fn build(extra: Vec<CertificateDer<'static>>) -> Result<Self, TlsError> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        };
        // Every certificate was checked as a trust anchor when its PEM was read (`parse_pem`).
        roots.add_parsable_certificates(extra.iter().cloned());
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(TrustedRoots {
            inner: Arc::new(Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                extra,
                config: Arc::new(config),
            }),
        })
    }

    /// The rustls client configuration trusting these roots (HTTP/1.1, no ALPN).
    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(&self.inner.config)
    }

    /// The certificates trusted in addition to the webpki roots, in DER.
    pub fn extra(&self) -> &[CertificateDer<'static>] {
        &self.inner.extra
    }

    /// An id unique to this configuration within the process (clones share it).
    pub fn id(&self) -> u64 {
        self.inner.id
    }
}

/// Every `CERTIFICATE` block of a PEM text; other blocks (keys, CRLs) are skipped.
fn parse_pem(pem: &[u8], origin: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            origin: origin.to_owned(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Empty {
            origin: origin.to_owned(),
        });
    }
    for (index, cert) in certs.iter().enumerate() {
        // The same check the root store makes, with the file's name in the error.
        let mut probe = rustls::RootCertStore::empty();
        probe.add(cert.clone()).map_err(|e| TlsError::Anchor {
            origin: origin.to_owned(),
            index: index + 1,
            reason: e.to_string(),
        })?;
    }
    Ok(certs)
}

#[cfg(test)]
mod tests;
