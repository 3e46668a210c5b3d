//! OTLP/HTTP logs (`POST /v1/logs`), protobuf or JSON, answered in the
//! request's encoding: an `ExportLogsServiceResponse` (with
//! `partial_success` for rejected records), or a `google.rpc.Status`.

use super::{BodyRules, Declaration, HttpReceiver, Incoming, Parsed};
use crate::auth::Permission;
use crate::http::ApiError;
use crate::http::routes::Verb;
use crate::pipeline::BatchReport;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sightline_receive::{OtlpFormat, ReceiveError};

pub struct Otlp;

/// What the success answer says.
pub struct Answer {
    format: OtlpFormat,
    rejected: u64,
    reason: String,
}

/// What OTLP exporters send when they say nothing.
const DEFAULT_CONTENT_TYPE: &str = "application/x-protobuf";

/// The encoding to answer a request in (protobuf unless it sent JSON).
fn format_of(headers: &HeaderMap) -> OtlpFormat {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| OtlpFormat::from_content_type(c).ok())
        .unwrap_or(OtlpFormat::Protobuf)
}

impl HttpReceiver for Otlp {
    type Pending = Answer;
    type Error = ReceiveError;

    fn declaration(&self) -> Declaration {
        Declaration {
            name: "otlp",
            routes: &[(Verb::Post, "/v1/logs")],
            permission: Permission::Ingest,
            body: BodyRules::STANDARD,
        }
    }

    fn parse(&self, request: &Incoming<'_>) -> Result<Parsed<Answer>, ReceiveError> {
        let content_type = request
            .header(header::CONTENT_TYPE)
            .unwrap_or(DEFAULT_CONTENT_TYPE);
        let logs = sightline_receive::otlp_logs(request.body, content_type)?;
        Ok(Parsed {
            records: logs.records,
            rejected: logs.rejected,
            pending: Answer {
                format: logs.format,
                rejected: logs.rejected,
                reason: logs.rejected_reason,
            },
        })
    }

    fn accepted(&self, answer: Answer, _: &BatchReport) -> Response {
        let body = sightline_receive::otlp_response(answer.format, answer.rejected, &answer.reason);
        ([(header::CONTENT_TYPE, answer.format.content_type())], body).into_response()
    }

    fn rejected(&self, error: ReceiveError, headers: &HeaderMap) -> Response {
        let format = format_of(headers);
        let status = match error {
            ReceiveError::UnsupportedContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = sightline_receive::otlp_error_response(format, &error);
        (
            status,
            [(header::CONTENT_TYPE, format.content_type())],
            body,
        )
            .into_response()
    }

    fn refusal(&self, error: ApiError, headers: &HeaderMap) -> Response {
        crate::protocol::otlp(format_of(headers), error)
    }
}
