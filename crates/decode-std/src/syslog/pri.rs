//! The PRI part: facility and severity numbers and their keywords.

use sightline_decode::{Event, field};

/// Facility keywords as rsyslog and syslog-ng name them (RFC 5424 §6.2.1).
const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

/// Severity keywords (syslog(3)) and the `log.level` each maps to.
const SEVERITIES: [(&str, &str); 8] = [
    ("emerg", "emergency"),
    ("alert", "alert"),
    ("crit", "critical"),
    ("err", "error"),
    ("warning", "warning"),
    ("notice", "notice"),
    ("info", "info"),
    ("debug", "debug"),
];

/// Parses `<PRI>` at the start of `s`: 1 to 3 digits, value 0..=191.
/// Returns the value and the rest after `>`.
pub fn parse(s: &str) -> Option<(u8, &str)> {
    let rest = s.strip_prefix('<')?;
    let end = rest.bytes().take(4).position(|b| b == b'>')?;
    let digits = rest.get(..end)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pri: u16 = digits.parse().ok()?;
    if pri > 191 {
        return None;
    }
    Some((pri as u8, rest.get(end + 1..)?))
}

/// Sets priority, facility, severity and `log.level` from a PRI value.
pub fn apply(ev: &mut Event, pri: u8) {
    let facility = usize::from(pri >> 3);
    let severity = usize::from(pri & 7);
    ev.set(field::LOG_SYSLOG_PRIORITY, u32::from(pri));
    ev.set(field::LOG_SYSLOG_FACILITY_CODE, facility as u32);
    if let Some(name) = FACILITIES.get(facility) {
        ev.set(field::LOG_SYSLOG_FACILITY_NAME, *name);
    }
    ev.set(field::LOG_SYSLOG_SEVERITY_CODE, severity as u32);
    ev.set(field::EVENT_SEVERITY, severity as u32);
    if let Some((name, level)) = SEVERITIES.get(severity) {
        ev.set(field::LOG_SYSLOG_SEVERITY_NAME, *name);
        ev.level = Some((*level).to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pri_bounds() {
        assert_eq!(parse("<38>x"), Some((38, "x")));
        assert_eq!(parse("<0>"), Some((0, "")));
        assert_eq!(parse("<191>1 "), Some((191, "1 ")));
        assert_eq!(parse("<192>x"), None);
        assert_eq!(parse("<>x"), None);
        assert_eq!(parse("<1234>x"), None);
        assert_eq!(parse("<3a>x"), None);
        assert_eq!(parse("<38"), None);
        assert_eq!(parse("38>"), None);
    }
}
