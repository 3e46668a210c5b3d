//! The store: opening, appending, sealing, flushing, statistics, retention.

use crate::catalog::{BlockCache, Catalog, SegMeta};
use crate::chain::{Hash, genesis, hash_from_hex, link, to_hex};
use crate::checkpoint::{CHECKPOINT_TAG, Checkpoint, store_id};
use crate::config::{FsyncPolicy, StoreConfig};
use crate::dedup::DedupWindow;
use crate::error::{IoContext, StoreError};
use crate::format::{MAX_BLOCK_RAW, SEGMENT_HEADER_LEN, SegmentHeader, encode_block, push_record};
use crate::head::{ChainHead, Incident};
use crate::index::{self, Fields};
use crate::keys::{EpochKeys, KeyLog, SealingKey};
use crate::retention::{self, RetentionEntry};
use crate::segment::{
    self, BlockLoc, Seal, block_locations, hex, list_segments, read_ids, scan_active, segment_path,
    write_atomic,
};
use jiff::Timestamp;
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
    key: SealingKey,
    keylog: KeyLog,
    /// Id, first seq and previous hash of the newest segment file.
    newest: (u64, u64, Hash),
    /// Tampering found on open, carried in every head.
    incidents: Vec<Incident>,
    /// (records, chain hash, retention entries, key records) of the last signed head.
    signed: Option<(u64, Hash, u64, u64)>,
    last_head: Instant,
    /// Why the last attempt to sign the head failed, until one succeeds.
    head_fault: Option<String>,
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
    /// The root (epoch 0) public key, when known (writers).
    root_public: Option<[u8; 32]>,
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
        let mut key = SealingKey::load_or_generate(&cfg.key_file)?;
        let pub_hex = to_hex(&key.root_public());
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
        let (keylog, bad_keys) = KeyLog::open(&data)?;
        for (line, why) in bad_keys {
            report.warnings.push(format!("keys.log line {line}: {why}"));
        }
        if key.catch_up(&keylog)? {
            report.warnings.push(format!(
                "the key file was behind keys.log (a crash during an epoch change); it is now at epoch {}",
                key.epoch()
            ));
        }
        let mut incidents = Vec::new();
        let now = Timestamp::now();
        let newest_certified = keylog.records.last().map_or(0, |r| r.epoch);
        if key.epoch() > newest_certified {
            incidents.push(incident(
                now,
                "log-cut",
                None,
                None,
                format!(
                    "keys.log certifies epochs up to {newest_certified}, but the key is at epoch {}: epoch records were removed from keys.log",
                    key.epoch()
                ),
            ));
        }
        let prev_head = read_trusted_head(&data, &key, &keylog);

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
            write_seal(&key, &m, &scan.header.prev_hash, &final_hash, now)?;
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

        // What the store holds now, against what the last signed head vouched for.
        let store_nonempty = !cat.segs.is_empty() || !log.is_empty();
        let mut resume: Option<(u64, Hash, u64)> = None;
        match prev_head {
            Err(why) => incidents.push(incident(
                now,
                "head-invalid",
                None,
                None,
                format!(
                    "{why}; the newest records may have been altered or removed (check with verify --anchors)"
                ),
            )),
            Ok(None) if store_nonempty => incidents.push(incident(
                now,
                "head-missing",
                None,
                None,
                format!(
                    "chain.json was missing when the store was opened with {next_seq} records: the newest records or segments may have been removed (check with verify --anchors)"
                ),
            )),
            Ok(None) => {}
            Ok(Some(h)) => {
                incidents.extend(h.incidents.iter().cloned());
                let signed_hash = hash_from_hex(&h.hash);
                if next_seq < h.seq {
                    incidents.push(incident(
                        now,
                        "removed",
                        Some(next_seq),
                        Some(h.seq - 1),
                        format!(
                            "records {next_seq}..{} were missing when the store was opened, though the chain head signed at {} vouched for them: cut from the end",
                            h.seq - 1,
                            h.time
                        ),
                    ));
                    if let Some(hash) = signed_hash {
                        resume = Some((h.seq, hash, h.newest_segment));
                    }
                } else if h.seq > 0 {
                    let stored = if h.seq == next_seq {
                        Some(head)
                    } else {
                        stored_hash(&cat, &log, h.seq - 1)?
                    };
                    if stored.is_some() && stored != signed_hash {
                        incidents.push(incident(
                            now,
                            "altered",
                            None,
                            Some(h.seq - 1),
                            format!(
                                "the chain hash of record {} differs from the chain head signed at {}: records up to {} were altered",
                                h.seq - 1,
                                h.time,
                                h.seq - 1
                            ),
                        ));
                    }
                }
                if (log.len() as u64) < h.retention_entries {
                    incidents.push(incident(
                        now,
                        "log-cut",
                        None,
                        None,
                        format!(
                            "retention.log holds {} entries, the chain head signed at {} vouched for {}: entries were removed",
                            log.len(),
                            h.time,
                            h.retention_entries
                        ),
                    ));
                }
                if keylog.len() < h.key_records {
                    incidents.push(incident(
                        now,
                        "log-cut",
                        None,
                        None,
                        format!(
                            "keys.log holds {} records, the chain head signed at {} vouched for {}: records were removed",
                            keylog.len(),
                            h.time,
                            h.key_records
                        ),
                    ));
                }
            }
        }
        let recovered_next = next_seq;
        // Records cut below the signed head: never reuse their seqs. Seal
        // what is left of the cut segment and continue from the signed
        // head, so the gap stays visible to verify for good.
        if let Some((seq, hash, newest_id)) = resume {
            if let Some(a) = active.take() {
                let m = SegMeta {
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
                a.file.sync_all().at(&a.path)?;
                write_seal(&key, &m, &a.prev_hash, &head, now)?;
                if let Some(c) = cat.segs.iter_mut().find(|c| c.id == a.id) {
                    c.sealed = true;
                }
            }
            next_seq = seq;
            head = hash;
            next_segment_id = next_segment_id.max(newest_id + 1);
        }
        for i in &incidents {
            report.warnings.push(format!("integrity: {}", i.detail));
        }
        let newest = match (&active, cat.segs.last()) {
            (Some(a), _) => (a.id, a.first_seq, a.prev_hash),
            (None, Some(last)) => {
                let seal = Seal::read(&segment::seal_path_of(&last.path))
                    .map_err(|e| StoreError::corrupt(&last.path, e))?;
                let prev = hash_from_hex(&seal.prev_hash).unwrap_or(head);
                (last.id, last.first_seq, prev)
            }
            (None, None) => (0, next_seq, head),
        };
        report.incidents = incidents.clone();

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
        if committed > recovered_next {
            let q = tantivy::query::RangeQuery::new(
                std::ops::Bound::Included(Term::from_field_u64(fields.seq, recovered_next)),
                std::ops::Bound::Unbounded,
            );
            index_writer.delete_query(Box::new(q))?;
            report.unindexed = committed - recovered_next;
            committed = recovered_next;
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

        let root_public = key.root_public();
        let writer = Writer {
            cfg,
            key,
            keylog,
            newest,
            incidents,
            signed: None,
            last_head: Instant::now(),
            head_fault: None,
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
        let store = Store {
            data_dir: data,
            writer: Some(Mutex::new(writer)),
            catalog: RwLock::new(store_cat),
            reader,
            fields,
            cache,
            root_public: Some(root_public),
            _lock: Some(lock),
        };
        {
            let mut w = store.writer()?;
            store.sign_head(&mut w, true)?;
        }
        Ok((store, report))
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
        let written = now.as_microsecond();
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
                    encode_block(block_first, block_count, &body, level, written)
                        .at(&self.data_dir)?,
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
        bytes.extend(
            encode_block(block_first, block_count, &body, level, written).at(&self.data_dir)?,
        );

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
        let epoch_due = w.key.due(Timestamp::now(), w.cfg.seal_epoch).is_some();
        if epoch_due || w.last_head.elapsed().as_millis() as u64 >= w.cfg.index_commit_ms {
            match self.sign_head(&mut w, epoch_due) {
                Ok(()) => w.head_fault = None,
                Err(e) => w.head_fault = Some(e.to_string()),
            }
        }
        Ok(())
    }

    /// Before any signature: the records it will vouch for must be on disk,
    /// and the key must be the current epoch's (moving to a new epoch
    /// certifies its key, with the chain state, in keys.log).
    fn prepare_signing(&self, w: &mut Writer) -> Result<(), StoreError> {
        if w.unsynced
            && let Some(a) = &w.active
        {
            a.file.sync_data().at(&a.path)?;
            w.unsynced = false;
            w.last_sync = Instant::now();
        }
        let now = Timestamp::now();
        if let Some(target) = w.key.due(now, w.cfg.seal_epoch) {
            let head = w.head;
            w.key
                .advance(target, &mut w.keylog, (w.next_seq, &head), now)?;
        }
        Ok(())
    }

    /// Signs and writes `chain.json` if anything it vouches for changed (or
    /// when `force`d).
    fn sign_head(&self, w: &mut Writer, force: bool) -> Result<(), StoreError> {
        let retention_entries = w.last_retention.as_ref().map_or(0, |e| e.n + 1);
        let state = (w.next_seq, w.head, retention_entries, w.keylog.len());
        if !force && w.signed == Some(state) {
            return Ok(());
        }
        self.prepare_signing(w)?;
        let now = Timestamp::now();
        let mut head = ChainHead {
            format: 2,
            newest_segment: w.newest.0,
            first_seq: w.newest.1,
            prev_hash: hex(&w.newest.2),
            seq: w.next_seq,
            hash: hex(&w.head),
            retention_entries,
            retention_hash: w
                .last_retention
                .as_ref()
                .map_or_else(retention::zero_entry_hash, RetentionEntry::entry_hash),
            key_records: w.keylog.len(),
            key_hash: w.keylog.last_hash(),
            interval_ms: w.cfg.index_commit_ms,
            incidents: w.incidents.clone(),
            time: now.to_string(),
            epoch: w.key.epoch(),
            signature: String::new(),
        };
        head.signature = w.key.sign(&head.message()).1;
        head.write(&self.data_dir)?;
        w.signed = Some((w.next_seq, w.head, retention_entries, w.keylog.len()));
        w.last_head = Instant::now();
        w.head_fault = None;
        Ok(())
    }

    /// A signed checkpoint of everything stored so far, for external
    /// witnesses (`verify --anchors` checks the store against them). The
    /// head is signed first, so the store never vouches for less than a
    /// checkpoint it handed out.
    pub fn checkpoint(&self) -> Result<Checkpoint, StoreError> {
        let mut w = self.writer()?;
        self.prepare_signing(&mut w)?;
        self.sign_head(&mut w, false)?;
        let mut c = Checkpoint {
            sightline: CHECKPOINT_TAG.into(),
            store: store_id(&w.key.root_public()),
            seq: w.next_seq,
            hash: hex(&w.head),
            time: Timestamp::now().to_string(),
            epoch: w.key.epoch(),
            signature: String::new(),
        };
        c.signature = w.key.sign(&c.message()).1;
        Ok(c)
    }

    /// The root public key (hex) that `verify` needs: keep a copy away from
    /// this machine. `None` for a read-only store.
    pub fn verification_key(&self) -> Option<String> {
        self.root_public.as_ref().map(|k| to_hex(k))
    }

    /// Why signing the chain head failed, while it does.
    pub fn head_fault(&self) -> Option<String> {
        self.writer
            .as_ref()
            .and_then(|w| w.lock().ok().and_then(|w| w.head_fault.clone()))
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
        self.commit(&mut w)?;
        self.sign_head(&mut w, false)
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
            self.sign_head(&mut w, false)?;
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
            self.prepare_signing(&mut w)?;
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
            self.sign_head(&mut w, false)?;
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
            let _ = self.sign_head(&mut w, false);
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
    write_atomic(&segment::seal_path_of(&m.path), &bytes)
}

fn incident(
    now: Timestamp,
    kind: &str,
    first_seq: Option<u64>,
    last_seq: Option<u64>,
    detail: String,
) -> Incident {
    Incident {
        time: now.to_string(),
        kind: kind.into(),
        first_seq,
        last_seq,
        detail,
    }
}

/// The chain head as last signed, checked with the writer's own keys:
/// `Ok(None)` when there is none, `Err` when it cannot be trusted.
fn read_trusted_head(
    data: &Path,
    key: &SealingKey,
    keylog: &KeyLog,
) -> Result<Option<ChainHead>, String> {
    let Some(head) = ChainHead::read(data) else {
        return Ok(None);
    };
    let head = head?;
    if head.format != 2 {
        return Err(format!(
            "chain.json has format {}, this version writes 2",
            head.format
        ));
    }
    let (keys, _) = EpochKeys::build(&key.root_public(), keylog.records.clone());
    keys.check(head.epoch, &head.message(), &head.signature)
        .map_err(|why| format!("chain.json: {why}"))?;
    Ok(Some(head))
}

/// The stored chain hash of record `seq`, if it is stored (or is the last
/// record of a retention-deleted range).
fn stored_hash(
    cat: &Catalog,
    log: &[RetentionEntry],
    seq: u64,
) -> Result<Option<Hash>, StoreError> {
    if let Some(e) = log
        .iter()
        .find(|e| e.first_seq <= seq && seq <= e.last_seq())
    {
        return Ok((seq == e.last_seq())
            .then(|| hash_from_hex(&e.final_hash))
            .flatten());
    }
    let Some(seg) = cat
        .segs
        .iter()
        .find(|s| s.first_seq <= seq && seq < s.first_seq + s.count)
    else {
        return Ok(None);
    };
    let Some(b) = seg
        .blocks
        .iter()
        .find(|b| b.first_seq <= seq && seq < b.first_seq + u64::from(b.count))
    else {
        return Ok(None);
    };
    let file = File::open(&seg.path).at(&seg.path)?;
    let (_, body) = segment::read_block(&file, &seg.path, b.offset)?;
    let records =
        crate::format::parse_records(&body).map_err(|(_, e)| StoreError::corrupt(&seg.path, e))?;
    Ok(records.get((seq - b.first_seq) as usize).map(|r| r.hash))
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
