//! A deliberately simple reference interpreter of detection rules.
//!
//! It evaluates the rule model directly on every call: conditions are parsed
//! again, every string test becomes a regular expression, no dispatch, no
//! prefilter, no caching. It exists so tests can check the compiled matcher
//! against an independent reading of the same semantics; it is far too slow
//! for production use.

use crate::condition::{self, Cond, Selector};
use crate::modifiers::{self, Modifier};
use crate::pattern::{Pattern, Tok};
use crate::rule::{DetectionRule, FieldItem, Scalar, SearchBody};
use regex::RegexBuilder;
use sightline_event::{Event, FieldRef};
use std::collections::BTreeMap;

struct FieldVals {
    present: bool,
    texts: Vec<String>,
    nums: Vec<Option<f64>>,
    bools: Vec<Option<bool>>,
}

fn field(ev: &Event, name: &str) -> FieldVals {
    let mut f = FieldVals {
        present: true,
        texts: Vec::new(),
        nums: Vec::new(),
        bools: Vec::new(),
    };
    let mut add = |t: String, n: Option<f64>, b: Option<bool>| {
        f.texts.push(t);
        f.nums.push(n);
        f.bools.push(b);
    };
    if name == "@timestamp" {
        add(ev.timestamp.to_string(), None, None);
    } else if name == "event.id" {
        add(ev.id.to_string(), None, None);
    } else {
        match ev.get(name) {
            None => {
                return FieldVals {
                    present: false,
                    texts: vec![],
                    nums: vec![],
                    bools: vec![],
                };
            }
            Some(FieldRef::Str(s)) => add(s.to_owned(), None, None),
            Some(FieldRef::List(l)) => l.iter().for_each(|s| add(s.clone(), None, None)),
            Some(FieldRef::Int(i)) => add(i.to_string(), Some(i as f64), None),
            Some(FieldRef::Float(x)) => add(x.to_string(), Some(x), None),
            Some(FieldRef::Bool(b)) => add(b.to_string(), None, Some(b)),
        }
    }
    f
}

/// Regex text of a pattern, built token by token.
fn pattern_regex(p: &Pattern) -> String {
    let mut re = String::from("^");
    for t in &p.toks {
        match t {
            Tok::Lit(b) => re.push_str(&regex::escape(&String::from_utf8_lossy(b))),
            Tok::Star => re.push_str("(?s:.*)"),
            Tok::One => re.push_str("(?s:.)"),
            Tok::Class(set) => {
                re.push_str("(?:");
                let alts: Vec<String> = set.iter().map(|c| regex::escape(&c.to_string())).collect();
                re.push_str(&alts.join("|"));
                re.push(')');
            }
        }
    }
    re.push('$');
    re
}

fn string_regexes(item: &FieldItem, text: &str, keyword: bool) -> Option<Vec<String>> {
    let mut pats = vec![Pattern::parse(text)];
    let mut searched = false;
    for m in &item.modifiers {
        pats = match m {
            Modifier::Windash => pats.into_iter().map(Pattern::windash).collect(),
            Modifier::Utf16Le => pats
                .iter()
                .map(|p| {
                    Some(Pattern::literal(modifiers::utf16le(
                        &String::from_utf8_lossy(&p.plain_bytes()?),
                    )))
                })
                .collect::<Option<_>>()?,
            Modifier::Utf16Be => pats
                .iter()
                .map(|p| {
                    Some(Pattern::literal(modifiers::utf16be(
                        &String::from_utf8_lossy(&p.plain_bytes()?),
                    )))
                })
                .collect::<Option<_>>()?,
            Modifier::Utf16 => pats
                .iter()
                .map(|p| {
                    Some(Pattern::literal(modifiers::utf16_bom(
                        &String::from_utf8_lossy(&p.plain_bytes()?),
                    )))
                })
                .collect::<Option<_>>()?,
            Modifier::Base64 => pats
                .iter()
                .map(|p| {
                    Some(Pattern::literal(
                        modifiers::base64(&p.plain_bytes()?).into_bytes(),
                    ))
                })
                .collect::<Option<_>>()?,
            Modifier::Base64Offset => {
                let mut v = Vec::new();
                for p in &pats {
                    for o in modifiers::base64_offsets(&p.plain_bytes()?) {
                        v.push(Pattern::literal(o.into_bytes()));
                    }
                }
                v
            }
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith => {
                searched = true;
                let (a, b) = match m {
                    Modifier::Contains => (true, true),
                    Modifier::StartsWith => (false, true),
                    _ => (true, false),
                };
                pats.into_iter().map(|p| p.wrap(a, b)).collect()
            }
            _ => pats,
        };
    }
    if keyword && !searched {
        pats = pats.into_iter().map(|p| p.wrap(true, true)).collect();
    }
    Some(pats.iter().map(pattern_regex).collect())
}

