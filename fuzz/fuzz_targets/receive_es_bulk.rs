#![no_main]
//! Any bytes as an Elasticsearch `_bulk` body: no panic, and the response
//! builds for whatever parsed.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(parse) = sightline_receive::es_bulk(data, Some("ray-fuzz"), "es:fuzz:0", "fuzz") {
        let resp = sightline_receive::es_bulk_response(&parse, 1);
        assert_eq!(resp["items"].as_array().map(Vec::len), Some(parse.items.len()));
    }
});
