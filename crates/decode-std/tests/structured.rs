//! JSON lines and logfmt as real loggers write them (fixtures), the
//! configurable mapping, and detection.

mod common;

use common::*;
use sightline_decode::{DecodeOptions, Outcome, Source, tags};
use sightline_decode_std::{JsonSource, LABELS_TRUNCATED, LogfmtSource, SyslogSource, TextSource};
use std::path::Path;

fn json_lines(lines: &[&str], options: DecodeOptions) -> Vec<sightline_decode::Event> {
    let text = lines.join("\n");
    run_bytes(
        &JsonSource,
        Path::new("/var/log/app/app.jsonl"),
        text.as_bytes(),
        options,
    )
    .0
}

#[test]
fn real_json_loggers() {
    let ev = run_file(&JsonSource, "json-lines.jsonl");
    assert_eq!(ev.len(), 8);
    assert!(
        ev.iter()
            .all(|e| !e.has_tag(tags::PARSE_FAILURE) && !e.has_tag(tags::TIMESTAMP_INFERRED))
    );
    assert!(
        ev.iter()
            .all(|e| e.module == "json" && e.dataset == "json.log")
    );

    // pino: numeric level, epoch milliseconds, req object.
    let p = &ev[0];
    assert_eq!(p.timestamp.to_string(), "2026-11-22T21:47:36.98Z");
    assert_eq!(
        (p.level.as_deref(), p.message.as_str()),
        (Some("info"), "login ok")
    );
    assert_eq!(
        (i(p, "process.pid"), s(p, "host.name")),
        (Some(4242), Some("api-1"))
    );
    assert_eq!(
        (s(p, "log.logger"), s(p, "user.name")),
        (Some("checkout"), Some("alice"))
    );
    assert_eq!(
        (s(p, "http.request.method"), s(p, "url.path")),
        (Some("POST"), Some("/api/login"))
    );
    assert!(p.labels.is_empty(), "{:?}", p.labels);

    // bunyan
    let b = &ev[1];
    assert_eq!(
        (b.level.as_deref(), s(b, "source.ip")),
        (Some("warning"), Some("203.0.113.7"))
    );
    assert_eq!(b.timestamp.to_string(), "2026-11-22T21:47:37.003Z");
    assert_eq!(s(b, "labels.v"), Some("0"));

    // pino error object
    let e = &ev[2];
    assert_eq!(e.level.as_deref(), Some("error"));
    assert_eq!(
        (s(e, "error.type"), s(e, "error.message")),
        (Some("Error"), Some("token expired"))
    );
    assert!(
        s(e, "error.stack_trace")
            .unwrap()
            .starts_with("Error: token expired\n    at Object.<anonymous>")
    );

    // python-json-logger: local asctime with comma millis, levelname, name.
    let j = &ev[3];
    assert_eq!(j.timestamp.to_string(), "2026-11-22T21:47:37.279Z");
    assert_eq!(
        (j.level.as_deref(), s(j, "log.logger")),
        (Some("warning"), Some("jl"))
    );
    assert_eq!(
        (s(j, "labels.mount"), s(j, "labels.pct")),
        (Some("/data"), Some("91.5"))
    );
    assert!(
        s(&ev[4], "error.stack_trace")
            .unwrap()
            .ends_with("ZeroDivisionError: division by zero")
    );

    // ecs-logging: dotted and nested ECS names pass through.
    let c = &ev[5];
    assert_eq!(
        (c.level.as_deref(), c.message.as_str()),
        (Some("info"), "user logged in")
    );
    assert_eq!(
        (s(c, "user.name"), s(c, "source.ip")),
        (Some("alice"), Some("198.51.100.7"))
    );
    assert_eq!(s(c, "http.request.method"), Some("POST"));
    assert_eq!(
        (s(c, "log.logger"), s(c, "log.origin.file.name")),
        (Some("ecs"), Some("gen.py"))
    );
    assert_eq!(
        (i(c, "log.origin.file.line"), i(c, "process.pid")),
        (Some(14), Some(32086))
    );
    assert_eq!(i(c, "process.thread.id"), Some(140372205620096));
    assert_eq!(
        (s(c, "process.name"), s(c, "labels.ecs.version")),
        (Some("MainProcess"), Some("1.6.0"))
    );
    assert_eq!(s(c, "labels.process.thread.name"), Some("MainThread"));

    // structlog: the message is "event".
    let st = &ev[6];
    assert_eq!(
        (st.message.as_str(), s(st, "labels.job_id")),
        ("job submitted", Some("raysubmit_1"))
    );
    assert_eq!(st.timestamp.to_string(), "2026-11-22T21:47:37.281113Z");

    // Docker json-file: "log" with its newline, nanosecond time.
    let d = &ev[7];
    assert_eq!(
        (d.message.as_str(), s(d, "labels.stream")),
        ("Hello from Docker!", Some("stdout"))
    );
    assert_eq!(d.timestamp.to_string(), "2026-11-22T21:46:58.123456789Z");
}

