mod common;
use common::*;
use sightline_store::format::{self, BLOCK_HEADER_LEN, BlockHeader, SEGMENT_HEADER_LEN};
use sightline_store::{ProblemKind, RetentionPolicy, SearchOptions, Store, StoreError, verify};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// A store with three sealed segments of two blocks each, and an active one.
fn sealed_store(env: &Env) -> Store {
    let store = env.open();
    for s in 0..3u64 {
        store.append(&events(s * 20, 10)).unwrap();
        store.append(&events(s * 20 + 10, 10)).unwrap();
        store.roll().unwrap();
    }
    store.append(&events(100, 5)).unwrap();
    store.flush().unwrap();
    store
}

/// (offset, header) of each block of a segment file.
fn blocks(path: &Path) -> Vec<(usize, BlockHeader)> {
    let bytes = std::fs::read(path).unwrap();
    let mut at = SEGMENT_HEADER_LEN;
    let mut out = Vec::new();
    while at < bytes.len() {
        let h = BlockHeader::decode(&bytes[at..]).unwrap();
        let next = at + h.total_len() as usize;
        out.push((at, h));
        at = next;
    }
    out
}

fn all_opts() -> SearchOptions {
    SearchOptions {
        limit: 100_000,
        ..Default::default()
    }
}

#[test]
fn clean_store_verifies_and_names_the_key() {
    let env = Env::new();
    let store = sealed_store(&env);
    drop(store);
    let r = verify(&env.data(), None).unwrap();
    assert!(r.is_ok(), "{:?}", r.problems);
    assert_eq!((r.segments_checked, r.records_checked), (4, 65));
    assert!(r.key_used.contains("signing.pub"));
    // With an explicit key file.
    let pubfile = env.keys.path().join("my.pub");
    std::fs::copy(env.data().join("signing.pub"), &pubfile).unwrap();
    let r = verify(&env.data(), Some(&pubfile)).unwrap();
    assert!(r.is_ok() && r.key_used.contains("my.pub"));
}

#[test]
fn reopen_after_drop_continues_the_chain() {
    let env = Env::new();
    let store = sealed_store(&env);
    drop(store);
    let (store, report) = Store::open(env.config()).unwrap();
    assert_eq!(report.events, 65);
    assert_eq!(report.torn_bytes_dropped, 0);
    let r = store.append(&events(500, 3)).unwrap();
    assert_eq!(r.first_seq, Some(65));
    store.flush().unwrap();
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 68);
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
}

#[test]
fn torn_tail_is_truncated_and_earlier_data_survives() {
    let env = Env::new();
    let store = env.open();
    store.append(&events(0, 10)).unwrap();
    store.append(&events(10, 10)).unwrap();
    store.append(&events(20, 10)).unwrap();
    drop(store);
    // A crash in the middle of writing a fourth block, after the head was
    // last signed: half of that block's bytes are on disk.
    let seg = segment_files(&env.data()).pop().unwrap();
    let mut body = Vec::new();
    for ev in events(30, 10) {
        format::push_record(&mut body, &[0; 32], ev.to_json().as_bytes());
    }
    let block = format::encode_block(30, 10, &body, 3, 0).unwrap();
    let half = &block[..block.len() / 2];
    let len = std::fs::metadata(&seg).unwrap().len();
    let mut f = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(half).unwrap();
    drop(f);
    let v = verify(&env.data(), None).unwrap();
    assert!(
        v.is_ok(),
        "a torn write after the head is not tampering: {:?}",
        v.problems
    );
    assert!(
        v.notes.iter().any(|n| n.contains("incomplete")),
        "{:?}",
        v.notes
    );

    let (store, report) = Store::open(env.config()).unwrap();
    assert_eq!(report.torn_bytes_dropped, half.len() as u64);
    assert_eq!(std::fs::metadata(&seg).unwrap().len(), len);
    assert_eq!(report.events, 30);
    assert!(report.incidents.is_empty(), "{:?}", report.incidents);
    let res = store.search(&q("*"), &all_opts()).unwrap();
    assert_eq!(res.total, 30);
    // Appending again continues the seqs and the chain verifies.
    let r = store.append(&events(30, 10)).unwrap();
    assert_eq!((r.stored, r.first_seq), (10, Some(30)));
    store.close().unwrap();
    let v = verify(&env.data(), None).unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
    assert!(
        env.data()
            .join("quarantine")
            .read_dir()
            .unwrap()
            .next()
            .is_some(),
        "the torn bytes are kept as evidence"
    );
}

