//! The aiohttp access log inside `dashboard.log` and `dashboard_agent.log`
//! (ray-logs.md §4.3), and what each Jobs/Serve REST call means.
//!
//! Dashboard head: `%a %t '%r' %s %b bytes %D us '%{Referer}i' '%{User-Agent}i'`
//! ```text
//! 127.0.0.1 [22/Nov/2026:12:37:43 +0000] 'POST /api/jobs/ HTTP/1.1' 401 205 bytes 307 us '-' 'curl/7.88.1'
//! ```
//! Dashboard agent (aiohttp's default): `%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"`
//! ```text
//! 127.0.0.1 [22/Nov/2026:12:37:31 +0000] "POST /api/job_agent/jobs/ HTTP/1.1" 200 218 "-" "Python/3.11 aiohttp/3.14.5"
//! ```

use crate::fields::{self as rf, action as ra};
use sightline_decode::helpers::{
    parse_clf_time, set_http_request_line, set_http_status, set_source_addr,
};
use sightline_event::{Event, Outcome, action, field};

/// One access-log line, split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access<'a> {
    pub client: &'a str,
    pub time: &'a str,
    pub request: &'a str,
    pub status: u16,
    pub bytes: Option<i64>,
    pub micros: Option<i64>,
    pub referer: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// Splits an access-log message. `None` if it is not one.
pub fn parse(msg: &str) -> Option<Access<'_>> {
    let (client, rest) = msg.split_once(" [")?;
    if client.is_empty() || client.contains(' ') {
        return None;
    }
    let (time, rest) = rest.split_once("] ")?;
    let q = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = &rest[1..];
    // The request line ends at the quote followed by ` <3-digit status> `:
    // searching for that shape keeps quotes inside a hostile path harmless.
    let b = body.as_bytes();
    let mut end = None;
    for i in memchr::memchr_iter(q as u8, b) {
        if b.len() >= i + 6
            && b[i + 1] == b' '
            && b[i + 2..i + 5].iter().all(u8::is_ascii_digit)
            && (b.len() == i + 5 || b[i + 5] == b' ')
        {
            end = Some(i);
            break;
        }
    }
    let end = end?;
    let request = &body[..end];
    let mut rest = &body[end + 2..];
    let status: u16 = rest.get(..3)?.parse().ok()?;
    rest = rest.get(3..)?.trim_start();
    let mut bytes = None;
    let mut micros = None;
    // `%b` (or `-`), then the head's `bytes` and `<%D> us` words.
    if let Some((tok, r)) = split_word(rest)
        && !tok.starts_with(q)
    {
        bytes = tok.parse().ok();
        rest = r;
        if let Some(r) = rest.strip_prefix("bytes") {
            rest = r.trim_start();
        }
        if let Some((tok, r)) = split_word(rest)
            && let Some(r) = r.strip_prefix("us")
        {
            micros = tok.parse().ok();
            rest = r.trim_start();
        }
    }
    // Referer and User-Agent, each quoted; the UA runs to the last quote.
    let (referer, user_agent) = match rest.strip_prefix(q) {
        Some(r) => {
            let sep = [q as u8, b' ', q as u8];
            match memchr::memmem::find(r.as_bytes(), &sep) {
                Some(i) => (
                    Some(&r[..i]),
                    r[i + 3..].strip_suffix(q).or(Some(&r[i + 3..])),
                ),
                None => (r.strip_suffix(q), None),
            }
        }
        None => (None, None),
    };
    Some(Access {
        client,
        time,
        request,
        status,
        bytes,
        micros,
        referer,
        user_agent,
    })
}

fn split_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    Some(match s.split_once(' ') {
        Some((w, r)) => (w, r.trim_start()),
        None => (s, ""),
    })
}

/// Sets the fields of an access-log line. Returns false if `msg` is not one.
pub fn apply(ev: &mut Event, msg: &str) -> bool {
    let Some(a) = parse(msg) else { return false };
    set_source_addr(ev, a.client);
    if ev.get(field::SOURCE_IP).is_none() {
        ev.label("client", a.client);
    }
    if let Some(t) = parse_clf_time(a.time) {
        // `%t` is the request start; the record time is the response end (§4.3).
        ev.label("request_start", t.to_string());
    }
    let is_request = set_http_request_line(ev, a.request);
    if !is_request {
        ev.set(field::URL_ORIGINAL, a.request);
    }
    if let Some(b) = a.bytes {
        ev.set(field::HTTP_RESPONSE_BODY_BYTES, b);
    }
    if let Some(us) = a.micros {
        ev.set(field::EVENT_DURATION, us.saturating_mul(1000));
    }
    if let Some(r) = a.referer.filter(|r| !r.is_empty() && *r != "-") {
        ev.set(field::HTTP_REQUEST_REFERRER, r);
    }
    if let Some(ua) = a.user_agent.filter(|u| !u.is_empty() && *u != "-") {
        ev.set(field::USER_AGENT_ORIGINAL, ua);
    }
    ev.set(field::NETWORK_PROTOCOL, "http");
    set_http_status(ev, a.status);
    let method = ev
        .get_str(field::HTTP_REQUEST_METHOD)
        .unwrap_or("")
        .to_owned();
    let path = ev.get_str(field::URL_PATH).unwrap_or("").to_owned();
    let op = operation(ev, &method, &path, a.status < 400);
    let act = match a.status {
        // Ray's token middleware answers 401 without a token and 403 with a
        // wrong one (§2): both are failed authentications.
        401 | 403 => {
            ev.add_category("authentication").add_type("denied");
            action::AUTHENTICATION_FAILED
        }
        // The browser-origin block refuses mutations from `Mozilla` agents.
        405 if method != "GET" && method != "HEAD" && method != "OPTIONS" => {
            ev.add_type("denied");
            ra::BROWSER_REQUEST_DENIED
        }
        _ => op.unwrap_or(action::HTTP_REQUEST),
    };
    ev.set_action(act);
    if a.status == 101 {
        // A websocket upgrade (job log tailing) is a success, not an error.
        ev.outcome = Outcome::Success;
    }
    true
}

