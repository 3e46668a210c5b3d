//! The flat JSON form of an event, written straight into a byte buffer.
//!
//! Byte for byte what the [`serde::Serialize`] implementation gives through
//! `serde_json` (the tests compare the two on random events), without its
//! per-piece writer calls, intermediate strings (the id, the time) or its
//! byte-at-a-time string escaping: strings are scanned eight bytes at a
//! time for the few bytes JSON escapes, and clean runs are copied whole.

use crate::{Event, EventId, Value, field};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Appends the event as one line of JSON (without a line break) to `out`.
pub fn write_event(ev: &Event, out: &mut Vec<u8>) {
    out.push(b'{');
    key(out, field::TIMESTAMP, true);
    timestamp(out, ev.timestamp);
    key(out, field::EVENT_ID, false);
    id(out, &ev.id);
    key(out, field::EVENT_KIND, false);
    string(out, &ev.kind);
    key(out, field::EVENT_MODULE, false);
    string(out, &ev.module);
    key(out, field::EVENT_DATASET, false);
    string(out, &ev.dataset);
    if !ev.category.is_empty() {
        key(out, field::EVENT_CATEGORY, false);
        list(out, &ev.category);
    }
    if !ev.event_type.is_empty() {
        key(out, field::EVENT_TYPE, false);
        list(out, &ev.event_type);
    }
    if let Some(a) = &ev.action {
        key(out, field::EVENT_ACTION, false);
        string(out, a);
    }
    key(out, field::EVENT_OUTCOME, false);
    string(out, ev.outcome.as_str());
    if let Some(l) = &ev.level {
        key(out, field::LOG_LEVEL, false);
        string(out, l);
    }
    key(out, field::MESSAGE, false);
    string(out, &ev.message);
    for (k, v) in &ev.fields {
        key(out, k, false);
        value(out, v);
    }
    if !ev.labels.is_empty() {
        key(out, field::LABELS, false);
        labels(out, &ev.labels);
    }
    if !ev.tags.is_empty() {
        key(out, field::TAGS, false);
        list(out, &ev.tags);
    }
    key(out, field::EVENT_ORIGINAL, false);
    string(out, &ev.original);
    out.push(b'}');
}

fn key(out: &mut Vec<u8>, k: &str, first: bool) {
    if !first {
        out.push(b',');
    }
    string(out, k);
    out.push(b':');
}

fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => {
            let mut buf = itoa_buf();
            out.extend_from_slice(format_i64(*i, &mut buf));
        }
        // Floats are rare: serde_json's own shortest form (and `null` for
        // what JSON cannot hold) keeps them identical.
        Value::Float(f) => {
            if serde_json::to_writer(&mut *out, f).is_err() {
                out.extend_from_slice(b"null");
            }
        }
        Value::Str(s) => string(out, s),
        Value::List(l) => list(out, l),
    }
}

fn list(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

fn labels(out: &mut Vec<u8>, labels: &BTreeMap<String, String>) {
    out.push(b'{');
    for (i, (k, v)) in labels.iter().enumerate() {
        key(out, k, i == 0);
        string(out, v);
    }
    out.push(b'}');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn id(out: &mut Vec<u8>, id: &EventId) {
    out.push(b'"');
    for b in id.as_bytes() {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
    out.push(b'"');
}

/// RFC 3339 in UTC as jiff prints a timestamp: the fraction with as many
/// digits as it needs, none when whole.
fn timestamp(out: &mut Vec<u8>, ts: Timestamp) {
    let dt = jiff::tz::Offset::UTC.to_datetime(ts);
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        // Years jiff writes with a sign: its own printer.
        use std::io::Write as _;
        out.push(b'"');
        let _ = write!(out, "{ts}");
        out.push(b'"');
        return;
    }
    let mut buf = [0u8; 32];
    let digits = |buf: &mut [u8], at: usize, v: u32, n: usize| {
        let mut v = v;
        for i in (0..n).rev() {
            if let Some(b) = buf.get_mut(at + i) {
                *b = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
    };
    buf[0] = b'"';
    digits(&mut buf, 1, year.unsigned_abs().into(), 4);
    buf[5] = b'-';
    digits(&mut buf, 6, dt.month().unsigned_abs().into(), 2);
    buf[8] = b'-';
    digits(&mut buf, 9, dt.day().unsigned_abs().into(), 2);
    buf[11] = b'T';
    digits(&mut buf, 12, dt.hour().unsigned_abs().into(), 2);
    buf[14] = b':';
    digits(&mut buf, 15, dt.minute().unsigned_abs().into(), 2);
    buf[17] = b':';
    digits(&mut buf, 18, dt.second().unsigned_abs().into(), 2);
    let mut len = 20;
    let nanos = dt.subsec_nanosecond().unsigned_abs();
    if nanos > 0 {
        buf[20] = b'.';
        digits(&mut buf, 21, nanos, 9);
        len = 30;
        while buf.get(len - 1) == Some(&b'0') {
            len -= 1;
        }
    }
    buf[len] = b'Z';
    buf[len + 1] = b'"';
    out.extend_from_slice(&buf[..len + 2]);
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

/// The decimal digits of `i`, as `Display` writes them.
fn format_i64(i: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut v = i.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if i < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// How JSON writes each byte inside a string: 0 verbatim, else the letter
/// after the backslash (`u` for `\u00XX`), as serde_json does.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes is a control character, `"` or `\`
/// (may also say so for a clean byte after one that is, never misses one).
fn word_needs_escape(w: u64) -> bool {
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    (below_space | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))) != 0
}

/// A JSON string, quotes included.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            if !word_needs_escape(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let esc = ESCAPE[usize::from(b)];
        if esc != 0 {
            out.extend_from_slice(&bytes[run..i]);
            match esc {
                b'u' => out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ]),
                _ => out.extend_from_slice(&[b'\\', esc]),
            }
            run = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(s: &str) -> String {
        serde_json::to_string(s).unwrap()
    }

    fn ours(s: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_as_serde_json_does() {
        let mut every_byte = String::new();
        for c in (0u8..0x80).map(char::from) {
            every_byte.push(c);
            every_byte.push_str("abcdefgh");
        }
        for s in [
            "",
            "plain ascii text of some length",
            "quote\" back\\slash",
            "\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1b}[31m\u{1f}\u{7f}",
            "ünïcödé — \u{202e} \u{feff} 😀 \"x\"",
            "12345678\"12345678\\",
            &every_byte,
        ] {
            assert_eq!(ours(s), serde(s), "{s:?}");
        }
    }

    #[test]
    fn timestamps_print_as_jiff_does() {
        for t in [
            "2026-11-22T12:37:31Z",
            "2026-11-22T12:37:31.151Z",
            "2026-11-22T12:37:31.1Z",
            "2026-11-22T12:37:31.000151Z",
            "2026-11-22T12:37:31.123456789Z",
            "1970-01-01T00:00:00Z",
            "0001-01-01T00:00:00.5Z",
            "9999-12-30T21:59:59.999999999Z",
            "-000001-12-31T23:59:59Z",
        ] {
            let ts: Timestamp = t.parse().unwrap();
            let mut out = Vec::new();
            timestamp(&mut out, ts);
            assert_eq!(String::from_utf8(out).unwrap(), format!("\"{ts}\""), "{t}");
        }
    }

    #[test]
    fn integers_print_as_display_does() {
        for i in [0, 1, -1, 9, 10, 401, -17, i64::MAX, i64::MIN] {
            let mut buf = itoa_buf();
            assert_eq!(format_i64(i, &mut buf), i.to_string().as_bytes());
        }
    }
}
