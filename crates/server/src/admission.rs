//! Every request is admitted here before its handler or any extractor sees
//! it: who is calling (authentication), whether that token may do what the
//! route does (roles), the per-token rate limit, and the body's size. Each
//! route of the table ([`crate::http::routes`]) is wrapped in its own
//! [`Gate`], so what a route asks of its caller comes from its declaration,
//! never from looking at the path.
//!
//! Doing it once, first, means an unauthenticated caller always gets 401
//! and an under-privileged one 403, never a 400 or 415 about a body or query
//! it was not allowed to send, and that every refusal is audited in one
//! place. Answers are in the route's shape ([`Shape`]): the protocol its
//! clients speak.
//!
//! Bodies: a caller without a valid token could otherwise make the server
//! buffer a full body before being told 401, and a body over the limit
//! refused while the client is still sending makes the kernel answer with a
//! reset that destroys the 413 before the client reads it. So this layer
//! refuses before reading a byte, reads at most the route's limit, and
//! drains (a bounded amount of) what it refuses so the client gets the answer.

use crate::audit::Denial;
use crate::auth::{Permission, Principal};
use crate::http::{ApiError, AppState, CredentialFault};
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long a refused body is drained before the connection is given up.
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Health checks, for load balancers and shippers' probes.
    Public,
    /// Any valid token (and unknown paths: a caller without a token learns
    /// nothing about which exist).
    Authenticated,
    Need(Permission),
}

/// How a route answers a refusal: in the shape its clients read (an
/// Elasticsearch error object, HEC's `{"text","code"}`, a `google.rpc.Status`),
/// given the request's headers (OTLP answers in the request's encoding).
pub type Shape = Arc<dyn Fn(ApiError, &HeaderMap) -> Response + Send + Sync>;

/// Our own shape: `{"error": ...}`.
pub fn native_shape() -> Shape {
    Arc::new(|e: ApiError, _: &HeaderMap| e.into_response())
}

/// What one route asks of its callers and how it refuses them.
#[derive(Clone)]
pub struct Gate {
    pub access: Access,
    pub shape: Shape,
    /// The receiver behind the route: its refusals are counted under its name.
    pub receiver: Option<&'static str>,
    /// Most body bytes read (never more than `server.max_body`, the default).
    pub max_body: Option<usize>,
}

impl Gate {
    /// A route of our own API.
    pub fn native(access: Access) -> Gate {
        Gate {
            access,
            shape: native_shape(),
            receiver: None,
            max_body: None,
        }
    }

    /// The body limit on this route under `server_max` (`server.max_body`).
    pub fn body_limit(&self, server_max: usize) -> usize {
        self.max_body.map_or(server_max, |m| m.min(server_max))
    }
}

/// The state of one route's admission layer.
#[derive(Clone)]
pub struct Gated {
    pub state: Arc<AppState>,
    pub gate: Arc<Gate>,
}

/// The credential a request carries.
enum Credential {
    Missing,
    /// An `Authorization` header in no form we read.
    Malformed,
    Token(String),
}

/// The token a request carries, in any of the forms our clients send:
/// `Bearer T` (ours, OTLP exporters), `Splunk T` (HEC), `ApiKey X` and
/// `Basic base64(user:T)` (Elasticsearch clients).
fn credential(headers: &HeaderMap) -> Credential {
    use base64::Engine as _;
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Credential::Missing;
    };
    let Some((scheme, rest)) = value.to_str().ok().and_then(|v| v.trim().split_once(' ')) else {
        return Credential::Malformed;
    };
    let rest = rest.trim();
    let token = match scheme.to_ascii_lowercase().as_str() {
        "bearer" | "splunk" => Some(rest.to_owned()),
        "apikey" => {
            // Elasticsearch API keys are base64("id:key"); accept the bare token too.
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            match decoded.as_deref().and_then(|d| d.split_once(':')) {
                Some((_, key)) => Some(key.to_owned()),
                None => Some(rest.to_owned()),
            }
        }
        "basic" => base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| t.split_once(':').map(|(_, pass)| pass.to_owned())),
        _ => None,
    };
    match token {
        Some(t) if !t.is_empty() => Credential::Token(t),
        _ => Credential::Malformed,
    }
}

