//! Splitting request bodies into lines with their positions.

/// One non-blank line of a body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// 1-based line number, counting blank lines too.
    pub(crate) number: usize,
    /// Offset of the line's first byte in the body.
    pub(crate) offset: u64,
    /// The line without its LF and a CR before it.
    pub(crate) bytes: &'a [u8],
}

/// Each non-blank line of `body`.
pub(crate) fn lines(body: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let mut offset = 0usize;
    body.split(|&b| b == b'\n')
        .enumerate()
        .filter_map(move |(i, line)| {
            let start = offset;
            offset += line.len() + 1;
            let bytes = line.strip_suffix(b"\r").unwrap_or(line);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(Line {
                    number: i + 1,
                    offset: start as u64,
                    bytes,
                })
            }
        })
}
