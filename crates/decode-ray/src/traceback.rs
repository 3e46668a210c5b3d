//! Python tracebacks and exception lines inside records.

use sightline_event::{Event, field};

pub const TRACEBACK_START: &str = "Traceback (most recent call last):";
/// The lines Python prints between chained tracebacks.
pub const CHAIN_LINES: [&str; 2] = [
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
];

/// Whether a line is the start of a chained traceback's separator.
pub fn is_chain_line(line: &str) -> bool {
    CHAIN_LINES.contains(&line.trim_end())
}

/// Splits an exception line (`ZeroDivisionError: division by zero`,
/// `ray.exceptions.RayTaskError(ValueError): ray::f() ...`, `KeyboardInterrupt`)
/// into type and message. `None` when the line does not read as one.
pub fn exception_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_end();
    let (ty, msg) = match line.split_once(": ") {
        Some((t, m)) => (t, m),
        None => (line.strip_suffix(':').unwrap_or(line), ""),
    };
    let first = ty.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') || ty.len() > 200 {
        return None;
    }
    let ok = ty
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'(' | b')'));
    // A bare word is an exception only if it is named like one.
    let named = !msg.is_empty()
        || ty.ends_with("Error")
        || ty.ends_with("Exception")
        || ty.ends_with("Interrupt")
        || ty.ends_with("Exit");
    (ok && named).then_some((ty, msg))
}

/// If `text` holds a Python traceback, sets `error.type`, `error.message`
/// (from its last line, the exception) and `error.stack_trace`. Returns
/// whether it did.
pub fn apply(ev: &mut Event, text: &str) -> bool {
    let Some(start) = text.find(TRACEBACK_START) else {
        return false;
    };
    let tb = &text[start..];
    ev.set(field::ERROR_STACK_TRACE, tb.trim_end());
    // The exception is the last line that is not indented (frames and source
    // lines are) and is not a chain separator.
    let last = tb.lines().rev().find(|l| {
        !l.trim().is_empty()
            && !l.starts_with([' ', '\t'])
            && !is_chain_line(l)
            && *l != TRACEBACK_START
    });
    if let Some((ty, msg)) = last.and_then(exception_line) {
        ev.set(field::ERROR_TYPE, ty);
        if !msg.is_empty() {
            ev.set(field::ERROR_MESSAGE, msg);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_event::EventId;

    #[test]
    fn exception_lines() {
        assert_eq!(
            exception_line("ZeroDivisionError: division by zero"),
            Some(("ZeroDivisionError", "division by zero"))
        );
        assert_eq!(
            exception_line("ray.exceptions.RayTaskError(ValueError): ray::f() (pid=1)"),
            Some((
                "ray.exceptions.RayTaskError(ValueError)",
                "ray::f() (pid=1)"
            ))
        );
        assert_eq!(
            exception_line("KeyboardInterrupt"),
            Some(("KeyboardInterrupt", ""))
        );
        assert_eq!(exception_line("hello world"), None);
        assert_eq!(exception_line("burst-1"), None);
        assert_eq!(exception_line(""), None);
        assert_eq!(exception_line("/bin/sh: 1: ./xmrig: not found"), None);
    }

    #[test]
    fn traceback_in_text() {
        let mut ev = Event::new(
            EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.worker",
            "",
        );
        let text = "oops\nTraceback (most recent call last):\n  File \"/srv/raylab/structured_driver.py\", line 20, in f\n    1 / 0\n    ~~^~~\nZeroDivisionError: division by zero";
        assert!(apply(&mut ev, text));
        assert_eq!(ev.get_str("error.type"), Some("ZeroDivisionError"));
        assert_eq!(ev.get_str("error.message"), Some("division by zero"));
        assert!(
            ev.get_str("error.stack_trace")
                .unwrap()
                .starts_with("Traceback")
        );
        let mut ev2 = ev.clone();
        ev2.fields.clear();
        assert!(!apply(&mut ev2, "no traceback here"));
    }
}
