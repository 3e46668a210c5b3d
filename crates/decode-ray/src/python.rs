//! Records of the Python components (dashboard, agents, job supervisor,
//! autoscaler monitor...): the header, the appended Ray context, and the
//! meaning of the security-relevant messages (ray-logs.md §4.2, §6).

use crate::fields::{self as rf, action as ra};
use crate::header::PyLine;
use crate::{access, context, traceback};
use memchr::memmem;
use sightline_decode::helpers::{normalize_level, split_host_port};
use sightline_event::{Event, Outcome, action, field};
use std::sync::LazyLock;

/// Fills `ev` from a parsed header; `rest` is the record's continuation lines.
pub fn fill(ev: &mut Event, h: &PyLine<'_>, rest: Option<&str>) {
    ev.level = Some(normalize_level(h.level).to_owned());
    if let Some(f) = h.file {
        ev.set(field::LOG_ORIGIN_FILE, f);
    }
    if let Some(l) = h.line {
        ev.set(field::LOG_ORIGIN_LINE, i64::from(l));
    }
    ev.message = match rest {
        // An empty header message (`autoscaler.py:408 -- `) is followed by its block.
        Some(r) if h.msg.trim().is_empty() => r.to_owned(),
        Some(r) => format!("{}\n{}", h.msg, r),
        None => h.msg.to_owned(),
    };
    if h.file == Some("web_log.py") && access::apply(ev, h.msg) {
        return;
    }
    let n = context::apply_trailing(ev, h.msg, true);
    let msg = h.msg.get(..n).unwrap_or(h.msg);
    classify(ev, h.file.unwrap_or(""), msg);
    if let Some(r) = rest {
        if traceback::apply(ev, r) {
            ev.add_type("error");
        } else if r.contains("======== Autoscaler status: ") {
            autoscaler_status(ev, r);
        }
    }
    if matches!(h.level, "ERROR" | "CRITICAL" | "FATAL") && ev.event_type.is_empty() {
        ev.add_type("error");
    }
}

/// The `Job <id> ...` submission id of a supervisor message.
fn job_word(msg: &str) -> Option<&str> {
    msg.strip_prefix("Job ")?
        .split(' ')
        .next()
        .filter(|s| !s.is_empty())
}

