//! Time values of structured lines (JSON, logfmt): RFC 3339 / ISO 8601,
//! epoch numbers written as text, `YYYY/MM/DD HH:MM:SS.fff ±hh:mm` (Go
//! loggers), and Common Log Format times (nginx `$time_local`).

use crate::syslog::time::{Stamp, YearState, parse_iso};
use sightline_decode::DecodeOptions;
use sightline_decode::helpers::{parse_clf_time, parse_epoch, parse_epoch_int, parse_rfc3339};
use sightline_event::Timestamp;

/// Parses a time written as text. Times without an offset are wall-clock
/// times in `opts.timezone`.
pub fn parse_time_text(s: &str, opts: &DecodeOptions) -> Option<Timestamp> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 64 {
        return None;
    }
    if b[0].is_ascii_digit() && b.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
        return match s.parse::<i64>() {
            Ok(n) => parse_epoch_int(n),
            Err(_) => epoch_f64(s.parse().ok()?),
        };
    }
    let resolve = |st: Stamp| st.resolve(opts, None, &mut YearState::default());
    if let Some(st) = parse_iso(s) {
        return resolve(st);
    }
    // "2026/03/09 05:59:20.000 +00:00": rewrite as ISO (dashes, no space before the offset).
    if b.len() >= 19 && b[4] == b'/' && b[7] == b'/' {
        let mut iso = s.replacen('/', "-", 2);
        if let Some(i) = iso.rfind([' ']).filter(|&i| i > 10) {
            iso.remove(i);
        }
        return parse_iso(&iso).and_then(resolve);
    }
    if b.len() >= 26 && b.get(2) == Some(&b'/') {
        return parse_clf_time(s);
    }
    // Anything else jiff reads (RFC 9557 with a bracketed zone...).
    parse_rfc3339(s)
}

/// [`parse_epoch`] for values that can be an epoch at all: the shared helper
/// overflows (and panics in debug builds) on magnitudes beyond nanoseconds
/// since 1970, e.g. `1e308` in a hostile JSON line.
pub fn epoch_f64(f: f64) -> Option<Timestamp> {
    if (0.0..1e19).contains(&f) {
        parse_epoch(f)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<String> {
        parse_time_text(s, &DecodeOptions::default()).map(|t| t.to_string())
    }

    #[test]
    fn forms() {
        assert_eq!(
            t("2026-11-22T12:37:31.151Z").as_deref(),
            Some("2026-11-22T12:37:31.151Z")
        );
        assert_eq!(
            t("2026-11-22 12:37:31,151").as_deref(),
            Some("2026-11-22T12:37:31.151Z")
        );
        assert_eq!(
            t("2026-11-22T12:37:31+01:00").as_deref(),
            Some("2026-11-22T11:37:31Z")
        );
        assert_eq!(t("1795351044").as_deref(), Some("2026-11-22T12:37:24Z"));
        assert_eq!(
            t("1795351044.118").as_deref(),
            Some("2026-11-22T12:37:24.118Z")
        );
        assert_eq!(
            t("1795351044118").as_deref(),
            Some("2026-11-22T12:37:24.118Z")
        );
        assert_eq!(
            t("2026/03/09 05:59:20.300 +00:00").as_deref(),
            Some("2026-03-09T05:59:20.3Z")
        );
        assert_eq!(
            t("22/Nov/2026:12:37:31 +0000").as_deref(),
            Some("2026-11-22T12:37:31Z")
        );
        assert_eq!(
            t("2026-11-22T12:37:31+01:00[Europe/Paris]").as_deref(),
            Some("2026-11-22T11:37:31Z")
        );
        assert_eq!(t("yesterday"), None);
        assert_eq!(t(""), None);
        assert_eq!(t("1.2.3"), None);
        assert_eq!(epoch_f64(1e308), None);
        assert_eq!(epoch_f64(f64::INFINITY), None);
    }
}
