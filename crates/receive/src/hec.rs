//! Splunk HTTP Event Collector: `/services/collector/event` (and
//! `/services/collector`) take concatenated JSON event objects,
//! `/services/collector/raw` takes raw lines.
//!
//! A request is accepted or refused whole: on an error nothing is kept, so a
//! sender that retries after fixing or dropping the bad event does not
//! produce duplicates of the good ones.

use crate::attrs::Attrs;
use crate::batch::{provenance, provenance_name, source_hint_for};
use crate::error::ReceiveError;
use crate::inbound::Inbound;
use crate::json::{bounded_fields, lossy_utf8};
use crate::limits::MAX_ITEMS;
use crate::lines::lines;
use crate::time::{epoch_seconds_f64, parse_datetime, parse_epoch_seconds_str};
use serde_json::{Map, Value, json};
use thiserror::Error;

/// Why a HEC request was refused; [`HecError::code`] is the HEC status code
/// and `event` the 0-based number of the offending event, reported to the
/// client as `invalid-event-number` like Splunk does.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HecError {
    #[error("No data: the request body is empty")]
    NoData,
    #[error("Invalid data format at event {event}: {reason}")]
    InvalidDataFormat { event: usize, reason: String },
    #[error("Event field is required (event {event})")]
    EventRequired { event: usize },
    #[error("Event field cannot be blank (event {event})")]
    EventBlank { event: usize },
    #[error("Error in handling indexed fields at event {event}: {reason}")]
    IndexedFields { event: usize, reason: String },
    #[error("Invalid data format: more than {limit} events in one request; send smaller batches")]
    TooManyEvents { limit: usize },
    /// The body could not be read (decompression failed or was too large).
    #[error(transparent)]
    Body(#[from] ReceiveError),
}

impl HecError {
    /// The HEC status code (`code` in the response).
    pub fn code(&self) -> u32 {
        match self {
            HecError::NoData => 5,
            HecError::InvalidDataFormat { .. } | HecError::TooManyEvents { .. } => 6,
            HecError::EventRequired { .. } => 12,
            HecError::EventBlank { .. } => 13,
            HecError::IndexedFields { .. } => 15,
            HecError::Body(_) => 6,
        }
    }

    /// The HTTP status Splunk answers with for this error.
    pub fn http_status(&self) -> u16 {
        match self {
            HecError::Body(ReceiveError::TooLarge { .. }) => 413,
            HecError::Body(ReceiveError::UnsupportedEncoding(_)) => 415,
            _ => 400,
        }
    }

    /// Splunk's fixed text for the code (`text` in the response).
    pub fn text(&self) -> &'static str {
        match self.code() {
            5 => "No data",
            12 => "Event field is required",
            13 => "Event field cannot be blank",
            15 => "Error in handling indexed fields",
            _ => "Invalid data format",
        }
    }

    /// The 0-based number of the event at fault, if one is.
    pub fn event(&self) -> Option<usize> {
        match self {
            HecError::InvalidDataFormat { event, .. }
            | HecError::EventRequired { event }
            | HecError::EventBlank { event }
            | HecError::IndexedFields { event, .. } => Some(*event),
            _ => None,
        }
    }
}

/// The response body: `{"text":"Success","code":0}`, or for an error
/// `{"text":..,"code":N,"invalid-event-number":i}` (the number only when an
/// event is at fault).
pub fn hec_response(error: Option<&HecError>) -> Value {
    match error {
        None => json!({"text": "Success", "code": 0}),
        Some(e) => {
            let mut body = json!({"text": e.text(), "code": e.code()});
            if let Some(n) = e.event() {
                body["invalid-event-number"] = json!(n);
            }
            body
        }
    }
}

/// Parses an event-endpoint body: JSON objects one after another, with or
/// without whitespace between them. Each record is in `batch_stream` at the
/// byte offset of its object (in the body with invalid UTF-8 replaced by
/// U+FFFD, which a retry of the same body replaces the same way).
pub fn hec_events(body: &[u8], batch_stream: &str) -> Result<Vec<Inbound>, HecError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(HecError::NoData);
    }
    let body = &*lossy_utf8(body);
    let mut out = Vec::new();
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    loop {
        let before = values.byte_offset();
        let Some(next) = values.next() else { break };
        let event = out.len();
        if event >= MAX_ITEMS {
            return Err(HecError::TooManyEvents { limit: MAX_ITEMS });
        }
        let value = next.map_err(|e| HecError::InvalidDataFormat {
            event,
            reason: e.to_string(),
        })?;
        let Value::Object(obj) = value else {
            return Err(HecError::InvalidDataFormat {
                event,
                reason: "expected a JSON object".to_owned(),
            });
        };
        let skipped = body[before..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        out.push(event_record(
            obj,
            event,
            batch_stream,
            (before + skipped) as u64,
        )?);
    }
    Ok(out)
}

