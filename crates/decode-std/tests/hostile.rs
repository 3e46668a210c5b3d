//! Hostile input: empty, truncated, binary, huge, invalid UTF-8, non-ASCII
//! at delimiter positions, and mutated fixture lines. Every decoder must
//! return exactly one event per record, keep the raw text, and not panic.

mod common;

use common::*;
use sightline_decode::{Context, DecodeOptions, Record, Source, StreamInfo};
use sightline_decode_std::syslog::decode_message;
use sightline_decode_std::{JsonSource, LogfmtSource, SyslogSource, TextSource};
use std::path::Path;

fn hostile_lines() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "\t",
        "\0\0\0",
        "<",
        ">",
        "<>",
        "<999>",
        "<13",
        "<13>",
        "<13>1",
        "<13>1 ",
        "<13>1 -",
        "<13>1 - - - - -",
        "<13>1 - - - - - [",
        "<13>1 - - - - - [a",
        "<13>1 - - - - - [a b",
        "<13>1 - - - - - [a b=",
        "<13>1 - - - - - [a b=\"",
        "<13>1 - - - - - [a b=\"\\",
        "<13>1 - - - - - [a b=\"\\\"]",
        "<13>1 - - - - - [a b=\"c\"",
        "<13>1 - - - - - [a b=\"c\"]x",
        "<13>1 2026-02-30T00:00:00Z h a - - - invalid date",
        "<13>1 9999-12-31T23:59:59+23:59 h a - - - far future",
        "<13>1 0000-01-01T00:00:00-23:59 h a - - - far past",
        "<1é>Nov 22 21:35:36 h a: x",
        "<13>Nov 22 21:35:3é h a: x",
        "Nov 22 21:35:36 hé ü[é]: x",
        "Nov 22 21:35:36 h a[é",
        "Nov 22 21:35:36 h a[1]",
        "Nov 22 21:35:36 h :",
        "Nov 22 21:35:36 h [:",
        "Nov 22 21:35:36",
        "Nov 22 21:35:36 ",
        "Feb 29 12:00:00 h a: leap day",
        "Feb 30 12:00:00 h a: no such day",
        "Nov 22 21:35:36 h sshd[1]: Failed password for",
        "Nov 22 21:35:36 h sshd[1]: Failed password for x from",
        "Nov 22 21:35:36 h sshd[1]: Accepted password for x from 1.2.3.4 port",
        "Nov 22 21:35:36 h sshd[1]: Accepted password for x from 1.2.3.4 port 99999999999 ssh2",
        "Nov 22 21:35:36 h sshd[1]: Invalid user  from ",
        "Nov 22 21:35:36 h sudo:  : ",
        "Nov 22 21:35:36 h sudo: a : COMMAND=",
        "Nov 22 21:35:36 h su: (to ",
        "Nov 22 21:35:36 h su: FAILED SU (to root",
        "Nov 22 21:35:36 h x: pam_unix(",
        "Nov 22 21:35:36 h x: pam_unix(a): session opened for user ",
        "Nov 22 21:35:36 h x: message repeated  times: [ ]",
        "Nov 22 21:35:36 h x: message repeated 2 times: [",
        "{",
        "}",
        "{\"",
        "{\"a\":",
        "{\"a\":\"\\ud800\"}",
        "{\"time\":1e308,\"level\":-1,\"pid\":-5,\"msg\":null}",
        "{\"time\":-1,\"ts\":\"\",\"status\":1e400}",
        "{\"\":{\"\":{\"\":1}}}",
        "{\"a\":[[[[[[]]]]]],\"b\":[{\"c\":1}]}",
        "=",
        "==",
        "\"",
        "a=\"",
        "a=\"\\",
        "a=\"é\\",
        "é=ü ü=\"é\" =é",
        "\u{feff}<13>1 - - - - - - bom first",
        "\u{1b}[31mred\u{1b}[0m level=info msg=x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("a".repeat(1 << 20));
    v.push("[".repeat(1 << 16));
    v.push("{\"a\":".repeat(10_000));
    v.push(format!("<13>1 - - - - - {}", "[x y=\"z\"]".repeat(10_000)));
    v.push(format!(
        "Nov 22 21:35:36 h sshd[1]: Failed password for {} from 1.2.3.4 port 1 ssh2",
        " from ".repeat(10_000)
    ));
    v.push(format!("{} msg=x", "k=v ".repeat(5_000)));
    v
}