/// What a REST call asks Ray to do: sets `ray.api.operation` and the job it
/// names, and returns the action when the call succeeds.
fn operation(ev: &mut Event, method: &str, path: &str, ok: bool) -> Option<&'static str> {
    let jobs = path
        .strip_prefix("/api/jobs")
        .or_else(|| path.strip_prefix("/api/job_agent/jobs"));
    if let Some(rest) = jobs {
        let rest = rest.trim_start_matches('/');
        let (id, tail) = match rest.split_once('/') {
            Some((id, tail)) => (id, tail.trim_end_matches('/')),
            None => (rest, ""),
        };
        if !id.is_empty() {
            // `job_or_submission_id`: a Ray job id is 8 hex digits.
            if crate::layout::is_job_id(id) {
                ev.set(field::RAY_JOB_ID, id);
            } else {
                ev.set(field::RAY_JOB_SUBMISSION_ID, id);
            }
        }
        let (op, act, ty) = match (method, id.is_empty(), tail) {
            ("POST", true, _) => ("job-submit", Some(action::JOB_SUBMITTED), "creation"),
            ("GET", true, _) => ("job-list", None, "access"),
            ("POST", false, "stop") => ("job-stop", Some(action::JOB_STOPPED), "change"),
            ("DELETE", false, "") => ("job-delete", Some(action::JOB_DELETED), "deletion"),
            ("GET", false, "") => ("job-info", None, "access"),
            ("GET", false, t) if t.starts_with("logs") => ("job-logs", None, "access"),
            _ => return None,
        };
        ev.set(rf::API_OPERATION, op);
        if ok {
            ev.add_type(ty);
        }
        return act;
    }
    if let Some(name) = path.strip_prefix("/api/packages/") {
        let (op, act) = match method {
            "PUT" => ("package-upload", Some(ra::PACKAGE_UPLOADED)),
            "GET" => ("package-check", None),
            _ => return None,
        };
        ev.set(rf::API_OPERATION, op);
        if let Some((proto, pkg)) = name.split_once('/') {
            ev.set(field::URL_ORIGINAL, format!("{proto}://{pkg}"));
        }
        return act;
    }
    if path.starts_with("/api/serve/applications") {
        let (op, act, ty) = match method {
            "PUT" => ("serve-deploy", Some(ra::SERVE_DEPLOYED), "change"),
            "DELETE" => ("serve-delete", Some(ra::SERVE_DELETED), "deletion"),
            "GET" => ("serve-list", None, "access"),
            _ => return None,
        };
        ev.set(rf::API_OPERATION, op);
        if ok {
            ev.add_type(ty);
        }
        return act;
    }
    if path == "/api/authenticate" && method == "POST" {
        ev.set(rf::API_OPERATION, "authenticate");
        ev.add_category("authentication");
        return Some(action::AUTHENTICATION_SUCCEEDED);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_event::EventId;

    fn ev(msg: &str) -> Event {
        let mut e = Event::new(
            EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.dashboard",
            msg,
        );
        assert!(apply(&mut e, msg), "{msg}");
        e
    }

    #[test]
    fn unauthenticated_job_submission() {
        let e = ev(
            "127.0.0.1 [22/Nov/2026:12:37:43 +0000] 'POST /api/jobs/ HTTP/1.1' 401 205 bytes 307 us '-' 'curl/7.88.1'",
        );
        assert_eq!(e.get_str("source.ip"), Some("127.0.0.1"));
        assert_eq!(e.get_str("http.request.method"), Some("POST"));
        assert_eq!(e.get_str("url.path"), Some("/api/jobs/"));
        assert_eq!(e.get_i64("http.response.status_code"), Some(401));
        assert_eq!(e.get_i64("http.response.body.bytes"), Some(205));
        assert_eq!(e.get_i64("event.duration"), Some(307_000));
        assert_eq!(e.get_str("user_agent.original"), Some("curl/7.88.1"));
        assert_eq!(e.get_str("http.request.referrer"), None);
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.action.as_deref(), Some("authentication-failed"));
        assert!(e.category.contains(&"authentication".to_string()));
        assert_eq!(e.get_str("ray.api.operation"), Some("job-submit"));
        assert_eq!(
            e.get_str("labels.request_start"),
            Some("2026-11-22T12:37:43Z")
        );
    }

    #[test]
    fn wrong_token() {
        let e = ev(
            "127.0.0.1 [22/Nov/2026:12:37:43 +0000] 'GET /api/v0/nodes HTTP/1.1' 403 199 bytes 379 us '-' 'curl/7.88.1'",
        );
        assert_eq!(e.action.as_deref(), Some("authentication-failed"));
        assert!(e.category.contains(&"iam".to_string()));
        assert!(e.category.contains(&"authentication".to_string()));
        assert_eq!(e.outcome, Outcome::Failure);
    }

    #[test]
    fn submission_stop_delete() {
        let e = ev(
            "127.0.0.1 [22/Nov/2026:12:38:04 +0000] 'POST /api/jobs/ HTTP/1.1' 200 238 bytes 17932 us '-' 'curl/7.88.1'",
        );
        assert_eq!(e.action.as_deref(), Some("job-submitted"));
        assert_eq!(e.outcome, Outcome::Success);
        let e = ev(
            "127.0.0.1 [22/Nov/2026:12:45:30 +0000] 'POST /api/jobs/sample_ldp/stop HTTP/1.1' 200 177 bytes 900 us '-' 'curl/7.88.1'",
        );
        assert_eq!(e.action.as_deref(), Some("job-stopped"));
        assert_eq!(e.get_str("ray.job.submission_id"), Some("sample_ldp"));
        let e = ev(
            "127.0.0.1 [22/Nov/2026:12:45:31 +0000] 'DELETE /api/jobs/sample_ldp HTTP/1.1' 200 176 bytes 900 us '-' 'curl/7.88.1'",
        );
        assert_eq!(e.action.as_deref(), Some("job-deleted"));
        assert_eq!(e.event_type, ["access", "deletion"]);
        let e = ev(
            "127.0.0.1 [22/Nov/2026:12:45:27 +0000] 'POST /api/jobs/ HTTP/1.1' 405 215 bytes 544 us '-' 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'",
        );
        assert_eq!(e.action.as_deref(), Some("browser-request-denied"));
        assert_eq!(
            e.get_str("user_agent.original"),
            Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
        );
    }

    #[test]
    fn agent_format_and_websocket() {
        let e = ev(
            r#"127.0.0.1 [22/Nov/2026:12:37:31 +0000] "POST /api/job_agent/jobs/ HTTP/1.1" 200 218 "-" "Python/3.11 aiohttp/3.14.5""#,
        );
        assert_eq!(e.action.as_deref(), Some("job-submitted"));
        assert_eq!(e.get_i64("http.response.body.bytes"), Some(218));
        assert_eq!(e.get("event.duration"), None);
        assert_eq!(
            e.get_str("user_agent.original"),
            Some("Python/3.11 aiohttp/3.14.5")
        );
        let e = ev(
            "127.0.0.1 [22/Nov/2026:12:37:31 +0000] 'GET /api/jobs/benign-dev-1/logs/tail HTTP/1.1' 101 0 bytes 7048727 us '-' 'Python/3.11 aiohttp/3.14.5'",
        );
        assert_eq!(e.outcome, Outcome::Success);
        assert_eq!(e.get_str("ray.api.operation"), Some("job-logs"));
        assert_eq!(e.get_i64("event.duration"), Some(7_048_727_000));
        let e = ev(
            "127.0.0.1 [22/Nov/2026:12:37:21 +0000] 'GET /nodes?view=summary HTTP/1.1' 200 13457 bytes 12478 us '-' 'curl/7.88.1'",
        );
        assert_eq!(
            (e.get_str("url.path"), e.get_str("url.query")),
            (Some("/nodes"), Some("view=summary"))
        );
        // The request target whole, as SigmaHQ's webserver rules read it (`cs-uri-query`).
        assert_eq!(e.get_str("url.original"), Some("/nodes?view=summary"));
    }

    #[test]
    fn hostile_paths_and_junk() {
        let e = ev(
            "10.0.0.9 [22/Nov/2026:12:37:43 +0000] 'GET /api/jobs/x' 200 1' HTTP/1.1' 404 5 bytes 7 us 'ref' 'agent 'quoted''",
        );
        assert_eq!(e.get_i64("http.response.status_code"), Some(200));
        for m in [
            "",
            "x",
            "127.0.0.1 [",
            "127.0.0.1 [t] 'GET / HTTP/1.1'",
            "a b [t] 'x' 200 1",
            "127.0.0.1 [t] 'GET / HTTP/1.1' 2x0 1",
        ] {
            assert!(parse(m).is_none(), "{m:?}");
        }
    }
}
