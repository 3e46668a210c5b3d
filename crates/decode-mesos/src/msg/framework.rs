//! Framework lifecycle: subscription, failover, teardown, removal, and the
//! allocator's view of frameworks.

use super::{Line, mark, mark_outcome};
use crate::actions as a;
use crate::stream::StreamState;
use crate::text::{self, FrameworkRef, quoted, set_source_upid, upid};
use sightline_decode::{Event, Outcome, field};

pub fn classify(word: &str, line: &Line<'_>, ev: &mut Event, _st: &mut StreamState) -> bool {
    let m = line.msg;
    match word {
        "Received" => received(m, ev),
        "Subscribing" => subscribing(m, ev),
        "Framework" => framework(m, ev),
        "Giving" => giving(m, ev),
        "Disallowing" => disallowing(m, ev),
        "Ignoring" => ignoring(m, ev),
        "Adding" => adding(m, ev),
        "Added" => added(m, ev),
        "Removing" => removing(m, ev),
        "Removed" => removed(m, ev),
        "Deactivated" | "Activated" | "Suppressed" | "Unsuppressed" => allocator(m, ev),
        _ => false,
    }
}

/// Sets the framework, with its scheduler as the actor.
fn set_actor(ev: &mut Event, fw: &FrameworkRef<'_>) {
    text::set_framework(ev, fw);
    if let Some(u) = &fw.pid {
        set_source_upid(ev, u);
    }
}

fn received(m: &str, ev: &mut Event) -> bool {
    // Driver: `Received SUBSCRIBE call for framework '<name>' at <pid>`;
    // HTTP: `Received subscription request for HTTP framework '<name>'`.
    let rest = m
        .strip_prefix("Received SUBSCRIBE call for framework ")
        .or_else(|| m.strip_prefix("Received subscription request for HTTP framework "))
        .or_else(|| m.strip_prefix("Received re-registration request from framework "))
        .or_else(|| m.strip_prefix("Received registration request for framework "));
    let Some(rest) = rest else { return false };
    mark(
        ev,
        a::FRAMEWORK_SUBSCRIBE_RECEIVED,
        &["process"],
        &["start"],
    );
    let (name, rest) = quoted(rest).unwrap_or(("", rest));
    if !name.is_empty() {
        ev.set(field::MESOS_FRAMEWORK_NAME, name);
    }
    if let Some((u, _)) = rest.strip_prefix(" at ").and_then(upid) {
        set_source_upid(ev, &u);
    }
    if m.starts_with("Received subscription request for HTTP") {
        ev.label("transport", "http");
    }
    true
}

/// `Subscribing framework <name> with checkpointing enabled and capabilities [ MULTI_ROLE, ... ]`
/// (the HTTP variant quotes the name). Logged once authentication and
/// authorization let the framework in.
fn subscribing(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Subscribing framework ") else {
        return false;
    };
    let name = match quoted(rest) {
        Some((n, r)) if r.starts_with(" with ") => n,
        _ => match text::find(rest, " with checkpointing ") {
            Some(i) => &rest[..i],
            None => text::token(rest).0,
        },
    };
    mark_outcome(
        ev,
        a::FRAMEWORK_SUBSCRIBED,
        &["process"],
        &["start", "allowed"],
        Outcome::Success,
    );
    ev.set(field::MESOS_FRAMEWORK_NAME, name);
    if let Some(c) = text::between(m, " with checkpointing ", " ") {
        ev.label("checkpointing", c);
    }
    if let Some(caps) = text::find(m, "capabilities [").map(|i| &m[i..]) {
        let caps = text::id_list(caps);
        if !caps.is_empty() {
            ev.set(field::MESOS_FRAMEWORK_CAPABILITIES, caps);
        }
    }
    true
}

fn framework(m: &str, ev: &mut Event) -> bool {
    // `Framework failover timeout, removing framework <fw>`
    if let Some(rest) = m.strip_prefix("Framework failover timeout, removing framework ") {
        mark(ev, a::FRAMEWORK_REMOVED, &["process"], &["end"]);
        ev.set(field::ERROR_MESSAGE, "failover timeout");
        if let Some((fw, _)) = text::framework_ref(rest) {
            set_actor(ev, &fw);
        }
        return true;
    }
    let Some((fw, rest)) = m.strip_prefix("Framework ").and_then(text::framework_ref) else {
        return false;
    };
    set_actor(ev, &fw);
    let rest = rest.trim_start();
    if rest.starts_with("failed over") {
        mark(ev, a::FRAMEWORK_FAILED_OVER, &["process"], &["change"]);
    } else if rest.starts_with("disconnected") {
        mark(ev, a::FRAMEWORK_DISCONNECTED, &["process"], &["info"]);
    } else if rest.starts_with("which had a principal") {
        // `... which had a principal  '<old>' tried to (re)subscribe with a new principal  '<new>'`
        mark_outcome(
            ev,
            a::FRAMEWORK_PRINCIPAL_CHANGED,
            &["iam"],
            &["change", "denied"],
            Outcome::Failure,
        );
        if let Some(old) = text::find(rest, "principal")
            .and_then(|i| quoted(rest[i + "principal".len()..].trim_start()))
        {
            ev.label("previous_principal", old.0);
        }
        if let Some(new) = text::find(rest, "new principal")
            .and_then(|i| quoted(rest[i + "new principal".len()..].trim_start()))
        {
            ev.set(field::USER_NAME, new.0);
            ev.set(field::MESOS_PRINCIPAL, new.0);
        }
    } else {
        ev.add_category("process").add_type("info");
    }
    true
}

