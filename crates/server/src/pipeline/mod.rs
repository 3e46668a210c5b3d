//! The ingest pipeline, as stages with bounded queues between them:
//!
//! ```text
//!  receivers ─▶ intake ─▶ prepare ×N ─▶ append ─┬─▶ index   (the store's own stage)
//!   (Queue)   (bounded)  decode, sanitize,     │   dedup, chain, one write and
//!                        enrich, serialize,    │   one fsync per group, then ack
//!                        index documents       ├─▶ detect ─▶ alerts (SQLite) ─▶ sinks
//!                                              └─▶ sinks (stored events)
//! ```
//!
//! Only three things need a total order: the hash chain with deduplication
//! (append), and detection state (detect). Everything else is per batch and
//! stateless, so it runs on a pool of prepare workers, one per core; the
//! appender puts their output back into intake order, so the store holds
//! batches in the order they were taken in. A batch is acknowledged once its
//! group is fsynced; detection no longer holds up the acknowledgement (alert
//! counts are in the metrics). Each boundary is a bounded channel: a slow
//! stage fills its queue, which stops the one before it, down to the intake,
//! where receivers answer 503 + Retry-After or pause reading. Sinks
//! (notifiers, forwarders) each get their own queue and thread.

mod append;
mod decode;
mod detect;
mod prepare;
mod queue;
pub mod sink;

pub use decode::decode;
pub use queue::{Batch, BatchReport, IngestError, Payload, Queue, queue};
pub use sink::{AlertChange, EvidenceContext, Sink, SinkItem};

use crate::detection::Detection;
use crate::metrics::Metrics;
use sightline_decode::Event;
use sightline_parse::PipelineConfig;
use sightline_store::Store;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub(crate) type Ack = tokio::sync::oneshot::Sender<Result<BatchReport, IngestError>>;

/// A batch after the prepare stage, numbered in intake order.
pub(crate) struct Prepared {
    pub seq: u64,
    pub received: Instant,
    pub ack: Option<Ack>,
    pub work: Work,
}

pub(crate) enum Work {
    /// Events to store, with their stored forms and index documents.
    Store {
        events: Vec<Event>,
        prepared: Vec<sightline_store::Prepared>,
    },
    /// Reload the rules: answered by the detect stage, in order.
    ReloadRules,
}

/// What the detect stage receives, in append order.
pub(crate) enum DetectJob {
    /// Events stored for the first time, and when their batch arrived.
    Events {
        events: Arc<Vec<Event>>,
        received: Instant,
    },
    Reload(Option<Ack>),
}

/// Everything the stages need, built by the server (or a test).
pub struct Parts {
    pub store: Arc<Store>,
    pub alerts: Arc<sightline_alerts::AlertStore>,
    pub detection: Detection,
    /// Decode options, sanitizer and enricher (the same as `sightline parse --config` builds).
    pub pipeline: Arc<PipelineConfig>,
    pub metrics: Arc<Metrics>,
    pub retention_every: Duration,
    pub retention: Box<dyn Fn(&Store) + Send>,
    pub sinks: Vec<Box<dyn Sink>>,
    /// Prepare workers; 0 means one per core.
    pub workers: usize,
}

/// The running stages.
pub struct Topology {
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    appender: Option<JoinHandle<()>>,
    detector: Option<JoinHandle<()>>,
    indexer: Option<JoinHandle<()>>,
    sinks: Vec<JoinHandle<()>>,
    store: Arc<Store>,
}

/// Batches between prepare and append, per worker.
const PREPARED_PER_WORKER: usize = 2;
/// Batches waiting for the index stage and for detection.
const INDEX_QUEUE: usize = 16;
const DETECT_QUEUE: usize = 16;

impl Topology {
    /// Starts every stage; batches come from `intake` (see [`queue`]).
    pub fn start(parts: Parts, intake: Receiver<Batch>) -> std::io::Result<Topology> {
        let Parts {
            store,
            alerts,
            detection,
            pipeline,
            metrics,
            retention_every,
            retention,
            sinks,
            workers,
        } = parts;
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            workers
        };
        let stop = Arc::new(AtomicBool::new(false));

        let indexer = match store.detach_indexer(INDEX_QUEUE) {
            Some(queue) => {
                let s = Arc::clone(&store);
                Some(spawn("sightline-index", move || s.run_indexer(queue))?)
            }
            None => None,
        };

        let (sink_set, sink_threads) = sink::start(sinks, Arc::clone(&metrics));
        let sink_set = Arc::new(sink_set);

        let (detect_tx, detect_rx) = std::sync::mpsc::sync_channel(DETECT_QUEUE);
        let detect_stage = detect::DetectStage {
            detection,
            alerts,
            metrics: Arc::clone(&metrics),
            sinks: Arc::clone(&sink_set),
        };
        let detector = spawn("sightline-detect", move || detect_stage.run(detect_rx))?;

        let (prep_tx, prep_rx) = std::sync::mpsc::sync_channel(workers * PREPARED_PER_WORKER);
        let shared = Arc::new(prepare::Shared {
            intake: Mutex::new((intake, 0)),
            stop: Arc::clone(&stop),
            store: Arc::clone(&store),
            pipeline,
            metrics: Arc::clone(&metrics),
        });
        let mut worker_threads = Vec::with_capacity(workers);
        for i in 0..workers {
            let shared = Arc::clone(&shared);
            let tx = prep_tx.clone();
            worker_threads.push(spawn(&format!("sightline-prepare-{i}"), move || {
                prepare::run(&shared, &tx)
            })?);
        }
        drop(prep_tx);

        let appender = append::Appender {
            store: Arc::clone(&store),
            metrics,
            detect: detect_tx,
            sinks: sink_set,
            retention_every,
            retention,
        };
        let appender = spawn("sightline-append", move || appender.run(prep_rx))?;
        Ok(Topology {
            stop,
            workers: worker_threads,
            appender: Some(appender),
            detector: Some(detector),
            indexer,
            sinks: sink_threads,
            store,
        })
    }

    /// Drains what is queued through every stage, flushes the store, saves
    /// the detection state, and returns when every stage has stopped.
    /// (Senders of the intake held by long-lived parts, such as the audit
    /// flusher, never all go away: the stop flag ends the intake.)
    pub fn stop(mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        // The appender ends once the workers are gone, after a last flush;
        // it drops the detect queue and the sinks' event queues.
        if let Some(a) = self.appender.take() {
            let _ = a.join();
        }
        if let Some(d) = self.detector.take() {
            let _ = d.join();
        }
        self.store.stop_indexer();
        if let Some(i) = self.indexer.take() {
            let _ = i.join();
        }
        for s in self.sinks.drain(..) {
            let _ = s.join();
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name.into()).spawn(f)
}

#[cfg(test)]
mod tests;
