//! The audit log: every user action, and every refused request, becomes an
//! event of dataset `sightline.audit`, stored in the same hash-chained store
//! as everything else, so it is searchable (`event.dataset:sightline.audit`)
//! and tamper-evident. Audit records go through the sanitizer like every
//! other event (`Payload::Audit`): a secret typed into a search is redacted.

use crate::auth::Principal;
use sightline_event::{Event, EventId, Outcome, field};
use std::sync::atomic::{AtomicU64, Ordering};

pub const DATASET: &str = "sightline.audit";

static SEQ: AtomicU64 = AtomicU64::new(0);

/// One audit record. `details` is kept as the event's original text (JSON),
/// so every parameter of the action is in the record.
pub fn record(
    who: Option<&Principal>,
    peer: Option<std::net::SocketAddr>,
    action: &str,
    success: bool,
    details: serde_json::Value,
) -> Event {
    let now = jiff::Timestamp::now();
    let mut body = serde_json::json!({
        "action": action,
        "user": who.map(|p| p.name.clone()),
        "role": who.map(|p| p.role.as_str()),
        "source": peer.map(|p| p.ip().to_string()),
        "outcome": if success { "success" } else { "failure" },
        "details": details,
    });
    if let Some(obj) = body.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
    }
    let original = body.to_string();
    // Unique per process start and call; the time prefix keeps ids distinct across restarts.
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let stream = format!("audit:{}", now.as_nanosecond());
    let id = EventId::derive(&stream, seq, original.as_bytes());
    let mut ev = Event::new(id, now, "sightline", DATASET, original);
    ev.kind = "event".into();
    ev.add_category("configuration");
    ev.set_action(action);
    ev.outcome = if success {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    ev.message = match who {
        Some(p) => format!("{} ({}) {action}", p.name, p.role.as_str()),
        None => format!("anonymous {action}"),
    };
    if let Some(p) = who {
        ev.set(field::USER_NAME, p.name.as_str());
        ev.set("user.roles", vec![p.role.as_str().to_owned()]);
    }
    if let Some(peer) = peer {
        ev.set(field::SOURCE_IP, peer.ip().to_string());
    }
    ev
}

/// A request to Sightline itself that was refused (401 or 403).
pub struct Denial<'a> {
    pub peer: std::net::SocketAddr,
    pub method: &'a str,
    /// The path only: a query string may carry secrets.
    pub path: &'a str,
    pub status: u16,
    pub reason: &'a str,
    /// The token's owner, when the token was valid but its role too small.
    /// The presented token itself is never recorded.
    pub who: Option<&'a Principal>,
}

/// Individual refusals recorded per source address and minute; more are
/// counted and summed up in one record when the minute ends.
pub const DENIALS_PER_SOURCE: u32 = 20;
/// Individual refusals recorded per minute from all sources together.
pub const DENIALS_PER_WINDOW: usize = 1_000;
const DENIAL_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
/// Sources tracked per window; refusals from further ones are summed in one
/// record without an address (a flood from many addresses cannot grow memory).
const MAX_SOURCES: usize = 10_000;

/// Audit of refused requests, rate-limited so that a flood of them cannot
/// fill the disk: at most [`DENIALS_PER_SOURCE`] records per address and
/// [`DENIALS_PER_WINDOW`] in all per minute, plus one summary per address
/// that went over, with the number left out.
#[derive(Default)]
pub struct Denials {
    window: std::sync::Mutex<DenialWindow>,
}

#[derive(Default)]
struct DenialWindow {
    started: Option<std::time::Instant>,
    sources: std::collections::HashMap<std::net::IpAddr, (u32, u64)>,
    recorded: usize,
    untracked: u64,
    pending: Vec<Event>,
}

impl DenialWindow {
    /// Ends the window if it is over: summaries for what was left out.
    fn roll(&mut self, now: std::time::Instant) {
        let started = *self.started.get_or_insert(now);
        if now.duration_since(started) < DENIAL_WINDOW {
            return;
        }
        for (ip, (_, suppressed)) in std::mem::take(&mut self.sources) {
            if suppressed > 0 {
                self.pending.push(suppressed_record(Some(ip), suppressed));
            }
        }
        if self.untracked > 0 {
            self.pending.push(suppressed_record(None, self.untracked));
        }
        self.untracked = 0;
        self.recorded = 0;
        self.started = Some(now);
    }
}

impl Denials {
    pub fn note(&self, denial: &Denial<'_>, now: std::time::Instant) {
        let Ok(mut w) = self.window.lock() else {
            return;
        };
        w.roll(now);
        let ip = denial.peer.ip();
        let room = w.recorded < DENIALS_PER_WINDOW;
        if !w.sources.contains_key(&ip) && w.sources.len() >= MAX_SOURCES {
            w.untracked += 1;
            return;
        }
        let counts = w.sources.entry(ip).or_insert((0, 0));
        if counts.0 < DENIALS_PER_SOURCE && room {
            counts.0 += 1;
            w.recorded += 1;
            w.pending.push(denial_record(denial));
        } else {
            counts.1 += 1;
        }
    }

    /// The records to store now (and the summaries of a window that ended).
    pub fn take(&self, now: std::time::Instant) -> Vec<Event> {
        let Ok(mut w) = self.window.lock() else {
            return Vec::new();
        };
        w.roll(now);
        std::mem::take(&mut w.pending)
    }
}

