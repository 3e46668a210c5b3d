//! The set of files being followed: which file is which across renames,
//! truncations and restarts, and what has been acknowledged of each.
//!
//! Reading always starts at the acknowledged offset; nothing advances until
//! [`Tailer::commit`] is called with a batch the server accepted, so a batch
//! lost in flight or a crash repeats the same records (same stream, offset
//! and line, so the same event ids, which the server stores once).

use crate::checkpoint::{CheckpointError, Checkpointer, Entry, Loaded};
use crate::fingerprint::{self, Digest};
use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The longest line shipped whole; longer ones are cut (the server cuts at
/// the same length).
pub const MAX_LINE: usize = 1 << 20;
/// Checkpoint entries of files no longer followed that are kept (to
/// recognize a file again, or a copy of it), oldest dropped first.
const MAX_RETIRED: usize = 4096;

#[derive(Clone, Debug)]
pub struct TailOptions {
    /// A last line without its newline is shipped after it stayed unchanged this long.
    pub partial_flush: Duration,
}

impl Default for TailOptions {
    fn default() -> Self {
        TailOptions {
            partial_flush: Duration::from_secs(5),
        }
    }
}

/// One line read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub stream: String,
    pub offset: u64,
    pub line: String,
    pub path: PathBuf,
    pub hint: Option<String>,
}

/// Records read but not yet acknowledged, and where each file would be then.
#[derive(Debug, Default)]
pub struct Batch {
    pub records: Vec<Record>,
    advances: Vec<(u64, String, u64, Digest)>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

struct Tracked {
    id: u64,
    file: File,
    entry: Entry,
    hint: Option<String>,
    /// Scans in a row in which no discovered path led to this file.
    detached: u32,
    /// The end of a partial last line and since when it has stayed there.
    partial: Option<(u64, Instant)>,
}

#[derive(Debug, thiserror::Error)]
pub enum TailError {
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

pub struct Tailer {
    files: Vec<Tracked>,
    retired: Vec<Entry>,
    checkpointer: Checkpointer,
    options: TailOptions,
    next_id: u64,
    /// What happened to files, for logs and tests (truncations, rewrites, copies).
    pub notes: Vec<String>,
}

impl Tailer {
    pub fn open(state_dir: &Path, options: TailOptions) -> Result<(Tailer, Loaded), TailError> {
        let checkpointer = Checkpointer::new(state_dir)?;
        let (retired, loaded) = checkpointer.load()?;
        Ok((
            Tailer {
                files: Vec::new(),
                retired,
                checkpointer,
                options,
                next_id: 0,
                notes: Vec::new(),
            },
            loaded,
        ))
    }

    /// Takes in the paths discovery found (with their decoder hints), then
    /// checks every followed file for truncation or rewrite.
    pub fn scan(&mut self, found: &[(PathBuf, Option<String>)]) {
        for tracked in &mut self.files {
            tracked.detached += 1;
        }
        for (path, hint) in found {
            if let Err(e) = self.discover(path, hint.clone()) {
                tracing::debug!(path = %path.display(), error = %e, "not followed");
            }
        }
        for i in 0..self.files.len() {
            self.check(i);
        }
        self.drop_finished();
    }

    fn discover(&mut self, path: &Path, hint: Option<String>) -> io::Result<()> {
        let meta = std::fs::metadata(path)?;
        if !meta.is_file() {
            return Ok(());
        }
        let (dev, ino) = (meta.dev(), meta.ino());
        if let Some(t) = self
            .files
            .iter_mut()
            .find(|t| t.entry.dev == dev && t.entry.ino == ino)
        {
            t.detached = 0;
            if t.entry.path != path {
                t.entry.path = path.to_path_buf();
            }
            return Ok(());
        }
        let file = File::open(path)?;
        // The file may have been replaced between stat and open.
        let meta = file.metadata()?;
        let (dev, ino) = (meta.dev(), meta.ino());
        let head = fingerprint::head(&file)?;
        let known = |e: &Entry| {
            e.dev == dev
                && e.ino == ino
                && (e.head.is_none() || e.head == head)
                && e.offset <= meta.len()
        };
        let (entry, position) = if let Some(i) = self.retired.iter().position(known) {
            let mut e = self.retired.remove(i);
            e.path = path.to_path_buf();
            if e.head.is_none() {
                e.head = head;
            }
            (e, self.files.len())
        } else if let Some((e, position)) = self.copy_of(&file, head.as_ref(), meta.len()) {
            self.notes.push(format!(
                "{}: a copy of {} (copytruncate), continued from offset {}",
                path.display(),
                e.stream,
                e.offset
            ));
            (
                Entry {
                    dev,
                    ino,
                    head,
                    path: path.to_path_buf(),
                    ..e
                },
                position,
            )
        } else {
            let stream = self.unused_stream(path, ino, head.as_ref());
            let entry = Entry {
                dev,
                ino,
                head,
                stream,
                path: path.to_path_buf(),
                offset: 0,
                tail: Digest::of(b""),
            };
            (entry, self.files.len())
        };
        let id = self.next_id;
        self.next_id += 1;
        self.files.insert(
            position,
            Tracked {
                id,
                file,
                entry,
                hint,
                detached: 0,
                partial: None,
            },
        );
        Ok(())
    }

