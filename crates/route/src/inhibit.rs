//! Inhibition: while a source alert fires, target alerts with the same
//! values of the `equal` labels are muted.
//!
//! Where Alertmanager is bitten (alertmanager#507, #1727), a label named in
//! `equal` that is missing on either side never matches: two alerts that
//! both lack `host` do not "share" a host. An alert never inhibits itself,
//! and an alert matching both sides is only muted by a source that does not
//! match the target side too (so two critical alerts cannot mute each other).

use crate::matcher::{Matcher, all_match, list_text};
use crate::model::Labels;
use serde::Serialize;
use std::collections::HashMap;

/// One compiled `[[inhibit]]` rule.
#[derive(Debug, Clone, Serialize)]
pub struct InhibitRule {
    /// The configured name, or `inhibit[N]`.
    pub name: String,
    pub source: Vec<Matcher>,
    pub target: Vec<Matcher>,
    pub equal: Vec<String>,
}

impl InhibitRule {
    /// The `equal` values of an alert, or `None` when it lacks one of them.
    fn equal_values(&self, labels: &Labels) -> Option<Vec<String>> {
        self.equal.iter().map(|n| labels.get(n).cloned()).collect()
    }

    pub fn describe(&self) -> String {
        let mut s = format!(
            "{}: source [{}], target [{}]",
            self.name,
            list_text(&self.source),
            list_text(&self.target)
        );
        if !self.equal.is_empty() {
            s.push_str(&format!(", equal [{}]", self.equal.join(", ")));
        }
        s
    }
}

/// Why an alert is inhibited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inhibition {
    pub rule: String,
    /// The firing source alert.
    pub source_alert: String,
}

/// Equal values -> (source alert id, whether it also matches the target side).
type SourcesByValues = HashMap<Vec<String>, Vec<(String, bool)>>;

/// The firing source alerts of every rule, indexed by their `equal` values,
/// built once per evaluation.
pub struct InhibitIndex<'a> {
    rules: &'a [InhibitRule],
    /// Per rule: equal values -> (source alert id, whether it also matches the target side).
    sources: Vec<SourcesByValues>,
}

