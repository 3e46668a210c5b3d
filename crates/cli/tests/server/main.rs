//! `sightline server` as a real process: TLS, tokens and roles, ingest over
//! HTTP and syslog (with `logger`), search, alerts, kill -9 and restart,
//! `verify` before and after a flipped byte; body limits, disk full and
//! retention in `limits`.

mod detection;
mod forwarding;
mod hostile;
mod limits;
mod pipeline;
mod receivers;
mod response;
mod routing;
mod support;
mod tamper;

use std::io::Write;
use std::process::Command;
use std::time::Duration;
use support::*;

#[test]
fn tokens_roles_ingest_search_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "");
    let c = client(&server.data());
    let url = &server.url;
    assert!(
        url.starts_with("https://127.0.0.1:"),
        "TLS and loopback by default: {url}"
    );

    // Health is the one endpoint open to all; everything else needs a token.
    assert_eq!(c.get(&format!("{url}/health"), None).status, 200);
    for path in [
        "/metrics",
        "/api/v1/search?q=*",
        "/api/v1/alerts",
        "/api/v1/rules",
    ] {
        let r = c.get(&format!("{url}{path}"), None);
        assert_eq!(r.status, 401, "{path} without a token");
        assert!(r.headers.contains_key("www-authenticate"));
    }
    assert_eq!(
        c.get(&format!("{url}/api/v1/alerts"), Some("sl_wrong"))
            .status,
        401
    );

    // The admin makes a viewer and an ingest token.
    let mk = |name: &str, role: &str| -> String {
        let r = c.post_json(
            &format!("{url}/api/v1/tokens"),
            ADMIN,
            &serde_json::json!({"name": name, "role": role}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_owned()
    };
    let viewer = mk("viewer-1", "viewer");
    let ingest = mk("shipper-1", "ingest");
    let tokens_file = std::fs::read_to_string(server.data().join("tokens.json")).unwrap();
    assert!(
        !tokens_file.contains(&viewer) && !tokens_file.contains(ADMIN),
        "tokens are stored hashed"
    );

    // A viewer may not ingest; an ingest token may not search.
    let body = ray_lines(12, "10.9.8.7");
    let r = c.post(&format!("{url}/api/v1/ingest"), Some(&viewer), body.clone());
    assert_eq!(r.status, 403, "viewer ingest: {}", r.body);
    assert_eq!(
        c.get(&format!("{url}/api/v1/search?q=*"), Some(&ingest))
            .status,
        403
    );

    let r = c.post(&format!("{url}/api/v1/ingest"), Some(&ingest), body.clone());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["stored"].as_u64(), Some(12), "{}", r.body);
    // The same batch again (a retry) is stored once.
    let r = c.post(&format!("{url}/api/v1/ingest"), Some(&ingest), body);
    assert_eq!(r.json()["stored"].as_u64(), Some(0), "{}", r.body);
    assert_eq!(r.json()["duplicates"].as_u64(), Some(12), "{}", r.body);

    eventually("the events to be searchable", || {
        search_count(
            &c,
            url,
            &viewer,
            "source.ip:10.9.8.7 AND http.response.status_code:401",
        ) == 12
    });
    assert_eq!(search_count(&c, url, &viewer, "source.ip:10.9.8.8"), 0);

    // Twelve unauthenticated job submissions from one address raise an alert.
    let mut alert_id = String::new();
    eventually("an alert", || {
        let r = c.get(&format!("{url}/api/v1/alerts"), Some(&viewer));
        let alerts = r.json()["alerts"].as_array().cloned().unwrap_or_default();
        match alerts
            .iter()
            .find(|a| a["alert.group"]["source.ip"] == "10.9.8.7")
        {
            Some(a) => {
                alert_id = a["alert.id"].as_str().unwrap().to_owned();
                true
            }
            None => false,
        }
    });
    // A viewer may not change alerts; an admin may, and that is audited.
    let state_url = format!("{url}/api/v1/alerts/{}/state", &alert_id[..12]);
    let change = serde_json::json!({"state": "acknowledged", "note": "on it"});
    assert_eq!(c.post_json(&state_url, &viewer, &change).status, 403);
    let r = c.post_json(&state_url, ADMIN, &change);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["alert.state"], "acknowledged");
    eventually("the audit record", || {
        search_count(
            &c,
            url,
            &viewer,
            "event.dataset:sightline.audit AND event.action:alert-state AND user.name:admin",
        ) == 1
    });

    // The CLI against the running server.
    let out = Command::new(bin())
        .args([
            "alerts", "list", "--format", "jsonl", "--server", url, "--ca",
        ])
        .arg(server.data().join("tls/cert.pem"))
        .env("SIGHTLINE_TOKEN", &viewer)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&alert_id));
    let out = Command::new(bin())
        .args(["search", "--server", url, "--count", "--ca"])
        .arg(server.data().join("tls/cert.pem"))
        .args([
            "--token",
            &viewer,
            "--from",
            "2000-01-01",
            "source.ip:10.9.8.7",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "12");

    let metrics = c.get(&format!("{url}/metrics"), Some(&viewer));
    assert!(
        metrics
            .body
            .contains("sightline_events_received_total{receiver=\"http\"} 24"),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("sightline_events_duplicate_total 12"));
    server.stop();
}

