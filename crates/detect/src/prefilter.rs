//! The literal prefilter: one Aho-Corasick automaton over every rule's
//! required literals, run once per event over the (lowercased) text of the
//! fields rules look at. A rule whose condition can only be true when one of
//! its literals occurs is evaluated only when one does; the others (negations,
//! numeric comparisons, regexes, field existence) are always evaluated.
//! This is what keeps 500 rules close to the cost of 50.

use crate::matcher::{CCond, CompiledSearch, FieldTest, SlotId, Target, Test};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::{BTreeSet, HashMap};

/// A set of literals, one of which must occur for a rule to match.
pub type Requirement = BTreeSet<Vec<u8>>;

/// How many rules use each literal: a literal many rules share (`job-submitted`)
/// lets many rules through, a rare one few.
pub type LiteralCounts = HashMap<Vec<u8>, usize>;

/// The most selective of several requirements that all hold: literals shared by
/// the fewest rules, then the fewest literals, then the longest.
fn better(a: Requirement, b: Requirement, counts: &LiteralCounts) -> Requirement {
    let score = |r: &Requirement| {
        let shared: usize = r.iter().map(|l| counts.get(l).copied().unwrap_or(1)).sum();
        let min = r.iter().map(Vec::len).min().unwrap_or(0);
        (std::cmp::Reverse(shared), std::cmp::Reverse(r.len()), min)
    };
    if score(&b) > score(&a) { b } else { a }
}

fn and_of(reqs: impl Iterator<Item = Option<Requirement>>) -> Option<Requirement> {
    and_with(reqs, &LiteralCounts::new())
}

fn and_with(
    reqs: impl Iterator<Item = Option<Requirement>>,
    counts: &LiteralCounts,
) -> Option<Requirement> {
    reqs.flatten().reduce(|a, b| better(a, b, counts))
}

fn or_of(reqs: impl Iterator<Item = Option<Requirement>>) -> Option<Requirement> {
    let mut out = Requirement::new();
    let mut any = false;
    for r in reqs {
        out.extend(r?);
        any = true;
    }
    any.then_some(out)
}

fn test_requirement(t: &FieldTest, counts: &LiteralCounts) -> Option<Requirement> {
    if t.neq
        || t.tests
            .iter()
            .any(|x| matches!(x, Test::Null | Test::Exists(false)))
    {
        return None;
    }
    let per_test = t.literals.iter().map(|l| {
        l.as_ref()
            .map(|set| set.iter().cloned().collect::<Requirement>())
    });
    if t.all {
        and_with(per_test, counts)
    } else {
        or_of(per_test)
    }
}

fn search_requirement(s: &CompiledSearch, counts: &LiteralCounts) -> Option<Requirement> {
    or_of(
        s.alts
            .iter()
            .map(|alt| and_with(alt.iter().map(|t| test_requirement(t, counts)), counts)),
    )
}

/// The requirement of a rule's condition, if it has one.
pub fn requirement(
    c: &CCond,
    searches: &[CompiledSearch],
    counts: &LiteralCounts,
) -> Option<Requirement> {
    match c {
        CCond::Search(i) => searches.get(*i).and_then(|s| search_requirement(s, counts)),
        CCond::And(v) => and_with(v.iter().map(|x| requirement(x, searches, counts)), counts),
        CCond::Or(v) => or_of(v.iter().map(|x| requirement(x, searches, counts))),
        CCond::Not(_) | CCond::Const(_) => None,
    }
}

/// Adds every literal of a rule's tests to `counts` (once per rule).
pub fn count_literals(searches: &[CompiledSearch], counts: &mut LiteralCounts) {
    let mut mine = BTreeSet::new();
    for s in searches {
        for alt in &s.alts {
            for t in alt {
                for set in t.literals.iter().flatten() {
                    mine.extend(set.iter().cloned());
                }
            }
        }
    }
    for l in mine {
        *counts.entry(l).or_insert(0) += 1;
    }
}

/// Literals one of which every match of regex `pattern` contains, lowercased
/// (the prefilter scans lowercased text). `None` when no useful set exists.
pub fn regex_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::{Hir, HirKind};
    fn req(h: &Hir, depth: usize) -> Option<Requirement> {
        if depth > 64 {
            return None;
        }
        match h.kind() {
            HirKind::Literal(l) => {
                let lit = crate::pattern::lower_bytes(&l.0);
                (lit.len() >= crate::compile::MIN_LITERAL).then(|| Requirement::from([lit]))
            }
            HirKind::Capture(c) => req(&c.sub, depth + 1),
            HirKind::Repetition(r) if r.min >= 1 => req(&r.sub, depth + 1),
            HirKind::Concat(items) => and_of(items.iter().map(|x| req(x, depth + 1))),
            HirKind::Alternation(items) => or_of(items.iter().map(|x| req(x, depth + 1))),
            _ => None,
        }
    }
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(64)
        .build()
        .parse(pattern)
        .ok()?;
    req(&hir, 0).map(|r| r.into_iter().collect())
}

