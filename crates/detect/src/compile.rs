//! Rule model → compiled matchers: values with their modifiers become
//! [`Test`]s, search identifiers become [`CompiledSearch`]es and the
//! condition a [`CCond`] tree. Everything here runs once per rule load.

use crate::condition::{self, Cond, Selector};
use crate::matcher::{CCond, CompiledSearch, FieldTest, RefMode, SlotId, Target, Test, TimePart};
use crate::modifiers::{self, Modifier};
use crate::pattern::{Pattern, lower_bytes};
use crate::rule::{CmpOp, Detection, FieldItem, Scalar, SearchBody};
use ipnet::IpNet;
use regex::RegexBuilder;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// Shortest literal worth a prefilter entry: shorter ones occur everywhere.
pub const MIN_LITERAL: usize = 3;
/// Compiled size limit of one `re` value (guards against pathological patterns).
const REGEX_SIZE_LIMIT: usize = 2 << 20;
/// The limit of the one retry a pattern over [`REGEX_SIZE_LIMIT`] gets: bounded
/// repetitions of Unicode classes (SigmaHQ's `\w{1,64}`: every `\w` is a
/// few hundred UTF-8 ranges) are legitimate and need a few MiB, and a rule
/// set holds few of them.
const REGEX_RETRY_SIZE_LIMIT: usize = 32 << 20;

/// Options fixed at compile time.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Values of `%placeholder%`s used with the `expand` modifier.
    pub placeholders: BTreeMap<String, Vec<String>>,
}

/// Interns field names into slot ids shared by every rule of a rule set.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    pub names: Vec<String>,
    map: HashMap<String, SlotId>,
}

impl Interner {
    /// The slot id of a field name, adding it when new.
    pub fn intern(&mut self, name: &str) -> SlotId {
        if let Some(id) = self.map.get(name) {
            return *id;
        }
        let id = self.names.len() as SlotId;
        self.names.push(name.to_owned());
        self.map.insert(name.to_owned(), id);
        id
    }
}

/// An error with the line it belongs to.
pub type LineError = (usize, String);

