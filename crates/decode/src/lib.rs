//! The decoder interface.
//!
//! A [`Source`] (one per system: Ray, Mesos, ...) recognizes streams it can
//! read and opens a [`StreamDecoder`] for each. The [`Assembler`] feeds it
//! physical lines, asks it which lines continue a multi-line record, and hands
//! it whole [`Record`]s to turn into [`Event`]s. Decoders never fail: a record
//! they cannot read becomes an event tagged `parse_failure` with the reason.
//!
//! This crate does no I/O; reading files and sockets is the caller's job.

mod assemble;
mod context;
pub mod glog;
pub mod helpers;

pub use assemble::{Assembler, CarriedState, Limits};
pub use context::{Context, DecodeOptions, Record, StreamInfo};
pub use sightline_event::{Event, Outcome, Timestamp, Value, field, tags};

use std::path::Path;

/// One log-producing system, and the knowledge of how to read its streams.
pub trait Source: Send + Sync {
    /// `event.module` of the events it produces (`ray`, `mesos`, ...).
    fn module(&self) -> &'static str;

    /// How sure the source is that a stream is its own, from the path and the
    /// first lines: 0 means "not mine", 100 "certainly mine". Auto-detection
    /// picks the highest score.
    fn detect(&self, path: Option<&Path>, sample: &[&str]) -> u8;

    /// Whether discovery should skip `path` because other files in `all`
    /// already hold its lines (glog's WARNING/ERROR files repeat the INFO
    /// file's lines). Asked of every source for every discovered file, so the answer must
    /// come from the source's own naming conventions.
    fn redundant(&self, path: &Path, all: &[std::path::PathBuf]) -> bool {
        let _ = (path, all);
        false
    }

    /// Opens a decoder for one stream (a file, a socket peer, stdin).
    fn open(&self, stream: &StreamInfo, options: &DecodeOptions) -> Box<dyn StreamDecoder>;

    /// A time for the untimed records of the file at `path`, better than the
    /// file's modification time (which a copy, an archive or a clone resets),
    /// found from the source's own layout: a Ray worker's stdout borrows the
    /// start of the worker's core-worker log. Asked by file readers only;
    /// None keeps the modification time. Events stamped this way are tagged
    /// `timestamp_inferred` but not `timestamp_unanchored`.
    fn untimed_base(&self, path: &Path, options: &DecodeOptions) -> Option<jiff::Timestamp> {
        let _ = (path, options);
        None
    }
}

/// Decodes the records of one stream. Holds per-stream state (the glog year,
/// the current Ray job of a worker file...).
pub trait StreamDecoder: Send {
    /// Whether `line` continues the record started by earlier lines rather
    /// than starting a new one. Only asked when a record is pending.
    fn continues(&mut self, line: &str) -> bool {
        let _ = line;
        false
    }

    /// Turns one whole record into an event. Must not panic on any input.
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event;

    /// Everything the decoder carries from one line or record to the next
    /// (the glog year, a Ray worker's current job, whether a traceback is
    /// open...), as text two decoders of the same stream compare by: equal
    /// text means equal events from the same lines on.
    ///
    /// Readers that decode a long file in pieces on several threads start
    /// each piece with a fresh decoder, warmed up on the file's first lines
    /// and the lines just before the piece, and keep the piece's events only
    /// when this state (with the [`Assembler`]'s) equals that of the decoder
    /// that read up to the piece; otherwise the piece is decoded again, in
    /// order. The answer must therefore cover every field that can change
    /// an event (the `Debug` text of the whole decoder does). `None` (the
    /// default) means the decoder cannot tell, and its files are read whole
    /// by one thread.
    fn carried_state(&self) -> Option<String> {
        None
    }
}