/// Fields whose text the prefilter scans: every field a string test reads.
pub fn scanned_slots(searches: &[CompiledSearch], out: &mut BTreeSet<SlotId>) {
    for s in searches {
        for alt in &s.alts {
            for t in alt {
                if t.literals.iter().any(Option::is_some) {
                    match t.target {
                        Target::Field(id) => {
                            out.insert(id);
                        }
                        Target::Keywords(a, b) => {
                            out.insert(a);
                            out.insert(b);
                        }
                    }
                }
            }
        }
    }
}

/// The automaton and which rules each literal gates.
#[derive(Debug, Clone, Default)]
pub struct Prefilter {
    ac: Option<AhoCorasick>,
    /// Literal id → rules gated on it (ascending).
    pub lit_rules: Vec<Vec<u32>>,
    pub slots: Vec<SlotId>,
}

impl Prefilter {
    /// Builds the prefilter from each gated rule's requirement.
    pub fn build(gated: &[(u32, Requirement)], slots: BTreeSet<SlotId>) -> Prefilter {
        let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut lits: Vec<Vec<u8>> = Vec::new();
        let mut lit_rules: Vec<Vec<u32>> = Vec::new();
        for (rule, req) in gated {
            for l in req {
                let id = *ids.entry(l.clone()).or_insert_with(|| {
                    lits.push(l.clone());
                    lit_rules.push(Vec::new());
                    lits.len() - 1
                });
                if let Some(v) = lit_rules.get_mut(id)
                    && v.last() != Some(rule)
                {
                    v.push(*rule);
                }
            }
        }
        let ac = if lits.is_empty() {
            None
        } else {
            // Standard semantics so overlapping matches are all reported.
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .build(&lits)
                .ok()
        };
        Prefilter {
            ac,
            lit_rules,
            slots: slots.into_iter().collect(),
        }
    }

    /// Reports every literal id occurring in `text`, ignoring ASCII case. Pass
    /// the original text when it is ASCII, the lowercased text otherwise (so
    /// Unicode case folding that produces ASCII is not missed).
    pub fn scan(&self, text: &str, mut hit: impl FnMut(usize)) {
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                hit(m.pattern().as_usize());
            }
        }
    }

    /// Number of distinct literals in the automaton.
    pub fn literal_count(&self) -> usize {
        self.lit_rules.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(re: &str) -> Option<Vec<String>> {
        regex_literals(re).map(|v| {
            v.into_iter()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .collect()
        })
    }

    #[test]
    fn regex_requirements() {
        // A concatenation needs one of its parts; the choice is any that holds.
        let l = lits(r"payload[0-9]+\.shell").unwrap();
        assert!(l == vec!["payload"] || l == vec![".shell"], "{l:?}");
        // Alternation needs every branch to have a literal.
        assert_eq!(
            lits(r"(xmrig|minerd)"),
            Some(vec!["minerd".into(), "xmrig".into()])
        );
        assert_eq!(lits(r"(xmrig|a)"), None);
        // Optional parts and classes give nothing; literals are lowercased.
        assert_eq!(lits(r"(NCAT)?"), None);
        assert_eq!(lits(r"[a-z]+"), None);
        assert_eq!(lits(r"Bash -I"), Some(vec!["bash -i".into()]));
        assert_eq!(lits(r"(unclosed"), None);
    }

    #[test]
    fn requirements_follow_the_condition() {
        use crate::compile::{CompileOptions, Interner, compile_detection};
        use crate::rule::{RuleDoc, parse_documents};
        let (docs, e) = parse_documents(
            "t.yml",
            "title: t\nlogsource: {}\ndetection:\n  a: {x|contains: alpha}\n  b: {y|contains: beta}\n  n: {z: 1}\n  condition: COND\n",
        );
        assert!(e.is_empty());
        let RuleDoc::Detection(r) = &docs[0] else {
            panic!()
        };
        let req = |cond: &str| {
            let mut det = r.detection.clone();
            det.conditions = vec![(cond.to_owned(), 1)];
            let (s, c) =
                compile_detection(&det, &mut Interner::default(), &CompileOptions::default())
                    .unwrap();
            requirement(&c, &s, &LiteralCounts::new()).map(|r| {
                r.into_iter()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(req("a or b"), Some(vec!["alpha".into(), "beta".into()]));
        assert_eq!(req("a or n"), None, "n has no literal");
        assert!(req("a and n").is_some());
        assert_eq!(req("not a"), None);
        assert_eq!(req("a and not b"), Some(vec!["alpha".into()]));
    }
}
