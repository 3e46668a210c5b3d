//! Acting on alerts: the routing sink feeds every alert change to the
//! dispatcher (crates/route) and, on every tick, hands the notifications due
//! to an [`Outbox`] (the notifiers' durable queues) *before* routing records
//! them as sent, so a crash re-sends rather than loses. The API's silences,
//! `routes test` and triage changes go through the same [`Acting`].

mod sink;
#[cfg(test)]
mod tests;

pub use sink::RoutingSink;

use crate::pipeline::AlertChange;
use jiff::Timestamp;
use sightline_alerts::{AlertRecord, AlertStore, TriageState};
use sightline_detect::rule::Level;
use sightline_route::{
    AlertInfo, AlertState, Dispatcher, DueError, Explanation, Labels, Notification, Routing,
    Silence, SilenceError, SilenceSpec, SqliteStore, StoreError, labels_of,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Where due notifications go. `keep` must make them durable (or fail):
/// routing records them as sent only after it returns `Ok`.
pub trait Outbox: Send + Sync {
    fn keep(&self, notifications: &[Notification]) -> Result<(), String>;
}

/// The outbox while no notifier is configured: each notification is one
/// line in the server's log (target `sightline::notify`).
pub struct LogOutbox;

impl Outbox for LogOutbox {
    fn keep(&self, notifications: &[Notification]) -> Result<(), String> {
        for n in notifications {
            tracing::info!(
                target: "sightline::notify",
                receiver = %n.receiver,
                group = %n.group_key,
                kind = ?n.kind,
                firing = n.firing.len(),
                resolved = n.resolved.len(),
                "notification"
            );
        }
        Ok(())
    }
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct ActingCounters {
    /// Notifications handed to the outbox.
    pub notifications: AtomicU64,
    /// Ticks whose notifications the outbox refused (offered again later).
    pub outbox_failures: AtomicU64,
    /// Alert changes routing could not store (retried with the next change).
    pub store_failures: AtomicU64,
}

/// The dispatcher, shared by the routing sink and the API.
pub struct Acting {
    dispatcher: Mutex<Dispatcher<SqliteStore>>,
    /// Risk alerts raised by routing are stored beside the rules' alerts.
    alerts: Arc<AlertStore>,
    outbox: Arc<dyn Outbox>,
    /// `server.public_url`: alert links in notifications.
    public_url: Option<String>,
    pub counters: ActingCounters,
}

/// Why an API call on routing failed.
#[derive(Debug, thiserror::Error)]
pub enum ActingError {
    #[error(transparent)]
    Silence(#[from] SilenceError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Acting {
    /// Opens routing's state (`DATA/routing.sqlite`).
    pub fn open(
        routing: Routing,
        data_dir: &Path,
        alerts: Arc<AlertStore>,
        outbox: Arc<dyn Outbox>,
        public_url: Option<String>,
    ) -> Result<Acting, StoreError> {
        let store = SqliteStore::open(data_dir.join("routing.sqlite"))?;
        Ok(Acting {
            dispatcher: Mutex::new(Dispatcher::new(routing, store)?),
            alerts,
            outbox,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
            counters: ActingCounters::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Dispatcher<SqliteStore>> {
        // A panic while holding the lock leaves the dispatcher as consistent
        // as its last committed change: keep going.
        self.dispatcher
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Alert changes from the detect stage, as routing sees them.
    pub fn observe_changes(&self, changes: &[AlertChange], now: Timestamp) {
        let mut d = self.lock();
        let infos: Vec<AlertInfo> = changes
            .iter()
            .map(|c| {
                let known = d.tracked(&c.alert.id);
                self.info_of(c, known)
            })
            .collect();
        match d.observe_all(infos, now) {
            Ok(raised) => {
                for risk in raised {
                    if let Err(e) = self.alerts.upsert(&stored_form(&risk), now) {
                        tracing::error!("storing risk alert {}: {e}", risk.id);
                    }
                }
            }
            Err(e) => {
                self.counters.store_failures.fetch_add(1, Ordering::Relaxed);
                tracing::error!("routing could not store alert changes: {e}");
            }
        }
    }

    /// An analyst changed an alert's triage state.
    pub fn observe_triage(&self, record: &AlertRecord, now: Timestamp) {
        let mut d = self.lock();
        let Some(known) = d.tracked(&record.alert.id).cloned() else {
            // Not tracked: resolved and told already, or never routed.
            return;
        };
        let mut info = known;
        info.state = state_of(record.state);
        info.count = record.alert.count;
        info.last_seen = record.alert.last_seen;
        if let Err(e) = d.observe(info, now) {
            self.counters.store_failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!("routing could not store a triage change: {e}");
        }
    }

    fn info_of(&self, c: &AlertChange, known: Option<&AlertInfo>) -> AlertInfo {
        let ctx = &c.context;
        // Keep what routing learnt of an alert's evidence earlier: an update
        // without evidence in its batch must not move it to another group.
        let from_known = |key: &str| known.and_then(|k| k.labels.get(key).cloned());
        let dataset = ctx.dataset.clone().or_else(|| from_known("dataset"));
        let module = ctx.module.clone().or_else(|| from_known("module"));
        let host = ctx.host.clone().or_else(|| from_known("host"));
        let labels: Labels = labels_of(
            &c.alert,
            dataset.as_deref(),
            module.as_deref(),
            host.as_deref(),
        );
        AlertInfo {
            id: c.alert.id.clone(),
            labels,
            state: state_of(c.triage),
            summary: c.alert.summary.clone(),
            explanation: c.alert.explanation.clone(),
            count: c.alert.count,
            first_seen: c.alert.first_seen,
            last_seen: c.alert.last_seen,
            url: self
                .public_url
                .as_ref()
                .map(|u| format!("{u}/alerts/{}", c.alert.id)),
        }
    }

    /// Hands what is due to the outbox, then records it as sent.
    pub fn flush(&self, now: Timestamp) {
        let mut d = self.lock();
        match d.due_then(now, |n| self.outbox.keep(n)) {
            Ok(n) => {
                self.counters
                    .notifications
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(DueError::Deliver(e)) => {
                self.counters
                    .outbox_failures
                    .fetch_add(1, Ordering::Relaxed);
                tracing::error!("notifications not queued, offered again next tick: {e}");
            }
            Err(DueError::Store(e)) => {
                self.counters.store_failures.fetch_add(1, Ordering::Relaxed);
                tracing::error!("routing could not record notifications as sent: {e}");
            }
        }
    }

    pub fn create_silence(
        &self,
        spec: &SilenceSpec,
        now: Timestamp,
    ) -> Result<Silence, ActingError> {
        Ok(self.lock().create_silence(spec, now)?)
    }

    pub fn expire_silence(
        &self,
        id: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<Silence, ActingError> {
        Ok(self.lock().expire_silence(id, by, now)?)
    }

    /// Every silence kept, newest first, with its state at `now`.
    pub fn silences(&self, now: Timestamp) -> Vec<serde_json::Value> {
        self.lock()
            .silences()
            .into_iter()
            .map(|s| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                v["state"] = s.state(now).as_str().into();
                v["matchers_text"] = s.describe().into();
                v
            })
            .collect()
    }

    /// `routes test`: where a sample alert would go now, and why.
    pub fn explain(&self, labels: &Labels, now: Timestamp) -> Explanation {
        self.lock().explain(labels, now)
    }

    /// The routing lines of `/metrics`.
    pub fn render_metrics(&self) -> String {
        let (tracked, counters) = {
            let d = self.lock();
            (d.alert_count(), d.counters())
        };
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let c = &self.counters;
        let rows: [(&str, &str, &str, u64); 7] = [
            (
                "sightline_notifications_total",
                "counter",
                "notifications handed to the notifiers' queues",
                load(&c.notifications),
            ),
            (
                "sightline_routing_outbox_failures_total",
                "counter",
                "ticks whose notifications could not be queued (offered again)",
                load(&c.outbox_failures),
            ),
            (
                "sightline_routing_store_failures_total",
                "counter",
                "routing state writes that failed",
                load(&c.store_failures),
            ),
            (
                "sightline_routing_alerts_tracked",
                "gauge",
                "alerts routing tracks now",
                tracked as u64,
            ),
            (
                "sightline_routing_alerts_refused_total",
                "counter",
                "new alerts refused past routing.max_alerts",
                counters.refused_alerts,
            ),
            (
                "sightline_risk_alerts_total",
                "counter",
                "risk alerts raised",
                counters.risk.alerts_raised,
            ),
            (
                "sightline_risk_entities_evicted_total",
                "counter",
                "entities dropped past risk.max_entities",
                counters.risk.evicted_entities,
            ),
        ];
        let mut out = String::new();
        for (name, kind, help, v) in rows {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"
            ));
        }
        out
    }
}

/// A risk alert (raised by routing, not by a rule) as the alert store keeps it.
fn stored_form(risk: &AlertInfo) -> sightline_detect::Alert {
    let label = |k: &str| risk.labels.get(k).cloned().unwrap_or_default();
    let entity = label("risk.entity");
    let group = risk
        .labels
        .get(&entity)
        .map(|v| BTreeMap::from([(entity.clone(), v.clone())]))
        .unwrap_or_default();
    sightline_detect::Alert {
        id: risk.id.clone(),
        rule_id: label("rule_id"),
        rule_name: label("rule"),
        level: Level::parse(&label("level")).unwrap_or(Level::High),
        rule_type: label("type"),
        first_seen: risk.first_seen,
        last_seen: risk.last_seen,
        count: risk.count,
        group,
        event_ids: Vec::new(),
        summary: risk.summary.clone(),
        explanation: risk.explanation.clone(),
        status: sightline_detect::alert::AlertStatus::Open,
        tags: vec!["risk".into()],
    }
}

/// The analysts' state as routing (and response) sees it.
pub(crate) fn state_of(t: TriageState) -> AlertState {
    match t {
        TriageState::Open => AlertState::Firing,
        TriageState::Acknowledged => AlertState::Acknowledged,
        TriageState::Resolved | TriageState::FalsePositive => AlertState::Resolved,
    }
}
