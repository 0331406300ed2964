//! The OpenAPI document is generated from the types and the handlers' annotations, and the
//! API's real answers conform to it: every route is driven to its successes and its errors, and
//! each answer's status must be documented for its route and its body must validate against
//! the schema the document declares for it.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, RequestBuilder, StatusCode};
use roomkit_api::ApiConfig;
use serde_json::{Value, json};

use crate::support::{Server, TOKEN, WEBHOOK_SECRET, start_with};

/// The methods OpenAPI path items hold that the API uses.
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// A route of the document and one of its statuses: (method, path template, status).
type Answer = (String, String, u16);

/// The document, the validators of its response schemas, and the answers seen.
struct Conformance {
    doc: Value,
    validators: BTreeMap<Answer, jsonschema::Validator>,
    seen: BTreeSet<Answer>,
    /// Answers that differ from the document.
    mismatches: Vec<String>,
    /// Requests that succeeded, to send again once the host is closing.
    successes: Vec<(Method, String, Option<Value>)>,
}

impl Conformance {
    fn new() -> Self {
        Conformance {
            doc: serde_json::to_value(roomkit_api::openapi_document()).unwrap(),
            validators: BTreeMap::new(),
            seen: BTreeSet::new(),
            mismatches: Vec::new(),
            successes: Vec::new(),
        }
    }

