//! The store: its state, appending, sealing, flushing, statistics. Opening
//! is in `open`, signatures in `signing`, the index stage in `indexer`,
//! retention in `retention`.

use crate::catalog::{BlockCache, Catalog, SegMeta};
use crate::chain::{Hash, link, to_hex};
use crate::config::{FsyncPolicy, StoreConfig};
use crate::dedup::DedupWindow;
use crate::error::{IoContext, StoreError};
use crate::format::{MAX_BLOCK_RAW, SEGMENT_HEADER_LEN, SegmentHeader, encode_block, push_record};
use crate::head::Incident;
use crate::index::{self, Fields};
use crate::indexer::{IndexJob, Indexer};
use crate::keys::{KeyLog, SealingKey};
use crate::retention::RetentionEntry;
use crate::segment::{self, BlockLoc, Seal, hex, segment_path};
use jiff::Timestamp;
use sightline_event::{Event, EventId};
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::sync::{Mutex, RwLock};
use std::time::Instant;
use tantivy::{IndexReader, ReloadPolicy, TantivyDocument};

/// What opening found and repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    pub segments: u64,
    pub events: u64,
    /// Bytes of a partly written last block removed from the active segment
    /// (copied to `DATA/quarantine/` first).
    pub torn_bytes_dropped: u64,
    pub torn_segment: Option<PathBuf>,
    /// Records re-added to the index because it lagged the segments.
    pub reindexed: u64,
    /// Index documents removed because they pointed past the segments.
    pub unindexed: u64,
    /// Segments sealed on open (left unsealed by a crash while rolling).
    pub sealed_on_open: u64,
    /// Damage seen while opening (run `verify` for details).
    pub warnings: Vec<String>,
    /// Tampering found by comparing the store with its signed head; kept,
    /// signed, in every later head (so `verify` keeps reporting it).
    pub incidents: Vec<Incident>,
}

/// What one append did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendReport {
    pub stored: u64,
    /// Events dropped because their id was already stored (or repeated in the batch).
    pub duplicates: u64,
    /// Ids of those events, so a caller can skip them too (detection must
    /// not count a retried batch twice).
    pub duplicate_ids: Vec<sightline_event::EventId>,
    /// Seq of the first and last stored record.
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// Segment the records went to.
    pub segment: Option<u64>,
    /// The records are stored, but indexing them failed (they become
    /// searchable once [`Store::tick`] repairs the index): the reason.
    pub index_error: Option<String>,
}

/// Sizes and counts, for metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub events: u64,
    pub segments: u64,
    /// Everything under the data directory.
    pub bytes_on_disk: u64,
    /// Sum of the stored events' JSON bytes.
    pub raw_bytes: u64,
    pub index_bytes: u64,
    pub oldest: Option<Timestamp>,
    pub newest: Option<Timestamp>,
    /// Set while the index lags the segments after a failure (the newest
    /// events are stored but not yet searchable); the reason.
    pub index_fault: Option<String>,
}

/// What `apply_retention` deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub segments_deleted: u64,
    pub events_deleted: u64,
    pub bytes_freed: u64,
    /// (segment id, reason) for each deletion.
    pub deleted: Vec<(u64, String)>,
}

pub(crate) struct Active {
    pub(crate) id: u64,
    pub(crate) path: PathBuf,
    pub(crate) file: File,
    pub(crate) len: u64,
    pub(crate) first_seq: u64,
    pub(crate) count: u64,
    pub(crate) raw_bytes: u64,
    pub(crate) min_ts: Option<i64>,
    pub(crate) max_ts: Option<i64>,
    pub(crate) datasets: BTreeMap<String, i64>,
    pub(crate) created: Timestamp,
    pub(crate) day: String,
    pub(crate) prev_hash: Hash,
}

