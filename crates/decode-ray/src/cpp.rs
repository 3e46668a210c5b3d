//! Records of the C++ components (GCS, raylet, core worker): the header, the
//! appended context, and the meaning of the security-relevant messages
//! (ray-logs.md §4.1, §6).

use crate::fields::{self as rf, action as ra};
use crate::header::CppLine;
use crate::{context, oom};
use memchr::memmem;
use sightline_decode::helpers::{normalize_level, set_source_addr};
use sightline_event::{Event, Outcome, action, field};
use std::sync::LazyLock;

/// Fills `ev` from a parsed header; `rest` is the record's continuation lines.
pub fn fill(ev: &mut Event, h: &CppLine<'_>, rest: Option<&str>) {
    ev.level = Some(normalize_level(h.level).to_owned());
    if let Ok(pid) = h.pid.parse::<i64>() {
        ev.set(field::PROCESS_PID, pid);
    }
    if let Ok(tid) = h.tid.parse::<i64>() {
        ev.set(field::PROCESS_THREAD_ID, tid);
    }
    if let Some(c) = h.component {
        ev.set(field::RAY_COMPONENT, c);
        ev.set(field::SERVICE_NAME, c);
    }
    if let Some(f) = h.file {
        ev.set(field::LOG_ORIGIN_FILE, f);
    }
    if let Some(l) = h.line {
        ev.set(field::LOG_ORIGIN_LINE, i64::from(l));
    }
    let n = context::apply_trailing(ev, h.msg, false);
    let msg = h.msg.get(..n).unwrap_or(h.msg);
    ev.message = match rest {
        // An empty header message (`autoscaler.py:408 -- `) is followed by its block.
        Some(r) if h.msg.trim().is_empty() => r.to_owned(),
        Some(r) => format!("{}\n{}", h.msg, r),
        None => h.msg.to_owned(),
    };
    classify(ev, h.file.unwrap_or(""), msg, rest);
    if matches!(h.level, "E" | "F") && ev.event_type.is_empty() {
        ev.add_type("error");
    }
}

/// Maps a worker exit type (the `rpc::WorkerExitType` name) to action and outcome.
pub fn worker_exit(ev: &mut Event, exit_type: &str) {
    ev.set(rf::WORKER_EXIT_TYPE, exit_type);
    ev.add_category("process").add_type("end");
    match exit_type {
        "SYSTEM_ERROR" | "USER_ERROR" => {
            ev.set_action(action::WORKER_FAILED);
            ev.outcome = Outcome::Failure;
        }
        "NODE_OUT_OF_MEMORY" => {
            ev.set_action(action::OOM_KILL);
            ev.outcome = Outcome::Failure;
        }
        "INTENDED_USER_EXIT" | "INTENDED_SYSTEM_EXIT" => {
            ev.set_action(ra::WORKER_EXITED);
            ev.outcome = Outcome::Success;
        }
        _ => {
            ev.set_action(ra::WORKER_EXITED);
        }
    }
}

/// `rpc::WorkerExitType` by number (raylet prints `disconnect_type=<n>`).
fn exit_type_name(n: &str) -> Option<&'static str> {
    Some(match n {
        "0" => "SYSTEM_ERROR",
        "1" => "INTENDED_SYSTEM_EXIT",
        "2" => "USER_ERROR",
        "3" => "INTENDED_USER_EXIT",
        "4" => "NODE_OUT_OF_MEMORY",
        _ => return None,
    })
}

/// The text after `key` up to the next `, ` (or the end).
fn after<'a>(msg: &'a str, key: &str) -> Option<&'a str> {
    let i = msg.find(key)?;
    let rest = &msg[i + key.len()..];
    let v = rest.split(", ").next().unwrap_or(rest).trim();
    (!v.is_empty()).then_some(v)
}

/// The text after `key` up to the next space.
fn word_after<'a>(msg: &'a str, key: &str) -> Option<&'a str> {
    let i = msg.find(key)?;
    let rest = &msg[i + key.len()..];
    let v = rest.split([' ', ',']).next().unwrap_or(rest);
    (!v.is_empty()).then_some(v)
}