    /// Every (method, path template) the document holds.
    fn operations(&self) -> Vec<(String, String)> {
        let mut operations = Vec::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if METHODS.contains(&method.as_str()) {
                    operations.push((method.clone(), path.clone()));
                }
            }
        }
        operations
    }

    /// The document's path template that a request path matches.
    fn template(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        self.doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|template| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(part, segment)| part.starts_with('{') || part == segment)
            })
            .cloned()
    }

    /// Checks one answer against the document; a mismatch is kept for the report at the end.
    fn check(
        &mut self,
        method: &Method,
        path: &str,
        status: StatusCode,
        content_type: Option<&str>,
        body: &[u8],
    ) {
        match self.conforms(method, path, status, content_type, body) {
            Ok(answer) => {
                self.seen.insert(answer);
            }
            Err(mismatch) => self.mismatches.push(mismatch),
        }
    }

    /// Whether one answer is what the document says: its route and status are documented and
    /// its body is what the document declares for them.
    fn conforms(
        &mut self,
        method: &Method,
        path: &str,
        status: StatusCode,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Answer, String> {
        let method = method.as_str().to_lowercase();
        let text = String::from_utf8_lossy(body);
        let what = format!("{method} {path} → {status}");
        let template = self
            .template(path)
            .ok_or_else(|| format!("{what}: the path is not in the document"))?;
        let operation = &self.doc["paths"][&template][&method];
        if !operation.is_object() {
            return Err(format!(
                "{what}: {method} {template} is not in the document"
            ));
        }
        let response = &operation["responses"][status.as_str()];
        if !response.is_object() {
            return Err(format!(
                "{what}: {status} is not documented for {method} {template}; body: {text}"
            ));
        }
        let answer = (method.clone(), template.clone(), status.as_u16());
        match response["content"].as_object() {
            None if body.is_empty() => {}
            None => {
                return Err(format!(
                    "{what}: documented without a body, answered {text}"
                ));
            }
            Some(content) if content.contains_key("application/json") => {
                if !content_type.is_some_and(|t| t.starts_with("application/json")) {
                    return Err(format!(
                        "{what}: content type {content_type:?}, documented application/json"
                    ));
                }
                let instance: Value = serde_json::from_slice(body)
                    .map_err(|e| format!("{what}: not JSON ({e}): {text}"))?;
                let schema = &content["application/json"]["schema"];
                let validator = self
                    .validators
                    .entry(answer.clone())
                    .or_insert_with(|| validator(schema, &self.doc["components"]));
                let errors: Vec<String> = validator
                    .iter_errors(&instance)
                    .map(|e| format!("{e} at {}", e.instance_path()))
                    .collect();
                if !errors.is_empty() {
                    return Err(format!(
                        "{what}: the body does not match the documented schema: {}; body: {instance}",
                        errors.join("; ")
                    ));
                }
            }
            Some(content) => {
                let documented: Vec<&String> = content.keys().collect();
                if !content_type
                    .is_some_and(|t| documented.iter().any(|d| t.starts_with(d.as_str())))
                {
                    return Err(format!(
                        "{what}: content type {content_type:?}, documented {documented:?}"
                    ));
                }
            }
        }
        Ok(answer)
    }

    /// Checks a body the API accepted against the request schema the document declares.
    fn check_request(&mut self, method: &Method, path: &str, body: &Value) {
        let method = method.as_str().to_lowercase();
        let Some(template) = self.template(path) else {
            return;
        };
        let schema = &self.doc["paths"][&template][&method]["requestBody"]["content"]["application/json"]
            ["schema"];
        if !schema.is_object() {
            return;
        }
        let validator = validator(schema, &self.doc["components"]);
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            self.mismatches.push(format!(
                "{method} {path}: an accepted body does not match the documented request schema: \
                 {}; body: {body}",
                errors.join("; ")
            ));
        }
    }

    /// Sends a request and checks its answer; returns the status and the JSON body (Null when
    /// empty or not JSON).
    async fn send(&mut self, server: &Server, request: RequestBuilder) -> (StatusCode, Value) {
        let request = request.build().unwrap();
        let method = request.method().clone();
        let path = request.url().path().to_owned();
        let path_and_query = match request.url().query() {
            Some(query) => format!("{path}?{query}"),
            None => path.clone(),
        };
        let body = request
            .body()
            .and_then(|b| b.as_bytes())
            .and_then(|b| serde_json::from_slice(b).ok());
        let response = server.http.execute(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.unwrap();
        self.check(&method, &path, status, content_type.as_deref(), &bytes);
        if status.is_success() {
            if let Some(body) = &body {
                self.check_request(&method, &path, body);
            }
            self.successes.push((method, path_and_query, body));
        }
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// A request with the token and an optional JSON body, expecting `expected`.
    async fn expect(
        &mut self,
        server: &Server,
        method: Method,
        path: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Value {
        let mut request = server
            .http
            .request(method.clone(), format!("{}{path}", server.base))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, value) = self.send(server, request).await;
        assert_eq!(status, expected, "{method} {path}: {value}");
        value
    }

    async fn get(&mut self, server: &Server, path: &str, expected: StatusCode) -> Value {
        self.expect(server, Method::GET, path, None, expected).await
    }

    async fn post(
        &mut self,
        server: &Server,
        path: &str,
        body: Value,
        expected: StatusCode,
    ) -> Value {
        self.expect(server, Method::POST, path, Some(body), expected)
            .await
    }

    async fn put(
        &mut self,
        server: &Server,
        path: &str,
        body: Value,
        expected: StatusCode,
    ) -> Value {
        self.expect(server, Method::PUT, path, Some(body), expected)
            .await
    }

    async fn patch(
        &mut self,
        server: &Server,
        path: &str,
        body: Value,
        expected: StatusCode,
    ) -> Value {
        self.expect(server, Method::PATCH, path, Some(body), expected)
            .await
    }

    async fn delete(&mut self, server: &Server, path: &str, expected: StatusCode) -> Value {
        self.expect(server, Method::DELETE, path, None, expected)
            .await
    }

    /// A raw body with the token, expecting `expected`.
    async fn raw(
        &mut self,
        server: &Server,
        method: Method,
        path: &str,
        body: impl Into<reqwest::Body>,
        expected: StatusCode,
    ) -> Value {
        let request = server
            .http
            .request(method.clone(), format!("{}{path}", server.base))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body);
        let (status, value) = self.send(server, request).await;
        assert_eq!(status, expected, "{method} {path}: {value}");
        value
    }
}

/// A validator of `schema` whose `#/components/...` references resolve in the document's
/// components.
fn validator(schema: &Value, components: &Value) -> jsonschema::Validator {
    let mut schema = schema.clone();
    let object = match schema.as_object_mut() {
        Some(object) => object,
        None => panic!("a response schema is not an object: {schema}"),
    };
    object.insert("components".into(), components.clone());
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the documented schema does not compile: {e}"))
}

