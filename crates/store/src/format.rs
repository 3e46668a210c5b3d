//! The byte layout of segment files. Public so that forensic tools (and the
//! tests) can read and build segments; the store itself only appends.
//!
//! ```text
//! segment file = segment header (72 bytes) , block*
//! segment header = "SLSEG02\n" , segment id u64 , first seq u64 , previous hash [32] ,
//!                  created (µs since epoch) i64 , header check [8]
//! block        = block header (72 bytes) , zstd frame (compressed length bytes)
//! block header = "SLB2" , first seq u64 , record count u32 , uncompressed length u32 ,
//!                compressed length u32 , BLAKE3(compressed bytes) [32] ,
//!                written (µs since epoch) i64 , header check [8]
//! record       = chain hash [32] , JSON length u32 , event JSON
//! ```
//!
//! Integers are little-endian. A header check is the first 8 bytes of the
//! BLAKE3 of the header bytes before it: it tells a damaged header apart from
//! a block that was only partly written. The write time of each block lets
//! `verify` tell an honest unsigned tail (written just before a crash, after
//! the last signed chain head) from records kept behind an older head.

use crate::chain::Hash;

/// Magic at the start of every segment file.
pub const SEGMENT_MAGIC: &[u8; 8] = b"SLSEG02\n";
/// Magic of the earlier format (64-byte block headers without a write time, no epochs).
pub const SEGMENT_MAGIC_V1: &[u8; 8] = b"SLSEG01\n";
/// Length of the segment file header.
pub const SEGMENT_HEADER_LEN: usize = 72;
/// Magic at the start of every block.
pub const BLOCK_MAGIC: &[u8; 4] = b"SLB2";
/// Length of a block header.
pub const BLOCK_HEADER_LEN: usize = 72;
/// Bytes in front of each record's JSON (hash + length).
pub const RECORD_OVERHEAD: usize = 36;
/// Largest uncompressed block; bigger batches are split into several blocks.
pub const MAX_BLOCK_RAW: usize = 64 << 20;

/// The fixed header of a segment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentHeader {
    pub segment_id: u64,
    pub first_seq: u64,
    /// The chain hash the segment's first record follows.
    pub prev_hash: Hash,
    pub created_micros: i64,
}

fn check8(bytes: &[u8]) -> [u8; 8] {
    let h = blake3::hash(bytes);
    let mut out = [0u8; 8];
    out.copy_from_slice(&h.as_bytes()[..8]);
    out
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(x)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

impl SegmentHeader {
    pub fn encode(&self) -> [u8; SEGMENT_HEADER_LEN] {
        let mut b = [0u8; SEGMENT_HEADER_LEN];
        b[0..8].copy_from_slice(SEGMENT_MAGIC);
        b[8..16].copy_from_slice(&self.segment_id.to_le_bytes());
        b[16..24].copy_from_slice(&self.first_seq.to_le_bytes());
        b[24..56].copy_from_slice(&self.prev_hash);
        b[56..64].copy_from_slice(&self.created_micros.to_le_bytes());
        let c = check8(&b[..64]);
        b[64..72].copy_from_slice(&c);
        b
    }

    /// Reads a header; `Err` says what is wrong with it.
    pub fn decode(b: &[u8]) -> Result<SegmentHeader, String> {
        if b.len() < SEGMENT_HEADER_LEN {
            return Err(format!(
                "segment header is {} bytes, expected {SEGMENT_HEADER_LEN}",
                b.len()
            ));
        }
        if &b[0..8] == SEGMENT_MAGIC_V1 {
            return Err("segment was written by an earlier Sightline store format (SLSEG01) that this version does not read; keep that data directory with the version that wrote it and start a new one".into());
        }
        if &b[0..8] != SEGMENT_MAGIC {
            return Err("segment header has the wrong magic".into());
        }
        if check8(&b[..64]) != b[64..72] {
            return Err("segment header does not match its check bytes (altered)".into());
        }
        let mut prev_hash = [0u8; 32];
        prev_hash.copy_from_slice(&b[24..56]);
        Ok(SegmentHeader {
            segment_id: u64_at(b, 8),
            first_seq: u64_at(b, 16),
            prev_hash,
            created_micros: u64_at(b, 56) as i64,
        })
    }
}

/// The uncompressed header in front of each block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockHeader {
    pub first_seq: u64,
    pub count: u32,
    pub raw_len: u32,
    pub comp_len: u32,
    /// BLAKE3 of the compressed bytes.
    pub checksum: Hash,
    /// When the block was written (µs since the epoch, the writer's clock).
    pub written_micros: i64,
}

