//! Anchors outside the machine: every `integrity.checkpoint_every` the store
//! signs a checkpoint (record count, chain hash, time, epoch), and the
//! server sends it to each configured witness — an append-only file on
//! another mount, a syslog receiver, an HTTP endpoint — and writes it to its
//! own log as one line (target `sightline::checkpoint`), so any log shipper
//! already carries it away. `sightline verify --anchors` checks the store
//! against whatever was collected.

use crate::metrics::Metrics;
use sightline_store::{Checkpoint, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How long one delivery may take before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How a syslog witness is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyslogTransport {
    Udp,
    Tcp,
    Tls,
}

/// One configured witness (checked form of `[[integrity.witness]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessSpec {
    /// Appends one JSON line per checkpoint and fsyncs it.
    File(PathBuf),
    /// RFC 5424 over UDP, TCP (octet counting) or TLS; `host:port`.
    Syslog {
        transport: SyslogTransport,
        address: String,
        ca: Option<PathBuf>,
    },
    /// POSTs the checkpoint as JSON.
    Http {
        url: String,
        ca: Option<PathBuf>,
        token_file: Option<PathBuf>,
    },
}

impl WitnessSpec {
    /// A short name for logs and metric labels.
    pub fn name(&self) -> String {
        match self {
            WitnessSpec::File(p) => format!("file:{}", p.display()),
            WitnessSpec::Syslog {
                transport, address, ..
            } => format!("syslog:{}://{address}", transport_name(*transport)),
            WitnessSpec::Http { url, .. } => format!("http:{url}"),
        }
    }

    /// Parses `udp://host:port`, `tcp://…` or `tls://…`.
    pub fn parse_syslog(url: &str, ca: Option<PathBuf>) -> Result<WitnessSpec, String> {
        let (scheme, address) = url.split_once("://").ok_or_else(|| {
            format!("{url:?}: expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT")
        })?;
        let transport = match scheme {
            "udp" => SyslogTransport::Udp,
            "tcp" => SyslogTransport::Tcp,
            "tls" => SyslogTransport::Tls,
            other => return Err(format!("{other:?}: the scheme must be udp, tcp or tls")),
        };
        if address
            .rsplit_once(':')
            .is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err())
        {
            return Err(format!("{address:?}: expected HOST:PORT"));
        }
        if transport == SyslogTransport::Tls && ca.is_none() {
            return Err(
                "tls:// needs ca = \"FILE\" (the PEM certificate that signed the receiver's)"
                    .into(),
            );
        }
        Ok(WitnessSpec::Syslog {
            transport,
            address: address.to_owned(),
            ca,
        })
    }
}

fn transport_name(t: SyslogTransport) -> &'static str {
    match t {
        SyslogTransport::Udp => "udp",
        SyslogTransport::Tcp => "tcp",
        SyslogTransport::Tls => "tls",
    }
}

/// A witness ready to send to.
enum Witness {
    File(PathBuf),
    Syslog {
        transport: SyslogTransport,
        address: String,
        tls: Option<tokio_rustls::TlsConnector>,
    },
    Http {
        client: reqwest::Client,
        url: String,
        token: Option<String>,
    },
}

/// Sends checkpoints to every witness and the log.
pub struct Anchoring {
    witnesses: Vec<(String, Witness)>,
    host: String,
    metrics: Arc<Metrics>,
}

