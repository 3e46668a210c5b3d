//! Decoder for Ray logs.

use sightline_decode::{Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo};
use std::path::Path;

pub struct RaySource;

impl Source for RaySource {
    fn module(&self) -> &'static str {
        "ray"
    }

    fn detect(&self, _path: Option<&Path>, _sample: &[&str]) -> u8 {
        0
    }

    fn open(&self, _stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(RayDecoder)
    }
}

struct RayDecoder;

impl StreamDecoder for RayDecoder {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "ray", "ray");
        ev.message = record.text.to_owned();
        ev.mark_parse_failure("decoder not written yet");
        ev
    }
}
