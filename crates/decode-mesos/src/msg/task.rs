//! Offers, tasks, status updates, executors, containers, sandboxes and GC,
//! as the master, the agent and the command executor log them.

use super::{Line, mark, mark_outcome, set_path_ids};
use crate::actions as a;
use crate::resources;
use crate::stream::StreamState;
use crate::text::{self, StatusUpdate, quoted, set_source_upid};
use sightline_decode::{Event, Outcome, field};
use sightline_event::action;

pub fn classify(word: &str, line: &Line<'_>, ev: &mut Event, _st: &mut StreamState) -> bool {
    let m = line.msg;
    match word {
        "Creating" => creating(m, ev),
        "Sending" => sending(m, ev),
        "Status" => status(m, ev),
        "Forwarding" | "Handling" | "Received" => relayed(m, ev),
        "Checkpointing" => checkpointing(m, ev),
        "Updating" => updating(m, ev),
        "Launching" => launching(m, ev),
        "Got" => got(m, ev),
        "Queued" => queued(m, ev),
        "Starting" => starting(m, ev),
        "Transitioning" => transitioning(m, ev),
        "Forked" => forked(m, ev),
        "Container" | "Destroying" | "Asked" => container(m, ev),
        "Executor" => executor_exited(m, ev),
        "Adding" | "Removing" => adding_removing(m, ev),
        "Rescinding" => rescinding(m, ev),
        "Cleaning" => cleaning(m, ev),
        "Terminating" => terminating(m, ev),
        "Telling" => telling(m, ev),
        "Applying" => applying(m, ev),
        "Scheduling" | "Unscheduling" | "Deleting" | "Deleted" | "Pruning" | "Current" => gc(m, ev),
        "Command" => command(m, ev),
        "Running" | "Executing" => running(m, ev),
        "Subscribed" => subscribed(m, ev),
        _ => false,
    }
}

/// Whether a task state is terminal, and how it ended.
fn state_outcome(state: &str) -> (bool, Outcome) {
    match state {
        "TASK_FINISHED" => (true, Outcome::Success),
        "TASK_FAILED"
        | "TASK_LOST"
        | "TASK_ERROR"
        | "TASK_DROPPED"
        | "TASK_GONE"
        | "TASK_GONE_BY_OPERATOR" => (true, Outcome::Failure),
        "TASK_KILLED" => (true, Outcome::Unknown),
        "TASK_UNREACHABLE" => (false, Outcome::Failure),
        _ => (false, Outcome::Unknown),
    }
}

/// A status update event: `job-finished` for terminal states, `task-status` otherwise.
fn status_event(ev: &mut Event, u: &StatusUpdate<'_>) {
    let (terminal, outcome) = state_outcome(u.state);
    let ty = if terminal {
        "end"
    } else if u.state == "TASK_RUNNING" {
        "start"
    } else {
        "info"
    };
    let act = if terminal {
        action::JOB_FINISHED
    } else {
        a::TASK_STATUS
    };
    mark_outcome(ev, act, &["process"], &[ty], outcome);
    text::set_status_update(ev, u);
}

/// Same fields, another action (relays, checkpoints, acknowledgements).
fn status_fields(ev: &mut Event, u: &StatusUpdate<'_>, act: &str) {
    mark(ev, act, &["process"], &["info"]);
    text::set_status_update(ev, u);
}

/// `Creating sandbox '<dir>' for user '<user>'` (the OS user that runs the task).
fn creating(m: &str, ev: &mut Event) -> bool {
    let Some((dir, rest)) = m.strip_prefix("Creating sandbox ").and_then(quoted) else {
        return false;
    };
    mark(ev, a::SANDBOX_CREATED, &["process", "file"], &["creation"]);
    ev.set(field::FILE_PATH, dir);
    set_path_ids(ev, dir);
    if let Some((user, _)) = rest.strip_prefix(" for user ").and_then(quoted) {
        ev.set(field::USER_NAME, user);
        ev.set(field::MESOS_TASK_USER, user);
    }
    true
}

