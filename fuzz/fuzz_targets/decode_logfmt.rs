#![no_main]
//! Any bytes, read as a stream by the `logfmt` source: no panic, no line lost.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    sightline_fuzz::decode_stream("logfmt", data);
});
