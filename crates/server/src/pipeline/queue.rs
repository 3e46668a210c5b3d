//! The intake: what receivers submit, and the bounded queue they submit it to.

use crate::metrics::Metrics;
use sightline_decode::Event;
use sightline_receive::Inbound;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
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

/// Builds the intake queue; the receiving end goes to the prepare stage.
pub fn queue(capacity: usize, metrics: Arc<Metrics>) -> (Queue, Receiver<Batch>) {
    let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
    metrics
        .queue_capacity
        .store(capacity as u64, Ordering::Relaxed);
    (Queue { tx, metrics }, rx)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