fn sending(m: &str, ev: &mut Event) -> bool {
    // `Sending offers [ <ids> ] to framework <fw>`
    if let Some(rest) = m.strip_prefix("Sending offers ") {
        mark(ev, a::OFFERS_SENT, &["process"], &["info"]);
        text::set_ids(ev, field::MESOS_OFFER_ID, text::id_list(rest));
        if let Some(fw) = text::framework_after(rest, "] to framework ") {
            text::set_framework(ev, &fw);
            if let Some(u) = &fw.pid {
                ev.set(field::MESOS_UPID, u.text);
                text::set_destination_addr(ev, u.addr);
            }
        }
        return true;
    }
    // Master-generated: `Sending status update TASK_ERROR (Status UUID: <u>) for task <t> of framework <f> '<message>'`
    if let Some(rest) = m.strip_prefix("Sending status update ") {
        let Some((u, rest)) = text::status_update(rest) else {
            return false;
        };
        status_event(ev, &u);
        ev.set(field::MESOS_TASK_SOURCE, "SOURCE_MASTER");
        let message = rest.trim();
        let message = message
            .strip_prefix('\'')
            .and_then(|x| x.strip_suffix('\''))
            .unwrap_or(message);
        if message.is_empty() {
            return true;
        }
        ev.set(field::ERROR_MESSAGE, message);
        if super::auth::is_denial(message) {
            // master.cpp builds this text for REASON_TASK_UNAUTHORIZED.
            mark_outcome(
                ev,
                action::AUTHORIZATION_DENIED,
                &["iam", "process"],
                &["denied"],
                Outcome::Failure,
            );
            ev.set(field::MESOS_TASK_REASON, "REASON_TASK_UNAUTHORIZED");
            if let Some((p, _)) = text::find(message, "Principal '")
                .and_then(|i| quoted(&message[i + "Principal ".len()..]))
            {
                ev.set(field::USER_NAME, p);
                ev.set(field::MESOS_PRINCIPAL, p);
            }
            if let Some((user, _)) = text::find(message, "under user '")
                .and_then(|i| quoted(&message[i + "under user ".len()..]))
            {
                ev.set(field::MESOS_TASK_USER, user);
            }
        } else if u.state == "TASK_ERROR" {
            // Validation errors (master/validation.cpp) are REASON_TASK_INVALID.
            mark_outcome(
                ev,
                a::TASK_REJECTED,
                &["process"],
                &["denied"],
                Outcome::Failure,
            );
            ev.set(field::MESOS_TASK_REASON, "REASON_TASK_INVALID");
            if let Some(res) = text::between(message, "Total resources ", " required by") {
                resources::set(ev, res);
                ev.set(field::ERROR_TYPE, "insufficient-resources");
                if let Some(avail) = text::find(message, "more than available ")
                    .map(|i| &message[i + "more than available ".len()..])
                {
                    ev.label("available_resources", avail);
                }
            }
        }
        return true;
    }
    // `Sending queued task '<t>' to executor '<e>' of framework <f> (via HTTP)`
    if let Some((t, rest)) = m.strip_prefix("Sending queued task ").and_then(quoted) {
        mark(ev, a::TASK_SENT_TO_EXECUTOR, &["process"], &["info"]);
        ev.set(field::MESOS_TASK_ID, t);
        executor_of(ev, rest);
        return true;
    }
    false
}

/// ` to executor '<e>' of framework <f>` / ` for executor '<e>' ...` anywhere in `rest`.
fn executor_of(ev: &mut Event, rest: &str) {
    if let Some((e, r)) =
        text::find(rest, "executor '").and_then(|i| quoted(&rest[i + "executor ".len()..]))
    {
        ev.set(field::MESOS_EXECUTOR_ID, e);
        if let Some(fw) = text::framework_after(r, "framework ") {
            text::set_framework(ev, &fw);
        }
    } else if let Some(fw) = text::framework_after(rest, "framework ") {
        text::set_framework(ev, &fw);
    }
}

/// Master: `Status update <update> from agent <slave>`.
fn status(m: &str, ev: &mut Event) -> bool {
    let Some((u, rest)) = m
        .strip_prefix("Status update ")
        .and_then(text::status_update)
    else {
        return false;
    };
    status_event(ev, &u);
    if let Some(agent) = text::agent_after(rest, "from agent ") {
        text::set_agent(ev, &agent, true);
    }
    true
}

