//! Long files in pieces: where to cut them, and how a piece is decoded on
//! its own so that its events are the ones a reader of the whole file makes.
//!
//! A file is cut right after a line break, every [`Parallelism::piece_bytes`]
//! or so. A cut may fall inside a multi-line record: whatever the decoders
//! say about where records start, the check below decides.
//!
//! A piece other than the first is decoded by a fresh decoder that first
//! reads, and throws away, the file's first lines (headers, a host or
//! credential named once) and the lines just before the piece (the record
//! the cut falls in, the year and job of the latest records, the last
//! time). The assembler's [`CarriedState`] at the cut is then compared with
//! that of the reader of the piece before, once that one is done: equal
//! states make equal events from the same lines on, so the piece's events
//! are kept; different ones (a state the warm-up could not rebuild) make the
//! ordered reader decode the piece again, from the true state. Either way
//! the output is the whole-file reader's, byte for byte.

use crate::lines::Lines;
use crate::{Parallelism, Pipeline, StreamStats};
use sightline_decode::{Assembler, CarriedState, Event, Source, StreamInfo};
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::PathBuf;

const PIECE_BUFFER: usize = 256 << 10;

/// A file that is read in pieces.
pub(crate) struct PiecedFile<'p> {
    /// Index of the file in the list being read.
    pub file: usize,
    pub path: PathBuf,
    pub source: &'p dyn Source,
    pub stream: StreamInfo,
    /// Start offset of each piece (the first is 0), in order.
    pub starts: Vec<u64>,
    pub warmup_head: u64,
    pub warmup_lead: u64,
}

impl PiecedFile<'_> {
    pub fn pieces(&self) -> usize {
        self.starts.len()
    }

    pub fn is_last(&self, k: usize) -> bool {
        k + 1 >= self.starts.len()
    }

    /// Where piece `k` starts and ends (`None`: at the end of the file).
    pub fn range(&self, k: usize) -> (u64, Option<u64>) {
        let start = self.starts.get(k).copied().unwrap_or(0);
        (start, self.starts.get(k + 1).copied())
    }
}

/// The first line start at or after `at` (`at` itself when a line break
/// precedes it), `None` when no line starts there before the end.
pub(crate) fn line_start_from(file: &File, at: u64) -> std::io::Result<Option<u64>> {
    if at == 0 {
        return Ok(Some(0));
    }
    let mut f = file;
    f.seek(SeekFrom::Start(at - 1))?;
    let mut reader = BufReader::with_capacity(64 << 10, f);
    let mut skipped = 0u64;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if let Some(i) = memchr::memchr(b'\n', buf) {
            return Ok(Some(at - 1 + skipped + i as u64 + 1));
        }
        let n = buf.len();
        reader.consume(n);
        skipped += n as u64;
    }
}

/// Where to cut a file of `size` bytes: line starts about `piece` bytes
/// apart (the first piece starts at 0). One start means: read it whole.
pub(crate) fn plan_starts(file: &File, size: u64, piece: u64) -> std::io::Result<Vec<u64>> {
    let mut starts = vec![0];
    let piece = piece.max(1);
    let mut at = piece;
    // The last piece is at least half a piece long.
    while at + piece / 2 < size {
        match line_start_from(file, at)? {
            Some(s) if s < size => {
                starts.push(s);
                at = s + piece;
            }
            _ => break,
        }
    }
    Ok(starts)
}

impl Pipeline {
    /// An assembler for piece `k`, ready to read the piece's first line: for
    /// a later piece, warmed up on the lines before it. Returns the state it
    /// starts from (`None` for the first piece, which starts as the whole
    /// file does).
    pub(crate) fn open_piece(
        &self,
        pf: &PiecedFile<'_>,
        k: usize,
    ) -> std::io::Result<(Assembler, Option<CarriedState>)> {
        let decoder = pf.source.open(&pf.stream, self.options());
        let mut asm = Assembler::new(decoder, pf.stream.clone(), self.options().clone());
        if k == 0 {
            return Ok((asm, None));
        }
        let (start, _) = pf.range(k);
        let file = File::open(&pf.path)?;
        let lead_from = start.saturating_sub(pf.warmup_lead);
        // The head: lines from the start of the file up to `warmup_head`
        // (or right up to the piece when the lead-in would overlap it).
        let head_until = if pf.warmup_head.min(start) >= lead_from {
            start
        } else {
            pf.warmup_head
        };
        let mut lines = lines_at(&file, 0)?;
        let head_end = warm(&mut asm, &mut lines, head_until)?;
        if head_end < start
            && let Some(lead) = line_start_from(&file, lead_from.max(head_end))?
            && lead < start
        {
            let mut lines = lines_at(&file, lead)?;
            warm(&mut asm, &mut lines, start)?;
        }
        let state = asm.carried_state();
        Ok((asm, state))
    }

    /// Decodes piece `k` with `asm` (from [`Pipeline::open_piece`], or the
    /// assembler that read the piece before), finishing the file's last
    /// record if it is the last piece. Counts the piece's lines and events
    /// in `stats`.
    pub(crate) fn decode_piece(
        &self,
        pf: &PiecedFile<'_>,
        k: usize,
        asm: &mut Assembler,
        stats: &mut StreamStats,
        on_event: &mut impl FnMut(Event) -> ControlFlow<()>,
    ) -> std::io::Result<ControlFlow<()>> {
        let (start, end) = pf.range(k);
        let file = File::open(&pf.path)?;
        let mut lines = lines_at(&file, start)?;
        let before = asm.emitted_lines();
        let flow = self.feed(asm, &mut lines, end, pf.is_last(k), stats, on_event)?;
        stats.lines_in_events += asm.emitted_lines() - before;
        Ok(flow)
    }
}

fn lines_at(file: &File, at: u64) -> std::io::Result<Lines<BufReader<&File>>> {
    let mut f = file;
    f.seek(SeekFrom::Start(at))?;
    Ok(Lines::new(BufReader::with_capacity(PIECE_BUFFER, f), at))
}

/// Pushes lines up to `until` into the assembler and drops the events they
/// complete: only the state they leave behind matters. Returns where it
/// stopped.
fn warm<R: BufRead>(asm: &mut Assembler, lines: &mut Lines<R>, until: u64) -> std::io::Result<u64> {
    while lines.offset() < until {
        let Some(line) = lines.next_line()? else {
            break;
        };
        drop(asm.push(&line.text, line.offset));
    }
    Ok(lines.offset())
}

/// Whether a file this size is worth cutting at all.
pub(crate) fn worth_cutting(size: u64, parallelism: &Parallelism) -> bool {
    parallelism.threads > 1 && size >= parallelism.piece_bytes.saturating_mul(2)
}
