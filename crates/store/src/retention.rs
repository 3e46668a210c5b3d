//! The retention log and the choice of segments to delete.
//!
//! `DATA/retention.log` holds one JSON line per deleted segment. Lines are
//! hash-chained (each names the BLAKE3 of the previous line's signed message)
//! and signed, so `verify` can tell a legitimate deletion from a segment
//! someone removed by hand, and notice lines removed from the log itself.

use crate::catalog::SegMeta;
use crate::chain::{from_hex, to_hex};
use crate::config::RetentionPolicy;
use crate::error::{IoContext, StoreError};
use crate::keys::{EpochKeys, SealingKey};
use crate::segment::{self, Seal};
use crate::sign::Message;
use crate::store::{RetentionReport, Store, dir_size};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One deletion.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RetentionEntry {
    /// Line number, from 0.
    pub n: u64,
    pub segment: u64,
    pub first_seq: u64,
    pub count: u64,
    /// The chain hash the deleted segment's first record followed.
    pub prev_hash: String,
    /// Chain hash of its last record: the next segment chains from it.
    pub final_hash: String,
    pub reason: String,
    pub time: String,
    /// BLAKE3 of the previous entry's message (zeros for the first).
    pub prev_entry: String,
    /// The sealing-key epoch that signed it.
    pub epoch: u64,
    pub signature: String,
}

impl RetentionEntry {
    pub fn message(&self) -> Vec<u8> {
        Message::new("sightline.retention/2")
            .u64(self.n)
            .u64(self.segment)
            .u64(self.first_seq)
            .u64(self.count)
            .bytes(self.prev_hash.as_bytes())
            .bytes(self.final_hash.as_bytes())
            .bytes(self.reason.as_bytes())
            .bytes(self.time.as_bytes())
            .bytes(self.prev_entry.as_bytes())
            .u64(self.epoch)
            .finish()
    }

    /// What the next entry's `prev_entry` must be.
    pub fn entry_hash(&self) -> String {
        to_hex(blake3::hash(&self.message()).as_bytes())
    }

    pub fn last_seq(&self) -> u64 {
        (self.first_seq + self.count).saturating_sub(1)
    }
}

pub(crate) fn log_path(data: &Path) -> PathBuf {
    data.join("retention.log")
}

/// Parsed lines of the log and the lines that did not parse (line number, why).
/// Entries, and (line number, why) for lines that are not entries.
pub(crate) type LogContents = (Vec<RetentionEntry>, Vec<(usize, String)>);

pub(crate) fn read_log(data: &Path) -> Result<LogContents, StoreError> {
    let path = log_path(data);
    let text = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(StoreError::io(&path, e)),
    };
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<RetentionEntry>(line) {
            Ok(e) => entries.push(e),
            Err(e) => bad.push((i + 1, format!("not a valid retention record: {e}"))),
        }
    }
    Ok((entries, bad))
}

pub(crate) fn zero_entry_hash() -> String {
    to_hex(&[0u8; 32])
}

/// Appends a signed entry (fsynced before the segment is deleted).
#[allow(clippy::too_many_arguments)]
pub(crate) fn append_entry(
    data: &Path,
    key: &SealingKey,
    last: Option<&RetentionEntry>,
    segment: u64,
    first_seq: u64,
    count: u64,
    prev_hash: String,
    final_hash: String,
    reason: String,
    now: Timestamp,
) -> Result<RetentionEntry, StoreError> {
    let mut e = RetentionEntry {
        n: last.map_or(0, |l| l.n + 1),
        segment,
        first_seq,
        count,
        prev_hash,
        final_hash,
        reason,
        time: now.to_string(),
        prev_entry: last.map_or_else(zero_entry_hash, RetentionEntry::entry_hash),
        epoch: key.epoch(),
        signature: String::new(),
    };
    e.signature = key.sign(&e.message()).1;
    let path = log_path(data);
    let mut line = serde_json::to_vec(&e).unwrap_or_default();
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .at(&path)?;
    f.write_all(&line).at(&path)?;
    f.sync_all().at(&path)?;
    Ok(e)
}

