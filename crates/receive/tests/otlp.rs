use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value::Value as Av,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message;
use sightline_receive::{
    OtlpFormat, ReceiveError, otlp_error_response, otlp_grpc_code, otlp_logs, otlp_response,
    otlp_status,
};

fn s(v: &str) -> Option<AnyValue> {
    Some(AnyValue {
        value: Some(Av::StringValue(v.to_owned())),
    })
}

fn kv(k: &str, value: Option<AnyValue>) -> KeyValue {
    KeyValue {
        key: k.to_owned(),
        value,
        ..Default::default()
    }
}

fn request() -> ExportLogsServiceRequest {
    let record = LogRecord {
        time_unix_nano: 1_717_243_200_123_456_789,
        observed_time_unix_nano: 1_717_243_201_000_000_000,
        severity_number: 17,
        severity_text: "ERROR".into(),
        body: s("Task failed: worker died unexpectedly"),
        attributes: vec![
            kv(
                "log.file.path",
                s("/tmp/ray/session_latest/logs/worker-1.err"),
            ),
            kv(
                "http",
                Some(AnyValue {
                    value: Some(Av::KvlistValue(KeyValueList {
                        values: vec![kv("method", s("POST"))],
                    })),
                }),
            ),
        ],
        trace_id: vec![
            0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f,
            0xc6, 0x0c,
        ],
        span_id: vec![0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74],
        ..Default::default()
    };
    let structured = LogRecord {
        observed_time_unix_nano: 1_717_243_202_000_000_000,
        body: Some(AnyValue {
            value: Some(Av::KvlistValue(KeyValueList {
                values: vec![
                    kv("event", s("login")),
                    kv(
                        "ids",
                        Some(AnyValue {
                            value: Some(Av::ArrayValue(ArrayValue {
                                values: vec![AnyValue {
                                    value: Some(Av::IntValue(7)),
                                }],
                            })),
                        }),
                    ),
                ],
            })),
        }),
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", s("Ray-Head")),
                    kv("host.name", s("gpu-node-1")),
                ],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "ray.logging".into(),
                    version: "2.9.0".into(),
                    ..Default::default()
                }),
                log_records: vec![record, structured, LogRecord::default()],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn protobuf_request_round_trip() {
    let body = request().encode_to_vec();
    let logs = otlp_logs(&body, "application/x-protobuf").unwrap();
    assert_eq!(logs.format, OtlpFormat::Protobuf);
    assert_eq!(logs.records.len(), 2);
    assert!(
        logs.records.iter().all(|r| r.whole),
        "a log record is one event"
    );
    assert_eq!(logs.rejected, 1);
    let r = &logs.records[0];
    assert_eq!(r.line, "Task failed: worker died unexpectedly");
    assert!(r.stream.starts_with("otlp:Ray-Head:"));
    assert_eq!(
        r.stream,
        sightline_receive::batch_stream("otlp", "Ray-Head", &body)
    );
    assert_eq!(r.offset, 0);
    assert_eq!(
        r.time.unwrap().to_string(),
        "2024-06-01T12:00:00.123456789Z"
    );
    assert_eq!(r.source_hint.as_deref(), Some("ray"));
    assert_eq!(r.host.as_deref(), Some("gpu-node-1"));
    assert_eq!(
        r.path.as_deref(),
        Some("/tmp/ray/session_latest/logs/worker-1.err")
    );
    assert_eq!(r.attribute("otel.resource.service.name"), Some("Ray-Head"));
    assert_eq!(r.attribute("otel.scope.name"), Some("ray.logging"));
    assert_eq!(r.attribute("otel.scope.version"), Some("2.9.0"));
    assert_eq!(r.attribute("otel.severity_text"), Some("ERROR"));
    assert_eq!(r.attribute("otel.severity_number"), Some("17"));
    assert_eq!(
        r.attribute("otel.trace_id"),
        Some("5b8efff798038103d269b633813fc60c")
    );
    assert_eq!(r.attribute("otel.span_id"), Some("eee19b7ec3c1b174"));
    assert_eq!(r.attribute("otel.attributes.http.method"), Some("POST"));
    let r = &logs.records[1];
    assert_eq!(r.line, r#"{"event":"login","ids":[7]}"#);
    assert_eq!(r.offset, 1);
    assert_eq!(r.time.unwrap().to_string(), "2024-06-01T12:00:02Z");

    let resp = otlp_response(logs.format, logs.rejected, &logs.rejected_reason);
    let resp = ExportLogsServiceResponse::decode(&resp[..]).unwrap();
    assert_eq!(resp.partial_success.unwrap().rejected_log_records, 1);
    assert!(otlp_response(OtlpFormat::Protobuf, 0, "").is_empty());
}

/// The logs example from opentelemetry-proto's `examples/logs.json`.
const OTLP_JSON: &str = r#"{
  "resourceLogs": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
    "scopeLogs": [{
      "scope": {"name": "my.library", "version": "1.0.0",
                "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}]},
      "logRecords": [{
        "timeUnixNano": "1544712660300000000",
        "observedTimeUnixNano": "1544712660300000000",
        "severityNumber": 10,
        "severityText": "Information",
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": "EEE19B7EC3C1B174",
        "body": {"stringValue": "Example log record"},
        "attributes": [
          {"key": "string.attribute", "value": {"stringValue": "some string"}},
          {"key": "boolean.attribute", "value": {"boolValue": true}},
          {"key": "int.attribute", "value": {"intValue": "10"}},
          {"key": "double.attribute", "value": {"doubleValue": 637.704}},
          {"key": "array.attribute", "value": {"arrayValue": {"values": [{"stringValue": "many"}, {"stringValue": "values"}]}}},
          {"key": "map.attribute", "value": {"kvlistValue": {"values": [{"key": "some.map.key", "value": {"stringValue": "some value"}}]}}}
        ]
      }]
    }]
  }]
}"#;

