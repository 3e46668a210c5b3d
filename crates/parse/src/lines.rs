//! Physical lines of a stream, read the one way every reader of this crate
//! reads them (whole files, pieces of files, standard input), so that a
//! piece read on its own splits its lines exactly where a reader of the
//! whole file does.

use std::borrow::Cow;
use std::io::{BufRead, Read};

/// Lines longer than this are cut into pieces of this size (each piece is
/// read as a line, so nothing is lost and memory stays bounded).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Reads lines split at `\n` (and cut at [`MAX_LINE_BYTES`]), without their
/// terminator (`\n` or `\r\n`), invalid UTF-8 replaced by U+FFFD.
///
/// Pieces of a long line are counted from the line's start, so a reader that
/// starts right after a `\n` cuts the same pieces as one that started at the
/// beginning of the stream.
pub(crate) struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    offset: u64,
}

/// One physical line.
pub(crate) struct Line<'a> {
    /// Byte offset of its first byte in the stream.
    pub offset: u64,
    /// Bytes it took in the stream, terminator included.
    pub len: u64,
    pub text: Cow<'a, str>,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `reader`, whose first byte is at `offset` in the stream.
    pub fn new(reader: R, offset: u64) -> Self {
        Lines {
            reader,
            buf: Vec::with_capacity(4096),
            offset,
        }
    }

    /// Offset of the next line.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next line, `None` at the end of the stream.
    pub fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let n = (&mut self.reader)
            .take(MAX_LINE_BYTES as u64)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        let offset = self.offset;
        self.offset += n as u64;
        let mut line = &self.buf[..];
        if let Some(l) = line.strip_suffix(b"\n") {
            line = l.strip_suffix(b"\r").unwrap_or(l);
        }
        // Valid UTF-8 (nearly every line) is checked at SIMD speed and
        // borrowed; only invalid lines pay for the replacement.
        let text = match std::str::from_utf8(line) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(line),
        };
        Ok(Some(Line {
            offset,
            len: n as u64,
            text,
        }))
    }
}
