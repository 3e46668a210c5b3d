//! Whether an alert is muted now: by an active silence or by inhibition.

use crate::inhibit::{InhibitIndex, InhibitRule, Inhibition};
use crate::model::Labels;
use crate::silence::{Silence, silenced_by};
use crate::state::{State, StoredAlert};
use jiff::Timestamp;

/// Why an alert is muted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mute {
    /// By this silence (its id).
    Silenced(String),
    Inhibited(Inhibition),
}

/// Silences active now and the firing sources of every inhibit rule,
/// gathered once per evaluation.
pub(crate) struct Mutes<'a> {
    silences: Vec<&'a Silence>,
    inhibit: InhibitIndex<'a>,
}

impl<'a> Mutes<'a> {
    pub fn new(state: &'a State, rules: &'a [InhibitRule], now: Timestamp) -> Mutes<'a> {
        let firing: Vec<(&str, &Labels)> = state
            .alerts
            .values()
            .filter(|a| !is_resolved(a, now))
            .map(|a| (a.info.id.as_str(), &a.info.labels))
            .collect();
        Mutes {
            silences: state.silences.active(now),
            inhibit: InhibitIndex::new(rules, firing.iter().copied()),
        }
    }

    /// The first reason the alert is muted; silences are checked first.
    pub fn muted(&self, id: &str, labels: &Labels) -> Option<Mute> {
        if let Some(s) = silenced_by(&self.silences, labels) {
            return Some(Mute::Silenced(s.id.clone()));
        }
        self.inhibit.inhibited(id, labels).map(Mute::Inhibited)
    }

    /// Every active silence matching (for `routes test`).
    pub fn silences_matching(&self, labels: &Labels) -> Vec<&'a Silence> {
        self.silences
            .iter()
            .filter(|s| s.matches(labels))
            .copied()
            .collect()
    }

    pub fn inhibited(&self, id: &str, labels: &Labels) -> Option<Inhibition> {
        self.inhibit.inhibited(id, labels)
    }
}

/// Resolved by triage, or quiet for its `resolve_timeout`.
pub(crate) fn is_resolved(a: &StoredAlert, now: Timestamp) -> bool {
    a.info.state == crate::model::AlertState::Resolved
        || a.resolve_timeout
            .is_some_and(|rt| now >= crate::duration::after(a.updated_at, rt))
}
