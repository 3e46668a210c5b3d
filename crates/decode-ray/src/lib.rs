//! Decoder for the logs of a Ray session (`/tmp/ray/session_*/logs/`), as
//! described in `specs/ray-logs.md`: C++ component logs (GCS, raylet, core
//! workers), Python component logs with the dashboard's HTTP access log,
//! job driver and worker output, events and export events, structured JSON
//! logs. See docs/decoders/ray.md for the datasets and field mapping.

mod access;
mod context;
mod cpp;
mod decoder;
mod detect;
mod events;
pub mod fields;
mod header;
mod ids;
mod jsonlog;
mod layout;
mod oom;
mod output;
mod python;
mod traceback;

use sightline_decode::{DecodeOptions, Source, StreamDecoder, StreamInfo};
use std::path::Path;

pub use decoder::RayDecoder;

/// The Ray source: recognizes Ray session log files and opens decoders for them.
pub struct RaySource;

impl Source for RaySource {
    fn module(&self) -> &'static str {
        "ray"
    }

    fn detect(&self, path: Option<&Path>, sample: &[&str]) -> u8 {
        detect::score(path, sample)
    }

    fn open(&self, stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(RayDecoder::new(layout::classify(stream.path.as_deref())))
    }

    fn untimed_base(&self, path: &Path, options: &DecodeOptions) -> Option<jiff::Timestamp> {
        layout::worker_start(path, options)
    }
}
