//! The `[[forward]]` tables of the server's configuration file and their
//! compilation into [`Forwarders`]. Every problem names its key
//! (`forward[1].token_file`) so `sightline config check` can point at it.
//! Secrets are read here, once, into [`Secret`]s that never print.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One `[[forward]]` table as written in the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForwardEntry {
    /// Unique; names the destination in logs, metrics and the state directory.
    pub name: String,
    /// `splunk_hec`, `elasticsearch`, `syslog` or `http_json`.
    #[serde(rename = "type")]
    pub kind: String,
    /// HTTP destinations: the base URL (HEC, Elasticsearch) or the endpoint (http_json).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Syslog: `host:port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Syslog: TLS (RFC 5425) instead of plain TCP.
    pub tls: bool,
    /// A file holding the token (HEC token, Elasticsearch API key, http_json bearer token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    /// Basic authentication (Elasticsearch, http_json) with `password_file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// PEM certificates to trust instead of the system's roots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_ca_file: Option<PathBuf>,
    /// Syslog over TLS: the name the certificate must carry (default: the address's host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    /// Lets a secret travel over plain `http://` (a lab only).
    pub allow_insecure_http: bool,
    /// `ecs` (default) or `ocsf`: how events are written.
    pub format: String,
    /// What is forwarded: `events`, `alerts` or both.
    pub send: Vec<String>,
    /// Only events of these datasets (empty: all).
    pub datasets: Vec<String>,
    /// Only events of these modules (empty: all).
    pub modules: Vec<String>,
    /// Elasticsearch: index (or data stream) of events. HEC: the `index` of the envelope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// Elasticsearch: index of alerts. HEC: the `index` of alert envelopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts_index: Option<String>,
    /// HEC `source`.
    pub source: String,
    /// HEC `sourcetype` of events and of alerts.
    pub sourcetype: String,
    pub alerts_sourcetype: String,
    /// Syslog facility name (`local0`..`local7`, `user`, `auth`, `authpriv`, `daemon`...).
    pub facility: String,
    /// Syslog APP-NAME.
    pub app_name: String,
    /// A batch is sent once it holds this many items...
    pub batch_max_events: usize,
    /// ...or about this many bytes...
    pub batch_max_bytes: u64,
    /// ...or its oldest item waited this long.
    pub batch_max_delay: String,
    /// Bytes the destination's spool may hold on disk; beyond, items are refused (counted).
    pub spool_budget: u64,
    /// Bytes the dead-letter file may grow to; beyond, dead letters are dropped (counted, logged).
    pub dead_letter_budget: u64,
    /// First wait after a failure; doubles per attempt up to `retry_max_backoff`.
    pub retry_initial_backoff: String,
    pub retry_max_backoff: String,
    /// Attempts of one batch before it is dead-lettered; 0: retry until it goes through.
    pub max_retries: u32,
    /// Time allowed for one request or connection.
    pub timeout: String,
}

impl Default for ForwardEntry {
    fn default() -> Self {
        ForwardEntry {
            name: String::new(),
            kind: String::new(),
            url: None,
            address: None,
            tls: false,
            token_file: None,
            username: None,
            password_file: None,
            tls_ca_file: None,
            tls_server_name: None,
            allow_insecure_http: false,
            format: "ecs".into(),
            send: vec!["events".into()],
            datasets: Vec::new(),
            modules: Vec::new(),
            index: None,
            alerts_index: None,
            source: "sightline".into(),
            sourcetype: "sightline:event".into(),
            alerts_sourcetype: "sightline:alert".into(),
            facility: "local0".into(),
            app_name: "sightline".into(),
            batch_max_events: 500,
            batch_max_bytes: 1 << 20,
            batch_max_delay: "1s".into(),
            spool_budget: 256 << 20,
            dead_letter_budget: 64 << 20,
            retry_initial_backoff: "1s".into(),
            retry_max_backoff: "5m".into(),
            max_retries: 0,
            timeout: "30s".into(),
        }
    }
}

/// One problem in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path as in the file: `forward[0].token_file`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Every problem found, one `key: message` per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

