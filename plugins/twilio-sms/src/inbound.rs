//! Incoming SMS and MMS: the parameters of Twilio's messaging webhook.
//!
//! Twilio posts `application/x-www-form-urlencoded` (or, for a webhook set to GET, puts the
//! same parameters in the query): `MessageSid` (also `SmsSid`, `SmsMessageSid`), `AccountSid`,
//! `From`, `To`, `Body`, `NumMedia`, and per media item `MediaUrl{N}` and
//! `MediaContentType{N}` (N from 0), plus geographic fields (`FromCity`, …) kept in the raw
//! payload. A message becomes an [`SmsMeta`] of provider `twilio`. Twilio is answered with
//! empty TwiML, so it sends nothing back to the sender.

use roomkit_sdk::sms::{SmsMedia, SmsMeta};
use roomkit_sdk::{WebhookRequest, WebhookResponse, form};
use serde_json::{Map, Value};

/// The most media items Twilio attaches to one MMS.
pub const MAX_MEDIA: usize = 10;

/// The answer that tells Twilio to send nothing: `<Response></Response>` as `text/xml`.
pub fn empty_twiml() -> WebhookResponse {
    WebhookResponse::new(
        200,
        "text/xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#,
    )
}

/// The webhook's parameters, in order: the form body of a POST (or a JSON object of strings,
/// for Twilio's JSON webhooks), the query of a GET.
pub fn fields(request: &WebhookRequest) -> Result<Vec<(String, String)>, String> {
    if request.method.eq_ignore_ascii_case("GET") {
        let pairs = request.query_pairs();
        if pairs.is_empty() {
            return Err("Twilio webhook (GET) has no query parameters".to_owned());
        }
        return Ok(pairs);
    }
    let content_type = request.header("content-type").unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let body = std::str::from_utf8(&request.body)
        .map_err(|e| format!("Twilio webhook body is not UTF-8 text: {e}"))?;
    if body.trim().is_empty() {
        return Err("Twilio webhook has an empty body".to_owned());
    }
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            if body
                .split('&')
                .any(|pair| !pair.is_empty() && !pair.contains('='))
            {
                return Err("Twilio webhook body is not a form: a field has no `=`".to_owned());
            }
            Ok(form::decode(body.as_bytes()))
        }
        "application/json" => {
            let object: Map<String, Value> = serde_json::from_str(body)
                .map_err(|e| format!("Twilio webhook body is not a JSON object: {e}"))?;
            object
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k, s)),
                    Value::Number(n) => Ok((k, n.to_string())),
                    Value::Bool(b) => Ok((k, b.to_string())),
                    other => Err(format!(
                        "Twilio webhook field {k:?} is not a string: {other}"
                    )),
                })
                .collect()
        }
        "" => Err(
            "Twilio webhook has no content-type; expected application/x-www-form-urlencoded"
                .to_owned(),
        ),
        _ => Err(format!(
            "Twilio webhook has content-type {content_type:?}; expected application/x-www-form-urlencoded"
        )),
    }
}

/// The fields as a JSON object (a name sent twice keeps its last value).
pub fn raw(fields: &[(String, String)]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The message's id: `MessageSid`, or the older `SmsMessageSid` / `SmsSid`.
pub fn message_sid(fields: &[(String, String)]) -> Option<&str> {
    ["MessageSid", "SmsMessageSid", "SmsSid"]
        .iter()
        .find_map(|name| form::get(fields, name).filter(|v| !v.trim().is_empty()))
}

/// The SMS or MMS the fields carry.
pub fn message(fields: &[(String, String)]) -> Result<SmsMeta, String> {
    let sid = message_sid(fields)
        .ok_or("Twilio message webhook has no `MessageSid`")?
        .to_owned();
    let sender = form::get(fields, "From")
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| format!("Twilio message {sid} has no `From`"))?
        .to_owned();
    let recipient = form::get(fields, "To").unwrap_or("").to_owned();
    let body = form::get(fields, "Body").unwrap_or("").to_owned();
    Ok(SmsMeta {
        provider: "twilio".to_owned(),
        sender,
        recipient,
        body,
        media: media(fields, &sid)?,
        provider_message_id: Some(sid),
        raw: raw(fields),
    })
}