#[test]
fn json_request_from_the_spec_example() {
    let logs = otlp_logs(OTLP_JSON.as_bytes(), "application/json; charset=utf-8").unwrap();
    assert_eq!(logs.format, OtlpFormat::Json);
    assert_eq!(logs.rejected, 0);
    let r = &logs.records[0];
    assert_eq!(r.line, "Example log record");
    assert!(r.stream.starts_with("otlp:my.service:"));
    assert_eq!(r.source_hint, None);
    assert_eq!(r.time.unwrap().to_string(), "2018-12-13T14:51:00.3Z");
    let attrs: Vec<(&str, &str)> = r
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        attrs,
        [
            ("otel.resource.service.name", "my.service"),
            ("otel.scope.name", "my.library"),
            ("otel.scope.version", "1.0.0"),
            (
                "otel.scope.attributes.my.scope.attribute",
                "some scope attribute"
            ),
            ("otel.severity_text", "Information"),
            ("otel.severity_number", "10"),
            ("otel.trace_id", "5b8efff798038103d269b633813fc60c"),
            ("otel.span_id", "eee19b7ec3c1b174"),
            ("otel.attributes.string.attribute", "some string"),
            ("otel.attributes.boolean.attribute", "true"),
            ("otel.attributes.int.attribute", "10"),
            ("otel.attributes.double.attribute", "637.704"),
            ("otel.attributes.array.attribute", r#"["many","values"]"#),
            ("otel.attributes.map.attribute.some.map.key", "some value"),
        ]
    );
    assert_eq!(otlp_response(OtlpFormat::Json, 0, ""), b"{}");
    assert_eq!(
        String::from_utf8(otlp_response(OtlpFormat::Json, 2, "no body")).unwrap(),
        r#"{"partialSuccess":{"errorMessage":"no body","rejectedLogRecords":"2"}}"#
    );
}

