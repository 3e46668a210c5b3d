//! Prints, for events in JSON lines (as `sightline parse` prints them), which
//! detection rules match each event, and the alerts correlation rules raise.
//! The differential test against pySigma (crates/detect/tests/pysigma/diff.py)
//! compares this output with what pySigma's SQLite backend selects.
//!
//! `match_jsonl [--placeholders FILE.json] RULES_DIR EVENTS.jsonl`
//!
//! Output, one JSON object per line:
//! * `{"loaded": "<key>", "kind": "detection" | "correlation"}` for every rule that
//!   compiled (a rule with errors is missing here; its errors are on stderr);
//! * `{"rule": "<id, else name, else title>", "event.id": "<id>"}` for every
//!   (detection rule, event) match, including rules that only feed a
//!   correlation (they do not alert on their own, but they match);
//! * `{"correlation": "<id>", "group": {...}, "count": N}` for every alert of a
//!   correlation rule, after the whole file has been processed.
//!
//! Rule load errors and unreadable event lines go to stderr with their
//! location; they do not stop the run, so the caller can compare what loaded.
//! `FILE.json` maps placeholder names to values for `|expand`:
//! `{"Admins": ["root", "admin"]}`.

use serde_json::json;
use sightline_detect::{CompileOptions, Engine, EngineConfig, RuleSetBuilder, Scratch};
use sightline_event::Event;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

type Error = Box<dyn std::error::Error>;

struct Args {
    placeholders: Option<PathBuf>,
    rules_dir: PathBuf,
    events: PathBuf,
}

fn parse_args() -> Result<Args, Error> {
    let mut placeholders = None;
    let mut positional = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--placeholders" {
            let file = args.next().ok_or("--placeholders needs a file")?;
            placeholders = Some(PathBuf::from(file));
        } else {
            positional.push(PathBuf::from(a));
        }
    }
    match <[PathBuf; 2]>::try_from(positional) {
        Ok([rules_dir, events]) => Ok(Args {
            placeholders,
            rules_dir,
            events,
        }),
        Err(_) => {
            Err("usage: match_jsonl [--placeholders FILE.json] RULES_DIR EVENTS.jsonl".into())
        }
    }
}

fn read_placeholders(path: &Path) -> Result<BTreeMap<String, Vec<String>>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read placeholders {}: {e}", path.display()))?;
    let map = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a JSON object of string lists: {e}", path.display()))?;
    Ok(map)
}

fn main() -> Result<(), Error> {
    let args = parse_args()?;
    if !args.rules_dir.is_dir() {
        return Err(format!("{}: not a directory", args.rules_dir.display()).into());
    }
    let mut options = CompileOptions::default();
    if let Some(p) = &args.placeholders {
        options.placeholders = read_placeholders(p)?;
    }
    let file = std::fs::File::open(&args.events)
        .map_err(|e| format!("cannot open {}: {e}", args.events.display()))?;
    let mut builder = RuleSetBuilder::new().with_options(options);
    builder.add_dir(&args.rules_dir);
    let (rules, errors) = builder.build();
    for e in &errors {
        eprintln!("rule error: {e}");
    }
    let rules = Arc::new(rules);
    let mut out = BufWriter::new(std::io::stdout().lock());
    for r in &rules.rules {
        writeln!(
            out,
            "{}",
            json!({"loaded": r.meta.key(), "kind": "detection"})
        )?;
    }
    for c in &rules.correlations {
        writeln!(
            out,
            "{}",
            json!({"loaded": c.meta.key(), "kind": "correlation"})
        )?;
    }
    let mut engine = Engine::new(
        Arc::clone(&rules),
        // The events are not in time order (samples of several files): buffer
        // every match until the end so correlation windows see them sorted.
        EngineConfig {
            lateness_secs: u64::MAX,
            max_pending: usize::MAX,
            ..Default::default()
        },
    );
    let mut scratch = Scratch::default();
    let mut matched = Vec::new();
    let mut alerts = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let ev = match Event::from_json(&line) {
            Ok(ev) => ev,
            Err(e) => {
                eprintln!("{}:{}: {e}", args.events.display(), n + 1);
                continue;
            }
        };
        rules.matches(&ev, &mut scratch, &mut matched);
        let id = ev.id.to_string();
        for &r in &matched {
            if let Some(rule) = rules.rules.get(r) {
                writeln!(out, "{}", json!({"rule": rule.meta.key(), "event.id": id}))?;
            }
        }
        engine.process(&ev, &mut alerts);
    }
    engine.finish(&mut alerts);
    // Only correlation alerts: detection matches were printed per event above.
    let correlations: std::collections::BTreeSet<&str> =
        rules.correlations.iter().map(|c| c.meta.key()).collect();
    for a in alerts
        .iter()
        .filter(|a| correlations.contains(a.rule_id.as_str()))
    {
        writeln!(
            out,
            "{}",
            json!({"correlation": a.rule_id, "group": a.group, "count": a.count})
        )?;
    }
    out.flush()?;
    Ok(())
}