/// Relays of a status update through master, agent and status update manager.
fn relayed(m: &str, ev: &mut Event) -> bool {
    if let Some((u, _)) = m
        .strip_prefix("Forwarding status update ")
        .and_then(text::status_update)
    {
        status_fields(ev, &u, a::TASK_STATUS_FORWARDED);
        return true;
    }
    if let Some((u, rest)) = m
        .strip_prefix("Forwarding the update ")
        .and_then(text::status_update)
    {
        status_fields(ev, &u, a::TASK_STATUS_FORWARDED);
        if let Some(up) = text::upid_after(rest, " to ") {
            ev.set(field::MESOS_UPID, up.text);
            text::set_destination_addr(ev, up.addr);
        }
        return true;
    }
    let received = m
        .strip_prefix("Handling status update ")
        .or_else(|| m.strip_prefix("Received task status update "));
    if let Some((u, rest)) = received.and_then(text::status_update) {
        status_fields(ev, &u, a::TASK_STATUS_RECEIVED);
        let (_, outcome) = state_outcome(u.state);
        ev.outcome = outcome;
        if let Some(up) = text::upid_after(rest, " from ") {
            set_source_upid(ev, &up);
        }
        return true;
    }
    // `Received task status update acknowledgement (UUID: <u>) for stream <taskID>`
    if let Some(rest) = m.strip_prefix("Received task status update acknowledgement ") {
        mark(ev, a::TASK_STATUS_ACKNOWLEDGED, &["process"], &["info"]);
        if let Some(uuid) = text::between(rest, "(UUID: ", ")") {
            ev.set(field::MESOS_TASK_STATUS_UUID, uuid);
        }
        if let Some(i) = text::find(rest, " for stream ") {
            ev.set(field::MESOS_TASK_ID, &rest[i + " for stream ".len()..]);
        }
        return true;
    }
    // `Received Subscribe request for HTTP executor '<e>' of framework <f>`
    if let Some(rest) = m.strip_prefix("Received Subscribe request for ") {
        mark(ev, a::EXECUTOR_SUBSCRIBED, &["process"], &["start"]);
        executor_of(ev, rest);
        return true;
    }
    // Scheduler driver and mesos-execute: `Received status update TASK_FAILED for task '<t>'`
    // (message, source and reason follow on indented lines).
    if let Some(rest) = m.strip_prefix("Received status update ") {
        let (state, rest) = text::token(rest);
        if !text::is_task_state(state) {
            return false;
        }
        let u = StatusUpdate {
            state,
            uuid: None,
            task: None,
            framework: None,
        };
        status_event(ev, &u);
        if let Some((t, _)) = rest.strip_prefix(" for task ").and_then(quoted) {
            ev.set(field::MESOS_TASK_ID, t);
        }
        return true;
    }
    // Command executor (1.x, glog in the sandbox): `Received LAUNCH event`, `Received KILL event`...
    if let Some(kind) = m
        .strip_prefix("Received ")
        .and_then(|r| r.strip_suffix(" event"))
    {
        match kind {
            "KILL" | "SHUTDOWN" => mark(ev, action::JOB_STOPPED, &["process"], &["end"]),
            "SUBSCRIBED" => mark(ev, a::EXECUTOR_SUBSCRIBED, &["process"], &["start"]),
            _ => {
                ev.add_category("process").add_type("info");
            }
        }
        ev.label("executor_event", kind);
        return true;
    }
    false
}

/// `Checkpointing UPDATE|ACK for task status update <update>`,
/// `Checkpointing container's forked pid <pid> to '<path>'`.
fn checkpointing(m: &str, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Checkpointing ") {
        if let Some((u, _)) = text::find(rest, "status update ")
            .and_then(|i| text::status_update(&rest[i + "status update ".len()..]))
        {
            status_fields(ev, &u, a::TASK_STATUS_CHECKPOINTED);
            ev.label("checkpoint", text::token(rest).0);
            return true;
        }
        if let Some(pid) = rest.strip_prefix("container's forked pid ") {
            ev.add_category("process").add_type("info");
            let (pid, r) = text::token(pid);
            if let Ok(pid) = pid.parse::<i64>() {
                ev.label("forked_pid", pid.to_string());
            }
            if let Some((path, _)) = r.strip_prefix(" to ").and_then(quoted) {
                ev.set(field::FILE_PATH, path);
                set_path_ids(ev, path);
            }
            return true;
        }
    }
    false
}

