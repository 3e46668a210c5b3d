//! How events are made, the same everywhere: the decode options (time zone
//! and year of timestamps that omit them), the sanitizer (redaction
//! settings), the enricher (asset tags, indicator lists) and the tolerance
//! for timestamps in the future. `sightline parse`, `sightline hunt` and the
//! server build one [`PipelineConfig`] from the same configuration file, so
//! a hunt over files sees the events the server would store.

use sightline_decode::DecodeOptions;
use sightline_enrich::Enricher;
use sightline_sanitize::Sanitizer;
use std::time::Duration;

/// Events dated more than this after the moment they are read are tagged
/// `timestamp_future` unless configured otherwise (clocks drift, and
/// senders batch, by seconds; a wrong zone or year moves events by hours).
pub const DEFAULT_FUTURE_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Everything that shapes an event between its raw line and its storage.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub options: DecodeOptions,
    pub sanitizer: Sanitizer,
    pub enricher: Enricher,
    /// Events dated later than the read time plus this are tagged
    /// `timestamp_future` and counted; `None` turns the check off (for
    /// replays that re-date events afterwards).
    pub future_tolerance: Option<Duration>,
    /// `host.name` for events that name no host (`--host`), set before
    /// enrichment so asset entries match it.
    pub default_host: Option<String>,
}

impl Default for PipelineConfig {
    /// UTC, the built-in redaction, no enrichment, 5 minutes of tolerance.
    fn default() -> Self {
        PipelineConfig {
            options: DecodeOptions::default(),
            sanitizer: Sanitizer::default(),
            enricher: Enricher::default(),
            future_tolerance: Some(DEFAULT_FUTURE_TOLERANCE),
            default_host: None,
        }
    }
}
