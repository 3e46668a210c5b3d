//! `[response]` and its `[[response.action]]` entries, compiled into
//! [`ResponseConfig`]. Problems name their key (`response.action[1].allow`).

use crate::allow::Allowlist;
use crate::template::{Template, TemplateError};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use sightline_route::duration::parse_duration;
use sightline_route::matcher::{Matcher, parse_all};
use sightline_route::{ConfigError, Problem};
use std::path::PathBuf;
use std::time::Duration;

/// `[response]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResponseSection {
    /// Bytes kept of each of stdout and stderr (commands) or of a response body.
    pub max_output_bytes: usize,
    /// Runs `execute_due` starts at once; the rest wait for the next call.
    pub max_parallel: usize,
    #[serde(rename = "action", skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionEntry>,
}

impl Default for ResponseSection {
    fn default() -> Self {
        ResponseSection {
            max_output_bytes: 4096,
            max_parallel: 8,
            actions: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    Webhook,
    Command,
    RayStopJob,
    RaiseVerbosity,
}

impl ActionType {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionType::Webhook => "webhook",
            ActionType::Command => "command",
            ActionType::RayStopJob => "ray_stop_job",
            ActionType::RaiseVerbosity => "raise_verbosity",
        }
    }
}

/// `[[response.action]]`: every key of every type; [`ResponseConfig::compile`]
/// refuses keys that do not belong to the entry's `type`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionEntry {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<ActionType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<String>,
    pub dry_run: Option<bool>,
    pub rate_limit: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    pub target: Option<String>,
    pub timeout: Option<String>,
    #[serde(default)]
    pub require_approval: bool,
    pub approval_timeout: Option<String>,
    pub undo_after: Option<String>,
    pub undo: Option<UndoEntry>,
    // webhook
    pub url: Option<String>,
    pub method: Option<String>,
    pub body: Option<serde_json::Value>,
    pub secret_file: Option<PathBuf>,
    // command
    pub argv: Option<Vec<String>>,
    pub working_dir: Option<PathBuf>,
    // ray_stop_job
    pub dashboard_url: Option<String>,
    pub job_id: Option<String>,
    pub token_file: Option<PathBuf>,
    // raise_verbosity
    pub host: Option<String>,
    pub duration: Option<String>,
    pub level: Option<String>,
    pub reason: Option<String>,
}

/// `undo = { ... }`: the same keys as the action's type (`argv` for a
/// command; `url`, `method`, `body` for a webhook).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UndoEntry {
    pub argv: Option<Vec<String>>,
    pub url: Option<String>,
    pub method: Option<String>,
    pub body: Option<serde_json::Value>,
}

/// `N/duration`: at most N executed runs of the action in any such window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub runs: u32,
    pub per: SignedDuration,
}

impl RateLimit {
    pub fn parse(text: &str) -> Result<RateLimit, String> {
        let bad = || format!("{text:?} is not a rate; write e.g. 5/1h");
        let (n, per) = text.split_once('/').ok_or_else(bad)?;
        let runs: u32 = n.trim().parse().map_err(|_| bad())?;
        if runs == 0 {
            return Err(format!(
                "{text:?}: 0 runs would disable the action; remove it instead"
            ));
        }
        let per = parse_duration(per)?;
        if per.is_zero() {
            return Err(bad());
        }
        Ok(RateLimit { runs, per })
    }
}

/// A body whose strings are templates; the rest is JSON as written.
#[derive(Debug, Clone)]
pub enum BodyTemplate {
    Str(Template),
    Array(Vec<BodyTemplate>),
    Object(Vec<(String, BodyTemplate)>),
    Value(serde_json::Value),
}

impl BodyTemplate {
    fn compile(v: &serde_json::Value) -> Result<BodyTemplate, TemplateError> {
        Ok(match v {
            serde_json::Value::String(s) => BodyTemplate::Str(Template::parse(s)?),
            serde_json::Value::Array(a) => BodyTemplate::Array(
                a.iter()
                    .map(BodyTemplate::compile)
                    .collect::<Result<_, _>>()?,
            ),
            serde_json::Value::Object(o) => BodyTemplate::Object(
                o.iter()
                    .map(|(k, v)| Ok((k.clone(), BodyTemplate::compile(v)?)))
                    .collect::<Result<_, TemplateError>>()?,
            ),
            other => BodyTemplate::Value(other.clone()),
        })
    }
}