#[test]
fn json_dataset_from_service() {
    let ev = json_lines(
        &[
            r#"{"service":"Chat-API","msg":"x"}"#,
            r#"{"service":{"name":"embed svc"},"msg":"x"}"#,
            r#"{"app":"billing","msg":"x"}"#,
            r#"{"service":"18ms","msg":"x"}"#,
            r#"{"logger":"uvicorn.access","msg":"x"}"#,
        ],
        DecodeOptions::default(),
    );
    let ds: Vec<&str> = ev.iter().map(|e| e.dataset.as_ref()).collect();
    assert_eq!(
        ds,
        [
            "json.chat-api",
            "json.embed_svc",
            "json.billing",
            "json.log",
            "json.log"
        ]
    );
    assert_eq!(s(&ev[0], "service.name"), Some("Chat-API"));
}

#[test]
fn json_http_access_line() {
    let ev = json_lines(
        &[
            r#"{"time":"2026-11-22T12:00:00Z","remote_addr":"203.0.113.9","request":"POST /api/jobs/ HTTP/1.1","status":401,"http_user_agent":"curl/8.5.0"}"#,
            r#"{"status":"ok","msg":"no http here"}"#,
            r#"{"status":500,"msg":"status without method is not HTTP"}"#,
        ],
        DecodeOptions::default(),
    );
    let a = &ev[0];
    assert_eq!(
        (s(a, "http.request.method"), s(a, "url.path")),
        (Some("POST"), Some("/api/jobs/"))
    );
    assert_eq!(
        (i(a, "http.response.status_code"), s(a, "source.ip")),
        (Some(401), Some("203.0.113.9"))
    );
    assert_eq!(
        (a.outcome, a.action.as_deref()),
        (Outcome::Failure, Some("http-request"))
    );
    assert!(a.category.iter().any(|c| c == "authentication"));
    assert_eq!(s(a, "user_agent.original"), Some("curl/8.5.0"));
    assert_eq!(s(&ev[1], "labels.status"), Some("ok"));
    assert_eq!(
        (
            i(&ev[2], "http.response.status_code"),
            s(&ev[2], "labels.status")
        ),
        (None, Some("500"))
    );
}

#[test]
fn json_configured_mapping_comes_first() {
    let options = DecodeOptions {
        json_mapping: vec![
            ("ctx.who".into(), "user.name".into()),
            ("when".into(), "@timestamp".into()),
            ("body".into(), "message".into()),
            ("peer".into(), "labels.peer_addr".into()),
            ("tenant".into(), "org.tenant".into()),
            ("meta".into(), "labels.m".into()),
            ("user".into(), "labels.claimed_user".into()),
        ],
        ..Default::default()
    };
    let ev = json_lines(
        &[
            r#"{"ctx":{"who":"alice","extra":1},"when":"2026-11-22T12:00:00+01:00","body":"hi","msg":"not me","peer":"x","tenant":"t1","meta":{"a":1,"b":{"c":"d"}},"user":"bob"}"#,
        ],
        options,
    );
    let e = &ev[0];
    assert_eq!(
        (s(e, "user.name"), e.message.as_str()),
        (Some("alice"), "hi")
    );
    assert_eq!(e.timestamp.to_string(), "2026-11-22T11:00:00Z");
    assert_eq!(
        (s(e, "labels.msg"), s(e, "labels.peer_addr")),
        (Some("not me"), Some("x"))
    );
    assert_eq!(s(e, "org.tenant"), Some("t1"));
    assert_eq!(
        (s(e, "labels.m.a"), s(e, "labels.m.b.c")),
        (Some("1"), Some("d"))
    );
    assert_eq!(
        (s(e, "labels.claimed_user"), s(e, "labels.ctx.extra")),
        (Some("bob"), Some("1"))
    );
}