impl Anchoring {
    /// Prepares every witness; warns when a file witness shares the data
    /// directory's file system (an intruder who can edit the store can
    /// usually edit it too).
    pub fn new(
        specs: &[WitnessSpec],
        data_dir: &Path,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Anchoring> {
        use anyhow::Context as _;
        let mut witnesses = Vec::new();
        for spec in specs {
            let name = spec.name();
            let w = match spec {
                WitnessSpec::File(p) => {
                    if same_filesystem(p, data_dir) {
                        tracing::warn!(
                            "integrity witness {} is on the same file system as the data directory: whoever can alter the store can probably alter it too; put it on another mount or machine",
                            p.display()
                        );
                    }
                    Witness::File(p.clone())
                }
                WitnessSpec::Syslog {
                    transport,
                    address,
                    ca,
                } => {
                    let tls = match ca {
                        Some(ca) if *transport == SyslogTransport::Tls => {
                            Some(tls_connector(ca).with_context(|| format!("witness {name}"))?)
                        }
                        _ => None,
                    };
                    Witness::Syslog {
                        transport: *transport,
                        address: address.clone(),
                        tls,
                    }
                }
                WitnessSpec::Http {
                    url,
                    ca,
                    token_file,
                } => {
                    let _ = rustls::crypto::ring::default_provider().install_default();
                    let mut b = reqwest::Client::builder()
                        .timeout(SEND_TIMEOUT)
                        .use_rustls_tls();
                    if let Some(ca) = ca {
                        let pem = std::fs::read(ca)
                            .with_context(|| format!("witness {name}: reading {}", ca.display()))?;
                        let cert = reqwest::Certificate::from_pem(&pem).with_context(|| {
                            format!("witness {name}: {} is not a PEM certificate", ca.display())
                        })?;
                        b = b.add_root_certificate(cert);
                    }
                    let token = match token_file {
                        Some(f) => Some(
                            std::fs::read_to_string(f)
                                .with_context(|| {
                                    format!("witness {name}: reading {}", f.display())
                                })?
                                .trim()
                                .to_owned(),
                        ),
                        None => None,
                    };
                    Witness::Http {
                        client: b.build().context("building the HTTP client")?,
                        url: url.clone(),
                        token,
                    }
                }
            };
            witnesses.push((name, w));
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "-".into());
        Ok(Anchoring {
            witnesses,
            host,
            metrics,
        })
    }

    /// Signs a checkpoint now and delivers it: to the log first (it cannot
    /// fail), then to every witness at once, each with its own timeout, so
    /// one dead witness never delays the others.
    pub async fn emit(&self, store: &Arc<Store>) {
        let fault = store.head_fault();
        self.metrics
            .head_fault
            .store(u64::from(fault.is_some()), Ordering::Relaxed);
        if let Some(f) = fault {
            tracing::error!(
                "the store cannot sign its chain head ({f}); records stored since are not vouched for until it can"
            );
        }
        let s = Arc::clone(store);
        let signed = tokio::task::spawn_blocking(move || s.checkpoint()).await;
        let checkpoint = match signed {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                self.metrics
                    .checkpoint_failures
                    .fetch_add(1, Ordering::Relaxed);
                tracing::error!("signing a store checkpoint failed: {e}");
                return;
            }
            Err(e) => {
                self.metrics
                    .checkpoint_failures
                    .fetch_add(1, Ordering::Relaxed);
                tracing::error!("signing a store checkpoint failed: {e}");
                return;
            }
        };
        let line = checkpoint.to_json();
        tracing::info!(target: "sightline::checkpoint", "checkpoint {line}");
        self.metrics.checkpoints.fetch_add(1, Ordering::Relaxed);
        self.metrics
            .checkpoint_seq
            .store(checkpoint.seq, Ordering::Relaxed);
        let sends = self.witnesses.iter().map(|(name, w)| {
            let line = &line;
            let checkpoint = &checkpoint;
            async move {
                let r = tokio::time::timeout(SEND_TIMEOUT, self.send(w, checkpoint, line)).await;
                let r = r.unwrap_or_else(|_| Err(format!("no answer within {SEND_TIMEOUT:?}")));
                match r {
                    Ok(()) => self.metrics.witness_deliveries.add(name, 1),
                    Err(e) => {
                        self.metrics.witness_failures.add(name, 1);
                        tracing::warn!(
                            "integrity witness {name}: checkpoint {} not delivered: {e}",
                            checkpoint.seq
                        );
                    }
                }
            }
        });
        futures_util::future::join_all(sends).await;
    }