fn set_i64(ev: &mut Event, name: &'static str, v: Option<&str>) {
    if let Some(n) = v.and_then(|v| v.trim_end_matches('.').parse::<i64>().ok()) {
        ev.set(name, n);
    }
}

/// Substrings of gRPC authentication failures, searched in every C++ message.
static AUTH_FAILURE: LazyLock<[memmem::Finder<'static>; 2]> = LazyLock::new(|| {
    [
        memmem::Finder::new("InvalidAuthToken"),
        memmem::Finder::new("Unauthenticated: "),
    ]
});

pub(crate) fn classify(ev: &mut Event, file: &str, msg: &str, rest: Option<&str>) {
    // Token authentication failures surface only client-side, e.g. a
    // driver's gcs_client.cc (§2); they read the same wherever they land.
    if AUTH_FAILURE
        .iter()
        .any(|f| f.find(msg.as_bytes()).is_some())
    {
        ev.set_action(action::AUTHENTICATION_FAILED);
        ev.add_category("authentication").add_type("denied");
        ev.outcome = Outcome::Failure;
        ev.set(field::NETWORK_PROTOCOL, "grpc");
        if let Some(i) = msg.find("Unauthenticated: ") {
            ev.set(field::ERROR_MESSAGE, &msg[i..]);
        }
        return;
    }
    match file {
        "gcs_node_manager.cc" => node_manager_gcs(ev, msg),
        "gcs_job_manager.cc" => {
            if msg.starts_with("Registering job.") {
                ev.set_action(ra::JOB_REGISTERED);
                ev.add_category("process").add_type("start");
                ev.outcome = Outcome::Success;
            } else if msg.starts_with("Marking job as finished.") {
                ev.set_action(action::JOB_FINISHED);
                ev.add_category("process").add_type("end");
            }
        }
        "gcs_actor_manager.cc" => actor_manager(ev, msg),
        "gcs_actor_scheduler.cc" if msg.starts_with("Actor creation task succeeded.") => {
            ev.set_action(ra::ACTOR_CREATED);
            ev.add_category("process").add_type("start");
            ev.outcome = Outcome::Success;
        }
        "gcs_worker_manager.cc" if msg.starts_with("Reporting worker exit") => {
            // `Reporting worker exit, worker id = X, node id = Y, address = A, exit_type = T, exit_detail = D`
            if let Some(w) = after(msg, "worker id = ") {
                ev.set(field::RAY_WORKER_ID, w);
            }
            if let Some(n) = after(msg, "node id = ") {
                ev.set(field::RAY_NODE_ID, n);
            }
            if let Some(a) = after(msg, "address = ") {
                ev.set(rf::NODE_ADDRESS, a);
            }
            if let Some(i) = msg.find("exit_detail = ") {
                ev.set(rf::WORKER_EXIT_DETAIL, &msg[i + "exit_detail = ".len()..]);
            }
            if let Some(t) = after(msg, "exit_type = ") {
                worker_exit(ev, t);
            }
        }
        "node_manager.cc" => node_manager_raylet(ev, msg, rest),
        "main.cc"
            if msg.starts_with("received SIGTERM")
                || msg.starts_with("Raylet graceful shutdown") =>
        {
            ev.set_action(ra::NODE_STOPPING);
            ev.add_category("host").add_type("end");
            if let Some(r) = word_after(msg, "reason: ") {
                ev.set(rf::NODE_DEATH_REASON, r);
            }
        }
        "threshold_memory_monitor.cc" | "memory_monitor.cc" => {
            if msg.starts_with("Node memory usage above threshold") {
                // `used: A, threshold_bytes: B, total bytes: C, threshold fraction: F`
                ev.set_action(ra::MEMORY_THRESHOLD_EXCEEDED);
                ev.add_category("host").add_type("info");
                set_i64(ev, rf::MEMORY_USED_BYTES, after(msg, "used: "));
                set_i64(
                    ev,
                    rf::MEMORY_THRESHOLD_BYTES,
                    after(msg, "threshold_bytes: "),
                );
                set_i64(ev, rf::MEMORY_TOTAL_BYTES, after(msg, "total bytes: "));
            } else if msg.contains("initialized with usage threshold at ") {
                ev.set_action(action::CONFIGURATION);
                ev.add_category("configuration").add_type("info");
                set_i64(
                    ev,
                    rf::MEMORY_THRESHOLD_BYTES,
                    word_after(msg, "usage threshold at "),
                );
                set_i64(
                    ev,
                    rf::MEMORY_TOTAL_BYTES,
                    after(msg, "total system memory bytes: "),
                );
            }
        }
        "worker_pool.cc" if msg.starts_with("Started worker process with pid ") => {
            ev.set_action(ra::WORKER_STARTED);
            ev.add_category("process").add_type("start");
            ev.outcome = Outcome::Success;
            set_i64(ev, rf::WORKER_PID, word_after(msg, "with pid "));
        }
        "agent_manager.cc" if msg.starts_with("Agent process with name ") => {
            // `Agent process with name dashboard_agent exited, exit code 0.`
            ev.add_category("process").add_type("end");
            if let Some(name) = word_after(msg, "with name ") {
                ev.label("agent", name);
            }
            set_i64(ev, field::PROCESS_EXIT_CODE, word_after(msg, "exit code "));
            ev.outcome = match ev.get_i64(field::PROCESS_EXIT_CODE) {
                Some(0) => Outcome::Success,
                Some(_) => Outcome::Failure,
                None => Outcome::Unknown,
            };
        }
        "task_manager.cc" => {
            if let Some(t) = word_after(msg, "failed with error ") {
                ev.set_action(ra::TASK_FAILED);
                ev.set(rf::TASK_ERROR_TYPE, t);
                ev.outcome = Outcome::Failure;
            } else if let Some(m) = msg.strip_prefix("Task failed: ") {
                ev.set_action(ra::TASK_FAILED);
                ev.outcome = Outcome::Failure;
                let m = m.split(": Type=").next().unwrap_or(m);
                ev.set(field::ERROR_MESSAGE, m);
                if let Some((ty, _)) = m.split_once(": ") {
                    ev.set(field::ERROR_TYPE, ty);
                }
            }
        }
        "core_worker_process.cc" => {
            // `Initializing worker at address: 127.0.0.1:13786 worker_id=... node_id=...`
            if let Some(a) = word_after(msg, "worker at address: ") {
                let (ip, _) = sightline_decode::helpers::split_host_port(a);
                if ip.parse::<std::net::IpAddr>().is_ok() {
                    ev.set(field::HOST_IP, vec![ip.to_owned()]);
                }
            }
        }
        "grpc_server.cc" if msg.contains("listening on port ") => {
            // `GcsServer server started, listening on port 6379.`
            set_i64(
                ev,
                field::SERVER_PORT,
                word_after(msg, "listening on port "),
            );
            ev.add_category("network").add_type("start");
        }
        "gcs_server_main.cc" if msg.contains("received SIGTERM") => {
            ev.set_action(ra::NODE_STOPPING);
            ev.add_category("host").add_type("end");
        }
        _ => {}
    }
}

