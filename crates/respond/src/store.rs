//! Runs and verbosity orders in SQLite. Each run is one row: the record as
//! JSON (transitions included) plus the columns the responder queries by.

use crate::model::{RunKind, RunRecord, RunState, VerbosityOrder};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("response store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("response store: a stored run is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

pub struct Store {
    db: Connection,
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let db = Connection::open(path)?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS runs (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 action TEXT NOT NULL,
                 kind TEXT NOT NULL,
                 alert_id TEXT NOT NULL,
                 target TEXT NOT NULL,
                 state TEXT NOT NULL,
                 not_before INTEGER NOT NULL,
                 expires INTEGER,
                 started INTEGER,
                 record TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS runs_alert ON runs(alert_id);
             CREATE INDEX IF NOT EXISTS runs_state ON runs(state, not_before);
             CREATE INDEX IF NOT EXISTS runs_action ON runs(action, started);
             CREATE TABLE IF NOT EXISTS verbosity (
                 run_id INTEGER NOT NULL,
                 host TEXT NOT NULL,
                 from_ms INTEGER NOT NULL,
                 until_ms INTEGER NOT NULL,
                 record TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS verbosity_host ON verbosity(host, until_ms);",
        )?;
        Ok(Store { db })
    }

    /// Stores a new run and gives it its id.
    pub fn insert(&mut self, run: &mut RunRecord) -> Result<(), StoreError> {
        let tx = self.db.transaction()?;
        tx.execute(
            "INSERT INTO runs (action, kind, alert_id, target, state, not_before, record)
             VALUES (?1, ?2, ?3, ?4, '', 0, '')",
            params![
                run.action,
                kind_str(run.kind),
                run.alert_id,
                run.target.as_deref().unwrap_or("")
            ],
        )?;
        run.id = tx.last_insert_rowid();
        write(&tx, run)?;
        tx.commit()?;
        Ok(())
    }

    pub fn update(&mut self, run: &RunRecord) -> Result<(), StoreError> {
        write(&self.db, run)
    }

    pub fn get(&self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        let text: Option<String> = self
            .db
            .query_row("SELECT record FROM runs WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    }

    fn select(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<RunRecord>, StoreError> {
        let mut stmt = self.db.prepare(sql)?;
        let texts = stmt
            .query_map(p, |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(texts
            .iter()
            .map(|t| serde_json::from_str(t))
            .collect::<Result<_, _>>()?)
    }

    pub fn for_alert(&self, alert_id: &str) -> Result<Vec<RunRecord>, StoreError> {
        self.select(
            "SELECT record FROM runs WHERE alert_id = ?1 ORDER BY id",
            [alert_id],
        )
    }

    pub fn newest(&self, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.select(
            "SELECT record FROM runs ORDER BY id DESC LIMIT ?1",
            [limit as i64],
        )
    }

    pub fn in_state(&self, state: RunState) -> Result<Vec<RunRecord>, StoreError> {
        self.select(
            "SELECT record FROM runs WHERE state = ?1 ORDER BY id",
            [state.as_str()],
        )
    }

    pub fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.select(
            "SELECT record FROM runs WHERE state = 'queued' AND not_before <= ?1 ORDER BY not_before, id LIMIT ?2",
            params![ms(now), limit as i64],
        )
    }

    pub fn expired_pending(&self, now: Timestamp) -> Result<Vec<RunRecord>, StoreError> {
        self.select(
            "SELECT record FROM runs WHERE state = 'pending_approval' AND expires <= ?1 ORDER BY id",
            [ms(now)],
        )
    }

    /// The id of an earlier run of this action for this alert and target.
    pub fn existing(
        &self,
        action: &str,
        alert_id: &str,
        target: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT id FROM runs WHERE action = ?1 AND alert_id = ?2 AND target = ?3 AND kind = 'action' LIMIT 1",
                params![action, alert_id, target],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Runs of the action that started (executed or dry-run) since `since`,
    /// plus (`with_queued`) those queued to run.
    pub fn used(
        &self,
        action: &str,
        since: Timestamp,
        with_queued: bool,
    ) -> Result<u64, StoreError> {
        Ok(self.db.query_row(
            "SELECT COUNT(*) FROM runs WHERE action = ?1 AND kind = 'action'
               AND ((started IS NOT NULL AND started >= ?2) OR (?3 AND state = 'queued'))",
            params![action, ms(since), with_queued],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    pub fn add_order(&mut self, o: &VerbosityOrder) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO verbosity (run_id, host, from_ms, until_ms, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![o.run_id, o.host, ms(o.from), ms(o.until), serde_json::to_string(o)?],
        )?;
        Ok(())
    }

    pub fn orders(&self, host: &str, now: Timestamp) -> Result<Vec<VerbosityOrder>, StoreError> {
        let mut stmt = self.db.prepare(
            "SELECT record FROM verbosity WHERE host = ?1 AND from_ms <= ?2 AND until_ms > ?2 ORDER BY from_ms",
        )?;
        let texts = stmt
            .query_map(params![host, ms(now)], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(texts
            .iter()
            .map(|t| serde_json::from_str(t))
            .collect::<Result<_, _>>()?)
    }
}

fn kind_str(k: RunKind) -> &'static str {
    match k {
        RunKind::Action => "action",
        RunKind::Undo => "undo",
    }
}

fn write(db: &Connection, run: &RunRecord) -> Result<(), StoreError> {
    db.execute(
        "UPDATE runs SET state = ?2, not_before = ?3, expires = ?4, started = ?5, record = ?6 WHERE id = ?1",
        params![
            run.id,
            run.state.as_str(),
            ms(run.not_before),
            run.expires.map(ms),
            run.started.map(ms),
            serde_json::to_string(run)?
        ],
    )?;
    Ok(())
}
