//! The routing tree: which routes an alert's labels reach, with `continue`,
//! and a trace of why for `sightline routes test`.
//!
//! Matching is Alertmanager's: a route matches when all its matchers do;
//! its children are tried in order, and the first child that matches stops
//! the search among its siblings unless that child has `continue = true`.
//! When no child matches, the route itself is where the alert goes. The
//! root matches every alert.

use crate::duration::format_duration;
use crate::matcher::{Matcher, all_match};
use crate::model::Labels;
use jiff::SignedDuration;
use serde::Serialize;
use std::collections::HashMap;

/// Which labels make up a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// These labels (those the alert lacks are left out of its group key).
    Labels(Vec<String>),
    /// `["..."]`: every label, so each distinct label set is its own group.
    All,
}

/// Escalation of unacknowledged alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    /// Measured from the alert's first notification on this route.
    pub after: SignedDuration,
    /// The receiver that gets the escalation.
    pub to: String,
}

/// A route's timing and resolution settings, after inheritance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timers {
    pub group_wait: SignedDuration,
    pub group_interval: SignedDuration,
    pub repeat_interval: SignedDuration,
    pub send_resolved: bool,
    /// An alert with no update for this long counts as resolved; `None`: never.
    pub resolve_timeout: Option<SignedDuration>,
    pub escalation: Option<Escalation>,
}

impl Timers {
    /// Repeats never come more often than `group_interval`
    /// (alertmanager#3370, #2320): the larger of the two.
    pub fn effective_repeat(&self) -> SignedDuration {
        self.repeat_interval.max(self.group_interval)
    }

    /// `group_wait 30s, group_interval 5m, repeat_interval 4h, ...`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "group_wait {}, group_interval {}, repeat_interval {}",
            format_duration(self.group_wait),
            format_duration(self.group_interval),
            format_duration(self.repeat_interval)
        );
        if self.repeat_interval < self.group_interval {
            s.push_str(&format!(
                " (repeats every {}: never more often than group_interval)",
                format_duration(self.effective_repeat())
            ));
        }
        s.push_str(if self.send_resolved {
            ", send_resolved yes"
        } else {
            ", send_resolved no"
        });
        match self.resolve_timeout {
            Some(t) => s.push_str(&format!(", resolve_timeout {}", format_duration(t))),
            None => s.push_str(", resolve_timeout never"),
        }
        if let Some(e) = &self.escalation {
            s.push_str(&format!(
                ", escalate to {} after {} unacknowledged",
                e.to,
                format_duration(e.after)
            ));
        }
        s
    }
}

/// One route of the compiled tree.
#[derive(Debug, Clone)]
pub struct Route {
    /// `root`, `root/0`, `root/critical/1`: names where given, else the index.
    pub path: String,
    pub name: Option<String>,
    pub matchers: Vec<Matcher>,
    pub receiver: String,
    pub group_by: GroupBy,
    pub timers: Timers,
    pub continue_matching: bool,
    /// Indices into [`Router::routes`].
    pub children: Vec<usize>,
}

impl Route {
    /// The labels this route groups an alert by.
    pub fn group_labels(&self, labels: &Labels) -> Labels {
        match &self.group_by {
            GroupBy::All => labels.clone(),
            GroupBy::Labels(names) => names
                .iter()
                .filter_map(|n| labels.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
        }
    }

    /// The group's key: route path and group labels, stable across restarts.
    pub fn group_key(&self, labels: &Labels) -> String {
        group_key(&self.path, &self.group_labels(labels))
    }
}

/// `root/0:{host="web1",rule="Brute force"}`.
pub fn group_key(path: &str, group_labels: &Labels) -> String {
    let inner = group_labels
        .iter()
        .map(|(k, v)| format!("{k}={}", serde_json::Value::String(v.clone())))
        .collect::<Vec<_>>()
        .join(",");
    format!("{path}:{{{inner}}}")
}

/// The compiled routing tree.
#[derive(Debug, Clone)]
pub struct Router {
    /// Depth-first order; the root is at 0.
    routes: Vec<Route>,
    by_path: HashMap<String, usize>,
}

/// What happened at one route while matching, for `routes test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    pub path: String,
    /// 0 for the root.
    pub depth: usize,
    pub outcome: StepOutcome,
    /// Each matcher and whether it matched, in words.
    pub matchers: Vec<String>,
}

/// The outcome at one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// Matched, and no child did: the alert goes to this route's receiver.
    Delivers,
    /// Matched; one of its children takes the alert.
    Descends,
    /// A matcher did not match.
    NoMatch,
    /// Not tried: an earlier sibling matched without `continue = true`.
    Skipped,
}

