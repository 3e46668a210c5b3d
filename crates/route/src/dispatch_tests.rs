//! The dispatcher against a clock passed in: no sleeping.

use super::*;
use crate::config::{InhibitEntry, RiskSection, RoutingSection};
use crate::store::{MemoryStore, SqliteStore};

const T0: &str = "2026-11-22T12:00:00Z";

fn at(secs: i64) -> Timestamp {
    after(T0.parse().unwrap(), SignedDuration::from_secs(secs))
}

fn routing(text: &str) -> Routing {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        routing: RoutingSection,
        #[serde(default)]
        inhibit: Vec<InhibitEntry>,
        #[serde(default)]
        risk: RiskSection,
    }
    let f: File = toml::from_str(text).unwrap();
    Routing::compile(&f.routing, &f.inhibit, &f.risk).unwrap()
}

/// group_wait 30s, group_interval 5m, repeat 4h, no risk.
const BASIC: &str = r#"
    [routing]
    receiver = "soc"
    group_by = ["rule"]
    send_resolved = true
    [risk]
    enabled = false
"#;

fn alert(id: &str, pairs: &[(&str, &str)]) -> AlertInfo {
    AlertInfo {
        id: id.into(),
        labels: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        state: AlertState::Firing,
        summary: format!("alert {id}"),
        explanation: String::new(),
        count: 1,
        first_seen: at(0),
        last_seen: at(0),
        url: None,
    }
}

fn resolved(mut a: AlertInfo) -> AlertInfo {
    a.state = AlertState::Resolved;
    a
}

fn ids(list: &[AlertInfo]) -> Vec<&str> {
    list.iter().map(|a| a.id.as_str()).collect()
}

/// Polls every `step` seconds from `from` to `to` (inclusive), collecting (time, notification).
fn run<S: RoutingStore>(
    d: &mut Dispatcher<S>,
    from: i64,
    to: i64,
    step: i64,
) -> Vec<(i64, Notification)> {
    let mut out = Vec::new();
    let mut s = from;
    while s <= to {
        for n in d.due(at(s)).unwrap() {
            out.push((s, n));
        }
        s += step;
    }
    out
}

#[test]
fn group_wait_batches_then_group_interval_adds_then_repeat() {
    let mut d = Dispatcher::new(routing(BASIC), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    d.observe(alert("b", &[("rule", "R")]), at(10)).unwrap();
    assert!(d.due(at(29)).unwrap().is_empty());
    let first = d.due(at(30)).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].kind, NotificationKind::Firing);
    assert_eq!(ids(&first[0].firing), ["a", "b"]);
    assert_eq!(first[0].group_key, r#"root:{rule="R"}"#);
    // The same alert again is no news: nothing until a new one, at a tick.
    d.observe(alert("a", &[("rule", "R")]), at(60)).unwrap();
    d.observe(alert("c", &[("rule", "R")]), at(100)).unwrap();
    let sent = run(&mut d, 40, 4 * 3600 + 330, 10);
    let kinds: Vec<(i64, NotificationKind, usize)> = sent
        .iter()
        .map(|(t, n)| (*t, n.kind, n.firing.len()))
        .collect();
    // c at the first tick (30s + 5m); the repeat 4h after that, at a tick.
    assert_eq!(
        kinds,
        [
            (330, NotificationKind::Firing, 3),
            (330 + 4 * 3600, NotificationKind::Repeat, 3)
        ]
    );
}

