//! `verify`: checks everything on disk against the chain and the signatures.
//! Data on disk is untrusted input here: nothing in it may cause a panic.

use crate::chain::{Hash, genesis, hash_from_hex, link, to_hex};
use crate::error::StoreError;
use crate::format::{
    BLOCK_HEADER_LEN, BLOCK_MAGIC, BlockHeader, HeaderError, SEGMENT_HEADER_LEN, SegmentHeader,
    decode_block, event_id_of, parse_records,
};
use crate::head::ChainHead;
use crate::retention::{self, RetentionEntry};
use crate::segment::{FoundSegment, Seal, list_segments};
use crate::sign;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of problem verify found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Content differs from what was chained or checksummed.
    Altered,
    /// Records or segments are missing without a retention record.
    Removed,
    /// Records or segments are out of order (or duplicated).
    Reordered,
    /// A signature does not verify with the key used.
    BadSignature,
    /// A file or structure could not be read at all.
    Unreadable,
}

/// One problem, naming the first record (or block) concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub path: Option<PathBuf>,
    /// First record concerned.
    pub seq: Option<u64>,
    /// Last record concerned, for ranges.
    pub last_seq: Option<u64>,
    pub event_id: Option<String>,
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}: ", p.display())?;
        }
        f.write_str(&self.detail)
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Which public key signatures were checked with (file and key).
    pub key_used: String,
    pub segments_checked: u64,
    pub blocks_checked: u64,
    pub records_checked: u64,
    /// Records legitimately deleted by retention (per the retention log).
    pub records_deleted_by_retention: u64,
    pub retention_records: u64,
    pub problems: Vec<Problem>,
    /// Observations that are not tampering (e.g. a write in progress).
    pub notes: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

struct Rec {
    seq: u64,
    hash: Hash,
    json: Vec<u8>,
    /// The block's first seq was out of place: do not diagnose its chain link.
    resync: bool,
}

struct State {
    prev: Option<Hash>,
    next_seq: Option<u64>,
}