/// The token of a request, if it carries one in a form we read.
#[cfg(test)]
fn presented_token(headers: &HeaderMap) -> Option<String> {
    match credential(headers) {
        Credential::Token(t) => Some(t),
        _ => None,
    }
}

/// Why a caller was turned away.
enum Denied {
    Missing,
    Malformed,
    Unknown,
    RateLimited(u64),
    Role(Principal, Permission),
}

impl Denied {
    fn status(&self) -> StatusCode {
        match self {
            Denied::Missing | Denied::Malformed | Denied::Unknown => StatusCode::UNAUTHORIZED,
            Denied::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Denied::Role(..) => StatusCode::FORBIDDEN,
        }
    }

    fn reason(&self) -> String {
        match self {
            Denied::Missing => "authentication required: send Authorization: Bearer <token> \
                 (Splunk <token> for HEC; ApiKey, or Basic with the token as password, for Elasticsearch clients)"
                .to_owned(),
            Denied::Malformed => "the Authorization header is not Bearer <token>, Splunk <token>, \
                 ApiKey <key> or Basic <user:token>"
                .to_owned(),
            Denied::Unknown => "unknown token".to_owned(),
            Denied::RateLimited(wait) => format!("rate limit exceeded; retry after {wait} s"),
            Denied::Role(who, need) => format!(
                "token {:?} has role {}, which may not {}",
                who.name,
                who.role.as_str(),
                match need {
                    Permission::Ingest => "send events",
                    Permission::Read => "read events, alerts, rules or metrics",
                    Permission::Triage => "change alerts",
                    Permission::Admin => "administer the server",
                }
            ),
        }
    }

    /// The refusal, for the route's shape to render (which may answer a
    /// credential fault its protocol's way: HEC's 403 for an unknown token).
    fn to_error(&self) -> ApiError {
        let mut e = ApiError::new(self.status(), self.reason());
        match self {
            Denied::Missing => e.credential = Some(CredentialFault::Missing),
            Denied::Malformed => e.credential = Some(CredentialFault::Malformed),
            Denied::Unknown => e.credential = Some(CredentialFault::Unknown),
            Denied::RateLimited(wait) => e.retry_after = Some(*wait),
            Denied::Role(..) => {}
        }
        e
    }
}

/// Authenticates, rate-limits and authorizes one request.
fn authorize(state: &AppState, headers: &HeaderMap, needed: Access) -> Result<Principal, Denied> {
    let who = match credential(headers) {
        Credential::Missing => return Err(Denied::Missing),
        Credential::Malformed => return Err(Denied::Malformed),
        Credential::Token(t) => state.tokens.authenticate(&t).ok_or(Denied::Unknown)?,
    };
    if let Err(wait) = state.limiter.check(&who.name) {
        return Err(Denied::RateLimited(wait));
    }
    match needed {
        Access::Need(p) if !who.role.allows(p) => Err(Denied::Role(who, p)),
        _ => Ok(who),
    }
}

/// A refusal in the route's shape, counted under its receiver.
fn answer(state: &AppState, gate: &Gate, headers: &HeaderMap, e: ApiError) -> Response {
    if let Some(r) = gate.receiver {
        state.metrics.refused.add(r, 1);
    }
    (gate.shape)(e, headers)
}

