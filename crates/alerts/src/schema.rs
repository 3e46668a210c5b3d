//! Schema and migrations, versioned with `PRAGMA user_version`.
//!
//! Each entry of [`MIGRATIONS`] takes the schema from version `i` to `i + 1`
//! and runs in the same transaction as the version bump, so a crash mid-way
//! leaves the file at the old version, never half-migrated. Append new
//! migrations; never edit a released one.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::AlertStoreError;

const MIGRATIONS: &[&str] = &[
    // v1
    "CREATE TABLE alerts (
        id            TEXT PRIMARY KEY NOT NULL,
        rule_id       TEXT NOT NULL,
        rule_name     TEXT NOT NULL,
        level         TEXT NOT NULL,
        rule_type     TEXT NOT NULL,
        -- first seen (@timestamp) as exact, sortable integers
        first_seen_s  INTEGER NOT NULL,
        first_seen_ns INTEGER NOT NULL,
        last_seen     TEXT NOT NULL,
        count         INTEGER NOT NULL,
        grp           TEXT NOT NULL,    -- JSON object
        event_ids     TEXT NOT NULL,    -- JSON array
        summary       TEXT NOT NULL,
        explanation   TEXT NOT NULL,
        engine_status TEXT NOT NULL,    -- open | closed (the engine's)
        tags          TEXT NOT NULL,    -- JSON array
        state         TEXT NOT NULL DEFAULT 'open', -- triage (the human's)
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX alerts_first_seen ON alerts (first_seen_s, first_seen_ns);
    CREATE INDEX alerts_state ON alerts (state, first_seen_s, first_seen_ns);
    CREATE INDEX alerts_rule ON alerts (rule_id, first_seen_s, first_seen_ns);
    CREATE TABLE alert_history (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id   TEXT NOT NULL REFERENCES alerts (id),
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,
        from_state TEXT NOT NULL,
        to_state   TEXT NOT NULL,
        note       TEXT
    );
    CREATE INDEX alert_history_alert ON alert_history (alert_id, seq);",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), AlertStoreError> {
    // IMMEDIATE: two processes opening a fresh file at once must not both
    // run v1; the second waits, then sees the new version and does nothing.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(AlertStoreError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let start = usize::try_from(found).unwrap_or(0);
    for sql in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(sql)?;
    }
    if found != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(())
}
