//! What `parse` and `hunt` share: how files are decoded (source, the
//! configuration file's pipeline settings, time assumptions, host) and the
//! progress bar over the bytes to read.

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sightline_parse::{Parallelism, Pipeline, SourceChoice};
use sightline_server::config::Config;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Clone)]
pub struct DecodeArgs {
    /// Which decoder reads the input: `auto` recognizes each file from its path and first lines
    #[arg(long, short, default_value = "auto", value_parser = parse_choice)]
    pub source: SourceChoice,

    /// The server's configuration file: decode events with its [decode], [redaction] and [enrich] settings, as the server does
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Time zone of timestamps written without one (Ray, glog, RFC 3164), e.g. Europe/Berlin [default: decode.timezone, else UTC]
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// Year of timestamps written without one (glog, RFC 3164) when the file does not say [default: decode.year]
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i16>,

    /// `host.name` for events whose source does not name the host
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    /// Decoding threads: files, and pieces of long files, are decoded in parallel; output order and content do not depend on it [default: one per core]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,

    /// Files of at least twice this size are decoded in pieces of about this size (tuning and tests)
    #[arg(long, value_name = "BYTES", hide = true)]
    pub piece_bytes: Option<u64>,
}

fn parse_choice(s: &str) -> Result<SourceChoice, String> {
    s.parse()
}

impl DecodeArgs {
    /// The configuration file given with `--config` (every syntax and type
    /// problem at once), or the defaults.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        match &self.config {
            Some(path) => Ok(Config::load(path)?),
            None => Ok(Config::default()),
        }
    }

    /// The decoding pipeline of the configuration's `[decode]`,
    /// `[redaction]` and `[enrich]` tables (the server's), with
    /// `--timezone` and `--year` on top: built once, shared by every file.
    pub fn pipeline(&self, config: &Config) -> anyhow::Result<Pipeline> {
        let mut pipeline = config.pipeline().map_err(|e| match &self.config {
            Some(path) => anyhow::anyhow!("{}: invalid:\n{e}", path.display()),
            None => anyhow::anyhow!("{e}"),
        })?;
        if let Some(zone) = &self.timezone {
            pipeline.options.timezone = jiff::tz::TimeZone::get(zone).with_context(|| {
                format!("unknown time zone {zone:?}; use an IANA name such as UTC or Europe/Berlin")
            })?;
        }
        if let Some(year) = self.year {
            pipeline.options.year = Some(year);
        }
        pipeline.default_host = self.host.clone();
        Ok(Pipeline::with_config(
            self.source.clone(),
            Arc::new(pipeline),
        ))
    }
}

impl DecodeArgs {
    /// How many threads decode, and how long files are cut.
    pub fn parallelism(&self) -> Parallelism {
        let mut p = Parallelism::default();
        if let Some(n) = self.threads {
            p.threads = usize::from(n);
        }
        if let Some(b) = self.piece_bytes {
            p.piece_bytes = b.max(1);
        }
        p
    }
}

/// Total size of the files, for the progress bar.
pub fn total_bytes(files: &[std::path::PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// A progress bar over bytes on stderr, hidden when quiet or not a terminal.
pub fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
