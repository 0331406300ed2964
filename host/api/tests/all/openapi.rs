//! The OpenAPI document describes exactly the routes the router serves.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use roomkit_api::{OPENAPI_JSON, ROUTES};
use serde_json::Value;

use crate::support::start;

#[test]
fn the_openapi_document_lists_exactly_the_routes_of_the_router() {
    let doc: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes not in openapi.json: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "openapi.json documents routes not served: {extra:?}"
    );
    // Open routes say so; every other route needs the bearer token.
    for route in ROUTES {
        let op = &doc["paths"][route.path][route.method];
        let open = op["security"].as_array().is_some_and(Vec::is_empty);
        assert_eq!(open, !route.needs_token, "{} {}", route.method, route.path);
        assert!(
            op["responses"].is_object(),
            "{} {}",
            route.method,
            route.path
        );
    }
}

#[tokio::test]
async fn every_route_of_the_table_is_served_and_the_document_is_too() {
    let server = start().await;
    for route in ROUTES {
        let path = route
            .path
            .replace("{room_id}", "none")
            .replace("{channel_id}", "none")
            .replace("{event_id}", "none")
            .replace("{participant_id}", "none")
            .replace("{task_id}", "none")
            .replace("{identity_id}", "none")
            .replace("{name}", "none");
        let method = reqwest::Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap();
        let response = server
            .http
            .request(method, format!("{}{path}", server.base))
            .bearer_auth(crate::support::TOKEN)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_ne!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        if response.status() == StatusCode::NOT_FOUND {
            let body: Value = response.json().await.unwrap();
            assert_ne!(
                body["error"]["code"], "route_not_found",
                "{} {path}",
                route.method
            );
        }
    }
    let (status, doc) = server.get("/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc, serde_json::from_str::<Value>(OPENAPI_JSON).unwrap());
}
