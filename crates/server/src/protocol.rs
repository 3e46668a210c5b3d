//! Refusals in the shape each client reads: Elasticsearch clients an
//! Elasticsearch error object with `X-Elastic-Product`, Splunk clients HEC's
//! `{"text","code"}`, OTLP exporters a `google.rpc.Status` in the request's
//! encoding, and our own clients `{"error": ...}`.

use crate::http::ApiError;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sightline_receive::OtlpFormat;

/// Which API a request speaks, from its path (and, for OTLP, its encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Native,
    Elasticsearch,
    Hec,
    Otlp(OtlpFormat),
}

/// HEC status codes a refusal may carry (Splunk's table).
pub mod hec_code {
    pub const TOKEN_REQUIRED: u32 = 2;
    pub const INVALID_AUTHORIZATION: u32 = 3;
    pub const INVALID_TOKEN: u32 = 4;
    pub const INVALID_DATA_FORMAT: u32 = 6;
    pub const INTERNAL_ERROR: u32 = 8;
    pub const SERVER_BUSY: u32 = 9;
}

impl Protocol {
    pub fn of(path: &str, headers: &HeaderMap) -> Protocol {
        if path.starts_with("/services/collector") {
            Protocol::Hec
        } else if path == "/v1/logs" {
            let format = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|c| OtlpFormat::from_content_type(c).ok())
                .unwrap_or(OtlpFormat::Protobuf);
            Protocol::Otlp(format)
        } else if path == "/" || path == "/_bulk" || path.ends_with("/_bulk") {
            Protocol::Elasticsearch
        } else {
            Protocol::Native
        }
    }

    /// The refusal `e` as this protocol's clients expect it.
    pub fn render(self, e: ApiError) -> Response {
        let retry_after = e.retry_after;
        let status = e.status;
        let mut resp = match self {
            Protocol::Native => return e.into_response(),
            Protocol::Elasticsearch => {
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
                let mut resp = json_response(status, body.to_string());
                resp.headers_mut().insert(
                    "x-elastic-product",
                    HeaderValue::from_static("Elasticsearch"),
                );
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
                resp
            }
            Protocol::Hec => {
                let code = e.hec_code.unwrap_or(match status.as_u16() {
                    401 => hec_code::TOKEN_REQUIRED,
                    403 => hec_code::INVALID_TOKEN,
                    429 | 503 => hec_code::SERVER_BUSY,
                    400..=499 => hec_code::INVALID_DATA_FORMAT,
                    _ => hec_code::INTERNAL_ERROR,
                });
                // Splunk's fixed texts for the token errors; ours say more otherwise.
                let text = match (e.hec_code, code) {
                    (Some(_), hec_code::TOKEN_REQUIRED) => "Token is required".to_owned(),
                    (Some(_), hec_code::INVALID_AUTHORIZATION) => {
                        "Invalid authorization".to_owned()
                    }
                    (Some(_), hec_code::INVALID_TOKEN) => "Invalid token".to_owned(),
                    (_, hec_code::SERVER_BUSY) => format!("Server is busy: {}", e.message),
                    _ => e.message.clone(),
                };
                let body = serde_json::json!({"text": text, "code": code});
                json_response(status, body.to_string())
            }
            Protocol::Otlp(format) => {
                let code = sightline_receive::otlp_grpc_code(status.as_u16());
                let body = sightline_receive::otlp_status(format, code, &e.message);
                (
                    status,
                    [(header::CONTENT_TYPE, format.content_type())],
                    body,
                )
                    .into_response()
            }
        };
        if let Some(s) = retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        h
    }

    #[test]
    fn protocols_by_path() {
        let none = HeaderMap::new();
        assert_eq!(Protocol::of("/_bulk", &none), Protocol::Elasticsearch);
        assert_eq!(
            Protocol::of("/logs-x/_bulk", &none),
            Protocol::Elasticsearch
        );
        assert_eq!(Protocol::of("/", &none), Protocol::Elasticsearch);
        assert_eq!(
            Protocol::of("/services/collector/raw", &none),
            Protocol::Hec
        );
        assert_eq!(
            Protocol::of("/v1/logs", &headers("application/json")),
            Protocol::Otlp(OtlpFormat::Json)
        );
        assert_eq!(
            Protocol::of("/v1/logs", &none),
            Protocol::Otlp(OtlpFormat::Protobuf)
        );
        assert_eq!(Protocol::of("/api/v1/search", &none), Protocol::Native);
    }

    #[test]
    fn elasticsearch_refusals_say_they_are_elasticsearch() {
        let r = Protocol::Elasticsearch.render(ApiError::new(StatusCode::UNAUTHORIZED, "no"));
        assert_eq!(r.headers()["x-elastic-product"], "Elasticsearch");
        assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
    }

    #[test]
    fn otlp_refusals_are_a_status_in_the_requests_encoding() {
        let r = Protocol::Otlp(OtlpFormat::Protobuf)
            .render(ApiError::new(StatusCode::FORBIDDEN, "role"));
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/x-protobuf");
    }
}
