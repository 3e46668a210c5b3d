//! A durable FIFO on disk for one destination (a notifier, a SIEM
//! forwarder): items pushed survive restarts and kill -9, are handed out in
//! order, and are removed only once the destination acknowledged them, so
//! delivery is at-least-once. A byte budget bounds the disk it may use: what
//! would exceed it is refused and counted, never dropped silently.
//!
//! Layout of the spool directory:
//!
//! ```text
//! DIR/<id:012>.spool   segments: records appended, fsynced per push
//! DIR/cursor           JSON {"segment", "offset"}: the first record not yet acknowledged
//! record = len u32 LE , check u32 LE (BLAKE3 of time and payload, first 4 bytes) , time µs i64 LE , payload
//! ```
//!
//! A torn record at the end of the newest segment (a crash during a push
//! that was therefore never confirmed) is cut off on open. A damaged record
//! followed by valid ones is skipped when read, and its bytes counted as
//! `corrupt`: never handed out as if it were valid, and the records after
//! it still delivered.
//! The cursor is written after acknowledgements (temp file, rename); losing
//! its newest version in a crash only means items are delivered again.

mod segment;

use segment::{RECORD_HEADER, Segment, read_record};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// What can go wrong with a spool.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("spool item of {0} bytes is larger than the spool's budget")]
    TooLarge(usize),
}

fn io(path: &Path, source: std::io::Error) -> SpoolError {
    SpoolError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where a record is: the segment and the byte offset of its header.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Position {
    pub segment: u64,
    pub offset: u64,
}

/// An item handed out for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Acknowledge up to and including this item with [`Spool::ack`].
    pub next: Position,
    /// When it was pushed (µs since the epoch).
    pub pushed_micros: i64,
    pub payload: Vec<u8>,
}

/// Sizes and counts, for metrics and status commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpoolStats {
    /// Items waiting (pushed, not acknowledged).
    pub pending: u64,
    /// Bytes they occupy on disk (record headers included).
    pub pending_bytes: u64,
    pub budget_bytes: u64,
    /// Items refused since open because the budget was reached.
    pub refused: u64,
    /// Items delivered and acknowledged since open.
    pub acknowledged: u64,
    /// Bytes of damaged records skipped since open.
    pub corrupt_bytes: u64,
    /// Bytes of a torn last record cut off on open.
    pub torn_bytes: u64,
    /// When the oldest pending item was pushed (µs since the epoch).
    pub oldest_micros: Option<i64>,
}

/// How a spool is opened.
#[derive(Debug, Clone)]
pub struct SpoolConfig {
    pub dir: PathBuf,
    /// Most bytes pending on disk; pushes beyond are refused (counted).
    pub budget_bytes: u64,
    /// A new segment begins beyond this size.
    pub segment_bytes: u64,
}

impl SpoolConfig {
    pub fn new(dir: impl Into<PathBuf>, budget_bytes: u64) -> SpoolConfig {
        SpoolConfig {
            dir: dir.into(),
            budget_bytes,
            segment_bytes: 8 << 20,
        }
    }
}

/// What a push did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushReport {
    pub accepted: u64,
    /// Items refused because the budget is reached (counted in `refused`).
    pub refused: u64,
}

/// The spool itself; see [`SharedSpool`] for use from several threads.
pub struct Spool {
    cfg: SpoolConfig,
    /// Segments from the cursor's on; the last one is written to.
    segments: VecDeque<Segment>,
    cursor: Position,
    pending: u64,
    pending_bytes: u64,
    refused: u64,
    acknowledged: u64,
    corrupt_bytes: u64,
    /// Damaged regions already counted (each is read over more than once).
    corrupt_seen: std::collections::HashSet<Position>,
    torn_bytes: u64,
    oldest_micros: Option<i64>,
}

