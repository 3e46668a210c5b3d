//! Parsing helpers shared by decoders: times, levels, key=value context,
//! HTTP request lines and addresses. Each is small, allocation-light and
//! total (returns `None` rather than panicking).

use crate::DecodeOptions;
use sightline_event::{Event, Outcome, Timestamp, field};

/// Parses `YYYY-MM-DD HH:MM:SS[,.]fff...` (local time, no zone), as Ray,
/// Python logging and many others write it.
pub fn parse_local_datetime(s: &str, opts: &DecodeOptions) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[10] != b' ' && b[10] != b'T' {
        return None;
    }
    let year = num(&b[0..4])? as i16;
    let month = num(&b[5..7])? as i8;
    let day = num(&b[8..10])? as i8;
    let hour = num(&b[11..13])? as i8;
    let minute = num(&b[14..16])? as i8;
    let second = num(&b[17..19])? as i8;
    let nanos = if b.len() > 20 && (b[19] == b',' || b[19] == b'.') {
        fraction_nanos(&b[20..])?
    } else {
        0
    };
    let dt = jiff::civil::DateTime::new(year, month, day, hour, minute, second, nanos).ok()?;
    opts.local_to_utc(dt)
}

/// Parses the digits of a fraction of a second (up to 9 are significant) into nanoseconds.
pub fn fraction_nanos(digits: &[u8]) -> Option<i32> {
    let digits: Vec<u8> = digits
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    if digits.is_empty() {
        return None;
    }
    let mut nanos: i32 = 0;
    for i in 0..9 {
        nanos = nanos * 10 + digits.get(i).map_or(0, |d| i32::from(d - b'0'));
    }
    Some(nanos)
}

/// Parses an ASCII decimal number of at most 18 digits.
pub fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

/// Parses a Common Log Format time: `22/Nov/2026:12:37:31 +0000`.
pub fn parse_clf_time(s: &str) -> Option<Timestamp> {
    jiff::fmt::strtime::parse("%d/%b/%Y:%H:%M:%S %z", s)
        .ok()?
        .to_timestamp()
        .ok()
}

/// Parses RFC 3339 / ISO 8601 with an offset (`2026-11-22T12:37:31.151Z`,
/// `2026-03-09T06:24:24.463+00:00`).
pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

/// Interprets an epoch number by its magnitude: seconds, milliseconds,
/// microseconds or nanoseconds. Fractions are kept to the microsecond
/// (beyond that an f64 carries only rounding noise).
pub fn parse_epoch(n: f64) -> Option<Timestamp> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    if n.fract() == 0.0 && n < 9e18 {
        return parse_epoch_int(n as i64);
    }
    let micros = if n < 1e11 {
        n * 1e6
    } else if n < 1e14 {
        n * 1e3
    } else if n < 1e17 {
        n
    } else {
        n / 1e3
    };
    Timestamp::from_nanosecond(micros.round() as i128 * 1000).ok()
}

/// [`parse_epoch`] for integers, exact.
pub fn parse_epoch_int(n: i64) -> Option<Timestamp> {
    if n < 0 {
        return None;
    }
    let n = i128::from(n);
    let nanos = if n < 100_000_000_000 {
        n * 1_000_000_000
    } else if n < 100_000_000_000_000 {
        n * 1_000_000
    } else if n < 100_000_000_000_000_000 {
        n * 1_000
    } else {
        n
    };
    Timestamp::from_nanosecond(nanos).ok()
}

