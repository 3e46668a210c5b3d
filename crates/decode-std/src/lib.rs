//! Decoders for standard formats: syslog (RFC 5424 and RFC 3164), JSON
//! lines with a configurable field mapping, logfmt, and the plain-text
//! fallback that accepts anything.

mod json;
mod logfmt;
mod syslog;
mod text;

pub use json::JsonSource;
pub use logfmt::LogfmtSource;
pub use syslog::SyslogSource;
pub use text::TextSource;
