//! Python tracebacks inside a multi-line record: the exception that ended
//! it, and where the trace starts.

use crate::shape::{self, TRACEBACK};
use sightline_decode::{Event, field};

/// The final exception of the last traceback in `text`: its type and the
/// first line of its message. `None` when there is no complete traceback.
pub fn last_exception(text: &str) -> Option<(&str, &str)> {
    let start = text.rfind(TRACEBACK)?;
    let after = text.get(start + TRACEBACK.len()..)?;
    // Frames are indented; the first line that is not closes the trace.
    after
        .split('\n')
        .skip(1)
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| !l.trim().is_empty() && !l.starts_with([' ', '\t']))
        .and_then(shape::exception_line)
}

/// Sets `error.type`, `error.message` (unless set) and `error.stack_trace`
/// from a traceback in the record, if it has one. Returns whether it did.
pub fn apply(ev: &mut Event, text: &str) -> bool {
    let Some(start) = text.find(TRACEBACK) else {
        return false;
    };
    if let Some((ty, msg)) = last_exception(text) {
        ev.set(field::ERROR_TYPE, ty);
        if !msg.is_empty() {
            ev.set(field::ERROR_MESSAGE, msg);
        }
        if let Some(op) = crate::sdk::mlx_op(msg) {
            ev.set(field::MLX_ERROR_OP, op);
        }
    }
    if let Some(trace) = text.get(start..) {
        ev.set(field::ERROR_STACK_TRACE, trace.trim_end());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_of_chained_tracebacks() {
        let t = "x\nTraceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 'a'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"b.py\", line 2\n    raise ValueError('b')\nValueError: b\n";
        assert_eq!(last_exception(t), Some(("ValueError", "b")));
    }

    #[test]
    fn truncated_trace_has_no_exception() {
        assert_eq!(
            last_exception("Traceback (most recent call last):\n  File \"a.py\", line 1"),
            None
        );
        assert_eq!(last_exception("no trace here"), None);
    }
}
