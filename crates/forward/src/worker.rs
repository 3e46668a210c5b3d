//! One delivery worker per destination: batches from the spool, sends,
//! acknowledges only what the destination accepted, backs off on
//! transient failures, dead-letters what it refused for good.

use crate::config::{BatchLimits, Destination, RetryPolicy};
use crate::send::{Deliver, Outcome};
use crate::state::DestState;
use sightline_spool::Item;
use std::time::Duration;

/// The wait before attempt `attempt + 1` (attempt ≥ 1): doubling from
/// `initial`, capped, with "equal jitter" (half fixed, half random) so
/// forwarders that failed together do not retry together.
pub fn backoff(policy: &RetryPolicy, attempt: u32, random: u64) -> Duration {
    let exp = attempt.saturating_sub(1).min(30);
    let base = policy
        .initial_backoff
        .saturating_mul(1u32 << exp)
        .min(policy.max_backoff);
    let half = base / 2;
    let nanos = half.as_nanos().min(u128::from(u64::MAX)) as u64;
    half + Duration::from_nanos(if nanos == 0 { 0 } else { random % (nanos + 1) })
}

/// How long to wait before sending what is pending, or `None` to send now:
/// a batch goes when full (items or bytes) or when its oldest item waited
/// `max_delay`.
pub fn hold_for(limits: &BatchLimits, items: &[Item], now_micros: i64) -> Option<Duration> {
    let first = items.first()?;
    let bytes: u64 = items.iter().map(|i| i.payload.len() as u64).sum();
    if items.len() >= limits.max_items || bytes >= limits.max_bytes {
        return None;
    }
    let waited =
        Duration::from_micros(now_micros.saturating_sub(first.pushed_micros).max(0) as u64);
    limits
        .max_delay
        .checked_sub(waited)
        .filter(|d| !d.is_zero())
}

fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

/// Runs until `state.stopping()`; what is not acknowledged stays in the spool.
pub fn run(state: &DestState, mut sender: Box<dyn Deliver>) {
    let dest = &state.dest;
    while !state.stopping() {
        let items = match state
            .spool
            .lock()
            .peek(dest.batch.max_items, dest.batch.max_bytes)
        {
            Ok(i) => i,
            Err(e) => {
                state.note_error(format!("reading the spool: {e}"));
                state.sleep(Duration::from_secs(1));
                continue;
            }
        };
        if items.is_empty() {
            state.spool.wait(Duration::from_millis(500));
            continue;
        }
        if let Some(wait) = hold_for(&dest.batch, &items, now_micros()) {
            state.sleep(wait);
            continue;
        }
        deliver(state, dest, sender.as_mut(), items);
    }
}

/// Sends one batch until it is resolved (sent or dead-lettered), or the
/// worker stops.
fn deliver(state: &DestState, dest: &Destination, sender: &mut dyn Deliver, items: Vec<Item>) {
    let Some(last) = items.last().map(|i| i.next) else {
        return;
    };
    let mut todo: Vec<&[u8]> = items.iter().map(|i| i.payload.as_slice()).collect();
    let mut attempt = 0u32;
    loop {
        let outcome = sender.send(&todo);
        attempt += 1;
        let (reason, after) = match outcome {
            Outcome::Accepted => {
                state.count_sent(todo.len() as u64);
                break;
            }
            Outcome::Reject { reason } => {
                if !state.dead_letter(&todo, &reason) {
                    return;
                }
                break;
            }
            Outcome::Partial { retry, rejected } => {
                let sent = todo.len() - retry.len() - rejected.len();
                state.count_sent(sent as u64);
                for (i, why) in &rejected {
                    if let Some(rec) = todo.get(*i)
                        && !state.dead_letter(&[rec], why)
                    {
                        return;
                    }
                }
                todo = retry.iter().filter_map(|i| todo.get(*i).copied()).collect();
                if todo.is_empty() {
                    break;
                }
                (
                    format!(
                        "{} documents to retry (429/5xx in the _bulk answer)",
                        todo.len()
                    ),
                    None,
                )
            }
            Outcome::Retry { reason, after } => (reason, after),
        };
        state.note_retry(&reason);
        if dest.retry.max_retries > 0 && attempt > dest.retry.max_retries {
            let why = format!("gave up after {attempt} attempts: {reason}");
            if !state.dead_letter(&todo, &why) {
                return;
            }
            break;
        }
        let wait = backoff(&dest.retry, attempt, random());
        // Honour Retry-After, within reason.
        let wait = after.map_or(wait, |a| a.min(Duration::from_secs(3600)).max(wait));
        if state.sleep(wait) {
            return;
        }
    }
    if let Err(e) = state.spool.lock().ack(last) {
        state.note_error(format!("acknowledging the spool: {e}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_spool::Position;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_retries: 0,
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered_within_half() {
        let p = policy();
        for (attempt, full) in [(1, 1), (2, 2), (3, 4), (7, 60), (40, 60)] {
            let full = Duration::from_secs(full);
            for r in [0, 1, u64::MAX / 3, u64::MAX] {
                let d = backoff(&p, attempt, r);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
            }
        }
        assert_ne!(backoff(&p, 3, 1), backoff(&p, 3, 1_234_567_891));
    }

    fn item(pushed: i64, len: usize) -> Item {
        Item {
            next: Position {
                segment: 1,
                offset: 0,
            },
            pushed_micros: pushed,
            payload: vec![b'x'; len],
        }
    }

    #[test]
    fn a_batch_waits_until_full_or_old_enough() {
        let limits = BatchLimits {
            max_items: 3,
            max_bytes: 100,
            max_delay: Duration::from_secs(1),
        };
        let t0 = 1_000_000_000;
        assert_eq!(hold_for(&limits, &[], t0), None);
        assert_eq!(
            hold_for(&limits, &[item(t0, 1)], t0 + 250_000),
            Some(Duration::from_millis(750))
        );
        assert_eq!(
            hold_for(&limits, &[item(t0, 1)], t0 + 1_000_000),
            None,
            "old enough"
        );
        assert_eq!(
            hold_for(&limits, &[item(t0, 1), item(t0, 1), item(t0, 1)], t0),
            None,
            "full"
        );
        assert_eq!(hold_for(&limits, &[item(t0, 100)], t0), None, "bytes full");
    }
}
