//! Outbound HTTP over `wasi:http/outgoing-handler`.
//!
//! The host lets a plugin reach only the hosts in its manifest's `allowed_hosts`; any other host
//! fails with [`Error::Denied`]. Requests block the plugin until the answer is in (the call's
//! `timeout_ms` in the manifest still applies, so set it above the request's timeout).
//!
//! ```no_run
//! use roomkit_sdk::http::Request;
//!
//! let response = Request::post("https://hooks.example.com/in")
//!     .header("content-type", "application/json")
//!     .body(br#"{"text":"hi"}"#.to_vec())
//!     .timeout(std::time::Duration::from_secs(5))
//!     .send()?;
//! if response.status >= 300 {
//!     roomkit_sdk::log::warn(&format!("status {}", response.status));
//! }
//! # Ok::<(), roomkit_sdk::http::Error>(())
//! ```
//!
//! Off wasm (unit tests), [`Request::send`] asks the handler set with
//! [`crate::testing::on_http`], and fails with [`Error::Unavailable`] when none is set.

use std::fmt;
use std::time::Duration;

/// Responses larger than this are refused unless [`Request::max_response_bytes`] says otherwise.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// HEAD
    Head,
}

impl Method {
    /// Its name, e.g. `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }
}

/// An outgoing request; build it, then [`send`](Request::send) it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The absolute URL, `http://` or `https://`.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
    /// Limit for connecting, for the first byte and between bytes of the answer (each).
    pub timeout: Option<Duration>,
    /// The largest answer body taken.
    pub max_response_bytes: usize,
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The URL is not an absolute `http`/`https` URL.
    InvalidUrl(String),
    /// The host refused the request: the target is not in the manifest's `allowed_hosts`.
    Denied(String),
    /// Connecting or waiting for the answer took too long.
    Timeout,
    /// The connection failed (DNS, refused, reset, TLS).
    Connection(String),
    /// The answer's body was larger than the request's limit.
    ResponseTooLarge(usize),
    /// Anything else the HTTP layer reported.
    Other(String),
    /// No HTTP here: off wasm without a [`crate::testing::on_http`] handler.
    Unavailable,
}

impl Error {
    /// Whether trying again later may help (timeouts and connection failures).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Timeout | Error::Connection(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl(url) => write!(f, "invalid URL {url:?}"),
            Error::Denied(why) => write!(f, "request denied: {why}"),
            Error::Timeout => f.write_str("timed out"),
            Error::Connection(why) => write!(f, "connection failed: {why}"),
            Error::ResponseTooLarge(limit) => write!(f, "response body over {limit} bytes"),
            Error::Other(why) => write!(f, "HTTP error: {why}"),
            Error::Unavailable => f.write_str("no outbound HTTP outside a component"),
        }
    }
}

impl std::error::Error for Error {}

impl Request {
    /// A request with `method` to `url`.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// A GET request.
    pub fn get(url: impl Into<String>) -> Self {
        Request::new(Method::Get, url)
    }

