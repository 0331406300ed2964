#[test]
fn dump() {
    let doc = roomkit_api::openapi_document();
    std::fs::write(
        "/tmp/i15/doc.json",
        serde_json::to_string_pretty(&doc).unwrap(),
    )
    .unwrap();
}
