//! Go's textual encodings as Milvus writes them: quoted strings (the zap
//! text encoder's escapes and `strconv.Quote`), `time.Duration.String()`,
//! and the zap time layout `2006/01/02 15:04:05.000 -07:00`.

use sightline_decode::{DecodeOptions, Timestamp};
use std::borrow::Cow;

/// Index of the `"` that closes a quoted string whose opening quote is at
/// `open`, honouring backslash escapes. `None` if it never closes.
pub fn quote_end(b: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Decodes the inside of a Go quoted string (without its quotes).
///
/// Accepts everything `strconv.Quote` and the zap text encoder write:
/// `\\ \" \' \n \r \t \a \b \f \v`, `\xHH`, octal `\NNN`, `\uHHHH` and
/// `\UHHHHHHHH`. An unknown or truncated escape is kept as written rather
/// than failing: the text is evidence and must not be lost.
pub fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = b.get(i + 1) else {
            out.push(b'\\');
            break;
        };
        let simple = match e {
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'\'' => Some(b'\''),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'v' => Some(0x0b),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
            i += 2;
            continue;
        }
        let (digits, radix, is_byte) = match e {
            b'x' => (2, 16, true),
            b'u' => (4, 16, false),
            b'U' => (8, 16, false),
            b'0'..=b'7' => (3, 8, true),
            _ => (0, 16, false),
        };
        let start = if matches!(e, b'0'..=b'7') {
            i + 1
        } else {
            i + 2
        };
        let code = b
            .get(start..start + digits)
            .filter(|_| digits > 0)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, radix).ok());
        match code {
            Some(v) if is_byte && v <= 0xff => {
                out.push(v as u8);
                i = start + digits;
            }
            Some(v) if !is_byte => {
                let ch = char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i = start + digits;
            }
            _ => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// If `s` is one whole Go quoted string, its decoded content.
pub fn unquote_whole(s: &str) -> Option<Cow<'_, str>> {
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b'"' {
        return None;
    }
    let end = quote_end(b, 0)?;
    if end != b.len() - 1 {
        return None;
    }
    Some(unescape(&s[1..end]))
}

/// Parses a Go duration (`1.5s`, `812µs`, `1h2m3.004s`, `-3ms`, `0s`) into
/// nanoseconds. Requires at least one unit, so a bare number is not a duration.
pub fn parse_duration(s: &str) -> Option<i64> {
    let (neg, mut rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            rest = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let (unit, len) = unit_of(rest)?;
        rest = &rest[len..];
        if int_part.len() > 30 {
            return None;
        }
        let int: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        total = total.checked_add(int.checked_mul(unit)?)?;
        if !frac_part.is_empty() {
            // Keep 18 fraction digits at most: beyond that an hour's nanoseconds
            // are already exact.
            let f = frac_part.get(..frac_part.len().min(18))?;
            let num: i128 = f.parse().ok()?;
            let den: i128 = 10i128.pow(f.len() as u32);
            total = total.checked_add(num.checked_mul(unit)? / den)?;
        }
    }
    let total = if neg { -total } else { total };
    i64::try_from(total).ok()
}

/// The unit at the start of `s`, in nanoseconds, and its length in bytes.
fn unit_of(s: &str) -> Option<(i128, usize)> {
    const UNITS: &[(&str, i128)] = &[
        ("ns", 1),
        ("us", 1_000),
        ("\u{b5}s", 1_000),
        ("\u{3bc}s", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
    ];
    UNITS
        .iter()
        .find(|(u, _)| s.starts_with(u))
        .map(|(u, n)| (*n, u.len()))
}

/// Parses the zap time layout `2006/01/02 15:04:05.000 -07:00`. The
/// fraction may have any number of digits and the offset may be missing
/// (then the configured zone applies) or written `Z`, `+0000` or `+00:00`.
pub fn parse_zap_time(s: &str, opts: &DecodeOptions) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'/'
        || b[7] != b'/'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| sightline_decode::helpers::num(b.get(r)?);
    let year = n(0..4)? as i16;
    let month = n(5..7)? as i8;
    let day = n(8..10)? as i8;
    let hour = n(11..13)? as i8;
    let minute = n(14..16)? as i8;
    let second = n(17..19)? as i8;
    let mut pos = 19;
    let mut nanos = 0;
    if b.get(19) == Some(&b'.') {
        let digits = b[20..].iter().take_while(|c| c.is_ascii_digit()).count();
        nanos = sightline_decode::helpers::fraction_nanos(&b[20..20 + digits])?;
        pos = 20 + digits;
    }
    let dt = jiff::civil::DateTime::new(year, month, day, hour, minute, second, nanos).ok()?;
    let zone = s.get(pos..)?.trim_start();
    if zone.is_empty() {
        return opts.local_to_utc(dt);
    }
    let offset = parse_offset(zone)?;
    offset.to_timestamp(dt).ok()
}

