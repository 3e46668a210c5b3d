//! Turning a query [`Expr`] into a tantivy query.
//!
//! Each translation is either *exact* (selects precisely the events
//! `Expr::matches` accepts) or a *candidate* superset; a search whose plan is
//! not exact checks every candidate event with `Expr::matches`. That keeps the
//! semantics identical by construction for the rare forms the index cannot
//! answer alone (phrases, whole-value matches on `message`, string values
//! longer than [`crate::index::KV_MAX`], time ranges over string fields).

use crate::index::{Fields, KV_MAX, kv_term, parse_number, sortable, ts_nanos};
use jiff::{Timestamp, ToSpan};
use sightline_event::field;
use sightline_query::{Expr, Scalar, tokenize};
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

/// A tantivy query and whether it is exact.
pub(crate) struct Plan {
    pub query: Box<dyn Query>,
    pub exact: bool,
}

fn exact(q: impl Query) -> Plan {
    Plan {
        query: Box::new(q),
        exact: true,
    }
}

fn candidates(q: impl Query) -> Plan {
    Plan {
        query: Box::new(q),
        exact: false,
    }
}

pub(crate) struct Translator<'a> {
    pub f: &'a Fields,
    /// Whether any document has a string value of this field longer than KV_MAX.
    pub has_long: &'a dyn Fn(&str) -> bool,
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

fn is_text_member(name: &str) -> bool {
    name == field::MESSAGE || name == field::EVENT_ORIGINAL
}

/// `YYYY-MM-DD` (a whole UTC day) or an RFC 3339 instant: mirrors
/// `sightline_query`'s rule for times written as values.
pub(crate) fn parse_instant(text: &str) -> Option<(Timestamp, bool)> {
    fn is_date_shape(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 10
            && b.iter().enumerate().all(|(i, &c)| match i {
                4 | 7 => c == b'-',
                _ => c.is_ascii_digit(),
            })
    }
    if is_date_shape(text) {
        let date: jiff::civil::Date = text.parse().ok()?;
        let ts = date.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
        return Some((ts, true));
    }
    if text.len() < 20 || !is_date_shape(text.get(..10)?) {
        return None;
    }
    text.parse::<Timestamp>().ok().map(|t| (t, false))
}

/// A glob (`*`, `?`, `\` escapes; lower-cased like the evaluator's) as a
/// regex over whole terms (tantivy regexes are anchored at both ends).
pub(crate) fn glob_regex(pattern: &str) -> String {
    let mut out = String::from("(?s)");
    let mut chars = pattern.chars();
    let mut last_star = false;
    let lit = |out: &mut String, c: char| {
        for l in c.to_lowercase() {
            if l.is_alphanumeric() {
                out.push(l);
            } else {
                out.push_str(&format!("\\x{{{:x}}}", l as u32));
            }
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '*' => {
                if !last_star {
                    out.push_str(".*");
                }
                last_star = true;
                continue;
            }
            '?' => out.push('.'),
            '\\' => {
                if let Some(e) = chars.next() {
                    lit(&mut out, e);
                }
            }
            _ => lit(&mut out, c),
        }
        last_star = false;
    }
    out
}

fn escape_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("\\x{{{:x}}}", c as u32));
        }
    }
    out
}