/// Normalizes a level as sources write it (`I`, `W`, `INFO`, `warn`,
/// `WARNING`, `err`, `CRITICAL`, `F`...) to ECS-style lower-case words.
pub fn normalize_level(level: &str) -> &'static str {
    match level.trim() {
        "D" | "d" => "debug",
        "I" | "i" => "info",
        "W" | "w" => "warning",
        "E" | "e" => "error",
        "F" | "f" => "fatal",
        l => match l.to_ascii_lowercase().as_str() {
            "trace" => "trace",
            "debug" | "dbg" | "vinfo" => "debug",
            "info" | "information" | "informational" | "succ" | "success" => "info",
            "notice" => "notice",
            "warn" | "warning" => "warning",
            "err" | "error" => "error",
            "crit" | "critical" => "critical",
            "alert" => "alert",
            "emerg" | "emergency" | "panic" => "emergency",
            "fatal" | "dpanic" => "fatal",
            _ => "unknown",
        },
    }
}

/// Splits trailing ` key=value` pairs off a message, as Ray appends its
/// context (`... job_id=01000000 worker_id=...`). Returns the message without
/// them and the pairs in order. Values end at a space; keys are
/// `[A-Za-z_][A-Za-z0-9_.]*`. A pair is only taken if everything after it is
/// pairs too, so `a=b` inside prose stays in the message.
pub fn split_trailing_kv(msg: &str) -> (&str, Vec<(&str, &str)>) {
    let mut pairs = Vec::new();
    let mut end = msg.len();
    loop {
        let head = &msg[..end];
        let start = head.rfind(' ').map_or(0, |i| i + 1);
        let token = &head[start..];
        match token.split_once('=') {
            Some((k, v)) if is_key(k) && !v.is_empty() && !v.contains('=') => {
                pairs.push((k, v));
                if start == 0 {
                    end = 0;
                    break;
                }
                end = start - 1;
            }
            _ => break,
        }
    }
    pairs.reverse();
    (&msg[..end], pairs)
}

