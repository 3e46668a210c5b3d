//! The store: opening, appending, sealing, flushing, statistics, retention.

use crate::catalog::{BlockCache, Catalog, SegMeta};
use crate::chain::{Hash, genesis, hash_from_hex, link};
use crate::config::{FsyncPolicy, StoreConfig};
use crate::dedup::DedupWindow;
use crate::error::{IoContext, StoreError};
use crate::format::{MAX_BLOCK_RAW, SEGMENT_HEADER_LEN, SegmentHeader, encode_block, push_record};
use crate::head::ChainHead;
use crate::index::{self, Fields};
use crate::retention::{self, RetentionEntry};
use crate::segment::{
    self, BlockLoc, Seal, block_locations, hex, list_segments, read_ids, scan_active, segment_path,
    write_atomic,
};
use crate::sign;
use jiff::Timestamp;
use ring::signature::Ed25519KeyPair;
use sightline_event::Event;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::Instant;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

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

struct Active {
    id: u64,
    path: PathBuf,
    file: File,
    len: u64,
    first_seq: u64,
    count: u64,
    raw_bytes: u64,
    min_ts: Option<i64>,
    max_ts: Option<i64>,
    datasets: BTreeMap<String, i64>,
    created: Timestamp,
    day: String,
    prev_hash: Hash,
}

struct Writer {
    cfg: StoreConfig,
    key: Ed25519KeyPair,
    active: Option<Active>,
    next_seq: u64,
    head: Hash,
    next_segment_id: u64,
    dedup: DedupWindow,
    index: IndexWriter,
    last_commit: Instant,
    /// All seqs below this have been added to the index writer.
    indexed_next: u64,
    committed_next: u64,
    last_sync: Instant,
    unsynced: bool,
    disk_bytes: u64,
    last_retention: Option<RetentionEntry>,
    fail_after: Option<u64>,
    /// Why the index writer stopped taking documents (e.g. its threads hit
    /// a full disk), until [`Store::tick`] repairs it.
    index_fault: Option<String>,
    last_repair: Instant,
    /// To start a new index writer when rolling the old one back failed.
    index_handle: tantivy::Index,
    index_threads: usize,
    index_heap: usize,
    /// A rollback failed half-way: the writer lost its lock and must be replaced.
    index_writer_lost: bool,
}

/// The embedded event store. `Send + Sync`: one appender, concurrent searches.
pub struct Store {
    pub(crate) data_dir: PathBuf,
    writer: Option<Mutex<Writer>>,
    pub(crate) catalog: RwLock<Catalog>,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) cache: BlockCache,
    _lock: Option<File>,
}

fn day_of(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

fn lock_data_dir(data: &Path) -> Result<File, StoreError> {
    let path = data.join("LOCK");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .at(&path)?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked(data.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::io(&path, e)),
    }
}

fn dir_size(p: &Path) -> u64 {
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

fn index_dir(data: &Path) -> PathBuf {
    data.join("index")
}

/// Opens (or creates) the index; an unreadable index is rebuilt, it is derived data.
fn open_index(data: &Path, create: bool) -> Result<(Index, Fields, bool), StoreError> {
    let dir = index_dir(data);
    let (schema, fields) = index::schema();
    let open = |dir: &Path| -> tantivy::Result<Index> {
        let mmap = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| tantivy::TantivyError::SystemError(e.to_string()))?;
        Index::open_or_create(mmap, schema.clone())
    };
    if !create {
        let index = Index::open_in_dir(&dir)?;
        index::register_tokenizer(&index);
        return Ok((index, fields, false));
    }
    std::fs::create_dir_all(&dir).at(&dir)?;
    match open(&dir) {
        Ok(index) => {
            index::register_tokenizer(&index);
            Ok((index, fields, false))
        }
        Err(_) => {
            std::fs::remove_dir_all(&dir).at(&dir)?;
            std::fs::create_dir_all(&dir).at(&dir)?;
            let index = open(&dir)?;
            index::register_tokenizer(&index);
            Ok((index, fields, true))
        }
    }
}

