//! An intruder with write access to the data directory (and, for forward
//! security, with the current sealing key) tries to hide records: each case
//! must be named by `verify`, with the range it concerns, and must survive a
//! restart of the writer (no laundering by re-signing).

mod common;
use common::*;
use ring::signature::Ed25519KeyPair;
use sightline_store::chain::{Hash, from_hex, link, to_hex};
use sightline_store::format::{
    self, BLOCK_HEADER_LEN, BlockHeader, SEGMENT_HEADER_LEN, SegmentHeader,
};
use sightline_store::{
    Anchor, ChainHead, Problem, ProblemKind, Seal, Store, StoreConfig, VerifyReport, verify,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fast(env: &Env) -> StoreConfig {
    let mut cfg = env.config();
    cfg.index_commit_ms = 20;
    cfg
}

fn open(cfg: &StoreConfig) -> Store {
    Store::open(cfg.clone()).unwrap().0
}

/// Three blocks of ten records in the active segment, head signed on close.
fn three_blocks(env: &Env) -> StoreConfig {
    let cfg = fast(env);
    let store = open(&cfg);
    for b in 0..3 {
        store.append(&events(b * 10, 10)).unwrap();
    }
    store.close().unwrap();
    cfg
}

fn block_offsets(path: &Path) -> Vec<(usize, BlockHeader)> {
    let bytes = std::fs::read(path).unwrap();
    let mut at = SEGMENT_HEADER_LEN;
    let mut out = Vec::new();
    while at + BLOCK_HEADER_LEN <= bytes.len() {
        let h = BlockHeader::decode(&bytes[at..]).unwrap();
        let next = at + h.total_len() as usize;
        out.push((at, h));
        at = next;
    }
    out
}

fn truncate(path: &Path, len: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

fn find<'a>(r: &'a VerifyReport, kind: ProblemKind, text: &str) -> Option<&'a Problem> {
    r.problems
        .iter()
        .find(|p| p.kind == kind && p.detail.contains(text))
}

fn must_fail(data: &Path, kind: ProblemKind, text: &str) -> VerifyReport {
    let r = verify(data, None).unwrap();
    assert!(
        find(&r, kind, text).is_some(),
        "expected a {kind:?} problem containing {text:?}; got {:#?}",
        r.problems
    );
    r
}

/// Rewrites a segment as an intruder who knows the format would: applies
/// `edit` to record JSON, recomputes every chain hash from `prev` and every
/// block checksum, and writes `prev` into the header. Returns the new final hash.
fn rechain(path: &Path, prev: Hash, mut edit: impl FnMut(u64, &mut Vec<u8>)) -> Hash {
    let bytes = std::fs::read(path).unwrap();
    let mut header = SegmentHeader::decode(&bytes).unwrap();
    header.prev_hash = prev;
    let mut out = header.encode().to_vec();
    let mut h = prev;
    for (at, bh) in block_offsets(path) {
        let end = at + bh.total_len() as usize;
        let body = format::decode_block(&bh, &bytes[at + BLOCK_HEADER_LEN..end]).unwrap();
        let mut nb = Vec::new();
        for (i, r) in format::parse_records(&body).unwrap().iter().enumerate() {
            let seq = bh.first_seq + i as u64;
            let mut json = r.json.to_vec();
            edit(seq, &mut json);
            h = link(&h, seq, &json);
            format::push_record(&mut nb, &h, &json);
        }
        out.extend(
            format::encode_block(bh.first_seq, bh.count, &nb, 3, bh.written_micros).unwrap(),
        );
    }
    std::fs::write(path, out).unwrap();
    h
}

fn retarget(json: &mut Vec<u8>) {
    let text = String::from_utf8(json.clone())
        .unwrap()
        .replace("10.0.", "10.66.");
    *json = text.into_bytes();
}

