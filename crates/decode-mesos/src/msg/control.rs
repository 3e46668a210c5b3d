//! The control plane: start-up banner and flags, leader election and
//! ZooKeeper, process exit, quota and allocator-wide settings.

use super::{Line, mark, mark_outcome};
use crate::actions as a;
use crate::resources;
use crate::stream::StreamState;
use crate::text::{self, quoted, upid};
use sightline_decode::{Event, Outcome, field};
use sightline_event::action;

pub fn classify(word: &str, line: &Line<'_>, ev: &mut Event, _st: &mut StreamState) -> bool {
    let m = line.msg;
    match word {
        "Flags" => flags(m, ev),
        "Build:" | "Version:" | "Git" => banner(m, ev),
        "Master" => master(m, line, ev),
        "Mesos" => agent_started(m, ev),
        "Elected" | "The" | "A" | "Detected" => leader(m, ev),
        "Lost" | "Timed" | "ZooKeeper" | "Group" => zookeeper(m, ev),
        "EXIT" => exit(m, ev),
        "Whitelist" => {
            mark(ev, action::CONFIGURATION, &["configuration"], &["info"]);
            true
        }
        "Updated" | "Updating" | "Using" => quota(m, ev),
        "INFO" | "WARNING" | "ERROR" => logging_started(m, ev),
        _ => false,
    }
}

/// `Flags at startup: --name="value" ...`: every flag as `mesos.flags.<name>`,
/// the record of the security configuration at boot.
fn flags(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Flags at startup: ") else {
        return false;
    };
    mark(ev, action::CONFIGURATION, &["configuration"], &["info"]);
    let flags: Vec<String> = parse_flags(rest)
        .into_iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    if !flags.is_empty() {
        ev.set(field::MESOS_FLAGS, flags);
    }
    true
}

/// Splits `--a="1" --b="x y" --c=2` into pairs. A quoted value ends at the
/// quote followed by ` --` or the end, so values holding quotes or spaces
/// (inline JSON ACLs) stay whole. Names other than `[a-z0-9_]` are skipped,
/// and at most 500 flags are read.
pub(crate) fn parse_flags(s: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while let Some(r) = rest.strip_prefix("--") {
        if out.len() >= 500 {
            break;
        }
        let eq = r.find(['=', ' ']).unwrap_or(r.len());
        let name = &r[..eq];
        let after = &r[eq..];
        let (value, next) = if let Some(v) = after.strip_prefix("=\"") {
            match text::find(v, "\" --") {
                Some(i) => (&v[..i], &v[i + 2..]),
                None => (v.strip_suffix('"').unwrap_or(v), ""),
            }
        } else if let Some(v) = after.strip_prefix('=') {
            match text::find(v, " --") {
                Some(i) => (&v[..i], &v[i + 1..]),
                None => (v, ""),
            }
        } else {
            // A bare `--name`: a boolean switch.
            ("true", after.trim_start())
        };
        if !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            out.push((name, value));
        }
        rest = next.trim_start();
    }
    out
}

fn banner(m: &str, ev: &mut Event) -> bool {
    if let Some(v) = m.strip_prefix("Version: ") {
        ev.set(field::SERVICE_VERSION, v.trim());
    } else if let Some(v) = m.strip_prefix("Git SHA: ") {
        ev.label("git_sha", v.trim());
    } else if let Some(v) = m.strip_prefix("Git tag: ") {
        ev.label("git_tag", v.trim());
    } else if let Some(v) = m.strip_prefix("Build: ") {
        ev.label("build", v.trim());
    } else {
        return false;
    }
    mark(ev, action::CONFIGURATION, &["configuration"], &["info"]);
    true
}

