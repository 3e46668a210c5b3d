//! What the dispatcher remembers, as records, and the changes that move it.
//!
//! Every mutation is a [`Change`]: the dispatcher applies the same list to
//! its memory and to its [`crate::store::RoutingStore`], so what is on disk
//! is always what it acts on, and a restart resumes exactly there.

use crate::model::{AlertInfo, Labels};
use crate::risk::RiskEntity;
use crate::silence::{Silence, Silences};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An alert the dispatcher tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAlert {
    pub info: AlertInfo,
    /// When the last update arrived (the dispatcher's clock, not event time):
    /// `resolve_timeout` counts from here.
    pub updated_at: Timestamp,
    /// The shortest `resolve_timeout` of the routes it reached; `None`: never.
    #[serde(default)]
    pub resolve_timeout: Option<SignedDuration>,
}

/// An aggregation group: one route, one set of group-by values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredGroup {
    pub key: String,
    /// The route's path (`root/critical`).
    pub route: String,
    pub receiver: String,
    pub labels: Labels,
    pub created_at: Timestamp,
    /// Since when the group has had a change not yet notified.
    #[serde(default)]
    pub pending_since: Option<Timestamp>,
}

/// An alert's membership of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMember {
    pub group_key: String,
    pub alert_id: String,
    /// First notification on this group that included it.
    #[serde(default)]
    pub first_notified: Option<Timestamp>,
    /// When its escalation was sent.
    #[serde(default)]
    pub escalated: Option<Timestamp>,
}

/// The notification log: what a receiver was last told about a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub receiver: String,
    pub group_key: String,
    /// The group's route path, for its timers once the group is gone.
    #[serde(default)]
    pub route: String,
    /// The last notification.
    pub sent_at: Timestamp,
    /// When the next repeat is due, if nothing changes before.
    pub next_repeat: Timestamp,
    /// Ids of the alerts the receiver was told are firing (and not since
    /// told resolved).
    pub firing: BTreeSet<String>,
}

/// One mutation of the dispatcher's state.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    PutAlert(StoredAlert),
    DeleteAlert(String),
    PutGroup(StoredGroup),
    DeleteGroup(String),
    PutMember(StoredMember),
    DeleteMember { group_key: String, alert_id: String },
    PutLog(LogEntry),
    DeleteLog { receiver: String, group_key: String },
    PutSilence(Silence),
    DeleteSilence(String),
    PutRisk(RiskEntity),
    DeleteRisk { kind: String, value: String },
}

/// Everything a store holds, as loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub alerts: Vec<StoredAlert>,
    pub groups: Vec<StoredGroup>,
    pub members: Vec<StoredMember>,
    pub log: Vec<LogEntry>,
    pub silences: Vec<Silence>,
    pub risk: Vec<RiskEntity>,
}

/// The state, indexed.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    pub alerts: HashMap<String, StoredAlert>,
    /// Derived from the members: the groups each alert is in.
    pub alert_groups: HashMap<String, BTreeSet<String>>,
    pub groups: BTreeMap<String, StoredGroup>,
    /// group key -> alert id -> membership.
    pub members: BTreeMap<String, BTreeMap<String, StoredMember>>,
    pub log: BTreeMap<(String, String), LogEntry>,
    pub silences: Silences,
    pub risk: BTreeMap<(String, String), RiskEntity>,
    /// (last scored, kind, value), for eviction and expiry oldest first.
    pub risk_by_touch: BTreeSet<(Timestamp, String, String)>,
}

impl State {
    pub fn from_snapshot(s: Snapshot) -> State {
        let mut st = State {
            silences: Silences::from_stored(s.silences),
            ..State::default()
        };
        for a in s.alerts {
            st.apply(Change::PutAlert(a));
        }
        for g in s.groups {
            st.apply(Change::PutGroup(g));
        }
        for m in s.members {
            st.apply(Change::PutMember(m));
        }
        for l in s.log {
            st.apply(Change::PutLog(l));
        }
        for r in s.risk {
            st.apply(Change::PutRisk(r));
        }
        st
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            alerts: self.alerts.values().cloned().collect(),
            groups: self.groups.values().cloned().collect(),
            members: self
                .members
                .values()
                .flat_map(|m| m.values().cloned())
                .collect(),
            log: self.log.values().cloned().collect(),
            silences: self.silences.list().into_iter().cloned().collect(),
            risk: self.risk.values().cloned().collect(),
        }
    }

    pub fn apply(&mut self, c: Change) {
        match c {
            Change::PutAlert(a) => {
                self.alerts.insert(a.info.id.clone(), a);
            }
            Change::DeleteAlert(id) => {
                self.alerts.remove(&id);
                self.alert_groups.remove(&id);
            }
            Change::PutGroup(g) => {
                self.groups.insert(g.key.clone(), g);
            }
            Change::DeleteGroup(key) => {
                self.groups.remove(&key);
                if let Some(members) = self.members.remove(&key) {
                    for id in members.keys() {
                        self.unlink(id, &key);
                    }
                }
            }
            Change::PutMember(m) => {
                self.alert_groups
                    .entry(m.alert_id.clone())
                    .or_default()
                    .insert(m.group_key.clone());
                self.members
                    .entry(m.group_key.clone())
                    .or_default()
                    .insert(m.alert_id.clone(), m);
            }
            Change::DeleteMember {
                group_key,
                alert_id,
            } => {
                if let Some(m) = self.members.get_mut(&group_key) {
                    m.remove(&alert_id);
                    if m.is_empty() {
                        self.members.remove(&group_key);
                    }
                }
                self.unlink(&alert_id, &group_key);
            }
            Change::PutLog(l) => {
                self.log
                    .insert((l.receiver.clone(), l.group_key.clone()), l);
            }
            Change::DeleteLog {
                receiver,
                group_key,
            } => {
                self.log.remove(&(receiver, group_key));
            }
            Change::PutSilence(s) => self.silences.insert(s),
            Change::DeleteSilence(id) => self.silences.remove(&id),
            Change::PutRisk(r) => {
                let key = (r.kind.clone(), r.value.clone());
                if let Some(old) = self.risk.get(&key) {
                    self.risk_by_touch
                        .remove(&(old.touched, key.0.clone(), key.1.clone()));
                }
                self.risk_by_touch
                    .insert((r.touched, key.0.clone(), key.1.clone()));
                self.risk.insert(key, r);
            }
            Change::DeleteRisk { kind, value } => {
                let key = (kind, value);
                if let Some(old) = self.risk.remove(&key) {
                    self.risk_by_touch.remove(&(old.touched, key.0, key.1));
                }
            }
        }
    }

    fn unlink(&mut self, alert_id: &str, group_key: &str) {
        if let Some(g) = self.alert_groups.get_mut(alert_id) {
            g.remove(group_key);
            if g.is_empty() {
                self.alert_groups.remove(alert_id);
            }
        }
    }

    pub fn members_of(&self, group_key: &str) -> impl Iterator<Item = &StoredMember> {
        self.members
            .get(group_key)
            .into_iter()
            .flat_map(|m| m.values())
    }
}
