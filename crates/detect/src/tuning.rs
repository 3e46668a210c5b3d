//! Tuning without editing rules: per-rule enable/disable, level override,
//! suppression window, and exceptions (each with an owner, a reason and an
//! expiry), plus global exceptions across every rule. docs/rules.md,
//! "Tuning file", documents the format.
//!
//! Tuning is applied to the parsed documents before compilation, and an
//! exception becomes an ordinary Sigma filter, so the matcher has one code
//! path and a hunt, a rule test and the server agree on what is excepted.

use crate::rule::{Level, RuleDoc, RuleError, parse_documents, parse_timespan};
use serde_json::Value as J;
use sightline_event::Timestamp;

/// One exception: events matching every field of `fields` do not alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Exception {
    /// Field (with Sigma modifiers, e.g. `source.ip|cidr`) → value or list of values.
    pub fields: serde_json::Map<String, J>,
    pub owner: String,
    pub reason: String,
    /// The day after which the exception no longer applies.
    pub expires: jiff::civil::Date,
    pub line: usize,
}

/// Settings for one rule, by its id, name or title.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleTuning {
    pub enabled: Option<bool>,
    pub level: Option<Level>,
    pub suppress_secs: Option<u64>,
    pub exceptions: Vec<Exception>,
    pub line: usize,
}

/// A parsed tuning file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tuning {
    pub file: String,
    pub rules: Vec<(String, RuleTuning)>,
    pub global: Vec<Exception>,
}

/// What applying tuning did, for the audit trail and the user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub disabled: Vec<String>,
    pub exceptions: usize,
    /// Expired exceptions, unknown rule keys: applied nothing, said why.
    pub warnings: Vec<String>,
}

