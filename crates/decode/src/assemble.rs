use crate::{Context, DecodeOptions, Record, StreamDecoder, StreamInfo};
use sightline_event::{Event, tags};
use std::sync::Arc;

/// Bounds on one record, so a stream that never starts a new record (or a
/// decoder that keeps saying "continues") cannot grow memory without limit.
/// A record that reaches a bound is emitted tagged `truncated` and the rest
/// follows in the next record: nothing is dropped.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_lines: u32,
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // Ray's OOM report is ~45 lines and its state dumps a few hundred;
        // 5000 lines / 4 MiB leaves room without letting a runaway grow.
        Limits {
            max_lines: 5000,
            max_bytes: 4 << 20,
        }
    }
}

/// What an [`Assembler`] carries into the lines it has not seen yet (see
/// [`Assembler::carried_state`]). Two assemblers of one stream with equal
/// carried states make the same events from the same following lines.
#[derive(Debug, Clone, PartialEq)]
pub struct CarriedState {
    decoder: String,
    pending: String,
    pending_offset: u64,
    pending_lines: u32,
    pending_is_tail: bool,
    last_timestamp: Option<sightline_event::Timestamp>,
}

/// Turns a stream's physical lines into events, one per record.
///
/// Every line pushed ends up in exactly one event: it either starts a record
/// or continues the pending one. Blank lines always continue the pending
/// record (they separate nothing in any format we read).
pub struct Assembler {
    decoder: Box<dyn StreamDecoder>,
    stream: StreamInfo,
    options: Arc<DecodeOptions>,
    limits: Limits,
    pending: String,
    pending_offset: u64,
    pending_lines: u32,
    /// The pending record continues one that was cut at a limit.
    pending_is_tail: bool,
    last_timestamp: Option<sightline_event::Timestamp>,
    emitted_lines: u64,
}

impl Assembler {
    pub fn new(
        decoder: Box<dyn StreamDecoder>,
        stream: StreamInfo,
        options: Arc<DecodeOptions>,
    ) -> Self {
        Assembler {
            decoder,
            stream,
            options,
            limits: Limits::default(),
            pending: String::new(),
            pending_offset: 0,
            pending_lines: 0,
            pending_is_tail: false,
            last_timestamp: None,
            emitted_lines: 0,
        }
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn stream(&self) -> &StreamInfo {
        &self.stream
    }

    /// Physical lines carried by the events emitted so far.
    pub fn emitted_lines(&self) -> u64 {
        self.emitted_lines
    }

    /// Whether a record is waiting for more lines (a tailer flushes it after a quiet period).
    pub fn has_pending(&self) -> bool {
        self.pending_lines > 0
    }

    /// Feeds one physical line, without its terminator, that starts at byte
    /// `offset`. Returns the event of the record this line completed, if any.
    pub fn push(&mut self, line: &str, offset: u64) -> Option<Event> {
        let mut out = None;
        if self.pending_lines > 0 {
            let full = self.pending_lines >= self.limits.max_lines
                || self.pending.len() + line.len() > self.limits.max_bytes;
            if full {
                out = Some(self.emit(true));
                self.pending_is_tail = true;
            } else if line.trim().is_empty() || self.decoder.continues(line) {
                self.pending.push('\n');
                self.pending.push_str(line);
                self.pending_lines += 1;
                return None;
            } else {
                out = Some(self.emit(false));
            }
        }
        self.pending.push_str(line);
        self.pending_offset = offset;
        self.pending_lines = 1;
        out
    }

    /// Everything that decides the events of the lines pushed from here on:
    /// the decoder's carried state, the pending record, and the time of the
    /// last timed record (untimed records borrow it). `None` when the
    /// decoder cannot tell ([`StreamDecoder::carried_state`]).
    pub fn carried_state(&self) -> Option<CarriedState> {
        Some(CarriedState {
            decoder: self.decoder.carried_state()?,
            pending: self.pending.clone(),
            pending_offset: self.pending_offset,
            pending_lines: self.pending_lines,
            pending_is_tail: self.pending_is_tail,
            last_timestamp: self.last_timestamp,
        })
    }

    /// Emits the pending record, if any (end of stream, or a tailer's timeout).
    pub fn finish(&mut self) -> Option<Event> {
        (self.pending_lines > 0).then(|| self.emit(false))
    }

    fn emit(&mut self, cut: bool) -> Event {
        let record = Record {
            text: &self.pending,
            offset: self.pending_offset,
            lines: self.pending_lines,
            truncated: cut || self.pending_is_tail,
        };
        let ctx = Context {
            stream: &self.stream,
            options: &self.options,
            last_timestamp: self.last_timestamp,
        };
        let ev = self.decoder.decode(&record, &ctx);
        if !ev.has_tag(tags::TIMESTAMP_INFERRED) {
            self.last_timestamp = Some(ev.timestamp);
        }
        self.emitted_lines += u64::from(self.pending_lines);
        self.pending.clear();
        self.pending_lines = 0;
        self.pending_is_tail = false;
        ev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines starting with a space continue the record.
    struct Indented;
    impl StreamDecoder for Indented {
        fn continues(&mut self, line: &str) -> bool {
            line.starts_with(' ')
        }
        fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
            let mut ev = ctx.new_event(record, "text", "text");
            ev.message = record.text.to_owned();
            ev.label("lines", record.lines.to_string());
            ev
        }
    }

    fn run(lines: &[&str], limits: Limits) -> Vec<Event> {
        let mut a = Assembler::new(
            Box::new(Indented),
            StreamInfo::for_path("/x.log"),
            Arc::default(),
        )
        .with_limits(limits);
        let mut out = Vec::new();
        let mut offset = 0u64;
        for l in lines {
            out.extend(a.push(l, offset));
            offset += l.len() as u64 + 1;
        }
        out.extend(a.finish());
        out
    }

    #[test]
    fn groups_continuations_and_keeps_every_line() {
        let evs = run(&["a", " b", "", " c", "d", "e", " f"], Limits::default());
        let texts: Vec<_> = evs.iter().map(|e| e.original.as_str()).collect();
        assert_eq!(texts, ["a\n b\n\n c", "d", "e\n f"]);
        assert_eq!(evs[0].get_i64("sightline.log.offset"), Some(0));
        assert_eq!(evs[1].get_i64("sightline.log.offset"), Some(9));
        assert!(evs[0].has_tag(tags::MULTILINE));
        assert!(!evs[1].has_tag(tags::MULTILINE));
    }

    #[test]
    fn a_runaway_record_is_cut_not_dropped() {
        let lines: Vec<String> = std::iter::once("head".to_string())
            .chain((0..10).map(|i| format!(" {i}")))
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let evs = run(
            &refs,
            Limits {
                max_lines: 4,
                max_bytes: 1 << 20,
            },
        );
        let total: usize = evs
            .iter()
            .map(|e| e.labels["lines"].parse::<usize>().unwrap())
            .sum();
        assert_eq!(total, 11);
        assert!(evs.iter().all(|e| e.has_tag(tags::TRUNCATED)));
    }
}
