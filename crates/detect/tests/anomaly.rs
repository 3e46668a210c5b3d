//! Anomaly rules (Sightline's extension): first_seen, rate_spike (rises,
//! drops, the daily cycle), metric_shift and flatline, in retrospective and
//! streaming use, across a snapshot.

use sightline_detect::{Alert, Engine, EngineConfig, RuleSet};
use sightline_event::{Event, EventId, Timestamp};
use std::sync::Arc;

const BASE: i64 = 1_794_999_600; // 2026-11-18, on an hour boundary

fn ev(sec: i64, fields: &[(&'static str, &str)]) -> Event {
    let ts = Timestamp::from_second(BASE + sec).unwrap();
    let raw = format!("{sec} {fields:?}");
    let mut e = Event::new(
        EventId::derive("t", sec as u64, raw.as_bytes()),
        ts,
        "mlx",
        "mlx.inference",
        raw,
    );
    e.set_action("inference");
    for (k, v) in fields {
        e.set(k, *v);
    }
    e
}

fn rules(anomaly: &str) -> Arc<RuleSet> {
    let text = format!(
        "title: inference\nname: inference\nlogsource: {{product: mlx}}\ndetection:\n  sel: {{event.action: inference}}\n  condition: sel\n---\n{anomaly}"
    );
    Arc::new(RuleSet::from_texts([("t.yml", text.as_str())]).unwrap_or_else(|e| panic!("{e:?}")))
}

fn run(set: &Arc<RuleSet>, events: &[Event]) -> Vec<Alert> {
    let mut engine = Engine::new(Arc::clone(set), EngineConfig::default());
    let mut out = Vec::new();
    for e in events {
        engine.process(e, &mut out);
    }
    engine.finish(&mut out);
    out
}

const FIRST_SEEN: &str = "title: new model source\nid: new-source\nlevel: high\nanomaly:\n  type: first_seen\n  rules: inference\n  group-by: [host.name]\n  field: mlx.model.source\n  learn: 1h\n  bucket: 10m\n";

#[test]
fn first_seen_reports_new_values_after_learning_only() {
    let set = rules(FIRST_SEEN);
    let mut events = Vec::new();
    // Learning: two sources on h1, one of them appearing late in the hour.
    for i in 0..60 {
        events.push(ev(
            i * 60,
            &[("host.name", "h1"), ("mlx.model.source", "hub:a")],
        ));
    }
    events.push(ev(
        3000,
        &[("host.name", "h1"), ("mlx.model.source", "hub:b")],
    ));
    // After learning: known values are quiet, two new ones close together are one alert.
    events.push(ev(
        4000,
        &[("host.name", "h1"), ("mlx.model.source", "hub:a")],
    ));
    events.push(ev(
        5000,
        &[("host.name", "h1"), ("mlx.model.source", "/tmp/x")],
    ));
    events.push(ev(
        5100,
        &[("host.name", "h1"), ("mlx.model.source", "/tmp/y")],
    ));
    events.push(ev(
        5200,
        &[("host.name", "h1"), ("mlx.model.source", "/tmp/x")],
    ));
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.rule_id, "new-source");
    assert_eq!(a.rule_type, "first_seen");
    assert_eq!(a.group["host.name"], "h1");
    assert_eq!(a.group["mlx.model.source"], "/tmp/x");
    assert_eq!(a.count, 2);
    assert!(a.explanation.contains("/tmp/y"), "{}", a.explanation);
    assert_eq!(a.first_seen, Timestamp::from_second(BASE + 5000).unwrap());
    // The input rule does not alert on its own.
    assert!(alerts.iter().all(|a| a.rule_id != "inference"));
}

const SPIKE: &str = "title: request spike\nid: spike\nanomaly:\n  type: rate_spike\n  rules: inference\n  group-by: [source.ip]\n  bucket: 5m\n  learn: 1h\n  factor: 5\n  min_count: 30\n";

/// `per_bucket(k)` events in the k-th 5-minute bucket for one client.
fn steady(buckets: i64, per_bucket: impl Fn(i64) -> i64) -> Vec<Event> {
    let mut out = Vec::new();
    for k in 0..buckets {
        let n = per_bucket(k);
        for j in 0..n {
            out.push(ev(
                k * 300 + j * 299 / n.max(1),
                &[("source.ip", "10.0.0.9")],
            ));
        }
    }
    out
}

#[test]
fn rate_spike_fires_once_per_episode() {
    let set = rules(SPIKE);
    // Three hours at 10 per bucket, then 3 buckets at 200, then back to 10.
    let events = steady(48, |k| if (36..39).contains(&k) { 200 } else { 10 });
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.group["source.ip"], "10.0.0.9");
    assert_eq!(a.count, 600);
    assert_eq!(
        a.first_seen,
        Timestamp::from_second(BASE + 36 * 300).unwrap()
    );
    assert!(a.explanation.contains("200 events"), "{}", a.explanation);
    assert!(
        a.explanation.contains("baseline of 10"),
        "{}",
        a.explanation
    );
}

