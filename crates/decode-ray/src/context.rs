//! Ray's structured context: the `key=value` pairs C++ and Python components
//! append to messages (`... job_id=02000000 worker_id=... node_id=...`), and
//! the same keys in structured JSON records.

use crate::fields as rf;
use sightline_decode::helpers::{set_source_addr, split_trailing_kv};
use sightline_event::{Event, field};

/// The keys Ray's Python logging filter appends (`CoreContextFilter`).
pub const PYTHON_KEYS: &[&str] = &[
    "job_id",
    "worker_id",
    "node_id",
    "actor_id",
    "task_id",
    "task_name",
    "task_func_name",
    "actor_name",
    "timestamp_ns",
    "submission_id",
    "placement_group_id",
];

/// Whether a trailing `k=v` is Ray context rather than prose: values are
/// ids, names and numbers, never quoted or bracketed, and do not end a clause.
fn is_context_pair(k: &str, v: &str, python: bool) -> bool {
    (!python || PYTHON_KEYS.contains(&k))
        && !v.ends_with(',')
        && !v
            .bytes()
            .any(|b| matches!(b, b'\'' | b'"' | b'(' | b')' | b'[' | b']' | b'{' | b'}'))
}

/// Strips the trailing context pairs off `msg`, sets their fields, and
/// returns the length of the message without them. Python records only
/// carry the filter's keys; C++ records carry any `WithField` key.
pub fn apply_trailing(ev: &mut Event, msg: &str, python: bool) -> usize {
    let (head, pairs) = split_trailing_kv(msg);
    // The context is the longest run of clean pairs at the end; a pair that
    // is not context (`graceful=false,`, `dir='/tmp')`) and all before it
    // belong to the prose.
    let keep = pairs
        .iter()
        .rposition(|(k, v)| !is_context_pair(k, v, python))
        .map_or(0, |i| i + 1);
    let mut end = head.len();
    if keep > 0 {
        // The message runs to the end of the last prose pair.
        let (_, v) = pairs[keep - 1];
        // `v` is a slice of `msg`: its end is an offset into `msg`.
        end = (v.as_ptr() as usize).saturating_sub(msg.as_ptr() as usize) + v.len();
        end = end.min(msg.len());
    }
    for (k, v) in &pairs[keep..] {
        apply(ev, k, v);
    }
    end
}

/// Sets the field for one context key; unknown keys become labels.
pub fn apply(ev: &mut Event, key: &str, value: &str) {
    let value = value.trim();
    // Ray prints unset ids as NIL_ID (and sometimes empty).
    if value.is_empty() || value == "NIL_ID" {
        return;
    }
    let name = match key {
        "job_id" => field::RAY_JOB_ID,
        "worker_id" => field::RAY_WORKER_ID,
        "node_id" => field::RAY_NODE_ID,
        "actor_id" => field::RAY_ACTOR_ID,
        "task_id" => field::RAY_TASK_ID,
        "task_name" => field::RAY_TASK_NAME,
        "task_func_name" => rf::TASK_FUNC_NAME,
        "actor_name" => field::RAY_ACTOR_NAME,
        "submission_id" => field::RAY_JOB_SUBMISSION_ID,
        "lease_id" => rf::LEASE_ID,
        "placement_group_id" => rf::PLACEMENT_GROUP_ID,
        "cluster_id" => rf::CLUSTER_ID,
        "node_name" => rf::NODE_NAME,
        "node_address" => rf::NODE_ADDRESS,
        "owner_worker_id" => rf::OWNER_WORKER_ID,
        "ray_commit" => rf::COMMIT,
        "ray_version" => field::SERVICE_VERSION,
        "driver_pid" => {
            if let Ok(pid) = value.parse::<i64>() {
                ev.set(rf::DRIVER_PID, pid);
            }
            return;
        }
        "grpc_peer" => {
            // gRPC peers read `ipv4:127.0.0.1:5555` or `ipv6:[::1]:5555`.
            let addr = value
                .strip_prefix("ipv4:")
                .or_else(|| value.strip_prefix("ipv6:"))
                .unwrap_or(value);
            set_source_addr(ev, addr);
            return;
        }
        _ => {
            ev.label(key, value);
            return;
        }
    };
    ev.set(name, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_event::EventId;

    #[test]
    fn context_pairs_become_fields() {
        let mut ev = Event::new(
            EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.gcs",
            "",
        );
        let msg = "Registering job. job_id=01000000 driver_pid=8280 foo=bar grpc_peer=ipv4:127.0.0.1:40000";
        let n = apply_trailing(&mut ev, msg, false);
        assert_eq!(&msg[..n], "Registering job.");
        assert_eq!(ev.get_str("ray.job.id"), Some("01000000"));
        assert_eq!(ev.get_i64("ray.driver.pid"), Some(8280));
        assert_eq!(ev.get_str("labels.foo"), Some("bar"));
        assert_eq!(ev.get_str("source.ip"), Some("127.0.0.1"));
        assert_eq!(ev.get_i64("source.port"), Some(40000));
        apply(&mut ev, "worker_id", "NIL_ID");
        assert_eq!(ev.get("ray.worker.id"), None);
        let msg = "Disconnecting worker, graceful=false, disconnect_type=0, has_creation_task_exception=false worker_id=08 job_id=01000000";
        let n = apply_trailing(&mut ev, msg, false);
        assert_eq!(
            &msg[..n],
            "Disconnecting worker, graceful=false, disconnect_type=0,"
        );
        assert_eq!(ev.get_str("ray.worker.id"), Some("08"));
        assert_eq!(
            ev.get_str("labels.has_creation_task_exception"),
            Some("false")
        );
    }
}
