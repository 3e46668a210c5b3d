//! Evaluating an [`Expr`] against one event. This is the reference
//! semantics: the index translation must select exactly the events for which
//! [`Expr::matches`] is true. `docs/query.md` describes the same rules.

use crate::ast::{Expr, Scalar};
use crate::time::parse_instant;
use jiff::{Timestamp, ToSpan};
use sightline_event::{Event, FieldRef, field};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Bound;

/// Splits text into lower-case words: maximal runs of Unicode alphanumeric
/// characters. `Failed password for root from 10.0.0.5` gives `failed`,
/// `password`, `for`, `root`, `from`, `10`, `0`, `0`, `5`.
///
/// Free text in queries and the full-text index both use this, so that a
/// query word matches exactly the words the index stored.
pub fn tokenize(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// A number as queries write it: decimal digits with an optional sign,
/// fraction and exponent. Stricter than `f64::from_str`, which would also
/// take `inf` and `NaN` (a host may well be called `nan`).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let shaped = body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !shaped {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// One value of a field (a list contributes each element).
enum One<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(Timestamp),
}

impl One<'_> {
    /// The text the wildcard and phrase rules look at.
    fn text(&self) -> Cow<'_, str> {
        match self {
            One::Str(s) => Cow::Borrowed(s.as_ref()),
            One::Int(i) => Cow::Owned(i.to_string()),
            One::Float(f) => Cow::Owned(f.to_string()),
            One::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            One::Time(t) => Cow::Owned(t.to_string()),
        }
    }
}

/// The values of a field, or `None` when the event does not have it.
/// `@timestamp` and `event.id` are members of [`Event`] that `Event::get`
/// does not serve, so they are read here.
fn values<'a>(ev: &'a Event, name: &str) -> Option<Vec<One<'a>>> {
    let v = match name {
        field::TIMESTAMP => vec![One::Time(ev.timestamp)],
        field::EVENT_ID => vec![One::Str(Cow::Owned(ev.id.to_string()))],
        _ => match ev.get(name)? {
            FieldRef::Str(s) => vec![One::Str(Cow::Borrowed(s))],
            FieldRef::Int(i) => vec![One::Int(i)],
            FieldRef::Float(f) => vec![One::Float(f)],
            FieldRef::Bool(b) => vec![One::Bool(b)],
            FieldRef::List(l) => l.iter().map(|s| One::Str(Cow::Borrowed(s))).collect(),
        },
    };
    // An empty list counts as absent, for `Exists` and everything else.
    (!v.is_empty()).then_some(v)
}

fn any_value(ev: &Event, name: &str, f: impl Fn(&One) -> bool) -> bool {
    values(ev, name).is_some_and(|vs| vs.iter().any(f))
}

/// Free text looks at these two fields, each on its own (a phrase does not
/// run from the end of one into the other).
fn free_text(ev: &Event) -> [&str; 2] {
    [&ev.message, &ev.original]
}

impl Expr {
    /// Whether the event satisfies this expression.
    pub fn matches(&self, ev: &Event) -> bool {
        match self {
            Expr::All => true,
            Expr::And(items) => items.iter().all(|e| e.matches(ev)),
            Expr::Or(items) => items.iter().any(|e| e.matches(ev)),
            Expr::Not(e) => !e.matches(ev),
            Expr::Term { field: None, value }
            | Expr::Phrase {
                field: None,
                text: value,
            } => {
                let words: Vec<String> = tokenize(value).collect();
                free_text(ev).iter().any(|t| contains_phrase(t, &words))
            }
            Expr::Wildcard {
                field: None,
                pattern,
            } => {
                let glob = Glob::new(pattern);
                free_text(ev)
                    .iter()
                    .any(|t| tokenize(t).any(|w| glob.matches(&w)))
            }
            Expr::Term {
                field: Some(f),
                value,
            } => term_matches(ev, f, value),
            Expr::Phrase {
                field: Some(f),
                text,
            } => {
                let words: Vec<String> = tokenize(text).collect();
                any_value(ev, f, |v| contains_phrase(&v.text(), &words))
            }
            Expr::Wildcard {
                field: Some(f),
                pattern,
            } => {
                let glob = Glob::new(pattern);
                any_value(ev, f, |v| glob.matches(&v.text().to_lowercase()))
            }
            Expr::Range {
                field,
                lower,
                upper,
            } => any_value(ev, field, |v| in_range(v, lower, upper)),
            Expr::Exists { field } => values(ev, field).is_some(),
        }
    }
}

/// Whether `words` occur consecutively among the tokens of `text`. No words
/// never match: an empty phrase selects nothing rather than everything.
fn contains_phrase(text: &str, words: &[String]) -> bool {
    if words.is_empty() {
        return false;
    }
    let tokens: Vec<String> = tokenize(text).collect();
    tokens.windows(words.len()).any(|w| w == words)
}

