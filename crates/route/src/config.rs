//! The `[routing]`, `[[routing.route]]`, `[[inhibit]]` and `[risk]` tables of
//! the server's configuration file, and their compilation into a
//! [`Routing`]. Every problem names its key (`routing.route[1].group_wait`)
//! so `sightline config check` can point at the line.

use crate::duration::parse_duration;
use crate::inhibit::InhibitRule;
use crate::matcher::{Matcher, MatcherError, parse_all};
use crate::risk::{LevelScores, RiskConfig};
use crate::router::{Escalation, GroupBy, Route, Router, Timers};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use sightline_detect::rule::Level;
use std::collections::BTreeMap;
use std::fmt;

/// `[routing]`: the root route (it matches every alert, so it takes no
/// matchers) and the settings of the dispatcher.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingSection {
    /// Where alerts no child route takes go. Required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    /// Labels alerts are grouped by; `["..."]` groups by every label.
    pub group_by: Vec<String>,
    pub group_wait: String,
    pub group_interval: String,
    pub repeat_interval: String,
    pub send_resolved: bool,
    /// An alert with no update for this long counts as resolved; `0s`: never.
    pub resolve_timeout: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalate_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalate_to: Option<String>,
    /// Not allowed here: read only to say so clearly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matchers: Option<Vec<String>>,
    /// Not allowed here: read only to say so clearly.
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_matching: Option<bool>,
    /// Expired silences are kept this long (audit trail, UI), then dropped.
    pub silence_retention: String,
    /// Alerts the dispatcher tracks at once; beyond, new alerts are refused and counted.
    pub max_alerts: usize,
    #[serde(rename = "route", skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteEntry>,
}

impl Default for RoutingSection {
    fn default() -> Self {
        RoutingSection {
            receiver: None,
            group_by: vec!["rule".into()],
            group_wait: "30s".into(),
            group_interval: "5m".into(),
            repeat_interval: "4h".into(),
            send_resolved: false,
            resolve_timeout: "24h".into(),
            escalate_after: None,
            escalate_to: None,
            matchers: None,
            continue_matching: None,
            silence_retention: "90d".into(),
            max_alerts: 100_000,
            routes: Vec::new(),
        }
    }
}

impl RoutingSection {
    /// Nothing configured: the server runs without routing.
    pub fn is_empty(&self) -> bool {
        self.receiver.is_none() && self.routes.is_empty()
    }
}

/// `[[routing.route]]` (nested as `[[routing.route.route]]`). Unset keys are
/// inherited from the parent, except `matchers`, `continue` and `name`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouteEntry {
    /// Shown in route paths (`root/critical`) instead of the index.
    pub name: Option<String>,
    /// All must match: `'level = "critical"'`, `'host =~ "web-.*"'`.
    pub matchers: Vec<String>,
    pub receiver: Option<String>,
    pub group_by: Option<Vec<String>>,
    pub group_wait: Option<String>,
    pub group_interval: Option<String>,
    pub repeat_interval: Option<String>,
    pub send_resolved: Option<bool>,
    pub resolve_timeout: Option<String>,
    /// `0s` turns off an escalation inherited from the parent.
    pub escalate_after: Option<String>,
    pub escalate_to: Option<String>,
    /// Keep trying the following sibling routes after this one matched.
    #[serde(rename = "continue")]
    pub continue_matching: bool,
    #[serde(rename = "route", skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteEntry>,
}

/// `[[inhibit]]`: while an alert matching `source` fires, alerts matching
/// `target` with the same values of the `equal` labels are muted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InhibitEntry {
    pub name: Option<String>,
    pub source: Vec<String>,
    pub target: Vec<String>,
    pub equal: Vec<String>,
}

/// `[risk]`: risk scoring per entity.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskSection {
    pub enabled: bool,
    /// Labels that name an entity: each alert adds its score to every one it carries.
    pub entities: Vec<String>,
    /// Scores older than this no longer count.
    pub window: String,
    /// An entity whose total reaches this raises a risk alert.
    pub threshold: u32,
    /// Level of the risk alert.
    pub level: String,
    /// Entities tracked at once; beyond, the least recently scored is dropped (and counted).
    pub max_entities: usize,
    /// Score of an alert by its level.
    pub scores: ScoresEntry,
    /// Score by rule id, over the level's and the rule's `risk:N` tag.
    pub rules: BTreeMap<String, u32>,
}