/// `Updating the state of task <t> of framework <f> (latest state: S1, status update state: S2)`.
fn updating(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Updating the state of task ") else {
        return false;
    };
    let Some(i) = text::find(rest, " of framework ") else {
        return false;
    };
    mark(ev, a::TASK_STATE_UPDATED, &["process"], &["change"]);
    ev.set(field::MESOS_TASK_ID, &rest[..i]);
    if let Some((fw, _)) = text::framework_ref(&rest[i + " of framework ".len()..]) {
        text::set_framework(ev, &fw);
    }
    if let Some(s) = text::between(rest, "(latest state: ", ",") {
        ev.set(field::MESOS_TASK_STATE, s);
    }
    if let Some(s) = text::between(rest, "status update state: ", ")") {
        ev.label("status_update_state", s);
    }
    true
}

fn launching(m: &str, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Launching task ") {
        // Agent: `Launching task '<t>' for framework <f>`.
        if let Some((t, r)) = quoted(rest) {
            mark(ev, a::TASK_LAUNCHED, &["process"], &["start"]);
            ev.set(field::MESOS_TASK_ID, t);
            if let Some(fw) = text::framework_after(r, "framework ") {
                text::set_framework(ev, &fw);
            }
            return true;
        }
        // Master: `Launching task <t> of framework <fw> with resources <json> on agent <slave> on  new executor`.
        let Some(i) = text::find(rest, " of framework ") else {
            return false;
        };
        mark(ev, a::TASK_LAUNCHED, &["process"], &["start"]);
        ev.set(field::MESOS_TASK_ID, &rest[..i]);
        task_placement(ev, &rest[i + " of framework ".len()..]);
        return true;
    }
    // `Launching executor '<e>' of framework <f> with resources <json> in work directory '<dir>'`
    if let Some((e, rest)) = m.strip_prefix("Launching executor ").and_then(quoted) {
        mark(ev, a::EXECUTOR_LAUNCHED, &["process"], &["start"]);
        ev.set(field::MESOS_EXECUTOR_ID, e);
        if let Some((fw, rest)) = rest
            .strip_prefix(" of framework ")
            .and_then(text::framework_ref)
        {
            text::set_framework(ev, &fw);
            let after = rest
                .strip_prefix(" with resources ")
                .map(|r| resources::set(ev, r));
            let tail = after.unwrap_or(rest);
            if let Some((dir, _)) = text::find(tail, "work directory '")
                .and_then(|j| quoted(&tail[j + "work directory ".len()..]))
            {
                ev.set(field::FILE_PATH, dir);
                set_path_ids(ev, dir);
            }
        }
        return true;
    }
    // `Launching container <cid> for executor '<e>' of framework <f>`
    if let Some(rest) = m.strip_prefix("Launching container ") {
        mark(ev, a::CONTAINER_LAUNCHED, &["process"], &["start"]);
        let (cid, r) = text::token(rest);
        ev.set(field::MESOS_CONTAINER_ID, cid);
        executor_of(ev, r);
        return true;
    }
    false
}

/// `<fw> with resources <res> on agent <slave>[ on  new executor]` after a
/// task id: the scheduler is the actor, the agent the destination.
fn task_placement(ev: &mut Event, s: &str) {
    let Some((fw, rest)) = text::framework_ref(s) else {
        return;
    };
    text::set_framework(ev, &fw);
    if let Some(u) = &fw.pid {
        set_source_upid(ev, u);
    }
    let rest = match rest.strip_prefix(" with resources ") {
        Some(r) if r.starts_with("[{") => resources::set(ev, r),
        Some(r) => {
            let end = text::find(r, " on agent ").unwrap_or(r.len());
            resources::set(ev, &r[..end]);
            &r[end..]
        }
        None => rest,
    };
    if let Some(agent) = text::agent_after(rest, "on agent ") {
        text::set_agent(ev, &agent, false);
    }
    if text::contains(rest, "new executor") {
        ev.label("executor", "new");
    } else if text::contains(rest, "existing executor") {
        ev.label("executor", "existing");
    }
}

