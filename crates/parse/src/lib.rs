//! From files and streams to sanitized events.
//!
//! [`discover`] expands paths into the log files to read, [`Registry`]
//! picks the source that reads each one (or honours an explicit choice), and
//! [`Pipeline`] reads lines, assembles records, decodes, sanitizes and
//! enriches them, and counts what happened in [`StreamStats`]. `sightline
//! parse`, `hunt` and the server all read through here, configured by one
//! [`PipelineConfig`], so they agree on every event.

mod config;
mod discover;
mod lines;
mod parallel;
mod piece;
mod pipeline;
mod registry;
mod stats;

pub use config::{DEFAULT_FUTURE_TOLERANCE, PipelineConfig};
pub use discover::{DiscoverError, Discovered, discover};
pub use parallel::{Delivery, FileRead, Parallelism, ReadReport, Sink};
pub use pipeline::{MAX_LINE_BYTES, Pipeline, ReadError};
pub use registry::{Registry, SourceChoice};
pub use stats::StreamStats;