/// Evaluates one item; `None` when the naive interpreter does not model it.
fn item(ev: &Event, it: &FieldItem) -> Option<bool> {
    let has = |m: Modifier| it.modifiers.contains(&m);
    let keyword = it.field.is_empty();
    let f = if keyword {
        let mut a = field(ev, "message");
        let b = field(ev, "event.original");
        a.texts.extend(b.texts);
        a.nums.extend(b.nums);
        a.bools.extend(b.bools);
        a.present = true;
        a
    } else {
        field(ev, &it.field)
    };
    let cased = has(Modifier::Cased);
    let mut results = Vec::new();
    for v in &it.values {
        let any = if has(Modifier::Exists) {
            match v {
                Scalar::Bool(b) => f.present == *b,
                _ => return None,
            }
        } else if matches!(v, Scalar::Null) {
            !f.present
        } else if has(Modifier::Re) {
            let re = RegexBuilder::new(&v.text()?)
                .case_insensitive(has(Modifier::ReI))
                .multi_line(has(Modifier::ReM))
                .dot_matches_new_line(has(Modifier::ReS))
                .build()
                .ok()?;
            f.texts.iter().any(|t| re.is_match(t))
        } else if has(Modifier::Cidr) {
            let net: ipnet::IpNet = v.text()?.parse().ok()?;
            f.texts.iter().any(|t| {
                t.trim()
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| net.contains(&ip))
            })
        } else if let Some(op) = [
            (Modifier::Gt, crate::rule::CmpOp::Gt),
            (Modifier::Gte, crate::rule::CmpOp::Gte),
            (Modifier::Lt, crate::rule::CmpOp::Lt),
            (Modifier::Lte, crate::rule::CmpOp::Lte),
        ]
        .iter()
        .find(|(m, _)| has(*m))
        .map(|(_, o)| *o)
        {
            if it.modifiers.iter().any(|m| m.is_time_part()) {
                return None;
            }
            let x = v.as_f64()?;
            f.texts.iter().zip(&f.nums).any(|(t, n)| {
                n.or_else(|| t.trim().parse().ok())
                    .is_some_and(|n| op.holds(n, x))
            })
        } else if has(Modifier::FieldRef)
            || has(Modifier::Expand)
            || it.modifiers.iter().any(|m| m.is_time_part())
        {
            return None;
        } else {
            let transforms = it.modifiers.iter().any(|m| {
                m.is_encoding()
                    || matches!(
                        m,
                        Modifier::Windash
                            | Modifier::Contains
                            | Modifier::StartsWith
                            | Modifier::EndsWith
                    )
            });
            match v {
                Scalar::Bool(b) if !transforms && !keyword => {
                    f.texts.iter().zip(&f.bools).any(|(t, x)| {
                        x.map_or(
                            t.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
                            |x| x == *b,
                        )
                    })
                }
                Scalar::Int(_) | Scalar::Float(_) if !transforms && !keyword => {
                    let x = v.as_f64()?;
                    let text = v.text()?.to_lowercase();
                    f.texts.iter().zip(&f.nums).any(|(t, n)| match n {
                        Some(n) => *n == x,
                        None => t.to_lowercase() == text || t.trim().parse::<f64>().ok() == Some(x),
                    })
                }
                _ => {
                    let regexes = string_regexes(it, &v.text()?, keyword)?;
                    let mut any = false;
                    for r in regexes {
                        let re = RegexBuilder::new(&r)
                            .case_insensitive(!cased)
                            .build()
                            .ok()?;
                        if f.texts.iter().any(|t| {
                            // Compare the same way the matcher does: Unicode lowercase both sides.
                            if cased {
                                re.is_match(t)
                            } else {
                                re.is_match(&t.to_lowercase())
                            }
                        }) {
                            any = true;
                        }
                    }
                    any
                }
            }
        };
        results.push(any);
    }
    let matched = if has(Modifier::All) {
        results.iter().all(|x| *x)
    } else {
        results.iter().any(|x| *x)
    };
    // `neq` negates the whole item (values and their linking); absent is not different.
    Some(if has(Modifier::Neq) {
        f.present && !matched
    } else {
        matched
    })
}

