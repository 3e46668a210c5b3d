//! Decoding throughput on the dev corpus (or the files given), decode only:
//! `cargo run --release -p sightline-decode-mesos --example throughput [--floor] [files...]`.
//! `--floor` runs a decoder that only parses the glog header into a bare
//! event, to show what the shared event machinery costs by itself.

use sightline_decode::{
    Assembler, Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo, glog,
};
use sightline_decode_mesos::MesosSource;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains(".log.INFO."))
        {
            out.push(p);
        }
    }
}

struct Floor;

impl StreamDecoder for Floor {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "mesos", "mesos.master");
        if let Some(g) = glog::parse(record.first_line()) {
            if let Some(ts) = g.datetime(2026).and_then(|dt| ctx.options.local_to_utc(dt)) {
                ctx.stamp(&mut ev, ts);
            }
            ev.message = g.message.to_owned();
        }
        ev
    }
}

fn main() {
    let floor = std::env::args().any(|a| a == "--floor");
    let mut files: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| a != "--floor")
        .map(PathBuf::from)
        .collect();
    if files.is_empty() {
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/mesos/dev"),
            &mut files,
        );
    }
    let data: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect();
    let bytes: usize = data.iter().map(|(_, t)| t.len()).sum();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let mut events = 0usize;
    let start = Instant::now();
    for _ in 0..rounds {
        for (path, text) in &data {
            let stream = StreamInfo::for_path(path);
            let opts = DecodeOptions::default();
            let decoder: Box<dyn StreamDecoder> = if floor {
                Box::new(Floor)
            } else {
                MesosSource.open(&stream, &opts)
            };
            let mut asm = Assembler::new(decoder, stream, Arc::new(opts));
            let mut offset = 0u64;
            for line in text.split_inclusive('\n') {
                events += asm
                    .push(line.trim_end_matches(['\n', '\r']), offset)
                    .is_some() as usize;
                offset += line.len() as u64;
            }
            events += asm.finish().is_some() as usize;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (bytes * rounds) as f64 / 1e6;
    println!(
        "{mb:.1} MB, {events} events in {secs:.2}s: {:.1} MB/s, {:.0} events/s",
        mb / secs,
        events as f64 / secs
    );
}