impl<'a> InhibitIndex<'a> {
    /// `firing`: every alert firing now (silenced ones included: a silence
    /// mutes notifications, not the fact that the source fires).
    pub fn new<'b>(
        rules: &'a [InhibitRule],
        firing: impl Iterator<Item = (&'b str, &'b Labels)> + Clone,
    ) -> InhibitIndex<'a> {
        let sources = rules
            .iter()
            .map(|rule| {
                let mut by_values: HashMap<Vec<String>, Vec<(String, bool)>> = HashMap::new();
                for (id, labels) in firing.clone() {
                    if !all_match(&rule.source, labels) {
                        continue;
                    }
                    let Some(values) = rule.equal_values(labels) else {
                        continue;
                    };
                    let both = all_match(&rule.target, labels);
                    by_values
                        .entry(values)
                        .or_default()
                        .push((id.to_owned(), both));
                }
                by_values
            })
            .collect();
        InhibitIndex { rules, sources }
    }

    /// The first rule and source muting this alert, if any.
    pub fn inhibited(&self, id: &str, labels: &Labels) -> Option<Inhibition> {
        for (rule, sources) in self.rules.iter().zip(&self.sources) {
            if !all_match(&rule.target, labels) {
                continue;
            }
            let Some(values) = rule.equal_values(labels) else {
                continue;
            };
            let target_is_source_too = all_match(&rule.source, labels);
            let Some(candidates) = sources.get(&values) else {
                continue;
            };
            let found = candidates
                .iter()
                .find(|(src, both)| src != id && !(target_is_source_too && *both));
            if let Some((src, _)) = found {
                return Some(Inhibition {
                    rule: rule.name.clone(),
                    source_alert: src.clone(),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(source: &[&str], target: &[&str], equal: &[&str]) -> InhibitRule {
        InhibitRule {
            name: "r".into(),
            source: source.iter().map(|m| Matcher::parse(m).unwrap()).collect(),
            target: target.iter().map(|m| Matcher::parse(m).unwrap()).collect(),
            equal: equal.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn inhibited(rules: &[InhibitRule], firing: &[(&str, Labels)], id: &str, l: &Labels) -> bool {
        let idx = InhibitIndex::new(rules, firing.iter().map(|(i, l)| (*i, l)));
        idx.inhibited(id, l).is_some()
    }

    #[test]
    fn a_critical_alert_on_a_host_mutes_warnings_for_that_host_only() {
        let rules = [rule(&["level = critical"], &["level = medium"], &["host"])];
        let firing = [("crit", labels(&[("level", "critical"), ("host", "web1")]))];
        assert!(inhibited(
            &rules,
            &firing,
            "w1",
            &labels(&[("level", "medium"), ("host", "web1")])
        ));
        assert!(!inhibited(
            &rules,
            &firing,
            "w2",
            &labels(&[("level", "medium"), ("host", "web2")])
        ));
        assert!(!inhibited(
            &rules,
            &firing,
            "h1",
            &labels(&[("level", "high"), ("host", "web1")])
        ));
    }

    /// alertmanager#507 and #1727: both sides lacking the `equal` label
    /// matched, muting every target in the fleet.
    #[test]
    fn alertmanager_507_1727_a_missing_equal_label_never_matches() {
        let rules = [rule(&["rule = Foo"], &["rule =~ .*"], &["bar"])];
        let source_without = [("foo", labels(&[("rule", "Foo")]))];
        // Both lack bar: not inhibited.
        assert!(!inhibited(
            &rules,
            &source_without,
            "t",
            &labels(&[("rule", "Other")])
        ));
        // Target has it, source lacks it: not inhibited.
        assert!(!inhibited(
            &rules,
            &source_without,
            "t",
            &labels(&[("rule", "Other"), ("bar", "1")])
        ));
        // Source has it, target lacks it: not inhibited.
        let source_with = [("foo", labels(&[("rule", "Foo"), ("bar", "1")]))];
        assert!(!inhibited(
            &rules,
            &source_with,
            "t",
            &labels(&[("rule", "Other")])
        ));
        // Both have the same value: inhibited.
        assert!(inhibited(
            &rules,
            &source_with,
            "t",
            &labels(&[("rule", "Other"), ("bar", "1")])
        ));
        // An empty value is a value, and equal to itself.
        let source_empty = [("foo", labels(&[("rule", "Foo"), ("bar", "")]))];
        assert!(inhibited(
            &rules,
            &source_empty,
            "t",
            &labels(&[("rule", "Other"), ("bar", "")])
        ));
    }

    #[test]
    fn an_alert_never_inhibits_itself() {
        let rules = [rule(&["level = critical"], &["host =~ .+"], &["host"])];
        let me = labels(&[("level", "critical"), ("host", "web1")]);
        let firing = [("me", me.clone())];
        assert!(!inhibited(&rules, &firing, "me", &me));
    }

    #[test]
    fn two_alerts_matching_both_sides_do_not_mute_each_other() {
        let rules = [rule(&["level = critical"], &["host =~ .+"], &["host"])];
        let a = labels(&[("level", "critical"), ("host", "web1"), ("rule", "a")]);
        let b = labels(&[("level", "critical"), ("host", "web1"), ("rule", "b")]);
        let firing = [("a", a.clone()), ("b", b.clone())];
        assert!(!inhibited(&rules, &firing, "a", &a));
        assert!(!inhibited(&rules, &firing, "b", &b));
        // A target that is not a source is muted by either.
        let warn = labels(&[("level", "medium"), ("host", "web1")]);
        assert!(inhibited(&rules, &firing, "w", &warn));
    }

    #[test]
    fn no_equal_labels_means_any_source_mutes_every_target() {
        let rules = [rule(&["rule = maintenance"], &["dataset = ray"], &[])];
        let firing = [("m", labels(&[("rule", "maintenance")]))];
        assert!(inhibited(
            &rules,
            &firing,
            "t",
            &labels(&[("dataset", "ray")])
        ));
    }

    #[test]
    fn names_the_rule_and_the_source() {
        let rules = [rule(&["level = critical"], &["level = low"], &["host"])];
        let firing = [("src", labels(&[("level", "critical"), ("host", "h")]))];
        let idx = InhibitIndex::new(&rules, firing.iter().map(|(i, l)| (*i, l)));
        assert_eq!(
            idx.inhibited("t", &labels(&[("level", "low"), ("host", "h")])),
            Some(Inhibition {
                rule: "r".into(),
                source_alert: "src".into()
            })
        );
    }
}