#[test]
fn json_failures_and_bounds() {
    let deep = format!("{}1{}", r#"{"a":"#.repeat(20), "}".repeat(20));
    let many = format!(
        "{{{}}}",
        (0..1000)
            .map(|n| format!("\"k{n}\":{n}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let long = format!(r#"{{"big":"{}"}}"#, "x".repeat(20_000));
    let ev = json_lines(
        &[
            r#"{"msg":"ok"}"#,
            "not json at all",
            "[1,2,3]",
            r#"{"a":"#,
            &deep,
            &many,
            &long,
            r#"{"time":"garbage","msg":"x"}"#,
        ],
        DecodeOptions::default(),
    );
    assert_eq!(ev.len(), 8);
    assert!(!ev[0].has_tag(tags::PARSE_FAILURE));
    assert!(ev[1].has_tag(tags::PARSE_FAILURE));
    let reason = s(&ev[1], "error.message").unwrap();
    assert!(
        reason.starts_with("invalid JSON: expected") && reason.ends_with("at line 1 column 2"),
        "{reason}"
    );
    assert_eq!(
        s(&ev[2], "error.message"),
        Some("JSON value is not an object")
    );
    assert!(
        s(&ev[3], "error.message")
            .unwrap()
            .contains("EOF while parsing")
    );
    // Depth: the part below the cap is one label holding JSON text.
    assert!(ev[4].has_tag(LABELS_TRUNCATED));
    assert!(
        ev[4]
            .labels
            .keys()
            .any(|k| k.starts_with("a.a.a.a.a.a.a.a"))
    );
    // Count: at most 200 labels.
    assert_eq!(ev[5].labels.len(), 200);
    assert!(ev[5].has_tag(LABELS_TRUNCATED));
    // Size: a value is cut at 8 KiB.
    assert_eq!(s(&ev[6], "labels.big").map(str::len), Some(8192));
    assert!(ev[6].has_tag(LABELS_TRUNCATED));
    // An unreadable time stays as a label; the event time is inferred.
    assert!(ev[7].has_tag(tags::TIMESTAMP_INFERRED));
    assert_eq!(s(&ev[7], "labels.time"), Some("garbage"));
}

#[test]
fn json_pretty_printed_and_trailing_traceback() {
    let ev = json_lines(
        &[
            "{",
            r#"  "level": "error","#,
            r#"  "msg": "multi""#,
            "}",
            r#"{"msg":"boom"}"#,
            "  File \"x.py\", line 1",
            "ValueError: bad",
        ],
        DecodeOptions::default(),
    );
    assert_eq!(
        ev.len(),
        3,
        "{:?}",
        ev.iter().map(|e| &e.original).collect::<Vec<_>>()
    );
    assert_eq!(
        (ev[0].message.as_str(), ev[0].level.as_deref()),
        ("multi", Some("error"))
    );
    assert!(!ev[0].has_tag(tags::PARSE_FAILURE));
    assert_eq!(
        s(&ev[1], "error.stack_trace"),
        Some("  File \"x.py\", line 1")
    );
    // A line that is not JSON in a JSON stream is a parse failure of its own.
    assert!(ev[2].has_tag(tags::PARSE_FAILURE));
}

#[test]
fn real_logfmt_loggers() {
    let ev = run_file(&LogfmtSource, "logfmt.log");
    assert_eq!(ev.len(), 4);
    assert!(ev.iter().all(|e| !e.has_tag(tags::PARSE_FAILURE)
        && e.dataset == "logfmt.log"
        && e.module == "logfmt"));
    // logfmter: Heroku-style at=, quoted values with escaped quotes.
    let a = &ev[0];
    assert_eq!(
        (a.level.as_deref(), a.message.as_str()),
        (Some("info"), "user logged in")
    );
    assert_eq!(
        (s(a, "user.name"), s(a, "labels.note")),
        (Some("alice"), Some(r#"say "hi""#))
    );
    assert_eq!(s(a, "labels.when"), Some("2026-11-22 21:47:37,280"));
    // structlog
    let b = &ev[1];
    assert_eq!(b.timestamp.to_string(), "2026-11-22T21:47:37.281198Z");
    assert_eq!(
        (b.level.as_deref(), b.message.as_str()),
        (Some("warning"), "token rejected")
    );
    assert_eq!(
        (s(b, "user.name"), s(b, "source.ip")),
        (Some("bob"), Some("203.0.113.9"))
    );
    // Heroku router: an HTTP request; service=18ms is not a service name.
    let h = &ev[2];
    assert_eq!(
        (s(h, "http.request.method"), s(h, "url.path")),
        (Some("GET"), Some("/"))
    );
    assert_eq!(i(h, "http.response.status_code"), Some(200));
    assert_eq!(
        (s(h, "service.name"), s(h, "labels.service")),
        (None, Some("18ms"))
    );
    assert!(h.message.starts_with("at=info method=GET"));
    // go-kit: caller file:line, address with port.
    let g = &ev[3];
    assert_eq!(
        (s(g, "log.origin.file.name"), i(g, "log.origin.file.line")),
        (Some("auth.go"), Some(87))
    );
    assert_eq!(
        (s(g, "source.ip"), i(g, "source.port")),
        (Some("203.0.113.50"), Some(41234))
    );
    assert_eq!(g.timestamp.to_string(), "2026-11-22T21:46:58.412Z");
}

#[test]
fn logfmt_failures() {
    let text = "no pairs here at all\nlevel=info msg=\"unterminated\n  indented continuation\n=x \"y\" z\n";
    let (ev, lines) = run_bytes(
        &LogfmtSource,
        Path::new("/x.log"),
        text.as_bytes(),
        DecodeOptions::default(),
    );
    assert_eq!(ev.iter().map(line_count).sum::<usize>(), lines);
    assert!(ev[0].has_tag(tags::PARSE_FAILURE));
    assert_eq!(s(&ev[0], "error.message"), Some("no key=value pairs"));
    assert_eq!(ev[1].message, "unterminated");
    assert_eq!(
        s(&ev[1], "labels.logfmt.error"),
        Some("unterminated quoted value")
    );
    assert_eq!(
        s(&ev[1], "error.stack_trace"),
        Some("  indented continuation")
    );
    assert!(ev[2].has_tag(tags::PARSE_FAILURE));
}

#[test]
fn detection_scores() {
    let json = sample("json-lines.jsonl");
    let json: Vec<&str> = json.iter().map(String::as_str).collect();
    assert_eq!(JsonSource.detect(None, &json), 30);
    assert_eq!(LogfmtSource.detect(None, &json), 0);
    let lf = sample("logfmt.log");
    let lf: Vec<&str> = lf.iter().map(String::as_str).collect();
    assert_eq!(LogfmtSource.detect(None, &lf), 25);
    assert_eq!(JsonSource.detect(None, &lf), 0);
    assert_eq!(SyslogSource.detect(None, &lf), 0);
    let prose = [
        "Starting server",
        "listening on :8080",
        "2026-11-22 12:00:00 INFO ready a=1 b=2 c=3 and more words",
    ];
    for src in [&JsonSource as &dyn Source, &LogfmtSource, &SyslogSource] {
        assert_eq!(src.detect(None, &prose), 0, "{}", src.module());
    }
    assert_eq!(TextSource.detect(None, &prose), 1);
    assert_eq!(
        JsonSource.detect(Some(Path::new("/x/out.json")), &["{", "  \"a\": 1"]),
        20
    );
}
