//! The one configuration file (TOML). Every key is documented in
//! docs/operations.md; `sightline config check FILE` runs [`check::check`]:
//! every syntax and type problem ([`Config::parse`]) and every value
//! [`Config::validate`] refuses, each naming its key and line.

pub mod check;

use serde::{Deserialize, Serialize};
use sightline_parse::PipelineConfig;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use sightline_enrich::AssetEntry;
/// `[enrich]`: asset tags by host glob, and a directory of indicator lists.
pub type EnrichSection = sightline_enrich::EnrichConfig;

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerSection,
    pub tls: TlsSection,
    pub store: StoreSection,
    pub syslog: SyslogSection,
    pub detect: DetectSection,
    /// How lines become events: time zone, year, future tolerance.
    pub decode: DecodeSection,
    /// Secret redaction (docs/redaction.md).
    pub redaction: sightline_sanitize::RedactionConfig,
    pub enrich: EnrichSection,
    pub limits: LimitsSection,
    pub integrity: IntegritySection,
    /// Alert routing, grouping and timers (docs/routing.md); empty: no routing.
    pub routing: sightline_route::RoutingSection,
    /// `[[inhibit]]`: alerts that mute others while they fire.
    pub inhibit: Vec<sightline_route::InhibitEntry>,
    /// Risk scoring per entity (with routing only).
    pub risk: sightline_route::RiskSection,
    /// `[response]`: automated response actions (docs/response.md).
    pub response: sightline_respond::ResponseSection,
    /// `[[forward]]`: SIEMs that get a copy of stored events and alerts (docs/forward.md).
    pub forward: Vec<sightline_forward::ForwardEntry>,
    /// Tokens defined in the file (besides those created through the API).
    pub tokens: Vec<TokenEntry>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntegritySection {
    /// How long one sealing key lives; the next is derived from it and it is forgotten.
    pub epoch: String,
    /// How often a signed checkpoint goes to the witnesses and the server's log.
    pub checkpoint_every: String,
    /// Where checkpoints go besides the log (`[[integrity.witness]]`).
    #[serde(rename = "witness")]
    pub witnesses: Vec<WitnessEntry>,
}

impl Default for IntegritySection {
    fn default() -> Self {
        IntegritySection {
            epoch: "15m".into(),
            checkpoint_every: "1m".into(),
            witnesses: Vec::new(),
        }
    }
}

