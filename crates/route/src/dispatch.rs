//! The dispatcher: alerts in, due notifications out.
//!
//! The server feeds every alert change to [`Dispatcher::observe`] and calls
//! [`Dispatcher::due`] on a timer (every second, or at
//! [`Dispatcher::next_wakeup`]); `due` returns the notifications to send now.
//! Every decision is written to the [`RoutingStore`] before it is acted on,
//! so after a restart the dispatcher resumes where it stood: no lost or
//! resurrected silences, no repeat sent twice.
//!
//! Per group (one route, one set of group-by values):
//! - the first notification goes `group_wait` after the group was created;
//! - after that the group is looked at on ticks `group_interval` apart,
//!   counted from its last notification. A tick sends when an alert fires
//!   that the receiver was not told about, or (with `send_resolved`) when
//!   one it was told about resolved; otherwise, with alerts still firing,
//!   when `repeat_interval` has passed since the last notification. So
//!   repeats follow `repeat_interval` rounded up to a tick, never more often
//!   than `group_interval` (alertmanager#3370, #2320);
//! - a resolved alert is listed once under `resolved` beside those still
//!   firing, then leaves the group: it is never listed as firing again
//!   (alertmanager#1195, #1403). A resolved update for an alert no longer
//!   tracked is ignored;
//! - a muted (silenced or inhibited) alert is left out of notifications but
//!   stays in what the receiver was told: when the silence ends it is not
//!   news, and it comes back at the next repeat (alertmanager#2896).
//! - escalation: an alert still firing and unacknowledged `escalate_after`
//!   its first notification on a route is sent once to `escalate_to`.

use crate::config::Routing;
use crate::duration::after;
use crate::inhibit::Inhibition;
use crate::model::{AlertInfo, AlertState, Labels, Notification, NotificationKind};
use crate::mute::{Mute, Mutes, is_resolved};
use crate::risk::{self, RiskCounters};
use crate::router::{Route, StepOutcome, TraceStep, group_key};
use crate::silence::{Silence, SilenceError, SilenceSpec};
use crate::state::{Change, LogEntry, State, StoredAlert, StoredGroup, StoredMember};
use crate::store::{RoutingStore, StoreError};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::BTreeSet;

/// Counters for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DispatchCounters {
    /// New alerts refused because `routing.max_alerts` were tracked.
    pub refused_alerts: u64,
    /// Resolved updates for alerts not tracked (already resolved and notified).
    pub ignored_resolved: u64,
    pub notifications: u64,
    pub risk: RiskCounters,
}

/// Why [`Dispatcher::due_then`] failed: nothing was recorded as sent.
#[derive(Debug, thiserror::Error)]
pub enum DueError<E> {
    #[error("the notifications were not kept: {0}")]
    Deliver(E),
    #[error(transparent)]
    Store(StoreError),
}

/// Routes alerts into groups and decides when each receiver is told.
pub struct Dispatcher<S: RoutingStore> {
    routing: Routing,
    store: S,
    state: State,
    counters: DispatchCounters,
    /// Changes applied but not yet written, inside [`Dispatcher::observe_all`].
    batch: Option<Vec<Change>>,
}

impl<S: RoutingStore> Dispatcher<S> {
    /// Loads the stored state (groups, notification log, silences, risk).
    pub fn new(routing: Routing, mut store: S) -> Result<Dispatcher<S>, StoreError> {
        let state = State::from_snapshot(store.load()?);
        Ok(Dispatcher {
            routing,
            store,
            state,
            counters: DispatchCounters::default(),
            batch: None,
        })
    }

    /// Swaps in a new configuration (groups of vanished routes keep going on
    /// the root's timers until they empty).
    pub fn reconfigure(&mut self, routing: Routing) {
        self.routing = routing;
    }

    pub fn routing(&self) -> &Routing {
        &self.routing
    }

    pub fn counters(&self) -> DispatchCounters {
        self.counters
    }

    /// Alerts tracked now.
    pub fn alert_count(&self) -> usize {
        self.state.alerts.len()
    }

