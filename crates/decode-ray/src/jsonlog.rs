//! Ray's structured logs: `ray.LoggingConfig(encoding="JSON")` records in
//! driver output and worker `.err` (ray-logs.md §4.5), and the C++ JSON
//! variant (`RAY_BACKEND_LOG_JSON=1`: `{"asctime":...,"levelname":"I",...}`).

use crate::{context, traceback};
use serde_json::{Map, Value as J};
use sightline_decode::helpers::{normalize_level, parse_epoch_int, parse_local_datetime};
use sightline_decode::{Context, Event};
use sightline_event::field;

/// Whether a parsed object is a structured log record (not an event).
pub fn is_log_record(obj: &Map<String, J>) -> bool {
    obj.contains_key("levelname") && (obj.contains_key("message") || obj.contains_key("asctime"))
}

/// Keys consumed into fields; the rest become labels.
const HANDLED: [&str; 12] = [
    "asctime",
    "levelname",
    "message",
    "filename",
    "lineno",
    "process",
    "thread",
    "name",
    "exc_text",
    "timestamp_ns",
    "component",
    "stack_info",
];

pub fn fill(ev: &mut Event, obj: &Map<String, J>, ctx: &Context<'_>) {
    let s = |k: &str| obj.get(k).and_then(J::as_str);
    // `timestamp_ns` is UTC; `asctime` is local time without a zone (§4.8).
    let ts = obj
        .get("timestamp_ns")
        .and_then(J::as_i64)
        .and_then(parse_epoch_int)
        .or_else(|| s("asctime").and_then(|t| parse_local_datetime(t, ctx.options)));
    if let Some(ts) = ts {
        ctx.stamp(ev, ts);
    }
    if let Some(l) = s("levelname") {
        ev.level = Some(normalize_level(l).to_owned());
    }
    ev.message = s("message").unwrap_or("").to_owned();
    if let Some(f) = s("filename") {
        ev.set(field::LOG_ORIGIN_FILE, f);
    }
    if let Some(l) = obj.get("lineno").and_then(int) {
        ev.set(field::LOG_ORIGIN_LINE, l);
    }
    if let Some(p) = obj.get("process").and_then(int) {
        ev.set(field::PROCESS_PID, p);
    }
    if let Some(t) = obj.get("thread").and_then(int) {
        ev.set(field::PROCESS_THREAD_ID, t);
    }
    if let Some(n) = s("name") {
        ev.set(field::LOG_LOGGER, n);
    }
    if let Some(c) = s("component") {
        ev.set(field::RAY_COMPONENT, c);
        ev.set(field::SERVICE_NAME, c);
    }
    if let Some(exc) = s("exc_text").filter(|e| !e.is_empty()) {
        if !traceback::apply(ev, exc) {
            ev.set(field::ERROR_STACK_TRACE, exc);
        }
        ev.add_type("error");
    }
    for (k, v) in obj {
        if HANDLED.contains(&k.as_str()) {
            continue;
        }
        match v {
            J::String(v) => context::apply(ev, k, v),
            J::Number(n) => context::apply(ev, k, &n.to_string()),
            J::Bool(b) => context::apply(ev, k, if *b { "true" } else { "false" }),
            J::Null => {}
            other => {
                ev.label(k.as_str(), other.to_string());
            }
        }
    }
    // The same messages mean the same in JSON as in text.
    let msg = ev.message.clone();
    let file = ev.get_str(field::LOG_ORIGIN_FILE).unwrap_or("").to_owned();
    if file.ends_with(".cc") || file.ends_with(".h") {
        crate::cpp::classify(ev, &file, &msg, None);
    } else if file == "web_log.py" && crate::access::apply(ev, &msg) {
    } else {
        crate::python::classify(ev, &file, &msg);
    }
}

/// A JSON number or numeric string as an integer.
pub fn int(v: &J) -> Option<i64> {
    match v {
        J::Number(n) => n.as_i64(),
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_decode::{DecodeOptions, Record, StreamInfo};

    #[test]
    fn structured_record_with_exception() {
        let line = r#"{"asctime": "2026-11-22 12:37:39,799", "levelname": "ERROR", "message": "structured exception in task", "filename": "structured_driver.py", "lineno": 22, "process": 9450, "exc_text": "Traceback (most recent call last):\n  File \"/srv/raylab/structured_driver.py\", line 20, in f\n    1 / 0\n    ~~^~~\nZeroDivisionError: division by zero", "name": "sightline.structured.task", "job_id": "04000000", "worker_id": "5cc2185d37b7abaf8d9dc441b7934deae1bfcf7415c8b1821054e1de", "node_id": "a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590", "task_id": "5da13aa9e2150759ffffffffffffffffffffffff04000000", "task_name": "f", "task_func_name": "structured_driver.f", "timestamp_ns": 1795351059799123456}"#;
        let obj: Map<String, J> = serde_json::from_str(line).unwrap();
        assert!(is_log_record(&obj));
        let stream = StreamInfo::for_path("/w.err");
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
        let mut ev = ctx.new_event(&rec, "ray", "ray.worker");
        fill(&mut ev, &obj, &ctx);
        assert_eq!(ev.timestamp.to_string(), "2026-11-22T12:37:39.799123456Z");
        assert_eq!(ev.level.as_deref(), Some("error"));
        assert_eq!(ev.message, "structured exception in task");
        assert_eq!(ev.get_str("error.type"), Some("ZeroDivisionError"));
        assert_eq!(ev.get_str("error.message"), Some("division by zero"));
        assert_eq!(ev.get_str("ray.task.name"), Some("f"));
        assert_eq!(ev.get_str("ray.job.id"), Some("04000000"));
        assert_eq!(ev.get_i64("process.pid"), Some(9450));
        assert_eq!(ev.get_str("log.logger"), Some("sightline.structured.task"));
        assert!(!ev.has_tag("timestamp_inferred"));
    }

    #[test]
    fn cpp_json_variant_keeps_message_meaning() {
        let line = r#"{"asctime":"2026-11-22 12:37:12,763","levelname":"I","component":"gcs_server","filename":"gcs_node_manager.cc","lineno":111,"message":"Registering new node.","node_id":"a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590","node_name":"127.0.0.1"}"#;
        let obj: Map<String, J> = serde_json::from_str(line).unwrap();
        assert!(is_log_record(&obj));
        let stream = StreamInfo::for_path("/gcs_server.out");
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
        let mut ev = ctx.new_event(&rec, "ray", "ray.gcs");
        fill(&mut ev, &obj, &ctx);
        assert_eq!(ev.action.as_deref(), Some("node-registered"));
        assert_eq!(ev.level.as_deref(), Some("info"));
        assert_eq!(
            ev.get_str("ray.node.id"),
            Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
        );
        assert_eq!(ev.get_str("service.name"), Some("gcs_server"));
        assert_eq!(ev.timestamp.to_string(), "2026-11-22T12:37:12.763Z");
    }
}
