//! Finds secrets in one string and replaces them with `[REDACTED:<kind>]`.
//!
//! One prefilter pass (`anchors.rs`, ASCII case-insensitive) over the anchors
//! of every pattern decides what runs at all: a string with no anchor (the
//! common case) costs that one scan and no allocation. Anchors of key words send
//! their position to the key/value scanner; anchors of regex rules mark the
//! rule to run once over the string. Overlapping findings are merged, so a
//! secret is never half-redacted because two patterns disagree on its extent.

use crate::anchors::{Anchors, Use};
use crate::config::{BUILTIN_KINDS, ConfigError, RedactionConfig, kind, valid_kind};
use crate::keyvalue;
use crate::rules::{Check, RULES};
use regex::Regex;

/// What a placeholder starts with.
pub const PLACEHOLDER_PREFIX: &str = "[REDACTED:";

/// Bound on repeated passes over one string (each pass only runs when the
/// previous one redacted something, so this is never reached in practice).
const MAX_PASSES: usize = 4;

/// Key words the key/value scanner starts from. Short is fine here: a
/// false start (`/api/jobs`, `tokens`) costs a few byte comparisons, and
/// fewer anchors keep the prefilter fast.
const KEY_ANCHORS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "api",
    "authorization",
    "private",
];

#[derive(Debug, Clone)]
struct Rule {
    /// Index into `Redactor::kinds`; lower ranks win overlaps.
    rank: usize,
    regex: Regex,
    /// Capture groups holding the secret (named `secret*`); empty: whole match.
    groups: Vec<usize>,
    check: Check,
}

#[derive(Debug, Clone, Copy)]
enum AnchorUse {
    Rule(usize),
    Key,
}

/// A range to replace, with the rank of the kind that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    start: usize,
    end: usize,
    rank: usize,
}

/// The compiled redaction patterns.
#[derive(Debug, Clone)]
pub struct Redactor {
    anchors: Option<Anchors<AnchorUse>>,
    rules: Vec<Rule>,
    /// Rules without anchors: run on every string.
    always: Vec<usize>,
    /// Kind names by rank: custom patterns first, then [`BUILTIN_KINDS`].
    kinds: Vec<String>,
    /// Rank of each built-in kind, `None` when disabled.
    builtin_rank: Vec<Option<usize>>,
}

impl Redactor {
    pub fn new(config: &RedactionConfig) -> Result<Redactor, ConfigError> {
        for d in &config.disable {
            if !BUILTIN_KINDS.contains(&d.as_str()) {
                return Err(ConfigError::UnknownKind(d.clone()));
            }
        }
        let mut kinds: Vec<String> = Vec::new();
        let mut rules = Vec::new();
        let mut anchors: Vec<(String, Use<AnchorUse>)> = Vec::new();
        let mut always = Vec::new();

        for (index, p) in config.patterns.iter().enumerate() {
            if !valid_kind(&p.kind) {
                return Err(ConfigError::BadKind {
                    index,
                    kind: p.kind.clone(),
                });
            }
            let regex = Regex::new(&p.regex).map_err(|e| ConfigError::BadRegex {
                index,
                kind: p.kind.clone(),
                source: Box::new(e),
            })?;
            let rank = kinds.len();
            kinds.push(p.kind.clone());
            let id = rules.len();
            rules.push(Rule {
                rank,
                groups: secret_groups(&regex),
                regex,
                check: Check::None,
            });
            if p.anchors.is_empty() {
                always.push(id);
            }
            for (n, a) in p.anchors.iter().enumerate() {
                if a.is_empty() {
                    return Err(ConfigError::EmptyAnchor {
                        index,
                        kind: p.kind.clone(),
                        anchor: n,
                    });
                }
                anchors.push((
                    a.clone(),
                    Use {
                        what: AnchorUse::Rule(id),
                        boundary: false,
                    },
                ));
            }
        }

        let mut builtin_rank = Vec::with_capacity(BUILTIN_KINDS.len());
        for k in BUILTIN_KINDS {
            let on = config.enabled && !config.disable.iter().any(|d| d == k);
            builtin_rank.push(on.then_some(kinds.len()));
            kinds.push((*k).to_string());
        }
        let rank_of = |k: &str| {
            BUILTIN_KINDS
                .iter()
                .position(|b| *b == k)
                .and_then(|i| builtin_rank.get(i).copied().flatten())
        };

        for spec in RULES {
            let Some(rank) = rank_of(spec.kind) else {
                continue;
            };
            // Built-in regexes are constants covered by tests; the error
            // still names the kind rather than panicking.
            let regex = Regex::new(spec.regex).map_err(|e| ConfigError::BadRegex {
                index: usize::MAX,
                kind: spec.kind.to_string(),
                source: Box::new(e),
            })?;
            let id = rules.len();
            rules.push(Rule {
                rank,
                groups: secret_groups(&regex),
                regex,
                check: spec.check,
            });
            for a in spec.anchors {
                let (text, boundary) = match a.strip_prefix(r"\b") {
                    Some(t) => (t, true),
                    None => (*a, false),
                };
                anchors.push((
                    text.to_string(),
                    Use {
                        what: AnchorUse::Rule(id),
                        boundary,
                    },
                ));
            }
        }
        let any_key_kind = builtin_rank.iter().any(Option::is_some);
        if any_key_kind {
            for a in KEY_ANCHORS {
                anchors.push((
                    (*a).to_string(),
                    Use {
                        what: AnchorUse::Key,
                        boundary: false,
                    },
                ));
            }
        }
        let anchors = Anchors::new(anchors)?;
        Ok(Redactor {
            anchors,
            rules,
            always,
            kinds,
            builtin_rank,
        })
    }

