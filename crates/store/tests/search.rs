mod common;
use common::*;
use sightline_event::Timestamp;
use sightline_store::{AggregationResult, SearchOptions};
use std::collections::BTreeSet;

fn all_opts() -> SearchOptions {
    SearchOptions {
        limit: 100_000,
        ..Default::default()
    }
}

#[test]
fn append_then_search_round_trip() {
    let env = Env::new();
    let store = env.open();
    let evs = events(0, 200);
    let r = store.append(&evs).unwrap();
    assert_eq!(
        (r.stored, r.duplicates, r.first_seq, r.last_seq),
        (200, 0, Some(0), Some(199))
    );
    store.flush().unwrap();
    let res = store
        .search(
            &q("*"),
            &SearchOptions {
                limit: 5,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(res.total, 200);
    assert_eq!(res.events.len(), 5);
    // newest first
    assert_eq!(res.events[0], evs[199]);
    assert!(
        res.events
            .windows(2)
            .all(|w| w[0].timestamp >= w[1].timestamp)
    );
    let res = store.search(&q("source.ip:10.0.1.1"), &all_opts()).unwrap();
    let want: Vec<_> = evs
        .iter()
        .filter(|e| e.get_str("source.ip") == Some("10.0.1.1"))
        .collect();
    assert_eq!(res.total as usize, want.len());
    assert!(
        res.events
            .iter()
            .all(|e| e.get_str("source.ip") == Some("10.0.1.1"))
    );
    let st = store.stats();
    assert_eq!(st.events, 200);
    assert!(st.raw_bytes > 0 && st.bytes_on_disk > 0 && st.index_bytes > 0);
    assert_eq!(st.oldest, Some(evs[0].timestamp));
}

#[test]
fn pagination_visits_every_match_once_in_order() {
    let env = Env::new();
    let store = env.open();
    let evs = events(0, 103);
    store.append(&evs[..50]).unwrap();
    store.append(&evs[50..]).unwrap();
    store.flush().unwrap();
    for newest_first in [true, false] {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let opts = SearchOptions {
                limit: 7,
                cursor: cursor.clone(),
                newest_first,
                ..Default::default()
            };
            let res = store
                .search(&q("NOT event.dataset:mlx.server"), &opts)
                .unwrap();
            assert_eq!(res.total, 103 - 25);
            seen.extend(res.events.iter().map(|e| e.timestamp));
            match res.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 78);
        let mut sorted = seen.clone();
        sorted.sort();
        if newest_first {
            sorted.reverse();
        }
        assert_eq!(seen, sorted);
    }
    assert!(
        store
            .search(
                &q("*"),
                &SearchOptions {
                    cursor: Some("junk".into()),
                    ..Default::default()
                }
            )
            .is_err()
    );
}

#[test]
fn time_bounds_are_from_inclusive_to_exclusive() {
    let env = Env::new();
    let store = env.open();
    let evs = events(0, 100);
    store.append(&evs).unwrap();
    store.flush().unwrap();
    let opts = SearchOptions {
        from: Some(evs[10].timestamp),
        to: Some(evs[20].timestamp),
        ..all_opts()
    };
    let res = store.search(&q("*"), &opts).unwrap();
    assert_eq!(res.total, 10);
    let got: BTreeSet<_> = res.events.iter().map(|e| e.id).collect();
    let want: BTreeSet<_> = evs[10..20].iter().map(|e| e.id).collect();
    assert_eq!(got, want);
}

#[test]
fn aggregations() {
    let env = Env::new();
    let store = env.open();
    let evs = events(0, 400);
    store.append(&evs).unwrap();
    store.flush().unwrap();
    let opts = SearchOptions {
        limit: 0,
        ..Default::default()
    };

    let res = store
        .search(&q("event.outcome:failure | count"), &opts)
        .unwrap();
    let failures = evs
        .iter()
        .filter(|e| e.get_str("event.outcome") == Some("failure"))
        .count() as u64;
    assert_eq!(res.aggregation, Some(AggregationResult::Count(failures)));
    assert!(res.events.is_empty());

    let res = store
        .search(&q("* | count by event.dataset"), &opts)
        .unwrap();
    let Some(AggregationResult::CountBy { groups, .. }) = res.aggregation else {
        panic!()
    };
    assert_eq!(groups.len(), 4);
    assert!(groups.iter().all(|g| g.count == 100));

    // A fast column (user.name) and an event-read field (port) give the same shape.
    for field in ["user.name", "port"] {
        let res = store
            .search(&q(&format!("* | top 2 {field}")), &opts)
            .unwrap();
        let Some(AggregationResult::Top { groups, .. }) = res.aggregation else {
            panic!()
        };
        let mut counts = std::collections::HashMap::<String, u64>::new();
        for e in &evs {
            if let Some(v) = e.get(field) {
                let s = match v {
                    sightline_event::FieldRef::Str(s) => s.to_string(),
                    other => format!("{other:?}"),
                };
                *counts.entry(s).or_default() += 1;
            }
        }
        let mut want: Vec<_> = counts.into_iter().collect();
        want.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        want.truncate(2);
        let got: Vec<_> = groups
            .iter()
            .map(|g| (g.values[0].clone(), g.count))
            .collect();
        assert_eq!(got, want, "{field}");
    }

    let res = store
        .search(
            &q("* | count by event.dataset, http.response.status_code limit 3"),
            &opts,
        )
        .unwrap();
    let Some(AggregationResult::CountBy { groups, .. }) = res.aggregation else {
        panic!()
    };
    assert_eq!(groups.len(), 3);
    assert!(groups.windows(2).all(|w| w[0].count >= w[1].count));

    let res = store.search(&q("* | timechart 1h"), &opts).unwrap();
    let Some(AggregationResult::CountOverTime { buckets, .. }) = res.aggregation else {
        panic!()
    };
    assert_eq!(buckets.iter().map(|b| b.count).sum::<u64>(), 400);
    assert!(
        buckets
            .windows(2)
            .all(|w| w[1].start.as_second() - w[0].start.as_second() == 3600)
    );
    assert!(buckets.iter().all(|b| b.start.as_second() % 3600 == 0));
    // Each bucket holds exactly the events of its hour.
    for b in &buckets {
        let n = evs
            .iter()
            .filter(|e| e.timestamp.as_second().div_euclid(3600) * 3600 == b.start.as_second())
            .count() as u64;
        assert_eq!(n, b.count);
    }
    let _ = Timestamp::now();
}

/// The index must select exactly what `Expr::matches` selects.
#[test]
fn index_equals_expr_matches() {
    let env = Env::new();
    let store = env.open();
    let evs = events(0, 600);
    store.append(&evs[..300]).unwrap();
    store.append(&evs[300..]).unwrap();
    store.flush().unwrap();
    let queries = [
        "*",
        "failed",
        "FAILED",
        "failed password",
        "\"accepted password\"",
        "\"password failed\"",
        "pass*",
        "p?ssword",
        "10",
        "source.ip:10.0.1.1",
        "source.ip:10.0.1.*",
        "user.name:u1",
        "user.name:U*",
        "http.response.status_code:401",
        "http.response.status_code:401.0",
        "http.response.status_code:4*",
        "http.response.status_code:>=404",
        "http.response.status_code:[401 TO 404]",
        "http.response.status_code:{401 TO 500}",
        "duration:>3",
        "duration:1.5",
        "port:>8001",
        "port:8002",
        "tls:true",
        "user.roles:admin",
        "user.roles:view*",
        "labels.cluster:prod-east",
        "_exists_:user.name",
        "NOT _exists_:user.name",
        "user.name:*",
        "_exists_:labels.cluster",
        "event.dataset:ray.dashboard AND NOT event.outcome:failure",
        "event.dataset:ray.dashboard OR http.response.status_code:500",
        "(failed OR timeout) AND NOT user.name:u0",
        "message:\"failed failed #0\"",
        "message:failed*",
        "url.path:/api/jobs/3",
        "url.path:\"api jobs\"",
        "url.path:[/api/jobs/2 TO /api/jobs/4]",
        "error.message:*value",
        "_exists_:error.message",
        "@timestamp:>=2026-05-28T22:00:00Z",
        "@timestamp:[2026-05-28T20:00:00Z TO 2026-05-29T00:00:00Z}",
        "nosuchword",
        "event.id:nothing",
    ];
    let mut nonempty = 0;
    for text in queries {
        let query = q(text);
        let res = store.search(&query, &all_opts()).unwrap();
        let got: BTreeSet<_> = res.events.iter().map(|e| e.id).collect();
        let want: BTreeSet<_> = evs
            .iter()
            .filter(|e| query.filter.matches(e))
            .map(|e| e.id)
            .collect();
        assert_eq!(got.len() as u64, res.total, "{text}: total");
        assert_eq!(got, want, "{text}: index and Expr::matches differ");
        if !want.is_empty() && want.len() < evs.len() {
            nonempty += 1;
        } else {
            eprintln!("{text}: {} matches", want.len());
        }
    }
    // The set must exercise real selections, not just all-or-nothing.
    assert!(nonempty >= 38, "{nonempty}");
    // And a query naming one event by id.
    let text = format!("event.id:{}", evs[17].id);
    let res = store.search(&q(&text), &all_opts()).unwrap();
    assert_eq!(res.events, vec![evs[17].clone()]);
}

#[test]
fn retried_batch_is_not_stored_twice() {
    let env = Env::new();
    let store = env.open();
    let evs = events(0, 50);
    store.append(&evs).unwrap();
    let r = store.append(&evs[40..]).unwrap();
    assert_eq!((r.stored, r.duplicates), (0, 10));
    let mut mixed = events(40, 20);
    mixed.push(mixed[0].clone());
    let r = store.append(&mixed).unwrap();
    assert_eq!((r.stored, r.duplicates), (10, 11));
    drop(store);
    // The window is rebuilt on open.
    let store = env.open();
    let r = store.append(&evs).unwrap();
    assert_eq!((r.stored, r.duplicates), (0, 50));
    store.flush().unwrap();
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 60);
}

#[test]
fn read_only_search_while_writer_holds_the_lock() {
    let env = Env::new();
    let store = env.open();
    store.append(&events(0, 30)).unwrap();
    store.flush().unwrap();
    let err = sightline_store::Store::open(env.config()).err().unwrap();
    assert!(
        err.to_string()
            .contains("another sightline server is using"),
        "{err}"
    );
    let ro = sightline_store::Store::open_read_only(env.data()).unwrap();
    assert_eq!(ro.search(&q("*"), &all_opts()).unwrap().total, 30);
    assert!(ro.append(&events(100, 1)).is_err());
    store.append(&events(30, 5)).unwrap();
    store.flush().unwrap();
    assert_eq!(ro.search(&q("*"), &all_opts()).unwrap().total, 35);
}
