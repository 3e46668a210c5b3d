//! How sure we are that a stream is MLX's, from its name and first lines.
//!
//! - SDK JSON lines carry `"schema":"sightline.mlx/<n>"`: certain. JSON lines
//!   whose `event` starts with `mlx.` but lack the schema: likely. Other JSON
//!   is never claimed (it belongs to the generic JSON source).
//! - mlx_lm.server logs: access and logging lines plus something only
//!   mlx_lm writes (its startup warning and `Starting httpd`, prompt progress
//!   lines) or an `mlx_lm` file name. Bare http.server access lines with
//!   Python's zoneless time score low: any Python server writes them.

use crate::shape::{self, Shape};
use std::path::Path;

/// The schema name as it appears quoted in a JSON line.
const SCHEMA_NEEDLE: &str = "\"sightline.mlx/";

pub fn score(path: Option<&Path>, sample: &[&str]) -> u8 {
    let name = path
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let path_sdk = name.contains("sightline-mlx") || name.contains("sightline_mlx");
    let path_server = name.contains("mlx_lm") || name.contains("mlx-lm");

    let mut lines = 0u32;
    let mut sdk = 0u32;
    let mut mlx_json = 0u32;
    let mut python_access = 0u32;
    let mut known = 0u32;
    let mut marker = 0u32;
    for l in sample.iter().map(|l| l.trim_start_matches('\u{feff}')) {
        if l.trim().is_empty() {
            continue;
        }
        lines += 1;
        if l.starts_with('{') {
            let schema = l.contains(SCHEMA_NEEDLE);
            if schema {
                sdk += 1;
            } else if l.contains("\"event\":\"mlx.") || l.contains("\"event\": \"mlx.") {
                mlx_json += 1;
            }
            continue;
        }
        if l.contains("mlx_lm")
            || l.contains("Prompt processing progress: ")
            || l.contains(" - Starting httpd at ")
        {
            marker += 1;
        }
        match shape::shape(l) {
            Shape::Access => {
                known += 1;
                if crate::access::parse(l).is_some_and(|a| crate::access::is_python_time(a.time)) {
                    python_access += 1;
                }
            }
            Shape::LogHeader | Shape::WarningHeader => known += 1,
            Shape::Indented
            | Shape::TracebackStart
            | Shape::Dashes
            | Shape::ExcOccurred
            | Shape::Chain => {
                known += 1;
            }
            _ => {}
        }
    }

    if lines == 0 {
        return if path_sdk {
            60
        } else if path_server {
            50
        } else {
            0
        };
    }
    if sdk > 0 {
        return if sdk * 2 >= lines { 98 } else { 85 };
    }
    if mlx_json > 0 {
        return if path_sdk { 90 } else { 75 };
    }
    let mostly_known = known * 2 >= lines;
    if marker > 0 && mostly_known {
        return 95;
    }
    if path_server && known > 0 {
        return 90;
    }
    if python_access * 2 >= lines {
        return 30;
    }
    if path_sdk {
        return 20;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_lines_are_certain() {
        let s = [
            r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T05:41:04.521Z","event":"mlx.sdk.start","outcome":"success"}"#,
        ];
        assert_eq!(score(None, &s), 98);
        let spaced = [r#"{"schema": "sightline.mlx/2", "event": "mlx.inference"}"#];
        assert_eq!(score(None, &spaced), 98);
    }

    #[test]
    fn other_json_is_not_claimed() {
        let s = [
            r#"{"level":"info","ts":1700000000,"msg":"hello","event":"login"}"#,
            r#"{"a":1}"#,
        ];
        assert_eq!(score(None, &s), 0);
        assert_eq!(score(Some(Path::new("/var/log/app.jsonl")), &s), 0);
    }

    #[test]
    fn server_log_by_content_and_name() {
        let s = [
            "/opt/venv/lib/python3.11/site-packages/mlx_lm/server.py:1894: UserWarning: mlx_lm.server is not recommended for production as it only implements basic security checks.",
            "  warnings.warn(",
            "2026-11-20 05:49:53,790 - INFO - Starting httpd at 0.0.0.0 on port 8080...",
            r#"10.40.15.154 - - [20/Nov/2026 06:01:07] "POST /v1/chat/completions HTTP/1.1" 200 -"#,
        ];
        assert_eq!(score(None, &s), 95);
        let bare = [
            r#"10.40.15.154 - - [20/Nov/2026 06:01:07] "POST /v1/chat/completions HTTP/1.1" 200 -"#,
        ];
        assert_eq!(score(None, &bare), 30);
        assert_eq!(score(Some(Path::new("/x/mlx_lm.server.log")), &bare), 90);
    }

    #[test]
    fn foreign_logs_score_zero() {
        let ray = ["2026-11-22 12:37:07,123\tINFO head.py:123 -- Dashboard started"];
        assert_eq!(score(None, &ray), 0);
        let clf = [r#"10.0.0.1 - - [22/Nov/2026:12:37:31 +0000] "GET / HTTP/1.1" 200 512"#];
        assert_eq!(score(None, &clf), 0);
        let plain = ["2026-11-22 12:00:00,000 - INFO - some python app"];
        assert_eq!(score(None, &plain), 0);
        assert_eq!(score(None, &[]), 0);
    }
}
