use sightline_decode::{Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo};
use std::path::Path;

/// The fallback: every line is an event whose message is the line. Always
/// valid, never a parse failure; its timestamp is inferred from the stream.
pub struct TextSource;

impl Source for TextSource {
    fn module(&self) -> &'static str {
        "text"
    }

    /// The lowest non-zero score: chosen only when nothing else claims the stream.
    fn detect(&self, _path: Option<&Path>, _sample: &[&str]) -> u8 {
        1
    }

    fn open(&self, _stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(TextDecoder)
    }
}

struct TextDecoder;

impl StreamDecoder for TextDecoder {
    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "text", "text");
        ev.message = record.body().to_owned();
        ev
    }

    /// Nothing is carried from one record to the next.
    fn carried_state(&self) -> Option<String> {
        Some(String::new())
    }
}
