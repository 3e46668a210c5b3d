//! Store configuration.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// When appended blocks are forced to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FsyncPolicy {
    /// `fsync` before `append` returns: an `Ok` append survives kill -9 and power loss.
    #[default]
    Always,
    /// `fsync` at most every this many milliseconds (on the next append or flush).
    IntervalMs(u64),
    /// Leave it to the OS (the index commit still syncs the segment first).
    Never,
}

/// Which sealed segments `apply_retention` deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Delete a segment once all its events are older than this.
    pub max_age: Option<Duration>,
    /// Delete the oldest sealed segments while the segment files exceed this many bytes.
    pub max_bytes: Option<u64>,
    /// Per-dataset ages, overriding `max_age` for that dataset. A segment is
    /// only deleted when every dataset in it is past its own age.
    pub per_dataset: BTreeMap<String, Duration>,
}

/// How to open a store for writing.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The data directory (`DATA`).
    pub data_dir: PathBuf,
    /// The sealing key (the current epoch's Ed25519 seed, JSON, mode 0600);
    /// must be outside `data_dir`. Generated if missing.
    pub key_file: PathBuf,
    pub fsync: FsyncPolicy,
    /// Seal the active segment once its uncompressed records reach this size.
    pub segment_max_bytes: u64,
    /// Seal the active segment once it is this old (checked on append and flush).
    pub segment_max_age: Duration,
    /// Commit the index at most this often during appends (and always on flush).
    pub index_commit_ms: u64,
    /// Memory for the index writer.
    pub index_heap_bytes: usize,
    /// How many recent event ids are remembered to drop duplicates.
    pub dedup_window: usize,
    /// Refuse writes that would take the data directory above this size.
    pub max_disk_bytes: Option<u64>,
    /// zstd level for blocks.
    pub zstd_level: i32,
    pub retention: RetentionPolicy,
    /// How long one sealing key lives before the next is derived from it
    /// (forward security: a stolen key cannot sign as an earlier epoch).
    pub seal_epoch: Duration,
}

impl StoreConfig {
    /// Defaults: fsync always, 64 MiB / 1 h segments, index commit (and chain
    /// head signature) every second, dedup window of 2 M ids, no quota, no
    /// retention, 15-minute key epochs.
    pub fn new(data_dir: impl Into<PathBuf>, key_file: impl Into<PathBuf>) -> Self {
        StoreConfig {
            data_dir: data_dir.into(),
            key_file: key_file.into(),
            fsync: FsyncPolicy::Always,
            segment_max_bytes: 64 << 20,
            segment_max_age: Duration::from_secs(3600),
            index_commit_ms: 1000,
            index_heap_bytes: 128 << 20,
            dedup_window: 2_000_000,
            max_disk_bytes: None,
            zstd_level: 3,
            retention: RetentionPolicy::default(),
            seal_epoch: Duration::from_secs(15 * 60),
        }
    }
}
