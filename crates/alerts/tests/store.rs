//! Behaviour of `AlertStore` as the server and CLI use it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use sightline_alerts::{
    AlertFilter, AlertStore, AlertStoreError, MAX_EVENT_IDS, SCHEMA_VERSION, TriageState, Upsert,
};
use sightline_detect::rule::Level;
use sightline_detect::{Alert, AlertStatus};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

fn alert(id: &str, rule_id: &str, level: Level, first_seen: &str, count: u64) -> Alert {
    let first = ts(first_seen);
    Alert {
        id: id.to_owned(),
        rule_id: rule_id.to_owned(),
        rule_name: format!("Rule {rule_id}"),
        level,
        rule_type: "event_count".into(),
        first_seen: first,
        last_seen: first,
        count,
        group: BTreeMap::from([("source.ip".to_string(), "10.0.0.5".to_string())]),
        event_ids: (0..count).map(|i| format!("{id}-ev{i}")).collect(),
        summary: format!("{rule_id}: {count} events"),
        explanation: format!("{count} >= 3"),
        status: AlertStatus::Open,
        tags: vec!["attack.t1110".into()],
    }
}

fn open_store(dir: &Path) -> (AlertStore, PathBuf) {
    let path = dir.join("alerts.db");
    let store = AlertStore::open(&path).expect("open store");
    (store, path)
}

const ID_A: &str = "aaaaaaaa00000000000000000000000a";
const ID_B: &str = "bbbbbbbb00000000000000000000000b";

#[test]
fn upsert_inserts_then_updates_without_touching_triage_state() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    let t0 = ts("2026-11-22T12:00:05Z");
    let first = alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 3);
    assert_eq!(store.upsert(&first, t0).unwrap(), Upsert::Inserted);

    let t1 = ts("2026-11-22T12:00:10Z");
    store
        .set_state(
            ID_A,
            TriageState::FalsePositive,
            "alice",
            Some("scanner"),
            t1,
        )
        .unwrap();

    let mut grown = alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 7);
    grown.last_seen = ts("2026-11-22T12:01:00Z");
    grown.summary = "brute: 7 events".into();
    grown.explanation = "7 >= 3".into();
    grown.status = AlertStatus::Closed;
    let t2 = ts("2026-11-22T12:01:02Z");
    let up = store.upsert(&grown, t2).unwrap();
    assert_eq!(
        up,
        Upsert::Updated {
            state: TriageState::FalsePositive
        }
    );
    assert!(!up.is_new());

    let rec = store.get(ID_A).unwrap().expect("stored");
    assert_eq!(rec.state, TriageState::FalsePositive, "human state kept");
    assert_eq!(rec.history.len(), 1, "an upsert is not a triage change");
    assert_eq!(rec.alert.count, 7);
    assert_eq!(rec.alert.last_seen, ts("2026-11-22T12:01:00Z"));
    assert_eq!(rec.alert.summary, "brute: 7 events");
    assert_eq!(rec.alert.explanation, "7 >= 3");
    assert_eq!(rec.alert.status, AlertStatus::Closed);
    assert_eq!(rec.created_at, t0, "created_at is the first persistence");
    assert_eq!(rec.updated_at, t2);
    // ev0..ev2 from the first, ev3..ev6 added, no duplicates.
    let want: Vec<String> = (0..7).map(|i| format!("{ID_A}-ev{i}")).collect();
    assert_eq!(rec.alert.event_ids, want);
}

#[test]
fn replayed_alert_is_unchanged_and_keeps_updated_at() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    let a = alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 3);
    let t0 = ts("2026-11-22T12:00:05Z");
    store.upsert(&a, t0).unwrap();
    store
        .set_state(ID_A, TriageState::Acknowledged, "bob", None, t0)
        .unwrap();
    let up = store.upsert(&a, ts("2026-11-22T13:00:00Z")).unwrap();
    assert_eq!(
        up,
        Upsert::Unchanged {
            state: TriageState::Acknowledged
        }
    );
    assert_eq!(store.get(ID_A).unwrap().unwrap().updated_at, t0);
}