/// A secret read from a file: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How events are written for a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Sightline's flat JSON with ECS dotted names.
    Ecs,
    /// OCSF 1.x objects (`sightline_event::ocsf::to_ocsf`).
    Ocsf,
}

/// Credentials sent with each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// `Authorization: Splunk <token>` (HEC), `ApiKey <key>` (Elasticsearch), `Bearer <token>`.
    Token(Secret),
    Basic {
        username: String,
        password: Secret,
    },
}

/// Which protocol a destination speaks, and its settings.
#[derive(Debug, Clone)]
pub enum Kind {
    SplunkHec {
        /// Full endpoint URL (`…/services/collector/event`).
        url: String,
        index: Option<String>,
        alerts_index: Option<String>,
        source: String,
        sourcetype: String,
        alerts_sourcetype: String,
    },
    Elasticsearch {
        /// Full endpoint URL (`…/_bulk`).
        url: String,
        index: String,
        alerts_index: String,
    },
    HttpJson {
        url: String,
    },
    Syslog {
        host: String,
        port: u16,
        tls: bool,
        server_name: String,
        facility: u8,
        app_name: String,
    },
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::SplunkHec { .. } => "splunk_hec",
            Kind::Elasticsearch { .. } => "elasticsearch",
            Kind::HttpJson { .. } => "http_json",
            Kind::Syslog { .. } => "syslog",
        }
    }
}

/// When a batch is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    pub max_items: usize,
    pub max_bytes: u64,
    pub max_delay: Duration,
}

/// How failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// 0: never give up.
    pub max_retries: u32,
}

/// One compiled destination.
#[derive(Debug, Clone)]
pub struct Destination {
    pub name: String,
    pub kind: Kind,
    pub auth: Auth,
    /// PEM certificates to trust instead of the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    pub format: Format,
    pub send_events: bool,
    pub send_alerts: bool,
    pub datasets: Vec<String>,
    pub modules: Vec<String>,
    pub batch: BatchLimits,
    pub spool_budget: u64,
    pub dead_letter_budget: u64,
    pub retry: RetryPolicy,
    pub timeout: Duration,
}

impl Destination {
    /// Whether this event is forwarded here.
    pub fn wants_event(&self, ev: &sightline_event::Event) -> bool {
        self.send_events
            && (self.datasets.is_empty() || self.datasets.iter().any(|d| d == &*ev.dataset))
            && (self.modules.is_empty() || self.modules.iter().any(|m| m == &*ev.module))
    }
}

/// Every configured destination, ready to start.
#[derive(Debug, Clone, Default)]
pub struct Forwarders {
    pub destinations: Vec<Destination>,
}

impl Forwarders {
    /// Compiles the `[[forward]]` tables, reporting every problem at once.
    pub fn compile(entries: &[ForwardEntry]) -> Result<Forwarders, ConfigError> {
        let mut p = Problems::default();
        let mut names = HashSet::new();
        let mut destinations = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let key = format!("forward[{i}]");
            let name = e.name.trim();
            if name.is_empty() {
                p.add(&format!("{key}.name"), "required");
            } else if !valid_name(name) {
                p.add(
                    &format!("{key}.name"),
                    format!(
                        "{name:?}: use letters, digits, _, - and . (it names a directory), not starting with ."
                    ),
                );
            } else if !names.insert(name.to_owned()) {
                p.add(
                    &format!("{key}.name"),
                    format!("{name:?} is already the name of another [[forward]]"),
                );
            }
            if let Some(d) = compile_one(&key, name, e, &mut p) {
                destinations.push(d);
            }
        }
        if !p.0.is_empty() {
            return Err(ConfigError { problems: p.0 });
        }
        Ok(Forwarders { destinations })
    }

    pub fn is_empty(&self) -> bool {
        self.destinations.is_empty()
    }
}

