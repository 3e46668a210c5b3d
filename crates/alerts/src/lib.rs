//! Persisted alerts for Sightline: the engine's evidence, the human triage
//! state (`open`, `acknowledged`, `resolved`, `false_positive`) and an
//! append-only history of who changed it, in one SQLite file.
//!
//! The engine re-emits a growing alert under the same id;
//! [`AlertStore::upsert`] merges the new evidence and never touches the
//! triage state, so an analyst's "false positive" sticks while the alert
//! keeps counting.
//!
//! ```
//! use std::collections::BTreeMap;
//! use sightline_alerts::{AlertFilter, AlertStore, TriageState};
//! use sightline_detect::{Alert, AlertStatus, rule::Level};
//!
//! let dir = tempfile::tempdir()?;
//! let store = AlertStore::open(dir.path().join("alerts.db"))?;
//! let t: jiff::Timestamp = "2026-11-22T12:00:00Z".parse()?;
//! let alert = Alert {
//!     id: "0123456789abcdef0123456789abcdef".into(),
//!     rule_id: "ray-api-brute".into(),
//!     rule_name: "Ray API brute force".into(),
//!     level: Level::High,
//!     rule_type: "event_count".into(),
//!     first_seen: t,
//!     last_seen: t,
//!     count: 3,
//!     group: BTreeMap::new(),
//!     event_ids: vec!["e1".into()],
//!     summary: "Ray API brute force: 3 events".into(),
//!     explanation: String::new(),
//!     status: AlertStatus::Open,
//!     tags: vec![],
//! };
//! assert!(store.upsert(&alert, t)?.is_new());
//! let id = store.resolve_id("01234567")?;
//! store.set_state(&id, TriageState::Acknowledged, "alice", Some("looking"), t)?;
//! let open = AlertFilter { states: vec![TriageState::Open], ..Default::default() };
//! assert_eq!(store.count(&open)?, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod model;
mod schema;
mod store;

pub use error::{AlertStoreError, ParseTriageStateError};
pub use model::{AlertFilter, AlertRecord, AlertStats, HistoryEntry, TriageState, Upsert};
pub use schema::SCHEMA_VERSION;
pub use store::{AlertStore, BUSY_TIMEOUT, MAX_EVENT_IDS, MIN_PREFIX_LEN};
