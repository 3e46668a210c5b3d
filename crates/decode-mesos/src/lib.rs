//! Decoder for Mesos logs.

use sightline_decode::{Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo};
use std::path::Path;

pub struct MesosSource;

impl Source for MesosSource {
    fn module(&self) -> &'static str {
        "mesos"
    }

    fn detect(&self, _path: Option<&Path>, _sample: &[&str]) -> u8 {
        0
    }

    fn open(&self, _stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(MesosDecoder)
    }
}

struct MesosDecoder;

impl StreamDecoder for MesosDecoder {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "mesos", "mesos");
        ev.message = record.text.to_owned();
        ev.mark_parse_failure("decoder not written yet");
        ev
    }
}
