//! Correlation windows: per group, the matches of the last `timespan`, and
//! the aggregate each correlation type compares with its condition.
//!
//! Windows slide: an event at time `t` sees every earlier match of its group
//! at `t - timespan` or later (both ends inclusive). The engine feeds matches
//! in event-time order, so a window is a queue.

use crate::rule::CorrelationType;
use crate::ruleset::CompiledCorrelation;
use serde::{Deserialize, Serialize};
use sightline_event::Timestamp;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One match inside a correlation window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub ts: Timestamp,
    /// Index of the input (referenced rule) it came from.
    pub input: usize,
    pub event_id: String,
    /// value_count: the value(s) of `condition.field` (absent = not counted).
    pub value: Option<String>,
    /// value_sum/avg/median/percentile: the numeric value of `condition.field`.
    pub num: Option<f64>,
}

/// An open correlation alert for one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Time of the earliest match in the window when the condition first held.
    pub start: Timestamp,
    pub last: Timestamp,
    /// Matches involved: those in the window when it fired plus every later one.
    pub count: u64,
    pub event_ids: Vec<String>,
    /// The aggregate when it fired (count, distinct values, sum...).
    pub measure: f64,
    /// The aggregate's latest value while the condition held.
    pub last_measure: f64,
}

/// The window of one group of one correlation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GroupState {
    pub group: BTreeMap<String, String>,
    pub entries: VecDeque<Entry>,
    pub episode: Option<Episode>,
}

impl GroupState {
    /// Adds a match in time order (late ones are inserted where they belong)
    /// and drops matches too old to share a window with the newest. Returns how
    /// many entries the per-group cap evicted.
    pub fn add(&mut self, e: Entry, timespan_ms: i64, cap: usize) -> usize {
        let pos = self
            .entries
            .iter()
            .rposition(|x| x.ts <= e.ts)
            .map_or(0, |p| p + 1);
        self.entries.insert(pos, e);
        if let Some(newest) = self.entries.back().map(|x| x.ts) {
            let cutoff = newest.as_millisecond() - timespan_ms;
            while self
                .entries
                .front()
                .is_some_and(|x| x.ts.as_millisecond() < cutoff)
            {
                self.entries.pop_front();
            }
        }
        let mut evicted = 0;
        while self.entries.len() > cap.max(1) {
            self.entries.pop_front();
            evicted += 1;
        }
        evicted
    }

    /// The latest time this group can still change: its newest match plus the timespan.
    pub fn expiry(&self, timespan_ms: i64) -> Option<Timestamp> {
        let newest = self.entries.back().map(|x| x.ts);
        let last = self.episode.as_ref().map(|e| e.last);
        let t = newest.max(last)?;
        Some(
            Timestamp::from_millisecond(t.as_millisecond().saturating_add(timespan_ms))
                .unwrap_or(Timestamp::MAX),
        )
    }
}