/// Checks the log's chain and signatures; problems by line.
pub(crate) fn check_log(entries: &[RetentionEntry], keys: &EpochKeys) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut prev = zero_entry_hash();
    let mut epoch = 0;
    for (i, e) in entries.iter().enumerate() {
        if e.n != i as u64 {
            out.push((
                e.n,
                format!(
                    "retention record {} is at position {i}: records were removed or reordered",
                    e.n
                ),
            ));
        }
        if e.prev_entry != prev {
            out.push((e.n, format!("retention record {} does not chain from the record before it (removed, reordered or altered)", e.n)));
        }
        if from_hex(&e.signature).is_none() {
            out.push((
                e.n,
                format!(
                    "retention record {} (segment {}): the signature is not hex — altered",
                    e.n, e.segment
                ),
            ));
        } else if let Err(why) = keys.check(e.epoch, &e.message(), &e.signature) {
            out.push((
                e.n,
                format!("retention record {} (segment {}): {why}", e.n, e.segment),
            ));
        }
        if e.epoch < epoch {
            out.push((e.n, format!("retention record {} was signed in epoch {} after a record of epoch {epoch} — re-signed or reordered", e.n, e.epoch)));
        }
        epoch = epoch.max(e.epoch);
        prev = e.entry_hash();
    }
    out
}

impl Store {
    /// Deletes whole sealed segments per the configured retention policy
    /// (never the active one), removes their documents from the index, and
    /// records each deletion in the signed retention log first.
    pub fn apply_retention(&self, now: Timestamp) -> Result<RetentionReport, StoreError> {
        let mut w = self.writer()?;
        let policy = w.cfg.retention.clone();
        let segs: Vec<SegMeta> = self
            .catalog
            .read()
            .map(|c| c.segs.clone())
            .unwrap_or_default();
        let mut doomed: Vec<(SegMeta, String)> = Vec::new();
        for s in segs.iter().filter(|s| s.sealed) {
            if let Some(r) = age_reason(&policy, now, s.max_ts, &s.datasets) {
                doomed.push((s.clone(), r));
            }
        }
        if let Some(max) = policy.max_bytes {
            let mut total: u64 = segs.iter().map(|s| s.file_bytes).sum::<u64>()
                - doomed.iter().map(|(s, _)| s.file_bytes).sum::<u64>();
            for s in segs.iter().filter(|s| s.sealed) {
                if total <= max {
                    break;
                }
                if doomed.iter().any(|(d, _)| d.id == s.id) {
                    continue;
                }
                total -= s.file_bytes;
                doomed.push((s.clone(), format!("max_bytes {max}")));
            }
        }
        doomed.sort_by_key(|(s, _)| s.id);
        let mut report = RetentionReport::default();
        for (s, reason) in doomed {
            let seal_path = segment::seal_path_of(&s.path);
            let seal = Seal::read(&seal_path).map_err(|e| StoreError::corrupt(&seal_path, e))?;
            self.prepare_signing(&mut w)?;
            let entry = append_entry(
                &self.data_dir,
                &w.key,
                w.last_retention.as_ref(),
                s.id,
                s.first_seq,
                s.count,
                seal.prev_hash.clone(),
                seal.final_hash.clone(),
                reason.clone(),
                now,
            )?;
            w.last_retention = Some(entry);
            std::fs::remove_file(&s.path).at(&s.path)?;
            let _ = std::fs::remove_file(&seal_path);
            segment::sync_dir(&s.path)?;
            if let Some(dir) = s.path.parent()
                && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
            {
                let _ = std::fs::remove_dir(dir);
            }
            self.unindex_range(&mut w, s.first_seq, s.first_seq + s.count)?;
            if let Ok(mut cat) = self.catalog.write() {
                cat.segs.retain(|m| m.id != s.id);
            }
            w.disk_bytes = w.disk_bytes.saturating_sub(s.file_bytes);
            report.segments_deleted += 1;
            report.events_deleted += s.count;
            report.bytes_freed += s.file_bytes;
            report.deleted.push((s.id, reason));
        }
        if report.segments_deleted > 0 {
            self.cache.clear();
            self.sign_head(&mut w, false)?;
            w.disk_bytes = dir_size(&self.data_dir);
        }
        Ok(report)
    }
}

/// Why a sealed segment should go, if it should. `seg` gives the newest
/// event time (µs) per dataset and overall.
pub(crate) fn age_reason(
    policy: &RetentionPolicy,
    now: Timestamp,
    max_ts: Option<i64>,
    datasets: &std::collections::BTreeMap<String, i64>,
) -> Option<String> {
    let now_us = now.as_microsecond();
    let past = |age: std::time::Duration, ts: i64| {
        let age_us = i64::try_from(age.as_micros()).unwrap_or(i64::MAX);
        ts < now_us.saturating_sub(age_us)
    };
    if policy.per_dataset.is_empty() || datasets.is_empty() {
        let age = policy.max_age?;
        return past(age, max_ts?).then(|| format!("max_age {}s", age.as_secs()));
    }
    // Every dataset in the segment must be past its own age (or max_age).
    for (ds, ts) in datasets {
        let age = policy.per_dataset.get(ds).copied().or(policy.max_age)?;
        if !past(age, *ts) {
            return None;
        }
    }
    Some("per-dataset age".into())
}
