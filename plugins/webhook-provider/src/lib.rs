//! A provider for webhook channels: delivers each event as a JSON `POST` signed with
//! HMAC-SHA256, and takes signed JSON webhooks in.
//!
//! - `deliver` posts [`outbound::body`] to `url` with `content-type: application/json`, the
//!   signature header (`x-roomkit-signature: sha256=<hex of HMAC-SHA256(secret, body)>`),
//!   `x-roomkit-event-id` and `idempotency-key` (both the event id, so the receiver can drop a
//!   retried delivery). 2xx is delivered (the receipt's id is the answer's JSON `id`, if any);
//!   5xx, 408, 429, timeouts and connection failures are retryable; other statuses, a denied
//!   host and a bad URL are permanent.
//! - `verify-signature` checks the same header over an incoming request's body, comparing in
//!   constant time.
//! - `parse-webhook` reads the JSON format of [`inbound`].

pub mod inbound;
pub mod outbound;
pub mod signature;

use roomkit_sdk::http::Request;
use roomkit_sdk::{
    BindingView, DeliveryError, DeliveryReceipt, Provider, RoomEvent, WebhookRequest,
    WebhookResult, config,
};
use std::time::Duration;

/// The signature header when the manifest names none.
pub const DEFAULT_SIGNATURE_HEADER: &str = "x-roomkit-signature";

/// The manifest's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where deliveries go (`url`); needed only to deliver.
    pub url: Option<String>,
    /// The shared secret (`secret`).
    pub secret: String,
    /// The signature header (`signature_header`).
    pub signature_header: String,
    /// Timeout of a delivery (`timeout_ms`, default 5000).
    pub timeout: Duration,
    /// The provider name put on inbound messages (`provider_name`, default `webhook`).
    pub provider_name: String,
}

impl Settings {
    /// Reads the settings with `get` (the `config` import in the plugin).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let secret = get("secret").filter(|s| !s.is_empty());
        let secret = secret.ok_or("config key `secret` is not set")?;
        let timeout_ms = match get("timeout_ms") {
            Some(ms) => ms
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("config `timeout_ms`: {ms:?} is not a number"))?,
            None => 5000,
        };
        Ok(Settings {
            url: get("url"),
            secret,
            signature_header: get("signature_header")
                .unwrap_or_else(|| DEFAULT_SIGNATURE_HEADER.to_owned()),
            timeout: Duration::from_millis(timeout_ms),
            provider_name: get("provider_name").unwrap_or_else(|| "webhook".to_owned()),
        })
    }
}

/// The signed request that delivers `event` to `binding`'s recipient.
pub fn delivery_request(
    settings: &Settings,
    event: &RoomEvent,
    binding: &BindingView,
) -> Result<Request, DeliveryError> {
    let url = settings
        .url
        .as_deref()
        .ok_or_else(|| DeliveryError::permanent("config key `url` is not set"))?;
    let body = outbound::body(event, binding);
    Ok(Request::post(url)
        .header("content-type", "application/json")
        .header(
            &settings.signature_header,
            signature::sign(&settings.secret, &body),
        )
        .header("x-roomkit-event-id", &event.id)
        .header("idempotency-key", &event.id)
        .body(body)
        .timeout(settings.timeout))
}

/// Sends `request` and reads the answer as a delivery result.
pub fn send(request: Request) -> Result<DeliveryReceipt, DeliveryError> {
    let response = request.send().map_err(|e| {
        let message = format!("webhook delivery failed: {e}");
        if e.is_retryable() {
            DeliveryError::retryable(message)
        } else {
            DeliveryError::permanent(message)
        }
    })?;
    outbound::classify(response.status)?;
    Ok(DeliveryReceipt::new(outbound::message_id(&response.body)))
}

/// The plugin.
#[derive(Debug)]
pub struct WebhookProvider;

impl Provider for WebhookProvider {
    fn deliver(event: RoomEvent, binding: BindingView) -> Result<DeliveryReceipt, DeliveryError> {
        let settings = Settings::read(config::get).map_err(DeliveryError::permanent)?;
        send(delivery_request(&settings, &event, &binding)?)
    }

    fn verify_signature(request: WebhookRequest) -> bool {
        let Ok(settings) = Settings::read(config::get) else {
            return false;
        };
        request
            .header(&settings.signature_header)
            .is_some_and(|header| signature::verify(&settings.secret, &request.body, header))
    }

    fn parse_webhook(request: WebhookRequest) -> Result<WebhookResult, String> {
        let provider = config::get("provider_name").unwrap_or_else(|| "webhook".to_owned());
        inbound::parse(&request, &provider).map(WebhookResult::messages)
    }
}

