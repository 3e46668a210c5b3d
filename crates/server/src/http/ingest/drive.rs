//! The one handler every HTTP receiver runs behind, and the routes a
//! receiver's declaration becomes.
//!
//! By the time [`receive`] runs, the route's admission gate (made from the
//! declaration) has authenticated the caller, checked the permission and
//! read the body within the receiver's limit. What is left: undo the
//! `Content-Encoding` (only the declared ones, within the same limit), parse,
//! hand the records to the pipeline queue, answer.

use super::{HttpReceiver, Incoming};
use crate::admission::{Access, Gate, Shape};
use crate::auth::Principal;
use crate::http::routes::Endpoint;
use crate::http::{ApiError, AppState, PATIENCE, Shared};
use crate::pipeline::{BatchReport, Payload};
use axum::body::Bytes;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{ConnectInfo, Extension, RawPathParams, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;

/// A receiver as the route table holds it, whatever its types.
pub trait Registered: Send + Sync {
    /// Its name, routes, permission and body rules.
    fn declaration(&self) -> super::Declaration;
    /// Its routes and probes, each behind the gate its declaration asks for.
    fn endpoints(self: Arc<Self>) -> Vec<Endpoint>;
}

impl<R: HttpReceiver> Registered for R {
    fn declaration(&self) -> super::Declaration {
        HttpReceiver::declaration(self)
    }

    fn endpoints(self: Arc<Self>) -> Vec<Endpoint> {
        let declared = HttpReceiver::declaration(&*self);
        let shape: Shape = {
            let r = Arc::clone(&self);
            Arc::new(move |e: ApiError, headers: &HeaderMap| r.refusal(e, headers))
        };
        let gate = |access: Access| Gate {
            access,
            shape: Arc::clone(&shape),
            receiver: Some(declared.name),
            max_body: declared.body.max,
        };
        let mut out = Vec::new();
        for &(verb, path) in declared.routes {
            let r = Arc::clone(&self);
            let handler = move |State(state): State<Shared>,
                                ConnectInfo(peer): ConnectInfo<SocketAddr>,
                                Extension(who): Extension<Principal>,
                                params: Result<RawPathParams, RawPathParamsRejection>,
                                uri: Uri,
                                headers: HeaderMap,
                                body: Bytes| async move {
                let request = Request {
                    peer,
                    who,
                    params,
                    uri,
                    headers,
                    body,
                };
                receive(&*r, &state, request).await
            };
            let gate = gate(Access::Need(declared.permission));
            out.push(Endpoint::new(verb, path, gate, handler));
        }
        for probe in self.probes() {
            out.push(Endpoint {
                verb: probe.verb,
                path: probe.path,
                gate: gate(probe.access),
                handler: probe.handler,
            });
        }
        out
    }
}

/// What the handler extracted of a request.
struct Request {
    peer: SocketAddr,
    who: Principal,
    params: Result<RawPathParams, RawPathParamsRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

/// Runs `receiver` on one admitted request.
async fn receive<R: HttpReceiver>(receiver: &R, state: &AppState, request: Request) -> Response {
    let declared = receiver.declaration();
    let metrics = &state.metrics;
    let headers = &request.headers;
    let refuse = |e: ApiError| {
        metrics.refused.add(declared.name, 1);
        receiver.refusal(e, headers)
    };
    let params: Vec<(String, String)> = match &request.params {
        Ok(p) => p
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        Err(e) => return refuse(ApiError::bad_request(e.body_text())),
    };
    let limit = declared.body.limit(state.max_body);
    let body = match decoded_body(headers, &request.body, limit, declared.body.encodings) {
        Ok(b) => b,
        Err(e) => return refuse(e),
    };
    let incoming = Incoming {
        headers,
        uri: &request.uri,
        params: &params,
        body: &body,
        token: &request.who.name,
        peer: request.peer,
    };
    let parsed = match receiver.parse(&incoming) {
        Ok(p) => p,
        Err(e) => {
            metrics.failed.add(declared.name, 1);
            metrics.refused.add(declared.name, 1);
            return receiver.rejected(e, headers);
        }
    };
    if parsed.rejected > 0 {
        metrics.failed.add(declared.name, parsed.rejected);
    }
    let report = if parsed.records.is_empty() {
        BatchReport::default()
    } else {
        let records = Payload::Records(parsed.records);
        match state.queue.submit(declared.name, records, PATIENCE).await {
            Ok(r) => r,
            Err(e) => return refuse(ApiError::from(e)),
        }
    };
    receiver.accepted(parsed.pending, &report)
}

/// The body with its `Content-Encoding` undone, if it is one of `accepted`,
/// at most `limit` bytes once decoded.
fn decoded_body(
    headers: &HeaderMap,
    body: &[u8],
    limit: usize,
    accepted: &[&str],
) -> Result<Vec<u8>, ApiError> {
    let unsupported = |given: &str| {
        let mut names = vec!["identity"];
        names.extend_from_slice(accepted);
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "unsupported Content-Encoding {given:?}; accepted: {}",
                names.join(", ")
            ),
        )
    };
    let encoding = match headers.get(header::CONTENT_ENCODING) {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| unsupported("(not text)"))?),
    };
    for coding in encoding.unwrap_or("").split(',').map(str::trim) {
        let known = coding.is_empty()
            || coding.eq_ignore_ascii_case("identity")
            || accepted.iter().any(|a| a.eq_ignore_ascii_case(coding));
        if !known {
            return Err(unsupported(coding));
        }
    }
    sightline_receive::decode_body(encoding, body, limit).map_err(|e| {
        let status = match e {
            sightline_receive::ReceiveError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            sightline_receive::ReceiveError::UnsupportedEncoding(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.to_string())
    })
}