#[test]
fn alertmanager_3370_repeat_shorter_than_group_interval_follows_the_ticks() {
    let cfg = BASIC.replace(
        "send_resolved = true",
        "group_interval = \"5m\"\nrepeat_interval = \"1m\"",
    );
    let mut d = Dispatcher::new(routing(&cfg), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    let sent = run(&mut d, 0, 1230, 10);
    let times: Vec<i64> = sent.iter().map(|(t, _)| *t).collect();
    // No extra sends between ticks: one per group_interval.
    assert_eq!(times, [30, 330, 630, 930, 1230]);
    assert!(
        sent[1..]
            .iter()
            .all(|(_, n)| n.kind == NotificationKind::Repeat)
    );
}

#[test]
fn repeat_longer_than_group_interval_is_rounded_up_to_a_tick() {
    let cfg = BASIC.replace("send_resolved = true", "repeat_interval = \"7m\"");
    let mut d = Dispatcher::new(routing(&cfg), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    let times: Vec<i64> = run(&mut d, 0, 1300, 10).iter().map(|(t, _)| *t).collect();
    // 30s, then the first tick at least 7m later: 30 + 2*5m, and so on.
    assert_eq!(times, [30, 630, 1230]);
}

#[test]
fn a_late_poll_keeps_the_ticks_aligned() {
    let mut d = Dispatcher::new(routing(BASIC), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    assert_eq!(d.due(at(30)).unwrap().len(), 1);
    d.observe(alert("b", &[("rule", "R")]), at(40)).unwrap();
    // Polled late (at 400s, tick was 330s): sent now, next tick still 630s.
    assert_eq!(d.due(at(400)).unwrap().len(), 1);
    d.observe(alert("c", &[("rule", "R")]), at(500)).unwrap();
    assert!(d.due(at(629)).unwrap().is_empty());
    assert_eq!(d.due(at(630)).unwrap().len(), 1);
}

#[test]
fn alertmanager_1195_a_resolved_alert_is_listed_once_and_never_resurrects() {
    let mut d = Dispatcher::new(routing(BASIC), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    d.observe(alert("b", &[("rule", "R")]), at(0)).unwrap();
    assert_eq!(d.due(at(30)).unwrap().len(), 1);
    d.observe(resolved(alert("b", &[("rule", "R")])), at(100))
        .unwrap();
    let n = d.due(at(330)).unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NotificationKind::Firing);
    assert_eq!(ids(&n[0].firing), ["a"]);
    assert_eq!(ids(&n[0].resolved), ["b"]);
    assert_eq!(n[0].resolved[0].state, AlertState::Resolved);
    // A late resolved update for b is ignored, and b never shows again.
    d.observe(resolved(alert("b", &[("rule", "R")])), at(400))
        .unwrap();
    assert_eq!(d.counters().ignored_resolved, 1);
    let later = run(&mut d, 360, 4 * 3600 + 330, 30);
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].1.kind, NotificationKind::Repeat);
    assert_eq!(ids(&later[0].1.firing), ["a"]);
    assert!(later[0].1.resolved.is_empty());
    // The last one resolving ends the group with a resolved notification.
    d.observe(resolved(alert("a", &[("rule", "R")])), at(15_000))
        .unwrap();
    let end = run(&mut d, 15_000, 16_000, 10);
    assert_eq!(end.len(), 1);
    assert_eq!(end[0].1.kind, NotificationKind::Resolved);
    assert_eq!(ids(&end[0].1.resolved), ["a"]);
    assert_eq!(d.alert_count(), 0);
    assert!(d.next_wakeup(at(16_000)).is_none());
}

#[test]
fn without_send_resolved_a_resolved_alert_is_dropped_quietly() {
    let cfg = BASIC.replace("send_resolved = true", "");
    let mut d = Dispatcher::new(routing(&cfg), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    d.observe(alert("b", &[("rule", "R")]), at(0)).unwrap();
    d.due(at(30)).unwrap();
    d.observe(resolved(alert("b", &[("rule", "R")])), at(100))
        .unwrap();
    assert!(run(&mut d, 31, 4000, 30).is_empty());
    let n = d.due(at(30 + 4 * 3600)).unwrap();
    assert_eq!(ids(&n[0].firing), ["a"]);
}

#[test]
fn alerts_quiet_past_resolve_timeout_count_as_resolved() {
    let cfg = BASIC.replace(
        "send_resolved = true",
        "send_resolved = true\nresolve_timeout = \"1h\"",
    );
    let mut d = Dispatcher::new(routing(&cfg), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    d.due(at(30)).unwrap();
    let sent = run(&mut d, 31, 4000, 30);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.kind, NotificationKind::Resolved);
    assert!(sent[0].0 >= 3600);
}

fn silence_spec(matchers: &[&str], ends: i64) -> SilenceSpec {
    SilenceSpec {
        matchers: matchers.iter().map(|s| s.to_string()).collect(),
        starts_at: None,
        ends_at: at(ends),
        created_by: "alice".into(),
        comment: "maintenance".into(),
    }
}

#[test]
fn a_silenced_alert_is_not_notified_and_its_group_keeps_the_others() {
    let mut d = Dispatcher::new(routing(BASIC), MemoryStore::new()).unwrap();
    d.create_silence(&silence_spec(&["host = web1"], 3600), at(0))
        .unwrap();
    d.observe(alert("a", &[("rule", "R"), ("host", "web1")]), at(0))
        .unwrap();
    d.observe(alert("b", &[("rule", "R"), ("host", "web2")]), at(0))
        .unwrap();
    let n = d.due(at(30)).unwrap();
    assert_eq!(ids(&n[0].firing), ["b"]);
    // When the silence ends, a, never told, is news at the next tick.
    let after_end = run(&mut d, 60, 3930, 30);
    assert_eq!(after_end.len(), 1);
    assert_eq!(after_end[0].0, 3630);
    assert_eq!(ids(&after_end[0].1.firing), ["a", "b"]);
}

#[test]
fn alertmanager_2896_an_ended_silence_waits_for_the_next_repeat() {
    let mut d = Dispatcher::new(routing(BASIC), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R"), ("host", "web1")]), at(0))
        .unwrap();
    assert_eq!(d.due(at(30)).unwrap().len(), 1);
    let s = d
        .create_silence(&silence_spec(&["host = web1"], 7200), at(600))
        .unwrap();
    // Expired by hand before its end.
    d.expire_silence(&s.id, "bob", at(3000)).unwrap();
    let sent = run(&mut d, 60, 4 * 3600 + 30, 30);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].0, sent[0].1.kind),
        (4 * 3600 + 30, NotificationKind::Repeat)
    );
}

