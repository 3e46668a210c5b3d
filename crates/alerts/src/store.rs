//! [`AlertStore`]: alerts and their triage history in one SQLite file.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use sightline_detect::rule::Level;
use sightline_detect::{Alert, AlertStatus};

use crate::error::AlertStoreError;
use crate::model::{AlertFilter, AlertRecord, AlertStats, HistoryEntry, TriageState, Upsert};
use crate::schema;

/// How long a writer waits for another process (say, the CLI triaging while
/// the server upserts) before giving up with [`AlertStoreError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Event ids kept per alert: enough evidence to pivot on, bounded so a
/// noisy alert cannot grow a row without limit.
pub const MAX_EVENT_IDS: usize = 100;

/// Shortest id prefix [`AlertStore::resolve_id`] accepts. 8 hex digits make
/// an accidental match among thousands of alerts unlikely.
pub const MIN_PREFIX_LEN: usize = 8;

/// Levels from least to most severe; `min_level` filters select a suffix.
const LEVELS: [Level; 5] = [
    Level::Informational,
    Level::Low,
    Level::Medium,
    Level::High,
    Level::Critical,
];

/// Persisted alerts with triage state.
///
/// Durability: WAL journal with `synchronous=FULL`, so a call that returned
/// `Ok` survives not only a killed process but also an OS crash or power
/// loss. The triage history is a human audit trail that cannot be
/// re-derived from events, and alert write rates are low, so the extra fsync
/// per commit is worth it; [`AlertStore::upsert_many`] amortizes it when the
/// engine emits bursts.
///
/// Readers in other processes (the CLI) see committed data and do not block
/// the writer (WAL).
pub struct AlertStore {
    // One connection behind a mutex: SQLite serializes writers anyway, and
    // this keeps `AlertStore: Send + Sync` without a pool.
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// The columns of `alerts` in the order [`RawRow`] reads them.
const ALERT_COLUMNS: &str = "id, rule_id, rule_name, level, rule_type, first_seen_s, first_seen_ns, \
     last_seen, count, grp, event_ids, summary, explanation, engine_status, tags, state, \
     created_at, updated_at";

impl AlertStore {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date. The parent directory must exist.
    pub fn open(path: impl AsRef<Path>) -> Result<AlertStore, AlertStoreError> {
        let path = path.as_ref().to_path_buf();
        let open_err = |source| AlertStoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(AlertStoreError::NotWal { path, mode });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        schema::migrate(&mut conn, &path)?;
        Ok(AlertStore {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written change
        // behind (the open transaction is rolled back when dropped), so a
        // poisoned lock is still safe to use.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores an alert from the engine: inserts it if the id is new,
    /// otherwise merges the newer evidence (count, last seen, event ids,
    /// summary...) into the stored one. The human triage state and history
    /// are never touched. `received_at` is when the server got the alert; it
    /// becomes `created_at` on insert and `updated_at` on change.
    pub fn upsert(&self, alert: &Alert, received_at: Timestamp) -> Result<Upsert, AlertStoreError> {
        let mut conn = self.conn();
        // IMMEDIATE takes the write lock up front: a deferred transaction
        // that reads and then writes can fail with SQLITE_BUSY at once
        // (without waiting for the busy timeout) if another process wrote
        // in between.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = upsert_in(&tx, alert, received_at)?;
        tx.commit()?;
        Ok(out)
    }

    /// [`AlertStore::upsert`] for a batch, in one transaction (one fsync):
    /// all are stored or none. Results are in input order; an id that
    /// appears twice is `Inserted` then `Updated`/`Unchanged`.
    pub fn upsert_many(
        &self,
        alerts: &[Alert],
        received_at: Timestamp,
    ) -> Result<Vec<Upsert>, AlertStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = alerts
            .iter()
            .map(|a| upsert_in(&tx, a, received_at))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(out)
    }

    /// Sets the triage state of alert `id` (a full id; see
    /// [`AlertStore::resolve_id`] for prefixes) and appends the change to its
    /// history. Setting the current state again is recorded too: the history
    /// is an audit trail of what people did, and it is how a note is added.
    pub fn set_state(
        &self,
        id: &str,
        state: TriageState,
        actor: &str,
        note: Option<&str>,
        at: Timestamp,
    ) -> Result<AlertRecord, AlertStoreError> {
        let actor = actor.trim();
        if actor.is_empty() {
            return Err(AlertStoreError::EmptyActor);
        }
        // An empty note is no note; storing "" would show as a blank line.
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<String> = tx
            .query_row("SELECT state FROM alerts WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let Some(current) = current else {
            return Err(AlertStoreError::UnknownAlert { id: id.to_owned() });
        };
        let from = parse_state(id, &current)?;
        let at_text = at.to_string();
        tx.execute(
            "UPDATE alerts SET state = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, state.as_str(), at_text],
        )?;
        tx.execute(
            "INSERT INTO alert_history (alert_id, at, actor, from_state, to_state, note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, at_text, actor, from.as_str(), state.as_str(), note],
        )?;
        let record =
            get_in(&tx, id)?.ok_or_else(|| AlertStoreError::UnknownAlert { id: id.to_owned() })?;
        tx.commit()?;
        Ok(record)
    }

    /// Turns a full id or a unique prefix of at least [`MIN_PREFIX_LEN`] hex
    /// digits (any case) into the full id.
    pub fn resolve_id(&self, prefix: &str) -> Result<String, AlertStoreError> {
        let prefix = prefix.trim();
        if !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(AlertStoreError::PrefixNotHex {
                prefix: prefix.to_owned(),
            });
        }
        if prefix.len() < MIN_PREFIX_LEN {
            return Err(AlertStoreError::PrefixTooShort {
                prefix: prefix.to_owned(),
                min: MIN_PREFIX_LEN,
            });
        }
        // Engine ids are lowercase hex.
        let prefix = prefix.to_ascii_lowercase();
        let conn = self.conn();
        let exact: Option<String> = conn
            .query_row("SELECT id FROM alerts WHERE id = ?1", [&prefix], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(id) = exact {
            return Ok(id);
        }
        // The range lets SQLite use the primary key index; the substr check
        // keeps the match exact whatever characters follow the prefix.
        let upper = format!("{prefix}{}", char::MAX);
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM alerts WHERE id >= ?1 AND id < ?2 \
             AND substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 5",
        )?;
        let ids = stmt
            .query_map(params![prefix, upper], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        match ids.as_slice() {
            [] => Err(AlertStoreError::UnknownAlert { id: prefix }),
            [only] => Ok(only.clone()),
            _ => Err(AlertStoreError::AmbiguousPrefix {
                prefix,
                candidates: ids,
            }),
        }
    }

    /// The alert with this exact id, with its history.
    pub fn get(&self, id: &str) -> Result<Option<AlertRecord>, AlertStoreError> {
        let conn = self.conn();
        get_in(&conn, id)
    }

    /// Matching alerts, newest `@timestamp` first (ties by id, so paging is
    /// stable), each with its history.
    pub fn list(&self, filter: &AlertFilter) -> Result<Vec<AlertRecord>, AlertStoreError> {
        let (where_sql, mut args) = where_clause(filter);
        // SQLite wants a LIMIT before OFFSET; -1 means none.
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        args.push(Value::Integer(limit));
        args.push(Value::Integer(
            i64::try_from(filter.offset).unwrap_or(i64::MAX),
        ));
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts {where_sql} \
             ORDER BY first_seen_s DESC, first_seen_ns DESC, id ASC LIMIT ? OFFSET ?"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let raws = stmt
            .query_map(params_from_iter(args.iter()), RawRow::read)?
            .collect::<Result<Vec<_>, _>>()?;
        raws.into_iter()
            .map(|raw| {
                let history = history_in(&conn, &raw.id)?;
                raw.into_record(history)
            })
            .collect()
    }

    /// How many alerts match (ignoring `limit` and `offset`).
    pub fn count(&self, filter: &AlertFilter) -> Result<u64, AlertStoreError> {
        let (where_sql, args) = where_clause(filter);
        let conn = self.conn();
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM alerts {where_sql}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Counts per triage state and per level.
    pub fn stats(&self) -> Result<AlertStats, AlertStoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT state, level, count(*) FROM alerts GROUP BY state, level")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut stats = AlertStats {
            total: 0,
            by_state: TriageState::ALL.into_iter().map(|s| (s, 0)).collect(),
            by_level: LEVELS.into_iter().map(|l| (l, 0)).collect(),
        };
        for (state, level, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            let what = "(aggregate)";
            *stats
                .by_state
                .entry(parse_state(what, &state)?)
                .or_default() += n;
            *stats
                .by_level
                .entry(parse_level(what, &level)?)
                .or_default() += n;
            stats.total += n;
        }
        Ok(stats)
    }
}

/// The mutable evidence of a stored alert, as read back for a merge.
struct Stored {
    first_seen: Timestamp,
    last_seen: Timestamp,
    count: u64,
    event_ids: Vec<String>,
    engine_status: AlertStatus,
    state: TriageState,
    rule_name: String,
    level: String,
    rule_type: String,
    summary: String,
    explanation: String,
    tags: String,
}

fn upsert_in(
    conn: &Connection,
    alert: &Alert,
    received_at: Timestamp,
) -> Result<Upsert, AlertStoreError> {
    let id = alert.id.as_str();
    let stored = read_stored(conn, id)?;
    let Some(stored) = stored else {
        let (fs, fns) = ts_key(alert.first_seen);
        let received = received_at.to_string();
        conn.execute(
            "INSERT INTO alerts (id, rule_id, rule_name, level, rule_type, first_seen_s, first_seen_ns, \
             last_seen, count, grp, event_ids, summary, explanation, engine_status, tags, state, \
             created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)",
            params![
                id,
                alert.rule_id,
                alert.rule_name,
                alert.level.as_str(),
                alert.rule_type,
                fs,
                fns,
                alert.last_seen.to_string(),
                count_sql(alert.count),
                to_json(&alert.group),
                to_json(&merge_ids(&[], &alert.event_ids)),
                alert.summary,
                alert.explanation,
                status_str(alert.status),
                to_json(&alert.tags),
                TriageState::Open.as_str(),
                received,
            ],
        )?;
        return Ok(Upsert::Inserted);
    };

    // Updates can arrive out of order (a replay after restart, a retried
    // batch). Only an alert at least as far along as the stored one may
    // replace the descriptive fields; a stale one can still add event ids.
    let newer = (alert.last_seen, alert.count) >= (stored.last_seen, stored.count);
    let event_ids = merge_ids(&stored.event_ids, &alert.event_ids);
    // Closed means the engine's window is over for good: a late Open copy
    // must not reopen it.
    let engine_status = if stored.engine_status == AlertStatus::Closed {
        AlertStatus::Closed
    } else if newer {
        alert.status
    } else {
        stored.engine_status
    };
    let first_seen = stored.first_seen.min(alert.first_seen);
    let last_seen = stored.last_seen.max(alert.last_seen);
    let count = stored.count.max(alert.count);
    let (rule_name, level, rule_type, summary, explanation, tags) = if newer {
        (
            alert.rule_name.clone(),
            alert.level.as_str().to_owned(),
            alert.rule_type.clone(),
            alert.summary.clone(),
            alert.explanation.clone(),
            to_json(&alert.tags),
        )
    } else {
        (
            stored.rule_name.clone(),
            stored.level.clone(),
            stored.rule_type.clone(),
            stored.summary.clone(),
            stored.explanation.clone(),
            stored.tags.clone(),
        )
    };

    let unchanged = first_seen == stored.first_seen
        && last_seen == stored.last_seen
        && count == stored.count
        && event_ids == stored.event_ids
        && engine_status == stored.engine_status
        && rule_name == stored.rule_name
        && level == stored.level
        && rule_type == stored.rule_type
        && summary == stored.summary
        && explanation == stored.explanation
        && tags == stored.tags;
    if unchanged {
        // No write, so `updated_at` keeps meaning "last real change".
        return Ok(Upsert::Unchanged {
            state: stored.state,
        });
    }

    let (fs, fns) = ts_key(first_seen);
    // `state` is deliberately absent: triage belongs to humans.
    conn.execute(
        "UPDATE alerts SET rule_name = ?2, level = ?3, rule_type = ?4, first_seen_s = ?5, \
         first_seen_ns = ?6, last_seen = ?7, count = ?8, event_ids = ?9, summary = ?10, \
         explanation = ?11, engine_status = ?12, tags = ?13, updated_at = ?14 WHERE id = ?1",
        params![
            id,
            rule_name,
            level,
            rule_type,
            fs,
            fns,
            last_seen.to_string(),
            count_sql(count),
            to_json(&event_ids),
            summary,
            explanation,
            status_str(engine_status),
            tags,
            received_at.to_string(),
        ],
    )?;
    Ok(Upsert::Updated {
        state: stored.state,
    })
}

fn read_stored(conn: &Connection, id: &str) -> Result<Option<Stored>, AlertStoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT first_seen_s, first_seen_ns, last_seen, count, event_ids, engine_status, state, \
         rule_name, level, rule_type, summary, explanation, tags FROM alerts WHERE id = ?1",
    )?;
    type Row = (
        i64,
        i32,
        String,
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    );
    let row: Option<Row> = stmt
        .query_row([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
            ))
        })
        .optional()?;
    let Some((
        fs,
        fns,
        last,
        count,
        ids,
        status,
        state,
        rule_name,
        level,
        rule_type,
        summary,
        explanation,
        tags,
    )) = row
    else {
        return Ok(None);
    };
    Ok(Some(Stored {
        first_seen: ts_from_key(id, fs, fns)?,
        last_seen: parse_ts(id, "alert.last_seen", &last)?,
        count: u64::try_from(count).unwrap_or(0),
        event_ids: from_json(id, "alert.event_ids", &ids)?,
        engine_status: parse_status(id, &status)?,
        state: parse_state(id, &state)?,
        rule_name,
        level,
        rule_type,
        summary,
        explanation,
        tags,
    }))
}