impl Default for RiskSection {
    fn default() -> Self {
        RiskSection {
            enabled: true,
            entities: ["host", "user.name", "source.ip", "ray.job.id"]
                .map(String::from)
                .to_vec(),
            window: "24h".into(),
            threshold: 100,
            level: "high".into(),
            max_entities: 10_000,
            scores: ScoresEntry::default(),
            rules: BTreeMap::new(),
        }
    }
}

/// `[risk.scores]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoresEntry {
    pub informational: u32,
    pub low: u32,
    pub medium: u32,
    pub high: u32,
    pub critical: u32,
}

impl Default for ScoresEntry {
    fn default() -> Self {
        let d = LevelScores::default();
        ScoresEntry {
            informational: d.informational,
            low: d.low,
            medium: d.medium,
            high: d.high,
            critical: d.critical,
        }
    }
}

/// One problem in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path as in the file: `routing.route[0].matchers[1]`.
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

/// The compiled configuration the dispatcher runs on.
#[derive(Debug, Clone)]
pub struct Routing {
    pub router: Router,
    pub inhibit: Vec<InhibitRule>,
    pub risk: RiskConfig,
    pub silence_retention: SignedDuration,
    pub max_alerts: usize,
}

impl Routing {
    /// Compiles the three tables, reporting every problem at once.
    pub fn compile(
        routing: &RoutingSection,
        inhibit: &[InhibitEntry],
        risk: &RiskSection,
    ) -> Result<Routing, ConfigError> {
        let mut p = Problems::default();
        let router = build_router(routing, &mut p);
        let rules = build_inhibit(inhibit, &mut p);
        let risk = build_risk(risk, &mut p);
        let silence_retention = p.duration(
            "routing.silence_retention",
            &routing.silence_retention,
            SignedDuration::ZERO,
        );
        if routing.max_alerts == 0 {
            p.add("routing.max_alerts", "must be at least 1");
        }
        if !p.0.is_empty() {
            return Err(ConfigError { problems: p.0 });
        }
        Ok(Routing {
            router: router.unwrap_or_else(|| Router::new(Vec::new())),
            inhibit: rules,
            risk: risk.unwrap_or_default(),
            silence_retention: silence_retention.unwrap_or(SignedDuration::ZERO),
            max_alerts: routing.max_alerts,
        })
    }

    /// Parses the tables from a TOML-like source already deserialized, for
    /// tools and tests: `routing` alone, no inhibition, default risk.
    pub fn from_routing(routing: &RoutingSection) -> Result<Routing, ConfigError> {
        Routing::compile(routing, &[], &RiskSection::default())
    }
}

/// Compiles only the routing tree (tests and `routes test` without a server).
pub fn compile_router(routing: &RoutingSection) -> Result<Router, ConfigError> {
    let mut p = Problems::default();
    match build_router(routing, &mut p) {
        Some(r) if p.0.is_empty() => Ok(r),
        _ => Err(ConfigError { problems: p.0 }),
    }
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

    /// A duration of at least `min`.
    fn duration(&mut self, key: &str, text: &str, min: SignedDuration) -> Option<SignedDuration> {
        match parse_duration(text) {
            Ok(d) if d < min => {
                self.add(
                    key,
                    format!("must be at least {}", crate::duration::format_duration(min)),
                );
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.add(key, e);
                None
            }
        }
    }

    fn matchers(&mut self, key: &str, texts: &[String]) -> Vec<Matcher> {
        match parse_all(texts) {
            Ok(m) => m,
            Err((i, e)) => {
                self.add(&format!("{key}[{i}]"), matcher_message(&e));
                // Report the others too.
                for (j, t) in texts.iter().enumerate().skip(i + 1) {
                    if let Err(e) = Matcher::parse(t) {
                        self.add(&format!("{key}[{j}]"), matcher_message(&e));
                    }
                }
                Vec::new()
            }
        }
    }
}

fn matcher_message(e: &MatcherError) -> String {
    e.to_string()
}

/// What a child inherits.
struct Inherited {
    receiver: String,
    group_by: GroupBy,
    timers: Timers,
}

