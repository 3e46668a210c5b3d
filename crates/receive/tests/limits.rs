//! Adversarial shapes stay bounded and fast.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value as Av};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use sightline_receive::limits::{MAX_ATTRIBUTE_BYTES, MAX_ATTRIBUTES};
use sightline_receive::{SyslogFramer, es_bulk, hec_events, otlp_logs};
use std::time::{Duration, Instant};

#[test]
fn wide_document_under_a_long_key_is_capped() {
    // Every leaf would repeat the 200 KB key: flattened naively this is
    // gigabytes of attribute names.
    let leaves: Vec<String> = (0..20_000).map(|i| format!("\"k{i}\":1")).collect();
    let doc = format!(
        "{{\"message\":\"m\",\"{}\":{{{}}}}}",
        "p".repeat(200_000),
        leaves.join(",")
    );
    let body = format!("{{\"index\":{{\"_index\":\"x\"}}}}\n{doc}\n");
    let start = Instant::now();
    let parse = es_bulk(body.as_bytes(), None, "s", "t").unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    let r = parse.items[0].result.as_ref().unwrap();
    assert_eq!(r.attribute("attributes_truncated"), Some("true"));
    assert!(r.attributes.len() <= MAX_ATTRIBUTES + 1);

    let fields: Vec<String> = (0..5_000)
        .map(|i| format!("\"f{i}\":\"{}\"", "v".repeat(100)))
        .collect();
    let body = format!("{{\"event\":\"e\",\"fields\":{{{}}}}}", fields.join(","));
    let r = hec_events(body.as_bytes(), "s").unwrap();
    let bytes: usize = r[0].attributes.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(bytes <= MAX_ATTRIBUTE_BYTES + 40);
    assert_eq!(r[0].attribute("attributes_truncated"), Some("true"));
}

#[test]
fn shared_otlp_resource_attributes_do_not_multiply_memory() {
    let big = "x".repeat(60_000);
    let record = LogRecord {
        body: Some(AnyValue {
            value: Some(Av::StringValue("m".into())),
        }),
        ..Default::default()
    };
    let request = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "big".into(),
                    value: Some(AnyValue {
                        value: Some(Av::StringValue(big)),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: vec![record; 50_000],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let body = request.encode_to_vec();
    let logs = otlp_logs(&body, "application/x-protobuf").unwrap();
    assert_eq!(logs.records.len(), 50_000);
    let total: usize = logs
        .records
        .iter()
        .flat_map(|r| &r.attributes)
        .map(|(k, v)| k.len() + v.len())
        .sum();
    assert!(
        total <= body.len() * 16 + (1 << 20) + 50_000 * 40,
        "{total}"
    );
    assert_eq!(
        logs.records[49_999].attribute("attributes_truncated"),
        Some("true")
    );
    assert!(logs.records[0].attribute("otel.resource.big").is_some());
}

#[test]
fn huge_octet_count_does_not_allocate_it() {
    let mut framer = SyslogFramer::new(1024);
    let mut out = Vec::new();
    framer.push(b"9999999999 <13>", &mut out);
    framer.push(&[b'a'; 4096], &mut out);
    assert_eq!(out.len(), 1);
    assert!(out[0].truncated);
    assert_eq!(out[0].bytes.len(), 1024);
}
