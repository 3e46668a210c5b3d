//! Errors. Each message says what went wrong and, where there is one, what to do.

use std::path::PathBuf;

/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds `DATA/LOCK`.
    #[error(
        "another sightline server is using {0} (its LOCK file is held); stop it, or use read-only search"
    )]
    Locked(PathBuf),
    /// The disk (or the configured `max_disk_bytes` quota) is full. Nothing was
    /// written; the segment was rolled back to its last good length.
    #[error(
        "disk full while writing {path}: {detail}; nothing from this batch was stored; free space (or raise max_disk_bytes / apply retention) and retry"
    )]
    DiskFull { path: PathBuf, detail: String },
    /// Any other I/O failure, with the file it concerned.
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The configuration cannot work.
    #[error("invalid store configuration: {0}")]
    Config(String),
    /// The signing key file is unreadable or is not an Ed25519 PKCS#8 key.
    #[error("signing key {path}: {detail}")]
    Key { path: PathBuf, detail: String },
    /// Stored data could not be read back (verify names the exact problem).
    #[error("corrupt data in {path}: {detail}; run `verify` for a full report")]
    Corrupt { path: PathBuf, detail: String },
    /// The tantivy index failed.
    #[error(
        "index error: {0}; the index is derived data: stop the server and delete DATA/index to rebuild it from the segments"
    )]
    Index(#[from] tantivy::TantivyError),
    /// A pagination cursor that this store did not produce.
    #[error(
        "invalid search cursor {0:?}: pass back the next_cursor of a previous result unchanged"
    )]
    BadCursor(String),
    /// An operation that writes, on a store opened read-only.
    #[error("the store was opened read-only; open it with Store::open to write")]
    ReadOnly,
    /// A search would have to read more events from the segments than allowed.
    #[error(
        "this query needs {needed} events read back from the segments (limit {limit}); narrow the time range or the query"
    )]
    TooBroad { needed: u64, limit: u64 },
}

impl StoreError {
    /// Wraps an I/O error, turning "no space left" into [`StoreError::DiskFull`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::StorageFull
            || source.kind() == std::io::ErrorKind::QuotaExceeded
        {
            StoreError::DiskFull {
                path,
                detail: source.to_string(),
            }
        } else {
            StoreError::Io { path, source }
        }
    }

    /// An equivalent error (io::Error is not Clone), for the other batches
    /// of a group that failed together.
    pub(crate) fn duplicate(&self) -> StoreError {
        match self {
            StoreError::Locked(p) => StoreError::Locked(p.clone()),
            StoreError::DiskFull { path, detail } => StoreError::DiskFull {
                path: path.clone(),
                detail: detail.clone(),
            },
            StoreError::Io { path, source } => StoreError::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            StoreError::Key { path, detail } => StoreError::Key {
                path: path.clone(),
                detail: detail.clone(),
            },
            StoreError::Corrupt { path, detail } => StoreError::Corrupt {
                path: path.clone(),
                detail: detail.clone(),
            },
            StoreError::ReadOnly => StoreError::ReadOnly,
            other => StoreError::Config(other.to_string()),
        }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, detail: impl Into<String>) -> Self {
        StoreError::Corrupt {
            path: path.into(),
            detail: detail.into(),
        }
    }
}

/// Adds the path to an I/O result.
pub(crate) trait IoContext<T> {
    fn at(self, path: &std::path::Path) -> Result<T, StoreError>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: &std::path::Path) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::io(path, e))
    }
}
