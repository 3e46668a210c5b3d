use sightline_decode::{Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo};
use std::path::Path;

pub struct SyslogSource;

impl Source for SyslogSource {
    fn module(&self) -> &'static str {
        "syslog"
    }

    fn detect(&self, _path: Option<&Path>, _sample: &[&str]) -> u8 {
        0
    }

    fn open(&self, _stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(SyslogDecoder)
    }
}

struct SyslogDecoder;

impl StreamDecoder for SyslogDecoder {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "syslog", "syslog");
        ev.message = record.text.to_owned();
        ev.mark_parse_failure("decoder not written yet");
        ev
    }
}
