//! `sightline hunt`: decode files as `parse` does and run the rules over the
//! events, retrospectively. Alerts go to stdout, a summary to stderr.

use super::input::{DecodeArgs, progress_bar, total_bytes};
use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use sightline_detect::alert::group_text;
use sightline_detect::{Alert, Engine, EngineConfig, EventMatches, RuleMatcher};
use sightline_event::{Event, Timestamp};
use sightline_parse::{Delivery, Sink, discover};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    sightline hunt /tmp/ray/session_latest/logs\n  \
    sightline hunt --rules ./my-rules --rules builtin --since 24h /var/log/mesos\n  \
    sightline hunt --format table --min-level high ../shared/corpus/milvus/dev\n  \
    sightline hunt --config /etc/sightline/sightline.toml /var/log/ray   # the server's rules, redaction and enrichment\n\n\
    Times: RFC 3339 (2026-11-22T12:00:00Z), a date (2026-11-22, UTC midnight) or an age (90m, 24h, 7d: that long before now).")]
pub struct HuntArgs {
    /// Files or directories to read (recursively)
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Rules: `builtin` (the bundled pack), a rule file or a directory; repeat to combine [default: detect.rules of --config, else builtin]
    #[arg(long, short, value_name = "DIR|builtin")]
    rules: Vec<String>,

    /// Only events at or after this time
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    since: Option<Timestamp>,

    /// Only events before this time
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<Timestamp>,

    /// Output format
    #[arg(long, short, value_enum, default_value_t = Format::Jsonl)]
    format: Format,

    /// Leave out alerts below this level
    #[arg(long, value_enum, default_value_t = MinLevel::Informational)]
    min_level: MinLevel,

    /// Tuning file: disabled rules, level and suppression overrides, exceptions (docs/rules.md) [default: detect.tuning]
    #[arg(long, value_name = "FILE")]
    tuning: Option<PathBuf>,

    /// Directory of indicator lists for `%name%` placeholders (`NAME.txt` or `NAME.list`, one value per line; docs/operations.md) [default: detect.indicators]
    #[arg(long, value_name = "DIR")]
    indicators: Option<PathBuf>,

    #[command(flatten)]
    decode: DecodeArgs,

    /// No progress bar and no summary
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One JSON object per alert
    Jsonl,
    /// Aligned columns for reading
    Table,
    /// Comma-separated values with a header
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum MinLevel {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl MinLevel {
    fn admits(self, level: sightline_detect::rule::Level) -> bool {
        use sightline_detect::rule::Level as L;
        let min = match self {
            MinLevel::Informational => L::Informational,
            MinLevel::Low => L::Low,
            MinLevel::Medium => L::Medium,
            MinLevel::High => L::High,
            MinLevel::Critical => L::Critical,
        };
        level >= min
    }
}

/// Matches the hunt orders exactly by event time before applying them (about
/// 1 KiB each); a larger input is still processed, in bounded memory.
const MAX_PENDING: usize = 200_000;

/// Events matched per batch sent to the engine.
const BATCH_EVENTS: usize = 2048;

/// What a decoding thread sends the engine: the matches of the events in
/// the time range, in order, and how many events it read.
#[derive(Default)]
struct MatchBatch {
    matches: Vec<EventMatches>,
    events: u64,
}

/// Matches events against the rules where they are decoded.
struct Matching {
    matcher: RuleMatcher,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    batch: MatchBatch,
}

impl Sink for Matching {
    type Batch = MatchBatch;

    fn add(&mut self, ev: Event) {
        self.batch.events += 1;
        if self.since.is_some_and(|s| ev.timestamp < s)
            || self.until.is_some_and(|u| ev.timestamp >= u)
        {
            return;
        }
        self.batch.matches.push(self.matcher.matches(&ev));
    }

    fn take(&mut self, flush: bool) -> Option<MatchBatch> {
        let due = self.batch.matches.len() >= BATCH_EVENTS
            || self.batch.events >= BATCH_EVENTS as u64
            || (flush && self.batch.events > 0);
        due.then(|| std::mem::take(&mut self.batch))
    }
}

/// RFC 3339, a date, or an age before now (`24h`).
fn parse_time(s: &str) -> Result<Timestamp, String> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string());
    }
    if let Ok(secs) = sightline_detect::rule::parse_timespan(s) {
        let now = Timestamp::now().as_second();
        return Timestamp::from_second(now.saturating_sub(i64::try_from(secs).unwrap_or(i64::MAX)))
            .map_err(|e| e.to_string());
    }
    Err(format!(
        "`{s}` is no time: use RFC 3339 (2026-11-22T12:00:00Z), a date (2026-11-22) or an age (24h, 7d)"
    ))
}

