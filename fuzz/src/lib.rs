//! Shared harness for the fuzz targets: each decoder target feeds arbitrary
//! bytes as a log stream through the whole pipeline with that decoder and
//! checks the invariants that must hold for any input.

use sightline_decode::{DecodeOptions, StreamInfo};
use sightline_parse::{Pipeline, SourceChoice};
use sightline_sanitize::Sanitizer;

/// Decodes `data` as a stream read by `source` (`auto` or a source name).
pub fn decode_stream(source: &str, data: &[u8]) {
    let choice: SourceChoice = source.parse().expect("fuzz target names a known source");
    let pipeline = Pipeline::new(choice, DecodeOptions::default(), Sanitizer::default());
    let mut events = 0u64;
    let stats = pipeline
        .read(StreamInfo::for_path("/fuzz/input.log"), data, |ev| {
            events += 1;
            // Serializing must work for every event we produce.
            let json = ev.to_json();
            assert!(json.starts_with('{'));
            assert!(!json.contains('\n'), "an event must serialize to one line");
        })
        .expect("reading from memory cannot fail");
    assert_eq!(stats.lines, stats.lines_in_events, "a line was lost or doubled");
    assert_eq!(stats.events, events);
}
