//! Syslog timestamps: the BSD `Mmm dd hh:mm:ss` of RFC 3164 (no year, no
//! zone), and RFC 3339 / ISO 8601 as RFC 5424, rsyslog's `RSYSLOG_FileFormat`
//! and syslog-ng's `ts-format(iso)` write it.

use sightline_decode::DecodeOptions;
use sightline_decode::helpers::{fraction_nanos, num};
use sightline_event::Timestamp;

/// A timestamp as written, before zone and year are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// RFC 3339 with an offset: an exact instant.
    Instant(Timestamp),
    /// Date and time without an offset: wall-clock time in the configured zone.
    Civil(jiff::civil::DateTime),
    /// BSD time: no year and no zone.
    Bsd(Bsd),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bsd {
    pub month: i8,
    pub day: i8,
    /// Some senders (Cisco, some appliances) put the year after the day.
    pub year: Option<i16>,
    pub hour: i8,
    pub minute: i8,
    pub second: i8,
    pub nanos: i32,
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Parses `Mmm dd hh:mm:ss[.frac]` (day space- or zero-padded, or one
/// digit; an optional `yyyy ` after the day) at the start of `s`. Returns the
/// time and the rest of `s` after it.
pub fn parse_bsd(s: &str) -> Option<(Bsd, &str)> {
    let b = s.as_bytes();
    let mon = b.get(..3)?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i8 + 1;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut i = 4;
    if b.get(i) == Some(&b' ') {
        i += 1; // space-padded day: "Nov  2"
    }
    let day_start = i;
    while i < b.len() && i - day_start < 2 && b[i].is_ascii_digit() {
        i += 1;
    }
    let day = num(b.get(day_start..i)?)? as i8;
    if b.get(i) != Some(&b' ') || !(1..=31).contains(&day) {
        return None;
    }
    i += 1;
    let mut year = None;
    if b.get(i + 4) == Some(&b' ') && b.get(i + 2) != Some(&b':') {
        // "Nov 22 2026 12:00:00"
        year = Some(num(b.get(i..i + 4)?)? as i16);
        i += 5;
    }
    let t = b.get(i..i + 8)?;
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    let hour = num(&t[0..2])? as i8;
    let minute = num(&t[3..5])? as i8;
    let second = num(&t[6..8])? as i8;
    i += 8;
    let mut nanos = 0;
    if b.get(i) == Some(&b'.') {
        let frac = b.get(i + 1..)?;
        nanos = fraction_nanos(frac)?;
        i += 1 + frac.iter().take_while(|c| c.is_ascii_digit()).count();
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // The time must end the token: "12:00:00x" is not a syslog time.
    if b.get(i).is_some_and(|&c| c != b' ') {
        return None;
    }
    let bsd = Bsd {
        month,
        day,
        year,
        hour,
        minute,
        second: second.min(59),
        nanos,
    };
    Some((bsd, s.get(i..)?))
}

/// Parses one token holding an RFC 3339 / ISO 8601 time:
/// `YYYY-MM-DDTHH:MM:SS[.frac][Z|±hh:mm|±hhmm]`. More than nine fraction
/// digits are accepted and cut (some senders print picoseconds); no offset
/// means wall-clock time.
pub fn parse_iso(token: &str) -> Option<Stamp> {
    let b = token.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    let year = num(&b[0..4])? as i16;
    let month = num(&b[5..7])? as i8;
    let day = num(&b[8..10])? as i8;
    let hour = num(&b[11..13])? as i8;
    let minute = num(&b[14..16])? as i8;
    let second = num(&b[17..19])? as i8;
    let mut i = 19;
    let mut nanos = 0;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        let frac = b.get(i + 1..)?;
        nanos = fraction_nanos(frac)?;
        i += 1 + frac.iter().take_while(|c| c.is_ascii_digit()).count();
    }
    let dt =
        jiff::civil::DateTime::new(year, month, day, hour, minute, second.min(59), nanos).ok()?;
    let zone = b.get(i..)?;
    let offset_secs: i32 = match zone {
        [] => return Some(Stamp::Civil(dt)),
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, rest @ ..] => {
            let hours = num(&[*h1, *h2])? as i32;
            let minutes = match rest {
                [] => 0,
                [b':', m1, m2] | [m1, m2] => num(&[*m1, *m2])? as i32,
                _ => return None,
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let secs = hours * 3600 + minutes * 60;
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    let offset = jiff::tz::Offset::from_seconds(offset_secs).ok()?;
    let ts = offset.to_timestamp(dt).ok()?;
    Some(Stamp::Instant(ts))
}

/// Per-stream memory for placing year-less times: the month of the
/// previous record, to notice the Dec → Jan turn when the year is configured.
#[derive(Debug, Default, Clone)]
pub struct YearState {
    last_month: Option<i8>,
    rollovers: i16,
}

/// How far past the reference time a BSD time may lie before it is taken
/// to belong to the previous year. A day of slack covers zone differences
/// and clocks that run a little ahead.
const FUTURE_SLACK_SECS: i64 = 2 * 86_400;

impl Stamp {
    /// The instant this stamp denotes.
    ///
    /// Year-less BSD times take their year from `DecodeOptions.year` when set
    /// (the year of the stream's first record; a later month that is more
    /// than six months before the previous record's month is the next year).
    /// Otherwise they take the latest year that does not put them after
    /// `reference` (the file's modification time, or now for live streams):
    /// a file written over New Year ends in January, so its December lines
    /// land in the year before.
    pub fn resolve(
        &self,
        opts: &DecodeOptions,
        reference: Option<Timestamp>,
        state: &mut YearState,
    ) -> Option<Timestamp> {
        match self {
            Stamp::Instant(ts) => Some(*ts),
            Stamp::Civil(dt) => opts.local_to_utc(*dt),
            Stamp::Bsd(b) => {
                if let Some(y) = b.year {
                    return opts.local_to_utc(b.at_year(y)?);
                }
                if let Some(y) = opts.year {
                    if let Some(last) = state.last_month
                        && b.month + 6 <= last
                    {
                        state.rollovers += 1;
                    }
                    state.last_month = Some(b.month);
                    return opts.local_to_utc(b.at_year(y.checked_add(state.rollovers)?)?);
                }
                let reference = reference.unwrap_or_else(Timestamp::now);
                let ref_year = reference.to_zoned(opts.timezone.clone()).year();
                let limit = reference.as_second().saturating_add(FUTURE_SLACK_SECS);
                // Four years back at most: enough to find a leap year for Feb 29.
                (0..5).find_map(|back| {
                    let ts = opts.local_to_utc(b.at_year(ref_year.checked_sub(back)?)?)?;
                    (ts.as_second() <= limit).then_some(ts)
                })
            }
        }
    }
}

impl Bsd {
    fn at_year(&self, year: i16) -> Option<jiff::civil::DateTime> {
        jiff::civil::DateTime::new(
            year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.nanos,
        )
        .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn bsd_forms() {
        let (b, rest) = parse_bsd("Nov 22 21:35:36 vm sshd").unwrap();
        assert_eq!(
            (b.month, b.day, b.hour, b.minute, b.second, b.nanos),
            (11, 22, 21, 35, 36, 0)
        );
        assert_eq!(rest, " vm sshd");
        let (b, _) = parse_bsd("Jan  2 01:02:03 h").unwrap();
        assert_eq!((b.month, b.day), (1, 2));
        let (b, _) = parse_bsd("Jan 2 01:02:03.250 h").unwrap();
        assert_eq!((b.day, b.nanos), (2, 250_000_000));
        let (b, rest) = parse_bsd("Mar 09 2026 10:00:00 fw").unwrap();
        assert_eq!((b.year, rest), (Some(2026), " fw"));
        assert!(parse_bsd("Nov 22 21:35").is_none());
        assert!(parse_bsd("Foo 22 21:35:36 x").is_none());
        assert!(parse_bsd("Nov 32 21:35:36 x").is_none());
        assert!(parse_bsd("Nov 22 25:35:36 x").is_none());
        assert!(parse_bsd("Nov 22 21:35:36x").is_none());
        assert!(parse_bsd("Nov").is_none());
        assert!(parse_bsd("").is_none());
    }

    #[test]
    fn iso_forms() {
        assert_eq!(
            parse_iso("2026-11-22T21:35:36.184667+00:00"),
            Some(Stamp::Instant(ts("2026-11-22T21:35:36.184667Z")))
        );
        assert_eq!(
            parse_iso("2003-08-24T05:14:15.000003-07:00"),
            Some(Stamp::Instant(ts("2003-08-24T12:14:15.000003Z")))
        );
        assert_eq!(
            parse_iso("1985-04-12T23:20:50.52Z"),
            Some(Stamp::Instant(ts("1985-04-12T23:20:50.52Z")))
        );
        assert_eq!(
            parse_iso("2026-11-22T21:35:36.123456789012+0100"),
            Some(Stamp::Instant(ts("2026-11-22T20:35:36.123456789Z")))
        );
        assert!(matches!(
            parse_iso("2026-11-22T21:35:36"),
            Some(Stamp::Civil(_))
        ));
        assert!(parse_iso("2026-11-22T21:35:36+2").is_none());
        assert!(parse_iso("2026-13-22T21:35:36Z").is_none());
        assert!(parse_iso("2026-11-22").is_none());
    }

    fn bsd(s: &str) -> Stamp {
        Stamp::Bsd(parse_bsd(s).unwrap().0)
    }

    #[test]
    fn year_from_reference_with_new_year_rollover() {
        let o = DecodeOptions::default();
        let mut st = YearState::default();
        let mtime = Some(ts("2027-01-01T00:10:00Z"));
        assert_eq!(
            bsd("Dec 31 23:59:58 h").resolve(&o, mtime, &mut st),
            Some(ts("2026-12-31T23:59:58Z"))
        );
        assert_eq!(
            bsd("Jan  1 00:00:01 h").resolve(&o, mtime, &mut st),
            Some(ts("2027-01-01T00:00:01Z"))
        );
        // A leap day seen in a non-leap year belongs to the last leap year.
        assert_eq!(
            bsd("Feb 29 10:00:00 h").resolve(&o, mtime, &mut st),
            Some(ts("2024-02-29T10:00:00Z"))
        );
    }

    #[test]
    fn configured_year_and_zone() {
        let o = DecodeOptions {
            year: Some(2026),
            timezone: jiff::tz::TimeZone::fixed(jiff::tz::offset(-5)),
            ..Default::default()
        };
        let mut st = YearState::default();
        assert_eq!(
            bsd("Dec 31 20:00:00 h").resolve(&o, None, &mut st),
            Some(ts("2027-01-01T01:00:00Z"))
        );
        assert_eq!(
            bsd("Jan  1 08:00:00 h").resolve(&o, None, &mut st),
            Some(ts("2027-01-01T13:00:00Z"))
        );
        assert_eq!(
            bsd("Jan  1 09:00:00 h").resolve(&o, None, &mut st),
            Some(ts("2027-01-01T14:00:00Z"))
        );
    }
}
