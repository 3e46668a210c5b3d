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

/// The cheapest requirement of several that all hold: fewest, longest literals.
fn better(a: Requirement, b: Requirement) -> Requirement {
    let score = |r: &Requirement| {
        let min = r.iter().map(Vec::len).min().unwrap_or(0);
        (std::cmp::Reverse(r.len()), min)
    };
    if score(&b) > score(&a) { b } else { a }
}

fn and_of(reqs: impl Iterator<Item = Option<Requirement>>) -> Option<Requirement> {
    reqs.flatten().reduce(better)
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

fn test_requirement(t: &FieldTest) -> Option<Requirement> {
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
        and_of(per_test)
    } else {
        or_of(per_test)
    }
}

fn search_requirement(s: &CompiledSearch) -> Option<Requirement> {
    or_of(
        s.alts
            .iter()
            .map(|alt| and_of(alt.iter().map(test_requirement))),
    )
}

/// The requirement of a rule's condition, if it has one.
pub fn requirement(c: &CCond, searches: &[CompiledSearch]) -> Option<Requirement> {
    match c {
        CCond::Search(i) => searches.get(*i).and_then(search_requirement),
        CCond::And(v) => and_of(v.iter().map(|x| requirement(x, searches))),
        CCond::Or(v) => or_of(v.iter().map(|x| requirement(x, searches))),
        CCond::Not(_) | CCond::Const(_) => None,
    }
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
                .build(&lits)
                .ok()
        };
        Prefilter {
            ac,
            lit_rules,
            slots: slots.into_iter().collect(),
        }
    }

    /// Reports every literal id occurring in `text` (lowercased field text).
    pub fn scan(&self, text: &str, mut hit: impl FnMut(usize)) {
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(text) {
                hit(m.pattern().as_usize());
            }
        }
    }

    pub fn literal_count(&self) -> usize {
        self.lit_rules.len()
    }
}