/// `Got assigned task '<t>' for framework <f>`
fn got(m: &str, ev: &mut Event) -> bool {
    let Some((t, rest)) = m.strip_prefix("Got assigned task ").and_then(quoted) else {
        return false;
    };
    mark(ev, a::TASK_ASSIGNED, &["process"], &["creation"]);
    ev.set(field::MESOS_TASK_ID, t);
    if let Some(fw) = text::framework_after(rest, "framework ") {
        text::set_framework(ev, &fw);
    }
    true
}

/// `Queued task '<t>' for executor '<e>' of framework <f>`
fn queued(m: &str, ev: &mut Event) -> bool {
    let Some((t, rest)) = m.strip_prefix("Queued task ").and_then(quoted) else {
        return false;
    };
    mark(ev, a::TASK_QUEUED, &["process"], &["info"]);
    ev.set(field::MESOS_TASK_ID, t);
    executor_of(ev, rest);
    true
}

/// `Starting container <cid>`; command executor: `Starting task <t>`.
fn starting(m: &str, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Starting container ") {
        mark(ev, a::CONTAINER_STARTED, &["process"], &["start"]);
        ev.set(field::MESOS_CONTAINER_ID, text::token(rest).0);
        return true;
    }
    if let Some(t) = m.strip_prefix("Starting task ") {
        mark(ev, a::TASK_STARTED, &["process"], &["start"]);
        ev.set(field::MESOS_TASK_ID, t.trim());
        return true;
    }
    false
}

/// `Transitioning the state of container <cid> from A to B after <duration>`.
fn transitioning(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Transitioning the state of container ") else {
        return false;
    };
    mark(ev, a::CONTAINER_STATE_CHANGED, &["process"], &["change"]);
    let (cid, rest) = text::token(rest);
    ev.set(field::MESOS_CONTAINER_ID, cid);
    if let Some(from) = text::between(rest, " from ", " ") {
        ev.label("from_state", from);
    }
    if let Some(to) = text::between(rest, " to ", " ") {
        ev.label("to_state", to);
    }
    if let Some(d) =
        text::find(rest, " after ").and_then(|i| text::duration_nanos(&rest[i + " after ".len()..]))
    {
        ev.set(field::EVENT_DURATION, d);
    }
    true
}

/// `Forked child with pid '<pid>' for container '<cid>'`; command executor: `Forked command at <pid>`.
fn forked(m: &str, ev: &mut Event) -> bool {
    if let Some((pid, rest)) = m.strip_prefix("Forked child with pid ").and_then(quoted) {
        mark(ev, a::CONTAINER_FORKED, &["process"], &["start"]);
        if let Ok(pid) = pid.parse::<i64>() {
            ev.label("child_pid", pid.to_string());
        }
        if let Some((cid, _)) = rest.strip_prefix(" for container ").and_then(quoted) {
            ev.set(field::MESOS_CONTAINER_ID, cid);
        }
        return true;
    }
    if let Some(pid) = m.strip_prefix("Forked command at ") {
        mark(ev, a::COMMAND_FORKED, &["process"], &["start"]);
        if let Ok(pid) = pid.trim().parse::<i64>() {
            ev.label("command_pid", pid.to_string());
        }
        return true;
    }
    false
}

/// `Container <cid> has exited`, `Container <cid> has reached its limit for
/// resource <r> and will be terminated`, `Destroying container <cid> in <S> state`,
/// `Asked to destroy container <cid>`.
fn container(m: &str, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Container ") {
        let (cid, rest) = text::token(rest);
        if !super::looks_like_uuid(cid) && !rest.starts_with(" has ") {
            return false;
        }
        ev.set(field::MESOS_CONTAINER_ID, cid);
        if rest.starts_with(" has exited") {
            mark(ev, a::CONTAINER_EXITED, &["process"], &["end"]);
        } else if let Some(res) = rest.strip_prefix(" has reached its limit for resource ") {
            let is_mem = res.starts_with("mem");
            let act = if is_mem {
                action::OOM_KILL
            } else {
                a::CONTAINER_DESTROYING
            };
            mark_outcome(ev, act, &["process"], &["end"], Outcome::Failure);
            ev.set(field::ERROR_MESSAGE, rest.trim());
        } else {
            ev.add_category("process").add_type("info");
        }
        return true;
    }
    let rest = m
        .strip_prefix("Destroying container ")
        .or_else(|| m.strip_prefix("Asked to destroy container "));
    let Some(rest) = rest else { return false };
    mark(ev, a::CONTAINER_DESTROYING, &["process"], &["end"]);
    let (cid, rest) = text::token(rest);
    ev.set(field::MESOS_CONTAINER_ID, cid);
    if let Some(s) = text::between(rest, " in ", " state") {
        ev.label("container_state", s);
    }
    true
}

