use thiserror::Error;

/// Why a request was refused as a whole. Messages are written for the client:
/// they say what is wrong and where (line numbers are 1-based, like the
/// Elasticsearch ones; item numbers are 0-based, like HEC's).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiveError {
    #[error("unsupported Content-Encoding {0:?}; accepted: identity, gzip, x-gzip, deflate, zstd")]
    UnsupportedEncoding(String),
    #[error("request body is not valid {encoding} data: {reason}")]
    CorruptBody {
        encoding: &'static str,
        reason: String,
    },
    #[error("request body too large: more than {limit} bytes after decompression")]
    TooLarge { limit: usize },
    #[error("too many records in one request: more than {limit}; send smaller batches")]
    TooManyItems { limit: usize },
    #[error("line {line}: {reason}")]
    InvalidLine { line: usize, reason: String },
    #[error("unsupported Content-Type {0:?}; accepted: application/x-protobuf, application/json")]
    UnsupportedContentType(String),
    #[error("invalid OTLP {format} request: {reason}")]
    InvalidOtlp {
        format: &'static str,
        reason: String,
    },
}
