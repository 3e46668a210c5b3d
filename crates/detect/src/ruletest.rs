//! Tests embedded in rules: a `tests:` list on a rule document, each case a
//! few events and whether the rule must alert on them (docs/rules.md, "Tests").
//! `sightline rules test` runs them; a rule pack without passing tests is not
//! shipped.
//!
//! Every case runs through a fresh [`Engine`] over the whole rule set, so
//! correlations see the rules they reference, filters and tuning apply, and a
//! case proves what a hunt over those events would report.

use crate::engine::{Engine, EngineConfig};
use crate::rule::{Location, RuleDoc};
use crate::ruleset::RuleSet;
use serde_json::Value as J;
use sightline_event::{Event, EventId, Timestamp};
use std::sync::Arc;

/// Time of the first event of a case that gives none (2026-01-01T00:00:00Z);
/// event `i` is `i` seconds later.
pub const DEFAULT_START: i64 = 1_767_225_600;

/// One test case of one rule.
#[derive(Debug, Clone)]
pub struct Case {
    /// The rule's key (id, else name, else title).
    pub rule: String,
    pub location: Location,
    pub name: String,
    /// Whether the rule must raise at least one alert (else none).
    pub alert: bool,
    pub events: Vec<Event>,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub case: Case,
    pub passed: bool,
    /// Alerts of the rule under test.
    pub alerts: usize,
}

/// Reads the `tests:` of every document. Malformed cases are errors with the rule's location.
pub fn cases(docs: &[RuleDoc]) -> (Vec<Case>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for doc in docs {
        let meta = doc.meta();
        let Some(tests) = meta.custom.get("tests") else {
            continue;
        };
        let at = &meta.location;
        let J::Array(list) = tests else {
            errors.push(format!(
                "{at}: `tests` must be a list of {{name, alert, events}}"
            ));
            continue;
        };
        for (n, t) in list.iter().enumerate() {
            let name = t
                .get("name")
                .and_then(J::as_str)
                .map_or_else(|| format!("case {}", n + 1), str::to_owned);
            let Some(alert) = t.get("alert").and_then(J::as_bool) else {
                errors.push(format!(
                    "{at}: test `{name}` needs `alert: true` or `alert: false`"
                ));
                continue;
            };
            let Some(J::Array(evs)) = t.get("events") else {
                errors.push(format!(
                    "{at}: test `{name}` needs `events`, a list of maps of fields"
                ));
                continue;
            };
            let mut events = Vec::new();
            for (i, e) in evs.iter().enumerate() {
                match event_from(e, &meta.location.file, n, i) {
                    Ok(ev) => events.push(ev),
                    Err(why) => errors.push(format!("{at}: test `{name}`, event {}: {why}", i + 1)),
                }
            }
            out.push(Case {
                rule: meta.key().to_owned(),
                location: meta.location.clone(),
                name,
                alert,
                events,
            });
        }
    }
    (out, errors)
}

/// An event from a test map: flat dotted field names, with `@timestamp` and
/// `event.id` filled in when absent.
fn event_from(v: &J, file: &str, case: usize, i: usize) -> Result<Event, String> {
    let J::Object(map) = v else {
        return Err("an event must be a map of field names to values".into());
    };
    let mut map = map.clone();
    if !map.contains_key("@timestamp") {
        let ts = Timestamp::from_second(DEFAULT_START + i as i64).map_err(|e| e.to_string())?;
        map.insert("@timestamp".into(), J::String(ts.to_string()));
    }
    if !map.contains_key("event.id") {
        let raw = serde_json::to_string(&map).unwrap_or_default();
        let id = EventId::derive(&format!("{file}#{case}"), i as u64, raw.as_bytes());
        map.insert("event.id".into(), J::String(id.to_string()));
    }
    Event::from_json_map(map).map_err(|e| e.to_string())
}

/// Runs every case against `rules`.
pub fn run(rules: &Arc<RuleSet>, cases: Vec<Case>) -> Vec<Outcome> {
    cases
        .into_iter()
        .map(|case| {
            let config = EngineConfig {
                lateness_secs: u64::MAX,
                max_pending: usize::MAX,
                ..Default::default()
            };
            let mut engine = Engine::new(Arc::clone(rules), config);
            let mut alerts = Vec::new();
            for ev in &case.events {
                engine.process(ev, &mut alerts);
            }
            engine.finish(&mut alerts);
            let n = alerts.iter().filter(|a| a.rule_id == case.rule).count();
            Outcome {
                passed: (n > 0) == case.alert,
                alerts: n,
                case,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::RuleSetBuilder;

    const RULE: &str = r"title: curl to shell
id: curl-sh
logsource: {product: ray}
detection:
    sel: {process.command_line|contains: '| sh'}
    condition: sel
tests:
  - name: caught
    alert: true
    events:
      - {event.module: ray, process.command_line: 'curl x | sh'}
  - name: wrongly expected
    alert: true
    events:
      - {event.module: ray, process.command_line: 'python x.py'}
  - name: quiet
    alert: false
    events:
      - {event.module: ray, process.command_line: 'python x.py'}
";

    #[test]
    fn cases_pass_and_fail_on_what_the_engine_does() {
        let mut b = RuleSetBuilder::new();
        b.add_text("r.yml", RULE);
        let (cases, errors) = cases(b.docs());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(cases.len(), 3);
        let (set, errors) = b.build();
        assert!(errors.is_empty(), "{errors:?}");
        let out = run(&Arc::new(set), cases);
        let passed: Vec<bool> = out.iter().map(|o| o.passed).collect();
        assert_eq!(passed, [true, false, true]);
        assert_eq!(out[0].alerts, 1);
    }

    #[test]
    fn malformed_cases_are_reported() {
        let text = RULE.replace("alert: false", "alert: maybe");
        let mut b = RuleSetBuilder::new();
        b.add_text("r.yml", &text);
        let (cases, errors) = cases(b.docs());
        assert_eq!(cases.len(), 2);
        assert!(
            errors[0].contains("`quiet` needs `alert: true`"),
            "{errors:?}"
        );
    }
}
