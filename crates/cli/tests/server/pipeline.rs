//! One pipeline configuration for the server and for `sightline parse|hunt
//! --config`: the same lines give the same enriched, redacted events and
//! the same alerts. And what a new user runs into: searches that do not
//! find their own audit records, events dated in the future that do not
//! hide, logs without colour codes when redirected, a timechart that says
//! it found nothing.

use crate::support::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const RAY_LOG: &str = "/tmp/ray/session_latest/logs/dashboard.log";

/// Ray dashboard access lines: a listed address sending a custom secret, an
/// unlisted one, and a line dated in 2099.
fn lines() -> Vec<String> {
    let access = |time: &str, clf: &str, ip: &str, request: &str, status: u16| {
        format!(
            "{time}\tINFO web_log.py:206 -- {ip} [{clf}] \"{request} HTTP/1.1\" {status} 173 \"-\" \"curl/7.88.1\""
        )
    };
    vec![
        access(
            "2026-11-22 12:37:01,000",
            "22/Nov/2026:12:37:01 +0000",
            "203.0.113.9",
            &format!("POST /api/jobs/?itk={SECRET}"),
            401,
        ),
        access(
            "2026-11-22 12:37:02,000",
            "22/Nov/2026:12:37:02 +0000",
            "198.51.100.1",
            "GET /api/jobs/",
            200,
        ),
        access(
            "2099-01-01 00:00:00,000",
            "01/Jan/2099:00:00:00 +0000",
            "198.51.100.2",
            "GET /api/version",
            200,
        ),
    ]
}

/// The lines as a native batch from `host`.
fn native_body(host: &str) -> String {
    let mut offset = 0;
    lines()
        .iter()
        .map(|l| {
            let rec = serde_json::json!({"stream": RAY_LOG, "path": RAY_LOG, "offset": offset, "line": l, "host": host});
            offset += l.len() + 1;
            format!("{rec}\n")
        })
        .collect()
}

const RULE: &str = r"title: Listed address on a production Ray head
id: enriched-asset-ioc
level: high
logsource: {product: ray}
detection:
    asset:
        tags: prod
    listed:
        tags: indicator_match
    condition: asset and listed
";

/// The configuration both sides read: rules, enrichment and redaction.
fn pipeline_config(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/enriched.yml"), RULE).unwrap();
    std::fs::create_dir_all(dir.join("lists")).unwrap();
    std::fs::write(
        dir.join("lists/scanners.txt"),
        "# watched\n203.0.113.0/24\n",
    )
    .unwrap();
    format!(
        r#"[detect]
rules = ["builtin", "{rules}"]

[enrich]
indicators = "{lists}"
[[enrich.assets]]
host = "ray-head-*"
tags = ["prod"]
labels = {{ team = "ml-platform" }}

[[redaction.patterns]]
kind = "internal-token"
regex = '''itk=(?P<secret>[0-9a-f]{{32}})'''
anchors = ["itk="]
"#,
        rules = dir.join("rules").display(),
        lists = dir.join("lists").display()
    )
}

fn sightline(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env_remove("SIGHTLINE_TOKEN")
        .output()
        .expect("the sightline binary runs")
}

/// What enrichment and redaction decided, per original line.
fn enrichment(events: &[serde_json::Value]) -> BTreeMap<String, serde_json::Value> {
    events
        .iter()
        .map(|e| {
            (
                e["event.original"].as_str().unwrap_or_default().to_owned(),
                serde_json::json!({
                    "tags": e["tags"],
                    "labels": e["labels"],
                    "url.query": e["url.query"],
                    "host.name": e["host.name"],
                    "source.ip": e["source.ip"],
                }),
            )
        })
        .collect()
}