    /// Writes first, then applies: memory never runs ahead of the disk.
    /// Inside [`Dispatcher::observe_all`] changes are applied at once and
    /// written together at the end (memory is reloaded if that fails).
    fn commit(&mut self, changes: Vec<Change>) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        if let Some(batch) = &mut self.batch {
            batch.extend(changes.iter().cloned());
            for c in changes {
                self.state.apply(c);
            }
            return Ok(());
        }
        self.store.apply(&changes)?;
        for c in changes {
            self.state.apply(c);
        }
        Ok(())
    }

    /// One alert raised, updated, acknowledged or resolved. Risk alerts it
    /// raises are routed too, and returned.
    pub fn observe(
        &mut self,
        info: AlertInfo,
        now: Timestamp,
    ) -> Result<Vec<AlertInfo>, StoreError> {
        self.observe_all(std::iter::once(info), now)
    }

    /// A batch of alert changes (a sink's batch), written in one store
    /// transaction: all of it is kept, or on error none of it.
    pub fn observe_all(
        &mut self,
        infos: impl IntoIterator<Item = AlertInfo>,
        now: Timestamp,
    ) -> Result<Vec<AlertInfo>, StoreError> {
        self.batch = Some(Vec::new());
        let mut raised = Vec::new();
        for info in infos {
            // Cannot fail while batching: nothing is written yet.
            raised.extend(self.observe_unbatched(info, now)?);
        }
        let changes = self.batch.take().unwrap_or_default();
        if changes.is_empty() {
            return Ok(raised);
        }
        if let Err(e) = self.store.apply(&changes) {
            // The store is the truth: drop what was applied in memory.
            self.state = State::from_snapshot(self.store.load()?);
            return Err(e);
        }
        Ok(raised)
    }

    fn observe_unbatched(
        &mut self,
        info: AlertInfo,
        now: Timestamp,
    ) -> Result<Vec<AlertInfo>, StoreError> {
        let raised = if self.observe_one(&info, now)? {
            let mut counters = self.counters.risk;
            let scored =
                risk::score_alert(&self.routing.risk, &self.state, &info, now, &mut counters);
            self.commit(scored.changes)?;
            self.counters.risk = counters;
            scored.raised
        } else {
            Vec::new()
        };
        for r in &raised {
            self.observe_one(r, now)?;
        }
        Ok(raised)
    }

    /// Whether the alert is tracked after this update.
    fn observe_one(&mut self, info: &AlertInfo, now: Timestamp) -> Result<bool, StoreError> {
        let known = self.state.alerts.contains_key(&info.id);
        if !known {
            if info.state == AlertState::Resolved {
                self.counters.ignored_resolved += 1;
                return Ok(false);
            }
            if self.state.alerts.len() >= self.routing.max_alerts {
                self.counters.refused_alerts += 1;
                return Ok(false);
            }
        }
        let routes = self.routing.router.matches(&info.labels);
        let resolve_timeout = routes.iter().filter_map(|r| r.timers.resolve_timeout).min();
        let mut changes = vec![Change::PutAlert(StoredAlert {
            info: info.clone(),
            updated_at: now,
            resolve_timeout,
        })];
        // Labels can change between updates: the alert leaves the groups it
        // no longer belongs to.
        let keys: BTreeSet<String> = routes.iter().map(|r| r.group_key(&info.labels)).collect();
        for old in self.state.alert_groups.get(&info.id).into_iter().flatten() {
            if !keys.contains(old) {
                changes.push(Change::DeleteMember {
                    group_key: old.clone(),
                    alert_id: info.id.clone(),
                });
            }
        }
        for route in routes {
            let key = route.group_key(&info.labels);
            if !self.state.groups.contains_key(&key) {
                changes.push(Change::PutGroup(StoredGroup {
                    key: key.clone(),
                    route: route.path.clone(),
                    receiver: route.receiver.clone(),
                    labels: route.group_labels(&info.labels),
                    created_at: now,
                    pending_since: Some(now),
                }));
            }
            let member = self.state.members.get(&key).and_then(|m| m.get(&info.id));
            if member.is_none() {
                changes.push(Change::PutMember(StoredMember {
                    group_key: key,
                    alert_id: info.id.clone(),
                    first_notified: None,
                    escalated: None,
                }));
            }
        }
        self.commit(changes)?;
        Ok(true)
    }

    fn route_of(&self, path: &str) -> &Route {
        self.routing
            .router
            .get(path)
            .unwrap_or_else(|| self.routing.router.root())
    }

    /// The notifications due at `now`, already recorded as sent (one store
    /// transaction per call: on a failed write nothing is returned and
    /// nothing changes, so the next call retries). A notification is lost
    /// if the process dies before the caller has kept it: the server uses
    /// [`Dispatcher::due_then`] instead.
    pub fn due(&mut self, now: Timestamp) -> Result<Vec<Notification>, StoreError> {
        let mut out = Vec::new();
        self.due_then(now, |n| {
            out.extend_from_slice(n);
            Ok::<(), std::convert::Infallible>(())
        })
        .map_err(|e| match e {
            DueError::Store(s) => s,
        })?;
        Ok(out)
    }

    /// The notifications due at `now`, handed to `deliver` *before* they are
    /// recorded as sent. When `deliver` fails nothing is recorded and the
    /// next call offers them again; when the process dies between the two,
    /// they are offered again after the restart. So a notification that
    /// `deliver` keeps durably (a spool) is sent at least once, never lost.
    pub fn due_then<E>(
        &mut self,
        now: Timestamp,
        deliver: impl FnOnce(&[Notification]) -> Result<(), E>,
    ) -> Result<usize, DueError<E>> {
        let mut out = Vec::new();
        let mut changes = Vec::new();
        {
            let mutes = Mutes::new(&self.state, &self.routing.inhibit, now);
            for key in self.state.groups.keys() {
                let (notes, c) = self.flush_group(key, &mutes, now);
                out.extend(notes);
                changes.extend(c);
            }
        }
        changes.extend(risk::expired(&self.routing.risk, &self.state, now));
        changes.extend(
            self.state
                .silences
                .past_retention(now, self.routing.silence_retention)
                .into_iter()
                .map(Change::DeleteSilence),
        );
        if !out.is_empty() {
            deliver(&out).map_err(DueError::Deliver)?;
        }
        self.commit(changes).map_err(DueError::Store)?;
        // Alerts left in no group (resolved and told, or moved) are forgotten.
        let orphans: Vec<Change> = self
            .state
            .alerts
            .keys()
            .filter(|id| !self.state.alert_groups.contains_key(*id))
            .map(|id| Change::DeleteAlert(id.clone()))
            .collect();
        self.commit(orphans).map_err(DueError::Store)?;
        self.counters.notifications += out.len() as u64;
        Ok(out.len())
    }

    /// What routing knows of a tracked alert: its last labels and state.
    pub fn tracked(&self, alert_id: &str) -> Option<&AlertInfo> {
        self.state.alerts.get(alert_id).map(|a| &a.info)
    }

    /// The tick the group is evaluated at, if one has come by `now`.
    fn tick(&self, g: &StoredGroup, log: Option<&LogEntry>, now: Timestamp) -> Option<Timestamp> {
        let timers = &self.route_of(&g.route).timers;
        match log {
            None => {
                let t = after(g.created_at, timers.group_wait);
                (now >= t).then_some(t)
            }
            Some(l) => {
                let gi = timers.group_interval.as_millis().max(1);
                let since = now.duration_since(l.sent_at).as_millis();
                if since < gi {
                    return None;
                }
                let ticks = since / gi;
                let offset = i64::try_from(ticks * gi).unwrap_or(i64::MAX);
                Some(after(l.sent_at, SignedDuration::from_millis(offset)))
            }
        }
    }

    fn flush_group(
        &self,
        key: &str,
        mutes: &Mutes<'_>,
        now: Timestamp,
    ) -> (Vec<Notification>, Vec<Change>) {
        let mut notes = Vec::new();
        let mut changes = Vec::new();
        let Some(g) = self.state.groups.get(key) else {
            return (notes, changes);
        };
        let route = self.route_of(&g.route);
        let timers = &route.timers;
        let log_key = (g.receiver.clone(), g.key.clone());
        let log = self.state.log.get(&log_key);
        let members: Vec<(&StoredMember, &StoredAlert)> = self
            .state
            .members_of(key)
            .filter_map(|m| self.state.alerts.get(&m.alert_id).map(|a| (m, a)))
            .collect();

        // Escalations do not wait for ticks.
        if let Some(esc) = &timers.escalation {
            for (m, a) in &members {
                let due = m.first_notified.is_some_and(|t| now >= after(t, esc.after));
                if due
                    && m.escalated.is_none()
                    && a.info.state == AlertState::Firing
                    && !is_resolved(a, now)
                    && mutes.muted(&a.info.id, &a.info.labels).is_none()
                {
                    notes.push(Notification {
                        receiver: esc.to.clone(),
                        group_key: g.key.clone(),
                        group_labels: g.labels.clone(),
                        kind: NotificationKind::Escalation,
                        firing: vec![a.info.clone()],
                        resolved: Vec::new(),
                        created: now,
                        route: g.route.clone(),
                    });
                    changes.push(Change::PutMember(StoredMember {
                        escalated: Some(now),
                        ..(*m).clone()
                    }));
                }
            }
        }

        let Some(tick) = self.tick(g, log, now) else {
            return (notes, changes);
        };
        let told: BTreeSet<String> = log.map(|l| l.firing.clone()).unwrap_or_default();
        let mut firing = Vec::new();
        let mut muted_firing = Vec::new();
        let mut resolved = Vec::new();
        for (m, a) in &members {
            if is_resolved(a, now) {
                resolved.push((*m, *a));
            } else if mutes.muted(&a.info.id, &a.info.labels).is_some() {
                muted_firing.push(*a);
            } else {
                firing.push((*m, *a));
            }
        }
        let news = firing.iter().any(|(_, a)| !told.contains(&a.info.id));
        let resolved_told: Vec<&StoredAlert> = resolved
            .iter()
            .filter(|(_, a)| told.contains(&a.info.id))
            .map(|(_, a)| *a)
            .collect();
        let repeat_due = log.is_some_and(|l| tick >= l.next_repeat) && !firing.is_empty();
        let kind =
            if news || (timers.send_resolved && !resolved_told.is_empty() && !firing.is_empty()) {
                Some(NotificationKind::Firing)
            } else if timers.send_resolved && !resolved_told.is_empty() {
                Some(NotificationKind::Resolved)
            } else if repeat_due {
                Some(NotificationKind::Repeat)
            } else {
                None
            };

        // Resolved alerts leave the group whether or not they were sent.
        for (_, a) in &resolved {
            changes.push(Change::DeleteMember {
                group_key: g.key.clone(),
                alert_id: a.info.id.clone(),
            });
        }

        let still: BTreeSet<String> = firing
            .iter()
            .map(|(_, a)| a.info.id.clone())
            .chain(muted_firing.iter().map(|a| a.info.id.clone()))
            .collect();
        if still.is_empty() {
            // Nothing left: the group ends (after its last word).
            if let Some(kind) = kind {
                notes.push(self.notification(g, kind, &[], &resolved_told, now));
            }
            changes.push(Change::DeleteGroup(g.key.clone()));
            changes.push(Change::DeleteLog {
                receiver: g.receiver.clone(),
                group_key: g.key.clone(),
            });
            return (notes, changes);
        }

        let mut now_told: BTreeSet<String> = told.intersection(&still).cloned().collect();
        let (sent_at, next_repeat) = match kind {
            Some(kind) => {
                let list: Vec<&StoredAlert> = firing.iter().map(|(_, a)| *a).collect();
                notes.push(self.notification(g, kind, &list, &resolved_told, now));
                for (m, a) in &firing {
                    now_told.insert(a.info.id.clone());
                    if m.first_notified.is_none() {
                        changes.push(Change::PutMember(StoredMember {
                            first_notified: Some(now),
                            ..(*m).clone()
                        }));
                    }
                }
                (tick, after(tick, timers.repeat_interval))
            }
            // No notification: the tick still counts, the repeat stays due.
            None => (
                tick,
                log.map_or(after(tick, timers.repeat_interval), |l| l.next_repeat),
            ),
        };
        changes.push(Change::PutLog(LogEntry {
            receiver: g.receiver.clone(),
            group_key: g.key.clone(),
            route: g.route.clone(),
            sent_at,
            next_repeat,
            firing: now_told,
        }));
        (notes, changes)
    }

    fn notification(
        &self,
        g: &StoredGroup,
        kind: NotificationKind,
        firing: &[&StoredAlert],
        resolved: &[&StoredAlert],
        now: Timestamp,
    ) -> Notification {
        let sorted = |list: &[&StoredAlert]| {
            let mut v: Vec<AlertInfo> = list.iter().map(|a| a.info.clone()).collect();
            v.sort_by(|a, b| a.last_seen.cmp(&b.last_seen).then(a.id.cmp(&b.id)));
            v
        };
        let mut resolved = sorted(resolved);
        for r in &mut resolved {
            r.state = AlertState::Resolved;
        }
        Notification {
            receiver: g.receiver.clone(),
            group_key: g.key.clone(),
            group_labels: g.labels.clone(),
            kind,
            firing: sorted(firing),
            resolved,
            created: now,
            route: g.route.clone(),
        }
    }

    /// The earliest time [`Dispatcher::due`] may have something to do
    /// (`None`: nothing tracked). Resolve timeouts and silence ends are not
    /// included: poll at least every `group_interval` too.
    pub fn next_wakeup(&self, now: Timestamp) -> Option<Timestamp> {
        let mut best: Option<Timestamp> = None;
        let mut consider = |t: Timestamp| best = Some(best.map_or(t, |b| b.min(t)));
        for g in self.state.groups.values() {
            let timers = &self.route_of(&g.route).timers;
            match self.state.log.get(&(g.receiver.clone(), g.key.clone())) {
                None => consider(after(g.created_at, timers.group_wait)),
                Some(l) => consider(after(l.sent_at, timers.group_interval)),
            }
            if let Some(esc) = &timers.escalation {
                for m in self.state.members_of(&g.key) {
                    if let (Some(t), None) = (m.first_notified, m.escalated) {
                        consider(after(t, esc.after));
                    }
                }
            }
        }
        best.map(|b| b.max(now))
    }

    /// Creates a silence (validated, persisted).
    pub fn create_silence(
        &mut self,
        spec: &SilenceSpec,
        now: Timestamp,
    ) -> Result<Silence, SilenceError> {
        let s = self.state.silences.build(spec, now)?;
        self.commit(vec![Change::PutSilence(s.clone())])?;
        Ok(s)
    }

    /// Ends a silence now (kept, expired, for the audit trail).
    pub fn expire_silence(
        &mut self,
        id: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<Silence, SilenceError> {
        let s = self.state.silences.build_expiry(id, by, now)?;
        self.commit(vec![Change::PutSilence(s.clone())])?;
        Ok(s)
    }

    /// Every silence kept, newest first.
    pub fn silences(&self) -> Vec<&Silence> {
        self.state.silences.list()
    }

    /// For a sample alert: the routes it reaches and why, its groups and
    /// timers, and what would mute it now.
    pub fn explain(&self, labels: &Labels, now: Timestamp) -> Explanation {
        let (routes, trace) = self.routing.router.trace(labels);
        let mutes = Mutes::new(&self.state, &self.routing.inhibit, now);
        Explanation {
            routes: routes
                .iter()
                .map(|r| RouteChoice {
                    path: r.path.clone(),
                    receiver: r.receiver.clone(),
                    group_key: group_key(&r.path, &r.group_labels(labels)),
                    timers: r.timers.describe(),
                    escalate_to: r.timers.escalation.as_ref().map(|e| e.to.clone()),
                })
                .collect(),
            trace,
            silenced_by: mutes
                .silences_matching(labels)
                .iter()
                .map(|s| s.describe())
                .collect(),
            // A sample alert has no id of its own: any firing source counts.
            inhibited: mutes.inhibited("", labels),
            muted: matches!(
                mutes.muted("", labels),
                Some(Mute::Silenced(_) | Mute::Inhibited(_))
            ),
        }
    }
}

