//! A fake of Twilio Programmable Messaging: the Messages resource a provider posts to, and the
//! webhooks Twilio sends (inbound SMS/MMS, status callbacks), signed as Twilio signs them.
//!
//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` takes a form with `To`, `From` or
//! `MessagingServiceSid`, `Body` and/or `MediaUrl` (repeated), and `StatusCallback`, behind
//! HTTP basic auth (the account sid and its auth token, or an API key sid and its secret). It
//! answers as Twilio documents:
//!
//! - `201 Created` with the Message resource as JSON: a fresh `sid` (`SM` and 32 hex digits)
//!   per message, `status` `queued` (`accepted` when sent through a Messaging Service);
//! - `401` with Twilio's error object, code 20003, for wrong or missing credentials (also when
//!   the credentials belong to another account than the one in the path);
//! - `400` with codes 21604 (no `To`), 21211 (`To` not E.164), 21603 (no `From` nor
//!   `MessagingServiceSid`) and 21602 (no `Body` nor `MediaUrl`);
//! - `404` with code 20404 for any other path or method.
//!
//! ```no_run
//! # async fn example() {
//! use roomkit_fakes::twilio::FakeTwilio;
//!
//! let twilio = FakeTwilio::start().await;
//! twilio.add_account("AC0123456789abcdef0123456789abcdef", "token");
//! // … configure the provider with api_base = twilio.url() and let it deliver …
//! let sent = twilio.sent();
//! assert_eq!(sent[0].get("To"), Some("+14185551234"));
//! // An inbound SMS, signed for the URL the host's public_url makes:
//! let (headers, body) = twilio.inbound_sms(
//!     "https://desk.example.com/v1/webhooks/sms", "token", "+14185551234", "+15145550000", "hi", &[],
//! );
//! # }
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha1::Sha1;

use crate::{FakeServer, Recorded, Reply};

/// The API version in every Messages path and answer.
pub const API_VERSION: &str = "2010-04-01";

/// One request to the Messages resource, as the fake read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The account in the path.
    pub account_sid: String,
    /// The form fields, percent-decoded, in order.
    pub form: Vec<(String, String)>,
    /// The sid the fake gave it; `None` when it refused the request.
    pub sid: Option<String>,
    /// The status code it answered.
    pub status: u16,
}

impl SentMessage {
    /// The first value of field `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of field `name` (e.g. the `MediaUrl`s), in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.form
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Default)]
struct State {
    /// account sid → auth token.
    accounts: HashMap<String, String>,
    /// API key sid → (account sid, secret).
    api_keys: HashMap<String, (String, String)>,
    /// Answers given before the fake's own, oldest first.
    queued: VecDeque<Reply>,
    sent: Vec<SentMessage>,
    /// Counts the sids made, so each is fresh.
    next_sid: u64,
}

impl State {
    fn sid(&mut self, prefix: &str) -> String {
        self.next_sid += 1;
        format!("{prefix}{:032x}", self.next_sid)
    }
}

/// A fake Twilio on 127.0.0.1 (see the module docs).
#[derive(Clone)]
pub struct FakeTwilio {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for FakeTwilio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTwilio")
            .field("url", &self.server.url())
            .finish()
    }
}

