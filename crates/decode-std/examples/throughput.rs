//! Decoding throughput of each standard format on the fixture lines,
//! repeated to ~64 MiB, through the real `Assembler`.
//! `cargo run --release -p sightline-decode-std --example throughput`

use sightline_decode::{Assembler, DecodeOptions, Source, StreamInfo};
use sightline_decode_std::{JsonSource, LogfmtSource, SyslogSource, TextSource};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let cases: [(&str, &dyn Source, &[&str]); 5] = [
        (
            "text (baseline)",
            &TextSource,
            &[
                "rsyslog-traditional.log",
                "rsyslog-fileformat.log",
                "syslog-ng-default.log",
            ],
        ),
        (
            "syslog rfc3164 (files)",
            &SyslogSource,
            &[
                "rsyslog-traditional.log",
                "rsyslog-fileformat.log",
                "syslog-ng-default.log",
            ],
        ),
        (
            "syslog rfc5424",
            &SyslogSource,
            &["rsyslog-protocol23.log", "syslog-ng-5424.log"],
        ),
        ("json lines", &JsonSource, &["json-lines.jsonl"]),
        ("logfmt", &LogfmtSource, &["logfmt.log"]),
    ];
    let only = std::env::args().nth(1);
    for (name, source, files) in cases {
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let mut unit = String::new();
        for f in files {
            unit.push_str(&std::fs::read_to_string(dir.join(f)).expect("fixture"));
        }
        let text = unit.repeat((64 << 20) / unit.len() + 1);
        let stream = StreamInfo::for_path("/var/log/x");
        let options = DecodeOptions::default();
        let decoder = source.open(&stream, &options);
        let mut asm = Assembler::new(decoder, stream, Arc::new(options));
        let start = Instant::now();
        let (mut events, mut offset) = (0u64, 0u64);
        for line in text.lines() {
            events += u64::from(asm.push(line, offset).is_some());
            offset += line.len() as u64 + 1;
        }
        events += u64::from(asm.finish().is_some());
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{name:24} {:7.1} MB/s  {:9.0} events/s  ({events} events, {:.0} MB)",
            text.len() as f64 / secs / 1e6,
            events as f64 / secs,
            text.len() as f64 / 1e6
        );
    }
}
