//! Opening a store for writing: the lock, the sealing key, the segments
//! (with a torn tail cut off), the signed head compared with what is on
//! disk (incidents), the dedup window and the index brought up to date.

use crate::catalog::{BlockCache, Catalog, SegMeta};
use crate::chain::{Hash, genesis, hash_from_hex, to_hex};
use crate::config::StoreConfig;
use crate::dedup::DedupWindow;
use crate::error::{IoContext, StoreError};
use crate::head::{ChainHead, Incident};
use crate::index::{self, Fields};
use crate::indexer::Indexer;
use crate::keys::{EpochKeys, KeyLog, SealingKey};
use crate::retention::{self, RetentionEntry};
use crate::segment::{
    self, Seal, block_locations, list_segments, read_ids, scan_active, write_atomic,
};
use crate::store::{Active, OpenReport, Store, Writer, day_of, dir_size, index_dir, write_seal};
use jiff::Timestamp;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::Instant;
use tantivy::{Index, IndexWriter, ReloadPolicy, Term};

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
        let indexer = Indexer::new(
            index_writer,
            index.clone(),
            index_threads,
            index_heap,
            next_seq,
            cfg.index_commit_ms,
        );
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
            last_sync: Instant::now(),
            unsynced: false,
            disk_bytes,
            last_size_check: Instant::now(),
            last_retention,
            fail_after: None,
        };
        let store = Store {
            data_dir: data,
            writer: Some(Mutex::new(writer)),
            catalog: RwLock::new(store_cat),
            reader,
            fields,
            cache,
            indexer: Some(Mutex::new(indexer)),
            index_queue: Mutex::new(None),
            index_fault: Mutex::new(None),
            root_public: Some(root_public),
            _lock: Some(lock),
        };
        {
            let mut w = store.writer()?;
            store.sign_head(&mut w, true)?;
        }
        Ok((store, report))
    }
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

/// Opens (or creates) the index; an unreadable index is rebuilt, it is derived data.
pub(crate) fn open_index(data: &Path, create: bool) -> Result<(Index, Fields, bool), StoreError> {
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
pub(crate) fn load_catalog(
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
