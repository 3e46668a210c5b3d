//! `sightline server` as a real process: TLS, tokens and roles, ingest over
//! HTTP and syslog (with `logger`), search, alerts, kill -9 and restart,
//! `verify` before and after a flipped byte.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN: &str = "sl_test_admin_token_0123456789abcdef";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sightline")
}

struct Server {
    child: Child,
    dir: PathBuf,
    url: String,
    ready: serde_json::Value,
}

impl Server {
    /// Starts a server on free ports with `extra` appended to its config.
    fn start(dir: &Path, extra: &str) -> Server {
        let config = dir.join("sightline.toml");
        let data = dir.join("data");
        let text = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n\n[store]\nkey_file = \"{}\"\n\n{extra}",
            data.display(),
            dir.join("signing.key").display()
        );
        std::fs::write(&config, text).unwrap();
        let ready = dir.join("ready.json");
        let _ = std::fs::remove_file(&ready);
        let child = Command::new(bin())
            .args(["server", "--config"])
            .arg(&config)
            .arg("--ready-file")
            .arg(&ready)
            .env("SIGHTLINE_ADMIN_TOKEN", ADMIN)
            .env("SIGHTLINE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sightline server");
        let started = Instant::now();
        while !ready.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(50));
        let ready: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&ready).unwrap()).unwrap();
        Server {
            child,
            dir: dir.to_path_buf(),
            url: ready["http"].as_str().unwrap().to_owned(),
            ready,
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn stop(mut self) {
        // SIGTERM: graceful shutdown that drains the queue.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(data: &Path) -> shim::blocking_shim::Client {
    shim::blocking_shim::Client::new(&data.join("tls/cert.pem"))
}

/// A blocking wrapper over reqwest's async client (the blocking feature
/// would add a second copy of the runtime plumbing for tests only).
mod shim {
    pub mod blocking_shim {
        use std::path::Path;

        pub struct Client {
            http: ::reqwest::Client,
            rt: tokio::runtime::Runtime,
        }

        pub struct Resp {
            pub status: u16,
            pub headers: ::reqwest::header::HeaderMap,
            pub body: String,
        }

        impl Resp {
            pub fn json(&self) -> serde_json::Value {
                serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
            }
        }

        impl Client {
            pub fn new(ca: &Path) -> Client {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let pem = std::fs::read(ca).expect("server certificate");
                let http = ::reqwest::Client::builder()
                    .add_root_certificate(::reqwest::Certificate::from_pem(&pem).unwrap())
                    .build()
                    .unwrap();
                Client {
                    http,
                    rt: tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap(),
                }
            }

            pub fn send(&self, req: ::reqwest::RequestBuilder) -> Resp {
                self.rt.block_on(async {
                    let r = req.send().await.expect("request");
                    let status = r.status().as_u16();
                    let headers = r.headers().clone();
                    Resp {
                        status,
                        headers,
                        body: r.text().await.unwrap_or_default(),
                    }
                })
            }

            pub fn get(&self, url: &str, token: Option<&str>) -> Resp {
                let mut r = self.http.get(url);
                if let Some(t) = token {
                    r = r.bearer_auth(t);
                }
                self.send(r)
            }

            pub fn post(
                &self,
                url: &str,
                token: Option<&str>,
                body: impl Into<::reqwest::Body>,
            ) -> Resp {
                let mut r = self.http.post(url).body(body);
                if let Some(t) = token {
                    r = r.bearer_auth(t);
                }
                self.send(r)
            }

            pub fn post_json(&self, url: &str, token: &str, body: &serde_json::Value) -> Resp {
                self.send(self.http.post(url).bearer_auth(token).json(body))
            }

            pub fn raw(&self) -> &::reqwest::Client {
                &self.http
            }
        }
    }
}

fn search_count(c: &shim::blocking_shim::Client, url: &str, token: &str, q: &str) -> u64 {
    let r = c.send(
        c.raw()
            .get(format!("{url}/api/v1/search"))
            .bearer_auth(token)
            .query(&[("q", q), ("limit", "1")]),
    );
    assert_eq!(r.status, 200, "search {q}: {}", r.body);
    r.json()["total"].as_u64().unwrap()
}

/// Polls until `f` holds (ingest is acknowledged once durable; the index
/// becomes searchable at its next commit).
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn ray_lines(n: usize, ip: &str) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"stream\":\"/tmp/ray/session_latest/logs/dashboard.log\",\"offset\":{off},\"line\":\"2026-11-22 12:37:{s:02},{ms:03}\\tINFO web_log.py:206 -- {ip} [22/Nov/2026:12:37:{s:02} +0000] \\\"POST /api/jobs/ HTTP/1.1\\\" 401 173 \\\"-\\\" \\\"curl/7.88.1\\\"\"}}\n",
                off = i * 200,
                s = i % 60,
                ms = i % 1000
            )
        })
        .collect()
}

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

fn find_segment(data: &Path) -> PathBuf {
    let mut stack = vec![data.join("segments")];
    let mut found = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "seg") {
                found.push(p);
            }
        }
    }
    found.sort();
    found.into_iter().next().expect("a segment file")
}

impl shim::blocking_shim::Client {
    /// POST that returns the status, or None when the connection failed (server killed).
    fn rt_try_post(&self, url: &str, token: &str, body: String) -> Option<u16> {
        let req = self.raw().post(url).bearer_auth(token).body(body);
        let fut = req.send();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?
            .block_on(fut)
            .ok()
            .map(|r| r.status().as_u16())
    }
}
