//! Tuning files: disabling, level and suppression overrides, exceptions with
//! owner, reason and expiry (expired ones are not applied), global exceptions,
//! and errors that name the line.

use sightline_detect::tuning::Tuning;
use sightline_detect::{Engine, EngineConfig, RuleSetBuilder};
use sightline_event::{Event, EventId, Timestamp};
use std::sync::Arc;

const RULES: &str = r"title: failed login
id: failed-login
level: low
logsource: {product: ray}
detection:
    sel: {event.action: authentication-failed}
    condition: sel
sightline:
    group_by: [source.ip]
---
title: job submitted
id: job-submitted
level: medium
logsource: {product: ray}
detection:
    sel: {event.action: job-submitted}
    condition: sel
sightline:
    group_by: [source.ip]
";

fn ev(sec: i64, action: &str, ip: &str) -> Event {
    let raw = format!("{sec} {action} {ip}");
    let mut e = Event::new(
        EventId::derive("t", sec as u64, raw.as_bytes()),
        Timestamp::from_second(1_795_000_000 + sec).unwrap(),
        "ray",
        "ray.dashboard",
        raw,
    );
    e.set_action(action);
    e.set("source.ip", ip);
    e
}

fn alerts(
    tuning: &str,
    now: &str,
) -> (
    Vec<(String, String, String)>,
    sightline_detect::tuning::Applied,
) {
    let t = Tuning::parse("tuning.yml", tuning).unwrap_or_else(|e| panic!("{e:?}"));
    let mut b = RuleSetBuilder::new();
    b.add_text("r.yml", RULES);
    let applied = b.tune(&t, now.parse().unwrap());
    let (set, errors) = b.build();
    assert!(errors.is_empty(), "{errors:?}");
    let mut engine = Engine::new(Arc::new(set), EngineConfig::default());
    let mut out = Vec::new();
    for (i, ip) in ["10.0.0.5", "10.0.0.6", "10.9.1.1"].iter().enumerate() {
        engine.process(&ev(i as i64, "authentication-failed", ip), &mut out);
        engine.process(&ev(10 + i as i64, "job-submitted", ip), &mut out);
    }
    engine.finish(&mut out);
    let mut v: Vec<_> = out
        .into_iter()
        .map(|a| {
            (
                a.rule_id,
                a.group["source.ip"].clone(),
                a.level.as_str().to_owned(),
            )
        })
        .collect();
    v.sort();
    (v, applied)
}

const TUNING: &str = r"rules:
    failed-login:
        level: high
        exceptions:
          - match: {source.ip: 10.0.0.5}
            owner: alice
            reason: vulnerability scanner
            expires: 2027-03-31
    job-submitted:
        enabled: false
exceptions:
  - match: {source.ip|cidr: 10.9.0.0/16}
    owner: bob
    reason: CI network
    expires: 2026-12-31
";

#[test]
fn tuning_disables_overrides_and_excepts() {
    let (got, applied) = alerts(TUNING, "2026-12-03T00:00:00Z");
    assert_eq!(
        got,
        vec![("failed-login".into(), "10.0.0.6".into(), "high".into())]
    );
    assert_eq!(applied.disabled, vec!["job-submitted".to_string()]);
    assert_eq!(applied.exceptions, 2);
    assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);
}

#[test]
fn expired_exceptions_stop_applying_and_say_so() {
    let (got, applied) = alerts(TUNING, "2027-01-15T00:00:00Z");
    let ips: Vec<&str> = got.iter().map(|(_, ip, _)| ip.as_str()).collect();
    assert_eq!(
        ips,
        ["10.0.0.6", "10.9.1.1"],
        "the CI-network exception expired"
    );
    assert_eq!(applied.warnings.len(), 1);
    assert!(
        applied.warnings[0].contains("expired on 2026-12-31"),
        "{:?}",
        applied.warnings
    );
    assert!(applied.warnings[0].contains("owner bob"));
}

#[test]
fn an_exception_without_owner_reason_or_expiry_is_an_error() {
    let bad = "rules:\n    failed-login:\n        exceptions:\n          - match: {source.ip: 10.0.0.5}\n            reason: trust me\n";
    let errors = Tuning::parse("t.yml", bad).unwrap_err();
    assert_eq!(errors[0].location.line, 4);
    assert!(errors[0].message.contains("owner"), "{errors:?}");
    let bad = "rules:\n    failed-login:\n        levle: low\n";
    let errors = Tuning::parse("t.yml", bad).unwrap_err();
    assert!(
        errors[0].message.contains("unknown setting `levle`"),
        "{errors:?}"
    );
}

#[test]
fn unknown_rules_are_warnings() {
    let (_, applied) = alerts(
        "rules:\n    no-such-rule:\n        enabled: false\n",
        "2026-12-03T00:00:00Z",
    );
    assert!(
        applied.warnings[0].contains("no-such-rule"),
        "{:?}",
        applied.warnings
    );
}
