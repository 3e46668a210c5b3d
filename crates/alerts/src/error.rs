//! Errors of the alert store. Every message says what went wrong and what the
//! caller (usually an operator at the CLI) can do about it.

use std::path::PathBuf;
use std::time::Duration;

use crate::store::BUSY_TIMEOUT;

/// Anything [`crate::AlertStore`] can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AlertStoreError {
    #[error(
        "cannot open alert database {}: {source}; check that the directory exists and is writable by this user",
        path.display()
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "alert database {} could not be switched to WAL journal mode (SQLite kept {mode:?}); put it on a local filesystem, not a network share",
        path.display()
    )]
    NotWal { path: PathBuf, mode: String },

    #[error(
        "alert database {} has schema version {found}, newer than this build understands (up to {supported}); upgrade Sightline or point it at another file",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("no alert with id {id:?}; list the alerts to find the right id")]
    UnknownAlert { id: String },

    #[error("alert id prefix {prefix:?} is too short: give at least {min} hex digits")]
    PrefixTooShort { prefix: String, min: usize },

    #[error(
        "alert id prefix {prefix:?} is not hexadecimal: alert ids use only the digits 0-9 and a-f"
    )]
    PrefixNotHex { prefix: String },

    #[error(
        "alert id prefix {prefix:?} matches several alerts ({}); give more digits",
        candidates.join(", ")
    )]
    AmbiguousPrefix {
        prefix: String,
        /// Some of the matching ids (at most a handful, to keep the message short).
        candidates: Vec<String>,
    },

    #[error(
        "the actor of a triage change must not be empty: pass who made the change (e.g. the user name)"
    )]
    EmptyActor,

    #[error(
        "alert database row {id:?} has an invalid {field} ({detail}); the file was modified outside Sightline or by an incompatible version"
    )]
    Corrupt {
        id: String,
        field: &'static str,
        detail: String,
    },

    #[error(
        "the alert database stayed locked by another writer for over {:?}; retry, and check for a stuck process holding the file",
        timeout
    )]
    Busy {
        timeout: Duration,
        #[source]
        source: rusqlite::Error,
    },

    #[error("alert database error: {0}; if it persists, check disk space and file permissions")]
    Sqlite(#[source] rusqlite::Error),
}

impl From<rusqlite::Error> for AlertStoreError {
    fn from(e: rusqlite::Error) -> Self {
        // Lock contention deserves its own message: the fix (find the other
        // writer) is nothing like the fix for a full disk or a broken file.
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                AlertStoreError::Busy {
                    timeout: BUSY_TIMEOUT,
                    source: e,
                }
            }
            _ => AlertStoreError::Sqlite(e),
        }
    }
}

/// A triage state name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown triage state {0:?}: use one of open, acknowledged, resolved, false_positive")]
pub struct ParseTriageStateError(pub String);