/// Compiles a detection section.
pub fn compile_detection(
    det: &Detection,
    interner: &mut Interner,
    opts: &CompileOptions,
) -> Result<(Vec<CompiledSearch>, CCond), Vec<LineError>> {
    let mut errors = Vec::new();
    let mut searches = Vec::new();
    for s in &det.searches {
        match compile_body(&s.body, s.line, interner, opts) {
            Ok(alts) => searches.push(CompiledSearch {
                name: s.name.clone(),
                alts,
            }),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let names: Vec<&str> = searches.iter().map(|s| s.name.as_str()).collect();
    let mut conds = Vec::new();
    for (text, line) in &det.conditions {
        match condition::parse(text).and_then(|c| resolve(&c, &names)) {
            Ok(c) => conds.push(c),
            Err(e) => errors.push((*line, format!("condition `{text}`: {e}"))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let cond = if conds.len() == 1 {
        conds.remove(0)
    } else {
        CCond::Or(conds)
    };
    Ok((searches, cond))
}

/// Resolves identifiers and quantifiers of a condition to search indices.
pub fn resolve(c: &Cond, names: &[&str]) -> Result<CCond, String> {
    let select = |sel: &Selector| -> Result<Vec<CCond>, String> {
        let idx: Vec<CCond> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| match sel {
                Selector::Them => !n.starts_with('_'),
                Selector::Pattern(p) => condition::name_matches(p, n),
            })
            .map(|(i, _)| CCond::Search(i))
            .collect();
        if idx.is_empty() {
            let what = match sel {
                Selector::Them => "them".to_owned(),
                Selector::Pattern(p) => format!("`{p}`"),
            };
            return Err(format!(
                "{what} matches no search identifier (defined: {})",
                names.join(", ")
            ));
        }
        Ok(idx)
    };
    Ok(match c {
        Cond::Ident(n) => match names.iter().position(|x| x == n) {
            Some(i) => CCond::Search(i),
            None => {
                return Err(format!(
                    "unknown search identifier `{n}` (defined: {})",
                    names.join(", ")
                ));
            }
        },
        Cond::OneOf(sel) => CCond::Or(select(sel)?),
        Cond::AllOf(sel) => CCond::And(select(sel)?),
        Cond::Not(x) => CCond::Not(Box::new(resolve(x, names)?)),
        Cond::And(v) => CCond::And(
            v.iter()
                .map(|x| resolve(x, names))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Or(v) => CCond::Or(
            v.iter()
                .map(|x| resolve(x, names))
                .collect::<Result<_, _>>()?,
        ),
    })
}

fn compile_body(
    body: &SearchBody,
    line: usize,
    interner: &mut Interner,
    opts: &CompileOptions,
) -> Result<Vec<Vec<FieldTest>>, Vec<LineError>> {
    match body {
        SearchBody::Keywords(values) => {
            let item = FieldItem {
                field: String::new(),
                modifiers: Vec::new(),
                values: values.clone(),
                line,
            };
            Ok(vec![vec![
                compile_item(&item, interner, opts).map_err(|e| vec![(line, e)])?,
            ]])
        }
        SearchBody::Map(items) => {
            let mut tests = Vec::new();
            let mut errors = Vec::new();
            for item in items {
                match compile_item(item, interner, opts) {
                    Ok(t) => tests.push(t),
                    Err(e) => errors.push((item.line, e)),
                }
            }
            if errors.is_empty() {
                Ok(vec![tests])
            } else {
                Err(errors)
            }
        }
        SearchBody::AnyOf(bodies) => {
            let mut alts = Vec::new();
            let mut errors = Vec::new();
            for b in bodies {
                match compile_body(b, line, interner, opts) {
                    Ok(mut a) => alts.append(&mut a),
                    Err(mut e) => errors.append(&mut e),
                }
            }
            if errors.is_empty() {
                Ok(alts)
            } else {
                Err(errors)
            }
        }
    }
}

fn number(v: &Scalar, key: &str) -> Result<f64, String> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("`{key}` needs a number, found {v:?}"))
}

fn string_of(v: &Scalar, key: &str) -> Result<String, String> {
    match v {
        Scalar::Null => Err(format!("`{key}` needs a value, found null")),
        other => other.text().ok_or_else(|| format!("`{key}` needs a value")),
    }
}

fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Expands `%name%` placeholders into every combination of their values.
/// `\%` is a literal percent sign.
fn expand(text: &str, opts: &CompileOptions) -> Result<Vec<String>, String> {
    let mut outs = vec![String::new()];
    let mut rest = text;
    while !rest.is_empty() {
        let Some(i) = rest.find(['%', '\\']) else {
            outs.iter_mut().for_each(|o| o.push_str(rest));
            break;
        };
        let (head, tail) = rest.split_at(i);
        outs.iter_mut().for_each(|o| o.push_str(head));
        if let Some(after) = tail.strip_prefix("\\%") {
            outs.iter_mut().for_each(|o| o.push('%'));
            rest = after;
        } else if let Some(after) = tail.strip_prefix('\\') {
            outs.iter_mut().for_each(|o| o.push('\\'));
            rest = after;
        } else {
            let after = tail.get(1..).unwrap_or("");
            let Some(end) = after.find('%') else {
                outs.iter_mut().for_each(|o| o.push_str(tail));
                break;
            };
            let name = after.get(..end).unwrap_or("");
            let values = opts.placeholders.get(name).ok_or_else(|| {
                format!("placeholder `%{name}%` has no values: define it in the placeholder map")
            })?;
            if values.is_empty() {
                return Err(format!("placeholder `%{name}%` has an empty value list"));
            }
            if outs.len() * values.len() > 10_000 {
                return Err("placeholders expand to more than 10000 values".into());
            }
            outs = outs
                .iter()
                .flat_map(|o| values.iter().map(move |v| format!("{o}{v}")))
                .collect();
            rest = after.get(end + 1..).unwrap_or("");
        }
    }
    Ok(outs)
}

/// Compiles one `field|modifiers: values` item.
pub fn compile_item(
    item: &FieldItem,
    interner: &mut Interner,
    opts: &CompileOptions,
) -> Result<FieldTest, String> {
    let key = if item.modifiers.is_empty() {
        item.field.clone()
    } else {
        let m: Vec<&str> = item.modifiers.iter().map(|m| m.name()).collect();
        format!("{}|{}", item.field, m.join("|"))
    };
    let has = |m: Modifier| item.modifiers.contains(&m);
    let keyword = item.field.is_empty();
    let target = if keyword {
        Target::Keywords(
            interner.intern("message"),
            interner.intern("event.original"),
        )
    } else {
        Target::Field(interner.intern(&item.field))
    };
    let name = if keyword {
        "keywords".to_owned()
    } else {
        item.field.clone()
    };
    let cased = has(Modifier::Cased);
    let mut tests = Vec::new();
    let mut literals = Vec::new();
    let mut push = |t: Test, lit: Option<Vec<Vec<u8>>>| {
        tests.push(t);
        literals.push(lit);
    };
    let time_part = item.modifiers.iter().find_map(|m| match m {
        Modifier::Minute => Some(TimePart::Minute),
        Modifier::Hour => Some(TimePart::Hour),
        Modifier::Day => Some(TimePart::Day),
        Modifier::Week => Some(TimePart::Week),
        Modifier::Month => Some(TimePart::Month),
        Modifier::Year => Some(TimePart::Year),
        _ => None,
    });
    let cmp = item.modifiers.iter().find_map(|m| match m {
        Modifier::Gt => Some(CmpOp::Gt),
        Modifier::Gte => Some(CmpOp::Gte),
        Modifier::Lt => Some(CmpOp::Lt),
        Modifier::Lte => Some(CmpOp::Lte),
        _ => None,
    });

    if has(Modifier::Exists) {
        match item.values.as_slice() {
            [Scalar::Bool(b)] => push(Test::Exists(*b), None),
            _ => return Err(format!("`{key}` needs `true` or `false`")),
        }
    } else if has(Modifier::Cidr) {
        for v in &item.values {
            let s = string_of(v, &key)?;
            // `expand` turns one placeholder into a whole indicator list of networks.
            let nets = if has(Modifier::Expand) {
                expand(&s, opts)?
            } else {
                vec![s]
            };
            for s in nets {
                let net = parse_cidr(&s).ok_or_else(|| {
                    format!("`{key}`: `{s}` is not a CIDR like 10.0.0.0/8 or fd00::/8")
                })?;
                push(Test::Cidr(net.trunc()), None);
            }
        }
    } else if has(Modifier::Re) {
        for v in &item.values {
            let s = string_of(v, &key)?;
            let re = build_regex(
                &s,
                has(Modifier::ReI),
                has(Modifier::ReM),
                has(Modifier::ReS),
            )
            .map_err(|e| format!("`{key}`: invalid regular expression `{s}`: {e}"))?;
            // The literals hold for the case-insensitive form too: the prefilter scans lowercased text.
            push(Test::Re(re), crate::prefilter::regex_literals(&s));
        }
    } else if let Some(part) = time_part {
        for v in &item.values {
            push(
                Test::Time(part, cmp.unwrap_or(CmpOp::Eq), number(v, &key)?),
                None,
            );
        }
    } else if let Some(op) = cmp {
        for v in &item.values {
            // A time value compares times (`'@timestamp|gte': 2026-11-22T00:00:00Z`).
            let time = match v {
                Scalar::Str(s) => crate::matcher::parse_time(s),
                _ => None,
            };
            match time {
                Some(t) => push(Test::TimeCmp(op, t), None),
                None => push(Test::Cmp(op, number(v, &key)?), None),
            }
        }
    } else if has(Modifier::FieldRef) {
        let mode = if has(Modifier::Contains) {
            RefMode::Contains
        } else if has(Modifier::StartsWith) {
            RefMode::Prefix
        } else if has(Modifier::EndsWith) {
            RefMode::Suffix
        } else {
            RefMode::Equal
        };
        for v in &item.values {
            let other = string_of(v, &key)?;
            push(
                Test::FieldRef {
                    other: interner.intern(&other),
                    mode,
                    cased,
                },
                None,
            );
        }
    } else {
        let transforms = item.modifiers.iter().any(|m| {
            m.is_encoding()
                || matches!(
                    m,
                    Modifier::Windash
                        | Modifier::Expand
                        | Modifier::Contains
                        | Modifier::StartsWith
                        | Modifier::EndsWith
                )
        });
        for v in &item.values {
            match v {
                Scalar::Null if keyword => return Err("a keyword cannot be null".into()),
                Scalar::Null => push(Test::Null, None),
                Scalar::Bool(b) if !transforms && !keyword => push(Test::Bool(*b), None),
                Scalar::Int(_) | Scalar::Float(_) if !transforms && !keyword => {
                    let x = number(v, &key)?;
                    push(Test::NumEq(x, v.text().unwrap_or_default()), None)
                }
                _ => {
                    let text = string_of(v, &key)?;
                    let patterns = string_patterns(&text, item, keyword, opts)
                        .map_err(|e| format!("`{key}`: {e}"))?;
                    let lits: Option<Vec<Vec<u8>>> = patterns
                        .iter()
                        .map(|p| {
                            p.longest_literal()
                                .map(lower_bytes)
                                .filter(|l| l.len() >= MIN_LITERAL)
                        })
                        .collect();
                    let mut alts: Vec<Test> = patterns
                        .into_iter()
                        .map(|p| {
                            let p = if cased { p } else { p.lowercased() };
                            Test::Str {
                                m: p.compile(),
                                cased,
                            }
                        })
                        .collect();
                    let test = if alts.len() == 1 {
                        alts.remove(0)
                    } else {
                        Test::Any(alts)
                    };
                    push(test, lits);
                }
            }
        }
    }
    Ok(FieldTest {
        target,
        name,
        tests,
        all: has(Modifier::All),
        neq: has(Modifier::Neq),
        literals,
    })
}

/// Compiles a `re` value; a pattern too big for [`REGEX_SIZE_LIMIT`] is tried
/// once more with [`REGEX_RETRY_SIZE_LIMIT`] (same semantics, more memory).
fn build_regex(
    pattern: &str,
    case_insensitive: bool,
    multi_line: bool,
    dot_all: bool,
) -> Result<regex::Regex, regex::Error> {
    let build = |limit: usize| {
        RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .multi_line(multi_line)
            .dot_matches_new_line(dot_all)
            .size_limit(limit)
            .build()
    };
    match build(REGEX_SIZE_LIMIT) {
        Err(regex::Error::CompiledTooBig(_)) => build(REGEX_RETRY_SIZE_LIMIT),
        other => other,
    }
}

/// Applies the string modifiers, in the order written, to one value.
fn string_patterns(
    text: &str,
    item: &FieldItem,
    keyword: bool,
    opts: &CompileOptions,
) -> Result<Vec<Pattern>, String> {
    let texts = if item.modifiers.contains(&Modifier::Expand) {
        expand(text, opts)?
    } else {
        vec![text.to_owned()]
    };
    let mut out = Vec::new();
    for t in texts {
        let mut pats = vec![Pattern::parse(&t)];
        let mut searched = false;
        for m in &item.modifiers {
            let plain = |p: &Pattern| -> Result<Vec<u8>, String> {
                p.plain_bytes().ok_or_else(|| {
                    format!(
                        "`{}` cannot encode wildcards; escape `*`/`?` or drop them",
                        m.name()
                    )
                })
            };
            pats = match m {
                Modifier::Windash => pats.into_iter().map(Pattern::windash).collect(),
                Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Utf16 => {
                    let mut next = Vec::new();
                    for p in &pats {
                        let bytes = plain(p)?;
                        let s = String::from_utf8_lossy(&bytes);
                        next.push(Pattern::literal(match m {
                            Modifier::Utf16Le => modifiers::utf16le(&s),
                            Modifier::Utf16Be => modifiers::utf16be(&s),
                            _ => modifiers::utf16_bom(&s),
                        }));
                    }
                    next
                }
                Modifier::Base64 => {
                    let mut next = Vec::new();
                    for p in &pats {
                        next.push(Pattern::literal(modifiers::base64(&plain(p)?).into_bytes()));
                    }
                    next
                }
                Modifier::Base64Offset => {
                    let mut next = Vec::new();
                    for p in &pats {
                        for o in modifiers::base64_offsets(&plain(p)?) {
                            next.push(Pattern::literal(o.into_bytes()));
                        }
                    }
                    next
                }
                Modifier::Contains => {
                    searched = true;
                    pats.into_iter().map(|p| p.wrap(true, true)).collect()
                }
                Modifier::StartsWith => {
                    searched = true;
                    pats.into_iter().map(|p| p.wrap(false, true)).collect()
                }
                Modifier::EndsWith => {
                    searched = true;
                    pats.into_iter().map(|p| p.wrap(true, false)).collect()
                }
                _ => pats,
            };
        }
        if keyword && !searched {
            pats = pats.into_iter().map(|p| p.wrap(true, true)).collect();
        }
        out.extend(pats);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand() {
        let mut opts = CompileOptions::default();
        opts.placeholders
            .insert("Admins".into(), vec!["root".into(), "admin".into()]);
        assert_eq!(expand("%Admins%", &opts).unwrap(), vec!["root", "admin"]);
        assert_eq!(
            expand("u-%Admins%-x", &opts).unwrap(),
            vec!["u-root-x", "u-admin-x"]
        );
        assert_eq!(
            expand(r"\%plain%Admins%", &opts).unwrap(),
            vec!["%plainroot", "%plainadmin"]
        );
        assert!(expand("%Nope%", &opts).is_err());
        assert_eq!(expand("50%", &opts).unwrap(), vec!["50%"]);
    }

    #[test]
    fn big_unicode_regexes_load_and_pathological_ones_do_not() {
        // SigmaHQ's proc_creation_win_svchost_uncommon_command_line_flags.yml.
        let sigmahq = r"-k\s\w{1,64}(?:\s?(?:-p|-s))?";
        assert!(matches!(
            RegexBuilder::new(sigmahq)
                .size_limit(REGEX_SIZE_LIMIT)
                .build(),
            Err(regex::Error::CompiledTooBig(_))
        ));
        let re = build_regex(sigmahq, false, false, false).expect("loads with the retry limit");
        assert!(re.is_match("svchost.exe -k netsvcs -p"));
        assert!(
            re.is_match("svchost.exe -k dienstgruppe_ä"),
            "\\w stays Unicode"
        );
        assert!(!re.is_match("svchost.exe -k "));
        // The retry is bounded: a pattern needing far more still fails, with the limit named.
        let e = build_regex(r"\w{1,1000}", false, false, false).unwrap_err();
        assert!(e.to_string().contains("size limit"), "{e}");
    }

    #[test]
    fn cidr_forms() {
        assert!(parse_cidr("10.0.0.0/8").is_some());
        assert!(parse_cidr("10.1.2.3").is_some());
        assert!(parse_cidr("fd00::/8").is_some());
        assert!(parse_cidr("10.0.0.0/33").is_none());
    }
}
