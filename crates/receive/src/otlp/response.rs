//! OTLP/HTTP response bodies, in the request's encoding.

use super::OtlpFormat;
use crate::error::ReceiveError;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use prost::Message;
use serde_json::json;

/// The success body (HTTP 200): an empty `ExportLogsServiceResponse`, or
/// with `partial_success` when `rejected` records were refused.
pub fn otlp_response(format: OtlpFormat, rejected: u64, error_message: &str) -> Vec<u8> {
    let partial = (rejected > 0).then(|| ExportLogsPartialSuccess {
        rejected_log_records: i64::try_from(rejected).unwrap_or(i64::MAX),
        error_message: error_message.to_owned(),
    });
    match format {
        OtlpFormat::Protobuf => ExportLogsServiceResponse {
            partial_success: partial,
        }
        .encode_to_vec(),
        OtlpFormat::Json => {
            // Written by hand: proto3 JSON wants int64 as a string, which the
            // generated serde derive does not do for this field.
            let body = match partial {
                None => json!({}),
                Some(p) => json!({"partialSuccess": {
                    "rejectedLogRecords": p.rejected_log_records.to_string(),
                    "errorMessage": p.error_message,
                }}),
            };
            body.to_string().into_bytes()
        }
    }
}

/// `google.rpc.Status`, which OTLP/HTTP returns with 4xx/5xx responses.
#[derive(Clone, PartialEq, Message)]
struct Status {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// gRPC `INVALID_ARGUMENT`: the request is bad and must not be retried as is.
const INVALID_ARGUMENT: i32 = 3;

/// The error body (HTTP 400, or 413/415 as the server sees fit): a
/// `google.rpc.Status` with the error's message.
pub fn otlp_error_response(format: OtlpFormat, error: &ReceiveError) -> Vec<u8> {
    otlp_status(format, INVALID_ARGUMENT, &error.to_string())
}

/// The gRPC status code that goes with an HTTP error status in OTLP/HTTP
/// answers (the mapping gRPC's HTTP transcoding uses): 401
/// `UNAUTHENTICATED`, 403 `PERMISSION_DENIED`, 429/413/507
/// `RESOURCE_EXHAUSTED`, 503 `UNAVAILABLE`, other 5xx `INTERNAL`, other 4xx
/// `INVALID_ARGUMENT`.
pub fn otlp_grpc_code(http_status: u16) -> i32 {
    match http_status {
        401 => 16,
        403 => 7,
        404 => 5,
        413 | 429 | 507 => 8,
        503 => 14,
        500..=599 => 13,
        _ => INVALID_ARGUMENT,
    }
}

/// A `google.rpc.Status` body in the request's encoding, which OTLP/HTTP
/// returns with every 4xx and 5xx answer.
pub fn otlp_status(format: OtlpFormat, code: i32, message: &str) -> Vec<u8> {
    let status = Status {
        code,
        message: message.to_owned(),
    };
    match format {
        OtlpFormat::Protobuf => status.encode_to_vec(),
        OtlpFormat::Json => json!({"code": status.code, "message": status.message})
            .to_string()
            .into_bytes(),
    }
}
