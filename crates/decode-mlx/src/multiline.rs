//! Which physical lines continue the pending record.
//!
//! Records start with a line of a known shape (SDK JSON, logging header,
//! access line, warning, dashes). Lines that can only be continuations
//! (indented frames and dumps, `Traceback ...`, chained-exception sentences,
//! closing brackets, the exception line ending a traceback, everything inside
//! a socketserver error frame) join it. Other free text starts its own
//! record, so one unknown print cannot swallow the lines after it.

use crate::shape::{self, Shape};

/// What started the pending record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// The stream's first record (the assembler never shows its first line).
    Unknown,
    Json,
    Access,
    Other,
}

#[derive(Debug)]
pub struct Multiline {
    pending: Pending,
    /// Inside a traceback: the next unindented exception line closes it.
    in_traceback: bool,
    /// Inside socketserver's `----` error frame: everything up to the closing dashes belongs to it.
    frame_open: bool,
}

impl Default for Multiline {
    fn default() -> Self {
        Multiline {
            pending: Pending::Unknown,
            in_traceback: false,
            frame_open: false,
        }
    }
}

impl Multiline {
    pub fn continues(&mut self, line: &str) -> bool {
        let sh = shape::shape(line);
        let json = self.pending == Pending::Json;
        let cont = match sh {
            Shape::Json | Shape::LogHeader | Shape::Access | Shape::WarningHeader => false,
            Shape::Dashes if self.frame_open => {
                self.frame_open = false;
                self.in_traceback = false;
                true
            }
            Shape::Dashes => false,
            Shape::ExcOccurred if !json => {
                self.frame_open = true;
                true
            }
            Shape::Indented | Shape::Chain | Shape::Closer => !json,
            // A bare traceback after a JSON or access line is not theirs.
            Shape::TracebackStart if matches!(self.pending, Pending::Json | Pending::Access) => {
                false
            }
            Shape::TracebackStart => {
                self.in_traceback = true;
                true
            }
            Shape::ExcOccurred => false,
            Shape::Other if json => false,
            Shape::Other if self.frame_open => true,
            Shape::Other if self.in_traceback && shape::exception_line(line).is_some() => {
                self.in_traceback = false;
                true
            }
            Shape::Other => false,
        };
        if !cont {
            self.pending = match sh {
                Shape::Json => Pending::Json,
                Shape::Access => Pending::Access,
                _ => Pending::Other,
            };
            self.in_traceback = sh == Shape::TracebackStart;
            self.frame_open = matches!(sh, Shape::Dashes | Shape::ExcOccurred);
        }
        cont
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups lines as the assembler would (blank lines aside).
    fn group(lines: &[&str]) -> Vec<usize> {
        let mut m = Multiline::default();
        let mut sizes = vec![1];
        for l in &lines[1..] {
            if m.continues(l) {
                if let Some(last) = sizes.last_mut() {
                    *last += 1;
                }
            } else {
                sizes.push(1);
            }
        }
        sizes
    }

    #[test]
    fn socketserver_error_frame_is_one_record() {
        let lines = [
            r#"127.0.0.1 - - [22/Nov/2026 13:14:00] "GET /v1/models HTTP/1.1" 200 -"#,
            "----------------------------------------",
            "Exception occurred during processing of request from ('127.0.0.1', 33852)",
            "Traceback (most recent call last):",
            "  File \"/usr/lib/python3.11/socketserver.py\", line 691, in process_request_thread",
            "    self.finish_request(request, client_address)",
            "huggingface_hub.errors.CacheNotFound: Cache directory not found: /root/.cache/huggingface/hub.",
            "----------------------------------------",
            r#"127.0.0.1 - - [22/Nov/2026 13:14:01] "GET /health HTTP/1.1" 200 -"#,
        ];
        assert_eq!(group(&lines), [1, 7, 1]);
    }

    #[test]
    fn logging_traceback_and_warning() {
        let lines = [
            "/x/server.py:1894: UserWarning: not for production.",
            "  warnings.warn(",
            "2026-11-22 13:11:51,124 - ERROR - boom",
            "Traceback (most recent call last):",
            "  File \"a.py\", line 1, in <module>",
            "ValueError: bad",
            "some unrelated print",
            "2026-11-22 13:11:52,124 - DEBUG - Incoming Request Body: {",
            "\t\"model\": \"x\"",
            "}",
        ];
        assert_eq!(group(&lines), [2, 4, 1, 3]);
    }

    #[test]
    fn json_records_never_take_continuations() {
        let lines = [
            r#"{"event":"mlx.resource"}"#,
            r#"{"event":"mlx.resource"}"#,
            "  indented",
            "Traceback (most recent call last):",
        ];
        // The indented line starts a record of its own, which the traceback then continues.
        assert_eq!(group(&lines), [1, 1, 2]);
    }
}