#[test]
fn flipped_compressed_byte_names_the_block() {
    let env = Env::new();
    drop(sealed_store(&env));
    let seg = &segment_files(&env.data())[1];
    let (at, h) = blocks(seg)[1].clone();
    let mut bytes = std::fs::read(seg).unwrap();
    bytes[at + BLOCK_HEADER_LEN + 5] ^= 0x10;
    std::fs::write(seg, &bytes).unwrap();
    let r = verify(&env.data(), None).unwrap();
    let p = r
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::Altered)
        .expect("altered");
    assert_eq!(p.seq, Some(h.first_seq));
    assert!(
        p.detail.contains(&format!("records {}..", h.first_seq)),
        "{p}"
    );
    assert!(p.to_string().contains(&seg.display().to_string()));
}

#[test]
fn every_byte_flip_in_a_segment_is_caught() {
    let env = Env::new();
    drop(sealed_store(&env));
    let seg = segment_files(&env.data())[0].clone();
    let orig = std::fs::read(&seg).unwrap();
    // Every byte would be slow under debug; a stride still hits every region.
    for i in (0..orig.len()).step_by(7) {
        let mut b = orig.clone();
        b[i] ^= 0x01;
        std::fs::write(&seg, &b).unwrap();
        let r = verify(&env.data(), None).unwrap();
        assert!(
            !r.is_ok(),
            "flip at byte {i} of {} went unnoticed",
            orig.len()
        );
    }
    std::fs::write(&seg, &orig).unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
}

/// Rewrites block `n` of `seg` with `f` applied to its records (re-compressed
/// and re-checksummed, as a careful attacker would).
fn rewrite_block(seg: &Path, n: usize, f: impl FnOnce(&mut Vec<(format::RawRecord<'_>, Vec<u8>)>)) {
    let bytes = std::fs::read(seg).unwrap();
    let (at, h) = blocks(seg)[n].clone();
    let end = at + h.total_len() as usize;
    let body = format::decode_block(&h, &bytes[at + BLOCK_HEADER_LEN..end]).unwrap();
    let recs = format::parse_records(&body).unwrap();
    let mut owned: Vec<_> = recs.iter().map(|r| (*r, r.json.to_vec())).collect();
    f(&mut owned);
    let mut nb = Vec::new();
    for (r, json) in &owned {
        format::push_record(&mut nb, &r.hash, json);
    }
    let block =
        format::encode_block(h.first_seq, owned.len() as u32, &nb, 3, h.written_micros).unwrap();
    let mut out = bytes[..at].to_vec();
    out.extend(block);
    out.extend_from_slice(&bytes[end..]);
    std::fs::write(seg, out).unwrap();
}

#[test]
fn altered_record_json_is_named_with_seq_and_event() {
    let env = Env::new();
    drop(sealed_store(&env));
    let seg = &segment_files(&env.data())[1];
    let (_, h) = blocks(seg)[0].clone();
    let target = h.first_seq + 3;
    rewrite_block(seg, 0, |recs| {
        let json = &mut recs[3].1;
        let text = String::from_utf8(json.clone())
            .unwrap()
            .replace("10.0.", "10.9.");
        *json = text.into_bytes();
    });
    let r = verify(&env.data(), None).unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let p = &r.problems[0];
    assert_eq!((p.kind, p.seq), (ProblemKind::Altered, Some(target)));
    let id = p.event_id.clone().unwrap();
    assert!(
        p.detail.contains(&format!(
            "record {target} (event {id}): content does not match its chain hash — altered"
        )),
        "{p}"
    );
}

#[test]
fn removed_records_are_reported() {
    let env = Env::new();
    drop(sealed_store(&env));
    let seg = &segment_files(&env.data())[0];
    rewrite_block(seg, 1, |recs| {
        recs.drain(2..5);
    });
    let r = verify(&env.data(), None).unwrap();
    assert!(!r.is_ok());
    let p = &r.problems[0];
    assert_eq!(p.seq, Some(12), "{:?}", r.problems);
}

#[test]
fn removed_block_and_swapped_blocks_are_reported() {
    let env = Env::new();
    drop(sealed_store(&env));
    let segs = segment_files(&env.data());
    // Cut the first block of segment 1 out.
    let bytes = std::fs::read(&segs[0]).unwrap();
    let b = blocks(&segs[0]);
    let mut cut = bytes[..b[0].0].to_vec();
    cut.extend_from_slice(&bytes[b[1].0..]);
    std::fs::write(&segs[0], cut).unwrap();
    // Swap the two blocks of segment 2.
    let bytes = std::fs::read(&segs[1]).unwrap();
    let b = blocks(&segs[1]);
    let mut sw = bytes[..b[0].0].to_vec();
    sw.extend_from_slice(&bytes[b[1].0..]);
    sw.extend_from_slice(&bytes[b[0].0..b[1].0]);
    std::fs::write(&segs[1], sw).unwrap();
    let r = verify(&env.data(), None).unwrap();
    let removed = r
        .problems
        .iter()
        .find(|p| p.path.as_ref() == Some(&segs[0]))
        .unwrap();
    assert_eq!(
        (removed.kind, removed.seq, removed.last_seq),
        (ProblemKind::Removed, Some(0), Some(9)),
        "{removed}"
    );
    let swapped: Vec<_> = r
        .problems
        .iter()
        .filter(|p| p.path.as_ref() == Some(&segs[1]))
        .collect();
    assert!(swapped.iter().any(|p| p.seq == Some(20)), "{swapped:?}");
    assert!(swapped.iter().any(|p| p.kind == ProblemKind::Reordered));
}

#[test]
fn deleted_segment_file_is_reported_as_removed() {
    let env = Env::new();
    drop(sealed_store(&env));
    let segs = segment_files(&env.data());
    std::fs::remove_file(&segs[1]).unwrap();
    std::fs::remove_file(segs[1].with_extension("seal")).unwrap();
    let r = verify(&env.data(), None).unwrap();
    let p = r
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::Removed)
        .expect("removed");
    assert!(p.detail.contains("segment 000000000002 is missing"), "{p}");
    assert!(p.detail.contains("records 20..39 removed"), "{p}");
    // Deleting the newest (active) segment is caught by the signed chain head.
    std::fs::remove_file(&segs[3]).unwrap();
    let r = verify(&env.data(), None).unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.detail.contains("segment 000000000004 is missing")),
        "{:?}",
        r.problems
    );
}