fn ts_bound(b: Bound<Timestamp>, field: Field) -> Bound<Term> {
    match b {
        Bound::Included(t) => Bound::Included(Term::from_field_i64(field, ts_nanos(t))),
        Bound::Excluded(t) => Bound::Excluded(Term::from_field_i64(field, ts_nanos(t))),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// A range over `name \0 ...` terms of a raw field, kept inside the name's prefix.
fn prefixed_range(
    field: Field,
    name: &str,
    lo: Bound<String>,
    hi: Bound<String>,
) -> Box<dyn Query> {
    let t = |s: &str| Term::from_field_text(field, &kv_term(name, s));
    let lo = match lo {
        Bound::Included(s) => Bound::Included(t(&s)),
        Bound::Excluded(s) => Bound::Excluded(t(&s)),
        Bound::Unbounded => Bound::Included(t("")),
    };
    let hi = match hi {
        Bound::Included(s) => Bound::Included(t(&s)),
        Bound::Excluded(s) => Bound::Excluded(t(&s)),
        Bound::Unbounded => Bound::Excluded(Term::from_field_text(field, &format!("{name}\u{1}"))),
    };
    Box::new(RangeQuery::new(lo, hi))
}

fn map_bound<T, U>(b: &Bound<T>, f: impl Fn(&T) -> Option<U>) -> Option<Bound<U>> {
    Some(match b {
        Bound::Included(x) => Bound::Included(f(x)?),
        Bound::Excluded(x) => Bound::Excluded(f(x)?),
        Bound::Unbounded => Bound::Unbounded,
    })
}

impl Translator<'_> {
    pub(crate) fn plan(&self, e: &Expr) -> Plan {
        let f = self.f;
        match e {
            Expr::All => exact(AllQuery),
            Expr::And(items) => {
                if items.is_empty() {
                    return exact(AllQuery);
                }
                let mut all_exact = true;
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for item in items {
                    if let Expr::Not(inner) = item {
                        let p = self.plan(inner);
                        if p.exact {
                            clauses.push((Occur::MustNot, p.query));
                            continue;
                        }
                        // A NOT of candidates has no candidate set but "all".
                        all_exact = false;
                        continue;
                    }
                    let p = self.plan(item);
                    all_exact &= p.exact;
                    clauses.push((Occur::Must, p.query));
                }
                if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Plan {
                    query: Box::new(BooleanQuery::new(clauses)),
                    exact: all_exact,
                }
            }
            Expr::Or(items) => {
                if items.is_empty() {
                    return exact(EmptyQuery);
                }
                let mut all_exact = true;
                let clauses = items
                    .iter()
                    .map(|i| {
                        let p = self.plan(i);
                        all_exact &= p.exact;
                        (Occur::Should, p.query)
                    })
                    .collect();
                Plan {
                    query: Box::new(BooleanQuery::new(clauses)),
                    exact: all_exact,
                }
            }
            Expr::Not(inner) => {
                let p = self.plan(inner);
                if p.exact {
                    exact(BooleanQuery::new(vec![
                        (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                        (Occur::MustNot, p.query),
                    ]))
                } else {
                    candidates(AllQuery)
                }
            }
            Expr::Term { field: None, value }
            | Expr::Phrase {
                field: None,
                text: value,
            } => self.words(value),
            Expr::Wildcard {
                field: None,
                pattern,
            } => match RegexQuery::from_pattern(&glob_regex(pattern), f.text) {
                Ok(q) => exact(q),
                Err(_) => candidates(AllQuery),
            },
            Expr::Term {
                field: Some(name),
                value,
            } => self.field_term(name, value),
            Expr::Phrase {
                field: Some(name),
                text,
            } => {
                if tokenize(text).next().is_none() {
                    exact(EmptyQuery)
                } else if is_text_member(name) {
                    let mut p = self.words(text);
                    p.exact = false;
                    p
                } else {
                    // Words inside a field value are not indexed per field.
                    let mut p = self.exists(name);
                    p.exact = false;
                    p
                }
            }
            Expr::Wildcard {
                field: Some(name),
                pattern,
            } => {
                if name == field::TIMESTAMP || is_text_member(name) {
                    return candidates(AllQuery);
                }
                let re = format!(
                    "{}\\x{{0}}{}",
                    escape_name(name),
                    glob_regex(pattern).trim_start_matches("(?s)")
                );
                let re = format!("(?s){re}");
                let (Ok(a), Ok(b)) = (
                    RegexQuery::from_pattern(&re, f.kv),
                    RegexQuery::from_pattern(&re, f.kvx),
                ) else {
                    return self.inexact_exists(name);
                };
                let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Should, Box::new(a)), (Occur::Should, Box::new(b))];
                let long = (self.has_long)(name);
                if long {
                    clauses.push((Occur::Should, term(f.long, name)));
                }
                Plan {
                    query: Box::new(BooleanQuery::new(clauses)),
                    exact: !long,
                }
            }
            Expr::Range {
                field: name,
                lower,
                upper,
            } => self.range(name, lower, upper),
            Expr::Exists { field: name } => self.exists(name),
        }
    }

    /// Free-text words: one word is one term; several are candidates (all
    /// words present) checked for adjacency; none match nothing.
    fn words(&self, text: &str) -> Plan {
        let words: Vec<String> = tokenize(text).collect();
        match words.len() {
            0 => exact(EmptyQuery),
            1 => Plan {
                query: term(self.f.text, &words[0]),
                exact: true,
            },
            _ => candidates(BooleanQuery::new(
                words
                    .iter()
                    .map(|w| (Occur::Must, term(self.f.text, w)))
                    .collect(),
            )),
        }
    }

    fn exists(&self, name: &str) -> Plan {
        if name == field::TIMESTAMP || name == field::EVENT_ID || is_text_member(name) {
            // Every event has these.
            return exact(AllQuery);
        }
        Plan {
            query: term(self.f.exists, name),
            exact: true,
        }
    }

    fn inexact_exists(&self, name: &str) -> Plan {
        let mut p = self.exists(name);
        p.exact = false;
        p
    }

    fn field_term(&self, name: &str, value: &str) -> Plan {
        let f = self.f;
        if name == field::TIMESTAMP {
            return match parse_instant(value) {
                Some((start, true)) => {
                    let end = start.checked_add(24.hours()).unwrap_or(Timestamp::MAX);
                    exact(RangeQuery::new(
                        ts_bound(Bound::Included(start), f.ts),
                        ts_bound(Bound::Excluded(end), f.ts),
                    ))
                }
                Some((at, false)) => exact(RangeQuery::new(
                    ts_bound(Bound::Included(at), f.ts),
                    ts_bound(Bound::Included(at), f.ts),
                )),
                None => exact(EmptyQuery),
            };
        }
        if is_text_member(name) {
            // Whole-value equality implies the same words.
            let words: Vec<String> = tokenize(value).collect();
            if words.is_empty() {
                return candidates(AllQuery);
            }
            let mut p = self.words(value);
            p.exact = false;
            return p;
        }
        let lower = value.to_lowercase();
        let mut clauses = vec![
            (Occur::Should, term(f.kv, &kv_term(name, &lower))),
            (Occur::Should, term(f.kvx, &kv_term(name, &lower))),
        ];
        let mut is_exact = true;
        if let Some(n) = parse_number(value) {
            clauses.push((Occur::Should, term(f.num, &kv_term(name, &sortable(n)))));
            // Integers beyond 2^53 compare exactly in the evaluator but not as f64.
            if n.abs() >= 9_007_199_254_740_992.0 {
                is_exact = false;
            }
        }
        if (self.has_long)(name) {
            clauses.push((Occur::Should, term(f.long, name)));
            is_exact = false;
        }
        if lower.len() > KV_MAX * 4 {
            is_exact = false;
        }
        Plan {
            query: Box::new(BooleanQuery::new(clauses)),
            exact: is_exact,
        }
    }

    fn range(&self, name: &str, lower: &Bound<Scalar>, upper: &Bound<Scalar>) -> Plan {
        let f = self.f;
        let kinds: Vec<u8> = [lower, upper]
            .iter()
            .filter_map(|b| match b {
                Bound::Included(s) | Bound::Excluded(s) => Some(match s {
                    Scalar::Num(_) => 0,
                    Scalar::Time(_) => 1,
                    Scalar::Text(_) => 2,
                }),
                Bound::Unbounded => None,
            })
            .collect();
        if kinds.is_empty() {
            return self.exists(name);
        }
        if kinds.iter().any(|k| *k != kinds[0]) || is_text_member(name) {
            return if name == field::TIMESTAMP || is_text_member(name) {
                candidates(AllQuery)
            } else {
                self.inexact_exists(name)
            };
        }
        let ts = name == field::TIMESTAMP;
        match kinds[0] {
            0 if ts => exact(EmptyQuery),
            0 => {
                let num = |s: &Scalar| match s {
                    Scalar::Num(n) if !n.is_nan() => Some(sortable(*n)),
                    _ => None,
                };
                let (Some(lo), Some(hi)) = (map_bound(lower, num), map_bound(upper, num)) else {
                    return exact(EmptyQuery);
                };
                exact(BooleanQuery::new(vec![
                    (
                        Occur::Should,
                        prefixed_range(f.num, name, lo.clone(), hi.clone()),
                    ),
                    (Occur::Should, prefixed_range(f.nums, name, lo, hi)),
                ]))
            }
            1 if ts => {
                let t = |s: &Scalar| match s {
                    Scalar::Time(t) => Some(*t),
                    _ => None,
                };
                match (map_bound(lower, t), map_bound(upper, t)) {
                    (Some(lo), Some(hi)) => ts_range(f.ts, lo, hi),
                    _ => exact(EmptyQuery),
                }
            }
            1 => self.inexact_exists(name),
            _ if ts => {
                // Text bounds on @timestamp are read as instants; one that is
                // not a time makes the comparison fail for every event.
                let t = |s: &Scalar| match s {
                    Scalar::Text(t) => parse_instant(t).map(|x| x.0),
                    _ => None,
                };
                match (map_bound(lower, t), map_bound(upper, t)) {
                    (Some(lo), Some(hi)) => ts_range(f.ts, lo, hi),
                    _ => exact(EmptyQuery),
                }
            }
            _ => {
                let t = |s: &Scalar| match s {
                    Scalar::Text(t) => Some(t.to_lowercase()),
                    _ => None,
                };
                let (Some(lo), Some(hi)) = (map_bound(lower, t), map_bound(upper, t)) else {
                    return exact(EmptyQuery);
                };
                let q = prefixed_range(f.kv, name, lo, hi);
                if (self.has_long)(name) {
                    candidates(BooleanQuery::new(vec![
                        (Occur::Should, q),
                        (Occur::Should, term(f.long, name)),
                    ]))
                } else {
                    Plan {
                        query: q,
                        exact: true,
                    }
                }
            }
        }
    }
}

fn ts_range(field: Field, lo: Bound<Timestamp>, hi: Bound<Timestamp>) -> Plan {
    if matches!((&lo, &hi), (Bound::Unbounded, Bound::Unbounded)) {
        return exact(AllQuery);
    }
    exact(RangeQuery::new(ts_bound(lo, field), ts_bound(hi, field)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_become_anchored_regexes() {
        assert_eq!(glob_regex("adm*n"), "(?s)adm.*n");
        assert_eq!(glob_regex("a**?"), "(?s)a.*.");
        assert_eq!(glob_regex(r"a\*b"), "(?s)a\\x{2a}b");
        assert_eq!(glob_regex("/API"), "(?s)\\x{2f}api");
    }
}