/// Why a block header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer bytes than a header: a torn write at the end of a file.
    Short,
    /// Not a block header at all (wrong magic).
    Magic,
    /// The magic is right but the header was altered.
    Check,
}

impl BlockHeader {
    pub fn encode(&self) -> [u8; BLOCK_HEADER_LEN] {
        let mut b = [0u8; BLOCK_HEADER_LEN];
        b[0..4].copy_from_slice(BLOCK_MAGIC);
        b[4..12].copy_from_slice(&self.first_seq.to_le_bytes());
        b[12..16].copy_from_slice(&self.count.to_le_bytes());
        b[16..20].copy_from_slice(&self.raw_len.to_le_bytes());
        b[20..24].copy_from_slice(&self.comp_len.to_le_bytes());
        b[24..56].copy_from_slice(&self.checksum);
        b[56..64].copy_from_slice(&self.written_micros.to_le_bytes());
        let c = check8(&b[..64]);
        b[64..72].copy_from_slice(&c);
        b
    }

    pub fn decode(b: &[u8]) -> Result<BlockHeader, HeaderError> {
        if b.len() < BLOCK_HEADER_LEN {
            return Err(HeaderError::Short);
        }
        if &b[0..4] != BLOCK_MAGIC {
            return Err(HeaderError::Magic);
        }
        if check8(&b[..64]) != b[64..72] {
            return Err(HeaderError::Check);
        }
        let mut checksum = [0u8; 32];
        checksum.copy_from_slice(&b[24..56]);
        Ok(BlockHeader {
            first_seq: u64_at(b, 4),
            count: u32_at(b, 12),
            raw_len: u32_at(b, 16),
            comp_len: u32_at(b, 20),
            checksum,
            written_micros: u64_at(b, 56) as i64,
        })
    }

    /// Header plus compressed bytes.
    pub fn total_len(&self) -> u64 {
        BLOCK_HEADER_LEN as u64 + u64::from(self.comp_len)
    }
}

/// One record as read from a decompressed block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRecord<'a> {
    pub hash: Hash,
    pub json: &'a [u8],
}

/// Appends one record to an uncompressed block body.
pub fn push_record(body: &mut Vec<u8>, hash: &Hash, json: &[u8]) {
    body.extend_from_slice(hash);
    body.extend_from_slice(&(json.len() as u32).to_le_bytes());
    body.extend_from_slice(json);
}

/// Splits an uncompressed block body into records. Stops with `Err` (the
/// records read so far and what went wrong) on a malformed body.
pub fn parse_records(body: &[u8]) -> Result<Vec<RawRecord<'_>>, (Vec<RawRecord<'_>>, String)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < body.len() {
        if body.len() - at < RECORD_OVERHEAD {
            return Err((
                out,
                format!("record at byte {at} of the block is cut short"),
            ));
        }
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&body[at..at + 32]);
        let len = u32_at(body, at + 32) as usize;
        let start = at + RECORD_OVERHEAD;
        let Some(end) = start.checked_add(len).filter(|&e| e <= body.len()) else {
            return Err((
                out,
                format!(
                    "record at byte {at} of the block claims {len} bytes, more than the block holds"
                ),
            ));
        };
        out.push(RawRecord {
            hash,
            json: &body[start..end],
        });
        at = end;
    }
    Ok(out)
}