fn build_router(section: &RoutingSection, p: &mut Problems) -> Option<Router> {
    let key = "routing";
    let receiver = match section.receiver.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => r.to_owned(),
        _ => {
            p.add(
                "routing.receiver",
                "required: the receiver of alerts no other route takes (a [[notify.receiver]] name)",
            );
            String::new()
        }
    };
    if section.matchers.is_some() {
        p.add(
            "routing.matchers",
            "the root route matches every alert and takes no matchers; put them on a [[routing.route]]",
        );
    }
    if section.continue_matching.is_some() {
        p.add(
            "routing.continue",
            "the root route has no siblings; continue belongs on a [[routing.route]]",
        );
    }
    let group_by = group_by(&format!("{key}.group_by"), &section.group_by, p);
    let defaults = Timers {
        group_wait: SignedDuration::from_secs(30),
        group_interval: SignedDuration::from_secs(300),
        repeat_interval: SignedDuration::from_secs(4 * 3600),
        send_resolved: false,
        resolve_timeout: Some(SignedDuration::from_secs(86_400)),
        escalation: None,
    };
    let timers = timers(
        key,
        &TimerKeys {
            group_wait: Some(&section.group_wait),
            group_interval: Some(&section.group_interval),
            repeat_interval: Some(&section.repeat_interval),
            send_resolved: Some(section.send_resolved),
            resolve_timeout: Some(&section.resolve_timeout),
            escalate_after: section.escalate_after.as_deref(),
            escalate_to: section.escalate_to.as_deref(),
        },
        &defaults,
        p,
    );
    let mut routes = vec![Route {
        path: "root".into(),
        name: None,
        matchers: Vec::new(),
        receiver: receiver.clone(),
        group_by: group_by.clone(),
        timers: timers.clone(),
        continue_matching: false,
        children: Vec::new(),
    }];
    let inherited = Inherited {
        receiver,
        group_by,
        timers,
    };
    let children = build_children(key, "root", &section.routes, &inherited, &mut routes, p);
    routes[0].children = children;
    Some(Router::new(routes))
}

fn build_children(
    parent_key: &str,
    parent_path: &str,
    entries: &[RouteEntry],
    inherited: &Inherited,
    routes: &mut Vec<Route>,
    p: &mut Problems,
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        let key = format!("{parent_key}.route[{i}]");
        let segment = match e.name.as_deref().map(str::trim) {
            Some(n) => {
                if n.is_empty()
                    || n.chars().all(|c| c.is_ascii_digit())
                    || !n
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                {
                    p.add(
                        &format!("{key}.name"),
                        format!(
                            "{n:?}: use letters, digits, _, - and . (not only digits, which read as an index)"
                        ),
                    );
                } else if !names.insert(n.to_owned()) {
                    p.add(
                        &format!("{key}.name"),
                        format!("{n:?} is already the name of a sibling route"),
                    );
                }
                n.to_owned()
            }
            None => i.to_string(),
        };
        let path = format!("{parent_path}/{segment}");
        let matchers = p.matchers(&format!("{key}.matchers"), &e.matchers);
        let receiver = match e.receiver.as_deref().map(str::trim) {
            Some("") => {
                p.add(
                    &format!("{key}.receiver"),
                    "must not be empty (leave it out to inherit)",
                );
                inherited.receiver.clone()
            }
            Some(r) => r.to_owned(),
            None => inherited.receiver.clone(),
        };
        let group_by = match &e.group_by {
            Some(g) => group_by(&format!("{key}.group_by"), g, p),
            None => inherited.group_by.clone(),
        };
        let timers = timers(
            &key,
            &TimerKeys {
                group_wait: e.group_wait.as_deref(),
                group_interval: e.group_interval.as_deref(),
                repeat_interval: e.repeat_interval.as_deref(),
                send_resolved: e.send_resolved,
                resolve_timeout: e.resolve_timeout.as_deref(),
                escalate_after: e.escalate_after.as_deref(),
                escalate_to: e.escalate_to.as_deref(),
            },
            &inherited.timers,
            p,
        );
        let idx = routes.len();
        routes.push(Route {
            path: path.clone(),
            name: e.name.clone(),
            matchers,
            receiver: receiver.clone(),
            group_by: group_by.clone(),
            timers: timers.clone(),
            continue_matching: e.continue_matching,
            children: Vec::new(),
        });
        let next = Inherited {
            receiver,
            group_by,
            timers,
        };
        let children = build_children(&key, &path, &e.routes, &next, routes, p);
        routes[idx].children = children;
        out.push(idx);
    }
    out
}

