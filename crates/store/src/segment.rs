//! Segment files: naming, the seal sidecar, scanning on open, and the append path.
//!
//! Segments are partitioned by the UTC day on which they were *created*
//! (ingest time), not by event time: the store is one append-only hash chain,
//! and event-time partitions would need several open segments at once (late
//! and out-of-order events), each its own chain tail. Retention by age uses
//! each segment's newest event time instead, so nothing is kept too briefly.

use crate::chain::{Hash, hash_from_hex, to_hex};
use crate::error::{IoContext, StoreError};
use crate::format::{
    BLOCK_HEADER_LEN, BlockHeader, HeaderError, SEGMENT_HEADER_LEN, SegmentHeader, decode_block,
    event_id_of, parse_records,
};
use crate::sign::Message;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Where one block sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockLoc {
    pub first_seq: u64,
    pub count: u32,
    pub offset: u64,
}

impl BlockLoc {
    pub(crate) fn new(first_seq: u64, count: u32, offset: u64) -> Self {
        BlockLoc {
            first_seq,
            count,
            offset,
        }
    }
}

/// The sidecar written when a segment is sealed (`<id>.seal`, JSON).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Seal {
    pub format: u32,
    pub segment: u64,
    pub first_seq: u64,
    pub count: u64,
    /// Chain hash of the last record.
    pub final_hash: String,
    /// Chain hash the first record follows (the previous segment's final hash).
    pub prev_hash: String,
    /// Oldest and newest event time, µs since the epoch.
    pub min_ts: i64,
    pub max_ts: i64,
    /// Sum of the records' JSON bytes.
    pub raw_bytes: u64,
    /// Newest event time per dataset (for per-dataset retention).
    pub datasets: BTreeMap<String, i64>,
    pub sealed_at: String,
    /// The sealing-key epoch that signed it.
    pub epoch: u64,
    /// Hex public key of the signer (informational; verify uses its own key).
    pub public_key: String,
    /// Ed25519 signature of [`Seal::message`], hex.
    pub signature: String,
}

impl Seal {
    /// The signed bytes: every field but `public_key` and the signature.
    pub fn message(&self) -> Vec<u8> {
        let datasets = serde_json::to_vec(&self.datasets).unwrap_or_default();
        Message::new("sightline.seal/2")
            .u64(self.segment)
            .u64(self.first_seq)
            .u64(self.count)
            .bytes(self.final_hash.as_bytes())
            .bytes(self.prev_hash.as_bytes())
            .i64(self.min_ts)
            .i64(self.max_ts)
            .u64(self.raw_bytes)
            .bytes(&datasets)
            .bytes(self.sealed_at.as_bytes())
            .u64(self.epoch)
            .finish()
    }

    pub(crate) fn final_hash(&self) -> Option<Hash> {
        hash_from_hex(&self.final_hash)
    }

    pub(crate) fn read(path: &Path) -> Result<Seal, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("not a valid seal file: {e}"))
    }
}

/// A segment file (and its seal) found on disk.
#[derive(Debug, Clone)]
pub(crate) struct FoundSegment {
    pub id: u64,
    pub path: PathBuf,
    pub seal_path: PathBuf,
}

pub(crate) fn segments_dir(data: &Path) -> PathBuf {
    data.join("segments")
}

pub(crate) fn segment_path(data: &Path, day: &str, id: u64) -> PathBuf {
    segments_dir(data).join(day).join(format!("{id:012}.seg"))
}

pub(crate) fn seal_path_of(seg: &Path) -> PathBuf {
    seg.with_extension("seal")
}

