//! The OpenAPI document is generated from the types and the handlers' annotations, and the
//! API's real answers conform to it: every route is driven to its successes and its errors, and
//! each answer's status must be documented for its route and its body must validate against
//! the schema the document declares for it.

mod conformance;
mod messages;
mod resources;

use std::collections::BTreeSet;

use reqwest::{Method, RequestBuilder, StatusCode};
use roomkit_api::ApiConfig;
use serde_json::{Value, json};

use crate::support::{Server, TOKEN, WEBHOOK_SECRET, start_with};
use conformance::{Conformance, with_placeholders};

/// A body larger than the conformance server's limit.
const BODY_LIMIT: usize = 16 * 1024;

fn oversized() -> String {
    format!("{{\"id\":\"{}\"}}", "x".repeat(BODY_LIMIT * 2))
}

/// A webhook request with a valid signature.
fn signed(server: &Server, channel: &str, body: impl Into<String>) -> RequestBuilder {
    let body = body.into();
    server
        .http
        .post(format!("{}/v1/webhooks/{channel}", server.base))
        .header("x-signature", format!("{WEBHOOK_SECRET}:{}", body.len()))
        .body(body)
}

#[test]
fn the_document_is_openapi_3_1_with_the_bearer_scheme_and_every_schema_it_references() {
    let doc = serde_json::to_value(roomkit_api::openapi_document()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // An OpenAPI 3.1 reader takes it, and finds every operation.
    let spec = oas3::from_json(doc.to_string()).unwrap();
    assert_eq!(spec.validate_version().unwrap().to_string(), "3.1.0");
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(spec.operations().count(), operations);
    assert!(operations >= 56, "{operations} operations");
    assert_eq!(doc["info"]["title"], "RoomKit host API");
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // Every `$ref` names a schema the document holds.
    fn refs(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    out.insert(target.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut targets = BTreeSet::new();
    refs(&doc, &mut targets);
    assert!(targets.contains("#/components/schemas/ErrorBody"));
    for target in targets {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} is not a schema reference"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} is referenced but not in the document"
        );
    }
    // Every operation has a summary, a unique id, a tag and an error body on each error.
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            assert!(operation["summary"].is_string(), "{what}: no summary");
            assert!(operation["tags"][0].is_string(), "{what}: no tag");
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "{what}: operation id {id} twice");
            for (status, response) in operation["responses"].as_object().unwrap() {
                // The probes answer 503 with their own body (`Health`, `Readiness`).
                let probe = path == "/healthz" || path == "/readyz";
                if status.starts_with('4') || (status.starts_with('5') && !probe) {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{what} {status}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn every_route_answers_as_the_document_says() {
    let server = start_with(ApiConfig {
        body_limit: BODY_LIMIT,
        ..crate::support::config()
    })
    .await;
    let s = &server;
    let mut api = Conformance::new();
    resources::drive(&mut api, s).await;
    messages::drive(&mut api, s).await;
    let bad = StatusCode::BAD_REQUEST;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;

    // What the extractors answer, on every route that reads a JSON body or a query string.
    for (method, template) in api.operations() {
        let path = with_placeholders(&template);
        let operation = api.doc["paths"][&template][&method].clone();
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        if operation["requestBody"]["content"]["application/json"].is_object() {
            api.raw(s, method.clone(), &path, "{", bad).await;
            api.raw(s, method.clone(), &path, "\"text\"", invalid).await;
            api.raw(
                s,
                method.clone(),
                &path,
                oversized(),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
        let reads_query = operation["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        if reads_query && template != "/v1/ws" {
            api.expect(s, method, &format!("{path}?bogus=1"), None, bad)
                .await;
        }
    }

    // Without a token, every route behind it answers 401; the open ones answer without one.
    for (method, template) in api.operations() {
        let path = with_placeholders(&template);
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let request = s
            .http
            .request(method.clone(), format!("{}{path}", s.base))
            .body("{}");
        let (status, body) = api.send(s, request).await;
        let open =
            api.doc["paths"][&template][method.as_str().to_lowercase()]["security"] == json!([]);
        assert_eq!(
            status == StatusCode::UNAUTHORIZED && body["error"]["code"] == "missing_token",
            !open,
            "{method} {template} without a token: {status} {body}"
        );
        assert_ne!(
            body["error"]["code"], "route_not_found",
            "{method} {template}"
        );
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {template}"
        );
    }

    // Once the host is closing, every request that succeeded before is answered as documented.
    s.kit.close().await.unwrap();
    let successes = std::mem::take(&mut api.successes);
    for (method, path, body) in successes {
        let mut request = s
            .http
            .request(method, format!("{}{path}", s.base))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        api.send(s, request).await;
    }

    assert!(
        api.mismatches.is_empty(),
        "answers that differ from the document:\n{}",
        api.mismatches.join("\n")
    );

    // Every documented answer was seen.
    let mut missing = Vec::new();
    for (method, template) in api.operations() {
        for status in api.doc["paths"][&template][&method]["responses"]
            .as_object()
            .unwrap()
            .keys()
        {
            let answer = (method.clone(), template.clone(), status.parse().unwrap());
            if !api.seen.contains(&answer) {
                missing.push(format!("{method} {template} {status}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documented answers the test never saw:\n{}",
        missing.join("\n")
    );
}
