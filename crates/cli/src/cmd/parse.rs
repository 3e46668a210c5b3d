use super::input::{DecodeArgs, progress_bar, total_bytes};
use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use sightline_decode::{Event, StreamInfo};
use sightline_parse::{Delivery, Pipeline, ReadReport, Sink, StreamStats, discover};
use std::collections::BTreeMap;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Output written per batch: large enough that writes are few, small enough
/// that the batches waiting for their turn stay a few MiB.
const BATCH_BYTES: usize = 256 << 10;

/// Events as output lines, serialized where they are decoded.
struct EventLines {
    format: Format,
    buf: Vec<u8>,
}

impl EventLines {
    fn new(format: Format) -> Self {
        EventLines {
            format,
            buf: Vec::with_capacity(BATCH_BYTES + (64 << 10)),
        }
    }
}

impl Sink for EventLines {
    type Batch = Vec<u8>;

    fn add(&mut self, ev: Event) {
        match self.format {
            Format::Jsonl => ev.write_json(&mut self.buf),
            Format::Ocsf => {
                // A JSON value serializes into memory without error.
                let _ = serde_json::to_writer(&mut self.buf, &sightline_event::ocsf::to_ocsf(&ev));
            }
        }
        self.buf.push(b'\n');
    }

    fn take(&mut self, flush: bool) -> Option<Vec<u8>> {
        let due = self.buf.len() >= BATCH_BYTES || (flush && !self.buf.is_empty());
        due.then(|| std::mem::replace(&mut self.buf, Vec::with_capacity(BATCH_BYTES + (64 << 10))))
    }
}

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    sightline parse /tmp/ray/session_latest/logs > events.jsonl\n  \
    sightline parse --source mesos /var/log/mesos\n  \
    tail -f app.log | sightline parse --source logfmt -\n  \
    sightline parse --format ocsf milvus_access.log\n  \
    sightline parse --config /etc/sightline/sightline.toml /var/log/ray   # redaction and enrichment as the server does")]
pub struct ParseArgs {
    /// Files or directories (read recursively); `-` reads standard input
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    decode: DecodeArgs,

    /// Output format
    #[arg(long, short, value_enum, default_value_t = Format::Jsonl)]
    format: Format,

    /// Summary per file instead of per source
    #[arg(long)]
    per_file: bool,

    /// Summary on stderr after reading: a table, one JSON object (for scripts), or nothing
    #[arg(long, value_enum, default_value_t = Summary::Text)]
    summary: Summary,

    /// No progress bar and no summary (same as `--summary none`)
    #[arg(long, short)]
    quiet: bool,

    /// Only list the files that would be read, with the source chosen for each, and the files skipped and why
    #[arg(long)]
    list: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Summary {
    Text,
    Json,
    None,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One flat ECS-style JSON object per line
    Jsonl,
    /// One OCSF 1.8.0 JSON object per line
    Ocsf,
}

pub fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let config = args.decode.load_config()?;
    let pipeline = args.decode.pipeline(&config)?;

    let (stdin, paths): (Vec<_>, Vec<_>) = args
        .paths
        .iter()
        .cloned()
        .partition(|p| p.as_os_str() == "-");
    if stdin.len() > 1 {
        bail!("`-` (standard input) can be given only once");
    }
    let found = if paths.is_empty() {
        Default::default()
    } else {
        discover(&paths, pipeline.registry())?
    };

    if args.list {
        return list_files(&pipeline, &found);
    }

    let progress = progress_bar(total_bytes(&found.files), args.quiet);

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut write_err: Option<std::io::Error> = None;
    let format = args.format;