/// One route a sample alert reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteChoice {
    pub path: String,
    pub receiver: String,
    pub group_key: String,
    /// `group_wait 30s, group_interval 5m, ...`.
    pub timers: String,
    pub escalate_to: Option<String>,
}

/// What [`Dispatcher::explain`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub routes: Vec<RouteChoice>,
    /// Every route tried, in order, with each matcher's verdict.
    pub trace: Vec<TraceStep>,
    /// Active silences matching the labels now.
    pub silenced_by: Vec<String>,
    pub inhibited: Option<Inhibition>,
    /// Whether notifications for it would be held back now.
    pub muted: bool,
}

impl Explanation {
    /// The text `sightline routes test` prints.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for step in &self.trace {
            let what = match step.outcome {
                StepOutcome::Delivers => "matches, delivers here",
                StepOutcome::Descends => "matches, a child route takes it",
                StepOutcome::NoMatch => "does not match",
                StepOutcome::Skipped => "not tried (an earlier sibling matched without continue)",
            };
            s.push_str(&format!(
                "{}{}: {what}\n",
                "  ".repeat(step.depth),
                step.path
            ));
            for m in &step.matchers {
                s.push_str(&format!("{}  - {m}\n", "  ".repeat(step.depth)));
            }
        }
        for r in &self.routes {
            s.push_str(&format!(
                "-> receiver {} via {} (group {}; {})\n",
                r.receiver, r.path, r.group_key, r.timers
            ));
        }
        for sil in &self.silenced_by {
            s.push_str(&format!("silenced by {sil}\n"));
        }
        if let Some(i) = &self.inhibited {
            s.push_str(&format!(
                "inhibited by rule {} (source alert {})\n",
                i.rule, i.source_alert
            ));
        }
        s
    }
}

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;