impl FakeTwilio {
    /// Starts a fake with no accounts: every request is refused (401) until
    /// [`add_account`](Self::add_account).
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let server = FakeServer::start(move |request| answer(&shared, request)).await;
        FakeTwilio { server, state }
    }

    /// [`start`](Self::start) on `addr`.
    ///
    /// # Errors
    /// When `addr` cannot be bound.
    pub async fn start_at(addr: std::net::SocketAddr) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let server = FakeServer::start_at(addr, move |request| answer(&shared, request)).await?;
        Ok(FakeTwilio { server, state })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `http://127.0.0.1:PORT`: the provider's `api_base`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The recording server underneath (every request, whatever its path).
    pub fn server(&self) -> &FakeServer {
        &self.server
    }

    /// Accepts `account_sid` with `auth_token` as basic-auth credentials.
    pub fn add_account(&self, account_sid: &str, auth_token: &str) {
        self.state()
            .accounts
            .insert(account_sid.to_owned(), auth_token.to_owned());
    }

    /// Accepts API key `key_sid` with `secret` for `account_sid`.
    pub fn add_api_key(&self, account_sid: &str, key_sid: &str, secret: &str) {
        self.state().api_keys.insert(
            key_sid.to_owned(),
            (account_sid.to_owned(), secret.to_owned()),
        );
    }

    /// Answers the next request with `reply` instead of the fake's own answer (queued in
    /// order; a 429 or 500 to test retries). The request is still recorded.
    pub fn respond_next(&self, reply: Reply) {
        self.state().queued.push_back(reply);
    }

    /// Every request to the Messages resource so far, oldest first, refused ones included.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.state().sent.clone()
    }

    /// An inbound SMS (or MMS, with `media` as `(url, content type)` pairs) to `to` from
    /// `from`, as Twilio posts it to `url`: the headers (`content-type`, `user-agent`,
    /// `x-twilio-signature` made with `auth_token`) and the form body. Its `MessageSid` is fresh
    /// (`SM…`, or `MM…` with media); `AccountSid` is the account whose token is `auth_token`.
    pub fn inbound_sms(
        &self,
        url: &str,
        auth_token: &str,
        from: &str,
        to: &str,
        body: &str,
        media: &[(&str, &str)],
    ) -> (Vec<(String, String)>, String) {
        let (sid, account) = {
            let mut state = self.state();
            let sid = state.sid(if media.is_empty() { "SM" } else { "MM" });
            (sid, account_of(&state, auth_token))
        };
        let mut fields: Vec<(String, String)> = vec![
            ("ToCountry".into(), String::new()),
            ("SmsMessageSid".into(), sid.clone()),
            ("NumMedia".into(), media.len().to_string()),
            ("SmsSid".into(), sid.clone()),
            ("SmsStatus".into(), "received".into()),
            ("Body".into(), body.into()),
            ("To".into(), to.into()),
            ("NumSegments".into(), segments(body).to_string()),
            ("MessageSid".into(), sid),
            ("AccountSid".into(), account),
            ("From".into(), from.into()),
            ("ApiVersion".into(), API_VERSION.into()),
        ];
        for (i, (media_url, content_type)) in media.iter().enumerate() {
            fields.push((format!("MediaContentType{i}"), (*content_type).to_owned()));
            fields.push((format!("MediaUrl{i}"), (*media_url).to_owned()));
        }
        signed(url, auth_token, &fields)
    }

    /// A status callback for `message_sid` (a sid from [`sent`](Self::sent), whose `To`,
    /// `From` and account it repeats) with `MessageStatus` `status` and, when given,
    /// `ErrorCode`, as Twilio posts it to `url`, signed with `auth_token`.
    pub fn status_callback(
        &self,
        url: &str,
        auth_token: &str,
        message_sid: &str,
        status: &str,
        error_code: Option<&str>,
    ) -> (Vec<(String, String)>, String) {
        let (to, from, account) = {
            let state = self.state();
            match state
                .sent
                .iter()
                .find(|m| m.sid.as_deref() == Some(message_sid))
            {
                Some(m) => (
                    m.get("To").unwrap_or_default().to_owned(),
                    m.get("From").unwrap_or_default().to_owned(),
                    m.account_sid.clone(),
                ),
                None => (String::new(), String::new(), account_of(&state, auth_token)),
            }
        };
        let mut fields: Vec<(String, String)> = Vec::new();
        if let Some(code) = error_code {
            fields.push(("ErrorCode".into(), code.into()));
        }
        fields.extend([
            ("SmsSid".to_owned(), message_sid.to_owned()),
            ("SmsStatus".to_owned(), status.to_owned()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("To".to_owned(), to),
            ("MessageSid".to_owned(), message_sid.to_owned()),
            ("AccountSid".to_owned(), account),
            ("From".to_owned(), from),
            ("ApiVersion".to_owned(), API_VERSION.to_owned()),
        ]);
        signed(url, auth_token, &fields)
    }
}

/// The account whose auth token is `auth_token`, or a placeholder sid.
fn account_of(state: &State, auth_token: &str) -> String {
    state
        .accounts
        .iter()
        .find(|(_, token)| token.as_str() == auth_token)
        .map(|(sid, _)| sid.clone())
        .unwrap_or_else(|| format!("AC{:032x}", 0))
}

/// The headers and form body of a webhook with `fields`, signed for `url`.
fn signed(
    url: &str,
    auth_token: &str,
    fields: &[(String, String)],
) -> (Vec<(String, String)>, String) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let headers = vec![
        (
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("user-agent".to_owned(), "TwilioProxy/1.1".to_owned()),
        (
            "x-twilio-signature".to_owned(),
            twilio_signature(auth_token, url, fields),
        ),
    ];
    (headers, body)
}