fn body(ev: &Event, b: &SearchBody) -> Option<bool> {
    Some(match b {
        SearchBody::Keywords(values) => item(
            ev,
            &FieldItem {
                field: String::new(),
                modifiers: vec![],
                values: values.clone(),
                line: 0,
            },
        )?,
        SearchBody::Map(items) => {
            let mut all = true;
            for it in items {
                all &= item(ev, it)?;
            }
            all
        }
        SearchBody::AnyOf(bodies) => {
            let mut any = false;
            for b in bodies {
                any |= body(ev, b)?;
            }
            any
        }
    })
}

fn cond(c: &Cond, values: &BTreeMap<String, bool>, order: &[String]) -> Option<bool> {
    let select = |sel: &Selector| -> Vec<bool> {
        order
            .iter()
            .filter(|n| match sel {
                Selector::Them => !n.starts_with('_'),
                Selector::Pattern(p) => condition::name_matches(p, n),
            })
            .filter_map(|n| values.get(n).copied())
            .collect()
    };
    Some(match c {
        Cond::Ident(n) => *values.get(n)?,
        Cond::OneOf(s) => select(s).into_iter().any(|x| x),
        Cond::AllOf(s) => {
            let v = select(s);
            !v.is_empty() && v.into_iter().all(|x| x)
        }
        Cond::Not(x) => !cond(x, values, order)?,
        Cond::And(v) => {
            let mut r = true;
            for x in v {
                r &= cond(x, values, order)?;
            }
            r
        }
        Cond::Or(v) => {
            let mut r = false;
            for x in v {
                r |= cond(x, values, order)?;
            }
            r
        }
    })
}

/// Whether `rule` matches `ev` (log source included). `None` when the rule uses
/// something this interpreter does not model (fieldref, expand, time parts).
pub fn matches(rule: &DetectionRule, ev: &Event) -> Option<bool> {
    let t = rule.logsource.target();
    if t.module.as_ref().is_some_and(|m| m != ev.module.as_ref())
        || t.dataset.as_ref().is_some_and(|d| d != ev.dataset.as_ref())
        || t.category
            .as_ref()
            .is_some_and(|c| !ev.category.contains(c))
        || t.event_type
            .as_ref()
            .is_some_and(|x| !ev.event_type.contains(x))
    {
        return Some(false);
    }
    let mut values = BTreeMap::new();
    let mut order = Vec::new();
    for s in &rule.detection.searches {
        values.insert(s.name.clone(), body(ev, &s.body)?);
        order.push(s.name.clone());
    }
    let mut any = false;
    for (c, _) in &rule.detection.conditions {
        any |= cond(&condition::parse(c).ok()?, &values, &order)?;
    }
    Some(any)
}