fn sources() -> Vec<&'static dyn Source> {
    vec![&SyslogSource, &JsonSource, &LogfmtSource, &TextSource]
}

#[test]
fn hostile_lines_become_one_event_each() {
    let lines = hostile_lines();
    for src in sources() {
        for line in &lines {
            let input = format!("{line}\n");
            let (ev, n) = run_bytes(
                src,
                Path::new("/x.log"),
                input.as_bytes(),
                DecodeOptions::default(),
            );
            assert_eq!(n, 1);
            assert_eq!(
                ev.len(),
                1,
                "{}: {:?}",
                src.module(),
                line.get(..80.min(line.len()))
            );
            assert_eq!(ev[0].original, *line);
        }
    }
}

#[test]
fn invalid_utf8_and_binary_are_read_lossily() {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"<13>Nov 22 21:35:36 h\xff\xfe a: x\xc3\n");
    bytes.extend_from_slice(b"{\"a\":\"\xff\"}\n");
    bytes.extend_from_slice(b"k=\xf0\x9f v=1 w=2\n");
    // Deterministic pseudo-random binary.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push((x >> 24) as u8);
    }
    for src in sources() {
        let (ev, lines) = run_bytes(src, Path::new("/x.log"), &bytes, DecodeOptions::default());
        assert_eq!(
            ev.iter().map(line_count).sum::<usize>(),
            lines,
            "{}",
            src.module()
        );
    }
}

/// Mutates every fixture line (byte deletions, insertions of delimiters and
/// non-ASCII, truncations) and decodes each result with every decoder and
/// with the network entry point.
#[test]
fn mutated_fixture_lines() {
    let names = [
        "rsyslog-traditional.log",
        "rsyslog-protocol23.log",
        "syslog-ng-iso.log",
        "logger-network.txt",
        "rfc5424-examples.txt",
        "json-lines.jsonl",
        "logfmt.log",
    ];
    let inserts: [&str; 10] = [" ", "[", "]", "\"", "\\", ":", "=", "é", "\u{feff}", "<13>"];
    let stream = StreamInfo::default();
    let opts = DecodeOptions::default();
    let ctx = Context {
        stream: &stream,
        options: &opts,
        last_timestamp: None,
    };
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut count = 0;
    for name in names {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        for line in text.lines() {
            for _ in 0..40 {
                let mut m = line.to_string();
                for _ in 0..(next() % 4 + 1) {
                    let mut at = (next() as usize) % (m.len() + 1);
                    while !m.is_char_boundary(at) {
                        at -= 1;
                    }
                    match next() % 3 {
                        0 => m.insert_str(at, inserts[(next() as usize) % inserts.len()]),
                        1 => m.truncate(at),
                        _ => {
                            if let Some(c) = m.get(at..).and_then(|r| r.chars().next()) {
                                m.replace_range(at..at + c.len_utf8(), "");
                            }
                        }
                    }
                }
                for src in sources() {
                    let input = format!("{m}\n");
                    let (ev, n) = run_bytes(
                        src,
                        Path::new("/x.log"),
                        input.as_bytes(),
                        DecodeOptions::default(),
                    );
                    assert_eq!(ev.iter().map(line_count).sum::<usize>(), n);
                }
                let ev = decode_message(
                    &Record {
                        text: &m,
                        offset: 0,
                        lines: 1,
                        truncated: false,
                    },
                    &ctx,
                );
                assert_eq!(ev.original, m.trim_end_matches(['\r', '\n', '\0']));
                count += 1;
            }
        }
    }
    assert!(count > 1000);
}
