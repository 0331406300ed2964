//! A provider for SMS channels on Sinch's SMS REST API.
//!
//! - `deliver` sends the event's text (or one media item, as an `mt_media` MMS) to the
//!   binding's number as a batch: `POST {api_base}/xms/v1/{service_plan_id}/batches` with the
//!   API token as bearer ([`outbound`]). The receipt's id is the batch id, which delivery
//!   reports name. Sinch's error JSON (`{"code", "text"}`) becomes the error's code and text;
//!   429 and 5xx are retryable (with their `Retry-After`), other statuses permanent.
//! - `verify-signature` checks Sinch's callback signature ([`signature`]): HMAC-SHA256 over
//!   body, nonce and timestamp with the webhook secret, the timestamp within a tolerance.
//! - `parse-webhook` reads mobile-originated messages and delivery reports ([`inbound`]).
//!
//! Settings come from the channel's config, then the manifest's `[config]` ([`Settings`]).

pub mod inbound;
pub mod outbound;
pub mod signature;

use roomkit_sdk::config::{number_in as number, required_in};
use roomkit_sdk::{
    BindingView, DeliveryError, DeliveryReceipt, Provider, RoomEvent, WebhookRequest,
    WebhookResult, config,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Sinch's US region, when `api_base` is not set.
pub const DEFAULT_API_BASE: &str = "https://us.sms.api.sinch.com";

/// The `delivery_report` values Sinch takes.
pub const DELIVERY_REPORTS: [&str; 5] = [
    "none",
    "summary",
    "full",
    "per_recipient",
    "per_recipient_final",
];

/// The channel's settings.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// `service_plan_id` (required to deliver).
    pub service_plan_id: String,
    /// `api_token` (secret; required to deliver).
    pub api_token: String,
    /// `from_number`: the sender; Sinch's default originator when unset.
    pub from_number: Option<String>,
    /// `api_base` without a trailing `/` (default [`DEFAULT_API_BASE`]).
    pub api_base: String,
    /// `delivery_report` (default `per_recipient`: one callback per recipient and status).
    pub delivery_report: String,
    /// `callback_url`: where Sinch sends this batch's delivery reports, instead of the service
    /// plan's default callback URL.
    pub callback_url: Option<String>,
    /// `timeout_ms` (default 10000).
    pub timeout: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("service_plan_id", &self.service_plan_id)
            .field("api_token", &"[redacted]")
            .field("from_number", &self.from_number)
            .field("api_base", &self.api_base)
            .field("delivery_report", &self.delivery_report)
            .field("callback_url", &self.callback_url)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Settings {
    /// Reads the settings to deliver with `get` (the `config` import in the plugin).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let required = |key: &str| required_in(&get, key);
        let service_plan_id = required("service_plan_id")?;
        if !service_plan_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "config `service_plan_id`: {service_plan_id:?} is not a service plan id (letters and digits)"
            ));
        }
        let api_token = required("api_token")?;
        let delivery_report = get("delivery_report").unwrap_or_else(|| "per_recipient".to_owned());
        if !DELIVERY_REPORTS.contains(&delivery_report.as_str()) {
            return Err(format!(
                "config `delivery_report`: {delivery_report:?} is not one of {}",
                DELIVERY_REPORTS.join(", ")
            ));
        }
        Ok(Settings {
            service_plan_id,
            api_token,
            from_number: get("from_number").filter(|v| !v.trim().is_empty()),
            api_base: get("api_base")
                .unwrap_or_else(|| DEFAULT_API_BASE.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            delivery_report,
            callback_url: get("callback_url").filter(|v| !v.trim().is_empty()),
            timeout: Duration::from_millis(number(&get, "timeout_ms", 10_000)?),
        })
    }
}

/// The webhook settings: `webhook_secret` (secret) and `signature_tolerance_s` (default 300).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// The HMAC key Sinch signs callbacks with.
    pub secret: String,
    /// How far a callback's timestamp may be from now, in seconds.
    pub tolerance_s: u64,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("secret", &"[redacted]")
            .field("tolerance_s", &self.tolerance_s)
            .finish()
    }
}

impl WebhookSettings {
    /// Reads them with `get`.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<WebhookSettings, String> {
        let secret = get("webhook_secret")
            .filter(|s| !s.is_empty())
            .ok_or("config key `webhook_secret` is not set")?;
        Ok(WebhookSettings {
            secret,
            tolerance_s: number(&get, "signature_tolerance_s", 300)?,
        })
    }
}

/// Delivers `event` to `binding`'s number with `settings`.
pub fn deliver(
    settings: &Settings,
    event: &RoomEvent,
    binding: &BindingView,
) -> Result<DeliveryReceipt, DeliveryError> {
    let to = roomkit_sdk::sms::recipient(binding)?;
    let outgoing = roomkit_sdk::sms::outgoing(&event.content)?;
    let request = outbound::request(settings, &outgoing, &to, &event.id)?;
    let response = request.send().map_err(|e| {
        let message = format!(
            "Sinch batch request failed: {}",
            outbound::redact(&e.to_string(), &settings.api_token)
        );
        if e.is_retryable() {
            DeliveryError::retryable(message)
        } else {
            DeliveryError::permanent(message)
        }
    })?;
    outbound::answer(&response, &settings.api_token)
}

/// Whether `request` carries a valid Sinch signature at `now_s`; logs why not.
pub fn verify(settings: &WebhookSettings, request: &WebhookRequest, now_s: u64) -> bool {
    let signed = signature::Signed {
        signature: request.header(signature::SIGNATURE),
        nonce: request.header(signature::NONCE),
        timestamp: request.header(signature::TIMESTAMP),
        algorithm: request.header(signature::ALGORITHM),
    };
    match signature::verify(
        &settings.secret,
        &request.body,
        signed,
        now_s,
        settings.tolerance_s,
    ) {
        Ok(()) => true,
        Err(why) => {
            roomkit_sdk::log::warn(&format!(
                "Sinch callback on channel {} refused: {why}",
                request.channel_id
            ));
            false
        }
    }
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The plugin.
#[derive(Debug)]
pub struct SinchSms;

impl Provider for SinchSms {
    fn deliver(event: RoomEvent, binding: BindingView) -> Result<DeliveryReceipt, DeliveryError> {
        let settings = Settings::read(config::get).map_err(DeliveryError::permanent)?;
        deliver(&settings, &event, &binding)
    }

    fn verify_signature(request: WebhookRequest) -> bool {
        match WebhookSettings::read(config::get) {
            Ok(settings) => verify(&settings, &request, now_s()),
            Err(why) => {
                roomkit_sdk::log::warn(&format!(
                    "Sinch callback on channel {} refused: {why}",
                    request.channel_id
                ));
                false
            }
        }
    }

    fn parse_webhook(request: WebhookRequest) -> Result<WebhookResult, String> {
        inbound::parse(&request)
    }
}

roomkit_sdk::export_provider!(SinchSms);

#[cfg(test)]
mod tests;