#[test]
fn bad_requests() {
    let err = otlp_logs(b"{}", "text/plain").unwrap_err();
    assert_eq!(
        err,
        ReceiveError::UnsupportedContentType("text/plain".into())
    );
    let err = otlp_logs(b"{\"resourceLogs\": 3}", "application/json").unwrap_err();
    assert!(
        err.to_string().starts_with("invalid OTLP JSON request:"),
        "{err}"
    );
    let err = otlp_logs(b"\xff\xff\xff", "application/x-protobuf").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid OTLP protobuf request:"),
        "{err}"
    );
    let body = otlp_error_response(OtlpFormat::Json, &err);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["code"], 3);
    assert!(!otlp_error_response(OtlpFormat::Protobuf, &err).is_empty());
    // An empty request is valid and has no records.
    assert!(
        otlp_logs(b"", "application/x-protobuf")
            .unwrap()
            .records
            .is_empty()
    );
    assert!(
        otlp_logs(b"{}", "application/json")
            .unwrap()
            .records
            .is_empty()
    );
}

#[test]
fn semantic_convention_attributes_become_ecs_fields() {
    let record = LogRecord {
        time_unix_nano: 1_717_243_200_000_000_000,
        severity_number: 13,
        body: s("login refused"),
        attributes: vec![
            kv("client.address", s("192.0.2.10")),
            kv(
                "client.port",
                Some(AnyValue {
                    value: Some(Av::IntValue(50_123)),
                }),
            ),
            kv("url.path", s("/api/login")),
            kv("http.request.method", s("POST")),
            kv(
                "http.response.status_code",
                Some(AnyValue {
                    value: Some(Av::IntValue(401)),
                }),
            ),
            kv("enduser.id", s("alice")),
            kv("exception.type", s("AuthError")),
            kv("app.tenant", s("blue")),
        ],
        ..Default::default()
    };
    let request = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", s("Chat API")),
                    kv("service.version", s("1.4.2")),
                    kv("host.name", s("node-7")),
                ],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: vec![record],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let logs = otlp_logs(&request.encode_to_vec(), "application/x-protobuf").unwrap();
    let r = &logs.records[0];
    let f = r.fields.as_ref().unwrap();
    assert_eq!(f["source.ip"], "192.0.2.10");
    assert_eq!(f["source.port"], 50_123);
    assert_eq!(f["url.path"], "/api/login");
    assert_eq!(f["http.request.method"], "POST");
    assert_eq!(f["http.response.status_code"], 401);
    assert_eq!(f["user.name"], "alice");
    assert_eq!(f["error.type"], "AuthError");
    assert_eq!(f["log.level"], "warning", "from the severity number");
    assert_eq!(f["service.name"], "Chat API", "resource attributes too");
    assert_eq!(f["service.version"], "1.4.2");
    assert!(
        !f.contains_key("app.tenant"),
        "unknown names stay labels only"
    );
    assert_eq!(r.attribute("otel.attributes.app.tenant"), Some("blue"));
    assert_eq!(r.module.as_deref(), Some("otlp"));
    assert_eq!(r.dataset.as_deref(), Some("otlp.chat_api"));
}

#[test]
fn json_with_invalid_utf8_is_read_and_errors_carry_grpc_codes() {
    let body = b"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"caf\xe9\"}}]}]}]}";
    let logs = otlp_logs(body, "application/json").unwrap();
    assert_eq!(logs.records[0].line, "caf\u{fffd}");
    assert_eq!(logs.records[0].dataset.as_deref(), Some("otlp.logs"));
    assert_eq!(otlp_grpc_code(401), 16);
    assert_eq!(otlp_grpc_code(403), 7);
    assert_eq!(otlp_grpc_code(503), 14);
    let status = otlp_status(OtlpFormat::Json, 16, "no token");
    let v: serde_json::Value = serde_json::from_slice(&status).unwrap();
    assert_eq!(
        (v["code"].as_i64(), v["message"].as_str()),
        (Some(16), Some("no token"))
    );
    // Protobuf: field 1 (code) = 16, field 2 (message).
    assert_eq!(
        &otlp_status(OtlpFormat::Protobuf, 16, "x")[..],
        b"\x08\x10\x12\x01x"
    );
}
