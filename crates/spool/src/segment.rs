//! One segment file of a spool: records appended and fsynced, read back by offset.

use crate::{SpoolError, io};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Length, check and push time in front of each payload.
pub(crate) const RECORD_HEADER: usize = 16;

pub(crate) fn path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:012}.spool"))
}

fn check(micros: i64, payload: &[u8]) -> u32 {
    let mut h = blake3::Hasher::new();
    h.update(&micros.to_le_bytes());
    h.update(payload);
    let b = h.finalize();
    u32::from_le_bytes([
        b.as_bytes()[0],
        b.as_bytes()[1],
        b.as_bytes()[2],
        b.as_bytes()[3],
    ])
}

pub(crate) fn encode(out: &mut Vec<u8>, micros: i64, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&check(micros, payload).to_le_bytes());
    out.extend_from_slice(&micros.to_le_bytes());
    out.extend_from_slice(payload);
}

pub(crate) struct Segment {
    pub id: u64,
    pub path: PathBuf,
    pub file: File,
    pub len: u64,
}

impl Segment {
    pub(crate) fn create(dir: &Path, id: u64) -> Result<Segment, SpoolError> {
        let path = path(dir, id);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        let len = file.metadata().map_err(|e| io(&path, e))?.len();
        Ok(Segment {
            id,
            path,
            file,
            len,
        })
    }

    /// Opens a segment; the newest one (`tail`) has a torn last record cut
    /// off. Returns the bytes cut.
    pub(crate) fn open(dir: &Path, id: u64, tail: bool) -> Result<(Segment, u64), SpoolError> {
        let mut seg = Segment::create(dir, id)?;
        if !tail {
            return Ok((seg, 0));
        }
        let mut at = 0;
        while at < seg.len {
            match read_record(&seg, at)? {
                Some((_, _, size)) => at += size,
                None => break,
            }
        }
        // A damaged record followed by valid ones is damage, not a torn
        // write: keep everything (reads skip the damage and count it).
        if at < seg.len && resync(&seg, at + 1)?.is_some() {
            return Ok((seg, 0));
        }
        let torn = seg.len - at;
        if torn > 0 {
            seg.file.set_len(at).map_err(|e| io(&seg.path, e))?;
            seg.file.sync_all().map_err(|e| io(&seg.path, e))?;
            seg.len = at;
        }
        Ok((seg, torn))
    }

    pub(crate) fn append(&mut self, bytes: &[u8]) -> Result<(), SpoolError> {
        let result = self
            .file
            .write_all(bytes)
            .and_then(|_| self.file.sync_data());
        if let Err(e) = result {
            // Nothing half-written stays behind to be read as a record.
            let _ = self.file.set_len(self.len);
            return Err(io(&self.path, e));
        }
        self.len += bytes.len() as u64;
        Ok(())
    }
}

/// The record at `at`: (push time, payload, bytes it takes), or `None` when
/// it is cut short or fails its check.
pub(crate) fn read_record(
    seg: &Segment,
    at: u64,
) -> Result<Option<(i64, Vec<u8>, u64)>, SpoolError> {
    if at + RECORD_HEADER as u64 > seg.len {
        return Ok(None);
    }
    let mut head = [0u8; RECORD_HEADER];
    seg.file
        .read_exact_at(&mut head, at)
        .map_err(|e| io(&seg.path, e))?;
    let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as u64;
    let want = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let mut t = [0u8; 8];
    t.copy_from_slice(&head[8..16]);
    let micros = i64::from_le_bytes(t);
    let end = at + RECORD_HEADER as u64 + len;
    if end > seg.len {
        return Ok(None);
    }
    let mut payload = vec![0u8; len as usize];
    seg.file
        .read_exact_at(&mut payload, at + RECORD_HEADER as u64)
        .map_err(|e| io(&seg.path, e))?;
    if check(micros, &payload) != want {
        return Ok(None);
    }
    Ok(Some((micros, payload, end - at)))
}

/// The next offset at or after `from` where a valid record starts.
pub(crate) fn resync(seg: &Segment, from: u64) -> Result<Option<u64>, SpoolError> {
    let mut at = from;
    while at + RECORD_HEADER as u64 <= seg.len {
        if read_record(seg, at)?.is_some() {
            return Ok(Some(at));
        }
        at += 1;
    }
    Ok(None)
}
