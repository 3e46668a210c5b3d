//! Security meaning of master, agent, fetcher and executor messages.
//!
//! Dispatch is on the message's first word, then on its documented wording
//! (mesos-logs.md §4; Mesos 1.11 sources), never on line numbers. Messages
//! not recognized keep level, origin and time, and still get the ids they
//! name (framework, agent, task, executor, container) from [`generic`].

mod agent;
mod auth;
mod control;
mod fetch;
mod framework;
mod http;
mod task;

use crate::stream::StreamState;
use crate::text;
use sightline_decode::{Event, Outcome, field};

/// One glog record as the classifiers see it.
pub struct Line<'a> {
    /// The message of the first line.
    pub msg: &'a str,
    /// The message with any continuation lines.
    pub full: &'a str,
    /// The source file that logged it (`master.cpp`).
    pub file: &'a str,
    /// I, W, E or F.
    pub level: char,
}

/// Sets the security meaning of a glog record.
pub fn classify(line: &Line<'_>, ev: &mut Event, st: &mut StreamState) {
    let m = line.msg;
    let word = m.split(' ').next().unwrap_or("");
    let known = match word {
        "Authenticating" | "Authentication" | "An" | "Queuing" | "Authorizing" | "Setting" => {
            auth::classify(word, line, ev, st)
        }
        "Successfully" | "Failed" => {
            auth::classify(word, line, ev, st) || fetch::classify(word, line, ev, st)
        }
        "Authorization" | "Initializing" | "Attempting" | "Creating" | "Using" | "Loading"
        | "Permissions" | "No" | "Only" => {
            auth::classify(word, line, ev, st)
                || task::classify(word, line, ev, st)
                || control::classify(word, line, ev, st)
        }
        "Received" => {
            auth::classify(word, line, ev, st)
                || framework::classify(word, line, ev, st)
                || agent::classify(word, line, ev, st)
                || task::classify(word, line, ev, st)
                || fetch::classify(word, line, ev, st)
        }
        "Refusing" | "Dropping" | "Ignoring" => {
            auth::classify(word, line, ev, st)
                || agent::classify(word, line, ev, st)
                || framework::classify(word, line, ev, st)
        }
        "HTTP" | "Processing" | "Redirecting" => http::classify(word, line, ev, st),
        "Subscribing" | "Framework" | "Giving" | "Disallowing" | "Deactivated" | "Activated"
        | "Suppressed" | "Unsuppressed" => framework::classify(word, line, ev, st),
        "Adding" | "Added" | "Removing" | "Removed" => {
            framework::classify(word, line, ev, st)
                || agent::classify(word, line, ev, st)
                || task::classify(word, line, ev, st)
        }
        "Agent" | "Registering" | "Registered" | "Re-registering" | "Re-registered" | "Marking"
        | "Marked" | "Allowing" | "New" | "Master" | "Got" => {
            agent::classify(word, line, ev, st)
                || control::classify(word, line, ev, st)
                || task::classify(word, line, ev, st)
        }
        "Scheduling" | "Transitioning" | "Updating" => {
            agent::classify(word, line, ev, st)
                || task::classify(word, line, ev, st)
                || control::classify(word, line, ev, st)
        }
        "Sending" | "Status" | "Forwarding" | "Handling" | "Checkpointing" | "Launching"
        | "Queued" | "Starting" | "Forked" | "Container" | "Destroying" | "Asked" | "Executor"
        | "Cleaning" | "Terminating" | "Telling" | "Rescinding" | "Applying" | "Unscheduling"
        | "Deleting" | "Deleted" | "Pruning" | "Current" | "Command" | "Running" | "Executing"
        | "Subscribed" => task::classify(word, line, ev, st),
        "Fetcher" | "Fetching" | "Downloading" | "Fetched" | "Extracted" => {
            fetch::classify(word, line, ev, st)
        }
        "Flags" | "Build:" | "Version:" | "Git" | "Elected" | "The" | "A" | "Detected" | "Lost"
        | "Timed" | "ZooKeeper" | "Group" | "EXIT" | "Mesos" | "Whitelist" | "Updated" | "INFO"
        | "WARNING" | "ERROR" => control::classify(word, line, ev, st),
        _ => false,
    };
    if !known {
        generic(line, ev);
    }
    extras(line.full, ev);
}

