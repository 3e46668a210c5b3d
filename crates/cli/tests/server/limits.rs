//! The server at its edges: bodies over the limit, unauthenticated or in an
//! unknown encoding; HEC events that look like multi-line records; the disk
//! quota and a really full disk; retention running in the server; syslog
//! over TLS from a rustls client.

use crate::support::*;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

fn logfmt_batch(stream: &str, first: u64, n: u64, ts: &str, word: &str) -> String {
    (first..first + n)
        .map(|i| {
            format!(
                "{{\"stream\":\"{stream}\",\"offset\":{},\"line\":\"ts={ts} level=info msg=\\\"{word} line {i} padding padding padding padding padding\\\"\"}}\n",
                i * 120
            )
        })
        .collect()
}

fn metric(c: &shim::blocking_shim::Client, url: &str, line_prefix: &str) -> f64 {
    crate::support::metric(c, url, ADMIN, line_prefix)
}

fn verify_ok(data: &Path) -> String {
    let out = Command::new(bin())
        .args(["verify", "--data-dir"])
        .arg(data)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "verify: {report}");
    report
}

/// Posts batches of `n` lines until one is refused: the events acknowledged
/// before, and the refusal.
fn fill_until_refused(
    c: &shim::blocking_shim::Client,
    ingest: &str,
    stream: &str,
    n: u64,
) -> (u64, shim::blocking_shim::Resp) {
    let mut acked = 0;
    for b in 0..20_000 {
        let r = c.post(
            ingest,
            Some(ADMIN),
            logfmt_batch(stream, b * n, n, "2026-11-22T12:00:00Z", stream),
        );
        if r.status != 200 {
            return (acked, r);
        }
        acked += n;
    }
    panic!("{acked} events stored and still no refusal");
}

#[test]
fn oversized_unauthenticated_and_badly_encoded_bodies_get_clear_answers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "");
    let c = client(&server.data());
    let ingest = format!("{}/api/v1/ingest", server.url);
    let big = "x".repeat(2 << 20); // over the 1 MiB max_body

    // Declared length over the limit: 413 with a reason, every time (not a reset).
    for _ in 0..3 {
        let r = c.post(&ingest, Some(ADMIN), big.clone());
        assert_eq!(r.status, 413, "{}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("max_body"));
    }
    // No token, or an unknown one: 401 before the body is read.
    assert_eq!(c.post(&ingest, None, big.clone()).status, 401);
    assert_eq!(c.post(&ingest, Some("sl_wrong"), "a=1\n").status, 401);

    // Chunked bodies (no length declared), with and without Expect: 100-continue,
    // and a declared length over HTTP/1.1.
    let file = dir.path().join("big.txt");
    std::fs::write(&file, &big).unwrap();
    // (HTTP/2 has no chunked encoding: its bodies are frames, tried last.)
    for (version, framing, expect) in [
        (
            "--http1.1",
            "Transfer-Encoding: chunked",
            "Expect: 100-continue",
        ),
        ("--http1.1", "Transfer-Encoding: chunked", "Expect:"),
        ("--http1.1", "X-Framing: content-length", "Expect:"),
        ("--http2", "X-Framing: frames", "Expect:"),
    ] {
        let out = Command::new("curl")
            .args([
                "-sS",
                version,
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--cacert",
            ])
            .arg(server.data().join("tls/cert.pem"))
            .args(["-H", &format!("Authorization: Bearer {ADMIN}")])
            .args(["-H", framing, "-H", expect])
            .arg("--data-binary")
            .arg(format!("@{}", file.display()))
            .arg(&ingest)
            .output()
            .expect("curl");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "413",
            "{version} {framing} {expect}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // An encoding we do not speak: 415. A gzip bomb: 413 at the decoded limit.
    let r = c.send(
        c.raw()
            .post(&ingest)
            .bearer_auth(ADMIN)
            .header("content-encoding", "br")
            .body("a=1\n"),
    );
    assert_eq!(r.status, 415, "{}", r.body);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'a'; 8 << 20]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 64 << 10);
    let r = c.send(
        c.raw()
            .post(&ingest)
            .bearer_auth(ADMIN)
            .header("content-encoding", "gzip")
            .body(bomb),
    );
    assert_eq!(r.status, 413, "{}", r.body);

    let refused = metric(
        &c,
        &server.url,
        "sightline_bodies_refused_total{reason=\"oversized\"}",
    );
    assert!(refused >= 7.0, "oversized refusals counted: {refused}");
    // And the server still takes a good batch.
    let ok = c.post(
        &ingest,
        Some(ADMIN),
        logfmt_batch("after", 0, 3, "2026-11-22T12:00:00Z", "afterwards"),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    server.stop();
}