fn valid_name(n: &str) -> bool {
    !n.starts_with('.')
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, key: &str, message: impl Into<String>) {
        self.0.push(Problem {
            key: key.to_owned(),
            message: message.into(),
        });
    }

    fn duration(&mut self, key: &str, text: &str, min: Duration) -> Duration {
        match text.trim().parse::<jiff::SignedDuration>() {
            Ok(d) => match Duration::try_from(d) {
                Ok(d) if d >= min => d,
                _ => {
                    self.add(key, format!("{text:?}: must be at least {min:?}"));
                    min
                }
            },
            Err(_) => {
                self.add(
                    key,
                    format!("{text:?} is not a duration (e.g. \"500ms\", \"30s\", \"5m\")"),
                );
                min
            }
        }
    }

    /// The secret in a file, trimmed; the file must exist and not be empty.
    /// The message names the file, never its content.
    fn secret(&mut self, key: &str, path: &Path) -> Option<Secret> {
        match std::fs::read_to_string(path) {
            Ok(s) if s.trim().is_empty() => {
                self.add(key, format!("{} is empty", path.display()));
                None
            }
            Ok(s) => Some(Secret(s.trim().to_owned())),
            Err(e) => {
                self.add(key, format!("reading {}: {}", path.display(), e.kind()));
                None
            }
        }
    }
}

fn compile_one(key: &str, name: &str, e: &ForwardEntry, p: &mut Problems) -> Option<Destination> {
    let before = p.0.len();
    let format = match e.format.as_str() {
        "ecs" => Format::Ecs,
        "ocsf" => Format::Ocsf,
        other => {
            p.add(
                &format!("{key}.format"),
                format!("{other:?}: use \"ecs\" or \"ocsf\""),
            );
            Format::Ecs
        }
    };
    let (mut send_events, mut send_alerts) = (false, false);
    if e.send.is_empty() {
        p.add(
            &format!("{key}.send"),
            "empty: list \"events\", \"alerts\" or both",
        );
    }
    for (j, s) in e.send.iter().enumerate() {
        match s.as_str() {
            "events" => send_events = true,
            "alerts" => send_alerts = true,
            other => p.add(
                &format!("{key}.send[{j}]"),
                format!("{other:?}: use \"events\" or \"alerts\""),
            ),
        }
    }
    if !send_events && (!e.datasets.is_empty() || !e.modules.is_empty()) {
        p.add(
            &format!("{key}.datasets"),
            "filters events, but send does not list \"events\"",
        );
    }
    let batch = BatchLimits {
        max_items: e.batch_max_events,
        max_bytes: e.batch_max_bytes,
        max_delay: p.duration(
            &format!("{key}.batch_max_delay"),
            &e.batch_max_delay,
            Duration::ZERO,
        ),
    };
    if e.batch_max_events == 0 {
        p.add(&format!("{key}.batch_max_events"), "must be at least 1");
    }
    if e.batch_max_bytes == 0 {
        p.add(&format!("{key}.batch_max_bytes"), "must be at least 1");
    }
    if e.spool_budget < 64 << 10 {
        p.add(
            &format!("{key}.spool_budget"),
            "must be at least 65536 bytes",
        );
    }
    let retry = RetryPolicy {
        initial_backoff: p.duration(
            &format!("{key}.retry_initial_backoff"),
            &e.retry_initial_backoff,
            Duration::from_millis(1),
        ),
        max_backoff: p.duration(
            &format!("{key}.retry_max_backoff"),
            &e.retry_max_backoff,
            Duration::from_millis(1),
        ),
        max_retries: e.max_retries,
    };
    if retry.max_backoff < retry.initial_backoff {
        p.add(
            &format!("{key}.retry_max_backoff"),
            "must not be shorter than retry_initial_backoff",
        );
    }
    let timeout = p.duration(
        &format!("{key}.timeout"),
        &e.timeout,
        Duration::from_millis(1),
    );
    let ca_pem = e.tls_ca_file.as_ref().and_then(|path| {
        let k = format!("{key}.tls_ca_file");
        match std::fs::read(path) {
            Ok(b) if is_pem_certificates(&b) => Some(b),
            Ok(_) => {
                p.add(&k, format!("{} holds no PEM certificate", path.display()));
                None
            }
            Err(err) => {
                p.add(&k, format!("reading {}: {}", path.display(), err.kind()));
                None
            }
        }
    });
    let kind = compile_kind(key, e, p);
    let auth = compile_auth(key, e, p);
    if let (Some(kind), Auth::Token(_) | Auth::Basic { .. }) = (&kind, &auth) {
        let url = match kind {
            Kind::SplunkHec { url, .. }
            | Kind::Elasticsearch { url, .. }
            | Kind::HttpJson { url } => Some(url),
            Kind::Syslog { .. } => None,
        };
        if url.is_some_and(|u| u.starts_with("http://")) && !e.allow_insecure_http {
            p.add(
                &format!("{key}.url"),
                "credentials would travel in clear over http://: use https:// (or set allow_insecure_http = true in a lab)",
            );
        }
    }
    if e.tls_server_name.is_some() && !matches!(kind, Some(Kind::Syslog { tls: true, .. })) {
        p.add(
            &format!("{key}.tls_server_name"),
            "only for syslog with tls = true; HTTPS verifies the URL's host",
        );
    }
    if p.0.len() > before {
        return None;
    }
    Some(Destination {
        name: name.to_owned(),
        kind: kind?,
        auth,
        ca_pem,
        format,
        send_events,
        send_alerts,
        datasets: e.datasets.clone(),
        modules: e.modules.clone(),
        batch,
        spool_budget: e.spool_budget,
        dead_letter_budget: e.dead_letter_budget,
        retry,
        timeout,
    })
}