    fn builtin(&self, k: &str) -> Option<usize> {
        BUILTIN_KINDS
            .iter()
            .position(|b| *b == k)
            .and_then(|i| self.builtin_rank.get(i).copied().flatten())
    }

    /// Replaces every secret in `s`; returns how many placeholders were
    /// inserted. `ray` labels bearer credentials `ray-token` (what Ray's
    /// clients send in `Authorization: Bearer`).
    ///
    /// Replacing a secret can change what its neighbours look like (a key
    /// that ran into the secret now starts after a placeholder), so the pass
    /// repeats until nothing more is found: one extra scan, only on strings
    /// that held a secret, and a second `redact` is then a no-op.
    ///
    /// `name` is the field or label the string is the value of, if any: when
    /// it names a secret (`password`, `mlx.api_key`) the value is one even
    /// without a key in sight, as decoders that split `key=value` records
    /// keep the key only as the name.
    pub fn redact(&self, s: &mut String, ray: bool, name: Option<&str>) -> u32 {
        let mut total = 0u32;
        for _ in 0..MAX_PASSES {
            let n = self.redact_once(s, ray, name);
            total = total.saturating_add(n);
            if n == 0 {
                break;
            }
        }
        total
    }

    fn redact_once(&self, s: &mut String, ray: bool, name: Option<&str>) -> u32 {
        let spans = self.find(s, ray, name);
        if spans.is_empty() {
            return 0;
        }
        let mut out = String::with_capacity(s.len() + 16 * spans.len());
        let mut at = 0;
        let mut count = 0u32;
        for sp in &spans {
            let (Some(keep), Some(kind)) = (s.get(at..sp.start), self.kinds.get(sp.rank)) else {
                continue;
            };
            out.push_str(keep);
            out.push_str(PLACEHOLDER_PREFIX);
            out.push_str(kind);
            out.push(']');
            at = sp.end;
            count = count.saturating_add(1);
        }
        out.push_str(s.get(at..).unwrap_or_default());
        *s = out;
        count
    }

