//! The line headers of Ray's text logs (ray-logs.md §4.1, §4.2), parsed by
//! byte scanning: these run on every line.
//!
//! C++ (spdlog):  `[2026-11-22 12:37:07,012 I 7822 7822] (gcs_server) file.cc:98: msg`
//! Python:        `2026-11-22 12:37:07,858\tINFO monitor.py:730 -- msg`
//! Serve:         `INFO 2026-11-22 12:37:07,858 controller 1234 controller.py:12 - msg`

/// A parsed C++ header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CppLine<'a> {
    /// `YYYY-MM-DD HH:MM:SS,mmm`, local time.
    pub ts: &'a str,
    /// D, I, W, E or F.
    pub level: &'a str,
    pub pid: &'a str,
    pub tid: &'a str,
    /// `gcs_server`, `raylet`; absent in core-worker logs.
    pub component: Option<&'a str>,
    pub file: Option<&'a str>,
    pub line: Option<u32>,
    pub msg: &'a str,
}

/// A parsed Python logging header (`ray_constants.LOGGER_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PyLine<'a> {
    pub ts: &'a str,
    pub level: &'a str,
    pub file: Option<&'a str>,
    pub line: Option<u32>,
    pub msg: &'a str,
}

fn digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// `YYYY-MM-DD HH:MM:SS` at the start of `b`.
fn datetime_at(b: &[u8]) -> bool {
    b.len() >= 19
        && digits(&b[0..4])
        && b[4] == b'-'
        && digits(&b[5..7])
        && b[7] == b'-'
        && digits(&b[8..10])
        && b[10] == b' '
        && digits(&b[11..13])
        && b[13] == b':'
        && digits(&b[14..16])
        && b[16] == b':'
        && digits(&b[17..19])
}

/// Cheap shape test for a C++ record start (used by multi-line assembly).
pub fn is_cpp(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 22 && b[0] == b'[' && datetime_at(&b[1..])
}

/// Cheap shape test for a Python record start.
pub fn is_py(line: &str) -> bool {
    let b = line.as_bytes();
    if b.len() < 26 || !datetime_at(b) {
        return false;
    }
    // `,mmm` then TAB (or a space in hand-configured variants) and an upper-case level.
    let sep = 19
        + b[19..]
            .iter()
            .position(|c| *c == b'\t' || *c == b' ')
            .unwrap_or(0);
    sep > 19 && b.get(sep + 1).is_some_and(u8::is_ascii_uppercase)
}

/// Splits `file.ext:123` (the whole token) into file and line.
fn src_token(tok: &str) -> Option<(&str, u32)> {
    let (file, line) = tok.rsplit_once(':')?;
    if file.is_empty()
        || !file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        || !digits(line.as_bytes())
    {
        return None;
    }
    Some((file, line.parse().ok()?))
}

pub fn parse_cpp(line: &str) -> Option<CppLine<'_>> {
    if !is_cpp(line) {
        return None;
    }
    let close = memchr::memchr(b']', line.as_bytes())?;
    let head = line.get(1..close)?;
    let mut parts = head.split(' ');
    let (date, time, level, pid, tid) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if parts.next().is_some()
        || level.len() != 1
        || !matches!(level, "D" | "I" | "W" | "E" | "F" | "T" | "C")
        || !digits(pid.as_bytes())
        || tid.is_empty()
        || !tid.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let ts = line.get(1..1 + date.len() + 1 + time.len())?;
    let mut rest = line
        .get(close + 1..)?
        .strip_prefix(' ')
        .unwrap_or_else(|| line.get(close + 1..).unwrap_or(""));
    let mut component = None;
    if let Some(r) = rest.strip_prefix('(')
        && let Some((comp, after)) = r.split_once(") ")
        && !comp.is_empty()
        && comp
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
    {
        component = Some(comp);
        rest = after;
    }
    let (file, lineno, msg) = match rest.split_once(": ") {
        Some((tok, msg)) => match src_token(tok) {
            Some((f, l)) => (Some(f), Some(l), msg),
            None => (None, None, rest),
        },
        // `file.cc:12:` with an empty message.
        None => match rest.strip_suffix(':').and_then(src_token) {
            Some((f, l)) => (Some(f), Some(l), ""),
            None => (None, None, rest),
        },
    };
    Some(CppLine {
        ts,
        level,
        pid,
        tid,
        component,
        file,
        line: lineno,
        msg,
    })
}