#[test]
fn stale_update_adds_event_ids_but_does_not_regress() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    let mut late = alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 5);
    late.last_seen = ts("2026-11-22T12:00:30Z");
    late.status = AlertStatus::Closed;
    store.upsert(&late, ts("2026-11-22T12:00:31Z")).unwrap();

    // An older copy (count 3) arriving after, with one id not seen before.
    let mut early = alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 3);
    early.summary = "old summary".into();
    early.event_ids.push("extra".into());
    let up = store.upsert(&early, ts("2026-11-22T12:00:40Z")).unwrap();
    assert!(matches!(up, Upsert::Updated { .. }), "{up:?}");

    let rec = store.get(ID_A).unwrap().unwrap();
    assert_eq!(rec.alert.count, 5);
    assert_eq!(rec.alert.last_seen, ts("2026-11-22T12:00:30Z"));
    assert_eq!(rec.alert.summary, "brute: 5 events");
    assert_eq!(rec.alert.status, AlertStatus::Closed, "Closed is final");
    assert_eq!(
        rec.alert.event_ids.last().map(String::as_str),
        Some("extra")
    );
    assert_eq!(rec.alert.event_ids.len(), 6);

    // Same evidence but still Open (emitted before the window closed,
    // delivered after): the engine's Closed must not be undone.
    let mut open_copy = late.clone();
    open_copy.status = AlertStatus::Open;
    let up = store
        .upsert(&open_copy, ts("2026-11-22T12:00:50Z"))
        .unwrap();
    assert!(matches!(up, Upsert::Unchanged { .. }), "{up:?}");
    let rec = store.get(ID_A).unwrap().unwrap();
    assert_eq!(rec.alert.status, AlertStatus::Closed);
}

#[test]
fn event_ids_are_a_bounded_union_keeping_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    let mut a = alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 80);
    a.event_ids = (0..80).map(|i| format!("e{i}")).collect();
    store.upsert(&a, ts("2026-11-22T12:00:01Z")).unwrap();
    let mut b = a.clone();
    b.count = 160;
    b.event_ids = (40..120).map(|i| format!("e{i}")).collect();
    store.upsert(&b, ts("2026-11-22T12:00:02Z")).unwrap();
    let ids = store.get(ID_A).unwrap().unwrap().alert.event_ids;
    let want: Vec<String> = (0..MAX_EVENT_IDS).map(|i| format!("e{i}")).collect();
    assert_eq!(ids, want);
}

#[test]
fn triage_history_records_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    store
        .upsert(
            &alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 3),
            ts("2026-11-22T12:00:01Z"),
        )
        .unwrap();
    let t1 = ts("2026-11-22T12:05:00Z");
    let t2 = ts("2026-11-22T12:30:00Z");
    let rec = store
        .set_state(
            ID_A,
            TriageState::Acknowledged,
            "alice",
            Some("  on it "),
            t1,
        )
        .unwrap();
    assert_eq!(rec.state, TriageState::Acknowledged);
    assert_eq!(rec.updated_at, t1);
    let rec = store
        .set_state(ID_A, TriageState::Resolved, "bob", Some(""), t2)
        .unwrap();
    assert_eq!(rec.state, TriageState::Resolved);

    let h = store.get(ID_A).unwrap().unwrap().history;
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[0].at, h[0].actor.as_str(), h[0].from, h[0].to),
        (t1, "alice", TriageState::Open, TriageState::Acknowledged)
    );
    assert_eq!(h[0].note.as_deref(), Some("on it"));
    assert_eq!(
        (h[1].at, h[1].actor.as_str(), h[1].from, h[1].to),
        (t2, "bob", TriageState::Acknowledged, TriageState::Resolved)
    );
    assert_eq!(h[1].note, None, "an empty note is no note");

    let err = store
        .set_state(ID_A, TriageState::Open, "  ", None, t2)
        .unwrap_err();
    assert!(matches!(err, AlertStoreError::EmptyActor), "{err}");
    assert_eq!(store.get(ID_A).unwrap().unwrap().history.len(), 2);
}

