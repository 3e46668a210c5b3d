//! The audit log: every user action becomes an event of dataset
//! `sightline.audit`, stored in the same hash-chained store as everything
//! else, so it is searchable (`event.dataset:sightline.audit`) and tamper-evident.

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