fn get_in(conn: &Connection, id: &str) -> Result<Option<AlertRecord>, AlertStoreError> {
    let raw = conn
        .query_row(
            &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?1"),
            [id],
            RawRow::read,
        )
        .optional()?;
    match raw {
        None => Ok(None),
        Some(raw) => {
            let history = history_in(conn, id)?;
            raw.into_record(history).map(Some)
        }
    }
}

fn history_in(conn: &Connection, id: &str) -> Result<Vec<HistoryEntry>, AlertStoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, from_state, to_state, note FROM alert_history \
         WHERE alert_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(at, actor, from, to, note)| {
            Ok(HistoryEntry {
                at: parse_ts(id, "alert.history.at", &at)?,
                actor,
                from: parse_state(id, &from)?,
                to: parse_state(id, &to)?,
                note,
            })
        })
        .collect()
}

/// A row of `alerts` as SQLite gives it; decoded outside the rusqlite
/// closure so decoding errors can name the row and field.
struct RawRow {
    id: String,
    rule_id: String,
    rule_name: String,
    level: String,
    rule_type: String,
    first_seen_s: i64,
    first_seen_ns: i32,
    last_seen: String,
    count: i64,
    group: String,
    event_ids: String,
    summary: String,
    explanation: String,
    engine_status: String,
    tags: String,
    state: String,
    created_at: String,
    updated_at: String,
}

