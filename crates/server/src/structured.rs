//! What a sender says besides the line: its structured fields, its time,
//! where the record comes from and what identity it gave it.
//!
//! The line is decoded first, by the decoder the sender named or the
//! auto-detector, so a Ray, Mesos, Milvus or MLX line inside a bulk document
//! or an OTLP record is read by its own decoder. The structured fields then
//! fill only what that decoder left unset. They are read by the JSON
//! decoder, the same code that maps JSON log lines: ECS names onto typed
//! fields through the schema, common keys (`level`, `user`...), labels for
//! the rest, and the sanitizer over all of it.

use sightline_decode::{Event, StreamInfo, tags};
use sightline_event::{EventId, Outcome, field};
use sightline_parse::Pipeline;
use sightline_receive::Inbound;
use std::borrow::Cow;

/// Completes the events decoded from `record` (usually one event), or from
/// a group of line records it is the first of (`alone` false: then only the
/// provenance, which they share, applies).
pub fn complete(decoder: &Pipeline, record: &Inbound, events: &mut [Event], alone: bool) {
    let sent = record
        .fields
        .as_ref()
        .filter(|f| alone && !f.is_empty())
        .and_then(|f| decode_fields(decoder, record, f));
    let sent_message = record
        .fields
        .as_ref()
        .is_some_and(|f| matches!(f.get(field::MESSAGE), Some(serde_json::Value::String(_))));
    for (n, ev) in events.iter_mut().enumerate() {
        let fallback = ev.module == "text";
        if let Some(sent) = &sent {
            fill(ev, sent, fallback && sent_message);
        }
        // The sender's clock beats a guess from the neighbours, for a record
        // it framed as one event.
        if alone
            && record.whole
            && let Some(t) = record.time
            && ev.has_tag(tags::TIMESTAMP_INFERRED)
        {
            ev.timestamp = t;
            untag_inferred(ev);
        }
        set_provenance(ev, record, fallback);
        if alone && let Some(key) = &record.id_key {
            ev.id = EventId::derive(key, n as u64, b"");
        }
    }
}