    /// The merged, ordered spans to replace in `text`.
    fn find(&self, text: &str, ray: bool, name: Option<&str>) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        if let Some(hit) = name.and_then(|n| keyvalue::scan_named(n, text))
            && let Some(rank) = self.builtin(hit.kind)
        {
            spans.push(Span {
                start: hit.start,
                end: hit.end,
                rank,
            });
        }
        let mut triggered: Vec<bool> = Vec::new();
        if let Some(anchors) = &self.anchors {
            anchors.find(text, |start, end, what| match what {
                AnchorUse::Rule(id) => {
                    if triggered.is_empty() {
                        triggered.resize(self.rules.len(), false);
                    }
                    if let Some(t) = triggered.get_mut(id) {
                        *t = true;
                    }
                }
                AnchorUse::Key => {
                    if let Some(hit) = keyvalue::scan(text, start, end)
                        && let Some(rank) = self.builtin(hit.kind)
                    {
                        spans.push(Span {
                            start: hit.start,
                            end: hit.end,
                            rank,
                        });
                    }
                }
            });
        }
        let run = triggered
            .iter()
            .enumerate()
            .filter(|(_, t)| **t)
            .map(|(i, _)| i)
            .chain(self.always.iter().copied());
        for id in run {
            if let Some(rule) = self.rules.get(id) {
                rule.find(text, &mut spans);
            }
        }
        if spans.is_empty() {
            return spans;
        }
        self.settle(text, spans, ray)
    }

    /// Drops what is already redacted, relabels Ray bearer credentials, and
    /// merges overlapping spans into their union under the best-ranked kind.
    fn settle(&self, text: &str, mut spans: Vec<Span>, ray: bool) -> Vec<Span> {
        let placeholders = placeholder_ranges(text);
        spans.retain(|sp| {
            sp.start < sp.end
                && !text
                    .get(sp.start..)
                    .is_some_and(|t| t.starts_with(PLACEHOLDER_PREFIX))
                && !placeholders
                    .iter()
                    .any(|&(a, b)| a <= sp.start && sp.end <= b)
        });
        if ray
            && let (Some(bearer), Some(ray_rank)) = (
                self.builtin(kind::BEARER_TOKEN),
                self.builtin(kind::RAY_TOKEN),
            )
        {
            for sp in &mut spans {
                if sp.rank == bearer {
                    sp.rank = ray_rank;
                }
            }
        }
        spans.sort_unstable();
        let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
        for sp in spans {
            match merged.last_mut() {
                Some(last) if sp.start < last.end => {
                    last.end = last.end.max(sp.end);
                    last.rank = last.rank.min(sp.rank);
                }
                _ => merged.push(sp),
            }
        }
        merged
    }
}

impl Rule {
    fn find(&self, text: &str, spans: &mut Vec<Span>) {
        let mut push = |start: usize, end: usize| {
            let ok = match self.check {
                Check::None => true,
                Check::Opaque => text
                    .get(start..end)
                    .is_some_and(|v| v.len() >= 16 && v.bytes().any(|b| b.is_ascii_digit())),
            };
            if ok && start < end {
                spans.push(Span {
                    start,
                    end,
                    rank: self.rank,
                });
            }
        };
        if self.groups.is_empty() {
            for m in self.regex.find_iter(text) {
                push(m.start(), m.end());
            }
            return;
        }
        for caps in self.regex.captures_iter(text) {
            // A match whose secret group did not take part is redacted whole:
            // over-redacting beats leaking.
            let m = self
                .groups
                .iter()
                .find_map(|&g| caps.get(g))
                .or_else(|| caps.get(0));
            if let Some(m) = m {
                push(m.start(), m.end());
            }
        }
    }
}

/// Capture groups named `secret`, `secret2`, ...
fn secret_groups(regex: &Regex) -> Vec<usize> {
    regex
        .capture_names()
        .enumerate()
        .filter(|(_, n)| n.is_some_and(|n| n.starts_with("secret")))
        .map(|(i, _)| i)
        .collect()
}

/// Where earlier passes left `[REDACTED:<kind>]`.
fn placeholder_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(PLACEHOLDER_PREFIX)) {
        let start = from + i;
        let body = start + PLACEHOLDER_PREFIX.len();
        let end = text
            .get(body..)
            .and_then(|t| t.find(']'))
            .filter(|&n| text.get(body..body + n).is_some_and(valid_kind))
            .map(|n| body + n + 1);
        match end {
            Some(e) => {
                out.push((start, e));
                from = e;
            }
            None => from = body,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_compiles() {
        let r = Redactor::new(&RedactionConfig::default()).expect("built-ins compile");
        assert_eq!(r.rules.len(), RULES.len());
    }
}