fn node_manager_gcs(ev: &mut Event, msg: &str) {
    if msg.starts_with("Registering new node.") {
        ev.set_action(action::NODE_REGISTERED);
        ev.add_category("host").add_type("start");
        ev.outcome = Outcome::Success;
    } else if let Some(i) = msg.find("death reason = ") {
        // `, death reason = EXPECTED_TERMINATION, death message = received SIGTERM`
        ev.set_action(action::NODE_REMOVED);
        ev.add_category("host").add_type("end");
        let reason = msg[i + "death reason = ".len()..]
            .split(',')
            .next()
            .unwrap_or("")
            .trim();
        node_death(ev, reason);
        if let Some(j) = msg.find("death message = ") {
            ev.set(field::ERROR_MESSAGE, &msg[j + "death message = ".len()..]);
        }
    } else if msg.starts_with("The node with node id: ") && msg.contains("has been marked dead") {
        // `The node with node id: X and address: A and node name: N has been marked dead because ...`
        ev.set_action(action::NODE_REMOVED);
        ev.add_category("host").add_type("end");
        ev.outcome = Outcome::Failure;
        if let Some(id) = word_after(msg, "node id: ") {
            ev.set(field::RAY_NODE_ID, id);
        }
        if let Some(a) = word_after(msg, "and address: ") {
            ev.set(rf::NODE_ADDRESS, a);
        }
        node_death(ev, "UNEXPECTED_TERMINATION");
    }
}