#[test]
fn other_key_is_a_bad_signature() {
    let env = Env::new();
    drop(sealed_store(&env));
    let other = Env::new();
    drop(other.open());
    let r = verify(&env.data(), Some(&other.data().join("signing.pub"))).unwrap();
    assert_eq!(
        r.problems
            .iter()
            .filter(|p| p.kind == ProblemKind::BadSignature)
            .count(),
        4,
        "{:?}",
        r.problems
    );
    assert!(
        r.key_used
            .contains(&other.data().join("signing.pub").display().to_string())
    );
}

#[test]
fn retention_by_age_and_size_deletes_whole_segments() {
    let env = Env::new();
    let mut cfg = env.config();
    cfg.retention = RetentionPolicy {
        max_age: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let (store, _) = Store::open(cfg).unwrap();
    for s in 0..3u64 {
        store.append(&events(s * 20, 20)).unwrap();
        store.roll().unwrap();
    }
    store.append(&events(100, 5)).unwrap();
    store.flush().unwrap();
    // Events are from 2026; "now" just after the first segment's newest event.
    let first_max = events(0, 20).last().unwrap().timestamp;
    let now = first_max
        .checked_add(jiff::SignedDuration::from_secs(2))
        .unwrap();
    let r = store.apply_retention(now).unwrap();
    assert_eq!((r.segments_deleted, r.events_deleted), (1, 20));
    let res = store
        .search(
            &q("*"),
            &SearchOptions {
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(res.total, 45);
    assert!(verify(&env.data(), None).unwrap().is_ok());
    // Far future: everything sealed goes, never the active segment.
    let r = store.apply_retention(jiff::Timestamp::MAX).unwrap();
    assert_eq!(r.segments_deleted, 2);
    assert_eq!(store.stats().events, 5);
    store.append(&events(200, 5)).unwrap();
    store.close().unwrap();
    let v = verify(&env.data(), None).unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
    assert_eq!(v.records_deleted_by_retention, 60);
    assert_eq!(v.retention_records, 3);
    // Reopen continues after the deleted ranges.
    let store = env.open();
    assert_eq!(store.append(&events(300, 1)).unwrap().first_seq, Some(70));
}

#[test]
fn retention_by_size() {
    let env = Env::new();
    let mut cfg = env.config();
    cfg.retention = RetentionPolicy {
        max_bytes: Some(1),
        ..Default::default()
    };
    let (store, _) = Store::open(cfg).unwrap();
    for s in 0..3u64 {
        store.append(&events(s * 20, 20)).unwrap();
        store.roll().unwrap();
    }
    let r = store.apply_retention(jiff::Timestamp::now()).unwrap();
    assert_eq!(r.segments_deleted, 3);
    assert!(r.bytes_freed > 0);
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
}

#[test]
fn per_dataset_retention_keeps_mixed_segments() {
    let env = Env::new();
    let mut cfg = env.config();
    let mut per = std::collections::BTreeMap::new();
    per.insert("ray.dashboard".to_string(), Duration::from_secs(1));
    cfg.retention = RetentionPolicy {
        per_dataset: per,
        ..Default::default()
    };
    let (store, _) = Store::open(cfg).unwrap();
    let ray: Vec<_> = events(0, 40)
        .into_iter()
        .filter(|e| e.dataset == "ray.dashboard")
        .collect();
    store.append(&ray).unwrap();
    store.roll().unwrap();
    store.append(&events(100, 8)).unwrap(); // mixed datasets
    store.roll().unwrap();
    let r = store.apply_retention(jiff::Timestamp::MAX).unwrap();
    assert_eq!(r.segments_deleted, 1, "only the all-ray segment may go");
}

#[test]
fn disk_quota_refuses_and_recovers() {
    let env = Env::new();
    let store = env.open();
    store.append(&events(0, 10)).unwrap();
    let used = store.stats().bytes_on_disk;
    store.set_max_disk_bytes(Some(used + 100)).unwrap();
    let err = store.append(&events(10, 200)).unwrap_err();
    assert!(matches!(err, StoreError::DiskFull { .. }), "{err}");
    assert!(err.to_string().contains("max_disk_bytes"));
    store.set_max_disk_bytes(None).unwrap();
    let r = store.append(&events(10, 200)).unwrap();
    assert_eq!((r.stored, r.first_seq), (200, Some(10)));
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
}

#[test]
fn failed_write_rolls_back_and_later_appends_work() {
    let env = Env::new();
    let store = env.open();
    store.append(&events(0, 10)).unwrap();
    let seg = segment_files(&env.data()).pop().unwrap();
    let len = std::fs::metadata(&seg).unwrap().len();
    store.inject_write_failure(100).unwrap();
    let err = store.append(&events(10, 10)).unwrap_err();
    assert!(matches!(err, StoreError::DiskFull { .. }), "{err}");
    assert_eq!(
        std::fs::metadata(&seg).unwrap().len(),
        len,
        "partial block rolled back"
    );
    let r = store.append(&events(10, 10)).unwrap();
    assert_eq!((r.stored, r.first_seq), (10, Some(10)));
    store.flush().unwrap();
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 20);
    drop(store);
    let (_, report) = Store::open(env.config()).unwrap();
    assert_eq!((report.events, report.torn_bytes_dropped), (20, 0));
    let v = verify(&env.data(), None).unwrap();
    assert!(v.is_ok(), "{:?}", v.problems);
}

#[test]
fn key_inside_data_dir_is_refused() {
    let env = Env::new();
    let cfg = sightline_store::StoreConfig::new(env.data(), env.data().join("key.pk8"));
    let err = Store::open(cfg).err().unwrap();
    assert!(matches!(err, StoreError::Config(_)), "{err}");
}

#[test]
fn lagging_or_lost_index_is_rebuilt_from_segments() {
    let env = Env::new();
    drop(sealed_store(&env));
    std::fs::remove_dir_all(env.data().join("index")).unwrap();
    let (store, report) = Store::open(env.config()).unwrap();
    assert_eq!(report.reindexed, 65);
    let res = store.search(&q("source.ip:10.0.1.1"), &all_opts()).unwrap();
    let want = events(0, 200)
        .into_iter()
        .filter(|e| {
            let i = e
                .message
                .rsplit('#')
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap();
            (i < 60 || (100..105).contains(&i)) && e.get_str("source.ip") == Some("10.0.1.1")
        })
        .count();
    assert_eq!(res.total as usize, want);
    assert!(want > 0);
}

#[test]
fn tick_makes_the_last_batch_searchable_without_another_append() {
    let env = Env::new();
    let mut cfg = env.config();
    cfg.index_commit_ms = 200;
    let (store, _) = Store::open(cfg).unwrap();
    store.append(&events(0, 12)).unwrap(); // within the commit interval
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 0);
    store.tick().unwrap();
    assert_eq!(
        store.search(&q("*"), &all_opts()).unwrap().total,
        0,
        "not due yet"
    );
    std::thread::sleep(std::time::Duration::from_millis(250));
    store.tick().unwrap();
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 12);
}

#[test]
fn appends_survive_an_index_failure_and_tick_repairs_the_index() {
    let env = Env::new();
    let mut cfg = env.config();
    cfg.index_commit_ms = 0;
    let (store, _) = Store::open(cfg).unwrap();
    store.append(&events(0, 10)).unwrap();
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 10);
    store.inject_index_fault().unwrap();
    // Stored (durable, deduplicated) but not indexed while the index is down.
    let r = store.append(&events(10, 15)).unwrap();
    assert_eq!(r.stored, 15);
    assert!(r.index_error.is_some());
    assert!(store.stats().index_fault.is_some());
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 10);
    assert_eq!(store.append(&events(10, 15)).unwrap().duplicates, 15);
    store.tick().unwrap();
    assert_eq!(store.stats().index_fault, None, "repaired");
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 25);
    let r = store.append(&events(25, 5)).unwrap();
    assert_eq!(r.index_error, None);
    assert_eq!(store.search(&q("*"), &all_opts()).unwrap().total, 30);
    store.close().unwrap();
    assert!(verify(&env.data(), None).unwrap().is_ok());
}
