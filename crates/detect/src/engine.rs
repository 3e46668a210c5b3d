//! The engine: runs a [`RuleSet`] over events and produces [`Alert`]s, the
//! same way for a live stream (the server) and for files (`sightline hunt`).
//!
//! Matching is stateless and happens as events arrive. Everything stateful
//! (suppression of repeated detections, correlation windows) happens in event
//! time: matches wait in a small reorder buffer until the watermark (newest
//! event time minus the configured lateness) passes them, and are then applied
//! in `(time, event id, rule)` order. So events arriving out of order within
//! the lateness give exactly the alerts an ordered stream gives. Matches older
//! than the watermark are applied at once and counted as late.

use crate::alert::{self, Alert, AlertStatus};
use crate::anomaly::{AnomalyGroup, Finding};
use crate::correlation::{self, Entry, Episode, GroupState};
use crate::matcher::read_field;
use crate::rule::Level;
use crate::ruleset::{CompiledCorrelation, Input, RuleSet, Scratch};
use serde::{Deserialize, Serialize};
use sightline_event::{Event, Timestamp};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// When alerts are handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum EmitMode {
    /// Once, when the alert's window is over (or at [`Engine::finish`]): retrospective hunting.
    #[default]
    Final,
    /// When it opens (status `open`), and again with final counts when it closes
    /// (status `closed`), under the same id: for sinks that upsert.
    Updates,
}

/// Engine settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    /// How far behind the newest event time an event may arrive and still be
    /// ordered correctly.
    pub lateness_secs: u64,
    /// Suppression window of detection rules without `sightline.suppress`.
    pub default_suppress_secs: u64,
    /// Group-by of detection rules without `sightline.group_by`: those of these
    /// fields present in the matching event.
    pub default_group_by: Vec<String>,
    /// Most open groups per rule (detection or correlation); beyond, the
    /// longest idle group is closed early (counted in [`EngineStats::evicted_groups`]).
    pub max_groups_per_rule: usize,
    /// Most matches kept per correlation group window.
    pub max_entries_per_group: usize,
    /// Most event ids listed in one alert.
    pub max_event_ids: usize,
    /// Most matches waiting in the reorder buffer; beyond, the oldest are applied early.
    pub max_pending: usize,
    pub emit: EmitMode,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            lateness_secs: 5,
            default_suppress_secs: 3600,
            default_group_by: vec!["source.ip".into(), "host.name".into()],
            max_groups_per_rule: 10_000,
            max_entries_per_group: 10_000,
            max_event_ids: 20,
            max_pending: 100_000,
            emit: EmitMode::Final,
        }
    }
}

/// Counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStats {
    pub events: u64,
    pub matches: u64,
    /// Matches older than the watermark when they arrived.
    pub late_matches: u64,
    pub alerts: u64,
    pub evicted_groups: u64,
    pub evicted_entries: u64,
    /// Matches applied before the watermark reached them because the buffer was full.
    pub forced_pending: u64,
}

/// What a match contributes to one correlation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Feed {
    corr: usize,
    input: usize,
    group: Vec<String>,
    value: Option<String>,
    num: Option<f64>,
}

/// What a match contributes to one anomaly rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AnomalyFeed {
    anomaly: usize,
    /// The anomaly rule's key, so a snapshot survives reordered rules.
    key: String,
    group: Vec<String>,
    value: Option<String>,
    num: Option<f64>,
}

/// A match waiting for the watermark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pending {
    ts: Timestamp,
    event_id: String,
    rule: usize,
    group: BTreeMap<String, String>,
    explanation: String,
    feeds: Vec<Feed>,
    #[serde(default)]
    anomaly_feeds: Vec<AnomalyFeed>,
}

/// An open detection alert (matches of one rule and group within the suppression window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OpenAlert {
    start: Timestamp,
    last: Timestamp,
    count: u64,
    event_ids: Vec<String>,
    group: BTreeMap<String, String>,
    explanation: String,
}

type PendingKey = (Timestamp, String, usize);
/// A waiting match with its rule and correlations named by key (for snapshots).
type SavedPending = (String, Pending, Vec<(String, Feed)>);
/// (expiry, kind 0 = detection / 1 = correlation / 2 = anomaly, rule index, group key)
type ExpiryKey = (Timestamp, u8, usize, String);

