//! What a physical line looks like, judged from its first bytes only. Used by
//! detection and by multi-line assembly, so it must be cheap: no regex, no
//! allocation.

/// The shape of one physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// An SDK JSON object (`{...}` on one line).
    Json,
    /// A Python logging line (`2026-11-20 05:49:53,790 - INFO - ...` or `INFO:root:...`).
    LogHeader,
    /// An http.server access/error line (`10.0.0.1 - - [20/Nov/2026 06:01:07] ...`).
    Access,
    /// A `warnings` module line (`/path/server.py:1894: UserWarning: ...`).
    WarningHeader,
    /// A line of 20 or more dashes (socketserver's handle_error frame).
    Dashes,
    /// Starts with a space or tab (traceback frames, `warnings.warn(`, JSON dumps).
    Indented,
    /// `Traceback (most recent call last):`
    TracebackStart,
    /// The sentence between two chained tracebacks.
    Chain,
    /// `Exception occurred during processing of request from (...)`
    ExcOccurred,
    /// A closing bracket alone (the end of an indented JSON dump).
    Closer,
    Other,
}

pub const TRACEBACK: &str = "Traceback (most recent call last):";
pub const EXC_OCCURRED: &str = "Exception occurred during processing of request from ";

pub fn shape(line: &str) -> Shape {
    let b = line.as_bytes();
    match b.first() {
        None => Shape::Other,
        Some(b' ' | b'\t') => Shape::Indented,
        Some(b'{') if line.trim_end().ends_with('}') && line.len() > 1 => Shape::Json,
        Some(b'-') if b.len() >= 20 && b.iter().all(|&c| c == b'-') => Shape::Dashes,
        Some(b'}' | b']' | b')') if line.trim_end().len() <= 2 => Shape::Closer,
        Some(d) if d.is_ascii_digit() && looks_like_datetime(b) => Shape::LogHeader,
        _ if starts_with_basic_level(line) => Shape::LogHeader,
        _ if line.starts_with(TRACEBACK) => Shape::TracebackStart,
        _ if line.starts_with("During handling of the above exception")
            || line.starts_with("The above exception was the direct cause") =>
        {
            Shape::Chain
        }
        _ if line.starts_with(EXC_OCCURRED) => Shape::ExcOccurred,
        _ if crate::access::parse(line).is_some() => Shape::Access,
        _ if crate::server::parse_warning(line).is_some() => Shape::WarningHeader,
        _ => Shape::Other,
    }
}

/// `YYYY-MM-DD[ T]HH:MM:SS` at the start.
pub fn looks_like_datetime(b: &[u8]) -> bool {
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b' ' || b[10] == b'T')
        && b[13] == b':'
        && b[16] == b':'
}

/// Python logging's default format: `LEVEL:logger:message`.
pub fn starts_with_basic_level(line: &str) -> bool {
    basic_level_split(line).is_some()
}

/// Splits `LEVEL:logger:message` into its parts.
pub fn basic_level_split(line: &str) -> Option<(&str, &str, &str)> {
    let (level, rest) = line.split_once(':')?;
    if !is_level_word(level) {
        return None;
    }
    let (logger, msg) = rest.split_once(':')?;
    if logger.is_empty() || logger.contains(' ') {
        return None;
    }
    Some((level, logger, msg))
}

/// The level names Python's logging writes.
pub fn is_level_word(s: &str) -> bool {
    matches!(
        s,
        "DEBUG" | "INFO" | "WARNING" | "WARN" | "ERROR" | "CRITICAL" | "FATAL" | "NOTSET"
    )
}

/// The last line of a traceback: `pkg.mod.SomeError: text`, or a bare
/// `KeyboardInterrupt`. The name is a dotted identifier.
pub fn exception_line(line: &str) -> Option<(&str, &str)> {
    let (name, msg) = match line.split_once(':') {
        Some((n, m)) => (n, m.strip_prefix(' ').unwrap_or(m)),
        None => (line.trim_end(), ""),
    };
    let ident = !name.is_empty()
        && name.len() <= 200
        && name.split('.').all(|part| {
            let mut c = part.chars();
            matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
                && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
        });
    // A bare word is only an exception if it says so (`KeyboardInterrupt`,
    // `SystemExit`, `...Error`): a single word of prose is not.
    let bare_ok = !msg.is_empty()
        || ["Error", "Exception", "Interrupt", "Exit", "Warning"]
            .iter()
            .any(|s| name.ends_with(s));
    (ident && bare_ok).then_some((name, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_corpus_lines() {
        assert_eq!(
            shape("2026-11-20 05:49:53,790 - INFO - Starting httpd at 0.0.0.0 on port 8080..."),
            Shape::LogHeader
        );
        assert_eq!(
            shape(
                r#"10.40.15.154 - - [20/Nov/2026 06:01:07] "POST /v1/chat/completions HTTP/1.1" 200 -"#
            ),
            Shape::Access
        );
        assert_eq!(
            shape(
                "/opt/venv/lib/python3.11/site-packages/mlx_lm/server.py:1894: UserWarning: mlx_lm.server is not recommended for production as it only implements basic security checks."
            ),
            Shape::WarningHeader
        );
        assert_eq!(shape("  warnings.warn("), Shape::Indented);
        assert_eq!(
            shape(r#"{"schema":"sightline.mlx/1","event":"mlx.resource"}"#),
            Shape::Json
        );
        assert_eq!(
            shape("----------------------------------------"),
            Shape::Dashes
        );
        assert_eq!(
            shape("Traceback (most recent call last):"),
            Shape::TracebackStart
        );
        assert_eq!(
            shape("Exception occurred during processing of request from ('127.0.0.1', 33852)"),
            Shape::ExcOccurred
        );
        assert_eq!(shape("INFO:root:hello"), Shape::LogHeader);
        assert_eq!(shape("}"), Shape::Closer);
        assert_eq!(shape("Fetching 5 files: 100%"), Shape::Other);
        assert_eq!(shape(""), Shape::Other);
    }

    #[test]
    fn exception_lines() {
        assert_eq!(
            exception_line("huggingface_hub.errors.CacheNotFound: Cache directory not found"),
            Some((
                "huggingface_hub.errors.CacheNotFound",
                "Cache directory not found"
            ))
        );
        assert_eq!(
            exception_line("KeyboardInterrupt"),
            Some(("KeyboardInterrupt", ""))
        );
        assert_eq!(exception_line("hello"), None);
        assert_eq!(exception_line("some prose: here"), None);
        assert_eq!(exception_line("9Bad: x"), None);
    }
}
