//! The foundation's promises, checked on every corpus in `../shared/corpus`:
//! every line of every file ends up in exactly one event, at least 99.9 % of
//! lines decode into their system's real datasets with `--source auto`, and
//! event ids are stable across runs and unique.
//!
//! Skipped (with a note) when the corpora are not beside the repository,
//! except under CI, where that fails.

use sightline_decode::{DecodeOptions, tags};
use sightline_parse::{Pipeline, Registry, SourceChoice, discover};
use sightline_sanitize::Sanitizer;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

mod common;

fn corpus_dir(system: &str) -> Option<PathBuf> {
    common::shared_corpus(&format!("{system}/dev"))
}

/// Files that describe a corpus rather than being logs of it.
fn is_corpus_metadata(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(name, "ground_truth.jsonl" | "MANIFEST.json" | "README.md") || name.ends_with(".py")
}

fn count_lines(path: &Path) -> u64 {
    let bytes = std::fs::read(path).expect("corpus file readable");
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    let unterminated = u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
    newlines + unterminated
}

struct CorpusRun {
    lines: u64,
    decoded_lines: u64,
    per_dataset: BTreeMap<String, u64>,
    ids: Vec<String>,
}

fn run_corpus(system: &str, dir: &Path) -> CorpusRun {
    let registry = Registry::default();
    let found = discover(&[dir.to_path_buf()], &registry).expect("discover corpus");
    let pipeline = Pipeline::new(
        SourceChoice::Auto,
        DecodeOptions::default(),
        Sanitizer::default(),
    );
    let mut run = CorpusRun {
        lines: 0,
        decoded_lines: 0,
        per_dataset: BTreeMap::new(),
        ids: Vec::new(),
    };
    for file in found.files.iter().filter(|f| !is_corpus_metadata(f)) {
        let stats = pipeline
            .read_file(file, |ev| {
                // Lines an event spans: 1 + the newlines of its raw text (a
                // redacted multi-line PEM block makes this an undercount, which
                // only makes the ratio below stricter).
                let lines = 1 + ev.original.bytes().filter(|&b| b == b'\n').count() as u64;
                if ev.module == system && !ev.has_tag(tags::PARSE_FAILURE) {
                    run.decoded_lines += lines;
                }
                *run.per_dataset.entry(ev.dataset.to_string()).or_default() += 1;
                run.ids.push(ev.id.to_string());
            })
            .expect("read corpus file");
        let expected = count_lines(file);
        assert_eq!(stats.lines, expected, "{}: lines read", file.display());
        assert_eq!(
            stats.lines_in_events,
            expected,
            "{}: lines in events",
            file.display()
        );
        run.lines += expected;
    }
    run
}

fn check_corpus(system: &str) {
    let Some(dir) = corpus_dir(system) else {
        return;
    };
    let first = run_corpus(system, &dir);
    assert!(first.lines > 0, "{system}: corpus has no lines");
    let ratio = first.decoded_lines as f64 / first.lines as f64;
    eprintln!(
        "{system}: {} lines, {:.4} % decoded into {system}.*; datasets: {:?}",
        first.lines,
        ratio * 100.0,
        first.per_dataset
    );
    assert!(
        ratio >= 0.999,
        "{system}: only {:.3} % of lines decoded (need 99.9 %)",
        ratio * 100.0
    );

    let unique: HashSet<&String> = first.ids.iter().collect();
    assert_eq!(
        unique.len(),
        first.ids.len(),
        "{system}: event ids must be unique"
    );

    let second = run_corpus(system, &dir);
    assert_eq!(
        first.ids, second.ids,
        "{system}: event ids must be stable across runs"
    );
}

#[test]
fn ray_corpus() {
    check_corpus("ray");
}

#[test]
fn mesos_corpus() {
    check_corpus("mesos");
}

#[test]
fn milvus_corpus() {
    check_corpus("milvus");
}

#[test]
fn mlx_corpus() {
    check_corpus("mlx");
}