#[test]
fn unknown_id_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    let err = store
        .set_state(
            ID_B,
            TriageState::Resolved,
            "alice",
            None,
            ts("2026-11-22T12:00:00Z"),
        )
        .unwrap_err();
    assert!(
        matches!(&err, AlertStoreError::UnknownAlert { id } if id == ID_B),
        "{err:?}"
    );
    assert!(err.to_string().contains(ID_B), "{err}");
    assert!(store.get(ID_B).unwrap().is_none());
}

#[test]
fn id_prefixes_resolve_when_unique() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    let t = ts("2026-11-22T12:00:00Z");
    let ids = [
        "deadbeef10000000000000000000000a",
        "deadbeef20000000000000000000000b",
        ID_A,
    ];
    for id in ids {
        store
            .upsert(&alert(id, "r", Level::Low, "2026-11-22T12:00:00Z", 1), t)
            .unwrap();
    }
    assert_eq!(store.resolve_id("deadbeef1").unwrap(), ids[0]);
    assert_eq!(store.resolve_id("DEADBEEF2").unwrap(), ids[1], "any case");
    assert_eq!(store.resolve_id("aaaaaaaa").unwrap(), ID_A);
    assert_eq!(store.resolve_id(ID_A).unwrap(), ID_A);

    match store.resolve_id("deadbeef") {
        Err(AlertStoreError::AmbiguousPrefix { candidates, .. }) => {
            assert_eq!(candidates, vec![ids[0].to_string(), ids[1].to_string()]);
        }
        other => panic!("expected ambiguity, got {other:?}"),
    }
    assert!(matches!(
        store.resolve_id("deadbee"),
        Err(AlertStoreError::PrefixTooShort { min: 8, .. })
    ));
    assert!(matches!(
        store.resolve_id("deadbeez"),
        Err(AlertStoreError::PrefixNotHex { .. })
    ));
    // Looks like a LIKE pattern; must not be treated as one.
    assert!(matches!(
        store.resolve_id("deadbe%_"),
        Err(AlertStoreError::PrefixNotHex { .. })
    ));
    assert!(matches!(
        store.resolve_id("deadbeef3"),
        Err(AlertStoreError::UnknownAlert { .. })
    ));
}

/// Five alerts over an hour, several rules, levels and states.
fn seeded(dir: &Path) -> AlertStore {
    let (store, _) = open_store(dir);
    let recv = ts("2026-11-22T14:00:00Z");
    let rows = [
        (
            "10000000000000000000000000000001",
            "ssh-brute",
            Level::Low,
            "2026-11-22T12:00:00Z",
        ),
        (
            "20000000000000000000000000000002",
            "ssh-brute",
            Level::High,
            "2026-11-22T12:10:00Z",
        ),
        (
            "30000000000000000000000000000003",
            "ray-api",
            Level::Critical,
            "2026-11-22T12:20:00Z",
        ),
        (
            "40000000000000000000000000000004",
            "ray-api",
            Level::Medium,
            "2026-11-22T12:30:00Z",
        ),
        (
            "50000000000000000000000000000005",
            "dns-tunnel",
            Level::Informational,
            "2026-11-22T12:40:00.5Z",
        ),
    ];
    for (id, rule, level, first) in rows {
        store
            .upsert(&alert(id, rule, level, first, 3), recv)
            .unwrap();
    }
    store
        .set_state(
            "20000000000000000000000000000002",
            TriageState::Resolved,
            "a",
            None,
            recv,
        )
        .unwrap();
    store
        .set_state(
            "30000000000000000000000000000003",
            TriageState::FalsePositive,
            "a",
            None,
            recv,
        )
        .unwrap();
    store
}