fn is_pem_certificates(bytes: &[u8]) -> bool {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(bytes).collect();
    certs.is_ok_and(|c| !c.is_empty())
}

fn compile_kind(key: &str, e: &ForwardEntry, p: &mut Problems) -> Option<Kind> {
    let http = |p: &mut Problems| -> Option<String> {
        if e.address.is_some() {
            p.add(
                &format!("{key}.address"),
                "for syslog; HTTP destinations take url",
            );
        }
        if e.tls {
            p.add(
                &format!("{key}.tls"),
                "for syslog; HTTP destinations use TLS with https://",
            );
        }
        match e.url.as_deref().map(str::trim) {
            None | Some("") => {
                p.add(&format!("{key}.url"), "required");
                None
            }
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
                match reqwest::Url::parse(u) {
                    Ok(parsed) if parsed.host_str().is_some() => Some(u.to_owned()),
                    _ => {
                        p.add(&format!("{key}.url"), format!("{u:?} is not a valid URL"));
                        None
                    }
                }
            }
            Some(u) => {
                p.add(
                    &format!("{key}.url"),
                    format!("{u:?}: must start with https:// or http://"),
                );
                None
            }
        }
    };
    let with_path = |u: String, path: &str| {
        let base = u.trim_end_matches('/');
        if base.ends_with(path) {
            base.to_owned()
        } else {
            format!("{base}{path}")
        }
    };
    match e.kind.as_str() {
        "splunk_hec" => {
            if e.token_file.is_none() {
                p.add(&format!("{key}.token_file"), "required: the HEC token");
            }
            let url = http(p)?;
            Some(Kind::SplunkHec {
                url: with_path(url, "/services/collector/event"),
                index: e.index.clone(),
                alerts_index: e.alerts_index.clone().or_else(|| e.index.clone()),
                source: e.source.clone(),
                sourcetype: e.sourcetype.clone(),
                alerts_sourcetype: e.alerts_sourcetype.clone(),
            })
        }
        "elasticsearch" => {
            let url = http(p)?;
            let index = e.index.clone().unwrap_or_else(|| "sightline-events".into());
            let alerts_index = e
                .alerts_index
                .clone()
                .unwrap_or_else(|| "sightline-alerts".into());
            for (k, v) in [("index", &index), ("alerts_index", &alerts_index)] {
                if !valid_index(v) {
                    p.add(
                        &format!("{key}.{k}"),
                        format!("{v:?}: lower-case letters, digits, -, _ and . (not starting with -, _ or +)"),
                    );
                }
            }
            Some(Kind::Elasticsearch {
                url: with_path(url, "/_bulk"),
                index,
                alerts_index,
            })
        }
        "http_json" => Some(Kind::HttpJson { url: http(p)? }),
        "syslog" => {
            if e.url.is_some() {
                p.add(
                    &format!("{key}.url"),
                    "syslog takes address = \"host:port\"",
                );
            }
            if e.token_file.is_some() || e.username.is_some() || e.password_file.is_some() {
                p.add(
                    &format!("{key}.token_file"),
                    "syslog takes no credentials (use TLS)",
                );
            }
            let facility = match facility_code(&e.facility) {
                Some(f) => f,
                None => {
                    p.add(
                        &format!("{key}.facility"),
                        format!("{:?} is not a syslog facility", e.facility),
                    );
                    16
                }
            };
            if e.app_name.is_empty()
                || e.app_name.len() > 48
                || !e.app_name.bytes().all(|b| (33..=126).contains(&b))
            {
                p.add(
                    &format!("{key}.app_name"),
                    "1 to 48 printable ASCII characters, no spaces",
                );
            }
            if e.tls && e.tls_ca_file.is_none() {
                p.add(
                    &format!("{key}.tls_ca_file"),
                    "required with tls = true: the CA that signed the receiver's certificate",
                );
            }
            let Some(addr) = e
                .address
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
            else {
                p.add(&format!("{key}.address"), "required: \"host:port\"");
                return None;
            };
            let Some((host, port)) = split_host_port(addr) else {
                p.add(
                    &format!("{key}.address"),
                    format!("{addr:?}: expected \"host:port\""),
                );
                return None;
            };
            Some(Kind::Syslog {
                server_name: e.tls_server_name.clone().unwrap_or_else(|| host.clone()),
                host,
                port,
                tls: e.tls,
                facility,
                app_name: e.app_name.clone(),
            })
        }
        "" => {
            p.add(
                &format!("{key}.type"),
                "required: splunk_hec, elasticsearch, syslog or http_json",
            );
            None
        }
        other => {
            p.add(
                &format!("{key}.type"),
                format!("{other:?}: use splunk_hec, elasticsearch, syslog or http_json"),
            );
            None
        }
    }
}

