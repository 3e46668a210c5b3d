//! Every request is admitted here before any handler, extractor or router
//! sees it: who is calling (authentication), whether that token may do what
//! the route does (roles), the per-token rate limit, and the body's size.
//!
//! Doing it once, first, means an unauthenticated caller always gets 401
//! and an under-privileged one 403, never a 400 or 415 about a body or query
//! it was not allowed to send, and that every refusal is audited in one
//! place. Answers are in the caller's protocol ([`Protocol`]).
//!
//! Bodies: a caller without a valid token could otherwise make the server
//! buffer a full body before being told 401, and a body over the limit
//! refused while the client is still sending makes the kernel answer with a
//! reset that destroys the 413 before the client reads it. So this layer
//! refuses before reading a byte, reads at most `max_body` bytes, and
//! drains (a bounded amount of) what it refuses so the client gets the answer.

use crate::audit::Denial;
use crate::auth::{Permission, Principal};
use crate::http::{ApiError, AppState};
use crate::protocol::{Protocol, hec_code};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
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

/// The access a request needs, from its path. Every route of
/// [`crate::http::router`] is listed (a test checks them); anything else
/// only needs a token and then gets the router's 404.
pub fn access(path: &str) -> Access {
    use Permission::*;
    match path {
        "/health" | "/services/collector/health" | "/services/collector/health/1.0" => {
            Access::Public
        }
        "/metrics" | "/api/v1/search" | "/api/v1/alerts" | "/api/v1/rules" => Access::Need(Read),
        "/api/v1/whoami" => Access::Authenticated,
        "/api/v1/rules/reload" => Access::Need(Admin),
        "/api/v1/ingest" | "/" | "/_bulk" | "/v1/logs" => Access::Need(Ingest),
        p if p == "/api/v1/tokens" || p.starts_with("/api/v1/tokens/") => Access::Need(Admin),
        p if p.starts_with("/api/v1/alerts/") && p.ends_with("/state") => Access::Need(Triage),
        p if p.starts_with("/api/v1/alerts/") => Access::Need(Read),
        p if p.starts_with("/services/collector") => Access::Need(Ingest),
        p if p.ends_with("/_bulk") => Access::Need(Ingest),
        _ => Access::Authenticated,
    }
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
    fn status(&self, protocol: Protocol) -> StatusCode {
        match self {
            // Splunk answers a well-formed but unknown token with 403 (code 4),
            // and HEC clients are written for that.
            Denied::Unknown if protocol == Protocol::Hec => StatusCode::FORBIDDEN,
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

    fn to_error(&self, protocol: Protocol) -> ApiError {
        let mut e = ApiError::new(self.status(protocol), self.reason());
        match self {
            Denied::Missing => e.hec_code = Some(hec_code::TOKEN_REQUIRED),
            Denied::Malformed => e.hec_code = Some(hec_code::INVALID_AUTHORIZATION),
            Denied::Unknown => e.hec_code = Some(hec_code::INVALID_TOKEN),
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

/// The admission layer: see the module comment.
pub async fn admit(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let protocol = Protocol::of(parts.uri.path(), &parts.headers);
    let answer = |e: ApiError| protocol.render(e);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = parts.headers.contains_key(header::TRANSFER_ENCODING);
    let has_body = declared.unwrap_or(0) > 0 || chunked;
    // A client that asked `Expect: 100-continue` has sent nothing yet; if we
    // answer without polling the body it never sends it, so nothing to drain.
    // Once the body has been polled (100 Continue sent), it is sending.
    let waiting = parts
        .headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let sending_limit = 4 * state.max_body as u64;
    let drain_limit = if waiting || !has_body {
        0
    } else {
        sending_limit
    };

    let needed = access(parts.uri.path());
    if needed != Access::Public {
        match authorize(&state, &parts.headers, needed) {
            Ok(who) => {
                parts.extensions.insert(who);
            }
            Err(denied) => {
                refused(&state, &parts, protocol, &denied);
                drain(body, drain_limit).await;
                return answer(denied.to_error(protocol));
            }
        }
    }
    if !has_body {
        return next.run(Request::from_parts(parts, body)).await;
    }

    let too_large = || {
        state.metrics.refused_bodies.add("oversized", 1);
        answer(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body over the server.max_body limit of {} bytes; send smaller batches",
                state.max_body
            ),
        ))
    };
    if declared.is_some_and(|n| n > state.max_body as u64) {
        drain(body, drain_limit).await;
        return too_large();
    }
    match collect(body, state.max_body, state.idle_timeout).await {
        Collected::Whole(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Collected::TooLarge(rest) => {
            drain(rest, sending_limit).await;
            too_large()
        }
        Collected::Stalled => {
            state.metrics.refused_bodies.add("stalled", 1);
            answer(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the body stopped arriving for {} s (server.idle_timeout)",
                    state.idle_timeout.as_secs()
                ),
            ))
        }
        Collected::Broken(e) => {
            state.metrics.refused_bodies.add("unreadable", 1);
            answer(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("reading the body: {e}"),
            ))
        }
    }
}

/// Counts a refusal and audits it (401 and 403; rate limiting is counted only).
fn refused(
    state: &AppState,
    parts: &axum::http::request::Parts,
    protocol: Protocol,
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
            status: denied.status(protocol).as_u16(),
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
    use Permission::*;

    #[test]
    fn every_route_needs_what_it_does() {
        let table = [
            ("/health", Access::Public),
            ("/services/collector/health", Access::Public),
            ("/services/collector/health/1.0", Access::Public),
            ("/metrics", Access::Need(Read)),
            ("/api/v1/whoami", Access::Authenticated),
            ("/api/v1/ingest", Access::Need(Ingest)),
            ("/api/v1/search", Access::Need(Read)),
            ("/api/v1/alerts", Access::Need(Read)),
            ("/api/v1/alerts/3f2a9c1e", Access::Need(Read)),
            ("/api/v1/alerts/3f2a9c1e/state", Access::Need(Triage)),
            ("/api/v1/rules", Access::Need(Read)),
            ("/api/v1/rules/reload", Access::Need(Admin)),
            ("/api/v1/tokens", Access::Need(Admin)),
            ("/api/v1/tokens/shipper-1", Access::Need(Admin)),
            ("/", Access::Need(Ingest)),
            ("/_bulk", Access::Need(Ingest)),
            ("/logs-2026/_bulk", Access::Need(Ingest)),
            ("/services/collector", Access::Need(Ingest)),
            ("/services/collector/event", Access::Need(Ingest)),
            ("/services/collector/event/1.0", Access::Need(Ingest)),
            ("/services/collector/raw", Access::Need(Ingest)),
            ("/services/collector/raw/1.0", Access::Need(Ingest)),
            ("/v1/logs", Access::Need(Ingest)),
            ("/no/such/path", Access::Authenticated),
            ("/api/v1/tokens/../search", Access::Need(Admin)),
        ];
        for (path, want) in table {
            assert_eq!(access(path), want, "{path}");
        }
    }

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