/// What an action does, compiled.
#[derive(Debug, Clone)]
pub enum Spec {
    Webhook {
        method: reqwest::Method,
        url: Template,
        body: Option<BodyTemplate>,
        secret_file: Option<PathBuf>,
    },
    Command {
        argv: Vec<Template>,
        working_dir: PathBuf,
    },
    RayStopJob {
        dashboard_url: String,
        job_id: Template,
        token_file: Option<PathBuf>,
    },
    RaiseVerbosity {
        host: Template,
        level: String,
        duration: SignedDuration,
        reason: Template,
    },
}

/// One compiled action.
#[derive(Debug, Clone)]
pub struct Action {
    pub name: String,
    pub rules: Vec<String>,
    pub matchers: Vec<Matcher>,
    pub dry_run: bool,
    pub rate_limit: Option<RateLimit>,
    pub allow: Allowlist,
    /// What the allowlist checks; `None`: the host of a webhook's URL.
    pub target: Option<Template>,
    pub timeout: Duration,
    pub require_approval: bool,
    pub approval_timeout: SignedDuration,
    pub undo_after: Option<SignedDuration>,
    pub spec: Spec,
    pub undo: Option<Spec>,
}

/// The compiled `[response]` section.
#[derive(Debug, Clone, Default)]
pub struct ResponseConfig {
    pub actions: Vec<Action>,
    pub max_output_bytes: usize,
    pub max_parallel: usize,
}

impl ResponseConfig {
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// Checks every entry and reports every problem at once.
    pub fn compile(section: &ResponseSection) -> Result<ResponseConfig, ConfigError> {
        let mut problems = Vec::new();
        let mut actions = Vec::new();
        for (i, entry) in section.actions.iter().enumerate() {
            let mut p = Problems {
                prefix: format!("response.action[{i}]"),
                list: &mut problems,
            };
            if let Some(a) = compile_action(entry, &mut p) {
                if actions.iter().any(|b: &Action| b.name == a.name) {
                    p.add("name", format!("{:?} is used by another action", a.name));
                } else {
                    actions.push(a);
                }
            }
        }
        if section.max_parallel == 0 {
            problems.push(Problem {
                key: "response.max_parallel".into(),
                message: "must be at least 1".into(),
            });
        }
        if problems.is_empty() {
            Ok(ResponseConfig {
                actions,
                max_output_bytes: section.max_output_bytes,
                max_parallel: section.max_parallel,
            })
        } else {
            Err(ConfigError { problems })
        }
    }
}

struct Problems<'a> {
    prefix: String,
    list: &'a mut Vec<Problem>,
}

impl Problems<'_> {
    fn add(&mut self, key: &str, message: impl Into<String>) {
        self.list.push(Problem {
            key: format!("{}.{key}", self.prefix),
            message: message.into(),
        });
    }
    fn template(&mut self, key: &str, text: &str) -> Option<Template> {
        Template::parse(text)
            .map_err(|e| self.add(key, e.to_string()))
            .ok()
    }
    fn duration(&mut self, key: &str, text: Option<&str>, default: &str) -> Option<SignedDuration> {
        parse_duration(text.unwrap_or(default))
            .map_err(|e| self.add(key, e))
            .ok()
    }
    fn method(&mut self, key: &str, text: Option<&str>) -> Option<reqwest::Method> {
        let m = text.unwrap_or("POST").to_ascii_uppercase();
        match m.as_str() {
            "POST" | "PUT" | "PATCH" | "DELETE" | "GET" => m.parse().ok(),
            _ => {
                self.add(key, format!("{m:?}: use POST, PUT, PATCH, DELETE or GET"));
                None
            }
        }
    }
    fn body(&mut self, key: &str, v: Option<&serde_json::Value>) -> Option<Option<BodyTemplate>> {
        match v {
            None => Some(None),
            Some(v) => BodyTemplate::compile(v)
                .map(Some)
                .map_err(|e| self.add(key, e.to_string()))
                .ok(),
        }
    }
    fn argv(&mut self, key: &str, argv: Option<&Vec<String>>) -> Option<Vec<Template>> {
        let Some(argv) = argv else {
            self.add(key, "a command needs argv = [\"/absolute/program\", ...]");
            return None;
        };
        let first = argv.first().map(String::as_str).unwrap_or("");
        if !first.starts_with('/') || first.contains(['{', '}']) {
            self.add(
                &format!("{key}[0]"),
                "the program must be a fixed absolute path (no PATH lookup, no placeholder)",
            );
            return None;
        }
        let mut out = Vec::new();
        for (j, a) in argv.iter().enumerate() {
            out.push(self.template(&format!("{key}[{j}]"), a)?);
        }
        Some(out)
    }
}

