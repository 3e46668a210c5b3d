//! Splunk's HTTP Event Collector: events (`/services/collector[/event]`),
//! raw lines (`/services/collector/raw`), and the health check shippers
//! probe. A request is accepted or refused as a whole, in HEC's shapes.

use super::{BodyRules, Declaration, HttpReceiver, Incoming, Parsed, Probe};
use crate::admission::Access;
use crate::auth::Permission;
use crate::http::routes::Verb;
use crate::http::{ApiError, Shared, json};
use crate::pipeline::BatchReport;
use crate::protocol::{hec, json_response};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use sightline_receive::HecError;

/// The name both HEC endpoints count under.
const NAME: &str = "hec";

/// `/services/collector/event`: JSON event objects.
pub struct HecEvents;

/// `/services/collector/raw`: lines, with their metadata in the query.
pub struct HecRaw;

impl HttpReceiver for HecEvents {
    type Pending = ();
    type Error = HecError;

    fn declaration(&self) -> Declaration {
        Declaration {
            name: NAME,
            routes: &[
                (Verb::Post, "/services/collector"),
                (Verb::Post, "/services/collector/event"),
                (Verb::Post, "/services/collector/event/1.0"),
            ],
            permission: Permission::Ingest,
            body: BodyRules::STANDARD,
        }
    }

    fn parse(&self, request: &Incoming<'_>) -> Result<Parsed<()>, HecError> {
        let stream = sightline_receive::batch_stream("hec", &request.sender(), request.body);
        sightline_receive::hec_events(request.body, &stream).map(Parsed::records)
    }

    fn accepted(&self, _: (), _: &BatchReport) -> Response {
        success()
    }

    fn rejected(&self, error: HecError, _: &HeaderMap) -> Response {
        reject(&error)
    }

    fn refusal(&self, error: ApiError, _: &HeaderMap) -> Response {
        hec(error)
    }

    fn probes(&self) -> Vec<Probe> {
        [
            "/services/collector/health",
            "/services/collector/health/1.0",
        ]
        .into_iter()
        .map(|path| Probe::new(Verb::Get, path, Access::Public, health))
        .collect()
    }
}

/// The query parameters of a raw request (`channel` is not ours to use).
#[derive(Deserialize, Default)]
struct RawParams {
    host: Option<String>,
    source: Option<String>,
    sourcetype: Option<String>,
}

impl HttpReceiver for HecRaw {
    type Pending = ();
    type Error = HecError;

    fn declaration(&self) -> Declaration {
        Declaration {
            name: NAME,
            routes: &[
                (Verb::Post, "/services/collector/raw"),
                (Verb::Post, "/services/collector/raw/1.0"),
            ],
            permission: Permission::Ingest,
            body: BodyRules::STANDARD,
        }
    }

    fn parse(&self, request: &Incoming<'_>) -> Result<Parsed<()>, HecError> {
        let query: RawParams = request
            .query()
            .map_err(|reason| HecError::InvalidDataFormat {
                event: 0,
                reason: format!("the query string: {reason}"),
            })?;
        let params = sightline_receive::HecRawParams {
            host: query.host.as_deref(),
            source: query.source.as_deref(),
            sourcetype: query.sourcetype.as_deref(),
            index: None,
        };
        let stream = sightline_receive::batch_stream("hec-raw", &request.sender(), request.body);
        sightline_receive::hec_raw(request.body, &params, &stream).map(Parsed::records)
    }

    fn accepted(&self, _: (), _: &BatchReport) -> Response {
        success()
    }

    fn rejected(&self, error: HecError, _: &HeaderMap) -> Response {
        reject(&error)
    }

    fn refusal(&self, error: ApiError, _: &HeaderMap) -> Response {
        hec(error)
    }
}

fn success() -> Response {
    json(sightline_receive::hec_response(None))
}

/// A refused body in Splunk's shape (with `invalid-event-number`).
fn reject(e: &HecError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    json_response(status, sightline_receive::hec_response(Some(e)).to_string())
}

/// Splunk's health check, open to all as Splunk's is (shippers probe it
/// before sending): 503 with code 18 while the queue is full.
async fn health(State(state): State<Shared>) -> Response {
    use std::sync::atomic::Ordering::Relaxed;
    let full =
        state.metrics.queue_depth.load(Relaxed) >= state.metrics.queue_capacity.load(Relaxed);
    let (status, body) = if full {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"text": "HEC is unhealthy, queues are full", "code": 18}),
        )
    } else {
        (
            StatusCode::OK,
            serde_json::json!({"text": "HEC is healthy", "code": 17}),
        )
    };
    json_response(status, body.to_string())
}