fn committed_next(index: &Index) -> u64 {
    index
        .load_metas()
        .ok()
        .and_then(|m| m.payload)
        .and_then(|p| p.strip_prefix("next_seq=").and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

/// Loads the catalog from the segment files. Returns it with the active
/// (last, unsealed) segment's scan if there is one.
fn load_catalog(
    data: &Path,
    report: &mut OpenReport,
) -> Result<(Catalog, Option<(SegMeta, segment::ActiveScan)>), StoreError> {
    let (found, _) = list_segments(data)?;
    let mut cat = Catalog::default();
    let mut active = None;
    let n = found.len();
    for (i, f) in found.iter().enumerate() {
        let seal = if f.seal_path.exists() {
            Some(Seal::read(&f.seal_path).map_err(|e| StoreError::corrupt(&f.seal_path, e))?)
        } else {
            None
        };
        let file_bytes = std::fs::metadata(&f.path).at(&f.path)?.len();
        match seal {
            Some(seal) => {
                let (_, blocks) = block_locations(&f.path)?;
                cat.segs.push(SegMeta {
                    id: f.id,
                    path: f.path.clone(),
                    first_seq: seal.first_seq,
                    count: seal.count,
                    file_bytes,
                    raw_bytes: seal.raw_bytes,
                    min_ts: Some(seal.min_ts),
                    max_ts: Some(seal.max_ts),
                    datasets: seal.datasets.clone(),
                    sealed: true,
                    blocks,
                });
            }
            None => {
                let scan = scan_active(&f.path)?;
                if let Some(d) = &scan.damaged_inside {
                    report.warnings.push(format!("{}: {d}", f.path.display()));
                }
                let meta = SegMeta {
                    id: f.id,
                    path: f.path.clone(),
                    first_seq: scan.header.first_seq,
                    count: scan.count,
                    file_bytes: scan.good_len,
                    raw_bytes: scan.raw_bytes,
                    min_ts: scan.min_ts,
                    max_ts: scan.max_ts,
                    datasets: scan.datasets.clone(),
                    sealed: false,
                    blocks: scan.blocks.clone(),
                };
                if i + 1 == n {
                    active = Some((meta, scan));
                } else {
                    // Left unsealed by a crash while rolling; the caller seals it.
                    cat.segs.push(meta.clone());
                    report.sealed_on_open += 1;
                    report.warnings.push(format!(
                        "{}: unsealed older segment, sealing it",
                        f.path.display()
                    ));
                }
            }
        }
    }
    Ok((cat, active))
}

impl Store {
    /// Opens the store for writing: takes `DATA/LOCK`, loads or creates the
    /// signing key, repairs a torn tail, rebuilds the dedup window and brings
    /// the index up to date with the segments.
    pub fn open(cfg: StoreConfig) -> Result<(Store, OpenReport), StoreError> {
        let data = cfg.data_dir.clone();
        std::fs::create_dir_all(&data).at(&data)?;
        let canon_data = data.canonicalize().at(&data)?;
        let key_parent = cfg
            .key_file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        if let Ok(kp) = key_parent.canonicalize()
            && kp.starts_with(&canon_data)
        {
            return Err(StoreError::Config(format!(
                "key_file {} is inside the data directory {}; keep the signing key elsewhere so whoever can rewrite the data cannot re-sign it",
                cfg.key_file.display(),
                data.display()
            )));
        }
        let lock = lock_data_dir(&data)?;
        let key = sign::load_or_generate(&cfg.key_file)?;
        let pub_hex = sign::public_hex(&key);
        let pub_path = data.join("signing.pub");
        match std::fs::read_to_string(&pub_path) {
            Ok(existing) if existing.trim() != pub_hex => {
                return Err(StoreError::Key {
                    path: cfg.key_file.clone(),
                    detail: format!(
                        "does not match {} (the key this store was signed with); use the original key, or move signing.pub aside to rotate keys",
                        pub_path.display()
                    ),
                });
            }
            Ok(_) => {}
            Err(_) => write_atomic(&pub_path, format!("{pub_hex}\n").as_bytes())?,
        }

        let mut report = OpenReport::default();
        let (mut cat, active_scan) = load_catalog(&data, &mut report)?;
        let (log, bad) = retention::read_log(&data)?;
        for (line, why) in bad {
            report
                .warnings
                .push(format!("retention.log line {line}: {why}"));
        }
        let last_retention = log.last().cloned();

        // Seal segments a crash left unsealed (not the last one).
        let unsealed: Vec<usize> = (0..cat.segs.len())
            .filter(|&i| !cat.segs[i].sealed)
            .collect();
        for i in unsealed {
            let m = cat.segs[i].clone();
            let scan = scan_active(&m.path)?;
            let final_hash = scan.last_hash.unwrap_or(scan.header.prev_hash);
            write_seal(&key, &m, &scan.header.prev_hash, &final_hash)?;
            cat.segs[i].sealed = true;
        }

        // The chain continues from the newest record (or deletion).
        let mut next_seq = 0;
        let mut head = genesis();
        let mut next_segment_id = 1;
        if let Some(e) = &last_retention
            && let Some(h) = hash_from_hex(&e.final_hash)
        {
            next_seq = e.first_seq + e.count;
            head = h;
            next_segment_id = e.segment + 1;
        }
        if let Some(last) = cat.segs.last()
            && last.first_seq + last.count >= next_seq
        {
            next_seq = last.first_seq + last.count;
            let seal = Seal::read(&segment::seal_path_of(&last.path))
                .map_err(|e| StoreError::corrupt(&last.path, e))?;
            head = seal
                .final_hash()
                .ok_or_else(|| StoreError::corrupt(&last.path, "seal has no valid final_hash"))?;
            next_segment_id = next_segment_id.max(last.id + 1);
        }

        let mut active = None;
        if let Some((mut meta, scan)) = active_scan {
            if scan.good_len < scan.file_len {
                let dropped = scan.file_len - scan.good_len;
                quarantine(&data, &meta.path, meta.id, scan.good_len)?;
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&meta.path)
                    .at(&meta.path)?;
                f.set_len(scan.good_len).at(&meta.path)?;
                f.sync_all().at(&meta.path)?;
                report.torn_bytes_dropped = dropped;
                report.torn_segment = Some(meta.path.clone());
            }
            next_seq = scan.header.first_seq + scan.count;
            head = scan.last_hash.unwrap_or(scan.header.prev_hash);
            next_segment_id = next_segment_id.max(meta.id + 1);
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&meta.path)
                .at(&meta.path)?;
            file.seek(SeekFrom::Start(scan.good_len)).at(&meta.path)?;
            let created = Timestamp::from_microsecond(scan.header.created_micros)
                .unwrap_or_else(|_| Timestamp::now());
            meta.file_bytes = scan.good_len;
            active = Some(Active {
                id: meta.id,
                path: meta.path.clone(),
                file,
                len: scan.good_len,
                first_seq: scan.header.first_seq,
                count: scan.count,
                raw_bytes: scan.raw_bytes,
                min_ts: scan.min_ts,
                max_ts: scan.max_ts,
                datasets: scan.datasets.clone(),
                day: day_of(created),
                created,
                prev_hash: scan.header.prev_hash,
            });
            cat.segs.push(meta);
        }

        // Dedup window from the newest segments.
        let mut dedup = DedupWindow::new(cfg.dedup_window);
        let mut id_lists = Vec::new();
        let mut have = 0usize;
        for seg in cat.segs.iter().rev() {
            if have >= dedup.capacity() {
                break;
            }
            let ids = read_ids(&seg.path, &seg.blocks)?;
            have += ids.len();
            id_lists.push(ids);
        }
        for ids in id_lists.iter().rev() {
            let skip = ids.len().saturating_sub(dedup.capacity());
            for id in &ids[skip..] {
                dedup.insert(id);
            }
        }

        let (index, fields, rebuilt) = open_index(&data, true)?;
        if rebuilt {
            report
                .warnings
                .push("index was unreadable and is rebuilt from the segments".into());
        }
        let index_threads = 1.max(
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(2),
        );
        let index_heap = cfg.index_heap_bytes.max(15 << 20);
        let mut index_writer: IndexWriter =
            index.writer_with_num_threads(index_threads, index_heap)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let mut committed = committed_next(&index);

        report.segments = cat.segs.len() as u64;
        report.events = cat.segs.iter().map(|s| s.count).sum();
        let disk_bytes = dir_size(&data);
        let store_cat = cat;

        // Index documents past the segments (a crash dropped their records).
        if committed > next_seq {
            let q = tantivy::query::RangeQuery::new(
                std::ops::Bound::Included(Term::from_field_u64(fields.seq, next_seq)),
                std::ops::Bound::Unbounded,
            );
            index_writer.delete_query(Box::new(q))?;
            report.unindexed = committed - next_seq;
            committed = next_seq;
        }
        // Documents of deleted segments whose removal was not committed.
        for e in &log {
            let q = tantivy::query::RangeQuery::new(
                std::ops::Bound::Included(Term::from_field_u64(fields.seq, e.first_seq)),
                std::ops::Bound::Excluded(Term::from_field_u64(fields.seq, e.first_seq + e.count)),
            );
            reader.reload()?;
            if reader.searcher().search(&q, &tantivy::collector::Count)? > 0 {
                index_writer.delete_query(Box::new(q))?;
            }
        }
        // Records the index has not seen.
        let mut reindexed = 0u64;
        let cache = BlockCache::new();
        for seg in &store_cat.segs {
            if seg.first_seq + seg.count <= committed {
                continue;
            }
            for seq in committed.max(seg.first_seq)..seg.first_seq + seg.count {
                if let Some(ev) = cache.event(&store_cat, seq)? {
                    index_writer.add_document(index::document(&fields, seq, &ev))?;
                    reindexed += 1;
                }
            }
        }
        report.reindexed = reindexed;
        let mut prepared = index_writer.prepare_commit()?;
        prepared.set_payload(&format!("next_seq={next_seq}"));
        prepared.commit()?;
        reader.reload()?;

        if let Some(a) = &active
            && ChainHead::read(&data)
                .and_then(Result::ok)
                .map(|h| h.newest_segment)
                != Some(a.id)
        {
            ChainHead::write(&data, &key, a.id, a.first_seq, hex(&a.prev_hash))?;
        }

        let writer = Writer {
            cfg,
            key,
            active,
            next_seq,
            head,
            next_segment_id,
            dedup,
            index: index_writer,
            last_commit: Instant::now(),
            indexed_next: next_seq,
            committed_next: next_seq,
            last_sync: Instant::now(),
            unsynced: false,
            disk_bytes,
            last_retention,
            fail_after: None,
            index_fault: None,
            last_repair: Instant::now(),
            index_handle: index.clone(),
            index_threads,
            index_heap,
            index_writer_lost: false,
        };
        Ok((
            Store {
                data_dir: data,
                writer: Some(Mutex::new(writer)),
                catalog: RwLock::new(store_cat),
                reader,
                fields,
                cache,
                _lock: Some(lock),
            },
            report,
        ))
    }

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
        let (mut cat, active) = load_catalog(&data, &mut report)?;
        if let Some((meta, _)) = active {
            cat.segs.push(meta);
        }
        let (index, fields, _) = open_index(&data, false)?;
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
            let (mut cat, active) = load_catalog(&self.data_dir, &mut report)?;
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

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, Writer>, StoreError> {
        let w = self.writer.as_ref().ok_or(StoreError::ReadOnly)?;
        // A panic while holding the lock leaves state that the next open repairs.
        Ok(w.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Appends one batch as one block (several if it exceeds 64 MiB), syncing
    /// per the fsync policy. Events whose id is already stored are skipped.
    pub fn append(&self, events: &[Event]) -> Result<AppendReport, StoreError> {
        let mut w = self.writer()?;
        let now = Timestamp::now();
        self.roll_if_due(&mut w, now)?;
        let mut report = AppendReport::default();
        let mut batch_ids = HashSet::new();
        let mut keep = Vec::with_capacity(events.len());
        for ev in events {
            let id = *ev.id.as_bytes();
            if w.dedup.contains(&id) || !batch_ids.insert(id) {
                report.duplicates += 1;
                report.duplicate_ids.push(ev.id);
            } else {
                keep.push(ev);
            }
        }
        if keep.is_empty() {
            return Ok(report);
        }
        self.ensure_active(&mut w, now)?;

        // Encode: records chained from the head, split into blocks.
        let first_seq = w.next_seq;
        let mut head = w.head;
        let mut bytes = Vec::new();
        let mut blocks = Vec::new();
        let mut body = Vec::new();
        let mut block_first = first_seq;
        let mut block_count = 0u32;
        let mut raw = 0u64;
        let mut min_ts: Option<i64> = None;
        let mut max_ts: Option<i64> = None;
        let mut datasets: BTreeMap<String, i64> = BTreeMap::new();
        let level = w.cfg.zstd_level;
        let base = w.active.as_ref().map_or(0, |a| a.len);
        for (i, ev) in keep.iter().enumerate() {
            let seq = first_seq + i as u64;
            let json = ev.to_json();
            if !body.is_empty() && body.len() + json.len() + 36 > MAX_BLOCK_RAW {
                blocks.push(BlockLoc::new(
                    block_first,
                    block_count,
                    base + bytes.len() as u64,
                ));
                bytes.extend(
                    encode_block(block_first, block_count, &body, level).at(&self.data_dir)?,
                );
                body.clear();
                block_first = seq;
                block_count = 0;
            }
            head = link(&head, seq, json.as_bytes());
            push_record(&mut body, &head, json.as_bytes());
            block_count += 1;
            raw += json.len() as u64;
            let ts = ev.timestamp.as_microsecond();
            min_ts = Some(min_ts.map_or(ts, |m| m.min(ts)));
            max_ts = Some(max_ts.map_or(ts, |m| m.max(ts)));
            let e = datasets.entry(ev.dataset.to_string()).or_insert(ts);
            *e = (*e).max(ts);
        }
        blocks.push(BlockLoc::new(
            block_first,
            block_count,
            base + bytes.len() as u64,
        ));
        bytes.extend(encode_block(block_first, block_count, &body, level).at(&self.data_dir)?);

        if let Some(max) = w.cfg.max_disk_bytes
            && w.disk_bytes + bytes.len() as u64 > max
        {
            return Err(StoreError::DiskFull {
                path: self.data_dir.clone(),
                detail: format!(
                    "the quota max_disk_bytes = {max} would be exceeded ({} used, {} more needed)",
                    w.disk_bytes,
                    bytes.len()
                ),
            });
        }
        self.write_blocks(&mut w, &bytes)?;

        // Durable (per policy): publish.
        let n = keep.len() as u64;
        w.next_seq += n;
        w.head = head;
        w.disk_bytes += bytes.len() as u64;
        let Some(a) = w.active.as_mut() else {
            return Err(StoreError::Config("no active segment after writing".into()));
        };
        a.len += bytes.len() as u64;
        a.count += n;
        a.raw_bytes += raw;
        a.min_ts = min(a.min_ts, min_ts);
        a.max_ts = max(a.max_ts, max_ts);
        for (k, v) in &datasets {
            let e = a.datasets.entry(k.clone()).or_insert(*v);
            *e = (*e).max(*v);
        }
        let seg_id = a.id;
        let (len, count, araw, amin, amax, ads) = (
            a.len,
            a.count,
            a.raw_bytes,
            a.min_ts,
            a.max_ts,
            a.datasets.clone(),
        );
        if let Ok(mut cat) = self.catalog.write()
            && let Some(m) = cat.segs.last_mut().filter(|m| m.id == seg_id)
        {
            m.blocks.extend(blocks);
            m.file_bytes = len;
            m.count = count;
            m.raw_bytes = araw;
            m.min_ts = amin;
            m.max_ts = amax;
            m.datasets = ads;
        }
        for ev in &keep {
            w.dedup.insert(ev.id.as_bytes());
        }
        report.stored = n;
        report.first_seq = Some(first_seq);
        report.last_seq = Some(first_seq + n - 1);
        report.segment = Some(seg_id);

        report.index_error = self.index_new(&mut w, &keep, first_seq).err();
        if w.active
            .as_ref()
            .is_some_and(|a| a.raw_bytes >= w.cfg.segment_max_bytes)
        {
            self.seal(&mut w)?;
        }
        Ok(report)
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
        ChainHead::write(&self.data_dir, &w.key, id, w.next_seq, hex(&w.head))?;
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
        Ok(())
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
        if let Err(e) = write_seal(&w.key, &meta, &a.prev_hash, &w.head) {
            w.active = Some(a);
            return Err(e);
        }
        w.disk_bytes += 600;
        if let Ok(mut cat) = self.catalog.write()
            && let Some(m) = cat.segs.iter_mut().find(|m| m.id == a.id)
        {
            m.sealed = true;
        }
        Ok(())
    }

    /// Seals the active segment now (e.g. before a backup). Returns its id,
    /// or `None` if there was nothing to seal.
    pub fn roll(&self) -> Result<Option<u64>, StoreError> {
        let mut w = self.writer()?;
        let id = w.active.as_ref().filter(|a| a.count > 0).map(|a| a.id);
        self.seal(&mut w)?;
        Ok(id)
    }

    fn commit(&self, w: &mut Writer) -> Result<(), StoreError> {
        // The index must never point at records that are not on disk.
        if w.unsynced
            && let Some(a) = &w.active
        {
            a.file.sync_data().at(&a.path)?;
            w.unsynced = false;
            w.last_sync = Instant::now();
        }
        let next = w.indexed_next;
        let mut prepared = w.index.prepare_commit()?;
        prepared.set_payload(&format!("next_seq={next}"));
        prepared.commit()?;
        w.committed_next = next;
        w.last_commit = Instant::now();
        w.disk_bytes = dir_size(&self.data_dir);
        self.reader.reload()?;
        Ok(())
    }

    /// Periodic upkeep for a long-running writer, cheap when nothing is due:
    /// commits the index once `index_commit_ms` has passed since the last
    /// commit (appends commit only when they happen, so without this the
    /// last batch before a quiet spell, or before the disk filled, would
    /// stay unsearchable), syncs an interval-fsync segment whose interval
    /// has passed, and seals the active segment when it is old enough.
    pub fn tick(&self) -> Result<(), StoreError> {
        let mut w = self.writer()?;
        self.repair_index(&mut w)?;
        if let FsyncPolicy::IntervalMs(ms) = w.cfg.fsync
            && w.unsynced
            && w.last_sync.elapsed().as_millis() as u64 >= ms
            && let Some(a) = &w.active
        {
            a.file.sync_data().at(&a.path)?;
            w.unsynced = false;
            w.last_sync = Instant::now();
        }
        self.roll_if_due(&mut w, Timestamp::now())?;
        if w.index_fault.is_none()
            && w.indexed_next > w.committed_next
            && w.last_commit.elapsed().as_millis() as u64 >= w.cfg.index_commit_ms
            && let Err(e) = self.commit(&mut w)
        {
            // Repaired by the next ticks, as a failure while appending is.
            w.index_fault = Some(e.to_string());
        }
        Ok(())
    }

    /// Indexes records just made durable. The index is derived from the
    /// segments, so a failure here (tantivy's writer threads hitting a full
    /// disk kill the writer) must not fail an append whose records are
    /// stored: it is remembered, and [`Store::tick`] repairs the index.
    fn index_new(&self, w: &mut Writer, events: &[&Event], first_seq: u64) -> Result<(), String> {
        if let Some(fault) = &w.index_fault {
            return Err(fault.clone());
        }
        let result = (|| -> Result<(), StoreError> {
            for (i, ev) in events.iter().enumerate() {
                w.index
                    .add_document(index::document(&self.fields, first_seq + i as u64, ev))?;
            }
            w.indexed_next = w.next_seq;
            if w.last_commit.elapsed().as_millis() as u64 >= w.cfg.index_commit_ms {
                self.commit(w)?;
            }
            Ok(())
        })();
        result.map_err(|e| {
            let fault = e.to_string();
            w.index_fault = Some(fault.clone());
            fault
        })
    }

    /// After an index failure: a fresh index writer (rolled back to the last
    /// commit), the records stored since re-indexed from the segments, and a
    /// commit. Tried at most once a second; while it fails (the disk is
    /// still full) the fault stays and appends keep storing.
    fn repair_index(&self, w: &mut Writer) -> Result<(), StoreError> {
        if w.index_fault.is_none() || w.last_repair.elapsed() < std::time::Duration::from_secs(1) {
            return Ok(());
        }
        w.last_repair = Instant::now();
        if let Err(e) = self.fresh_index_writer(w) {
            w.index_fault = Some(e);
            return Ok(());
        }
        let result = (|| -> Result<(), StoreError> {
            let cat = self.catalog.read().unwrap_or_else(|p| p.into_inner());
            for seq in w.committed_next..w.next_seq {
                if let Some(ev) = self.cache.event(&cat, seq)? {
                    w.index
                        .add_document(index::document(&self.fields, seq, &ev))?;
                }
            }
            drop(cat);
            w.indexed_next = w.next_seq;
            self.commit(w)
        })();
        match result {
            Ok(()) => w.index_fault = None,
            Err(e) => w.index_fault = Some(e.to_string()),
        }
        Ok(())
    }

    /// Replaces the index writer by one at the last commit: tantivy's
    /// rollback, or (when a rollback failed half-way and the writer lost
    /// its directory lock) a writer opened anew. Either can fail while the
    /// disk is full; the next repair tries again.
    fn fresh_index_writer(&self, w: &mut Writer) -> Result<(), String> {
        if w.index_writer_lost {
            let writer = w
                .index_handle
                .writer_with_num_threads(w.index_threads, w.index_heap)
                .map_err(|e| e.to_string())?;
            w.index = writer;
            w.index_writer_lost = false;
            return Ok(());
        }
        // A rollback that fails after taking the writer's lock leaves it
        // without one, and a second rollback would panic: never try twice.
        let rolled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.index.rollback()));
        match rolled {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                w.index_writer_lost = true;
                Err(e.to_string())
            }
            Err(_) => {
                w.index_writer_lost = true;
                Err("restarting the index writer panicked".into())
            }
        }
    }

    /// Syncs the active segment, seals it if it is due, and commits the
    /// index so that everything appended so far is searchable.
    pub fn flush(&self) -> Result<(), StoreError> {
        let mut w = self.writer()?;
        if let Some(a) = &w.active {
            a.file.sync_data().at(&a.path)?;
        }
        w.unsynced = false;
        self.roll_if_due(&mut w, Timestamp::now())?;
        self.commit(&mut w)
    }

    /// Commits the index and releases the lock. Seals nothing: the active
    /// segment continues on the next open.
    pub fn close(self) -> Result<(), StoreError> {
        if self.writer.is_some() {
            let mut w = self.writer()?;
            if let Some(a) = &w.active {
                a.file.sync_data().at(&a.path)?;
            }
            w.unsynced = false;
            self.commit(&mut w)?;
        }
        Ok(())
    }

    #[doc(hidden)]
    /// Test hook: the next block write stores only `after_bytes` bytes and
    /// then fails with "no space left on device".
    pub fn inject_write_failure(&self, after_bytes: u64) -> Result<(), StoreError> {
        self.writer()?.fail_after = Some(after_bytes);
        Ok(())
    }

    #[doc(hidden)]
    /// Test hook: the index is treated as failed, as after its writer
    /// threads died, until [`Store::tick`] repairs it.
    pub fn inject_index_fault(&self) -> Result<(), StoreError> {
        let mut w = self.writer()?;
        w.index_fault = Some("injected index failure".into());
        w.last_repair = Instant::now() - std::time::Duration::from_secs(2);
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

    /// Why the index lags the segments, while it does (cheap: no disk access).
    pub fn index_fault(&self) -> Option<String> {
        self.writer
            .as_ref()
            .and_then(|w| w.lock().ok().and_then(|w| w.index_fault.clone()))
    }

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
            if let Some(r) = retention::age_reason(&policy, now, s.max_ts, &s.datasets) {
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
            let entry = retention::append_entry(
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
            let q = tantivy::query::RangeQuery::new(
                std::ops::Bound::Included(Term::from_field_u64(self.fields.seq, s.first_seq)),
                std::ops::Bound::Excluded(Term::from_field_u64(
                    self.fields.seq,
                    s.first_seq + s.count,
                )),
            );
            w.index.delete_query(Box::new(q))?;
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
            self.commit(&mut w)?;
            w.disk_bytes = dir_size(&self.data_dir);
        }
        Ok(report)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(w) = &self.writer {
            let mut w = w.lock().unwrap_or_else(|p| p.into_inner());
            if w.committed_next < w.indexed_next || w.unsynced {
                let _ = self.commit(&mut w);
            }
        }
    }
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

fn write_seal(
    key: &Ed25519KeyPair,
    m: &SegMeta,
    prev: &Hash,
    final_hash: &Hash,
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
        sealed_at: Timestamp::now().to_string(),
        public_key: sign::public_hex(key),
        signature: String::new(),
    };
    seal.signature = sign::sign(key, &seal.message());
    let bytes = serde_json::to_vec_pretty(&seal).unwrap_or_default();
    write_atomic(&segment::seal_path_of(&m.path), &bytes)
}

/// Copies bytes about to be truncated to `DATA/quarantine/`, so a damaged
/// tail is kept as evidence rather than silently dropped.
fn quarantine(data: &Path, seg: &Path, id: u64, from: u64) -> Result<(), StoreError> {
    let bytes = std::fs::read(seg).at(seg)?;
    let dir = data.join("quarantine");
    std::fs::create_dir_all(&dir).at(&dir)?;
    let out = dir.join(format!("{id:012}-{from}.torn"));
    let tail = bytes.get(from as usize..).unwrap_or(&[]);
    write_atomic(&out, tail)
}