#[test]
fn syslog_over_udp_and_tcp_with_logger() {
    if Command::new("logger").arg("--version").output().is_err() {
        eprintln!("logger (util-linux) is not installed; skipping");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        "[syslog]\nudp = \"127.0.0.1:0\"\ntcp = \"127.0.0.1:0\"\n",
    );
    let c = client(&server.data());
    let port = |k: &str| {
        server.ready[k]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .to_owned()
    };
    let (udp, tcp) = (port("syslog_udp"), port("syslog_tcp"));
    for (flags, port, word) in [
        (vec!["-d", "--rfc5424"], &udp, "udpfivefourtwofour"),
        (vec!["-d", "--rfc3164"], &udp, "udpthreeonesixfour"),
        (vec!["-T", "--rfc5424"], &tcp, "tcpnewline"),
        (vec!["-T", "--octet-count", "--rfc5424"], &tcp, "tcpoctets"),
    ] {
        let st = Command::new("logger")
            .args(&flags)
            .args(["-n", "127.0.0.1", "-P", port, "-t", "sshd", "--"])
            .arg(format!(
                "Failed password for root from 192.0.2.7 port 4242 ssh2 {word}"
            ))
            .status()
            .unwrap();
        assert!(st.success());
        // Searches are audited, and the audit records name the query: leave them out.
        let q = format!("{word} AND event.module:syslog");
        eventually(word, || search_count(&c, &server.url, ADMIN, &q) >= 1);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            search_count(&c, &server.url, ADMIN, &q),
            1,
            "{word} stored once"
        );
    }
    assert_eq!(
        search_count(
            &c,
            &server.url,
            ADMIN,
            "event.module:syslog AND \"failed password\""
        ),
        4
    );
    server.stop();
}

#[test]
fn kill9_loses_nothing_acknowledged_and_verify_names_a_flipped_byte() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "");
    let c = client(&server.data());
    let url = server.url.clone();
    // Batches of distinct lines until killed; count what was acknowledged.
    let mut acked = 0u64;
    let killer = {
        let pid = server.child.id();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        })
    };
    for b in 0..10_000u64 {
        let body: String = (0..50)
            .map(|i| format!("{{\"stream\":\"kill9\",\"offset\":{},\"line\":\"ts=2026-11-22T12:00:00Z level=info msg=\\\"batch {b} line {i}\\\"\"}}\n", b * 100 + i))
            .collect();
        let resp = c.rt_try_post(&format!("{url}/api/v1/ingest"), ADMIN, body);
        match resp {
            Some(200) => acked += 50,
            _ => break,
        }
    }
    killer.join().unwrap();
    server.kill9();
    assert!(acked > 0, "some batches were acknowledged before the kill");

    let server = Server::start(dir.path(), "");
    let c = client(&server.data());
    eventually("recovery", || {
        search_count(&c, &server.url, ADMIN, "event.module:logfmt") >= acked
    });
    let stored = search_count(&c, &server.url, ADMIN, "event.module:logfmt");
    // At most the one batch in flight at the kill may be stored unacknowledged.
    assert!(
        stored >= acked && stored <= acked + 50,
        "acked {acked}, stored {stored}"
    );
    server.stop();

    let verify = |extra: &[&str]| {
        Command::new(bin())
            .args(["verify", "--data-dir"])
            .arg(dir.path().join("data"))
            .args(extra)
            .output()
            .unwrap()
    };
    let out = verify(&[]);
    assert!(
        out.status.success(),
        "verify after kill -9: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Flip one byte in the middle of a segment file.
    let seg = find_segment(&dir.path().join("data"));
    let mut bytes = std::fs::read(&seg).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    let out = verify(&[]);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "verify must fail after a flipped byte: {report}"
    );
    assert!(report.contains("record"), "names the record: {report}");
}

#[test]
fn the_demo_replay_fills_search_and_raises_alerts() {
    // The README's main command, on the bundled demo logs.
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_full(
        dir.path(),
        &dir.path().join("data"),
        "",
        "",
        &["--demo", "--demo-dir", demo.to_str().unwrap()],
    );
    let c = client(&server.data());
    let url = &server.url;
    // The replay takes about a minute; each system's newest events come last.
    let started = std::time::Instant::now();
    let modules = ["ray", "mesos", "milvus", "mlx"];
    loop {
        let missing: Vec<&str> = modules
            .iter()
            .copied()
            .filter(|m| search_count(&c, url, ADMIN, &format!("event.module:{m}")) == 0)
            .collect();
        let alerts = c.get(&format!("{url}/api/v1/alerts"), Some(ADMIN)).json()["total"]
            .as_u64()
            .unwrap_or(0);
        if missing.is_empty() && alerts >= 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "after 180 s: {alerts} alerts, nothing from {missing:?}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    server.stop();
}