/// Every segment file under `DATA/segments`, by id, plus files that do not
/// belong there (orphan seals, foreign names) for verify to report.
pub(crate) fn list_segments(data: &Path) -> Result<(Vec<FoundSegment>, Vec<PathBuf>), StoreError> {
    let dir = segments_dir(data);
    let mut found = Vec::new();
    let mut strays = Vec::new();
    let days = match std::fs::read_dir(&dir) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((found, strays)),
        Err(e) => return Err(StoreError::io(&dir, e)),
    };
    for day in days {
        let day = day.at(&dir)?.path();
        if !day.is_dir() {
            strays.push(day);
            continue;
        }
        for f in std::fs::read_dir(&day).at(&day)? {
            let p = f.at(&day)?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let id = name
                .strip_suffix(".seg")
                .and_then(|s| s.parse::<u64>().ok());
            match id {
                Some(id) => found.push(FoundSegment {
                    id,
                    seal_path: seal_path_of(&p),
                    path: p,
                }),
                None => {
                    let seal_ok = name
                        .strip_suffix(".seal")
                        .and_then(|s| s.parse::<u64>().ok())
                        .is_some_and(|_| p.with_extension("seg").exists());
                    if !seal_ok && !name.ends_with(".tmp") {
                        strays.push(p);
                    }
                }
            }
        }
    }
    found.sort_by_key(|s| s.id);
    Ok((found, strays))
}

/// Reads `len` bytes at `offset`.
pub(crate) fn read_at(
    file: &File,
    path: &Path,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>, StoreError> {
    let mut buf = vec![0u8; len];
    file.read_exact_at(&mut buf, offset).at(path)?;
    Ok(buf)
}

/// Reads and decompresses the block at `offset`.
pub(crate) fn read_block(
    file: &File,
    path: &Path,
    offset: u64,
) -> Result<(BlockHeader, Vec<u8>), StoreError> {
    let hb = read_at(file, path, offset, BLOCK_HEADER_LEN)?;
    let header = BlockHeader::decode(&hb).map_err(|e| {
        StoreError::corrupt(path, format!("block header at offset {offset}: {e:?}"))
    })?;
    let comp = read_at(
        file,
        path,
        offset + BLOCK_HEADER_LEN as u64,
        header.comp_len as usize,
    )?;
    let body = decode_block(&header, &comp)
        .map_err(|e| StoreError::corrupt(path, format!("block at offset {offset}: {e}")))?;
    Ok((header, body))
}

/// Block locations of a sealed segment, from the block headers alone.
pub(crate) fn block_locations(path: &Path) -> Result<(SegmentHeader, Vec<BlockLoc>), StoreError> {
    let file = File::open(path).at(path)?;
    let len = file.metadata().at(path)?.len();
    let hb = read_at(&file, path, 0, SEGMENT_HEADER_LEN.min(len as usize))?;
    let header = SegmentHeader::decode(&hb).map_err(|e| StoreError::corrupt(path, e))?;
    let mut at = SEGMENT_HEADER_LEN as u64;
    let mut out = Vec::new();
    while at + BLOCK_HEADER_LEN as u64 <= len {
        let hb = read_at(&file, path, at, BLOCK_HEADER_LEN)?;
        let Ok(h) = BlockHeader::decode(&hb) else {
            return Err(StoreError::corrupt(
                path,
                format!("block header at offset {at} is damaged"),
            ));
        };
        out.push(BlockLoc::new(h.first_seq, h.count, at));
        at += h.total_len();
    }
    Ok((header, out))
}

/// What a full scan of the active segment found.
pub(crate) struct ActiveScan {
    pub header: SegmentHeader,
    pub blocks: Vec<BlockLoc>,
    /// Length up to the end of the last complete, valid block.
    pub good_len: u64,
    pub file_len: u64,
    pub last_hash: Option<Hash>,
    pub count: u64,
    pub raw_bytes: u64,
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
    pub datasets: BTreeMap<String, i64>,
    pub ids: Vec<[u8; 16]>,
    /// A damaged block that is followed by valid data: corruption, not a torn write.
    pub damaged_inside: Option<String>,
}

/// Scans the active (unsealed) segment. Everything after the last block that
/// is complete and checks out is a torn tail, unless a valid block follows a
/// damaged one (then it is corruption and nothing is dropped).
pub(crate) fn scan_active(path: &Path) -> Result<ActiveScan, StoreError> {
    let bytes = std::fs::read(path).at(path)?;
    let header = SegmentHeader::decode(&bytes).map_err(|e| StoreError::corrupt(path, e))?;
    let mut scan = ActiveScan {
        header,
        blocks: Vec::new(),
        good_len: SEGMENT_HEADER_LEN as u64,
        file_len: bytes.len() as u64,
        last_hash: None,
        count: 0,
        raw_bytes: 0,
        min_ts: None,
        max_ts: None,
        datasets: BTreeMap::new(),
        ids: Vec::new(),
        damaged_inside: None,
    };
    let mut at = SEGMENT_HEADER_LEN;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let h = match BlockHeader::decode(rest) {
            Ok(h) => h,
            Err(HeaderError::Short | HeaderError::Magic | HeaderError::Check) => break,
        };
        let end = at + h.total_len() as usize;
        if end > bytes.len() {
            break; // torn: the block was not completely written
        }
        let body = match decode_block(&h, &bytes[at + BLOCK_HEADER_LEN..end]) {
            Ok(b) => b,
            Err(e) => {
                // Torn only if nothing valid follows.
                if BlockHeader::decode(&bytes[end..]).is_ok() {
                    scan.damaged_inside = Some(format!("block at offset {at}: {e}"));
                    at = end;
                    scan.good_len = end as u64;
                    continue;
                }
                break;
            }
        };
        let records = match parse_records(&body) {
            Ok(r) => r,
            Err((_, e)) => {
                scan.damaged_inside = Some(format!("block at offset {at}: {e}"));
                at = end;
                scan.good_len = end as u64;
                continue;
            }
        };
        for r in &records {
            scan.last_hash = Some(r.hash);
            scan.raw_bytes += r.json.len() as u64;
            if let Some(id) = event_id_of(r.json).and_then(sightline_event::EventId::parse) {
                scan.ids.push(*id.as_bytes());
            }
            if let Some((ts, ds)) = time_and_dataset(r.json) {
                scan.min_ts = Some(scan.min_ts.map_or(ts, |m| m.min(ts)));
                scan.max_ts = Some(scan.max_ts.map_or(ts, |m| m.max(ts)));
                let e = scan.datasets.entry(ds).or_insert(ts);
                *e = (*e).max(ts);
            }
        }
        scan.count += records.len() as u64;
        scan.blocks
            .push(BlockLoc::new(h.first_seq, h.count, at as u64));
        at = end;
        scan.good_len = end as u64;
    }
    Ok(scan)
}