#[test]
fn alertmanager_1673_silences_and_the_log_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("routing.db");
    let (kept, ended) = {
        let mut d = Dispatcher::new(routing(BASIC), SqliteStore::open(&path).unwrap()).unwrap();
        let kept = d
            .create_silence(&silence_spec(&["host = web1"], 86_400), at(0))
            .unwrap();
        let ended = d
            .create_silence(&silence_spec(&["host = web2"], 86_400), at(0))
            .unwrap();
        d.expire_silence(&ended.id, "bob", at(10)).unwrap();
        d.observe(alert("a", &[("rule", "R"), ("host", "web3")]), at(0))
            .unwrap();
        assert_eq!(d.due(at(30)).unwrap().len(), 1);
        (kept, ended)
    };
    let mut d = Dispatcher::new(routing(BASIC), SqliteStore::open(&path).unwrap()).unwrap();
    // Neither lost nor resurrected.
    let all = d.silences();
    assert_eq!(all.len(), 2);
    let get = |id: &str| all.iter().find(|s| s.id == id).unwrap();
    assert!(get(&kept.id).is_active(at(100)));
    assert!(!get(&ended.id).is_active(at(100)));
    assert_eq!(get(&ended.id).expired_by.as_deref(), Some("bob"));
    assert_eq!(
        d.explain(&alert("x", &[("host", "web1")]).labels, at(100))
            .silenced_by
            .len(),
        1
    );
    assert!(
        d.explain(&alert("x", &[("host", "web2")]).labels, at(100))
            .silenced_by
            .is_empty()
    );
    // The notification log came back too: no re-send after the restart.
    assert!(run(&mut d, 60, 4 * 3600, 30).is_empty());
    assert_eq!(
        d.due(at(4 * 3600 + 30)).unwrap()[0].kind,
        NotificationKind::Repeat
    );
}

#[test]
fn a_failed_write_changes_nothing() {
    let store = MemoryStore::new();
    let mut d = Dispatcher::new(routing(BASIC), store.clone()).unwrap();
    store.refuse_writes(true);
    assert!(d.observe(alert("a", &[("rule", "R")]), at(0)).is_err());
    assert_eq!(d.alert_count(), 0);
    assert!(
        d.create_silence(&silence_spec(&["host = a"], 100), at(0))
            .is_err()
    );
    assert!(d.silences().is_empty());
    // A batch is all or nothing; once the store writes again, nothing was lost.
    let batch = || ["a", "b"].map(|id| alert(id, &[("rule", "R")]));
    assert!(d.observe_all(batch(), at(0)).is_err());
    assert_eq!(d.alert_count(), 0);
    store.refuse_writes(false);
    d.observe_all(batch(), at(0)).unwrap();
    store.refuse_writes(true);
    assert!(d.due(at(30)).is_err());
    store.refuse_writes(false);
    // The failed tick sent nothing and recorded nothing: the next one sends.
    assert_eq!(ids(&d.due(at(31)).unwrap()[0].firing), ["a", "b"]);
    // What the store holds is what the dispatcher acts on after a restart.
    let mut again = Dispatcher::new(routing(BASIC), store.clone()).unwrap();
    assert!(again.due(at(40)).unwrap().is_empty());
    assert_eq!(again.alert_count(), 2);
}

