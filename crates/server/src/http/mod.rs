//! The HTTP API, one module per job: [`ingest`] (the receivers), [`search`],
//! [`alerts`] and [`admin`] (health, metrics, rules, tokens). Every route is
//! declared in the route table ([`routes`]) with what it asks of its caller;
//! the router wraps each in its admission gate ([`crate::admission`]), which
//! authenticates the caller, checks its role and hands the handler the
//! [`Principal`]. Every user action is written to the audit log.

mod admin;
mod alerts;
mod error;
pub mod ingest;
mod responses;
pub mod routes;
mod routing;
mod search;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

pub use error::{ApiError, ApiResult, CredentialFault};
pub use search::search_json;

use crate::audit;
use crate::auth::{Principal, RateLimiter, Tokens};
use crate::detection::RulesSummary;
use crate::metrics::Metrics;
use crate::pipeline::{Payload, Queue};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sightline_alerts::AlertStore;
use sightline_store::Store;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How long a request waits for room in the queue before it gets 503.
const PATIENCE: Duration = Duration::from_secs(2);

pub struct AppState {
    pub tokens: Arc<Tokens>,
    pub limiter: RateLimiter,
    pub queue: Queue,
    pub store: Arc<Store>,
    pub alerts: Arc<AlertStore>,
    pub metrics: Arc<Metrics>,
    pub rules: Arc<RwLock<RulesSummary>>,
    pub max_body: usize,
    /// Refused requests waiting to be audited.
    pub denials: Arc<audit::Denials>,
    /// Longest pause allowed while a request body arrives (`server.idle_timeout`).
    pub idle_timeout: Duration,
    /// Routing and silences; `None` without `[routing]`.
    pub acting: Option<Arc<crate::acting::Acting>>,
    /// The `[[forward]]` destinations, for their metrics.
    pub forwarding: Option<Arc<sightline_forward::ForwardHandle>>,
    /// Automated response; `None` without `[[response.action]]`.
    pub responder: Option<Arc<sightline_respond::Responder>>,
}

type Shared = Arc<AppState>;

/// The API with the receivers of [`ingest::receivers`].
pub fn router(state: Shared) -> Router {
    router_with(state, ingest::receivers())
}

/// The API with `receivers` as its ingest routes.
pub(crate) fn router_with(state: Shared, receivers: Vec<Arc<dyn ingest::Registered>>) -> Router {
    for r in &receivers {
        state.metrics.declare_receiver(r.declaration().name);
    }
    let max = state.max_body;
    routes::build(&state, endpoints(receivers))
        // The admission gates limit bodies on the wire (and refuse
        // unauthenticated ones unread); the receivers limit decoded ones.
        .layer(DefaultBodyLimit::max(max))
        .with_state(state)
}

/// Every route of the API.
pub(crate) fn endpoints(receivers: Vec<Arc<dyn ingest::Registered>>) -> Vec<routes::Endpoint> {
    let mut all = admin::endpoints();
    all.extend(search::endpoints());
    all.extend(alerts::endpoints());
    all.extend(routing::endpoints());
    all.extend(responses::endpoints());
    for r in receivers {
        all.extend(r.endpoints());
    }
    all
}

/// Writes an audit record and waits until it is stored. A failure to audit
/// is logged and counted; the action has already happened.
async fn audit(
    state: &AppState,
    who: &Principal,
    peer: SocketAddr,
    action: &str,
    success: bool,
    details: serde_json::Value,
) {
    let ev = audit::record(Some(who), Some(peer), action, success, details);
    if let Err(e) = state
        .queue
        .submit("audit", Payload::Audit(vec![ev]), PATIENCE)
        .await
    {
        state
            .metrics
            .audit_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::error!("audit record for {action} by {} not stored: {e}", who.name);
    }
}

fn json(v: serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

/// A time query parameter (RFC 3339, a date, `now` or an age), as the CLI takes them.
fn param_time(s: Option<&str>, now: jiff::Timestamp) -> ApiResult<Option<jiff::Timestamp>> {
    s.map(|t| sightline_query::parse_time(t, now))
        .transpose()
        .map_err(|e| ApiError::bad_request(e.to_string()))
}
