#![no_main]
//! Any bytes, read as a stream by the `mlx` source: no panic, no line lost.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    sightline_fuzz::decode_stream("mlx", data);
});
