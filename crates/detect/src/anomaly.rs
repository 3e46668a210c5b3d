//! Anomaly rules: a learned baseline per entity (the `group-by` values) over
//! the matches of detection rules. Sigma has no construct for these; the YAML
//! extension is documented in docs/rules.md ("Anomaly rules").
//!
//! Everything happens in event time and in event order (the engine applies
//! matches after its reorder buffer), so a retrospective hunt and a live stream
//! give the same findings:
//!
//! * `first_seen`: after the rule has learned for `learn`, a value of `field`
//!   never seen for the entity is reported; new values within `bucket` of the
//!   first join one finding.
//! * `rate_spike`: events per `bucket`, compared with the entity's baseline: the
//!   median bucket count over `window` (empty buckets count as zero) or, when
//!   the entity has a day of history, the typical count at the same time of day
//!   on previous days, whichever is higher, so the daily cycle is not a spike.
//!   `factor` > 1 reports rises, < 1 drops.
//! * `metric_shift`: the median of `field` per bucket against the median of
//!   the entity's earlier bucket medians over `window`.
//! * `flatline`: an entity that logged for at least `learn` goes silent for
//!   `bucket`.
//!
//! Consecutive anomalous buckets form one finding (an episode), so a shift that
//! lasts an hour is one alert, not twelve.

use crate::engine::fmt_num;
use crate::rule::AnomalyType;
use crate::ruleset::CompiledAnomaly;
use serde::{Deserialize, Serialize};
use sightline_event::Timestamp;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Most distinct values one first_seen entity remembers; beyond, new values
/// are no longer reported (counted in `saturated`) rather than growing memory.
pub const MAX_VALUES: usize = 10_000;
/// Most bucket measures kept per entity.
const MAX_HISTORY: usize = 4_096;
/// Most numeric samples kept per bucket for a median.
const MAX_SAMPLES: usize = 2_048;
const DAY_MS: i64 = 86_400_000;
/// How many previous days the time-of-day baseline looks at.
const SEASON_DAYS: i64 = 7;

/// What an anomaly rule reports: the engine turns it into an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub start: Timestamp,
    pub last: Timestamp,
    pub count: u64,
    pub event_ids: Vec<String>,
    /// Extra group entries naming what is anomalous (first_seen: the new value).
    pub extra_group: BTreeMap<String, String>,
    pub explanation: String,
}

/// The events of one bucket of one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Bucket {
    index: i64,
    count: u64,
    first: Timestamp,
    last: Timestamp,
    event_ids: Vec<String>,
    samples: Vec<f64>,
}

/// Consecutive anomalous buckets (or new values) reported as one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Episode {
    start: Timestamp,
    last: Timestamp,
    count: u64,
    event_ids: Vec<String>,
    /// Index of the last anomalous bucket (first_seen: unused).
    last_index: i64,
    buckets: u64,
    peak: f64,
    baseline: f64,
    /// first_seen: the new values.
    values: Vec<String>,
}