pub fn run(args: HuntArgs) -> anyhow::Result<ExitCode> {
    if let (Some(s), Some(u)) = (args.since, args.until)
        && s >= u
    {
        bail!("--since ({s}) must be before --until ({u})");
    }
    // Rules, events and enrichment as the server would have them when
    // `--config` names its file; flags override.
    let config = args.decode.load_config()?;
    let sources = sightline_rules::Sources {
        rules: if args.rules.is_empty() {
            config.detect.rules.clone()
        } else {
            args.rules.clone()
        },
        tuning: args.tuning.clone().or_else(|| config.detect.tuning.clone()),
        indicators: args
            .indicators
            .clone()
            .or_else(|| config.detect.indicators.clone()),
    };
    let loaded = sightline_rules::load(&sources, Timestamp::now())?;
    for w in &loaded.warnings {
        eprintln!("sightline: tuning: {w}");
    }
    if loaded.disabled > 0 || loaded.exceptions > 0 {
        eprintln!(
            "sightline: tuning: {} rule(s) disabled, {} exception(s) in force",
            loaded.disabled, loaded.exceptions
        );
    }
    let errors = loaded.errors;
    for e in &errors {
        eprintln!("sightline: rule error: {e}");
    }
    let rules = loaded.rules;
    let pipeline = args.decode.pipeline(&config)?;
    let found = discover(&args.paths, pipeline.registry())?;
    if found.files.is_empty() {
        bail!("no log file found under {:?}", args.paths);
    }
    // Files are not ordered with each other: let the engine order matches
    // before it applies windows, so the result does not depend on file order.
    // The reorder buffer is bounded so memory stays flat on any input size;
    // beyond it the oldest matches are applied early (counted and reported).
    let config = EngineConfig {
        lateness_secs: u64::MAX,
        max_pending: MAX_PENDING,
        ..Default::default()
    };
    let mut engine = Engine::new(Arc::new(rules), config);
    let progress = progress_bar(total_bytes(&found.files), args.quiet);
    let started = Instant::now();
    let mut alerts = Vec::new();
    let (mut events, mut in_range, mut bytes, mut failed) = (0u64, 0u64, 0u64, 0usize);
    // Events are decoded and matched against the rules on every core; the
    // engine applies the matches here, in file and event order, as if one
    // thread had read the files in turn.
    let matcher = engine.matcher();
    let (since, until) = (args.since, args.until);
    pipeline.read_files(
        &found.files,
        &args.decode.parallelism(),
        || Matching {
            matcher: matcher.clone(),
            since,
            until,
            batch: MatchBatch::default(),
        },
        |delivery| {
            match delivery {
                Delivery::Batch { batch, .. } => {
                    events += batch.events;
                    for m in batch.matches {
                        in_range += 1;
                        engine.process_matches(m, &mut alerts);
                    }
                }
                Delivery::Read(n) => progress.inc(n),
                Delivery::File { result, .. } => match result {
                    Ok(read) => bytes += read.stats.bytes,
                    Err(e) => {
                        progress.suspend(|| eprintln!("sightline: {e}"));
                        failed += 1;
                    }
                },
            }
            ControlFlow::Continue(())
        },
    );
    engine.finish(&mut alerts);
    progress.finish_and_clear();
    alerts.retain(|a| args.min_level.admits(a.level));
    // Same inputs, same output: order by time, then rule, then group.
    alerts
        .sort_by(|a, b| (a.first_seen, &a.rule_id, &a.id).cmp(&(b.first_seen, &b.rule_id, &b.id)));
    write_alerts(&alerts, args.format).context("writing alerts to standard output")?;
    let secs = started.elapsed().as_secs_f64();
    let forced = engine.stats().forced_pending;
    if forced > 0 {
        eprintln!(
            "sightline: {forced} rule matches were applied before all earlier ones were seen (more than {MAX_PENDING} waiting); \
             windows spanning files may be incomplete: hunt fewer files or a shorter --since/--until range at a time"
        );
    }
    if !args.quiet {
        let mut by_level: BTreeMap<&str, usize> = BTreeMap::new();
        for a in &alerts {
            *by_level.entry(a.level.as_str()).or_default() += 1;
        }
        let stats = engine.stats();
        eprintln!(
            "{} files, {} events ({} in range), {:.1} MB in {:.2} s: {:.0} events/s, {:.1} MB/s; {} rule matches, {} alerts {:?}",
            found.files.len(),
            events,
            in_range,
            bytes as f64 / 1e6,
            secs,
            events as f64 / secs.max(1e-9),
            bytes as f64 / 1e6 / secs.max(1e-9),
            stats.matches,
            alerts.len(),
            by_level,
        );
    }
    Ok(if failed > 0 || !errors.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_alerts(alerts: &[Alert], format: Format) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match format {
        Format::Jsonl => {
            for a in alerts {
                writeln!(out, "{}", a.to_json())?;
            }
        }
        Format::Table => {
            writeln!(
                out,
                "{:<24} {:<8} {:>6}  {:<44} group",
                "first seen", "level", "count", "rule"
            )?;
            for a in alerts {
                let mut title = a.rule_name.clone();
                if title.chars().count() > 44 {
                    title = title.chars().take(43).collect::<String>() + "…";
                }
                writeln!(
                    out,
                    "{:<24} {:<8} {:>6}  {:<44} {}",
                    a.first_seen.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    a.level.as_str(),
                    a.count,
                    title,
                    group_text(&a.group)
                )?;
            }
        }
        Format::Csv => {
            writeln!(
                out,
                "first_seen,last_seen,level,rule_id,rule_name,count,group,summary"
            )?;
            for a in alerts {
                let fields = [
                    a.first_seen.to_string(),
                    a.last_seen.to_string(),
                    a.level.as_str().to_owned(),
                    a.rule_id.clone(),
                    a.rule_name.clone(),
                    a.count.to_string(),
                    group_text(&a.group),
                    a.summary.clone(),
                ];
                let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                writeln!(out, "{}", row.join(","))?;
            }
        }
    }
    out.flush()
}

/// RFC 4180 quoting; a leading formula character is prefixed so a
/// spreadsheet never evaluates attacker-controlled text.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