const INHIBIT: &str = r#"
    [routing]
    receiver = "soc"
    group_by = ["host"]
    [[inhibit]]
    source = ['level = "critical"']
    target = ['level = "low"']
    equal = ["host"]
    [risk]
    enabled = false
"#;

#[test]
fn inhibition_mutes_targets_sharing_the_equal_labels_only() {
    let mut d = Dispatcher::new(routing(INHIBIT), MemoryStore::new()).unwrap();
    d.observe(
        alert("crit", &[("level", "critical"), ("host", "h1")]),
        at(0),
    )
    .unwrap();
    d.observe(alert("low1", &[("level", "low"), ("host", "h1")]), at(0))
        .unwrap();
    d.observe(alert("low2", &[("level", "low"), ("host", "h2")]), at(0))
        .unwrap();
    // Neither has a host: a missing equal label never matches (alertmanager#507, #1727).
    d.observe(alert("crit-nohost", &[("level", "critical")]), at(0))
        .unwrap();
    d.observe(alert("low-nohost", &[("level", "low")]), at(0))
        .unwrap();
    let mut sent: Vec<Vec<&str>> = Vec::new();
    let notes = d.due(at(30)).unwrap();
    for n in &notes {
        sent.push(ids(&n.firing));
    }
    sent.sort();
    assert_eq!(
        sent,
        [
            vec!["crit"],
            vec!["crit-nohost", "low-nohost"],
            vec!["low2"]
        ]
    );
    let e = d.explain(
        &alert("x", &[("level", "low"), ("host", "h1")]).labels,
        at(40),
    );
    assert!(e.muted);
    assert_eq!(e.inhibited.unwrap().source_alert, "crit");
}

const ESCALATE: &str = r#"
    [routing]
    receiver = "soc"
    escalate_after = "15m"
    escalate_to = "lead"
    [risk]
    enabled = false
"#;

#[test]
fn an_unacknowledged_alert_escalates_once() {
    let mut d = Dispatcher::new(routing(ESCALATE), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    d.observe(alert("b", &[("rule", "R")]), at(0)).unwrap();
    d.due(at(30)).unwrap();
    let mut acked = alert("b", &[("rule", "R")]);
    acked.state = AlertState::Acknowledged;
    d.observe(acked, at(300)).unwrap();
    let esc: Vec<(i64, Notification)> = run(&mut d, 60, 3600, 30)
        .into_iter()
        .filter(|(_, n)| n.kind == NotificationKind::Escalation)
        .collect();
    assert_eq!(esc.len(), 1);
    assert_eq!(esc[0].0, 30 + 900);
    assert_eq!(esc[0].1.receiver, "lead");
    assert_eq!(ids(&esc[0].1.firing), ["a"]);
}

#[test]
fn risk_alerts_are_raised_and_routed() {
    let cfg = r#"
        [routing]
        receiver = "soc"
        [[routing.route]]
        matchers = ['type = "risk"']
        receiver = "risk-team"
        [risk]
        entities = ["host"]
        threshold = 30
        [risk.rules]
        "weak" = 10
    "#;
    let mut d = Dispatcher::new(routing(cfg), MemoryStore::new()).unwrap();
    let weak = |id: &str| {
        alert(
            id,
            &[
                ("rule", "W"),
                ("rule_id", "weak"),
                ("level", "low"),
                ("host", "h1"),
            ],
        )
    };
    assert!(d.observe(weak("1"), at(0)).unwrap().is_empty());
    // An update of the same alert adds nothing.
    assert!(d.observe(weak("1"), at(5)).unwrap().is_empty());
    assert!(d.observe(weak("2"), at(10)).unwrap().is_empty());
    let raised = d.observe(weak("3"), at(20)).unwrap();
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].labels["host"], "h1");
    let notes = d.due(at(60)).unwrap();
    let risk: Vec<&Notification> = notes.iter().filter(|n| n.receiver == "risk-team").collect();
    assert_eq!(risk.len(), 1);
    assert_eq!(ids(&risk[0].firing), [raised[0].id.as_str()]);
}

