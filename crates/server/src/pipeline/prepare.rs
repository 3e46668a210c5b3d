//! The prepare stage: a pool of workers, one per core, each taking the next
//! batch from the intake and turning it into what the appender writes —
//! decoded, sanitized and enriched events, their stored JSON and their index
//! documents. Batches are numbered as they are taken, so the appender can
//! put them back in intake order whichever worker finishes first.

use super::{Batch, Payload, Prepared, Work, decode};
use crate::metrics::Metrics;
use sightline_decode::Event;
use sightline_parse::{Pipeline, PipelineConfig, SourceChoice};
use sightline_store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) struct Shared {
    /// The intake and the number the next batch taken gets.
    pub intake: Mutex<(Receiver<Batch>, u64)>,
    pub stop: Arc<AtomicBool>,
    pub store: Arc<Store>,
    pub pipeline: Arc<PipelineConfig>,
    pub metrics: Arc<Metrics>,
}

/// Takes the next batch; `None` once the intake is closed, or stopped and empty.
fn next(shared: &Shared) -> Option<(u64, Batch)> {
    loop {
        let mut guard = shared.intake.lock().unwrap_or_else(|p| p.into_inner());
        let (rx, counter) = &mut *guard;
        let got = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(b) => Some(b),
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => {
                if shared.stop.load(Ordering::Relaxed) {
                    // Stopping: what is still queued goes through first.
                    match rx.try_recv() {
                        Ok(b) => Some(b),
                        Err(_) => return None,
                    }
                } else {
                    None
                }
            }
        };
        if let Some(b) = got {
            let seq = *counter;
            *counter += 1;
            shared.metrics.queue_depth.fetch_sub(1, Ordering::Relaxed);
            return Some((seq, b));
        }
    }
}

/// One worker: runs until the intake ends.
pub(crate) fn run(shared: &Shared, out: &SyncSender<Prepared>) {
    let decoder = Pipeline::with_config(SourceChoice::Auto, Arc::clone(&shared.pipeline));
    while let Some((seq, batch)) = next(shared) {
        let work = match batch.payload {
            Payload::Records(records) => {
                shared
                    .metrics
                    .received
                    .add(batch.receiver, records.len() as u64);
                store_work(&shared.store, decode(&decoder, records))
            }
            Payload::Events(events) => store_work(&shared.store, events),
            Payload::Audit(mut events) => {
                // A search's text may hold a secret: audit records are
                // sanitized like decoded events.
                for ev in &mut events {
                    shared.pipeline.sanitizer.apply(ev);
                }
                store_work(&shared.store, events)
            }
            Payload::ReloadRules => Work::ReloadRules,
        };
        let prepared = Prepared {
            seq,
            received: batch.received,
            ack: batch.ack,
            work,
        };
        shared.metrics.stage_depth.add("append", 1);
        // Blocks while the appender is behind: backpressure.
        if out.send(prepared).is_err() {
            return;
        }
    }
}

fn store_work(store: &Store, events: Vec<Event>) -> Work {
    let prepared = events.iter().map(|e| store.prepare(e)).collect();
    Work::Store { events, prepared }
}
