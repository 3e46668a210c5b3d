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
    let status = Status {
        code: INVALID_ARGUMENT,
        message: error.to_string(),
    };
    match format {
        OtlpFormat::Protobuf => status.encode_to_vec(),
        OtlpFormat::Json => json!({"code": status.code, "message": status.message})
            .to_string()
            .into_bytes(),
    }
}
