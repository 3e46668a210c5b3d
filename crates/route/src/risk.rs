//! Risk scoring per entity (Splunk's risk-based alerting): weak signals from
//! many rules add up on the host, user, address or job they name, over a
//! sliding window, and an entity whose total reaches the threshold raises
//! one alert of its own.
//!
//! - Each alert counts once per entity, however often it is updated (the
//!   engine re-emits a growing alert under the same id).
//! - Its score: `[risk.rules]` by rule id, else the rule's `risk:N` tag,
//!   else `[risk.scores]` by level. A score of 0 contributes nothing.
//! - The total is the sum of contributions within `window` (by arrival).
//! - When it reaches `threshold`, one risk alert is raised; the entity
//!   raises again at the earliest one `window` later (and only if its total
//!   is still at the threshold then).
//! - Memory is bounded: at most `max_entities` entities (the least recently
//!   scored one goes, and is counted) and [`MAX_CONTRIBUTIONS`] per entity
//!   (the oldest go, counted).

use crate::duration::{after, format_duration};
use crate::model::{AlertInfo, AlertState, Labels};
use crate::state::{Change, State};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sightline_detect::rule::Level;
use std::collections::{BTreeMap, BTreeSet};

/// Contributions kept per entity.
pub const MAX_CONTRIBUTIONS: usize = 256;

/// The rule name of risk alerts.
pub const RISK_RULE: &str = "Risk threshold exceeded";
/// The rule id of risk alerts.
pub const RISK_RULE_ID: &str = "sightline-risk-threshold";
/// The `type` label of risk alerts; alerts of this type add no risk.
pub const RISK_TYPE: &str = "risk";

/// Score by level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelScores {
    pub informational: u32,
    pub low: u32,
    pub medium: u32,
    pub high: u32,
    pub critical: u32,
}

impl Default for LevelScores {
    fn default() -> Self {
        LevelScores {
            informational: 1,
            low: 5,
            medium: 10,
            high: 20,
            critical: 40,
        }
    }
}

impl LevelScores {
    fn of(&self, level: &str) -> u32 {
        match Level::parse(level) {
            Some(Level::Informational) => self.informational,
            Some(Level::Low) => self.low,
            Some(Level::Medium) => self.medium,
            Some(Level::High) => self.high,
            Some(Level::Critical) => self.critical,
            None => 0,
        }
    }
}

/// Compiled `[risk]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskConfig {
    pub enabled: bool,
    pub entities: Vec<String>,
    pub window: SignedDuration,
    pub threshold: u32,
    pub level: Level,
    pub max_entities: usize,
    pub scores: LevelScores,
    pub rules: BTreeMap<String, u32>,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            enabled: true,
            entities: ["host", "user.name", "source.ip", "ray.job.id"]
                .map(String::from)
                .to_vec(),
            window: SignedDuration::from_hours(24),
            threshold: 100,
            level: Level::High,
            max_entities: 10_000,
            scores: LevelScores::default(),
            rules: BTreeMap::new(),
        }
    }
}

impl RiskConfig {
    /// What an alert with these labels adds to each entity it names.
    pub fn score_of(&self, labels: &Labels) -> u32 {
        if let Some(s) = labels.get("rule_id").and_then(|id| self.rules.get(id)) {
            return *s;
        }
        let tagged = labels.get("tags").and_then(|tags| {
            tags.split(',')
                .filter_map(|t| t.trim().strip_prefix("risk:"))
                .find_map(|n| n.trim().parse::<u32>().ok())
        });
        if let Some(s) = tagged {
            return s;
        }
        labels.get("level").map_or(0, |l| self.scores.of(l))
    }
}

/// One alert's share of an entity's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub alert_id: String,
    pub rule_id: String,
    pub rule: String,
    pub score: u32,
    pub at: Timestamp,
}

/// An entity's score record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEntity {
    /// The label naming it (`host`, `user.name`...).
    pub kind: String,
    pub value: String,
    /// Oldest first.
    pub contributions: Vec<Contribution>,
    /// When it last raised a risk alert.
    #[serde(default)]
    pub raised_at: Option<Timestamp>,
    /// When it was last scored.
    pub touched: Timestamp,
}

impl RiskEntity {
    /// The total of the contributions within the window ending `now`.
    pub fn score(&self, window: SignedDuration, now: Timestamp) -> u64 {
        let since = after(now, -window);
        self.contributions
            .iter()
            .filter(|c| c.at > since)
            .map(|c| u64::from(c.score))
            .sum()
    }
}

