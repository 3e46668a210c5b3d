//! Helpers shared by the integration tests: run a file or lines through a
//! source with the real `Assembler`, the way the pipeline does.

#![allow(dead_code)]

use sightline_decode::{Assembler, DecodeOptions, Event, Source, StreamInfo, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The modification time the fixtures are read with (they were written on 2026-11-22).
pub fn fixture_mtime() -> Timestamp {
    "2026-11-22T23:00:00Z".parse().unwrap()
}

/// Decodes `bytes` as one stream, line by line (without `\n` / `\r\n`).
/// Returns the events and the number of lines fed.
pub fn run_bytes(
    source: &dyn Source,
    path: &Path,
    bytes: &[u8],
    options: DecodeOptions,
) -> (Vec<Event>, usize) {
    let mut stream = StreamInfo::for_path(path);
    stream.modified = Some(fixture_mtime());
    let decoder = source.open(&stream, &options);
    let mut asm = Assembler::new(decoder, stream, Arc::new(options));
    let mut out = Vec::new();
    let mut offset = 0u64;
    let mut lines = 0;
    for raw in bytes.split_inclusive(|&b| b == b'\n') {
        let len = raw.len() as u64;
        let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        out.extend(asm.push(&line, offset));
        offset += len;
        lines += 1;
    }
    out.extend(asm.finish());
    (out, lines)
}

pub fn run_file(source: &dyn Source, name: &str) -> Vec<Event> {
    let path = fixture(name);
    let bytes = std::fs::read(&path).unwrap();
    let (events, lines) = run_bytes(source, &path, &bytes, DecodeOptions::default());
    let covered: usize = events.iter().map(line_count).sum();
    assert_eq!(covered, lines, "{name}: every line in exactly one event");
    events
}

/// Physical lines an event covers.
pub fn line_count(ev: &Event) -> usize {
    ev.original.split('\n').count()
}

/// The first lines of a file, as detection sees them.
pub fn sample(name: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(&std::fs::read(fixture(name)).unwrap()).into_owned();
    text.lines().take(20).map(str::to_owned).collect()
}

pub fn find<'a>(events: &'a [Event], needle: &str) -> &'a Event {
    events
        .iter()
        .find(|e| e.message.contains(needle))
        .unwrap_or_else(|| panic!("no event with message containing {needle:?}"))
}

pub fn s<'a>(ev: &'a Event, name: &str) -> Option<&'a str> {
    ev.get_str(name)
}

pub fn i(ev: &Event, name: &str) -> Option<i64> {
    ev.get_i64(name)
}

/// `../shared/corpus/<relative>` beside the repository. `None` when it is
/// missing: the test is skipped with a note, except under CI (`CI` set and
/// not `false` or `0`), where a missing corpus fails the test rather than
/// letting it pass without having run.
pub fn shared_corpus(relative: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(relative);
    if dir.exists() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "false" | "0"));
    assert!(
        !ci,
        "{} is missing and CI is set: the corpus tests must run in CI (the corpus lives in ../shared/corpus beside the repository)",
        dir.display()
    );
    eprintln!(
        "note: {} is missing; test skipped (under CI=true this fails)",
        dir.display()
    );
    None
}
