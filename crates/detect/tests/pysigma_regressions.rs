//! Regressions found by the differential test against pySigma
//! (crates/detect/tests/pysigma/diff.py): each test names the rule shape and
//! event that disagreed, and what the specification says.

use sightline_detect::{Alert, Engine, EngineConfig, RuleSet};
use sightline_event::{Event, EventId, Timestamp, Value};
use std::sync::Arc;

const BASE: i64 = 1_795_000_000;

fn event(sec: i64, n: u64, action: &str, fields: &[(&'static str, Value)]) -> Event {
    let mut e = Event::new(
        EventId::derive("pysigma", n, action.as_bytes()),
        Timestamp::from_second(BASE + sec).unwrap(),
        "milvus",
        "milvus.access",
        format!("{sec} {action}"),
    );
    e.set_action(action);
    for (k, v) in fields {
        e.set(k, v.clone());
    }
    e
}

fn set(text: &str) -> Arc<RuleSet> {
    Arc::new(RuleSet::from_texts([("t.yml", text)]).unwrap_or_else(|e| panic!("{e:?}")))
}

fn matches(set: &RuleSet, user: Option<&str>) -> bool {
    let fields: Vec<(&'static str, Value)> = user
        .map(|u| vec![("user.name", Value::Str(u.to_owned()))])
        .unwrap_or_default();
    let ev = event(0, 0, "data-searched", &fields);
    let fast = !set.matching_rules(&ev).is_empty();
    assert_eq!(
        fast,
        set.rule_matches_unfiltered(0, &ev),
        "prefilter disagrees"
    );
    fast
}

fn neq_rule(modifiers: &str) -> Arc<RuleSet> {
    set(&format!(
        "title: t\nid: r\nlogsource: {{product: milvus}}\ndetection:\n  sel:\n    user.name|{modifiers}: [root, search_api]\n  condition: sel\n"
    ))
}

/// Generated rule `neq_002` ("user neq list", `user.name|neq: [root, search_api]`) matched
/// events of user `root` and `search_api`: each value was negated on its own and the
/// negations OR-ed, which holds for every value when the list has two distinct values. The
/// modifier appendix defines `neq` as "The field is different from the specified values",
/// and pySigma negates the whole detection item (`SigmaNegateModifier`): neither value.
#[test]
fn neq_with_a_value_list_means_none_of_them() {
    let r = neq_rule("neq");
    assert!(!matches(&r, Some("root")));
    assert!(
        !matches(&r, Some("SEARCH_API")),
        "case-insensitive like any value"
    );
    assert!(matches(&r, Some("alice")));
    assert!(
        !matches(&r, None),
        "an absent field is not different (docs/rules.md)"
    );
}

/// `neq|all` negates the AND of the values: a single-valued field equal to one of two
/// distinct values still differs from "all of them".
#[test]
fn neq_all_negates_the_conjunction() {
    let r = neq_rule("neq|all");
    assert!(matches(&r, Some("root")));
    assert!(matches(&r, Some("alice")));
    assert!(!matches(&r, None));
}

fn run(set: &Arc<RuleSet>, events: &[Event]) -> Vec<Alert> {
    let mut engine = Engine::new(Arc::clone(set), EngineConfig::default());
    let mut out = Vec::new();
    for e in events {
        engine.process(e, &mut out);
    }
    engine.finish(&mut out);
    out.into_iter().filter(|a| a.rule_id == "ordered").collect()
}

const ORDERED: &str = r"title: Submitted
name: submitted
logsource: {product: milvus}
detection:
  sel: {event.action: job-submitted}
  condition: sel
---
title: Started
name: started
logsource: {product: milvus}
detection:
  sel: {event.action: process-started}
  condition: sel
---
title: Submitted then started
id: ordered
correlation:
  type: temporal_ordered
  rules: [submitted, started]
  group-by: [source.ip]
  timespan: 2m
";

/// Generated correlation `corr_011` ("Submit then run, ordered") fired for the crafted pair
/// `same-second` (10.9.1.5: a submission and a start in the same second): the engine sorts
/// matches of one instant by event id, so whether they were "in order" depended on hash
/// values. The specification requires "that the events appear in the order provided";
/// events of the same instant appear in no order (pySigma's SQL requires `m.ts > previous`).
#[test]
fn temporal_ordered_needs_strictly_later_steps() {
    let s = set(ORDERED);
    let ip = || vec![("source.ip", Value::Str("10.9.1.5".into()))];
    // Both id orders of the same-instant pair: never a sequence.
    for (a, b) in [(1, 2), (2, 1)] {
        let evs = [
            event(0, a, "job-submitted", &ip()),
            event(0, b, "process-started", &ip()),
        ];
        assert!(run(&s, &evs).is_empty(), "same instant, ids {a} {b}");
    }
    // A later start completes the sequence.
    let evs = [
        event(0, 1, "job-submitted", &ip()),
        event(0, 2, "process-started", &ip()),
        event(30, 3, "process-started", &ip()),
    ];
    assert_eq!(run(&s, &evs).len(), 1);
}
