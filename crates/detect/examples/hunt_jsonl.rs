//! Runs rules over events in JSON lines (as `sightline parse` prints them) and
//! prints alerts as JSON lines; timing goes to stderr.
//!
//! `cargo run --release -p sightline-detect --example hunt_jsonl -- RULES_DIR EVENTS.jsonl`

use sightline_detect::{Engine, EngineConfig, RuleSetBuilder};
use sightline_event::Event;
use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(rules_dir), Some(events_path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: hunt_jsonl RULES_DIR EVENTS.jsonl");
        std::process::exit(2);
    };
    let mut builder = RuleSetBuilder::new();
    builder.add_dir(std::path::Path::new(rules_dir));
    let (rules, errors) = builder.build();
    for e in &errors {
        eprintln!("{e}");
    }
    eprintln!("{:?}", rules.stats);
    let mut engine = Engine::new(
        Arc::new(rules),
        // Files are not ordered across each other: buffer matches until the end.
        EngineConfig {
            lateness_secs: u64::MAX,
            max_pending: usize::MAX,
            ..Default::default()
        },
    );
    let reader = BufReader::new(std::fs::File::open(events_path)?);
    let mut events = Vec::new();
    let mut bytes = 0usize;
    for line in reader.lines() {
        let line = line?;
        if let Ok(ev) = Event::from_json(&line) {
            bytes += ev.original.len();
            events.push(ev);
        }
    }
    let start = Instant::now();
    let mut alerts = Vec::new();
    for ev in &events {
        engine.process(ev, &mut alerts);
    }
    engine.finish(&mut alerts);
    let secs = start.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    for a in &alerts {
        writeln!(out, "{}", a.to_json())?;
    }
    eprintln!(
        "{} events, {} alerts, {:.3} s, {:.0} events/s, {:.1} MB/s of raw records; {:?}",
        events.len(),
        alerts.len(),
        secs,
        events.len() as f64 / secs,
        bytes as f64 / secs / 1e6,
        engine.stats()
    );
    Ok(())
}