/// `Giving framework <fw> <duration> to failover`
fn giving(m: &str, ev: &mut Event) -> bool {
    let Some((fw, rest)) = m
        .strip_prefix("Giving framework ")
        .and_then(text::framework_ref)
    else {
        return false;
    };
    mark(ev, a::FRAMEWORK_DISCONNECTED, &["process"], &["info"]);
    set_actor(ev, &fw);
    if let Some(d) = text::duration_nanos(rest.trim_start()) {
        ev.label("failover_timeout_ns", d.to_string());
    }
    true
}

/// `Disallowing subscription attempt of framework <fw> because it is not expected from <pid>`:
/// someone else's PID tried to take the framework over.
fn disallowing(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Disallowing subscription attempt of framework ") else {
        return false;
    };
    mark_outcome(
        ev,
        a::FRAMEWORK_SUBSCRIPTION_REFUSED,
        &["process"],
        &["denied"],
        Outcome::Failure,
    );
    ev.set(field::ERROR_TYPE, "unexpected-sender");
    if let Some((fw, _)) = text::framework_ref(rest) {
        text::set_framework(ev, &fw);
    }
    if let Some(u) = text::upid_after(rest, "not expected from ") {
        set_source_upid(ev, &u);
    }
    true
}

/// `Ignoring <message> ... because it is not expected from <pid>` and
/// `... because it is not from the registered framework <fw>`: messages that
/// claim a framework they do not come from.
fn ignoring(m: &str, ev: &mut Event) -> bool {
    let spoof = text::find(m, "because it is not expected from ")
        .or_else(|| text::find(m, "because it is not from the registered framework"));
    let Some(i) = spoof else { return false };
    mark_outcome(
        ev,
        a::UNEXPECTED_SENDER,
        &["network"],
        &["denied"],
        Outcome::Failure,
    );
    ev.set(field::ERROR_TYPE, "unexpected-sender");
    let (head, tail) = (&m[..i], &m[i..]);
    if let Some(u) = text::upid_after(tail, "not expected from ") {
        set_source_upid(ev, &u);
    } else if let Some(u) = text::upid_after(head, "from '") {
        set_source_upid(ev, &u);
    } else if let Some(u) = text::upid_after(head, "from ") {
        set_source_upid(ev, &u);
    }
    if let Some(fw) = text::framework_after(tail, "registered framework ")
        .or_else(|| text::framework_after(head, "framework "))
    {
        text::set_framework(ev, &fw);
    }
    if let Some(ids) = text::find(head, "offers [").map(|j| &head[j..]) {
        text::set_ids(ev, field::MESOS_OFFER_ID, text::id_list(ids));
    }
    true
}

/// `Adding framework <fw> (<name>)[ at <pid>] with roles { r } suppressed`
fn adding(m: &str, ev: &mut Event) -> bool {
    let Some((fw, rest)) = m
        .strip_prefix("Adding framework ")
        .and_then(text::framework_ref)
    else {
        return false;
    };
    mark_outcome(
        ev,
        a::FRAMEWORK_ADDED,
        &["process"],
        &["creation"],
        Outcome::Success,
    );
    set_actor(ev, &fw);
    if text::contains(rest, "with roles ") {
        text::set_roles(ev, rest);
    }
    true
}

/// Allocator: `Added framework <id>`.
fn added(m: &str, ev: &mut Event) -> bool {
    let Some((fw, _)) = m
        .strip_prefix("Added framework ")
        .and_then(text::framework_ref)
    else {
        return false;
    };
    mark(ev, a::ALLOCATOR_FRAMEWORK_ADDED, &["process"], &["info"]);
    text::set_framework(ev, &fw);
    true
}

/// `Removing framework <fw> (<name>) at <pid>`
fn removing(m: &str, ev: &mut Event) -> bool {
    let Some((fw, _)) = m
        .strip_prefix("Removing framework ")
        .and_then(text::framework_ref)
    else {
        return false;
    };
    mark(ev, a::FRAMEWORK_REMOVED, &["process"], &["end", "deletion"]);
    set_actor(ev, &fw);
    true
}

/// Allocator: `Removed framework <id>`.
fn removed(m: &str, ev: &mut Event) -> bool {
    let Some((fw, _)) = m
        .strip_prefix("Removed framework ")
        .and_then(text::framework_ref)
    else {
        return false;
    };
    mark(ev, a::ALLOCATOR_FRAMEWORK_REMOVED, &["process"], &["info"]);
    text::set_framework(ev, &fw);
    true
}

/// Allocator: `Deactivated framework <id>`, `Suppressed offers for roles { r } of framework <id>`...
fn allocator(m: &str, ev: &mut Event) -> bool {
    let Some(fw) = text::framework_after(m, "framework ") else {
        return false;
    };
    mark(
        ev,
        a::ALLOCATOR_FRAMEWORK_CHANGED,
        &["process"],
        &["change"],
    );
    text::set_framework(ev, &fw);
    if text::contains(m, "roles {") {
        text::set_roles(ev, m);
    }
    true
}
