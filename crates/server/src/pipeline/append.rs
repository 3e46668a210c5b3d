//! The append stage: one thread, because the hash chain and deduplication
//! need a total order. It puts prepared batches back into intake order,
//! writes every batch that is ready with one write and one fsync (group
//! commit), acknowledges each, then hands the events stored for the first
//! time to detection and to the sinks. It also does the store's upkeep.

use super::queue::BatchReport;
use super::sink::{SinkItem, SinkSet};
use super::{DetectJob, IngestError, Prepared, Work};
use crate::metrics::Metrics;
use sightline_decode::Event;
use sightline_store::Store;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// At most this many batches, or about this many bytes of event JSON, go
/// into one group commit.
const MAX_GROUP_BATCHES: usize = 256;
const MAX_GROUP_EVENTS: usize = 100_000;

pub(crate) struct Appender {
    pub store: Arc<Store>,
    pub metrics: Arc<Metrics>,
    pub detect: SyncSender<DetectJob>,
    pub sinks: Arc<SinkSet>,
    pub retention_every: Duration,
    pub retention: Box<dyn Fn(&Store) + Send>,
}

/// A batch of the group being written, and what it needs once written.
struct Pending {
    events: Vec<Event>,
    ack: Option<super::Ack>,
    received: Instant,
}