fn master(m: &str, line: &Line<'_>, ev: &mut Event) -> bool {
    // `Master <id> (<host>) started on <ip>:<port>`
    if let Some(i) = text::find(m, ") started on ") {
        mark_outcome(
            ev,
            a::SERVICE_STARTED,
            &["process"],
            &["start"],
            Outcome::Success,
        );
        let head = &m["Master ".len().min(i)..i];
        if let Some((id, host)) = head.split_once(" (") {
            ev.label("master_id", id);
            ev.label("master_hostname", host);
        }
        set_host_ip(ev, &m[i + ") started on ".len()..]);
        return true;
    }
    // Authentication policy at start: each line states one flag.
    let policy = [
        (
            "Master only allowing authenticated frameworks to register",
            "authenticate_frameworks",
            "true",
        ),
        (
            "Master allowing unauthenticated frameworks to register",
            "authenticate_frameworks",
            "false",
        ),
        (
            "Master only allowing authenticated agents to register",
            "authenticate_agents",
            "true",
        ),
        (
            "Master allowing unauthenticated agents to register",
            "authenticate_agents",
            "false",
        ),
        (
            "Master only allowing authenticated HTTP frameworks to register",
            "authenticate_http_frameworks",
            "true",
        ),
        (
            "Master allowing HTTP frameworks to register without authentication",
            "authenticate_http_frameworks",
            "false",
        ),
    ];
    for (text, flag, value) in policy {
        if m.starts_with(text) {
            mark(
                ev,
                action::CONFIGURATION,
                &["configuration", "authentication"],
                &["info"],
            );
            ev.set(field::MESOS_FLAGS, vec![format!("{flag}={value}")]);
            return true;
        }
    }
    if m.starts_with("Master bound to loopback interface") {
        mark(
            ev,
            action::CONFIGURATION,
            &["configuration", "network"],
            &["info"],
        );
        ev.set(field::ERROR_MESSAGE, line.full);
        return true;
    }
    false
}

/// `ip:port` of the daemon itself: `host.ip`.
fn set_host_ip(ev: &mut Event, addr: &str) {
    let (ip, _) = sightline_decode::helpers::split_host_port(text::token(addr.trim()).0);
    if ip.parse::<std::net::IpAddr>().is_ok() {
        ev.set(field::HOST_IP, vec![ip.to_owned()]);
    }
}

/// `Mesos agent started on (1)@<ip>:<port>`
fn agent_started(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Mesos agent started on ") else {
        return false;
    };
    mark_outcome(
        ev,
        a::SERVICE_STARTED,
        &["process"],
        &["start"],
        Outcome::Success,
    );
    if let Some((_, addr)) = rest.split_once('@') {
        set_host_ip(ev, addr);
    }
    true
}

fn leader(m: &str, ev: &mut Event) -> bool {
    if m.starts_with("Elected as the leading master") {
        mark(ev, a::LEADER_ELECTED, &["host"], &["change"]);
        return true;
    }
    // `The newly elected leader is master@<ip>:<port> with id <masterID>`
    if let Some(rest) = m.strip_prefix("The newly elected leader is ") {
        mark(ev, a::LEADER_DETECTED, &["host"], &["info"]);
        if let Some((u, rest)) = upid(rest) {
            ev.set(field::MESOS_UPID, u.text);
            text::set_destination_addr(ev, u.addr);
            if let Some(id) = rest.strip_prefix(" with id ") {
                ev.label("master_id", text::token(id).0);
            }
        }
        return true;
    }
    // `A new leading master (UPID=master@<ip>:<port>) is detected`
    if let Some(rest) = m.strip_prefix("A new leading master (UPID=") {
        mark(ev, a::LEADER_DETECTED, &["host"], &["info"]);
        let pid = rest.split(')').next().unwrap_or(rest);
        if let Some((u, _)) = upid(pid) {
            ev.set(field::MESOS_UPID, u.text);
            text::set_destination_addr(ev, u.addr);
        }
        return true;
    }
    // ZooKeeper detector: `Detected a new leader: (id='2')`
    if m.starts_with("Detected a new leader") {
        mark(ev, a::LEADER_DETECTED, &["host"], &["info"]);
        if let Some(id) = text::between(m, "(id='", "'") {
            ev.label("leader_sequence", id);
        }
        return true;
    }
    false
}

