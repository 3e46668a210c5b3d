//! The context fields of a main-log entry, from either encoder, in one
//! shape: the text encoder's `[key=value]` groups and the JSON encoder's
//! members both become `(key, FVal)` pairs.

use crate::gostr;
use std::borrow::Cow;

/// One field value as the encoder wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum FVal<'a> {
    /// A string (quoted in the text format, a JSON string).
    Str(Cow<'a, str>),
    /// An unquoted text-format value: a number, bool, duration or a plain
    /// word; its type is read from its shape.
    Bare(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<String>),
}

impl FVal<'_> {
    /// The value as text (lists as `[a,b]`, as the text encoder writes them).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            FVal::Str(s) => Cow::Borrowed(s.as_ref()),
            FVal::Bare(s) => Cow::Borrowed(s),
            FVal::Int(i) => Cow::Owned(i.to_string()),
            FVal::Float(f) => Cow::Owned(f.to_string()),
            FVal::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            FVal::List(l) => Cow::Owned(format!("[{}]", l.join(","))),
        }
    }

    /// The value as an integer, if it is one (a digit string included).
    pub fn int(&self) -> Option<i64> {
        match self {
            FVal::Int(i) => Some(*i),
            FVal::Float(f) if f.fract() == 0.0 && f.abs() < 9e18 => Some(*f as i64),
            FVal::Str(s) => s.trim().parse().ok(),
            FVal::Bare(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// The value as a Go duration in nanoseconds.
    pub fn duration_ns(&self) -> Option<i64> {
        match self {
            FVal::Str(s) => gostr::parse_duration(s.trim()),
            FVal::Bare(s) => gostr::parse_duration(s),
            // zap's JSON encoder can be set to write durations as numbers
            // of nanoseconds; Milvus uses the string form, but accept both.
            FVal::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as a list of strings: JSON arrays, and the text encoder's
    /// quoted `[a,b]` form (also Go's `fmt.Sprint` form `[a b]`).
    pub fn list(&self) -> Vec<String> {
        match self {
            FVal::List(l) => l.clone(),
            FVal::Str(s) => split_list(s),
            FVal::Bare(s) => split_list(s),
            other => vec![other.text().into_owned()],
        }
    }

    /// Whether the value carries nothing (empty string or empty list).
    pub fn is_empty(&self) -> bool {
        match self {
            FVal::Str(s) => s.is_empty(),
            FVal::Bare(s) => s.is_empty(),
            FVal::List(l) => l.is_empty(),
            _ => false,
        }
    }
}

/// Splits `[a,b]`, `[a b]` or `a,b` into items; `[]` and `` are empty.
pub fn split_list(s: &str) -> Vec<String> {
    let s = s.trim();
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    let sep = if inner.contains(',') { ',' } else { ' ' };
    inner
        .split(sep)
        .map(|x| x.trim().trim_matches('"'))
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_durations() {
        assert_eq!(FVal::Bare("42").int(), Some(42));
        assert_eq!(FVal::Str("-7".into()).int(), Some(-7));
        assert_eq!(FVal::Float(3.0).int(), Some(3));
        assert_eq!(FVal::Bare("4.5").int(), None);
        assert_eq!(
            FVal::Bare("2.507585809s").duration_ns(),
            Some(2_507_585_809)
        );
        assert_eq!(
            FVal::Str("10.84s".into()).duration_ns(),
            Some(10_840_000_000)
        );
        assert_eq!(FVal::Bare("IVF_FLAT").duration_ns(), None);
    }

    #[test]
    fn lists() {
        assert_eq!(
            FVal::Str("[analyst_ro,public]".into()).list(),
            ["analyst_ro", "public"]
        );
        assert_eq!(FVal::Str("[]".into()).list(), Vec::<String>::new());
        assert_eq!(FVal::Bare("[p1 p2]").list(), ["p1", "p2"]);
        assert_eq!(FVal::List(vec!["a".into()]).list(), ["a"]);
    }
}
