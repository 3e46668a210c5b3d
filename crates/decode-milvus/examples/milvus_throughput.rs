//! Decoding throughput on a directory of Milvus logs (default: the dev
//! corpus), per format:
//! `cargo run --release -p sightline-decode-milvus --example milvus_throughput [DIR]`.
//! Decoder and assembler only: no sanitizing, no output. A baseline that
//! parses nothing shows the cost of the shared machinery (event ids, file fields).

use sightline_decode::{
    Assembler, Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo,
};
use sightline_decode_milvus::MilvusSource;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "log") {
            out.push(p);
        }
    }
}

struct Baseline;

impl StreamDecoder for Baseline {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "milvus", "milvus.baseline");
        ev.message = record.text.to_owned();
        ev
    }
}

/// Which format a file holds, by its first line.
fn format_of(text: &str) -> &'static str {
    let first = text.lines().next().unwrap_or("");
    if first.contains("] [ACCESS] <") {
        "access log"
    } else if first.starts_with('{') {
        "main log, JSON"
    } else if first.starts_with('[') {
        "main log, text"
    } else {
        "glog / other"
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/milvus/dev")
        });
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    let data: Vec<(PathBuf, String)> = paths
        .into_iter()
        .filter_map(|p| {
            std::fs::read(&p)
                .ok()
                .map(|b| (p, String::from_utf8_lossy(&b).into_owned()))
        })
        .collect();
    for fmt in [
        "access log",
        "main log, text",
        "main log, JSON",
        "glog / other",
    ] {
        let subset: Vec<&(PathBuf, String)> =
            data.iter().filter(|(_, t)| format_of(t) == fmt).collect();
        let size: usize = subset.iter().map(|(_, t)| t.len()).sum();
        if size == 0 {
            continue;
        }
        for baseline in [false, true] {
            let rounds = 5;
            let start = Instant::now();
            let mut events = 0usize;
            for _ in 0..rounds {
                for (path, text) in &subset {
                    let stream = StreamInfo::for_path(path);
                    let decoder: Box<dyn StreamDecoder> = if baseline {
                        Box::new(Baseline)
                    } else {
                        MilvusSource.open(&stream, &DecodeOptions::default())
                    };
                    let mut asm =
                        Assembler::new(decoder, stream, Arc::new(DecodeOptions::default()));
                    let mut offset = 0u64;
                    for line in text.split_inclusive('\n') {
                        let l = line.strip_suffix('\n').unwrap_or(line);
                        let l = l.strip_suffix('\r').unwrap_or(l);
                        events += usize::from(asm.push(l, offset).is_some());
                        offset += line.len() as u64;
                    }
                    events += usize::from(asm.finish().is_some());
                }
            }
            let secs = start.elapsed().as_secs_f64();
            let mb = (size * rounds) as f64 / 1e6;
            println!(
                "{fmt:<16}{}: {:>8.1} MB/s  {:>9.0} events/s  ({} files, {:.1} MB)",
                if baseline {
                    " (baseline)"
                } else {
                    "           "
                },
                mb / secs,
                events as f64 / secs,
                subset.len(),
                size as f64 / 1e6
            );
        }
    }
}