/// Master: `Executor '<e>' of framework <f> on agent <slave>: exited with status 0`;
/// agent: `Executor '<e>' of framework <f> exited with status 0 | terminated with signal Killed`.
fn executor_exited(m: &str, ev: &mut Event) -> bool {
    let Some((e, rest)) = m.strip_prefix("Executor ").and_then(quoted) else {
        return false;
    };
    ev.set(field::MESOS_EXECUTOR_ID, e);
    let mut rest = rest;
    if let Some((fw, r)) = rest
        .strip_prefix(" of framework ")
        .and_then(text::framework_ref)
    {
        text::set_framework(ev, &fw);
        rest = r;
    }
    if let Some((agent, r)) = rest.strip_prefix(" on agent ").and_then(text::agent_ref) {
        text::set_agent(ev, &agent, false);
        rest = r;
    }
    let rest = rest.trim_start_matches(':').trim();
    wait_status(ev, rest, a::EXECUTOR_EXITED);
    true
}

/// `exited with status <n>` / `terminated with signal <name>` (`WSTRINGIFY`).
fn wait_status(ev: &mut Event, s: &str, act: &str) {
    mark(ev, act, &["process"], &["end"]);
    if let Some(n) =
        text::find(s, "exited with status ").map(|i| &s[i + "exited with status ".len()..])
    {
        let code = n
            .split(|c: char| !(c.is_ascii_digit() || c == '-'))
            .next()
            .unwrap_or("");
        if let Ok(code) = code.parse::<i64>() {
            ev.set(field::PROCESS_EXIT_CODE, code);
            ev.outcome = if code == 0 {
                Outcome::Success
            } else {
                Outcome::Failure
            };
        }
    } else if let Some(sig) =
        text::find(s, "terminated with signal ").map(|i| &s[i + "terminated with signal ".len()..])
    {
        let sig = sig.split(" (").next().unwrap_or(sig).trim();
        ev.label("signal", sig);
        ev.outcome = Outcome::Failure;
    }
    if !s.is_empty() {
        ev.label("wait_status", s);
    }
}

fn adding_removing(m: &str, ev: &mut Event) -> bool {
    // `Adding task <t> with resources <res> of framework <fw> on agent <slave>`
    if let Some(rest) = m.strip_prefix("Adding task ") {
        return task_with_resources(rest, ev, action::JOB_SUBMITTED, "creation");
    }
    if let Some(rest) = m.strip_prefix("Removing task ") {
        return task_with_resources(rest, ev, a::TASK_REMOVED, "deletion");
    }
    // `Adding executor '<e>' with resources <res> of framework <fw> on agent <slave>`
    let (act, ty, rest) = match (
        m.strip_prefix("Adding executor "),
        m.strip_prefix("Removing executor "),
    ) {
        (Some(r), _) => (a::EXECUTOR_ADDED, "creation", r),
        (_, Some(r)) => (a::EXECUTOR_REMOVED, "deletion", r),
        _ => {
            // `Removing offer <id>`
            if let Some(id) = m.strip_prefix("Removing offer ") {
                mark(ev, a::OFFER_REMOVED, &["process"], &["deletion"]);
                ev.set(field::MESOS_OFFER_ID, text::token(id).0);
                return true;
            }
            return false;
        }
    };
    let Some((e, rest)) = quoted(rest) else {
        return false;
    };
    mark(ev, act, &["process"], &[ty]);
    ev.set(field::MESOS_EXECUTOR_ID, e);
    resources_then_framework(ev, rest);
    true
}

/// `<t> with resources <res> of framework <fw> on agent <slave>`.
fn task_with_resources(rest: &str, ev: &mut Event, act: &str, ty: &str) -> bool {
    let Some(i) = text::find(rest, " with resources ") else {
        return false;
    };
    mark(ev, act, &["process"], &[ty]);
    ev.set(field::MESOS_TASK_ID, &rest[..i]);
    resources_then_framework(ev, &rest[i..]);
    true
}