impl Router {
    /// Built by [`crate::config`]; the root first, children after parents.
    pub(crate) fn new(routes: Vec<Route>) -> Router {
        let by_path = routes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.clone(), i))
            .collect();
        Router { routes, by_path }
    }

    pub fn root(&self) -> &Route {
        &self.routes[0]
    }

    /// Every route, root first.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route at `path`, if the current configuration has it.
    pub fn get(&self, path: &str) -> Option<&Route> {
        self.by_path.get(path).map(|&i| &self.routes[i])
    }

    /// The routes an alert with these labels reaches, in tree order.
    pub fn matches(&self, labels: &Labels) -> Vec<&Route> {
        let mut out = Vec::new();
        self.walk(0, labels, 0, &mut out, &mut None);
        out.into_iter().map(|i| &self.routes[i]).collect()
    }

    /// [`Router::matches`], with the step-by-step trace.
    pub fn trace(&self, labels: &Labels) -> (Vec<&Route>, Vec<TraceStep>) {
        let mut out = Vec::new();
        let mut trace = Some(Vec::new());
        self.walk(0, labels, 0, &mut out, &mut trace);
        (
            out.into_iter().map(|i| &self.routes[i]).collect(),
            trace.unwrap_or_default(),
        )
    }

    /// Every receiver named anywhere (routes and escalations), sorted, for
    /// checking against the configured notifiers.
    pub fn receivers(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .routes
            .iter()
            .flat_map(|r| {
                std::iter::once(r.receiver.clone())
                    .chain(r.timers.escalation.as_ref().map(|e| e.to.clone()))
            })
            .collect();
        all.sort();
        all.dedup();
        all
    }

    fn walk(
        &self,
        idx: usize,
        labels: &Labels,
        depth: usize,
        out: &mut Vec<usize>,
        trace: &mut Option<Vec<TraceStep>>,
    ) -> bool {
        let route = &self.routes[idx];
        let matched = all_match(&route.matchers, labels);
        let step = trace.as_mut().map(|t| {
            t.push(TraceStep {
                path: route.path.clone(),
                depth,
                outcome: if matched {
                    StepOutcome::Descends
                } else {
                    StepOutcome::NoMatch
                },
                matchers: route.matchers.iter().map(|m| m.explain(labels)).collect(),
            });
            t.len() - 1
        });
        if !matched {
            return false;
        }
        let before = out.len();
        let mut stopped = false;
        for &child in &route.children {
            if stopped {
                if let Some(t) = trace.as_mut() {
                    let c = &self.routes[child];
                    t.push(TraceStep {
                        path: c.path.clone(),
                        depth: depth + 1,
                        outcome: StepOutcome::Skipped,
                        matchers: Vec::new(),
                    });
                }
                continue;
            }
            if self.walk(child, labels, depth + 1, out, trace)
                && !self.routes[child].continue_matching
            {
                stopped = true;
            }
        }
        if out.len() == before {
            out.push(idx);
            if let (Some(t), Some(i)) = (trace.as_mut(), step) {
                t[i].outcome = StepOutcome::Delivers;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{RoutingSection, compile_router};

    fn router(toml_text: &str) -> super::Router {
        let section: RoutingSection = toml::from_str(toml_text).unwrap();
        compile_router(&section).unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> crate::Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const TREE: &str = r#"
        receiver = "default"
        group_by = ["rule"]
        [[route]]
        name = "critical"
        matchers = ['level = "critical"']
        receiver = "pager"
        continue = true
        [[route]]
        matchers = ['dataset =~ "ray\..*"']
        receiver = "ray-team"
          [[route.route]]
          matchers = ['host = "head"']
          receiver = "ray-head"
        [[route]]
        matchers = ['level =~ "high|critical"']
        receiver = "soc"
    "#;

    fn receivers_of(r: &super::Router, l: &crate::Labels) -> Vec<String> {
        r.matches(l).iter().map(|r| r.receiver.clone()).collect()
    }

    #[test]
    fn unmatched_alerts_stay_at_the_root() {
        let r = router(TREE);
        assert_eq!(receivers_of(&r, &labels(&[("level", "low")])), ["default"]);
    }

    #[test]
    fn first_match_stops_unless_continue() {
        let r = router(TREE);
        // critical has continue: the ray route is tried next and stops the search,
        // so "soc" is not reached.
        assert_eq!(
            receivers_of(
                &r,
                &labels(&[("level", "critical"), ("dataset", "ray.gcs")])
            ),
            ["pager", "ray-team"]
        );
        assert_eq!(
            receivers_of(&r, &labels(&[("level", "critical")])),
            ["pager", "soc"]
        );
        assert_eq!(receivers_of(&r, &labels(&[("level", "high")])), ["soc"]);
    }

    #[test]
    fn the_deepest_matching_route_takes_the_alert() {
        let r = router(TREE);
        let m = r.matches(&labels(&[("dataset", "ray.gcs"), ("host", "head")]));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].receiver, "ray-head");
        assert_eq!(m[0].path, "root/1/0");
        // Children inherit group_by.
        assert_eq!(m[0].group_by, super::GroupBy::Labels(vec!["rule".into()]));
    }

    #[test]
    fn the_trace_says_why() {
        let r = router(TREE);
        let (_, trace) = r.trace(&labels(&[("level", "high"), ("dataset", "ray.gcs")]));
        let outcomes: Vec<(&str, super::StepOutcome)> =
            trace.iter().map(|s| (s.path.as_str(), s.outcome)).collect();
        use super::StepOutcome::*;
        assert_eq!(
            outcomes,
            [
                ("root", Descends),
                ("root/critical", NoMatch),
                ("root/1", Delivers),
                ("root/1/0", NoMatch),
                ("root/2", Skipped),
            ]
        );
        assert!(
            trace[3].matchers[0].contains("no host label"),
            "{:?}",
            trace[3]
        );
    }

    #[test]
    fn group_keys_are_stable_and_distinguish_routes_and_values() {
        let r = router(TREE);
        let root = r.root();
        let a = root.group_key(&labels(&[("rule", "Brute \"force\""), ("host", "x")]));
        assert_eq!(a, r#"root:{rule="Brute \"force\""}"#);
        assert_ne!(a, root.group_key(&labels(&[("rule", "Other")])));
        // An alert without the label groups apart from any value of it.
        assert_eq!(root.group_key(&labels(&[("host", "x")])), "root:{}");
    }

    #[test]
    fn lists_every_receiver() {
        let r = router(TREE);
        assert_eq!(
            r.receivers(),
            ["default", "pager", "ray-head", "ray-team", "soc"]
        );
    }
}
