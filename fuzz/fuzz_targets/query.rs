#![no_main]
//! Any text through the query parser: no panic and no stack overflow, errors
//! point inside the text, and evaluating an accepted query does not panic.

use sightline_event::{Event, EventId, Timestamp};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match sightline_query::parse(text) {
        Ok(q) => {
            let mut ev = Event::new(
                EventId::derive("fuzz", 0, data),
                Timestamp::UNIX_EPOCH,
                "text",
                "text.log",
                text,
            );
            ev.message = "Failed password for root from 10.0.0.5".into();
            ev.set("source.ip", "10.0.0.5")
                .set("http.response.status_code", 401i64);
            let _ = q.filter.matches(&ev);
        }
        Err(e) => assert!(
            e.position <= text.len(),
            "position {} past the end: {e}",
            e.position
        ),
    }
});
