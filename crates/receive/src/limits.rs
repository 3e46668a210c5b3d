//! Limits shared by every receiver. They bound memory per request so that a
//! hostile or broken sender costs at most a fixed multiple of its body size.

/// Longest line kept per record; longer ones are cut (at a character
/// boundary) and get the attribute `truncated=true`.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Most records accepted in one request (batch formats); more is an error so
/// the sender splits its batch instead of us buffering it.
pub const MAX_ITEMS: usize = 100_000;

/// Most attributes kept per record. Flattening a wide document could
/// otherwise multiply its size (every leaf repeats its key prefix).
pub const MAX_ATTRIBUTES: usize = 512;

/// Most bytes (keys plus values) of attributes kept per record; past it the
/// rest is dropped and the record gets `attributes_truncated=true`.
pub const MAX_ATTRIBUTE_BYTES: usize = 64 * 1024;

/// Default largest syslog message over TCP/TLS (RFC 5425 asks receivers to
/// take at least 2 KiB; rsyslog's default is 8 KiB, large Java traces need more).
pub const DEFAULT_SYSLOG_MAX_MESSAGE: usize = 64 * 1024;

/// Attribute set on a record whose line was cut to a limit.
pub const TRUNCATED: &str = "truncated";

/// Attribute set on a record that had attributes dropped by the limits above.
pub const ATTRIBUTES_TRUNCATED: &str = "attributes_truncated";
