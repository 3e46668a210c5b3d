//! Running `sightline server` as a real process for the tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN: &str = "sl_test_admin_token_0123456789abcdef";

/// The servers' log filter in tests: warnings, without the checkpoint line
/// the server otherwise logs whatever the level.
const QUIET: &str = "warn,sightline::checkpoint=warn";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sightline")
}

pub struct Server {
    pub child: Child,
    pub data: PathBuf,
    pub url: String,
    pub ready: serde_json::Value,
}

impl Server {
    /// Starts a server on free ports with `extra` appended to its config.
    pub fn start(dir: &Path, extra: &str) -> Server {
        Server::start_with(dir, &dir.join("data"), "", extra)
    }

    /// Starts a server storing under `data`, with `store_keys` added to its
    /// `[store]` section (which comes last, so `extra` may add subtables such
    /// as `[store.retention]` or other sections).
    pub fn start_with(dir: &Path, data: &Path, store_keys: &str, extra: &str) -> Server {
        Server::start_full(dir, data, store_keys, extra, &[])
    }

    /// [`Server::start_with`] with extra command-line arguments.
    pub fn start_full(
        dir: &Path,
        data: &Path,
        store_keys: &str,
        extra: &str,
        args: &[&str],
    ) -> Server {
        Server::spawn(
            dir,
            data,
            "",
            store_keys,
            extra,
            args,
            Some(ADMIN),
            (Stdio::inherit(), QUIET),
        )
    }

    /// [`Server::start`] with its log (level info) written to `log`, as
    /// when stderr is redirected to a file.
    pub fn start_logged(dir: &Path, extra: &str, log: &Path) -> Server {
        let file = std::fs::File::create(log).expect("log file");
        let data = dir.join("data");
        Server::spawn(
            dir,
            &data,
            "",
            "",
            extra,
            &[],
            Some(ADMIN),
            (Stdio::from(file), "info"),
        )
    }

    /// [`Server::start`] with `server_keys` added to its `[server]` section.
    pub fn start_tuned(dir: &Path, server_keys: &str, extra: &str) -> Server {
        let data = dir.join("data");
        Server::spawn(
            dir,
            &data,
            server_keys,
            "",
            extra,
            &[],
            Some(ADMIN),
            (Stdio::inherit(), QUIET),
        )
    }

    /// A server that makes its own admin token (no `SIGHTLINE_ADMIN_TOKEN`),
    /// its stderr going to `stderr`.
    pub fn start_bootstrapping(dir: &Path, extra: &str, stderr: Stdio) -> Server {
        Server::spawn(
            dir,
            &dir.join("data"),
            "",
            "",
            extra,
            &[],
            None,
            (stderr, QUIET),
        )
    }

    /// Starts the server, its stderr going where `log` says, at that level.
    #[allow(clippy::too_many_arguments)]
    fn spawn(
        dir: &Path,
        data: &Path,
        server_keys: &str,
        store_keys: &str,
        extra: &str,
        args: &[&str],
        admin: Option<&str>,
        log: (Stdio, &str),
    ) -> Server {
        let (stderr, level) = log;
        let config = dir.join("sightline.toml");
        let text = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"{}\"\nmax_body = \"1MiB\"\n{server_keys}\n\n[store]\nkey_file = \"{}\"\n{store_keys}\n\n{extra}",
            data.display(),
            dir.join("signing.key").display()
        );
        std::fs::write(&config, text).unwrap();
        let ready = dir.join("ready.json");
        let _ = std::fs::remove_file(&ready);
        let mut cmd = Command::new(bin());
        cmd.args(["server", "--config"])
            .arg(&config)
            .arg("--ready-file")
            .arg(&ready)
            .args(args)
            .env_remove("SIGHTLINE_ADMIN_TOKEN")
            .env("SIGHTLINE_LOG", level)
            .stdout(Stdio::null())
            .stderr(stderr);
        if let Some(token) = admin {
            cmd.env("SIGHTLINE_ADMIN_TOKEN", token);
        }
        let child = cmd.spawn().expect("start sightline server");
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
            data: data.to_path_buf(),
            url: ready["http"].as_str().unwrap().to_owned(),
            ready,
        }
    }

    pub fn data(&self) -> PathBuf {
        self.data.clone()
    }

    pub fn stop(mut self) {
        // SIGTERM: graceful shutdown that drains the queue.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    pub fn kill9(mut self) {
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

pub fn client(data: &Path) -> shim::blocking_shim::Client {
    shim::blocking_shim::Client::new(&data.join("tls/cert.pem"))
}

/// A blocking wrapper over reqwest's async client (the blocking feature
/// would add a second copy of the runtime plumbing for tests only).
pub mod shim {
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

pub fn search_count(c: &shim::blocking_shim::Client, url: &str, token: &str, q: &str) -> u64 {
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
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `n` Ray dashboard lines: refused (401) job submissions from `ip`.
pub fn ray_lines(n: usize, ip: &str) -> String {
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

pub fn find_segment(data: &Path) -> PathBuf {
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
    pub fn rt_try_post(&self, url: &str, token: &str, body: String) -> Option<u16> {
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

/// The value of the first metric line starting with `line_prefix`
/// (e.g. `sightline_connections_refused_total{listener="http"}`), 0 if absent.
pub fn metric(c: &shim::blocking_shim::Client, url: &str, token: &str, line_prefix: &str) -> f64 {
    let text = c.get(&format!("{url}/metrics"), Some(token)).body;
    text.lines()
        .find_map(|l| l.strip_prefix(line_prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// The events of a search (at most `limit`), as JSON.
pub fn search_events(
    c: &shim::blocking_shim::Client,
    url: &str,
    token: &str,
    q: &str,
    limit: usize,
) -> Vec<serde_json::Value> {
    let r = c.send(
        c.raw()
            .get(format!("{url}/api/v1/search"))
            .bearer_auth(token)
            .query(&[("q", q), ("limit", &limit.to_string())]),
    );
    assert_eq!(r.status, 200, "search {q}: {}", r.body);
    r.json()["events"].as_array().cloned().unwrap_or_default()
}

/// A rustls client configuration trusting the server's certificate.
pub fn tls_client_config(data: &Path) -> std::sync::Arc<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(data.join("tls/cert.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    std::sync::Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// A new token of `role` named `name`, made by the admin.
pub fn make_token(c: &shim::blocking_shim::Client, url: &str, name: &str, role: &str) -> String {
    let r = c.post_json(
        &format!("{url}/api/v1/tokens"),
        ADMIN,
        &serde_json::json!({"name": name, "role": role}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["token"].as_str().unwrap().to_owned()
}