fn compile_auth(key: &str, e: &ForwardEntry, p: &mut Problems) -> Auth {
    let token = e
        .token_file
        .as_ref()
        .and_then(|f| p.secret(&format!("{key}.token_file"), f));
    let password = e
        .password_file
        .as_ref()
        .and_then(|f| p.secret(&format!("{key}.password_file"), f));
    match (&e.username, &e.password_file) {
        (Some(_), None) => p.add(&format!("{key}.password_file"), "required with username"),
        (None, Some(_)) => p.add(&format!("{key}.username"), "required with password_file"),
        _ => {}
    }
    if e.token_file.is_some() && e.username.is_some() {
        p.add(
            &format!("{key}.username"),
            "give either token_file or username and password_file",
        );
    }
    if e.kind == "splunk_hec" && e.username.is_some() {
        p.add(
            &format!("{key}.username"),
            "HEC authenticates with token_file only",
        );
    }
    match (token, e.username.clone(), password) {
        (Some(t), _, _) => Auth::Token(t),
        (None, Some(username), Some(password)) => Auth::Basic { username, password },
        _ => Auth::None,
    }
}

fn valid_index(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with(['-', '_', '+'])
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

fn split_host_port(addr: &str) -> Option<(String, u16)> {
    let (host, port) = addr.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port.parse().ok()?;
    (!host.is_empty() && port != 0).then(|| (host.to_owned(), port))
}

/// RFC 5424 facility codes.
fn facility_code(name: &str) -> Option<u8> {
    Some(match name {
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" => 4,
        "syslog" => 5,
        "lpr" => 6,
        "news" => 7,
        "uucp" => 8,
        "cron" => 9,
        "authpriv" => 10,
        "ftp" => 11,
        "local0" => 16,
        "local1" => 17,
        "local2" => 18,
        "local3" => 19,
        "local4" => 20,
        "local5" => 21,
        "local6" => 22,
        "local7" => 23,
        _ => return None,
    })
}
