//! Sightline agent batches (`POST /api/v1/ingest`): JSON lines, each either
//! a record object or a raw log line.

use crate::attrs::Attrs;
use crate::error::ReceiveError;
use crate::inbound::Inbound;
use crate::limits::MAX_ITEMS;
use crate::lines::{Line, lines};
use crate::time::parse_datetime;
use serde_json::{Map, Value};

/// Parses an agent batch.
///
/// A line that is a JSON object with a string `line` is a record:
/// `{"stream": "/var/log/ray/raylet.out", "offset": 1234, "line": "...",
/// "source": "ray", "host": "...", "path": "...", "time": "RFC 3339",
/// "labels": {"k": "v"}}` (all but `line` optional). The agent's own
/// (stream, offset) is kept, so the event id is the same as if the file had
/// been read locally. Any other line is taken raw, in `default_stream` at
/// its byte offset in the body. Invalid UTF-8 is replaced, never refused.
pub fn native_batch(body: &[u8], default_stream: &str) -> Result<Vec<Inbound>, ReceiveError> {
    let mut out = Vec::new();
    for Line {
        offset, bytes: raw, ..
    } in lines(body)
    {
        if out.len() >= MAX_ITEMS {
            return Err(ReceiveError::TooManyItems { limit: MAX_ITEMS });
        }
        let record = record_object(raw);
        out.push(match record {
            Some(obj) => from_object(obj, default_stream, offset),
            None => raw_line(raw, default_stream, offset),
        });
    }
    Ok(out)
}

/// The line as a record object, when it is one with a string `line`.
fn record_object(raw: &[u8]) -> Option<Map<String, Value>> {
    if raw.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Object(obj)) if matches!(obj.get("line"), Some(Value::String(_))) => Some(obj),
        _ => None,
    }
}

fn raw_line(raw: &[u8], stream: &str, offset: u64) -> Inbound {
    let mut attrs = Attrs::default();
    let line = String::from_utf8_lossy(raw).into_owned();
    let mut inbound = Inbound::new(stream, offset, line, &mut attrs);
    inbound.attributes = attrs.finish();
    inbound
}

fn from_object(mut obj: Map<String, Value>, default_stream: &str, offset: u64) -> Inbound {
    let text = |obj: &mut Map<String, Value>, key: &str| match obj.remove(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    };
    let line = text(&mut obj, "line").unwrap_or_default();
    let stream = text(&mut obj, "stream");
    // The agent's offset only means something in the agent's stream.
    let offset = match (&stream, obj.get("offset").and_then(Value::as_u64)) {
        (Some(_), Some(o)) => o,
        _ => offset,
    };
    let mut attrs = Attrs::default();
    let mut inbound = Inbound::new(
        stream.as_deref().unwrap_or(default_stream),
        offset,
        line,
        &mut attrs,
    );
    inbound.source_hint = text(&mut obj, "source");
    inbound.host = text(&mut obj, "host");
    inbound.path = text(&mut obj, "path");
    inbound.time = text(&mut obj, "time").and_then(|t| parse_datetime(&t));
    if let Some(Value::Object(labels)) = obj.get("labels") {
        crate::json::flatten_object("", labels, &mut attrs);
    }
    inbound.attributes = attrs.finish();
    inbound
}
