use proptest::prelude::*;
use sightline_spool::{Spool, SpoolConfig};
use std::collections::VecDeque;

fn cfg(dir: &std::path::Path, budget: u64) -> SpoolConfig {
    let mut c = SpoolConfig::new(dir, budget);
    c.segment_bytes = 256;
    c
}

fn payloads(items: &[sightline_spool::Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| String::from_utf8(i.payload.clone()).unwrap())
        .collect()
}

#[test]
fn items_come_out_in_order_and_survive_a_restart_until_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Spool::open(cfg(dir.path(), 1 << 20)).unwrap();
    let items: Vec<String> = (0..50).map(|i| format!("event {i}")).collect();
    let refs: Vec<&[u8]> = items.iter().map(|s| s.as_bytes()).collect();
    assert_eq!(s.push(&refs, 1).unwrap().accepted, 50);
    let first = s.peek(10, u64::MAX).unwrap();
    assert_eq!(payloads(&first), items[..10]);
    s.ack(first[9].next).unwrap();
    // Delivered but not acknowledged when the process dies: comes again.
    let _ = s.peek(5, u64::MAX).unwrap();
    drop(s);
    let mut s = Spool::open(cfg(dir.path(), 1 << 20)).unwrap();
    assert_eq!(s.stats().pending, 40);
    let rest = s.peek(100, u64::MAX).unwrap();
    assert_eq!(payloads(&rest), items[10..]);
    s.ack(rest.last().unwrap().next).unwrap();
    assert_eq!(s.stats().pending, 0);
    // Segments of delivered items are gone (256-byte segments: many were made).
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(files <= 3, "{files} files left");
}

#[test]
fn a_torn_last_record_is_cut_and_the_rest_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Spool::open(SpoolConfig::new(dir.path(), 1 << 20)).unwrap();
    s.push(&[b"one", b"two"], 1).unwrap();
    drop(s);
    let seg = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "spool"))
        .unwrap();
    // Half a record more: a crash in the middle of a push.
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes.extend_from_slice(&[9, 0, 0, 0, 1, 2]);
    std::fs::write(&seg, bytes).unwrap();
    let mut s = Spool::open(SpoolConfig::new(dir.path(), 1 << 20)).unwrap();
    assert_eq!(s.stats().torn_bytes, 6);
    assert_eq!(payloads(&s.peek(10, u64::MAX).unwrap()), ["one", "two"]);
    s.push(&[b"three"], 2).unwrap();
    assert_eq!(
        payloads(&s.peek(10, u64::MAX).unwrap()),
        ["one", "two", "three"]
    );
}

#[test]
fn a_damaged_record_is_counted_and_never_handed_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Spool::open(SpoolConfig::new(dir.path(), 1 << 20)).unwrap();
    s.push(&[b"alpha", b"bravo", b"charlie"], 1).unwrap();
    drop(s);
    let seg = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "spool"))
        .unwrap();
    let mut bytes = std::fs::read(&seg).unwrap();
    // Flip a byte of "bravo" (second record: 16 + 5 bytes in, then its header).
    bytes[21 + 16 + 1] ^= 0x20;
    std::fs::write(&seg, bytes).unwrap();
    let mut s = Spool::open(SpoolConfig::new(dir.path(), 1 << 20)).unwrap();
    assert_eq!(
        s.stats().torn_bytes,
        0,
        "damage followed by valid records is not a torn tail"
    );
    let got = s.peek(10, u64::MAX).unwrap();
    assert_eq!(payloads(&got), ["alpha", "charlie"]);
    assert_eq!(s.stats().corrupt_bytes, 21, "the damaged record's bytes");
    s.ack(got[1].next).unwrap();
    assert!(s.peek(10, u64::MAX).unwrap().is_empty());
}

#[test]
fn the_budget_refuses_and_counts_what_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Spool::open(SpoolConfig::new(dir.path(), 100)).unwrap();
    let r = s.push(&[&[1u8; 30], &[2u8; 30], &[3u8; 30]], 1).unwrap();
    assert_eq!((r.accepted, r.refused), (2, 1));
    assert_eq!(s.stats().refused, 1);
    let got = s.peek(10, u64::MAX).unwrap();
    s.ack(got[1].next).unwrap();
    // Room again once delivered.
    assert_eq!(s.push(&[&[4u8; 30]], 2).unwrap().accepted, 1);
    assert!(s.push(&[&[0u8; 200]], 3).is_err(), "larger than the budget");
}

#[derive(Debug, Clone)]
enum Op {
    Push(Vec<u8>),
    Deliver(usize),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..60).prop_map(Op::Push),
        (1usize..6).prop_map(Op::Deliver),
        Just(Op::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Against a model queue: whatever the mix of pushes, deliveries and
    /// restarts, items come out in order, once each once acknowledged.
    #[test]
    fn behaves_like_a_queue(ops in proptest::collection::vec(op(), 1..60)) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(cfg(dir.path(), 1 << 30)).unwrap();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        for op in ops {
            match op {
                Op::Push(p) => {
                    s.push(&[&p], 1).unwrap();
                    model.push_back(p);
                }
                Op::Deliver(n) => {
                    let got = s.peek(n, u64::MAX).unwrap();
                    let want: Vec<Vec<u8>> = model.iter().take(n).cloned().collect();
                    prop_assert_eq!(got.iter().map(|i| i.payload.clone()).collect::<Vec<_>>(), want);
                    if let Some(last) = got.last() {
                        s.ack(last.next).unwrap();
                        for _ in 0..got.len() { model.pop_front(); }
                    }
                }
                Op::Reopen => {
                    drop(s);
                    s = Spool::open(cfg(dir.path(), 1 << 30)).unwrap();
                }
            }
            prop_assert_eq!(s.stats().pending, model.len() as u64);
        }
    }
}
