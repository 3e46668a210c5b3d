//! Property tests: framing does not depend on chunking, and no parser
//! panics on arbitrary bytes.

use proptest::prelude::*;
use sightline_receive::{
    HecRawParams, SyslogFrame, SyslogFramer, decode_body, es_bulk, hec_events, hec_raw,
    native_batch, otlp_logs, udp_datagram,
};

fn frame_in_chunks(stream: &[u8], cuts: &[usize], max: usize) -> Vec<SyslogFrame> {
    let mut framer = SyslogFramer::new(max);
    let mut out = Vec::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    let mut prev = 0;
    for c in cuts {
        framer.push(&stream[prev..c], &mut out);
        prev = c;
    }
    framer.push(&stream[prev..], &mut out);
    framer.finish(&mut out);
    out
}

/// Byte streams that look like syslog traffic: messages in either framing,
/// separators, and junk, so every state of the framer is reached.
fn syslog_stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        "<[0-9]{1,3}>1 [ -~]{0,40}".prop_map(|m| format!("{} {m}", m.len()).into_bytes()),
        "<[0-9]{1,3}>[ -~]{0,40}\r?\n".prop_map(String::into_bytes),
        "[0-9]{1,12} ?<?[ -~]{0,5}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..20),
        Just(b"\n\0\r\n".to_vec()),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

proptest! {
    #[test]
    fn framing_is_independent_of_chunking(
        stream in syslog_stream(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
        max in 1usize..64,
    ) {
        let whole = frame_in_chunks(&stream, &[], max);
        let split = frame_in_chunks(&stream, &cuts, max);
        prop_assert_eq!(&whole, &split);
        let mut byte_by_byte = SyslogFramer::new(max);
        let mut out = Vec::new();
        for b in &stream {
            byte_by_byte.push(std::slice::from_ref(b), &mut out);
        }
        byte_by_byte.finish(&mut out);
        prop_assert_eq!(&whole, &out);
        for pair in whole.windows(2) {
            prop_assert!(pair[0].offset < pair[1].offset);
        }
        for f in &whole {
            prop_assert!(f.bytes.len() <= max && !f.bytes.is_empty());
        }
    }

    #[test]
    fn well_framed_messages_come_back_exactly(
        msgs in prop::collection::vec(("<[0-9]{1,3}>[ -~]{0,60}", any::<bool>()), 0..10),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut stream = Vec::new();
        for (m, counted) in &msgs {
            if *counted {
                stream.extend(format!("{} {m}", m.len()).into_bytes());
            } else {
                stream.extend(format!("{m}\n").into_bytes());
            }
        }
        let frames = frame_in_chunks(&stream, &cuts, 1024);
        let got: Vec<String> = frames.iter().map(|f| String::from_utf8_lossy(&f.bytes).into_owned()).collect();
        let want: Vec<String> = msgs.iter().map(|(m, _)| m.clone()).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn parsers_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = native_batch(&data, "s");
        let _ = es_bulk(&data, Some("ray"), "s", "t");
        let _ = hec_events(&data, "s");
        let _ = hec_raw(&data, &HecRawParams::default(), "s");
        let _ = otlp_logs(&data, "application/x-protobuf");
        let _ = otlp_logs(&data, "application/json");
        let _ = udp_datagram(&data);
        for coding in ["gzip", "zstd", "deflate", "identity"] {
            let _ = decode_body(Some(coding), &data, 4096);
        }
    }

    #[test]
    fn json_shaped_input_never_panics(
        lines in prop::collection::vec(
            prop_oneof![
                Just(r#"{"index":{"_index":"ray"}}"#.to_owned()),
                Just(r#"{"delete":{"_id":"1"}}"#.to_owned()),
                Just(r#"{"update":{}}"#.to_owned()),
                r#"\{"(message|log|event|time|fields|line|stream|offset|@timestamp|host)":("[ -~]{0,8}"|[0-9.e-]{1,8}|\{\}|null|true|\[\])\}"#,
                "[ -~]{0,20}",
            ],
            0..12,
        )
    ) {
        let body = lines.join("\n");
        let _ = native_batch(body.as_bytes(), "s");
        let _ = es_bulk(body.as_bytes(), None, "s", "t");
        let _ = hec_events(body.as_bytes(), "s");
    }
}
