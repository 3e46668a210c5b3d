//! The detect stage: one thread, because detection state (windows,
//! baselines, the event-time watermark) needs the events in order. It runs
//! the rules on every event stored for the first time, persists alerts (one
//! SQLite transaction per batch) and hands them to the sinks; on a timer it
//! moves the watermark, checks rule files for changes and saves its state.

use super::DetectJob;
use super::queue::{BatchReport, IngestError};
use super::sink::{AlertChange, EvidenceContext, SinkItem, SinkSet};
use crate::detection::Detection;
use crate::metrics::Metrics;
use sightline_decode::Event;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub(crate) struct DetectStage {
    pub detection: Detection,
    pub alerts: Arc<sightline_alerts::AlertStore>,
    pub metrics: Arc<Metrics>,
    pub sinks: Arc<SinkSet>,
}

impl DetectStage {
    pub(crate) fn run(mut self, rx: Receiver<DetectJob>) {
        let mut last_save = Instant::now();
        let mut last_reload_check = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(DetectJob::Events { events, received }) => {
                    self.metrics.stage_depth.add("detect", -1);
                    let refs: Vec<&Event> = events.iter().collect();
                    let started = Instant::now();
                    let alerts = self.detection.process(&refs, received);
                    self.metrics
                        .rule_eval_micros
                        .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                    self.persist(alerts, &events);
                }
                Ok(DetectJob::Reload(ack)) => {
                    self.metrics.stage_depth.add("detect", -1);
                    let result = self
                        .detection
                        .reload()
                        .map(|msg| {
                            self.metrics.rule_reloads.fetch_add(1, Ordering::Relaxed);
                            BatchReport {
                                message: Some(msg),
                                ..Default::default()
                            }
                        })
                        .map_err(IngestError::Rules);
                    if let Some(ack) = ack {
                        let _ = ack.send(result);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let released = self.detection.tick();
            self.persist(released, &[]);
            if last_reload_check.elapsed() >= self.detection.reload_interval {
                last_reload_check = Instant::now();
                if let Some(msg) = self.detection.reload_if_changed() {
                    tracing::info!(target: "sightline::rules", "{msg}");
                    self.metrics.rule_reloads.fetch_add(1, Ordering::Relaxed);
                }
            }
            if last_save.elapsed() >= Duration::from_secs(10) {
                last_save = Instant::now();
                self.detection.save_state();
            }
        }
        self.detection.save_state();
    }

    /// Stores alerts (new ones and updates) in one transaction; records the
    /// latency of new ones from the arrival of their events; passes them on.
    fn persist(&self, alerts: Vec<(sightline_detect::Alert, Instant)>, batch: &[Event]) {
        if alerts.is_empty() {
            return;
        }
        let by_id: std::collections::HashMap<&str, &Event> = if batch.is_empty() {
            Default::default()
        } else {
            batch
                .iter()
                .filter_map(|e| Some((e.get_str("event.id")?, e)))
                .collect()
        };
        let now = jiff::Timestamp::now();
        let (list, arrivals): (Vec<_>, Vec<_>) = alerts.into_iter().unzip();
        let results = match self.alerts.upsert_many(&list, now) {
            Ok(all) => all.into_iter().map(Ok).collect(),
            // One at a time, so one bad alert does not lose the others.
            Err(_) => list
                .iter()
                .map(|a| self.alerts.upsert(a, now))
                .collect::<Vec<_>>(),
        };
        let mut changes = Vec::with_capacity(list.len());
        for ((alert, arrived), result) in list.into_iter().zip(arrivals).zip(results) {
            match result {
                Ok(u) => {
                    let is_new = u.is_new();
                    let context = alert
                        .event_ids
                        .iter()
                        .rev()
                        .find_map(|id| by_id.get(id.as_str()))
                        .map(|e| EvidenceContext::of(e))
                        .unwrap_or_default();
                    if is_new {
                        self.metrics.alerts_raised.add(alert.level.as_str(), 1);
                        self.metrics
                            .alert_latency
                            .observe_micros(arrived.elapsed().as_micros() as u64);
                    }
                    changes.push(AlertChange {
                        alert,
                        is_new,
                        triage: u.state(),
                        context,
                    });
                }
                Err(e) => tracing::error!("persisting alert {}: {e}", alert.id),
            }
        }
        if !changes.is_empty() {
            self.sinks.send(&SinkItem::Alerts(Arc::new(changes)));
        }
    }
}
