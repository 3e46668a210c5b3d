//! Which kind of record a physical line starts. With `log.file.rootPath`
//! and `accessLog.filename` empty, Milvus writes zap lines, access lines
//! and the C++ core's glog lines to one stdout, so the kind is decided per
//! line. A line that starts none of them continues the record before it
//! (a raw multi-line value, a goroutine dump, a segcore exception).

use memchr::memmem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Proxy access log: `[time] [ACCESS] <user: addr> Method ...`.
    Access,
    /// Main log, text encoder: `[time] [LEVEL] ...`.
    ZapText,
    /// Main log, JSON encoder: `{"level":...,"time":...}`.
    ZapJson,
    /// C++ core (segcore, knowhere, milvus-lite): glog `I20261122 13:09:57.616384 ...`.
    Glog,
    /// pymilvus client logging: `2026-11-22 13:10:00,224 [ERROR][handler]: ...`.
    Client,
    /// The expression parser's raw ANTLR message: `line 1:5 extraneous input ...`.
    Antlr,
    /// A Go runtime crash: `panic: ...` or `fatal error: ...`.
    Panic,
}

/// The kind of record `line` starts, if any.
pub fn of(line: &str) -> Option<Kind> {
    let b = line.as_bytes();
    match b.first()? {
        b'[' => bracketed(b),
        b'{' => Some(Kind::ZapJson),
        b'I' | b'W' | b'E' | b'F' if b.get(1).is_some_and(u8::is_ascii_digit) => {
            sightline_decode::glog::parse(line).map(|_| Kind::Glog)
        }
        b'0'..=b'9' if is_client(b) => Some(Kind::Client),
        b'l' if is_antlr(b) => Some(Kind::Antlr),
        b'p' | b'f' if line.starts_with("panic: ") || line.starts_with("fatal error: ") => {
            Some(Kind::Panic)
        }
        _ => None,
    }
}

/// `[<digit>...] [ACCESS] <` or `[<digit>...] [<LEVEL>]`.
fn bracketed(b: &[u8]) -> Option<Kind> {
    if !b.get(1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let close = memchr::memchr(b']', b.get(..48.min(b.len()))?)?;
    let after = b.get(close + 1..)?;
    if after.starts_with(b" [ACCESS] <") {
        return Some(Kind::Access);
    }
    let level = after.strip_prefix(b" [")?;
    let end = memchr::memchr(b']', level)?;
    let word = std::str::from_utf8(level.get(..end)?).ok()?;
    crate::zaptext::LEVELS
        .contains(&word)
        .then_some(Kind::ZapText)
}

/// `YYYY-MM-DD HH:MM:SS,mmm [LEVEL][function]: `: Python logging with
/// pymilvus's format (`%(asctime)s [%(levelname)s][%(funcName)s]: ...`).
fn is_client(b: &[u8]) -> bool {
    let shape = b.len() > 25
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b','
        && b[23] == b' '
        && b[24] == b'[';
    if !shape {
        return false;
    }
    let rest = &b[25..];
    let Some(level_end) = memchr::memchr(b']', rest) else {
        return false;
    };
    if level_end == 0 || level_end > 10 || rest.get(level_end + 1) != Some(&b'[') {
        return false;
    }
    let func = &rest[level_end + 2..];
    memchr::memchr(b']', func).is_some_and(|e| func.get(e + 1) == Some(&b':'))
}

/// `line <n>:<m> ` — ANTLR's default error listener.
fn is_antlr(b: &[u8]) -> bool {
    let Some(rest) = b.strip_prefix(b"line ") else {
        return false;
    };
    let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || rest.get(n) != Some(&b':') {
        return false;
    }
    let rest = &rest[n + 1..];
    let m = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    m > 0 && rest.get(m) == Some(&b' ')
}

/// Whether a JSON line looks like Milvus's zap JSON (for detection; the
/// decoder accepts any object with `level` and `time`).
pub fn is_milvus_json(line: &str) -> bool {
    let b = line.as_bytes();
    if b.first() != Some(&b'{') || memmem::find(b, b"\"level\":\"").is_none() {
        return false;
    }
    // The zap time layout inside JSON is Milvus's own: `"time":"2026/03/09 ...`.
    match memmem::find(b, b"\"time\":\"") {
        Some(i) => b.get(i + 12) == Some(&b'/') && b.get(i + 8).is_some_and(u8::is_ascii_digit),
        None => false,
    }
}

/// Whether a glog line carries the Milvus core's module tags
/// (`[SERVER][fn][thread]`, `[KNOWHERE][fn][thread]`, `[SEGCORE]...`).
pub fn is_milvus_glog(line: &str) -> bool {
    sightline_decode::glog::parse(line).is_some_and(|g| {
        let m = g.message;
        [
            "[SERVER][",
            "[KNOWHERE][",
            "[SEGCORE][",
            "[MILVUS][",
            "[STORAGE][",
            "[INDEX][",
        ]
        .iter()
        .any(|t| m.starts_with(t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(
            of("[2026/03/09 06:00:02.582 +00:00] [ACCESS] <a: b> Flush"),
            Some(Kind::Access)
        );
        assert_eq!(
            of("[2026/03/09 06:00:02.582 +00:00] [INFO] [a.go:1] [m]"),
            Some(Kind::ZapText)
        );
        assert_eq!(of(r#"{"level":"INFO"}"#), Some(Kind::ZapJson));
        assert_eq!(
            of("I20261122 13:09:57.616384 26935 server.cpp:82] [SERVER][main][milvus][]Start"),
            Some(Kind::Glog)
        );
        assert_eq!(
            of("2026-11-22 13:10:00,224 [ERROR][handler]: RPC error"),
            Some(Kind::Client)
        );
        assert_eq!(
            of("line 1:5 extraneous input '<' expecting"),
            Some(Kind::Antlr)
        );
        assert_eq!(
            of("panic: runtime error: index out of range"),
            Some(Kind::Panic)
        );
        for cont in [
            "",
            ": segcore error)>, <Time:{'RPC start': '2026-11-22 13:10:00.312546'}> (decorators.py:140)",
            "goroutine 1 [running]:",
            "\t/go/src/main.go:12 +0x1d",
            "[signal SIGSEGV: segmentation violation]",
            "[2026/03/09 06:00:02.582 +00:00] [NOTALEVEL] x",
            "Info is not glog",
            "lineage 1:2 x",
            "2026-11-22 13:10:00,224 [ERROR] plain python logging",
            "2026-11-22 13:10:00,224 [ERROR][handler no colon",
        ] {
            assert_eq!(of(cont), None, "{cont:?}");
        }
    }

    #[test]
    fn detection_helpers() {
        assert!(is_milvus_json(
            r#"{"level":"INFO","time":"2026/03/09 05:59:20.000 +00:00","caller":"roles/roles.go:333","message":"m"}"#
        ));
        assert!(!is_milvus_json(
            r#"{"level":"INFO","time":"2026-03-09T05:59:20Z","message":"m"}"#
        ));
        assert!(is_milvus_glog(
            "I20261122 13:09:58.112120 26939 index_factory.cc:55] [KNOWHERE][Create][grpcpp_sync_ser] use key"
        ));
        assert!(!is_milvus_glog(
            "I1122 12:00:00.123456 12345 master.cpp:1234] Received registration request"
        ));
    }
}
