use super::testing::TestCa;
use super::{TlsError, TrustedRoots};

#[test]
fn the_default_trusts_the_webpki_roots_and_nothing_else() {
    let roots = TrustedRoots::webpki();
    assert!(roots.extra().is_empty());
    assert_eq!(roots.id(), TrustedRoots::default().id(), "built once");
}

#[test]
fn every_certificate_of_every_file_is_added_and_other_blocks_skipped() {
    let (a, b) = (TestCa::new(), TestCa::new());
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.pem");
    // Two certificates and a key block in one file, a third certificate in another.
    let key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
    std::fs::write(&bundle, format!("{}{key}{}", a.ca_pem(), b.ca_pem())).unwrap();
    let single = dir.path().join("single.pem");
    std::fs::write(&single, TestCa::new().ca_pem()).unwrap();
    let roots = TrustedRoots::with_pem_files(&[&bundle, &single]).unwrap();
    assert_eq!(roots.extra().len(), 3);
    assert_ne!(roots.id(), TrustedRoots::webpki().id());
    assert_eq!(
        roots,
        TrustedRoots::with_pem_files(&[bundle, single]).unwrap()
    );
}

#[test]
fn a_missing_file_is_named_with_the_cause() {
    let err = TrustedRoots::with_pem_files(&["/nonexistent/ca.pem"]).unwrap_err();
    assert!(matches!(err, TlsError::Read { .. }));
    let text = err.to_string();
    assert!(text.starts_with("/nonexistent/ca.pem: "), "{text}");
    assert!(text.contains("No such file"), "{text}");
}

#[test]
fn a_file_without_certificates_is_refused() {
    let err = TrustedRoots::with_pem(b"just some text\n", "notes.txt").unwrap_err();
    assert_eq!(
        err.to_string(),
        "notes.txt: no certificate in it (expected PEM blocks `-----BEGIN CERTIFICATE-----`)"
    );
}

#[test]
fn a_broken_pem_block_is_refused() {
    let pem = "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
    let err = TrustedRoots::with_pem(pem.as_bytes(), "ca.pem").unwrap_err();
    assert!(matches!(err, TlsError::Pem { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("ca.pem: not a PEM certificate file: ")
    );
}

#[test]
fn a_block_that_is_not_a_certificate_is_refused() {
    let pem = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    let err = TrustedRoots::with_pem(pem.as_bytes(), "ca.pem").unwrap_err();
    assert!(matches!(err, TlsError::Anchor { index: 1, .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("ca.pem: certificate 1 cannot be a trust anchor: ")
    );
}
