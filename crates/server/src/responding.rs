//! Automated response (crates/respond) in the server: the response sink
//! decides runs for every alert raised or updated (quick: SQLite only); a
//! runner thread executes what is due once a second, apart from the
//! pipeline, so a slow action never holds up ingest. Every run decided,
//! started, finished, approved or rejected is an audit record.

use crate::audit;
use crate::metrics::Metrics;
use crate::pipeline::{AlertChange, Payload, Queue, Sink, SinkItem};
use sightline_respond::{Responder, RunRecord};
use sightline_route::{AlertInfo, labels_of};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Writes audit records of runs from threads outside the async runtime.
#[derive(Clone)]
pub struct RunAudit {
    queue: Queue,
    runtime: tokio::runtime::Handle,
    metrics: Arc<Metrics>,
}

impl RunAudit {
    pub fn new(queue: Queue, runtime: tokio::runtime::Handle, metrics: Arc<Metrics>) -> RunAudit {
        RunAudit {
            queue,
            runtime,
            metrics,
        }
    }

    /// One audit record per run, named `response-<state>`.
    pub fn runs(&self, runs: &[RunRecord]) {
        if runs.is_empty() {
            return;
        }
        let events: Vec<_> = runs
            .iter()
            .map(|r| {
                let state = serde_json::to_value(r.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "changed".into());
                let ok = !matches!(state.as_str(), "failed" | "timed_out" | "interrupted");
                audit::record(
                    None,
                    None,
                    &format!("response-{state}"),
                    ok,
                    serde_json::to_value(r).unwrap_or_default(),
                )
            })
            .collect();
        let n = events.len() as u64;
        // Bounded wait: a full intake must not wedge the caller.
        let submitted = self.runtime.block_on(self.queue.submit(
            "audit",
            Payload::Audit(events),
            Duration::from_secs(5),
        ));
        if let Err(e) = submitted {
            self.metrics.audit_failures.fetch_add(n, Ordering::Relaxed);
            tracing::error!("audit records of {n} response runs not stored: {e}");
        }
    }
}

/// Decides response runs for alert changes.
pub struct ResponseSink {
    responder: Arc<Responder>,
    audit: RunAudit,
}

impl ResponseSink {
    pub fn new(responder: Arc<Responder>, audit: RunAudit) -> ResponseSink {
        ResponseSink { responder, audit }
    }
}

fn info_of(c: &AlertChange) -> AlertInfo {
    let ctx = &c.context;
    AlertInfo {
        id: c.alert.id.clone(),
        labels: labels_of(
            &c.alert,
            ctx.dataset.as_deref(),
            ctx.module.as_deref(),
            ctx.host.as_deref(),
        ),
        state: crate::acting::state_of(c.triage),
        summary: c.alert.summary.clone(),
        explanation: c.alert.explanation.clone(),
        count: c.alert.count,
        first_seen: c.alert.first_seen,
        last_seen: c.alert.last_seen,
        url: None,
    }
}

impl Sink for ResponseSink {
    fn name(&self) -> String {
        "response".into()
    }

    fn accept(&mut self, item: &SinkItem) {
        let SinkItem::Alerts(changes) = item else {
            return;
        };
        let now = jiff::Timestamp::now();
        let mut decided = Vec::new();
        for c in changes.iter() {
            match self.responder.on_alert(&info_of(c), now) {
                Ok(runs) => decided.extend(runs),
                Err(e) => tracing::error!("response decision for alert {}: {e}", c.alert.id),
            }
        }
        self.audit.runs(&decided);
    }
}

/// Executes due runs (and undos) about once a second until `stop`.
pub fn start_runner(
    responder: Arc<Responder>,
    audit: RunAudit,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    audit.runs(responder.interrupted());
    std::thread::Builder::new()
        .name("sightline-response".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match responder.execute_due(jiff::Timestamp::now()) {
                    Ok(runs) => audit.runs(&runs),
                    Err(e) => tracing::error!("running response actions: {e}"),
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
}
