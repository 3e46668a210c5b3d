#![no_main]
//! Any bytes as a native agent batch, plain and as each Content-Encoding: no
//! panic, and every record's line within the limit.

use sightline_receive::limits::MAX_LINE_BYTES;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(records) = sightline_receive::native_batch(data, "agent:fuzz:0") {
        assert!(records.iter().all(|r| r.line.len() <= MAX_LINE_BYTES));
    }
    for coding in ["gzip", "zstd", "deflate"] {
        let _ = sightline_receive::decode_body(Some(coding), data, 1 << 16);
    }
});
