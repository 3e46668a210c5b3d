#![no_main]
//! Any bytes as a Splunk HEC event or raw body: no panic; errors map to a
//! response.

use sightline_receive::{HecRawParams, hec_events, hec_raw, hec_response};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = hec_events(data, "hec:fuzz:0") {
        let _ = hec_response(Some(&e));
    }
    let params = HecRawParams {
        sourcetype: Some("ray"),
        ..HecRawParams::default()
    };
    let _ = hec_raw(data, &params, "hec-raw:fuzz:0");
});
