//! The raylet's OOM kill report (ray-logs.md §6.8), found in `raylet.out`
//! (a multi-line record), in `event_RAYLET.log` ("Out of Memory") and in
//! export events (`oom_context`, `OUT_OF_MEMORY`).
//!
//! ```text
//! Killing 2 worker(s), kill details: Memory on the node (IP: 127.0.0.1, ID: a18a...) was 3.17GB used / 23.54GB limit (0.134696)
//! OOM kill reason: Memory usage 3404374016B exceeded threshold of 3336498176B (13.2% of 25276502016B limit)
//! ...
//! Selected to kill: (Actor(d6e2...): job ID=05000000, lease ID=..., task name=MemHog.__init__, required resources={}, pid=15358, actual memory used=1.51GB, worker ID=f883...)
//! ```
//!
//! The "Top 10 memory users" table lists every process of the host, not only
//! Ray's (§6.8), so it is left in the message and not turned into fields.

use crate::fields as rf;
use sightline_event::{Event, field};

/// Sets the fields of an OOM report found in `text`. Returns whether the
/// text was one (it names the memory of the node or a selected worker).
pub fn apply(ev: &mut Event, text: &str) -> bool {
    let mut found = false;
    if let Some(i) = text.find("Memory on the node (IP: ") {
        let rest = &text[i + "Memory on the node (IP: ".len()..];
        if let Some((ip, rest)) = rest.split_once(", ID: ") {
            ev.set(rf::NODE_ADDRESS, ip);
            if let Some((id, _)) = rest.split_once(')')
                && is_hex(id)
            {
                ev.set(field::RAY_NODE_ID, id);
            }
        }
        found = true;
    }
    if let Some(i) = text.find("Memory usage ") {
        // `Memory usage 3404374016B exceeded threshold of 3336498176B (13.2% of 25276502016B limit)`
        let rest = &text[i + "Memory usage ".len()..];
        if let Some(used) = bytes_value(rest) {
            ev.set(rf::MEMORY_USED_BYTES, used);
        }
        if let Some(j) = rest.find("threshold of ")
            && let Some(th) = bytes_value(&rest[j + "threshold of ".len()..])
        {
            ev.set(rf::MEMORY_THRESHOLD_BYTES, th);
        }
        if let Some(j) = rest.find("% of ")
            && let Some(total) = bytes_value(&rest[j + "% of ".len()..])
        {
            ev.set(rf::MEMORY_TOTAL_BYTES, total);
        }
    }
    let mut pids = Vec::new();
    let mut workers = Vec::new();
    let mut tasks = Vec::new();
    let mut jobs = Vec::new();
    for sel in text.split("Selected to kill: (").skip(1) {
        found = true;
        // The entry ends at the line end.
        let sel = sel.split(['\n']).next().unwrap_or(sel);
        if let Some(pid) = value_after(sel, "pid=") {
            pids.push(pid.to_owned());
        }
        if let Some(w) = value_after(sel, "worker ID=").filter(|w| is_hex(w)) {
            workers.push(w.to_owned());
        }
        if let Some(t) = value_after(sel, "task name=") {
            tasks.push(t.to_owned());
        }
        if let Some(j) = value_after(sel, "job ID=").filter(|j| is_hex(j)) {
            jobs.push(j.to_owned());
        }
    }
    // A single victim's ids go to the plain fields too, for rules that do not read lists.
    if workers.len() == 1 {
        ev.set(field::RAY_WORKER_ID, workers[0].as_str());
    }
    if tasks.len() == 1 {
        ev.set(field::RAY_TASK_NAME, tasks[0].as_str());
    }
    if jobs.len() == 1 {
        ev.set(field::RAY_JOB_ID, jobs[0].as_str());
    }
    for (name, list) in [
        (rf::OOM_KILLED_PIDS, pids),
        (rf::OOM_KILLED_WORKER_IDS, workers),
        (rf::OOM_KILLED_TASKS, tasks),
        (rf::OOM_KILLED_JOB_IDS, jobs),
    ] {
        if !list.is_empty() {
            ev.set(name, list);
        }
    }
    found
}

/// The value of `key` in a `k=v, k=v)` list: up to the next `, ` or `)`.
fn value_after<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let i = s.find(key)?;
    let rest = &s[i + key.len()..];
    let end = rest.find([',', ')']).unwrap_or(rest.len());
    let v = rest[..end].trim();
    (!v.is_empty()).then_some(v)
}

/// `3404374016B` → 3404374016.
fn bytes_value(s: &str) -> Option<i64> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || n > 18 || s.as_bytes().get(n) != Some(&b'B') {
        return None;
    }
    s[..n].parse().ok()
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_event::EventId;

    #[test]
    fn report_fields() {
        let text = "Killing 2 worker(s), kill details: Memory on the node (IP: 127.0.0.1, ID: a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590) was 3.17GB used / 23.54GB limit (0.134696)\n\
OOM kill reason: Memory usage 3404374016B exceeded threshold of 3336498176B (13.2% of 25276502016B limit)\n\
Selected to kill: (Worker with no lease granted: pid=15359, actual memory used=0.05GB, worker ID=cd2e6bf90017ab13451acb43bb8dbb6773fd2910fc85f2b4580a5b90)\n\
Selected to kill: (Actor(d6e2ab2c5bc42142b0547b4305000000): job ID=05000000, lease ID=0c00, task name=MemHog.__init__, required resources={}, pid=15358, actual memory used=1.51GB, worker ID=f883d091d1219c132e454ecae0d8810440254d5b13d48a0ed1473458)\n]";
        let mut ev = Event::new(
            EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.raylet",
            "",
        );
        assert!(apply(&mut ev, text));
        assert_eq!(
            ev.get_str("ray.node.id"),
            Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
        );
        assert_eq!(ev.get_i64("ray.memory.used_bytes"), Some(3404374016));
        assert_eq!(ev.get_i64("ray.memory.threshold_bytes"), Some(3336498176));
        assert_eq!(ev.get_i64("ray.memory.total_bytes"), Some(25276502016));
        assert_eq!(
            ev.fields["ray.oom.killed_pids"],
            vec!["15359".to_string(), "15358".to_string()].into()
        );
        assert_eq!(ev.get_str("ray.task.name"), Some("MemHog.__init__"));
        assert_eq!(ev.get_str("ray.job.id"), Some("05000000"));
        assert_eq!(ev.get("ray.worker.id"), None);
        let mut ev2 = Event::new(
            EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.raylet",
            "",
        );
        assert!(!apply(&mut ev2, "nothing"));
        assert!(apply(&mut ev2, "Selected to kill: (pid=, worker ID=zz"));
    }
}
