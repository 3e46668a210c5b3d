//! Secret redaction and log-injection neutralization.
//!
//! Applied to every event after decoding, before anything stores, matches or
//! forwards it.

use sightline_event::Event;

/// What sanitizing one event did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Secrets replaced by `[REDACTED:<kind>]`.
    pub redactions: u32,
    /// Control characters and escapes neutralized.
    pub neutralized: u32,
}

/// Redacts secrets and neutralizes control characters.
#[derive(Debug, Clone, Default)]
pub struct Sanitizer {}

impl Sanitizer {
    pub fn apply(&self, ev: &mut Event) -> Report {
        let _ = ev;
        Report::default()
    }
}