fn denial_record(d: &Denial<'_>) -> Event {
    // By the cause, not the status: HEC answers an unknown token with 403,
    // and it is still a failed authentication (the brute-force rule counts them).
    let action = if d.who.is_none() {
        sightline_event::action::AUTHENTICATION_FAILED
    } else {
        sightline_event::action::AUTHORIZATION_DENIED
    };
    let mut ev = record(
        d.who,
        Some(d.peer),
        action,
        false,
        serde_json::json!({"method": d.method, "path": d.path, "status": d.status, "reason": d.reason}),
    );
    ev.category = vec!["authentication".to_owned(), "web".to_owned()];
    ev.add_type("denied");
    ev.message = format!(
        "{} {} {} refused with {}: {}",
        d.who.map_or("anonymous", |p| p.name.as_str()),
        d.method,
        d.path,
        d.status,
        d.reason
    );
    ev.set(field::HTTP_REQUEST_METHOD, d.method);
    ev.set(field::URL_PATH, d.path);
    ev.set(field::HTTP_RESPONSE_STATUS_CODE, i64::from(d.status));
    ev.set(field::SOURCE_PORT, i64::from(d.peer.port()));
    ev
}

/// The action of the record that sums up refusals left out of the audit log.
pub const DENIALS_SUPPRESSED: &str = "audit-suppressed";

fn suppressed_record(ip: Option<std::net::IpAddr>, n: u64) -> Event {
    let peer = ip.map(|ip| std::net::SocketAddr::new(ip, 0));
    let mut ev = record(
        None,
        peer,
        DENIALS_SUPPRESSED,
        false,
        serde_json::json!({
            "suppressed": n,
            "window_seconds": DENIAL_WINDOW.as_secs(),
            "reason": format!(
                "refused requests beyond {DENIALS_PER_SOURCE} per address (or {DENIALS_PER_WINDOW} in all) per minute are counted, not recorded one by one"
            ),
        }),
    );
    ev.category = vec!["authentication".to_owned()];
    ev.set("event.count", n);
    ev.message = format!(
        "{n} more refused requests from {} in the last minute were not recorded one by one",
        ip.map_or_else(|| "further addresses".to_owned(), |ip| ip.to_string())
    );
    ev
}

/// Stores the recorded refusals every second until the server stops.
pub async fn store_denials(
    denials: std::sync::Arc<Denials>,
    queue: crate::pipeline::Queue,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        let events = denials.take(std::time::Instant::now());
        if events.is_empty() {
            continue;
        }
        let n = events.len() as u64;
        let stored = queue
            .submit(
                "audit",
                crate::pipeline::Payload::Audit(events),
                std::time::Duration::from_secs(5),
            )
            .await;
        if let Err(e) = stored {
            metrics.audit_failures.fetch_add(n, Ordering::Relaxed);
            tracing::error!("{n} audit records of refused requests not stored: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn denial(ip: [u8; 4]) -> Denial<'static> {
        Denial {
            peer: std::net::SocketAddr::from((ip, 40_000)),
            method: "POST",
            path: "/api/v1/tokens",
            status: 401,
            reason: "unknown token",
            who: None,
        }
    }

    #[test]
    fn a_flood_of_refusals_is_recorded_up_to_the_limit_then_summed_up() {
        let d = Denials::default();
        let t0 = Instant::now();
        for _ in 0..500 {
            d.note(&denial([192, 0, 2, 1]), t0);
        }
        d.note(&denial([192, 0, 2, 2]), t0);
        let first = d.take(t0 + Duration::from_secs(1));
        assert_eq!(first.len(), DENIALS_PER_SOURCE as usize + 1);
        let ev = &first[0];
        assert_eq!(ev.action.as_deref(), Some("authentication-failed"));
        assert_eq!(ev.get_str(field::SOURCE_IP), Some("192.0.2.1"));
        assert_eq!(ev.get_str(field::URL_PATH), Some("/api/v1/tokens"));
        assert_eq!(ev.get_i64(field::HTTP_RESPONSE_STATUS_CODE), Some(401));
        assert!(d.take(t0 + Duration::from_secs(30)).is_empty());
        // The minute ends: one summary for the address that went over.
        let later = d.take(t0 + Duration::from_secs(61));
        assert_eq!(later.len(), 1, "{later:?}");
        assert_eq!(later[0].action.as_deref(), Some(DENIALS_SUPPRESSED));
        assert_eq!(later[0].get_i64("event.count"), Some(500 - 20));
        assert_eq!(later[0].get_str(field::SOURCE_IP), Some("192.0.2.1"));
        // A new minute records again.
        d.note(&denial([192, 0, 2, 1]), t0 + Duration::from_secs(62));
        assert_eq!(d.take(t0 + Duration::from_secs(62)).len(), 1);
    }

    #[test]
    fn many_addresses_are_capped_in_all() {
        let d = Denials::default();
        let t0 = Instant::now();
        for i in 0..3_000u32 {
            d.note(&denial(i.to_be_bytes()), t0);
        }
        assert_eq!(d.take(t0).len(), DENIALS_PER_WINDOW);
        let summaries = d.take(t0 + Duration::from_secs(61));
        let left_out: i64 = summaries
            .iter()
            .filter_map(|e| e.get_i64("event.count"))
            .sum();
        assert_eq!(left_out, 2_000);
    }
}