fn term_matches(ev: &Event, field: &str, value: &str) -> bool {
    let lower = value.to_lowercase();
    let num = parse_number(value);
    // On @timestamp a term names an instant, or with a date a whole UTC day.
    let instant = parse_instant(value);
    any_value(ev, field, |v| match v {
        One::Str(s) => s.to_lowercase() == lower,
        One::Int(i) => match (value.parse::<i64>(), num) {
            (Ok(n), _) => *i == n,
            (_, Some(n)) => *i as f64 == n,
            _ => i.to_string() == lower,
        },
        One::Float(f) => match num {
            Some(n) => *f == n,
            None => f.to_string() == lower,
        },
        One::Bool(b) => lower == if *b { "true" } else { "false" },
        One::Time(t) => match instant {
            Some((start, true)) => {
                let end = start.checked_add(24.hours()).unwrap_or(Timestamp::MAX);
                start <= *t && *t < end
            }
            Some((at, false)) => *t == at,
            None => false,
        },
    })
}

fn in_range(v: &One, lower: &Bound<Scalar>, upper: &Bound<Scalar>) -> bool {
    let low_ok = match lower {
        Bound::Unbounded => true,
        Bound::Included(s) => matches!(compare(v, s), Some(Ordering::Greater | Ordering::Equal)),
        Bound::Excluded(s) => compare(v, s) == Some(Ordering::Greater),
    };
    let high_ok = match upper {
        Bound::Unbounded => true,
        Bound::Included(s) => matches!(compare(v, s), Some(Ordering::Less | Ordering::Equal)),
        Bound::Excluded(s) => compare(v, s) == Some(Ordering::Less),
    };
    low_ok && high_ok
}

/// How a value compares with a bound, or `None` when they are not
/// comparable (the range then does not match).
fn compare(v: &One, bound: &Scalar) -> Option<Ordering> {
    match (v, bound) {
        (One::Int(i), Scalar::Num(n)) => (*i as f64).partial_cmp(n),
        (One::Float(f), Scalar::Num(n)) => f.partial_cmp(n),
        (One::Str(s), Scalar::Num(n)) => parse_number(s)?.partial_cmp(n),
        (One::Str(s), Scalar::Text(t)) => Some(s.to_lowercase().cmp(&t.to_lowercase())),
        (One::Str(s), Scalar::Time(t)) => Some(parse_instant(s)?.0.cmp(t)),
        (One::Time(ts), Scalar::Time(t)) => Some(ts.cmp(t)),
        (One::Time(ts), Scalar::Text(t)) => Some(ts.cmp(&parse_instant(t)?.0)),
        _ => None,
    }
}

/// A compiled `*`/`?` pattern, lower-cased. `\` makes the next character
/// literal.
struct Glob(Vec<G>);

#[derive(Clone, Copy, PartialEq)]
enum G {
    Any,
    One,
    Lit(char),
}

impl Glob {
    fn new(pattern: &str) -> Self {
        let mut out = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    // Runs of `*` are one `*`; this keeps matching linear in
                    // the pattern's stars rather than their count.
                    if out.last() != Some(&G::Any) {
                        out.push(G::Any);
                    }
                }
                '?' => out.push(G::One),
                '\\' => {
                    if let Some(e) = chars.next() {
                        out.extend(e.to_lowercase().map(G::Lit));
                    }
                }
                _ => out.extend(c.to_lowercase().map(G::Lit)),
            }
        }
        Glob(out)
    }

    /// Whole-string match of already lower-cased `text`. Greedy with one
    /// backtrack point (the last `*`), which is enough for globs and is
    /// O(pattern × text) at worst.
    fn matches(&self, text: &str) -> bool {
        let p = &self.0;
        let t: Vec<char> = text.chars().collect();
        let (mut pi, mut ti) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            match p.get(pi) {
                Some(G::One) => {
                    pi += 1;
                    ti += 1;
                }
                Some(G::Lit(c)) if *c == t[ti] => {
                    pi += 1;
                    ti += 1;
                }
                Some(G::Any) => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        pi = sp + 1;
                        ti = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|g| *g == G::Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str, t: &str) -> bool {
        Glob::new(p).matches(&t.to_lowercase())
    }

    #[test]
    fn globs() {
        assert!(glob("adm*", "Admin"));
        assert!(glob("*", ""));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!glob("*a*b*c*", "xxaxxcxxbxx"));
        assert!(!glob("adm*", "xadmin"));
        assert!(glob(r"a\*b", "a*b"));
        assert!(!glob(r"a\*b", "axb"));
        assert!(glob("/api/jobs*", "/api/jobs/123"));
        assert!(!glob("", "x"));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("401"), Some(401.0));
        assert_eq!(parse_number("-1.5e3"), Some(-1500.0));
        assert_eq!(parse_number("nan"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("10.0.0.5"), None);
        assert_eq!(parse_number("1e999"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn tokenizer() {
        let t: Vec<String> = tokenize("Failed password for root from 10.0.0.5").collect();
        assert_eq!(
            t,
            [
                "failed", "password", "for", "root", "from", "10", "0", "0", "5"
            ]
        );
        let t: Vec<String> = tokenize("Größe=ÄB_c").collect();
        assert_eq!(t, ["größe", "äb", "c"]);
    }
}
