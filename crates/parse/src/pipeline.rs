use crate::lines::Lines;
use crate::{PipelineConfig, Registry, SourceChoice, StreamStats};
use sightline_decode::{Assembler, DecodeOptions, Event, Source, StreamInfo, tags};
use sightline_sanitize::Sanitizer;
use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::lines::MAX_LINE_BYTES;

/// How many first lines detection looks at.
const SAMPLE_LINES: usize = 20;

/// Read buffer of files; also what source detection sees of a file's start.
const FILE_BUFFER: usize = 256 << 10;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source} (check that the file exists and is readable)")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ReadError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReadError + '_ {
        move |source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A file opened for reading: its reader (positioned at the start), the
/// source chosen for it and what is known about the stream.
pub(crate) struct OpenedFile<'p> {
    pub reader: BufReader<std::fs::File>,
    pub source: &'p dyn Source,
    pub stream: StreamInfo,
}

/// Reads streams into sanitized, enriched events.
pub struct Pipeline {
    registry: Registry,
    choice: SourceChoice,
    options: Arc<DecodeOptions>,
    config: Arc<PipelineConfig>,
}

impl Pipeline {
    /// Decoding and sanitizing only: no enrichment, the default tolerance
    /// for future timestamps.
    pub fn new(choice: SourceChoice, options: DecodeOptions, sanitizer: Sanitizer) -> Self {
        Pipeline::with_config(
            choice,
            Arc::new(PipelineConfig {
                options,
                sanitizer,
                ..PipelineConfig::default()
            }),
        )
    }

    /// The pipeline a configuration describes (shared, built once).
    pub fn with_config(choice: SourceChoice, config: Arc<PipelineConfig>) -> Self {
        Pipeline {
            registry: Registry::default(),
            choice,
            options: Arc::new(config.options.clone()),
            config,
        }
    }

    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Reads a file to its end, choosing its source as configured.
    pub fn read_file(
        &self,
        path: &Path,
        on_event: impl FnMut(Event),
    ) -> Result<StreamStats, ReadError> {
        let file = self.open_file(path)?;
        self.read_with(file.source, file.stream, file.reader, on_event)
            .map_err(ReadError::io(path))
    }