/// Python level names Ray writes (`SUCC`/`VINFO` come from the CLI).
fn is_py_level(l: &str) -> bool {
    matches!(
        l,
        "DEBUG"
            | "INFO"
            | "WARNING"
            | "WARN"
            | "ERROR"
            | "CRITICAL"
            | "FATAL"
            | "SUCC"
            | "VINFO"
            | "NOTSET"
            | "TRACE"
    )
}

pub fn parse_py(line: &str) -> Option<PyLine<'_>> {
    if !is_py(line) {
        return None;
    }
    let b = line.as_bytes();
    let sep = 19 + b[19..].iter().position(|c| *c == b'\t' || *c == b' ')?;
    // The fraction: `,mmm` (Python) or `.ffffff`.
    if sep > 19 && !(matches!(b[19], b',' | b'.') && digits(&b[20..sep])) {
        return None;
    }
    let ts = line.get(..sep)?;
    let rest = line.get(sep + 1..)?;
    let (level, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if !is_py_level(level) {
        return None;
    }
    // `file.py:123 -- msg`; other formats keep the whole rest as the message.
    if let Some((tok, msg)) = rest.split_once(" -- ")
        && let Some((file, l)) = src_token(tok)
    {
        return Some(PyLine {
            ts,
            level,
            file: Some(file),
            line: Some(l),
            msg,
        });
    }
    if let Some(tok) = rest.strip_suffix(" --")
        && let Some((file, l)) = src_token(tok)
    {
        return Some(PyLine {
            ts,
            level,
            file: Some(file),
            line: Some(l),
            msg: "",
        });
    }
    Some(PyLine {
        ts,
        level,
        file: None,
        line: None,
        msg: rest,
    })
}

/// A Ray Serve component line: `LEVEL YYYY-MM-DD HH:MM:SS,mmm <component> <id> [<request id> <route>] file.py:N - msg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLine<'a> {
    pub ts: &'a str,
    pub level: &'a str,
    pub component: &'a str,
    pub component_id: &'a str,
    /// The tokens between the component id and the source (request id, route).
    pub extra: &'a str,
    pub file: &'a str,
    pub line: u32,
    pub msg: &'a str,
}

pub fn is_serve(line: &str) -> bool {
    let Some((level, rest)) = line.split_once(' ') else {
        return false;
    };
    is_py_level(level) && datetime_at(rest.as_bytes())
}

