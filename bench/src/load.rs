//! The load generator: HTTP requests from tokio tasks on the same machine,
//! at a fixed concurrency (closed loop: each worker sends its next request
//! when the previous answer is in) or at a fixed rate (open loop: request
//! `i` is due at `start + i / rate`, and its latency counts from when it was
//! due, so a slow server cannot hide its queueing — no coordinated omission).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::Semaphore;

/// One request to send.
#[derive(Clone, Debug)]
pub struct Req {
    /// `None` for GET.
    pub body: Option<Bytes>,
    pub url: String,
    pub bearer: Option<Arc<str>>,
    /// A `Cookie` header (portal session).
    pub cookie: Option<Arc<str>>,
}

/// Makes request number `i` (e.g. a query about subject `i mod n`).
pub type MakeReq = Arc<dyn Fn(u64) -> Req + Send + Sync>;
/// Whether an answer (status, body) is a success.
pub type Check = Arc<dyn Fn(u16, &[u8]) -> bool + Send + Sync>;

/// A GraphQL answer is a success when it is 200 and has no `errors`.
pub fn graphql_ok() -> Check {
    Arc::new(|status, body| status == 200 && !contains(body, b"\"errors\""))
}

/// Any 2xx answer is a success.
pub fn http_ok() -> Check {
    Arc::new(|status, _| (200..300).contains(&status))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What a run measured.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub ok: u64,
    pub errors: u64,
    pub seconds: f64,
    /// Latencies of successful requests, microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
}

impl Stats {
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.seconds.max(1e-9)
    }

    /// Percentile `p` (0–100) in milliseconds.
    pub fn pct_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let idx = ((p / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        f64::from(self.latencies_us[idx.min(self.latencies_us.len() - 1)]) / 1000.0
    }
}

fn client(conns: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

async fn send(http: &reqwest::Client, r: &Req) -> Result<(u16, Bytes), String> {
    let mut b = match &r.body {
        Some(body) => http
            .post(&r.url)
            .header("content-type", "application/json")
            .body(body.clone()),
        None => http.get(&r.url),
    };
    if let Some(t) = &r.bearer {
        b = b.bearer_auth(t);
    }
    if let Some(c) = &r.cookie {
        b = b.header("cookie", c.as_ref());
    }
    let resp = b.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

#[derive(Default)]
struct Acc {
    lat: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

impl Acc {
    fn record(&mut self, started: Instant, res: Result<(u16, Bytes), String>, check: &Check) {
        match res {
            Ok((status, body)) if check(status, &body) => {
                let us = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                self.lat.push(us);
            }
            Ok((status, body)) => {
                self.errors += 1;
                if self.first_error.is_none() {
                    let text = String::from_utf8_lossy(&body[..body.len().min(400)]).into_owned();
                    self.first_error = Some(format!("HTTP {status}: {text}"));
                }
            }
            Err(e) => {
                self.errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(e);
                }
            }
        }
    }

    fn merge(parts: Vec<Acc>, seconds: f64) -> Stats {
        let mut s = Stats {
            seconds,
            ..Default::default()
        };
        for p in parts {
            s.latencies_us.extend(p.lat);
            s.errors += p.errors;
            if s.first_error.is_none() {
                s.first_error = p.first_error;
            }
        }
        s.latencies_us.sort_unstable();
        s.ok = s.latencies_us.len() as u64;
        s
    }
}

/// `concurrency` workers send requests back to back for `duration`.
pub async fn closed_loop(
    concurrency: usize,
    duration: Duration,
    make: MakeReq,
    check: Check,
) -> Stats {
    let http = client(concurrency);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (http, next, make, check) = (http.clone(), next.clone(), make.clone(), check.clone());
        tasks.push(tokio::spawn(async move {
            let mut acc = Acc::default();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let r = make(i);
                let t = Instant::now();
                let res = send(&http, &r).await;
                acc.record(t, res, &check);
            }
            acc
        }));
    }
    let mut parts = Vec::new();
    for t in tasks {
        if let Ok(a) = t.await {
            parts.push(a);
        }
    }
    Acc::merge(parts, started.elapsed().as_secs_f64())
}

/// Requests at `rate` per second for `duration`, at most `max_in_flight` at
/// once (beyond that a request waits, and its wait counts in its latency).
pub async fn open_loop(
    rate: f64,
    duration: Duration,
    max_in_flight: usize,
    make: MakeReq,
    check: Check,
) -> Stats {
    let http = client(max_in_flight);
    let gate = Arc::new(Semaphore::new(max_in_flight.max(1)));
    let started = Instant::now();
    let total = (rate * duration.as_secs_f64()).floor() as u64;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1e-6));
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let (http, gate, make, check) = (http.clone(), gate.clone(), make.clone(), check.clone());
        tasks.push(tokio::spawn(async move {
            let mut acc = Acc::default();
            let Ok(_permit) = gate.acquire_owned().await else {
                return acc;
            };
            let r = make(i);
            let res = send(&http, &r).await;
            acc.record(due, res, &check);
            acc
        }));
    }
    let mut parts = Vec::new();
    for t in tasks {
        if let Ok(a) = t.await {
            parts.push(a);
        }
    }
    Acc::merge(parts, started.elapsed().as_secs_f64())
}
