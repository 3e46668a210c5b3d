//! The store's parts for a staged pipeline: events prepared on other
//! threads, group commit, and the index as its own stage.

mod common;
use common::*;
use sightline_store::{SearchOptions, Store, StoreError, verify};
use std::sync::Arc;

fn all() -> SearchOptions {
    SearchOptions {
        limit: 100_000,
        ..Default::default()
    }
}

#[test]
fn a_group_is_one_write_with_a_report_per_batch() {
    let env = Env::new();
    let store = env.open();
    let prep = |base, n| {
        events(base, n)
            .iter()
            .map(|e| store.prepare(e))
            .collect::<Vec<_>>()
    };
    // The second batch repeats two events of the first: duplicates across the group.
    let mut second = prep(10, 10);
    second.extend(prep(8, 2));
    let reports = store.append_group(vec![prep(0, 10), second, Vec::new(), prep(20, 5)]);
    let reports: Vec<_> = reports.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        reports
            .iter()
            .map(|r| (r.stored, r.duplicates, r.first_seq))
            .collect::<Vec<_>>(),
        vec![
            (10, 0, Some(0)),
            (10, 2, Some(10)),
            (0, 0, None),
            (5, 0, Some(20))
        ]
    );
    store.flush().unwrap();
    assert_eq!(store.search(&q("*"), &all()).unwrap().total, 25);
    // One block per batch, chained in order.
    drop(store);
    let r = verify(&env.data(), None).unwrap();
    assert!(r.is_ok(), "{:?}", r.problems);
    assert_eq!((r.blocks_checked, r.records_checked), (3, 25));
}

#[test]
fn a_batch_over_the_quota_fails_alone() {
    let env = Env::new();
    let mut cfg = env.config();
    cfg.max_disk_bytes = Some(u64::MAX);
    let store = Store::open(cfg).unwrap().0;
    store.append(&events(0, 5)).unwrap();
    store.tick().unwrap();
    let used = store.stats().bytes_on_disk;
    store.set_max_disk_bytes(Some(used + 6_000)).unwrap();
    let small: Vec<_> = events(100, 2).iter().map(|e| store.prepare(e)).collect();
    let big: Vec<_> = events(200, 400).iter().map(|e| store.prepare(e)).collect();
    let after: Vec<_> = events(700, 2).iter().map(|e| store.prepare(e)).collect();
    let r = store.append_group(vec![small, big, after]);
    assert!(r[0].as_ref().is_ok_and(|r| r.stored == 2), "{:?}", r[0]);
    assert!(
        matches!(r[1], Err(StoreError::DiskFull { .. })),
        "{:?}",
        r[1]
    );
    assert!(
        r[2].as_ref()
            .is_ok_and(|r| r.stored == 2 && r.first_seq == Some(7)),
        "{:?}",
        r[2]
    );
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
}

#[test]
fn a_failed_write_fails_every_batch_of_the_group_and_publishes_nothing() {
    let env = Env::new();
    let store = env.open();
    store.append(&events(0, 5)).unwrap();
    store.inject_write_failure(100).unwrap();
    let batches = vec![
        events(10, 3).iter().map(|e| store.prepare(e)).collect(),
        events(20, 3).iter().map(|e| store.prepare(e)).collect(),
    ];
    let r = store.append_group(batches);
    assert!(
        r.iter()
            .all(|r| matches!(r, Err(StoreError::DiskFull { .. }))),
        "{r:?}"
    );
    // Nothing was remembered: the same events store fine afterwards.
    let again = store.append(&events(10, 3)).unwrap();
    assert_eq!((again.stored, again.first_seq), (3, Some(5)));
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
}

#[test]
fn a_detached_index_stage_indexes_everything_and_stops_on_close() {
    let env = Env::new();
    let mut cfg = env.config();
    cfg.index_commit_ms = 50;
    let store = Arc::new(Store::open(cfg.clone()).unwrap().0);
    let queue = store
        .detach_indexer(2)
        .expect("a writer can detach its index");
    assert!(store.detach_indexer(2).is_none(), "only once");
    let stage = {
        let s = Arc::clone(&store);
        std::thread::spawn(move || s.run_indexer(queue))
    };
    // Prepared on other threads, appended in order.
    let prepared: Vec<Vec<_>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let s = &store;
                sc.spawn(move || {
                    events(t * 100, 50)
                        .iter()
                        .map(|e| s.prepare(e))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in store.append_group(prepared) {
        r.unwrap();
    }
    store.append(&events(1000, 10)).unwrap();
    // flush waits for the stage's commit: everything is searchable after it.
    store.flush().unwrap();
    assert_eq!(store.search(&q("*"), &all()).unwrap().total, 210);

    // A failed index is repaired by the stage from the segments.
    store.inject_index_fault().unwrap();
    store.append(&events(2000, 10)).unwrap();
    let started = std::time::Instant::now();
    while store.index_fault().is_some() {
        assert!(
            started.elapsed().as_secs() < 30,
            "the stage repairs the index"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    store.flush().unwrap();
    assert_eq!(store.search(&q("*"), &all()).unwrap().total, 220);

    store.stop_indexer();
    stage.join().unwrap();
    drop(store);
    // Reopened: the index is complete, nothing to re-add.
    let (store, report) = Store::open(cfg).unwrap();
    assert_eq!(report.reindexed, 0, "{report:?}");
    assert_eq!(store.search(&q("*"), &all()).unwrap().total, 220);
}
