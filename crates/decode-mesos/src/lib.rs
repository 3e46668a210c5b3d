//! Decoder for Apache Mesos logs: master and agent glog files, and task
//! sandboxes (fetcher, executor and the task's own output).
//!
//! See docs/decoders/mesos.md for the formats, datasets and field mapping.

pub mod actions;
mod clock;
mod decoder;
mod detect;
mod msg;
pub mod naming;
mod output;
mod resources;
mod stream;
mod text;
mod wrapped;

use sightline_decode::{DecodeOptions, Source, StreamDecoder, StreamInfo};
use std::path::{Path, PathBuf};

/// The Mesos source.
pub struct MesosSource;

impl Source for MesosSource {
    fn module(&self) -> &'static str {
        "mesos"
    }

    fn detect(&self, path: Option<&Path>, sample: &[&str]) -> u8 {
        detect::score(path, sample)
    }

    fn redundant(&self, path: &Path, all: &[PathBuf]) -> bool {
        naming::redundant(path, all)
    }

    fn open(&self, stream: &StreamInfo, options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(decoder::MesosDecoder::new(stream, options))
    }
}