/// `X-Twilio-Signature` as Twilio computes it: base64 of HMAC-SHA1 keyed with the auth token
/// over the URL followed by each POST parameter's name and value, sorted by name then value.
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut data = url.to_owned();
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    for (name, value) in sorted {
        data.push_str(name);
        data.push_str(value);
    }
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(data.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Twilio's error object as a reply.
pub fn error_reply(status: u16, code: u32, message: &str) -> Reply {
    Reply::json(
        status,
        json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        })
        .to_string(),
    )
}

fn answer(state: &Mutex<State>, request: &Recorded) -> Reply {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let account = request
        .path
        .strip_prefix(&format!("/{API_VERSION}/Accounts/"))
        .and_then(|rest| rest.strip_suffix("/Messages.json"))
        .filter(|sid| !sid.is_empty() && !sid.contains('/'))
        .map(str::to_owned);
    let Some(account) = account.filter(|_| request.method == "POST") else {
        return state.queued.pop_front().unwrap_or_else(|| {
            error_reply(
                404,
                20404,
                &format!("The requested resource {} was not found", request.path),
            )
        });
    };
    let form: Vec<(String, String)> = form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut sent = SentMessage {
        account_sid: account.clone(),
        form,
        sid: None,
        status: 0,
    };
    let reply = match state.queued.pop_front() {
        Some(reply) => reply,
        None => create(&mut state, request, &mut sent),
    };
    sent.status = reply.status;
    state.sent.push(sent);
    reply
}

/// The Messages resource's own answer.
fn create(state: &mut State, request: &Recorded, sent: &mut SentMessage) -> Reply {
    if !authorized(state, request, &sent.account_sid) {
        return Reply::json(
            401,
            json!({
                "code": 20003,
                "detail": "Your AccountSid or AuthToken was incorrect.",
                "message": "Authentication Error - invalid username",
                "more_info": "https://www.twilio.com/docs/errors/20003",
                "status": 401,
            })
            .to_string(),
        )
        .header("www-authenticate", "Basic realm=\"Twilio API\"");
    }
    let to = sent.get("To").unwrap_or_default().to_owned();
    if to.is_empty() {
        return error_reply(400, 21604, "A 'To' phone number is required.");
    }
    if !is_e164(&to) {
        return error_reply(400, 21211, &format!("Invalid 'To' Phone Number: {to}"));
    }
    let from = sent.get("From").map(str::to_owned);
    let service = sent.get("MessagingServiceSid").map(str::to_owned);
    if from.is_none() && service.is_none() {
        return error_reply(400, 21603, "A 'From' phone number is required.");
    }
    let body = sent.get("Body").unwrap_or_default().to_owned();
    let media = sent.all("MediaUrl").len();
    if body.is_empty() && media == 0 {
        return error_reply(400, 21602, "Message body is required.");
    }
    let sid = state.sid("SM");
    sent.sid = Some(sid.clone());
    let now = rfc2822(SystemTime::now());
    let uri = format!(
        "/{API_VERSION}/Accounts/{}/Messages/{sid}.json",
        sent.account_sid
    );
    Reply::json(
        201,
        json!({
            "account_sid": sent.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": Value::Null,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": Value::Null,
            "error_message": Value::Null,
            "from": from,
            "messaging_service_sid": service,
            "num_media": media.to_string(),
            "num_segments": segments(&body).to_string(),
            "price": Value::Null,
            "price_unit": "USD",
            "sid": sid,
            "status": if service.is_some() { "accepted" } else { "queued" },
            "subresource_uris": {
                "media": format!("/{API_VERSION}/Accounts/{}/Messages/{sid}/Media.json", sent.account_sid),
            },
            "to": to,
            "uri": uri,
        })
        .to_string(),
    )
}

/// Whether the request's basic auth is the path account's sid and token, or an API key of it.
fn authorized(state: &State, request: &Recorded, account: &str) -> bool {
    let Some(credentials) = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return false;
    };
    let Some((user, password)) = credentials.split_once(':') else {
        return false;
    };
    if user == account {
        return state.accounts.get(user).is_some_and(|t| t == password);
    }
    state
        .api_keys
        .get(user)
        .is_some_and(|(owner, secret)| owner == account && secret == password)
}

/// `+` then 2 to 15 digits, the first not 0.
fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// SMS segments of `body`: 160 characters fit in one, 153 per segment beyond.
fn segments(body: &str) -> usize {
    match body.chars().count() {
        0..=160 => 1,
        n => n.div_ceil(153),
    }
}