/// The state of one entity of one anomaly rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AnomalyGroup {
    pub group: BTreeMap<String, String>,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub count: u64,
    values: BTreeSet<String>,
    /// New values not remembered because the value set was full.
    pub saturated: u64,
    bucket: Option<Bucket>,
    history: VecDeque<(i64, f64)>,
    episode: Option<Episode>,
    /// flatline: already reported silent (until the entity logs again).
    flat: bool,
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn from_ms(x: i64) -> Timestamp {
    Timestamp::from_millisecond(x).unwrap_or(if x < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn push_id(ids: &mut Vec<String>, id: &str, max: usize) {
    if ids.len() < max && !ids.iter().any(|x| x == id) {
        ids.push(id.to_owned());
    }
}

impl AnomalyGroup {
    pub fn new(group: BTreeMap<String, String>) -> Self {
        AnomalyGroup {
            group,
            ..Default::default()
        }
    }

    /// When [`AnomalyGroup::on_due`] must run next, if ever.
    pub fn due(&self, a: &CompiledAnomaly) -> Option<Timestamp> {
        match a.kind {
            AnomalyType::FirstSeen => self
                .episode
                .as_ref()
                .map(|ep| from_ms(ms(ep.start).saturating_add(a.bucket_ms))),
            AnomalyType::Flatline => {
                if self.flat {
                    None
                } else {
                    self.last
                        .map(|l| from_ms(ms(l).saturating_add(a.bucket_ms)))
                }
            }
            AnomalyType::RateSpike | AnomalyType::MetricShift => {
                let bucket_end = self
                    .bucket
                    .as_ref()
                    .map(|b| b.index.saturating_add(1).saturating_mul(a.bucket_ms));
                // An episode whose entity went quiet ends one bucket after its last.
                let episode_end = self
                    .episode
                    .as_ref()
                    .map(|ep| ep.last_index.saturating_add(2).saturating_mul(a.bucket_ms));
                match (bucket_end, episode_end) {
                    (Some(b), Some(e)) => Some(from_ms(b.min(e))),
                    (b, e) => b.or(e).map(from_ms),
                }
            }
        }
    }

    /// Adds one match of an input rule. `rule_start` is when the rule saw its
    /// first match (first_seen learns from then on). Returns findings that ended.
    #[allow(clippy::too_many_arguments)]
    pub fn observe(
        &mut self,
        a: &CompiledAnomaly,
        ts: Timestamp,
        event_id: &str,
        value: Option<&str>,
        num: Option<f64>,
        rule_start: Timestamp,
        max_ids: usize,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        self.first = Some(self.first.map_or(ts, |f| f.min(ts)));
        self.last = Some(self.last.map_or(ts, |l| l.max(ts)));
        self.count += 1;
        match a.kind {
            AnomalyType::FirstSeen => {
                let Some(v) = value else { return out };
                if self.values.contains(v) {
                    return out;
                }
                if self.values.len() >= MAX_VALUES {
                    self.saturated += 1;
                    return out;
                }
                self.values.insert(v.to_owned());
                if ms(ts) < ms(rule_start).saturating_add(a.learn_ms) {
                    return out;
                }
                match &mut self.episode {
                    Some(ep) if ms(ts) <= ms(ep.start).saturating_add(a.bucket_ms) => {
                        ep.count += 1;
                        ep.last = ep.last.max(ts);
                        push_id(&mut ep.event_ids, event_id, max_ids);
                        if ep.values.len() < 10 {
                            ep.values.push(v.to_owned());
                        }
                    }
                    _ => {
                        if let Some(f) = self.close_episode(a) {
                            out.push(f);
                        }
                        self.episode = Some(Episode {
                            start: ts,
                            last: ts,
                            count: 1,
                            event_ids: vec![event_id.to_owned()],
                            last_index: 0,
                            buckets: 0,
                            peak: 0.0,
                            baseline: (self.values.len() - 1) as f64,
                            values: vec![v.to_owned()],
                        });
                    }
                }
            }
            AnomalyType::Flatline => self.flat = false,
            AnomalyType::RateSpike | AnomalyType::MetricShift => {
                let idx = ms(ts).div_euclid(a.bucket_ms.max(1));
                if self.bucket.as_ref().is_some_and(|b| idx > b.index) {
                    out.extend(self.evaluate_bucket(a));
                }
                if self
                    .episode
                    .as_ref()
                    .is_some_and(|ep| idx > ep.last_index.saturating_add(1))
                    && let Some(f) = self.close_episode(a)
                {
                    out.push(f);
                }
                let b = self.bucket.get_or_insert_with(|| Bucket {
                    index: idx,
                    count: 0,
                    first: ts,
                    last: ts,
                    event_ids: Vec::new(),
                    samples: Vec::new(),
                });
                // A late match for an earlier bucket counts in the current one.
                b.count += 1;
                b.first = b.first.min(ts);
                b.last = b.last.max(ts);
                push_id(&mut b.event_ids, event_id, max_ids);
                if let Some(x) = num.filter(|x| x.is_finite())
                    && b.samples.len() < MAX_SAMPLES
                {
                    b.samples.push(x);
                }
            }
        }
        out
    }

    /// Runs what was due at `now`. `last_event` is the newest event time of the
    /// stream; `final_run` is the end of a retrospective input: everything is
    /// settled, but silence is only reported where the input shows it.
    pub fn on_due(
        &mut self,
        a: &CompiledAnomaly,
        now: Timestamp,
        last_event: Option<Timestamp>,
        final_run: bool,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        match a.kind {
            AnomalyType::FirstSeen => {
                let ended = self.episode.as_ref().is_some_and(|ep| {
                    final_run || ms(now) >= ms(ep.start).saturating_add(a.bucket_ms)
                });
                if ended && let Some(f) = self.close_episode(a) {
                    out.push(f);
                }
            }
            AnomalyType::Flatline => {
                let (Some(first), Some(last)) = (self.first, self.last) else {
                    return out;
                };
                if self.flat {
                    return out;
                }
                let silent_until = ms(last).saturating_add(a.bucket_ms);
                let horizon = if final_run {
                    last_event.map_or(i64::MIN, ms)
                } else {
                    ms(now)
                };
                if silent_until > horizon {
                    if final_run {
                        self.flat = true;
                    }
                    return out;
                }
                self.flat = true;
                let active = ms(last) - ms(first);
                if active >= a.learn_ms && self.count >= a.min_count {
                    out.push(Finding {
                        start: last,
                        last: from_ms(silent_until),
                        count: self.count,
                        event_ids: Vec::new(),
                        extra_group: BTreeMap::new(),
                        explanation: format!(
                            "flatline: no event for {} after {} events over {}; last event at {last}",
                            crate::alert::duration_text(a.bucket_ms / 1000),
                            self.count,
                            crate::alert::duration_text(active / 1000),
                        ),
                    });
                }
            }
            AnomalyType::RateSpike | AnomalyType::MetricShift => {
                let bucket_end = self
                    .bucket
                    .as_ref()
                    .map(|b| b.index.saturating_add(1).saturating_mul(a.bucket_ms));
                if let Some(end) = bucket_end
                    && (final_run || ms(now) >= end)
                {
                    // A drop needs the whole bucket: the input's last one is partial.
                    let partial = last_event.is_none_or(|l| ms(l) < end);
                    if final_run && partial && a.factor < 1.0 {
                        self.bucket = None;
                    } else {
                        out.extend(self.evaluate_bucket(a));
                    }
                }
                let quiet = self.episode.as_ref().is_some_and(|ep| {
                    final_run
                        || ms(now) >= ep.last_index.saturating_add(2).saturating_mul(a.bucket_ms)
                });
                if quiet
                    && self.bucket.is_none()
                    && let Some(f) = self.close_episode(a)
                {
                    out.push(f);
                }
            }
        }
        out
    }

    /// Compares the current bucket with the baseline, records it and updates
    /// the episode. Returns an episode that ended.
    fn evaluate_bucket(&mut self, a: &CompiledAnomaly) -> Option<Finding> {
        let b = self.bucket.take()?;
        // The first bucket's ids set the bound for the episode's list.
        let max_ids = b.event_ids.len().max(20);
        let bucket_ms = a.bucket_ms.max(1);
        let window = (a.window_ms / bucket_ms).max(1);
        let measure = match a.kind {
            AnomalyType::MetricShift => {
                let mut s = b.samples.clone();
                median(&mut s)
            }
            _ => b.count as f64,
        };
        let in_window: Vec<f64> = self
            .history
            .iter()
            .filter(|(i, _)| *i >= b.index - window && *i < b.index)
            .map(|(_, m)| *m)
            .collect();
        let first_idx = self.first.map_or(b.index, |f| ms(f).div_euclid(bucket_ms));
        let learned = ms(b.first) - self.first.map_or(ms(b.first), ms) >= a.learn_ms
            || (b.index - first_idx) * bucket_ms >= a.learn_ms;
        let baseline = match a.kind {
            AnomalyType::MetricShift => {
                if in_window.len() < 3 {
                    None
                } else {
                    let mut v = in_window;
                    Some(median(&mut v))
                }
            }
            _ => {
                // Buckets without events are zeros of the baseline.
                let span = window.min(b.index - first_idx).max(0) as usize;
                let mut v = in_window;
                v.resize(span.max(v.len()), 0.0);
                let recent = median(&mut v);
                Some(recent.max(self.seasonal(b.index, bucket_ms)))
            }
        };
        self.history.push_back((b.index, measure));
        let keep_from = b.index - window.max(SEASON_DAYS * DAY_MS / bucket_ms + 1);
        while self.history.front().is_some_and(|(i, _)| *i < keep_from)
            || self.history.len() > MAX_HISTORY
        {
            self.history.pop_front();
        }
        let anomalous = learned
            && baseline.is_some_and(|base| {
                if a.factor > 1.0 {
                    // A rate over an empty baseline still needs `factor` events;
                    // a metric needs a baseline at all.
                    let floor = if a.kind == AnomalyType::MetricShift {
                        0.0
                    } else {
                        1.0
                    };
                    (a.kind != AnomalyType::MetricShift || base > 0.0)
                        && b.count >= a.min_count
                        && measure >= a.factor * base.max(floor)
                } else {
                    // A drop needs a baseline worth dropping from.
                    let enough = if a.kind == AnomalyType::MetricShift {
                        b.count >= a.min_count
                    } else {
                        base >= a.min_count as f64
                    };
                    base > 0.0 && enough && measure <= a.factor * base
                }
            });
        let mut ended = None;
        if anomalous {
            let base = baseline.unwrap_or_default();
            match &mut self.episode {
                Some(ep) if b.index <= ep.last_index + 1 => {
                    ep.last = ep.last.max(b.last);
                    ep.count += b.count;
                    ep.last_index = b.index;
                    ep.buckets += 1;
                    let further = if a.factor > 1.0 {
                        measure > ep.peak
                    } else {
                        measure < ep.peak
                    };
                    if further {
                        ep.peak = measure;
                    }
                    for id in &b.event_ids {
                        push_id(&mut ep.event_ids, id, max_ids);
                    }
                }
                _ => {
                    ended = self.close_episode(a);
                    self.episode = Some(Episode {
                        start: b.first,
                        last: b.last,
                        count: b.count,
                        event_ids: b.event_ids.clone(),
                        last_index: b.index,
                        buckets: 1,
                        peak: measure,
                        baseline: base,
                        values: Vec::new(),
                    });
                }
            }
        } else if self.episode.is_some() {
            ended = self.close_episode(a);
        }
        ended
    }

    /// The typical bucket at this time of day on previous days: per day, the
    /// highest bucket within an hour of the same time; the median over days.
    fn seasonal(&self, index: i64, bucket_ms: i64) -> f64 {
        let per_day = DAY_MS / bucket_ms;
        let slack = (3_600_000 / bucket_ms).max(1);
        if per_day < 2 {
            return 0.0;
        }
        let first_idx = self.first.map_or(index, |f| ms(f).div_euclid(bucket_ms));
        let mut days = Vec::new();
        for d in 1..=SEASON_DAYS {
            let centre = index - d * per_day;
            if centre - slack < first_idx {
                break;
            }
            let peak = self
                .history
                .iter()
                .filter(|(i, _)| (*i - centre).abs() <= slack)
                .map(|(_, m)| *m)
                .fold(0.0, f64::max);
            days.push(peak);
        }
        median(&mut days)
    }

    fn close_episode(&mut self, a: &CompiledAnomaly) -> Option<Finding> {
        let ep = self.episode.take()?;
        let span = crate::alert::duration_text(a.bucket_ms / 1000);
        let mut extra_group = BTreeMap::new();
        let explanation = match a.kind {
            AnomalyType::FirstSeen => {
                let field = a.field.clone().unwrap_or_default();
                if let Some(v) = ep.values.first() {
                    extra_group.insert(field.clone(), v.clone());
                }
                format!(
                    "first_seen: new {field} value(s) {} ({} event(s)); {} value(s) known before",
                    ep.values
                        .iter()
                        .map(|v| serde_json::to_string(v).unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(", "),
                    ep.count,
                    fmt_num(ep.baseline),
                )
            }
            AnomalyType::MetricShift => format!(
                "metric_shift: median {} per {span} reached {} against a baseline median of {} (x{}, threshold x{}) over {} bucket(s)",
                a.field.as_deref().unwrap_or_default(),
                fmt_num(ep.peak),
                fmt_num(ep.baseline),
                fmt_num(if ep.baseline > 0.0 {
                    ep.peak / ep.baseline
                } else {
                    0.0
                }),
                fmt_num(a.factor),
                ep.buckets,
            ),
            _ => format!(
                "rate_spike: {} events per {span} at the peak against a baseline of {} (threshold x{}, at least {}) over {} bucket(s)",
                fmt_num(ep.peak),
                fmt_num(ep.baseline),
                fmt_num(a.factor),
                a.min_count,
                ep.buckets,
            ),
        };
        Some(Finding {
            start: ep.start,
            last: ep.last,
            count: ep.count,
            event_ids: ep.event_ids,
            extra_group,
            explanation,
        })
    }
}