/// The zap layout, else RFC 3339, else an epoch number (seconds, ms, µs or ns
/// by magnitude): the time forms a zap JSON encoder can be configured to write.
pub fn parse_any_time(s: &str, opts: &DecodeOptions) -> Option<Timestamp> {
    parse_zap_time(s, opts)
        .or_else(|| sightline_decode::helpers::parse_rfc3339(s))
        .or_else(|| {
            s.parse::<f64>()
                .ok()
                .and_then(sightline_decode::helpers::parse_epoch)
        })
}

/// `Z`, `+HH:MM`, `+HHMM` or `+HH`.
fn parse_offset(z: &str) -> Option<jiff::tz::Offset> {
    if z == "Z" || z == "UTC" {
        return Some(jiff::tz::Offset::UTC);
    }
    let b = z.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: Vec<u8> = b[1..].iter().copied().filter(|c| *c != b':').collect();
    if !(digits.len() == 2 || digits.len() == 4)
        || !b[1..].iter().all(|c| c.is_ascii_digit() || *c == b':')
    {
        return None;
    }
    let h = sightline_decode::helpers::num(&digits[0..2])?;
    let m = if digits.len() == 4 {
        sightline_decode::helpers::num(&digits[2..4])?
    } else {
        0
    };
    let secs = i32::try_from(sign * (h * 3600 + m * 60)).ok()?;
    jiff::tz::Offset::from_seconds(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_zap_and_strconv_escapes() {
        assert_eq!(unescape(r#"a\"b\\c\nd\te"#), "a\"b\\c\nd\te");
        assert_eq!(unescape(r"\u00e9\x41\101\U0001F600"), "\u{e9}AA\u{1F600}");
        assert_eq!(unescape(r"\ufffd"), "\u{fffd}");
        // Broken escapes are kept, not dropped, and never panic.
        assert_eq!(unescape(r"tail\"), "tail\\");
        assert_eq!(unescape(r"\q\u12"), "\\q\\u12");
        // \x bytes that are not UTF-8 become U+FFFD.
        assert_eq!(unescape(r"\xff"), "\u{fffd}");
    }

    #[test]
    fn finds_closing_quote() {
        let s = br#""a\"b]" rest"#;
        assert_eq!(quote_end(s, 0), Some(6));
        assert_eq!(quote_end(br#""open"#, 0), None);
        assert_eq!(quote_end(br#""\"#, 0), None);
        assert_eq!(unquote_whole(r#""x\ty""#).as_deref(), Some("x\ty"));
        assert_eq!(unquote_whole(r#""x" y"#), None);
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("308.881µs"), Some(308_881));
        assert_eq!(parse_duration("308.881μs"), Some(308_881));
        assert_eq!(parse_duration("2.737959ms"), Some(2_737_959));
        assert_eq!(parse_duration("10.842853154s"), Some(10_842_853_154));
        assert_eq!(parse_duration("1h2m3.5s"), Some(3_723_500_000_000));
        assert_eq!(parse_duration("-1.5s"), Some(-1_500_000_000));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("12ns"), Some(12));
        for bad in ["", "12", "s", "1.5", "1x", "Unknown", "1s2", ".s", "-"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
        assert_eq!(parse_duration("99999999999999999999999999h"), None);
    }

    #[test]
    fn other_time_forms() {
        let o = DecodeOptions::default();
        assert_eq!(
            parse_any_time("2026-03-09T06:24:24.463Z", &o)
                .unwrap()
                .to_string(),
            "2026-03-09T06:24:24.463Z"
        );
        assert_eq!(
            parse_any_time("1773037464.463", &o).unwrap().to_string(),
            "2026-03-09T06:24:24.463Z"
        );
        assert!(parse_any_time("yesterday", &o).is_none());
    }

    #[test]
    fn zap_times() {
        let o = DecodeOptions::default();
        let t = parse_zap_time("2026/03/09 06:24:24.463 +00:00", &o).unwrap();
        assert_eq!(t.to_string(), "2026-03-09T06:24:24.463Z");
        let t = parse_zap_time("2026/03/09 08:24:24.463 +02:00", &o).unwrap();
        assert_eq!(t.to_string(), "2026-03-09T06:24:24.463Z");
        let t = parse_zap_time("2026/03/09 01:24:24.463123 -0500", &o).unwrap();
        assert_eq!(t.to_string(), "2026-03-09T06:24:24.463123Z");
        let t = parse_zap_time("2026/03/09 06:24:24", &o).unwrap();
        assert_eq!(t.to_string(), "2026-03-09T06:24:24Z");
        for bad in [
            "",
            "2026/03/09",
            "2026-03-09 06:24:24.463 +00:00",
            "2026/13/09 06:24:24.463 +00:00",
            "2026/03/09 06:24:24.463 +0x:00",
            "2026/03/09 06:24:24.463 junk",
        ] {
            assert!(parse_zap_time(bad, &o).is_none(), "{bad:?}");
        }
    }
}