/// The structured fields as the JSON decoder reads them, as one event.
fn decode_fields(
    decoder: &Pipeline,
    record: &Inbound,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Option<Event> {
    let source = decoder.registry().get("json")?;
    // One line: serde_json escapes every line break inside strings.
    let line = serde_json::to_string(fields).ok()?;
    let stream = StreamInfo {
        name: record.stream.clone(),
        path: record.path.as_ref().map(Into::into),
        start_offset: record.offset,
        ..StreamInfo::default()
    };
    let mut out = None;
    // Reading from memory cannot fail.
    let _ = decoder.read_with(source, stream, std::io::Cursor::new(line), |ev| {
        out.get_or_insert(ev);
    });
    out
}

/// Fills `ev` from `sent` where `ev` has nothing. `take_message`: `ev` is
/// the plain-text fallback and the sender gave a message of its own (the
/// line was `event.original`).
fn fill(ev: &mut Event, sent: &Event, take_message: bool) {
    for (name, value) in &sent.fields {
        if name == field::SIGHTLINE_REDACTIONS {
            let total =
                value.as_i64().unwrap_or(0) + ev.get_i64(field::SIGHTLINE_REDACTIONS).unwrap_or(0);
            ev.set(field::SIGHTLINE_REDACTIONS, total);
        } else if !ev.fields.contains_key(name) {
            ev.fields.insert(name.clone(), value.clone());
        }
    }
    for (k, v) in &sent.labels {
        ev.labels.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if ev.category.is_empty() {
        ev.category.clone_from(&sent.category);
    }
    if ev.event_type.is_empty() {
        ev.event_type.clone_from(&sent.event_type);
    }
    if ev.action.is_none() {
        ev.action.clone_from(&sent.action);
    }
    if ev.outcome == Outcome::Unknown {
        ev.outcome = sent.outcome;
    }
    if ev.level.is_none() {
        ev.level.clone_from(&sent.level);
    }
    if ev.kind == "event" {
        ev.kind.clone_from(&sent.kind);
    }
    if take_message && !sent.message.is_empty() {
        ev.message.clone_from(&sent.message);
    }
    if ev.has_tag(tags::TIMESTAMP_INFERRED) && !sent.has_tag(tags::TIMESTAMP_INFERRED) {
        ev.timestamp = sent.timestamp;
        untag_inferred(ev);
    }
    // Redaction, neutralization and label truncation of the fields show on the event.
    for tag in &sent.tags {
        if tag != tags::TIMESTAMP_INFERRED && tag != tags::TIMESTAMP_UNANCHORED {
            ev.add_tag(tag);
        }
    }
}

fn untag_inferred(ev: &mut Event) {
    ev.tags
        .retain(|t| t != tags::TIMESTAMP_INFERRED && t != tags::TIMESTAMP_UNANCHORED);
}

/// `event.module`/`event.dataset` of an event no decoder claimed (plain
/// text) from the record; and of a generic JSON event whose document named
/// its dataset itself (the JSON decoder keeps a source's provenance as labels).
fn set_provenance(ev: &mut Event, record: &Inbound, fallback: bool) {
    let (Some(module), Some(dataset)) = (&record.module, &record.dataset) else {
        return;
    };
    let stated = ev.module == "json"
        && ev
            .labels
            .get(field::EVENT_DATASET)
            .and_then(|d| sightline_receive::provenance_name(d))
            .is_some_and(|d| &d == dataset);
    if !(fallback || stated) {
        return;
    }
    if stated {
        ev.labels.remove(field::EVENT_DATASET);
        ev.labels.remove(field::EVENT_MODULE);
    }
    ev.module = Cow::Owned(module.clone());
    ev.dataset = Cow::Owned(dataset.clone());
}

/// The event id a record with an `id_key` gets (its first event), for
/// answering the sender about repeats.
pub fn keyed_id(key: &str) -> EventId {
    EventId::derive(key, 0, b"")
}

#[cfg(test)]
mod tests {
    use crate::pipeline::decode;
    use sightline_decode::{DecodeOptions, tags};
    use sightline_event::{FieldRef, field};
    use sightline_parse::{Pipeline, SourceChoice};
    use sightline_sanitize::Sanitizer;

    fn decoder() -> Pipeline {
        Pipeline::new(
            SourceChoice::Auto,
            DecodeOptions::default(),
            Sanitizer::default(),
        )
    }

    fn bulk(body: &str) -> Vec<sightline_event::Event> {
        let parse =
            sightline_receive::es_bulk(body.as_bytes(), Some("logs"), "es:t:1", "t").unwrap();
        decode(&decoder(), parse.accepted())
    }

    #[test]
    fn an_ecs_document_maps_onto_typed_fields_with_the_senders_time() {
        let events = bulk(concat!(
            "{\"index\":{}}\n",
            r#"{"@timestamp":"2026-11-20T10:00:00.250Z","message":"Failed password for root from 192.0.2.10 port 22 ssh2","event":{"category":["authentication"],"outcome":"failure"},"source":{"ip":"192.0.2.10","port":4242},"user":{"name":"root"},"labels":{"team":"ml"},"cloud":{"region":"eu-1"}}"#,
            "\n"
        ));
        assert_eq!(events.len(), 1);
        let ev = &events[0];
        assert_eq!(ev.get(field::SOURCE_IP), Some(FieldRef::Str("192.0.2.10")));
        assert_eq!(ev.get(field::SOURCE_PORT), Some(FieldRef::Int(4242)));
        assert_eq!(ev.get(field::USER_NAME), Some(FieldRef::Str("root")));
        assert_eq!(ev.category, ["authentication"]);
        assert_eq!(ev.outcome.as_str(), "failure");
        assert_eq!(ev.timestamp.to_string(), "2026-11-20T10:00:00.25Z");
        assert!(!ev.has_tag(tags::TIMESTAMP_INFERRED), "{:?}", ev.tags);
        assert_eq!(
            (&*ev.module, &*ev.dataset),
            ("elasticsearch", "elasticsearch.bulk")
        );
        assert_eq!(ev.labels.get("team").map(String::as_str), Some("ml"));
        assert_eq!(
            ev.labels.get("cloud.region").map(String::as_str),
            Some("eu-1")
        );
        assert!(!ev.labels.contains_key("source.ip"), "{:?}", ev.labels);
        assert_eq!(
            ev.message,
            "Failed password for root from 192.0.2.10 port 22 ssh2"
        );
    }

    #[test]
    fn a_system_line_in_a_document_is_read_by_its_decoder_and_the_document_only_fills_gaps() {
        let line = "2026-11-22 12:37:31,000\\tINFO web_log.py:206 -- 203.0.113.5 [22/Nov/2026:12:37:31 +0000] \\\"POST /api/jobs/ HTTP/1.1\\\" 401 173 \\\"-\\\" \\\"curl/7.88.1\\\"";
        let events = bulk(&format!(
            "{{\"index\":{{}}}}\n{{\"@timestamp\":\"2030-01-01T00:00:00Z\",\"message\":\"{line}\",\"source\":{{\"ip\":\"10.9.9.9\"}},\"host\":{{\"name\":\"ray-head-1\"}},\"event\":{{\"dataset\":\"filebeat.ray\"}}}}\n"
        ));
        let ev = &events[0];
        assert_eq!(ev.module, "ray", "{ev:?}");
        assert_eq!(ev.dataset, "ray.dashboard");
        assert_eq!(
            ev.get(field::SOURCE_IP),
            Some(FieldRef::Str("203.0.113.5")),
            "the line's own"
        );
        assert_eq!(
            ev.get(field::HTTP_RESPONSE_STATUS_CODE),
            Some(FieldRef::Int(401))
        );
        assert_eq!(
            ev.get(field::HOST_NAME),
            Some(FieldRef::Str("ray-head-1")),
            "filled in"
        );
        assert_eq!(
            ev.timestamp.to_string(),
            "2026-11-22T12:37:31Z",
            "the line's own time"
        );
    }

    #[test]
    fn secrets_in_structured_fields_are_redacted() {
        let events = bulk(concat!(
            "{\"index\":{}}\n",
            r#"{"message":"login","http":{"request":{"body":{"content":"password=hunter2hunter2"}}},"url":{"query":"token=sl_0123456789abcdef0123456789abcdef"}}"#,
            "\n"
        ));
        let json = events[0].to_json();
        assert!(!json.contains("hunter2hunter2"), "{json}");
        assert!(
            !json.contains("sl_0123456789abcdef0123456789abcdef"),
            "{json}"
        );
        assert!(events[0].has_tag(tags::REDACTED));
    }

    #[test]
    fn an_id_gives_the_same_event_id_in_any_request() {
        let doc = r#"{"message":"same document"}"#;
        let alone = bulk(&format!("{{\"create\":{{\"_id\":\"d-1\"}}}}\n{doc}\n"));
        let mixed = bulk(&format!(
            "{{\"index\":{{}}}}\n{{\"message\":\"another\"}}\n{{\"index\":{{\"_id\":\"d-1\"}}}}\n{doc}\n"
        ));
        assert_eq!(alone[0].id, mixed[1].id);
        assert_eq!(alone[0].id, super::keyed_id("es:t:logs:d-1"));
        assert_ne!(mixed[0].id, mixed[1].id);
    }

    #[test]
    fn raw_hec_lines_take_the_receivers_dataset_alone_or_grouped() {
        let params = sightline_receive::HecRawParams {
            sourcetype: Some("app_raw"),
            ..Default::default()
        };
        for body in [
            "one plain line
",
            "one plain line
another
and a third
",
        ] {
            let records =
                sightline_receive::hec_raw(body.as_bytes(), &params, "hec-raw:t:1").unwrap();
            for ev in decode(&decoder(), records) {
                assert_eq!(
                    (&*ev.module, &*ev.dataset),
                    ("hec", "hec.app_raw"),
                    "{body:?}"
                );
            }
        }
    }

    #[test]
    fn otlp_semantic_conventions_land_on_ecs_fields() {
        let body = r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"auth-gw"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1790000000000000000","severityNumber":13,"body":{"stringValue":"login refused"},"attributes":[{"key":"client.address","value":{"stringValue":"192.0.2.10"}},{"key":"http.response.status_code","value":{"intValue":"401"}}]}]}]}]}"#;
        let logs = sightline_receive::otlp_logs(body.as_bytes(), "application/json").unwrap();
        let events = decode(&decoder(), logs.records);
        let ev = &events[0];
        assert_eq!(ev.get(field::SOURCE_IP), Some(FieldRef::Str("192.0.2.10")));
        assert_eq!(
            ev.get(field::HTTP_RESPONSE_STATUS_CODE),
            Some(FieldRef::Int(401))
        );
        assert_eq!(ev.level.as_deref(), Some("warning"));
        assert_eq!(ev.get(field::SERVICE_NAME), Some(FieldRef::Str("auth-gw")));
        assert_eq!((&*ev.module, &*ev.dataset), ("otlp", "otlp.auth-gw"));
        assert!(!ev.has_tag(tags::TIMESTAMP_INFERRED));
    }
}
