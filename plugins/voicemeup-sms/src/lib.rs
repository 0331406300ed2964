//! A provider for SMS channels on VoiceMeUp, a Canadian carrier.
//!
//! - `deliver` queues the event with VoiceMeUp's `queue_sms` ([`outbound`]): a form `POST`
//!   with the account's username and auth token; texts over 1000 characters go as several
//!   messages, one media item as the `attachment`. The receipt's id is the queued message's
//!   hash.
//! - `verify-signature`: VoiceMeUp does not sign its webhooks, so the webhook URL carries a
//!   secret token (`?token=…`), compared in constant time with `webhook_token` ([`auth`]).
//! - `parse-webhook` reads VoiceMeUp's webhooks ([`inbound`]) and merges the two webhooks of an
//!   MMS into one message ([`merge`]).
//!
//! Settings come from the channel's config, then the manifest's `[config]`.

pub mod auth;
pub mod inbound;
pub mod merge;
pub mod outbound;
pub mod payload;

use roomkit_sdk::config::{number_in as number, required_in};
use roomkit_sdk::{
    BindingView, DeliveryError, DeliveryReceipt, Provider, RoomEvent, WebhookRequest,
    WebhookResult, config,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// VoiceMeUp's production API, when `api_base` is not set.
pub const DEFAULT_API_BASE: &str = "https://clients.voicemeup.com";

/// The merge window when `mms_merge_window_ms` is not set.
pub const DEFAULT_MERGE_WINDOW_MS: u64 = 10_000;

/// The settings to deliver.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// `username`: the API user.
    pub username: String,
    /// `auth_token` (secret).
    pub auth_token: String,
    /// `from_number` as digits (the `source_number`).
    pub from_number: String,
    /// `api_base` without a trailing `/` (default [`DEFAULT_API_BASE`]).
    pub api_base: String,
    /// `timeout_ms` (default 10000).
    pub timeout: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("username", &self.username)
            .field("auth_token", &"[redacted]")
            .field("from_number", &self.from_number)
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Settings {
    /// Reads them with `get` (the `config` import in the plugin).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let required = |key: &str| required_in(&get, key);
        let username = required("username")?;
        let auth_token = required("auth_token")?;
        let from_number = outbound::digits(&required("from_number")?, "config `from_number`")
            .map_err(|e| e.message)?;
        Ok(Settings {
            username,
            auth_token,
            from_number,
            api_base: get("api_base")
                .unwrap_or_else(|| DEFAULT_API_BASE.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            timeout: Duration::from_millis(number(&get, "timeout_ms", 10_000)?),
        })
    }
}

/// The webhook settings.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// `webhook_token` (secret): the `token` of the webhook URL's query.
    pub token: String,
    /// `mms_merge_window_ms` (default 10000; 0 turns merging off).
    pub merge_window_ms: u64,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("token", &"[redacted]")
            .field("merge_window_ms", &self.merge_window_ms)
            .finish()
    }
}

impl WebhookSettings {
    /// Reads them with `get`.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<WebhookSettings, String> {
        Ok(WebhookSettings {
            token: get("webhook_token")
                .filter(|t| !t.is_empty())
                .ok_or("config key `webhook_token` is not set")?,
            merge_window_ms: number(&get, "mms_merge_window_ms", DEFAULT_MERGE_WINDOW_MS)?,
        })
    }
}

/// Delivers `event` to `binding`'s number: one `queue_sms` per 1000-character segment, the
/// media item (at most one) with the first. The receipt names the first segment's hash.
pub fn deliver(
    settings: &Settings,
    event: &RoomEvent,
    binding: &BindingView,
) -> Result<DeliveryReceipt, DeliveryError> {
    let to = outbound::digits(&roomkit_sdk::sms::recipient(binding)?, "recipient")?;
    let outgoing = roomkit_sdk::sms::outgoing(&event.content)?;
    if outgoing.media.len() > 1 {
        return Err(DeliveryError::permanent(format!(
            "VoiceMeUp sends one attachment per message; this event has {}",
            outgoing.media.len()
        )));
    }
    let segments = outbound::segments(&outgoing.text);
    let mut first: Option<DeliveryReceipt> = None;
    for (i, segment) in segments.iter().enumerate() {
        let attachment = if i == 0 {
            outgoing.media.first().map(|m| m.url.as_str())
        } else {
            None
        };
        let result = outbound::request(settings, &to, segment, attachment)
            .send()
            .map_err(|e| {
                let message = format!(
                    "VoiceMeUp queue_sms request failed: {}",
                    outbound::redact(&e.to_string(), &settings.auth_token)
                );
                if e.is_retryable() {
                    DeliveryError::retryable(message)
                } else {
                    DeliveryError::permanent(message)
                }
            })
            .and_then(|response| outbound::answer(&response, &settings.auth_token));
        match (result, &first) {
            (Ok(receipt), None) => first = Some(receipt),
            (Ok(_), Some(_)) => {}
            (Err(error), None) => return Err(error),
            (Err(error), Some(receipt)) => {
                // Part of the text is out: a retry would send it twice.
                return Err(DeliveryError {
                    message: format!(
                        "VoiceMeUp queued segments 1 to {i} of {} (first {}) but not segment {}: {}",
                        segments.len(),
                        receipt
                            .provider_message_id
                            .as_deref()
                            .unwrap_or("without hash"),
                        i + 1,
                        error.message
                    ),
                    retryable: false,
                    code: error.code,
                    retry_after_ms: None,
                });
            }
        }
    }
    Ok(first.unwrap_or_else(|| DeliveryReceipt::new(None)))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The plugin.
#[derive(Debug)]
pub struct VoiceMeUpSms;

impl Provider for VoiceMeUpSms {
    fn deliver(event: RoomEvent, binding: BindingView) -> Result<DeliveryReceipt, DeliveryError> {
        let settings = Settings::read(config::get).map_err(DeliveryError::permanent)?;
        deliver(&settings, &event, &binding)
    }

    fn verify_signature(request: WebhookRequest) -> bool {
        let verdict = WebhookSettings::read(config::get)
            .and_then(|settings| auth::check(&settings.token, &request));
        match verdict {
            Ok(()) => true,
            Err(why) => {
                roomkit_sdk::log::warn(&format!(
                    "VoiceMeUp webhook on channel {} refused: {why}",
                    request.channel_id
                ));
                false
            }
        }
    }

    fn parse_webhook(request: WebhookRequest) -> Result<WebhookResult, String> {
        let settings = WebhookSettings::read(config::get)?;
        inbound::handle(&request, settings.merge_window_ms, now_ms())
    }
}

roomkit_sdk::export_provider!(VoiceMeUpSms);

#[cfg(test)]
mod tests;