impl RawRow {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
        Ok(RawRow {
            id: r.get(0)?,
            rule_id: r.get(1)?,
            rule_name: r.get(2)?,
            level: r.get(3)?,
            rule_type: r.get(4)?,
            first_seen_s: r.get(5)?,
            first_seen_ns: r.get(6)?,
            last_seen: r.get(7)?,
            count: r.get(8)?,
            group: r.get(9)?,
            event_ids: r.get(10)?,
            summary: r.get(11)?,
            explanation: r.get(12)?,
            engine_status: r.get(13)?,
            tags: r.get(14)?,
            state: r.get(15)?,
            created_at: r.get(16)?,
            updated_at: r.get(17)?,
        })
    }

    fn into_record(self, history: Vec<HistoryEntry>) -> Result<AlertRecord, AlertStoreError> {
        let id = self.id.as_str();
        // Decode everything that can fail first, while `id` is borrowed for
        // the error messages; then move the strings into the record.
        let level = parse_level(id, &self.level)?;
        let first_seen = ts_from_key(id, self.first_seen_s, self.first_seen_ns)?;
        let last_seen = parse_ts(id, "alert.last_seen", &self.last_seen)?;
        let group: BTreeMap<String, String> = from_json(id, "alert.group", &self.group)?;
        let event_ids: Vec<String> = from_json(id, "alert.event_ids", &self.event_ids)?;
        let tags: Vec<String> = from_json(id, "tags", &self.tags)?;
        let status = parse_status(id, &self.engine_status)?;
        let state = parse_state(id, &self.state)?;
        let created_at = parse_ts(id, "alert.created_at", &self.created_at)?;
        let updated_at = parse_ts(id, "alert.updated_at", &self.updated_at)?;
        Ok(AlertRecord {
            alert: Alert {
                id: self.id,
                rule_id: self.rule_id,
                rule_name: self.rule_name,
                level,
                rule_type: self.rule_type,
                first_seen,
                last_seen,
                count: u64::try_from(self.count).unwrap_or(0),
                group,
                event_ids,
                summary: self.summary,
                explanation: self.explanation,
                status,
                tags,
            },
            state,
            created_at,
            updated_at,
            history,
        })
    }
}

