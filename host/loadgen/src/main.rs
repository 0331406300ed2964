//! `roomkit-loadgen`: drives an HTTP endpoint from a process of its own, as the benchmarks ask.
//! Each of `--connections` keep-alive HTTP/1.1 connections sends the same request again as soon
//! as the previous answer arrived (closed loop) for `--seconds`, after `--warmup-seconds` whose
//! requests are not counted, or until `--requests` requests in all were sent, or until the
//! `--until-file` exists; `--interval-ms` paces each connection. Prints one JSON object: requests, errors, requests per second and
//! latency percentiles in milliseconds.
//!
//! `{conn}` in the path is replaced by the connection's number modulo `--spread`, so that the
//! load can go to several rooms (`/v1/rooms/bench-{conn}/messages`).
//!
//! With `--twilio-token`, every request is a distinct Twilio inbound-SMS webhook instead: a
//! form with a fresh `MessageSid`, `From` one of `--spread` numbers +1418555NNNN (by connection), `Body` the
//! `--body`, signed with `X-Twilio-Signature` over `--twilio-url` as Twilio signs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;

/// Load generator.
#[derive(Debug, Parser, Clone)]
struct Args {
    /// Host and port, e.g. 127.0.0.1:8080.
    #[arg(long)]
    addr: String,
    /// The request path; `{conn}` becomes the connection's number modulo --spread (in --body too).
    #[arg(long)]
    path: String,
    /// GET or POST.
    #[arg(long, default_value = "GET")]
    method: String,
    /// The body of every request (POST).
    #[arg(long, default_value = "")]
    body: String,
    /// Extra headers, `name: value`.
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// How many distinct values `{conn}` takes.
    #[arg(long, default_value_t = 1)]
    spread: usize,
    /// Measured time.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Time before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup_seconds: f64,
    /// Stop after this many requests in all (sent after the warm-up), or at --seconds,
    /// whichever comes first.
    #[arg(long)]
    requests: Option<u64>,
    /// Also stop once this file exists (a probe that runs as long as another load).
    #[arg(long)]
    until_file: Option<std::path::PathBuf>,
    /// Wait this long between the requests of one connection (a paced probe, not a closed loop).
    #[arg(long, default_value_t = 0)]
    interval_ms: u64,
    /// Send signed Twilio inbound-SMS webhooks with this auth token.
    #[arg(long)]
    twilio_token: Option<String>,
    /// The URL Twilio is configured with (the host's public_url + the path): what it signs.
    #[arg(long, default_value = "")]
    twilio_url: String,
}

/// Makes every request of the Twilio mode distinct (its `MessageSid`).
static TWILIO_SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The body and signature of a fresh Twilio inbound SMS from `from`.
fn twilio_webhook(token: &str, url: &str, from: &str, text: &str) -> (String, String) {
    let sid = format!(
        "SM{:032x}",
        TWILIO_SEQUENCE.fetch_add(1, Ordering::Relaxed) + (u64::from(std::process::id()) << 40)
    );
    let fields: Vec<(String, String)> = [
        ("MessageSid", sid.as_str()),
        ("SmsSid", sid.as_str()),
        ("AccountSid", "AC00000000000000000000000000000001"),
        ("From", from),
        ("To", "+15145550100"),
        ("Body", text),
        ("NumMedia", "0"),
        ("NumSegments", "1"),
        ("SmsStatus", "received"),
        ("ApiVersion", "2010-04-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let signature = roomkit_fakes::twilio::twilio_signature(token, url, &fields);
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    (body, signature)
}

#[derive(Debug, Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

async fn connection(
    n: usize,
    args: Args,
    warmup_end: Instant,
    end: Instant,
    budget: Arc<AtomicU64>,
) -> Result<Tally> {
    let stream = tokio::net::TcpStream::connect(&args.addr)
        .await
        .with_context(|| format!("connecting to {}", args.addr))?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let path = args
        .path
        .replace("{conn}", &(n % args.spread.max(1)).to_string());
    let method: Method = args.method.parse().context("--method")?;
    let body = Bytes::from(
        args.body
            .replace("{conn}", &(n % args.spread.max(1)).to_string()),
    );
    let mut tally = Tally::default();
    loop {
        if args.interval_ms > 0 {
            tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
        }
        let started = Instant::now();
        if started >= end || args.until_file.as_ref().is_some_and(|f| f.exists()) {
            break;
        }
        // After the warm-up, every request takes one of the --requests budget.
        if started >= warmup_end
            && budget
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                })
                .is_err()
        {
            break;
        }
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&path)
            .header("host", &args.addr);
        let body = match &args.twilio_token {
            Some(token) => {
                let from = format!("+1418555{:04}", n % args.spread.max(1));
                let (form, signature) = twilio_webhook(token, &args.twilio_url, &from, &args.body);
                request = request
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("x-twilio-signature", signature);
                Bytes::from(form)
            }
            None => {
                request = request.header("content-type", "application/json");
                body.clone()
            }
        };
        for header in &args.headers {
            let Some((name, value)) = header.split_once(':') else {
                bail!("--header {header:?} is not `name: value`");
            };
            request = request.header(name.trim(), value.trim());
        }
        let request = request.body(Full::new(body))?;
        sender.ready().await?;
        let outcome = match sender.send_request(request).await {
            Ok(response) => {
                let status = response.status();
                let bytes = response.into_body().collect().await?.to_bytes();
                if status.is_success() {
                    Ok(())
                } else {
                    Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)))
                }
            }
            Err(err) => Err(err.to_string()),
        };
        if started < warmup_end {
            continue;
        }
        match outcome {
            Ok(()) => {
                let micros = started.elapsed().as_micros();
                tally
                    .latencies_us
                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
            }
            Err(err) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(err);
            }
        }
    }
    Ok(tally)
}

fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let start = Instant::now();
    let warmup_end = start + Duration::from_secs_f64(args.warmup_seconds);
    let end = warmup_end + Duration::from_secs_f64(args.seconds);
    let budget = Arc::new(AtomicU64::new(args.requests.unwrap_or(u64::MAX)));
    let tasks: Vec<_> = (0..args.connections)
        .map(|n| {
            tokio::spawn(connection(
                n,
                args.clone(),
                warmup_end,
                end,
                Arc::clone(&budget),
            ))
        })
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        let tally = task.await??;
        all.latencies_us.extend(tally.latencies_us);
        all.errors += tally.errors;
        if all.first_error.is_none() {
            all.first_error = tally.first_error;
        }
    }
    let measured = warmup_end.elapsed().as_secs_f64().min(args.seconds);
    all.latencies_us.sort_unstable();
    let requests = all.latencies_us.len();
    let report = serde_json::json!({
        "requests": requests,
        "errors": all.errors,
        "first_error": all.first_error,
        "rps": (requests as f64 / measured.max(f64::EPSILON)).round(),
        "p50_ms": percentile_ms(&all.latencies_us, 0.50),
        "p99_ms": percentile_ms(&all.latencies_us, 0.99),
        "max_ms": percentile_ms(&all.latencies_us, 1.0),
    });
    println!("{report}");
    Ok(())
}
