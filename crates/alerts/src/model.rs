//! The persisted view of an alert: the engine's evidence plus the human
//! triage state and its history.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sightline_detect::Alert;
use sightline_detect::rule::Level;

use crate::error::ParseTriageStateError;

/// Where a human has got to with an alert. Independent of the engine's
/// [`sightline_detect::AlertStatus`], which only says whether the alert may
/// still grow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TriageState {
    /// Nobody has looked at it yet.
    #[default]
    Open,
    /// Someone is on it.
    Acknowledged,
    /// Dealt with: it was real.
    Resolved,
    /// Dealt with: the rule fired on something benign.
    FalsePositive,
}

impl TriageState {
    /// Every state, in workflow order.
    pub const ALL: [TriageState; 4] = [
        TriageState::Open,
        TriageState::Acknowledged,
        TriageState::Resolved,
        TriageState::FalsePositive,
    ];

    /// The state's name, as stored and serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            TriageState::Open => "open",
            TriageState::Acknowledged => "acknowledged",
            TriageState::Resolved => "resolved",
            TriageState::FalsePositive => "false_positive",
        }
    }
}

impl fmt::Display for TriageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TriageState {
    type Err = ParseTriageStateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TriageState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| ParseTriageStateError(s.to_owned()))
    }
}

/// One triage change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub actor: String,
    pub from: TriageState,
    pub to: TriageState,
    pub note: Option<String>,
}

/// A stored alert. Serializes as the engine's flat alert JSON (same field
/// names, so consumers of `sightline hunt` output can read it) plus
/// `alert.state`, `alert.created_at`, `alert.updated_at` and `alert.history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// The latest evidence from the engine; `event_ids` is the union of
    /// everything seen for this id (bounded, see [`crate::MAX_EVENT_IDS`]).
    #[serde(flatten)]
    pub alert: Alert,
    #[serde(rename = "alert.state")]
    pub state: TriageState,
    /// When the alert was first persisted (its `received_at`): `created_at -
    /// @timestamp` is the detection latency.
    #[serde(rename = "alert.created_at")]
    pub created_at: Timestamp,
    /// Last change of evidence or triage state.
    #[serde(rename = "alert.updated_at")]
    pub updated_at: Timestamp,
    /// Oldest first.
    #[serde(rename = "alert.history")]
    pub history: Vec<HistoryEntry>,
}

/// What [`crate::AlertStore::upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// First time this id was seen: count it as raised, notify.
    Inserted,
    /// Known id, new evidence stored. `state` is the human triage state,
    /// which the update left alone (so a router can stay quiet about
    /// alerts already marked false positive).
    Updated { state: TriageState },
    /// Known id and nothing new (a replay after a restart, say).
    Unchanged { state: TriageState },
}

impl Upsert {
    /// Whether the alert was not stored before.
    pub fn is_new(self) -> bool {
        matches!(self, Upsert::Inserted)
    }

    /// The triage state after the upsert.
    pub fn state(self) -> TriageState {
        match self {
            Upsert::Inserted => TriageState::Open,
            Upsert::Updated { state } | Upsert::Unchanged { state } => state,
        }
    }
}

/// Which alerts [`crate::AlertStore::list`] and [`crate::AlertStore::count`]
/// return. The default matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertFilter {
    /// Any of these states; empty means any state.
    pub states: Vec<TriageState>,
    /// This level or more severe.
    pub min_level: Option<Level>,
    /// Exactly this rule id.
    pub rule_id: Option<String>,
    /// `@timestamp` (first seen) at or after this instant.
    pub since: Option<Timestamp>,
    /// `@timestamp` (first seen) strictly before this instant, so adjacent
    /// `since`/`until` windows do not overlap.
    pub until: Option<Timestamp>,
    /// Substring of the summary or the rule name, ASCII case-insensitive.
    pub text: Option<String>,
    /// At most this many records (`list` only); `None` means all.
    pub limit: Option<usize>,
    /// Skip this many records first (`list` only), for paging.
    pub offset: usize,
}

/// Counts for metrics and the UI. Every state and level is present, with 0
/// when there are none, so gauges drop back to zero instead of going stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertStats {
    pub total: u64,
    pub by_state: BTreeMap<TriageState, u64>,
    pub by_level: BTreeMap<Level, u64>,
}
