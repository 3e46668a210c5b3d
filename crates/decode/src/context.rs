use sightline_event::{Event, EventId, Timestamp, field, tags};
use std::borrow::Cow;
use std::path::PathBuf;

/// What is known about one stream before reading it.
#[derive(Debug, Clone, Default)]
pub struct StreamInfo {
    /// Stable stream identity used in event ids: the file path, `-` for stdin,
    /// or a receiver-chosen name.
    pub name: String,
    /// The log file, when the stream is one (`log.file.path`).
    pub path: Option<PathBuf>,
    /// The host that wrote it, when known from configuration or the path.
    pub host: Option<String>,
    /// A time the source's file layout gives for untimed records (a Ray
    /// worker's start, from its core-worker log): used before `modified`.
    pub untimed_base: Option<Timestamp>,
    /// The file's modification time: the last resort for records with no time.
    pub modified: Option<Timestamp>,
    /// Offset of the stream's first byte within its source (non-zero when a
    /// receiver hands over a piece of a file the agent already partly sent),
    /// so event ids derived from offsets stay stable across batches.
    pub start_offset: u64,
}

impl StreamInfo {
    pub fn for_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        StreamInfo {
            name: path.display().to_string(),
            path: Some(path),
            ..Default::default()
        }
    }
}

/// Assumptions for sources whose timestamps are incomplete. Documented in
/// docs/schema.md ("Time assumptions").
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Zone of timestamps written in local time without an offset (Ray, glog,
    /// RFC 3164, mlx_lm.server). Default UTC.
    pub timezone: jiff::tz::TimeZone,
    /// Year for timestamps without one (glog, RFC 3164) when the stream does
    /// not tell (glog headers and file names do). Default: the year of the
    /// file's modification time, else the current year.
    pub year: Option<i16>,
    /// JSON-lines field mapping: source key (dotted for nested keys) to event field.
    pub json_mapping: Vec<(String, String)>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            timezone: jiff::tz::TimeZone::UTC,
            year: None,
            json_mapping: Vec::new(),
        }
    }
}

impl DecodeOptions {
    /// Interprets a civil (wall-clock) time in the configured zone.
    pub fn local_to_utc(&self, dt: jiff::civil::DateTime) -> Option<Timestamp> {
        dt.to_zoned(self.timezone.clone())
            .ok()
            .map(|z| z.timestamp())
    }
}

/// One record: one or more physical lines that form one log entry.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The lines, joined with `\n`, without the final line terminator.
    pub text: &'a str,
    /// Byte offset of the first line in the stream.
    pub offset: u64,
    /// How many physical lines the record spans.
    pub lines: u32,
    /// The record hit the size limit and continues in the next record.
    pub truncated: bool,
}

impl<'a> Record<'a> {
    /// The first physical line.
    pub fn first_line(&self) -> &'a str {
        self.text.split('\n').next().unwrap_or("")
    }

    /// The lines after the first, if any.
    pub fn rest(&self) -> Option<&'a str> {
        self.text.split_once('\n').map(|(_, r)| r)
    }

    /// The text without trailing blank lines and whitespace.
    pub fn body(&self) -> &'a str {
        self.text.trim_end()
    }
}

/// What a decoder may know while decoding one record.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub stream: &'a StreamInfo,
    pub options: &'a DecodeOptions,
    /// Time of the previous record of this stream that carried one.
    pub last_timestamp: Option<Timestamp>,
}

impl<'a> Context<'a> {
    /// Starts the event for a record: id, raw text, file and offset, host, and
    /// a provisional timestamp (the previous record's, else the stream's
    /// untimed base, else the file's modification time, else now) tagged
    /// `timestamp_inferred` (and `timestamp_unanchored` for the last two)
    /// until the decoder calls [`Context::stamp`].
    pub fn new_event(
        &self,
        record: &Record<'_>,
        module: impl Into<Cow<'static, str>>,
        dataset: impl Into<Cow<'static, str>>,
    ) -> Event {
        let id = EventId::derive(&self.stream.name, record.offset, record.text.as_bytes());
        let anchored = self.last_timestamp.or(self.stream.untimed_base);
        let ts = anchored
            .or(self.stream.modified)
            .unwrap_or_else(Timestamp::now);
        let mut ev = Event::new(id, ts, module, dataset, record.text);
        ev.add_tag(tags::TIMESTAMP_INFERRED);
        if anchored.is_none() {
            ev.add_tag(tags::TIMESTAMP_UNANCHORED);
        }
        if record.lines > 1 {
            ev.add_tag(tags::MULTILINE);
        }
        if record.truncated {
            ev.add_tag(tags::TRUNCATED);
        }
        if let Some(path) = &self.stream.path {
            ev.set(field::LOG_FILE_PATH, path.display().to_string());
            ev.set(field::SIGHTLINE_LOG_OFFSET, record.offset);
        }
        if let Some(host) = &self.stream.host {
            ev.set(field::HOST_NAME, host.as_str());
        }
        ev
    }

    /// Sets the event's time from the record itself.
    pub fn stamp(&self, ev: &mut Event, ts: Timestamp) {
        ev.timestamp = ts;
        ev.tags
            .retain(|t| t != tags::TIMESTAMP_INFERRED && t != tags::TIMESTAMP_UNANCHORED);
    }
}
