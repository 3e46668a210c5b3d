//! Decoders for standard formats: syslog (RFC 5424 and RFC 3164), JSON
//! lines with a configurable field mapping, logfmt, and the plain-text
//! fallback that accepts anything.
//!
//! Network receivers decode single syslog messages with
//! [`syslog::decode_message`].

mod json;
mod keymap;
mod logfmt;
pub mod syslog;
mod text;
mod time;

pub use json::JsonSource;
pub use keymap::LABELS_TRUNCATED;
pub use logfmt::LogfmtSource;
pub use syslog::SyslogSource;
pub use text::TextSource;
