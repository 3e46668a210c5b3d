//! The BLAKE3 hash chain over all records ever stored.
//!
//! `h_n = BLAKE3(h_{n-1} || seq_n as u64 little-endian || record JSON bytes)`.
//! The first record of a segment chains from the last record of the previous
//! segment (or from the last range deleted by retention), and the very first
//! record from [`GENESIS`]. Because the sequence number is hashed, moving a
//! record to another position breaks the chain even if its bytes are intact.

/// A 32-byte chain hash.
pub type Hash = [u8; 32];

/// The hash the first record ever stored chains from:
/// `BLAKE3("sightline.store.genesis/1")`.
pub fn genesis() -> Hash {
    *blake3::hash(b"sightline.store.genesis/1").as_bytes()
}

/// The chain hash of record `seq` with content `json`, following `prev`.
pub fn link(prev: &Hash, seq: u64, json: &[u8]) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(prev);
    h.update(&seq.to_le_bytes());
    h.update(json);
    *h.finalize().as_bytes()
}

/// Lower-case hex of any bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Parses hex (either case); `None` if it is not hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim().as_bytes();
    if !t.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    t.chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// Parses a 32-byte hash from hex.
pub fn hash_from_hex(text: &str) -> Option<Hash> {
    from_hex(text)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_depends_on_every_input() {
        let g = genesis();
        let a = link(&g, 0, b"x");
        assert_ne!(a, link(&g, 1, b"x"));
        assert_ne!(a, link(&g, 0, b"y"));
        assert_ne!(a, link(&a, 0, b"x"));
    }

    #[test]
    fn hex_round_trip() {
        let g = genesis();
        assert_eq!(hash_from_hex(&to_hex(&g)), Some(g));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("abc"), None);
    }
}
