//! `sightline search`: the query language against a running server, or
//! directly against a stopped server's data directory.

use super::client::{Client, ServerArgs};
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    sightline search 'event.dataset:milvus.access AND event.outcome:failure' --from 24h\n  \
    sightline search '\"Failed password\" | timechart 1h' --from 7d\n  \
    sightline search 'event.module:ray | count by source.ip' --format table\n  \
    sightline search --data-dir ./sightline-data 'url.path:/api/jobs*' --limit 20\n\n\
    The query language is in docs/query.md. Times: RFC 3339, a date, `now`, or an age like 15m, 24h, 7d.\n\
    The platform's own records (audit log) are searched only when the query names them: 'event.dataset:sightline.audit'.")]
pub struct SearchArgs {
    /// The query (docs/query.md); empty or `*` for everything
    #[arg(default_value = "*")]
    query: String,

    /// From this time (default: 24 hours ago)
    #[arg(long, default_value = "24h")]
    from: String,

    /// Until this time [default: no end, so events dated in the future (tagged timestamp_future) are found too]
    #[arg(long)]
    to: Option<String>,

    /// Events per page
    #[arg(long, default_value_t = 100)]
    limit: usize,

    /// Only print how many events match
    #[arg(long)]
    count: bool,

    /// Oldest first (default: newest first)
    #[arg(long)]
    oldest_first: bool,

    /// Follow pages until this many events were printed (0 = one page)
    #[arg(long, default_value_t = 0)]
    max: usize,

    #[arg(long, short, value_enum, default_value_t = Format::Jsonl)]
    format: Format,

    /// Read a stopped server's data directory instead of asking a server
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Jsonl,
    Table,
}

pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    // Fail on a bad query before connecting anywhere, with the parser's message.
    sightline_query::parse(&args.query).map_err(|e| anyhow::anyhow!("invalid query: {e}"))?;
    let window = Window::new(&args)?;
    let fetch = Fetcher::new(&args)?;
    let mut cursor: Option<String> = None;
    let mut printed = 0usize;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    loop {
        let page = fetch.page(&args, &window, cursor.as_deref())?;
        if args.count {
            writeln!(out, "{}", page["total"].as_u64().unwrap_or(0))?;
            break;
        }
        if let Some(agg) = page.get("aggregation").filter(|a| !a.is_null()) {
            print_aggregation(&mut out, agg, args.format, &window)?;
            break;
        }
        let events = page["events"].as_array().cloned().unwrap_or_default();
        if printed == 0 && matches!(args.format, Format::Table) {
            writeln!(
                out,
                "{:<24} {:<18} {:<8} message",
                "@timestamp", "dataset", "outcome"
            )?;
        }
        for ev in &events {
            match args.format {
                Format::Jsonl => writeln!(out, "{ev}")?,
                Format::Table => {
                    let s = |k: &str| ev[k].as_str().unwrap_or("").to_owned();
                    let msg = s("message");
                    let msg: String = if msg.is_empty() {
                        s("event.original")
                    } else {
                        msg
                    }
                    .chars()
                    .take(120)
                    .collect();
                    writeln!(
                        out,
                        "{:<24} {:<18} {:<8} {}",
                        s("@timestamp"),
                        s("event.dataset"),
                        s("event.outcome"),
                        msg
                    )?;
                }
            }
        }
        printed += events.len();
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if args.max == 0 || printed >= args.max || cursor.is_none() || events.is_empty() {
            if printed == 0 {
                eprintln!(
                    "no events match (total {})",
                    page["total"].as_u64().unwrap_or(0)
                );
            } else if matches!(args.format, Format::Table) {
                eprintln!(
                    "{printed} of {} events",
                    page["total"].as_u64().unwrap_or(0)
                );
            }
            break;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The time range searched, resolved once so every page and every message
/// speak of the same instants.
struct Window {
    from: jiff::Timestamp,
    to: Option<jiff::Timestamp>,
}

impl Window {
    fn new(args: &SearchArgs) -> anyhow::Result<Window> {
        let now = jiff::Timestamp::now();
        let time = |s: &str| {
            sightline_query::parse_time(s, now).map_err(|e| anyhow::anyhow!("{s:?}: {e}"))
        };
        Ok(Window {
            from: time(&args.from)?,
            to: args.to.as_deref().map(time).transpose()?,
        })
    }

    /// "between A and B", or "since A" without an end.
    fn describe(&self) -> String {
        let t = |t: jiff::Timestamp| t.round(jiff::Unit::Second).unwrap_or(t).to_string();
        match self.to {
            Some(to) => format!("between {} and {}", t(self.from), t(to)),
            None => format!("since {}", t(self.from)),
        }
    }
}

enum Fetcher {
    Remote(Client),
    Local(Box<sightline_store::Store>),
}

impl Fetcher {
    fn new(args: &SearchArgs) -> anyhow::Result<Fetcher> {
        Ok(match &args.data_dir {
            Some(dir) => Fetcher::Local(Box::new(
                sightline_store::Store::open_read_only(dir)
                    .with_context(|| format!("opening the store in {}", dir.display()))?,
            )),
            None => Fetcher::Remote(Client::new(&args.server)?),
        })
    }

    fn page(
        &self,
        args: &SearchArgs,
        window: &Window,
        cursor: Option<&str>,
    ) -> anyhow::Result<serde_json::Value> {
        let limit = if args.count { 1 } else { args.limit };
        match self {
            Fetcher::Remote(c) => {
                let mut q = vec![
                    ("q", args.query.clone()),
                    ("from", window.from.to_string()),
                    ("limit", limit.to_string()),
                    (
                        "order",
                        if args.oldest_first { "asc" } else { "desc" }.to_owned(),
                    ),
                ];
                if let Some(to) = window.to {
                    q.push(("to", to.to_string()));
                }
                if let Some(c) = cursor {
                    q.push(("cursor", c.to_owned()));
                }
                c.get("/api/v1/search", &q)
            }
            Fetcher::Local(store) => {
                let query = sightline_query::parse(&args.query)
                    .map_err(|e| anyhow::anyhow!("invalid query: {e}"))?;
                // The same rule as the server's API: the platform's own
                // records only when the query names them.
                let query = sightline_server::platform::scoped(query);
                let opts = sightline_store::SearchOptions {
                    from: Some(window.from),
                    to: window.to,
                    limit,
                    cursor: cursor.map(str::to_owned),
                    newest_first: !args.oldest_first,
                };
                let result = store.search(&query, &opts)?;
                Ok(sightline_server::http::search_json(&result))
            }
        }
    }
}

fn print_aggregation(
    out: &mut impl Write,
    agg: &serde_json::Value,
    format: Format,
    window: &Window,
) -> std::io::Result<()> {
    if matches!(format, Format::Jsonl) {
        return writeln!(out, "{agg}");
    }
    let empty = |key: &str| agg[key].as_array().is_none_or(|a| a.is_empty());
    match agg["type"].as_str() {
        Some("count") => writeln!(out, "{}", agg["count"]),
        Some("timechart") if empty("buckets") => {
            writeln!(out, "no matches {}", window.describe())
        }
        Some(_) if agg.get("groups").is_some() && empty("groups") => {
            writeln!(out, "no matches {}", window.describe())
        }
        Some("timechart") => {
            let buckets = agg["buckets"].as_array().cloned().unwrap_or_default();
            let max = buckets
                .iter()
                .filter_map(|b| b["count"].as_u64())
                .max()
                .unwrap_or(0)
                .max(1);
            for b in &buckets {
                let n = b["count"].as_u64().unwrap_or(0);
                // A bar per bucket: people would rather look than read.
                let bar = "█".repeat(((n * 50).div_ceil(max)) as usize);
                writeln!(
                    out,
                    "{:<22} {:>9} {bar}",
                    b["start"].as_str().unwrap_or(""),
                    n
                )?;
            }
            Ok(())
        }
        _ => {
            let fields: Vec<String> = agg["fields"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            writeln!(out, "{:>9}  {}", "count", fields.join("  "))?;
            for g in agg["groups"].as_array().cloned().unwrap_or_default() {
                let vals: Vec<String> = fields
                    .iter()
                    .map(|f| g[f].as_str().unwrap_or("(none)").to_owned())
                    .collect();
                writeln!(
                    out,
                    "{:>9}  {}",
                    g["count"].as_u64().unwrap_or(0),
                    vals.join("  ")
                )?;
            }
            Ok(())
        }
    }
}