/// Keys present in the entry that belong to other types.
fn foreign_keys(e: &ActionEntry, kind: ActionType) -> Vec<&'static str> {
    let present = [
        ("url", e.url.is_some(), ActionType::Webhook),
        ("method", e.method.is_some(), ActionType::Webhook),
        ("body", e.body.is_some(), ActionType::Webhook),
        ("secret_file", e.secret_file.is_some(), ActionType::Webhook),
        ("argv", e.argv.is_some(), ActionType::Command),
        ("working_dir", e.working_dir.is_some(), ActionType::Command),
        (
            "dashboard_url",
            e.dashboard_url.is_some(),
            ActionType::RayStopJob,
        ),
        ("job_id", e.job_id.is_some(), ActionType::RayStopJob),
        ("token_file", e.token_file.is_some(), ActionType::RayStopJob),
        ("host", e.host.is_some(), ActionType::RaiseVerbosity),
        ("duration", e.duration.is_some(), ActionType::RaiseVerbosity),
        ("level", e.level.is_some(), ActionType::RaiseVerbosity),
        ("reason", e.reason.is_some(), ActionType::RaiseVerbosity),
    ];
    present
        .into_iter()
        .filter(|(_, set, owner)| *set && *owner != kind)
        .map(|(k, _, _)| k)
        .collect()
}

fn compile_action(e: &ActionEntry, p: &mut Problems) -> Option<Action> {
    if e.name.trim().is_empty() {
        p.add("name", "every action needs a name");
    }
    let Some(kind) = e.kind else {
        p.add(
            "type",
            "set type = webhook, command, ray_stop_job or raise_verbosity",
        );
        return None;
    };
    for k in foreign_keys(e, kind) {
        p.add(k, format!("not a key of a {} action", kind.as_str()));
    }
    if e.rules.is_empty() && e.matchers.is_empty() {
        p.add(
            "rules",
            "set rules and/or matchers: an action that triggers on every alert is refused",
        );
    }
    let matchers = parse_all(&e.matchers)
        .map_err(|(j, err)| p.add(&format!("matchers[{j}]"), err.to_string()))
        .ok();
    let rate_limit = match &e.rate_limit {
        None => None,
        Some(t) => RateLimit::parse(t)
            .map_err(|err| p.add("rate_limit", err))
            .ok(),
    };
    let allow = Allowlist::parse(&e.allow)
        .map_err(|(j, err)| p.add(&format!("allow[{j}]"), err))
        .ok();
    let timeout = p.duration("timeout", e.timeout.as_deref(), "30s");
    let approval_timeout = p.duration("approval_timeout", e.approval_timeout.as_deref(), "1h");
    let undo_after = match &e.undo_after {
        None => None,
        Some(t) => Some(p.duration("undo_after", Some(t), "0s")?),
    };
    let explicit_target = match &e.target {
        None => None,
        Some(t) => Some(p.template("target", t)?),
    };
    let spec = compile_spec(e, kind, p)?;
    let undo = match (&e.undo, undo_after) {
        (None, None) => None,
        (Some(_), None) => {
            p.add(
                "undo_after",
                "an undo needs undo_after (how long the action lasts)",
            );
            None
        }
        (None, Some(_)) => {
            p.add("undo", "undo_after needs an undo = { ... } to run");
            None
        }
        (Some(u), Some(_)) => compile_undo(u, &spec, p),
    };
    // The target the allowlist checks, and whether event data steers it.
    let (target, steered) = match (&spec, explicit_target) {
        (_, Some(t)) => {
            let steered = t.uses_event_data() || spec_uses_event_data(&spec);
            (Some(t), steered)
        }
        (Spec::Webhook { url, .. }, None) => (None, url.uses_event_data()),
        (Spec::Command { argv, .. }, None) => {
            if argv.iter().any(Template::uses_event_data) {
                p.add(
                    "target",
                    "argv takes values from the alert's events: set target to the value the command acts on (e.g. \"{source.ip}\") so allow can check it",
                );
            }
            (None, false)
        }
        (Spec::RayStopJob { job_id, .. }, None) => (Some(job_id.clone()), job_id.uses_event_data()),
        (Spec::RaiseVerbosity { host, .. }, None) => (Some(host.clone()), host.uses_event_data()),
    };
    let allow = allow?;
    if steered && allow.is_empty() {
        p.add(
            "allow",
            "the target comes from event data: list the allowed targets (allow = [\"*\"] allows any, on purpose)",
        );
    }
    Some(Action {
        name: e.name.clone(),
        rules: e.rules.clone(),
        matchers: matchers?,
        dry_run: e.dry_run.unwrap_or(true),
        rate_limit,
        allow,
        target,
        timeout: timeout?.unsigned_abs(),
        require_approval: e.require_approval,
        approval_timeout: approval_timeout?,
        undo_after,
        spec,
        undo,
    })
}

