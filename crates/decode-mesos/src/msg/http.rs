//! HTTP request logging (common/http.cpp `logRequest`/`logResponse`), the
//! operator and agent APIs (`Processing call X`, `Processing X call ...`)
//! and scheduler calls.
//!
//! Mesos logs no line for a request refused by HTTP authentication (401) or
//! by authorization (403): what is visible is the request line, and for the
//! operator API the call type that follows it.

use super::{Line, mark, mark_outcome};
use crate::actions as a;
use crate::stream::StreamState;
use crate::text::{self, quoted, set_source_upid};
use sightline_decode::{Event, Outcome, field, helpers};
use sightline_event::action;

pub fn classify(word: &str, line: &Line<'_>, ev: &mut Event, _st: &mut StreamState) -> bool {
    let m = line.msg;
    match word {
        "HTTP" => request(m, ev),
        "Processing" => processing(m, ev),
        "Redirecting" => redirecting(m, ev),
        _ => false,
    }
}

/// `HTTP <METHOD> for <url> from <ip>:<port>[ with User-Agent='<ua>'][ with X-Forwarded-For='<xff>']`
/// and `HTTP <METHOD> for <url> from <ip>:<port>: '<status line>' after <ms>ms`.
fn request(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("HTTP ") else {
        return false;
    };
    let (method, rest) = text::token(rest);
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let Some(rest) = rest.strip_prefix(" for ") else {
        return false;
    };
    let Some(i) = text::find(rest, " from ") else {
        return false;
    };
    let (url, rest) = (&rest[..i], &rest[i + " from ".len()..]);
    ev.set(field::HTTP_REQUEST_METHOD, method);
    ev.set(field::URL_ORIGINAL, url);
    helpers::set_url(ev, url);
    // The response line: `<addr>: '<status>' after <d>`.
    if let Some(j) = text::find(rest, ": '") {
        let addr = &rest[..j];
        helpers::set_source_addr(ev, addr);
        let tail = &rest[j + 2..];
        let (status_line, after) = match quoted(tail) {
            Some(x) => x,
            None => (tail.trim_matches('\''), ""),
        };
        let code = status_line
            .split(' ')
            .next()
            .and_then(|c| c.parse::<u16>().ok());
        mark(ev, a::HTTP_RESPONSE, &["web"], &["access"]);
        if let Some(code) = code {
            helpers::set_http_status(ev, code);
        }
        if let Some(d) = after
            .trim()
            .strip_prefix("after ")
            .and_then(text::duration_nanos)
        {
            ev.set(field::EVENT_DURATION, d);
        }
        return true;
    }
    mark(ev, action::HTTP_REQUEST, &["web"], &["access"]);
    let (addr, headers) = match text::find(rest, " with ") {
        Some(j) => (&rest[..j], &rest[j..]),
        None => (rest.trim_end(), ""),
    };
    helpers::set_source_addr(ev, addr);
    if let Some(h) = headers.strip_prefix(" with User-Agent='") {
        let (ua, xff) = match text::find(h, "' with X-Forwarded-For='") {
            Some(k) => (&h[..k], Some(&h[k + "' with X-Forwarded-For='".len()..])),
            None => (h, None),
        };
        ev.set(
            field::USER_AGENT_ORIGINAL,
            ua.strip_suffix('\'').unwrap_or(ua),
        );
        if let Some(x) = xff {
            set_forwarded_for(ev, x.strip_suffix('\'').unwrap_or(x));
        }
    } else if let Some(x) = headers.strip_prefix(" with X-Forwarded-For='") {
        set_forwarded_for(ev, x.strip_suffix('\'').unwrap_or(x));
    }
    true
}

/// Behind a proxy the real client is only in `X-Forwarded-For`.
fn set_forwarded_for(ev: &mut Event, xff: &str) {
    ev.label("x_forwarded_for", xff);
}

/// Scheduler API call types (mesos/v1/scheduler.proto).
const SCHEDULER_CALLS: &[&str] = &[
    "ACCEPT",
    "ACCEPT_INVERSE_OFFERS",
    "ACKNOWLEDGE",
    "ACKNOWLEDGE_OPERATION_STATUS",
    "DECLINE",
    "DECLINE_INVERSE_OFFERS",
    "KILL",
    "MESSAGE",
    "RECONCILE",
    "RECONCILE_OPERATIONS",
    "REQUEST",
    "REVIVE",
    "SHUTDOWN",
    "SUBSCRIBE",
    "SUPPRESS",
    "TEARDOWN",
    "UPDATE_FRAMEWORK",
];

/// Operator/agent calls that only read.
fn read_only(call: &str) -> bool {
    call.starts_with("GET_")
        || call.starts_with("WAIT_")
        || matches!(call, "SUBSCRIBE" | "READ_FILE" | "ATTACH_CONTAINER_OUTPUT")
}

/// Calls that give a shell or a stream into a container.
fn interactive(call: &str) -> bool {
    matches!(
        call,
        "LAUNCH_NESTED_CONTAINER_SESSION"
            | "ATTACH_CONTAINER_INPUT"
            | "ATTACH_CONTAINER_OUTPUT"
            | "LAUNCH_NESTED_CONTAINER"
            | "LAUNCH_CONTAINER"
    )
}