fn event_record(
    mut obj: Map<String, Value>,
    event: usize,
    stream: &str,
    offset: u64,
) -> Result<Inbound, HecError> {
    let line = match obj.remove("event") {
        None => return Err(HecError::EventRequired { event }),
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::Object(o)) if !o.is_empty() => serde_json::to_string(&o).unwrap_or_default(),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
        Some(Value::Array(a)) if !a.is_empty() => serde_json::to_string(&a).unwrap_or_default(),
        Some(_) => return Err(HecError::EventBlank { event }),
    };
    let mut attrs = Attrs::default();
    let mut inbound = Inbound::whole(stream, offset, line, &mut attrs);
    inbound.time = obj.get("time").and_then(hec_time);
    let text = |k: &str| obj.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let meta = Meta {
        host: text("host"),
        source: text("source"),
        sourcetype: text("sourcetype"),
        index: text("index"),
    };
    meta.apply(&mut inbound, &mut attrs);
    match obj.remove("fields") {
        None | Some(Value::Null) => {}
        Some(Value::Object(fields)) => {
            if let Some((k, _)) = fields.iter().find(|(_, v)| v.is_object()) {
                return Err(HecError::IndexedFields {
                    event,
                    reason: format!("field {k:?} is an object; values must be strings or arrays"),
                });
            }
            let stated = |k: &str| fields.get(k).and_then(Value::as_str);
            if let Some(dataset) = stated("event.dataset") {
                let (module, dataset) =
                    provenance(stated("event.module"), Some(dataset), MODULE, DATASET);
                inbound.module = Some(module);
                inbound.dataset = Some(dataset);
            }
            let mut fields = fields;
            fields.remove("event.module");
            fields.remove("event.dataset");
            let mut cut = false;
            let fields = bounded_fields(fields, &mut cut);
            if cut {
                attrs.mark_dropped();
            }
            inbound.fields = (!fields.is_empty()).then_some(fields);
        }
        Some(_) => {
            return Err(HecError::IndexedFields {
                event,
                reason: "\"fields\" must be an object".to_owned(),
            });
        }
    }
    inbound.attributes = attrs.finish();
    Ok(inbound)
}

/// `time`: epoch seconds, number or string, with an optional fraction.
/// Unreadable times are ignored (the decoded line's own time, or the arrival
/// time, is used) rather than refusing the event.
fn hec_time(v: &Value) -> Option<jiff::Timestamp> {
    match v {
        Value::Number(n) => n.as_f64().and_then(epoch_seconds_f64),
        Value::String(s) => parse_epoch_seconds_str(s)
            .or_else(|| s.trim().parse::<f64>().ok().and_then(epoch_seconds_f64))
            .or_else(|| parse_datetime(s)),
        _ => None,
    }
}

/// Query parameters of `/services/collector/raw`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HecRawParams<'a> {
    pub host: Option<&'a str>,
    pub source: Option<&'a str>,
    pub sourcetype: Option<&'a str>,
    pub index: Option<&'a str>,
}

/// Parses a raw-endpoint body: one event per non-blank line, each with the
/// request's host/source/sourcetype/index, in `batch_stream` at the line's
/// byte offset. Invalid UTF-8 is replaced.
pub fn hec_raw(
    body: &[u8],
    params: &HecRawParams<'_>,
    batch_stream: &str,
) -> Result<Vec<Inbound>, HecError> {
    let meta = Meta {
        host: params.host.filter(|s| !s.is_empty()),
        source: params.source.filter(|s| !s.is_empty()),
        sourcetype: params.sourcetype.filter(|s| !s.is_empty()),
        index: params.index.filter(|s| !s.is_empty()),
    };
    let mut out = Vec::new();
    for line in lines(body) {
        if out.len() >= MAX_ITEMS {
            return Err(HecError::TooManyEvents { limit: MAX_ITEMS });
        }
        let mut attrs = Attrs::default();
        let text = String::from_utf8_lossy(line.bytes).into_owned();
        let mut inbound = Inbound::new(batch_stream, line.offset, text, &mut attrs);
        meta.apply(&mut inbound, &mut attrs);
        inbound.attributes = attrs.finish();
        out.push(inbound);
    }
    if out.is_empty() {
        return Err(HecError::NoData);
    }
    Ok(out)
}

/// HEC's per-event metadata, shared by both endpoints.
struct Meta<'a> {
    host: Option<&'a str>,
    source: Option<&'a str>,
    sourcetype: Option<&'a str>,
    index: Option<&'a str>,
}

/// What the receiver calls itself when the sender names no dataset: the
/// dataset is `hec.<sourcetype>`, or this without one.
const MODULE: &str = "hec";
const DATASET: &str = "hec.event";

impl Meta<'_> {
    fn apply(&self, inbound: &mut Inbound, attrs: &mut Attrs) {
        inbound.host = self.host.map(str::to_owned);
        inbound.module = Some(MODULE.to_owned());
        inbound.dataset = Some(
            self.sourcetype
                .and_then(provenance_name)
                .map_or_else(|| DATASET.to_owned(), |st| format!("{MODULE}.{st}")),
        );
        if let Some(source) = self.source {
            attrs.push("hec.source", source);
            // `source` is often a file path, but may be any label ("http:app").
            if looks_like_path(source) {
                inbound.path = Some(source.to_owned());
            }
        }
        if let Some(st) = self.sourcetype {
            attrs.push("hec.sourcetype", st);
            inbound.source_hint = source_hint_for(st).map(str::to_owned);
        }
        if let Some(index) = self.index {
            attrs.push("hec.index", index);
        }
    }
}

fn looks_like_path(s: &str) -> bool {
    let b = s.as_bytes();
    s.starts_with('/')
        || (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\')
}
