//! Request bodies are admitted before any handler sees them.
//!
//! Two things go wrong when a handler's body extractor does this itself:
//! a caller without a valid token can make the server buffer a full body
//! before being told 401, and a body over the limit is refused while the
//! client is still sending, so the server closes a socket with unread data
//! and the kernel answers with a reset that destroys the 413 before the
//! client reads it. This layer refuses unauthenticated bodies before reading
//! a byte, reads at most `max_body` bytes, and drains (a bounded amount of)
//! what it refuses so the client gets the answer.

use crate::http::{ApiError, AppState, presented_token};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long a refused body is drained before the connection is given up.
const DRAIN_TIME: Duration = Duration::from_secs(10);

pub async fn admit_body(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    // Splunk clients read errors in HEC's own shape.
    let hec = parts.uri.path().starts_with("/services/collector");
    let answer = |e: ApiError| {
        if hec {
            crate::http::hec_failure(e)
        } else {
            e.into_response()
        }
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = parts.headers.contains_key(header::TRANSFER_ENCODING);
    if declared.unwrap_or(0) == 0 && !chunked {
        // No body: the handler authenticates as usual.
        return next.run(Request::from_parts(parts, body)).await;
    }
    // A client that asked `Expect: 100-continue` has sent nothing yet; if we
    // answer without polling the body it never sends it, so nothing to drain.
    let waiting = parts
        .headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let drain_limit = if waiting {
        0
    } else {
        4 * state.max_body as u64
    };

    let authenticated =
        presented_token(&parts.headers).is_some_and(|t| state.tokens.authenticate(&t).is_some());
    if !authenticated {
        state.metrics.auth_failures.fetch_add(1, Ordering::Relaxed);
        drain(body, drain_limit).await;
        return answer(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication required: send Authorization: Bearer <token> with a valid token",
        ));
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
    match collect(body, state.max_body).await {
        Collected::Whole(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Collected::TooLarge(rest) => {
            drain(rest, drain_limit).await;
            too_large()
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

enum Collected {
    Whole(Bytes),
    /// Over the limit; the unread rest of the body.
    TooLarge(Body),
    Broken(String),
}

async fn collect(mut body: Body, max: usize) -> Collected {
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
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
