//! Durations as the configuration writes them: `30s`, `5m`, `4h`, `1d`,
//! `1h30m`, `500ms`.

use jiff::SignedDuration;

/// Parses `500ms`, `30s`, `15m`, `2h`, `1d`, `2w` and sums like `1h30m`.
/// A bare number is seconds. Never negative.
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let s = text.trim();
    let bad = || format!("{text:?} is not a duration; write e.g. 30s, 5m, 4h, 1d or 1h30m");
    if s.is_empty() {
        return Err(bad());
    }
    let mut total_ms: i128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let n: i128 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = rest[..unit_len].trim();
        rest = &rest[unit_len..];
        let ms_per: i128 = match unit {
            "ms" => 1,
            "" | "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            u => {
                return Err(format!(
                    "{text:?}: unknown unit {u:?}; use ms, s, m, h, d or w"
                ));
            }
        };
        total_ms = total_ms
            .checked_add(n.checked_mul(ms_per).ok_or_else(bad)?)
            .ok_or_else(bad)?;
    }
    // A century is more than any timer needs and keeps timestamp sums in range.
    if total_ms > 100 * 365 * 86_400_000 {
        return Err(format!("{text:?} is longer than a century"));
    }
    Ok(SignedDuration::from_millis(total_ms as i64))
}

/// The shortest readable form: `1h30m`, `45s`, `250ms`, `0s`.
pub fn format_duration(d: SignedDuration) -> String {
    let ms = d.as_millis();
    if ms != 0 && ms % 1000 != 0 {
        return format!("{ms}ms");
    }
    sightline_detect::alert::duration_text((ms / 1000) as i64)
}

/// `ts + d`, saturating at the ends of time (timers are bounded to a
/// century, so this only guards against hand-edited state).
pub(crate) fn after(ts: jiff::Timestamp, d: SignedDuration) -> jiff::Timestamp {
    ts.checked_add(d).unwrap_or(if d.is_negative() {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_units_and_sums() {
        let secs = |s: &str| parse_duration(s).unwrap().as_secs();
        assert_eq!(secs("30s"), 30);
        assert_eq!(secs("30"), 30);
        assert_eq!(secs("5m"), 300);
        assert_eq!(secs("4h"), 14_400);
        assert_eq!(secs("1d"), 86_400);
        assert_eq!(secs("2w"), 14 * 86_400);
        assert_eq!(secs("1h30m"), 5400);
        assert_eq!(secs(" 1h 30m "), 5400);
        assert_eq!(parse_duration("250ms").unwrap().as_millis(), 250);
        assert_eq!(secs("0s"), 0);
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in [
            "",
            "m",
            "-5m",
            "5 minutes",
            "1.5h",
            "5y",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(parse_duration("5y").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn formats_shortest() {
        assert_eq!(format_duration(SignedDuration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(SignedDuration::from_millis(250)), "250ms");
        assert_eq!(format_duration(SignedDuration::ZERO), "0s");
        assert_eq!(format_duration(SignedDuration::from_secs(86_400)), "1d");
    }
}
