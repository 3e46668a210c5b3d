//! Local receivers that speak Splunk HEC and Elasticsearch `_bulk` the way
//! the real ones do (auth header, body format, per-item results), with
//! failures that tests switch on.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use sightline_event::{Event, EventId, Timestamp};
use sightline_forward::{ForwardEntry, ForwardHandle, Forwarders};
use std::collections::{BTreeMap, VecDeque};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Seen {
    /// HEC envelopes, or `_bulk` documents, in arrival order.
    pub docs: Vec<Value>,
    /// `_bulk`: (index, id) of stored documents.
    pub ids: BTreeMap<(String, String), Value>,
    pub requests: u64,
    pub refused_auth: u64,
    /// Statuses to answer the next requests with, before looking at them.
    pub fail_next: VecDeque<u16>,
    /// `_bulk`: messages answered 429 once.
    pub busy_once: Vec<String>,
}

#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Seen>>,
    secret: String,
}

impl Receiver {
    pub fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }
    pub fn messages(&self) -> Vec<String> {
        self.seen()
            .docs
            .iter()
            .map(|d| {
                d.get("event")
                    .unwrap_or(d)
                    .get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    }
}

fn serve(listener: TcpListener, app: axum::Router) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
}

/// A free port nobody listens on (yet).
/// A port nobody listens on yet, for a destination that comes up later.
/// Taken below the kernel's ephemeral range (32768 and up), which `bind` to
/// port 0 draws from: another test binding port 0 in the meantime cannot be
/// handed the same port and receive what was meant for this one.
pub fn free_addr() -> SocketAddr {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 500) as u16 * 20;
    for _ in 0..2_000 {
        let port = base + NEXT.fetch_add(1, Ordering::Relaxed) % 10_000;
        let port = 20_000 + (port - 20_000) % 12_000;
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
            return l.local_addr().unwrap();
        }
    }
    panic!("no free port below the ephemeral range")
}

pub fn hec(listener: TcpListener, token: &str) -> Receiver {
    let r = Receiver {
        addr: listener.local_addr().unwrap(),
        seen: Arc::default(),
        secret: token.into(),
    };
    let app = axum::Router::new()
        .route("/services/collector/event", post(hec_event))
        .with_state(r.clone());
    serve(listener, app);
    r
}

fn hec_reply(status: u16, code: i64, text: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({"text": text, "code": code})),
    )
        .into_response()
}

/// As Splunk's HEC: `Authorization: Splunk <token>`, a stream of JSON
/// envelopes each with an `event`; `{"text":"Success","code":0}`.
async fn hec_event(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let mut seen = r.seen.lock().unwrap();
    seen.requests += 1;
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    match auth {
        None => {
            seen.refused_auth += 1;
            return hec_reply(401, 2, "Token is required");
        }
        Some(a) if a != format!("Splunk {}", r.secret) => {
            seen.refused_auth += 1;
            return hec_reply(403, 4, "Invalid token");
        }
        _ => {}
    }
    if let Some(s) = seen.fail_next.pop_front() {
        return match s {
            503 => hec_reply(503, 9, "Server is busy"),
            400 => hec_reply(400, 6, "Invalid data format"),
            s => hec_reply(s, 8, "Internal server error"),
        };
    }
    let mut envs = Vec::new();
    for (i, v) in serde_json::Deserializer::from_slice(&body)
        .into_iter::<Value>()
        .enumerate()
    {
        let Ok(v) = v else {
            return hec_reply(400, 6, "Invalid data format");
        };
        if v.get("event").is_none() {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"text": "Event field is required", "code": 12, "invalid-event-number": i})),
            )
                .into_response();
        }
        if !v.get("time").is_some_and(Value::is_number) {
            return hec_reply(400, 6, "Invalid data format");
        }
        envs.push(v);
    }
    if envs.is_empty() {
        return hec_reply(400, 5, "No data");
    }
    seen.docs.extend(envs);
    hec_reply(200, 0, "Success")
}

pub fn bulk(listener: TcpListener, api_key: &str) -> Receiver {
    let r = Receiver {
        addr: listener.local_addr().unwrap(),
        seen: Arc::default(),
        secret: api_key.into(),
    };
    let app = axum::Router::new()
        .route("/_bulk", post(bulk_handler))
        .with_state(r.clone());
    serve(listener, app);
    r
}

