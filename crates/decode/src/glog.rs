//! The glog line header, shared by Mesos and the C++ core of Milvus.
//!
//! `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg` (glog 0.4, no year) and
//! `Lyyyymmdd hh:mm:ss.uuuuuu threadid file:line] msg` (newer glog, with the
//! year). `L` is one of I, W, E, F.

/// A parsed glog header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlogLine<'a> {
    /// I, W, E or F.
    pub level: char,
    /// The year, when the line carries one.
    pub year: Option<i16>,
    pub month: i8,
    pub day: i8,
    pub hour: i8,
    pub minute: i8,
    pub second: i8,
    pub micros: i32,
    pub thread: &'a str,
    pub file: &'a str,
    pub line: u32,
    pub message: &'a str,
}

impl GlogLine<'_> {
    /// The civil (wall-clock) time, with `year` supplied by the caller when
    /// the line has none.
    pub fn datetime(&self, year: i16) -> Option<jiff::civil::DateTime> {
        jiff::civil::DateTime::new(
            self.year.unwrap_or(year),
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.micros * 1000,
        )
        .ok()
    }
}

/// Parses a glog line; `None` if it does not start with a glog header.
///
/// Called on every line of a glog stream (once to tell records from
/// continuation lines, once to decode), so it only scans bytes and never
/// allocates.
pub fn parse(line: &str) -> Option<GlogLine<'_>> {
    let b = line.as_bytes();
    let level = match b.first()? {
        b @ (b'I' | b'W' | b'E' | b'F') => char::from(*b),
        _ => return None,
    };
    // Date: 4 digits (mmdd) or 8 (yyyymmdd), then a space.
    let date_len = b
        .get(1..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let (year, mmdd) = match date_len {
        4 => (None, b.get(1..5)?),
        8 => (
            Some(crate::helpers::num(b.get(1..5)?)? as i16),
            b.get(5..9)?,
        ),
        _ => return None,
    };
    let month = crate::helpers::num(mmdd.get(0..2)?)? as i8;
    let day = crate::helpers::num(mmdd.get(2..4)?)? as i8;
    let rest = line.get(1 + date_len..)?.strip_prefix(' ')?;
    // hh:mm:ss.uuuuuu
    let tb = rest.as_bytes();
    if tb.len() < 15 || tb[2] != b':' || tb[5] != b':' || tb[8] != b'.' {
        return None;
    }
    let hour = crate::helpers::num(&tb[0..2])? as i8;
    let minute = crate::helpers::num(&tb[3..5])? as i8;
    let second = crate::helpers::num(&tb[6..8])? as i8;
    let frac = &tb[9..];
    let frac_len = frac.iter().take_while(|c| c.is_ascii_digit()).count();
    if frac_len == 0 {
        return None;
    }
    // Microseconds from the first six digits (fewer are right-padded).
    let mut micros: i32 = 0;
    for i in 0..6 {
        micros = micros * 10
            + frac
                .get(i)
                .filter(|_| i < frac_len)
                .map_or(0, |d| i32::from(d - b'0'));
    }
    let rest = rest.get(9 + frac_len..)?.trim_start_matches(' ');
    let (thread, rest) = rest.split_once(' ')?;
    if thread.is_empty() || !thread.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    // `file:line] msg`: a file name holds no `]`, so the first one ends it.
    let close = memchr::memchr(b']', rest.as_bytes())?;
    let src = &rest[..close];
    let message = match rest.as_bytes().get(close + 1) {
        None => "",
        Some(b' ') => &rest[close + 2..],
        Some(_) => return None,
    };
    let (file, lineno) = src.rsplit_once(':')?;
    let lineno: u32 = lineno.parse().ok()?;
    Some(GlogLine {
        level,
        year,
        month,
        day,
        hour,
        minute,
        second,
        micros,
        thread,
        file,
        line: lineno,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesos_style_without_year() {
        let g = parse("I1122 12:00:00.123456 12345 master.cpp:1234] Received registration request")
            .unwrap();
        assert_eq!((g.level, g.year, g.month, g.day), ('I', None, 11, 22));
        assert_eq!((g.hour, g.minute, g.second, g.micros), (12, 0, 0, 123456));
        assert_eq!((g.thread, g.file, g.line), ("12345", "master.cpp", 1234));
        assert_eq!(g.message, "Received registration request");
        assert_eq!(
            g.datetime(2026).unwrap().to_string(),
            "2026-11-22T12:00:00.123456"
        );
    }

    #[test]
    fn milvus_lite_style_with_year() {
        let g = parse("I20261122 13:09:57.616384 4090 server.cpp:42] started").unwrap();
        assert_eq!(g.year, Some(2026));
        assert_eq!(g.message, "started");
    }

    #[test]
    fn fractions_shorter_or_longer_than_micros() {
        assert_eq!(
            parse("I1122 12:00:00.5 1 a.cc:1] m").unwrap().micros,
            500000
        );
        assert_eq!(
            parse("I1122 12:00:00.123456789 1 a.cc:1] m")
                .unwrap()
                .micros,
            123456
        );
        assert_eq!(
            parse("I1122 12:00:00.000001 1 a.cc:1]").unwrap().message,
            ""
        );
    }

    #[test]
    fn padded_thread_and_brackets_in_message() {
        let g = parse(
            "I1120 08:36:10.710222  9869 zookeeper.cpp:262] A [x] (UPID=master@10.20.0.12:5050)",
        )
        .unwrap();
        assert_eq!((g.thread, g.file, g.line), ("9869", "zookeeper.cpp", 262));
        assert_eq!(g.message, "A [x] (UPID=master@10.20.0.12:5050)");
        assert!(parse("I1122 12:00:00.1 1 a.cc:1]x").is_none());
    }

    #[test]
    fn rejects_non_glog() {
        for l in [
            "",
            "I",
            "Info 12",
            "I1122 12:00",
            "X1122 12:00:00.1 1 a.cc:1] m",
            "I1122 12:00:00.123456 1 nocolon] m",
            "I112\u{e9} 12:00:00.1 1 a:1] m",
            "I1122 12:00:00.123456 1 a.cc:x] m",
            "I1122 12:\u{e9}0:00.1 1 a:1] m",
        ] {
            assert!(parse(l).is_none(), "{l:?}");
        }
    }
}