    async fn send(&self, w: &Witness, c: &Checkpoint, line: &str) -> Result<(), String> {
        match w {
            Witness::File(path) => {
                let path = path.clone();
                let mut bytes = line.as_bytes().to_vec();
                bytes.push(b'\n');
                tokio::task::spawn_blocking(move || append_line(&path, &bytes))
                    .await
                    .map_err(|e| e.to_string())?
            }
            Witness::Syslog {
                transport,
                address,
                tls,
            } => {
                let msg = syslog_message(&self.host, c, line);
                match transport {
                    SyslogTransport::Udp => {
                        let sock = tokio::net::UdpSocket::bind(if address.starts_with('[') {
                            "[::]:0"
                        } else {
                            "0.0.0.0:0"
                        })
                        .await
                        .map_err(|e| e.to_string())?;
                        sock.send_to(msg.as_bytes(), address.as_str())
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok(())
                    }
                    SyslogTransport::Tcp | SyslogTransport::Tls => {
                        // RFC 6587 octet counting: safe whatever the message holds.
                        let framed = format!("{} {msg}", msg.len());
                        let tcp = tokio::net::TcpStream::connect(address.as_str())
                            .await
                            .map_err(|e| e.to_string())?;
                        match tls {
                            None => write_all_close(tcp, framed.as_bytes()).await,
                            Some(connector) => {
                                let host = address
                                    .rsplit_once(':')
                                    .map_or(address.as_str(), |(h, _)| h)
                                    .trim_start_matches('[')
                                    .trim_end_matches(']')
                                    .to_owned();
                                let name = rustls::pki_types::ServerName::try_from(host)
                                    .map_err(|e| e.to_string())?;
                                let s = connector
                                    .connect(name, tcp)
                                    .await
                                    .map_err(|e| format!("TLS: {e}"))?;
                                write_all_close(s, framed.as_bytes()).await
                            }
                        }
                    }
                }
            }
            Witness::Http { client, url, token } => {
                let mut req = client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(line.to_owned());
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                let resp = req.send().await.map_err(|e| e.to_string())?;
                if resp.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("HTTP {}", resp.status()))
                }
            }
        }
    }
}

/// Runs `emit` every `every` until `stop` turns true.
pub async fn run(
    anchoring: Arc<Anchoring>,
    store: Arc<Store>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => anchoring.emit(&store).await,
            _ = stop.changed() => return,
        }
    }
}

/// `<110>1 TIME HOST sightline - checkpoint - JSON`: facility log audit (13),
/// severity informational.
fn syslog_message(host: &str, c: &Checkpoint, line: &str) -> String {
    format!("<110>1 {} {host} sightline - checkpoint - {line}", c.time)
}

async fn write_all_close<S: tokio::io::AsyncWrite + Unpin>(
    mut s: S,
    bytes: &[u8],
) -> Result<(), String> {
    s.write_all(bytes).await.map_err(|e| e.to_string())?;
    s.flush().await.map_err(|e| e.to_string())?;
    s.shutdown().await.map_err(|e| e.to_string())
}