/// As Elasticsearch's `_bulk`: NDJSON action/document pairs, per-item
/// statuses, `create` of an existing id is a 409 conflict. Documents whose
/// message starts with `reject` fail mapping (400).
async fn bulk_handler(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let mut seen = r.seen.lock().unwrap();
    seen.requests += 1;
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("ApiKey {}", r.secret)) {
        seen.refused_auth += 1;
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": {"type": "security_exception", "reason": "unable to authenticate"}, "status": 401})),
        )
            .into_response();
    }
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
    if ct != Some("application/x-ndjson") {
        return (StatusCode::NOT_ACCEPTABLE, "bad content type").into_response();
    }
    if let Some(s) = seen.fail_next.pop_front() {
        return (StatusCode::from_u16(s).unwrap(), "{}").into_response();
    }
    let text = std::str::from_utf8(&body).unwrap();
    if !text.ends_with('\n') {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"type": "illegal_argument_exception", "reason": "The bulk request must be terminated by a newline [\\n]"}}))).into_response();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut items = Vec::new();
    let mut errors = false;
    for pair in lines.chunks(2) {
        let action: Value = serde_json::from_str(pair[0]).unwrap();
        let doc: Value = serde_json::from_str(pair[1]).unwrap();
        let (op, meta) = action.as_object().unwrap().iter().next().unwrap();
        let index = meta["_index"].as_str().unwrap().to_owned();
        let id = meta["_id"].as_str().unwrap().to_owned();
        let msg = doc
            .get("message")
            .or_else(|| doc.get("alert.summary"))
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_owned();
        let status = if msg.starts_with("reject") {
            400
        } else if let Some(p) = seen.busy_once.iter().position(|m| *m == msg) {
            seen.busy_once.remove(p);
            429
        } else if op == "create" && seen.ids.contains_key(&(index.clone(), id.clone())) {
            409
        } else {
            seen.ids.insert((index.clone(), id.clone()), doc.clone());
            seen.docs.push(doc);
            201
        };
        let mut res = json!({"_index": index, "_id": id, "status": status});
        match status {
            400 => {
                res["error"] = json!({"type": "document_parsing_exception", "reason": "failed to parse field [message]"})
            }
            429 => {
                res["error"] = json!({"type": "es_rejected_execution_exception", "reason": "rejected execution"})
            }
            409 => {
                res["error"] = json!({"type": "version_conflict_engine_exception", "reason": "document already exists"})
            }
            _ => {}
        }
        errors |= status >= 300;
        items.push(json!({ op.clone(): res }));
    }
    axum::Json(json!({"took": 1, "errors": errors, "items": items})).into_response()
}

pub fn event(i: u64, msg: &str) -> Event {
    let mut ev = Event::new(
        EventId::derive("test", i, msg.as_bytes()),
        Timestamp::from_second(1_700_000_000 + i as i64).unwrap(),
        "ray",
        "ray.job",
        msg,
    );
    ev.message = msg.into();
    ev.set("host.name", "node-1");
    ev
}

pub fn events(n: u64, prefix: &str) -> Vec<Event> {
    (0..n).map(|i| event(i, &format!("{prefix}-{i}"))).collect()
}

/// Compiles `[[forward]]` tables from TOML.
pub fn forwarders(toml_text: &str) -> Forwarders {
    #[derive(serde::Deserialize)]
    struct File {
        forward: Vec<ForwardEntry>,
    }
    let f: File = toml::from_str(toml_text).unwrap();
    Forwarders::compile(&f.forward).unwrap()
}

pub fn secret_file(dir: &Path, name: &str, value: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("{value}\n")).unwrap();
    p.display().to_string()
}

/// Waits (polling) until `cond` holds; panics after a generous deadline.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn stats_of(h: &ForwardHandle, name: &str) -> sightline_forward::DestinationStats {
    h.stats().into_iter().find(|s| s.name == name).unwrap()
}

/// Settings that keep tests quick: no batching delay, short backoff.
pub const FAST: &str =
    "batch_max_delay = \"0s\"\nretry_initial_backoff = \"10ms\"\nretry_max_backoff = \"50ms\"\n";