/// Everything the appending side owns, behind one lock.
pub(crate) struct Writer {
    pub(crate) cfg: StoreConfig,
    pub(crate) key: SealingKey,
    pub(crate) keylog: KeyLog,
    /// Id, first seq and previous hash of the newest segment file.
    pub(crate) newest: (u64, u64, Hash),
    /// Tampering found on open, carried in every head.
    pub(crate) incidents: Vec<Incident>,
    /// (records, chain hash, retention entries, key records) of the last signed head.
    pub(crate) signed: Option<(u64, Hash, u64, u64)>,
    pub(crate) last_head: Instant,
    /// Why the last attempt to sign the head failed, until one succeeds.
    pub(crate) head_fault: Option<String>,
    pub(crate) active: Option<Active>,
    pub(crate) next_seq: u64,
    pub(crate) head: Hash,
    pub(crate) next_segment_id: u64,
    pub(crate) dedup: DedupWindow,
    pub(crate) last_sync: Instant,
    pub(crate) unsynced: bool,
    pub(crate) disk_bytes: u64,
    pub(crate) last_size_check: Instant,
    pub(crate) last_retention: Option<RetentionEntry>,
    pub(crate) fail_after: Option<u64>,
}

/// The embedded event store. `Send + Sync`: one appender, concurrent searches.
pub struct Store {
    pub(crate) data_dir: PathBuf,
    pub(crate) writer: Option<Mutex<Writer>>,
    pub(crate) catalog: RwLock<Catalog>,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) cache: BlockCache,
    /// The index writer (writers only).
    pub(crate) indexer: Option<Mutex<Indexer>>,
    /// Set while a detached index stage runs (see `indexer`).
    pub(crate) index_queue: Mutex<Option<SyncSender<IndexJob>>>,
    /// Why the index lags the segments, while it does.
    pub(crate) index_fault: Mutex<Option<String>>,
    /// The root (epoch 0) public key, when known (writers).
    pub(crate) root_public: Option<[u8; 32]>,
    pub(crate) _lock: Option<File>,
}

/// An event made ready for storage: its stored JSON and its index document,
/// built on any thread (the parallel part of storing; appending is ordered).
pub struct Prepared {
    id: EventId,
    json: String,
    doc: TantivyDocument,
    ts: i64,
    dataset: String,
}

impl Prepared {
    pub fn id(&self) -> EventId {
        self.id
    }
}

/// The same failure for every batch of a group: the first gets the error
/// itself, the others an equivalent one.
fn repeat_err(n: usize, e: StoreError) -> Vec<Result<AppendReport, StoreError>> {
    let mut out: Vec<Result<AppendReport, StoreError>> =
        (1..n).map(|_| Err(e.duplicate())).collect();
    out.insert(0, Err(e));
    out
}