/// Serializable engine state (see [`Engine::snapshot`]). Rules are referred to
/// by id (or name, or title), so a snapshot survives a reload that reorders them;
/// state of rules no longer loaded is dropped on restore.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineState {
    pub max_seen: Option<Timestamp>,
    pub watermark: Option<Timestamp>,
    pub stats: EngineStats,
    pending: Vec<SavedPending>,
    detections: Vec<(String, String, OpenAlert)>,
    correlations: Vec<(String, String, GroupState)>,
    #[serde(default)]
    anomalies: Vec<(String, String, AnomalyGroup)>,
    /// Per anomaly rule key, when it saw its first match.
    #[serde(default)]
    anomaly_start: Vec<(String, Timestamp)>,
}

/// The detection engine. One per stream; share the [`RuleSet`].
pub struct Engine {
    rules: Arc<RuleSet>,
    config: EngineConfig,
    matcher: RuleMatcher,
    max_seen: Option<Timestamp>,
    watermark: Option<Timestamp>,
    pending: BTreeMap<PendingKey, Pending>,
    detections: Vec<BTreeMap<String, OpenAlert>>,
    correlations: Vec<BTreeMap<String, GroupState>>,
    anomalies: Vec<BTreeMap<String, AnomalyGroup>>,
    anomaly_start: Vec<Option<Timestamp>>,
    /// Inside [`Engine::finish`]: the input is over.
    finishing: bool,
    expiry: BTreeSet<ExpiryKey>,
    stats: EngineStats,
}

/// `t + ms`, clamped to the representable range (a huge lateness means "never").
fn add_ms(t: Timestamp, ms: i64) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond().saturating_add(ms)).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// Seconds from a configuration or rule as milliseconds, saturating.
fn secs_ms(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX).saturating_mul(1000)
}

