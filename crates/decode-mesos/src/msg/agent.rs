//! Agent lifecycle, from the master (registration, removal, maintenance)
//! and from the agent (its master, its own identity).

use super::{Line, mark, mark_outcome};
use crate::actions as a;
use crate::resources;
use crate::stream::StreamState;
use crate::text::{self, quoted, set_source_upid, upid};
use sightline_decode::{Event, Outcome, field};
use sightline_event::action;

pub fn classify(word: &str, line: &Line<'_>, ev: &mut Event, st: &mut StreamState) -> bool {
    let m = line.msg;
    match word {
        "Received" => received(m, ev),
        "Registering" | "Re-registering" => registering(m, ev),
        "Registered" | "Re-registered" => registered(m, ev),
        "Agent" => agent(m, ev, st),
        "Ignoring" => ignoring(m, ev),
        "Scheduling" => scheduling(m, ev),
        "Marking" | "Marked" => marking(m, ev),
        "Removing" | "Removed" | "Added" => master_view(m, line, ev),
        "Allowing" => allowing(m, ev),
        "New" => new_master(m, ev),
        "Master" => master_disconnected(m, ev),
        "Got" => got_exited(m, ev),
        "Transitioning" | "Updating" => maintenance(m, ev),
        _ => false,
    }
}

/// `Received register agent message from <pid> (<host>)`,
/// `Received reregister agent message from agent <id> at <pid> (<host>)`.
fn received(m: &str, ev: &mut Event) -> bool {
    let rest = m
        .strip_prefix("Received register agent message from ")
        .or_else(|| m.strip_prefix("Received reregister agent message from "))
        .or_else(|| m.strip_prefix("Received re-register agent message from "));
    let Some(rest) = rest else { return false };
    mark(ev, a::AGENT_REGISTRATION_RECEIVED, &["host"], &["start"]);
    let rest = rest.strip_prefix("agent ").unwrap_or(rest);
    if let Some((agent, _)) = text::agent_ref(rest) {
        text::set_agent(ev, &agent, true);
    }
    if m.starts_with("Received re") {
        ev.label("reregistration", "true");
    }
    true
}

/// `Registering agent at <pid> (<host>) with id <id>`, `Re-registering agent <slave>`.
fn registering(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m
        .strip_prefix("Registering agent ")
        .or_else(|| m.strip_prefix("Re-registering agent "))
    else {
        return false;
    };
    let Some((agent, rest)) = text::agent_ref(rest) else {
        return false;
    };
    mark(ev, a::AGENT_REGISTERING, &["host"], &["creation"]);
    text::set_agent(ev, &agent, true);
    if let Some(id) = rest.strip_prefix(" with id ") {
        ev.set(field::MESOS_AGENT_ID, text::token(id).0);
    }
    true
}

/// Master: `Registered agent <slave> with <res>`, `Re-registered agent <slave> with <res>`.
/// Agent: `Registered with master <pid>; given agent ID <id>`, `Re-registered with master <pid>`.
fn registered(m: &str, ev: &mut Event) -> bool {
    let re = m.starts_with("Re-");
    let types: &[&str] = if re { &["change"] } else { &["creation"] };
    if let Some(rest) = m
        .strip_prefix("Registered agent ")
        .or_else(|| m.strip_prefix("Re-registered agent "))
    {
        let Some((agent, rest)) = text::agent_ref(rest) else {
            return false;
        };
        mark_outcome(
            ev,
            action::NODE_REGISTERED,
            &["host"],
            types,
            Outcome::Success,
        );
        text::set_agent(ev, &agent, true);
        if let Some(res) = rest.strip_prefix(" with ") {
            resources::set(ev, res);
        }
        return true;
    }
    if let Some(rest) = m
        .strip_prefix("Registered with master ")
        .or_else(|| m.strip_prefix("Re-registered with master "))
    {
        mark_outcome(
            ev,
            action::NODE_REGISTERED,
            &["host"],
            types,
            Outcome::Success,
        );
        if let Some((u, rest)) = upid(rest) {
            ev.set(field::MESOS_UPID, u.text);
            text::set_destination_addr(ev, u.addr);
            if let Some(id) =
                text::find(rest, "given agent ID ").map(|i| &rest[i + "given agent ID ".len()..])
            {
                ev.set(field::MESOS_AGENT_ID, text::token(id).0);
            }
        }
        return true;
    }
    false
}