fn group_by(key: &str, names: &[String], p: &mut Problems) -> GroupBy {
    if names.iter().any(|n| n == "...") {
        if names.len() > 1 {
            p.add(key, r#"["..."] groups by every label and stands alone"#);
        }
        return GroupBy::All;
    }
    let mut out: Vec<String> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let n = n.trim();
        if n.is_empty() {
            p.add(&format!("{key}[{i}]"), "a label name must not be empty");
        } else if !out.iter().any(|o| o == n) {
            out.push(n.to_owned());
        }
    }
    GroupBy::Labels(out)
}

struct TimerKeys<'a> {
    group_wait: Option<&'a str>,
    group_interval: Option<&'a str>,
    repeat_interval: Option<&'a str>,
    send_resolved: Option<bool>,
    resolve_timeout: Option<&'a str>,
    escalate_after: Option<&'a str>,
    escalate_to: Option<&'a str>,
}

fn timers(key: &str, k: &TimerKeys<'_>, parent: &Timers, p: &mut Problems) -> Timers {
    let second = SignedDuration::from_secs(1);
    let mut t = parent.clone();
    if let Some(v) = k.group_wait
        && let Some(d) = p.duration(&format!("{key}.group_wait"), v, SignedDuration::ZERO)
    {
        t.group_wait = d;
    }
    if let Some(v) = k.group_interval
        && let Some(d) = p.duration(&format!("{key}.group_interval"), v, second)
    {
        t.group_interval = d;
    }
    if let Some(v) = k.repeat_interval
        && let Some(d) = p.duration(&format!("{key}.repeat_interval"), v, second)
    {
        t.repeat_interval = d;
    }
    if let Some(v) = k.send_resolved {
        t.send_resolved = v;
    }
    if let Some(v) = k.resolve_timeout
        && let Some(d) = p.duration(&format!("{key}.resolve_timeout"), v, SignedDuration::ZERO)
    {
        t.resolve_timeout = (!d.is_zero()).then_some(d);
    }
    let to = k.escalate_to.map(str::trim);
    if to == Some("") {
        p.add(&format!("{key}.escalate_to"), "must not be empty");
    }
    match k.escalate_after {
        Some(v) => {
            if let Some(d) = p.duration(&format!("{key}.escalate_after"), v, SignedDuration::ZERO) {
                if d.is_zero() {
                    t.escalation = None;
                } else {
                    let to = to
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .or_else(|| parent.escalation.as_ref().map(|e| e.to.clone()));
                    match to {
                        Some(to) => t.escalation = Some(Escalation { after: d, to }),
                        None => p.add(
                            &format!("{key}.escalate_to"),
                            "required with escalate_after: the receiver unacknowledged alerts escalate to",
                        ),
                    }
                }
            }
        }
        None => {
            if let Some(to) = to.filter(|s| !s.is_empty()) {
                match &mut t.escalation {
                    Some(e) => e.to = to.to_owned(),
                    None => p.add(
                        &format!("{key}.escalate_after"),
                        "required with escalate_to: how long an alert may stay unacknowledged",
                    ),
                }
            }
        }
    }
    t
}

fn build_inhibit(entries: &[InhibitEntry], p: &mut Problems) -> Vec<InhibitRule> {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let key = format!("inhibit[{i}]");
        let before = p.0.len();
        if e.source.is_empty() {
            p.add(
                &format!("{key}.source"),
                "required: matchers of the alerts that mute others",
            );
        }
        if e.target.is_empty() {
            p.add(
                &format!("{key}.target"),
                "required: matchers of the alerts that are muted",
            );
        }
        let source = p.matchers(&format!("{key}.source"), &e.source);
        let target = p.matchers(&format!("{key}.target"), &e.target);
        let mut equal = Vec::new();
        for (j, n) in e.equal.iter().enumerate() {
            let n = n.trim();
            if n.is_empty() {
                p.add(
                    &format!("{key}.equal[{j}]"),
                    "a label name must not be empty",
                );
            } else if !equal.iter().any(|x: &String| x == n) {
                equal.push(n.to_owned());
            }
        }
        if p.0.len() == before {
            out.push(InhibitRule {
                name: e.name.clone().unwrap_or_else(|| format!("inhibit[{i}]")),
                source,
                target,
                equal,
            });
        }
    }
    out
}

