//! How sure we are that a stream is a Ray log: from the path first (Ray's
//! file names are distinctive), then from the shapes of the first lines.
//! Content alone scores moderately, so generic JSON or Python logs of other
//! systems are not taken.

use crate::header;
use crate::layout::{self, Kind};
use std::path::Path;

/// Names that other software uses too: they need a session directory or Ray-shaped content.
fn generic_name(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Monitor
            | Kind::Dashboard
            | Kind::DebugState { .. }
            | Kind::Serve
            | Kind::Supervisor { .. }
    )
}

#[derive(Debug, Default, Clone, Copy)]
struct Shapes {
    lines: usize,
    cpp: usize,
    py: usize,
    ray_json: usize,
    markers: usize,
}

fn shapes(sample: &[&str]) -> Shapes {
    let mut s = Shapes::default();
    for l in sample.iter().filter(|l| !l.trim().is_empty()) {
        s.lines += 1;
        if let Some(h) = header::parse_cpp(l) {
            // spdlog's `[ts L pid tid] file.cc:N:` is Ray's own layout.
            if h.file.is_some() {
                s.cpp += 1;
            }
        } else if let Some(h) = header::parse_py(l) {
            // `ts\tLEVEL file.py:N -- msg` (Ray's LOGGER_FORMAT).
            if h.file.is_some() && l.as_bytes().get(23) == Some(&b'\t') {
                s.py += 1;
            }
        } else if l.starts_with('{') {
            let ray_keys = [
                "\"source_type\"",
                "\"event_data\"",
                "\"job_id\"",
                "\"worker_id\"",
                "\"node_id\"",
                "\"custom_fields\"",
            ];
            if ray_keys.iter().filter(|k| l.contains(*k)).count() >= 1
                && (l.contains("\"event_id\"") || l.contains("\"levelname\""))
            {
                s.ray_json += 1;
            }
        } else if crate::output::marker(l).is_some() || crate::output::entrypoint(l).is_some() {
            s.markers += 1;
        }
    }
    s
}

pub fn score(path: Option<&Path>, sample: &[&str]) -> u8 {
    let info = layout::classify(path);
    let s = shapes(sample);
    let matched = s.cpp + s.py + s.ray_json + s.markers;
    let content_ratio = if s.lines == 0 {
        0.0
    } else {
        matched as f64 / s.lines as f64
    };
    let content_strong = s.lines > 0 && content_ratio >= 0.5;
    let content_some = matched > 0;
    if info.kind != Kind::Unknown {
        if info.in_session {
            return 98;
        }
        if !generic_name(&info.kind) {
            // `gcs_server.out`, `python-core-worker-<id>_<pid>.log`, `worker-<id>-<job>-<pid>.out`...
            return if content_some || s.lines == 0 { 95 } else { 85 };
        }
        return if content_strong || info.in_logs {
            90
        } else if content_some {
            70
        } else {
            // `monitor.log` of something else.
            10
        };
    }
    if info.in_session {
        return if content_some { 90 } else { 60 };
    }
    if !content_strong {
        // A few Ray lines in a mixed file: let a format-specific source win.
        return if s.cpp > 0 || s.ray_json > 0 { 30 } else { 0 };
    }
    // Content only: C++ headers and Ray events are distinctive, Python's
    // format much less so.
    if s.cpp * 2 >= s.lines || s.ray_json * 2 >= s.lines {
        75
    } else if s.markers > 0 {
        65
    } else {
        55
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_path() {
        let p = Path::new("/tmp/ray/session_2026-11-22_12-37-06_990969_7821/logs/raylet.out");
        assert_eq!(score(Some(p), &[]), 98);
        assert_eq!(score(Some(Path::new("/x/gcs_server.out")), &[]), 95);
        assert_eq!(
            score(Some(Path::new("/var/log/app/monitor.log")), &["hello"]),
            10
        );
        assert!(
            score(
                Some(Path::new("/var/log/app/monitor.log")),
                &["2026-11-22 12:37:07,858\tINFO monitor.py:730 -- Starting"]
            ) >= 90
        );
    }

    #[test]
    fn by_content() {
        let cpp = [
            "[2026-11-22 12:37:07,012 I 7822 7822] (gcs_server) gcs_server_main.cc:98: Ray cluster metadata",
        ];
        assert_eq!(score(Some(Path::new("/x/y.log")), &cpp), 75);
        let py = ["2026-11-22 12:37:07,858\tINFO monitor.py:730 -- Starting monitor"];
        assert_eq!(score(None, &py), 55);
        let ev =
            [r#"{"event_id": "x", "source_type": "JOBS", "custom_fields": {}, "message": "m"}"#];
        assert_eq!(score(None, &ev), 75);
        assert_eq!(score(None, &[r#"{"level":"info","msg":"hello"}"#]), 0);
        assert_eq!(score(None, &["Nov 22 12:00:00 host sshd[1]: Accepted"]), 0);
        assert_eq!(score(None, &[]), 0);
    }
}
