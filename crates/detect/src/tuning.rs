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

/// One difference between two versions of a tuning file. The server writes
/// each to the audit log when it reloads, so who excepted what, why and
/// until when is on record (the file's owner and reason fields), not just
/// "the rules were reloaded".
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TuningChange {
    /// `exception-added`, `exception-removed` or `rule-settings-changed`.
    pub action: &'static str,
    /// The rule key as the file names it; None for a global exception.
    pub rule: Option<String>,
    pub detail: J,
}

impl Exception {
    fn summary(&self) -> J {
        serde_json::json!({
            "match": self.fields,
            "owner": self.owner,
            "reason": self.reason,
            "expires": self.expires.to_string(),
        })
    }

    /// Equal in effect (the line it sits on does not matter).
    fn same(&self, other: &Exception) -> bool {
        self.fields == other.fields
            && self.owner == other.owner
            && self.reason == other.reason
            && self.expires == other.expires
    }
}

impl RuleTuning {
    fn settings(&self) -> J {
        serde_json::json!({
            "enabled": self.enabled,
            "level": self.level.map(|l| l.as_str()),
            "suppress_secs": self.suppress_secs,
        })
    }
}

/// What changed from `before` to `after`, in a stable order: per rule (in
/// the order of `after`, then rules only `before` had), then global
/// exceptions.
pub fn changes(before: &Tuning, after: &Tuning) -> Vec<TuningChange> {
    let mut out = Vec::new();
    let empty = RuleTuning::default();
    let find = |t: &'_ Tuning, key: &str| -> Option<RuleTuning> {
        t.rules
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, r)| r.clone())
    };
    let mut keys: Vec<&str> = after.rules.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in &before.rules {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    for key in keys {
        let old = find(before, key).unwrap_or_else(|| empty.clone());
        let new = find(after, key).unwrap_or_else(|| empty.clone());
        if old.settings() != new.settings() {
            out.push(TuningChange {
                action: "rule-settings-changed",
                rule: Some(key.to_owned()),
                detail: serde_json::json!({"before": old.settings(), "after": new.settings()}),
            });
        }
        diff_exceptions(Some(key), &old.exceptions, &new.exceptions, &mut out);
    }
    diff_exceptions(None, &before.global, &after.global, &mut out);
    out
}

fn diff_exceptions(
    rule: Option<&str>,
    before: &[Exception],
    after: &[Exception],
    out: &mut Vec<TuningChange>,
) {
    let change = |action, e: &Exception| TuningChange {
        action,
        rule: rule.map(str::to_owned),
        detail: e.summary(),
    };
    for e in after.iter().filter(|e| !before.iter().any(|b| b.same(e))) {
        out.push(change("exception-added", e));
    }
    for e in before.iter().filter(|e| !after.iter().any(|a| a.same(e))) {
        out.push(change("exception-removed", e));
    }
}

#[cfg(test)]
mod change_tests {
    use super::*;

    fn parse(text: &str) -> Tuning {
        Tuning::parse("t.yml", text).unwrap()
    }

    #[test]
    fn changes_name_each_exception_with_owner_reason_and_expiry() {
        let before = parse(
            "rules:\n  r1:\n    level: low\n    exceptions:\n      - match: {source.ip: 10.0.0.5}\n        owner: ana\n        reason: scanner\n        expires: 2027-01-01\n",
        );
        // Same exception moved down a line (not a change), one added, the level
        // changed, a global exception added.
        let after = parse(
            "rules:\n\n  r1:\n    level: high\n    exceptions:\n      - match: {source.ip: 10.0.0.5}\n        owner: ana\n        reason: scanner\n        expires: 2027-01-01\n      - match: {user.name: svc}\n        owner: bo\n        reason: batch job\n        expires: 2027-02-01\nexceptions:\n  - match: {host.name: lab-1}\n    owner: cy\n    reason: lab\n    expires: 2027-03-01\n",
        );
        let c = changes(&before, &after);
        let actions: Vec<_> = c.iter().map(|c| (c.action, c.rule.clone())).collect();
        assert_eq!(
            actions,
            [
                ("rule-settings-changed", Some("r1".into())),
                ("exception-added", Some("r1".into())),
                ("exception-added", None),
            ]
        );
        assert_eq!(c[0].detail["before"]["level"], "low");
        assert_eq!(c[0].detail["after"]["level"], "high");
        assert_eq!(c[1].detail["owner"], "bo");
        assert_eq!(c[1].detail["reason"], "batch job");
        assert_eq!(c[1].detail["expires"], "2027-02-01");
        assert_eq!(c[1].detail["match"]["user.name"], "svc");

        let back = changes(&after, &before);
        assert_eq!(back.len(), 3);
        assert!(
            back.iter()
                .any(|c| c.action == "exception-removed" && c.rule.is_none())
        );
        assert!(changes(&after, &after).is_empty());
    }

    #[test]
    fn removing_a_rule_entry_removes_its_settings_and_exceptions() {
        let before = parse(
            "rules:\n  r2:\n    enabled: false\n    exceptions:\n      - match: {source.ip: 10.0.0.9}\n        owner: ana\n        reason: x\n        expires: 2027-01-01\n",
        );
        let c = changes(&before, &Tuning::default());
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].detail["before"]["enabled"], false);
        assert_eq!(c[0].detail["after"]["enabled"], J::Null);
        assert_eq!(c[1].action, "exception-removed");
    }
}
