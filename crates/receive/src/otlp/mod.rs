//! OTLP/HTTP logs (`POST /v1/logs`): an `ExportLogsServiceRequest` as
//! binary protobuf or as OTLP JSON (camelCase names, 64-bit integers as
//! strings, trace/span ids as hex).

mod convert;
mod response;
mod semconv;

use crate::error::ReceiveError;
use crate::inbound::Inbound;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use prost::Message;

pub use response::{otlp_error_response, otlp_grpc_code, otlp_response, otlp_status};

/// The two OTLP/HTTP encodings; responses use the request's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtlpFormat {
    Protobuf,
    Json,
}

impl OtlpFormat {
    /// The format a `Content-Type` header names (parameters such as
    /// `; charset=utf-8` are ignored).
    pub fn from_content_type(content_type: &str) -> Result<OtlpFormat, ReceiveError> {
        let media = content_type.split(';').next().unwrap_or("").trim();
        match media.to_ascii_lowercase().as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(OtlpFormat::Protobuf),
            "application/json" => Ok(OtlpFormat::Json),
            _ => Err(ReceiveError::UnsupportedContentType(
                content_type.to_owned(),
            )),
        }
    }

    /// The `Content-Type` to answer with.
    pub fn content_type(self) -> &'static str {
        match self {
            OtlpFormat::Protobuf => "application/x-protobuf",
            OtlpFormat::Json => "application/json",
        }
    }

    fn name(self) -> &'static str {
        match self {
            OtlpFormat::Protobuf => "protobuf",
            OtlpFormat::Json => "JSON",
        }
    }
}

/// A parsed export request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpLogs {
    pub format: OtlpFormat,
    /// One record per accepted log record, in request order.
    pub records: Vec<Inbound>,
    /// Log records refused (nothing to log: no body, event name nor
    /// attributes); report them with [`otlp_response`] as a partial success.
    pub rejected: u64,
    /// Why, for the partial-success `errorMessage`; empty when none were.
    pub rejected_reason: String,
}

/// Parses an OTLP/HTTP logs request body (already decompressed) given its
/// `Content-Type`.
///
/// Each record is in stream `otlp:<service.name>:<batch hash>` at offset =
/// the record's index in the request, so a retried export maps to the same
/// event ids. See `docs/receivers.md` for the attribute names.
pub fn otlp_logs(body: &[u8], content_type: &str) -> Result<OtlpLogs, ReceiveError> {
    let format = OtlpFormat::from_content_type(content_type)?;
    let invalid = |reason: String| ReceiveError::InvalidOtlp {
        format: format.name(),
        reason,
    };
    let request = match format {
        OtlpFormat::Protobuf => {
            ExportLogsServiceRequest::decode(body).map_err(|e| invalid(e.to_string()))?
        }
        // Invalid UTF-8 in a string is replaced, as in every receiver.
        OtlpFormat::Json => {
            serde_json::from_slice::<ExportLogsServiceRequest>(&crate::json::lossy_utf8(body))
                .map_err(|e| invalid(e.to_string()))?
        }
    };
    let (records, rejected) = convert::records(request, body)?;
    let rejected_reason = if rejected > 0 {
        format!("{rejected} log record(s) had no body, event name or attributes")
    } else {
        String::new()
    };
    Ok(OtlpLogs {
        format,
        records,
        rejected,
        rejected_reason,
    })
}
