#![no_main]
//! Any text through redaction and neutralization: no panic, and nothing left
//! that could forge a line or spoof a terminal.

use sightline_event::{Event, EventId, Timestamp};
use sightline_sanitize::Sanitizer;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut ev = Event::new(EventId::derive("fuzz", 0, data), Timestamp::UNIX_EPOCH, "text", "text.log", &*text);
    ev.message = text.to_string();
    ev.label("fuzz", text.to_string());
    Sanitizer::default().apply(&mut ev);
    for c in ev.message.chars().chain(ev.labels.values().flat_map(|v| v.chars())) {
        assert!(!c.is_control() || c == '\t', "control character {c:?} survived");
    }
});