/// Sets the node death reason and the outcome it implies.
pub fn node_death(ev: &mut Event, reason: &str) {
    if reason.is_empty() {
        return;
    }
    ev.set(rf::NODE_DEATH_REASON, reason);
    ev.outcome = match reason {
        "EXPECTED_TERMINATION" | "AUTOSCALER_DRAIN_IDLE" => Outcome::Success,
        "UNEXPECTED_TERMINATION" | "AUTOSCALER_DRAIN_PREEMPTED" => Outcome::Failure,
        _ => Outcome::Unknown,
    };
}

fn actor_manager(ev: &mut Event, msg: &str) {
    if msg.starts_with("Actor is failed on worker ") {
        // `Actor is failed on worker W at node N, need_reschedule = 1, death context type = ActorDiedErrorContext, ...`
        if let Some(w) = word_after(msg, "on worker ") {
            ev.set(field::RAY_WORKER_ID, w);
        }
        if let Some(n) = word_after(msg, " at node ") {
            ev.set(field::RAY_NODE_ID, n);
        }
        let ctx = after(msg, "death context type = ").unwrap_or("");
        ev.set(rf::ACTOR_DEATH_REASON, ctx);
        ev.add_category("process").add_type("end");
        ev.outcome = Outcome::Failure;
        ev.set_action(if ctx == "OOMContext" {
            action::OOM_KILL
        } else {
            action::WORKER_FAILED
        });
    } else if msg.starts_with("Worker ") && msg.contains(" exits, type=") {
        // `Worker W on node N exits, type=SYSTEM_ERROR, has creation_task_exception = 0`
        if let Some(w) = word_after(msg, "Worker ") {
            ev.set(field::RAY_WORKER_ID, w);
        }
        if let Some(n) = word_after(msg, " on node ") {
            ev.set(field::RAY_NODE_ID, n);
        }
        if let Some(t) = word_after(msg, "exits, type=") {
            worker_exit(ev, t);
        }
    } else if msg.starts_with("Actor created successfully") {
        ev.set_action(ra::ACTOR_CREATED);
        ev.add_category("process").add_type("start");
        ev.outcome = Outcome::Success;
    } else if msg.starts_with("Destroying actor") {
        ev.set_action(ra::ACTOR_DIED);
        ev.add_category("process").add_type("end");
    }
}