fn ids(store: &AlertStore, f: &AlertFilter) -> Vec<char> {
    // The first character identifies the seeded alert.
    let list = store.list(f).unwrap();
    if f.limit.is_none() && f.offset == 0 {
        // count and list must agree on what matches.
        assert_eq!(store.count(f).unwrap(), list.len() as u64);
    }
    list.iter()
        .map(|r| r.alert.id.chars().next().unwrap())
        .collect()
}

#[test]
fn filters_select_and_sort_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(dir.path());
    let all = AlertFilter::default();
    assert_eq!(ids(&store, &all), ['5', '4', '3', '2', '1']);
    assert_eq!(store.count(&all).unwrap(), 5);

    let f = AlertFilter {
        states: vec![TriageState::Open],
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['5', '4', '1']);
    let f = AlertFilter {
        states: vec![TriageState::Resolved, TriageState::FalsePositive],
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['3', '2']);

    let f = AlertFilter {
        min_level: Some(Level::Medium),
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['4', '3', '2']);

    let f = AlertFilter {
        rule_id: Some("ssh-brute".into()),
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['2', '1']);

    // since is inclusive, until exclusive.
    let f = AlertFilter {
        since: Some(ts("2026-11-22T12:10:00Z")),
        until: Some(ts("2026-11-22T12:30:00Z")),
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['3', '2']);
    // Sub-second precision is kept: 12:40:00.5 is after 12:40:00.4.
    let f = AlertFilter {
        since: Some(ts("2026-11-22T12:40:00.4Z")),
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['5']);
    let f = AlertFilter {
        until: Some(ts("2026-11-22T12:40:00.5Z")),
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['4', '3', '2', '1']);

    // Text: summary or rule name, ASCII case-insensitive.
    let f = AlertFilter {
        text: Some("RAY-API:".into()),
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['4', '3'], "summary match");
    let f = AlertFilter {
        text: Some("rule dns".into()),
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['5'], "rule name match");
    let f = AlertFilter {
        text: Some("nothing like this".into()),
        ..Default::default()
    };
    assert!(ids(&store, &f).is_empty());

    // Combined, and paged.
    let f = AlertFilter {
        states: vec![TriageState::Open],
        min_level: Some(Level::Low),
        ..Default::default()
    };
    assert_eq!(ids(&store, &f), ['4', '1']);
    let page = AlertFilter {
        limit: Some(2),
        offset: 1,
        ..Default::default()
    };
    assert_eq!(ids(&store, &page), ['4', '3']);
    assert_eq!(store.count(&page).unwrap(), 5, "count ignores paging");
    let tail = AlertFilter {
        offset: 4,
        ..Default::default()
    };
    assert_eq!(ids(&store, &tail), ['1'], "offset without limit");

    // Listed records carry their history.
    let resolved = store
        .list(&AlertFilter {
            states: vec![TriageState::Resolved],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(resolved[0].history.len(), 1);
}

#[test]
fn stats_count_every_state_and_level() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(dir.path());
    let s = store.stats().unwrap();
    assert_eq!(s.total, 5);
    assert_eq!(s.by_state[&TriageState::Open], 3);
    assert_eq!(s.by_state[&TriageState::Resolved], 1);
    assert_eq!(s.by_state[&TriageState::FalsePositive], 1);
    assert_eq!(s.by_state[&TriageState::Acknowledged], 0, "zeros present");
    assert_eq!(s.by_level[&Level::Critical], 1);
    assert_eq!(s.by_level[&Level::Informational], 1);
    assert_eq!(s.by_level.values().sum::<u64>(), 5);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["by_state"]["false_positive"], 1);
    assert_eq!(json["by_level"]["high"], 1);
}

