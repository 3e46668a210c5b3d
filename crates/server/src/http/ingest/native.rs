//! Sightline's own batches (`POST /api/v1/ingest`): JSON lines from the
//! agent, answered with what the store made of them.

use super::{BodyRules, Declaration, HttpReceiver, Incoming, Parsed};
use crate::auth::Permission;
use crate::http::ApiError;
use crate::http::routes::Verb;
use crate::pipeline::BatchReport;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use sightline_receive::ReceiveError;

pub struct Native;

impl HttpReceiver for Native {
    type Pending = ();
    type Error = ReceiveError;

    fn declaration(&self) -> Declaration {
        Declaration {
            name: "http",
            routes: &[(Verb::Post, "/api/v1/ingest")],
            permission: Permission::Ingest,
            body: BodyRules::STANDARD,
        }
    }

    fn parse(&self, request: &Incoming<'_>) -> Result<Parsed<()>, ReceiveError> {
        let stream = sightline_receive::batch_stream("http", &request.sender(), request.body);
        sightline_receive::native_batch(request.body, &stream).map(Parsed::records)
    }

    fn accepted(&self, _: (), report: &BatchReport) -> Response {
        crate::http::json(serde_json::json!({
            "events": report.events,
            "stored": report.stored,
            "duplicates": report.duplicates,
            "parse_failures": report.parse_failures,
        }))
    }

    fn rejected(&self, error: ReceiveError, _: &HeaderMap) -> Response {
        ApiError::bad_request(error.to_string()).into_response()
    }

    fn refusal(&self, error: ApiError, _: &HeaderMap) -> Response {
        error.into_response()
    }
}