/// One witness: exactly one of `file`, `syslog`, `http`.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct WitnessEntry {
    /// An append-only file, ideally on another mount or machine.
    pub file: Option<PathBuf>,
    /// `udp://HOST:PORT`, `tcp://HOST:PORT` or `tls://HOST:PORT` (RFC 5424).
    pub syslog: Option<String>,
    /// An HTTP(S) URL that receives a POST of the checkpoint JSON.
    pub http: Option<String>,
    /// PEM CA certificate for `tls://` (required) and `https://` (default: the system's roots).
    pub ca: Option<PathBuf>,
    /// A file holding a bearer token for `http`.
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// HTTPS (or HTTP with `tls.enabled = false`) address of the API, the receivers and the UI.
    pub listen: String,
    pub data_dir: PathBuf,
    /// A file holding the bootstrap admin token (instead of generating one).
    pub admin_token_file: Option<PathBuf>,
    /// Largest request body accepted, after decompression.
    pub max_body: String,
    /// Batches waiting for the writer; beyond, receivers answer 503 with Retry-After.
    pub queue_batches: usize,
    /// Threads that decode, sanitize, enrich and serialize batches; 0 = one per core.
    pub prepare_workers: usize,
    /// Most connections open at once on the HTTP listener; beyond, new ones are closed at once.
    pub max_connections: usize,
    /// Time a client has for the TLS handshake and for each request's headers
    /// (from connecting, or from the previous answer); syslog TLS handshakes too.
    pub header_timeout: String,
    /// An HTTP connection with no request open for this long is closed.
    pub idle_timeout: String,
    /// How people reach this server (`https://sightline.example.org`):
    /// notifications link to `{public_url}/alerts/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: "127.0.0.1:8443".into(),
            data_dir: PathBuf::from("sightline-data"),
            admin_token_file: None,
            max_body: "16MiB".into(),
            queue_batches: 64,
            prepare_workers: 0,
            max_connections: 512,
            header_timeout: "10s".into(),
            idle_timeout: "60s".into(),
            public_url: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSection {
    /// TLS on the HTTP listener. On by default; turn off only behind a TLS-terminating proxy.
    pub enabled: bool,
    /// PEM certificate chain; when unset, a self-signed certificate is generated under the data directory.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

impl Default for TlsSection {
    fn default() -> Self {
        TlsSection {
            enabled: true,
            cert: None,
            key: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSection {
    /// `always` (fsync before acknowledging, the default), `never`, or an interval like `100ms`.
    pub fsync: String,
    /// Ed25519 signing key, kept outside the data directory (created on first start).
    pub key_file: Option<PathBuf>,
    /// Segment size before it is sealed and signed.
    pub segment_size: String,
    /// Refuse new writes when the store would exceed this size (e.g. `50GiB`).
    pub max_disk: Option<String>,
    pub retention: RetentionSection,
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            fsync: "always".into(),
            key_file: None,
            segment_size: "64MiB".into(),
            max_disk: None,
            retention: RetentionSection::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSection {
    /// Delete whole segments older than this (e.g. `30d`).
    pub max_age: Option<String>,
    /// Delete the oldest segments while the store is larger than this (e.g. `100GiB`).
    pub max_size: Option<String>,
    /// Per-dataset ages, e.g. `"ray.dashboard" = "90d"`.
    pub per_dataset: BTreeMap<String, String>,
    /// How often the policy is applied (and once at start).
    pub check_every: String,
}

impl Default for RetentionSection {
    fn default() -> Self {
        RetentionSection {
            max_age: None,
            max_size: None,
            per_dataset: BTreeMap::new(),
            check_every: "10m".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyslogSection {
    /// `ADDR:PORT` for RFC 5424/3164 over UDP; unset = off.
    pub udp: Option<String>,
    /// Over TCP (octet counting or newline framing).
    pub tcp: Option<String>,
    /// Over TLS (RFC 5425), with the server's certificate.
    pub tls: Option<String>,
    /// Sender networks allowed (syslog carries no token, so the address is its
    /// credential). Default: loopback only.
    pub allow: Vec<String>,
    /// Most TCP and TLS connections open at once (each listener); beyond, new ones are closed at once.
    pub max_connections: usize,
    /// Receive buffer asked for the UDP socket, so bursts wait in the kernel
    /// instead of being dropped (the kernel caps it at net.core.rmem_max).
    pub udp_receive_buffer: String,
}

impl Default for SyslogSection {
    fn default() -> Self {
        SyslogSection {
            udp: None,
            tcp: None,
            tls: None,
            allow: Vec::new(),
            max_connections: 256,
            udp_receive_buffer: "8MiB".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectSection {
    /// Rule sources: `builtin`, files or directories.
    pub rules: Vec<String>,
    pub tuning: Option<PathBuf>,
    pub indicators: Option<PathBuf>,
    /// How late (event time) an event may arrive and still be ordered correctly.
    pub lateness: String,
    /// How often rule, tuning and indicator files are checked for changes.
    pub reload_interval: String,
}

impl Default for DetectSection {
    fn default() -> Self {
        DetectSection {
            rules: vec!["builtin".into()],
            tuning: None,
            indicators: None,
            lateness: "5s".into(),
            reload_interval: "5s".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecodeSection {
    /// Zone of timestamps written without one (Ray, glog, RFC 3164, mlx_lm.server).
    pub timezone: String,
    /// Year of timestamps written without one (glog, RFC 3164) when the stream does not say.
    pub year: Option<i16>,
    /// Events dated later than their arrival plus this are tagged `timestamp_future`.
    pub future_tolerance: String,
}

impl Default for DecodeSection {
    fn default() -> Self {
        DecodeSection {
            timezone: "UTC".into(),
            year: None,
            future_tolerance: "5m".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    /// Sustained requests per second per token.
    pub requests_per_second: f64,
    /// Requests a token may make at once above the sustained rate.
    pub burst: f64,
}

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            requests_per_second: 200.0,
            burst: 400.0,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    pub name: String,
    pub role: String,
    /// `blake3:<64 hex>` of the token (`sightline token hash` prints it).
    pub hash: String,
}

/// What is wrong in a configuration, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source} (check that the file exists and is readable)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{problems}")]
    Invalid { problems: String },
}

/// The typed, checked form of the settings that need parsing.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub max_body: usize,
    pub segment_size: u64,
    pub max_disk: Option<u64>,
    pub fsync: sightline_store::FsyncPolicy,
    pub retention_age: Option<std::time::Duration>,
    pub retention_size: Option<u64>,
    pub retention_per_dataset: BTreeMap<String, std::time::Duration>,
    pub retention_every: std::time::Duration,
    pub syslog_udp: Option<SocketAddr>,
    pub syslog_tcp: Option<SocketAddr>,
    pub syslog_tls: Option<SocketAddr>,
    pub syslog_allow: Vec<ipnet::IpNet>,
    pub lateness_secs: u64,
    pub reload_interval: std::time::Duration,
    pub seal_epoch: std::time::Duration,
    pub checkpoint_every: std::time::Duration,
    pub witnesses: Vec<crate::integrity::WitnessSpec>,
    /// Decode options, sanitizer and enricher, built once for the server's
    /// decoding (and the demo replay).
    pub pipeline: Arc<PipelineConfig>,
    pub max_connections: usize,
    pub header_timeout: std::time::Duration,
    pub idle_timeout: std::time::Duration,
    pub syslog_max_connections: usize,
    pub udp_receive_buffer: usize,
    /// Compiled `[routing]`, `[[inhibit]]` and `[risk]`; `None` when
    /// `[routing]` is not configured.
    pub routing: Option<sightline_route::Routing>,
    /// Compiled `[response]`; `None` without actions.
    pub response: Option<sightline_respond::ResponseConfig>,
    /// Compiled `[[forward]]`; `None` when there is none.
    pub forwarders: Option<sightline_forward::Forwarders>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// Reads the file's text: every syntax and type problem is reported at
    /// once, naming the line and key (see [`check`]).
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let (config, problems) = check::read(text);
        if problems.is_empty() {
            return Ok(config);
        }
        Err(ConfigError::Syntax {
            path: path.to_path_buf(),
            message: problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        })
    }

    /// The pipeline configuration of `[decode]`, `[redaction]` and
    /// `[enrich]`, as `sightline parse`/`hunt --config` and the server use
    /// it; every problem in those sections is reported.
    pub fn pipeline(&self) -> Result<PipelineConfig, ConfigError> {
        let (pipeline, problems) = self.pipeline_checked();
        match pipeline {
            Some(p) if problems.is_empty() => Ok(p),
            _ => Err(ConfigError::Invalid {
                problems: problems.join("\n"),
            }),
        }
    }

    fn pipeline_checked(&self) -> (Option<PipelineConfig>, Vec<String>) {
        let mut problems = Vec::new();
        let timezone = match jiff::tz::TimeZone::get(&self.decode.timezone) {
            Ok(tz) => Some(tz),
            Err(_) => {
                problems.push(format!(
                    "decode.timezone: unknown time zone {:?}; use an IANA name such as UTC or Europe/Berlin",
                    self.decode.timezone
                ));
                None
            }
        };
        if let Some(y) = self.decode.year
            && !(1970..=9999).contains(&y)
        {
            problems.push(format!(
                "decode.year: {y} is not a plausible year; write it in full, e.g. 2026"
            ));
        }
        let future_tolerance = match parse_duration(&self.decode.future_tolerance) {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(format!("decode.future_tolerance: {e}"));
                None
            }
        };
        let sanitizer = match sightline_sanitize::Sanitizer::new(&self.redaction) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(format!("{}: {e}", redaction_key(&e)));
                None
            }
        };
        let enricher = match sightline_enrich::Enricher::new(&self.enrich) {
            Ok(e) => Some(e),
            Err(errors) => {
                problems.extend(errors.iter().map(|e| format!("enrich.indicators: {e}")));
                None
            }
        };
        for (i, a) in self.enrich.assets.iter().enumerate() {
            if a.host.is_empty() {
                problems.push(format!("enrich.assets[{i}].host: empty host pattern"));
            }
        }
        let pipeline = match (timezone, future_tolerance, sanitizer, enricher) {
            (Some(timezone), Some(future), Some(sanitizer), Some(enricher)) => {
                Some(PipelineConfig {
                    options: sightline_decode::DecodeOptions {
                        timezone,
                        year: self.decode.year,
                        ..Default::default()
                    },
                    sanitizer,
                    enricher,
                    future_tolerance: Some(future),
                    default_host: None,
                })
            }
            _ => None,
        };
        (pipeline, problems)
    }

    /// Checks every value that the types alone do not, collecting all problems.
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        let (pipeline, mut problems) = self.pipeline_checked();
        let mut check = |key: &str, r: Result<(), String>| {
            if let Err(e) = r {
                problems.push(format!("{key}: {e}"));
            }
        };
        let mut listen = None;
        check(
            "server.listen",
            parse_addr(&self.server.listen).map(|a| listen = Some(a)),
        );
        let mut max_body = 0;
        check(
            "server.max_body",
            parse_size(&self.server.max_body).map(|n| max_body = n as usize),
        );
        if self.server.queue_batches == 0 {
            check("server.queue_batches", Err("must be at least 1".into()));
        }
        if self.server.max_connections == 0 {
            check("server.max_connections", Err("must be at least 1".into()));
        }
        let positive = |s: &str| {
            parse_duration(s).and_then(|d| {
                if d.is_zero() {
                    Err("must be longer than zero".to_owned())
                } else {
                    Ok(d)
                }
            })
        };
        let mut header_timeout = std::time::Duration::from_secs(10);
        check(
            "server.header_timeout",
            positive(&self.server.header_timeout).map(|d| header_timeout = d),
        );
        let mut idle_timeout = std::time::Duration::from_secs(60);
        check(
            "server.idle_timeout",
            positive(&self.server.idle_timeout).map(|d| idle_timeout = d),
        );
        if self.syslog.max_connections == 0 {
            check("syslog.max_connections", Err("must be at least 1".into()));
        }
        let mut udp_receive_buffer = 8 << 20;
        check(
            "syslog.udp_receive_buffer",
            parse_size(&self.syslog.udp_receive_buffer)
                .map(|n| udp_receive_buffer = usize::try_from(n).unwrap_or(usize::MAX)),
        );
        let mut segment_size = 0;
        check(
            "store.segment_size",
            parse_size(&self.store.segment_size).map(|n| segment_size = n),
        );
        let mut max_disk = None;
        if let Some(s) = &self.store.max_disk {
            check("store.max_disk", parse_size(s).map(|n| max_disk = Some(n)));
        }
        let mut fsync = sightline_store::FsyncPolicy::Always;
        check(
            "store.fsync",
            parse_fsync(&self.store.fsync).map(|f| fsync = f),
        );
        let mut retention_age = None;
        if let Some(s) = &self.store.retention.max_age {
            check(
                "store.retention.max_age",
                parse_duration(s).map(|d| retention_age = Some(d)),
            );
        }
        let mut retention_size = None;
        if let Some(s) = &self.store.retention.max_size {
            check(
                "store.retention.max_size",
                parse_size(s).map(|n| retention_size = Some(n)),
            );
        }
        let mut retention_every = std::time::Duration::from_secs(600);
        check(
            "store.retention.check_every",
            parse_duration(&self.store.retention.check_every).and_then(|d| {
                if d.is_zero() {
                    return Err("must be longer than zero".into());
                }
                retention_every = d;
                Ok(())
            }),
        );
        let mut per_dataset = BTreeMap::new();
        for (ds, age) in &self.store.retention.per_dataset {
            check(
                &format!("store.retention.per_dataset.{ds}"),
                parse_duration(age).map(|d| {
                    per_dataset.insert(ds.clone(), d);
                }),
            );
        }
        let mut addr = |key: &str, v: &Option<String>| -> Option<SocketAddr> {
            let s = v.as_ref()?;
            match parse_addr(s) {
                Ok(a) => Some(a),
                Err(e) => {
                    problems.push(format!("{key}: {e}"));
                    None
                }
            }
        };
        let syslog_udp = addr("syslog.udp", &self.syslog.udp);
        let syslog_tcp = addr("syslog.tcp", &self.syslog.tcp);
        let syslog_tls = addr("syslog.tls", &self.syslog.tls);
        let mut syslog_allow = Vec::new();
        for (i, net) in self.syslog.allow.iter().enumerate() {
            match parse_net(net) {
                Ok(n) => syslog_allow.push(n),
                Err(e) => problems.push(format!("syslog.allow[{i}]: {e}")),
            }
        }
        if syslog_allow.is_empty() {
            syslog_allow = vec![
                "127.0.0.0/8".parse().expect("constant network"),
                "::1/128".parse().expect("constant network"),
            ];
        }
        if syslog_tls.is_some() && !self.tls.enabled {
            problems.push(
                "syslog.tls: needs tls.enabled = true (it uses the server's certificate)".into(),
            );
        }
        let mut lateness_secs = 5;
        let mut check2 = |key: &str, r: Result<(), String>| {
            if let Err(e) = r {
                problems.push(format!("{key}: {e}"));
            }
        };
        check2(
            "detect.lateness",
            parse_duration(&self.detect.lateness).map(|d| lateness_secs = d.as_secs()),
        );
        let mut reload_interval = std::time::Duration::from_secs(5);
        check2(
            "detect.reload_interval",
            parse_duration(&self.detect.reload_interval).map(|d| reload_interval = d),
        );
        if self.detect.rules.is_empty() {
            check2(
                "detect.rules",
                Err("no rule source; use [\"builtin\"] for the bundled pack".into()),
            );
        }
        for (i, r) in self.detect.rules.iter().enumerate() {
            if r != "builtin" && !Path::new(r).exists() {
                check2(
                    &format!("detect.rules[{i}]"),
                    Err(format!(
                        "{r:?} does not exist (a rule file, a directory, or \"builtin\")"
                    )),
                );
            }
        }
        for (key, p) in [
            ("detect.tuning", &self.detect.tuning),
            ("detect.indicators", &self.detect.indicators),
            ("server.admin_token_file", &self.server.admin_token_file),
            ("tls.cert", &self.tls.cert),
            ("tls.key", &self.tls.key),
        ] {
            if let Some(p) = p
                && !p.exists()
            {
                check2(key, Err(format!("{} does not exist", p.display())));
            }
        }
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            check2(
                "tls",
                Err(
                    "set both cert and key, or neither (to generate a self-signed certificate)"
                        .into(),
                ),
            );
        }
        if self.limits.requests_per_second.is_nan() || self.limits.requests_per_second <= 0.0 {
            check2("limits.requests_per_second", Err("must be above 0".into()));
        }
        if self.limits.burst < 1.0 {
            check2("limits.burst", Err("must be at least 1".into()));
        }
        for (i, t) in self.tokens.iter().enumerate() {
            if crate::auth::Role::parse(&t.role).is_none() {
                check2(
                    &format!("tokens[{i}].role"),
                    Err(format!(
                        "{:?} is not a role; expected admin, analyst, viewer or ingest",
                        t.role
                    )),
                );
            }
            if crate::auth::parse_token_hash(&t.hash).is_none() {
                check2(
                    &format!("tokens[{i}].hash"),
                    Err(
                        "expected blake3:<64 hex digits> (`sightline token hash` prints it)".into(),
                    ),
                );
            }
        }
        if let Some(dir) = &self.detect.indicators
            && dir.exists()
            && let Err(errors) = sightline_enrich::lists::load_dir(dir)
        {
            problems.extend(errors.iter().map(|e| format!("detect.indicators: {e}")));
        }
        let (seal_epoch, checkpoint_every, witnesses) = self.integrity.check(&mut problems);
        let routing = self.routing_checked(&mut problems);
        let response = if self.response.actions.is_empty() {
            None
        } else {
            match sightline_respond::ResponseConfig::compile(&self.response) {
                Ok(r) => Some(r),
                Err(e) => {
                    problems.extend(e.problems.iter().map(ToString::to_string));
                    None
                }
            }
        };
        let forwarders = if self.forward.is_empty() {
            None
        } else {
            match sightline_forward::Forwarders::compile(&self.forward) {
                Ok(f) => Some(f),
                Err(e) => {
                    problems.extend(e.problems.iter().map(ToString::to_string));
                    None
                }
            }
        };
        let Some(pipeline) = pipeline.filter(|_| problems.is_empty()) else {
            return Err(ConfigError::Invalid {
                problems: problems.join("\n"),
            });
        };
        Ok(Settings {
            listen: listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8443))),
            max_body,
            segment_size,
            max_disk,
            fsync,
            retention_age,
            retention_size,
            retention_per_dataset: per_dataset,
            retention_every,
            syslog_udp,
            syslog_tcp,
            syslog_tls,
            syslog_allow,
            lateness_secs,
            reload_interval,
            seal_epoch,
            checkpoint_every,
            witnesses,
            pipeline: Arc::new(pipeline),
            max_connections: self.server.max_connections,
            header_timeout,
            idle_timeout,
            syslog_max_connections: self.syslog.max_connections,
            udp_receive_buffer,
            routing,
            response,
            forwarders,
        })
    }

    fn routing_checked(&self, problems: &mut Vec<String>) -> Option<sightline_route::Routing> {
        if let Some(url) = &self.server.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            problems.push(format!(
                "server.public_url: {url:?} is not an http(s) URL; write it as people open it, e.g. https://sightline.example.org"
            ));
        }
        if self.routing.is_empty() {
            if !self.inhibit.is_empty() {
                problems.push(
                    "inhibit: needs [routing] (inhibition mutes notifications, and without routing none are sent)"
                        .into(),
                );
            }
            return None;
        }
        match sightline_route::Routing::compile(&self.routing, &self.inhibit, &self.risk) {
            Ok(r) => Some(r),
            Err(e) => {
                problems.extend(e.problems.iter().map(ToString::to_string));
                None
            }
        }
    }
}

impl IntegritySection {
    fn check(
        &self,
        problems: &mut Vec<String>,
    ) -> (
        std::time::Duration,
        std::time::Duration,
        Vec<crate::integrity::WitnessSpec>,
    ) {
        use crate::integrity::WitnessSpec;
        let at_least_a_second =
            |key: &str, v: &str, problems: &mut Vec<String>| match parse_duration(v) {
                Ok(d) if d >= std::time::Duration::from_secs(1) => Some(d),
                Ok(_) => {
                    problems.push(format!("{key}: must be at least 1s"));
                    None
                }
                Err(e) => {
                    problems.push(format!("{key}: {e}"));
                    None
                }
            };
        let epoch = at_least_a_second("integrity.epoch", &self.epoch, problems)
            .unwrap_or(std::time::Duration::from_secs(900));
        let every = at_least_a_second(
            "integrity.checkpoint_every",
            &self.checkpoint_every,
            problems,
        )
        .unwrap_or(std::time::Duration::from_secs(60));
        let mut specs = Vec::new();
        for (i, w) in self.witnesses.iter().enumerate() {
            let key = format!("integrity.witness[{i}]");
            let given = [w.file.is_some(), w.syslog.is_some(), w.http.is_some()];
            if given.iter().filter(|g| **g).count() != 1 {
                problems.push(format!("{key}: set exactly one of file, syslog or http"));
                continue;
            }
            for (k, p) in [("ca", &w.ca), ("token_file", &w.token_file)] {
                if let Some(p) = p
                    && !p.exists()
                {
                    problems.push(format!("{key}.{k}: {} does not exist", p.display()));
                }
            }
            if let Some(f) = &w.file {
                specs.push(WitnessSpec::File(f.clone()));
            } else if let Some(url) = &w.syslog {
                match WitnessSpec::parse_syslog(url, w.ca.clone()) {
                    Ok(s) => specs.push(s),
                    Err(e) => problems.push(format!("{key}.syslog: {e}")),
                }
            } else if let Some(url) = &w.http {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    problems.push(format!(
                        "{key}.http: {url:?} is not an http:// or https:// URL"
                    ));
                    continue;
                }
                specs.push(WitnessSpec::Http {
                    url: url.clone(),
                    ca: w.ca.clone(),
                    token_file: w.token_file.clone(),
                });
            }
        }
        (epoch, every, specs)
    }
}

/// The key a redaction problem is about.
fn redaction_key(e: &sightline_sanitize::ConfigError) -> String {
    use sightline_sanitize::ConfigError as E;
    match e {
        E::BadRegex { index, .. } => format!("redaction.patterns[{index}].regex"),
        E::BadKind { index, .. } => format!("redaction.patterns[{index}].kind"),
        E::EmptyAnchor { index, anchor, .. } => {
            format!("redaction.patterns[{index}].anchors[{anchor}]")
        }
        E::UnknownKind(_) => "redaction.disable".into(),
        E::Anchors(_) => "redaction.patterns".into(),
    }
}

fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not an address; write IP:PORT, e.g. 127.0.0.1:8443"))
}

fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    if let Ok(n) = s.parse::<ipnet::IpNet>() {
        return Ok(n);
    }
    s.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("{s:?} is not an address or network (e.g. 10.0.0.0/8)"))
}