/// A field's value as one string (lists joined by commas); `None` when absent.
fn field_text(ev: &Event, name: &str) -> Option<String> {
    let slot = read_field(ev, name);
    if !slot.present {
        return None;
    }
    Some(
        slot.vals
            .iter()
            .map(|v| v.text.as_ref())
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Per-rule state maps as (rule key, group key, state) rows, for a snapshot.
fn keyed_state<T: Clone>(
    maps: &[BTreeMap<String, T>],
    rule_key: impl Fn(usize) -> String,
) -> Vec<(String, String, T)> {
    maps.iter()
        .enumerate()
        .flat_map(|(i, m)| m.iter().map(move |(k, v)| (i, k, v)))
        .map(|(i, k, v)| (rule_key(i), k.clone(), v.clone()))
        .collect()
}

fn group_key(group: &BTreeMap<String, String>) -> String {
    serde_json::to_string(group).unwrap_or_default()
}

fn push_bounded(v: &mut Vec<String>, id: String, max: usize) {
    if v.len() < max && !v.contains(&id) {
        v.push(id);
    }
}

impl Engine {
    /// An engine with empty state over a compiled rule set.
    pub fn new(rules: Arc<RuleSet>, config: EngineConfig) -> Engine {
        let (nd, nc, na) = (
            rules.rules.len(),
            rules.correlations.len(),
            rules.anomalies.len(),
        );
        let matcher = RuleMatcher {
            rules: Arc::clone(&rules),
            default_group_by: config.default_group_by.clone(),
            scratch: Scratch::default(),
            matched: Vec::new(),
        };
        Engine {
            rules,
            config,
            matcher,
            max_seen: None,
            watermark: None,
            pending: BTreeMap::new(),
            detections: vec![BTreeMap::new(); nd],
            correlations: vec![BTreeMap::new(); nc],
            anomalies: vec![BTreeMap::new(); na],
            anomaly_start: vec![None; na],
            finishing: false,
            expiry: BTreeSet::new(),
            stats: EngineStats::default(),
        }
    }

    /// Counters since the engine (or the state it was restored from) started.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// The rule set the engine runs.
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// The current watermark (no match older than it is still waiting).
    pub fn watermark(&self) -> Option<Timestamp> {
        self.watermark
    }

    /// Runs the rules on one event; alerts that became due are appended to `out`.
    pub fn process(&mut self, ev: &Event, out: &mut Vec<Alert>) {
        let matches = self.matcher.matches(ev);
        self.process_matches(matches, out);
    }

    /// A matcher of this engine's rules with its settings, for another
    /// thread: events matched there and handed to
    /// [`Engine::process_matches`] in order give exactly the alerts
    /// [`Engine::process`] gives on the same events.
    pub fn matcher(&self) -> RuleMatcher {
        self.matcher.clone()
    }

    /// [`Engine::process`] for an event matched by a [`RuleMatcher`].
    pub fn process_matches(&mut self, matches: EventMatches, out: &mut Vec<Alert>) {
        self.stats.events += 1;
        self.stats.matches += matches.matched;
        let late = self.watermark.is_some_and(|w| matches.ts < w);
        for p in matches.pending {
            if late {
                self.stats.late_matches += 1;
                self.apply(p, out);
            } else {
                self.pending.insert((p.ts, p.event_id.clone(), p.rule), p);
            }
        }
        if self.max_seen.is_none_or(|m| matches.ts > m) {
            self.max_seen = Some(matches.ts);
        }
        if let Some(m) = self.max_seen {
            let wm = add_ms(m, secs_ms(self.config.lateness_secs).saturating_neg());
            self.advance_to(wm, out);
        }
        while self.pending.len() > self.config.max_pending {
            if let Some((_, p)) = self.pending.pop_first() {
                self.stats.forced_pending += 1;
                self.apply(p, out);
            }
        }
    }

    /// Moves the watermark forward (e.g. on a timer when the stream is idle):
    /// applies waiting matches up to it and closes windows that ended before it.
    pub fn advance_to(&mut self, watermark: Timestamp, out: &mut Vec<Alert>) {
        if self.watermark.is_some_and(|w| watermark <= w) {
            return;
        }
        self.watermark = Some(watermark);
        self.drain(Some(watermark), out);
    }

    /// The newest event time seen. A streaming caller that advances the
    /// watermark to the previous tick's value on a processing-time timer
    /// bounds how long a match waits, even when the stream goes quiet.
    pub fn max_seen(&self) -> Option<Timestamp> {
        self.max_seen
    }

    /// End of input: applies everything and closes every open alert.
    pub fn finish(&mut self, out: &mut Vec<Alert>) {
        self.finishing = true;
        self.drain(None, out);
        self.finishing = false;
    }

    /// Applies waiting matches and closes ended windows in time order, up to
    /// `until` (everything when `None`). A window ending at `t` closes before a
    /// match later than `t` is applied, and stays open for a match at `t` itself.
    fn drain(&mut self, until: Option<Timestamp>, out: &mut Vec<Alert>) {
        loop {
            let can_close = self
                .expiry
                .first()
                .map(|k| k.0)
                .filter(|c| until.is_none_or(|w| *c < w));
            let can_apply = self
                .pending
                .first_key_value()
                .map(|(k, _)| k.0)
                .filter(|m| until.is_none_or(|w| *m <= w));
            let close = match (can_close, can_apply) {
                (Some(c), Some(m)) => c < m,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => return,
            };
            if close {
                if let Some(k) = self.expiry.pop_first() {
                    self.close(k, out);
                }
            } else if let Some((_, p)) = self.pending.pop_first() {
                self.apply(p, out);
            }
        }
    }
}

/// What an event's rule matches leave to the engine's state: worked out by a
/// [`RuleMatcher`] on any thread, applied in order by
/// [`Engine::process_matches`].
#[derive(Debug, Clone)]
pub struct EventMatches {
    ts: Timestamp,
    /// Rules that matched.
    matched: u64,
    pending: Vec<Pending>,
}

impl EventMatches {
    /// How many rules matched the event.
    pub fn count(&self) -> u64 {
        self.matched
    }
}

/// Matches events against an engine's rules without touching its state
/// (see [`Engine::matcher`]): one per thread (a clone starts with empty
/// buffers).
pub struct RuleMatcher {
    rules: Arc<RuleSet>,
    default_group_by: Vec<String>,
    scratch: Scratch,
    matched: Vec<usize>,
}

impl Clone for RuleMatcher {
    fn clone(&self) -> Self {
        RuleMatcher {
            rules: Arc::clone(&self.rules),
            default_group_by: self.default_group_by.clone(),
            scratch: Scratch::default(),
            matched: Vec::new(),
        }
    }
}

impl RuleMatcher {
    /// The rules an event matches, with what each match feeds (group,
    /// explanation, correlation and anomaly inputs).
    pub fn matches(&mut self, ev: &Event) -> EventMatches {
        let rules = Arc::clone(&self.rules);
        let mut matched = std::mem::take(&mut self.matched);
        rules.matches(ev, &mut self.scratch, &mut matched);
        let pending = matched
            .iter()
            .filter_map(|&r| self.pending_for(&rules, r, ev))
            .collect();
        let count = matched.len() as u64;
        self.matched = matched;
        EventMatches {
            ts: ev.timestamp,
            matched: count,
            pending,
        }
    }

    fn pending_for(&self, rules: &RuleSet, r: usize, ev: &Event) -> Option<Pending> {
        let rule = rules.rules.get(r)?;
        let mut group = BTreeMap::new();
        let mut explanation = String::new();
        if rule.alerting {
            match &rule.meta.extension.group_by {
                Some(fields) => {
                    for f in fields {
                        group.insert(f.clone(), field_text(ev, f).unwrap_or_default());
                    }
                }
                None => {
                    for f in &self.default_group_by {
                        if let Some(v) = field_text(ev, f) {
                            group.insert(f.clone(), v);
                        }
                    }
                }
            }
            let ex = rules.explain(r, ev);
            let fields: Vec<String> = ex
                .fields
                .iter()
                .map(|(f, v)| format!("{f}={}", serde_json::to_string(v).unwrap_or_default()))
                .collect();
            explanation = format!("matched {}: {}", ex.matched.join(", "), fields.join(", "));
        }
        let feeds = rule
            .consumers
            .iter()
            .filter_map(|&(ci, k)| {
                let c = rules.correlations.get(ci)?;
                let group = c
                    .group_fields
                    .get(k)?
                    .iter()
                    .map(|f| field_text(ev, f).unwrap_or_default())
                    .collect();
                let values: Vec<Option<String>> =
                    c.value_fields.iter().map(|f| field_text(ev, f)).collect();
                let value = if values.is_empty() || values.iter().any(Option::is_none) {
                    None
                } else {
                    Some(
                        values
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join("\u{1f}"),
                    )
                };
                let num = c
                    .value_fields
                    .first()
                    .and_then(|f| field_text(ev, f))
                    .and_then(|v| v.trim().parse::<f64>().ok());
                Some(Feed {
                    corr: ci,
                    input: k,
                    group,
                    value,
                    num,
                })
            })
            .collect();
        let anomaly_feeds = rule
            .anomaly_consumers
            .iter()
            .filter_map(|&ai| {
                let a = rules.anomalies.get(ai)?;
                let value = a.field.as_deref().and_then(|f| field_text(ev, f));
                let num = value.as_deref().and_then(|v| v.trim().parse::<f64>().ok());
                Some(AnomalyFeed {
                    anomaly: ai,
                    key: a.meta.key().to_owned(),
                    group: a
                        .group_by
                        .iter()
                        .map(|f| field_text(ev, f).unwrap_or_default())
                        .collect(),
                    value,
                    num,
                })
            })
            .collect();
        Some(Pending {
            ts: ev.timestamp,
            event_id: ev.id.to_string(),
            rule: r,
            group,
            explanation,
            feeds,
            anomaly_feeds,
        })
    }
}

impl Engine {
    fn emit(&mut self, a: Alert, out: &mut Vec<Alert>) {
        if a.status == AlertStatus::Closed {
            self.stats.alerts += 1;
        }
        if a.status == AlertStatus::Closed || self.config.emit == EmitMode::Updates {
            out.push(a);
        }
    }

    /// Applies one match in event-time order.
    fn apply(&mut self, p: Pending, out: &mut Vec<Alert>) {
        let rules = Arc::clone(&self.rules);
        let Some(rule) = rules.rules.get(p.rule) else {
            return;
        };
        for f in &p.feeds {
            self.feed(
                &rules,
                f.corr,
                f.input,
                &f.group,
                f.value.clone(),
                f.num,
                p.ts,
                &p.event_id,
                out,
            );
        }
        for f in &p.anomaly_feeds {
            self.observe_anomaly(f, p.ts, &p.event_id, out);
        }
        if !rule.alerting {
            return;
        }
        let suppress_ms = secs_ms(
            rule.meta
                .extension
                .suppress_secs
                .unwrap_or(self.config.default_suppress_secs),
        );
        let key = group_key(&p.group);
        let max_ids = self.config.max_event_ids;
        let existing = self
            .detections
            .get(p.rule)
            .and_then(|m| m.get(&key))
            .cloned();
        if let Some(open) = existing {
            // Late matches before the start join too (best effort; the id stays).
            if p.ts <= add_ms(open.start, suppress_ms) {
                if let Some(a) = self
                    .detections
                    .get_mut(p.rule)
                    .and_then(|m| m.get_mut(&key))
                {
                    a.count += 1;
                    a.last = a.last.max(p.ts);
                    push_bounded(&mut a.event_ids, p.event_id.clone(), max_ids);
                }
                return;
            }
            // Outside the window: the old alert is final, a new one starts.
            self.expiry
                .remove(&(add_ms(open.start, suppress_ms), 0, p.rule, key.clone()));
            self.close(
                (add_ms(open.start, suppress_ms), 0, p.rule, key.clone()),
                out,
            );
        }
        self.make_room(0, p.rule, out);
        let open = OpenAlert {
            start: p.ts,
            last: p.ts,
            count: 1,
            event_ids: vec![p.event_id.clone()],
            group: p.group.clone(),
            explanation: p.explanation.clone(),
        };
        let alert = self.detection_alert(p.rule, &open, AlertStatus::Open);
        if let Some(m) = self.detections.get_mut(p.rule) {
            m.insert(key.clone(), open);
        }
        self.expiry
            .insert((add_ms(p.ts, suppress_ms), 0, p.rule, key));
        if let Some(a) = alert {
            self.emit(a, out);
        }
    }

    /// Keeps a rule under its group cap by closing its longest idle group.
    fn make_room(&mut self, kind: u8, idx: usize, out: &mut Vec<Alert>) {
        let len = if kind == 0 {
            self.detections.get(idx).map_or(0, BTreeMap::len)
        } else {
            self.correlations.get(idx).map_or(0, BTreeMap::len)
        };
        if len < self.config.max_groups_per_rule.max(1) {
            return;
        }
        let victim = self
            .expiry
            .iter()
            .find(|k| k.1 == kind && k.2 == idx)
            .cloned();
        if let Some(k) = victim {
            self.expiry.remove(&k);
            self.stats.evicted_groups += 1;
            self.close(k, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn feed(
        &mut self,
        rules: &RuleSet,
        ci: usize,
        input: usize,
        group_vals: &[String],
        value: Option<String>,
        num: Option<f64>,
        ts: Timestamp,
        event_id: &str,
        out: &mut Vec<Alert>,
    ) {
        let Some(c) = rules.correlations.get(ci) else {
            return;
        };
        let key = group_vals.join("\u{1f}");
        // A group whose window ended before this match is final (happens to late matches).
        let ended = self
            .correlations
            .get(ci)
            .and_then(|m| m.get(&key))
            .and_then(|g| g.expiry(c.timespan_ms))
            .filter(|t| *t < ts);
        if let Some(t) = ended {
            self.expiry.remove(&(t, 1, ci, key.clone()));
            self.close((t, 1, ci, key.clone()), out);
        }
        let exists = self
            .correlations
            .get(ci)
            .is_some_and(|m| m.contains_key(&key));
        if !exists {
            self.make_room(1, ci, out);
        }
        let Some(states) = self.correlations.get_mut(ci) else {
            return;
        };
        let g = states.entry(key.clone()).or_insert_with(|| GroupState {
            group: c
                .group_by
                .iter()
                .cloned()
                .zip(group_vals.iter().cloned())
                .collect(),
            ..Default::default()
        });
        let old_expiry = g.expiry(c.timespan_ms);
        self.stats.evicted_entries += g.add(
            Entry {
                ts,
                input,
                event_id: event_id.to_owned(),
                value,
                num,
            },
            c.timespan_ms,
            self.config.max_entries_per_group,
        ) as u64;
        let (measure, holds) = correlation::evaluate(c, g);
        let max_ids = self.config.max_event_ids;
        let mut opened = None;
        if holds {
            match &mut g.episode {
                Some(ep) => {
                    ep.count += 1;
                    ep.last = ep.last.max(ts);
                    ep.last_measure = measure;
                    push_bounded(&mut ep.event_ids, event_id.to_owned(), max_ids);
                }
                None => {
                    let start = g.entries.front().map_or(ts, |e| e.ts);
                    let mut ids = Vec::new();
                    for e in &g.entries {
                        push_bounded(&mut ids, e.event_id.clone(), max_ids);
                    }
                    g.episode = Some(Episode {
                        start,
                        last: ts,
                        count: g.entries.len() as u64,
                        event_ids: ids,
                        measure,
                        last_measure: measure,
                    });
                    opened = Some(g.group.clone());
                }
            }
        } else if let Some(ep) = &mut g.episode
            && ts >= ep.start
        {
            // The window moves on without meeting the condition: still part of the episode's story.
            ep.count += 1;
        }
        let new_expiry = g.expiry(c.timespan_ms);
        if old_expiry != new_expiry {
            if let Some(t) = old_expiry {
                self.expiry.remove(&(t, 1, ci, key.clone()));
            }
            if let Some(t) = new_expiry {
                self.expiry.insert((t, 1, ci, key.clone()));
            }
        }
        if let Some(group) = opened {
            let alert_id = {
                let g = self.correlations.get(ci).and_then(|m| m.get(&key));
                g.and_then(|g| g.episode.as_ref())
                    .map(|ep| alert::alert_id(c.meta.key(), &group, ep.start))
                    .unwrap_or_default()
            };
            if c.alerting
                && let Some(a) = self.correlation_alert(ci, &key, AlertStatus::Open)
            {
                self.emit(a, out);
            }
            // Chained correlations see the opening of this one as an event.
            for &(parent, k) in &c.consumers {
                let Some(pc) = rules.correlations.get(parent) else {
                    continue;
                };
                let vals: Vec<String> = pc
                    .group_fields
                    .get(k)
                    .map(|fields| {
                        fields
                            .iter()
                            .map(|f| group.get(f).cloned().unwrap_or_default())
                            .collect()
                    })
                    .unwrap_or_default();
                let pval = if pc.value_fields.is_empty() {
                    None
                } else {
                    let v: Option<Vec<String>> = pc
                        .value_fields
                        .iter()
                        .map(|f| group.get(f).cloned())
                        .collect();
                    v.map(|v| v.join("\u{1f}"))
                };
                let pnum = pc
                    .value_fields
                    .first()
                    .and_then(|f| group.get(f))
                    .and_then(|v| v.parse().ok());
                self.feed(rules, parent, k, &vals, pval, pnum, ts, &alert_id, out);
            }
        }
    }

    /// Feeds one match to an anomaly rule's entity.
    fn observe_anomaly(
        &mut self,
        f: &AnomalyFeed,
        ts: Timestamp,
        event_id: &str,
        out: &mut Vec<Alert>,
    ) {
        let rules = Arc::clone(&self.rules);
        let Some(a) = rules.anomalies.get(f.anomaly) else {
            return;
        };
        let start = match self.anomaly_start.get_mut(f.anomaly) {
            Some(slot) => *slot.get_or_insert(ts),
            None => ts,
        };
        let key = f.group.join("\u{1f}");
        let max_groups = self.config.max_groups_per_rule.max(1);
        let max_ids = self.config.max_event_ids;
        let Some(groups) = self.anomalies.get_mut(f.anomaly) else {
            return;
        };
        if !groups.contains_key(&key) && groups.len() >= max_groups {
            // The entity idle the longest makes room (its pending expiry goes with it).
            if let Some(victim) = groups
                .iter()
                .min_by_key(|(_, g)| g.last)
                .map(|(k, _)| k.clone())
                && let Some(g) = groups.remove(&victim)
            {
                if let Some(t) = g.due(a) {
                    self.expiry.remove(&(t, 2, f.anomaly, victim));
                }
                self.stats.evicted_groups += 1;
            }
        }
        let Some(groups) = self.anomalies.get_mut(f.anomaly) else {
            return;
        };
        let g = groups.entry(key.clone()).or_insert_with(|| {
            AnomalyGroup::new(
                a.group_by
                    .iter()
                    .cloned()
                    .zip(f.group.iter().cloned())
                    .collect(),
            )
        });
        let before = g.due(a);
        let findings = g.observe(a, ts, event_id, f.value.as_deref(), f.num, start, max_ids);
        let after = g.due(a);
        let group = g.group.clone();
        if before != after {
            if let Some(t) = before {
                self.expiry.remove(&(t, 2, f.anomaly, key.clone()));
            }
            if let Some(t) = after {
                self.expiry.insert((t, 2, f.anomaly, key));
            }
        }
        for fd in findings {
            let alert = self.anomaly_alert(f.anomaly, &group, fd);
            if let Some(al) = alert {
                self.emit(al, out);
            }
        }
    }

    fn anomaly_alert(
        &self,
        ai: usize,
        group: &BTreeMap<String, String>,
        f: Finding,
    ) -> Option<Alert> {
        let a = self.rules.anomalies.get(ai)?;
        let mut group = group.clone();
        group.extend(f.extra_group);
        Some(Alert {
            id: alert::alert_id(a.meta.key(), &group, f.start),
            rule_id: a.meta.key().to_owned(),
            rule_name: a.meta.title.clone(),
            level: a.meta.level.unwrap_or(Level::Medium),
            rule_type: a.kind.as_str().into(),
            first_seen: f.start,
            last_seen: f.last,
            count: f.count,
            summary: alert::summary(&a.meta.title, &group, f.count, f.start, f.last),
            group,
            event_ids: f.event_ids,
            explanation: format!("{}; rules: {}", f.explanation, a.input_names.join(", ")),
            status: AlertStatus::Closed,
            tags: a.meta.tags.clone(),
        })
    }

    /// Closes a detection alert or a correlation group whose window ended, or
    /// runs what an anomaly rule's entity had due.
    fn close(&mut self, k: ExpiryKey, out: &mut Vec<Alert>) {
        let (at, kind, idx, key) = k;
        if kind == 2 {
            let rules = Arc::clone(&self.rules);
            let Some(a) = rules.anomalies.get(idx) else {
                return;
            };
            // Settle for good only once every match has been applied.
            let final_run = self.finishing && self.pending.is_empty();
            let max_seen = self.max_seen;
            let Some(g) = self.anomalies.get_mut(idx).and_then(|m| m.get_mut(&key)) else {
                return;
            };
            let findings = g.on_due(a, at, max_seen, final_run);
            let next = g.due(a);
            let group = g.group.clone();
            if let Some(t) = next
                && !final_run
                && t > at
            {
                self.expiry.insert((t, 2, idx, key));
            }
            for fd in findings {
                if let Some(al) = self.anomaly_alert(idx, &group, fd) {
                    self.emit(al, out);
                }
            }
            return;
        }
        if kind == 0 {
            let Some(open) = self.detections.get_mut(idx).and_then(|m| m.remove(&key)) else {
                return;
            };
            if let Some(a) = self.detection_alert(idx, &open, AlertStatus::Closed) {
                self.emit(a, out);
            }
        } else {
            let alert = self.correlation_alert(idx, &key, AlertStatus::Closed);
            if let Some(m) = self.correlations.get_mut(idx) {
                m.remove(&key);
            }
            let alerting = self.rules.correlations.get(idx).is_some_and(|c| c.alerting);
            if alerting && let Some(a) = alert {
                self.emit(a, out);
            }
        }
    }

    fn detection_alert(&self, rule: usize, open: &OpenAlert, status: AlertStatus) -> Option<Alert> {
        let r = self.rules.rules.get(rule)?;
        let mut explanation = open.explanation.clone();
        if open.count > 1 {
            explanation.push_str(&format!(
                " (first match; {} matches in the suppression window)",
                open.count
            ));
        }
        Some(Alert {
            id: alert::alert_id(r.meta.key(), &open.group, open.start),
            rule_id: r.meta.key().to_owned(),
            rule_name: r.meta.title.clone(),
            level: r.meta.level.unwrap_or_default(),
            rule_type: "detection".into(),
            first_seen: open.start,
            last_seen: open.last,
            count: open.count,
            group: open.group.clone(),
            event_ids: open.event_ids.clone(),
            summary: alert::summary(
                &r.meta.title,
                &open.group,
                open.count,
                open.start,
                open.last,
            ),
            explanation,
            status,
            tags: r.meta.tags.clone(),
        })
    }

    fn correlation_alert(&self, ci: usize, key: &str, status: AlertStatus) -> Option<Alert> {
        let c = self.rules.correlations.get(ci)?;
        let g = self.correlations.get(ci)?.get(key)?;
        let ep = g.episode.as_ref()?;
        Some(Alert {
            id: alert::alert_id(c.meta.key(), &g.group, ep.start),
            rule_id: c.meta.key().to_owned(),
            rule_name: c.meta.title.clone(),
            level: c.meta.level.unwrap_or(Level::Medium),
            rule_type: c.kind.as_str().into(),
            first_seen: ep.start,
            last_seen: ep.last,
            count: ep.count,
            group: g.group.clone(),
            event_ids: ep.event_ids.clone(),
            summary: alert::summary(&c.meta.title, &g.group, ep.count, ep.start, ep.last),
            explanation: explain_correlation(c, ep),
            status,
            tags: c.meta.tags.clone(),
        })
    }

    /// The engine's state, to persist across a restart.
    pub fn snapshot(&self) -> EngineState {
        let rk = |i: usize| {
            self.rules
                .rules
                .get(i)
                .map(|r| r.meta.key().to_owned())
                .unwrap_or_default()
        };
        let ck = |i: usize| {
            self.rules
                .correlations
                .get(i)
                .map(|c| c.meta.key().to_owned())
                .unwrap_or_default()
        };
        let ak = |i: usize| {
            self.rules
                .anomalies
                .get(i)
                .map(|a| a.meta.key().to_owned())
                .unwrap_or_default()
        };
        EngineState {
            max_seen: self.max_seen,
            watermark: self.watermark,
            stats: self.stats.clone(),
            pending: self
                .pending
                .values()
                .map(|p| {
                    (
                        rk(p.rule),
                        p.clone(),
                        p.feeds.iter().map(|f| (ck(f.corr), f.clone())).collect(),
                    )
                })
                .collect(),
            detections: keyed_state(&self.detections, rk),
            correlations: keyed_state(&self.correlations, ck),
            anomalies: keyed_state(&self.anomalies, ak),
            anomaly_start: self
                .anomaly_start
                .iter()
                .enumerate()
                .filter_map(|(i, t)| Some((ak(i), (*t)?)))
                .collect(),
        }
    }

    /// An engine continuing from a snapshot. State of rules that are no longer
    /// in `rules` is dropped.
    pub fn restore(rules: Arc<RuleSet>, config: EngineConfig, state: EngineState) -> Engine {
        let mut e = Engine::new(Arc::clone(&rules), config);
        let rule_at = |key: &str| rules.rules.iter().position(|r| r.meta.key() == key);
        let corr_at = |key: &str| rules.correlations.iter().position(|c| c.meta.key() == key);
        let anomaly_at = |key: &str| rules.anomalies.iter().position(|a| a.meta.key() == key);
        e.max_seen = state.max_seen;
        e.watermark = state.watermark;
        e.stats = state.stats;
        for (rkey, mut p, feeds) in state.pending {
            let Some(r) = rule_at(&rkey) else { continue };
            p.rule = r;
            p.feeds = feeds
                .into_iter()
                .filter_map(|(ckey, mut f)| {
                    f.corr = corr_at(&ckey)?;
                    Some(f)
                })
                .collect();
            p.anomaly_feeds.retain_mut(|f| match anomaly_at(&f.key) {
                Some(i) => {
                    f.anomaly = i;
                    true
                }
                None => false,
            });
            e.pending.insert((p.ts, p.event_id.clone(), p.rule), p);
        }
        for (rkey, gkey, open) in state.detections {
            let Some(r) = rule_at(&rkey) else { continue };
            let suppress = rules.rules[r]
                .meta
                .extension
                .suppress_secs
                .unwrap_or(e.config.default_suppress_secs);
            e.expiry
                .insert((add_ms(open.start, secs_ms(suppress)), 0, r, gkey.clone()));
            if let Some(m) = e.detections.get_mut(r) {
                m.insert(gkey, open);
            }
        }
        for (ckey, gkey, g) in state.correlations {
            let Some(c) = corr_at(&ckey) else { continue };
            if let Some(t) = g.expiry(rules.correlations[c].timespan_ms) {
                e.expiry.insert((t, 1, c, gkey.clone()));
            }
            if let Some(m) = e.correlations.get_mut(c) {
                m.insert(gkey, g);
            }
        }
        for (akey, gkey, g) in state.anomalies {
            let Some(i) = anomaly_at(&akey) else { continue };
            if let Some(t) = g.due(&rules.anomalies[i]) {
                e.expiry.insert((t, 2, i, gkey.clone()));
            }
            if let Some(m) = e.anomalies.get_mut(i) {
                m.insert(gkey, g);
            }
        }
        for (akey, t) in state.anomaly_start {
            if let Some(slot) = anomaly_at(&akey).and_then(|i| e.anomaly_start.get_mut(i)) {
                *slot = Some(t);
            }
        }
        e
    }
}

fn explain_correlation(c: &CompiledCorrelation, ep: &Episode) -> String {
    let span = alert::duration_text(c.timespan_ms / 1000);
    let what = match c.kind {
        crate::rule::CorrelationType::EventCount => "matching events".to_owned(),
        crate::rule::CorrelationType::ValueCount => {
            format!("distinct values of {}", c.value_fields.join(", "))
        }
        crate::rule::CorrelationType::Temporal => "of the referenced rules seen".to_owned(),
        crate::rule::CorrelationType::TemporalOrdered => {
            "of the referenced rules seen in order".to_owned()
        }
        k => format!(
            "{} of {}",
            k.as_str().trim_start_matches("value_"),
            c.value_fields.join(", ")
        ),
    };
    let cond = if c.expr.is_some() {
        "condition expression held".to_owned()
    } else {
        c.predicates
            .iter()
            .map(|(op, x)| format!("{} {x}", op.symbol()))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let inputs: Vec<String> = c
        .inputs
        .iter()
        .zip(&c.input_names)
        .map(|(i, n)| match i {
            Input::Rule(_) => n.clone(),
            Input::Correlation(_) => format!("{n} (correlation)"),
        })
        .collect();
    format!(
        "{}: {} {what} within {span} ({cond}); peak {}; rules: {}",
        c.kind.as_str(),
        fmt_num(ep.measure),
        fmt_num(ep.last_measure.max(ep.measure)),
        inputs.join(", ")
    )
}

/// A number as short text: integers without decimals.
pub(crate) fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.3}")
    }
}
