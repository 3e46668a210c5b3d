//! Forwarding stored events and alerts to the SIEM an organization already
//! runs: Splunk HEC, Elasticsearch `_bulk`, syslog (RFC 5424 over TCP/TLS)
//! and NDJSON over HTTP.
//!
//! [`ForwardHandle::enqueue_events`] encodes each event for each destination
//! and pushes it to that destination's own spool (fsynced) and returns: a
//! dead SIEM never slows ingest. One worker thread per destination sends
//! batches from its spool and acknowledges them only once the destination
//! accepted them (at-least-once, in order). Everything is sync: callable
//! from a plain thread (a pipeline sink).

pub mod config;
pub mod encode;
pub mod send;
mod state;
pub mod syslog;
pub mod worker;

pub use config::{
    ConfigError, Destination, Format, ForwardEntry, Forwarders, Kind, Problem, Secret,
};
pub use state::DestinationStats;

use sightline_detect::Alert;
use sightline_event::Event;
use sightline_spool::{SharedSpool, Spool, SpoolConfig};
use state::{DestState, Stop};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Why forwarding could not start.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("forward {name}: {source}")]
    Spool {
        name: String,
        #[source]
        source: sightline_spool::SpoolError,
    },
    #[error("forward {name}: {message}")]
    Start { name: String, message: String },
}

/// What an enqueue did, summed over destinations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnqueueReport {
    /// Items spooled (one per item per destination that wants it).
    pub accepted: u64,
    /// Items refused because a spool's budget was reached (counted, logged).
    pub refused: u64,
    /// Items not spooled because a spool could not be written (counted, logged).
    pub failed: u64,
}

/// Running forwarders: enqueue, look at figures, shut down.
pub struct ForwardHandle {
    dests: Vec<Arc<DestState>>,
    stop: Arc<Stop>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Forwarders {
    /// Opens each destination's spool under `state_dir/<name>/spool` (items
    /// left from a previous run are sent first) and starts its worker.
    pub fn start(&self, state_dir: &Path) -> Result<ForwardHandle, ForwardError> {
        let stop = Arc::new(Stop::default());
        let mut dests = Vec::new();
        let mut senders = Vec::new();
        for d in &self.destinations {
            let dir: PathBuf = state_dir.join(&d.name);
            let spool = Spool::open(SpoolConfig::new(dir.join("spool"), d.spool_budget)).map_err(
                |source| ForwardError::Spool {
                    name: d.name.clone(),
                    source,
                },
            )?;
            let sender = send::sender_for(d).map_err(|message| ForwardError::Start {
                name: d.name.clone(),
                message,
            })?;
            senders.push(sender);
            dests.push(Arc::new(DestState {
                dest: d.clone(),
                spool: SharedSpool::new(spool),
                counters: Mutex::default(),
                stop: Arc::clone(&stop),
                dead_letter_path: dir.join("dead-letter.jsonl"),
            }));
        }
        let mut workers = Vec::new();
        for (state, sender) in dests.iter().zip(senders) {
            let state = Arc::clone(state);
            let name = state.dest.name.clone();
            let t = std::thread::Builder::new()
                .name(format!("sightline-forward-{name}"))
                .spawn(move || worker::run(&state, sender))
                .map_err(|e| ForwardError::Start {
                    name,
                    message: format!("starting the worker: {e}"),
                })?;
            workers.push(t);
        }
        Ok(ForwardHandle {
            dests,
            stop,
            workers: Mutex::new(workers),
        })
    }
}

impl ForwardHandle {
    /// Spools the events each destination wants (by `send` and its
    /// dataset/module filters), in order, and returns.
    pub fn enqueue_events(&self, events: &[Event]) -> EnqueueReport {
        self.enqueue(|d, out| {
            for ev in events.iter().filter(|e| d.wants_event(e)) {
                let mut rec = Vec::with_capacity(ev.original.len() * 2 + 256);
                encode::event_record(d, ev, &mut rec);
                out.push(rec);
            }
        })
    }

    /// Spools alerts (raised or updated) for destinations with `send` listing `alerts`.
    pub fn enqueue_alerts(&self, alerts: &[Alert]) -> EnqueueReport {
        self.enqueue(|d, out| {
            if d.send_alerts {
                for a in alerts {
                    let mut rec = Vec::new();
                    encode::alert_record(d, a, &mut rec);
                    out.push(rec);
                }
            }
        })
    }

    fn enqueue(&self, encode: impl Fn(&Destination, &mut Vec<Vec<u8>>)) -> EnqueueReport {
        let now = jiff::Timestamp::now().as_microsecond();
        let mut report = EnqueueReport::default();
        for st in &self.dests {
            let mut records = Vec::new();
            encode(&st.dest, &mut records);
            if records.is_empty() {
                continue;
            }
            // A record larger than the whole budget can never be spooled.
            let max = st.dest.spool_budget.saturating_sub(64) as usize;
            let (fits, too_big): (Vec<_>, Vec<_>) = records.iter().partition(|r| r.len() <= max);
            if !too_big.is_empty() {
                let mut c = st.counters();
                c.spool_errors += too_big.len() as u64;
                drop(c);
                st.note_error(format!(
                    "{} items larger than the spool budget ({} bytes) not forwarded",
                    too_big.len(),
                    st.dest.spool_budget
                ));
                report.failed += too_big.len() as u64;
            }
            let slices: Vec<&[u8]> = fits.iter().map(|r| r.as_slice()).collect();
            match st.spool.push(&slices, now) {
                Ok(r) => {
                    report.accepted += r.accepted;
                    report.refused += r.refused;
                    if r.refused > 0 {
                        let total = st.spool.lock().stats().refused;
                        st.note_refused(r.refused, total);
                    }
                }
                Err(e) => {
                    st.counters().spool_errors += slices.len() as u64;
                    st.note_error(format!("{} items not spooled: {e}", slices.len()));
                    report.failed += slices.len() as u64;
                }
            }
        }
        report
    }

    /// Figures per destination, in configuration order.
    pub fn stats(&self) -> Vec<DestinationStats> {
        let now = jiff::Timestamp::now().as_microsecond();
        self.dests.iter().map(|d| d.stats(now)).collect()
    }

    /// Stops the workers (a batch in flight finishes its attempt); what was
    /// not acknowledged stays spooled for the next start.
    pub fn shutdown(&self) {
        self.stop.set();
        for d in &self.dests {
            d.spool.wake();
        }
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|p| p.into_inner()));
        for w in workers {
            let _ = w.join();
        }
    }
}

impl Drop for ForwardHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}