#[test]
fn reopen_keeps_alerts_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = open_store(dir.path());
    let t = ts("2026-11-22T12:00:01Z");
    store
        .upsert(
            &alert(
                ID_A,
                "brute",
                Level::High,
                "2026-11-22T12:00:00.123456789Z",
                3,
            ),
            t,
        )
        .unwrap();
    let before = store
        .set_state(ID_A, TriageState::Acknowledged, "alice", Some("n"), t)
        .unwrap();
    drop(store);

    let store = AlertStore::open(&path).unwrap();
    let after = store.get(ID_A).unwrap().unwrap();
    assert_eq!(after, before);
    assert_eq!(after.alert.first_seen, ts("2026-11-22T12:00:00.123456789Z"));
    // Reopening did not re-run migrations or reset the state.
    assert_eq!(
        store
            .upsert(
                &alert(
                    ID_A,
                    "brute",
                    Level::High,
                    "2026-11-22T12:00:00.123456789Z",
                    3
                ),
                t
            )
            .unwrap(),
        Upsert::Unchanged {
            state: TriageState::Acknowledged
        }
    );

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = open_store(dir.path());
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    match AlertStore::open(&path) {
        Err(AlertStoreError::SchemaTooNew { found, .. }) => assert_eq!(found, SCHEMA_VERSION + 1),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("opened a database from the future"),
    }
}

#[test]
fn missing_directory_is_an_open_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("alerts.db");
    let err = AlertStore::open(&path).err().expect("must fail");
    assert!(matches!(err, AlertStoreError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

#[test]
fn corrupt_row_names_the_alert_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = open_store(dir.path());
    let t = ts("2026-11-22T12:00:01Z");
    store
        .upsert(
            &alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 3),
            t,
        )
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE alerts SET state = 'maybe'", [])
        .unwrap();
    let err = store.get(ID_A).unwrap_err();
    assert!(
        matches!(&err, AlertStoreError::Corrupt { id, field: "alert.state", .. } if id == ID_A),
        "{err:?}"
    );
}

#[test]
fn record_json_has_alert_fields_plus_triage() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    let a = alert(ID_A, "brute", Level::High, "2026-11-22T12:00:00Z", 3);
    store.upsert(&a, ts("2026-11-22T12:00:02Z")).unwrap();
    let rec = store
        .set_state(
            ID_A,
            TriageState::FalsePositive,
            "alice",
            Some("scanner"),
            ts("2026-11-22T12:03:00Z"),
        )
        .unwrap();
    let v = serde_json::to_value(&rec).unwrap();

    // Every key of the engine's alert JSON, with the same value.
    let alert_json = serde_json::to_value(&a).unwrap();
    for (k, want) in alert_json.as_object().unwrap() {
        assert_eq!(&v[k], want, "field {k}");
    }
    assert_eq!(v["alert.id"], ID_A);
    assert_eq!(v["rule.id"], "brute");
    assert_eq!(v["rule.name"], "Rule brute");
    assert_eq!(v["rule.level"], "high");
    assert_eq!(v["@timestamp"], "2026-11-22T12:00:00Z");
    assert_eq!(v["alert.last_seen"], "2026-11-22T12:00:00Z");
    assert_eq!(v["alert.count"], 3);
    assert_eq!(v["alert.group"]["source.ip"], "10.0.0.5");
    assert_eq!(v["alert.event_ids"].as_array().unwrap().len(), 3);
    assert_eq!(v["alert.summary"], "brute: 3 events");
    assert_eq!(v["alert.explanation"], "3 >= 3");
    assert_eq!(v["tags"][0], "attack.t1110");
    assert_eq!(v["alert.state"], "false_positive");
    assert_eq!(v["alert.created_at"], "2026-11-22T12:00:02Z");
    assert_eq!(v["alert.updated_at"], "2026-11-22T12:03:00Z");
    assert_eq!(
        v["alert.history"],
        serde_json::json!([{
            "at": "2026-11-22T12:03:00Z",
            "actor": "alice",
            "from": "open",
            "to": "false_positive",
            "note": "scanner",
        }])
    );

    // And it reads back (for clients of the server's API).
    let back: sightline_alerts::AlertRecord = serde_json::from_value(v).unwrap();
    assert_eq!(back, rec);
}

