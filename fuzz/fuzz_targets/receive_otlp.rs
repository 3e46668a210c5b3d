#![no_main]
//! Any bytes as an OTLP/HTTP logs body, protobuf and JSON: no panic.

use sightline_receive::{otlp_error_response, otlp_logs, otlp_response};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for content_type in ["application/x-protobuf", "application/json"] {
        match otlp_logs(data, content_type) {
            Ok(logs) => {
                let _ = otlp_response(logs.format, logs.rejected, &logs.rejected_reason);
            }
            Err(e) => {
                let _ = otlp_error_response(sightline_receive::OtlpFormat::Json, &e);
            }
        }
    }
});
