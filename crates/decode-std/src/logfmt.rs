//! logfmt: `key=value key="quoted \"value\"" flag` per line (Heroku, Go
//! kit/log, logrus' text formatter, Grafana tools), mapped by [`crate::keymap`].

use crate::keymap::{self, Pair, Val};
use sightline_decode::{
    Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo, field,
};
use std::borrow::Cow;
use std::path::Path;

pub const MODULE: &str = "logfmt";
pub const DATASET: &str = "logfmt.log";
/// Pairs read from one line; the rest stays in the message only.
const MAX_PAIRS: usize = 512;

pub struct LogfmtSource;

impl Source for LogfmtSource {
    fn module(&self) -> &'static str {
        MODULE
    }

    /// 25 when at least 60 % of the sample lines are logfmt: three or more
    /// `key=value` pairs that make up at least half of the line's tokens
    /// (so prose with a few trailing pairs does not count).
    fn detect(&self, _path: Option<&Path>, sample: &[&str]) -> u8 {
        let lines: Vec<&str> = sample
            .iter()
            .copied()
            .filter(|l| !l.trim().is_empty())
            .collect();
        if lines.is_empty() {
            return 0;
        }
        let hits = lines.iter().filter(|l| looks_logfmt(l)).count();
        if hits * 10 >= lines.len() * 6 { 25 } else { 0 }
    }

    fn open(&self, _stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(LogfmtDecoder)
    }
}

fn looks_logfmt(line: &str) -> bool {
    let t = tokenize(line);
    let with_value = t.pairs.iter().filter(|p| p.2).count();
    !line.trim_start().starts_with('{')
        && with_value >= 3
        && with_value * 2 >= t.pairs.len() + t.garbage
}

struct LogfmtDecoder;

impl StreamDecoder for LogfmtDecoder {
    /// Indented lines (stack traces) continue the record.
    fn continues(&mut self, line: &str) -> bool {
        line.starts_with([' ', '\t'])
    }

    /// Nothing is carried from one record to the next.
    fn carried_state(&self) -> Option<String> {
        Some(String::new())
    }

    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, MODULE, DATASET);
        let line = record.first_line();
        let t = tokenize(line);
        if !t.pairs.iter().any(|p| p.2) {
            ev.message = record.body().to_owned();
            ev.mark_parse_failure("no key=value pairs");
            return ev;
        }
        let pairs: Vec<Pair<'_>> = t
            .pairs
            .into_iter()
            .map(|(k, v, _)| (Cow::Borrowed(k), Val::Str(v)))
            .collect();
        let mapped = keymap::apply(&mut ev, &pairs, ctx, t.truncated);
        if !mapped.has_message {
            ev.message = line.trim_end().to_owned();
        }
        if t.unterminated {
            ev.label("logfmt.error", "unterminated quoted value");
        }
        if let Some(rest) = record.rest().map(str::trim_end).filter(|r| !r.is_empty()) {
            if ev.fields.contains_key(field::ERROR_STACK_TRACE) {
                ev.label("trailer", rest);
            } else {
                ev.set(field::ERROR_STACK_TRACE, rest);
            }
        }
        ev
    }
}

struct Tokens<'a> {
    /// Key, value (a bare key gets `true`), whether it had `=`.
    pairs: Vec<(&'a str, Cow<'a, str>, bool)>,
    /// Tokens that are not pairs (a stray quote, `=value`).
    garbage: usize,
    truncated: bool,
    unterminated: bool,
}

