//! The in-memory list of live segments and their blocks, shared by the
//! writer and searches; plus a small cache of decompressed blocks.

use crate::error::{IoContext, StoreError};
use crate::format::parse_records;
use crate::segment::{BlockLoc, read_block};
use sightline_event::Event;
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// One live segment.
#[derive(Debug, Clone)]
pub(crate) struct SegMeta {
    pub id: u64,
    pub path: PathBuf,
    pub first_seq: u64,
    pub count: u64,
    pub file_bytes: u64,
    pub raw_bytes: u64,
    /// Event time range, µs.
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
    pub datasets: BTreeMap<String, i64>,
    pub sealed: bool,
    pub blocks: Vec<BlockLoc>,
}

#[derive(Default)]
pub(crate) struct Catalog {
    pub segs: Vec<SegMeta>,
}

impl Catalog {
    /// The segment and block holding `seq`.
    pub(crate) fn locate(&self, seq: u64) -> Option<(&SegMeta, &BlockLoc)> {
        let i = self.segs.partition_point(|s| s.first_seq + s.count <= seq);
        let seg = self.segs.get(i)?;
        if seq < seg.first_seq {
            return None;
        }
        let j = seg
            .blocks
            .partition_point(|b| b.first_seq + u64::from(b.count) <= seq);
        let b = seg.blocks.get(j)?;
        (seq >= b.first_seq).then_some((seg, b))
    }
}

/// A decompressed block: its body and each record's JSON range.
struct Decoded {
    first_seq: u64,
    body: Vec<u8>,
    records: Vec<(usize, usize)>,
}

/// Keeps the last few decompressed blocks: result pages and candidate checks
/// read neighbouring records, which share blocks.
pub(crate) struct BlockCache {
    entries: Mutex<VecDeque<CacheEntry>>,
}

/// (segment id, block offset) and the decoded block.
type CacheEntry = ((u64, u64), Arc<Decoded>);

const CACHE_BLOCKS: usize = 16;

impl BlockCache {
    pub(crate) fn new() -> Self {
        BlockCache {
            entries: Mutex::new(VecDeque::new()),
        }
    }

    fn get(&self, seg: &SegMeta, b: &BlockLoc) -> Result<Arc<Decoded>, StoreError> {
        let key = (seg.id, b.offset);
        if let Ok(e) = self.entries.lock()
            && let Some((_, d)) = e.iter().find(|(k, _)| *k == key)
        {
            return Ok(d.clone());
        }
        let file = File::open(&seg.path).at(&seg.path)?;
        let (_, body) = read_block(&file, &seg.path, b.offset)?;
        let records = match parse_records(&body) {
            Ok(r) => r,
            Err((_, e)) => return Err(StoreError::corrupt(&seg.path, e)),
        };
        let base = body.as_ptr() as usize;
        let records = records
            .iter()
            .map(|r| {
                let start = r.json.as_ptr() as usize - base;
                (start, start + r.json.len())
            })
            .collect();
        let d = Arc::new(Decoded {
            first_seq: b.first_seq,
            body,
            records,
        });
        if let Ok(mut e) = self.entries.lock() {
            e.push_front((key, d.clone()));
            e.truncate(CACHE_BLOCKS);
        }
        Ok(d)
    }

    /// Reads the event stored as record `seq`.
    pub(crate) fn event(&self, cat: &Catalog, seq: u64) -> Result<Option<Event>, StoreError> {
        let Some((seg, b)) = cat.locate(seq) else {
            return Ok(None);
        };
        let d = self.get(seg, b)?;
        let Some(&(s, e)) = d.records.get((seq - d.first_seq) as usize) else {
            return Err(StoreError::corrupt(
                &seg.path,
                format!(
                    "block at offset {} has fewer records than its header says",
                    b.offset
                ),
            ));
        };
        let text = std::str::from_utf8(&d.body[s..e])
            .map_err(|_| StoreError::corrupt(&seg.path, format!("record {seq} is not UTF-8")))?;
        Event::from_json(text)
            .map(Some)
            .map_err(|err| StoreError::corrupt(&seg.path, format!("record {seq}: {err}")))
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut e) = self.entries.lock() {
            e.clear();
        }
    }
}
