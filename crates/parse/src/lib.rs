//! From files and streams to sanitized events.
//!
//! [`discover`] expands paths into the log files to read, [`Registry`]
//! picks the source that reads each one (or honours an explicit choice), and
//! [`Pipeline`] reads lines, assembles records, decodes and sanitizes them,
//! and counts what happened in [`StreamStats`]. `sightline parse`, `hunt`
//! and the agent all read through here so they agree on every event.

mod discover;
mod pipeline;
mod registry;
mod stats;

pub use discover::{DiscoverError, Discovered, discover};
pub use pipeline::{Pipeline, ReadError};
pub use registry::{Registry, SourceChoice};
pub use stats::StreamStats;
