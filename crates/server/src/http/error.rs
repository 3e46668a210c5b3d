//! The one error type of the API: a status, a message for the caller and
//! what it should do next. Each route's shape ([`crate::admission::Shape`])
//! renders it for its clients; ours is `{"error": ...}`.

use crate::pipeline::IngestError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error response with a JSON body saying what to do.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub retry_after: Option<u64>,
    /// Set when the caller was turned away for its credential: some
    /// protocols answer each case their own way (HEC: codes 2, 3 and 4).
    pub credential: Option<CredentialFault>,
}

/// What was wrong with a caller's credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialFault {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header in no form we read.
    Malformed,
    /// A well-formed token we do not know.
    Unknown,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
            credential: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The `Retry-After` header for this error, if it has one.
    pub fn retry_header(&self) -> Option<HeaderValue> {
        self.retry_after
            .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        let (status, retry) = match &e {
            IngestError::Busy(s) => (StatusCode::SERVICE_UNAVAILABLE, Some(*s)),
            IngestError::ShuttingDown => (StatusCode::SERVICE_UNAVAILABLE, Some(5)),
            IngestError::DiskFull(_) => (StatusCode::INSUFFICIENT_STORAGE, Some(60)),
            IngestError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, Some(5)),
            IngestError::Rules(_) => (StatusCode::UNPROCESSABLE_ENTITY, None),
        };
        ApiError {
            retry_after: retry,
            ..ApiError::new(status, e.to_string())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message }).to_string();
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(v) = self.retry_header() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"sightline\""),
            );
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_tell_clients_when_to_retry() {
        let busy = ApiError::from(IngestError::Busy(1)).into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.headers()[header::RETRY_AFTER], "1");
        let full = ApiError::from(IngestError::DiskFull("quota".into())).into_response();
        assert_eq!(full.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(full.headers().contains_key(header::RETRY_AFTER));
        let anonymous = ApiError::new(StatusCode::UNAUTHORIZED, "x").into_response();
        assert!(anonymous.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
