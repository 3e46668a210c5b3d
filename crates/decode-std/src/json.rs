use sightline_decode::{Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo};
use std::path::Path;

pub struct JsonSource;

impl Source for JsonSource {
    fn module(&self) -> &'static str {
        "json"
    }

    fn detect(&self, _path: Option<&Path>, _sample: &[&str]) -> u8 {
        0
    }

    fn open(&self, _stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(JsonDecoder)
    }
}

struct JsonDecoder;

impl StreamDecoder for JsonDecoder {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "json", "json");
        ev.message = record.text.to_owned();
        ev.mark_parse_failure("decoder not written yet");
        ev
    }
}