#[test]
fn triage_state_names_round_trip() {
    for s in TriageState::ALL {
        assert_eq!(s.as_str().parse::<TriageState>().unwrap(), s);
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    let err = "closed".parse::<TriageState>().unwrap_err();
    assert!(err.to_string().contains("false_positive"), "{err}");
}

#[test]
fn store_is_shared_across_threads_and_processes() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<AlertStore>();

    let dir = tempfile::tempdir().unwrap();
    let (store, path) = open_store(dir.path());
    let t = ts("2026-11-22T12:00:00Z");
    std::thread::scope(|s| {
        for n in 0..4u64 {
            let store = &store;
            s.spawn(move || {
                for i in 0..25u64 {
                    let id = format!("{:016x}{:016x}", n + 1, i);
                    store
                        .upsert(&alert(&id, "r", Level::Low, "2026-11-22T12:00:00Z", 1), t)
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(store.count(&AlertFilter::default()).unwrap(), 100);

    // A second handle on the same file (the CLI next to the server).
    let cli = AlertStore::open(&path).unwrap();
    let id = cli.resolve_id("0000000000000001").unwrap_err();
    assert!(matches!(id, AlertStoreError::AmbiguousPrefix { .. }));
    let full = format!("{:016x}{:016x}", 1, 0);
    cli.set_state(&full, TriageState::Acknowledged, "cli", None, t)
        .unwrap();
    let mut grown = alert(&full, "r", Level::Low, "2026-11-22T12:00:00Z", 2);
    grown.last_seen = ts("2026-11-22T12:00:09Z");
    assert_eq!(
        store.upsert(&grown, t).unwrap(),
        Upsert::Updated {
            state: TriageState::Acknowledged
        }
    );
}

#[test]
fn upsert_many_is_one_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open_store(dir.path());
    let t = ts("2026-11-22T12:00:00Z");
    let a = alert(ID_A, "r", Level::Low, "2026-11-22T12:00:00Z", 1);
    let mut a2 = alert(ID_A, "r", Level::Low, "2026-11-22T12:00:00Z", 2);
    a2.last_seen = ts("2026-11-22T12:00:05Z");
    let b = alert(ID_B, "r", Level::Low, "2026-11-22T12:00:00Z", 1);
    let out = store.upsert_many(&[a, a2, b], t).unwrap();
    assert_eq!(
        out,
        vec![
            Upsert::Inserted,
            Upsert::Updated {
                state: TriageState::Open
            },
            Upsert::Inserted
        ]
    );
    assert_eq!(store.get(ID_A).unwrap().unwrap().alert.count, 2);
}

/// Set by `committed_writes_survive_a_killed_process` for the child copy of
/// this test binary.
const CHILD_ENV: &str = "SIGHTLINE_ALERTS_KILL_CHILD_DB";
const KILLED_CODE: i32 = 86;

#[test]
fn kill_child_writer() {
    // Only does something when run as the child (see below).
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = AlertStore::open(&path).unwrap();
    let t = ts("2026-11-22T12:00:00Z");
    store
        .upsert(&alert(ID_A, "r", Level::High, "2026-11-22T12:00:00Z", 3), t)
        .unwrap();
    store
        .set_state(ID_A, TriageState::Resolved, "child", Some("before kill"), t)
        .unwrap();
    // Die without destructors, WAL checkpoint or connection close, as a
    // SIGKILL would (exit, not abort: no core dump, and a distinctive code
    // proves the child got this far).
    std::process::exit(KILLED_CODE);
}

#[test]
fn committed_writes_survive_a_killed_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.db");
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new(exe)
        .args([
            "--exact",
            "kill_child_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(KILLED_CODE),
        "the child must reach its exit"
    );

    let store = AlertStore::open(&path).unwrap();
    let rec = store.get(ID_A).unwrap().expect("committed before the kill");
    assert_eq!(rec.state, TriageState::Resolved);
    assert_eq!(rec.history[0].note.as_deref(), Some("before kill"));
}