fn zookeeper(m: &str, ev: &mut Event) -> bool {
    if m.starts_with("Lost connection to ZooKeeper") {
        mark_outcome(
            ev,
            a::ZOOKEEPER_DISCONNECTED,
            &["network"],
            &["connection", "end"],
            Outcome::Failure,
        );
        return true;
    }
    if m.starts_with("Timed out waiting to connect to ZooKeeper")
        || m.starts_with("ZooKeeper session expired")
    {
        mark_outcome(
            ev,
            a::ZOOKEEPER_SESSION_EXPIRED,
            &["network"],
            &["connection", "end"],
            Outcome::Failure,
        );
        if let Some(s) = text::between(m, "(sessionId=", ")") {
            ev.label("zookeeper_session", s);
        }
        return true;
    }
    if m.starts_with("Group process (") && text::contains(m, "connected to ZooKeeper") {
        mark_outcome(
            ev,
            a::ZOOKEEPER_CONNECTED,
            &["network"],
            &["connection", "start"],
            Outcome::Success,
        );
        return true;
    }
    if m.starts_with("Lost leadership") || m.starts_with("Lost candidacy") {
        mark_outcome(
            ev,
            a::LEADERSHIP_LOST,
            &["host"],
            &["change"],
            Outcome::Failure,
        );
        return true;
    }
    false
}

/// `EXIT with status <n>: <message>` (stout `EXIT`, logged at E before exiting).
fn exit(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("EXIT with status ") else {
        return false;
    };
    mark(ev, a::SERVICE_EXITED, &["process"], &["end"]);
    let (code, msg) = rest.split_once(':').unwrap_or((rest, ""));
    if let Ok(code) = code.trim().parse::<i64>() {
        ev.set(field::PROCESS_EXIT_CODE, code);
        ev.outcome = if code == 0 {
            Outcome::Success
        } else {
            Outcome::Failure
        };
    }
    let msg = msg.trim();
    if !msg.is_empty() {
        ev.set(field::ERROR_MESSAGE, msg);
    }
    if text::contains(msg, "leadership") || text::contains(msg, "candidacy") {
        ev.add_category("host").add_type("change");
        ev.label("leadership_lost", "true");
    }
    true
}

/// `Updated quota for role '<r>',  guarantees: <res> limits: <res>`,
/// `Updating '<role>' quota limit to '<res>'; ...`, `Using force flag to override quota overcommit check`.
fn quota(m: &str, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Updated quota for role ") {
        mark(ev, a::QUOTA_UPDATED, &["configuration"], &["change"]);
        if let Some((role, _)) = quoted(rest) {
            ev.set(field::MESOS_ROLE, role);
        }
        if let Some(g) = text::between(rest, "guarantees: ", " limits:") {
            ev.label("quota_guarantees", g.trim());
        }
        if let Some(l) = text::find(rest, "limits: ").map(|i| &rest[i + "limits: ".len()..]) {
            resources::set(ev, l);
        }
        return true;
    }
    if let Some(rest) = m.strip_prefix("Updating ") {
        let Some((role, r)) = quoted(rest) else {
            return false;
        };
        if !r.starts_with(" quota") {
            return false;
        }
        mark(ev, a::QUOTA_UPDATED, &["configuration"], &["change"]);
        ev.set(field::MESOS_ROLE, role);
        if text::contains(r, "force flag") {
            ev.label("forced", "true");
        }
        return true;
    }
    if m.starts_with("Using force flag to override quota") {
        mark(ev, a::QUOTA_UPDATED, &["configuration"], &["change"]);
        ev.label("forced", "true");
        return true;
    }
    false
}

/// `INFO level logging started!` (the level follows `--logging_level`).
fn logging_started(m: &str, ev: &mut Event) -> bool {
    let Some(level) = m.strip_suffix(" level logging started!") else {
        return false;
    };
    mark(ev, action::CONFIGURATION, &["configuration"], &["info"]);
    ev.set(field::MESOS_FLAGS, vec![format!("logging_level={level}")]);
    true
}

#[cfg(test)]
mod tests {
    use super::parse_flags;

    #[test]
    fn flags_with_spaces_quotes_and_switches() {
        let f = parse_flags(
            r#"--acls="{"permissive": false}" --authenticate_agents="true" --quiet --zk="zk://a:2181/mesos" --Bad.Name="x""#,
        );
        assert_eq!(
            f,
            vec![
                ("acls", r#"{"permissive": false}"#),
                ("authenticate_agents", "true"),
                ("quiet", "true"),
                ("zk", "zk://a:2181/mesos")
            ]
        );
        assert!(parse_flags("").is_empty());
        assert!(parse_flags("--").is_empty());
        assert_eq!(parse_flags("--x=1 --y=2"), vec![("x", "1"), ("y", "2")]);
    }
}
