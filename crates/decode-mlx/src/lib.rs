//! Decoder for Mlx logs.

use sightline_decode::{Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo};
use std::path::Path;

pub struct MlxSource;

impl Source for MlxSource {
    fn module(&self) -> &'static str {
        "mlx"
    }

    fn detect(&self, _path: Option<&Path>, _sample: &[&str]) -> u8 {
        0
    }

    fn open(&self, _stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(MlxDecoder)
    }
}

struct MlxDecoder;

impl StreamDecoder for MlxDecoder {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "mlx", "mlx");
        ev.message = record.text.to_owned();
        ev.mark_parse_failure("decoder not written yet");
        ev
    }
}
