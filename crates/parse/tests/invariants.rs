//! Property tests for the pipeline's invariants, over every source:
//! - every input line ends up in exactly one event (none lost, none doubled);
//! - `event.id` is a pure function of stream, offset and raw record;
//! - after sanitizing, no text holds a control character that could forge a
//!   line or spoof a terminal (only `\t`, and `\n` inside multi-line records).

use proptest::prelude::*;
use sightline_decode::{DecodeOptions, Event, StreamInfo, tags};
use sightline_parse::{Pipeline, Registry, SourceChoice};
use sightline_sanitize::Sanitizer;
use std::collections::HashSet;

/// Line shapes that exercise every decoder's paths, plus noise.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let shapes = prop_oneof![
        Just("[2026-11-22 12:37:07,123 I 7821 7821] (raylet) node_manager.cc:12: Started".to_string()),
        Just("2026-11-22 12:37:21,673\tINFO web_log.py:229 -- 127.0.0.1 [22/Nov/2026:12:37:21 +0000] 'POST /api/jobs/ HTTP/1.1' 401 5 bytes 900 us '-' 'curl/7.88.1'".to_string()),
        Just("I1122 12:00:00.123456 12345 master.cpp:1234] Received SUBSCRIBE call for framework 'x'".to_string()),
        Just("[2026/03/09 06:24:24.463 +00:00] [WARN] [proxy/impl.go:174] [\"fail to verify password\"] [user=root]".to_string()),
        Just("{\"schema\":\"sightline.mlx/1\",\"event\":\"mlx.inference\",\"ts\":\"2026-11-20T08:00:00Z\"}".to_string()),
        Just("<34>1 2026-11-22T12:00:00.000Z host app 123 ID47 - message".to_string()),
        Just("level=info msg=\"hello world\" user=alice".to_string()),
        Just("Traceback (most recent call last):".to_string()),
        Just("  File \"x.py\", line 1, in <module>".to_string()),
        Just("ValueError: bad".to_string()),
        Just(String::new()),
        "[ -~]{0,80}",
        "\\PC{0,40}",
    ];
    prop_oneof![
        8 => shapes.prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..60).prop_map(|mut v| {
            v.retain(|&b| b != b'\n');
            v
        }),
    ]
}

fn input() -> impl Strategy<Value = (Vec<u8>, usize)> {
    (
        proptest::collection::vec((line(), any::<bool>()), 0..40),
        any::<bool>(),
    )
        .prop_map(|(lines, final_newline)| {
            let mut out = Vec::new();
            let n = lines.len();
            // An empty last line without a newline is no line at all: zero bytes.
            let unterminated_empty =
                !final_newline && lines.last().is_some_and(|(l, _)| l.is_empty());
            for (i, (l, crlf)) in lines.into_iter().enumerate() {
                out.extend_from_slice(&l);
                if i + 1 < n || final_newline {
                    out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                }
            }
            (out, n - usize::from(unterminated_empty))
        })
}

fn run(choice: &str, bytes: &[u8]) -> (Vec<Event>, sightline_parse::StreamStats) {
    let choice: SourceChoice = choice.parse().expect("known source");
    let pipeline = Pipeline::new(choice, DecodeOptions::default(), Sanitizer::default());
    let mut events = Vec::new();
    let stats = pipeline
        .read(StreamInfo::for_path("/var/log/test.log"), bytes, |ev| {
            events.push(ev)
        })
        .expect("reading from memory cannot fail");
    (events, stats)
}

fn assert_no_forging_chars(ev: &Event) {
    let multiline = ev.has_tag(tags::MULTILINE);
    let check = |name: &str, text: &str, newline_ok: bool| {
        for c in text.chars() {
            let bad = (c.is_control() && c != '\t' && !(c == '\n' && newline_ok))
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            assert!(!bad, "{name} holds {c:?}: {text:?}");
        }
    };
    check("message", &ev.message, multiline);
    check("event.original", &ev.original, multiline);
    for (key, value) in &ev.labels {
        check(key, value, false);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_line_in_exactly_one_event((bytes, lines) in input()) {
        let registry = Registry::default();
        for choice in std::iter::once("auto").chain(registry.names()) {
            let (events, stats) = run(choice, &bytes);
            prop_assert_eq!(stats.lines, lines as u64, "source {}", choice);
            prop_assert_eq!(stats.lines_in_events, lines as u64, "source {}", choice);
            prop_assert_eq!(stats.events, events.len() as u64);
            // Offsets strictly increase: no record is emitted twice.
            let offsets: Vec<i64> = events.iter().filter_map(|e| e.get_i64("sightline.log.offset")).collect();
            prop_assert!(offsets.windows(2).all(|w| w[0] < w[1]), "source {}: offsets {:?}", choice, offsets);
            for ev in &events {
                assert_no_forging_chars(ev);
            }
        }
    }

    #[test]
    fn event_ids_are_stable_and_unique((bytes, _lines) in input()) {
        let first: Vec<String> = run("auto", &bytes).0.iter().map(|e| e.id.to_string()).collect();
        let second: Vec<String> = run("auto", &bytes).0.iter().map(|e| e.id.to_string()).collect();
        prop_assert_eq!(&first, &second);
        let unique: HashSet<&String> = first.iter().collect();
        prop_assert_eq!(unique.len(), first.len());
    }
}

/// The same line at another offset, or in another stream, is another event;
/// the same line at the same place is the same event.
#[test]
fn event_id_depends_on_stream_offset_and_text() {
    let text = b"level=info msg=same\nlevel=info msg=same\n";
    let (events, _) = run("logfmt", text);
    assert_eq!(events.len(), 2);
    assert_ne!(events[0].id, events[1].id, "same text, different offset");

    let pipeline = Pipeline::new(
        SourceChoice::Auto,
        DecodeOptions::default(),
        Sanitizer::default(),
    );
    let mut other = Vec::new();
    pipeline
        .read(
            StreamInfo::for_path("/var/log/other.log"),
            &text[..],
            |ev| other.push(ev),
        )
        .expect("read");
    assert_ne!(
        events[0].id, other[0].id,
        "same text and offset, different stream"
    );
}
