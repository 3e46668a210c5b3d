//! Sinks: where stored events and alerts go after the pipeline (notifiers,
//! SIEM forwarders). Each sink runs on its own thread behind its own bounded
//! queue, in order. A sink's `accept` is meant to be quick — hand the item
//! to the sink's own durable queue, whose delivery runs apart — so that no
//! destination, however slow or dead, holds up ingest; a sink that blocks
//! anyway fills its queue and pushes back on the appender, never loses
//! items silently.

use crate::metrics::Metrics;
use sightline_decode::Event;
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

/// An alert as persisted: new, or an update of one already raised.
#[derive(Debug, Clone)]
pub struct AlertChange {
    pub alert: sightline_detect::Alert,
    pub is_new: bool,
    /// The analysts' state after the update (an update leaves it alone).
    pub triage: sightline_alerts::TriageState,
    /// What the alert's evidence says of where it happened.
    pub context: EvidenceContext,
}

/// Dataset, module and host of an alert's evidence, when one of its events
/// was in the batch that raised or updated it (correlations released later
/// by the watermark carry none; routing keeps what it learnt earlier).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceContext {
    pub dataset: Option<String>,
    pub module: Option<String>,
    pub host: Option<String>,
}

impl EvidenceContext {
    pub fn of(event: &Event) -> EvidenceContext {
        let field = |name: &str| event.get_str(name).map(str::to_owned);
        EvidenceContext {
            dataset: field("event.dataset"),
            module: field("event.module"),
            host: field("host.name"),
        }
    }
}

/// What flows to sinks, shared between them.
#[derive(Debug, Clone)]
pub enum SinkItem {
    /// Events stored for the first time, in store order.
    Events(Arc<Vec<Event>>),
    /// Alerts raised or updated.
    Alerts(Arc<Vec<AlertChange>>),
}

/// A destination for stored events and alerts.
pub trait Sink: Send {
    /// For logs and metrics.
    fn name(&self) -> String;
    /// One item, in order, on the sink's own thread.
    fn accept(&mut self, item: &SinkItem);
    /// About every second, and once more when the pipeline stops.
    fn tick(&mut self) {}
}

/// Items each sink may have waiting.
const SINK_QUEUE: usize = 64;

/// The sending side of every sink's queue.
pub(crate) struct SinkSet {
    senders: Vec<(String, SyncSender<SinkItem>)>,
    metrics: Arc<Metrics>,
}

impl SinkSet {
    /// Hands `item` to every sink, waiting while a sink's queue is full.
    pub(crate) fn send(&self, item: &SinkItem) {
        for (name, tx) in &self.senders {
            self.metrics.stage_depth.add(&format!("sink:{name}"), 1);
            if tx.send(item.clone()).is_err() {
                self.metrics.stage_depth.add(&format!("sink:{name}"), -1);
                tracing::error!("sink {name} has stopped; items for it are not delivered");
            }
        }
    }
}

/// Starts a thread per sink.
pub(crate) fn start(
    sinks: Vec<Box<dyn Sink>>,
    metrics: Arc<Metrics>,
) -> (SinkSet, Vec<JoinHandle<()>>) {
    let mut senders = Vec::new();
    let mut threads = Vec::new();
    for mut sink in sinks {
        let name = sink.name();
        let (tx, rx) = std::sync::mpsc::sync_channel::<SinkItem>(SINK_QUEUE);
        let m = Arc::clone(&metrics);
        let label = format!("sink:{name}");
        let spawned = std::thread::Builder::new()
            .name(format!("sightline-sink-{name}"))
            .spawn(move || {
                loop {
                    match rx.recv_timeout(Duration::from_secs(1)) {
                        Ok(item) => {
                            m.stage_depth.add(&label, -1);
                            sink.accept(&item);
                        }
                        Err(RecvTimeoutError::Timeout) => sink.tick(),
                        Err(RecvTimeoutError::Disconnected) => {
                            sink.tick();
                            return;
                        }
                    }
                }
            });
        match spawned {
            Ok(t) => {
                senders.push((name, tx));
                threads.push(t);
            }
            Err(e) => tracing::error!("starting sink {name}: {e}; it receives nothing"),
        }
    }
    (SinkSet { senders, metrics }, threads)
}