/// The media items: `NumMedia` of them, each `MediaUrl{N}` with `MediaContentType{N}`.
fn media(fields: &[(String, String)], sid: &str) -> Result<Vec<SmsMedia>, String> {
    let urls: Vec<(&str, &str)> = fields
        .iter()
        .filter_map(|(k, v)| {
            let index = k.strip_prefix("MediaUrl")?;
            (!index.is_empty() && index.chars().all(|c| c.is_ascii_digit()))
                .then_some((index, v.as_str()))
        })
        .collect();
    let count = match form::get(fields, "NumMedia") {
        Some(n) => n
            .trim()
            .parse::<usize>()
            .map_err(|_| format!("Twilio message {sid}: `NumMedia` {n:?} is not a number"))?,
        None => urls.len(),
    };
    if count > MAX_MEDIA {
        return Err(format!(
            "Twilio message {sid}: `NumMedia` is {count}; Twilio sends at most {MAX_MEDIA}"
        ));
    }
    if urls.len() != count {
        return Err(format!(
            "Twilio message {sid}: `NumMedia` is {count} but {} `MediaUrl` fields came",
            urls.len()
        ));
    }
    (0..count)
        .map(|i| {
            let url = form::get(fields, &format!("MediaUrl{i}"))
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| {
                    format!("Twilio message {sid}: `MediaUrl{i}` is missing or empty")
                })?;
            let mime_type = form::get(fields, &format!("MediaContentType{i}"))
                .filter(|t| !t.trim().is_empty())
                .unwrap_or("application/octet-stream");
            Ok(SmsMedia {
                url: url.to_owned(),
                mime_type: mime_type.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomkit_sdk::types::Header;

    /// An inbound SMS as Twilio's messaging webhook documents it.
    pub(crate) const SMS: &str = "ToCountry=US&ToState=CA&SmsMessageSid=SM1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d\
        &NumMedia=0&ToCity=SAN+FRANCISCO&FromZip=&SmsSid=SM1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d\
        &FromState=QC&SmsStatus=received&FromCity=QUEBEC&Body=Hello+%26+welcome&FromCountry=CA\
        &To=%2B14155550100&ToZip=94105&NumSegments=1&MessageSid=SM1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d\
        &AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B14185551234&ApiVersion=2010-04-01";

    fn request(content_type: Option<&str>, body: &str) -> WebhookRequest {
        WebhookRequest {
            channel_id: "sms".into(),
            method: "POST".into(),
            path: "/v1/webhooks/sms".into(),
            query: String::new(),
            public_url: "https://desk.example.com/v1/webhooks/sms".into(),
            headers: content_type
                .map(|value| Header {
                    name: "content-type".into(),
                    value: value.into(),
                })
                .into_iter()
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn form_fields(body: &str) -> Vec<(String, String)> {
        fields(&request(Some("application/x-www-form-urlencoded"), body)).unwrap()
    }

    #[test]
    fn an_sms_becomes_an_sms_meta() {
        let meta = message(&form_fields(SMS)).unwrap();
        assert_eq!(meta.provider, "twilio");
        assert_eq!(meta.sender, "+14185551234");
        assert_eq!(meta.recipient, "+14155550100");
        assert_eq!(meta.body, "Hello & welcome");
        assert_eq!(meta.media, vec![]);
        assert_eq!(
            meta.provider_message_id.as_deref(),
            Some("SM1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d")
        );
        assert_eq!(meta.raw["FromCity"], "QUEBEC");
        assert_eq!(meta.raw["NumSegments"], "1");
    }

    #[test]
    fn an_mms_carries_its_media_in_order() {
        let body = format!(
            "{}&MediaUrl1={}&MediaContentType1=image%2Fpng&MediaUrl0={}&MediaContentType0=image%2Fjpeg",
            SMS.replace("NumMedia=0", "NumMedia=2"),
            "https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM1%2FMedia%2FME2",
            "https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM1%2FMedia%2FME1",
        );
        let meta = message(&form_fields(&body)).unwrap();
        assert_eq!(
            meta.media,
            vec![
                SmsMedia {
                    url: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
                        .into(),
                    mime_type: "image/jpeg".into()
                },
                SmsMedia {
                    url: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2"
                        .into(),
                    mime_type: "image/png".into()
                },
            ]
        );
        let untyped = message(&form_fields(
            "MessageSid=MM1&From=%2B1&NumMedia=1&MediaUrl0=https%3A%2F%2Fm%2F1",
        ))
        .unwrap();
        assert_eq!(untyped.media[0].mime_type, "application/octet-stream");
    }

    #[test]
    fn missing_ids_senders_and_disagreeing_media_are_errors() {
        let cases = [
            (
                "From=%2B1&Body=hi",
                "Twilio message webhook has no `MessageSid`",
            ),
            ("MessageSid=SM1&Body=hi", "Twilio message SM1 has no `From`"),
            (
                "MessageSid=SM1&From=&Body=hi",
                "Twilio message SM1 has no `From`",
            ),
            (
                "MessageSid=SM1&From=%2B1&NumMedia=two",
                "Twilio message SM1: `NumMedia` \"two\" is not a number",
            ),
            (
                "MessageSid=SM1&From=%2B1&NumMedia=11",
                "Twilio message SM1: `NumMedia` is 11; Twilio sends at most 10",
            ),
            (
                "MessageSid=SM1&From=%2B1&NumMedia=2&MediaUrl0=https%3A%2F%2Fm%2F1",
                "Twilio message SM1: `NumMedia` is 2 but 1 `MediaUrl` fields came",
            ),
            (
                "MessageSid=SM1&From=%2B1&NumMedia=0&MediaUrl0=https%3A%2F%2Fm%2F1",
                "Twilio message SM1: `NumMedia` is 0 but 1 `MediaUrl` fields came",
            ),
            (
                "MessageSid=SM1&From=%2B1&NumMedia=1&MediaUrl3=https%3A%2F%2Fm%2F1",
                "Twilio message SM1: `MediaUrl0` is missing or empty",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(message(&form_fields(body)).unwrap_err(), expected, "{body}");
        }
    }

    #[test]
    fn bodies_that_are_not_twilio_forms_are_errors() {
        let cases: [(Option<&str>, &[u8], &str); 6] = [
            (
                Some("application/x-www-form-urlencoded"),
                b"",
                "Twilio webhook has an empty body",
            ),
            (
                Some("application/x-www-form-urlencoded"),
                b"MessageSid=SM1&garbage",
                "Twilio webhook body is not a form: a field has no `=`",
            ),
            (
                Some("text/plain"),
                b"MessageSid=SM1",
                "Twilio webhook has content-type \"text/plain\"; expected application/x-www-form-urlencoded",
            ),
            (
                None,
                b"MessageSid=SM1",
                "Twilio webhook has no content-type; expected application/x-www-form-urlencoded",
            ),
            (
                Some("application/json"),
                b"[1]",
                "Twilio webhook body is not a JSON object: invalid type: sequence, expected a map at line 1 column 0",
            ),
            (
                Some("application/json"),
                br#"{"NumMedia":[1]}"#,
                "Twilio webhook field \"NumMedia\" is not a string: [1]",
            ),
        ];
        for (content_type, body, expected) in cases {
            let mut r = request(content_type, "");
            r.body = body.to_vec();
            assert_eq!(fields(&r).unwrap_err(), expected);
        }
        let mut not_utf8 = request(Some("application/x-www-form-urlencoded"), "");
        not_utf8.body = vec![b'a', b'=', 0xff];
        assert!(
            fields(&not_utf8)
                .unwrap_err()
                .starts_with("Twilio webhook body is not UTF-8 text")
        );
    }

    #[test]
    fn charset_json_and_get_forms_are_read() {
        let with_charset = fields(&request(
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            "MessageSid=SM1&From=%2B1",
        ))
        .unwrap();
        assert_eq!(message(&with_charset).unwrap().sender, "+1");
        let json = fields(&request(
            Some("application/json"),
            r#"{"MessageSid":"SM1","From":"+1","NumMedia":0}"#,
        ))
        .unwrap();
        assert_eq!(
            message(&json).unwrap().provider_message_id.as_deref(),
            Some("SM1")
        );
        let mut get = request(None, "");
        get.method = "GET".into();
        get.query = "MessageSid=SM1&From=%2B15550001&Body=hi".into();
        assert_eq!(message(&fields(&get).unwrap()).unwrap().body, "hi");
        get.query.clear();
        assert_eq!(
            fields(&get).unwrap_err(),
            "Twilio webhook (GET) has no query parameters"
        );
    }

    #[test]
    fn the_answer_is_empty_twiml() {
        let answer = empty_twiml();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.content_type.as_deref(), Some("text/xml"));
        assert_eq!(
            answer.body,
            br#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#
        );
    }
}
