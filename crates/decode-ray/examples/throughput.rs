//! Decoding throughput over the Ray corpus, file by file as the pipeline
//! reads it (no I/O in the timed part):
//! `cargo run --release -p sightline-decode-ray --example throughput [DIR] [ROUNDS]`

use sightline_decode::{Assembler, DecodeOptions, Source, StreamInfo};
use sightline_decode_ray::RaySource;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for p in rd.filter_map(|e| e.ok().map(|e| e.path())) {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/ray/dev/logs")
    });
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(50);
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let data: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| {
            std::fs::read(&p)
                .ok()
                .map(|b| (p, String::from_utf8_lossy(&b).into_owned()))
        })
        .collect();
    let bytes: usize = data.iter().map(|(_, t)| t.len()).sum();
    let opts = Arc::new(DecodeOptions::default());
    let start = Instant::now();
    let mut events = 0u64;
    for _ in 0..rounds {
        for (path, text) in &data {
            let stream = StreamInfo::for_path(path);
            let mut asm = Assembler::new(RaySource.open(&stream, &opts), stream, opts.clone());
            let mut offset = 0u64;
            for line in text.split('\n') {
                events += u64::from(asm.push(line, offset).is_some());
                offset += line.len() as u64 + 1;
            }
            events += u64::from(asm.finish().is_some());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (bytes * rounds) as f64 / 1e6;
    println!(
        "{mb:.1} MB in {secs:.2} s: {:.1} MB/s, {:.0} events/s",
        mb / secs,
        events as f64 / secs
    );
}