impl Tuning {
    /// Parses a tuning file (YAML). Every problem is an error with its line.
    pub fn parse(file: &str, text: &str) -> Result<Tuning, Vec<RuleError>> {
        let err = |line: usize, m: String| RuleError::new(file, line, m);
        let docs = crate::yaml::load(text).map_err(|e| vec![err(e.line, e.message.clone())])?;
        let mut errors = Vec::new();
        let mut t = Tuning {
            file: file.to_owned(),
            ..Default::default()
        };
        let Some(doc) = docs.first() else {
            return Ok(t);
        };
        let root = &doc.root;
        if let crate::yaml::NodeKind::Map(entries) = &root.kind {
            for (k, _) in entries {
                let key = k.scalar_text().unwrap_or_default();
                if key != "rules" && key != "exceptions" {
                    errors.push(err(
                        k.line,
                        format!("unknown key `{key}`; use `rules` and `exceptions`"),
                    ));
                }
            }
        }
        if let Some(rules) = root.get("rules") {
            match &rules.kind {
                crate::yaml::NodeKind::Map(entries) => {
                    for (k, v) in entries {
                        let key = k.scalar_text().unwrap_or_default();
                        match rule_tuning(v, &err) {
                            Ok(rt) => t.rules.push((key, rt)),
                            Err(mut e) => errors.append(&mut e),
                        }
                    }
                }
                _ => errors.push(err(
                    rules.line,
                    "`rules` must map rule ids to settings".into(),
                )),
            }
        }
        if let Some(ex) = root.get("exceptions") {
            match exceptions(ex, &err) {
                Ok(list) => t.global = list,
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(t)
        } else {
            Err(errors)
        }
    }

    /// Applies the tuning to parsed rule documents as of `now`: drops disabled
    /// rules, overrides levels and suppression, and appends one filter document
    /// per exception still in force.
    pub fn apply(&self, docs: &mut Vec<RuleDoc>, now: Timestamp) -> Applied {
        let mut applied = Applied::default();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let names = |d: &RuleDoc| {
            let m = d.meta();
            [m.id.clone(), m.name.clone(), Some(m.title.clone())]
        };
        let mut filters = Vec::new();
        for (key, rt) in &self.rules {
            let Some(doc) = docs
                .iter_mut()
                .find(|d| names(d).iter().flatten().any(|n| n == key))
            else {
                applied.warnings.push(format!(
                    "{}:{}: tuning names `{key}`, which is no loaded rule's id, name or title",
                    self.file, rt.line
                ));
                continue;
            };
            let meta = match doc {
                RuleDoc::Detection(r) => &mut r.meta,
                RuleDoc::Correlation(r) => &mut r.meta,
                RuleDoc::Anomaly(r) => &mut r.meta,
                RuleDoc::Filter(r) => &mut r.meta,
            };
            if let Some(level) = rt.level {
                meta.level = Some(level);
            }
            if let Some(s) = rt.suppress_secs {
                meta.extension.suppress_secs = Some(s);
            }
            // An exception to a correlation or anomaly rule applies to the rules feeding it.
            let targets: Vec<String> = match doc {
                RuleDoc::Correlation(c) => c.rules.clone(),
                RuleDoc::Anomaly(a) => a.rules.clone(),
                d => vec![d.meta().key().to_owned()],
            };
            for ex in &rt.exceptions {
                if ex.expires < today {
                    applied.warnings.push(expired(&self.file, ex, key));
                    continue;
                }
                filters.push(filter_text(ex, &J::from(targets.clone()), key));
            }
        }
        for ex in &self.global {
            if ex.expires < today {
                applied.warnings.push(expired(&self.file, ex, "every rule"));
                continue;
            }
            filters.push(filter_text(ex, &J::from("any"), "every rule"));
        }
        for (i, text) in filters.iter().enumerate() {
            let (mut parsed, errors) =
                parse_documents(&format!("{}#exception-{}", self.file, i + 1), text);
            applied
                .warnings
                .extend(errors.iter().map(|e| e.to_string()));
            applied.exceptions += parsed.len();
            docs.append(&mut parsed);
        }
        let disabled: Vec<&String> = self
            .rules
            .iter()
            .filter(|(_, rt)| rt.enabled == Some(false))
            .map(|(k, _)| k)
            .collect();
        docs.retain(|d| {
            let off = names(d).iter().flatten().any(|n| disabled.contains(&n));
            if off {
                applied.disabled.push(d.meta().key().to_owned());
            }
            !off
        });
        applied
    }
}

fn expired(file: &str, ex: &Exception, what: &str) -> String {
    format!(
        "{file}:{}: exception for {what} ({}, owner {}) expired on {}; not applied",
        ex.line, ex.reason, ex.owner, ex.expires
    )
}

/// A Sigma filter document (JSON is YAML) excluding the exception's events.
fn filter_text(ex: &Exception, rules: &J, what: &str) -> String {
    let doc = serde_json::json!({
        "title": format!("exception to {what}: {} (owner {}, until {})", ex.reason, ex.owner, ex.expires),
        "logsource": {},
        "filter": {
            "rules": rules,
            "excepted": J::Object(ex.fields.clone()),
            "condition": "not excepted",
        },
    });
    doc.to_string()
}

fn rule_tuning(
    v: &crate::yaml::Node,
    err: &dyn Fn(usize, String) -> RuleError,
) -> Result<RuleTuning, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut rt = RuleTuning {
        line: v.line,
        ..Default::default()
    };
    let crate::yaml::NodeKind::Map(entries) = &v.kind else {
        return Err(vec![err(
            v.line,
            "rule settings must be a map (enabled, level, suppress, exceptions)".into(),
        )]);
    };
    for (k, val) in entries {
        match k.scalar_text().unwrap_or_default().as_str() {
            "enabled" => match val.to_json() {
                J::Bool(b) => rt.enabled = Some(b),
                _ => errors.push(err(val.line, "`enabled` must be true or false".into())),
            },
            "level" => match val.scalar_text().as_deref().and_then(Level::parse) {
                Some(l) => rt.level = Some(l),
                None => errors.push(err(
                    val.line,
                    "`level` must be informational, low, medium, high or critical".into(),
                )),
            },
            "suppress" => match val.scalar_text().map(|s| parse_timespan(&s)) {
                Some(Ok(s)) => rt.suppress_secs = Some(s),
                Some(Err(e)) => errors.push(err(val.line, format!("`suppress`: {e}"))),
                None => errors.push(err(val.line, "`suppress` must be like 30m".into())),
            },
            "exceptions" => match exceptions(val, err) {
                Ok(list) => rt.exceptions = list,
                Err(mut e) => errors.append(&mut e),
            },
            other => errors.push(err(
                k.line,
                format!("unknown setting `{other}`; use enabled, level, suppress, exceptions"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(rt)
    } else {
        Err(errors)
    }
}

fn exceptions(
    v: &crate::yaml::Node,
    err: &dyn Fn(usize, String) -> RuleError,
) -> Result<Vec<Exception>, Vec<RuleError>> {
    let crate::yaml::NodeKind::Seq(items) = &v.kind else {
        return Err(vec![err(v.line, "`exceptions` must be a list".into())]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        let text = |k: &str| {
            item.get(k)
                .and_then(|n| n.scalar_text())
                .filter(|s| !s.trim().is_empty())
        };
        let fields = match item.get("match").map(|n| n.to_json()) {
            Some(J::Object(m)) if !m.is_empty() => m,
            _ => {
                errors.push(err(
                    item.line,
                    "an exception needs `match`: a map of fields to values".into(),
                ));
                continue;
            }
        };
        // Every exception is somebody's decision, for a reason, for a time.
        let (Some(owner), Some(reason), Some(expires)) =
            (text("owner"), text("reason"), text("expires"))
        else {
            errors.push(err(
                item.line,
                "an exception needs `owner`, `reason` and `expires` (a date, e.g. 2027-03-31)"
                    .into(),
            ));
            continue;
        };
        let Ok(expires) = expires.parse::<jiff::civil::Date>() else {
            errors.push(err(
                item.line,
                format!("`expires: {expires}` is not a date like 2027-03-31"),
            ));
            continue;
        };
        out.push(Exception {
            fields,
            owner,
            reason,
            expires,
            line: item.line,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