#[test]
fn rate_spike_needs_learning_and_min_count() {
    let set = rules(SPIKE);
    // A burst in the first hour is history, not a spike.
    assert!(run(&set, &steady(24, |k| if k == 3 { 200 } else { 10 })).is_empty());
    // Five times a tiny baseline is below min_count.
    assert!(run(&set, &steady(48, |k| if k == 40 { 25 } else { 2 })).is_empty());
}

#[test]
fn rate_spike_knows_the_daily_cycle() {
    let set = rules(SPIKE);
    // Three days: 5 per bucket, except a busy hour at the same time each day (100 per bucket).
    let per_day = 288;
    let busy = |k: i64| (100..112).contains(&(k % per_day));
    let events = steady(3 * per_day, |k| if busy(k) { 100 } else { 5 });
    let alerts = run(&set, &events);
    // The first day's busy hour is new; later days' are the cycle.
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(
        alerts[0].first_seen,
        Timestamp::from_second(BASE + 100 * 300).unwrap()
    );
}

#[test]
fn rate_drop_with_factor_below_one() {
    let set = rules(
        &SPIKE
            .replace("factor: 5", "factor: 0.2")
            .replace("min_count: 30", "min_count: 20"),
    );
    let events = steady(40, |k| if k == 30 { 3 } else { 50 });
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(
        alerts[0].first_seen,
        Timestamp::from_second(BASE + 30 * 300).unwrap()
    );
}

const SHIFT: &str = "title: latency shift\nid: shift\nlevel: medium\nanomaly:\n  type: metric_shift\n  rules: inference\n  group-by: [host.name]\n  field: mlx.latency_ms\n  bucket: 10m\n  learn: 1h\n  factor: 3\n  min_count: 5\n";

#[test]
fn metric_shift_compares_medians() {
    let set = rules(SHIFT);
    let mut events = Vec::new();
    for i in 0..240 {
        // One event a minute for four hours on two hosts; h2 slows 3.5x in hour three.
        let slow = (120..180).contains(&i);
        let jitter = (i % 7) as f64 * 3.0;
        let h1 = format!("{}", 200.0 + jitter);
        let h2 = format!("{}", if slow { 700.0 } else { 200.0 } + jitter);
        events.push(ev(
            i * 60,
            &[
                ("host.name", "h1"),
                ("mlx.latency_ms", Box::leak(h1.into_boxed_str())),
            ],
        ));
        events.push(ev(
            i * 60 + 1,
            &[
                ("host.name", "h2"),
                ("mlx.latency_ms", Box::leak(h2.into_boxed_str())),
            ],
        ));
    }
    // A single outlier on h1 moves no median.
    events.push(ev(
        100 * 60 + 30,
        &[("host.name", "h1"), ("mlx.latency_ms", "90000")],
    ));
    events.sort_by_key(|e| e.timestamp);
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.group["host.name"], "h2");
    assert_eq!(
        a.first_seen,
        Timestamp::from_second(BASE + 120 * 60 + 1).unwrap()
    );
    assert_eq!(
        a.last_seen,
        Timestamp::from_second(BASE + 179 * 60 + 1).unwrap()
    );
    assert!(a.explanation.contains("metric_shift"), "{}", a.explanation);
}

