//! What routing works on and what it hands to notifiers.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Labels an alert is routed, grouped, silenced and inhibited by.
///
/// Always present: `rule` (the rule's title), `rule_id`, `level`
/// (`informational`..`critical`), `type` (`detection`, `event_count`...).
/// When known: `dataset`, `module`, `host` (of the evidence events), `tags`
/// (comma-joined), and every group-by field of the alert under its own name
/// (`source.ip`, `user.name`...). A label that is absent is absent: matchers
/// and `equal` lists never treat it as an empty value.
pub type Labels = BTreeMap<String, String>;

/// Where an alert is in its life, for notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Raised or updated, not acknowledged.
    Firing,
    /// An analyst acknowledged it (still firing, no escalation).
    Acknowledged,
    /// Resolved by an analyst, or quiet for the route's `resolve_timeout`.
    Resolved,
}

/// One alert as routing and notifiers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertInfo {
    /// The alert's id (32 hex digits).
    pub id: String,
    pub labels: Labels,
    pub state: AlertState,
    pub summary: String,
    pub explanation: String,
    /// Matching events so far.
    pub count: u64,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// A link to the alert (`{server.public_url}/alerts/{id}`), when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Why a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// New alerts in the group (after `group_wait`, then every `group_interval` while it grows).
    Firing,
    /// Nothing new, but `repeat_interval` passed with alerts still firing.
    Repeat,
    /// Every alert of the group is resolved.
    Resolved,
    /// An alert stayed unacknowledged past the route's `escalate_after`.
    Escalation,
}

/// One message for one receiver about one group of alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The receiver's name (`[[notify.receiver]]`).
    pub receiver: String,
    /// Stable key of the group (route and group-by values), for deduplication
    /// by the destination (PagerDuty's dedup_key, for instance).
    pub group_key: String,
    /// The group-by labels and their values.
    pub group_labels: Labels,
    pub kind: NotificationKind,
    /// Alerts of the group still firing (or acknowledged), newest last.
    pub firing: Vec<AlertInfo>,
    /// Alerts of the group resolved since the last notification.
    pub resolved: Vec<AlertInfo>,
    /// When routing decided to send it.
    pub created: Timestamp,
    /// The route that matched, as a path of route names/indices (`root/0/2`).
    pub route: String,
}

impl Notification {
    /// Earliest first-seen and latest last-seen over the group.
    pub fn span(&self) -> Option<(Timestamp, Timestamp)> {
        let all = self.firing.iter().chain(&self.resolved);
        let first = all.clone().map(|a| a.first_seen).min()?;
        let last = all.map(|a| a.last_seen).max()?;
        Some((first, last))
    }

    /// Matching events over the group.
    pub fn event_count(&self) -> u64 {
        self.firing
            .iter()
            .chain(&self.resolved)
            .map(|a| a.count)
            .sum()
    }
}

/// The labels of a detection alert, plus what is known about its events.
pub fn labels_of(
    alert: &sightline_detect::Alert,
    dataset: Option<&str>,
    module: Option<&str>,
    host: Option<&str>,
) -> Labels {
    let mut l = Labels::new();
    l.insert("rule".into(), alert.rule_name.clone());
    l.insert("rule_id".into(), alert.rule_id.clone());
    l.insert("level".into(), alert.level.as_str().into());
    l.insert("type".into(), alert.rule_type.clone());
    if let Some(d) = dataset {
        l.insert("dataset".into(), d.into());
    }
    if let Some(m) = module {
        l.insert("module".into(), m.into());
    }
    if let Some(h) = host {
        l.insert("host".into(), h.into());
    }
    if !alert.tags.is_empty() {
        l.insert("tags".into(), alert.tags.join(","));
    }
    for (k, v) in &alert.group {
        if !v.is_empty() {
            l.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    l
}
