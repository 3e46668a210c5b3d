//! The forwarding sink: every stored event and alert is handed to the
//! destinations of `[[forward]]` (crates/forward), each of which keeps its
//! own spool and delivery worker, so a dead SIEM never slows ingest.

use crate::pipeline::{Sink, SinkItem};
use sightline_forward::ForwardHandle;
use std::fmt::Write as _;
use std::sync::Arc;

pub struct ForwardSink {
    handle: Arc<ForwardHandle>,
}

impl ForwardSink {
    pub fn new(handle: Arc<ForwardHandle>) -> ForwardSink {
        ForwardSink { handle }
    }
}

impl Sink for ForwardSink {
    fn name(&self) -> String {
        "forward".into()
    }

    fn accept(&mut self, item: &SinkItem) {
        let report = match item {
            SinkItem::Events(events) => self.handle.enqueue_events(events),
            SinkItem::Alerts(changes) => {
                let alerts: Vec<_> = changes.iter().map(|c| c.alert.clone()).collect();
                self.handle.enqueue_alerts(&alerts)
            }
        };
        // Refusals (spool budget) are counted per destination in its stats
        // and shown on /metrics; the forwarder logs them too.
        let _ = report;
    }
}

/// Name, type, help and value of one metric series.
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&sightline_forward::DestinationStats) -> f64,
);

/// The forwarding lines of `/metrics`, one series per destination.
pub fn render_metrics(handle: &ForwardHandle) -> String {
    let stats = handle.stats();
    let mut out = String::new();
    let series: [Series; 7] = [
        (
            "sightline_forward_queued",
            "gauge",
            "items spooled, not yet accepted by the destination",
            |s| s.queued as f64,
        ),
        (
            "sightline_forward_queued_bytes",
            "gauge",
            "bytes spooled for the destination",
            |s| s.queued_bytes as f64,
        ),
        (
            "sightline_forward_sent_total",
            "counter",
            "items the destination accepted",
            |s| s.sent as f64,
        ),
        (
            "sightline_forward_retried_total",
            "counter",
            "failed attempts tried again",
            |s| s.retried as f64,
        ),
        (
            "sightline_forward_dead_lettered_total",
            "counter",
            "items refused for good, kept in the dead-letter file",
            |s| s.dead_lettered as f64,
        ),
        (
            "sightline_forward_refused_total",
            "counter",
            "items not spooled: the spool budget was reached",
            |s| s.refused as f64,
        ),
        (
            "sightline_forward_lag_seconds",
            "gauge",
            "age of the oldest item not yet accepted",
            |s| s.lag_seconds.unwrap_or(0.0),
        ),
    ];
    for (name, kind, help, value) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for s in &stats {
            let _ = writeln!(out, "{name}{{destination=\"{}\"}} {}", s.name, value(s));
        }
    }
    out
}