    /// Opens a file, chooses its source from its path and first lines, and
    /// says what the source's layout tells about its untimed records.
    pub(crate) fn open_file(&self, path: &Path) -> Result<OpenedFile<'_>, ReadError> {
        let io = ReadError::io(path);
        let file = std::fs::File::open(path).map_err(io)?;
        let modified = file
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| jiff::Timestamp::try_from(t).ok());
        let mut reader = BufReader::with_capacity(FILE_BUFFER, file);
        let source = self.choose(Some(path), reader.fill_buf().map_err(ReadError::io(path))?);
        let mut stream = StreamInfo::for_path(path);
        stream.untimed_base = source.untimed_base(path, &self.options);
        stream.modified = modified;
        Ok(OpenedFile {
            reader,
            source,
            stream,
        })
    }

    /// The options decoders are opened with.
    pub(crate) fn options(&self) -> &Arc<DecodeOptions> {
        &self.options
    }

    /// Reads any stream to its end, choosing its source as configured from
    /// the stream's path and first lines.
    pub fn read<R: BufRead>(
        &self,
        stream: StreamInfo,
        mut reader: R,
        on_event: impl FnMut(Event),
    ) -> std::io::Result<StreamStats> {
        let source = self.choose(stream.path.as_deref(), reader.fill_buf()?);
        self.read_with(source, stream, reader, on_event)
    }

    /// The source that will read a file, judged as [`Pipeline::read`] does
    /// (for `sightline parse --list`).
    pub fn source_for_file(&self, path: &Path) -> Result<&dyn Source, ReadError> {
        let file = std::fs::File::open(path).map_err(ReadError::io(path))?;
        let mut reader = BufReader::with_capacity(FILE_BUFFER, file);
        let head = reader.fill_buf().map_err(ReadError::io(path))?;
        Ok(self.choose(Some(path), head))
    }

    /// Chooses the source from the path and the first whole lines of `head`.
    fn choose(&self, path: Option<&Path>, head: &[u8]) -> &dyn Source {
        let sample_text = String::from_utf8_lossy(head);
        let mut sample: Vec<&str> = sample_text.lines().take(SAMPLE_LINES + 1).collect();
        // The last line of the buffer may be cut; only judge whole lines.
        if sample.len() > SAMPLE_LINES {
            sample.pop();
        }
        self.registry.choose(&self.choice, path, &sample)
    }

    /// Reads a stream with a given source.
    pub fn read_with<R: BufRead>(
        &self,
        source: &dyn Source,
        stream: StreamInfo,
        reader: R,
        mut on_event: impl FnMut(Event),
    ) -> std::io::Result<StreamStats> {
        self.read_until_stopped(source, stream, reader, &mut |ev| {
            on_event(ev);
            ControlFlow::Continue(())
        })
    }

    /// [`Pipeline::read_with`], stopping early when `on_event` says so.
    pub(crate) fn read_until_stopped<R: BufRead>(
        &self,
        source: &dyn Source,
        stream: StreamInfo,
        reader: R,
        on_event: &mut impl FnMut(Event) -> ControlFlow<()>,
    ) -> std::io::Result<StreamStats> {
        let decoder = source.open(&stream, &self.options);
        let mut lines = Lines::new(reader, stream.start_offset);
        let mut asm = Assembler::new(decoder, stream, self.options.clone());
        let mut stats = StreamStats::default();
        // Stopped early or not, the statistics say what was read.
        let _flow = self.feed(&mut asm, &mut lines, None, true, &mut stats, on_event)?;
        stats.lines_in_events = asm.emitted_lines();
        Ok(stats)
    }

    /// Pushes lines into `asm` up to the first line starting at or after
    /// `until` (the end of the stream when `None`), counting them in `stats`
    /// and passing the finished events on; with `finish`, the pending record
    /// too. `stats.lines_in_events` is left to the caller, who knows where
    /// its events began. Stops early when `on_event` says so.
    pub(crate) fn feed<R: BufRead>(
        &self,
        asm: &mut Assembler,
        lines: &mut Lines<R>,
        until: Option<u64>,
        finish: bool,
        stats: &mut StreamStats,
        on_event: &mut impl FnMut(Event) -> ControlFlow<()>,
    ) -> std::io::Result<ControlFlow<()>> {
        while until.is_none_or(|u| lines.offset() < u) {
            let Some(line) = lines.next_line()? else {
                break;
            };
            stats.lines += 1;
            stats.bytes += line.len;
            if let Some(ev) = asm.push(&line.text, line.offset)
                && on_event(self.finish_event(ev, stats)).is_break()
            {
                return Ok(ControlFlow::Break(()));
            }
        }
        if finish && let Some(ev) = asm.finish() {
            return Ok(on_event(self.finish_event(ev, stats)));
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Sanitizes and enriches one decoded event, checks its date, and counts it.
    pub(crate) fn finish_event(&self, mut ev: Event, stats: &mut StreamStats) -> Event {
        // The default host is text like any other: sanitized too.
        if let Some(host) = &self.config.default_host
            && ev.get(sightline_decode::field::HOST_NAME).is_none()
        {
            ev.set(sightline_decode::field::HOST_NAME, host.as_str());
        }
        let report = self.config.sanitizer.apply(&mut ev);
        stats.events += 1;
        stats.redactions += u64::from(report.redactions);
        if report.neutralized > 0 {
            stats.neutralized += 1;
        }
        if self.config.enricher.apply(&mut ev).indicator {
            stats.indicator_matches += 1;
        }
        if let Some(tolerance) = self.config.future_tolerance
            && is_future(&ev, tolerance)
        {
            ev.add_tag(tags::TIMESTAMP_FUTURE);
            stats.future += 1;
        }
        if ev.has_tag(tags::PARSE_FAILURE) {
            stats.parse_failures += 1;
        }
        if ev.module == "text" {
            stats.fallback += 1;
        }
        match stats.datasets.get_mut(ev.dataset.as_ref()) {
            Some(n) => *n += 1,
            None => {
                stats.datasets.insert(ev.dataset.to_string(), 1);
            }
        }
        ev
    }
}

/// Whether the event is dated beyond now plus `tolerance`.
fn is_future(ev: &Event, tolerance: std::time::Duration) -> bool {
    let limit = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::try_from(tolerance).unwrap_or(jiff::SignedDuration::MAX))
        .unwrap_or(jiff::Timestamp::MAX);
    ev.timestamp > limit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(config: PipelineConfig) -> (Vec<Event>, StreamStats) {
        let choice: SourceChoice = "json".parse().unwrap();
        let pipeline = Pipeline::with_config(choice, Arc::new(config));
        let text = "{\"@timestamp\":\"2020-01-01T00:00:00Z\",\"message\":\"past\"}\n\
                    {\"@timestamp\":\"2099-01-01T00:00:00Z\",\"message\":\"future\"}\n";
        let mut events = Vec::new();
        let stats = pipeline
            .read(StreamInfo::default(), text.as_bytes(), |e| events.push(e))
            .unwrap();
        (events, stats)
    }

    #[test]
    fn events_dated_beyond_the_tolerance_are_tagged_and_counted() {
        let (events, stats) = read(PipelineConfig::default());
        let future: Vec<bool> = events
            .iter()
            .map(|e| e.has_tag(tags::TIMESTAMP_FUTURE))
            .collect();
        assert_eq!(future, [false, true]);
        assert_eq!(stats.future, 1);
        assert_eq!(
            events[1].timestamp.to_string(),
            "2099-01-01T00:00:00Z",
            "the time is kept"
        );

        let (events, stats) = read(PipelineConfig {
            future_tolerance: None,
            ..PipelineConfig::default()
        });
        assert!(events.iter().all(|e| !e.has_tag(tags::TIMESTAMP_FUTURE)));
        assert_eq!(stats.future, 0);
    }

    #[test]
    fn the_default_host_is_set_before_enrichment() {
        let enricher = sightline_enrich::Enricher::from_lists(
            &[sightline_enrich::AssetEntry {
                host: "ray-head-*".into(),
                tags: vec!["prod".into()],
                labels: Default::default(),
            }],
            &Default::default(),
        );
        let (events, _) = read(PipelineConfig {
            enricher,
            default_host: Some("ray-head-1".into()),
            ..PipelineConfig::default()
        });
        assert!(events.iter().all(|e| e.has_tag("prod")), "{events:?}");
    }
}