/// Sets action, category and type in one go.
pub(crate) fn mark(ev: &mut Event, action: &str, categories: &[&str], types: &[&str]) {
    ev.set_action(action);
    for c in categories {
        ev.add_category(c);
    }
    for t in types {
        ev.add_type(t);
    }
}

/// `mark` plus an outcome.
pub(crate) fn mark_outcome(
    ev: &mut Event,
    action: &str,
    categories: &[&str],
    types: &[&str],
    outcome: Outcome,
) {
    mark(ev, action, categories, types);
    ev.outcome = outcome;
}

/// Ids named in a message Mesos may word differently in other versions.
fn generic(line: &Line<'_>, ev: &mut Event) {
    let m = line.msg;
    if let Some(fw) = text::framework_after(m, "framework ") {
        text::set_framework(ev, &fw);
    }
    if let Some(a) = text::agent_after(m, "agent ") {
        text::set_agent(ev, &a, false);
    }
    if let Some(e) =
        text::find(m, "executor '").and_then(|i| text::quoted(&m[i + "executor ".len()..]))
    {
        ev.set(field::MESOS_EXECUTOR_ID, e.0);
    }
    if let Some(t) = text::find(m, "task '").and_then(|i| text::quoted(&m[i + "task ".len()..])) {
        ev.set(field::MESOS_TASK_ID, t.0);
    }
    if let Some(i) = text::find(m, "container ") {
        let rest = &m[i + "container ".len()..];
        let c = match text::quoted(rest) {
            Some((c, _)) => c,
            None => text::token(rest).0,
        };
        if looks_like_uuid(c) {
            ev.set(field::MESOS_CONTAINER_ID, c);
        }
    }
    if line.level == 'E' || line.level == 'F' {
        ev.add_type("error");
    }
}

/// Facts any message may state: authorization denials, task reasons and
/// sources (`REASON_TASK_UNAUTHORIZED`, `SOURCE_EXECUTOR`), as the scheduler
/// driver and `mesos-execute` print them.
fn extras(full: &str, ev: &mut Event) {
    if ev.action.is_none() && auth::is_denial(full) {
        mark_outcome(
            ev,
            sightline_event::action::AUTHORIZATION_DENIED,
            &["iam"],
            &["denied"],
            Outcome::Failure,
        );
    }
    // Both are upper-case words with an underscore: most lines have none.
    if memchr::memchr(b'_', full.as_bytes()).is_none() {
        return;
    }
    if let Some(r) = token_with_prefix(full, "REASON_") {
        ev.set(field::MESOS_TASK_REASON, r);
    }
    if let Some(src) = token_with_prefix(full, "SOURCE_")
        && matches!(
            src,
            "SOURCE_EXECUTOR" | "SOURCE_AGENT" | "SOURCE_SLAVE" | "SOURCE_MASTER"
        )
    {
        ev.set(field::MESOS_TASK_SOURCE, src);
    }
}

/// The first `PREFIX[A-Z_]+` word in `s`.
fn token_with_prefix<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let i = text::find(s, prefix)?;
    let rest = &s[i..];
    let end = rest
        .bytes()
        .position(|b| !(b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()))
        .unwrap_or(rest.len());
    (end > prefix.len()).then(|| &rest[..end])
}

/// 8-4-4-4-12 hex digits.
pub(crate) fn looks_like_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The ids a sandbox or work-directory path names
/// (`.../slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>`).
pub(crate) fn set_path_ids(ev: &mut Event, path: &str) {
    let mut parts = path.split('/');
    while let Some(p) = parts.next() {
        let name = match p {
            "slaves" => field::MESOS_AGENT_ID,
            "frameworks" => field::MESOS_FRAMEWORK_ID,
            "executors" => field::MESOS_EXECUTOR_ID,
            "runs" => field::MESOS_CONTAINER_ID,
            _ => continue,
        };
        match parts.next() {
            Some(v) if !v.is_empty() && v != "latest" => {
                ev.set(name, v);
            }
            _ => {}
        }
    }
}
