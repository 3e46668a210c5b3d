//! Reading on several threads, and long files in pieces, gives exactly what
//! one thread reading file after file gives: the same events (ids
//! included) in the same order, the same statistics per file.
//!
//! Pieces here are tiny, so every corpus file of some size is cut many
//! times, cuts fall inside multi-line records, and with almost no warm-up
//! most pieces start from a state that does not match and are decoded
//! again: both paths are checked against the one-thread reading.

use sightline_decode::{DecodeOptions, Event};
use sightline_parse::{
    Delivery, Parallelism, Pipeline, ReadReport, Registry, Sink, SourceChoice, StreamStats,
    discover,
};
use sightline_sanitize::Sanitizer;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

mod common;

/// Serialized events, in small batches so many travel per file.
struct Lines(Vec<u8>);

impl Sink for Lines {
    type Batch = Vec<u8>;
    fn add(&mut self, ev: Event) {
        self.0.extend_from_slice(ev.to_json().as_bytes());
        self.0.push(b'\n');
    }
    fn take(&mut self, flush: bool) -> Option<Vec<u8>> {
        (self.0.len() >= 4096 || (flush && !self.0.is_empty())).then(|| std::mem::take(&mut self.0))
    }
}

/// What one file gave: its statistics and decoder, or the error.
type FileOutcome = Result<(StreamStats, Option<String>), String>;

#[derive(Debug, PartialEq)]
struct Output {
    bytes: Vec<u8>,
    files: Vec<(usize, FileOutcome)>,
    read: u64,
}

fn pipeline() -> Pipeline {
    Pipeline::new(
        SourceChoice::Auto,
        DecodeOptions::default(),
        Sanitizer::default(),
    )
}

fn read(files: &[PathBuf], parallelism: &Parallelism) -> (Output, ReadReport) {
    let mut out = Output {
        bytes: Vec::new(),
        files: Vec::new(),
        read: 0,
    };
    let mut last_file = 0;
    let report = pipeline().read_files(
        files,
        parallelism,
        || Lines(Vec::new()),
        |d| {
            match d {
                Delivery::Batch { file, batch } => {
                    assert!(file >= last_file, "batches arrive in file order");
                    last_file = file;
                    out.bytes.extend_from_slice(&batch);
                }
                Delivery::Read(n) => out.read += n,
                Delivery::File { file, result } => out.files.push((
                    file,
                    result
                        .map(|r| (r.stats, r.first_module))
                        .map_err(|e| e.to_string()),
                )),
            }
            ControlFlow::Continue(())
        },
    );
    (out, report)
}

fn one_thread(files: &[PathBuf]) -> Output {
    read(files, &Parallelism::with_threads(1)).0
}

/// Tiny pieces with a warm-up in proportion: most pieces are kept.
fn small_pieces() -> Parallelism {
    Parallelism {
        threads: 3,
        piece_bytes: 48 << 10,
        warmup_head: 4 << 10,
        warmup_lead: 4 << 10,
    }
}

/// Almost no warm-up: pieces start from states that do not match and are
/// decoded again in order.
fn starved_pieces() -> Parallelism {
    Parallelism {
        threads: 2,
        piece_bytes: 16 << 10,
        warmup_head: 0,
        warmup_lead: 200,
    }
}

fn corpus_files(system: &str) -> Option<Vec<PathBuf>> {
    let dir = common::shared_corpus(&format!("{system}/dev"))?;
    let found = discover(&[dir], &Registry::default()).expect("discover corpus");
    Some(found.files)
}

fn assert_same(files: &[PathBuf], reference: &Output, parallelism: &Parallelism) -> ReadReport {
    let (got, report) = read(files, parallelism);
    assert_eq!(
        got.files, reference.files,
        "{parallelism:?}: per-file results"
    );
    assert_eq!(got.read, reference.read, "{parallelism:?}: bytes read");
    // Compare line by line first, for a readable failure.
    let (a, b) = (
        String::from_utf8_lossy(&reference.bytes),
        String::from_utf8_lossy(&got.bytes),
    );
    for (n, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        assert_eq!(x, y, "{parallelism:?}: event {n} differs");
    }
    assert!(
        got.bytes == reference.bytes,
        "{parallelism:?}: output differs in length"
    );
    report
}

/// Every corpus in small pieces; `starved` also with almost no warm-up,
/// so the pieces are decoded again in order.
fn check_corpus(system: &str, starved: bool) {
    let Some(files) = corpus_files(system) else {
        return;
    };
    let reference = one_thread(&files);
    assert!(!reference.bytes.is_empty());
    let report = assert_same(&files, &reference, &small_pieces());
    assert!(
        report.pieces > report.pieced_files,
        "{system}: files were cut: {report:?}"
    );
    assert!(
        report.pieces_redone < report.pieces,
        "{system}: warmed-up pieces are kept: {report:?}"
    );
    if starved {
        let report = assert_same(&files, &reference, &starved_pieces());
        assert!(
            report.pieces_redone > 0,
            "{system}: pieces were decoded again: {report:?}"
        );
    }
}

#[test]
fn ray_corpus_reads_the_same_on_several_threads() {
    check_corpus("ray", true);
}

