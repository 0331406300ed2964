//! A server on a free port with test doubles for what the host binary provides: a recording SMS
//! provider, a webhook handler with a shared-secret signature, a channel factory for `sms`, and a
//! plugin catalog with one plugin.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use roomkit_api::{
    ApiConfig, ApiState, ChannelFactory, ChannelFactoryError, ChannelSpec, PluginCallStats,
    PluginCatalog, PluginInfo, PluginLimits, PluginStatus, WebhookAnswer, WebhookError,
    WebhookHandler, WebhookPayload, WebhookRequest,
};
use roomkit_kit::testing::RecordingProvider;
use roomkit_kit::{
    Channel, Hook, HookError, HookResult, HookSpec, HookTrigger, InboundMessage, RoomContext,
    RoomKit, StatusUpdate, TransportChannel,
};
use roomkit_model::{ChannelCapabilities, Content, DeliveryStatus, Observation, RoomEvent, Task};
use roomkit_store::MemoryStore;
use serde_json::{Value, json};

pub const TOKEN: &str = "test-token";
pub const WEBHOOK_SECRET: &str = "shh";

/// Webhooks of channel `webhook-in`: the header `x-signature` must be `WEBHOOK_SECRET:<body
/// length>`; the body is `{"from": ..., "text": ..., "room_id"?: ...}` or a list of those, and
/// the body `crash` fails the provider.
pub struct TestWebhooks;

#[async_trait]
impl WebhookHandler for TestWebhooks {
    fn accepts(&self, channel_id: &str) -> bool {
        channel_id == "webhook-in"
    }

    async fn verify(&self, request: &WebhookRequest) -> Result<bool, WebhookError> {
        let expected = format!("{WEBHOOK_SECRET}:{}", request.body.len());
        Ok(request
            .headers
            .get("x-signature")
            .is_some_and(|v| v.as_bytes() == expected.as_bytes()))
    }

