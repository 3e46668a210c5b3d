//! Scanner for the zap text encoder Milvus uses by default
//! (`pkg/log/zap_text_encoder.go`):
//!
//! `[time] [LEVEL] [logger]? [caller]? [message]? [key=value]... [stack=...]?`
//!
//! Each part sits in `[...]`, separated by one space. A message, key or
//! string value is wrapped in `"..."` (with Go escapes) when it contains a
//! byte ≤ 0x20 or one of `\ " [ ] =`, so outside quotes a `]` always closes
//! the group: values with nested brackets (`"[admin,public]"`) or quotes
//! (`"{\"name\":\"x\"}"`) are always quoted. Scanning by that rule (rather
//! than with a regex) keeps `]`, `=` and `"` inside values intact.

use crate::fields::FVal;
use crate::gostr;
use std::borrow::Cow;

/// One parsed entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ZapText<'a> {
    pub time: &'a str,
    pub level: &'a str,
    pub logger: Option<Cow<'a, str>>,
    pub caller: Option<&'a str>,
    pub message: Cow<'a, str>,
    pub fields: Vec<(Cow<'a, str>, FVal<'a>)>,
    /// Text after the last group: further physical lines of a multi-line
    /// record (a panic's goroutine dump), or stray bytes.
    pub rest: &'a str,
}

/// Zap's capital level names.
pub const LEVELS: &[&str] = &["DEBUG", "INFO", "WARN", "ERROR", "DPANIC", "PANIC", "FATAL"];

/// A group's content before it is known to be the caller, message or a field.
enum Group<'a> {
    Plain(FVal<'a>),
    Field(Cow<'a, str>, FVal<'a>),
}

/// Parses an entry; `Err` says why the text is not one.
pub fn parse(text: &str) -> Result<ZapText<'_>, &'static str> {
    let b = text.as_bytes();
    if b.first() != Some(&b'[') {
        return Err("no opening bracket");
    }
    let time_end = memchr::memchr(b']', b).ok_or("unterminated time")?;
    let time = &text[1..time_end];
    let mut pos = time_end + 1;
    if b.get(pos..pos + 2) != Some(b" [") {
        return Err("no level after the time");
    }
    let level_start = pos + 2;
    let level_end =
        level_start + memchr::memchr(b']', &b[level_start..]).ok_or("unterminated level")?;
    let level = &text[level_start..level_end];
    if !LEVELS.contains(&level) {
        return Err("unknown level");
    }
    pos = level_end + 1;

    let mut groups: Vec<Group<'_>> = Vec::new();
    while b.get(pos..pos + 2) == Some(b" [") {
        match group(text, pos + 2) {
            Some((g, next)) => {
                groups.push(g);
                pos = next;
            }
            None => break,
        }
    }
    let rest = &text[pos..];

    // The leading plain groups are the logger name, caller and message, each
    // optional; the caller is recognizable by its `file.ext:line` shape.
    let mut plains: Vec<FVal<'_>> = Vec::new();
    let mut fields = Vec::new();
    for g in groups {
        match g {
            Group::Plain(v) if fields.is_empty() => plains.push(v),
            // A plain group after the fields: keep it rather than lose it.
            Group::Plain(v) => fields.push((Cow::Borrowed(""), v)),
            Group::Field(k, v) => fields.push((k, v)),
        }
    }
    let caller_at = plains
        .iter()
        .position(|p| matches!(p, FVal::Bare(s) if is_caller(s)));
    let (logger, caller, message) = match caller_at {
        Some(i) => {
            let caller = match plains.get(i) {
                Some(FVal::Bare(s)) => Some(*s),
                _ => None,
            };
            let logger = i.checked_sub(1).and_then(|j| plains.get(j)).map(plain_text);
            let message = plains.get(i + 1).map(plain_text).unwrap_or_default();
            (logger, caller, message)
        }
        None => match plains.len() {
            0 => (None, None, Cow::Borrowed("")),
            1 => (
                None,
                None,
                plains.first().map(plain_text).unwrap_or_default(),
            ),
            _ => (
                plains.first().map(plain_text),
                None,
                plains.get(1).map(plain_text).unwrap_or_default(),
            ),
        },
    };
    // Plain groups beyond logger/caller/message (not written by zap) are kept as fields.
    let used = caller_at.map_or(plains.len().min(2), |i| i + 2);
    for extra in plains.into_iter().skip(used) {
        fields.push((Cow::Borrowed(""), extra));
    }
    Ok(ZapText {
        time,
        level,
        logger,
        caller,
        message,
        fields,
        rest,
    })
}

fn plain_text<'a>(v: &FVal<'a>) -> Cow<'a, str> {
    match v {
        FVal::Str(s) => s.clone(),
        FVal::Bare(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.text().into_owned()),
    }
}

/// `pkg/file.go:123` or `file.cpp:45`.
fn is_caller(s: &str) -> bool {
    match s.rsplit_once(':') {
        Some((file, line)) => {
            !line.is_empty()
                && line.bytes().all(|c| c.is_ascii_digit())
                && file.contains('.')
                && !file.contains(' ')
        }
        None => false,
    }
}

/// Parses the group whose content starts at `start` (just after `[`).
/// Returns it and the position just after its closing `]`.
fn group(text: &str, start: usize) -> Option<(Group<'_>, usize)> {
    let b = text.as_bytes();
    let (first, after_first) = token(text, start, true)?;
    match b.get(after_first)? {
        b']' => Some((Group::Plain(first), after_first + 1)),
        b'=' => {
            let key = match first {
                FVal::Str(s) => s,
                FVal::Bare(s) => Cow::Borrowed(s),
                _ => return None,
            };
            let (value, after_value) = token(text, after_first + 1, false)?;
            if b.get(after_value) != Some(&b']') {
                return None;
            }
            Some((Group::Field(key, value), after_value + 1))
        }
        _ => None,
    }
}