/// Counters for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RiskCounters {
    /// Entities dropped to stay within `max_entities`.
    pub evicted_entities: u64,
    /// Contributions dropped to stay within [`MAX_CONTRIBUTIONS`].
    pub dropped_contributions: u64,
    pub alerts_raised: u64,
}

/// What one alert did to the scores.
pub(crate) struct Scored {
    pub changes: Vec<Change>,
    pub raised: Vec<AlertInfo>,
}

/// Scores one alert against the current state (pure: the caller applies
/// the changes).
pub(crate) fn score_alert(
    cfg: &RiskConfig,
    state: &State,
    info: &AlertInfo,
    now: Timestamp,
    counters: &mut RiskCounters,
) -> Scored {
    let mut out = Scored {
        changes: Vec::new(),
        raised: Vec::new(),
    };
    if !cfg.enabled
        || info.state == AlertState::Resolved
        || info.labels.get("type").map(String::as_str) == Some(RISK_TYPE)
    {
        return out;
    }
    let score = cfg.score_of(&info.labels);
    if score == 0 {
        return out;
    }
    let since = after(now, -cfg.window);
    let mut new_entities = 0usize;
    let mut touched_keys = BTreeSet::new();
    for kind in &cfg.entities {
        let Some(value) = info.labels.get(kind).filter(|v| !v.is_empty()) else {
            continue;
        };
        let key = (kind.clone(), value.clone());
        let mut entity = match state.risk.get(&key) {
            Some(e) => {
                if e.contributions.iter().any(|c| c.alert_id == info.id) {
                    continue;
                }
                e.clone()
            }
            None => {
                new_entities += 1;
                RiskEntity {
                    kind: kind.clone(),
                    value: value.clone(),
                    contributions: Vec::new(),
                    raised_at: None,
                    touched: now,
                }
            }
        };
        entity.contributions.retain(|c| c.at > since);
        entity.contributions.push(Contribution {
            alert_id: info.id.clone(),
            rule_id: info.labels.get("rule_id").cloned().unwrap_or_default(),
            rule: info.labels.get("rule").cloned().unwrap_or_default(),
            score,
            at: now,
        });
        if entity.contributions.len() > MAX_CONTRIBUTIONS {
            let extra = entity.contributions.len() - MAX_CONTRIBUTIONS;
            entity.contributions.drain(..extra);
            counters.dropped_contributions += extra as u64;
        }
        entity.touched = now;
        let total = entity.score(cfg.window, now);
        let may_raise = entity
            .raised_at
            .is_none_or(|at| now >= after(at, cfg.window));
        if total >= u64::from(cfg.threshold) && may_raise {
            entity.raised_at = Some(now);
            out.raised.push(risk_alert(cfg, &entity, total, now));
            counters.alerts_raised += 1;
        }
        touched_keys.insert(key);
        out.changes.push(Change::PutRisk(entity));
    }
    // Room for the new entities: the least recently scored go first.
    let over = (state.risk.len() + new_entities).saturating_sub(cfg.max_entities);
    let evict: Vec<_> = state
        .risk_by_touch
        .iter()
        .filter(|(_, k, v)| !touched_keys.contains(&(k.clone(), v.clone())))
        .take(over)
        .map(|(_, k, v)| Change::DeleteRisk {
            kind: k.clone(),
            value: v.clone(),
        })
        .collect();
    counters.evicted_entities += evict.len() as u64;
    out.changes.extend(evict);
    out
}

/// Entities with nothing left in the window and no recent risk alert.
pub(crate) fn expired(cfg: &RiskConfig, state: &State, now: Timestamp) -> Vec<Change> {
    let since = after(now, -cfg.window);
    state
        .risk_by_touch
        .iter()
        .take_while(|(touched, _, _)| *touched <= since)
        .filter_map(|(_, k, v)| state.risk.get(&(k.clone(), v.clone())))
        .filter(|e| e.raised_at.is_none_or(|at| at <= since))
        .map(|e| Change::DeleteRisk {
            kind: e.kind.clone(),
            value: e.value.clone(),
        })
        .collect()
}

