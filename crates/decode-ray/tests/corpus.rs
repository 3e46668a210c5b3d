//! Reads the real Ray session in `shared/corpus/ray/dev` line by line through
//! the `Assembler`, as the pipeline does, and checks that every line lands in
//! exactly one event and that (nearly) all of them decode into a real Ray
//! dataset. The ground-truth signals are checked in `ground_truth.rs`.

use sightline_decode::{Assembler, DecodeOptions, Event, Source, StreamInfo};
use sightline_decode_ray::RaySource;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const DATASETS: &[&str] = &[
    "ray.gcs",
    "ray.raylet",
    "ray.core_worker",
    "ray.dashboard",
    "ray.agent",
    "ray.autoscaler",
    "ray.log_monitor",
    "ray.client",
    "ray.job",
    "ray.worker",
    "ray.event",
    "ray.serve",
];

mod common;

fn corpus() -> Option<PathBuf> {
    common::shared_corpus("ray/dev")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Decodes one file as the pipeline does; returns its events and line count.
pub fn decode_file(path: &Path) -> (Vec<Event>, u64) {
    let bytes = std::fs::read(path).expect("corpus file is readable");
    let stream = StreamInfo::for_path(path);
    let opts = Arc::new(DecodeOptions::default());
    let mut asm = Assembler::new(RaySource.open(&stream, &opts), stream, opts);
    let mut events = Vec::new();
    let mut lines = 0u64;
    let mut offset = 0u64;
    for raw in bytes.split_inclusive(|b| *b == b'\n') {
        lines += 1;
        let mut line = raw.strip_suffix(b"\n").unwrap_or(raw);
        line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = String::from_utf8_lossy(line);
        events.extend(asm.push(&text, offset));
        offset += raw.len() as u64;
    }
    events.extend(asm.finish());
    assert_eq!(
        asm.emitted_lines(),
        lines,
        "{}: a line was lost or doubled",
        path.display()
    );
    (events, lines)
}

#[test]
fn every_line_of_the_ray_corpus_decodes() {
    let Some(dir) = corpus() else {
        return;
    };
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut total = 0u64;
    let mut good = 0u64;
    let mut per_dataset: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut bad: Vec<String> = Vec::new();
    for f in &files {
        // ground_truth.jsonl and SESSION_NAME describe the corpus; they are
        // not Ray logs (Ray writes neither into `logs/`).
        if f.file_name()
            .is_some_and(|n| n == "ground_truth.jsonl" || n == "SESSION_NAME")
        {
            continue;
        }
        let (events, lines) = decode_file(f);
        total += lines;
        let covered: u64 = events
            .iter()
            .map(|e| e.original.split('\n').count() as u64)
            .sum();
        assert_eq!(
            covered,
            lines,
            "{}: events do not cover the file's lines",
            f.display()
        );
        for e in &events {
            let n = e.original.split('\n').count() as u64;
            let entry = per_dataset.entry(e.dataset.to_string()).or_default();
            entry.0 += 1;
            entry.1 += n;
            if e.is_decoded() && DATASETS.contains(&e.dataset.as_ref()) {
                good += n;
            } else if bad.len() < 20 {
                bad.push(format!(
                    "{} @{}: {:?} {}",
                    f.display(),
                    e.get_i64("sightline.log.offset").unwrap_or(-1),
                    e.tags,
                    e.original.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    println!("dataset                events    lines");
    for (d, (ev, ln)) in &per_dataset {
        println!("{d:<20} {ev:>8} {ln:>8}");
    }
    let pct = 100.0 * good as f64 / total.max(1) as f64;
    println!(
        "{} files, {total} lines, {good} decoded into Ray datasets ({pct:.3}%)",
        files.len()
    );
    for b in &bad {
        println!("not decoded: {b}");
    }
    assert!(total > 5000, "the corpus should have thousands of lines");
    assert!(pct >= 99.9, "only {pct:.3}% of lines decoded");
}