    /// A POST request.
    pub fn post(url: impl Into<String>) -> Self {
        Request::new(Method::Post, url)
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the timeouts (connect, first byte, between bytes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the largest answer body taken.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Sends the request and waits for the whole answer.
    pub fn send(self) -> Result<Response, Error> {
        send(self)
    }
}

impl Response {
    /// The first value of header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The parts of an absolute URL that wasi:http asks for.
#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    https: bool,
    authority: &'a str,
    path_with_query: String,
}

fn split_url(url: &str) -> Result<Target<'_>, Error> {
    let invalid = || Error::InvalidUrl(url.to_owned());
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(invalid());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(invalid());
    }
    // The fragment stays with the client; a bare query gets the root path.
    let tail = rest[end..].split('#').next().unwrap_or("");
    let path_with_query = match tail.chars().next() {
        None => "/".to_owned(),
        Some('?') => format!("/{tail}"),
        Some(_) => tail.to_owned(),
    };
    Ok(Target {
        https,
        authority,
        path_with_query,
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn send(request: Request) -> Result<Response, Error> {
    split_url(&request.url)?;
    crate::testing::handle_http(request)
}

#[cfg(target_arch = "wasm32")]
fn send(request: Request) -> Result<Response, Error> {
    wasi_http::send(request)
}

#[cfg(target_arch = "wasm32")]
mod wasi_http {
    use super::{Error, Method, Request, Response, split_url};
    use wasi::http::outgoing_handler;
    use wasi::http::types::{
        ErrorCode, Fields, FutureIncomingResponse, IncomingBody, Method as WasiMethod,
        OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
    };
    use wasi::io::streams::StreamError;

    pub(super) fn send(request: Request) -> Result<Response, Error> {
        let target = split_url(&request.url)?;
        let other = |what: &str| Error::Other(what.to_owned());

        let headers = Fields::new();
        for (name, value) in &request.headers {
            headers
                .append(name, value.as_bytes())
                .map_err(|e| Error::Other(format!("header {name}: {e:?}")))?;
        }
        // The whole body is known: say how long it is, so that it goes out as it is rather
        // than in chunked encoding (a chunk header and a last chunk more on the wire).
        let sized = !request.body.is_empty()
            || matches!(request.method, Method::Post | Method::Put | Method::Patch);
        if sized
            && !request
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        {
            headers
                .append("content-length", request.body.len().to_string().as_bytes())
                .map_err(|e| Error::Other(format!("header content-length: {e:?}")))?;
        }
        let outgoing = OutgoingRequest::new(headers);
        let method = match request.method {
            Method::Get => WasiMethod::Get,
            Method::Post => WasiMethod::Post,
            Method::Put => WasiMethod::Put,
            Method::Patch => WasiMethod::Patch,
            Method::Delete => WasiMethod::Delete,
            Method::Head => WasiMethod::Head,
        };
        outgoing.set_method(&method).map_err(|()| other("method"))?;
        let scheme = if target.https {
            Scheme::Https
        } else {
            Scheme::Http
        };
        outgoing
            .set_scheme(Some(&scheme))
            .map_err(|()| other("scheme"))?;
        outgoing
            .set_authority(Some(target.authority))
            .map_err(|()| Error::InvalidUrl(request.url.clone()))?;
        outgoing
            .set_path_with_query(Some(&target.path_with_query))
            .map_err(|()| Error::InvalidUrl(request.url.clone()))?;

        let options = request.timeout.map(|t| {
            let nanos = u64::try_from(t.as_nanos()).unwrap_or(u64::MAX);
            let options = RequestOptions::new();
            // A host that does not support a timeout says so; the call's deadline still holds.
            let _ = options.set_connect_timeout(Some(nanos));
            let _ = options.set_first_byte_timeout(Some(nanos));
            let _ = options.set_between_bytes_timeout(Some(nanos));
            options
        });

        let body = outgoing.body().map_err(|()| other("request body"))?;
        let stream = body.write().map_err(|()| other("request body stream"))?;
        // What the host takes without waiting goes in before the request is handed over, so
        // that a small body leaves together with the headers; a write here never blocks, since
        // nothing reads the body until `handle`.
        let mut rest = request.body.as_slice();
        while !rest.is_empty() {
            let room = match stream.check_write() {
                Ok(n) => usize::try_from(n).unwrap_or(usize::MAX),
                Err(_) => 0,
            };
            if room == 0 {
                break;
            }
            let (now, later) = rest.split_at(room.min(rest.len()).min(4096));
            if stream.write(now).is_err() {
                break;
            }
            rest = later;
        }
        let mut body = Some(body);
        let mut stream = Some(stream);
        if rest.is_empty() {
            // All in: the host sees the whole request at once.
            drop(stream.take());
            if let Some(body) = body.take() {
                OutgoingBody::finish(body, None).map_err(from_code)?;
            }
        }
        let future = outgoing_handler::handle(outgoing, options).map_err(from_code)?;
        // When the host refuses the request (a host not in `allowed_hosts`) or cannot connect,
        // writing the body fails too; the reason is in the response future, so look there first.
        let outcome_of = |future: &FutureIncomingResponse, fallback: Error| -> Error {
            future.subscribe().block();
            match future.get() {
                Some(Ok(Err(code))) => from_code(code),
                _ => fallback,
            }
        };
        if let Some(stream) = stream {
            for chunk in rest.chunks(4096) {
                if let Err(e) = stream.blocking_write_and_flush(chunk) {
                    return Err(outcome_of(
                        &future,
                        stream_error(e, "writing the request body"),
                    ));
                }
            }
        }
        if let Some(body) = body
            && let Err(code) = OutgoingBody::finish(body, None)
        {
            return Err(outcome_of(&future, from_code(code)));
        }

        future.subscribe().block();
        let incoming = match future.get() {
            Some(Ok(Ok(response))) => response,
            Some(Ok(Err(code))) => return Err(from_code(code)),
            Some(Err(())) => return Err(other("response taken twice")),
            None => return Err(other("no response after waiting")),
        };

        let status = incoming.status();
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| {
                (
                    n.to_ascii_lowercase(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();

        let mut body = Vec::new();
        let incoming_body = incoming.consume().map_err(|()| other("response body"))?;
        {
            let stream = incoming_body
                .stream()
                .map_err(|()| other("response body stream"))?;
            loop {
                match stream.blocking_read(64 * 1024) {
                    Ok(chunk) => {
                        if body.len() + chunk.len() > request.max_response_bytes {
                            return Err(Error::ResponseTooLarge(request.max_response_bytes));
                        }
                        body.extend_from_slice(&chunk);
                    }
                    Err(StreamError::Closed) => break,
                    Err(e) => return Err(stream_error(e, "reading the response body")),
                }
            }
        }
        drop(IncomingBody::finish(incoming_body));
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn stream_error(error: StreamError, doing: &str) -> Error {
        match error {
            StreamError::Closed => Error::Connection(format!("closed while {doing}")),
            StreamError::LastOperationFailed(e) => {
                Error::Connection(format!("{doing}: {}", e.to_debug_string()))
            }
        }
    }

    fn from_code(code: ErrorCode) -> Error {
        match code {
            ErrorCode::HttpRequestDenied => Error::Denied("host not allowed".to_owned()),
            ErrorCode::ConnectionTimeout
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::ConnectionWriteTimeout
            | ErrorCode::HttpResponseTimeout => Error::Timeout,
            ErrorCode::DnsTimeout => Error::Timeout,
            ErrorCode::DnsError(_)
            | ErrorCode::DestinationNotFound
            | ErrorCode::DestinationUnavailable
            | ErrorCode::DestinationIpProhibited
            | ErrorCode::DestinationIpUnroutable
            | ErrorCode::ConnectionRefused
            | ErrorCode::ConnectionTerminated
            | ErrorCode::ConnectionLimitReached
            | ErrorCode::TlsProtocolError
            | ErrorCode::TlsCertificateError
            | ErrorCode::TlsAlertReceived(_) => Error::Connection(format!("{code:?}")),
            ErrorCode::HttpRequestUriInvalid => Error::InvalidUrl(format!("{code:?}")),
            other => Error::Other(format!("{other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_authority_and_path() {
        let t = split_url("https://example.com:8443/a/b?x=1#frag").unwrap();
        assert_eq!(
            (t.https, t.authority, t.path_with_query.as_str()),
            (true, "example.com:8443", "/a/b?x=1")
        );
        let t = split_url("http://127.0.0.1:9").unwrap();
        assert_eq!(
            (t.https, t.authority, t.path_with_query.as_str()),
            (false, "127.0.0.1:9", "/")
        );
        let t = split_url("http://h?q=1").unwrap();
        assert_eq!(t.path_with_query, "/?q=1");
    }

    #[test]
    fn urls_without_scheme_or_host_are_refused() {
        for bad in ["example.com/x", "ftp://x/", "https:///x", "https://user@h/"] {
            assert!(matches!(split_url(bad), Err(Error::InvalidUrl(_))), "{bad}");
        }
    }
}