#[test]
fn cutting_the_active_segment_below_the_head_is_tampering_not_a_torn_tail() {
    for how in ["block boundary", "half", "header"] {
        let env = Env::new();
        let cfg = three_blocks(&env);
        let seg = segment_files(&env.data()).pop().unwrap();
        let b = block_offsets(&seg);
        let (cut, kept) = match how {
            "block boundary" => (b[2].0 as u64, 20),
            "half" => {
                let len = std::fs::metadata(&seg).unwrap().len();
                let cut = len / 2;
                let kept = b
                    .iter()
                    .filter(|(at, h)| (*at as u64 + h.total_len()) <= cut)
                    .count();
                (cut, kept as u64 * 10)
            }
            _ => (SEGMENT_HEADER_LEN as u64, 0),
        };
        truncate(&seg, cut);
        let r = must_fail(&env.data(), ProblemKind::Removed, "cut from the end");
        let p = find(&r, ProblemKind::Removed, "cut from the end").unwrap();
        assert_eq!((p.seq, p.last_seq), (Some(kept), Some(29)), "{how}: {p}");

        // Restarting the writer does not launder the cut: it is recorded in
        // the head, and the cut seqs are never reused.
        let (store, report) = Store::open(cfg.clone()).unwrap();
        assert!(
            report
                .incidents
                .iter()
                .any(|i| i.kind == "removed" && i.first_seq == Some(kept)),
            "{how}: {:?}",
            report.incidents
        );
        let a = store.append(&events(500, 5)).unwrap();
        assert_eq!(a.first_seq, Some(30), "{how}");
        store.close().unwrap();
        let r = must_fail(&env.data(), ProblemKind::Removed, "found by the writer");
        assert!(
            r.problems
                .iter()
                .any(|p| p.seq == Some(kept) && p.last_seq == Some(29)),
            "{how}: {:#?}",
            r.problems
        );
    }
}

#[test]
fn an_edit_of_the_active_segment_with_the_chain_recomputed_is_named() {
    let env = Env::new();
    three_blocks(&env);
    let seg = segment_files(&env.data()).pop().unwrap();
    let header = SegmentHeader::decode(&std::fs::read(&seg).unwrap()).unwrap();
    rechain(&seg, header.prev_hash, |seq, json| {
        if seq == 14 {
            retarget(json)
        }
    });
    let r = must_fail(
        &env.data(),
        ProblemKind::Altered,
        "the chain head signed at",
    );
    let p = find(&r, ProblemKind::Altered, "the chain head signed at").unwrap();
    assert_eq!(p.last_seq, Some(29), "{p}");
    assert!(p.seq.unwrap() <= 14, "{p}");
    // The writer notices too, and keeps saying so.
    let (store, report) = Store::open(env.config()).unwrap();
    assert!(
        report.incidents.iter().any(|i| i.kind == "altered"),
        "{report:?}"
    );
    store.close().unwrap();
    must_fail(&env.data(), ProblemKind::Altered, "found by the writer");
}

#[test]
fn deleting_the_head_is_named_and_stays_named() {
    let env = Env::new();
    three_blocks(&env);
    std::fs::remove_file(env.data().join("chain.json")).unwrap();
    must_fail(
        &env.data(),
        ProblemKind::Removed,
        "chain.json (the signed chain head) is missing",
    );
    let (store, report) = Store::open(env.config()).unwrap();
    assert!(report.incidents.iter().any(|i| i.kind == "head-missing"));
    store.close().unwrap();
    must_fail(&env.data(), ProblemKind::Removed, "chain.json was missing");
}

#[test]
fn deleting_the_newest_segments_with_head_and_index_is_named() {
    let env = Env::new();
    let cfg = fast(&env);
    let store = open(&cfg);
    for s in 0..3u64 {
        store.append(&events(s * 10, 10)).unwrap();
        store.roll().unwrap();
    }
    store.append(&events(100, 10)).unwrap();
    store.close().unwrap();
    let segs = segment_files(&env.data());
    for seg in &segs[2..] {
        std::fs::remove_file(seg).unwrap();
        let _ = std::fs::remove_file(seg.with_extension("seal"));
    }
    std::fs::remove_file(env.data().join("chain.json")).unwrap();
    std::fs::remove_dir_all(env.data().join("index")).unwrap();
    must_fail(&env.data(), ProblemKind::Removed, "is missing");
}

