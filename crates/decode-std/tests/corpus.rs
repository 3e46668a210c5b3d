//! The shared corpus holds no syslog or logfmt, but it does hold JSON lines
//! (MLX SDK events, Milvus 2.5 logs, Ray event files). This test checks that
//! the generic sources stay out of the way of the system decoders and that
//! the JSON decoder reads every JSON-lines file of the corpus completely.
//! Skipped, with a note, when the corpus is absent (a failure under CI).

mod common;

use common::*;
use sightline_decode::{DecodeOptions, Source, tags};
use sightline_decode_std::{JsonSource, LogfmtSource, SyslogSource};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus_root() -> Option<PathBuf> {
    shared_corpus("")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

#[test]
fn generic_sources_on_the_corpus() {
    let Some(root) = corpus_root() else {
        return;
    };
    let mut all = Vec::new();
    for system in ["ray", "mesos", "milvus", "mlx"] {
        files(&root.join(system).join("dev"), &mut all);
    }
    all.sort();
    let mut json_files = 0;
    let mut mixed = 0;
    let (mut lines_total, mut decoded_total) = (0usize, 0usize);
    let mut datasets: BTreeMap<String, usize> = BTreeMap::new();
    for path in &all {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "ground_truth.jsonl" || name == "MANIFEST.json" {
            continue;
        }
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let sample: Vec<&str> = text.lines().take(20).collect();
        let syslog = SyslogSource.detect(Some(path), &sample);
        let logfmt = LogfmtSource.detect(Some(path), &sample);
        let json = JsonSource.detect(Some(path), &sample);
        // No file of these systems is syslog or logfmt.
        assert_eq!(syslog, 0, "syslog claims {}", path.display());
        assert_eq!(logfmt, 0, "logfmt claims {}", path.display());
        if json == 0 {
            continue;
        }
        // A JSON-lines file of some system: the generic decoder must read all of it.
        json_files += 1;
        let (events, lines) = run_bytes(&JsonSource, path, &bytes, DecodeOptions::default());
        let covered: usize = events.iter().map(line_count).sum();
        assert_eq!(covered, lines, "{}", path.display());
        let ok: usize = events
            .iter()
            .filter(|e| !e.has_tag(tags::PARSE_FAILURE))
            .map(line_count)
            .sum();
        for e in &events {
            *datasets.entry(e.dataset.to_string()).or_default() += 1;
        }
        let inferred = events
            .iter()
            .filter(|e| e.has_tag(tags::TIMESTAMP_INFERRED))
            .count();
        println!(
            "{}: {lines} lines, {} events, {ok} decoded, {inferred} without a time",
            path.strip_prefix(&root).unwrap_or(path).display(),
            events.len()
        );
        let pure = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| l.trim_start().starts_with('{'));
        if pure {
            assert!(ok * 1000 >= lines * 999, "{}: {ok}/{lines}", path.display());
            assert_eq!(
                inferred,
                0,
                "{}: every JSON line of the corpus carries a time",
                path.display()
            );
        } else {
            // Ray worker .err files interleave `:task_name:` markers with a
            // task's JSON log lines: the markers are parse failures here (the
            // Ray decoder, which scores higher, reads them).
            mixed += 1;
            println!("  (mixed file: {} non-JSON lines)", lines - ok);
        }
        lines_total += lines;
        decoded_total += ok;
    }
    println!(
        "JSON files: {json_files} ({mixed} mixed), lines {lines_total}, decoded {decoded_total}"
    );
    println!("datasets: {datasets:?}");
    assert!(json_files > 0);
}