#[test]
fn hec_events_of_a_system_sourcetype_are_never_joined() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "");
    let c = client(&server.data());
    // Two events that, as lines of one Milvus file, would be one record with
    // a continuation line.
    let body = r#"{"sourcetype": "milvus", "event": "[2026/03/09 10:08:14.713 +00:00] [ERROR] [proxy/impl.go:10] [\"search failed hecjoin\"]"}
{"sourcetype": "milvus", "event": "goroutine 12 [running]: hecjoin"}"#;
    let r = c.send(
        c.raw()
            .post(format!("{}/services/collector/event", server.url))
            .header("authorization", format!("Splunk {ADMIN}"))
            .body(body),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let count = |q: &str| search_count(&c, &server.url, ADMIN, q);
    eventually("hec events", || {
        count("hecjoin AND NOT event.dataset:sightline.audit") >= 2
    });
    assert_eq!(count("goroutine AND \"search failed\""), 0, "joined");

    // Refusals in HEC's shape, as Splunk clients read them.
    let hec = |token: Option<&str>, body: &'static str| {
        let mut req = c
            .raw()
            .post(format!("{}/services/collector/event", server.url))
            .body(body);
        if let Some(t) = token {
            req = req.header("authorization", format!("Splunk {t}"));
        }
        c.send(req)
    };
    let r = hec(None, r#"{"event": "x"}"#);
    assert_eq!(
        (r.status, r.json()["code"].as_u64()),
        (401, Some(2)),
        "Token is required: {}",
        r.body
    );
    let r = hec(Some(ADMIN), r#"{"event": "x""#);
    assert_eq!(
        (r.status, r.json()["code"].as_u64()),
        (400, Some(6)),
        "{}",
        r.body
    );
    let r = hec(Some(ADMIN), r#"{"event": "x"}{"time": 1}"#);
    assert_eq!(
        (r.status, r.json()["code"].as_u64()),
        (400, Some(12)),
        "{}",
        r.body
    );
    assert_eq!(
        r.json()["invalid-event-number"].as_u64(),
        Some(1),
        "{}",
        r.body
    );

    // OTLP: an unreadable protobuf is 400, an unknown content type 415.
    let otlp = |ctype: &str, body: &'static [u8]| {
        c.send(
            c.raw()
                .post(format!("{}/v1/logs", server.url))
                .bearer_auth(ADMIN)
                .header("content-type", ctype)
                .body(body),
        )
    };
    assert_eq!(otlp("application/x-protobuf", b"\xff\xff\xff").status, 400);
    assert_eq!(otlp("text/plain", b"hello").status, 415);
    server.stop();
}

#[test]
fn disk_quota_refuses_with_507_and_writes_resume_when_raised() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start_with(dir.path(), &data, "max_disk = \"400KiB\"", "");
    let c = client(&server.data());
    let ingest = format!("{}/api/v1/ingest", server.url);
    let (acked, r) = fill_until_refused(&c, &ingest, "quota", 200);
    assert_eq!(r.status, 507, "{}", r.body);
    assert!(r.headers.contains_key("retry-after"));
    assert!(r.body.contains("max_disk"), "says what to do: {}", r.body);
    assert!(metric(&c, &server.url, "sightline_store_disk_full_total") >= 1.0);
    // Refused again, and nothing of the refused batches is stored.
    assert_eq!(
        c.post(
            &ingest,
            Some(ADMIN),
            logfmt_batch("quota", 999_000, 10, "2026-11-22T12:00:00Z", "quota")
        )
        .status,
        507
    );
    eventually("acknowledged events searchable", || {
        search_count(&c, &server.url, ADMIN, "event.module:logfmt") >= acked
    });
    assert_eq!(
        search_count(&c, &server.url, ADMIN, "event.module:logfmt"),
        acked
    );
    server.stop();
    verify_ok(&data);

    // Space returns (the quota is raised): writes resume, nothing was lost.
    let server = Server::start_with(dir.path(), &data, "max_disk = \"64MiB\"", "");
    let c = client(&server.data());
    let r = c.post(
        &format!("{}/api/v1/ingest", server.url),
        Some(ADMIN),
        logfmt_batch("quota", 999_000, 10, "2026-11-22T12:00:00Z", "quota"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    eventually("resumed", || {
        search_count(&c, &server.url, ADMIN, "event.module:logfmt") == acked + 10
    });
    server.stop();
    verify_ok(&data);
}

/// A real full file system: a small tmpfs holding the data directory and a
/// ballast file. Needs root (mount); skipped with a message otherwise.
#[test]
fn full_file_system_refuses_with_507_and_resumes_when_space_is_freed() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("fs");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=6m", "sightline-test"])
        .arg(&mnt)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("cannot mount a tmpfs here (not root?); the quota test covers 507");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let ballast = mnt.join("ballast");
    std::fs::write(&ballast, vec![0u8; 2 << 20]).unwrap();
    let data = mnt.join("data");
    let server = Server::start_with(dir.path(), &data, "", "");
    let c = client(&server.data());
    let ingest = format!("{}/api/v1/ingest", server.url);
    let (acked, r) = fill_until_refused(&c, &ingest, "full", 300);
    assert_eq!(r.status, 507, "{}", r.body);
    assert!(metric(&c, &server.url, "sightline_store_disk_full_total") >= 1.0);

    // Free space; the same server takes writes again.
    std::fs::remove_file(&ballast).unwrap();
    let mut resumed = false;
    for attempt in 0..50 {
        let r = c.post(
            &ingest,
            Some(ADMIN),
            logfmt_batch("full", 9_000_000, 20, "2026-11-22T12:00:00Z", "full"),
        );
        if r.status == 200 {
            resumed = true;
            break;
        }
        assert_eq!(r.status, 507, "attempt {attempt}: {}", r.body);
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(resumed, "writes resume once space is freed");
    eventually("everything acknowledged is searchable", || {
        search_count(&c, &server.url, ADMIN, "event.module:logfmt") >= acked + 20
    });
    assert_eq!(
        search_count(&c, &server.url, ADMIN, "event.module:logfmt"),
        acked + 20
    );
    server.stop();
    verify_ok(&data);
}

#[test]
fn retention_in_the_server_deletes_expired_segments_and_verify_passes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start_with(
        dir.path(),
        &data,
        "segment_size = \"64KiB\"",
        "[store.retention]\nmax_age = \"30d\"\ncheck_every = \"1s\"\n",
    );
    let c = client(&server.data());
    let ingest = format!("{}/api/v1/ingest", server.url);
    let now = jiff::Timestamp::now().to_string();
    // Old events first (several sealed segments), then enough recent ones to
    // seal the segment holding the tail of the old ones.
    for b in 0..4 {
        let r = c.post(
            &ingest,
            Some(ADMIN),
            logfmt_batch("old", b * 400, 400, "2020-01-01T00:00:00Z", "expired"),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    for b in 0..2 {
        let r = c.post(
            &ingest,
            Some(ADMIN),
            logfmt_batch("new", b * 400, 400, &now, "current"),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let count = |q: &str| search_count(&c, &server.url, ADMIN, q);
    eventually("recent events searchable", || {
        count("current AND event.module:logfmt") == 800
    });
    eventually("expired segments deleted", || {
        count("expired AND event.module:logfmt") < 1600
    });
    assert_eq!(count("current AND event.module:logfmt"), 800, "kept");
    let log = std::fs::read_to_string(data.join("retention.log")).unwrap();
    assert!(log.lines().count() >= 1, "deletions are recorded");
    server.stop();
    let report = verify_ok(&data);
    assert!(report.contains("retention"), "{report}");
}

#[test]
fn syslog_over_tls_from_a_rustls_client() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "[syslog]\ntls = \"127.0.0.1:0\"\n");
    let c = client(&server.data());
    let addr = server.ready["syslog_tls"].as_str().unwrap().to_owned();

    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(server.data().join("tls/cert.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let conn = rustls::ClientConnection::new(
        config,
        ServerName::try_from("localhost").unwrap().to_owned(),
    )
    .unwrap();
    let sock = std::net::TcpStream::connect(&addr).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    // RFC 5425: octet-counted RFC 5424 messages.
    for (i, word) in ["tlsfirst", "tlssecond"].iter().enumerate() {
        let msg = format!(
            "<38>1 2026-11-22T12:00:0{i}Z node-1 sshd 42 - - Failed password for root from 192.0.2.9 port 22 ssh2 {word}"
        );
        write!(tls, "{} {msg}", msg.len()).unwrap();
    }
    tls.flush().unwrap();
    for word in ["tlsfirst", "tlssecond"] {
        let q = format!("{word} AND event.module:syslog");
        eventually(word, || search_count(&c, &server.url, ADMIN, &q) == 1);
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
    let mut rest = Vec::new();
    let _ = tls.read_to_end(&mut rest);

    // A plain-text sender on the TLS port stores nothing.
    let mut plain = std::net::TcpStream::connect(&addr).unwrap();
    let _ = plain.write_all(b"<38>1 2026-11-22T12:00:00Z node-1 sshd 42 - - plaintextsender\n");
    drop(plain);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        search_count(
            &c,
            &server.url,
            ADMIN,
            "plaintextsender AND event.module:syslog"
        ),
        0
    );
    server.stop();
}
