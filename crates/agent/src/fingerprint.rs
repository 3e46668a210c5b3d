//! File identity: device and inode, plus a hash of the file's first line
//! (at most [`HEAD_MAX`] bytes). The inode follows a file through renames;
//! the head tells a recreated file that reuses an inode from the old one.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// The most bytes of a file's beginning that enter its fingerprint.
pub const HEAD_MAX: usize = 256;

/// A hash of some bytes of a file: how many, and BLAKE3's first 16 hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub len: u32,
    pub hash: String,
}

impl Digest {
    pub fn of(bytes: &[u8]) -> Digest {
        let hex = blake3::hash(bytes).to_hex();
        Digest {
            len: bytes.len() as u32,
            hash: hex[..16].to_owned(),
        }
    }

    /// Whether `file` holds the same bytes at `[at, at + len)`.
    pub fn matches(&self, file: &File, at: u64) -> io::Result<bool> {
        let mut buf = vec![0; self.len as usize];
        match file.read_exact_at(&mut buf, at) {
            Ok(()) => Ok(Digest::of(&buf) == *self),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The head of a file: its first line with the newline, or its first
/// [`HEAD_MAX`] bytes when the first line is longer. `None` while the file
/// has neither (it is still being written), so the head never changes once known.
pub fn head(file: &File) -> io::Result<Option<Digest>> {
    let mut buf = [0u8; HEAD_MAX];
    let mut filled = 0;
    while filled < HEAD_MAX {
        match file.read_at(&mut buf[filled..], filled as u64)? {
            0 => break,
            n => filled += n,
        }
    }
    let bytes = &buf[..filled];
    Ok(match memchr(bytes) {
        Some(nl) => Some(Digest::of(&bytes[..=nl])),
        None if filled == HEAD_MAX => Some(Digest::of(bytes)),
        None => None,
    })
}

fn memchr(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// The last bytes before `offset` (at most [`HEAD_MAX`]): what was shipped
/// last, checked before reading on so a file rewritten in place is noticed
/// even when it has grown past the old offset.
pub fn tail(file: &File, offset: u64) -> io::Result<Digest> {
    let len = offset.min(HEAD_MAX as u64);
    let mut buf = vec![0; len as usize];
    file.read_exact_at(&mut buf, offset - len)?;
    Ok(Digest::of(&buf))
}

/// The tail digest of a shipped stretch of bytes, computed from the bytes
/// themselves when they reach back far enough.
pub fn tail_of(file: &File, offset: u64, shipped: &[u8]) -> io::Result<Digest> {
    if shipped.len() >= HEAD_MAX {
        Ok(Digest::of(&shipped[shipped.len() - HEAD_MAX..]))
    } else {
        tail(file, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        let r = File::open(f.path()).unwrap();
        (f, r)
    }

    #[test]
    fn head_is_unknown_until_a_first_line_is_complete() {
        let (mut w, r) = file_with(b"partial");
        assert_eq!(head(&r).unwrap(), None);
        w.write_all(b" line\nsecond").unwrap();
        assert_eq!(head(&r).unwrap(), Some(Digest::of(b"partial line\n")));
        w.write_all(b" more\n").unwrap();
        assert_eq!(head(&r).unwrap(), Some(Digest::of(b"partial line\n")));
    }

    #[test]
    fn a_long_first_line_is_cut_at_head_max() {
        let long = vec![b'x'; HEAD_MAX + 10];
        let (_w, r) = file_with(&long);
        assert_eq!(head(&r).unwrap(), Some(Digest::of(&long[..HEAD_MAX])));
    }

    #[test]
    fn digests_match_only_the_same_bytes_at_the_same_place() {
        let (_w, r) = file_with(b"one\ntwo\n");
        let d = tail(&r, 8).unwrap();
        assert!(d.matches(&r, 0).unwrap());
        assert!(!Digest::of(b"one\ntwX\n").matches(&r, 0).unwrap());
        assert!(!d.matches(&r, 4).unwrap(), "past the end is no match");
    }
}