fn is_call_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
}

fn api_call(ev: &mut Event, call: &str) {
    if read_only(call) {
        mark(ev, a::API_CALL, &["api"], &["access"]);
    } else {
        mark(ev, a::API_CALL, &["api"], &["change", "admin"]);
    }
    if interactive(call) {
        ev.add_category("process");
    }
    ev.set(field::MESOS_CALL, call);
}

fn processing(m: &str, ev: &mut Event) -> bool {
    // Operator API (master/http.cpp): `Processing call <TYPE>`.
    if let Some(call) = m.strip_prefix("Processing call ") {
        let call = text::token(call).0;
        if !is_call_name(call) {
            return false;
        }
        api_call(ev, call);
        return true;
    }
    let Some(rest) = m.strip_prefix("Processing ") else {
        return false;
    };
    let (call, rest) = text::token(rest);
    if !is_call_name(call) {
        return false;
    }
    // `Processing GROW_VOLUME operation ...`
    if rest.starts_with(" operation") {
        mark(ev, a::OPERATION_APPLIED, &["configuration"], &["change"]);
        ev.set(field::MESOS_OPERATION_TYPE, call);
        if let Some(fw) = text::framework_after(rest, "framework ") {
            text::set_framework(ev, &fw);
        }
        return true;
    }
    let Some(rest) = rest.strip_prefix(" call") else {
        return false;
    };
    if SCHEDULER_CALLS.contains(&call)
        && (rest.is_empty() || rest.starts_with(" for ") || rest.starts_with(':'))
    {
        scheduler_call(call, rest, ev);
    } else {
        // Agent API (slave/http.cpp): `Processing <TYPE> call[ for container '<id>'| for path '<p>'| for level <n>]`.
        api_call(ev, call);
        if let Some((c, _)) =
            text::find(rest, "container '").and_then(|i| quoted(&rest[i + "container ".len()..]))
        {
            ev.set(field::MESOS_CONTAINER_ID, c);
        }
        if let Some((p, _)) =
            text::find(rest, "path '").and_then(|i| quoted(&rest[i + "path ".len()..]))
        {
            ev.set(field::FILE_PATH, p);
        }
        if let Some(level) = rest.strip_prefix(" for level ") {
            ev.set_action(a::LOGGING_LEVEL_CHANGED);
            ev.label("logging_level", text::token(level).0);
        }
    }
    true
}

/// Scheduler calls as the master processes them; the scheduler is the actor.
fn scheduler_call(call: &str, rest: &str, ev: &mut Event) {
    match call {
        "TEARDOWN" => mark(
            ev,
            a::FRAMEWORK_TEARDOWN,
            &["process", "api"],
            &["end", "deletion"],
        ),
        "KILL" => mark(ev, action::JOB_STOPPED, &["process", "api"], &["end"]),
        _ => mark(ev, a::SCHEDULER_CALL, &["process", "api"], &["info"]),
    };
    ev.set(field::MESOS_CALL, call);
    if let Some(ids) = rest
        .strip_prefix(" for offers: ")
        .or_else(|| rest.strip_prefix(" for offers "))
    {
        text::set_ids(ev, field::MESOS_OFFER_ID, text::id_list(ids));
    }
    // `for task '<t>' of framework` (KILL) or `for task <t> of framework` (ACKNOWLEDGE).
    if let Some(i) = text::find(rest, " for task ") {
        let t = &rest[i + " for task ".len()..];
        match quoted(t) {
            Some((id, _)) => {
                ev.set(field::MESOS_TASK_ID, id);
            }
            None => {
                if let Some(j) = text::find(t, " of framework ") {
                    ev.set(field::MESOS_TASK_ID, &t[..j]);
                }
            }
        }
    }
    if let Some(uuid) = rest.strip_prefix(" for status ") {
        ev.set(field::MESOS_TASK_STATUS_UUID, text::token(uuid).0);
    }
    let fw = text::framework_after(rest, "for framework ")
        .or_else(|| text::framework_after(rest, "of framework "));
    if let Some(fw) = fw {
        text::set_framework(ev, &fw);
        if let Some(u) = &fw.pid {
            set_source_upid(ev, u);
        }
    }
    if let Some(agent) = text::agent_after(rest, "on agent ") {
        text::set_agent(ev, &agent, false);
    }
    if let Some(f) = text::between(rest, " with ", " filter") {
        ev.label("filter", f);
    }
    if call == "DECLINE" || call == "ACCEPT" {
        ev.outcome = if call == "ACCEPT" {
            Outcome::Success
        } else {
            Outcome::Unknown
        };
    }
}

/// `Redirecting request for <url> to the leading master <host>`
fn redirecting(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Redirecting request for ") else {
        return false;
    };
    mark_outcome(
        ev,
        a::HTTP_REDIRECT,
        &["web"],
        &["access"],
        Outcome::Unknown,
    );
    let (url, rest) = text::token(rest);
    helpers::set_url(ev, url);
    ev.set(field::URL_ORIGINAL, url);
    if let Some(h) = rest.strip_prefix(" to the leading master ") {
        ev.label("leading_master", h.trim());
    }
    true
}