impl Spool {
    /// Opens (or creates) the spool in `cfg.dir`, cutting off a torn tail.
    pub fn open(cfg: SpoolConfig) -> Result<Spool, SpoolError> {
        std::fs::create_dir_all(&cfg.dir).map_err(|e| io(&cfg.dir, e))?;
        let mut ids: Vec<u64> = std::fs::read_dir(&cfg.dir)
            .map_err(|e| io(&cfg.dir, e))?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".spool")?.parse().ok())
            .collect();
        ids.sort_unstable();
        let cursor = read_cursor(&cfg.dir)
            .filter(|c| ids.contains(&c.segment))
            .unwrap_or(Position {
                segment: ids.first().copied().unwrap_or(1),
                offset: 0,
            });
        // Segments wholly before the cursor were delivered: remove them.
        for id in ids.iter().filter(|id| **id < cursor.segment) {
            let _ = std::fs::remove_file(segment::path(&cfg.dir, *id));
        }
        let mut segments = VecDeque::new();
        let last = ids.last().copied();
        let mut torn_bytes = 0;
        for id in ids.into_iter().filter(|id| *id >= cursor.segment) {
            let (seg, torn) = Segment::open(&cfg.dir, id, Some(id) == last)?;
            torn_bytes += torn;
            segments.push_back(seg);
        }
        if segments.is_empty() {
            segments.push_back(Segment::create(&cfg.dir, cursor.segment)?);
        }
        let mut spool = Spool {
            cfg,
            segments,
            cursor,
            pending: 0,
            pending_bytes: 0,
            refused: 0,
            acknowledged: 0,
            corrupt_bytes: 0,
            corrupt_seen: std::collections::HashSet::new(),
            torn_bytes,
            oldest_micros: None,
        };
        spool.count_pending()?;
        Ok(spool)
    }

    /// Counts what is pending from the cursor on (once, on open).
    fn count_pending(&mut self) -> Result<(), SpoolError> {
        let mut pos = self.cursor;
        let mut first = true;
        loop {
            let batch = self.read_from(pos, 4096, u64::MAX)?;
            if batch.is_empty() {
                break;
            }
            for it in &batch {
                if first {
                    self.oldest_micros = Some(it.pushed_micros);
                    first = false;
                }
                self.pending += 1;
                self.pending_bytes += (RECORD_HEADER + it.payload.len()) as u64;
            }
            pos = batch.last().map_or(pos, |i| i.next);
        }
        Ok(())
    }

    /// Appends `items` (each one record) and fsyncs. Items beyond the budget
    /// are refused and counted.
    pub fn push(&mut self, items: &[&[u8]], now_micros: i64) -> Result<PushReport, SpoolError> {
        let mut report = PushReport::default();
        let mut bytes = Vec::new();
        let mut added = 0u64;
        for item in items {
            let size = (RECORD_HEADER + item.len()) as u64;
            if size > self.cfg.budget_bytes {
                return Err(SpoolError::TooLarge(item.len()));
            }
            if self.pending_bytes + added + size > self.cfg.budget_bytes {
                report.refused += 1;
                continue;
            }
            segment::encode(&mut bytes, now_micros, item);
            added += size;
            report.accepted += 1;
        }
        self.refused += report.refused;
        if report.accepted == 0 {
            return Ok(report);
        }
        if self
            .segments
            .back()
            .is_some_and(|s| s.len > 0 && s.len + bytes.len() as u64 > self.cfg.segment_bytes)
        {
            let id = self.segments.back().map_or(1, |s| s.id + 1);
            self.segments.push_back(Segment::create(&self.cfg.dir, id)?);
        }
        let seg = self
            .segments
            .back_mut()
            .ok_or_else(|| io(&self.cfg.dir, std::io::Error::other("no segment")))?;
        seg.append(&bytes)?;
        if self.pending == 0 {
            self.oldest_micros = Some(now_micros);
        }
        self.pending += report.accepted;
        self.pending_bytes += added;
        Ok(report)
    }

    /// Up to `max_items` / about `max_bytes` of the oldest pending items, in
    /// order, without removing them.
    pub fn peek(&mut self, max_items: usize, max_bytes: u64) -> Result<Vec<Item>, SpoolError> {
        self.read_from(self.cursor, max_items, max_bytes)
    }

    fn read_from(
        &mut self,
        mut pos: Position,
        max_items: usize,
        max_bytes: u64,
    ) -> Result<Vec<Item>, SpoolError> {
        let mut out = Vec::new();
        let mut bytes = 0u64;
        let mut corrupt = Vec::new();
        for seg in self.segments.iter_mut() {
            if seg.id < pos.segment {
                continue;
            }
            if seg.id > pos.segment {
                pos = Position {
                    segment: seg.id,
                    offset: 0,
                };
            }
            while out.len() < max_items && bytes < max_bytes && pos.offset < seg.len {
                match read_record(seg, pos.offset)? {
                    Some((pushed_micros, payload, size)) => {
                        bytes += size;
                        pos.offset += size;
                        out.push(Item {
                            next: pos,
                            pushed_micros,
                            payload,
                        });
                    }
                    None => {
                        // Damaged: skip to the next valid record, counting what is skipped.
                        let resumed = segment::resync(seg, pos.offset + 1)?.unwrap_or(seg.len);
                        corrupt.push((pos, resumed - pos.offset));
                        pos.offset = resumed;
                        if let Some(last) = out.last_mut() {
                            last.next = pos;
                        }
                    }
                }
            }
            if out.len() >= max_items || bytes >= max_bytes {
                break;
            }
        }
        for (at, n) in corrupt {
            if self.corrupt_seen.insert(at) {
                self.corrupt_bytes += n;
            }
        }
        Ok(out)
    }

    /// The destination has everything up to `next` (an [`Item::next`]):
    /// forget it, delete segments no longer needed, move the cursor.
    pub fn ack(&mut self, next: Position) -> Result<(), SpoolError> {
        if next <= self.cursor {
            return Ok(());
        }
        // Count what is acknowledged: the records from the cursor to `next`.
        let mut n = 0u64;
        let mut bytes = 0u64;
        let mut pos = self.cursor;
        'walk: loop {
            let batch = self.read_from(pos, 1024, u64::MAX)?;
            if batch.is_empty() {
                break;
            }
            for it in batch {
                if it.next > next {
                    break 'walk;
                }
                n += 1;
                bytes += (RECORD_HEADER + it.payload.len()) as u64;
                pos = it.next;
                if pos == next {
                    break 'walk;
                }
            }
        }
        self.cursor = next;
        self.pending = self.pending.saturating_sub(n);
        self.pending_bytes = self.pending_bytes.saturating_sub(bytes);
        self.acknowledged += n;
        // A segment read to its end, and not the one written to, is done.
        while self.segments.len() > 1
            && self.segments.front().is_some_and(|s| {
                s.id < next.segment || (s.id == next.segment && next.offset >= s.len)
            })
        {
            if let Some(s) = self.segments.pop_front() {
                let _ = std::fs::remove_file(&s.path);
                if s.id == self.cursor.segment {
                    self.cursor = Position {
                        segment: s.id + 1,
                        offset: 0,
                    };
                }
            }
        }
        self.oldest_micros = self.peek(1, u64::MAX)?.first().map(|i| i.pushed_micros);
        write_cursor(&self.cfg.dir, &self.cursor)
    }

    pub fn stats(&self) -> SpoolStats {
        SpoolStats {
            pending: self.pending,
            pending_bytes: self.pending_bytes,
            budget_bytes: self.cfg.budget_bytes,
            refused: self.refused,
            acknowledged: self.acknowledged,
            corrupt_bytes: self.corrupt_bytes,
            torn_bytes: self.torn_bytes,
            oldest_micros: self.oldest_micros,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.cfg.dir
    }
}