fn parse_fsync(s: &str) -> Result<sightline_store::FsyncPolicy, String> {
    match s {
        "always" => Ok(sightline_store::FsyncPolicy::Always),
        "never" => Ok(sightline_store::FsyncPolicy::Never),
        other => parse_duration(other)
            .map(|d| sightline_store::FsyncPolicy::IntervalMs(d.as_millis() as u64))
            .map_err(|_| format!("{other:?}: expected always, never or an interval like 100ms")),
    }
}

/// `500ms`, `30s`, `15m`, `2h`, `30d`, `2w`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration; write e.g. 30s, 15m, 2h, 30d"))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        "w" => n * 7.0 * 86400.0,
        u => {
            return Err(format!(
                "{s:?}: unknown unit {u:?}; use ms, s, m, h, d or w"
            ));
        }
    };
    if !(secs.is_finite() && secs >= 0.0) {
        return Err(format!("{s:?} is not a duration"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// `512KiB`, `64MiB`, `50GB`, `1000` (bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size; write e.g. 16MiB, 50GB"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1e12,
        "tib" => 1024f64.powi(4),
        u => {
            return Err(format!(
                "{s:?}: unknown unit {u:?}; use B, KiB, MiB, GiB, TiB (or KB, MB, GB, TB)"
            ));
        }
    };
    let v = n * mult;
    if !(v.is_finite() && v >= 1.0) {
        return Err(format!("{s:?} must be at least 1 byte"));
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_safe() {
        let c = Config::parse(Path::new("x.toml"), "").unwrap();
        let s = c.validate().unwrap();
        assert!(s.listen.ip().is_loopback(), "binds to loopback by default");
        assert!(c.tls.enabled, "TLS on by default");
        assert_eq!(s.max_body, 16 << 20);
        assert!(s.syslog_udp.is_none(), "syslog off until configured");
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Config::parse(Path::new("x.toml"), "[server]\nlisten_addr = \"1\"\n").unwrap_err();
        assert!(e.to_string().contains("listen_addr"), "{e}");
    }

    #[test]
    fn every_bad_value_is_reported_with_its_key() {
        let text = r#"
[server]
listen = "localhost"
max_body = "12 parsecs"
header_timeout = "0s"
[store]
fsync = "sometimes"
[store.retention]
max_age = "forever"
[syslog]
allow = ["not-a-net"]
[[tokens]]
name = "x"
role = "root"
hash = "abc"
"#;
        let e = Config::parse(Path::new("x.toml"), text)
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        for key in [
            "server.listen",
            "server.max_body",
            "server.header_timeout",
            "store.fsync",
            "store.retention.max_age",
            "syslog.allow[0]",
            "tokens[0].role",
            "tokens[0].hash",
        ] {
            assert!(e.contains(key), "{key} missing from:\n{e}");
        }
    }

    /// What the writer decodes with: the pipeline of the validated settings.
    fn server_decodes(text: &str, line: &str) -> sightline_event::Event {
        let settings = Config::parse(Path::new("x.toml"), text)
            .unwrap()
            .validate()
            .unwrap();
        let decoder = sightline_parse::Pipeline::with_config(
            sightline_parse::SourceChoice::Auto,
            Arc::clone(&settings.pipeline),
        );
        let record = sightline_receive::Inbound {
            stream: "http:test".into(),
            line: line.into(),
            ..Default::default()
        };
        let mut events = crate::pipeline::decode(&decoder, vec![record]);
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    const SECRET_LINE: &str =
        "login user=ray password=hunter2 url=/x?itk=0123456789abcdef0123456789abcdef \u{1b}[31mred";
    const CUSTOM: &str = r#"[redaction]
ENABLED
[[redaction.patterns]]
kind = "internal-token"
regex = '''itk=(?P<secret>[0-9a-f]{32})'''
anchors = ["itk="]
"#;

    #[test]
    fn the_server_decodes_with_the_configured_redaction() {
        let ev = server_decodes(&CUSTOM.replace("ENABLED", ""), SECRET_LINE);
        assert!(
            ev.original.contains("itk=[REDACTED:internal-token]"),
            "{}",
            ev.original
        );
        assert!(
            ev.original.contains("password=[REDACTED:password]"),
            "{}",
            ev.original
        );
        assert!(ev.original.contains("\\x1b[31m") && !ev.original.contains('\u{1b}'));

        let ev = server_decodes(&CUSTOM.replace("ENABLED", "enabled = false"), SECRET_LINE);
        assert!(
            ev.original.contains("password=hunter2")
                && ev.original.contains("itk=0123456789abcdef0123456789abcdef"),
            "no redaction: {}",
            ev.original
        );
        assert!(
            ev.original.contains("\\x1b[31m") && !ev.original.contains('\u{1b}'),
            "neutralization still runs: {}",
            ev.original
        );
        assert!(ev.has_tag(sightline_event::tags::NEUTRALIZED));
    }

    #[test]
    fn pipeline_sections_report_every_problem() {
        let text = r#"
[decode]
timezone = "Nowhere/Land"
future_tolerance = "soon"
[enrich]
indicators = "/nonexistent/lists"
[[redaction.patterns]]
kind = "BAD KIND"
regex = "x"
"#;
        let e = Config::parse(Path::new("x.toml"), text)
            .unwrap()
            .pipeline()
            .unwrap_err()
            .to_string();
        for key in [
            "decode.timezone",
            "decode.future_tolerance",
            "redaction.patterns[0].kind",
            "enrich.indicators: /nonexistent/lists",
        ] {
            assert!(e.contains(key), "{key} missing from:\n{e}");
        }
    }

    #[test]
    fn routing_tables_are_compiled_and_every_problem_named() {
        let ok = r#"
[server]
public_url = "https://sightline.example.org"
[routing]
receiver = "soc"
[[routing.route]]
matchers = ['level = "critical"']
receiver = "pager"
[[inhibit]]
source = ['level = "critical"']
target = ['level = "high"']
equal = ["host"]
"#;
        let s = Config::parse(Path::new("x.toml"), ok)
            .unwrap()
            .validate()
            .unwrap();
        let r = s.routing.expect("routing compiled");
        assert_eq!(r.router.receivers(), ["pager", "soc"]);
        assert_eq!(r.inhibit.len(), 1);

        let bad = r#"
[server]
public_url = "sightline.example.org"
[routing]
group_wait = "soon"
[[routing.route]]
matchers = ['level ~ critical']
"#;
        let e = Config::parse(Path::new("x.toml"), bad)
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        for key in [
            "server.public_url",
            "routing.receiver",
            "routing.group_wait",
            "routing.route[0].matchers[0]",
        ] {
            assert!(e.contains(key), "{key} missing from:\n{e}");
        }
        // Inhibition without routing would mute nothing: say so.
        let e = Config::parse(Path::new("x.toml"), "[[inhibit]]\nsource = ['a = \"b\"']\n")
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("inhibit: needs [routing]"), "{e}");
    }

    #[test]
    fn integrity_witnesses_are_checked_with_their_keys() {
        let text = r#"
[integrity]
epoch = "500ms"
checkpoint_every = "30s"
[[integrity.witness]]
file = "/tmp/a"
syslog = "udp://127.0.0.1:514"
[[integrity.witness]]
syslog = "tls://siem:6514"
[[integrity.witness]]
http = "ftp://x"
"#;
        let e = Config::parse(Path::new("x.toml"), text)
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        for key in [
            "integrity.epoch: must be at least 1s",
            "integrity.witness[0]: set exactly one",
            "integrity.witness[1].syslog",
            "integrity.witness[2].http",
        ] {
            assert!(e.contains(key), "{key} missing from:\n{e}");
        }
        let ok = "[integrity]\n[[integrity.witness]]\nsyslog = \"tcp://127.0.0.1:514\"\n";
        let s = Config::parse(Path::new("x.toml"), ok)
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(s.witnesses.len(), 1);
        assert_eq!(s.seal_epoch.as_secs(), 900);
        assert_eq!(s.checkpoint_every.as_secs(), 60);
    }

    #[test]
    fn units() {
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("2GB").unwrap(), 2_000_000_000);
        assert_eq!(parse_duration("30d").unwrap().as_secs(), 30 * 86400);
        assert_eq!(parse_duration("100ms").unwrap().as_millis(), 100);
        assert!(parse_duration("-1s").is_err());
        assert!(parse_size("0").is_err());
    }
}