/// The aggregate of a window and whether the correlation's condition holds.
pub fn evaluate(c: &CompiledCorrelation, g: &GroupState) -> (f64, bool) {
    let entries = &g.entries;
    let measure: Option<f64> = match c.kind {
        CorrelationType::EventCount => Some(entries.len() as f64),
        CorrelationType::ValueCount => {
            let distinct: BTreeSet<&str> =
                entries.iter().filter_map(|e| e.value.as_deref()).collect();
            Some(distinct.len() as f64)
        }
        CorrelationType::ValueSum
        | CorrelationType::ValueAvg
        | CorrelationType::ValueMedian
        | CorrelationType::ValuePercentile => {
            let mut nums: Vec<f64> = entries
                .iter()
                .filter_map(|e| e.num)
                .filter(|x| x.is_finite())
                .collect();
            if nums.is_empty() {
                None
            } else {
                let sum: f64 = nums.iter().sum();
                match c.kind {
                    CorrelationType::ValueSum => Some(sum),
                    CorrelationType::ValueAvg => Some(sum / nums.len() as f64),
                    _ => {
                        nums.sort_by(f64::total_cmp);
                        let p = if c.kind == CorrelationType::ValueMedian {
                            50.0
                        } else {
                            c.percentile
                        };
                        Some(percentile(&nums, p))
                    }
                }
            }
        }
        CorrelationType::Temporal => {
            let seen: BTreeSet<usize> = entries.iter().map(|e| e.input).collect();
            if let Some(expr) = &c.expr {
                let holds = expr.eval(&|i| seen.contains(&i));
                return (seen.len() as f64, holds);
            }
            Some(seen.len() as f64)
        }
        CorrelationType::TemporalOrdered => {
            let matched = ordered_prefix(entries, c.inputs.len());
            if let Some(expr) = &c.expr {
                let holds = expr.eval(&|i| i < matched);
                return (matched as f64, holds);
            }
            Some(matched as f64)
        }
    };
    match measure {
        Some(m) => (
            m,
            !c.predicates.is_empty() && c.predicates.iter().all(|(op, x)| op.holds(m, *x)),
        ),
        None => (0.0, false),
    }
}

/// How many of the inputs 0, 1, 2... occur in that order in the window.
fn ordered_prefix(entries: &VecDeque<Entry>, n: usize) -> usize {
    // Greedy: the earliest occurrence of each next input strictly after the previous one.
    // Strictly: matches of the same instant have no order of their own (the engine sorts
    // them by event id, which is arbitrary), so they cannot make a sequence; nor can one
    // event matching two consecutive rules. pySigma's SQL requires the same (`m.ts > prev`).
    let mut next = 0;
    let mut prev: Option<Timestamp> = None;
    for e in entries {
        if next < n && e.input == next && prev.is_none_or(|p| e.ts > p) {
            next += 1;
            prev = Some(e.ts);
        }
    }
    next
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let idx = rank.clamp(1, sorted.len()) - 1;
    sorted.get(idx).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(sec: i64, input: usize) -> Entry {
        Entry {
            ts: Timestamp::from_second(sec).unwrap(),
            input,
            event_id: format!("e{sec}"),
            value: None,
            num: None,
        }
    }

    #[test]
    fn window_slides_with_inclusive_edges() {
        let mut g = GroupState::default();
        g.add(e(0, 0), 10_000, 100);
        g.add(e(10, 0), 10_000, 100);
        assert_eq!(
            g.entries.len(),
            2,
            "exactly timespan apart still share a window"
        );
        g.add(e(11, 0), 10_000, 100);
        assert_eq!(g.entries.len(), 2, "the first one left the window");
        // A late entry is inserted in order.
        g.add(e(5, 0), 10_000, 100);
        let secs: Vec<i64> = g.entries.iter().map(|x| x.ts.as_second()).collect();
        assert_eq!(secs, vec![5, 10, 11]);
        assert_eq!(g.add(e(12, 0), 10_000, 2), 2);
    }

    #[test]
    fn ordered_prefix_and_percentiles() {
        let q: VecDeque<Entry> = [e(1, 1), e(2, 0), e(3, 2), e(4, 1), e(5, 2)]
            .into_iter()
            .collect();
        assert_eq!(ordered_prefix(&q, 3), 3);
        let q: VecDeque<Entry> = [e(1, 1), e(2, 0)].into_iter().collect();
        assert_eq!(ordered_prefix(&q, 2), 1);
        // Matches of the same instant are not in order, whatever their queue order.
        let q: VecDeque<Entry> = [e(1, 0), e(1, 1)].into_iter().collect();
        assert_eq!(ordered_prefix(&q, 2), 1);
        let q: VecDeque<Entry> = [e(1, 0), e(1, 1), e(2, 1)].into_iter().collect();
        assert_eq!(ordered_prefix(&q, 2), 2);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 100.0), 4.0);
        assert_eq!(percentile(&[5.0], 0.0), 5.0);
    }
}
