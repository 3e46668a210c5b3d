//! Refusals in the shape each client reads: Elasticsearch clients an
//! Elasticsearch error object with `X-Elastic-Product`, Splunk clients HEC's
//! `{"text","code"}`, OTLP exporters a `google.rpc.Status` in the request's
//! encoding. Each receiver answers its refusals with one of these (its
//! [`crate::http::ingest::HttpReceiver::refusal`]); our own API answers
//! `{"error": ...}` ([`ApiError`]'s own rendering).

use crate::http::{ApiError, CredentialFault};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sightline_receive::OtlpFormat;

/// HEC status codes a refusal may carry (Splunk's table).
pub mod hec_code {
    pub const TOKEN_REQUIRED: u32 = 2;
    pub const INVALID_AUTHORIZATION: u32 = 3;
    pub const INVALID_TOKEN: u32 = 4;
    pub const INVALID_DATA_FORMAT: u32 = 6;
    pub const INTERNAL_ERROR: u32 = 8;
    pub const SERVER_BUSY: u32 = 9;
}

/// Elasticsearch clients refuse servers that do not say they are one.
pub fn elastic_product(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    resp
}

/// `e` as Elasticsearch answers: an error object, `X-Elastic-Product`, and
/// on 401 the schemes its clients may use.
pub fn elasticsearch(e: ApiError) -> Response {
    let status = e.status;
    let kind = match status.as_u16() {
        401 | 403 => "security_exception",
        429 | 503 => "es_rejected_execution_exception",
        400..=499 => "illegal_argument_exception",
        _ => "exception",
    };
    let cause = serde_json::json!({"type": kind, "reason": e.message});
    let body = serde_json::json!({
        "error": {"root_cause": [cause], "type": kind, "reason": e.message},
        "status": status.as_u16(),
    });
    let mut resp = elastic_product(json_response(status, body.to_string()));
    if status == StatusCode::UNAUTHORIZED {
        for scheme in [
            "Basic realm=\"sightline\"",
            "ApiKey",
            "Bearer realm=\"sightline\"",
        ] {
            resp.headers_mut()
                .append(header::WWW_AUTHENTICATE, HeaderValue::from_static(scheme));
        }
    }
    with_retry(resp, &e)
}

/// `e` as Splunk's HEC answers: `{"text","code"}`, with Splunk's fixed texts
/// and statuses for token errors (a well-formed but unknown token is 403
/// code 4, and HEC clients are written for that).
pub fn hec(e: ApiError) -> Response {
    let (status, code, text) = match e.credential {
        Some(CredentialFault::Missing) => (
            StatusCode::UNAUTHORIZED,
            hec_code::TOKEN_REQUIRED,
            "Token is required".to_owned(),
        ),
        Some(CredentialFault::Malformed) => (
            StatusCode::UNAUTHORIZED,
            hec_code::INVALID_AUTHORIZATION,
            "Invalid authorization".to_owned(),
        ),
        Some(CredentialFault::Unknown) => (
            StatusCode::FORBIDDEN,
            hec_code::INVALID_TOKEN,
            "Invalid token".to_owned(),
        ),
        None => {
            let code = match e.status.as_u16() {
                401 => hec_code::TOKEN_REQUIRED,
                403 => hec_code::INVALID_TOKEN,
                429 | 503 => hec_code::SERVER_BUSY,
                400..=499 => hec_code::INVALID_DATA_FORMAT,
                _ => hec_code::INTERNAL_ERROR,
            };
            let text = if code == hec_code::SERVER_BUSY {
                format!("Server is busy: {}", e.message)
            } else {
                e.message.clone()
            };
            (e.status, code, text)
        }
    };
    let body = serde_json::json!({"text": text, "code": code});
    with_retry(json_response(status, body.to_string()), &e)
}

/// `e` as OTLP/HTTP answers: a `google.rpc.Status` in `format`, with the
/// gRPC code of the HTTP status.
pub fn otlp(format: OtlpFormat, e: ApiError) -> Response {
    let code = sightline_receive::otlp_grpc_code(e.status.as_u16());
    let body = sightline_receive::otlp_status(format, code, &e.message);
    let resp = (
        e.status,
        [(header::CONTENT_TYPE, format.content_type())],
        body,
    )
        .into_response();
    with_retry(resp, &e)
}

fn with_retry(mut resp: Response, e: &ApiError) -> Response {
    if let Some(v) = e.retry_header() {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

pub fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elasticsearch_refusals_say_they_are_elasticsearch() {
        let r = elasticsearch(ApiError::new(StatusCode::UNAUTHORIZED, "no"));
        assert_eq!(r.headers()["x-elastic-product"], "Elasticsearch");
        assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
    }

    #[test]
    fn hec_answers_an_unknown_token_as_splunk_does() {
        let unknown = ApiError {
            credential: Some(CredentialFault::Unknown),
            ..ApiError::new(StatusCode::UNAUTHORIZED, "unknown token")
        };
        assert_eq!(hec(unknown).status(), StatusCode::FORBIDDEN);
        let busy = ApiError {
            retry_after: Some(1),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "queue full")
        };
        let r = hec(busy);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn otlp_refusals_are_a_status_in_the_requests_encoding() {
        let r = otlp(
            OtlpFormat::Protobuf,
            ApiError::new(StatusCode::FORBIDDEN, "role"),
        );
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/x-protobuf");
    }
}
