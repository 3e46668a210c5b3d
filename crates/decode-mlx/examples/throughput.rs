//! Decoding throughput on a directory of MLX logs (default: the dev corpus):
//! `cargo run --release -p sightline-decode-mlx --example throughput [DIR]`.
//! Decoder and assembler only: no sanitizing, no output.

use sightline_decode::{
    Assembler, Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo,
};
use sightline_decode_mlx::MlxSource;
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
        } else if p.file_name().is_some_and(|n| n != "ground_truth.jsonl") {
            out.push(p);
        }
    }
}

/// The cost of the shared machinery alone (event ids, file fields): what a
/// decoder that parses nothing achieves, for comparison.
struct Baseline;

impl StreamDecoder for Baseline {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "mlx", "mlx.baseline");
        ev.message = record.text.to_owned();
        ev
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/mlx/dev")
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
    let bytes: usize = data.iter().map(|(_, t)| t.len()).sum();
    for (label, sdk, baseline) in [
        ("sdk jsonl", true, false),
        ("sdk jsonl, baseline", true, true),
        ("mlx_lm.server", false, false),
        ("mlx_lm.server, baseline", false, true),
    ] {
        let subset: Vec<&(PathBuf, String)> = data
            .iter()
            .filter(|(p, _)| p.extension().is_some_and(|e| e == "jsonl") == sdk)
            .collect();
        let size: usize = subset.iter().map(|(_, t)| t.len()).sum();
        let rounds = 5;
        let start = Instant::now();
        let mut events = 0usize;
        for _ in 0..rounds {
            for (path, text) in &subset {
                let stream = StreamInfo::for_path(path);
                let decoder: Box<dyn StreamDecoder> = if baseline {
                    Box::new(Baseline)
                } else {
                    MlxSource.open(&stream, &DecodeOptions::default())
                };
                let mut asm = Assembler::new(decoder, stream, Arc::new(DecodeOptions::default()));
                let mut offset = 0u64;
                for line in text.split_inclusive('\n') {
                    let l = line.strip_suffix('\n').unwrap_or(line);
                    events += usize::from(asm.push(l, offset).is_some());
                    offset += line.len() as u64;
                }
                events += usize::from(asm.finish().is_some());
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{label}: {:.1} MB in {:.3} s = {:.1} MB/s, {:.0} events/s",
            (size * rounds) as f64 / 1e6,
            secs,
            (size * rounds) as f64 / 1e6 / secs,
            events as f64 / secs
        );
    }
    println!("corpus total {:.1} MB", bytes as f64 / 1e6);
}
