#![no_main]
//! Any bytes through the TCP syslog framer, whole and in chunks: same frames,
//! each within the size limit, offsets increasing; UDP framing never panics.

use sightline_receive::{SyslogFrame, SyslogFramer, syslog_inbound, udp_datagram};

fn frames(data: &[u8], chunk: usize, max: usize) -> Vec<SyslogFrame> {
    let mut framer = SyslogFramer::new(max);
    let mut out = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        framer.push(piece, &mut out);
    }
    framer.finish(&mut out);
    out
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&knob, data)) = data.split_first() else {
        return;
    };
    // The first byte picks a small limit and chunk size so truncation and
    // chunk boundaries are exercised.
    let max = usize::from(knob & 0x3f) + 1;
    let chunk = usize::from(knob >> 6) * 7 + 1;
    let whole = frames(data, data.len(), max);
    assert_eq!(whole, frames(data, chunk, max), "frames depend on chunking");
    for pair in whole.windows(2) {
        assert!(pair[0].offset < pair[1].offset);
    }
    for f in &whole {
        assert!(!f.bytes.is_empty() && f.bytes.len() <= max);
        let inbound = f.to_inbound("127.0.0.1:514", "fuzz");
        assert_eq!(inbound.offset, f.offset);
    }
    let _ = syslog_inbound(&udp_datagram(data), "127.0.0.1:514", "fuzz", 0);
});
