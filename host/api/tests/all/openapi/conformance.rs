//! Checks the API's answers against its generated OpenAPI document: the route and status of
//! each answer are documented, its body validates against the declared schema (`$ref`s resolved
//! in the document's components), and an accepted request body against the request schema.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

use crate::support::{Server, TOKEN};

/// The methods OpenAPI path items hold that the API uses.
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// A route of the document and one of its statuses: (method, path template, status).
pub(super) type Answer = (String, String, u16);

/// The document, the validators of its response schemas, and the answers seen.
pub(super) struct Conformance {
    pub(super) doc: Value,
    pub(super) validators: BTreeMap<Answer, jsonschema::Validator>,
    pub(super) seen: BTreeSet<Answer>,
    /// Answers that differ from the document.
    pub(super) mismatches: Vec<String>,
    /// Requests that succeeded, to send again once the host is closing.
    pub(super) successes: Vec<(Method, String, Option<Value>)>,
}

impl Conformance {
    pub(super) fn new() -> Self {
        Conformance {
            doc: serde_json::to_value(roomkit_api::openapi_document()).unwrap(),
            validators: BTreeMap::new(),
            seen: BTreeSet::new(),
            mismatches: Vec::new(),
            successes: Vec::new(),
        }
    }

    /// Every (method, path template) the document holds.
    pub(super) fn operations(&self) -> Vec<(String, String)> {
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
    pub(super) fn check(
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
    pub(super) async fn send(
        &mut self,
        server: &Server,
        request: RequestBuilder,
    ) -> (StatusCode, Value) {
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
    pub(super) async fn expect(
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

    pub(super) async fn get(&mut self, server: &Server, path: &str, expected: StatusCode) -> Value {
        self.expect(server, Method::GET, path, None, expected).await
    }

    pub(super) async fn post(
        &mut self,
        server: &Server,
        path: &str,
        body: Value,
        expected: StatusCode,
    ) -> Value {
        self.expect(server, Method::POST, path, Some(body), expected)
            .await
    }

    pub(super) async fn put(
        &mut self,
        server: &Server,
        path: &str,
        body: Value,
        expected: StatusCode,
    ) -> Value {
        self.expect(server, Method::PUT, path, Some(body), expected)
            .await
    }

    pub(super) async fn patch(
        &mut self,
        server: &Server,
        path: &str,
        body: Value,
        expected: StatusCode,
    ) -> Value {
        self.expect(server, Method::PATCH, path, Some(body), expected)
            .await
    }

    pub(super) async fn delete(
        &mut self,
        server: &Server,
        path: &str,
        expected: StatusCode,
    ) -> Value {
        self.expect(server, Method::DELETE, path, None, expected)
            .await
    }

    /// A raw body with the token, expecting `expected`.
    pub(super) async fn raw(
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
pub(super) fn with_placeholders(template: &str) -> String {
    template
        .split('/')
        .map(|part| if part.starts_with('{') { "none" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}