    let started = Instant::now();
    let mut per_key: BTreeMap<String, StreamStats> = BTreeMap::new();
    let mut failed = 0usize;
    // Events are serialized on the decoding threads; this thread writes
    // their batches in file order.
    let parallelism = args.decode.parallelism();
    let report = pipeline.read_files(
        &found.files,
        &parallelism,
        || EventLines::new(format),
        |delivery| match delivery {
            Delivery::Batch { batch, .. } => match out.write_all(&batch) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    write_err = Some(e);
                    ControlFlow::Break(())
                }
            },
            Delivery::Read(bytes) => {
                progress.inc(bytes);
                ControlFlow::Continue(())
            }
            Delivery::File { file, result } => {
                match result {
                    Ok(read) => {
                        let key = if args.per_file {
                            found
                                .files
                                .get(file)
                                .map(|p| p.display().to_string())
                                .unwrap_or_default()
                        } else {
                            module_or_empty(read.first_module.as_deref().unwrap_or(""))
                        };
                        *per_key.entry(key).or_default() += &read.stats;
                    }
                    Err(e) => {
                        progress.suspend(|| eprintln!("sightline: {e}"));
                        failed += 1;
                    }
                }
                ControlFlow::Continue(())
            }
        },
    );
    if !stdin.is_empty() && write_err.is_none() {
        let mut module = String::new();
        let mut lines = EventLines::new(format);
        let stdin = std::io::stdin();
        let stats = pipeline
            .read(
                StreamInfo {
                    name: "-".into(),
                    ..Default::default()
                },
                stdin.lock(),
                |ev| {
                    if module.is_empty() {
                        module = ev.module.to_string();
                    }
                    lines.add(ev);
                    if write_err.is_none()
                        && let Some(batch) = lines.take(false)
                        && let Err(e) = out.write_all(&batch)
                    {
                        write_err = Some(e);
                    }
                },
            )
            .context("reading standard input")?;
        if write_err.is_none()
            && let Some(batch) = lines.take(true)
            && let Err(e) = out.write_all(&batch)
        {
            write_err = Some(e);
        }
        let key = if args.per_file {
            "-".to_string()
        } else {
            module_or_empty(&module)
        };
        *per_key.entry(key).or_default() += &stats;
    }
    progress.finish_and_clear();
    if let Some(e) = write_err {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e).context("writing events to standard output");
    }
    out.flush().context("writing events to standard output")?;

    let secs = started.elapsed().as_secs_f64();
    match (args.quiet, args.summary) {
        (true, _) | (_, Summary::None) => {}
        (_, Summary::Text) => print_summary(&per_key, &found.skipped, secs),
        (_, Summary::Json) => {
            print_summary_json(&per_key, &found.skipped, secs, parallelism.threads, &report)
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn list_files(
    pipeline: &Pipeline,
    found: &sightline_parse::Discovered,
) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    for path in &found.files {
        match pipeline.source_for_file(path) {
            Ok(source) => writeln!(out, "{:<8} {}", source.module(), path.display())?,
            Err(e) => {
                eprintln!("sightline: {e}");
                failed = true;
            }
        }
    }
    for (path, why) in &found.skipped {
        writeln!(out, "{:<8} {} ({why})", "skipped", path.display())?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary_json(
    per_key: &BTreeMap<String, StreamStats>,
    skipped: &[(PathBuf, String)],
    secs: f64,
    threads: usize,
    report: &ReadReport,
) {
    let mut total = StreamStats::default();
    let mut sources = serde_json::Map::new();
    for (k, s) in per_key {
        total += s;
        sources.insert(k.clone(), stats_json(s));
    }
    let summary = serde_json::json!({
        "seconds": secs,
        "total": stats_json(&total),
        "sources": sources,
        "threads": threads,
        "pieces": {"files": report.pieced_files, "pieces": report.pieces, "redone": report.pieces_redone},
        "skipped": skipped.iter().map(|(p, why)| serde_json::json!({"path": p.display().to_string(), "reason": why})).collect::<Vec<_>>(),
    });
    eprintln!("{summary}");
}

fn stats_json(s: &StreamStats) -> serde_json::Value {
    serde_json::json!({
        "lines": s.lines,
        "lines_in_events": s.lines_in_events,
        "bytes": s.bytes,
        "events": s.events,
        "parse_failures": s.parse_failures,
        "fallback": s.fallback,
        "redactions": s.redactions,
        "neutralized": s.neutralized,
        "indicator_matches": s.indicator_matches,
        "future": s.future,
        "decoded_ratio": s.decoded_ratio(),
        "datasets": s.datasets,
    })
}

fn module_or_empty(m: &str) -> String {
    if m.is_empty() {
        "(empty)".to_string()
    } else {
        m.to_string()
    }
}

fn print_summary(
    per_key: &BTreeMap<String, StreamStats>,
    skipped: &[(PathBuf, String)],
    secs: f64,
) {
    let mut total = StreamStats::default();
    let width = per_key.keys().map(String::len).max().unwrap_or(6).max(6);
    eprintln!(
        "{:<width$} {:>10} {:>10} {:>10} {:>9} {:>9} {:>12}",
        "source", "lines", "events", "failures", "fallback", "redacted", "bytes"
    );
    for (k, s) in per_key {
        eprintln!(
            "{:<width$} {:>10} {:>10} {:>10} {:>9} {:>9} {:>12}",
            k, s.lines, s.events, s.parse_failures, s.fallback, s.redactions, s.bytes
        );
        total += s;
    }
    let mbps = total.bytes as f64 / 1e6 / secs.max(1e-9);
    eprintln!(
        "{:<width$} {:>10} {:>10} {:>10} {:>9} {:>9} {:>12}   {:.1} MB/s, {:.0} events/s, {:.3}% decoded",
        "total",
        total.lines,
        total.events,
        total.parse_failures,
        total.fallback,
        total.redactions,
        total.bytes,
        mbps,
        total.events as f64 / secs.max(1e-9),
        total.decoded_ratio() * 100.0
    );
    if total.indicator_matches > 0 {
        eprintln!(
            "{} events hit an indicator list (tagged indicator_match)",
            total.indicator_matches
        );
    }
    if total.future > 0 {
        eprintln!(
            "sightline: warning: {} events are dated in the future (tagged timestamp_future): check --timezone and --year, or the clock of the hosts that wrote them",
            total.future
        );
    }
    if total.lines != total.lines_in_events {
        eprintln!(
            "sightline: warning: {} lines read but {} in events; please report this",
            total.lines, total.lines_in_events
        );
    }
    for (p, why) in skipped {
        eprintln!("skipped {}: {why}", p.display());
    }
}
