//! Streaming detection: the engine over live events, its rules reloaded when
//! their files change (or on request), and its state saved so open windows
//! and baselines survive a restart.

use sightline_detect::tuning::{Tuning, TuningChange, changes};
use sightline_detect::{Alert, EmitMode, Engine, EngineConfig, EngineState};
use sightline_event::Event;
use sightline_rules::Sources;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the watermark moves in processing time (see [`Detection::tick`]).
const TICK: Duration = Duration::from_millis(250);
/// Arrival records kept to date alerts (a few minutes of batches).
const MAX_ARRIVALS: usize = 4096;

/// Called after each reload with its message and the tuning changes it brought.
pub type ReloadHook = Box<dyn Fn(&str, &[TuningChange]) + Send>;

pub struct Detection {
    engine: Engine,
    config: EngineConfig,
    sources: Sources,
    fingerprint: u64,
    /// The tuning in force, to audit each exception added or removed.
    tuning: Tuning,
    /// The UTC day the rules were compiled: exceptions expire by day, so a
    /// new day recompiles them.
    compiled_on: jiff::civil::Date,
    state_path: PathBuf,
    /// The newest event time at the previous tick: the next tick's watermark.
    previous_max: Option<jiff::Timestamp>,
    last_tick: Instant,
    /// When recent batches arrived, with the newest event time in each, so
    /// an alert released later is dated from when its events arrived.
    arrivals: VecDeque<(jiff::Timestamp, Instant)>,
    pub reload_interval: Duration,
    /// Summary of the loaded rule set, for `/api/v1/rules` and the log.
    pub summary: Arc<std::sync::RwLock<RulesSummary>>,
    /// Reloads, and each tuning change they bring, are recorded in the
    /// audit log by the caller.
    pub on_reload: ReloadHook,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RulesSummary {
    pub detection: usize,
    pub correlation: usize,
    pub anomaly: usize,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub disabled: usize,
    pub exceptions: usize,
    pub loaded_at: String,
    pub rules: Vec<RuleInfo>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleInfo {
    pub key: String,
    pub title: String,
    pub level: String,
    pub kind: &'static str,
}

fn level(l: Option<sightline_detect::rule::Level>) -> String {
    l.map(|l| l.as_str()).unwrap_or("-").to_owned()
}

fn summarize(loaded: &sightline_rules::Loaded) -> RulesSummary {
    let r = &loaded.rules;
    let info = |meta: &sightline_detect::rule::Meta, kind: &'static str| RuleInfo {
        key: meta.key().to_owned(),
        title: meta.title.clone(),
        level: level(meta.level),
        kind,
    };
    let rules: Vec<RuleInfo> = r
        .rules
        .iter()
        .map(|c| info(&c.meta, "detection"))
        .chain(r.correlations.iter().map(|c| info(&c.meta, "correlation")))
        .chain(r.anomalies.iter().map(|a| info(&a.meta, "anomaly")))
        .collect();
    RulesSummary {
        detection: r.rules.len(),
        correlation: r.correlations.len(),
        anomaly: r.anomalies.len(),
        errors: loaded.errors.iter().map(ToString::to_string).collect(),
        warnings: loaded.warnings.clone(),
        disabled: loaded.disabled,
        exceptions: loaded.exceptions,
        loaded_at: jiff::Timestamp::now().to_string(),
        rules,
    }
}

impl Detection {
    /// Loads the rules and restores saved state (`DATA/detect/state.json`).
    pub fn start(
        sources: Sources,
        lateness_secs: u64,
        data_dir: &std::path::Path,
        reload_interval: Duration,
    ) -> anyhow::Result<Detection> {
        let loaded = sightline_rules::load(&sources, jiff::Timestamp::now())?;
        for e in &loaded.errors {
            tracing::warn!(target: "sightline::rules", "skipped invalid rule: {e}");
        }
        let summary = summarize(&loaded);
        let tuning = loaded.tuning;
        let rules = Arc::new(loaded.rules);
        let config = EngineConfig {
            lateness_secs,
            emit: EmitMode::Updates,
            ..Default::default()
        };
        let dir = data_dir.join("detect");
        std::fs::create_dir_all(&dir)?;
        let state_path = dir.join("state.json");
        let engine = match std::fs::read(&state_path) {
            Ok(bytes) => match serde_json::from_slice::<EngineState>(&bytes) {
                Ok(state) => Engine::restore(Arc::clone(&rules), config.clone(), state),
                Err(e) => {
                    // Starting fresh loses open windows, not events: say so and go on.
                    tracing::warn!(
                        "detection state {} is unreadable ({e}); starting with empty windows",
                        state_path.display()
                    );
                    Engine::new(Arc::clone(&rules), config.clone())
                }
            },
            Err(_) => Engine::new(Arc::clone(&rules), config.clone()),
        };
        Ok(Detection {
            engine,
            config,
            fingerprint: sightline_rules::fingerprint(&sources),
            tuning,
            compiled_on: today(),
            sources,
            state_path,
            previous_max: None,
            last_tick: Instant::now(),
            arrivals: VecDeque::new(),
            reload_interval,
            summary: Arc::new(std::sync::RwLock::new(summary)),
            on_reload: Box::new(|_, _| {}),
        })
    }

