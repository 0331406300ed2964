//! The recording HTTP server every fake is built on.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// The largest request body a fake takes (services refuse larger ones too).
const MAX_BODY: usize = 16 << 20;

/// One request a fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, e.g. `/2010-04-01/Accounts/AC1/Messages.json`.
    pub path: String,
    /// The query string without `?` (empty when none).
    pub query: String,
    /// Header names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The body, exactly as sent.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of header `name` (compared without regard to case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, or `Value::Null` when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A fake's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Headers besides `content-length`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long the fake waits before answering (a slow service).
    pub delay: Option<std::time::Duration>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
            delay: None,
        }
    }

    /// A plain-text answer (what a broken proxy sends instead of the service's JSON).
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into().into_bytes(),
            delay: None,
        }
    }

    /// Answered only after `delay` (the request is recorded at once).
    pub fn after(mut self, delay: std::time::Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// With one more header (e.g. `retry-after`).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

type Responder = dyn Fn(&Recorded) -> Reply + Send + Sync;

struct Shared {
    requests: Mutex<Vec<Recorded>>,
    responder: Mutex<Arc<Responder>>,
}

/// A recording HTTP server on 127.0.0.1 with an ephemeral port; it runs until dropped with the
/// runtime that started it.
#[derive(Clone)]
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl FakeServer {
    /// Starts a server that records every request and answers it with `responder`.
    ///
    /// # Panics
    /// When no port on 127.0.0.1 can be bound (a fake is for tests: failing loudly is right).
    #[allow(clippy::expect_used)]
    pub async fn start(responder: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_at(SocketAddr::from(([127, 0, 0, 1], 0)), responder)
            .await
            .expect("a fake binds a port on 127.0.0.1")
    }

    /// [`start`](Self::start) on `addr` (a fixed port, for a walkthrough that configures it).
    ///
    /// # Errors
    /// When `addr` cannot be bound.
    pub async fn start_at(
        addr: SocketAddr,
        responder: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            responder: Mutex::new(Arc::new(responder)),
        });
        let app = Router::new()
            .fallback(record)
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeServer { addr, shared })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Answers the next requests with `responder` instead.
    pub fn respond_with(&self, responder: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) {
        *self
            .shared
            .responder
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(responder);
    }
}

async fn record(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return status_only(StatusCode::PAYLOAD_TOO_LARGE);
    };
    let recorded = Recorded {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    let responder = Arc::clone(
        &shared
            .responder
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    let reply = responder(&recorded);
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(recorded);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::try_from(name),
            HeaderValue::try_from(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn status_only(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_requests_and_answers_as_programmed() {
        let server =
            FakeServer::start(|r| Reply::json(201, format!(r#"{{"path":"{}"}}"#, r.path))).await;
        let client = reqwest::Client::new();
        let answer = client
            .post(format!("{}/a/b?x=1", server.url()))
            .header("authorization", "Basic abc")
            .body("To=%2B1&Body=hi")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
        assert_eq!(answer.text().await.unwrap(), r#"{"path":"/a/b"}"#);
        server.respond_with(|_| Reply::text(429, "slow down").header("retry-after", "3"));
        let answer = client.get(server.url()).send().await.unwrap();
        assert_eq!(answer.status(), 429);
        assert_eq!(answer.headers()["retry-after"], "3");
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].method, "POST");
        assert_eq!(requests[0].path, "/a/b");
        assert_eq!(requests[0].query, "x=1");
        assert_eq!(requests[0].header("Authorization"), Some("Basic abc"));
        assert_eq!(requests[0].text(), "To=%2B1&Body=hi");
        assert_eq!(requests[1].method, "GET");
        assert_eq!(requests[1].path, "/");
    }
}