/// Event time (µs) and dataset of a record, for segment statistics.
pub(crate) fn time_and_dataset(json: &[u8]) -> Option<(i64, String)> {
    let text = std::str::from_utf8(json).ok()?;
    let ev = sightline_event::Event::from_json(text).ok()?;
    Some((ev.timestamp.as_microsecond(), ev.dataset.into_owned()))
}

/// Every record id of a segment, newest last (for the dedup window).
pub(crate) fn read_ids(path: &Path, blocks: &[BlockLoc]) -> Result<Vec<[u8; 16]>, StoreError> {
    let file = File::open(path).at(path)?;
    let mut out = Vec::new();
    for b in blocks {
        let (_, body) = read_block(&file, path, b.offset)?;
        if let Ok(records) = parse_records(&body) {
            for r in records {
                if let Some(id) = event_id_of(r.json).and_then(sightline_event::EventId::parse) {
                    out.push(*id.as_bytes());
                }
            }
        }
    }
    Ok(out)
}

/// Writes `bytes` to `path` atomically (temp file, fsync, rename, fsync dir).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp).at(&tmp)?;
        std::io::Write::write_all(&mut f, bytes).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            StoreError::io(&tmp, e)
        })?;
        f.sync_all().at(&tmp)?;
    }
    std::fs::rename(&tmp, path).at(path)?;
    sync_dir(path)
}

/// fsyncs the directory holding `path`, so a new or renamed entry survives a crash.
pub(crate) fn sync_dir(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent() {
        File::open(dir).and_then(|d| d.sync_all()).at(dir)?;
    }
    Ok(())
}

pub(crate) fn hex(h: &Hash) -> String {
    to_hex(h)
}