/// The first balanced `{...}` in `s` (runtime_env JSON inside a message).
pub fn json_object(s: &str) -> Option<&str> {
    let start = s.find('{')?;
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    for (i, c) in s[start..].char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return s.get(start..start + i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The warning `ray start` and `ray.init` print when token authentication is off (§2).
static AUTH_DISABLED: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("Token authentication is disabled"));

/// Meaning of messages that do not depend on the writing file.
pub fn classify_any(ev: &mut Event, msg: &str) -> bool {
    if AUTH_DISABLED.find(msg.as_bytes()).is_some() {
        ev.set_action(ra::AUTHENTICATION_DISABLED);
        ev.add_category("configuration").add_type("info");
        return true;
    }
    false
}

/// Where a server listens (`Dashboard head http address: 127.0.0.1:8265`,
/// `Starting Ray Client server on 127.0.0.1:10001`): a dashboard bound to
/// 0.0.0.0 is a posture finding (threats.md R6).
fn listen_address(ev: &mut Event, msg: &str) -> bool {
    const MARKERS: [&str; 4] = [
        "http address: ",
        "grpc address: ",
        "Ray Client server on ",
        "http server initialized at ",
    ];
    let Some((m, i)) = MARKERS.iter().find_map(|m| msg.find(m).map(|i| (m, i))) else {
        return false;
    };
    let addr = msg[i + m.len()..].split([' ', ',']).next().unwrap_or("");
    let (host, port) = split_host_port(addr);
    if host.is_empty() {
        return false;
    }
    ev.set(field::SERVER_ADDRESS, host);
    ev.set_opt(field::SERVER_PORT, port);
    ev.set_action(action::CONFIGURATION);
    ev.add_category("configuration")
        .add_category("network")
        .add_type("info");
    true
}

pub(crate) fn classify(ev: &mut Event, file: &str, msg: &str) {
    if classify_any(ev, msg) || listen_address(ev, msg) {
        return;
    }
    match file {
        // Agent gRPC called without a token (§2): one WARNING per call.
        f if f.starts_with("grpc_authentication") || f.starts_with("http_token_authentication") => {
            ev.set(
                field::NETWORK_PROTOCOL,
                if f.starts_with("grpc") {
                    "grpc"
                } else {
                    "http"
                },
            );
            let lower = msg.to_ascii_lowercase();
            if lower.contains("required")
                || lower.contains("invalid")
                || lower.contains("missing")
                || lower.contains("fail")
            {
                ev.set_action(action::AUTHENTICATION_FAILED);
                ev.add_category("authentication").add_type("denied");
                ev.outcome = Outcome::Failure;
            } else {
                ev.add_category("authentication");
            }
        }
        "job_manager.py" => {
            if let Some(sid) = msg.strip_prefix("Starting job with submission_id: ") {
                ev.set(field::RAY_JOB_SUBMISSION_ID, sid.trim());
                ev.set_action(ra::JOB_STARTED);
                ev.add_category("process").add_type("start");
                ev.outcome = Outcome::Success;
            } else if let Some(i) = msg.find(" for job ") {
                // `Failed to set up runtime_env for job X.`, `Job supervisor for job X failed unexpectedly: ...`
                let sid = msg[i + " for job ".len()..]
                    .split([' ', ':'])
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('.');
                if !sid.is_empty() {
                    ev.set(field::RAY_JOB_SUBMISSION_ID, sid);
                }
                if msg.starts_with("Failed") || msg.contains("failed") {
                    ev.set_action(action::JOB_FINISHED);
                    ev.add_category("process").add_type("end");
                    ev.outcome = Outcome::Failure;
                }
            }
        }
        "job_supervisor.py" => {
            if let Some(sid) = job_word(msg) {
                ev.set(field::RAY_JOB_SUBMISSION_ID, sid);
            }
            if let Some(i) = msg.find("entrypoint command exited with code ") {
                let code = msg[i + "entrypoint command exited with code ".len()..]
                    .split(' ')
                    .next()
                    .unwrap_or("");
                ev.set_action(action::JOB_FINISHED);
                ev.add_category("process").add_type("end");
                if let Ok(c) = code.parse::<i64>() {
                    ev.set(field::PROCESS_EXIT_CODE, c);
                    ev.outcome = if c == 0 {
                        Outcome::Success
                    } else {
                        Outcome::Failure
                    };
                }
            } else if msg.contains("has been terminated gracefully")
                || msg.starts_with("Attempt to gracefully terminate job")
            {
                if let Some(i) = msg.find("terminate job ") {
                    let sid = msg[i + "terminate job ".len()..]
                        .split(' ')
                        .next()
                        .unwrap_or("");
                    ev.set(field::RAY_JOB_SUBMISSION_ID, sid);
                }
                ev.set_action(action::JOB_STOPPED);
                ev.add_category("process").add_type("end");
                ev.outcome = Outcome::Success;
            } else if let Some(addr) = msg.strip_prefix("Submitting job with RAY_ADDRESS = ") {
                ev.label("ray_address", addr.trim());
            }
        }
        "job_head.py" | "packaging.py" | "uri_cache.py" | "plugin.py" => {
            if let Some(uri) = gcs_uri(msg) {
                ev.set(field::URL_ORIGINAL, uri);
            }
            if msg.starts_with("Uploading package ") {
                ev.set_action(ra::PACKAGE_UPLOADED);
                ev.add_category("file").add_type("creation");
                ev.outcome = Outcome::Success;
            } else if let Some(sid) = msg.split("for job ").nth(1) {
                let sid = sid.split(' ').next().unwrap_or("");
                if !sid.is_empty() {
                    ev.set(field::RAY_JOB_SUBMISSION_ID, sid);
                }
            }
        }
        "runtime_env_agent.py" => {
            if let Some(env) = json_object(msg) {
                ev.set(rf::RUNTIME_ENV, env);
            }
            if let Some(uri) = gcs_uri(msg) {
                ev.set(field::URL_ORIGINAL, uri);
            }
            if msg.starts_with("Successfully created runtime env") {
                ev.set_action(ra::RUNTIME_ENV_CREATED);
                ev.add_category("configuration").add_type("creation");
                ev.outcome = Outcome::Success;
            } else if msg.starts_with("Creating runtime env") {
                ev.set_action(ra::RUNTIME_ENV_CREATED);
                ev.add_category("configuration").add_type("creation");
            } else if msg.contains("failed") || msg.contains("Failed") {
                ev.set_action(ra::RUNTIME_ENV_CREATED);
                ev.add_category("configuration").add_type("creation");
                ev.outcome = Outcome::Failure;
            }
        }
        _ => {}
    }
}

/// A `gcs://_ray_pkg_<hash>.zip` (or other scheme) package URI inside a message.
fn gcs_uri(msg: &str) -> Option<&str> {
    let i = msg.find("://")?;
    let start = msg[..i].rfind([' ', '\'', '"', '(']).map_or(0, |j| j + 1);
    let end = msg[i..]
        .find([' ', '\'', '"', ')', ','])
        .map_or(msg.len(), |j| i + j);
    let uri = msg.get(start..end)?.trim_end_matches('.');
    (!uri.is_empty()).then_some(uri)
}

/// The autoscaler's periodic status block in `monitor.log` (§4.2): a state snapshot.
fn autoscaler_status(ev: &mut Event, block: &str) {
    ev.kind = "state".into();
    ev.add_category("host").add_type("info");
    let mut section = "";
    let (mut active, mut pending, mut failures) = (0u32, 0u32, 0u32);
    for line in block.lines() {
        let t = line.trim();
        if !line.starts_with(' ') {
            section = t;
            continue;
        }
        if t.starts_with('(') {
            continue;
        }
        match section {
            "Active:" => active += 1,
            "Pending:" => pending += 1,
            "Recent failures:" => failures += 1,
            _ => {}
        }
    }
    ev.label("autoscaler_active_nodes", active.to_string());
    ev.label("autoscaler_pending_nodes", pending.to_string());
    ev.label("autoscaler_recent_failures", failures.to_string());
    if failures > 0 {
        ev.outcome = Outcome::Failure;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::parse_py;
    use sightline_event::EventId;

    fn ev(text: &str) -> Event {
        let mut e = Event::new(
            EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.agent",
            text,
        );
        let (first, rest) = match text.split_once('\n') {
            Some((f, r)) => (f, Some(r)),
            None => (text, None),
        };
        fill(&mut e, &parse_py(first).unwrap(), rest);
        e
    }

    #[test]
    fn agent_grpc_without_token() {
        let e = ev(
            "2026-11-22 12:45:38,623\tWARNING grpc_authentication_server_interceptor.py:41 -- Authentication required but no authorization header provided",
        );
        assert_eq!(e.action.as_deref(), Some("authentication-failed"));
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.level.as_deref(), Some("warning"));
        assert_eq!(e.get_str("network.protocol"), Some("grpc"));
    }

    #[test]
    fn job_lifecycle() {
        let e = ev(
            "2026-11-22 12:38:04,117\tINFO job_manager.py:533 -- Starting job with submission_id: raysubmit_curlpipe_dev",
        );
        assert_eq!(e.action.as_deref(), Some("job-started"));
        assert_eq!(
            e.get_str("ray.job.submission_id"),
            Some("raysubmit_curlpipe_dev")
        );
        let e = ev(
            "2026-11-22 12:38:05,857\tINFO job_supervisor.py:437 -- Job raysubmit_7RZqETtwsLv2wH2A entrypoint command exited with code 127 job_id=02000000 worker_id=2a0a44b9956a42f6efcd5c3c9b30d107234458ae92964a0b45269bab node_id=a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590 actor_id=6ce1369dafc67a554a45341702000000 task_id=0021899358e75e3c6ce1369dafc67a554a45341702000000 task_name=JobSupervisor.run task_func_name=ray.dashboard.modules.job.job_supervisor.JobSupervisor.run",
        );
        assert_eq!(e.action.as_deref(), Some("job-finished"));
        assert_eq!(e.get_i64("process.exit_code"), Some(127));
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(
            e.get_str("ray.job.submission_id"),
            Some("raysubmit_7RZqETtwsLv2wH2A")
        );
        assert_eq!(e.get_str("ray.job.id"), Some("02000000"));
        assert_eq!(e.get_str("ray.task.name"), Some("JobSupervisor.run"));
        assert_eq!(
            e.get_str("ray.task.func_name"),
            Some("ray.dashboard.modules.job.job_supervisor.JobSupervisor.run")
        );
        let e = ev(
            "2026-11-22 12:45:40,000\tINFO job_supervisor.py:420 -- Job sample_ldp has been terminated gracefully with SIGTERM.",
        );
        assert_eq!(e.action.as_deref(), Some("job-stopped"));
        assert_eq!(e.get_str("ray.job.submission_id"), Some("sample_ldp"));
    }

    #[test]
    fn package_upload_and_runtime_env() {
        let e = ev(
            "2026-11-22 12:37:31,047\tINFO job_head.py:391 -- Uploading package gcs://_ray_pkg_3109e4caa0c8baca.zip to the GCS.",
        );
        assert_eq!(e.action.as_deref(), Some("package-uploaded"));
        assert_eq!(
            e.get_str("url.original"),
            Some("gcs://_ray_pkg_3109e4caa0c8baca.zip")
        );
        let e = ev(
            "2026-11-22 12:37:31,156\tINFO uri_cache.py:86 -- Added URI gcs://_ray_pkg_3109e4caa0c8baca.zip with size 238",
        );
        assert_eq!(
            e.get_str("url.original"),
            Some("gcs://_ray_pkg_3109e4caa0c8baca.zip")
        );
        let e = ev(
            r#"2026-11-22 12:45:00,000	INFO runtime_env_agent.py:593 -- Successfully created runtime env: {"env_vars": {"LD_PRELOAD": "/tmp/.x/libhide.so"}}, context: {"command_prefix": []}"#,
        );
        assert_eq!(e.action.as_deref(), Some("runtime-env-created"));
        assert_eq!(
            e.get_str("ray.runtime_env"),
            Some(r#"{"env_vars": {"LD_PRELOAD": "/tmp/.x/libhide.so"}}"#)
        );
    }

    #[test]
    fn tracebacks_and_status_blocks() {
        let e = ev(
            "2026-11-22 12:40:00,000\tERROR head.py:10 -- boom\nTraceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nKeyError: 'a'",
        );
        assert_eq!(e.get_str("error.type"), Some("KeyError"));
        assert_eq!(e.get_str("error.message"), Some("'a'"));
        assert!(e.message.starts_with("boom\nTraceback"));
        let e = ev(
            "2026-11-22 12:37:12,924\tINFO autoscaler.py:408 -- \n======== Autoscaler status: 2026-11-22 12:37:12.924053 ========\nNode status\n---------------------------------------------------------------\nActive:\n 1 node_a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590\nPending:\n (no pending nodes)\nRecent failures:\n (no failures)",
        );
        assert_eq!(e.kind, "state");
        assert!(e.message.starts_with("======== Autoscaler status: "));
        assert_eq!(e.get_str("labels.autoscaler_active_nodes"), Some("1"));
        assert_eq!(e.get_str("labels.autoscaler_recent_failures"), Some("0"));
    }

    #[test]
    fn listen_addresses() {
        let e = ev(
            "2026-11-22 12:37:10,047\tINFO http_server_head.py:492 -- Dashboard head http address: 0.0.0.0:8265",
        );
        assert_eq!(e.action.as_deref(), Some("configuration"));
        assert_eq!(e.get_str("server.address"), Some("0.0.0.0"));
        assert_eq!(e.get_i64("server.port"), Some(8265));
        let e = ev(
            "2026-11-22 12:37:08,520\tINFO server.py:913 -- Starting Ray Client server on 127.0.0.1:10001, args Namespace(host='127.0.0.1')",
        );
        assert_eq!(e.get_str("server.address"), Some("127.0.0.1"));
        assert_eq!(e.get_i64("server.port"), Some(10001));
    }

    #[test]
    fn json_objects() {
        assert_eq!(
            json_object(r#"env: {"a": {"b": "}"}}, x"#),
            Some(r#"{"a": {"b": "}"}}"#)
        );
        assert_eq!(json_object("{unbalanced"), None);
        assert_eq!(json_object("none"), None);
    }
}
