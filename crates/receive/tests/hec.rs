use serde_json::json;
use sightline_receive::{HecError, HecRawParams, hec_events, hec_raw, hec_response};

#[test]
fn splunk_docs_curl_examples() {
    // curl .../services/collector/event -d '{"event": "hello world"}'
    let r = hec_events(br#"{"event": "hello world"}"#, "hec:t:1").unwrap();
    assert_eq!(r[0].line, "hello world");
    assert_eq!((r[0].stream.as_str(), r[0].offset), ("hec:t:1", 0));

    let body = br#"{"time": 1426279439, "host": "localhost", "source": "random-data-generator", "sourcetype": "my_sample_data", "index": "main", "event": "Hello world!"}"#;
    let r = hec_events(body, "s").unwrap();
    assert_eq!(r[0].time.unwrap().to_string(), "2015-03-13T20:43:59Z");
    assert_eq!(r[0].host.as_deref(), Some("localhost"));
    assert_eq!(r[0].attribute("hec.source"), Some("random-data-generator"));
    assert_eq!(r[0].attribute("hec.sourcetype"), Some("my_sample_data"));
    assert_eq!(r[0].attribute("hec.index"), Some("main"));
    assert_eq!(r[0].path, None);
    assert_eq!(r[0].source_hint, None);

    // Batched events, concatenated without separators.
    let body = br#"{"event": "Pony 1 has left the barn"}{"event": "Pony 2 has left the barn"}   {"event": {"message": "Pony 3", "nested": {"key1": "value1"}}}"#;
    let r = hec_events(body, "s").unwrap();
    assert_eq!(r.len(), 3);
    // Each HEC event is one event: the server must not join them.
    assert!(r.iter().all(|e| e.whole));
    let at = |needle: &str| {
        body.windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .unwrap() as u64
    };
    assert_eq!(r[1].offset, at(r#"{"event": "Pony 2"#));
    assert_eq!(r[2].offset, at(r#"{"event": {"#));
    assert_eq!(
        r[2].line,
        r#"{"message":"Pony 3","nested":{"key1":"value1"}}"#
    );

    // Indexed fields.
    let body = br#"{"event": "Hello, world!", "fields": {"device": "macbook", "users": ["joe", "bob"], "n": 3}}"#;
    let r = hec_events(body, "s").unwrap();
    let fields = r[0].fields.as_ref().unwrap();
    assert_eq!(fields["device"], "macbook");
    assert_eq!(fields["users"], serde_json::json!(["joe", "bob"]));
    assert_eq!(fields["n"], 3);
    assert_eq!(r[0].module.as_deref(), Some("hec"));
    assert_eq!(r[0].dataset.as_deref(), Some("hec.event"), "no sourcetype");
}

#[test]
fn time_forms_source_path_and_hint() {
    let body = concat!(
        r#"{"event":"a","time":"1426279439.123","source":"/tmp/ray/session_latest/logs/raylet.out","sourcetype":"ray:raylet"}"#,
        "\n",
        r#"{"event":"b","time":1426279439.5}"#,
        "\n",
        r#"{"event":"c","time":1426279439123}"#,
        "\n",
        r#"{"event":"d","time":"yesterday"}"#,
    );
    let r = hec_events(body.as_bytes(), "s").unwrap();
    assert_eq!(r[0].time.unwrap().to_string(), "2015-03-13T20:43:59.123Z");
    assert_eq!(
        r[0].path.as_deref(),
        Some("/tmp/ray/session_latest/logs/raylet.out")
    );
    assert_eq!(r[0].source_hint.as_deref(), Some("ray"));
    assert_eq!(r[1].time.unwrap().to_string(), "2015-03-13T20:43:59.5Z");
    // Milliseconds by mistake are still understood.
    assert_eq!(r[2].time.unwrap().to_string(), "2015-03-13T20:43:59.123Z");
    assert_eq!(r[3].time, None);
}

#[test]
fn errors_carry_hec_codes_and_event_numbers() {
    let cases: [(&[u8], u32, Option<usize>); 8] = [
        (b"", 5, None),
        (b"  \n ", 5, None),
        (
            br#"{"event":"ok"}{"event":"ok"}{"evnt":"typo"}"#,
            12,
            Some(2),
        ),
        (br#"{"event":"ok"} {"event":""}"#, 13, Some(1)),
        (br#"{"event":null}"#, 13, Some(0)),
        (br#"{"event":"ok"}{"event":"x""#, 6, Some(1)),
        (br#"["event"]"#, 6, Some(0)),
        (br#"{"event":"x","fields":{"a":{"b":1}}}"#, 15, Some(0)),
    ];
    for (body, code, event) in cases {
        let err = hec_events(body, "s").unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(err.event(), event, "{err}");
        assert_eq!(err.http_status(), 400);
    }
    let err = hec_events(br#"{"event":"ok"}{"evnt":1}"#, "s").unwrap_err();
    assert_eq!(
        hec_response(Some(&err)),
        json!({"text": "Event field is required", "code": 12, "invalid-event-number": 1})
    );
    assert_eq!(
        hec_response(Some(&HecError::NoData)),
        json!({"text": "No data", "code": 5})
    );
    assert_eq!(hec_response(None), json!({"text": "Success", "code": 0}));
}

#[test]
fn raw_endpoint_lines() {
    // curl ".../services/collector/raw?channel=..&sourcetype=mlx&host=mac-1" -d '...'
    let params = HecRawParams {
        host: Some("mac-1"),
        source: Some("C:\\logs\\mlx.log"),
        sourcetype: Some("mlx"),
        index: None,
    };
    let r = hec_raw(
        b"1, 2, 3... Hello, world!\r\n\nsecond line\n",
        &params,
        "hec-raw:x:1",
    )
    .unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].line, "1, 2, 3... Hello, world!");
    assert_eq!(r[1].offset, 27);
    assert_eq!(r[1].host.as_deref(), Some("mac-1"));
    assert_eq!(r[1].path.as_deref(), Some("C:\\logs\\mlx.log"));
    assert_eq!(r[1].source_hint.as_deref(), Some("mlx"));
    // Raw lines are a stream: multi-line records may span them.
    assert!(r.iter().all(|e| !e.whole));
    assert_eq!(
        hec_raw(b"\n\n", &HecRawParams::default(), "s")
            .unwrap_err()
            .code(),
        5
    );
}

#[test]
fn invalid_utf8_is_replaced_and_fields_may_name_the_dataset() {
    let body = b"{\"event\": \"caf\xe9 opened\", \"sourcetype\": \"App Events\", \"fields\": {\"source.ip\": \"192.0.2.4\"}}{\"event\": \"x\", \"fields\": {\"event.dataset\": \"nginx.access\", \"user.name\": \"bob\"}}";
    let r = hec_events(body, "s").unwrap();
    assert_eq!(r[0].line, "caf\u{fffd} opened");
    assert_eq!(r[0].dataset.as_deref(), Some("hec.app_events"));
    assert_eq!(r[0].fields.as_ref().unwrap()["source.ip"], "192.0.2.4");
    assert_eq!(r[1].dataset.as_deref(), Some("nginx.access"));
    assert_eq!(r[1].module.as_deref(), Some("nginx"));
    let fields = r[1].fields.as_ref().unwrap();
    assert_eq!(fields.len(), 1, "provenance is not repeated: {fields:?}");
}