fn is_key(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Splits `ip:port`, `[v6]:port` or a bare address into address and port.
pub fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[')
        && let Some((host, tail)) = rest.split_once(']')
    {
        return (host, tail.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match s.rsplit_once(':') {
        // More than one colon and no brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => (s, None),
        Some((host, port)) => match port.parse() {
            Ok(p) => (host, Some(p)),
            Err(_) => (s, None),
        },
        None => (s, None),
    }
}

/// Sets `source.ip`/`source.port` from `ip:port` text, when the address parses as an IP.
pub fn set_source_addr(ev: &mut Event, addr: &str) {
    let (host, port) = split_host_port(addr.trim());
    if host.parse::<std::net::IpAddr>().is_ok() {
        ev.set(field::SOURCE_IP, host);
        ev.set_opt(field::SOURCE_PORT, port);
    }
}

/// Sets the HTTP fields of a request line (`GET /api/jobs/?x=1 HTTP/1.1`):
/// the method, `url.original` (the request target as sent, query included,
/// as ECS has it for access logs), `url.path`, `url.query` and the version.
/// Returns false if it is not one.
pub fn set_http_request_line(ev: &mut Event, line: &str) -> bool {
    let mut parts = line.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return false;
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) || target.is_empty() {
        return false;
    }
    ev.set(field::HTTP_REQUEST_METHOD, method);
    ev.set(field::URL_ORIGINAL, target);
    set_url(ev, target);
    if let Some(v) = parts.next().and_then(|p| p.strip_prefix("HTTP/")) {
        ev.set(field::HTTP_VERSION, v);
    }
    true
}

/// Sets `url.path` and `url.query` from a request target.
pub fn set_url(ev: &mut Event, target: &str) {
    match target.split_once('?') {
        Some((path, query)) => {
            ev.set(field::URL_PATH, path);
            ev.set(field::URL_QUERY, query);
        }
        None => {
            ev.set(field::URL_PATH, target);
        }
    }
}

/// Sets the status code, the ECS web categorization and the outcome of an
/// HTTP exchange. 401 and 403 also mark the event as an authentication
/// (resp. authorization) failure, which is what detection keys on.
pub fn set_http_status(ev: &mut Event, status: u16) {
    ev.set(field::HTTP_RESPONSE_STATUS_CODE, status);
    ev.add_category("web").add_type("access");
    ev.outcome = if status >= 400 {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    match status {
        401 => {
            ev.add_category("authentication").add_type("denied");
        }
        403 => {
            ev.add_category("iam").add_type("denied");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_line_keeps_the_target_whole() {
        let mut ev = Event::new(
            sightline_event::EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.dashboard",
            "",
        );
        assert!(set_http_request_line(
            &mut ev,
            "GET /static/../../../etc/passwd?file=%2e%2e%2fetc HTTP/1.1"
        ));
        assert_eq!(
            ev.get_str(field::URL_ORIGINAL),
            Some("/static/../../../etc/passwd?file=%2e%2e%2fetc")
        );
        assert_eq!(
            ev.get_str(field::URL_PATH),
            Some("/static/../../../etc/passwd")
        );
        assert_eq!(ev.get_str(field::URL_QUERY), Some("file=%2e%2e%2fetc"));
        assert_eq!(ev.get_str(field::HTTP_VERSION), Some("1.1"));
        assert!(!set_http_request_line(&mut ev, "not a request"));
    }

    #[test]
    fn local_datetime_with_comma_millis() {
        let o = DecodeOptions::default();
        let t = parse_local_datetime("2026-11-22 12:37:07,123", &o).unwrap();
        assert_eq!(t.to_string(), "2026-11-22T12:37:07.123Z");
        let t = parse_local_datetime("2026-11-22 12:37:12.924053", &o).unwrap();
        assert_eq!(t.to_string(), "2026-11-22T12:37:12.924053Z");
        assert!(parse_local_datetime("2026-13-22 12:37:07,123", &o).is_none());
        assert!(parse_local_datetime("garbage", &o).is_none());
    }

    #[test]
    fn configured_zone_is_applied() {
        let o = DecodeOptions {
            timezone: jiff::tz::TimeZone::fixed(jiff::tz::offset(2)),
            ..Default::default()
        };
        let t = parse_local_datetime("2026-11-22 12:00:00,000", &o).unwrap();
        assert_eq!(t.to_string(), "2026-11-22T10:00:00Z");
    }

    #[test]
    fn clf_and_epoch() {
        assert_eq!(
            parse_clf_time("22/Nov/2026:12:37:31 +0000")
                .unwrap()
                .to_string(),
            "2026-11-22T12:37:31Z"
        );
        assert_eq!(
            parse_epoch(1795351044.0).unwrap().to_string(),
            "2026-11-22T12:37:24Z"
        );
        assert_eq!(
            parse_epoch(1795351044118.0).unwrap().to_string(),
            "2026-11-22T12:37:24.118Z"
        );
        assert!(parse_epoch(f64::NAN).is_none());
    }

    #[test]
    fn trailing_kv() {
        let (m, kv) = split_trailing_kv("Registering job. job_id=01000000 driver_pid=8280");
        assert_eq!(m, "Registering job.");
        assert_eq!(kv, [("job_id", "01000000"), ("driver_pid", "8280")]);
        let (m, kv) = split_trailing_kv("a=b then prose");
        assert_eq!(m, "a=b then prose");
        assert!(kv.is_empty());
        let (m, kv) = split_trailing_kv("x=1");
        assert_eq!((m, kv.len()), ("", 1));
    }

    #[test]
    fn host_port() {
        assert_eq!(split_host_port("10.0.0.1:5050"), ("10.0.0.1", Some(5050)));
        assert_eq!(split_host_port("[::1]:80"), ("::1", Some(80)));
        assert_eq!(split_host_port("::1"), ("::1", None));
        assert_eq!(split_host_port("10.0.0.1"), ("10.0.0.1", None));
    }

    #[test]
    fn levels() {
        assert_eq!(normalize_level("W"), "warning");
        assert_eq!(normalize_level("WARN"), "warning");
        assert_eq!(normalize_level("SUCC"), "info");
        assert_eq!(normalize_level("CRITICAL"), "critical");
        assert_eq!(normalize_level("??"), "unknown");
    }
}
