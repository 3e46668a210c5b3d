//! Alerts: what the engine reports, with a deterministic id so a sink can
//! upsert the same alert as it grows.

use crate::rule::Level;
use serde::{Deserialize, Serialize};
use sightline_event::Timestamp;
use std::collections::BTreeMap;

/// Whether more matches may still update the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Further matches within the window will update it (emitted by [`crate::EmitMode::Updates`]).
    Open,
    /// Final: its window is over.
    Closed,
}

/// One alert. Serializes to the flat JSON object `sightline hunt` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Deterministic: BLAKE3 of rule id, group and window start (32 hex digits).
    #[serde(rename = "alert.id")]
    pub id: String,
    #[serde(rename = "rule.id")]
    pub rule_id: String,
    #[serde(rename = "rule.name")]
    pub rule_name: String,
    #[serde(rename = "rule.level")]
    pub level: Level,
    /// `detection` or the correlation type (`event_count`, `temporal`...).
    #[serde(rename = "rule.type")]
    pub rule_type: String,
    /// Time of the first event.
    #[serde(rename = "@timestamp")]
    pub first_seen: Timestamp,
    #[serde(rename = "alert.last_seen")]
    pub last_seen: Timestamp,
    #[serde(rename = "alert.count")]
    pub count: u64,
    /// Group-by fields and their values, e.g. `{"source.ip": "10.0.0.5"}`.
    #[serde(rename = "alert.group")]
    pub group: BTreeMap<String, String>,
    /// Ids of the events involved (bounded; the first ones).
    #[serde(rename = "alert.event_ids")]
    pub event_ids: Vec<String>,
    #[serde(rename = "alert.summary")]
    pub summary: String,
    #[serde(rename = "alert.explanation")]
    pub explanation: String,
    #[serde(rename = "alert.status")]
    pub status: AlertStatus,
    pub tags: Vec<String>,
}

impl Alert {
    /// One line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The deterministic alert id.
pub fn alert_id(
    rule_key: &str,
    group: &BTreeMap<String, String>,
    window_start: Timestamp,
) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"sightline.alert/1\0");
    h.update(rule_key.as_bytes());
    h.update(b"\0");
    for (k, v) in group {
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\0");
    }
    h.update(window_start.to_string().as_bytes());
    let bytes = h.finalize();
    bytes
        .as_bytes()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `source.ip=10.0.0.5, user.name=bob`, or empty.
pub fn group_text(group: &BTreeMap<String, String>) -> String {
    group
        .iter()
        .map(|(k, v)| format!("{k}={}", if v.is_empty() { "(none)" } else { v }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seconds as the shortest readable duration (`90s` → `1m30s`).
pub fn duration_text(secs: i64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let mut out = String::new();
    for (n, u) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{u}"));
        }
    }
    if out.is_empty() { "0s".into() } else { out }
}

/// The one-sentence summary: title, who, how many, over what time.
pub fn summary(
    title: &str,
    group: &BTreeMap<String, String>,
    count: u64,
    first: Timestamp,
    last: Timestamp,
) -> String {
    let who = group_text(group);
    let events = if count == 1 {
        "1 event".to_owned()
    } else {
        format!("{count} events")
    };
    let span = (last.as_second() - first.as_second()).max(0);
    let mut s = format!("{title}: {events}");
    if !who.is_empty() {
        s.push_str(&format!(" from {who}"));
    }
    if count > 1 {
        if span == 0 {
            s.push_str(" within a second");
        } else {
            s.push_str(&format!(" over {}", duration_text(span)));
        }
    }
    s.push_str(&format!(", first at {first}"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let t: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let g = BTreeMap::from([("source.ip".to_string(), "10.0.0.5".to_string())]);
        let a = alert_id("r1", &g, t);
        assert_eq!(a.len(), 32);
        assert_eq!(a, alert_id("r1", &g, t));
        assert_ne!(a, alert_id("r2", &g, t));
        assert_ne!(a, alert_id("r1", &BTreeMap::new(), t));
        assert_ne!(
            a,
            alert_id("r1", &g, "2026-11-22T12:00:01Z".parse().unwrap())
        );
    }

    #[test]
    fn summary_reads_well() {
        let t: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let g = BTreeMap::from([("source.ip".to_string(), "10.0.0.5".to_string())]);
        assert_eq!(
            summary(
                "Brute force",
                &g,
                12,
                t,
                "2026-11-22T12:04:30Z".parse().unwrap()
            ),
            "Brute force: 12 events from source.ip=10.0.0.5 over 4m30s, first at 2026-11-22T12:00:00Z"
        );
        assert_eq!(
            summary("Burst", &BTreeMap::new(), 3, t, t),
            "Burst: 3 events within a second, first at 2026-11-22T12:00:00Z"
        );
        assert_eq!(duration_text(3600), "1h");
        assert_eq!(duration_text(0), "0s");
    }
}
