use sightline_receive::native_batch;

#[test]
fn agent_records_keep_their_stream_and_offset() {
    let body = concat!(
        r#"{"stream":"/tmp/ray/session_latest/logs/raylet.out","offset":4096,"line":"[2024-06-01 12:00:00,123 I 1234 1234] raylet.cc:100: Raylet started","source":"ray","host":"gpu-1","path":"/tmp/ray/session_latest/logs/raylet.out","time":"2024-06-01T12:00:00.5Z","labels":{"cluster":"prod","k8s":{"pod":"ray-head-0"}}}"#,
        "\n",
        "plain text line\r\n",
        "\n",
        r#"{"not_a_record":true}"#,
        "\n",
        "[1,2,3]\n",
    );
    let mut bytes = body.as_bytes().to_vec();
    bytes.extend_from_slice(b"bad utf8 \xff\n");
    let records = native_batch(&bytes, "agent:gpu-1:abc").unwrap();
    assert_eq!(records.len(), 5);
    let r = &records[0];
    assert_eq!(r.stream, "/tmp/ray/session_latest/logs/raylet.out");
    assert_eq!(r.offset, 4096);
    assert!(r.line.starts_with("[2024-06-01 12:00:00,123 I"));
    assert_eq!(r.source_hint.as_deref(), Some("ray"));
    assert_eq!(r.host.as_deref(), Some("gpu-1"));
    assert_eq!(
        r.path.as_deref(),
        Some("/tmp/ray/session_latest/logs/raylet.out")
    );
    assert_eq!(r.time.unwrap().to_string(), "2024-06-01T12:00:00.5Z");
    assert_eq!(r.attribute("cluster"), Some("prod"));
    assert_eq!(r.attribute("k8s.pod"), Some("ray-head-0"));

    let first_len = body.find('\n').unwrap() as u64 + 1;
    assert_eq!(
        (records[1].stream.as_str(), records[1].offset),
        ("agent:gpu-1:abc", first_len)
    );
    assert_eq!(records[1].line, "plain text line");
    assert_eq!(records[2].line, r#"{"not_a_record":true}"#);
    assert_eq!(records[3].line, "[1,2,3]");
    assert_eq!(records[4].line, "bad utf8 \u{fffd}");
}

#[test]
fn offset_without_stream_is_the_body_offset() {
    let records = native_batch(b"x\n{\"offset\":99,\"line\":\"y\"}", "d").unwrap();
    assert_eq!(records[1].stream, "d");
    assert_eq!(records[1].offset, 2);
    assert_eq!(records[1].line, "y");
}

#[test]
fn long_lines_are_cut_and_flagged() {
    let long = "a".repeat((1 << 20) + 10);
    let records = native_batch(long.as_bytes(), "d").unwrap();
    assert_eq!(records[0].line.len(), 1 << 20);
    assert_eq!(records[0].attribute("truncated"), Some("true"));
    // Cut at a character boundary.
    let long = format!("a{}", "é".repeat(1 << 19));
    let records = native_batch(long.as_bytes(), "d").unwrap();
    assert_eq!(records[0].line.len(), (1 << 20) - 1);
}

#[test]
fn too_many_lines_is_an_error() {
    let body = "x\n".repeat(100_001);
    let err = native_batch(body.as_bytes(), "d").unwrap_err();
    assert!(err.to_string().contains("too many records"), "{err}");
    assert_eq!(native_batch(b"", "d").unwrap(), vec![]);
}