/// `time` as Twilio writes dates: RFC 2822 in UTC, e.g. `Thu, 24 Aug 2023 05:01:45 +0000`.
fn rfc2822(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} +0000",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "tok-42";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn decode(body: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(body.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn the_signature_matches_twilios_published_examples() {
        // Twilio's "Webhooks security" page.
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params = pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(
            twilio_signature("12345", url, &params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
        // twilio-python's test of a name sent twice.
        let repeated = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        assert_eq!(
            twilio_signature("12345", url, &repeated),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
    }

    #[test]
    fn dates_are_written_as_twilio_writes_them() {
        let at = UNIX_EPOCH + Duration::from_secs(1_692_853_305);
        assert_eq!(rfc2822(at), "Thu, 24 Aug 2023 05:01:45 +0000");
        assert_eq!(rfc2822(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 +0000");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc2822(leap), "Tue, 29 Feb 2000 00:00:00 +0000");
    }

    fn basic(user: &str, password: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
    }

    async fn post(url: String, authorization: Option<String>, body: &str) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap())
    }

    #[tokio::test]
    async fn a_message_is_created_with_a_fresh_sid() {
        let twilio = FakeTwilio::start().await;
        twilio.add_account(SID, TOKEN);
        let url = format!("{}/2010-04-01/Accounts/{SID}/Messages.json", twilio.url());
        let body = "To=%2B14185551234&From=%2B15145550000&Body=Hi&MediaUrl=https%3A%2F%2Fm%2F1.jpg";
        let (status, json) = post(url.clone(), Some(basic(SID, TOKEN)), body).await;
        assert_eq!(status, 201);
        assert_eq!(json["sid"], "SM00000000000000000000000000000001");
        assert_eq!(json["status"], "queued");
        assert_eq!(json["account_sid"], SID);
        assert_eq!(json["to"], "+14185551234");
        assert_eq!(json["from"], "+15145550000");
        assert_eq!(json["body"], "Hi");
        assert_eq!(json["num_media"], "1");
        assert_eq!(json["num_segments"], "1");
        assert_eq!(json["direction"], "outbound-api");
        assert_eq!(json["error_code"], Value::Null);
        assert_eq!(
            json["uri"],
            format!("/2010-04-01/Accounts/{SID}/Messages/SM00000000000000000000000000000001.json")
        );
        let (_, second) = post(
            url,
            Some(basic(SID, TOKEN)),
            "To=%2B14185551234&MessagingServiceSid=MG1&Body=again",
        )
        .await;
        assert_eq!(second["sid"], "SM00000000000000000000000000000002");
        assert_eq!(second["status"], "accepted");
        assert_eq!(second["from"], Value::Null);
        let sent = twilio.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].account_sid, SID);
        assert_eq!(sent[0].all("MediaUrl"), vec!["https://m/1.jpg"]);
        assert_eq!(
            sent[0].sid.as_deref(),
            Some("SM00000000000000000000000000000001")
        );
        assert_eq!(sent[0].status, 201);
        assert_eq!(sent[1].get("MessagingServiceSid"), Some("MG1"));
    }

    #[tokio::test]
    async fn wrong_credentials_get_twilios_20003() {
        let twilio = FakeTwilio::start().await;
        twilio.add_account(SID, TOKEN);
        twilio.add_account("AC2", "other");
        twilio.add_api_key(SID, "SK1", "key-secret");
        let url = format!("{}/2010-04-01/Accounts/{SID}/Messages.json", twilio.url());
        let body = "To=%2B14185551234&From=%2B15145550000&Body=Hi";
        for authorization in [
            None,
            Some(basic(SID, "wrong")),
            Some(basic("AC2", "other")),
            Some(basic("SK1", "wrong")),
            Some("Bearer abc".to_owned()),
        ] {
            let (status, json) = post(url.clone(), authorization.clone(), body).await;
            assert_eq!(status, 401, "{authorization:?}");
            assert_eq!(
                json,
                json!({
                    "code": 20003,
                    "detail": "Your AccountSid or AuthToken was incorrect.",
                    "message": "Authentication Error - invalid username",
                    "more_info": "https://www.twilio.com/docs/errors/20003",
                    "status": 401,
                })
            );
        }
        let (status, _) = post(url, Some(basic("SK1", "key-secret")), body).await;
        assert_eq!(status, 201);
        let sent = twilio.sent();
        assert_eq!(sent.len(), 6);
        assert_eq!((sent[0].sid.as_ref(), sent[0].status), (None, 401));
    }

    #[tokio::test]
    async fn missing_fields_bad_numbers_and_other_paths_get_twilios_errors() {
        let twilio = FakeTwilio::start().await;
        twilio.add_account(SID, TOKEN);
        let url = format!("{}/2010-04-01/Accounts/{SID}/Messages.json", twilio.url());
        let cases = [
            (
                "From=%2B15145550000&Body=Hi",
                21604,
                "A 'To' phone number is required.",
            ),
            (
                "To=418-555-1234&From=%2B15145550000&Body=Hi",
                21211,
                "Invalid 'To' Phone Number: 418-555-1234",
            ),
            (
                "To=%2B14185551234&Body=Hi",
                21603,
                "A 'From' phone number is required.",
            ),
            (
                "To=%2B14185551234&From=%2B15145550000",
                21602,
                "Message body is required.",
            ),
        ];
        for (body, code, message) in cases {
            let (status, json) = post(url.clone(), Some(basic(SID, TOKEN)), body).await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(
                json,
                json!({
                    "code": code,
                    "message": message,
                    "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
                    "status": 400,
                })
            );
        }
        let (status, json) = post(
            format!("{}/2010-04-01/Accounts/{SID}/Calls.json", twilio.url()),
            Some(basic(SID, TOKEN)),
            "",
        )
        .await;
        assert_eq!((status, json["code"].clone()), (404, json!(20404)));
    }

    #[tokio::test]
    async fn queued_replies_come_first_and_are_recorded() {
        let twilio = FakeTwilio::start().await;
        twilio.add_account(SID, TOKEN);
        twilio
            .respond_next(error_reply(429, 20429, "Too Many Requests").header("retry-after", "1"));
        let url = format!("{}/2010-04-01/Accounts/{SID}/Messages.json", twilio.url());
        let body = "To=%2B14185551234&From=%2B15145550000&Body=Hi";
        let (status, json) = post(url.clone(), Some(basic(SID, TOKEN)), body).await;
        assert_eq!((status, json["code"].clone()), (429, json!(20429)));
        let (status, _) = post(url, Some(basic(SID, TOKEN)), body).await;
        assert_eq!(status, 201);
        let statuses: Vec<u16> = twilio.sent().iter().map(|m| m.status).collect();
        assert_eq!(statuses, vec![429, 201]);
    }

    #[tokio::test]
    async fn webhooks_are_signed_as_twilio_signs_them() {
        let twilio = FakeTwilio::start().await;
        twilio.add_account(SID, TOKEN);
        let hook = "https://desk.example.com/v1/webhooks/sms";
        let (headers, body) = twilio.inbound_sms(
            hook,
            TOKEN,
            "+14185551234",
            "+15145550000",
            "Bonjour & bienvenue",
            &[("https://api.twilio.com/media/ME1", "image/jpeg")],
        );
        let fields = decode(&body);
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            get("MessageSid"),
            Some("MM00000000000000000000000000000001")
        );
        assert_eq!(get("From"), Some("+14185551234"));
        assert_eq!(get("To"), Some("+15145550000"));
        assert_eq!(get("Body"), Some("Bonjour & bienvenue"));
        assert_eq!(get("NumMedia"), Some("1"));
        assert_eq!(get("MediaUrl0"), Some("https://api.twilio.com/media/ME1"));
        assert_eq!(get("MediaContentType0"), Some("image/jpeg"));
        assert_eq!(get("AccountSid"), Some(SID));
        assert_eq!(get("SmsStatus"), Some("received"));
        let signature = &headers
            .iter()
            .find(|(n, _)| n == "x-twilio-signature")
            .unwrap()
            .1;
        assert_eq!(signature, &twilio_signature(TOKEN, hook, &fields));
        assert_eq!(
            headers[0],
            (
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned()
            )
        );

        // A status callback repeats what the message was sent with.
        let url = format!("{}/2010-04-01/Accounts/{SID}/Messages.json", twilio.url());
        let (_, json) = post(
            url,
            Some(basic(SID, TOKEN)),
            "To=%2B14185551234&From=%2B15145550000&Body=Hi",
        )
        .await;
        let sid = json["sid"].as_str().unwrap().to_owned();
        let (headers, body) =
            twilio.status_callback(hook, TOKEN, &sid, "undelivered", Some("30003"));
        assert_eq!(
            decode(&body),
            pairs(&[
                ("ErrorCode", "30003"),
                ("SmsSid", &sid),
                ("SmsStatus", "undelivered"),
                ("MessageStatus", "undelivered"),
                ("To", "+14185551234"),
                ("MessageSid", &sid),
                ("AccountSid", SID),
                ("From", "+15145550000"),
                ("ApiVersion", "2010-04-01"),
            ])
        );
        assert_eq!(headers[2].1, twilio_signature(TOKEN, hook, &decode(&body)));
    }
}