/// The admission layer of one route: see the module comment.
pub async fn admit(State(gated): State<Gated>, request: Request, next: Next) -> Response {
    let Gated { state, gate } = gated;
    let (mut parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or_else(|| body.size_hint().exact());
    // From the body itself, not its headers: an HTTP/2 body may come with
    // neither a length nor a transfer encoding.
    let has_body = !body.is_end_stream();
    // A client that asked `Expect: 100-continue` has sent nothing yet; if we
    // answer without polling the body it never sends it, so nothing to drain.
    // Once the body has been polled (100 Continue sent), it is sending.
    let waiting = parts
        .headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let max_body = gate.body_limit(state.max_body);
    let sending_limit = 4 * max_body as u64;
    let drain_limit = if waiting || !has_body {
        0
    } else {
        sending_limit
    };

    if gate.access != Access::Public {
        match authorize(&state, &parts.headers, gate.access) {
            Ok(who) => {
                parts.extensions.insert(who);
            }
            Err(denied) => {
                let resp = answer(&state, &gate, &parts.headers, denied.to_error());
                refused(&state, &parts, resp.status(), &denied);
                drain(body, drain_limit).await;
                return resp;
            }
        }
    }
    if !has_body {
        return next.run(Request::from_parts(parts, body)).await;
    }

    let too_large = |headers: &HeaderMap| {
        state.metrics.refused_bodies.add("oversized", 1);
        let limit = match gate.max_body {
            Some(m) if m < state.max_body => format!("this endpoint's limit of {m} bytes"),
            _ => format!("the server.max_body limit of {max_body} bytes"),
        };
        let e = ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body over {limit}; send smaller batches"),
        );
        answer(&state, &gate, headers, e)
    };
    if declared.is_some_and(|n| n > max_body as u64) {
        drain(body, drain_limit).await;
        return too_large(&parts.headers);
    }
    match collect(body, max_body, state.idle_timeout).await {
        Collected::Whole(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Collected::TooLarge(rest) => {
            drain(rest, sending_limit).await;
            too_large(&parts.headers)
        }
        Collected::Stalled => {
            state.metrics.refused_bodies.add("stalled", 1);
            let e = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the body stopped arriving for {} s (server.idle_timeout)",
                    state.idle_timeout.as_secs()
                ),
            );
            answer(&state, &gate, &parts.headers, e)
        }
        Collected::Broken(e) => {
            state.metrics.refused_bodies.add("unreadable", 1);
            let e = ApiError::bad_request(format!("reading the body: {e}"));
            answer(&state, &gate, &parts.headers, e)
        }
    }
}

/// Counts a refusal and audits it (401 and 403; rate limiting is counted only).
fn refused(
    state: &AppState,
    parts: &axum::http::request::Parts,
    status: StatusCode,
    denied: &Denied,
) {
    match denied {
        Denied::RateLimited(_) => {
            state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
            return;
        }
        Denied::Role(..) => {}
        _ => {
            state.metrics.auth_failures.fetch_add(1, Ordering::Relaxed);
        }
    }
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    let who = match denied {
        Denied::Role(who, _) => Some(who),
        _ => None,
    };
    state.denials.note(
        &Denial {
            peer,
            method: method_name(&parts.method),
            path: parts.uri.path(),
            status: status.as_u16(),
            reason: &denied.reason(),
            who,
        },
        std::time::Instant::now(),
    );
}

/// The method as recorded: the standard ones by name, anything else as `OTHER`
/// (a method is caller-chosen text).
fn method_name(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

enum Collected {
    Whole(Bytes),
    /// Over the limit; the unread rest of the body.
    TooLarge(Body),
    /// No data for longer than the idle timeout (a client trickling its body).
    Stalled,
    Broken(String),
}

async fn collect(mut body: Body, max: usize, gap: Duration) -> Collected {
    let mut buf = Vec::new();
    loop {
        let Ok(next) = tokio::time::timeout(gap, body.frame()).await else {
            return Collected::Stalled;
        };
        let Some(frame) = next else { break };
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > max {
                        return Collected::TooLarge(body);
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Err(e) => return Collected::Broken(e.to_string()),
        }
    }
    Collected::Whole(Bytes::from(buf))
}

/// Reads and discards up to `limit` bytes of `body`, for at most
/// [`DRAIN_TIME`], so the refusal reaches the client.
async fn drain(mut body: Body, limit: u64) {
    if limit == 0 {
        return;
    }
    let mut seen = 0u64;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                seen += data.len() as u64;
                if seen > limit {
                    break;
                }
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn credentials_in_every_form_clients_send() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        for value in [
            "Bearer sl_x".to_owned(),
            "Splunk sl_x".to_owned(),
            format!("ApiKey {}", b64("id:sl_x")),
            "ApiKey sl_x".to_owned(),
            format!("Basic {}", b64("elastic:sl_x")),
        ] {
            assert_eq!(
                presented_token(&with_auth(&value)).as_deref(),
                Some("sl_x"),
                "{value}"
            );
        }
        assert!(matches!(credential(&HeaderMap::new()), Credential::Missing));
        for bad in ["sl_x", "Bearer ", "Digest abc", "Basic !!!"] {
            assert!(
                matches!(credential(&with_auth(bad)), Credential::Malformed),
                "{bad}"
            );
        }
    }
}