fn risk_alert(cfg: &RiskConfig, e: &RiskEntity, total: u64, now: Timestamp) -> AlertInfo {
    let since = after(now, -cfg.window);
    let counted: Vec<&Contribution> = e.contributions.iter().filter(|c| c.at > since).collect();
    let rules: BTreeSet<&str> = counted
        .iter()
        .map(|c| {
            if c.rule_id.is_empty() {
                c.rule.as_str()
            } else {
                c.rule_id.as_str()
            }
        })
        .collect();
    let mut labels = Labels::new();
    labels.insert("rule".into(), RISK_RULE.into());
    labels.insert("rule_id".into(), RISK_RULE_ID.into());
    labels.insert("level".into(), cfg.level.as_str().into());
    labels.insert("type".into(), RISK_TYPE.into());
    labels.insert(e.kind.clone(), e.value.clone());
    labels.insert("risk.entity".into(), e.kind.clone());
    labels.insert("risk.score".into(), total.to_string());
    labels.insert(
        "risk.rules".into(),
        rules.iter().copied().collect::<Vec<_>>().join(","),
    );
    let group = BTreeMap::from([(e.kind.clone(), e.value.clone())]);
    let id = sightline_detect::alert::alert_id("sightline.risk", &group, now);
    let window = format_duration(cfg.window);
    let summary = format!(
        "{RISK_RULE} for {}={}: score {total} (threshold {}) from {} alert{} of {} rule{} within {window}",
        e.kind,
        e.value,
        cfg.threshold,
        counted.len(),
        if counted.len() == 1 { "" } else { "s" },
        rules.len(),
        if rules.len() == 1 { "" } else { "s" },
    );
    let explanation = counted
        .iter()
        .map(|c| format!("+{} {} ({}) at {}", c.score, c.rule, c.rule_id, c.at))
        .collect::<Vec<_>>()
        .join("\n");
    AlertInfo {
        id,
        labels,
        state: AlertState::Firing,
        summary,
        explanation,
        count: counted.len() as u64,
        first_seen: counted.first().map_or(now, |c| c.at),
        last_seen: now,
        url: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn alert(id: &str, rule: &str, level: &str, host: &str) -> AlertInfo {
        let labels: Labels = [
            ("rule", rule),
            ("rule_id", rule),
            ("level", level),
            ("type", "detection"),
            ("host", host),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        AlertInfo {
            id: id.into(),
            labels,
            state: AlertState::Firing,
            summary: String::new(),
            explanation: String::new(),
            count: 1,
            first_seen: t("2026-11-22T12:00:00Z"),
            last_seen: t("2026-11-22T12:00:00Z"),
            url: None,
        }
    }

    /// Scores alerts one after the other, applying the changes as the
    /// dispatcher does.
    fn run(cfg: &RiskConfig, state: &mut State, a: &AlertInfo, now: Timestamp) -> Vec<AlertInfo> {
        let mut counters = RiskCounters::default();
        let s = score_alert(cfg, state, a, now, &mut counters);
        for c in s.changes {
            state.apply(c);
        }
        s.raised
    }

    #[test]
    fn scores_come_from_rule_overrides_tags_then_levels() {
        let mut cfg = RiskConfig::default();
        cfg.rules.insert("special".into(), 77);
        let mut l = alert("a", "special", "low", "h").labels;
        assert_eq!(cfg.score_of(&l), 77);
        l.insert("rule_id".into(), "other".into());
        l.insert("tags".into(), "attack.t1110,risk:33".into());
        assert_eq!(cfg.score_of(&l), 33);
        l.remove("tags");
        assert_eq!(cfg.score_of(&l), 5);
        l.insert("level".into(), "critical".into());
        assert_eq!(cfg.score_of(&l), 40);
    }

    #[test]
    fn weak_signals_add_up_to_one_risk_alert_per_window() {
        let cfg = RiskConfig::default();
        let mut st = State::default();
        let t0 = t("2026-11-22T12:00:00Z");
        // 4 high alerts (20 each) from different rules: 80, below 100.
        for i in 0..4 {
            let raised = run(
                &cfg,
                &mut st,
                &alert(&format!("a{i}"), &format!("r{i}"), "high", "web1"),
                t0,
            );
            assert!(raised.is_empty());
        }
        // The same alert updated adds nothing.
        assert!(run(&cfg, &mut st, &alert("a0", "r0", "high", "web1"), t0).is_empty());
        assert_eq!(
            st.risk[&("host".into(), "web1".into())].score(cfg.window, t0),
            80
        );
        // A fifth reaches 100.
        let raised = run(&cfg, &mut st, &alert("a4", "r4", "high", "web1"), t0);
        assert_eq!(raised.len(), 1);
        let r = &raised[0];
        assert_eq!(r.labels["host"], "web1");
        assert_eq!(r.labels["risk.score"], "100");
        assert_eq!(r.labels["risk.rules"], "r0,r1,r2,r3,r4");
        assert_eq!(r.labels["type"], RISK_TYPE);
        assert_eq!(r.count, 5);
        assert!(
            r.summary
                .contains("score 100 (threshold 100) from 5 alerts of 5 rules within 1d"),
            "{}",
            r.summary
        );
        // More within the window: no second alert.
        let t1 = t("2026-11-22T20:00:00Z");
        assert!(run(&cfg, &mut st, &alert("a5", "r5", "critical", "web1"), t1).is_empty());
        // Another entity is independent.
        assert!(run(&cfg, &mut st, &alert("b0", "r0", "critical", "web2"), t1).is_empty());
        // The risk alert itself adds no risk.
        assert!(run(&cfg, &mut st, r, t1).is_empty());
    }

    #[test]
    fn old_contributions_fall_out_of_the_window() {
        let cfg = RiskConfig::default();
        let mut st = State::default();
        for i in 0..4 {
            run(
                &cfg,
                &mut st,
                &alert(&format!("a{i}"), "r", "high", "h"),
                t("2026-11-22T00:00:00Z"),
            );
        }
        // A day later the first four no longer count: 20 < 100.
        let raised = run(
            &cfg,
            &mut st,
            &alert("a9", "r", "high", "h"),
            t("2026-11-23T00:00:01Z"),
        );
        assert!(raised.is_empty());
        let e = &st.risk[&("host".into(), "h".into())];
        assert_eq!(e.contributions.len(), 1);
    }

    #[test]
    fn raises_again_a_window_later_if_still_over() {
        let cfg = RiskConfig {
            threshold: 40,
            ..RiskConfig::default()
        };
        let mut st = State::default();
        assert_eq!(
            run(
                &cfg,
                &mut st,
                &alert("a", "r", "critical", "h"),
                t("2026-11-22T00:00:00Z")
            )
            .len(),
            1
        );
        assert!(
            run(
                &cfg,
                &mut st,
                &alert("b", "r", "critical", "h"),
                t("2026-11-22T23:59:59Z")
            )
            .is_empty()
        );
        let again = run(
            &cfg,
            &mut st,
            &alert("c", "r", "critical", "h"),
            t("2026-11-23T00:00:00Z"),
        );
        assert_eq!(again.len(), 1);
        assert_ne!(again[0].id, "");
    }

    #[test]
    fn memory_is_bounded_and_evictions_counted() {
        let cfg = RiskConfig {
            max_entities: 3,
            ..RiskConfig::default()
        };
        let mut st = State::default();
        let mut counters = RiskCounters::default();
        for i in 0..5 {
            let now = t("2026-11-22T12:00:00Z") + SignedDuration::from_secs(i);
            let s = score_alert(
                &cfg,
                &st,
                &alert(&format!("a{i}"), "r", "low", &format!("h{i}")),
                now,
                &mut counters,
            );
            for c in s.changes {
                st.apply(c);
            }
        }
        assert_eq!(st.risk.len(), 3);
        assert_eq!(counters.evicted_entities, 2);
        // The oldest went.
        assert!(!st.risk.contains_key(&("host".into(), "h0".into())));
        assert!(st.risk.contains_key(&("host".into(), "h4".into())));
    }

    #[test]
    fn contributions_per_entity_are_bounded() {
        let cfg = RiskConfig {
            threshold: u32::MAX,
            ..RiskConfig::default()
        };
        let mut st = State::default();
        let mut counters = RiskCounters::default();
        for i in 0..(MAX_CONTRIBUTIONS + 10) {
            let s = score_alert(
                &cfg,
                &st,
                &alert(&format!("a{i}"), "r", "low", "h"),
                t("2026-11-22T12:00:00Z"),
                &mut counters,
            );
            for c in s.changes {
                st.apply(c);
            }
        }
        assert_eq!(
            st.risk[&("host".into(), "h".into())].contributions.len(),
            MAX_CONTRIBUTIONS
        );
        assert_eq!(counters.dropped_contributions, 10);
    }

    #[test]
    fn idle_entities_expire() {
        let cfg = RiskConfig::default();
        let mut st = State::default();
        run(
            &cfg,
            &mut st,
            &alert("a", "r", "low", "h"),
            t("2026-11-22T00:00:00Z"),
        );
        assert!(expired(&cfg, &st, t("2026-11-22T23:00:00Z")).is_empty());
        assert_eq!(expired(&cfg, &st, t("2026-11-23T00:00:00Z")).len(), 1);
    }

    #[test]
    fn disabled_scores_nothing() {
        let cfg = RiskConfig {
            enabled: false,
            ..RiskConfig::default()
        };
        let mut st = State::default();
        run(
            &cfg,
            &mut st,
            &alert("a", "r", "critical", "h"),
            t("2026-11-22T00:00:00Z"),
        );
        assert!(st.risk.is_empty());
    }
}
