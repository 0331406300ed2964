//! VoiceMeUp does not sign its webhooks (no signature header, no shared secret in its
//! payloads). The channel's webhook URL registered with VoiceMeUp carries a secret instead:
//! `https://desk.example.com/v1/webhooks/{channel}?token={webhook_token}`. A request is
//! accepted when its query's `token` equals `webhook_token`, compared in constant time.

use roomkit_sdk::WebhookRequest;
use subtle::ConstantTimeEq;

/// The query parameter carrying the token.
pub const TOKEN_PARAM: &str = "token";

/// Whether `request` carries `token`; the error says why not (never the token).
pub fn check(token: &str, request: &WebhookRequest) -> Result<(), String> {
    let pairs = request.query_pairs();
    let given = roomkit_sdk::form::get(&pairs, TOKEN_PARAM)
        .ok_or_else(|| format!("the webhook URL has no `{TOKEN_PARAM}` query parameter"))?;
    if bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        Ok(())
    } else {
        Err(format!(
            "the webhook URL's `{TOKEN_PARAM}` is not the channel's webhook_token"
        ))
    }
}