fn append_line(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_data())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn tls_connector(ca: &Path) -> anyhow::Result<tokio_rustls::TlsConnector> {
    use anyhow::Context as _;
    let pem = std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    let mut n = 0;
    for cert in rustls_pemfile_certs(&pem) {
        roots
            .add(cert)
            .with_context(|| format!("{}: not a usable CA certificate", ca.display()))?;
        n += 1;
    }
    if n == 0 {
        anyhow::bail!("{} holds no PEM certificate", ca.display());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

fn rustls_pemfile_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect()
}

fn same_filesystem(file: &Path, data_dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (std::fs::metadata(dir), std::fs::metadata(data_dir)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn store(dir: &Path) -> Arc<Store> {
        let cfg = sightline_store::StoreConfig::new(dir.join("data"), dir.join("key"));
        Arc::new(Store::open(cfg).unwrap().0)
    }

    /// Reads one HTTP request (headers and a Content-Length body) and answers 204.
    async fn one_http_request(l: tokio::net::TcpListener) -> String {
        let (mut s, _) = l.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    s.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    return text;
                }
            }
            if n == 0 {
                return text;
            }
        }
    }

    #[tokio::test]
    async fn every_kind_of_witness_receives_a_checkpoint_that_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "witness-secret\n").unwrap();
        let file = dir.path().join("anchors.jsonl");
        let specs = vec![
            WitnessSpec::File(file.clone()),
            WitnessSpec::parse_syslog(&format!("udp://{}", udp.local_addr().unwrap()), None)
                .unwrap(),
            WitnessSpec::parse_syslog(&format!("tcp://{}", tcp.local_addr().unwrap()), None)
                .unwrap(),
            WitnessSpec::Http {
                url: format!("http://{}/checkpoints", http.local_addr().unwrap()),
                ca: None,
                token_file: Some(token),
            },
            // A dead witness must not keep the others from getting it.
            WitnessSpec::parse_syslog("tcp://127.0.0.1:9", None).unwrap(),
        ];
        let metrics = Arc::new(Metrics::default());
        let a = Anchoring::new(&specs, &dir.path().join("data"), Arc::clone(&metrics)).unwrap();
        let tcp_task = tokio::spawn(async move {
            let (mut s, _) = tcp.accept().await.unwrap();
            let mut text = String::new();
            s.read_to_string(&mut text).await.unwrap();
            text
        });
        let http_task = tokio::spawn(one_http_request(http));
        a.emit(&store).await;

        let mut buf = [0u8; 4096];
        let n = udp.recv(&mut buf).await.unwrap();
        let udp_text = String::from_utf8_lossy(&buf[..n]).to_string();
        assert!(udp_text.starts_with("<110>1 "), "{udp_text}");
        let tcp_text = tcp_task.await.unwrap();
        let (len, msg) = tcp_text.split_once(' ').unwrap();
        assert_eq!(len.parse::<usize>().unwrap(), msg.len(), "octet counting");
        let http_text = http_task.await.unwrap();
        assert!(http_text.starts_with("POST /checkpoints"), "{http_text}");
        assert!(
            http_text
                .to_ascii_lowercase()
                .contains("authorization: bearer witness-secret")
        );
        let file_text = std::fs::read_to_string(&file).unwrap();

        for (name, text) in [
            ("udp", udp_text),
            ("tcp", tcp_text),
            ("http", http_text),
            ("file", file_text),
        ] {
            let anchors = sightline_store::parse_anchors(&text, name);
            assert_eq!(anchors.len(), 1, "{name}: {text}");
            let r = sightline_store::verify_with_anchors(&dir.path().join("data"), None, &anchors)
                .unwrap();
            assert!(r.is_ok() && r.anchors_checked == 1, "{name}: {r:?}");
        }
        assert_eq!(
            metrics.witness_failures.total(),
            1,
            "only the dead witness failed"
        );
        assert_eq!(metrics.witness_deliveries.total(), 4);
        assert_eq!(metrics.checkpoints.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn witness_urls_are_checked() {
        assert!(WitnessSpec::parse_syslog("udp://10.0.0.1:514", None).is_ok());
        assert!(WitnessSpec::parse_syslog("10.0.0.1:514", None).is_err());
        assert!(
            WitnessSpec::parse_syslog("tls://h:6514", None)
                .unwrap_err()
                .contains("ca")
        );
        assert!(WitnessSpec::parse_syslog("ftp://h:1", None).is_err());
        assert!(WitnessSpec::parse_syslog("tcp://h:99999", None).is_err());
    }
}
