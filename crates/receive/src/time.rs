//! Sender-claimed timestamps in the shapes the protocols use.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// RFC 3339 / ISO 8601 with offset, or without one (taken as UTC, which is
/// what Elasticsearch does for `@timestamp`).
pub(crate) fn parse_datetime(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    let dt = s.parse::<DateTime>().ok()?;
    dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// Epoch seconds with an optional fraction, as text (`"1426279439.123"`),
/// parsed exactly (no float rounding).
pub(crate) fn parse_epoch_seconds_str(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || int.len() > 12 || frac.len() > 9 {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i128 = int.parse().ok()?;
    let mut nanos: i128 = 0;
    if !frac.is_empty() {
        nanos = frac.parse::<i128>().ok()? * 10i128.pow(9 - frac.len() as u32);
    }
    epoch_nanos(secs * 1_000_000_000 + nanos)
}

/// Epoch seconds as a JSON number. Values beyond year 5000 are taken as
/// milliseconds: a common sender mistake that would otherwise lose the time.
pub(crate) fn epoch_seconds_f64(secs: f64) -> Option<Timestamp> {
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    let secs = if secs > 1e11 { secs / 1000.0 } else { secs };
    // Microsecond rounding: f64 cannot carry nanoseconds at this magnitude.
    let micros = (secs * 1e6).round();
    if micros > i64::MAX as f64 {
        return None;
    }
    Timestamp::from_microsecond(micros as i64).ok()
}

pub(crate) fn epoch_millis(ms: i64) -> Option<Timestamp> {
    Timestamp::from_millisecond(ms).ok()
}

pub(crate) fn epoch_nanos(ns: i128) -> Option<Timestamp> {
    Timestamp::from_nanosecond(ns).ok()
}