roomkit_sdk::export_provider!(WebhookProvider);

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::http::{Error, Response};
    use roomkit_sdk::types::Header;
    use roomkit_sdk::{Content, EventSource, testing};

    fn configure() {
        testing::set_configs([("url", "https://crm.example.com/in"), ("secret", "s3cret")]);
    }

    fn event() -> RoomEvent {
        let mut e = RoomEvent::message(
            "room-1",
            EventSource::inbound("sms-1", "sms"),
            Content::text("hi"),
        );
        e.id = "ev-9".into();
        e
    }

    fn binding() -> BindingView {
        BindingView {
            channel_id: "crm".into(),
            channel_type: "webhook".into(),
            category: "transport".into(),
            access: "read_write".into(),
            muted: false,
            visibility: "all".into(),
            participant_id: None,
            metadata: "{}".into(),
        }
    }

    fn answer(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn settings_need_a_secret_and_a_numeric_timeout() {
        let get = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(Settings::read(get(&[("url", "https://x/")])).is_err());
        assert!(Settings::read(get(&[("secret", "")])).is_err());
        assert!(Settings::read(get(&[("secret", "s"), ("timeout_ms", "soon")])).is_err());
        let s = Settings::read(get(&[("secret", "s"), ("timeout_ms", "250")])).unwrap();
        assert_eq!(
            (s.timeout, s.signature_header.as_str()),
            (Duration::from_millis(250), "x-roomkit-signature")
        );
    }

    #[test]
    fn delivery_posts_signed_json() {
        configure();
        testing::on_http(|request| {
            assert_eq!(request.method, roomkit_sdk::http::Method::Post);
            assert_eq!(request.url, "https://crm.example.com/in");
            let header = |name: &str| {
                request
                    .headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            assert!(signature::verify(
                "s3cret",
                &request.body,
                &header("x-roomkit-signature")
            ));
            assert_eq!(header("idempotency-key"), "ev-9");
            assert_eq!(header("content-type"), "application/json");
            Ok(answer(202, r#"{"id":"crm-1"}"#))
        });
        let receipt = WebhookProvider::deliver(event(), binding()).unwrap();
        assert_eq!(receipt.provider_message_id.as_deref(), Some("crm-1"));
    }

    #[test]
    fn server_errors_and_timeouts_are_retryable_client_errors_are_not() {
        configure();
        testing::on_http(|_| Ok(answer(503, "")));
        assert!(
            WebhookProvider::deliver(event(), binding())
                .unwrap_err()
                .retryable
        );
        testing::on_http(|_| Err(Error::Timeout));
        assert!(
            WebhookProvider::deliver(event(), binding())
                .unwrap_err()
                .retryable
        );
        testing::on_http(|_| Ok(answer(404, "")));
        assert!(
            !WebhookProvider::deliver(event(), binding())
                .unwrap_err()
                .retryable
        );
        testing::on_http(|_| Err(Error::Denied("host not allowed".into())));
        assert!(
            !WebhookProvider::deliver(event(), binding())
                .unwrap_err()
                .retryable
        );
    }

    #[test]
    fn delivery_without_url_or_secret_is_a_permanent_error() {
        let error = WebhookProvider::deliver(event(), binding()).unwrap_err();
        assert!(
            !error.retryable && error.message.contains("secret"),
            "{error:?}"
        );
        testing::set_config("secret", "s");
        let error = WebhookProvider::deliver(event(), binding()).unwrap_err();
        assert!(
            !error.retryable && error.message.contains("url"),
            "{error:?}"
        );
    }

    #[test]
    fn webhook_signatures_are_checked_with_the_secret() {
        configure();
        let body = br#"{"sender":"+15550001","text":"hi","id":"m-1"}"#.to_vec();
        let request = |value: String| WebhookRequest {
            channel_id: "crm".into(),
            method: "POST".into(),
            path: "/v1/webhooks/crm".into(),
            query: String::new(),
            public_url: "https://desk.example.com/v1/webhooks/crm".into(),
            headers: vec![Header {
                name: "x-roomkit-signature".into(),
                value,
            }],
            body: body.clone(),
        };
        assert!(WebhookProvider::verify_signature(request(signature::sign(
            "s3cret", &body
        ))));
        assert!(!WebhookProvider::verify_signature(request(
            signature::sign("guess", &body)
        )));
        let mut unsigned = request(String::new());
        unsigned.headers.clear();
        assert!(!WebhookProvider::verify_signature(unsigned));
        let messages = WebhookProvider::parse_webhook(request(String::new()))
            .unwrap()
            .messages;
        assert_eq!(messages[0].idempotency_key.as_deref(), Some("m-1"));
    }
}