fn spec_uses_event_data(spec: &Spec) -> bool {
    match spec {
        Spec::Webhook { url, .. } => url.uses_event_data(),
        Spec::Command { argv, .. } => argv.iter().any(Template::uses_event_data),
        Spec::RayStopJob { job_id, .. } => job_id.uses_event_data(),
        Spec::RaiseVerbosity { host, .. } => host.uses_event_data(),
    }
}

fn check_url(p: &mut Problems, key: &str, url: &str) -> bool {
    // Placeholders stand for one path segment; the scheme and host are checked as written.
    let probe = url.replace(['{', '}'], "");
    match reqwest::Url::parse(&probe) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => true,
        _ => {
            p.add(key, format!("{url:?} is not an http(s) URL"));
            false
        }
    }
}

fn compile_spec(e: &ActionEntry, kind: ActionType, p: &mut Problems) -> Option<Spec> {
    match kind {
        ActionType::Webhook => {
            let Some(url) = &e.url else {
                p.add("url", "a webhook needs a url");
                return None;
            };
            if !check_url(p, "url", url) {
                return None;
            }
            Some(Spec::Webhook {
                method: p.method("method", e.method.as_deref())?,
                url: p.template("url", url)?,
                body: p.body("body", e.body.as_ref())?,
                secret_file: e.secret_file.clone(),
            })
        }
        ActionType::Command => {
            let working_dir = e.working_dir.clone().unwrap_or_else(|| PathBuf::from("/"));
            if !working_dir.is_absolute() {
                p.add("working_dir", "must be an absolute path");
            }
            Some(Spec::Command {
                argv: p.argv("argv", e.argv.as_ref())?,
                working_dir,
            })
        }
        ActionType::RayStopJob => {
            let Some(base) = &e.dashboard_url else {
                p.add(
                    "dashboard_url",
                    "a ray_stop_job action needs the dashboard's URL (http://head:8265)",
                );
                return None;
            };
            if base.contains(['{', '}']) {
                p.add(
                    "dashboard_url",
                    "the dashboard URL is fixed: no placeholders",
                );
                return None;
            }
            if !check_url(p, "dashboard_url", base) {
                return None;
            }
            Some(Spec::RayStopJob {
                dashboard_url: base.trim_end_matches('/').to_owned(),
                job_id: p.template(
                    "job_id",
                    e.job_id.as_deref().unwrap_or("{ray.job.submission_id}"),
                )?,
                token_file: e.token_file.clone(),
            })
        }
        ActionType::RaiseVerbosity => {
            let duration = p.duration("duration", e.duration.as_deref(), "30m")?;
            if duration.is_zero() {
                p.add("duration", "an order that lasts 0s does nothing");
            }
            Some(Spec::RaiseVerbosity {
                host: p.template("host", e.host.as_deref().unwrap_or("{host}"))?,
                level: e.level.clone().unwrap_or_else(|| "debug".into()),
                duration,
                reason: p.template("reason", e.reason.as_deref().unwrap_or("{rule}"))?,
            })
        }
    }
}

fn compile_undo(u: &UndoEntry, spec: &Spec, p: &mut Problems) -> Option<Spec> {
    match spec {
        Spec::Command { working_dir, .. } => {
            if u.url.is_some() || u.method.is_some() || u.body.is_some() {
                p.add("undo", "a command's undo takes argv only");
            }
            Some(Spec::Command {
                argv: p.argv("undo.argv", u.argv.as_ref())?,
                working_dir: working_dir.clone(),
            })
        }
        Spec::Webhook { secret_file, .. } => {
            if u.argv.is_some() {
                p.add("undo.argv", "a webhook's undo takes url, method and body");
            }
            let Some(url) = &u.url else {
                p.add("undo.url", "a webhook's undo needs a url");
                return None;
            };
            if !check_url(p, "undo.url", url) {
                return None;
            }
            Some(Spec::Webhook {
                method: p.method("undo.method", u.method.as_deref())?,
                url: p.template("undo.url", url)?,
                body: p.body("undo.body", u.body.as_ref())?,
                secret_file: secret_file.clone(),
            })
        }
        Spec::RayStopJob { .. } => {
            p.add("undo", "a stopped Ray job cannot be restarted by an undo");
            None
        }
        Spec::RaiseVerbosity { .. } => {
            p.add(
                "undo",
                "a verbosity order ends by itself after its duration",
            );
            None
        }
    }
}