/// ` with resources <res> of framework <fw>[ on agent <slave>]`: the scheduler
/// is the actor, the agent where it runs the destination.
fn resources_then_framework(ev: &mut Event, rest: &str) {
    let Some(res) = rest.strip_prefix(" with resources ") else {
        return;
    };
    let tail = if res.starts_with("[{") {
        resources::set(ev, res)
    } else {
        let end = text::find(res, " of framework ").unwrap_or(res.len());
        resources::set(ev, &res[..end]);
        &res[end..]
    };
    if let Some((fw, r)) = tail
        .strip_prefix(" of framework ")
        .and_then(text::framework_ref)
    {
        text::set_framework(ev, &fw);
        if let Some(u) = &fw.pid {
            set_source_upid(ev, u);
        }
        if let Some(agent) = text::agent_after(r, "on agent ") {
            text::set_agent(ev, &agent, false);
        }
    }
}

/// `Rescinding offer <id> with resources <res> on agent <slave>`
fn rescinding(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Rescinding offer ") else {
        return false;
    };
    mark(ev, a::OFFER_RESCINDED, &["process"], &["deletion"]);
    let (id, rest) = text::token(rest);
    ev.set(field::MESOS_OFFER_ID, id);
    if let Some(res) = rest.strip_prefix(" with resources ") {
        let end = text::find(res, " on agent ").unwrap_or(res.len());
        resources::set(ev, &res[..end]);
    }
    if let Some(agent) = text::agent_after(rest, "on agent ") {
        text::set_agent(ev, &agent, false);
    }
    true
}

/// `Cleaning up executor '<e>' of framework <f>`
fn cleaning(m: &str, ev: &mut Event) -> bool {
    let Some((e, rest)) = m.strip_prefix("Cleaning up executor ").and_then(quoted) else {
        return false;
    };
    mark(ev, a::EXECUTOR_CLEANUP, &["process"], &["end"]);
    ev.set(field::MESOS_EXECUTOR_ID, e);
    if let Some(fw) = text::framework_after(rest, "framework ") {
        text::set_framework(ev, &fw);
    }
    true
}

/// `Terminating executor ''<e>' of framework <f>' because it did not register within <d>`
/// (the doubled quote is real): a custom executor that never called back.
fn terminating(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Terminating executor ") else {
        return false;
    };
    mark_outcome(
        ev,
        a::EXECUTOR_REGISTRATION_TIMEOUT,
        &["process"],
        &["end"],
        Outcome::Failure,
    );
    let inner = rest.strip_prefix('\'').unwrap_or(rest);
    if let Some((e, r)) = quoted(inner) {
        ev.set(field::MESOS_EXECUTOR_ID, e);
        if let Some(fw) = text::framework_after(r, "framework ") {
            text::set_framework(ev, &fw);
        }
    }
    if let Some(i) = text::find(rest, " because ") {
        ev.set(field::ERROR_MESSAGE, &rest[i + " because ".len()..]);
    }
    true
}

/// `Telling agent <slave> to kill task <t> of framework <fw>`
fn telling(m: &str, ev: &mut Event) -> bool {
    let Some((agent, rest)) = m.strip_prefix("Telling agent ").and_then(text::agent_ref) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(" to kill task ") else {
        return false;
    };
    mark(ev, a::TASK_KILL_SENT, &["process"], &["end"]);
    text::set_agent(ev, &agent, false);
    if let Some(i) = text::find(rest, " of framework ") {
        ev.set(field::MESOS_TASK_ID, &rest[..i]);
        if let Some((fw, _)) = text::framework_ref(&rest[i + " of framework ".len()..]) {
            text::set_framework(ev, &fw);
        }
    }
    true
}

