//! The SMS desk (`examples/sms-desk`) end to end: its `roomkit.toml` and manifests, the four SMS
//! provider plugins pointed at in-test fakes of Twilio, Telnyx, Sinch and VoiceMeUp (which
//! speak the services' documented wire formats), every secret from the environment, the real
//! binary. The fakes sign inbound webhooks as the services do; the test checks what the
//! services received, what the host stored, and that no secret leaked anywhere.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use roomkit_api::testing::WsClient;
use roomkit_fakes::telnyx::FakeTelnyx;
use roomkit_fakes::{FakeServer, FakeTwilio, Reply, sinch, voicemeup};
use serde_json::{Value, json};

use crate::support::{Server, TOKEN, copy_dir_files, eventually, replace_line, shared_cache};

/// What Twilio is told the host's address is: it signs webhooks over this URL, not over the
/// address the request reaches (a proxy in between).
const PUBLIC_URL: &str = "https://desk.example.com";

const TWILIO_SID: &str = "AC00000000000000000000000000000001";
const TWILIO_TOKEN: &str = "e2e-twilio-auth-token-5d1c";
const TWILIO_FROM: &str = "+15145550100";
const TWILIO_B_SID: &str = "AC00000000000000000000000000000002";
const TWILIO_B_TOKEN: &str = "e2e-twilio-b-auth-token-8e2f";
const TWILIO_B_FROM: &str = "+15145550199";
const TELNYX_FROM: &str = "+15145550111";
const SINCH_PLAN: &str = "e2eplan01";
const SINCH_TOKEN: &str = "e2e-sinch-api-token-a81b";
const SINCH_SECRET: &str = "e2e-sinch-webhook-secret-c93d";
const SINCH_FROM: &str = "+15145550122";
const VMU_USER: &str = "e2e-vmu-user";
const VMU_TOKEN: &str = "e2e-vmu-auth-token-47fe";
const VMU_WEBHOOK_TOKEN: &str = "e2e-vmu-webhook-token-0b6a";
const VMU_FROM: &str = "+15145550133";

/// The customer.
const CUSTOMER: &str = "+14185551234";

/// Every secret the deployment is given through the environment.
const SECRETS: [&str; 7] = [
    TWILIO_TOKEN,
    TWILIO_B_TOKEN,
    FakeTelnyx::API_KEY,
    SINCH_TOKEN,
    SINCH_SECRET,
    VMU_TOKEN,
    VMU_WEBHOOK_TOKEN,
];

/// The plugins of the example, and the fixture standing in for a slow model.
const PLUGINS: [&str; 8] = [
    "twilio-sms",
    "telnyx-sms",
    "sinch-sms",
    "voicemeup-sms",
    "echo-ai",
    "pii-redactor",
    "profanity-filter",
    "test-ai",
];

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sms-desk")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The deployment, its fakes and the running binary.
struct Desk {
    dir: tempfile::TempDir,
    server: Server,
    http: reqwest::Client,
    twilio: FakeTwilio,
    telnyx: FakeTelnyx,
    sinch: sinch::SinchFake,
    vmu: voicemeup::VoiceMeUpFake,
    /// The model endpoint of the slow assistant: it answers after 5 s.
    model: FakeServer,
    /// Every answer body the test received, searched for secrets at the end.
    answers: std::sync::Mutex<Vec<String>>,
}

fn allow(text: &str, url: &str) -> String {
    replace_line(
        text,
        "allowed_hosts = ",
        &format!("allowed_hosts = [\"{url}\"]"),
    )
}

