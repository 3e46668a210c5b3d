//! Corrupt input must never panic: the format decoders and verify take
//! whatever bytes are on disk.
mod common;
use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use sightline_store::format::{
    BlockHeader, SegmentHeader, decode_block, event_id_of, parse_records,
};

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_records(&bytes);
        let _ = SegmentHeader::decode(&bytes);
        let _ = event_id_of(&bytes);
        if let Ok(h) = BlockHeader::decode(&bytes) {
            let _ = decode_block(&h, &bytes[64.min(bytes.len())..]);
        }
    }
}

#[test]
fn verify_survives_garbage_segments() {
    let env = Env::new();
    let store = env.open();
    store.append(&events(0, 20)).unwrap();
    store.roll().unwrap();
    store.append(&events(20, 20)).unwrap();
    store.close().unwrap();
    let segs = segment_files(&env.data());
    let orig = std::fs::read(&segs[0]).unwrap();
    let mut runner = proptest::test_runner::TestRunner::default();
    let strat = (0..orig.len(), 1..64usize, any::<u8>());
    for _ in 0..64 {
        let (at, len, fill) = strat.new_tree(&mut runner).unwrap().current();
        let mut b = orig.clone();
        let end = (at + len).min(b.len());
        b[at..end].iter_mut().for_each(|x| *x ^= fill | 1);
        std::fs::write(&segs[0], &b).unwrap();
        let r = sightline_store::verify(&env.data(), None).unwrap();
        assert!(!r.is_ok());
        // Truncated anywhere, too.
        std::fs::write(&segs[0], &orig[..at]).unwrap();
        let r = sightline_store::verify(&env.data(), None).unwrap();
        assert!(!r.is_ok(), "truncation at {at} unnoticed");
    }
}