    async fn parse(&self, request: &WebhookRequest) -> Result<WebhookPayload, WebhookError> {
        if request.body.as_ref() == b"crash" || request.query.as_deref() == Some("crash") {
            return Err(WebhookError::ProviderFailed("the provider trapped".into()));
        }
        // A URL check: the challenge echoed as text.
        if request.method == Method::GET {
            let challenge = request.query.clone().unwrap_or_default();
            return Ok(WebhookPayload {
                answer: Some(WebhookAnswer {
                    status: StatusCode::OK,
                    content_type: Some("text/plain".into()),
                    body: challenge.into_bytes(),
                }),
                ..WebhookPayload::default()
            });
        }
        // A delivery status: `{"status": "delivered", "id": ...}`; with `"answer": "xml"` it is
        // answered with an empty XML document.
        if let Ok(value) = serde_json::from_slice::<Value>(&request.body)
            && let Some(status) = value["status"].as_str()
        {
            let status = match status {
                "delivered" => DeliveryStatus::Delivered,
                _ => DeliveryStatus::Failed,
            };
            return Ok(WebhookPayload {
                status_updates: vec![StatusUpdate {
                    provider_message_id: value["id"].as_str().unwrap_or_default().to_owned(),
                    status,
                    error_code: None,
                    error_message: None,
                    metadata: Default::default(),
                }],
                answer: (value["answer"] == "xml").then(|| WebhookAnswer {
                    status: StatusCode::OK,
                    content_type: Some("text/xml".into()),
                    body: b"<Response/>".to_vec(),
                }),
                ..WebhookPayload::default()
            });
        }
        let value: Value = serde_json::from_slice(&request.body)
            .map_err(|e| WebhookError::InvalidPayload(e.to_string()))?;
        let items = match value {
            Value::Array(items) => items,
            one => vec![one],
        };
        items
            .into_iter()
            .map(|item| {
                let from = item["from"].as_str();
                let text = item["text"].as_str();
                match (from, text) {
                    (Some(from), Some(text)) => {
                        // The channel id a provider puts here is overridden by the path's.
                        let mut message = InboundMessage::text("spoofed", from, text);
                        message.room_id = item["room_id"].as_str().map(str::to_owned);
                        Ok(message)
                    }
                    _ => Err(WebhookError::InvalidPayload(
                        "from and text are required".into(),
                    )),
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(WebhookPayload::messages)
    }
}

/// Makes `sms` channels over a fresh recording provider; `config.from` is required, and the
/// sender `unreachable` fails the provider.
pub struct TestFactory;

#[async_trait]
impl ChannelFactory for TestFactory {
    fn channel_types(&self) -> Vec<String> {
        vec!["sms".into()]
    }

    async fn create(&self, spec: &ChannelSpec) -> Result<Arc<dyn Channel>, ChannelFactoryError> {
        if spec.channel_type != "sms" {
            return Err(ChannelFactoryError::UnknownType(spec.channel_type.clone()));
        }
        if spec.config.get("from").and_then(Value::as_str).is_none() {
            return Err(ChannelFactoryError::InvalidConfig(
                "sms channels need config.from".into(),
            ));
        }
        if spec.config.get("from").and_then(Value::as_str) == Some("unreachable") {
            return Err(ChannelFactoryError::Failed(
                "the provider cannot reach its service".into(),
            ));
        }
        Ok(Arc::new(TransportChannel::new(
            spec.id.clone(),
            "sms",
            spec.capabilities.clone().unwrap_or_default(),
            Arc::new(RecordingProvider::default()),
        )))
    }
}

/// One plugin whose call count the tests can raise.
#[derive(Default)]
pub struct TestCatalog {
    pub calls: AtomicU64,
}

impl PluginCatalog for TestCatalog {
    fn plugins(&self) -> Vec<PluginInfo> {
        let calls = self.calls.load(Ordering::SeqCst);
        vec![PluginInfo {
            name: "pii-redactor".into(),
            kind: "hook".into(),
            status: PluginStatus::Loaded,
            version: Some("1.2.0".into()),
            error: None,
            limits: PluginLimits {
                timeout_ms: 1000,
                fuel: 100_000_000,
                memory_mb: 64,
                warm_instances: 8,
                instance: "reuse".into(),
                allowed_hosts: vec!["https://api.example.com".into()],
                fail_closed: true,
                kv_max_keys: 10_000,
                kv_max_bytes: 16_777_216,
            },
            stats: PluginCallStats {
                calls,
                failures: 1,
                call_time_us: calls * 250,
                instantiations: 2,
                warm_instances: 1,
                http_requests: calls,
                http_denied: 3,
                log_dropped: 7,
                kv_keys: 2,
                kv_bytes: 40,
            },
        }]
    }
}

/// Blocks messages containing "spam"; a message containing "task" creates a task and an
/// observation.
struct TestHook;

#[async_trait]
impl Hook for TestHook {
    async fn handle(
        &self,
        _trigger: HookTrigger,
        event: &RoomEvent,
        _ctx: &RoomContext,
    ) -> Result<HookResult, HookError> {
        let body = match &event.content {
            Content::Text { body, .. } => body.as_str(),
            _ => "",
        };
        if body.contains("spam") {
            return Ok(HookResult::block("looks like spam"));
        }
        let mut result = HookResult::allow();
        if body.contains("task") {
            let mut task = Task::new(&event.room_id, "follow up");
            task.id = "task-1".into();
            result.tasks.push(task);
            let mut observation =
                Observation::new(&event.room_id, &event.source.channel_id, "asked for a task");
            observation.id = "obs-1".into();
            observation.category = "intent".into();
            observation.confidence = 0.5;
            result.observations.push(observation);
        }
        Ok(result)
    }
}

pub struct Server {
    pub base: String,
    pub ws_base: String,
    pub state: ApiState,
    pub kit: RoomKit,
    pub sms: Arc<RecordingProvider>,
    pub webhook_sink: Arc<RecordingProvider>,
    pub catalog: Arc<TestCatalog>,
    pub http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn config() -> ApiConfig {
    ApiConfig {
        tokens: vec![TOKEN.into()],
        ..ApiConfig::default()
    }
}

pub async fn start() -> Server {
    start_with(config()).await
}

pub async fn start_with(config: ApiConfig) -> Server {
    let kit = RoomKit::new(Arc::new(MemoryStore::new()));
    let sms = Arc::new(RecordingProvider::default());
    let webhook_sink = Arc::new(RecordingProvider::default());
    kit.register_channel(Arc::new(TransportChannel::new(
        "sms",
        "sms",
        ChannelCapabilities::default(),
        sms.clone(),
    )))
    .unwrap();
    kit.register_channel(Arc::new(TransportChannel::new(
        "webhook-in",
        "http-webhook",
        ChannelCapabilities::default(),
        webhook_sink.clone(),
    )))
    .unwrap();
    kit.add_hook(
        HookSpec::new("test-filter", HookTrigger::BeforeBroadcast),
        Arc::new(TestHook),
    );
    let catalog = Arc::new(TestCatalog::default());
    let limits = config.connections;
    let state = ApiState::new(
        kit.clone(),
        catalog.clone(),
        Arc::new(TestWebhooks),
        Arc::new(TestFactory),
        config,
    );
    for id in ["agent-ws", "customer-ws"] {
        kit.register_channel(state.websocket_channel(id, None))
            .unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let router = roomkit_api::router(state.clone());
    tokio::spawn(roomkit_api::serve_with(listener, router, limits, async {
        let _ = rx.await;
    }));
    Server {
        base: format!("http://{addr}"),
        ws_base: format!("ws://{addr}"),
        state,
        kit,
        sms,
        webhook_sink,
        catalog,
        http: reqwest::Client::builder()
            // A limit for a request that never ends, not a measure.
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        shutdown: Some(tx),
    }
}

impl Server {
    /// A request with the token; returns the status and the JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("{path}: not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// A raw body with the token (for malformed and oversized bodies).
    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A room with the SMS channel attached for `+1555`.
    pub async fn room_with_sms(&self, id: &str) {
        let (status, _) = self.post("/v1/rooms", json!({"id": id})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = self
            .post(
                &format!("/v1/rooms/{id}/bindings"),
                json!({"channel_id": "sms", "participant_id": "+1555"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }

    /// Sends a text from the SMS sender into a room; returns the result.
    pub async fn sms_says(&self, room: &str, text: &str) -> Value {
        let (status, result) = self
            .post(
                &format!("/v1/rooms/{room}/messages"),
                json!({"channel_id": "sms", "sender_id": "+1555", "content": {"type": "text", "body": text}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{result}");
        result
    }

    /// How many events the room holds besides its channel records (blocked ones included).
    pub async fn event_count(&self, room: &str) -> u64 {
        let query = roomkit_store::EventQuery::oldest(usize::MAX).with_blocked();
        let events = self.kit.get_timeline(room, &query).await.unwrap();
        events.iter().filter(|e| !is_channel_record(e)).count() as u64
    }
}

/// Whether an event is one of the room's channel records (`channel_attached`, …).
pub fn is_channel_record(event: &roomkit_model::RoomEvent) -> bool {
    event.event_type.is_channel_record()
}

/// Whether a timeline entry (JSON) is a channel record.
pub fn is_record_json(event: &Value) -> bool {
    event["type"]
        .as_str()
        .is_some_and(|t| t.starts_with("channel_"))
}

/// Replaces every timestamp and generated id in a JSON value, so whole bodies can be compared.
pub fn scrub(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    let generated = key.ends_with("_at") || key == "timestamp";
                    if generated && !v.is_null() {
                        *v = json!("<time>");
                    } else if key == "id" && v.as_str().is_some_and(|s| s.len() == 32) {
                        *v = json!("<id>");
                    } else {
                        walk(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

/// Waits until `check` holds (polling), at most 30 s: a limit that only turns "never" into a
/// failure, and holds on a busy machine.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1_500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

impl Server {
    /// A GET with the token, as text.
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}