#[test]
fn max_alerts_refuses_and_counts() {
    let cfg = BASIC.replace("send_resolved = true", "max_alerts = 2");
    let mut d = Dispatcher::new(routing(&cfg), MemoryStore::new()).unwrap();
    for id in ["a", "b", "c"] {
        d.observe(alert(id, &[("rule", "R")]), at(0)).unwrap();
    }
    assert_eq!(d.alert_count(), 2);
    assert_eq!(d.counters().refused_alerts, 1);
    // Updates of tracked alerts still pass.
    d.observe(alert("a", &[("rule", "R")]), at(1)).unwrap();
    assert_eq!(d.counters().refused_alerts, 1);
}

#[test]
fn explain_names_routes_receivers_and_why() {
    let cfg = r#"
        [routing]
        receiver = "soc"
        group_by = ["rule"]
        [[routing.route]]
        name = "critical"
        matchers = ['level = "critical"']
        receiver = "pager"
        continue = true
        [[routing.route]]
        matchers = ['host =~ "web.*"']
        receiver = "web-team"
        [risk]
        enabled = false
    "#;
    let d = Dispatcher::new(routing(cfg), MemoryStore::new()).unwrap();
    let labels = alert(
        "x",
        &[("rule", "R"), ("level", "critical"), ("host", "web1")],
    )
    .labels;
    let e = d.explain(&labels, at(0));
    let receivers: Vec<&str> = e.routes.iter().map(|r| r.receiver.as_str()).collect();
    assert_eq!(receivers, ["pager", "web-team"]);
    assert_eq!(e.routes[0].group_key, r#"root/critical:{rule="R"}"#);
    assert!(!e.muted);
    let text = e.text();
    assert!(
        text.contains("-> receiver pager via root/critical"),
        "{text}"
    );
    assert!(
        text.contains(r#"host =~ "web.*": yes (host is "web1")"#),
        "{text}"
    );
}

#[test]
fn next_wakeup_points_at_the_next_action() {
    let mut d = Dispatcher::new(routing(BASIC), MemoryStore::new()).unwrap();
    assert!(d.next_wakeup(at(0)).is_none());
    d.observe(alert("a", &[("rule", "R")]), at(0)).unwrap();
    assert_eq!(d.next_wakeup(at(0)), Some(at(30)));
    d.due(at(30)).unwrap();
    assert_eq!(d.next_wakeup(at(31)), Some(at(330)));
}

#[test]
fn an_alert_in_two_routes_is_told_to_both_and_forgotten_once_resolved_in_both() {
    let cfg = r#"
        [routing]
        receiver = "soc"
        send_resolved = true
        [[routing.route]]
        matchers = ['level = "critical"']
        receiver = "pager"
        continue = true
        [[routing.route]]
        matchers = ['rule = "R"']
        receiver = "rule-team"
        [risk]
        enabled = false
    "#;
    let mut d = Dispatcher::new(routing(cfg), MemoryStore::new()).unwrap();
    let a = alert("a", &[("rule", "R"), ("level", "critical")]);
    d.observe(a.clone(), at(0)).unwrap();
    let mut receivers: Vec<String> = d
        .due(at(30))
        .unwrap()
        .into_iter()
        .map(|n| n.receiver)
        .collect();
    receivers.sort();
    assert_eq!(receivers, ["pager", "rule-team"]);
    d.observe(resolved(a), at(60)).unwrap();
    let ends = d.due(at(330)).unwrap();
    assert_eq!(ends.len(), 2);
    assert!(ends.iter().all(|n| n.kind == NotificationKind::Resolved));
    assert_eq!(d.alert_count(), 0);
}

#[test]
fn an_alert_whose_labels_change_moves_to_its_new_group() {
    let cfg = BASIC.replace("group_by = [\"rule\"]", "group_by = [\"host\"]");
    let mut d = Dispatcher::new(routing(&cfg), MemoryStore::new()).unwrap();
    d.observe(alert("a", &[("rule", "R"), ("host", "h1")]), at(0))
        .unwrap();
    d.observe(alert("b", &[("rule", "R"), ("host", "h1")]), at(0))
        .unwrap();
    d.due(at(30)).unwrap();
    d.observe(alert("a", &[("rule", "R"), ("host", "h2")]), at(40))
        .unwrap();
    let sent = run(&mut d, 40, 400, 10);
    let mut groups: Vec<(i64, String, Vec<&str>)> = sent
        .iter()
        .map(|(t, n)| (*t, n.group_key.clone(), ids(&n.firing)))
        .collect();
    groups.sort();
    assert_eq!(groups, [(70, r#"root:{host="h2"}"#.to_string(), vec!["a"])]);
    // The old group lists only b from now on.
    let repeat = d.due(at(30 + 4 * 3600)).unwrap();
    let old: Vec<&Notification> = repeat
        .iter()
        .filter(|n| n.group_key.contains("h1"))
        .collect();
    assert_eq!(ids(&old[0].firing), ["b"]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever arrives when: while a group lives its notifications are
        /// never less than group_interval apart, every alert that fires is
        /// told, and an alert listed as resolved is not listed as firing
        /// again unless it fired again since.
        #[test]
        fn sends_keep_their_spacing_and_resolved_stays_resolved(
            events in proptest::collection::vec((0u8..6, 0i64..3000, any::<bool>()), 1..25)
        ) {
            let cfg = BASIC.replace("send_resolved = true", "send_resolved = true\nrepeat_interval = \"1m\"");
            let mut d = Dispatcher::new(routing(&cfg), MemoryStore::new()).unwrap();
            let mut events = events;
            events.sort_by_key(|e| e.1);
            let mut sent: Vec<(i64, Notification)> = Vec::new();
            let mut next = 0;
            let mut fired = BTreeSet::new();
            for s in (0..=4000).step_by(10) {
                while next < events.len() && events[next].1 <= s {
                    let (n, _, resolve) = events[next];
                    let a = alert(&format!("a{n}"), &[("rule", "R")]);
                    if !resolve {
                        fired.insert(a.id.clone());
                    }
                    d.observe(if resolve { resolved(a) } else { a }, at(s)).unwrap();
                    next += 1;
                }
                for n in d.due(at(s)).unwrap() {
                    sent.push((s, n));
                }
            }
            for pair in sent.windows(2) {
                // A Resolved notification ends the group; a new one starts afresh.
                if pair[0].1.kind != NotificationKind::Resolved {
                    prop_assert!(pair[1].0 - pair[0].0 >= 300, "{} then {}", pair[0].0, pair[1].0);
                }
            }
            let fired_between = |id: &str, from: i64, to: i64| {
                events.iter().any(|e| format!("a{}", e.0) == id && !e.2 && e.1 > from && e.1 <= to)
            };
            let mut gone: BTreeMap<String, i64> = BTreeMap::new();
            let mut told = BTreeSet::new();
            for (t, n) in &sent {
                for a in &n.firing {
                    if let Some(&when) = gone.get(&a.id) {
                        prop_assert!(fired_between(&a.id, when, *t), "{} resurrected", a.id);
                    }
                    told.insert(a.id.clone());
                }
                for a in &n.resolved {
                    gone.insert(a.id.clone(), *t);
                }
            }
            // Firing updates re-fire an alert after it was resolved and dropped:
            // a firing alert is told at least once unless it resolved before a tick.
            for id in &fired {
                let resolved_later = events.iter().any(|e| format!("a{}", e.0) == *id && e.2);
                prop_assert!(told.contains(id) || resolved_later, "{id} never told");
            }
        }
    }
}

#[test]
fn a_notification_not_kept_by_the_deliverer_is_offered_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("routing.sqlite");
    let mut d = Dispatcher::new(routing(BASIC), SqliteStore::open(&path).unwrap()).unwrap();
    d.observe(alert("a1", &[("rule", "r")]), at(0)).unwrap();
    // The spool refuses: nothing is recorded as sent.
    let failed = d.due_then(at(31), |n| {
        assert_eq!(n.len(), 1);
        Err("disk full")
    });
    assert!(matches!(failed, Err(DueError::Deliver("disk full"))));
    // A restart (the process died before keeping it) offers it again too.
    drop(d);
    let mut d = Dispatcher::new(routing(BASIC), SqliteStore::open(&path).unwrap()).unwrap();
    let mut kept = Vec::new();
    let n = d
        .due_then(at(32), |n| {
            kept.extend_from_slice(n);
            Ok::<(), &str>(())
        })
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(ids(&kept[0].firing), ["a1"]);
    // Kept once, recorded: not offered again before repeat_interval.
    assert!(d.due(at(400)).unwrap().is_empty());
    assert_eq!(d.tracked("a1").map(|a| a.state), Some(AlertState::Firing));
}
