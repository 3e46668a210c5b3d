//! Decoder for MLX: the `sightline.mlx/1` JSON-lines events of the Sightline
//! Python SDK, and the log `mlx_lm.server` writes itself (http.server access
//! lines, Python logging, warnings and tracebacks). Both may share a stream
//! (an app printing SDK events to the server's stderr), so every record is
//! routed by its own first byte.
//!
//! See docs/decoders/mlx.md for datasets, detection and the field mapping.

mod access;
mod detect;
mod json;
mod multiline;
mod sdk;
mod server;
mod shape;
mod traceback;
pub mod vocab;

use sightline_decode::{Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo};
use std::path::Path;

pub struct MlxSource;

impl Source for MlxSource {
    fn module(&self) -> &'static str {
        "mlx"
    }

    fn detect(&self, path: Option<&Path>, sample: &[&str]) -> u8 {
        detect::score(path, sample)
    }

    fn open(&self, stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(MlxDecoder::new(stream))
    }
}

/// What a stream is expected to hold, from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamKind {
    /// An SDK event file: free text in it is damage, not output.
    Sdk,
    /// A server log or an unknown stream: free text is ordinary stderr output.
    Text,
}

#[derive(Debug)]
pub struct MlxDecoder {
    kind: StreamKind,
    lines: multiline::Multiline,
}

impl MlxDecoder {
    fn new(stream: &StreamInfo) -> Self {
        let name = stream
            .path
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let sdk = name.contains("sightline-mlx")
            || name.contains("sightline_mlx")
            || name.ends_with(".jsonl")
            || name.ends_with(".ndjson");
        MlxDecoder {
            kind: if sdk {
                StreamKind::Sdk
            } else {
                StreamKind::Text
            },
            lines: multiline::Multiline::default(),
        }
    }
}

impl StreamDecoder for MlxDecoder {
    fn continues(&mut self, line: &str) -> bool {
        self.lines.continues(line)
    }

    fn carried_state(&self) -> Option<String> {
        Some(format!("{self:?}"))
    }

    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let text = record.text.trim_start_matches('\u{feff}');
        // In server output, a JSON print that is no SDK event is just output.
        let foreign_json = self.kind == StreamKind::Text
            && !text.contains("sightline.mlx/")
            && !text.contains("\"event\"");
        if text.starts_with('{') && !foreign_json {
            sdk::decode(record, ctx)
        } else {
            server::decode(record, ctx, self.kind == StreamKind::Text)
        }
    }
}