fn node_manager_raylet(ev: &mut Event, msg: &str, rest: Option<&str>) {
    if let Some(r) = msg.strip_prefix("Disconnecting worker, graceful=") {
        // `Disconnecting worker, graceful=false, disconnect_type=0, has_creation_task_exception=false`
        let graceful = r.starts_with("true");
        match word_after(r, "disconnect_type=").and_then(exit_type_name) {
            Some(t) => worker_exit(ev, t),
            None => {
                ev.set_action(ra::WORKER_EXITED);
                ev.add_category("process").add_type("end");
            }
        }
        if graceful && ev.action.as_deref() == Some(action::WORKER_FAILED) {
            ev.outcome = Outcome::Unknown;
        }
    } else if msg.starts_with("Killing ") && msg.contains("worker(s), kill details: ") {
        ev.set_action(action::OOM_KILL);
        ev.add_category("process").add_type("end");
        ev.outcome = Outcome::Success;
        let whole = match rest {
            Some(r) => format!("{msg}\n{r}"),
            None => msg.to_owned(),
        };
        oom::apply(ev, &whole);
    } else if msg.starts_with("Raylet of id, ") {
        // `Raylet of id, N started. ... node_manager address: 127.0.0.1:45051 ... hostname: vm`
        ev.set_action(ra::NODE_STARTED);
        ev.add_category("host").add_type("start");
        ev.outcome = Outcome::Success;
        if let Some(id) = word_after(msg, "Raylet of id, ") {
            ev.set(field::RAY_NODE_ID, id.trim_end_matches(','));
        }
        if let Some(h) = word_after(msg, "hostname: ") {
            ev.set(field::HOST_NAME, h);
        }
        if let Some(a) = word_after(msg, "node_manager address: ") {
            let (ip, _) = sightline_decode::helpers::split_host_port(a);
            if ip.parse::<std::net::IpAddr>().is_ok() {
                ev.set(field::HOST_IP, vec![ip.to_owned()]);
            }
        }
    } else if msg.contains("killed due to memory pressure (OOM)") {
        // The periodic summary of earlier kills: `2 Workers (tasks / actors) killed due to memory pressure (OOM), 0 Workers crashed ... at node (ID: N, IP: A)`
        ev.add_category("host").add_type("info");
        if let Some(id) = word_after(msg, "(ID: ") {
            ev.set(field::RAY_NODE_ID, id);
        }
        if let Some(n) = msg
            .split(' ')
            .next()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        {
            ev.label("oom_killed_workers", n);
        }
    } else if let Some(r) = msg.strip_prefix("Driver (pid=") {
        set_i64(ev, rf::DRIVER_PID, r.split(')').next());
    } else if msg.starts_with("Failed to send exit request to worker") {
        ev.add_category("process").add_type("end");
    } else if let Some(peer) = word_after(msg, "from client ") {
        set_source_addr(ev, peer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::parse_cpp;
    use sightline_event::EventId;

    fn ev(line: &str) -> Event {
        let mut e = Event::new(
            EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.gcs",
            line,
        );
        let (first, rest) = match line.split_once('\n') {
            Some((f, r)) => (f, Some(r)),
            None => (line, None),
        };
        let h = parse_cpp(first).unwrap();
        fill(&mut e, &h, rest);
        e
    }

    #[test]
    fn node_registration() {
        let e = ev(
            "[2026-11-22 12:37:12,763 I 7822 7837] (gcs_server) gcs_node_manager.cc:111: Registering new node. node_id=a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590 node_name=127.0.0.1 node_address=127.0.0.1",
        );
        assert_eq!(e.action.as_deref(), Some("node-registered"));
        assert_eq!(
            e.get_str("ray.node.id"),
            Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
        );
        assert_eq!(e.get_str("ray.node.address"), Some("127.0.0.1"));
        assert_eq!(e.get_str("service.name"), Some("gcs_server"));
        assert_eq!(e.get_i64("process.pid"), Some(7822));
        assert_eq!(e.get_i64("process.thread.id"), Some(7837));
        assert_eq!(e.category, ["host"]);
    }

    #[test]
    fn node_death() {
        let e = ev(
            "[2026-11-22 12:39:36,111 I 7822 7822] (gcs_server) gcs_node_manager.cc:400: , death reason = EXPECTED_TERMINATION, death message = received SIGTERM node_id=a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590 node_name=127.0.0.1",
        );
        assert_eq!(e.action.as_deref(), Some("node-removed"));
        assert_eq!(
            e.get_str("ray.node.death_reason"),
            Some("EXPECTED_TERMINATION")
        );
        assert_eq!(e.get_str("error.message"), Some("received SIGTERM"));
        assert_eq!(e.outcome, Outcome::Success);
    }

    #[test]
    fn jobs_and_workers() {
        let e = ev(
            "[2026-11-22 12:37:22,666 I 7822 7822] (gcs_server) gcs_job_manager.cc:115: Registering job. job_id=01000000 driver_pid=8280",
        );
        assert_eq!(e.action.as_deref(), Some("job-registered"));
        assert_eq!(e.get_str("ray.job.id"), Some("01000000"));
        assert_eq!(e.get_i64("ray.driver.pid"), Some(8280));
        let e = ev(
            "[2026-11-22 12:37:24,245 I 8138 8138] (raylet) node_manager.cc:1477: Disconnecting worker, graceful=false, disconnect_type=0, has_creation_task_exception=false worker_id=08598ff1b25b3438ad9272c47a3b046e846be61655a49683f52aab84 job_id=01000000",
        );
        assert_eq!(e.action.as_deref(), Some("worker-failed"));
        assert_eq!(e.outcome, Outcome::Failure);
        assert_eq!(e.get_str("ray.worker.exit_type"), Some("SYSTEM_ERROR"));
        assert_eq!(
            e.get_str("ray.worker.id"),
            Some("08598ff1b25b3438ad9272c47a3b046e846be61655a49683f52aab84")
        );
        let e = ev(
            "[2026-11-22 12:37:24,245 I 7822 7822] (gcs_server) gcs_actor_manager.cc:1515: Actor is failed on worker 08598ff1b25b3438ad9272c47a3b046e846be61655a49683f52aab84 at node a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590, need_reschedule = 1, death context type = ActorDiedErrorContext, remaining_restarts = 0, num_restarts = 0, num_restarts_due_to_node_preemption = 0, preempted = 0 job_id=01000000 actor_id=59017f0f2e9aafd3e8833f9401000000",
        );
        assert_eq!(e.action.as_deref(), Some("worker-failed"));
        assert_eq!(
            e.get_str("ray.node.id"),
            Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
        );
        assert_eq!(
            e.get_str("ray.actor.id"),
            Some("59017f0f2e9aafd3e8833f9401000000")
        );
        let e = ev(
            "[2026-11-22 12:37:22,121 I 8138 8138] (raylet) worker_pool.cc:564: Started worker process with pid 8339 worker_id=8f41bbda3d038c8ba6992b929e9df31124612bd98c3e8a3b6f98beb3",
        );
        assert_eq!(e.action.as_deref(), Some("worker-started"));
        assert_eq!(e.get_i64("ray.worker.pid"), Some(8339));
    }

    #[test]
    fn oom() {
        let e = ev(
            "[2026-11-22 12:39:09,035 I 8138 8174] (raylet) threshold_memory_monitor.cc:128: Node memory usage above threshold, used: 3404374016, threshold_bytes: 3336498176, total bytes: 25276502016, threshold fraction: 0.132000",
        );
        assert_eq!(e.action.as_deref(), Some("memory-threshold-exceeded"));
        assert_eq!(e.get_i64("ray.memory.used_bytes"), Some(3404374016));
        assert_eq!(e.get_i64("ray.memory.total_bytes"), Some(25276502016));
        let e = ev(
            "[2026-11-22 12:39:09,110 I 8138 8138] (raylet) node_manager.cc:3199: Killing 2 worker(s), kill details: Memory on the node (IP: 127.0.0.1, ID: a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590) was 3.17GB used / 23.54GB limit (0.134696)\nOOM kill reason: Memory usage 3404374016B exceeded threshold of 3336498176B (13.2% of 25276502016B limit)\nSelected to kill: (Actor(d6e2ab2c5bc42142b0547b4305000000): job ID=05000000, lease ID=0c00, task name=MemHog.__init__, required resources={}, pid=15358, actual memory used=1.51GB, worker ID=f883d091d1219c132e454ecae0d8810440254d5b13d48a0ed1473458)",
        );
        assert_eq!(e.action.as_deref(), Some("oom-kill"));
        assert_eq!(e.get_str("ray.task.name"), Some("MemHog.__init__"));
        assert_eq!(
            e.get_str("ray.worker.id"),
            Some("f883d091d1219c132e454ecae0d8810440254d5b13d48a0ed1473458")
        );
        assert!(e.message.contains("OOM kill reason"));
    }

    #[test]
    fn gcs_auth_failure_client_side() {
        let e = ev(
            "[2026-11-22 12:38:02,908 W 9688 9688] gcs_client.cc:210: Failed to get cluster ID from GCS server: Unauthenticated: RPC error: InvalidAuthToken: Authentication token is missing or incorrect",
        );
        assert_eq!(e.action.as_deref(), Some("authentication-failed"));
        assert_eq!(e.outcome, Outcome::Failure);
        assert!(e.category.contains(&"authentication".to_string()));
    }

    #[test]
    fn raylet_start_names_the_host() {
        let e = ev(
            "[2026-11-22 12:37:12,700 I 8138 8138] (raylet) node_manager.cc:440: Raylet of id, a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590 started. Raylet consists of node_manager and object_manager. node_manager address: 127.0.0.1:41565 object_manager address: 127.0.0.1:41321 hostname: vm",
        );
        assert_eq!(e.action.as_deref(), Some("node-started"));
        assert_eq!(e.get_str("host.name"), Some("vm"));
        assert_eq!(
            e.fields.get("host.ip"),
            Some(&sightline_decode::Value::List(vec!["127.0.0.1".into()]))
        );
        assert_eq!(
            e.get_str("ray.node.id"),
            Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
        );
    }
}
