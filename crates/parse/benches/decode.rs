//! Per-line hot paths: decoding (with sanitizing, as every event gets it)
//! of real lines of each format, through the same `Pipeline` that
//! `sightline parse` uses, from memory. `cargo bench -p sightline-parse`.
//!
//! Throughput is reported in bytes/s and items (lines)/s by divan.

use divan::counter::{BytesCount, ItemsCount};
use sightline_decode::{DecodeOptions, StreamInfo};
use sightline_parse::{Pipeline, SourceChoice};
use sightline_sanitize::Sanitizer;

fn main() {
    divan::main();
}

/// (bench name, source, the stream path the decoder sees, the fixture)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "ray_dashboard",
        "ray",
        "/tmp/ray/session_x/logs/dashboard.log",
        include_str!("lines/ray-dashboard.log"),
    ),
    (
        "ray_raylet",
        "ray",
        "/tmp/ray/session_x/logs/raylet.out",
        include_str!("lines/ray-raylet.out"),
    ),
    (
        "mesos_master",
        "mesos",
        "/var/log/mesos/mesos-master.m1.root.log.INFO.20261120-060000.1",
        include_str!("lines/mesos-master.log.INFO"),
    ),
    (
        "milvus_text",
        "milvus",
        "/var/lib/milvus/logs/proxy-7.log",
        include_str!("lines/milvus-proxy.log"),
    ),
    (
        "milvus_json",
        "milvus",
        "/var/lib/milvus/logs/proxy-5.log",
        include_str!("lines/milvus-proxy-json.log"),
    ),
    (
        "milvus_access",
        "milvus",
        "/var/lib/milvus/access/milvus_access.log",
        include_str!("lines/milvus_access.log"),
    ),
    (
        "mlx_events",
        "mlx",
        "/var/log/mlx/sightline-mlx.jsonl",
        include_str!("lines/sightline-mlx.jsonl"),
    ),
    (
        "mlx_server",
        "mlx",
        "/var/log/mlx/mlx_lm.server.log",
        include_str!("lines/mlx_lm.server.log"),
    ),
    (
        "syslog",
        "syslog",
        "/var/log/syslog",
        include_str!("lines/syslog.log"),
    ),
    (
        "logfmt",
        "logfmt",
        "/var/log/app.logfmt",
        include_str!("lines/app.logfmt"),
    ),
    (
        "json",
        "json",
        "/var/log/app.json",
        include_str!("lines/app.json"),
    ),
    (
        "text",
        "text",
        "/var/log/app.txt",
        include_str!("lines/syslog.log"),
    ),
];

fn names() -> Vec<&'static str> {
    CASES.iter().map(|c| c.0).collect()
}

#[divan::bench(args = names())]
fn decode(bencher: divan::Bencher, name: &str) {
    let Some(&(_, source, path, text)) = CASES.iter().find(|c| c.0 == name) else {
        return;
    };
    let choice: SourceChoice = source.parse().unwrap_or(SourceChoice::Auto);
    let pipeline = Pipeline::new(choice, DecodeOptions::default(), Sanitizer::default());
    let lines = text.lines().count();
    bencher
        .counter(BytesCount::new(text.len()))
        .counter(ItemsCount::new(lines))
        .bench(|| {
            let mut n = 0usize;
            pipeline
                .read(StreamInfo::for_path(path), text.as_bytes(), |ev| {
                    n += ev.message.len()
                })
                .map(|_| n)
        });
}

/// The same input, also serialized to JSON as `sightline parse` writes it.
#[divan::bench(args = names())]
fn decode_and_serialize(bencher: divan::Bencher, name: &str) {
    let Some(&(_, source, path, text)) = CASES.iter().find(|c| c.0 == name) else {
        return;
    };
    let choice: SourceChoice = source.parse().unwrap_or(SourceChoice::Auto);
    let pipeline = Pipeline::new(choice, DecodeOptions::default(), Sanitizer::default());
    let mut out = Vec::with_capacity(text.len() * 4);
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            out.clear();
            pipeline.read(StreamInfo::for_path(path), text.as_bytes(), |ev| {
                let _ = serde_json::to_writer(&mut out, &ev);
                out.push(b'\n');
            })
        });
}