fn agent(m: &str, ev: &mut Event, st: &mut StreamState) -> bool {
    if let Some(p) = m.strip_prefix("Agent using credential for: ") {
        let p = p.trim();
        mark(
            ev,
            action::CONFIGURATION,
            &["configuration", "authentication"],
            &["info"],
        );
        ev.set(field::USER_NAME, p);
        ev.set(field::MESOS_PRINCIPAL, p);
        st.agent_principal = Some(p.to_owned());
        return true;
    }
    if let Some(res) = m.strip_prefix("Agent resources: ") {
        mark(
            ev,
            action::CONFIGURATION,
            &["configuration", "host"],
            &["info"],
        );
        resources::set(ev, res);
        return true;
    }
    if let Some(h) = m.strip_prefix("Agent hostname: ") {
        mark(
            ev,
            action::CONFIGURATION,
            &["configuration", "host"],
            &["info"],
        );
        ev.set(field::MESOS_AGENT_HOSTNAME, h.trim());
        return true;
    }
    if let Some(attrs) = m.strip_prefix("Agent attributes: ") {
        mark(
            ev,
            action::CONFIGURATION,
            &["configuration", "host"],
            &["info"],
        );
        let list = text::id_list(attrs);
        if !list.is_empty() {
            ev.label("agent_attributes", list.join(","));
        }
        return true;
    }
    if let Some(rest) = m.strip_prefix("Agent asked to shut down by ") {
        mark(ev, a::AGENT_SHUTDOWN_REQUESTED, &["host"], &["end"]);
        if let Some((u, rest)) = upid(rest) {
            set_source_upid(ev, &u);
            if let Some((why, _)) = rest.strip_prefix(" because ").and_then(quoted) {
                ev.set(field::ERROR_MESSAGE, why);
            }
        }
        return true;
    }
    let Some((agent, rest)) = m.strip_prefix("Agent ").and_then(text::agent_ref) else {
        return false;
    };
    let rest = rest.trim_start();
    if rest.starts_with("attempted to reregister with different IP")
        || rest.starts_with("attempted to re-register with different IP")
    {
        // Someone presents an existing agent id from another address.
        mark_outcome(
            ev,
            a::AGENT_REGISTRATION_REFUSED,
            &["host", "authentication"],
            &["denied"],
            Outcome::Failure,
        );
        text::set_agent(ev, &agent, true);
        ev.set(field::ERROR_TYPE, "address-mismatch");
        if let Some(exp) = text::between(rest, "expected ", " shutting") {
            ev.label("expected_agent", exp.trim());
        }
        return true;
    }
    if rest.starts_with("disconnected") {
        mark(ev, a::AGENT_DISCONNECTED, &["host"], &["info"]);
    } else if rest.starts_with("successfully marked as DRAINED")
        || rest.starts_with("marked as DRAINED")
    {
        mark(ev, a::AGENT_MAINTENANCE, &["host"], &["change"]);
        ev.label("maintenance", "drained");
    } else {
        return false;
    }
    text::set_agent(ev, &agent, true);
    true
}

/// `Ignoring registration attempt from old agent at <pid>: agent version is <v>, ...`
fn ignoring(m: &str, ev: &mut Event) -> bool {
    let rest = m
        .strip_prefix("Ignoring registration attempt from old agent ")
        .or_else(|| m.strip_prefix("Ignoring re-registration attempt from old agent "));
    let Some(rest) = rest else { return false };
    mark_outcome(
        ev,
        a::AGENT_REGISTRATION_REFUSED,
        &["host"],
        &["denied"],
        Outcome::Failure,
    );
    ev.set(field::ERROR_TYPE, "agent-version");
    if let Some((agent, rest)) = text::agent_ref(rest) {
        text::set_agent(ev, &agent, true);
        ev.set(field::ERROR_MESSAGE, rest.trim_start_matches(':').trim());
    }
    true
}

/// `Scheduling removal of agent <slave>; did not reregister within 10mins after disconnecting`
fn scheduling(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Scheduling removal of agent ") else {
        return false;
    };
    mark(ev, a::AGENT_REMOVAL_SCHEDULED, &["host"], &["info"]);
    if let Some((agent, rest)) = text::agent_ref(rest) {
        text::set_agent(ev, &agent, true);
        ev.set(field::ERROR_MESSAGE, rest.trim_start_matches(';').trim());
    }
    true
}

/// `Marking agent <id> (<host>) unreachable: <reason>`, `Marked agent ...`,
/// `Marking agent '<id>' as gone` (operator MARK_AGENT_GONE).
fn marking(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m
        .strip_prefix("Marking agent ")
        .or_else(|| m.strip_prefix("Marked agent "))
    else {
        return false;
    };
    if let Some((id, r)) = quoted(rest)
        && r.trim_start().starts_with("as gone")
    {
        mark(ev, action::NODE_REMOVED, &["host"], &["deletion"]);
        ev.set(field::MESOS_AGENT_ID, id);
        ev.label("removal", "gone");
        return true;
    }
    let Some((agent, rest)) = text::agent_ref(rest) else {
        return false;
    };
    mark(ev, a::AGENT_UNREACHABLE, &["host"], &["change"]);
    text::set_agent(ev, &agent, true);
    if let Some(reason) = rest.trim_start().strip_prefix("unreachable") {
        let reason = reason.trim_start_matches(':').trim();
        if !reason.is_empty() {
            ev.set(field::ERROR_MESSAGE, reason);
        }
    }
    true
}

