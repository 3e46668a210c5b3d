//! The API in-process for its tests: a real store, alert database and token
//! file in a temporary directory, and in place of the writer a thread that
//! acknowledges every batch and keeps what it was given (the queue is the
//! seam; the writer behind it is tested end to end in
//! `crates/cli/tests/server`). Requests go through the router with
//! `tower::ServiceExt::oneshot`: no sockets.

use super::{AppState, ingest};
use crate::auth::{RateLimiter, Role, Tokens};
use crate::metrics::Metrics;
use crate::pipeline::{BatchReport, Payload};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use sightline_receive::Inbound;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

pub const ROLES: [Role; 4] = [Role::Ingest, Role::Viewer, Role::Analyst, Role::Admin];

/// What the stand-in writer was given: the receiver's name and its records.
pub type Submitted = Arc<Mutex<Vec<(&'static str, Vec<Inbound>)>>>;

pub struct Harness {
    pub state: Arc<AppState>,
    pub submitted: Submitted,
    tokens: Vec<(Role, String)>,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// With `max_body` as `server.max_body`.
    pub fn new(max_body: usize) -> Harness {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data directory");
        let tokens = Tokens::open(&data, &[]).expect("tokens");
        let issued = ROLES
            .iter()
            .map(|&role| {
                let name = format!("test-{}", role.as_str());
                let token = tokens.create(&name, role, "test").expect("token");
                (role, token)
            })
            .collect();
        let store_config =
            sightline_store::StoreConfig::new(data.join("store"), dir.path().join("signing.key"));
        let (store, _) = sightline_store::Store::open(store_config).expect("store");
        let alerts =
            sightline_alerts::AlertStore::open(data.join("alerts.db")).expect("alert database");
        let metrics = Arc::new(Metrics::default());
        let (queue, batches) = crate::pipeline::queue(4, Arc::clone(&metrics));
        let submitted = Submitted::default();
        let kept = Arc::clone(&submitted);
        let depth = Arc::clone(&metrics);
        std::thread::spawn(move || {
            while let Ok(batch) = batches.recv() {
                depth
                    .queue_depth
                    .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                let report = match batch.payload {
                    Payload::Records(records) => {
                        let n = records.len();
                        if let Ok(mut k) = kept.lock() {
                            k.push((batch.receiver, records));
                        }
                        BatchReport {
                            events: n,
                            stored: n,
                            ..Default::default()
                        }
                    }
                    Payload::ReloadRules => BatchReport {
                        message: Some("rules reloaded".into()),
                        ..Default::default()
                    },
                    _ => BatchReport::default(),
                };
                if let Some(ack) = batch.ack {
                    let _ = ack.send(Ok(report));
                }
            }
        });
        let state = Arc::new(AppState {
            tokens: Arc::new(tokens),
            limiter: RateLimiter::new(10_000.0, 10_000.0),
            queue,
            store: Arc::new(store),
            alerts: Arc::new(alerts),
            metrics,
            rules: Default::default(),
            max_body,
            denials: Default::default(),
            idle_timeout: Duration::from_secs(5),
            acting: None,
            forwarding: None,
            responder: None,
        });
        Harness {
            state,
            submitted,
            tokens: issued,
            _dir: dir,
        }
    }

    pub fn router(&self, receivers: Vec<Arc<dyn ingest::Registered>>) -> Router {
        super::router_with(Arc::clone(&self.state), receivers)
    }

    /// A valid token of `role`.
    pub fn token(&self, role: Role) -> &str {
        self.tokens
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, t)| t.as_str())
            .expect("a token per role")
    }

    /// The records submitted so far, by receiver.
    pub fn submitted(&self) -> Vec<(&'static str, Vec<Inbound>)> {
        self.submitted.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// A request from 127.0.0.1 with `token` as a bearer token.
pub fn request(method: Method, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let mut r = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    r.extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))))
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

pub async fn call(router: &Router, request: Request<Body>) -> Answer {
    let resp = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router never fails");
    let (parts, body) = resp.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// `pattern` with each `{param}` replaced by a sample value.
pub fn sample_path(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                "sample-1"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