pub(crate) fn day_of(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

pub(crate) fn dir_size(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

pub(crate) fn index_dir(data: &Path) -> PathBuf {
    data.join("index")
}

impl Store {
    /// Opens a store for searching only: takes no lock and writes nothing, so
    /// it works next to a running server (seeing what its index has committed)
    /// or on a stopped one.
    pub fn open_read_only(data_dir: impl AsRef<Path>) -> Result<Store, StoreError> {
        let data = data_dir.as_ref().to_path_buf();
        if !data.join("segments").exists() && !index_dir(&data).exists() {
            return Err(StoreError::Config(format!(
                "{} is not a sightline data directory",
                data.display()
            )));
        }
        let mut report = OpenReport::default();
        let (mut cat, active) = crate::open::load_catalog(&data, &mut report)?;
        if let Some((meta, _)) = active {
            cat.segs.push(meta);
        }
        let (index, fields, _) = crate::open::open_index(&data, false)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Store {
            data_dir: data,
            writer: None,
            catalog: RwLock::new(cat),
            reader,
            fields,
            cache: BlockCache::new(),
            indexer: None,
            index_queue: Mutex::new(None),
            index_fault: Mutex::new(None),
            root_public: None,
            _lock: None,
        })
    }

    pub(crate) fn writer_is_none(&self) -> bool {
        self.writer.is_none()
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Re-reads segments and the index (read-only stores: to see a running
    /// writer's newer data).
    pub fn refresh(&self) -> Result<(), StoreError> {
        if self.writer.is_none() {
            let mut report = OpenReport::default();
            let (mut cat, active) = crate::open::load_catalog(&self.data_dir, &mut report)?;
            if let Some((meta, _)) = active {
                cat.segs.push(meta);
            }
            if let Ok(mut c) = self.catalog.write() {
                *c = cat;
            }
            self.cache.clear();
        }
        self.reader.reload()?;
        Ok(())
    }

    pub(crate) fn writer(&self) -> Result<std::sync::MutexGuard<'_, Writer>, StoreError> {
        let w = self.writer.as_ref().ok_or(StoreError::ReadOnly)?;
        // A panic while holding the lock leaves state that the next open repairs.
        Ok(w.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Builds the stored form and the index document of an event. Any
    /// thread may call it; the work is the part of storing that parallelizes.
    pub fn prepare(&self, ev: &Event) -> Prepared {
        Prepared {
            id: ev.id,
            json: ev.to_json(),
            doc: index::document_without_seq(&self.fields, ev),
            ts: ev.timestamp.as_microsecond(),
            dataset: ev.dataset.to_string(),
        }
    }

    /// Appends one batch as one block (several if it exceeds 64 MiB), syncing
    /// per the fsync policy. Events whose id is already stored are skipped.
    pub fn append(&self, events: &[Event]) -> Result<AppendReport, StoreError> {
        let prepared = events.iter().map(|e| self.prepare(e)).collect();
        self.append_prepared(prepared)
    }

    /// [`Store::append`] of prepared events.
    pub fn append_prepared(&self, batch: Vec<Prepared>) -> Result<AppendReport, StoreError> {
        self.append_group(vec![batch])
            .pop()
            .unwrap_or_else(|| Ok(AppendReport::default()))
    }

    /// Appends several batches with one write and one fsync (group commit):
    /// each batch still becomes its own block(s) and gets its own report.
    /// Nothing of the group is published (seqs, dedup, searches) before the
    /// fsync; if the write or the fsync fails, the segment is truncated back
    /// and every batch of the group fails. A batch that would exceed the disk
    /// quota fails alone.
    pub fn append_group(
        &self,
        batches: Vec<Vec<Prepared>>,
    ) -> Vec<Result<AppendReport, StoreError>> {
        let n = batches.len();
        let mut w = match self.writer() {
            Ok(w) => w,
            Err(e) => return repeat_err(n, e),
        };
        let now = Timestamp::now();
        if let Err(e) = self.roll_if_due(&mut w, now) {
            return repeat_err(n, e);
        }
        // Dedup against the window and across the whole group.
        let mut seen = HashSet::new();
        let mut results: Vec<Option<Result<AppendReport, StoreError>>> = Vec::with_capacity(n);
        let mut kept: Vec<(usize, Vec<Prepared>)> = Vec::new();
        let mut reports: Vec<AppendReport> = Vec::with_capacity(n);
        for (i, batch) in batches.into_iter().enumerate() {
            let mut report = AppendReport::default();
            let mut keep = Vec::with_capacity(batch.len());
            for p in batch {
                let id = *p.id.as_bytes();
                if w.dedup.contains(&id) || !seen.insert(id) {
                    report.duplicates += 1;
                    report.duplicate_ids.push(p.id);
                } else {
                    keep.push(p);
                }
            }
            reports.push(report);
            results.push(None);
            if !keep.is_empty() {
                kept.push((i, keep));
            }
        }
        if kept.is_empty() {
            return reports.into_iter().map(Ok).collect();
        }
        if let Err(e) = self.ensure_active(&mut w, now) {
            return repeat_err(n, e);
        }
        // Near the quota, measure instead of estimating: the index grows on
        // its own threads, and the estimate only learns of it once a second.
        if let Some(max) = w.cfg.max_disk_bytes
            && w.disk_bytes >= max / 10 * 9
        {
            w.disk_bytes = dir_size(&self.data_dir);
            w.last_size_check = Instant::now();
        }

        // Encode every batch, chained from the head, into one buffer.
        let level = w.cfg.zstd_level;
        let written = now.as_microsecond();
        let base = w.active.as_ref().map_or(0, |a| a.len);
        let mut next = w.next_seq;
        let mut head = w.head;
        let mut bytes = Vec::new();
        let mut blocks = Vec::new();
        let mut stats = SegStats::default();
        let mut included: Vec<(usize, Vec<Prepared>, u64)> = Vec::new();
        for (i, keep) in kept {
            let mark = (bytes.len(), blocks.len(), next, head, stats.clone());
            let encoded = encode_batch(
                &keep,
                &mut next,
                &mut head,
                &mut bytes,
                &mut blocks,
                base,
                level,
                written,
                &mut stats,
            );
            let over_quota = w
                .cfg
                .max_disk_bytes
                .filter(|max| w.disk_bytes + bytes.len() as u64 > *max);
            let failure = match (encoded, over_quota) {
                (Err(e), _) => Some(StoreError::io(&self.data_dir, e)),
                (Ok(()), Some(max)) => Some(StoreError::DiskFull {
                    path: self.data_dir.clone(),
                    detail: format!(
                        "the quota max_disk_bytes = {max} would be exceeded ({} used, {} more needed)",
                        w.disk_bytes,
                        bytes.len() - mark.0
                    ),
                }),
                (Ok(()), None) => None,
            };
            match failure {
                Some(e) => {
                    bytes.truncate(mark.0);
                    blocks.truncate(mark.1);
                    (next, head, stats) = (mark.2, mark.3, mark.4);
                    results[i] = Some(Err(e));
                }
                None => {
                    let first = mark.2;
                    included.push((i, keep, first));
                }
            }
        }
        if included.is_empty() {
            return finish(results, reports);
        }
        if let Err(e) = self.write_blocks(&mut w, &bytes) {
            for (i, _, _) in &included[1..] {
                results[*i] = Some(Err(e.duplicate()));
            }
            results[included[0].0] = Some(Err(e));
            return finish(results, reports);
        }

        // Durable (per policy): publish.
        let stored = next - w.next_seq;
        w.next_seq = next;
        w.head = head;
        w.disk_bytes += bytes.len() as u64;
        let seg_id = match w.active.as_mut() {
            Some(a) => {
                a.len += bytes.len() as u64;
                a.count += stored;
                a.raw_bytes += stats.raw;
                a.min_ts = min(a.min_ts, stats.min_ts);
                a.max_ts = max(a.max_ts, stats.max_ts);
                for (k, v) in &stats.datasets {
                    let e = a.datasets.entry(k.clone()).or_insert(*v);
                    *e = (*e).max(*v);
                }
                let seg_id = a.id;
                if let Ok(mut cat) = self.catalog.write()
                    && let Some(m) = cat.segs.last_mut().filter(|m| m.id == seg_id)
                {
                    m.blocks.extend(blocks);
                    m.file_bytes = a.len;
                    m.count = a.count;
                    m.raw_bytes = a.raw_bytes;
                    m.min_ts = a.min_ts;
                    m.max_ts = a.max_ts;
                    m.datasets = a.datasets.clone();
                }
                seg_id
            }
            None => 0,
        };
        let mut docs = Vec::with_capacity(stored as usize);
        for (i, keep, first) in included {
            let r = &mut reports[i];
            r.stored = keep.len() as u64;
            r.first_seq = Some(first);
            r.last_seq = Some(first + r.stored - 1);
            r.segment = Some(seg_id);
            for (k, p) in keep.into_iter().enumerate() {
                w.dedup.insert(p.id.as_bytes());
                let mut doc = p.doc;
                doc.add_u64(self.fields.seq, first + k as u64);
                docs.push((first + k as u64, doc));
            }
            results[i] = Some(Ok(AppendReport::default()));
        }
        let next_seq = w.next_seq;
        let index_error = self.index_docs(&mut w, docs, next_seq);
        for (r, res) in reports.iter_mut().zip(&results) {
            if matches!(res, Some(Ok(_))) {
                r.index_error.clone_from(&index_error);
            }
        }
        // The records are durable whatever happens to the head: a failure to
        // sign it is kept and retried by `tick`, never fails the append.
        if w.last_head.elapsed().as_millis() as u64 >= w.cfg.index_commit_ms
            && let Err(e) = self.sign_head(&mut w, false)
        {
            w.head_fault = Some(e.to_string());
        }
        if w.active
            .as_ref()
            .is_some_and(|a| a.raw_bytes >= w.cfg.segment_max_bytes)
            && let Err(e) = self.seal(&mut w)
        {
            // Stored all the same; the next append or tick seals.
            w.head_fault = Some(format!("sealing segment: {e}"));
        }
        finish(results, reports)
    }

    /// Writes at the end of the active segment; on any failure truncates back
    /// to the last good length so no partial block stays behind.
    fn write_blocks(&self, w: &mut Writer, bytes: &[u8]) -> Result<(), StoreError> {
        let fail_after = w.fail_after.take();
        let policy = w.cfg.fsync;
        let due = match policy {
            FsyncPolicy::Always => true,
            FsyncPolicy::IntervalMs(ms) => w.last_sync.elapsed().as_millis() as u64 >= ms,
            FsyncPolicy::Never => false,
        };
        let Some(a) = w.active.as_mut() else {
            return Err(StoreError::Config("no active segment".into()));
        };
        let result = (|| -> std::io::Result<()> {
            if let Some(n) = fail_after {
                let n = (n as usize).min(bytes.len());
                a.file.write_all(&bytes[..n])?;
                return Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "No space left on device (injected)",
                ));
            }
            a.file.write_all(bytes)?;
            if due {
                a.file.sync_data()?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            let good = a.len;
            let rollback = a
                .file
                .set_len(good)
                .and_then(|_| a.file.seek(SeekFrom::Start(good)).map(|_| ()))
                .and_then(|_| a.file.sync_data());
            if let Err(r) = rollback {
                return Err(StoreError::Io {
                    path: a.path.clone(),
                    source: std::io::Error::new(
                        r.kind(),
                        format!(
                            "{e}; rolling back to byte {good} also failed: {r} (reopen the store to repair)"
                        ),
                    ),
                });
            }
            return Err(StoreError::io(&a.path, e));
        }
        if due {
            w.last_sync = Instant::now();
            w.unsynced = false;
        } else {
            w.unsynced = true;
        }
        Ok(())
    }

    fn ensure_active(&self, w: &mut Writer, now: Timestamp) -> Result<(), StoreError> {
        if w.active.is_some() {
            return Ok(());
        }
        let id = w.next_segment_id;
        let day = day_of(now);
        let path = segment_path(&self.data_dir, &day, id);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let new_dir = !dir.exists();
        std::fs::create_dir_all(&dir).at(&dir)?;
        if new_dir {
            segment::sync_dir(&dir)?;
        }
        let header = SegmentHeader {
            segment_id: id,
            first_seq: w.next_seq,
            prev_hash: w.head,
            created_micros: now.as_microsecond(),
        };
        if let Some(max) = w.cfg.max_disk_bytes
            && w.disk_bytes + SEGMENT_HEADER_LEN as u64 > max
        {
            return Err(StoreError::DiskFull {
                path: self.data_dir.clone(),
                detail: format!(
                    "the quota max_disk_bytes = {max} is reached ({} used)",
                    w.disk_bytes
                ),
            });
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .at(&path)?;
        if let Err(e) = file
            .write_all(&header.encode())
            .and_then(|_| file.sync_all())
        {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(StoreError::io(&path, e));
        }
        segment::sync_dir(&path)?;
        w.newest = (id, w.next_seq, w.head);
        w.next_segment_id += 1;
        w.disk_bytes += SEGMENT_HEADER_LEN as u64;
        if let Ok(mut cat) = self.catalog.write() {
            cat.segs.push(SegMeta {
                id,
                path: path.clone(),
                first_seq: w.next_seq,
                count: 0,
                file_bytes: SEGMENT_HEADER_LEN as u64,
                raw_bytes: 0,
                min_ts: None,
                max_ts: None,
                datasets: BTreeMap::new(),
                sealed: false,
                blocks: Vec::new(),
            });
        }
        w.active = Some(Active {
            id,
            path,
            file,
            len: SEGMENT_HEADER_LEN as u64,
            first_seq: w.next_seq,
            count: 0,
            raw_bytes: 0,
            min_ts: None,
            max_ts: None,
            datasets: BTreeMap::new(),
            created: now,
            day,
            prev_hash: w.head,
        });
        // The head names the new segment at once, so deleting it is noticed.
        self.sign_head(w, true)
    }

    fn roll_if_due(&self, w: &mut Writer, now: Timestamp) -> Result<(), StoreError> {
        let Some(a) = &w.active else { return Ok(()) };
        if a.count == 0 {
            return Ok(());
        }
        let age = now.duration_since(a.created).unsigned_abs();
        if age >= w.cfg.segment_max_age
            || day_of(now) != a.day
            || a.raw_bytes >= w.cfg.segment_max_bytes
        {
            self.seal(w)?;
        }
        Ok(())
    }

    /// Seals the active segment: fsync, signed sidecar, and the next append
    /// starts a new segment.
    fn seal(&self, w: &mut Writer) -> Result<(), StoreError> {
        let Some(a) = w.active.take() else {
            return Ok(());
        };
        if a.count == 0 {
            w.active = Some(a);
            return Ok(());
        }
        a.file.sync_all().at(&a.path)?;
        let meta = SegMeta {
            id: a.id,
            path: a.path.clone(),
            first_seq: a.first_seq,
            count: a.count,
            file_bytes: a.len,
            raw_bytes: a.raw_bytes,
            min_ts: a.min_ts,
            max_ts: a.max_ts,
            datasets: a.datasets.clone(),
            sealed: true,
            blocks: Vec::new(),
        };
        self.prepare_signing(w)?;
        if let Err(e) = write_seal(&w.key, &meta, &a.prev_hash, &w.head, Timestamp::now()) {
            w.active = Some(a);
            return Err(e);
        }
        w.disk_bytes += 600;
        if let Ok(mut cat) = self.catalog.write()
            && let Some(m) = cat.segs.iter_mut().find(|m| m.id == a.id)
        {
            m.sealed = true;
        }
        self.sign_head(w, true)
    }

    /// Seals the active segment now (e.g. before a backup). Returns its id,
    /// or `None` if there was nothing to seal.
    pub fn roll(&self) -> Result<Option<u64>, StoreError> {
        let mut w = self.writer()?;
        let id = w.active.as_ref().filter(|a| a.count > 0).map(|a| a.id);
        self.seal(&mut w)?;
        Ok(id)
    }

    /// Periodic upkeep for a long-running writer, cheap when nothing is due:
    /// syncs an interval-fsync segment whose interval has passed, seals the
    /// active segment when it is old enough, re-signs the head when records
    /// arrived since it was signed (and at epoch changes), refreshes the
    /// disk usage, and, for an inline index, repairs it after a failure or
    /// commits it once `index_commit_ms` has passed without an append (so
    /// the last batch before a quiet spell becomes searchable).
    pub fn tick(&self) -> Result<(), StoreError> {
        let mut w = self.writer()?;
        if let FsyncPolicy::IntervalMs(ms) = w.cfg.fsync
            && w.unsynced
            && w.last_sync.elapsed().as_millis() as u64 >= ms
        {
            self.sync_active(&mut w)?;
        }
        self.roll_if_due(&mut w, Timestamp::now())?;
        self.index_tick(&mut w);
        let epoch_due = w.key.due(Timestamp::now(), w.cfg.seal_epoch).is_some();
        if epoch_due || w.last_head.elapsed().as_millis() as u64 >= w.cfg.index_commit_ms {
            match self.sign_head(&mut w, epoch_due) {
                Ok(()) => w.head_fault = None,
                Err(e) => w.head_fault = Some(e.to_string()),
            }
        }
        if w.last_size_check.elapsed().as_secs() >= 1 {
            w.disk_bytes = dir_size(&self.data_dir);
            w.last_size_check = Instant::now();
        }
        Ok(())
    }

    /// Syncs the active segment if anything written to it is not yet.
    pub(crate) fn sync_active(&self, w: &mut Writer) -> Result<(), StoreError> {
        if w.unsynced
            && let Some(a) = &w.active
        {
            a.file.sync_data().at(&a.path)?;
        }
        w.unsynced = false;
        w.last_sync = Instant::now();
        Ok(())
    }

    /// Syncs the active segment, seals it if it is due, commits the index
    /// (waiting for a detached index stage) so that everything appended so
    /// far is searchable, and signs the head.
    pub fn flush(&self) -> Result<(), StoreError> {
        let mut w = self.writer()?;
        w.unsynced = true;
        self.sync_active(&mut w)?;
        self.roll_if_due(&mut w, Timestamp::now())?;
        self.commit_index_now(&mut w)?;
        self.sign_head(&mut w, false)
    }

    /// Syncs, commits the index, signs the head and releases the lock (a
    /// detached index stage commits and returns). Seals nothing: the active
    /// segment continues on the next open.
    pub fn close(self) -> Result<(), StoreError> {
        if self.writer.is_some() {
            let mut w = self.writer()?;
            w.unsynced = true;
            self.sync_active(&mut w)?;
            self.commit_index_now(&mut w)?;
            self.sign_head(&mut w, false)?;
        }
        self.stop_indexer();
        Ok(())
    }

    #[doc(hidden)]
    /// Test hook: the next block write stores only `after_bytes` bytes and
    /// then fails with "no space left on device".
    pub fn inject_write_failure(&self, after_bytes: u64) -> Result<(), StoreError> {
        self.writer()?.fail_after = Some(after_bytes);
        Ok(())
    }

    /// Changes the disk quota (e.g. after space was added).
    pub fn set_max_disk_bytes(&self, max: Option<u64>) -> Result<(), StoreError> {
        self.writer()?.cfg.max_disk_bytes = max;
        Ok(())
    }

    /// Counts and sizes.
    pub fn stats(&self) -> StoreStats {
        let cat = self.catalog.read().unwrap_or_else(|p| p.into_inner());
        let ts = |us: Option<i64>| us.and_then(|u| Timestamp::from_microsecond(u).ok());
        StoreStats {
            events: cat.segs.iter().map(|s| s.count).sum(),
            segments: cat.segs.len() as u64,
            bytes_on_disk: dir_size(&self.data_dir),
            raw_bytes: cat.segs.iter().map(|s| s.raw_bytes).sum(),
            index_bytes: dir_size(&index_dir(&self.data_dir)),
            oldest: ts(cat.segs.iter().filter_map(|s| s.min_ts).min()),
            newest: ts(cat.segs.iter().filter_map(|s| s.max_ts).max()),
            index_fault: self.index_fault(),
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(m) = &self.writer {
            let mut w = m.lock().unwrap_or_else(|p| p.into_inner());
            w.unsynced = true;
            let _ = self.sync_active(&mut w);
            let detached = self.index_queue.lock().is_ok_and(|q| q.is_some());
            if !detached {
                let _ = self.commit_index_now(&mut w);
            }
            let _ = self.sign_head(&mut w, false);
        }
        self.stop_indexer();
    }
}

/// Sizes and event times of what a group adds to the active segment.
#[derive(Clone, Default)]
struct SegStats {
    raw: u64,
    min_ts: Option<i64>,
    max_ts: Option<i64>,
    datasets: BTreeMap<String, i64>,
}

/// Chains one batch from `head` and encodes it as blocks at the end of `bytes`.
#[allow(clippy::too_many_arguments)]
fn encode_batch(
    keep: &[Prepared],
    next: &mut u64,
    head: &mut Hash,
    bytes: &mut Vec<u8>,
    blocks: &mut Vec<BlockLoc>,
    base: u64,
    level: i32,
    written: i64,
    stats: &mut SegStats,
) -> std::io::Result<()> {
    let mut body = Vec::new();
    let mut block_first = *next;
    let mut block_count = 0u32;
    for p in keep {
        let seq = *next;
        let json = p.json.as_bytes();
        if !body.is_empty() && body.len() + json.len() + 36 > MAX_BLOCK_RAW {
            blocks.push(BlockLoc::new(
                block_first,
                block_count,
                base + bytes.len() as u64,
            ));
            bytes.extend(encode_block(
                block_first,
                block_count,
                &body,
                level,
                written,
            )?);
            body.clear();
            block_first = seq;
            block_count = 0;
        }
        *head = link(head, seq, json);
        push_record(&mut body, head, json);
        block_count += 1;
        *next += 1;
        stats.raw += json.len() as u64;
        stats.min_ts = Some(stats.min_ts.map_or(p.ts, |m| m.min(p.ts)));
        stats.max_ts = Some(stats.max_ts.map_or(p.ts, |m| m.max(p.ts)));
        let e = stats.datasets.entry(p.dataset.clone()).or_insert(p.ts);
        *e = (*e).max(p.ts);
    }
    blocks.push(BlockLoc::new(
        block_first,
        block_count,
        base + bytes.len() as u64,
    ));
    bytes.extend(encode_block(
        block_first,
        block_count,
        &body,
        level,
        written,
    )?);
    Ok(())
}

/// Every batch's result: its failure, or its report.
fn finish(
    results: Vec<Option<Result<AppendReport, StoreError>>>,
    reports: Vec<AppendReport>,
) -> Vec<Result<AppendReport, StoreError>> {
    results
        .into_iter()
        .zip(reports)
        .map(|(res, report)| match res {
            Some(Err(e)) => Err(e),
            _ => Ok(report),
        })
        .collect()
}

fn min(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

fn max(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) | (None, x) => x,
    }
}

pub(crate) fn write_seal(
    key: &SealingKey,
    m: &SegMeta,
    prev: &Hash,
    final_hash: &Hash,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut seal = Seal {
        format: 1,
        segment: m.id,
        first_seq: m.first_seq,
        count: m.count,
        final_hash: hex(final_hash),
        prev_hash: hex(prev),
        min_ts: m.min_ts.unwrap_or(0),
        max_ts: m.max_ts.unwrap_or(0),
        raw_bytes: m.raw_bytes,
        datasets: m.datasets.clone(),
        sealed_at: now.to_string(),
        epoch: key.epoch(),
        public_key: to_hex(&key.public()),
        signature: String::new(),
    };
    seal.signature = key.sign(&seal.message()).1;
    let bytes = serde_json::to_vec_pretty(&seal).unwrap_or_default();
    segment::write_atomic(&segment::seal_path_of(&m.path), &bytes)
}
