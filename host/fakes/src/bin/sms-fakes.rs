//! `sms-fakes`: the four SMS services of `examples/sms-desk`, faked on 127.0.0.1, for trying
//! the desk without accounts. Twilio listens on 9101, Telnyx on 9102, Sinch on 9103 and
//! VoiceMeUp on 9104 (`--base-port` moves them); each takes the credentials of the environment
//! the desk's `dev.sh` exports, prints every message the host sends through it, and, from lines
//! typed on stdin, posts a customer's text to the host as its service would, signed:
//!
//! ```text
//! twilio +14185551234 hello there       an SMS from +14185551234 through Twilio
//! telnyx +14185551234 hi                the same through Telnyx (sinch, voicemeup too)
//! status SM00000000000000000000000000000001 delivered   a Twilio status callback
//! ```
//!
//! `sms-fakes --telnyx-public-key` prints the public key the Telnyx fake signs with and exits.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use roomkit_fakes::telnyx::FakeTelnyx;
use roomkit_fakes::{FakeTwilio, sinch, voicemeup};
use tokio::io::AsyncBufReadExt;

/// The seed of the Telnyx fake's key pair: fixed, so its public key can be configured once.
const TELNYX_SEED: [u8; 32] = [7; 32];

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("sms-fakes: set {name} (examples/sms-desk/dev.sh does)"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

struct Fakes {
    host: String,
    http: reqwest::Client,
    twilio: FakeTwilio,
    telnyx: FakeTelnyx,
    sinch: sinch::SinchFake,
    vmu: voicemeup::VoiceMeUpFake,
    env: BTreeMap<&'static str, String>,
}

impl Fakes {
    /// Posts a webhook to the host and prints its answer.
    async fn post(&self, path: &str, headers: &[(String, String)], body: Vec<u8>) {
        let mut request = self.http.post(format!("{}{path}", self.host)).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                println!("  host answered {status}: {text}");
            }
            Err(e) => println!("  the host is not reachable at {}: {e}", self.host),
        }
    }

    async fn command(&self, line: &str) {
        let mut words = line.split_whitespace();
        let (Some(service), Some(arg)) = (words.next(), words.next()) else {
            return;
        };
        let text = words.collect::<Vec<_>>().join(" ");
        match service {
            "twilio" => {
                let path = "/v1/webhooks/sms-twilio";
                let (headers, body) = self.twilio.inbound_sms(
                    &format!("{}{path}", self.env["public_url"]),
                    &self.env["TWILIO_AUTH_TOKEN"],
                    arg,
                    &self.env["TWILIO_FROM"],
                    &text,
                    &[],
                );
                self.post(path, &headers, body.into_bytes()).await;
            }
            "status" => {
                let path = "/v1/webhooks/sms-twilio";
                let (headers, body) = self.twilio.status_callback(
                    &format!("{}{path}", self.env["public_url"]),
                    &self.env["TWILIO_AUTH_TOKEN"],
                    arg,
                    if text.is_empty() { "delivered" } else { &text },
                    None,
                );
                self.post(path, &headers, body.into_bytes()).await;
            }
            "telnyx" => {
                let (headers, body) =
                    self.telnyx
                        .message_received(arg, &self.env["TELNYX_FROM"], &text, &[]);
                self.post("/v1/webhooks/sms-telnyx", &headers, body).await;
            }
            "sinch" => {
                let id = format!("01MO{}", now());
                let body = sinch::mo_text(&id, arg, &self.env["SINCH_FROM"], &text);
                let signed = sinch::signed(&self.env["SINCH_WEBHOOK_SECRET"], &body, &id, now());
                self.post(
                    "/v1/webhooks/sms-sinch",
                    &signed.headers,
                    signed.body.into_bytes(),
                )
                .await;
            }
            "voicemeup" => {
                let hash = format!("00000000-0000-0000-0000-{:012}", now() % 1_000_000_000_000);
                // VoiceMeUp's times: `YYYY-MM-DD HH:MM:SS`, UTC.
                let datetime = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
                let body = voicemeup::sms(
                    &hash,
                    arg.trim_start_matches('+'),
                    self.env["VOICEMEUP_FROM"].trim_start_matches('+'),
                    &text,
                    &datetime,
                );
                let path = format!(
                    "/v1/webhooks/sms-voicemeup?token={}",
                    self.env["VOICEMEUP_WEBHOOK_TOKEN"]
                );
                let headers = [("content-type".to_owned(), "application/json".to_owned())];
                self.post(&path, &headers, body.to_string().into_bytes())
                    .await;
            }
            other => {
                println!("  unknown service {other:?}: twilio, telnyx, sinch, voicemeup or status")
            }
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--telnyx-public-key") {
        let telnyx = FakeTelnyx::start_at(([127, 0, 0, 1], 0).into(), "unused", TELNYX_SEED)
            .await
            .map_err(|e| e.to_string())?;
        println!("{}", telnyx.public_key_base64());
        return Ok(());
    }
    let mut base_port: u16 = 9101;
    let mut host = "http://127.0.0.1:8080".to_owned();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--base-port" => {
                base_port = rest
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("--base-port takes a port")?;
            }
            "--host" => host = rest.next().ok_or("--host takes a URL")?.clone(),
            other => return Err(format!("sms-fakes: unknown argument {other:?}")),
        }
    }
    let mut env_values = BTreeMap::new();
    for name in [
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_FROM",
        "TELNYX_API_KEY",
        "TELNYX_FROM",
        "SINCH_SERVICE_PLAN_ID",
        "SINCH_API_TOKEN",
        "SINCH_FROM",
        "SINCH_WEBHOOK_SECRET",
        "VOICEMEUP_USERNAME",
        "VOICEMEUP_AUTH_TOKEN",
        "VOICEMEUP_FROM",
        "VOICEMEUP_WEBHOOK_TOKEN",
    ] {
        env_values.insert(name, env(name)?);
    }
    env_values.insert("public_url", host.clone());
    let at = |offset: u16| SocketAddr::from(([127, 0, 0, 1], base_port + offset));
    let io = |e: std::io::Error| format!("sms-fakes: {e} (is another sms-fakes running?)");
    let twilio = FakeTwilio::start_at(at(0)).await.map_err(io)?;
    twilio.add_account(
        &env_values["TWILIO_ACCOUNT_SID"],
        &env_values["TWILIO_AUTH_TOKEN"],
    );
    let telnyx = FakeTelnyx::start_at(at(1), &env_values["TELNYX_API_KEY"], TELNYX_SEED)
        .await
        .map_err(io)?;
    let sinch = sinch::SinchFake::start_at(
        at(2),
        &env_values["SINCH_SERVICE_PLAN_ID"],
        &env_values["SINCH_API_TOKEN"],
    )
    .await
    .map_err(io)?;
    let vmu = voicemeup::VoiceMeUpFake::start_at(
        at(3),
        &env_values["VOICEMEUP_USERNAME"],
        &env_values["VOICEMEUP_AUTH_TOKEN"],
    )
    .await
    .map_err(io)?;
    println!(
        "sms-fakes: Twilio {}, Telnyx {}, Sinch {}, VoiceMeUp {}; posting to {host}",
        twilio.url(),
        telnyx.url(),
        sinch.url(),
        vmu.url()
    );
    println!("type: twilio|telnyx|sinch|voicemeup <from> <text>, or status <sid> <status>");
    let fakes = Fakes {
        host,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| e.to_string())?,
        twilio,
        telnyx,
        sinch,
        vmu,
        env: env_values,
    };
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut shown = [0usize; 4];
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    // At the end of the input (`< /dev/null` in a benchmark) the fakes go on serving and
    // printing until interrupted.
    let mut input_open = true;
    loop {
        tokio::select! {
            line = lines.next_line(), if input_open => match line {
                Ok(Some(line)) => fakes.command(line.trim()).await,
                Ok(None) | Err(_) => input_open = false,
            },
            _ = tick.tick() => show_sent(&fakes, &mut shown),
        }
    }
}

/// Prints what the host sent through each fake since the last call.
fn show_sent(fakes: &Fakes, shown: &mut [usize; 4]) {
    let twilio = fakes.twilio.sent();
    for m in &twilio[shown[0]..] {
        println!(
            "twilio    → {} ({} {}): {}",
            m.get("To").unwrap_or("?"),
            m.status,
            m.sid.as_deref().unwrap_or("refused"),
            m.get("Body").unwrap_or("")
        );
    }
    shown[0] = twilio.len();
    let telnyx = fakes.telnyx.sent();
    for m in &telnyx[shown[1]..] {
        println!("telnyx    → {}: {}", m["to"], m["text"]);
    }
    shown[1] = telnyx.len();
    let sinch = fakes.sinch.sent();
    for m in &sinch[shown[2]..] {
        println!("sinch     → {}: {}", m["to"], m["body"]);
    }
    shown[2] = sinch.len();
    let vmu = fakes.vmu.sent();
    for m in &vmu[shown[3]..] {
        println!(
            "voicemeup → {}: {}",
            m.get("destination_number").map_or("?", String::as_str),
            m.get("message").map_or("", String::as_str)
        );
    }
    shown[3] = vmu.len();
}
