//! Python `http.server` log lines, which `mlx_lm.server` writes to stderr:
//!
//! ```text
//! 10.40.15.154 - - [20/Nov/2026 06:01:07] "POST /v1/chat/completions HTTP/1.1" 200 -
//! 127.0.0.1 - - [22/Nov/2026 13:16:08] code 501, message Unsupported method ('PUT')
//! ```
//!
//! `BaseHTTPRequestHandler.log_message` writes `"%s - - [%s] %s"` with the
//! client address and `log_date_time_string()` (local time, second
//! resolution, no zone); `log_request` adds `"<request line>" <code> <size>`
//! and `log_error` `code <n>, message <text>`.

use crate::vocab::*;
use sightline_decode::{Context, Event, Outcome, Timestamp, field, helpers};
use sightline_event::action;

/// The parts of an access line, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access<'a> {
    pub addr: &'a str,
    pub user: &'a str,
    pub time: &'a str,
    pub rest: &'a str,
}

/// Splits `<addr> <ident> <user> [<time>] <rest>`. The time must be
/// http.server's `dd/Mon/YYYY HH:MM:SS` or Common Log Format's
/// `dd/Mon/YYYY:HH:MM:SS +zzzz`.
pub fn parse(line: &str) -> Option<Access<'_>> {
    let (addr, r) = line.split_once(' ')?;
    let (_ident, r) = r.split_once(' ')?;
    let (user, r) = r.split_once(' ')?;
    let r = r.strip_prefix('[')?;
    let (time, rest) = r.split_once(']')?;
    if addr.is_empty() || !(is_python_time(time) || is_clf_time(time)) {
        return None;
    }
    Some(Access {
        addr,
        user,
        time,
        rest: rest.strip_prefix(' ').unwrap_or(rest),
    })
}

/// `20/Nov/2026 06:01:07`
pub fn is_python_time(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 20 && b[2] == b'/' && b[6] == b'/' && b[11] == b' ' && b[14] == b':' && b[17] == b':'
}

/// `20/Nov/2026:06:01:07 +0000`
fn is_clf_time(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 26 && b[2] == b'/' && b[6] == b'/' && b[11] == b':' && b[20] == b' '
}

/// The line's time: local time in the configured zone for http.server's
/// zoneless form, the written offset for CLF.
pub fn time(t: &str, ctx: &Context<'_>) -> Option<Timestamp> {
    if !is_python_time(t) {
        return helpers::parse_clf_time(t);
    }
    let b = t.as_bytes();
    let day = helpers::num(b.get(0..2)?)?;
    let month = month(b.get(3..6)?)?;
    let year = helpers::num(b.get(7..11)?)?;
    let hour = helpers::num(b.get(12..14)?)?;
    let minute = helpers::num(b.get(15..17)?)?;
    let second = helpers::num(b.get(18..20)?)?;
    let dt = jiff::civil::DateTime::new(
        i16::try_from(year).ok()?,
        month,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        0,
    )
    .ok()?;
    ctx.options.local_to_utc(dt)
}

fn month(b: &[u8]) -> Option<i8> {
    const NAMES: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let i = NAMES.iter().position(|n| n.eq_ignore_ascii_case(b))?;
    i8::try_from(i + 1).ok()
}

/// Fills the event of an access or http error line.
pub fn decode(ev: &mut Event, ctx: &Context<'_>, a: Access<'_>) {
    match time(a.time, ctx) {
        Some(ts) => ctx.stamp(ev, ts),
        None => {
            ev.label("time", a.time);
        }
    }
    helpers::set_source_addr(ev, a.addr);
    if !ev.fields.contains_key(field::SOURCE_IP) {
        ev.set(field::MLX_CLIENT_IP, a.addr);
    }
    if a.user != "-" && !a.user.is_empty() {
        ev.set(field::USER_NAME, a.user);
    }
    ev.set(field::NETWORK_PROTOCOL, "http");
    ev.message = a.rest.to_owned();
    if let Some(inner) = a.rest.strip_prefix('"') {
        request(ev, inner);
    } else if let Some(err) = a.rest.strip_prefix("code ") {
        http_error(ev, err);
    }
}

/// `<request line>" <status> <size>`: the request line may itself hold
/// quotes, so the status and size are taken from the end.
fn request(ev: &mut Event, inner: &str) {
    ev.set_action(action::HTTP_REQUEST);
    let Some((line, tail)) = inner.rsplit_once('"') else {
        ev.label("request_line", inner);
        return;
    };
    let mut tail = tail.split_ascii_whitespace();
    if let Some(status) = tail.next().and_then(|s| s.parse::<u16>().ok()) {
        helpers::set_http_status(ev, status);
    } else {
        ev.add_category("web").add_type("access");
    }
    if let Some(size) = tail.next().and_then(|s| s.parse::<i64>().ok()) {
        ev.set(field::HTTP_RESPONSE_BODY_BYTES, size);
    }
    if !helpers::set_http_request_line(ev, line) {
        // Not HTTP at all (a TLS handshake, a scanner's junk): kept for review.
        ev.label("request_line", line);
    }
}

/// `code 501, message Unsupported method ('PUT')`
fn http_error(ev: &mut Event, err: &str) {
    ev.set_action(ACT_HTTP_ERROR);
    ev.add_category("web").add_type("error");
    ev.outcome = Outcome::Failure;
    let (code, msg) = err.split_once(", message ").unwrap_or((err, ""));
    if let Ok(status) = code.trim().parse::<u16>() {
        ev.set(field::HTTP_RESPONSE_STATUS_CODE, status);
    }
    if !msg.is_empty() {
        ev.set(field::ERROR_MESSAGE, msg);
        if let Some(m) = msg
            .strip_prefix("Unsupported method ('")
            .and_then(|m| m.strip_suffix("')"))
        {
            ev.set(field::HTTP_REQUEST_METHOD, m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_python_and_clf_lines() {
        let a = parse(
            r#"10.40.15.154 - - [20/Nov/2026 06:01:07] "POST /v1/chat/completions HTTP/1.1" 200 -"#,
        )
        .unwrap();
        assert_eq!(a.addr, "10.40.15.154");
        assert_eq!(a.time, "20/Nov/2026 06:01:07");
        assert_eq!(a.rest, r#""POST /v1/chat/completions HTTP/1.1" 200 -"#);
        assert!(parse("::1 - bob [22/Nov/2026:12:37:31 +0000] \"GET / HTTP/1.1\" 200 5").is_some());
        assert!(parse("a b c [not a time] x").is_none());
        assert!(parse("a - - [20/Nov/2026 06:01:07").is_none());
        assert!(parse("").is_none());
    }
}