/// Verifies the store in `data_dir`. With `public_key` `None`, the key in
/// `DATA/signing.pub` is used (and the report says so: an attacker who can
/// rewrite the data can rewrite that file too; pass your own copy).
pub fn verify(data_dir: &Path, public_key: Option<&Path>) -> Result<VerifyReport, StoreError> {
    let key_path = public_key.map_or_else(|| data_dir.join("signing.pub"), Path::to_path_buf);
    let public = sign::read_public_key(&key_path)?;
    let mut r = VerifyReport {
        key_used: format!(
            "{} (ed25519 {}){}",
            key_path.display(),
            to_hex(&public),
            if public_key.is_none() {
                ", from the data directory itself"
            } else {
                ""
            }
        ),
        ..Default::default()
    };
    let problem = |kind, path: Option<&Path>, seq, last_seq, event_id, detail: String| Problem {
        kind,
        path: path.map(Path::to_path_buf),
        seq,
        last_seq,
        event_id,
        detail,
    };

    let (found, strays) = list_segments(data_dir)?;
    for s in strays {
        r.problems.push(problem(
            ProblemKind::Unreadable,
            Some(&s),
            None,
            None,
            None,
            "file does not belong in the segments directory".into(),
        ));
    }
    let (log, bad) = retention::read_log(data_dir)?;
    let log_path = retention::log_path(data_dir);
    for (line, why) in bad {
        r.problems.push(problem(
            ProblemKind::Altered,
            Some(&log_path),
            None,
            None,
            None,
            format!("line {line}: {why}"),
        ));
    }
    for (_, why) in retention::check_log(&log, &public) {
        r.problems.push(problem(
            ProblemKind::Altered,
            Some(&log_path),
            None,
            None,
            None,
            why,
        ));
    }
    r.retention_records = log.len() as u64;
    let deleted: BTreeMap<u64, &RetentionEntry> = log.iter().map(|e| (e.segment, e)).collect();

    let head_path = ChainHead::path(data_dir);
    let mut newest = None;
    match ChainHead::read(data_dir) {
        None => {}
        Some(Err(e)) => r.problems.push(problem(
            ProblemKind::Altered,
            Some(&head_path),
            None,
            None,
            None,
            e,
        )),
        Some(Ok(h)) => {
            if sign::verify(&public, &h.message(), &h.signature) {
                newest = Some(h.newest_segment);
            } else {
                r.problems.push(problem(ProblemKind::BadSignature, Some(&head_path), None, None, None, "chain head signature does not verify with this key — altered or signed by another key".into()));
            }
        }
    }

    let by_id: BTreeMap<u64, &FoundSegment> = found.iter().map(|f| (f.id, f)).collect();
    let max_id = [
        by_id.keys().next_back().copied(),
        deleted.keys().next_back().copied(),
        newest,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    let last_present = by_id.keys().next_back().copied();
    let mut st = State {
        prev: Some(genesis()),
        next_seq: Some(0),
    };
    for id in 1..=max_id {
        if let Some(seg) = by_id.get(&id) {
            let is_newest = Some(id) == last_present;
            verify_segment(seg, is_newest, &public, &mut st, &mut r);
        } else if let Some(e) = deleted.get(&id) {
            if let Some(n) = st.next_seq
                && n != e.first_seq
            {
                r.problems.push(problem(
                    ProblemKind::Removed,
                    None,
                    Some(n),
                    Some(e.first_seq.saturating_sub(1)),
                    None,
                    format!(
                        "records {n}..{} are missing before retention-deleted segment {id}",
                        e.first_seq.saturating_sub(1)
                    ),
                ));
            }
            if let Some(p) = st.prev
                && hash_from_hex(&e.prev_hash) != Some(p)
            {
                r.problems.push(problem(ProblemKind::Reordered, None, Some(e.first_seq), None, None, format!("retention record for segment {id} does not chain from the segment before it")));
            }
            r.records_deleted_by_retention += e.count;
            st.prev = hash_from_hex(&e.final_hash);
            st.next_seq = Some(e.first_seq + e.count);
        } else {
            let next_first = by_id
                .range(id + 1..)
                .next()
                .and_then(|(_, s)| std::fs::read(&s.path).ok())
                .and_then(|b| SegmentHeader::decode(&b).ok())
                .map(|h| h.first_seq);
            let from = st.next_seq;
            let range = match (from, next_first) {
                (Some(a), Some(b)) if b > a => format!("records {a}..{} removed", b - 1),
                (Some(a), None) => format!("records from {a} on removed"),
                _ => "its records removed".into(),
            };
            let dir = data_dir.join("segments");
            r.problems.push(problem(
                ProblemKind::Removed,
                Some(&dir),
                from,
                next_first.map(|b| b.saturating_sub(1)),
                None,
                format!("segment {id:012} is missing and no retention record covers it: {range}"),
            ));
            st.prev = None;
            st.next_seq = None;
        }
    }
    Ok(r)
}

fn verify_segment(
    seg: &FoundSegment,
    is_newest: bool,
    public: &[u8; 32],
    st: &mut State,
    r: &mut VerifyReport,
) {
    let path = seg.path.as_path();
    let push = |r: &mut VerifyReport,
                kind,
                seq: Option<u64>,
                last: Option<u64>,
                id: Option<String>,
                detail: String| {
        r.problems.push(Problem {
            kind,
            path: Some(path.to_path_buf()),
            seq,
            last_seq: last,
            event_id: id,
            detail,
        })
    };
    r.segments_checked += 1;
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            push(
                r,
                ProblemKind::Unreadable,
                st.next_seq,
                None,
                None,
                format!("cannot read: {e}"),
            );
            st.prev = None;
            st.next_seq = None;
            return;
        }
    };
    let header = match SegmentHeader::decode(&bytes) {
        Ok(h) => Some(h),
        Err(e) => {
            push(r, ProblemKind::Altered, st.next_seq, None, None, e);
            None
        }
    };
    if let Some(h) = &header {
        if h.segment_id != seg.id {
            push(
                r,
                ProblemKind::Reordered,
                Some(h.first_seq),
                None,
                None,
                format!(
                    "file is named segment {} but its header says {} — renamed or moved",
                    seg.id, h.segment_id
                ),
            );
        }
        if let Some(n) = st.next_seq {
            if h.first_seq > n {
                push(
                    r,
                    ProblemKind::Removed,
                    Some(n),
                    Some(h.first_seq - 1),
                    None,
                    format!(
                        "records {n}..{} are missing before this segment — removed",
                        h.first_seq - 1
                    ),
                );
            } else if h.first_seq < n {
                push(
                    r,
                    ProblemKind::Reordered,
                    Some(h.first_seq),
                    None,
                    None,
                    format!(
                        "segment starts at record {} but records up to {} came before — reordered or duplicated",
                        h.first_seq,
                        n - 1
                    ),
                );
            }
        }
        if let Some(p) = st.prev
            && p != h.prev_hash
        {
            push(r, ProblemKind::Reordered, Some(h.first_seq), None, None, "segment does not chain from the previous segment's final hash — replaced, reordered or a segment before it was altered".into());
        }
        st.prev = Some(h.prev_hash);
        st.next_seq = Some(h.first_seq);
    } else {
        st.prev = None;
    }

    // Pass 1: blocks → records.
    let mut recs: Vec<Rec> = Vec::new();
    let mut at = SEGMENT_HEADER_LEN.min(bytes.len());
    let mut expected = st.next_seq;
    while at < bytes.len() {
        let h = match BlockHeader::decode(&bytes[at..]) {
            Ok(h) => h,
            Err(HeaderError::Short) => {
                let msg = format!(
                    "{} bytes at offset {at} are an incomplete block header",
                    bytes.len() - at
                );
                if is_newest && !seg.seal_path.exists() {
                    r.notes.push(format!("{}: {msg} (a write in progress or a torn tail; the writer drops it on open)", path.display()));
                } else {
                    push(
                        r,
                        ProblemKind::Altered,
                        expected,
                        None,
                        None,
                        format!("{msg} — cut or altered"),
                    );
                }
                break;
            }
            Err(e) => {
                let next = find_block(&bytes, at + 1);
                push(
                    r,
                    ProblemKind::Altered,
                    expected,
                    None,
                    None,
                    format!(
                        "block header at offset {at} is damaged ({e:?}); bytes {at}..{} skipped — altered",
                        next.unwrap_or(bytes.len())
                    ),
                );
                expected = None;
                match next {
                    Some(n) => {
                        at = n;
                        continue;
                    }
                    None => break,
                }
            }
        };
        let last = h.first_seq + u64::from(h.count).max(1) - 1;
        let end = at + h.total_len() as usize;
        if end > bytes.len() {
            let msg = format!(
                "block at offset {at} (records {}..{last}) is incomplete",
                h.first_seq
            );
            if is_newest && !seg.seal_path.exists() {
                r.notes.push(format!(
                    "{}: {msg} (a write in progress or a torn tail)",
                    path.display()
                ));
            } else {
                push(
                    r,
                    ProblemKind::Altered,
                    Some(h.first_seq),
                    Some(last),
                    None,
                    format!("{msg} — cut or altered"),
                );
            }
            break;
        }
        r.blocks_checked += 1;
        let mut resync = false;
        if let Some(e) = expected {
            if h.first_seq > e {
                push(
                    r,
                    ProblemKind::Removed,
                    Some(e),
                    Some(h.first_seq - 1),
                    None,
                    format!(
                        "records {e}..{} are missing (block at offset {at} starts at {}) — removed or reordered",
                        h.first_seq - 1,
                        h.first_seq
                    ),
                );
                resync = true;
            } else if h.first_seq < e {
                push(
                    r,
                    ProblemKind::Reordered,
                    Some(h.first_seq),
                    Some(last),
                    None,
                    format!(
                        "block at offset {at} holds records {}..{last} but record {} came before it — reordered or duplicated",
                        h.first_seq,
                        e - 1
                    ),
                );
                resync = true;
            }
        } else {
            resync = true;
        }
        let body = match decode_block(&h, &bytes[at + BLOCK_HEADER_LEN..end]) {
            Ok(b) => b,
            Err(e) => {
                push(
                    r,
                    ProblemKind::Altered,
                    Some(h.first_seq),
                    Some(last),
                    None,
                    format!(
                        "block at offset {at} (records {}..{last}): {e} — altered",
                        h.first_seq
                    ),
                );
                at = end;
                expected = Some(h.first_seq + u64::from(h.count));
                // The next record cannot be linked: its predecessor is unreadable.
                recs.push(Rec {
                    seq: u64::MAX,
                    hash: [0; 32],
                    json: Vec::new(),
                    resync: true,
                });
                continue;
            }
        };
        let records = match parse_records(&body) {
            Ok(v) => v,
            Err((v, e)) => {
                push(
                    r,
                    ProblemKind::Altered,
                    Some(h.first_seq + v.len() as u64),
                    None,
                    None,
                    format!("block at offset {at}: {e} — altered"),
                );
                v
            }
        };
        if records.len() != h.count as usize {
            push(
                r,
                ProblemKind::Altered,
                Some(h.first_seq),
                Some(last),
                None,
                format!(
                    "block at offset {at} holds {} records, its header says {} — altered",
                    records.len(),
                    h.count
                ),
            );
        }
        for (i, rec) in records.iter().enumerate() {
            recs.push(Rec {
                seq: h.first_seq + i as u64,
                hash: rec.hash,
                json: rec.json.to_vec(),
                resync: resync && i == 0,
            });
        }
        expected = Some(h.first_seq + records.len() as u64);
        at = end;
    }

    // Pass 2: the chain.
    let seal = seg.seal_path.exists().then(|| Seal::read(&seg.seal_path));
    let seal_final = match &seal {
        Some(Ok(s)) => s.final_hash(),
        _ => None,
    };
    let mut prev = st.prev;
    let mut counted = 0u64;
    let mut last_hash = None;
    for (i, rec) in recs.iter().enumerate() {
        if rec.seq == u64::MAX {
            prev = None;
            continue;
        }
        counted += 1;
        r.records_checked += 1;
        let ok = prev.is_some_and(|p| link(&p, rec.seq, &rec.json) == rec.hash);
        if !ok && prev.is_some() && !rec.resync {
            let id = event_id_of(&rec.json).map(str::to_string);
            let name = id
                .as_deref()
                .map_or(String::new(), |i| format!(" (event {i})"));
            let vouched = match recs.get(i + 1) {
                Some(n) if n.seq != u64::MAX => link(&rec.hash, n.seq, &n.json) == n.hash,
                Some(_) => false,
                None => seal_final == Some(rec.hash),
            };
            if vouched {
                push(
                    r,
                    ProblemKind::Altered,
                    Some(rec.seq),
                    None,
                    id,
                    format!(
                        "record {}{name}: content does not match its chain hash — altered",
                        rec.seq
                    ),
                );
            } else {
                push(
                    r,
                    ProblemKind::Reordered,
                    Some(rec.seq),
                    None,
                    id,
                    format!(
                        "record {}{name} does not chain from record {} — records removed, inserted or reordered before it",
                        rec.seq,
                        rec.seq.wrapping_sub(1)
                    ),
                );
            }
        }
        prev = Some(rec.hash);
        last_hash = Some(rec.hash);
    }

    match seal {
        Some(Err(e)) => push(
            r,
            ProblemKind::Altered,
            None,
            None,
            None,
            format!("seal {}: {e} — altered", seg.seal_path.display()),
        ),
        Some(Ok(s)) => {
            if !sign::verify(public, &s.message(), &s.signature) {
                push(
                    r,
                    ProblemKind::BadSignature,
                    Some(s.first_seq),
                    Some(s.last_seq()),
                    None,
                    format!(
                        "seal of segment {}: signature does not verify with this key — altered or signed by another key",
                        s.segment
                    ),
                );
            }
            if s.count != counted {
                push(
                    r,
                    ProblemKind::Removed,
                    Some(s.first_seq),
                    Some(s.last_seq()),
                    None,
                    format!(
                        "seal says {} records, the segment holds {counted} — records removed or added",
                        s.count
                    ),
                );
            }
            if let Some(h) = &header
                && (s.first_seq != h.first_seq || hash_from_hex(&s.prev_hash) != Some(h.prev_hash))
            {
                push(r, ProblemKind::Altered, Some(h.first_seq), None, None, "seal does not describe this segment's start (first seq or previous hash differ) — replaced".into());
            }
            if last_hash.is_some() && s.final_hash() != last_hash {
                push(
                    r,
                    ProblemKind::Removed,
                    Some(s.last_seq()),
                    None,
                    None,
                    format!(
                        "the last record's hash differs from the sealed final hash — records at the end removed or altered (sealed last record {})",
                        s.last_seq()
                    ),
                );
            }
            // Continue the chain from what was signed, so later segments are judged on their own.
            if let Some(f) = s.final_hash() {
                last_hash = Some(f);
            }
            expected = Some(s.first_seq + s.count);
        }
        None if !is_newest => push(
            r,
            ProblemKind::Removed,
            None,
            None,
            None,
            "segment is not sealed although a newer segment exists — its seal was removed".into(),
        ),
        None => {}
    }
    st.prev = last_hash
        .or(prev)
        .or(header.as_ref().map(|h| h.prev_hash))
        .filter(|_| last_hash.is_some() || counted == 0);
    if counted == 0 && header.is_some() {
        st.prev = header.as_ref().map(|h| h.prev_hash);
    }
    st.next_seq = expected;
}

impl Seal {
    fn last_seq(&self) -> u64 {
        (self.first_seq + self.count).saturating_sub(1)
    }
}

/// The next offset at or after `from` where a valid block header starts.
fn find_block(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + BLOCK_HEADER_LEN <= bytes.len() {
        if &bytes[i..i + 4] == BLOCK_MAGIC && BlockHeader::decode(&bytes[i..]).is_ok() {
            return Some(i);
        }
        i += 1;
    }
    None
}
