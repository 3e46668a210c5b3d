//! Persistence of the dispatcher's state: groups, the notification log,
//! silences and risk scores. [`SqliteStore`] keeps them in one SQLite file
//! (`DATA/routing.db`); [`MemoryStore`] keeps them in memory, for tools that
//! need no persistence (`routes test` offline) and for fast model tests.

use crate::risk::RiskEntity;
use crate::silence::Silence;
use crate::state::{Change, LogEntry, Snapshot, State, StoredAlert, StoredGroup, StoredMember};
use rusqlite::{Connection, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a write waits for another process holding the file.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the dispatcher's state lives.
pub trait RoutingStore: Send {
    /// Everything stored.
    fn load(&mut self) -> Result<Snapshot, StoreError>;
    /// All the changes, or none (one transaction).
    fn apply(&mut self, changes: &[Change]) -> Result<(), StoreError>;
}

/// Anything a store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open routing database {}: {source}; check that the directory exists and is writable by this user",
        path.display()
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "routing database {} has schema version {found}, newer than this build understands (up to {supported}); upgrade Sightline or point it at another file",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "routing database row {key:?} of table {table} is invalid ({detail}); the file was modified outside Sightline or by an incompatible version"
    )]
    Corrupt {
        table: &'static str,
        key: String,
        detail: String,
    },
    #[error(
        "the routing database stayed locked by another writer for over {BUSY_TIMEOUT:?}; check for a second server using the same data directory"
    )]
    Busy(#[source] rusqlite::Error),
    #[error("routing database error: {0}; if it persists, check disk space and file permissions")]
    Sqlite(#[source] rusqlite::Error),
    #[error("the routing store refused the write: {0}")]
    Refused(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy(e)
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

/// State in memory only. Clones share the same state, so a test can drop a
/// dispatcher and open another on a clone as a restart.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<MemoryInner>>,
}

#[derive(Default)]
struct MemoryInner {
    state: State,
    refuse_writes: bool,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// While set, every write fails (to exercise a caller's error path, as
    /// a full disk would).
    pub fn refuse_writes(&self, refuse: bool) {
        self.lock().refuse_writes = refuse;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl RoutingStore for MemoryStore {
    fn load(&mut self) -> Result<Snapshot, StoreError> {
        Ok(self.lock().state.snapshot())
    }

    fn apply(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner.refuse_writes {
            return Err(StoreError::Refused("writes are switched off".into()));
        }
        for c in changes {
            inner.state.apply(c.clone());
        }
        Ok(())
    }
}

const MIGRATIONS: &[&str] = &[
    // v1: each record as JSON, keyed as the dispatcher looks it up.
    "CREATE TABLE alerts   (id TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL);
     CREATE TABLE groups   (key TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL);
     CREATE TABLE members  (group_key TEXT NOT NULL, alert_id TEXT NOT NULL, body TEXT NOT NULL,
                            PRIMARY KEY (group_key, alert_id));
     CREATE TABLE nflog    (receiver TEXT NOT NULL, group_key TEXT NOT NULL, body TEXT NOT NULL,
                            PRIMARY KEY (receiver, group_key));
     CREATE TABLE silences (id TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL);
     CREATE TABLE risk     (kind TEXT NOT NULL, value TEXT NOT NULL, body TEXT NOT NULL,
                            PRIMARY KEY (kind, value));",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// State in one SQLite file.
///
/// Durability: WAL with `synchronous=FULL`: a write that returned `Ok`
/// survives a killed process and a power loss. The notification log and
/// silences cannot be re-derived (a lost log re-sends, a lost silence
/// pages someone), and writes are one transaction per batch of alerts or
/// per tick, so the fsync is affordable.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the file and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                path,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for sql in MIGRATIONS.iter().skip(usize::try_from(found).unwrap_or(0)) {
            tx.execute_batch(sql)?;
        }
        if found != SCHEMA_VERSION {
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()?;
        Ok(SqliteStore { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn load_table<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    table: &'static str,
    key_sql: &str,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {key_sql}, body FROM {table} ORDER BY 1"))?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (key, body) = row?;
        let v = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
            table,
            key,
            detail: e.to_string(),
        })?;
        out.push(v);
    }
    Ok(out)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    // Serializing these records cannot fail: string keys, no maps with
    // non-string keys, no custom serializers that error.
    serde_json::to_string(v).unwrap_or_default()
}

impl RoutingStore for SqliteStore {
    fn load(&mut self) -> Result<Snapshot, StoreError> {
        let c = &self.conn;
        Ok(Snapshot {
            alerts: load_table::<StoredAlert>(c, "alerts", "id")?,
            groups: load_table::<StoredGroup>(c, "groups", "key")?,
            members: load_table::<StoredMember>(c, "members", "group_key || ' ' || alert_id")?,
            log: load_table::<LogEntry>(c, "nflog", "receiver || ' ' || group_key")?,
            silences: load_table::<Silence>(c, "silences", "id")?,
            risk: load_table::<RiskEntity>(c, "risk", "kind || '=' || value")?,
        })
    }

    fn apply(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for c in changes {
            match c {
                Change::PutAlert(a) => tx.execute(
                    "INSERT OR REPLACE INTO alerts (id, body) VALUES (?1, ?2)",
                    params![a.info.id, json(a)],
                )?,
                Change::DeleteAlert(id) => {
                    tx.execute("DELETE FROM alerts WHERE id = ?1", params![id])?
                }
                Change::PutGroup(g) => tx.execute(
                    "INSERT OR REPLACE INTO groups (key, body) VALUES (?1, ?2)",
                    params![g.key, json(g)],
                )?,
                Change::DeleteGroup(key) => {
                    tx.execute("DELETE FROM members WHERE group_key = ?1", params![key])?;
                    tx.execute("DELETE FROM groups WHERE key = ?1", params![key])?
                }
                Change::PutMember(m) => tx.execute(
                    "INSERT OR REPLACE INTO members (group_key, alert_id, body) VALUES (?1, ?2, ?3)",
                    params![m.group_key, m.alert_id, json(m)],
                )?,
                Change::DeleteMember {
                    group_key,
                    alert_id,
                } => tx.execute(
                    "DELETE FROM members WHERE group_key = ?1 AND alert_id = ?2",
                    params![group_key, alert_id],
                )?,
                Change::PutLog(l) => tx.execute(
                    "INSERT OR REPLACE INTO nflog (receiver, group_key, body) VALUES (?1, ?2, ?3)",
                    params![l.receiver, l.group_key, json(l)],
                )?,
                Change::DeleteLog {
                    receiver,
                    group_key,
                } => tx.execute(
                    "DELETE FROM nflog WHERE receiver = ?1 AND group_key = ?2",
                    params![receiver, group_key],
                )?,
                Change::PutSilence(s) => tx.execute(
                    "INSERT OR REPLACE INTO silences (id, body) VALUES (?1, ?2)",
                    params![s.id, json(s)],
                )?,
                Change::DeleteSilence(id) => {
                    tx.execute("DELETE FROM silences WHERE id = ?1", params![id])?
                }
                Change::PutRisk(r) => tx.execute(
                    "INSERT OR REPLACE INTO risk (kind, value, body) VALUES (?1, ?2, ?3)",
                    params![r.kind, r.value, json(r)],
                )?,
                Change::DeleteRisk { kind, value } => tx.execute(
                    "DELETE FROM risk WHERE kind = ?1 AND value = ?2",
                    params![kind, value],
                )?,
            };
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AlertInfo, AlertState};
    use std::collections::BTreeSet;

    fn t(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn changes() -> Vec<Change> {
        let info = AlertInfo {
            id: "a1".into(),
            labels: [("rule".to_string(), "R".to_string())].into(),
            state: AlertState::Firing,
            summary: "s".into(),
            explanation: String::new(),
            count: 3,
            first_seen: t("2026-11-22T12:00:00Z"),
            last_seen: t("2026-11-22T12:01:00Z"),
            url: None,
        };
        vec![
            Change::PutAlert(StoredAlert {
                info,
                updated_at: t("2026-11-22T12:02:00Z"),
                resolve_timeout: Some(jiff::SignedDuration::from_secs(60)),
            }),
            Change::PutGroup(StoredGroup {
                key: "root:{}".into(),
                route: "root".into(),
                receiver: "r".into(),
                labels: Default::default(),
                created_at: t("2026-11-22T12:02:00Z"),
                pending_since: None,
            }),
            Change::PutMember(StoredMember {
                group_key: "root:{}".into(),
                alert_id: "a1".into(),
                first_notified: None,
                escalated: None,
            }),
            Change::PutLog(LogEntry {
                receiver: "r".into(),
                group_key: "root:{}".into(),
                route: "root".into(),
                sent_at: t("2026-11-22T12:03:00Z"),
                next_repeat: t("2026-11-22T16:03:00Z"),
                firing: BTreeSet::from(["a1".to_string()]),
            }),
        ]
    }

    #[test]
    fn sqlite_keeps_what_was_applied_across_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("routing.db");
        let mut s = SqliteStore::open(&path).unwrap();
        s.apply(&changes()).unwrap();
        drop(s);
        let mut s = SqliteStore::open(&path).unwrap();
        let snap = s.load().unwrap();
        let mut mem = MemoryStore::new();
        mem.apply(&changes()).unwrap();
        assert_eq!(snap, mem.load().unwrap());
        // Deleting the group takes its members with it.
        s.apply(&[Change::DeleteGroup("root:{}".into())]).unwrap();
        let snap = s.load().unwrap();
        assert!(snap.groups.is_empty() && snap.members.is_empty());
        assert_eq!(snap.log.len(), 1);
    }

    #[test]
    fn a_corrupt_row_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("routing.db");
        let mut s = SqliteStore::open(&path).unwrap();
        s.conn
            .execute(
                "INSERT INTO silences (id, body) VALUES ('x', '{not json')",
                [],
            )
            .unwrap();
        let e = s.load().unwrap_err().to_string();
        assert!(e.contains("\"x\" of table silences"), "{e}");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("routing.db");
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::SchemaTooNew { found: 99, .. })
        ));
    }

    #[test]
    fn memory_store_can_refuse_writes() {
        let mut m = MemoryStore::new();
        m.refuse_writes(true);
        assert!(m.apply(&changes()).is_err());
        m.refuse_writes(false);
        assert!(m.load().unwrap().alerts.is_empty());
    }
}