impl Desk {
    async fn start() -> Desk {
        let twilio = FakeTwilio::start().await;
        twilio.add_account(TWILIO_SID, TWILIO_TOKEN);
        twilio.add_account(TWILIO_B_SID, TWILIO_B_TOKEN);
        let telnyx = FakeTelnyx::start().await;
        let sinch = sinch::SinchFake::start(SINCH_PLAN, SINCH_TOKEN).await;
        let vmu = voicemeup::VoiceMeUpFake::start(VMU_USER, VMU_TOKEN).await;
        let model =
            FakeServer::start(|_| Reply::json(200, "{}").after(Duration::from_secs(5))).await;

        let dir = tempfile::Builder::new()
            .prefix("roomkit-sms-e2e-")
            .tempdir()
            .unwrap();
        let example = example_dir();
        let config = std::fs::read_to_string(example.join("roomkit.toml")).unwrap();
        let mut config = replace_line(
            &config,
            "public_url = ",
            &format!("public_url = \"{PUBLIC_URL}\""),
        );
        // A second Twilio number on another account, served by the same component, and an
        // assistant behind a slow model.
        config.push_str(
            "\n[[channels]]\nid = \"sms-twilio-b\"\ntype = \"sms\"\nprovider = \"twilio-sms\"\n\
             config = { account_sid = \"${TWILIO_B_ACCOUNT_SID}\", auth_token = \
             \"${TWILIO_B_AUTH_TOKEN}\", from = \"${TWILIO_B_FROM}\" }\n\
             \n[[channels]]\nid = \"slow-assistant\"\ntype = \"ai\"\nprovider = \"test-ai\"\n",
        );
        std::fs::write(dir.path().join("roomkit.toml"), config).unwrap();

        let plugins = dir.path().join("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        for name in PLUGINS {
            let manifest = plugins.join(format!("{name}.toml"));
            let text = match name {
                "test-ai" => format!(
                    "kind = \"ai-provider\"\nallowed_hosts = [\"{0}\"]\ntimeout_ms = 30000\n\
                     [config]\nmodel_url = \"{0}/v1/generate\"\n",
                    model.url()
                ),
                _ => {
                    let text = std::fs::read_to_string(
                        example.join("plugins").join(format!("{name}.toml")),
                    )
                    .unwrap();
                    let fake = match name {
                        "twilio-sms" => Some(twilio.url()),
                        "telnyx-sms" => Some(telnyx.url()),
                        "sinch-sms" => Some(sinch.url()),
                        "voicemeup-sms" => Some(vmu.url()),
                        _ => None,
                    };
                    match fake {
                        Some(url) => replace_line(
                            &allow(&text, &url),
                            "api_base = ",
                            &format!("api_base = \"{url}\""),
                        ),
                        None => text,
                    }
                }
            };
            std::fs::write(&manifest, text).unwrap();
            std::fs::copy(
                roomkit_plugin_builds::component(name),
                plugins.join(format!("{name}.wasm")),
            )
            .unwrap();
        }

        let cache = dir.path().join("data/plugin-cache");
        copy_dir_files(shared_cache(), &cache);
        let mut command = Command::new(env!("CARGO_BIN_EXE_roomkit"));
        command
            .args(["serve", "--config"])
            .arg(dir.path().join("roomkit.toml"))
            .args(["--listen", "127.0.0.1:0"])
            // Every line the host logs, so that the secret search sees them all.
            .env("RUST_LOG", "debug")
            .env("TWILIO_ACCOUNT_SID", TWILIO_SID)
            .env("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
            .env("TWILIO_FROM", TWILIO_FROM)
            .env("TWILIO_B_ACCOUNT_SID", TWILIO_B_SID)
            .env("TWILIO_B_AUTH_TOKEN", TWILIO_B_TOKEN)
            .env("TWILIO_B_FROM", TWILIO_B_FROM)
            .env("TELNYX_API_KEY", FakeTelnyx::API_KEY)
            .env("TELNYX_PUBLIC_KEY", telnyx.public_key_base64())
            .env("TELNYX_FROM", TELNYX_FROM)
            .env("SINCH_SERVICE_PLAN_ID", SINCH_PLAN)
            .env("SINCH_API_TOKEN", SINCH_TOKEN)
            .env("SINCH_FROM", SINCH_FROM)
            .env("SINCH_WEBHOOK_SECRET", SINCH_SECRET)
            .env("VOICEMEUP_USERNAME", VMU_USER)
            .env("VOICEMEUP_AUTH_TOKEN", VMU_TOKEN)
            .env("VOICEMEUP_FROM", VMU_FROM)
            .env("VOICEMEUP_WEBHOOK_TOKEN", VMU_WEBHOOK_TOKEN);
        let server = Server::spawn(command, &dir.path().join("stderr.log")).await;
        copy_dir_files(&cache, shared_cache());
        let loaded: Vec<String> = server
            .stdout()
            .into_iter()
            .filter(|l| l.starts_with("plugin "))
            .collect();
        assert_eq!(loaded.len(), PLUGINS.len(), "{loaded:?}");
        assert!(loaded.iter().all(|l| l.ends_with(" loaded")), "{loaded:?}");
        Desk {
            dir,
            server,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            twilio,
            telnyx,
            sinch,
            vmu,
            model,
            answers: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    /// Sends a request; returns the status, the content type and the body (kept for the
    /// secret search).
    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, String, String) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.text().await.unwrap();
        self.answers.lock().unwrap().push(body.clone());
        (status, content_type, body)
    }

    /// A webhook as a service posts it to `path` (`/v1/webhooks/…`).
    async fn webhook(
        &self,
        path: &str,
        headers: &[(String, String)],
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, String, String) {
        let mut request = self.http.post(self.url(path)).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        self.send(request).await
    }

    /// An inbound Twilio SMS on channel `channel` (signed with `token` over the public URL).
    async fn twilio_in(
        &self,
        channel: &str,
        token: &str,
        to: &str,
        body: &str,
        media: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let path = format!("/v1/webhooks/{channel}");
        let (headers, form) = self.twilio.inbound_sms(
            &format!("{PUBLIC_URL}{path}"),
            token,
            CUSTOMER,
            to,
            body,
            media,
        );
        self.webhook(&path, &headers, form).await
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, _, text) = self.send(request).await;
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn get(&self, path: &str) -> Value {
        self.api(reqwest::Method::GET, path, None).await
    }

    /// The room a sender's messages on `channel` went to (the one whose binding of `channel`
    /// names `sender`).
    async fn room_of(&self, channel: &str, sender: &str) -> String {
        let rooms = self.get("/v1/rooms").await;
        for room in rooms["rooms"].as_array().unwrap() {
            let id = room["id"].as_str().unwrap();
            let bindings = self.get(&format!("/v1/rooms/{id}/bindings")).await;
            if bindings["bindings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["channel_id"] == channel && b["participant_id"] == sender)
            {
                return id.to_owned();
            }
        }
        panic!("no room has {sender} on {channel}: {rooms}");
    }

    /// The messages of a room (records left out), oldest first.
    async fn messages(&self, room: &str) -> Vec<Value> {
        let events = self
            .get(&format!("/v1/rooms/{room}/events?limit=500"))
            .await;
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "message")
            .cloned()
            .collect()
    }

    /// Everything the host printed so far.
    fn output(&self) -> String {
        let stderr = std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap();
        format!("{}\n{stderr}", self.server.stdout().join("\n"))
    }
}

/// The body of a text message event.
fn body(event: &Value) -> &str {
    event["content"]["body"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sms_desk_end_to_end_over_four_providers() {
    let desk = Desk::start().await;
    let long = Duration::from_secs(60);
    // Every plugin the configuration names is loaded: ready.
    assert_eq!(
        desk.get("/readyz").await,
        json!({"status": "ready", "reasons": []})
    );

    // 1. A Twilio text, signed over the public URL, goes through the hooks (the card number is
    //    masked) to the assistant, whose answer goes back over Twilio. Twilio gets the empty
    //    TwiML it expects.
    let (status, content_type, answer) = desk
        .twilio_in("sms-twilio", TWILIO_TOKEN, TWILIO_FROM, "hello desk", &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(content_type, "text/xml");
    assert_eq!(
        answer,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"
    );
    let room = desk.room_of("sms-twilio", CUSTOMER).await;
    eventually(
        "the assistant's answer sent through Twilio",
        long,
        || async {
            desk.twilio
                .sent()
                .iter()
                .any(|m| m.get("Body") == Some("echo: hello desk"))
        },
    )
    .await;
    let sent = desk.twilio.sent();
    let reply = sent
        .iter()
        .find(|m| m.get("Body") == Some("echo: hello desk"))
        .unwrap();
    assert_eq!(reply.account_sid, TWILIO_SID);
    assert_eq!(reply.get("To"), Some(CUSTOMER));
    assert_eq!(reply.get("From"), Some(TWILIO_FROM));
    assert_eq!(reply.status, 201);

    // 2. The operator adds the customer's Telnyx number to the room: the next answer reaches
    //    the customer through Telnyx too, to the right number.
    desk.api(
        reqwest::Method::POST,
        &format!("/v1/rooms/{room}/bindings"),
        Some(json!({"channel_id": "sms-telnyx", "participant_id": CUSTOMER})),
    )
    .await;
    let (status, _, _) = desk
        .twilio_in(
            "sms-twilio",
            TWILIO_TOKEN,
            TWILIO_FROM,
            "my card 4111 1111 1111 1111 was charged twice",
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let answer = "echo: my card [card] was charged twice";
    eventually("the answer sent through Telnyx", long, || async {
        desk.telnyx.sent().iter().any(|m| m["text"] == answer)
    })
    .await;
    let telnyx_sent = desk.telnyx.sent();
    let through_telnyx = telnyx_sent.iter().find(|m| m["text"] == answer).unwrap();
    assert_eq!(through_telnyx["to"], CUSTOMER);
    assert_eq!(through_telnyx["from"], TELNYX_FROM);
    let request = desk
        .telnyx
        .requests()
        .into_iter()
        .find(|r| r.path == "/v2/messages")
        .unwrap();
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", FakeTelnyx::API_KEY).as_str())
    );
    let messages = desk.messages(&room).await;
    assert!(
        messages
            .iter()
            .any(|m| body(m) == "my card [card] was charged twice"),
        "stored redacted: {messages:?}"
    );

    // 3. The same Twilio message twice (Twilio retries when it sees no answer) is one event.
    let path = "/v1/webhooks/sms-twilio";
    let (headers, form) = desk.twilio.inbound_sms(
        &format!("{PUBLIC_URL}{path}"),
        TWILIO_TOKEN,
        CUSTOMER,
        TWILIO_FROM,
        "only once please",
        &[],
    );
    for _ in 0..2 {
        let (status, _, _) = desk.webhook(path, &headers, form.clone()).await;
        assert_eq!(status, StatusCode::OK);
    }
    let once = desk
        .messages(&room)
        .await
        .into_iter()
        .filter(|m| body(m) == "only once please")
        .count();
    assert_eq!(once, 1);

    // 4. A status callback for the first answer marks it delivered, and an agent watching the
    //    room sees the receipt.
    let mut agent =
        WsClient::connect(&format!("ws://{}/v1/ws?token={TOKEN}", desk.server.addr)).await;
    agent.join(&room, "agents", "agent-1").await;
    let sid = reply.sid.clone().unwrap();
    let (headers, form) = desk.twilio.status_callback(
        &format!("{PUBLIC_URL}{path}"),
        TWILIO_TOKEN,
        &sid,
        "delivered",
        None,
    );
    let (status, content_type, _) = desk.webhook(path, &headers, form).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "", "Twilio gets an empty 200");
    let receipt = loop {
        let message = agent.recv().await;
        if message.to_string().contains("delivery_receipt") {
            break message;
        }
    };
    assert!(receipt.to_string().contains(&sid), "{receipt}");
    let answer = desk
        .messages(&room)
        .await
        .into_iter()
        .find(|m| body(m) == "echo: hello desk")
        .unwrap();
    assert_eq!(
        answer["delivery_results"]["sms-twilio"]["status"],
        "delivered"
    );
    assert_eq!(
        answer["delivery_results"]["sms-twilio"]["provider_message_id"],
        sid.as_str()
    );

    // 5. An MMS in each provider's shape arrives as media.
    let image = "https://media.example.com/photo.jpg";
    let (status, _, _) = desk
        .twilio_in(
            "sms-twilio",
            TWILIO_TOKEN,
            TWILIO_FROM,
            "twilio photo",
            &[(image, "image/jpeg")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (headers, json_body) = desk.telnyx.message_received(
        CUSTOMER,
        TELNYX_FROM,
        "telnyx photo",
        &[(image, "image/jpeg")],
    );
    let (status, _, text) = desk
        .webhook("/v1/webhooks/sms-telnyx", &headers, json_body)
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let mo = sinch::mo_media(
        "01SINCHMO0001",
        CUSTOMER,
        SINCH_FROM,
        "sinch photo",
        &[(image, "image/jpeg")],
    );
    let callback = sinch::signed(SINCH_SECRET, &mo, "nonce-1", now());
    let (status, _, text) = desk
        .webhook("/v1/webhooks/sms-sinch", &callback.headers, callback.body)
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let vmu_path = format!("/v1/webhooks/sms-voicemeup?token={VMU_WEBHOOK_TOKEN}");
    let (first, second) = voicemeup::mms(
        &CUSTOMER[1..],
        &VMU_FROM[1..],
        "voicemeup photo",
        image,
        "2026-12-06 12:00:00",
    );
    let json_headers = [("content-type".to_owned(), "application/json".to_owned())];
    for part in [first, second] {
        let (status, _, text) = desk
            .webhook(&vmu_path, &json_headers, part.to_string())
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    for (channel, caption) in [
        ("sms-twilio", "twilio photo"),
        ("sms-telnyx", "telnyx photo"),
        ("sms-sinch", "sinch photo"),
        ("sms-voicemeup", "voicemeup photo"),
    ] {
        let room = desk.room_of(channel, CUSTOMER).await;
        let messages = desk.messages(&room).await;
        let mms = messages
            .iter()
            .find(|m| m["source"]["channel_id"] == channel && m.to_string().contains(image))
            .unwrap_or_else(|| panic!("{channel}: no media message in {messages:?}"));
        assert_eq!(mms["source"]["channel_type"], "mms", "{channel}: {mms}");
        assert!(mms.to_string().contains(caption), "{channel}: {mms}");
    }

    // The assistant answers each of them on the provider it came in by.
    eventually("answers through Sinch and VoiceMeUp", long, || async {
        !desk.sinch.sent().is_empty() && !desk.vmu.sent().is_empty()
    })
    .await;
    let sinch_batch = &desk.sinch.sent()[0];
    assert_eq!(sinch_batch["to"], json!([CUSTOMER]), "{sinch_batch}");
    assert_eq!(sinch_batch["from"], SINCH_FROM, "{sinch_batch}");
    let vmu_form = &desk.vmu.sent()[0];
    assert!(
        vmu_form.values().any(|v| v.contains(&CUSTOMER[2..])),
        "{vmu_form:?}"
    );

    // 6. Two Twilio channels on one component send with their own accounts.
    let (status, _, _) = desk
        .twilio_in(
            "sms-twilio-b",
            TWILIO_B_TOKEN,
            TWILIO_B_FROM,
            "second line",
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("the answer on the second account", long, || async {
        desk.twilio
            .sent()
            .iter()
            .any(|m| m.get("Body") == Some("echo: second line"))
    })
    .await;
    let sent = desk.twilio.sent();
    let second = sent
        .iter()
        .find(|m| m.get("Body") == Some("echo: second line"))
        .unwrap();
    assert_eq!(second.account_sid, TWILIO_B_SID);
    assert_eq!(second.get("From"), Some(TWILIO_B_FROM));
    assert_eq!(
        second.status, 201,
        "the fake took account B's own credentials"
    );
    // A webhook signed with account A's token is not account B's.
    let (status, _, _) = desk
        .twilio_in("sms-twilio-b", TWILIO_TOKEN, TWILIO_B_FROM, "forged", &[])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // 7. A slow model: the webhook is answered at commit, long before the model's 5 s, and the
    //    answer is still delivered once it comes.
    let slow_room = desk.room_of("sms-telnyx", CUSTOMER).await;
    desk.api(
        reqwest::Method::DELETE,
        &format!("/v1/rooms/{slow_room}/bindings/assistant"),
        None,
    )
    .await;
    desk.api(
        reqwest::Method::POST,
        &format!("/v1/rooms/{slow_room}/bindings"),
        Some(json!({"channel_id": "slow-assistant"})),
    )
    .await;
    let before = desk.telnyx.sent().len();
    let (headers, json_body) =
        desk.telnyx
            .message_received(CUSTOMER, TELNYX_FROM, "are you there", &[]);
    let (status, _, text) = desk
        .webhook("/v1/webhooks/sms-telnyx", &headers, json_body)
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answered: Vec<Value> = desk.telnyx.sent()[before..].to_vec();
    assert!(
        !answered.iter().any(|m| m["text"] == "echo: are you there"),
        "the webhook waited for the model: {answered:?}"
    );
    eventually("the slow model's answer delivered", long, || async {
        desk.telnyx
            .sent()
            .iter()
            .any(|m| m["text"] == "echo: are you there")
    })
    .await;
    assert!(!desk.model.requests().is_empty());
    let answered = desk
        .telnyx
        .sent()
        .iter()
        .filter(|m| m["text"] == "echo: are you there")
        .count();
    assert_eq!(answered, 1, "answered once, not retried");

    // 8. No secret from the environment shows anywhere: the host's output, every answer (the
    //    plugin and channel lists included).
    let plugins = desk.get("/v1/plugins").await;
    assert_eq!(plugins["plugins"].as_array().unwrap().len(), PLUGINS.len());
    desk.get("/v1/channels").await;
    let output = desk.output();
    let answers = desk.answers.lock().unwrap().join("\n");
    for secret in SECRETS {
        assert!(!output.contains(secret), "a secret in the host's output");
        assert!(!answers.contains(secret), "a secret in an API answer");
    }
}

/// A refused webhook: what it is, its path, headers and body.
type BadWebhook<'a> = (&'a str, &'a str, Vec<(String, String)>, Vec<u8>);

/// Rooms and their events, to show that a refused request changed nothing.
async fn world(desk: &Desk) -> Vec<(String, usize)> {
    let rooms = desk.get("/v1/rooms").await;
    let mut world = Vec::new();
    for room in rooms["rooms"].as_array().unwrap() {
        let id = room["id"].as_str().unwrap().to_owned();
        let events = desk.get(&format!("/v1/rooms/{id}/events?limit=500")).await;
        world.push((id, events["events"].as_array().unwrap().len()));
    }
    world
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sms_desk_refuses_bad_webhooks_and_reports_what_the_services_answer() {
    let desk = Desk::start().await;
    // A room with the customer on Twilio, so that deliveries have somewhere to go.
    let (status, _, _) = desk
        .twilio_in("sms-twilio", TWILIO_TOKEN, TWILIO_FROM, "hi", &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let room = desk.room_of("sms-twilio", CUSTOMER).await;
    eventually("the first answer", Duration::from_secs(60), || async {
        !desk.twilio.sent().is_empty()
    })
    .await;
    let before = world(&desk).await;

    // Bad webhooks, each signed as its service signs (so the payload itself is refused): 400
    // with the provider's reason, nothing stored.
    let telnyx_signed = |body: &str| (desk.telnyx.sign(now(), body.as_bytes()), body.to_owned());
    let thousand_media: Vec<(String, &str)> = (0..1000)
        .map(|i| (format!("https://media.example.com/{i}.jpg"), "image/jpeg"))
        .collect();
    let media: Vec<(&str, &str)> = thousand_media
        .iter()
        .map(|(u, t)| (u.as_str(), *t))
        .collect();
    let (many_headers, many_body) =
        desk.telnyx
            .message_received(CUSTOMER, TELNYX_FROM, "so many", &media);
    let (not_json_headers, not_json) = telnyx_signed("this is not json");
    let (missing_headers, missing) =
        telnyx_signed(r#"{"data": {"event_type": "message.received", "payload": {}}}"#);
    let mut wrong_type_headers = not_json_headers.clone();
    wrong_type_headers[0].1 = "text/plain".into();
    let (wrong_type_headers, wrong_type_body) = {
        let (mut headers, body) =
            desk.telnyx
                .message_received(CUSTOMER, TELNYX_FROM, "typed wrong", &[]);
        headers[0].1 = "text/plain".into();
        (headers, body)
    };
    let twilio_path = "/v1/webhooks/sms-twilio";
    let malformed_form = vec![("NumMedia".to_owned(), "lots".to_owned())];
    let malformed_headers = vec![
        (
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ),
        (
            "x-twilio-signature".to_owned(),
            roomkit_fakes::twilio::twilio_signature(
                TWILIO_TOKEN,
                &format!("{PUBLIC_URL}{twilio_path}"),
                &malformed_form,
            ),
        ),
    ];
    let cases: Vec<BadWebhook> = vec![
        (
            "1,000 media",
            "/v1/webhooks/sms-telnyx",
            many_headers,
            many_body,
        ),
        (
            "not JSON",
            "/v1/webhooks/sms-telnyx",
            not_json_headers,
            not_json.into_bytes(),
        ),
        (
            "missing fields",
            "/v1/webhooks/sms-telnyx",
            missing_headers,
            missing.into_bytes(),
        ),
        (
            "wrong content type",
            "/v1/webhooks/sms-telnyx",
            wrong_type_headers,
            wrong_type_body,
        ),
        (
            "malformed form",
            twilio_path,
            malformed_headers,
            b"NumMedia=lots".to_vec(),
        ),
    ];
    for (what, path, headers, body) in cases {
        let (status, _, answer) = desk.webhook(path, &headers, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["error"]["code"], "invalid_webhook_payload", "{what}");
        assert!(
            !answer["error"]["message"].as_str().unwrap().is_empty(),
            "{what}: a reason"
        );
        assert_eq!(world(&desk).await, before, "{what}: nothing stored");
    }
    // A tampered body and an old timestamp are not the service's: 401.
    let (mut headers, body) = desk
        .telnyx
        .message_received(CUSTOMER, TELNYX_FROM, "original", &[]);
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("original", "tampered");
    let (status, _, _) = desk
        .webhook("/v1/webhooks/sms-telnyx", &headers, tampered)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let old = now() - 3600;
    headers = desk.telnyx.sign(old, &body);
    let (status, _, _) = desk
        .webhook("/v1/webhooks/sms-telnyx", &headers, body)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(world(&desk).await, before, "nothing stored");

    // What Twilio answers a delivery: its own error text, retried only when retryable, after
    // the wait Retry-After asks for.
    let say = |text: &'static str| {
        let desk = &desk;
        let room = room.clone();
        async move {
            let result = desk
                .api(
                    reqwest::Method::POST,
                    &format!("/v1/rooms/{room}/messages"),
                    Some(json!({"channel_id": "agents", "sender_id": "agent-1",
                            "content": {"type": "text", "body": text}})),
                )
                .await;
            result["delivery_results"]["sms-twilio"].clone()
        }
    };
    desk.twilio.respond_next(roomkit_fakes::twilio::error_reply(
        400,
        21211,
        "The 'To' number +14185551234 is not a valid phone number.",
    ));
    let refused = say("to a bad number").await;
    assert_eq!(refused["status"], "failed", "{refused}");
    assert_eq!(refused["attempts"], 1, "a 400 is not retried: {refused}");
    assert_eq!(refused["error_code"], "21211", "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("is not a valid phone number"),
        "{refused}"
    );

    desk.twilio.respond_next(
        roomkit_fakes::twilio::error_reply(429, 20429, "Too Many Requests")
            .header("retry-after", "2"),
    );
    let started = std::time::Instant::now();
    let throttled = say("after a pause").await;
    assert_eq!(throttled["status"], "delivered", "{throttled}");
    assert_eq!(throttled["attempts"], 2, "{throttled}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited as Retry-After said (a lower bound only)"
    );

    desk.twilio
        .respond_next(Reply::text(502, "<html>bad gateway</html>"));
    desk.twilio
        .respond_next(Reply::text(502, "<html>bad gateway</html>"));
    let flaky = say("through a flaky proxy").await;
    assert_eq!(flaky["status"], "delivered", "{flaky}");
    assert_eq!(flaky["attempts"], 3, "5xx is retried: {flaky}");

    // Garbage instead of Twilio's error object (a proxy's page): failed with that text.
    desk.twilio
        .respond_next(Reply::text(403, "<html>forbidden by the proxy</html>"));
    let garbage = say("into garbage").await;
    assert_eq!(garbage["status"], "failed", "{garbage}");
    assert_eq!(garbage["attempts"], 1, "{garbage}");
    assert!(
        garbage["error"].as_str().unwrap().ends_with(
            "Twilio answered HTTP 403 without its JSON error object: \
                 \"<html>forbidden by the proxy</html>\""
        ),
        "the service's own text: {garbage}"
    );
    // Garbage with a 2xx: Twilio took the message, so it is not sent again (that would send
    // it twice); it is delivered without an id, and the plugin logs a warning.
    desk.twilio
        .respond_next(Reply::text(200, "not twilio at all"));
    let taken = say("taken without an id").await;
    assert_eq!(taken, json!({"status": "delivered", "attempts": 1}));

    // A channel registered through the API names plain values: it cannot read the host's
    // environment or files into a plugin.
    for (what, setting) in [
        ("an environment variable", json!("${TWILIO_AUTH_TOKEN}")),
        ("a file", json!({"file": "/etc/passwd"})),
    ] {
        let request = desk
            .http
            .post(desk.url("/v1/channels"))
            .bearer_auth(TOKEN)
            .json(&json!({"id": "sms-api", "type": "sms", "config": {
                "provider": "twilio-sms", "account_sid": TWILIO_SID, "auth_token": setting,
                "from": TWILIO_FROM}}));
        let (status, _, answer) = desk.send(request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["error"]["code"], "invalid_channel_config", "{what}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("only for channels of roomkit.toml"),
            "{what}: {answer}"
        );
    }
    // With plain values it works, and sends with them.
    desk.api(
        reqwest::Method::POST,
        "/v1/channels",
        Some(json!({"id": "sms-api", "type": "sms", "config": {
            "provider": "twilio-sms", "account_sid": TWILIO_B_SID,
            "auth_token": TWILIO_B_TOKEN, "from": TWILIO_B_FROM}})),
    )
    .await;
    let (status, _, _) = desk
        .twilio_in(
            "sms-api",
            TWILIO_B_TOKEN,
            TWILIO_B_FROM,
            "via the api channel",
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let output = desk.output();
    for secret in SECRETS {
        assert!(!output.contains(secret), "a secret in the host's output");
    }
}
