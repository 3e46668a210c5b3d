//! Wire formats Sightline accepts, as pure functions over bytes.
//!
//! Nothing here opens a socket: the server calls these from its HTTP handlers
//! and TCP/UDP listeners, which keeps every parser fuzzable and testable in
//! isolation. Each format ends in the same [`Inbound`] record, which the
//! decoding pipeline then turns into events.
//!
//! See `docs/receivers.md` for the accepted shapes, field mapping and limits.

mod attrs;
mod batch;
pub mod body;
mod error;
pub mod es_bulk;
pub mod hec;
mod inbound;
mod json;
pub mod limits;
mod lines;
pub mod native;
pub mod otlp;
pub mod syslog;
mod time;

pub use batch::{batch_stream, provenance_name, source_hint_for};
pub use body::decode_body;
pub use error::ReceiveError;
pub use es_bulk::{BulkAction, BulkItem, BulkParse, es_bulk, es_bulk_response};
pub use hec::{HecError, HecRawParams, hec_events, hec_raw, hec_response};
pub use inbound::Inbound;
pub use native::native_batch;
pub use otlp::{
    OtlpFormat, OtlpLogs, otlp_error_response, otlp_grpc_code, otlp_logs, otlp_response,
    otlp_status,
};
pub use syslog::{SyslogFrame, SyslogFramer, syslog_inbound, udp_datagram};