    /// A followed (or retired) file whose acknowledged bytes this new file
    /// starts with: copytruncate copied it aside. The copy continues that
    /// file's stream from its offset, so what was already shipped is not
    /// shipped again (beats#39731) and what was not yet read is (fluent-bit#375).
    /// It is placed before the original so its older lines go first.
    fn copy_of(&self, file: &File, head: Option<&Digest>, len: u64) -> Option<(Entry, usize)> {
        let head = head?;
        let matches = |e: &Entry| {
            e.head.as_ref() == Some(head)
                && e.offset > 0
                && e.offset <= len
                && e.tail
                    .matches(file, e.offset - u64::from(e.tail.len))
                    .unwrap_or(false)
        };
        if let Some(i) = self.files.iter().position(|t| matches(&t.entry)) {
            return Some((self.files[i].entry.clone(), i));
        }
        let e = self.retired.iter().find(|e| matches(e))?;
        Some((e.clone(), self.files.len()))
    }

    /// The stream for a file seen for the first time: its path, unless that
    /// names another file's stream (a file recreated at the same path), so
    /// equal lines at equal offsets of the two never share an event id.
    fn unused_stream(&self, path: &Path, ino: u64, head: Option<&Digest>) -> String {
        let plain = path.display().to_string();
        let taken = |s: &str| {
            self.files.iter().any(|t| t.entry.stream == s)
                || self.retired.iter().any(|e| e.stream == s)
        };
        if !taken(&plain) {
            return plain;
        }
        let head = head.map_or("", |d| d.hash.as_str());
        format!("{plain}#{ino:x}-{head}")
    }

    /// Truncation (size below the offset) and rewrite in place (the bytes
    /// before the offset are no longer those shipped): the file starts a new
    /// generation, read from 0 under a new stream derived from the old one.
    fn check(&mut self, i: usize) {
        let t = &mut self.files[i];
        let Ok(meta) = t.file.metadata() else { return };
        let e = &t.entry;
        let why = if meta.len() < e.offset {
            Some("truncated")
        } else if e.offset > 0
            && (!e
                .tail
                .matches(&t.file, e.offset - u64::from(e.tail.len))
                .unwrap_or(false)
                || fingerprint::head(&t.file).ok().flatten() != e.head)
        {
            Some("rewritten in place")
        } else {
            None
        };
        if let Some(why) = why {
            let seed = format!("{}\n{}\n{}", e.stream, e.offset, e.tail.hash);
            let base = e.stream.split('#').next().unwrap_or(&e.stream).to_owned();
            let generation = &blake3::hash(seed.as_bytes()).to_hex()[..12];
            self.notes.push(format!(
                "{}: {why} at offset {} (size {})",
                e.path.display(),
                e.offset,
                meta.len()
            ));
            let head = fingerprint::head(&t.file).ok().flatten();
            t.entry.stream = format!("{base}#{generation}");
            t.entry.offset = 0;
            t.entry.tail = Digest::of(b"");
            t.entry.head = head;
            t.partial = None;
        }
        if t.entry.head.is_none() {
            t.entry.head = fingerprint::head(&t.file).ok().flatten();
        }
    }

    /// Files no path leads to any more (renamed out of the watched names, or
    /// deleted) are read to their end first, then let go of.
    fn drop_finished(&mut self) {
        let mut i = 0;
        while i < self.files.len() {
            let t = &self.files[i];
            let at_end = t
                .file
                .metadata()
                .map(|m| m.len() <= t.entry.offset)
                .unwrap_or(true);
            if t.detached >= 2 && at_end {
                let t = self.files.remove(i);
                self.retire(t.entry);
            } else {
                i += 1;
            }
        }
    }

    fn retire(&mut self, entry: Entry) {
        self.retired
            .retain(|e| !(e.dev == entry.dev && e.ino == entry.ino));
        self.retired.push(entry);
        if self.retired.len() > MAX_RETIRED {
            self.retired.remove(0);
        }
    }