#[test]
fn an_older_head_put_back_is_stale() {
    let env = Env::new();
    let cfg = fast(&env);
    let store = open(&cfg);
    store.append(&events(0, 10)).unwrap();
    store.close().unwrap();
    let old_head = std::fs::read(env.data().join("chain.json")).unwrap();
    std::thread::sleep(Duration::from_millis(1300));
    let store = open(&cfg);
    store.append(&events(10, 10)).unwrap();
    store.append(&events(20, 10)).unwrap();
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
    std::fs::write(env.data().join("chain.json"), old_head).unwrap();
    let r = must_fail(
        &env.data(),
        ProblemKind::Removed,
        "an older head was put back",
    );
    assert_eq!(r.unsealed_tail, Some((10, 29)));
}

/// Checkpoints as a witness would have kept them.
fn anchors_of(checkpoints: &[sightline_store::Checkpoint]) -> Vec<Anchor> {
    let text: String = checkpoints.iter().map(|c| c.to_json() + "\n").collect();
    sightline_store::parse_anchors(&text, "witness.log")
}

#[test]
fn a_consistent_rollback_is_caught_only_by_anchors() {
    let env = Env::new();
    let cfg = fast(&env);
    let store = open(&cfg);
    store.append(&events(0, 10)).unwrap();
    let first = store.checkpoint().unwrap();
    let head_then = std::fs::read(env.data().join("chain.json")).unwrap();
    store.append(&events(10, 10)).unwrap();
    let second = store.checkpoint().unwrap();
    store.close().unwrap();
    assert_eq!((first.seq, second.seq), (10, 20));

    // Cut the last block and put back the head of that moment.
    let seg = segment_files(&env.data()).pop().unwrap();
    let b = block_offsets(&seg);
    truncate(&seg, b[1].0 as u64);
    std::fs::write(env.data().join("chain.json"), head_then).unwrap();
    std::fs::remove_dir_all(env.data().join("index")).unwrap();
    let alone = verify(&env.data(), None).unwrap();
    assert!(
        alone.is_ok(),
        "the data directory alone is consistent: {:?}",
        alone.problems
    );

    let anchors = anchors_of(&[first, second]);
    let r = sightline_store::verify_with_anchors(&env.data(), None, &anchors).unwrap();
    assert_eq!(r.anchors_checked, 2);
    let p = find(&r, ProblemKind::Removed, "cut from the end").expect("the cut is named");
    assert_eq!((p.seq, p.last_seq), (Some(10), Some(19)), "{p}");
    assert!(p.detail.contains("witness.log:2"), "{p}");

    // A forged checkpoint (not signed by the store's keys) is a problem, not a voucher.
    let mut forged = anchors[0].clone();
    forged.checkpoint.seq = 99;
    let r = sightline_store::verify_with_anchors(&env.data(), None, &[forged]).unwrap();
    assert!(
        find(&r, ProblemKind::BadSignature, "checkpoint from").is_some(),
        "{r:?}"
    );
}

/// The key file's current seed, as an intruder who read it would use it.
fn stolen_key(path: &Path) -> (u64, Ed25519KeyPair) {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let seed = from_hex(v["seed"].as_str().unwrap()).unwrap();
    (
        v["epoch"].as_u64().unwrap(),
        Ed25519KeyPair::from_seed_unchecked(&seed).unwrap(),
    )
}

fn resign_seal(
    path: &PathBuf,
    key: &(u64, Ed25519KeyPair),
    final_hash: Option<Hash>,
    prev: Option<Hash>,
) {
    let mut seal: Seal = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    if let Some(f) = final_hash {
        seal.final_hash = to_hex(&f);
    }
    if let Some(p) = prev {
        seal.prev_hash = to_hex(&p);
    }
    seal.epoch = key.0;
    seal.signature = to_hex(key.1.sign(&seal.message()).as_ref());
    std::fs::write(path, serde_json::to_vec(&seal).unwrap()).unwrap();
}