pub fn parse_serve(line: &str) -> Option<ServeLine<'_>> {
    let (level, rest) = line.split_once(' ')?;
    if !is_py_level(level) || !datetime_at(rest.as_bytes()) {
        return None;
    }
    let b = rest.as_bytes();
    let end = 19 + b[19..].iter().position(|c| *c == b' ')?;
    let ts = rest.get(..end)?;
    let rest = rest.get(end + 1..)?;
    let (head, msg) = rest.split_once(" - ")?;
    let (before, last) = head.rsplit_once(' ')?;
    let (file, l) = src_token(last)?;
    let mut toks = before.splitn(3, ' ');
    let (component, component_id) = (toks.next()?, toks.next()?);
    let extra = toks.next().unwrap_or("").trim();
    Some(ServeLine {
        ts,
        level,
        component,
        component_id,
        extra,
        file,
        line: l,
        msg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpp_headers() {
        let l = "[2026-11-22 12:37:12,763 I 7822 7837] (gcs_server) gcs_node_manager.cc:111: Registering new node. node_id=a1";
        let c = parse_cpp(l).unwrap();
        assert_eq!(c.ts, "2026-11-22 12:37:12,763");
        assert_eq!((c.level, c.pid, c.tid), ("I", "7822", "7837"));
        assert_eq!(c.component, Some("gcs_server"));
        assert_eq!((c.file, c.line), (Some("gcs_node_manager.cc"), Some(111)));
        assert_eq!(c.msg, "Registering new node. node_id=a1");
        let c = parse_cpp("[2026-11-22 12:37:22,116 I 8280 8280] core_worker_process.cc:872: Constructing CoreWorkerProcess. pid: 8280").unwrap();
        assert_eq!(c.component, None);
        assert_eq!(c.msg, "Constructing CoreWorkerProcess. pid: 8280");
        let c = parse_cpp("[2026-11-22 12:37:07,035 I 7822 7822] (gcs_server) gcs_server.cc:1307: Gcs Debug state:").unwrap();
        assert_eq!(c.msg, "Gcs Debug state:");
        let c = parse_cpp("[2026-11-22 12:38:00,000 I 1 1] (raylet) memory_monitor_utils.cc:206:  file not found: /proc/1/smaps_rollup").unwrap();
        assert_eq!(c.msg, " file not found: /proc/1/smaps_rollup");
        let c = parse_cpp("[2026-11-22 12:38:00,000 W 1 2] no source here").unwrap();
        assert_eq!((c.file, c.msg), (None, "no source here"));
    }

    #[test]
    fn cpp_rejects() {
        for l in [
            "",
            "[",
            "[2026-11-22 12:37:12,763]",
            "[2026-11-22 12:37:12,763 X 1 1] a.cc:1: m",
            "[2026-11-22 12:37:12,763 I x 1] a.cc:1: m",
            "[state-dump] NodeManager:",
            "[2026-11-22 12:37:12,763 I 1 1 extra] a.cc:1: m",
            "[2026-11-22 12:37:12,763 I 1 1",
        ] {
            assert!(parse_cpp(l).is_none(), "{l:?}");
        }
    }

    #[test]
    fn py_headers() {
        let p =
            parse_py("2026-11-22 12:37:07,858\tINFO monitor.py:730 -- Starting monitor").unwrap();
        assert_eq!(
            (p.ts, p.level, p.file, p.line, p.msg),
            (
                "2026-11-22 12:37:07,858",
                "INFO",
                Some("monitor.py"),
                Some(730),
                "Starting monitor"
            )
        );
        let p = parse_py("2026-11-22 12:37:12,924\tINFO autoscaler.py:408 -- ").unwrap();
        assert_eq!(p.msg, "");
        let p = parse_py("2026-11-22 12:37:12,924\tINFO autoscaler.py:408 --").unwrap();
        assert_eq!((p.file, p.msg), (Some("autoscaler.py"), ""));
        let p = parse_py("2026-11-22 12:37:12,924 WARNING plain message").unwrap();
        assert_eq!((p.level, p.file, p.msg), ("WARNING", None, "plain message"));
        assert!(parse_py("2026-11-22 12:37:12,924\tHELLO x.py:1 -- m").is_none());
        assert!(parse_py("2026-11-22 12:37:12,92x\tINFO x.py:1 -- m").is_none());
        assert!(parse_py("burst-1").is_none());
        assert!(!is_py("2026-11-22 12:37:12,924\tinfo"));
    }

    #[test]
    fn serve_headers() {
        let s = parse_serve("INFO 2026-11-22 12:40:00,123 controller 4242 application_state.py:1010 - Deploying new app 'default'.").unwrap();
        assert_eq!(
            (s.level, s.component, s.component_id, s.file, s.line),
            ("INFO", "controller", "4242", "application_state.py", 1010)
        );
        assert_eq!(s.msg, "Deploying new app 'default'.");
        let s = parse_serve("INFO 2026-11-22 12:40:00,123 proxy 10.0.0.1 7d2e /api proxy.py:900 - GET /api 200 3.1ms").unwrap();
        assert_eq!(s.extra, "7d2e /api");
        assert!(parse_serve("INFO something else").is_none());
    }
}
