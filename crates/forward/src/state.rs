//! What the enqueueing side and a destination's worker share: the spool,
//! the counters, the dead-letter file and the stop signal.

use crate::config::Destination;
use serde::Serialize;
use sightline_spool::SharedSpool;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Per-destination figures for metrics and status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DestinationStats {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Items in the spool, not yet accepted by the destination.
    pub queued: u64,
    pub queued_bytes: u64,
    pub spool_budget: u64,
    /// Items the destination accepted, since start.
    pub sent: u64,
    /// Failed attempts that will be tried again.
    pub retried: u64,
    /// Items the destination refused for good, kept in the dead-letter file.
    pub dead_lettered: u64,
    /// Dead letters that did not fit in `dead_letter_budget` (logged, counted, lost).
    pub dead_letter_dropped: u64,
    /// Items not spooled because the spool budget was reached.
    pub refused: u64,
    /// Items not spooled because the spool could not be written.
    pub spool_errors: u64,
    /// Bytes of damaged spool records skipped.
    pub corrupt_bytes: u64,
    pub last_error: Option<String>,
    /// Age of the oldest item waiting, in seconds.
    pub lag_seconds: Option<f64>,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub sent: u64,
    pub retried: u64,
    pub dead_lettered: u64,
    pub dead_letter_dropped: u64,
    pub spool_errors: u64,
    pub last_error: Option<String>,
    /// When a refusal was last logged (refusals are logged at most every 10 s).
    pub refusal_logged: Option<Instant>,
    pub refused_unlogged: u64,
}

/// The stop flag workers sleep on.
#[derive(Default)]
pub(crate) struct Stop {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl Stop {
    pub fn set(&self) {
        *self.flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_all();
    }
    pub fn is_set(&self) -> bool {
        *self.flag.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// Sleeps `d` unless stopped first; true when stopped.
    pub fn sleep(&self, d: Duration) -> bool {
        let guard = self.flag.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = self
            .cv
            .wait_timeout_while(guard, d, |stopped| !*stopped)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }
}

pub struct DestState {
    pub dest: Destination,
    pub spool: SharedSpool,
    pub(crate) counters: Mutex<Counters>,
    pub(crate) stop: Arc<Stop>,
    pub(crate) dead_letter_path: PathBuf,
}

impl DestState {
    pub(crate) fn counters(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn stopping(&self) -> bool {
        self.stop.is_set()
    }

    /// True when stopped during the sleep.
    pub fn sleep(&self, d: Duration) -> bool {
        self.stop.sleep(d)
    }

    pub fn count_sent(&self, n: u64) {
        self.counters().sent += n;
    }

    pub fn note_error(&self, e: String) {
        tracing::error!(destination = %self.dest.name, "forward: {e}");
        self.counters().last_error = Some(e);
    }

    pub fn note_retry(&self, reason: &str) {
        let mut c = self.counters();
        c.retried += 1;
        // Log the first failure of a streak and then every tenth, not every attempt.
        if c.retried % 10 == 1 || c.last_error.as_deref() != Some(reason) {
            tracing::warn!(destination = %self.dest.name, retried = c.retried, "forward: {reason}; retrying");
        }
        c.last_error = Some(reason.to_owned());
    }

    /// Spool refusals (budget reached): counted by the spool, logged here.
    pub fn note_refused(&self, n: u64, total: u64) {
        let mut c = self.counters();
        c.refused_unlogged += n;
        let due = c
            .refusal_logged
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(10));
        if due {
            tracing::error!(
                destination = %self.dest.name,
                refused = c.refused_unlogged,
                refused_total = total,
                "forward: spool budget of {} bytes reached; items refused (the destination is down or too slow)",
                self.dest.spool_budget
            );
            c.refusal_logged = Some(Instant::now());
            c.refused_unlogged = 0;
        }
        c.last_error = Some(format!(
            "spool budget reached: {total} items refused since start"
        ));
    }

    /// Appends records to the dead-letter file (one JSON line each, fsynced).
    /// False when the file could not be written: the caller keeps the
    /// records in the spool and tries again later.
    pub fn dead_letter(&self, records: &[&[u8]], reason: &str) -> bool {
        let now = jiff::Timestamp::now();
        let mut lines = Vec::new();
        for r in records {
            let line = serde_json::json!({
                "time": now.to_string(),
                "destination": self.dest.name,
                "reason": reason,
                "record": String::from_utf8_lossy(r),
            });
            let _ = serde_json::to_writer(&mut lines, &line);
            lines.push(b'\n');
        }
        let size = std::fs::metadata(&self.dead_letter_path).map_or(0, |m| m.len());
        if size + lines.len() as u64 > self.dest.dead_letter_budget {
            let mut c = self.counters();
            c.dead_letter_dropped += records.len() as u64;
            tracing::error!(
                destination = %self.dest.name,
                dropped = records.len(),
                "forward: refused by the destination ({reason}) and the dead-letter file {} is full; these items are lost",
                self.dead_letter_path.display()
            );
            c.last_error = Some(format!("dead-letter file full; {reason}"));
            return true;
        }
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.dead_letter_path)
            .and_then(|mut f| f.write_all(&lines).and_then(|_| f.sync_data()));
        match written {
            Ok(()) => {
                let mut c = self.counters();
                c.dead_lettered += records.len() as u64;
                tracing::error!(
                    destination = %self.dest.name,
                    items = records.len(),
                    "forward: refused by the destination ({reason}); kept in {}",
                    self.dead_letter_path.display()
                );
                c.last_error = Some(reason.to_owned());
                true
            }
            Err(e) => {
                self.note_error(format!(
                    "writing the dead-letter file {}: {e}",
                    self.dead_letter_path.display()
                ));
                self.sleep(Duration::from_secs(1));
                false
            }
        }
    }

    pub fn stats(&self, now_micros: i64) -> DestinationStats {
        let s = self.spool.lock().stats();
        let c = self.counters();
        DestinationStats {
            name: self.dest.name.clone(),
            kind: self.dest.kind.type_name().into(),
            queued: s.pending,
            queued_bytes: s.pending_bytes,
            spool_budget: s.budget_bytes,
            sent: c.sent,
            retried: c.retried,
            dead_lettered: c.dead_lettered,
            dead_letter_dropped: c.dead_letter_dropped,
            refused: s.refused,
            spool_errors: c.spool_errors,
            corrupt_bytes: s.corrupt_bytes,
            last_error: c.last_error.clone(),
            lag_seconds: s
                .oldest_micros
                .map(|t| (now_micros.saturating_sub(t)).max(0) as f64 / 1e6),
        }
    }
}