const FLAT: &str = "title: source silent\nid: flat\nanomaly:\n  type: flatline\n  rules: inference\n  group-by: [host.name]\n  bucket: 15m\n  learn: 1h\n  min_count: 10\n";

#[test]
fn flatline_reports_silence_seen_in_the_input_only() {
    let set = rules(FLAT);
    let mut events = Vec::new();
    for i in 0..120 {
        events.push(ev(i * 60, &[("host.name", "h1")]));
        // h2 logs for 90 minutes, then stops while h1 goes on.
        if i < 90 {
            events.push(ev(i * 60 + 1, &[("host.name", "h2")]));
        }
        // h3 logs only 20 minutes: too short a history to miss.
        if i < 20 {
            events.push(ev(i * 60 + 2, &[("host.name", "h3")]));
        }
    }
    let alerts = run(&set, &events);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].group["host.name"], "h2");
    assert_eq!(
        alerts[0].first_seen,
        Timestamp::from_second(BASE + 89 * 60 + 1).unwrap()
    );
    // h1 stops at the end of the input: that is not silence.
    assert!(alerts.iter().all(|a| a.group["host.name"] != "h1"));
}

#[test]
fn streaming_watermark_closes_anomalies_and_snapshot_resumes() {
    let set = rules(FLAT);
    let mut engine = Engine::new(Arc::clone(&set), EngineConfig::default());
    let mut out = Vec::new();
    for i in 0..90 {
        engine.process(&ev(i * 60, &[("host.name", "h2")]), &mut out);
    }
    // Restart in the middle.
    let state = engine.snapshot();
    let json = serde_json::to_string(&state).unwrap();
    let mut engine = Engine::restore(
        Arc::clone(&set),
        EngineConfig::default(),
        serde_json::from_str(&json).unwrap(),
    );
    engine.advance_to(
        Timestamp::from_second(BASE + 89 * 60 + 10 * 60).unwrap(),
        &mut out,
    );
    assert!(out.is_empty(), "10 minutes of silence is not 15: {out:#?}");
    engine.advance_to(
        Timestamp::from_second(BASE + 89 * 60 + 16 * 60).unwrap(),
        &mut out,
    );
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].rule_id, "flat");
}

#[test]
fn anomaly_rules_are_checked() {
    let bad = [
        (
            "title: x\nanomaly:\n  type: sideways\n  rules: inference\n",
            "unknown anomaly type",
        ),
        (
            "title: x\nanomaly:\n  type: first_seen\n  rules: inference\n",
            "needs `field`",
        ),
        (
            "title: x\nanomaly:\n  type: rate_spike\n  rules: nothing\n",
            "no loaded detection rule",
        ),
        (
            "title: x\nanomaly:\n  type: rate_spike\n  rules: inference\n  bucket: soon\n",
            "bucket",
        ),
        (
            "title: x\nanomaly:\n  type: rate_spike\n  rules: inference\n  factor: 1\n",
            "factor",
        ),
        (
            "title: x\nanomaly:\n  type: rate_spike\n  rules: inference\n  treshold: 3\n",
            "unknown anomaly key",
        ),
    ];
    for (text, want) in bad {
        let full = format!(
            "title: inference\nname: inference\nlogsource: {{product: mlx}}\ndetection:\n  sel: {{event.action: inference}}\n  condition: sel\n---\n{text}"
        );
        let errors = RuleSet::from_texts([("t.yml", full.as_str())]).expect_err(text);
        let all = format!("{errors:?}");
        assert!(all.contains(want), "{text}: {all}");
    }
}