/// A path of the template with `none` for each parameter.
fn with_placeholders(template: &str) -> String {
    template
        .split('/')
        .map(|part| if part.starts_with('{') { "none" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// A body larger than the conformance server's limit.
const BODY_LIMIT: usize = 16 * 1024;

fn oversized() -> String {
    format!("{{\"id\":\"{}\"}}", "x".repeat(BODY_LIMIT * 2))
}

fn signed(server: &Server, channel: &str, body: &'static str) -> RequestBuilder {
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
                if status.starts_with('4') || status.starts_with('5') && path != "/healthz" {
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
    let mut api = Conformance::new();
    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let no_content = StatusCode::NO_CONTENT;
    let accepted = StatusCode::ACCEPTED;
    let bad = StatusCode::BAD_REQUEST;
    let not_found = StatusCode::NOT_FOUND;
    let conflict = StatusCode::CONFLICT;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let s = &server;

    // System.
    let (status, _) = api.send(s, s.http.get(format!("{}/healthz", s.base))).await;
    assert_eq!(status, ok);
    api.get(s, "/metrics", ok).await;
    let served = api.get(s, "/v1/openapi.json", ok).await;
    assert_eq!(served, api.doc, "the served document is the generated one");
    api.get(s, "/v1/plugins", ok).await;
    api.get(s, "/v1/plugins/pii-redactor", ok).await;
    api.get(s, "/v1/plugins/nope", not_found).await;

    // Rooms.
    api.post(
        s,
        "/v1/rooms",
        json!({"id": "r1", "metadata": {"tier": "vip"}, "timers": {"inactive_after_seconds": 3600}}),
        created,
    )
    .await;
    api.post(s, "/v1/rooms", json!({"id": "r1"}), conflict)
        .await;
    api.post(s, "/v1/rooms", json!({"id": " "}), invalid).await;
    api.post(s, "/v1/rooms", json!({"bogus": 1}), invalid).await;
    api.raw(s, Method::POST, "/v1/rooms", "{", bad).await;
    api.raw(
        s,
        Method::POST,
        "/v1/rooms",
        oversized(),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    api.get(s, "/v1/rooms", ok).await;
    api.get(
        s,
        "/v1/rooms?metadata_key=tier&metadata_value=vip&limit=5",
        ok,
    )
    .await;
    api.get(s, "/v1/rooms?limit=0", invalid).await;
    api.get(s, "/v1/rooms?limit=many", bad).await;
    api.get(s, "/v1/rooms/r1", ok).await;
    api.get(s, "/v1/rooms/none", not_found).await;
    api.post(s, "/v1/rooms", json!({"id": "r2"}), created).await;
    api.post(s, "/v1/rooms/r2/pause", json!({}), ok).await;
    api.post(s, "/v1/rooms/none/pause", json!({}), not_found)
        .await;
    api.post(s, "/v1/rooms/r2/resume", json!({}), ok).await;
    api.post(s, "/v1/rooms/none/resume", json!({}), not_found)
        .await;
    api.post(s, "/v1/rooms/r2/close", json!({}), ok).await;
    api.post(s, "/v1/rooms/none/close", json!({}), not_found)
        .await;
    api.post(s, "/v1/rooms/r2/pause", json!({}), conflict).await;
    api.post(s, "/v1/rooms/r2/resume", json!({}), conflict)
        .await;
    api.post(s, "/v1/rooms/r2/archive", json!({}), ok).await;
    api.post(s, "/v1/rooms/r2/close", json!({}), conflict).await;
    api.post(s, "/v1/rooms/none/archive", json!({}), not_found)
        .await;
    api.put(
        s,
        "/v1/rooms/r1/timers",
        json!({"inactive_after_seconds": 3600, "closed_after_seconds": 7200}),
        ok,
    )
    .await;
    api.put(s, "/v1/rooms/none/timers", json!({}), not_found)
        .await;
    api.put(
        s,
        "/v1/rooms/r1/timers",
        json!({"inactive_after_seconds": "soon"}),
        invalid,
    )
    .await;
    api.post(s, "/v1/timers/check", json!({}), ok).await;

    // Bindings.
    let bindings = "/v1/rooms/r1/bindings";
    api.post(
        s,
        bindings,
        json!({"channel_id": "sms", "participant_id": "+1555", "metadata": {"phone_number": "+1555"},
               "rate_limit": {"max_per_second": 5.0}, "retry_policy": {"max_retries": 2,
               "base_delay_seconds": 0.5, "max_delay_seconds": 5.0, "exponential_base": 2.0}}),
        created,
    )
    .await;
    api.post(s, bindings, json!({"channel_id": "sms"}), conflict)
        .await;
    api.post(s, bindings, json!({"channel_id": "nope"}), not_found)
        .await;
    api.post(
        s,
        "/v1/rooms/none/bindings",
        json!({"channel_id": "sms"}),
        not_found,
    )
    .await;
    api.post(
        s,
        bindings,
        json!({"channel_id": "agent-ws", "visibility": "internal"}),
        invalid,
    )
    .await;
    api.get(s, bindings, ok).await;
    api.get(s, "/v1/rooms/none/bindings", not_found).await;
    let sms = "/v1/rooms/r1/bindings/sms";
    api.get(s, sms, ok).await;
    api.get(s, "/v1/rooms/r1/bindings/agent-ws", not_found)
        .await;
    api.post(s, &format!("{sms}/mute"), json!({}), ok).await;
    api.post(
        s,
        "/v1/rooms/r1/bindings/agent-ws/mute",
        json!({}),
        not_found,
    )
    .await;
    api.post(s, &format!("{sms}/unmute"), json!({}), ok).await;
    api.post(
        s,
        "/v1/rooms/r1/bindings/agent-ws/unmute",
        json!({}),
        not_found,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/access"),
        json!({"access": "read_only"}),
        ok,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/access"),
        json!({"access": "read_write"}),
        ok,
    )
    .await;
    api.put(
        s,
        "/v1/rooms/r1/bindings/agent-ws/access",
        json!({"access": "none"}),
        not_found,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/visibility"),
        json!({"visibility": "sms,agent-ws"}),
        ok,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/visibility"),
        json!({"visibility": "all"}),
        ok,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/visibility"),
        json!({"visibility": "internal"}),
        invalid,
    )
    .await;
    api.put(
        s,
        "/v1/rooms/r1/bindings/agent-ws/visibility",
        json!({"visibility": "all"}),
        not_found,
    )
    .await;
    api.put(
        s,
        &format!("{sms}/metadata"),
        json!({"metadata": {"phone_number": "+1555"}}),
        ok,
    )
    .await;
    api.put(
        s,
        "/v1/rooms/r1/bindings/agent-ws/metadata",
        json!({"metadata": {}}),
        not_found,
    )
    .await;
    api.get(s, &format!("{sms}/read"), ok).await;
    api.get(s, "/v1/rooms/r1/bindings/agent-ws/read", not_found)
        .await;
    api.post(s, bindings, json!({"channel_id": "agent-ws"}), created)
        .await;
    api.delete(s, "/v1/rooms/r1/bindings/agent-ws", no_content)
        .await;
    api.delete(s, "/v1/rooms/r1/bindings/agent-ws", not_found)
        .await;

    // Channels.
    api.get(s, "/v1/channels", ok).await;
    api.post(
        s,
        "/v1/channels",
        json!({"id": "sms-2", "type": "sms", "config": {"from": "+1000"}}),
        created,
    )
    .await;
    api.post(
        s,
        "/v1/channels",
        json!({"id": "sms-2", "type": "sms", "config": {"from": "+1000"}}),
        conflict,
    )
    .await;
    api.post(
        s,
        "/v1/channels",
        json!({"id": "fax-1", "type": "fax"}),
        invalid,
    )
    .await;
    api.post(
        s,
        "/v1/channels",
        json!({"id": "sms-3", "type": "sms", "config": {"from": "unreachable"}}),
        StatusCode::BAD_GATEWAY,
    )
    .await;
    api.get(s, "/v1/channels/sms-2", ok).await;
    api.get(s, "/v1/channels/nope", not_found).await;
    api.delete(s, "/v1/channels/sms-2", no_content).await;
    api.delete(s, "/v1/channels/sms-2", not_found).await;

    // Sources: one that cannot connect, and does not retry.
    let spec = json!({"channel_id": "sms", "type": "sse", "url": "http://127.0.0.1:9/events",
                      "auto_restart": false});
    api.post(s, "/v1/sources", spec.clone(), created).await;
    api.post(s, "/v1/sources", spec, conflict).await;
    api.post(
        s,
        "/v1/sources",
        json!({"channel_id": "nope", "type": "sse", "url": "http://127.0.0.1:9/"}),
        not_found,
    )
    .await;
    api.post(
        s,
        "/v1/sources",
        json!({"channel_id": "webhook-in", "type": "ftp", "url": "ftp://127.0.0.1/"}),
        invalid,
    )
    .await;
    api.get(s, "/v1/sources", ok).await;
    api.get(s, "/v1/sources/sms", ok).await;
    api.get(s, "/v1/sources/nope", not_found).await;
    api.delete(s, "/v1/sources/sms", no_content).await;
    api.delete(s, "/v1/sources/sms", not_found).await;

    // Identities.
    api.post(
        s,
        "/v1/identities",
        json!({"id": "alice", "display_name": "Alice", "channel_addresses": {"sms": ["+1555"]}}),
        created,
    )
    .await;
    api.post(s, "/v1/identities", json!({"id": "alice"}), conflict)
        .await;
    api.post(
        s,
        "/v1/identities",
        json!({"id": "bob", "channel_addresses": {"sms": ["+1555"]}}),
        conflict,
    )
    .await;
    api.post(s, "/v1/identities", json!({"id": "bad\u{7}id"}), invalid)
        .await;
    api.post(s, "/v1/identities", json!({"id": "bob"}), created)
        .await;
    api.get(s, "/v1/identities?limit=1", ok).await;
    api.get(s, "/v1/identities?limit=0", invalid).await;
    api.get(s, "/v1/identities?limit=all", bad).await;
    api.get(s, "/v1/identities/alice", ok).await;
    api.get(s, "/v1/identities/nope", not_found).await;
    let addresses = "/v1/identities/alice/addresses";
    api.post(
        s,
        addresses,
        json!({"channel_type": "email", "address": "a@example.com"}),
        ok,
    )
    .await;
    api.post(
        s,
        "/v1/identities/nope/addresses",
        json!({"channel_type": "email", "address": "n@example.com"}),
        not_found,
    )
    .await;
    api.post(
        s,
        "/v1/identities/bob/addresses",
        json!({"channel_type": "sms", "address": "+1555"}),
        conflict,
    )
    .await;
    api.post(
        s,
        addresses,
        json!({"channel_type": "sms", "address": ""}),
        invalid,
    )
    .await;

    // Messages.
    let hello = json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "r1",
                       "content": {"type": "text", "body": "hello, a task please"}});
    let result = api.post(s, "/v1/inbound", hello, ok).await;
    let event_id = result["event"]["id"].as_str().unwrap().to_owned();
    api.post(
        s,
        "/v1/inbound",
        json!({"channel_id": "nope", "sender_id": "+1555", "content": {"type": "text", "body": "x"}}),
        not_found,
    )
    .await;
    api.post(
        s,
        "/v1/inbound",
        json!({"channel_id": "sms", "sender_id": "+1555",
               "content": {"type": "media", "url": "file:///etc/passwd", "mime_type": "text/plain"}}),
        invalid,
    )
    .await;
    let messages = "/v1/rooms/r1/messages";
    let blocked = api
        .post(
            s,
            messages,
            json!({"channel_id": "sms", "sender_id": "+1555",
                   "content": {"type": "text", "body": "buy spam"}}),
            ok,
        )
        .await;
    assert_eq!(blocked["blocked"], true);
    api.post(
        s,
        messages,
        json!({"channel_id": "sms", "sender_id": "+1555", "room_id": "r2",
               "content": {"type": "text", "body": "x"}}),
        invalid,
    )
    .await;
    api.post(
        s,
        "/v1/rooms/none/messages",
        json!({"channel_id": "sms", "sender_id": "+1555", "content": {"type": "text", "body": "x"}}),
        not_found,
    )
    .await;
    let events = "/v1/rooms/r1/events";
    api.post(
        s,
        events,
        json!({"channel_id": "sms", "content": {"type": "composite", "parts": [
            {"type": "rich", "body": "**see**", "buttons": [{"label": "map", "url": "https://example.com"}]},
            {"type": "location", "latitude": 52.5, "longitude": 13.4, "label": "Berlin"}]}}),
        ok,
    )
    .await;
    api.post(
        s,
        events,
        json!({"channel_id": "nope", "content": {"type": "text", "body": "x"}}),
        not_found,
    )
    .await;
    api.post(
        s,
        events,
        json!({"channel_id": "sms", "content": {"type": "location", "latitude": 99.0, "longitude": 0.0}}),
        invalid,
    )
    .await;
    api.get(s, events, ok).await;
    api.get(
        s,
        &format!("{events}?include_blocked=true&order=desc&limit=2"),
        ok,
    )
    .await;
    api.get(s, &format!("{events}?limit=0"), invalid).await;
    api.get(s, &format!("{events}?order=sideways"), bad).await;
    api.get(s, &format!("{events}?visible_to=nope"), not_found)
        .await;
    api.get(s, "/v1/rooms/none/events", not_found).await;
    api.get(s, &format!("{events}/{event_id}"), ok).await;
    api.get(s, &format!("{events}/nope"), not_found).await;
    api.post(s, &format!("{sms}/read"), json!({"event_id": event_id}), ok)
        .await;
    api.post(s, &format!("{sms}/read"), json!({}), ok).await;
    api.post(
        s,
        &format!("{sms}/read"),
        json!({"event_id": "nope"}),
        not_found,
    )
    .await;

    // Participants, tasks and observations.
    let participants = "/v1/rooms/r1/participants";
    api.get(s, participants, ok).await;
    api.get(s, "/v1/rooms/none/participants", not_found).await;
    api.post(
        s,
        participants,
        json!({"id": "p1", "channel_id": "sms", "display_name": "P", "role": "member"}),
        created,
    )
    .await;
    api.post(
        s,
        participants,
        json!({"id": "p1", "channel_id": "sms"}),
        conflict,
    )
    .await;
    api.post(
        s,
        participants,
        json!({"id": "p2", "channel_id": "sms", "identity_id": "nope"}),
        not_found,
    )
    .await;
    api.post(
        s,
        participants,
        json!({"id": "", "channel_id": "sms"}),
        invalid,
    )
    .await;
    let p1 = "/v1/rooms/r1/participants/p1";
    api.get(s, p1, ok).await;
    api.get(s, "/v1/rooms/r1/participants/nope", not_found)
        .await;
    api.patch(
        s,
        p1,
        json!({"role": "owner", "metadata": {"vip": true}}),
        ok,
    )
    .await;
    api.patch(s, "/v1/rooms/r1/participants/nope", json!({}), not_found)
        .await;
    api.patch(s, p1, json!({"display_name": ""}), invalid).await;
    api.post(
        s,
        &format!("{p1}/resolve"),
        json!({"identity_id": "alice"}),
        ok,
    )
    .await;
    api.post(
        s,
        &format!("{p1}/resolve"),
        json!({"identity_id": "nope"}),
        not_found,
    )
    .await;
    let tasks = "/v1/rooms/r1/tasks";
    api.get(s, tasks, ok).await;
    api.get(s, &format!("{tasks}?status=pending"), ok).await;
    api.get(s, &format!("{tasks}?status=someday"), bad).await;
    api.get(s, "/v1/rooms/none/tasks", not_found).await;
    api.get(s, &format!("{tasks}/task-1"), ok).await;
    api.get(s, &format!("{tasks}/nope"), not_found).await;
    api.patch(s, &format!("{tasks}/task-1"), json!({"title": ""}), invalid)
        .await;
    api.patch(
        s,
        &format!("{tasks}/task-1"),
        json!({"status": "completed"}),
        ok,
    )
    .await;
    api.patch(
        s,
        &format!("{tasks}/task-1"),
        json!({"status": "pending"}),
        conflict,
    )
    .await;
    api.patch(s, &format!("{tasks}/nope"), json!({}), not_found)
        .await;
    api.get(s, "/v1/rooms/r1/observations", ok).await;
    api.get(s, "/v1/rooms/none/observations", not_found).await;

    // Ephemeral events.
    for (route, body) in [
        ("typing", json!({"user_id": "u1", "typing": false})),
        ("presence", json!({"user_id": "u1", "status": "away"})),
        (
            "read-receipts",
            json!({"user_id": "u1", "event_id": event_id}),
        ),
    ] {
        api.post(s, &format!("/v1/rooms/r1/{route}"), body.clone(), accepted)
            .await;
        api.post(
            s,
            &format!("/v1/rooms/none/{route}"),
            body.clone(),
            not_found,
        )
        .await;
        let mut nameless = body;
        nameless["user_id"] = json!("");
        api.post(s, &format!("/v1/rooms/r1/{route}"), nameless, invalid)
            .await;
    }
    api.post(
        s,
        "/v1/rooms/r1/presence",
        json!({"user_id": "u1", "status": "sleepy"}),
        invalid,
    )
    .await;
    api.post(
        s,
        "/v1/rooms/r1/read-receipts",
        json!({"user_id": "u1", "event_id": "nope"}),
        not_found,
    )
    .await;

    // Webhooks: no token; the provider verifies and parses.
    let (status, _) = api
        .send(
            s,
            signed(
                s,
                "webhook-in",
                r#"{"from":"+1666","text":"hi","room_id":"r1"}"#,
            ),
        )
        .await;
    assert_eq!(status, ok);
    let (status, _) = api
        .send(
            s,
            s.http
                .post(format!("{}/v1/webhooks/webhook-in", s.base))
                .header("x-signature", "forged")
                .body("{}"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = api.send(s, signed(s, "sms", "{}")).await;
    assert_eq!(status, not_found);
    let (status, _) = api.send(s, signed(s, "webhook-in", "not json")).await;
    assert_eq!(status, bad);
    let (status, _) = api
        .send(s, signed(s, "webhook-in", r#"{"from":"","text":"hi"}"#))
        .await;
    assert_eq!(status, invalid);
    let (status, _) = api.send(s, signed(s, "webhook-in", "crash")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let huge: &'static str = Box::leak(oversized().into_boxed_str());
    let (status, _) = api.send(s, signed(s, "webhook-in", huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // The WebSocket endpoint: a plain GET, a refused token, an upgrade.
    let (status, _) = api.send(s, s.http.get(format!("{}/v1/ws", s.base))).await;
    assert_eq!(status, bad);
    let (status, _) = api
        .send(s, s.http.get(format!("{}/v1/ws?token=1&token=2", s.base)))
        .await;
    assert_eq!(status, bad);
    match tokio_tungstenite::connect_async(format!("{}/v1/ws?token=wrong", s.ws_base)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok());
            let body = response.body().clone().unwrap_or_default();
            api.check(
                &Method::GET,
                "/v1/ws",
                response.status(),
                content_type,
                &body,
            );
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        other => panic!("a wrong token was not refused: {other:?}"),
    }
    let (mut socket, response) =
        tokio_tungstenite::connect_async(format!("{}/v1/ws?token={TOKEN}", s.ws_base))
            .await
            .unwrap();
    api.check(&Method::GET, "/v1/ws", response.status(), None, &[]);
    socket.close(None).await.unwrap();

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

    // Every documented answer was seen, but those no test double can provoke.
    let unprovoked: BTreeSet<Answer> = BTreeSet::new();
    let mut missing = Vec::new();
    for (method, template) in api.operations() {
        for status in api.doc["paths"][&template][&method]["responses"]
            .as_object()
            .unwrap()
            .keys()
        {
            let answer = (method.clone(), template.clone(), status.parse().unwrap());
            if !api.seen.contains(&answer) && !unprovoked.contains(&answer) {
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