    /// Runs the rules on a batch received at `received`. Each alert comes
    /// with when the events that raised it arrived.
    pub fn process(&mut self, events: &[&Event], received: Instant) -> Vec<(Alert, Instant)> {
        if let Some(newest) = events.iter().map(|e| e.timestamp).max() {
            if self.arrivals.len() >= MAX_ARRIVALS {
                self.arrivals.pop_front();
            }
            self.arrivals.push_back((newest, received));
        }
        let mut out = Vec::new();
        for ev in events {
            self.engine.process(ev, &mut out);
        }
        self.dated(out)
    }

    /// On a processing-time timer: moves the watermark to the newest event
    /// time seen one tick ago. Matches wait for the event-time watermark
    /// (newest event minus `lateness`) to reorder what arrives out of order;
    /// this bounds the wait to about half a second of processing time, so an alert
    /// neither waits for `lateness` worth of later traffic nor for traffic
    /// that never comes. What arrives older than that counts as late and is
    /// applied at once.
    pub fn tick(&mut self) -> Vec<(Alert, Instant)> {
        if self.last_tick.elapsed() < TICK {
            return Vec::new();
        }
        self.last_tick = Instant::now();
        let mut out = Vec::new();
        if let Some(m) = self.previous_max {
            self.engine.advance_to(m, &mut out);
        }
        self.previous_max = self.engine.max_seen();
        self.dated(out)
    }

    /// Pairs each alert with the arrival of the first batch that held an
    /// event as new as the alert's last one.
    fn dated(&self, alerts: Vec<Alert>) -> Vec<(Alert, Instant)> {
        alerts
            .into_iter()
            .map(|a| {
                let arrived = self
                    .arrivals
                    .iter()
                    .find(|(newest, _)| *newest >= a.last_seen)
                    .map_or_else(Instant::now, |(_, at)| *at);
                (a, arrived)
            })
            .collect()
    }

    /// Recompiles the rules and carries the state over (kept per rule key).
    /// A broken rule file leaves the running rules in place.
    pub fn reload(&mut self) -> Result<String, String> {
        self.fingerprint = sightline_rules::fingerprint(&self.sources);
        let loaded = sightline_rules::load(&self.sources, jiff::Timestamp::now())
            .map_err(|e| format!("rules not reloaded, the previous rules stay active: {e}"))?;
        let summary = summarize(&loaded);
        let tuning_changes = changes(&self.tuning, &loaded.tuning);
        self.tuning = loaded.tuning;
        self.compiled_on = today();
        let state = self.engine.snapshot();
        self.engine = Engine::restore(Arc::new(loaded.rules), self.config.clone(), state);
        let mut msg = format!(
            "rules reloaded: {} detection, {} correlation, {} anomaly; {} invalid, {} disabled, {} exceptions",
            summary.detection,
            summary.correlation,
            summary.anomaly,
            summary.errors.len(),
            summary.disabled,
            summary.exceptions
        );
        for w in &summary.warnings {
            msg.push_str("; ");
            msg.push_str(w);
        }
        if let Ok(mut s) = self.summary.write() {
            *s = summary;
        }
        (self.on_reload)(&msg, &tuning_changes);
        Ok(msg)
    }

    /// Reloads when a rule, tuning or indicator file changed since the last
    /// load, or when the day changed (so expired exceptions stop applying).
    pub fn reload_if_changed(&mut self) -> Option<String> {
        if sightline_rules::fingerprint(&self.sources) == self.fingerprint
            && today() == self.compiled_on
        {
            return None;
        }
        Some(self.reload().unwrap_or_else(|e| e))
    }

    /// Writes the engine state atomically.
    pub fn save_state(&self) {
        let state = self.engine.snapshot();
        let Ok(bytes) = serde_json::to_vec(&state) else {
            return;
        };
        if let Err(e) = crate::auth::write_private(&self.state_path, &bytes) {
            tracing::error!(
                "saving detection state to {}: {e}",
                self.state_path.display()
            );
        }
    }
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}
