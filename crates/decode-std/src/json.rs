//! JSON lines: one JSON object per line, mapped by [`crate::keymap`].

use crate::keymap::{self, Pair, Val};
use serde_json::{Map, Value as J};
use sightline_decode::{
    Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo, field,
};
use std::borrow::Cow;
use std::path::Path;

pub const MODULE: &str = "json";
/// Dataset of lines that name no service.
pub const DATASET_DEFAULT: &str = "json.log";
/// Nesting deeper than this is kept as JSON text in one label.
const MAX_DEPTH: usize = 8;
/// Leaves read from one line; the rest is dropped (and the event tagged).
const MAX_PAIRS: usize = 512;

pub struct JsonSource;

impl Source for JsonSource {
    fn module(&self) -> &'static str {
        MODULE
    }

    /// 30 when at least half the sample lines are JSON objects: above logfmt
    /// and text, below the systems whose own decoders recognize their JSON.
    /// A `.json`/`.jsonl`/`.ndjson` file starting with `{` scores 20 even when
    /// its objects span lines.
    fn detect(&self, path: Option<&Path>, sample: &[&str]) -> u8 {
        let lines: Vec<&str> = sample
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        let objects = lines.iter().filter(|l| is_object_line(l)).count();
        if !lines.is_empty() && objects * 2 >= lines.len() {
            return 30;
        }
        let json_name = path
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "json" | "jsonl" | "ndjson"));
        if json_name && lines.first().is_some_and(|l| l.starts_with('{')) {
            return 20;
        }
        0
    }

    fn open(&self, _stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(JsonDecoder)
    }
}

fn is_object_line(l: &str) -> bool {
    l.starts_with('{') && l.ends_with('}') && serde_json::from_str::<Map<String, J>>(l).is_ok()
}

struct JsonDecoder;

impl StreamDecoder for JsonDecoder {
    /// A JSON-lines record is one line. Lines that start with whitespace or a
    /// closing bracket continue it: pretty-printed objects, and tracebacks
    /// printed after a JSON line.
    fn continues(&mut self, line: &str) -> bool {
        line.starts_with([' ', '\t', '}', ']'])
    }

    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        decode_json(record, ctx)
    }

    /// Nothing is carried from one record to the next.
    fn carried_state(&self) -> Option<String> {
        Some(String::new())
    }
}

fn decode_json(record: &Record<'_>, ctx: &Context<'_>) -> Event {
    let body = record.body().trim_start();
    let mut trailer = None;
    let parsed = match serde_json::from_str::<J>(body) {
        Ok(v) => Ok(v),
        // A JSON line followed by indented text (a traceback): the first line
        // is the event, the rest its stack trace.
        Err(e) => match record.rest() {
            Some(rest) => match serde_json::from_str::<J>(record.first_line()) {
                Ok(v) => {
                    trailer = Some(rest.trim_end());
                    Ok(v)
                }
                Err(_) => Err(e),
            },
            None => Err(e),
        },
    };
    let mut ev = ctx.new_event(record, MODULE, DATASET_DEFAULT);
    let obj = match parsed {
        Ok(J::Object(obj)) => obj,
        Ok(_) => {
            ev.message = record.body().to_owned();
            ev.mark_parse_failure("JSON value is not an object");
            return ev;
        }
        Err(e) => {
            ev.message = record.body().to_owned();
            ev.mark_parse_failure(format!("invalid JSON: {e}"));
            return ev;
        }
    };
    let mut pairs = Vec::with_capacity(obj.len());
    let mut truncated = false;
    flatten(&obj, "", 0, &mut pairs, &mut truncated);
    let mapped = keymap::apply(&mut ev, &pairs, ctx, truncated);
    if !mapped.has_message {
        ev.message = body.to_owned();
    }
    if let Some(t) = trailer
        && !t.is_empty()
    {
        if ev.fields.contains_key(field::ERROR_STACK_TRACE) {
            ev.label("trailer", t);
        } else {
            ev.set(field::ERROR_STACK_TRACE, t);
        }
    }
    if let Some(svc) = ev.get_str(field::SERVICE_NAME).and_then(dataset_suffix) {
        ev.dataset = Cow::Owned(format!("{MODULE}.{svc}"));
    }
    ev
}

/// Turns a service name into a dataset suffix: lower case, `[a-z0-9_-]`
/// (anything else becomes `_`), at most 48 characters. None if nothing is left.
pub fn dataset_suffix(service: &str) -> Option<String> {
    let s: String = service
        .trim()
        .chars()
        .take(48)
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '-') => c,
            _ => '_',
        })
        .collect();
    let s = s.trim_matches('_');
    (!s.is_empty()).then(|| s.to_owned())
}

/// Flattens an object into dotted keys. Objects deeper than [`MAX_DEPTH`]
/// stay whole as JSON text; past [`MAX_PAIRS`] leaves the rest is dropped.
/// Either sets `truncated`.
fn flatten<'a>(
    obj: &'a Map<String, J>,
    prefix: &str,
    depth: usize,
    out: &mut Vec<Pair<'a>>,
    truncated: &mut bool,
) {
    for (k, v) in obj {
        if out.len() >= MAX_PAIRS {
            *truncated = true;
            return;
        }
        let k = if k.is_empty() { "_" } else { k.as_str() };
        let key: Cow<'a, str> = if prefix.is_empty() {
            Cow::Borrowed(k)
        } else {
            Cow::Owned(format!("{prefix}.{k}"))
        };
        let val = match v {
            J::Object(inner) if inner.is_empty() => continue,
            J::Object(inner) => {
                if depth + 1 >= MAX_DEPTH {
                    *truncated = true;
                    Val::Object(v.to_string())
                } else {
                    flatten(inner, &key, depth + 1, out, truncated);
                    continue;
                }
            }
            J::String(s) => Val::Str(Cow::Borrowed(s)),
            J::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                // u64 beyond i64 keeps its exact digits as text.
                None if n.is_u64() => Val::Str(Cow::Owned(n.to_string())),
                None => Val::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::Bool(b) => Val::Bool(*b),
            J::Null => Val::Null,
            J::Array(items) => {
                let scalars: Option<Vec<String>> = items
                    .iter()
                    .map(|it| match it {
                        J::String(s) => Some(s.clone()),
                        J::Number(n) => Some(n.to_string()),
                        J::Bool(b) => Some(b.to_string()),
                        _ => None,
                    })
                    .collect();
                Val::Array(scalars, v.to_string())
            }
        };
        out.push((key, val));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(dataset_suffix("Chat-API").as_deref(), Some("chat-api"));
        assert_eq!(dataset_suffix("my svc/v2").as_deref(), Some("my_svc_v2"));
        assert_eq!(dataset_suffix("  "), None);
        assert_eq!(dataset_suffix("..."), None);
        assert_eq!(dataset_suffix(&"x".repeat(100)).map(|s| s.len()), Some(48));
    }
}
