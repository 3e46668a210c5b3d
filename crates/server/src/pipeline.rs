//! The one writer: receivers hand batches to a bounded queue; a single
//! thread decodes, enriches, stores (durably), runs detection and persists
//! alerts, then acknowledges the batch. One writer keeps the hash chain and
//! the detection state ordered without locks, and the bounded queue is where
//! backpressure comes from.

use crate::detection::Detection;
use crate::metrics::Metrics;
use sightline_decode::{Event, StreamInfo};
use sightline_parse::{Pipeline, PipelineConfig, SourceChoice};
use sightline_receive::Inbound;
use sightline_sanitize::Sanitizer;
use sightline_store::Store;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

/// What a batch carries.
pub enum Payload {
    /// Records from a receiver, to decode.
    Records(Vec<Inbound>),
    /// Events built by the server itself and already sanitized (the demo
    /// replay, decoded and enriched by the same pipeline).
    Events(Vec<Event>),
    /// Audit records: sanitized like decoded events (a search's text may
    /// hold a secret), then stored.
    Audit(Vec<Event>),
    /// Reload rules now (admin request); answered through the ack.
    ReloadRules,
}

/// The outcome of a batch, sent to whoever waits for the acknowledgement.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BatchReport {
    pub events: usize,
    pub stored: usize,
    pub duplicates: usize,
    pub parse_failures: usize,
    pub alerts: usize,
    /// Ids of the events not stored because they were stored before (or
    /// twice in the batch), for receivers that answer per record.
    #[serde(skip)]
    pub duplicate_ids: Vec<sightline_event::EventId>,
    /// For rule reloads: what happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum IngestError {
    #[error(
        "the store is full: {0}; nothing from this batch was stored; free disk space, raise store.max_disk or shorten store.retention, then retry"
    )]
    DiskFull(String),
    #[error("the store refused the batch: {0}")]
    Store(String),
    #[error("the server is busy (queue full); retry after {0} s")]
    Busy(u64),
    #[error("the server is shutting down; retry later")]
    ShuttingDown,
    #[error("{0}")]
    Rules(String),
}

pub struct Batch {
    pub receiver: &'static str,
    pub payload: Payload,
    pub received: Instant,
    pub ack: Option<tokio::sync::oneshot::Sender<Result<BatchReport, IngestError>>>,
}

/// The sending side, shared by every receiver.
#[derive(Clone)]
pub struct Queue {
    tx: SyncSender<Batch>,
    metrics: Arc<Metrics>,
}