/// `WHERE ...` (or nothing) and its positional arguments.
fn where_clause(f: &AlertFilter) -> (String, Vec<Value>) {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if !f.states.is_empty() {
        conds.push(format!("state IN ({})", placeholders(f.states.len())));
        args.extend(f.states.iter().map(|s| Value::Text(s.as_str().to_owned())));
    }
    if let Some(min) = f.min_level {
        let levels: Vec<Level> = LEVELS.into_iter().filter(|l| *l >= min).collect();
        conds.push(format!("level IN ({})", placeholders(levels.len())));
        args.extend(levels.iter().map(|l| Value::Text(l.as_str().to_owned())));
    }
    if let Some(rule) = &f.rule_id {
        conds.push("rule_id = ?".into());
        args.push(Value::Text(rule.clone()));
    }
    // Row values compare (seconds, nanoseconds) lexicographically, which is
    // time order because jiff gives both parts the same sign.
    if let Some(since) = f.since {
        let (s, ns) = ts_key(since);
        conds.push("(first_seen_s, first_seen_ns) >= (?, ?)".into());
        args.extend([Value::Integer(s), Value::Integer(ns.into())]);
    }
    if let Some(until) = f.until {
        let (s, ns) = ts_key(until);
        conds.push("(first_seen_s, first_seen_ns) < (?, ?)".into());
        args.extend([Value::Integer(s), Value::Integer(ns.into())]);
    }
    if let Some(text) = &f.text {
        // SQLite's lower() only folds ASCII, so fold the needle the same way
        // (Unicode lowering would make "É" never match).
        conds.push("(instr(lower(summary), ?) > 0 OR instr(lower(rule_name), ?) > 0)".into());
        let needle = text.to_ascii_lowercase();
        args.extend([Value::Text(needle.clone()), Value::Text(needle)]);
    }
    if conds.is_empty() {
        (String::new(), args)
    } else {
        (format!("WHERE {}", conds.join(" AND ")), args)
    }
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Stored ids first (they were seen first), then new ones, no duplicates,
/// at most [`MAX_EVENT_IDS`].
fn merge_ids(stored: &[String], incoming: &[String]) -> Vec<String> {
    let mut seen: HashSet<&str> = HashSet::new();
    stored
        .iter()
        .chain(incoming)
        .filter(|id| seen.insert(id.as_str()))
        .take(MAX_EVENT_IDS)
        .cloned()
        .collect()
}

/// SQLite integers are i64; a count beyond that is not a real count, so
/// saturate rather than fail the write.
fn count_sql(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// `first_seen` is stored as (seconds, nanoseconds) integers: exact, and
/// sortable over jiff's whole range (i64 nanoseconds would stop at 2262).
fn ts_key(t: Timestamp) -> (i64, i32) {
    (t.as_second(), t.subsec_nanosecond())
}

fn ts_from_key(id: &str, s: i64, ns: i32) -> Result<Timestamp, AlertStoreError> {
    Timestamp::new(s, ns).map_err(|e| corrupt(id, "@timestamp", e))
}

fn parse_ts(id: &str, field: &'static str, s: &str) -> Result<Timestamp, AlertStoreError> {
    s.parse().map_err(|e| corrupt(id, field, e))
}

fn parse_state(id: &str, s: &str) -> Result<TriageState, AlertStoreError> {
    s.parse().map_err(|e| corrupt(id, "alert.state", e))
}

fn parse_level(id: &str, s: &str) -> Result<Level, AlertStoreError> {
    Level::parse(s).ok_or_else(|| corrupt(id, "rule.level", format!("unknown level {s:?}")))
}

fn status_str(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::Open => "open",
        AlertStatus::Closed => "closed",
    }
}

fn parse_status(id: &str, s: &str) -> Result<AlertStatus, AlertStoreError> {
    match s {
        "open" => Ok(AlertStatus::Open),
        "closed" => Ok(AlertStatus::Closed),
        _ => Err(corrupt(
            id,
            "alert.status",
            format!("unknown engine status {s:?}"),
        )),
    }
}

fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    // Maps of strings and lists of strings always serialize.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json<T: serde::de::DeserializeOwned>(
    id: &str,
    field: &'static str,
    s: &str,
) -> Result<T, AlertStoreError> {
    serde_json::from_str(s).map_err(|e| corrupt(id, field, e))
}

fn corrupt(id: &str, field: &'static str, detail: impl ToString) -> AlertStoreError {
    AlertStoreError::Corrupt {
        id: id.to_owned(),
        field,
        detail: detail.to_string(),
    }
}