fn build_risk(s: &RiskSection, p: &mut Problems) -> Option<RiskConfig> {
    let window = p.duration("risk.window", &s.window, SignedDuration::from_secs(60));
    if s.threshold == 0 {
        p.add("risk.threshold", "must be at least 1");
    }
    if s.max_entities == 0 {
        p.add("risk.max_entities", "must be at least 1");
    }
    let level = Level::parse(&s.level);
    if level.is_none() {
        p.add(
            "risk.level",
            format!(
                "{:?} is not a level; use informational, low, medium, high or critical",
                s.level
            ),
        );
    }
    let mut entities = Vec::new();
    for (i, e) in s.entities.iter().enumerate() {
        let e = e.trim();
        if e.is_empty() {
            p.add(
                &format!("risk.entities[{i}]"),
                "a label name must not be empty",
            );
        } else if !entities.iter().any(|x: &String| x == e) {
            entities.push(e.to_owned());
        }
    }
    if s.enabled && entities.is_empty() {
        p.add(
            "risk.entities",
            "name at least one entity label (host, user.name...), or set enabled = false",
        );
    }
    Some(RiskConfig {
        enabled: s.enabled,
        entities,
        window: window?,
        threshold: s.threshold,
        level: level?,
        max_entities: s.max_entities,
        scores: LevelScores {
            informational: s.scores.informational,
            low: s.scores.low,
            medium: s.scores.medium,
            high: s.scores.high,
            critical: s.scores.critical,
        },
        rules: s.rules.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three tables as they sit in the server's file.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        routing: RoutingSection,
        #[serde(default)]
        inhibit: Vec<InhibitEntry>,
        #[serde(default)]
        risk: RiskSection,
    }

    fn compile(text: &str) -> Result<Routing, ConfigError> {
        let f: File = toml::from_str(text).unwrap();
        Routing::compile(&f.routing, &f.inhibit, &f.risk)
    }

    fn keys(e: ConfigError) -> Vec<String> {
        e.problems.into_iter().map(|p| p.key).collect()
    }

    #[test]
    fn a_documented_example_compiles() {
        let r = compile(
            r#"
            [routing]
            receiver = "soc-email"
            group_by = ["rule", "host"]
            send_resolved = true

            [[routing.route]]
            name = "critical"
            matchers = ['level = "critical"']
            receiver = "pagerduty"
            group_wait = "10s"
            repeat_interval = "1h"
            escalate_after = "15m"
            escalate_to = "oncall-lead"
            continue = true

              [[routing.route.route]]
              matchers = ['dataset =~ "ray\..*"']
              receiver = "ray-oncall"

            [[inhibit]]
            name = "critical-mutes-lesser"
            source = ['level = "critical"']
            target = ['level =~ "low|medium"']
            equal = ["host"]

            [risk]
            entities = ["host", "user.name"]
            threshold = 80
            [risk.rules]
            "ray-api-brute" = 30
            "#,
        )
        .unwrap();
        let routes = r.router.routes();
        assert_eq!(routes.len(), 3);
        let nested = r.router.get("root/critical/0").unwrap();
        // Inherited from the parent route...
        assert_eq!(nested.timers.group_wait, SignedDuration::from_secs(10));
        assert_eq!(
            nested.timers.repeat_interval,
            SignedDuration::from_secs(3600)
        );
        assert!(nested.timers.send_resolved);
        assert_eq!(nested.timers.escalation.as_ref().unwrap().to, "oncall-lead");
        assert_eq!(
            nested.group_by,
            GroupBy::Labels(vec!["rule".into(), "host".into()])
        );
        // ...but not continue.
        assert!(!nested.continue_matching);
        assert_eq!(nested.receiver, "ray-oncall");
        // Defaults at the root.
        let root = r.router.root();
        assert_eq!(root.timers.group_interval, SignedDuration::from_secs(300));
        assert_eq!(
            root.timers.resolve_timeout,
            Some(SignedDuration::from_secs(86_400))
        );
        assert_eq!(r.inhibit[0].equal, ["host"]);
        assert_eq!(r.risk.threshold, 80);
        assert_eq!(r.risk.rules["ray-api-brute"], 30);
    }

    #[test]
    fn the_root_needs_a_receiver_and_takes_no_matchers() {
        let e = compile(
            r#"
            [routing]
            matchers = ['level = "high"']
            continue = true
            "#,
        )
        .unwrap_err();
        assert_eq!(
            keys(e),
            ["routing.receiver", "routing.matchers", "routing.continue"]
        );
    }

    #[test]
    fn every_problem_names_its_key() {
        let e = compile(
            r#"
            [routing]
            receiver = "a"
            group_wait = "soon"
            group_by = ["...", "host"]
            [[routing.route]]
            matchers = ['level critical', 'host =~ "("']
            group_interval = "0s"
            escalate_after = "10m"
              [[routing.route.route]]
              name = "7"
              resolve_timeout = "5y"
            [[routing.route]]
            escalate_to = "boss"
            [[inhibit]]
            target = ['a = b']
            equal = [""]
            [risk]
            threshold = 0
            level = "severe"
            window = "10s"
            "#,
        )
        .unwrap_err();
        let text = e.to_string();
        assert_eq!(
            keys(e),
            [
                "routing.group_by",
                "routing.group_wait",
                "routing.route[0].matchers[0]",
                "routing.route[0].matchers[1]",
                "routing.route[0].group_interval",
                "routing.route[0].escalate_to",
                "routing.route[0].route[0].name",
                "routing.route[0].route[0].resolve_timeout",
                "routing.route[1].escalate_after",
                "inhibit[0].source",
                "inhibit[0].equal[0]",
                "risk.window",
                "risk.threshold",
                "risk.level",
            ],
            "{text}"
        );
        assert!(
            text.contains("routing.group_wait: \"soon\" is not a duration"),
            "{text}"
        );
        assert!(text.contains("invalid regular expression"), "{text}");
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let e = toml::from_str::<File>(
            r#"
            [routing]
            receiver = "a"
            group_wiat = "1s"
            "#,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("group_wiat"), "{e}");
    }

    #[test]
    fn escalation_can_be_inherited_retargeted_or_turned_off() {
        let r = compile(
            r#"
            [routing]
            receiver = "a"
            escalate_after = "30m"
            escalate_to = "lead"
            [[routing.route]]
            matchers = ["x = 1"]
            escalate_to = "other-lead"
            [[routing.route]]
            matchers = ["x = 2"]
            escalate_after = "0s"
            "#,
        )
        .unwrap();
        let e = |p: &str| r.router.get(p).unwrap().timers.escalation.clone();
        assert_eq!(e("root").unwrap().to, "lead");
        let retargeted = e("root/0").unwrap();
        assert_eq!(
            (retargeted.to.as_str(), retargeted.after.as_secs()),
            ("other-lead", 1800)
        );
        assert!(e("root/1").is_none());
    }

    #[test]
    fn sibling_names_must_differ() {
        let e = compile(
            r#"
            [routing]
            receiver = "a"
            [[routing.route]]
            name = "x"
            [[routing.route]]
            name = "x"
            "#,
        )
        .unwrap_err();
        assert_eq!(keys(e), ["routing.route[1].name"]);
    }

    #[test]
    fn an_empty_section_is_reported_as_unconfigured() {
        assert!(RoutingSection::default().is_empty());
        let f: File = toml::from_str("[routing]\nreceiver = \"a\"").unwrap();
        assert!(!f.routing.is_empty());
    }

    #[test]
    fn defaults_serialize_for_the_server_examples() {
        // The server shows defaults from a serialized default configuration.
        let text = toml::to_string(&RoutingSection::default()).unwrap();
        assert!(text.contains("group_wait = \"30s\""), "{text}");
        let text = toml::to_string(&RiskSection::default()).unwrap();
        assert!(text.contains("threshold = 100"), "{text}");
    }
}