fn cursor_path(dir: &Path) -> PathBuf {
    dir.join("cursor")
}

fn read_cursor(dir: &Path) -> Option<Position> {
    let bytes = std::fs::read(cursor_path(dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write_cursor(dir: &Path, c: &Position) -> Result<(), SpoolError> {
    let path = cursor_path(dir);
    let tmp = path.with_extension("tmp");
    let bytes = serde_json::to_vec(c).unwrap_or_default();
    std::fs::write(&tmp, bytes).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))
}

/// A spool shared by the thread that pushes and the one that delivers, with
/// a wake-up for the deliverer when items arrive.
#[derive(Clone)]
pub struct SharedSpool(Arc<(Mutex<Spool>, Condvar)>);

impl SharedSpool {
    pub fn new(spool: Spool) -> SharedSpool {
        SharedSpool(Arc::new((Mutex::new(spool), Condvar::new())))
    }

    pub fn lock(&self) -> MutexGuard<'_, Spool> {
        self.0.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pushes and wakes the deliverer.
    pub fn push(&self, items: &[&[u8]], now_micros: i64) -> Result<PushReport, SpoolError> {
        let r = self.lock().push(items, now_micros);
        self.0.1.notify_all();
        r
    }

    /// Waits until something is pending or `timeout` passes.
    pub fn wait(&self, timeout: Duration) {
        let guard = self.lock();
        if guard.stats().pending == 0 {
            let _ = self.0.1.wait_timeout(guard, timeout);
        }
    }

    /// Wakes a waiting deliverer (e.g. to stop it).
    pub fn wake(&self) {
        self.0.1.notify_all();
    }
}