#[test]
fn mesos_corpus_reads_the_same_on_several_threads() {
    check_corpus("mesos", false);
}

#[test]
fn milvus_corpus_reads_the_same_on_several_threads() {
    check_corpus("milvus", false);
}

#[test]
fn mlx_corpus_reads_the_same_on_several_threads() {
    check_corpus("mlx", false);
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(text))
        .expect("write fixture");
    path
}

/// Files whose records are longer than a piece, so every cut falls inside
/// one: Python tracebacks in a Ray log, glog continuation lines, an MLX
/// server traceback, a record past the assembler's line limit, CRLF lines,
/// invalid UTF-8 and a line longer than the line limit.
fn multiline_mix(dir: &Path) -> Vec<PathBuf> {
    let mut ray = Vec::new();
    for i in 0..60 {
        writeln!(
            ray,
            "2026-11-22 12:37:{:02},{:03}\tERROR worker.py:{i} -- task {i} failed",
            i % 60,
            i
        )
        .unwrap();
        writeln!(ray, "Traceback (most recent call last):").unwrap();
        for f in 0..40 {
            writeln!(
                ray,
                "  File \"/srv/app/m{f}.py\", line {f}, in f{f}\n    call_{f}(x)"
            )
            .unwrap();
        }
        writeln!(ray, "ValueError: bad input {i}").unwrap();
    }
    let mut glog = b"Log file created at: 2026/11/20 06:00:00\nRunning on machine: m1\n".to_vec();
    for i in 0..400 {
        writeln!(
            glog,
            "I1120 06:{:02}:00.000000  9871 master.cpp:{i}] Received request {i}\r",
            i % 60
        )
        .unwrap();
        for c in 0..(i % 7) * 20 {
            writeln!(glog, "  continuation {c} of {i} \u{1b}[31m").unwrap();
        }
    }
    glog.extend_from_slice(b"I1120 07:00:00.000000  9871 master.cpp:1] bad \xff\xfe bytes\n");
    let mut mlx = Vec::new();
    for i in 0..30 {
        writeln!(
            mlx,
            "2026-11-20 06:01:{:02},745 - ERROR - request {i} failed",
            i % 60
        )
        .unwrap();
        writeln!(mlx, "Traceback (most recent call last):").unwrap();
        for f in 0..60 {
            writeln!(mlx, "  File \"/opt/venv/x{f}.py\", line {f}, in g\n    y()").unwrap();
        }
        writeln!(mlx, "RuntimeError: out of memory").unwrap();
    }
    // One record of more lines than the assembler keeps together.
    let mut runaway = b"2026-11-22 12:37:07,908\tINFO head.py:1 -- dump:\n".to_vec();
    for i in 0..5_500 {
        writeln!(runaway, "    line {i} of the dump").unwrap();
    }
    writeln!(runaway, "2026-11-22 12:37:08,000\tINFO head.py:2 -- after").unwrap();
    let mut long = b"2026-11-22 12:37:07,908\tINFO head.py:1 -- a long line ".to_vec();
    long.extend(std::iter::repeat_n(b'x', (1 << 20) + 70_000));
    long.extend_from_slice(b"\n2026-11-22 12:37:09,000\tINFO head.py:3 -- after the long line");
    vec![
        write(dir, "ray/session_latest/logs/worker-a.err", &ray),
        write(
            dir,
            "mesos/mesos-master.m1.root.log.INFO.20261120-060000.1",
            &glog,
        ),
        write(dir, "mlx/mlx-inf-01/mlx_lm.server.log", &mlx),
        write(dir, "ray/session_latest/logs/dashboard.log", &runaway),
        write(dir, "ray/session_latest/logs/dashboard_agent.log", &long),
    ]
}

#[test]
fn records_spanning_cuts_read_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = multiline_mix(dir.path());
    let reference = one_thread(&files);
    for parallelism in [
        Parallelism {
            threads: 2,
            piece_bytes: 2 << 10,
            warmup_head: 1 << 10,
            warmup_lead: 8 << 10,
        },
        starved_pieces(),
        Parallelism {
            threads: 4,
            piece_bytes: 300 << 10,
            ..Parallelism::default()
        },
    ] {
        let report = assert_same(&files, &reference, &parallelism);
        assert!(
            report.pieces > report.pieced_files,
            "{parallelism:?}: {report:?}"
        );
    }
}

#[test]
fn a_delivery_can_stop_the_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = multiline_mix(dir.path());
    let mut batches = 0;
    pipeline().read_files(
        &files,
        &starved_pieces(),
        || Lines(Vec::new()),
        |d| {
            if let Delivery::Batch { .. } = d {
                batches += 1;
                if batches == 3 {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        },
    );
    assert_eq!(batches, 3, "nothing is delivered after the stop");
}

#[test]
fn a_missing_file_is_reported_in_its_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = multiline_mix(dir.path());
    files.insert(1, dir.path().join("gone.log"));
    let reference = one_thread(&files);
    assert!(reference.files.iter().any(|(i, r)| *i == 1 && r.is_err()));
    assert_same(&files, &reference, &small_pieces());
}