/// Compresses a block body and returns header + compressed bytes, ready to append.
pub fn encode_block(
    first_seq: u64,
    count: u32,
    body: &[u8],
    level: i32,
    written_micros: i64,
) -> std::io::Result<Vec<u8>> {
    let compressed = zstd::bulk::compress(body, level)?;
    let header = BlockHeader {
        first_seq,
        count,
        raw_len: body.len() as u32,
        comp_len: compressed.len() as u32,
        checksum: *blake3::hash(&compressed).as_bytes(),
        written_micros,
    };
    let mut out = Vec::with_capacity(BLOCK_HEADER_LEN + compressed.len());
    out.extend_from_slice(&header.encode());
    out.extend_from_slice(&compressed);
    Ok(out)
}

/// Checks a block's compressed bytes against its header and decompresses them.
pub fn decode_block(header: &BlockHeader, compressed: &[u8]) -> Result<Vec<u8>, String> {
    if compressed.len() != header.comp_len as usize {
        return Err(format!(
            "block holds {} compressed bytes, header says {}",
            compressed.len(),
            header.comp_len
        ));
    }
    if blake3::hash(compressed).as_bytes() != &header.checksum {
        return Err("compressed data does not match the block checksum".into());
    }
    if header.raw_len as usize > MAX_BLOCK_RAW {
        return Err(format!(
            "block claims {} uncompressed bytes, above the limit",
            header.raw_len
        ));
    }
    let body = zstd::bulk::decompress(compressed, header.raw_len as usize)
        .map_err(|e| format!("compressed data does not decompress: {e}"))?;
    if body.len() != header.raw_len as usize {
        return Err(format!(
            "block decompresses to {} bytes, header says {}",
            body.len(),
            header.raw_len
        ));
    }
    Ok(body)
}

/// The `event.id` written near the start of a record's JSON, without parsing
/// the whole object (used to name records in reports even when the JSON is
/// damaged, and to rebuild the dedup window quickly).
pub fn event_id_of(json: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"\"event.id\":\"";
    let window = &json[..json.len().min(256)];
    let pos = window.windows(KEY.len()).position(|w| w == KEY)?;
    let start = pos + KEY.len();
    let id = json.get(start..start + 32)?;
    if id.iter().all(u8::is_ascii_hexdigit) {
        std::str::from_utf8(id).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_round_trip_and_damage() {
        let mut body = Vec::new();
        push_record(&mut body, &[1; 32], b"{\"a\":1}");
        push_record(&mut body, &[2; 32], b"{}");
        let bytes = encode_block(7, 2, &body, 3, 1_700_000_000_000_000).unwrap();
        let h = BlockHeader::decode(&bytes).unwrap();
        assert_eq!((h.first_seq, h.count), (7, 2));
        assert_eq!(h.written_micros, 1_700_000_000_000_000);
        let back = decode_block(&h, &bytes[BLOCK_HEADER_LEN..]).unwrap();
        let recs = parse_records(&back).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].json, b"{}");

        let mut bad = bytes.clone();
        bad[5] ^= 1;
        assert_eq!(BlockHeader::decode(&bad), Err(HeaderError::Check));
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(decode_block(&h, &bad[BLOCK_HEADER_LEN..]).is_err());
        assert_eq!(BlockHeader::decode(&bytes[..10]), Err(HeaderError::Short));
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(parse_records(&[0u8; 10]).is_err());
        let mut body = Vec::new();
        body.extend_from_slice(&[0u8; 32]);
        body.extend_from_slice(&1000u32.to_le_bytes());
        assert!(parse_records(&body).is_err());
    }

    #[test]
    fn segment_header_round_trip() {
        let h = SegmentHeader {
            segment_id: 3,
            first_seq: 99,
            prev_hash: [9; 32],
            created_micros: 123,
        };
        let b = h.encode();
        assert_eq!(SegmentHeader::decode(&b), Ok(h));
        let mut bad = b;
        bad[20] ^= 4;
        assert!(SegmentHeader::decode(&bad).is_err());
    }
}