impl Queue {
    /// Submits and waits for the batch to be durable. Waits up to `patience`
    /// for room in the queue (counted as backpressure time), then gives up
    /// with [`IngestError::Busy`] so HTTP clients get 503 + Retry-After.
    pub async fn submit(
        &self,
        receiver: &'static str,
        payload: Payload,
        patience: Duration,
    ) -> Result<BatchReport, IngestError> {
        let (ack_tx, ack_rx) = tokio::sync::oneshot::channel();
        let mut batch = Batch {
            receiver,
            payload,
            received: Instant::now(),
            ack: Some(ack_tx),
        };
        let started = Instant::now();
        loop {
            match self.tx.try_send(batch) {
                Ok(()) => break,
                Err(TrySendError::Disconnected(_)) => return Err(IngestError::ShuttingDown),
                Err(TrySendError::Full(b)) => {
                    if started.elapsed() >= patience {
                        self.metrics
                            .backpressure_rejections
                            .fetch_add(1, Ordering::Relaxed);
                        self.waited(started);
                        return Err(IngestError::Busy(1));
                    }
                    batch = b;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }
        self.waited(started);
        self.metrics.queue_depth.fetch_add(1, Ordering::Relaxed);
        ack_rx.await.unwrap_or(Err(IngestError::ShuttingDown))
    }

    fn waited(&self, since: Instant) {
        let us = since.elapsed().as_micros() as u64;
        if us > 5_000 {
            self.metrics
                .backpressure_micros
                .fetch_add(us, Ordering::Relaxed);
        }
    }
}

/// Builds the queue; the receiving end goes to [`Writer::run`].
pub fn queue(capacity: usize, metrics: Arc<Metrics>) -> (Queue, Receiver<Batch>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
    metrics
        .queue_capacity
        .store(capacity as u64, Ordering::Relaxed);
    (Queue { tx, metrics }, rx)
}

pub struct Writer {
    pub store: Arc<Store>,
    pub alerts: Arc<sightline_alerts::AlertStore>,
    pub detection: Detection,
    /// Decode options, sanitizer and enricher (the same as `sightline parse --config` builds).
    pub pipeline: Arc<PipelineConfig>,
    pub metrics: Arc<Metrics>,
    pub retention_every: Duration,
    /// Set at shutdown: drain what is queued and return (senders held by
    /// long-lived parts, such as the reload auditor, never all go away).
    pub stop: Arc<std::sync::atomic::AtomicBool>,
    pub retention: Box<dyn Fn(&Store) + Send>,
}

impl Writer {
    /// Runs until every sender is gone, then drains, saves detection state and returns.
    pub fn run(mut self, rx: Receiver<Batch>) {
        let decoder = Pipeline::with_config(SourceChoice::Auto, Arc::clone(&self.pipeline));
        let sanitizer = self.pipeline.sanitizer.clone();
        let mut last_save = Instant::now();
        let mut last_retention = Instant::now() - self.retention_every;
        let mut last_reload_check = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(500)) {
                Ok(batch) => {
                    self.metrics.queue_depth.fetch_sub(1, Ordering::Relaxed);
                    self.handle(&decoder, &sanitizer, batch);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.stop.load(Ordering::Relaxed) {
                        while let Ok(batch) = rx.try_recv() {
                            self.metrics.queue_depth.fetch_sub(1, Ordering::Relaxed);
                            self.handle(&decoder, &sanitizer, batch);
                        }
                        break;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if let Err(e) = self.store.tick() {
                tracing::warn!("store upkeep: {e}");
            }
            self.note_index_health(self.store.index_fault());
            let released = self.detection.tick();
            self.persist_alerts(released);
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
                self.update_store_gauges();
            }
            if last_retention.elapsed() >= self.retention_every {
                last_retention = Instant::now();
                (self.retention)(&self.store);
            }
        }
        self.detection.save_state();
        if let Err(e) = self.store.flush() {
            tracing::error!("flushing the store at shutdown: {e}");
        }
    }

    /// Stores alerts (new ones and updates) in one transaction (one fsync
    /// per batch, not per alert); returns how many are new, and records
    /// their latency from the arrival of their events.
    fn persist_alerts(&self, alerts: Vec<(sightline_detect::Alert, Instant)>) -> usize {
        if alerts.is_empty() {
            return 0;
        }
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
        let mut new = 0;
        for ((alert, arrived), result) in list.iter().zip(arrivals).zip(results) {
            match result {
                Ok(u) if u.is_new() => {
                    new += 1;
                    self.metrics.alerts_raised.add(alert.level.as_str(), 1);
                    self.metrics
                        .alert_latency
                        .observe_micros(arrived.elapsed().as_micros() as u64);
                }
                Ok(_) => {}
                Err(e) => tracing::error!("persisting alert {}: {e}", alert.id),
            }
        }
        new
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

    fn handle(&mut self, decoder: &Pipeline, sanitizer: &Sanitizer, batch: Batch) {
        let result = match batch.payload {
            Payload::ReloadRules => self
                .detection
                .reload()
                .map(|msg| {
                    self.metrics.rule_reloads.fetch_add(1, Ordering::Relaxed);
                    BatchReport {
                        message: Some(msg),
                        ..Default::default()
                    }
                })
                .map_err(IngestError::Rules),
            Payload::Records(records) => {
                self.metrics
                    .received
                    .add(batch.receiver, records.len() as u64);
                let events = decode(decoder, records);
                self.write(events, batch.received)
            }
            Payload::Events(events) => self.write(events, batch.received),
            Payload::Audit(mut events) => {
                for ev in &mut events {
                    sanitizer.apply(ev);
                }
                self.write(events, batch.received)
            }
        };
        if let Some(ack) = batch.ack {
            let _ = ack.send(result);
        }
    }

    fn write(&mut self, events: Vec<Event>, received: Instant) -> Result<BatchReport, IngestError> {
        let started = Instant::now();
        let appended = self.store.append(&events);
        self.metrics
            .store_append_micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        let report = match appended {
            Ok(r) => r,
            Err(e) => {
                self.metrics.store_errors.fetch_add(1, Ordering::Relaxed);
                return Err(match e {
                    // The store's own advice names its config field; ours names the key.
                    sightline_store::StoreError::DiskFull { path, detail } => {
                        self.metrics.disk_full.fetch_add(1, Ordering::Relaxed);
                        IngestError::DiskFull(format!("{detail} ({})", path.display()))
                    }
                    e => IngestError::Store(e.to_string()),
                });
            }
        };
        if report.index_error.is_some() {
            self.note_index_health(report.index_error.clone());
        }
        self.metrics.batches.fetch_add(1, Ordering::Relaxed);
        self.metrics
            .duplicates
            .fetch_add(report.duplicates, Ordering::Relaxed);
        let mut out = BatchReport {
            events: events.len(),
            stored: report.stored as usize,
            duplicates: report.duplicates as usize,
            duplicate_ids: report.duplicate_ids.clone(),
            ..Default::default()
        };
        // Only events stored now are detected on: a retried batch must not
        // count twice towards a threshold.
        let fresh: Vec<&Event> = events
            .iter()
            .filter(|ev| !report.duplicate_ids.contains(&ev.id))
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
        let started = Instant::now();
        let alerts = self.detection.process(&fresh, received);
        self.metrics
            .rule_eval_micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        out.alerts += self.persist_alerts(alerts);
        Ok(out)
    }
}

/// Decodes records, grouping consecutive records of one stream so multi-line
/// records (tracebacks) assemble as they do when reading files. Records the
/// sender framed as whole events are decoded alone, and completed with what
/// the sender sent besides the line ([`crate::structured`]).
pub fn decode(decoder: &Pipeline, records: Vec<Inbound>) -> Vec<Event> {
    let mut events = Vec::with_capacity(records.len());
    let mut i = 0;
    while i < records.len() {
        let first = &records[i];
        let mut j = i + 1;
        while j < records.len() && !first.whole && same_stream(first, &records[j]) {
            j += 1;
        }
        let group = &records[i..j];
        let mut text = String::new();
        for r in group {
            // One record is one line: inner line breaks would split it.
            text.push_str(&r.line.replace(['\n', '\r'], " "));
            text.push('\n');
        }
        let stream = StreamInfo {
            name: first.stream.clone(),
            path: first.path.as_ref().map(Into::into),
            host: first.host.clone(),
            // The time the sender claims dates untimed lines as well as a
            // file's layout would.
            untimed_base: first.time,
            modified: None,
            start_offset: first.offset,
        };
        let reader = std::io::Cursor::new(text.into_bytes());
        let mut produced = Vec::new();
        let mut push = |mut ev: Event| {
            for (k, v) in &first.attributes {
                ev.labels.entry(k.clone()).or_insert_with(|| v.clone());
            }
            if let Some(h) = &first.host
                && ev.get(sightline_event::field::HOST_NAME).is_none()
            {
                ev.set(sightline_event::field::HOST_NAME, h.as_str());
            }
            produced.push(ev);
        };
        let hinted = first
            .source_hint
            .as_deref()
            .and_then(|h| decoder.registry().get(h));
        // Reading from memory cannot fail.
        let _ = match hinted {
            Some(source) => decoder.read_with(source, stream, reader, &mut push),
            None => decoder.read(stream, reader, &mut push),
        };
        crate::structured::complete(decoder, first, &mut produced, group.len() == 1);
        events.append(&mut produced);
        i = j;
    }
    events
}

fn same_stream(a: &Inbound, b: &Inbound) -> bool {
    !b.whole
        && a.stream == b.stream
        && a.source_hint == b.source_hint
        && a.host == b.host
        && a.path == b.path
        && a.attributes == b.attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str, whole: bool) -> Inbound {
        Inbound {
            stream: "hec:test".into(),
            line: line.into(),
            source_hint: Some("milvus".into()),
            whole,
            ..Inbound::default()
        }
    }

    fn decoder() -> Pipeline {
        Pipeline::with_config(SourceChoice::Auto, Arc::new(PipelineConfig::default()))
    }

    const FIRST: &str =
        r#"[2026/03/09 10:08:14.713 +00:00] [ERROR] [proxy/impl.go:10] ["search failed"]"#;
    const SECOND: &str = "goroutine 12 [running]:";

    #[tokio::test]
    async fn a_full_queue_refuses_after_its_patience_and_counts_it() {
        let metrics = Arc::new(Metrics::default());
        let (queue, rx) = queue(1, Arc::clone(&metrics));
        // Fills the queue; its acknowledgement waits for the writer.
        let first = tokio::spawn({
            let q = queue.clone();
            async move {
                q.submit("test", Payload::Events(Vec::new()), Duration::from_secs(5))
                    .await
            }
        });
        while metrics.queue_depth.load(Ordering::Relaxed) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let second = queue
            .submit(
                "test",
                Payload::Events(Vec::new()),
                Duration::from_millis(100),
            )
            .await;
        assert!(matches!(second, Err(IngestError::Busy(_))), "{second:?}");
        assert_eq!(metrics.backpressure_rejections.load(Ordering::Relaxed), 1);
        // The writer takes the batch and acknowledges it: the first caller is answered.
        let batch = rx.recv().unwrap();
        let report = BatchReport {
            stored: 7,
            ..Default::default()
        };
        batch.ack.unwrap().send(Ok(report)).unwrap();
        assert_eq!(first.await.unwrap().unwrap().stored, 7);
    }

    #[test]
    fn line_records_of_one_stream_assemble_like_a_file() {
        let events = decode(
            &decoder(),
            vec![record(FIRST, false), record(SECOND, false)],
        );
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].original.contains(SECOND));
    }

    #[test]
    fn whole_records_are_never_joined_with_their_neighbours() {
        let events = decode(&decoder(), vec![record(FIRST, true), record(SECOND, true)]);
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(!events[0].original.contains(SECOND));
        assert_eq!(events[1].original, SECOND);
    }
}
