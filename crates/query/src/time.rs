//! Times in queries and on the command line.

use crate::QueryError;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// A time written in a query: RFC 3339 (`2026-01-02T10:00:00Z`), or a date
/// `2026-01-02`, meaning its UTC midnight. The flag says which (a date-only
/// term on `@timestamp` covers the whole day).
pub(crate) fn parse_instant(text: &str) -> Option<(Timestamp, bool)> {
    if is_date_shape(text) {
        let date: Date = text.parse().ok()?;
        let ts = date.to_zoned(TimeZone::UTC).ok()?.timestamp();
        return Some((ts, true));
    }
    // A cheap shape check first: jiff's parser is lenient about some forms
    // (it accepts extended years like `+002026-…`), and values that are
    // plainly not times should not be mistaken for one.
    if text.len() < 20 || !is_date_shape(text.get(..10)?) {
        return None;
    }
    text.parse::<Timestamp>().ok().map(|t| (t, false))
}

/// `YYYY-MM-DD`, digits only: decided before asking jiff so that `2026-1-2`
/// stays text.
fn is_date_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// Parses a time given on the command line or in the API's `from`/`to`:
/// RFC 3339, a date (`2026-01-02`, UTC midnight), `now`, or an age such as
/// `30s`, `15m`, `1h`, `7d`, `2w`, meaning `now` minus that long.
pub fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp, QueryError> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some((ts, _)) = parse_instant(t) {
        return Ok(ts);
    }
    if let Some(secs) = parse_duration(t, true) {
        let ago = i64::try_from(secs)
            .ok()
            .and_then(|s| now.checked_sub(SignedDuration::from_secs(s)).ok());
        return ago.ok_or_else(|| {
            QueryError::new(0, format!("\"{t}\" reaches further back than time goes"))
        });
    }
    Err(QueryError::new(
        0,
        format!(
            "\"{t}\" is not a time (use RFC 3339 like 2026-01-02T15:04:05Z, a date like \
             2026-01-02, now, or an age like 30s, 15m, 1h, 7d, 2w)"
        ),
    ))
}

/// `<digits><unit>` in seconds; units s, m, h, d, and w when `weeks`. Zero and
/// overflowing values are `None`.
pub(crate) fn parse_duration(text: &str, weeks: bool) -> Option<u64> {
    let unit = text.chars().last()?;
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' if weeks => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mult).filter(|&s| s > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-03-10T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn absolute_times() {
        let t = parse_time("2026-01-02T03:04:05Z", now()).unwrap();
        assert_eq!(t.to_string(), "2026-01-02T03:04:05Z");
        let t = parse_time("2026-01-02T03:04:05+02:00", now()).unwrap();
        assert_eq!(t.to_string(), "2026-01-02T01:04:05Z");
        let t = parse_time("2026-01-02", now()).unwrap();
        assert_eq!(t.to_string(), "2026-01-02T00:00:00Z");
        assert_eq!(parse_time(" now ", now()).unwrap(), now());
    }

    #[test]
    fn relative_ages() {
        let cases = [
            ("30s", "2026-03-10T11:59:30Z"),
            ("15m", "2026-03-10T11:45:00Z"),
            ("1h", "2026-03-10T11:00:00Z"),
            ("7d", "2026-03-03T12:00:00Z"),
            ("2w", "2026-02-24T12:00:00Z"),
        ];
        for (text, want) in cases {
            assert_eq!(parse_time(text, now()).unwrap().to_string(), want, "{text}");
        }
    }

    #[test]
    fn rejects_nonsense_without_panicking() {
        for bad in [
            "",
            "1",
            "h",
            "0m",
            "1y",
            "-1h",
            "2026-13-01",
            "2026-1-2",
            "yesterday",
            "99999999999999999999d",
            "9999999999999d",
            "2026-01-02T03:04:05",
        ] {
            let err = parse_time(bad, now()).unwrap_err();
            assert!(!err.message.is_empty(), "{bad}");
        }
    }

    #[test]
    fn instants_in_queries() {
        assert_eq!(parse_instant("2026-01-02").map(|x| x.1), Some(true));
        assert_eq!(
            parse_instant("2026-01-02T00:00:00Z").map(|x| x.1),
            Some(false)
        );
        assert!(parse_instant("10.0.0.5").is_none());
        assert!(parse_instant("20260102").is_none());
    }
}