/// Splits a logfmt line. Keys run to `=` or whitespace; values are bare (to
/// the next whitespace) or double-quoted with `\"`, `\\`, `\n`, `\t`, `\r`
/// escapes. An unterminated quote takes the rest of the line.
fn tokenize(line: &str) -> Tokens<'_> {
    let b = line.as_bytes();
    let mut t = Tokens {
        pairs: Vec::new(),
        garbage: 0,
        truncated: false,
        unterminated: false,
    };
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if t.pairs.len() >= MAX_PAIRS {
            t.truncated = true;
            break;
        }
        let start = i;
        while i < b.len() && !matches!(b[i], b'=' | b' ' | b'\t' | b'"') {
            i += 1;
        }
        let key = line.get(start..i).unwrap_or_default();
        match b.get(i) {
            Some(b'=') if !key.is_empty() => {
                i += 1;
                if b.get(i) == Some(&b'"') {
                    let (v, next, closed) = quoted(line, i + 1);
                    t.unterminated |= !closed;
                    t.pairs.push((key, v, true));
                    i = next;
                } else {
                    let vs = i;
                    while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
                        i += 1;
                    }
                    t.pairs.push((
                        key,
                        Cow::Borrowed(line.get(vs..i).unwrap_or_default()),
                        true,
                    ));
                }
            }
            Some(b'"') | Some(b'=') => {
                // A quote inside a word, or `=value` with no key: skip the token.
                t.garbage += 1;
                if b[i] == b'"' {
                    let (_, next, closed) = quoted(line, i + 1);
                    t.unterminated |= !closed;
                    i = next;
                } else {
                    while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
                        i += 1;
                    }
                }
            }
            _ => t.pairs.push((key, Cow::Borrowed("true"), false)),
        }
    }
    t
}

/// A quoted value starting after its opening quote at byte `start`: the
/// unescaped text, the index after the closing quote, and whether it closed.
fn quoted(line: &str, start: usize) -> (Cow<'_, str>, usize, bool) {
    let b = line.as_bytes();
    let mut i = start;
    let mut owned: Option<String> = None;
    let mut copied = start;
    while let Some(off) = memchr::memchr2(b'"', b'\\', b.get(i..).unwrap_or_default()) {
        let at = i + off;
        if b[at] == b'"' {
            let v = match owned {
                Some(mut o) => {
                    o.push_str(line.get(copied..at).unwrap_or_default());
                    Cow::Owned(o)
                }
                None => Cow::Borrowed(line.get(start..at).unwrap_or_default()),
            };
            return (v, at + 1, true);
        }
        let esc = match b.get(at + 1) {
            Some(b'"') => Some('"'),
            Some(b'\\') => Some('\\'),
            Some(b'n') => Some('\n'),
            Some(b't') => Some('\t'),
            Some(b'r') => Some('\r'),
            _ => None,
        };
        match esc {
            Some(c) => {
                let o = owned.get_or_insert_with(String::new);
                o.push_str(line.get(copied..at).unwrap_or_default());
                o.push(c);
                copied = at + 2;
                i = at + 2;
            }
            None => i = at + 1,
        }
    }
    let rest = line.get(start..).unwrap_or_default();
    let v = match owned {
        Some(mut o) => {
            o.push_str(line.get(copied..).unwrap_or_default());
            Cow::Owned(o)
        }
        None => Cow::Borrowed(rest),
    };
    (v, b.len(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(line: &str) -> Vec<(String, String, bool)> {
        tokenize(line)
            .pairs
            .into_iter()
            .map(|(k, v, e)| (k.to_owned(), v.into_owned(), e))
            .collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            kv(r#"a=1 b="two words" c="say \"hi\"\n" flag d= e"#),
            vec![
                ("a".into(), "1".into(), true),
                ("b".into(), "two words".into(), true),
                ("c".into(), "say \"hi\"\n".into(), true),
                ("flag".into(), "true".into(), false),
                ("d".into(), "".into(), true),
                ("e".into(), "true".into(), false),
            ]
        );
        let t = tokenize(r#"a="unterminated \"x"#);
        assert!(t.unterminated);
        assert_eq!(t.pairs[0].1, "unterminated \"x");
        let t = tokenize(r#"=v "q" x=1"#);
        assert_eq!((t.garbage, t.pairs.len()), (2, 1));
        assert!(tokenize("").pairs.is_empty());
        assert_eq!(kv("k=ü=é")[0].1, "ü=é");
    }

    #[test]
    fn shape() {
        assert!(looks_logfmt(
            r#"time=2026-11-22T12:00:00Z level=info msg="started""#
        ));
        assert!(!looks_logfmt(
            "2026-11-22 12:00:00,123 INFO worker.py:12 -- Registering job. job_id=01 pid=2 x=3"
        ));
        assert!(!looks_logfmt(r#"{"a":"b=c d=e f=g"}"#));
        assert!(!looks_logfmt("a=1 b=2"));
    }
}