/// `Applying RESERVE operation for resources <res> from framework <fw> to agent <slave>`,
/// `Applying CREATE operation for volumes <vols> from framework <fw> to agent <slave>`.
fn applying(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Applying ") else {
        return false;
    };
    let Some(i) = text::find(rest, " operation") else {
        return false;
    };
    mark(ev, a::OPERATION_APPLIED, &["configuration"], &["change"]);
    ev.set(field::MESOS_OPERATION_TYPE, &rest[..i]);
    let body = &rest[i + " operation".len()..];
    let res = text::between(body, "for resources ", " from framework ")
        .or_else(|| text::between(body, "for volumes ", " from framework "));
    if let Some(res) = res {
        resources::set(ev, res);
    }
    if let Some(fw) = text::framework_after(body, "from framework ") {
        text::set_framework(ev, &fw);
        if let Some(u) = &fw.pid {
            set_source_upid(ev, u);
        }
    }
    if let Some(agent) = text::agent_after(body, "to agent ") {
        text::set_agent(ev, &agent, false);
    }
    true
}

/// Sandbox garbage collection on the agent.
fn gc(m: &str, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Scheduling ") {
        let Some((path, rest)) = quoted(rest) else {
            return false;
        };
        if !rest.starts_with(" for gc") {
            return false;
        }
        mark(ev, a::GC_SCHEDULED, &["file"], &["info"]);
        ev.set(field::FILE_PATH, path);
        set_path_ids(ev, path);
        return true;
    }
    if let Some((path, _)) = m.strip_prefix("Unscheduling ").and_then(quoted) {
        mark(ev, a::GC_UNSCHEDULED, &["file"], &["info"]);
        ev.set(field::FILE_PATH, path);
        set_path_ids(ev, path);
        return true;
    }
    if let Some(rest) = m
        .strip_prefix("Deleting ")
        .or_else(|| m.strip_prefix("Deleted "))
    {
        mark(ev, a::GC_DELETED, &["file"], &["deletion"]);
        let path = quoted(rest).map_or_else(|| text::token(rest).0, |q| q.0);
        ev.set(field::FILE_PATH, path);
        set_path_ids(ev, path);
        return true;
    }
    if m.starts_with("Pruning directories") {
        ev.add_category("file").add_type("info");
        return true;
    }
    if let Some(rest) = m.strip_prefix("Current disk usage ") {
        ev.add_category("host").add_type("info");
        if let Some(p) = rest.split('%').next() {
            ev.label("disk_usage_percent", p);
        }
        return true;
    }
    false
}

/// Command executor: `Command exited with status <n> (pid: <pid>)`,
/// `Command terminated with signal <sig> (pid: <pid>)`.
fn command(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Command ") else {
        return false;
    };
    if !(rest.starts_with("exited") || rest.starts_with("terminated")) {
        return false;
    }
    wait_status(ev, rest, a::COMMAND_EXITED);
    if let Some(pid) = text::between(rest, "(pid: ", ")") {
        ev.label("command_pid", pid);
    }
    true
}

/// Older command executors print the command: `Running '<command>'`, and
/// every version before a task's own hooks: `Executing pre-exec command '<json>'`.
fn running(m: &str, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Running ") {
        let Some((cmd, _)) =
            quoted(rest).or_else(|| rest.strip_prefix('\'').and_then(|r| r.rsplit_once('\'')))
        else {
            return false;
        };
        mark(ev, action::PROCESS_STARTED, &["process"], &["start"]);
        ev.set(field::PROCESS_COMMAND_LINE, crate::output::command_of(cmd));
        return true;
    }
    if let Some(rest) = m.strip_prefix("Executing pre-exec command ") {
        mark(ev, action::PROCESS_STARTED, &["process"], &["start"]);
        let json = rest.trim().trim_matches('\'');
        ev.set(
            field::PROCESS_COMMAND_LINE,
            crate::output::command_from_json(json).unwrap_or_else(|| json.to_owned()),
        );
        ev.label("pre_exec", "true");
        return true;
    }
    false
}

/// Command executor: `Subscribed executor on <host>`.
fn subscribed(m: &str, ev: &mut Event) -> bool {
    let Some(host) = m.strip_prefix("Subscribed executor on ") else {
        return false;
    };
    mark(ev, a::EXECUTOR_SUBSCRIBED, &["process"], &["start"]);
    ev.set(field::MESOS_AGENT_HOSTNAME, host.trim());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(state_outcome("TASK_FAILED"), (true, Outcome::Failure));
        assert_eq!(state_outcome("TASK_FINISHED"), (true, Outcome::Success));
        assert_eq!(state_outcome("TASK_RUNNING"), (false, Outcome::Unknown));
    }
}
