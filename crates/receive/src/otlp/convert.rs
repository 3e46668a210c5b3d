//! OTLP log records → [`Inbound`].
//!
//! Attribute names (they become `labels.*`):
//! - `otel.resource.<key>`: resource attributes (`otel.resource.service.name`)
//! - `otel.scope.name`, `otel.scope.version`, `otel.scope.attributes.<key>`
//! - `otel.attributes.<key>`: the log record's own attributes
//! - `otel.severity_text`, `otel.severity_number`, `otel.event_name`,
//!   `otel.trace_id`, `otel.span_id` (lowercase hex)
//!
//! Map-valued attributes are flattened with dots; arrays are JSON text.

use super::semconv;
use crate::attrs::Attrs;
use crate::batch::{batch_hash, provenance_name, source_hint_for};
use crate::error::ReceiveError;
use crate::inbound::Inbound;
use crate::json::bounded_fields;
use crate::limits::MAX_ITEMS;
use crate::time::epoch_nanos;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value as Av};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use serde_json::{Map, Number, Value};

/// Name OpenTelemetry SDKs use when the service sets none.
const UNKNOWN_SERVICE: &str = "unknown_service";

/// What the receiver calls itself: datasets are `otlp.<service.name>`, or
/// this without one.
const MODULE: &str = "otlp";
const DATASET: &str = "otlp.logs";

/// The accepted records and the count of refused ones.
pub(super) fn records(
    request: ExportLogsServiceRequest,
    body: &[u8],
) -> Result<(Vec<Inbound>, u64), ReceiveError> {
    let total: usize = request
        .resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .map(|s| s.log_records.len())
        .sum();
    if total > MAX_ITEMS {
        return Err(ReceiveError::TooManyItems { limit: MAX_ITEMS });
    }
    let hash = batch_hash(body);
    // Resource and scope attributes repeat on every record; this budget
    // bounds that copying to a multiple of the body size, so a request with
    // huge shared attributes and many tiny records cannot blow up memory.
    let mut inherited_budget = body.len().saturating_mul(16).saturating_add(1 << 20);
    let mut out = Vec::with_capacity(total);
    let mut rejected = 0u64;
    let mut index = 0u64;
    for resource_logs in request.resource_logs {
        let resource_kv = resource_logs
            .resource
            .map(|r| r.attributes)
            .unwrap_or_default();
        let service = find_str(&resource_kv, "service.name");
        let stream = format!("otlp:{}:{hash}", service.unwrap_or(UNKNOWN_SERVICE));
        let hint = service.and_then(source_hint_for);
        let host = find_str(&resource_kv, "host.name").map(str::to_owned);
        let resource_path = find_str(&resource_kv, "log.file.path").map(str::to_owned);
        let mut resource_attrs = Attrs::default();
        add_kvs("otel.resource", &resource_kv, &mut resource_attrs);
        let mut resource_fields = Map::new();
        semconv::map_attributes(&resource_kv, &mut resource_fields);
        let resource_fields_size = semconv::size(&resource_fields);
        let dataset = service
            .filter(|s| !s.starts_with(UNKNOWN_SERVICE))
            .and_then(provenance_name)
            .map_or_else(|| DATASET.to_owned(), |s| format!("{MODULE}.{s}"));
        for scope_logs in resource_logs.scope_logs {
            let mut inherited = resource_attrs.clone();
            if let Some(scope) = &scope_logs.scope {
                if !scope.name.is_empty() {
                    inherited.push("otel.scope.name", scope.name.as_str());
                }
                if !scope.version.is_empty() {
                    inherited.push("otel.scope.version", scope.version.as_str());
                }
                add_kvs("otel.scope.attributes", &scope.attributes, &mut inherited);
            }
            for record in scope_logs.log_records {
                let offset = index;
                index += 1;
                let Some(line) = record_line(&record) else {
                    rejected += 1;
                    continue;
                };
                let mut attrs = Attrs::default();
                let mut inbound = Inbound::whole(&stream, offset, line, &mut attrs);
                let mut fields = Map::new();
                semconv::map_attributes(&record.attributes, &mut fields);
                let inherited_size = inherited.bytes() + resource_fields_size;
                if inherited_budget >= inherited_size {
                    inherited_budget -= inherited_size;
                    attrs.extend_from(&inherited);
                    for (k, v) in &resource_fields {
                        fields.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                } else {
                    attrs.mark_dropped();
                }
                if let Some(level) = semconv::level(&record.severity_text, record.severity_number) {
                    fields.insert("log.level".into(), Value::String(level));
                }
                if !record.trace_id.is_empty() {
                    fields.insert("trace.id".into(), Value::String(hex(&record.trace_id)));
                }
                record_attrs(&record, &mut attrs);
                inbound.source_hint = hint.map(str::to_owned);
                inbound.host = find_str(&record.attributes, "host.name")
                    .map(str::to_owned)
                    .or_else(|| host.clone());
                inbound.path = find_str(&record.attributes, "log.file.path")
                    .map(str::to_owned)
                    .or_else(|| resource_path.clone());
                inbound.time = [record.time_unix_nano, record.observed_time_unix_nano]
                    .into_iter()
                    .find(|&t| t != 0)
                    .and_then(|t| epoch_nanos(i128::from(t)));
                let mut cut = false;
                let fields = bounded_fields(fields, &mut cut);
                if cut {
                    attrs.mark_dropped();
                }
                inbound.fields = (!fields.is_empty()).then_some(fields);
                inbound.module = Some(MODULE.to_owned());
                inbound.dataset = Some(dataset.clone());
                inbound.attributes = attrs.finish();
                out.push(inbound);
            }
        }
    }
    Ok((out, rejected))
}

/// The text to decode: a string body as is, other bodies as JSON; without a
/// body the event name, else the attributes as a JSON object. None when the
/// record carries nothing at all.
fn record_line(record: &LogRecord) -> Option<String> {
    match record.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(Av::StringValue(s)) if !s.is_empty() => return Some(s.clone()),
        Some(Av::StringValue(_)) | None => {}
        Some(v) => return Some(any_json(v).to_string()),
    }
    if !record.event_name.is_empty() {
        return Some(record.event_name.clone());
    }
    if !record.attributes.is_empty() {
        return Some(Value::Object(kv_map(&record.attributes)).to_string());
    }
    None
}