/// Master: `Removing agent <slave>: <message>`, `Removed agent <slave>: <cause>`;
/// allocator: `Added agent <id> (<host>) with <res> (offered or allocated: <res>)`, `Removed agent <id>`;
/// maintenance: `Removing unavailability of agent <slave>`.
fn master_view(m: &str, line: &Line<'_>, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Removing unavailability of agent ") {
        mark(ev, a::AGENT_MAINTENANCE, &["host"], &["change"]);
        if let Some((agent, _)) = text::agent_ref(rest) {
            text::set_agent(ev, &agent, true);
        }
        return true;
    }
    let allocator = line.file == "hierarchical.cpp";
    if let Some(rest) = m.strip_prefix("Added agent ") {
        let Some((agent, rest)) = text::agent_ref(rest) else {
            return false;
        };
        mark(ev, a::ALLOCATOR_AGENT_ADDED, &["host"], &["info"]);
        text::set_agent(ev, &agent, true);
        if let Some(res) = rest.strip_prefix(" with ") {
            let res = text::find(res, " (offered or allocated").map_or(res, |i| &res[..i]);
            resources::set(ev, res);
        }
        return true;
    }
    let (removing, rest) = match (
        m.strip_prefix("Removing agent "),
        m.strip_prefix("Removed agent "),
    ) {
        (Some(r), _) => (true, r),
        (_, Some(r)) => (false, r),
        _ => return false,
    };
    let Some((agent, rest)) = text::agent_ref(rest) else {
        return false;
    };
    text::set_agent(ev, &agent, true);
    let reason = rest.trim_start_matches(':').trim();
    if !reason.is_empty() {
        ev.set(field::ERROR_MESSAGE, reason);
    }
    if allocator && !removing {
        mark(ev, a::ALLOCATOR_AGENT_REMOVED, &["host"], &["info"]);
    } else if removing {
        mark(ev, a::AGENT_REMOVING, &["host"], &["deletion"]);
    } else {
        mark(ev, action::NODE_REMOVED, &["host"], &["deletion"]);
    }
    true
}

/// `Allowing UNKNOWN agent to reregister: <info>`
fn allowing(m: &str, ev: &mut Event) -> bool {
    if !m.starts_with("Allowing UNKNOWN agent to re") {
        return false;
    }
    mark_outcome(
        ev,
        a::AGENT_REGISTRATION_RECEIVED,
        &["host"],
        &["allowed"],
        Outcome::Success,
    );
    ev.label("unknown_agent", "true");
    if let Some(id) = text::between(m, "id { value: \"", "\"") {
        ev.set(field::MESOS_AGENT_ID, id);
    }
    true
}

/// Agent: `New master detected at <pid>`.
fn new_master(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("New master detected at ") else {
        return false;
    };
    mark(ev, a::MASTER_DETECTED, &["host"], &["info"]);
    if let Some((u, _)) = upid(rest) {
        ev.set(field::MESOS_UPID, u.text);
        text::set_destination_addr(ev, u.addr);
    }
    true
}

/// Agent: `Master disconnected! Waiting for a new master to be elected`.
fn master_disconnected(m: &str, ev: &mut Event) -> bool {
    if !m.starts_with("Master disconnected") {
        return false;
    }
    mark(ev, a::MASTER_DISCONNECTED, &["host"], &["info"]);
    true
}

/// Agent: `Got exited event for master@<ip>:<port>`.
fn got_exited(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Got exited event for ") else {
        return false;
    };
    let Some((u, _)) = upid(rest) else {
        return false;
    };
    if !u.text.starts_with("master@") {
        return false;
    }
    // The warning `Master disconnected!` that follows carries the action.
    ev.add_category("host").add_type("info");
    ev.set(field::MESOS_UPID, u.text);
    text::set_destination_addr(ev, u.addr);
    true
}

/// `Transitioning agent <id> to the DRAINING state; ...`, `Updating unavailability of agent <slave>, starting at <t>`.
fn maintenance(m: &str, ev: &mut Event) -> bool {
    let rest = m
        .strip_prefix("Transitioning agent ")
        .or_else(|| m.strip_prefix("Updating unavailability of agent "));
    let Some(rest) = rest else { return false };
    let Some((agent, _)) = text::agent_ref(rest) else {
        return false;
    };
    mark(ev, a::AGENT_MAINTENANCE, &["host"], &["change"]);
    text::set_agent(ev, &agent, true);
    if let Some(state) = text::between(m, " to the ", " state") {
        ev.label("maintenance", state);
    }
    true
}
