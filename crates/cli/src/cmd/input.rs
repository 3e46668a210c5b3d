//! What `parse` and `hunt` share: how files are decoded (source, time
//! assumptions, host) and the progress bar over the bytes to read.

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sightline_decode::DecodeOptions;
use sightline_parse::{Pipeline, SourceChoice};
use sightline_sanitize::Sanitizer;
use std::io::IsTerminal;

#[derive(Args, Clone)]
pub struct DecodeArgs {
    /// Which decoder reads the input: `auto` recognizes each file from its path and first lines
    #[arg(long, short, default_value = "auto", value_parser = parse_choice)]
    pub source: SourceChoice,

    /// Time zone of timestamps written without one (Ray, glog, RFC 3164), e.g. Europe/Berlin
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    pub timezone: String,

    /// Year of timestamps written without one (glog, RFC 3164) when the file does not say
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i16>,

    /// `host.name` for events whose source does not name the host
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
}

fn parse_choice(s: &str) -> Result<SourceChoice, String> {
    s.parse()
}

impl DecodeArgs {
    /// The decoding pipeline these options describe.
    pub fn pipeline(&self) -> anyhow::Result<Pipeline> {
        let timezone = jiff::tz::TimeZone::get(&self.timezone).with_context(|| {
            format!(
                "unknown time zone {:?}; use an IANA name such as UTC or Europe/Berlin",
                self.timezone
            )
        })?;
        let options = DecodeOptions {
            timezone,
            year: self.year,
            ..Default::default()
        };
        Ok(Pipeline::new(
            self.source.clone(),
            options,
            Sanitizer::default(),
        ))
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