#[test]
fn a_stolen_key_cannot_rewrite_an_earlier_epoch() {
    let env = Env::new();
    let mut cfg = fast(&env);
    cfg.seal_epoch = Duration::from_millis(300);
    let store = open(&cfg);
    store.append(&events(0, 10)).unwrap();
    store.roll().unwrap();
    std::thread::sleep(Duration::from_millis(400));
    store.tick().unwrap();
    store.append(&events(10, 10)).unwrap();
    store.roll().unwrap();
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
    let keylog = std::fs::read_to_string(env.data().join("keys.log")).unwrap();
    assert!(!keylog.is_empty(), "the epoch changed");

    // The intruder rewrites record 3 (sealed in epoch 0), recomputes the chain
    // through both segments and re-signs both seals and the head with the
    // key they stole now.
    let key = stolen_key(&env.key());
    assert!(key.0 >= 1);
    let segs = segment_files(&env.data());
    let h0 = SegmentHeader::decode(&std::fs::read(&segs[0]).unwrap())
        .unwrap()
        .prev_hash;
    let f1 = rechain(&segs[0], h0, |seq, json| {
        if seq == 3 {
            retarget(json)
        }
    });
    let f2 = rechain(&segs[1], f1, |_, _| {});
    resign_seal(&segs[0].with_extension("seal"), &key, Some(f1), None);
    resign_seal(&segs[1].with_extension("seal"), &key, Some(f2), Some(f1));
    let head_path = env.data().join("chain.json");
    let mut head: ChainHead = serde_json::from_slice(&std::fs::read(&head_path).unwrap()).unwrap();
    head.hash = to_hex(&f2);
    head.prev_hash = to_hex(&f1);
    head.epoch = key.0;
    head.signature = to_hex(key.1.sign(&head.message()).as_ref());
    std::fs::write(&head_path, serde_json::to_vec(&head).unwrap()).unwrap();

    let r = must_fail(&env.data(), ProblemKind::Altered, "epoch record 0");
    let p = find(&r, ProblemKind::Altered, "epoch record 0").unwrap();
    assert_eq!((p.seq, p.last_seq), (Some(0), Some(9)), "{p}");
    // Claiming the earlier epoch does not help: the stolen key is not its key.
    resign_seal(&segs[0].with_extension("seal"), &(0, key.1), None, None);
    must_fail(&env.data(), ProblemKind::BadSignature, "seal of segment 1");
}

#[test]
fn cutting_keys_log_is_named() {
    let env = Env::new();
    let mut cfg = fast(&env);
    cfg.seal_epoch = Duration::from_millis(200);
    let store = open(&cfg);
    store.append(&events(0, 10)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    store.tick().unwrap();
    store.append(&events(10, 10)).unwrap();
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
    std::fs::write(env.data().join("keys.log"), "").unwrap();
    let r = verify(&env.data(), None).unwrap();
    assert!(
        r.problems.iter().any(|p| p.detail.contains("keys.log")),
        "{:#?}",
        r.problems
    );
}

#[test]
fn a_crash_written_store_verifies_with_its_unsealed_tail_noted() {
    // Records appended after the last head, as a kill -9 leaves them.
    let env = Env::new();
    let mut cfg = env.config();
    cfg.index_commit_ms = 60_000;
    let store = open(&cfg);
    store.append(&events(0, 10)).unwrap();
    store.append(&events(10, 10)).unwrap();
    std::mem::forget(store); // no close, no drop: as if killed
    let r = verify(&env.data(), None).unwrap();
    assert!(r.is_ok(), "{:#?}", r.problems);
    assert_eq!(r.unsealed_tail, Some((0, 19)));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("unsealed tail: 20 records")),
        "{:?}",
        r.notes
    );
}