#[test]
fn parse_and_hunt_with_the_config_see_what_the_server_stores() {
    let dir = tempfile::tempdir().unwrap();
    let extra = pipeline_config(dir.path());
    let server = Server::start(dir.path(), &extra);
    let c = client(&server.data());
    let url = &server.url;
    let r = c.post(
        &format!("{url}/api/v1/ingest"),
        Some(ADMIN),
        native_body("ray-head-1"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["stored"].as_u64(), Some(3), "{}", r.body);
    let stored_events = || {
        let r = c.send(
            c.raw()
                .get(format!("{url}/api/v1/search"))
                .bearer_auth(ADMIN)
                .query(&[("q", "event.module:ray"), ("limit", "100")]),
        );
        r.json()["events"].as_array().cloned().unwrap_or_default()
    };
    eventually("the events to be searchable", || stored_events().len() == 3);
    let stored = enrichment(&stored_events());

    // The same lines as a file, read with the same configuration.
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("dashboard.log"), lines().join("\n") + "\n").unwrap();
    let config = dir.path().join("sightline.toml");
    let out = sightline(&[
        "parse",
        "-q",
        "--config",
        config.to_str().unwrap(),
        "--host",
        "ray-head-1",
        logs.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let parsed = enrichment(&parsed);
    assert_eq!(parsed, stored, "parse --config sees what the server stores");

    let listed = stored
        .values()
        .find(|v| v["source.ip"] == "203.0.113.9")
        .expect("the listed address");
    let tags = listed["tags"].as_array().unwrap();
    for t in ["prod", "indicator_match", "redacted"] {
        assert!(tags.contains(&t.into()), "{t} in {tags:?}");
    }
    assert_eq!(listed["labels"]["team"], "ml-platform");
    assert_eq!(listed["labels"]["indicator.list"], "scanners");
    assert_eq!(listed["url.query"], "itk=[REDACTED:internal-token]");
    let future = stored
        .values()
        .find(|v| v["source.ip"] == "198.51.100.2")
        .expect("the line of 2099");
    assert!(
        future["tags"]
            .as_array()
            .unwrap()
            .contains(&"timestamp_future".into())
    );

    // hunt with the same file raises the rule that needs both enrichments,
    // as the server does.
    let out = sightline(&[
        "hunt",
        "-q",
        "--config",
        config.to_str().unwrap(),
        "--host",
        "ray-head-1",
        logs.to_str().unwrap(),
    ]);
    let hunted = String::from_utf8_lossy(&out.stdout);
    assert!(
        hunted.contains("\"rule.id\":\"enriched-asset-ioc\""),
        "{hunted}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eventually("the server's alert", || {
        c.get(&format!("{url}/api/v1/alerts"), Some(ADMIN)).json()["alerts"]
            .as_array()
            .is_some_and(|a| a.iter().any(|a| a["rule.id"] == "enriched-asset-ioc"))
    });
    server.stop();
}

#[test]
fn searches_leave_audit_records_out_and_find_future_events() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = Server::start_logged(dir.path(), "", &log);
    let c = client(&server.data());
    let url = &server.url;
    let cert = server.data().join("tls/cert.pem");
    let r = c.post(
        &format!("{url}/api/v1/ingest"),
        Some(ADMIN),
        native_body("ray-head-1"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    eventually("the events to be searchable", || {
        search_count(&c, url, ADMIN, "event.module:ray") == 3
    });

    // A free-text search matches the text of its own audit records (they
    // hold the query): repeating it must not find more and more.
    let phrase = "\"POST /api/jobs\"";
    let first = search_count(&c, url, ADMIN, phrase);
    assert_eq!(first, 1);
    for _ in 0..2 {
        assert_eq!(search_count(&c, url, ADMIN, phrase), first);
    }
    let audited = "event.dataset:sightline.audit AND \"POST api jobs\"";
    eventually("the searches to be audited", || {
        search_count(&c, url, ADMIN, audited) >= 3
    });
    assert_eq!(
        search_count(&c, url, ADMIN, phrase),
        first,
        "audit records are searched only when the query names them"
    );

    // The CLI: the line dated 2099 is found with the default window, and
    // is tagged; a timechart without a match says so.
    let cli = |args: &[&str]| {
        let mut all = vec!["search"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[
            "--server",
            url,
            "--token",
            ADMIN,
            "--ca",
            cert.to_str().unwrap(),
        ]);
        let out = sightline(&all);
        assert!(
            out.status.success(),
            "{all:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(cli(&["tags:timestamp_future", "--count"]).trim(), "1");
    assert_eq!(
        cli(&["event.module:ray", "--count"]).trim(),
        "1",
        "the default window (the last 24 h) holds the line of 2099, not those of 2026-11-22"
    );
    let empty = cli(&["nosuchwordanywhere | timechart 1h", "--format", "table"]);
    assert!(empty.starts_with("no matches since "), "{empty}");
    let json: serde_json::Value =
        serde_json::from_str(&cli(&["nosuchwordanywhere | timechart 1h"])).unwrap();
    assert_eq!(json["type"], "timechart");
    assert_eq!(json["buckets"], serde_json::json!([]));
    let metrics = c.get(&format!("{url}/metrics"), Some(ADMIN)).body;
    assert!(
        metrics.contains("sightline_events_future_total{dataset=\"ray.dashboard\"} 1"),
        "{metrics}"
    );

    server.stop();
    let text = std::fs::read(&log).unwrap();
    assert!(
        String::from_utf8_lossy(&text).contains("listening on"),
        "the log was written"
    );
    assert!(!text.contains(&0x1b), "no colour codes in a redirected log");
}