impl Appender {
    pub(crate) fn run(self, rx: Receiver<Prepared>) {
        let mut waiting: BTreeMap<u64, Prepared> = BTreeMap::new();
        let mut next = 0u64;
        let mut last_retention = Instant::now() - self.retention_every;
        let mut last_gauges = Instant::now();
        let mut done = false;
        while !done {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(p) => {
                    waiting.insert(p.seq, p);
                    while let Ok(p) = rx.try_recv() {
                        waiting.insert(p.seq, p);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => done = true,
            }
            self.write_ready(&mut waiting, &mut next);
            if done && !waiting.is_empty() {
                // Only if a worker died mid-batch: write what is left in order.
                tracing::error!(
                    "{} prepared batches were not contiguous at shutdown; writing them in order",
                    waiting.len()
                );
                if let Some(first) = waiting.keys().next().copied() {
                    next = first;
                }
                self.write_ready(&mut waiting, &mut next);
            }
            if let Err(e) = self.store.tick() {
                tracing::warn!("store upkeep: {e}");
            }
            self.note_index_health(self.store.index_fault());
            if last_retention.elapsed() >= self.retention_every {
                last_retention = Instant::now();
                (self.retention)(&self.store);
            }
            if last_gauges.elapsed() >= Duration::from_secs(10) {
                last_gauges = Instant::now();
                self.update_store_gauges();
            }
        }
        if let Err(e) = self.store.flush() {
            tracing::error!("flushing the store at shutdown: {e}");
        }
    }

    /// Writes every batch that is next in intake order, in groups.
    fn write_ready(&self, waiting: &mut BTreeMap<u64, Prepared>, next: &mut u64) {
        loop {
            let mut group: Vec<Prepared> = Vec::new();
            let mut events = 0;
            while group.len() < MAX_GROUP_BATCHES && events < MAX_GROUP_EVENTS {
                let Some(p) = waiting.remove(next) else { break };
                *next += 1;
                self.metrics.stage_depth.add("append", -1);
                match p.work {
                    Work::ReloadRules => {
                        // In order: what came before is written first.
                        self.commit(std::mem::take(&mut group));
                        self.to_detect(DetectJob::Reload(p.ack));
                    }
                    Work::Store { ref prepared, .. } => {
                        events += prepared.len();
                        group.push(p);
                    }
                }
            }
            if group.is_empty() {
                return;
            }
            self.commit(group);
        }
    }

    fn commit(&self, group: Vec<Prepared>) {
        if group.is_empty() {
            return;
        }
        let mut batches = Vec::with_capacity(group.len());
        let mut pending = Vec::with_capacity(group.len());
        for p in group {
            if let Work::Store { events, prepared } = p.work {
                batches.push(prepared);
                pending.push(Pending {
                    events,
                    ack: p.ack,
                    received: p.received,
                });
            }
        }
        let started = Instant::now();
        let results = self.store.append_group(batches);
        self.metrics
            .store_append_micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        self.metrics.group_commits.fetch_add(1, Ordering::Relaxed);
        let mut fresh_batches = Vec::new();
        for (p, result) in pending.into_iter().zip(results) {
            let answer = match result {
                Ok(report) => {
                    if report.index_error.is_some() {
                        self.note_index_health(report.index_error.clone());
                    }
                    self.metrics.batches.fetch_add(1, Ordering::Relaxed);
                    self.metrics
                        .duplicates
                        .fetch_add(report.duplicates, Ordering::Relaxed);
                    let mut out = BatchReport {
                        events: p.events.len(),
                        stored: report.stored as usize,
                        duplicates: report.duplicates as usize,
                        duplicate_ids: report.duplicate_ids.clone(),
                        ..Default::default()
                    };
                    // Only events stored now go on: a retried batch must not
                    // count twice towards a threshold.
                    let dup: HashSet<_> = report.duplicate_ids.iter().copied().collect();
                    let fresh: Vec<Event> = p
                        .events
                        .into_iter()
                        .filter(|ev| !dup.contains(&ev.id))
                        .collect();
                    for ev in &fresh {
                        self.metrics.stored.add(&ev.dataset, 1);
                        if ev.has_tag(sightline_event::tags::PARSE_FAILURE) {
                            self.metrics.parse_failures.add(&ev.dataset, 1);
                            out.parse_failures += 1;
                        }
                        if ev.has_tag(sightline_event::tags::TIMESTAMP_FUTURE) {
                            self.metrics.future.add(&ev.dataset, 1);
                        }
                    }
                    if !fresh.is_empty() {
                        fresh_batches.push((fresh, p.received));
                    }
                    Ok(out)
                }
                Err(e) => {
                    self.metrics.store_errors.fetch_add(1, Ordering::Relaxed);
                    Err(match e {
                        // The store's own advice names its config field; ours names the key.
                        sightline_store::StoreError::DiskFull { path, detail } => {
                            self.metrics.disk_full.fetch_add(1, Ordering::Relaxed);
                            IngestError::DiskFull(format!("{detail} ({})", path.display()))
                        }
                        e => IngestError::Store(e.to_string()),
                    })
                }
            };
            if let Some(ack) = p.ack {
                let _ = ack.send(answer);
            }
        }
        // Acknowledged: now detection and the sinks, which may push back.
        for (events, received) in fresh_batches {
            let events = Arc::new(events);
            self.sinks.send(&SinkItem::Events(Arc::clone(&events)));
            self.to_detect(DetectJob::Events { events, received });
        }
    }

    fn to_detect(&self, job: DetectJob) {
        self.metrics.stage_depth.add("detect", 1);
        if self.detect.send(job).is_err() {
            self.metrics.stage_depth.add("detect", -1);
            tracing::error!("the detect stage has stopped; stored events go undetected");
        }
    }

    /// Logs when the index starts or stops lagging the segments.
    fn note_index_health(&self, fault: Option<String>) {
        let lagging = u64::from(fault.is_some());
        if self.metrics.index_lagging.swap(lagging, Ordering::Relaxed) != lagging {
            match fault {
                Some(f) => tracing::error!(
                    "the index failed ({f}); events are still stored and become searchable once it is repaired (retried every second)"
                ),
                None => tracing::info!("the index is repaired; every stored event is searchable"),
            }
        }
    }

    fn update_store_gauges(&self) {
        let s = self.store.stats();
        self.metrics
            .store_bytes
            .store(s.bytes_on_disk, Ordering::Relaxed);
        self.metrics.store_events.store(s.events, Ordering::Relaxed);
    }
}