fn record_attrs(record: &LogRecord, attrs: &mut Attrs) {
    if !record.severity_text.is_empty() {
        attrs.push("otel.severity_text", record.severity_text.as_str());
    }
    if record.severity_number != 0 {
        attrs.push("otel.severity_number", record.severity_number.to_string());
    }
    if !record.event_name.is_empty() {
        attrs.push("otel.event_name", record.event_name.as_str());
    }
    if !record.trace_id.is_empty() {
        attrs.push("otel.trace_id", hex(&record.trace_id));
    }
    if !record.span_id.is_empty() {
        attrs.push("otel.span_id", hex(&record.span_id));
    }
    add_kvs("otel.attributes", &record.attributes, attrs);
}

/// Adds `kvs` as `prefix.key` attributes in their order, maps flattened.
fn add_kvs(prefix: &str, kvs: &[KeyValue], attrs: &mut Attrs) {
    for kv in kvs {
        if attrs.is_full() {
            attrs.mark_dropped();
            return;
        }
        let Some(value) = kv.value.as_ref().and_then(|v| v.value.as_ref()) else {
            continue;
        };
        if !attrs.fits_key(prefix.len() + 1 + kv.key.len()) {
            attrs.mark_dropped();
            continue;
        }
        let key = format!("{prefix}.{}", kv.key);
        match value {
            Av::KvlistValue(list) => add_kvs(&key, &list.values, attrs),
            Av::StringValue(s) => attrs.push(key, s.as_str()),
            other => attrs.push(key, text(&any_json(other))),
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn find_str<'a>(kvs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    kvs.iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Av::StringValue(s) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        })
}

fn kv_map(kvs: &[KeyValue]) -> Map<String, Value> {
    kvs.iter()
        .map(|kv| {
            let v = kv
                .value
                .as_ref()
                .and_then(|v| v.value.as_ref())
                .map_or(Value::Null, any_json);
            (kv.key.clone(), v)
        })
        .collect()
}

/// An AnyValue as plain JSON: maps as objects, arrays as arrays, bytes as a
/// string when they are UTF-8 and hex otherwise.
fn any_json(v: &Av) -> Value {
    match v {
        Av::StringValue(s) => Value::String(s.clone()),
        Av::BoolValue(b) => Value::Bool(*b),
        Av::IntValue(i) => Value::Number((*i).into()),
        Av::DoubleValue(d) => {
            Number::from_f64(*d).map_or_else(|| Value::String(d.to_string()), Value::Number)
        }
        Av::ArrayValue(a) => Value::Array(
            a.values
                .iter()
                .map(|v: &AnyValue| v.value.as_ref().map_or(Value::Null, any_json))
                .collect(),
        ),
        Av::KvlistValue(kv) => Value::Object(kv_map(&kv.values)),
        Av::BytesValue(b) => match std::str::from_utf8(b) {
            Ok(s) => Value::String(s.to_owned()),
            Err(_) => Value::String(hex(b)),
        },
        Av::StringValueStrindex(i) => Value::Number((*i).into()),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