    /// Reads whole lines from the acknowledged offsets, at most `max_lines`
    /// lines and about `max_bytes` bytes. A partial last line is included
    /// when `flush_partial` is set or it has not changed for the flush delay.
    pub fn read_batch(
        &mut self,
        max_lines: usize,
        max_bytes: usize,
        flush_partial: bool,
        now: Instant,
    ) -> io::Result<Batch> {
        let mut batch = Batch::default();
        let mut bytes_left = max_bytes;
        let partial_flush = self.options.partial_flush;
        for t in &mut self.files {
            if batch.records.len() >= max_lines || bytes_left == 0 {
                break;
            }
            let len = t.file.metadata()?.len();
            if len <= t.entry.offset {
                continue;
            }
            let room = if batch.records.is_empty() {
                bytes_left.max(MAX_LINE)
            } else {
                bytes_left
            };
            let want = ((len - t.entry.offset) as usize).min(room);
            let mut buf = vec![0; want];
            let mut filled = 0;
            while filled < want {
                match t
                    .file
                    .read_at(&mut buf[filled..], t.entry.offset + filled as u64)?
                {
                    0 => break,
                    n => filled += n,
                }
            }
            buf.truncate(filled);
            let mut cuts = line_ends(&buf, max_lines - batch.records.len());
            let whole = cuts.last().copied().unwrap_or(0);
            let rest_has_lines = buf[whole..].contains(&b'\n');
            let reaches_eof = t.entry.offset + buf.len() as u64 == len;
            if (rest_has_lines || !reaches_eof) && cuts.len() > 1 {
                keep_continuations_together(&buf, &mut cuts);
            }
            let mut end = cuts.last().copied().unwrap_or(0);
            if end == 0 && buf.len() >= MAX_LINE {
                // A line longer than the limit: shipped in pieces.
                cuts = vec![MAX_LINE];
                end = MAX_LINE;
            } else if end < buf.len() && reaches_eof && !rest_has_lines {
                // A last line without its newline (yet).
                let ripe = match t.partial {
                    Some((seen, since)) if seen == len => {
                        now.duration_since(since) >= partial_flush
                    }
                    _ => {
                        t.partial = Some((len, now));
                        false
                    }
                };
                if flush_partial || ripe {
                    cuts.push(buf.len());
                    end = buf.len();
                }
            }
            if end == 0 {
                continue;
            }
            let mut start = 0;
            for cut in cuts {
                let line = &buf[start..cut];
                let line = line.strip_suffix(b"\n").unwrap_or(line);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                batch.records.push(Record {
                    stream: t.entry.stream.clone(),
                    offset: t.entry.offset + start as u64,
                    line: String::from_utf8_lossy(line).into_owned(),
                    path: t.entry.path.clone(),
                    hint: t.hint.clone(),
                });
                start = cut;
            }
            let new_offset = t.entry.offset + end as u64;
            let tail = fingerprint::tail_of(&t.file, new_offset, &buf[..end])?;
            batch
                .advances
                .push((t.id, t.entry.stream.clone(), new_offset, tail));
            if end == buf.len() {
                t.partial = None;
            }
            bytes_left = bytes_left.saturating_sub(end);
        }
        Ok(batch)
    }

    /// The server acknowledged `batch`: advance and checkpoint.
    pub fn commit(&mut self, batch: &Batch) -> Result<(), TailError> {
        for (id, stream, offset, tail) in &batch.advances {
            if let Some(t) = self.files.iter_mut().find(|t| t.id == *id) {
                // A truncation noticed since the read started a new
                // generation; the old one's advance no longer applies.
                if t.entry.offset < *offset && t.entry.stream == *stream {
                    t.entry.offset = *offset;
                    t.entry.tail = tail.clone();
                }
            }
        }
        self.save()
    }

    pub fn save(&self) -> Result<(), TailError> {
        let mut entries = self.retired.clone();
        entries.extend(self.files.iter().map(|t| t.entry.clone()));
        self.checkpointer.save(&entries)?;
        Ok(())
    }

    /// Each followed file's path, stream and acknowledged offset.
    pub fn positions(&self) -> Vec<(PathBuf, String, u64)> {
        self.files
            .iter()
            .map(|t| (t.entry.path.clone(), t.entry.stream.clone(), t.entry.offset))
            .collect()
    }

    /// Bytes present in followed files beyond their acknowledged offsets.
    pub fn backlog(&self) -> u64 {
        self.files
            .iter()
            .map(|t| {
                let len = t.file.metadata().map(|m| m.len()).unwrap_or(0);
                len.saturating_sub(t.entry.offset)
            })
            .sum()
    }
}

/// The ends (exclusive, after the newline) of the first `max` whole lines.
fn line_ends(buf: &[u8], max: usize) -> Vec<usize> {
    buf.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .take(max)
        .collect()
}

/// When a batch must stop inside a file, it does not stop right before a
/// continuation line (indented, as in tracebacks and stack traces), so the
/// server's decoders see a multi-line event whole in one batch.
fn keep_continuations_together(buf: &[u8], cuts: &mut Vec<usize>) {
    while cuts.len() > 1 {
        let next = *cuts.last().unwrap_or(&0);
        match buf.get(next) {
            Some(b' ' | b'\t') => {
                cuts.pop();
            }
            _ => break,
        }
    }
}