/// A quoted string or a bare run at `start`. A bare run ends at `]`, and a
/// bare key also at `=`. Returns the token and the position after it.
fn token(text: &str, start: usize, is_key: bool) -> Option<(FVal<'_>, usize)> {
    let b = text.as_bytes();
    if b.get(start) == Some(&b'"') {
        let end = gostr::quote_end(b, start)?;
        let inner = &text[start + 1..end];
        return Some((FVal::Str(gostr::unescape(inner)), end + 1));
    }
    let tail = b.get(start..)?;
    let len = if is_key {
        memchr::memchr2(b']', b'=', tail)?
    } else {
        memchr::memchr(b']', tail)?
    };
    // A bare token never spans lines; a newline means the group is broken.
    if memchr::memchr(b'\n', &tail[..len]).is_some() {
        return None;
    }
    Some((FVal::Bare(&text[start..start + len]), start + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_deny_line() {
        let line = r#"[2026/03/09 07:10:12.772 +00:00] [INFO] [proxy/privilege_interceptor.go:174] ["permission deny"] [traceID=3054da4135a4e179b88dffbae63ce910] [username=reporting_ro] [role_names="[public]"] [object_type=Collection] [object_privilege=PrivilegeSearch] [db_name=default] [object_index=1] [object_name=support_docs] [object_indexs=0] [object_names="[]"] [roles="[public]"]"#;
        let z = parse(line).unwrap();
        assert_eq!(z.time, "2026/03/09 07:10:12.772 +00:00");
        assert_eq!(z.level, "INFO");
        assert_eq!(z.caller, Some("proxy/privilege_interceptor.go:174"));
        assert_eq!(z.logger, None);
        assert_eq!(z.message, "permission deny");
        assert_eq!(z.fields.len(), 11);
        assert_eq!(
            z.fields[2],
            (
                Cow::Borrowed("role_names"),
                FVal::Str(Cow::Borrowed("[public]"))
            )
        );
        assert_eq!(
            z.fields[3],
            (Cow::Borrowed("object_type"), FVal::Bare("Collection"))
        );
        assert_eq!(z.rest, "");
    }

    #[test]
    fn quoted_keys_nested_quotes_and_bare_message() {
        let line = r#"[2026/03/09 11:44:34.814 +00:00] [INFO] [proxy/impl.go:5122] [OperateUserRole] [traceID=e3d9] [req="{\"username\":\"svc_maint\",\"role_name\":\"admin\"}"] ["disk usage"=2199317410371]"#;
        let z = parse(line).unwrap();
        assert_eq!(z.message, "OperateUserRole");
        assert_eq!(
            z.fields[1].1,
            FVal::Str(Cow::Borrowed(
                r#"{"username":"svc_maint","role_name":"admin"}"#
            ))
        );
        assert_eq!(
            z.fields[2],
            (Cow::Borrowed("disk usage"), FVal::Bare("2199317410371"))
        );
    }

    #[test]
    fn brackets_inside_quotes_and_logger_name() {
        let line = r#"[2026/03/09 06:08:41.415 +00:00] [WARN] [grpc] [proxy/impl.go:604] ["a ] b [c=d]"] [error="collection not found[database=default][collection=x]"]"#;
        let z = parse(line).unwrap();
        assert_eq!(z.logger.as_deref(), Some("grpc"));
        assert_eq!(z.message, "a ] b [c=d]");
        assert_eq!(
            z.fields[0].1,
            FVal::Str(Cow::Borrowed(
                "collection not found[database=default][collection=x]"
            ))
        );
    }

    #[test]
    fn no_message_and_no_caller() {
        let z = parse("[2026/03/09 06:00:00.000 +00:00] [INFO] [proxy/impl.go:1] [k=v]").unwrap();
        assert_eq!((z.message.as_ref(), z.fields.len()), ("", 1));
        let z = parse("[2026/03/09 06:00:00.000 +00:00] [INFO] [hello]").unwrap();
        assert_eq!((z.caller, z.message.as_ref()), (None, "hello"));
    }

    #[test]
    fn escaped_newlines_and_raw_continuations() {
        let z = parse(r#"[2026/03/09 06:00:00.000 +00:00] [ERROR] [a/b.go:1] [boom] [stack="line1\n\tline2"]"#).unwrap();
        assert_eq!(
            z.fields[0].1,
            FVal::Str(Cow::Owned("line1\n\tline2".into()))
        );
        let z = parse("[2026/03/09 06:00:00.000 +00:00] [ERROR] [a/b.go:1] [\"multi\nline\"] [k=v]\ngoroutine 1 [running]:").unwrap();
        assert_eq!(z.message, "multi\nline");
        assert_eq!(z.rest, "\ngoroutine 1 [running]:");
    }

    #[test]
    fn malformed_lines_are_errors_or_rest() {
        for bad in [
            "",
            "[",
            "[time",
            "[t] [NOPE] [x]",
            "[t]x",
            "[t] [INFO",
            "plain text",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        // An unterminated group stops the scan; what follows is `rest`.
        let z = parse(r#"[t] [INFO] [a.go:1] ["msg"] [k="open"#).unwrap();
        assert_eq!(z.message, "msg");
        assert_eq!(z.rest, r#" [k="open"#);
        // Non-ASCII next to delimiters.
        let z = parse("[t] [INFO] [a.go:1] [é] [ключ=значение]").unwrap();
        assert_eq!(z.message, "é");
        assert_eq!(z.fields[0], (Cow::Borrowed("ключ"), FVal::Bare("значение")));
    }
}
