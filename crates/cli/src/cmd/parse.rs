use super::input::{DecodeArgs, progress_bar, total_bytes};
use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use sightline_decode::{Event, StreamInfo};
use sightline_parse::{Pipeline, Registry, StreamStats, discover};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

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
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut write_err: Option<std::io::Error> = None;
    let format = args.format;
    let mut write = |ev: Event| {
        if write_err.is_some() {
            return;
        }
        let res = match format {
            Format::Jsonl => serde_json::to_writer(&mut out, &ev),
            Format::Ocsf => serde_json::to_writer(&mut out, &sightline_event::ocsf::to_ocsf(&ev)),
        }
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"));
        if let Err(e) = res {
            write_err = Some(e);
        }
    };

    let started = Instant::now();
    let mut per_key: BTreeMap<String, StreamStats> = BTreeMap::new();
    let mut failed = 0usize;
    let registry = Registry::default();
    for path in &found.files {
        let mut module = String::new();
        let res = pipeline.read_file(path, |ev| {
            if module.is_empty() {
                module = ev.module.to_string();
            }
            write(ev);
        });
        match res {
            Ok(stats) => {
                progress.inc(stats.bytes);
                let key = if args.per_file {
                    path.display().to_string()
                } else {
                    module_or_empty(&module)
                };
                *per_key.entry(key).or_default() += &stats;
            }
            Err(e) => {
                progress.suspend(|| eprintln!("sightline: {e}"));
                failed += 1;
            }
        }
    }
    if !stdin.is_empty() {
        let mut module = String::new();
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
                    write(ev);
                },
            )
            .context("reading standard input")?;
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
    drop(registry);

    let secs = started.elapsed().as_secs_f64();
    match (args.quiet, args.summary) {
        (true, _) | (_, Summary::None) => {}
        (_, Summary::Text) => print_summary(&per_key, &found.skipped, secs),
        (_, Summary::Json) => print_summary_json(&per_key, &found.skipped, secs),
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
