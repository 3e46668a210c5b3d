//! `DATA/chain.json`: the signed chain head.
//!
//! Re-signed at every index commit (about once a second while appending), at
//! every segment change, retention run and epoch change, and on close. It
//! vouches for the number of records and the chain hash of the last one, so
//! an edit of the active segment (even with the later chain hashes
//! recomputed) or a cut of its end is named by `verify`, not only what sealed
//! segments cover. It also commits to the ends of `retention.log` and
//! `keys.log`, and carries the writer's *incidents*: tampering that the
//! writer found when it opened the store (a missing head, records cut below
//! the head...). Incidents are carried forward in every later head, so
//! restarting the server never launders them.

use crate::error::StoreError;
use crate::segment::write_atomic;
use crate::sign::Message;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Tampering the writer found on open, kept (signed) in every later head.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Incident {
    /// When the writer found it.
    pub time: String,
    /// `removed`, `altered`, `head-missing`, `head-invalid`, `log-cut`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<u64>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainHead {
    pub format: u32,
    /// Id of the newest segment file (0 when there is none yet).
    pub newest_segment: u64,
    /// Its first record's seq and the chain hash that record follows.
    pub first_seq: u64,
    pub prev_hash: String,
    /// Records ever stored (the next seq) and the chain hash of the last.
    pub seq: u64,
    pub hash: String,
    /// Entries in retention.log and the hash of the last one.
    pub retention_entries: u64,
    pub retention_hash: String,
    /// Records in keys.log and the hash of the last one.
    pub key_records: u64,
    pub key_hash: String,
    /// The head is re-signed at least this often while records arrive.
    pub interval_ms: u64,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    pub time: String,
    pub epoch: u64,
    pub signature: String,
}

impl ChainHead {
    pub fn message(&self) -> Vec<u8> {
        let incidents = serde_json::to_vec(&self.incidents).unwrap_or_default();
        Message::new("sightline.chain-head/2")
            .u64(self.newest_segment)
            .u64(self.first_seq)
            .bytes(self.prev_hash.as_bytes())
            .u64(self.seq)
            .bytes(self.hash.as_bytes())
            .u64(self.retention_entries)
            .bytes(self.retention_hash.as_bytes())
            .u64(self.key_records)
            .bytes(self.key_hash.as_bytes())
            .u64(self.interval_ms)
            .bytes(&incidents)
            .bytes(self.time.as_bytes())
            .u64(self.epoch)
            .finish()
    }

    pub(crate) fn path(data: &Path) -> PathBuf {
        data.join("chain.json")
    }

    pub(crate) fn write(&self, data: &Path) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        write_atomic(&Self::path(data), &bytes)
    }

    /// `None` when there is no chain.json.
    pub(crate) fn read(data: &Path) -> Option<Result<ChainHead, String>> {
        let bytes = match std::fs::read(Self::path(data)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => return Some(Err(format!("chain.json cannot be read: {e}"))),
        };
        Some(serde_json::from_slice(&bytes).map_err(|e| format!("chain.json is not valid: {e}")))
    }
}
