//! `verify`: checks everything on disk against the chain and the signatures.
//! Data on disk is untrusted input here: nothing in it may cause a panic.

use crate::chain::{Hash, genesis, hash_from_hex, link, to_hex};
use crate::checkpoint::{Anchor, store_id};
use crate::error::StoreError;
use crate::format::{
    BLOCK_HEADER_LEN, BLOCK_MAGIC, BlockHeader, HeaderError, SEGMENT_HEADER_LEN, SegmentHeader,
    decode_block, event_id_of, parse_records,
};
use crate::head::ChainHead;
use crate::keys::{EpochKeys, keys_log_path, read_key_log};
use crate::retention::{self, RetentionEntry};
use crate::segment::{FoundSegment, Seal, list_segments};
use crate::sign;
use std::collections::{BTreeMap, BTreeSet};
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
    /// Epochs whose key keys.log certifies (besides the root, epoch 0).
    pub epochs_certified: u64,
    /// The chain head: what it vouches for, when and in which epoch it was signed.
    pub head: Option<String>,
    /// Records after the last signed head (first, last): nothing vouches for them yet.
    pub unsealed_tail: Option<(u64, u64)>,
    /// Checkpoints given with `--anchors` that belong to this store, and that were checked.
    pub anchors_checked: u64,
    /// Checkpoints of other stores (another root key), ignored.
    pub anchors_other_store: u64,
    pub problems: Vec<Problem>,
    /// Observations that are not tampering (e.g. a write in progress).
    pub notes: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(
        &mut self,
        kind: ProblemKind,
        path: Option<&Path>,
        seq: Option<u64>,
        last_seq: Option<u64>,
        detail: String,
    ) {
        self.problems.push(Problem {
            kind,
            path: path.map(Path::to_path_buf),
            seq,
            last_seq,
            event_id: None,
            detail,
        });
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

/// What the segment pass collects for the checks that span files.
struct Ctx {
    keys: EpochKeys,
    /// Seqs whose stored chain hash a head, epoch record or checkpoint names.
    wanted: BTreeSet<u64>,
    hashes: BTreeMap<u64, Hash>,
    /// One past the newest record read.
    present_end: Option<u64>,
    /// Records from this seq on are after the signed head.
    head_seq: u64,
    /// Write times (µs) of the blocks holding records after the head.
    tail_written: Vec<i64>,
    /// Epoch of the previous segment's seal.
    seal_epoch: Option<(u64, u64)>,
}

/// Something signed that vouches for the first `seq` records ending in `hash`.
struct Voucher {
    seq: u64,
    hash: Option<Hash>,
    label: String,
    path: Option<PathBuf>,
}

/// Verifies the store in `data_dir`. With `public_key` `None`, the key in
/// `DATA/signing.pub` is used (and the report says so: an attacker who can
/// rewrite the data can rewrite that file too; pass your own copy).
pub fn verify(data_dir: &Path, public_key: Option<&Path>) -> Result<VerifyReport, StoreError> {
    verify_with_anchors(data_dir, public_key, &[])
}

/// [`verify`], and the store checked against checkpoints collected by
/// witnesses outside the machine ([`crate::parse_anchors`]): a checkpoint
/// vouches for the first `seq` records, so records cut from the end, or
/// rewritten, after it was sent are named even when the intruder also put
/// back an older chain head.
pub fn verify_with_anchors(
    data_dir: &Path,
    public_key: Option<&Path>,
    anchors: &[Anchor],
) -> Result<VerifyReport, StoreError> {
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

    // Epoch keys, certified one by one from the root key.
    let keys_path = keys_log_path(data_dir);
    let (key_records, bad) = read_key_log(data_dir)?;
    for (line, why) in bad {
        r.problem(
            ProblemKind::Altered,
            Some(&keys_path),
            None,
            None,
            format!("line {line}: {why}"),
        );
    }
    let (keys, key_problems) = EpochKeys::build(&public, key_records);
    for why in key_problems {
        r.problem(ProblemKind::Altered, Some(&keys_path), None, None, why);
    }
    r.epochs_certified = keys.records.len() as u64;
    let mut vouchers: Vec<Voucher> = keys
        .records
        .iter()
        .map(|k| Voucher {
            seq: k.seq,
            hash: hash_from_hex(&k.hash),
            label: format!(
                "epoch record {} (epoch {}, signed at {})",
                k.n, k.epoch, k.time
            ),
            path: Some(keys_path.clone()),
        })
        .collect();

    let (found, strays) = list_segments(data_dir)?;
    for s in strays {
        r.problem(
            ProblemKind::Unreadable,
            Some(&s),
            None,
            None,
            "file does not belong in the segments directory".into(),
        );
    }
    let (log, bad) = retention::read_log(data_dir)?;
    let log_path = retention::log_path(data_dir);
    for (line, why) in bad {
        r.problem(
            ProblemKind::Altered,
            Some(&log_path),
            None,
            None,
            format!("line {line}: {why}"),
        );
    }
    for (_, why) in retention::check_log(&log, &keys) {
        r.problem(ProblemKind::Altered, Some(&log_path), None, None, why);
    }
    r.retention_records = log.len() as u64;
    let deleted: BTreeMap<u64, &RetentionEntry> = log.iter().map(|e| (e.segment, e)).collect();

    // The signed head.
    let head_path = ChainHead::path(data_dir);
    let store_nonempty = !found.is_empty() || !log.is_empty();
    let head = match ChainHead::read(data_dir) {
        None => {
            if store_nonempty {
                r.problem(
                    ProblemKind::Removed,
                    Some(&head_path),
                    None,
                    None,
                    "chain.json (the signed chain head) is missing: nothing vouches for the newest records, and newest segments could have been removed with it — deleted".into(),
                );
            }
            None
        }
        Some(Err(e)) => {
            r.problem(
                ProblemKind::Altered,
                Some(&head_path),
                None,
                None,
                format!("{e} — altered"),
            );
            None
        }
        Some(Ok(h)) if h.format != 2 => {
            r.problem(
                ProblemKind::Altered,
                Some(&head_path),
                None,
                None,
                format!(
                    "chain.json has format {}, expected 2 — altered or from another version",
                    h.format
                ),
            );
            None
        }
        Some(Ok(h)) => match keys.check(h.epoch, &h.message(), &h.signature) {
            Ok(()) => Some(h),
            Err(why) => {
                r.problem(
                    ProblemKind::BadSignature,
                    Some(&head_path),
                    None,
                    None,
                    format!("chain head: {why}"),
                );
                None
            }
        },
    };
    let mut newest = None;
    if let Some(h) = &head {
        newest = Some(h.newest_segment);
        r.head = Some(format!(
            "{} records, signed at {} (epoch {})",
            h.seq, h.time, h.epoch
        ));
        vouchers.push(Voucher {
            seq: h.seq,
            hash: hash_from_hex(&h.hash),
            label: format!("the chain head signed at {}", h.time),
            path: Some(head_path.clone()),
        });
        for i in &h.incidents {
            let kind = if i.kind == "altered" {
                ProblemKind::Altered
            } else {
                ProblemKind::Removed
            };
            r.problem(
                kind,
                Some(&head_path),
                i.first_seq,
                i.last_seq,
                format!("found by the writer at {}: {}", i.time, i.detail),
            );
        }
        check_log_end(
            &mut r,
            &head_path,
            "retention.log",
            log.len() as u64,
            h.retention_entries,
            &h.retention_hash,
            |n| log.get(n as usize).map(RetentionEntry::entry_hash),
            &h.time,
        );
        check_log_end(
            &mut r,
            &head_path,
            "keys.log",
            keys.records.len() as u64,
            h.key_records,
            &h.key_hash,
            |n| {
                keys.records
                    .get(n as usize)
                    .map(crate::keys::KeyRecord::entry_hash)
            },
            &h.time,
        );
    }

    // Checkpoints from outside.
    let this_store = store_id(&public);
    for a in anchors {
        let c = &a.checkpoint;
        if c.store != this_store {
            r.anchors_other_store += 1;
            continue;
        }
        r.anchors_checked += 1;
        if let Err(why) = keys.check(c.epoch, &c.message(), &c.signature) {
            r.problem(
                ProblemKind::BadSignature,
                None,
                Some(c.seq),
                None,
                format!("checkpoint from {}: {why}", a.origin),
            );
            continue;
        }
        vouchers.push(Voucher {
            seq: c.seq,
            hash: hash_from_hex(&c.hash),
            label: format!("the checkpoint signed at {} ({})", c.time, a.origin),
            path: None,
        });
    }

    let mut ctx = Ctx {
        keys,
        wanted: vouchers
            .iter()
            .filter(|v| v.seq > 0)
            .map(|v| v.seq - 1)
            .collect(),
        hashes: BTreeMap::new(),
        present_end: None,
        head_seq: head.as_ref().map_or(u64::MAX, |h| h.seq),
        tail_written: Vec::new(),
        seal_epoch: None,
    };

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
            verify_segment(seg, is_newest, &mut ctx, &mut st, &mut r);
        } else if let Some(e) = deleted.get(&id) {
            if let Some(n) = st.next_seq
                && n != e.first_seq
            {
                r.problem(
                    ProblemKind::Removed,
                    None,
                    Some(n),
                    Some(e.first_seq.saturating_sub(1)),
                    format!(
                        "records {n}..{} are missing before retention-deleted segment {id}",
                        e.first_seq.saturating_sub(1)
                    ),
                );
            }
            if let Some(p) = st.prev
                && hash_from_hex(&e.prev_hash) != Some(p)
            {
                r.problem(ProblemKind::Reordered, None, Some(e.first_seq), None, format!("retention record for segment {id} does not chain from the segment before it"));
            }
            r.records_deleted_by_retention += e.count;
            st.prev = hash_from_hex(&e.final_hash);
            st.next_seq = Some(e.first_seq + e.count);
            ctx.present_end = Some(e.first_seq + e.count);
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
            r.problem(
                ProblemKind::Removed,
                Some(&dir),
                from,
                next_first.map(|b| b.saturating_sub(1)),
                format!("segment {id:012} is missing and no retention record covers it: {range}"),
            );
            st.prev = None;
            st.next_seq = None;
        }
    }

    check_vouchers(&mut r, &ctx, &log, vouchers);

    // Records after the head: an honest crash leaves at most about one
    // head interval of them; more means the head is older than it should be.
    if let Some(h) = &head
        && let Some(end) = ctx.present_end
        && end > h.seq
    {
        r.unsealed_tail = Some((h.seq, end - 1));
        r.notes.push(format!(
            "unsealed tail: {} records ({}..{}) were stored after the last signed head ({}); no signature vouches for them yet",
            end - h.seq,
            h.seq,
            end - 1,
            h.time
        ));
        // The newest write may have been cut off by a crash before the
        // head was re-signed; any earlier one must be within the grace.
        let newest = ctx.tail_written.iter().copied().max();
        let earlier = ctx
            .tail_written
            .iter()
            .copied()
            .filter(|t| Some(*t) != newest)
            .max();
        if let (Some(written), Ok(signed)) = (earlier, h.time.parse::<jiff::Timestamp>())
            && written > signed.as_microsecond() + grace_micros(h.interval_ms)
        {
            r.problem(
                ProblemKind::Removed,
                Some(&head_path),
                Some(h.seq),
                Some(end - 1),
                format!(
                    "records {}..{} were written up to {} s after the chain head was signed ({}), though the writer re-signs it every {} ms after a write: an older head was put back, so the records it vouched for may have been removed or altered (or the writer stalled for that long)",
                    h.seq,
                    end - 1,
                    (written - signed.as_microsecond()) / 1_000_000,
                    h.time,
                    h.interval_ms
                ),
            );
        }
    }
    Ok(r)
}

/// How long after the head an honest writer may have written a block and
/// not yet re-signed the head: each append re-signs it once the interval
/// has passed, right after its write, so only a write slower than this
/// (or a crash right after the newest write) leaves a later block unsigned.
fn grace_micros(interval_ms: u64) -> i64 {
    let ms = interval_ms.saturating_mul(5).saturating_add(1000);
    i64::try_from(ms.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// A log the head vouches for must hold at least the entries it names, the
/// last of them unchanged.
#[allow(clippy::too_many_arguments)]
fn check_log_end(
    r: &mut VerifyReport,
    head_path: &Path,
    name: &str,
    have: u64,
    vouched: u64,
    vouched_hash: &str,
    hash_at: impl Fn(u64) -> Option<String>,
    head_time: &str,
) {
    if have < vouched {
        r.problem(
            ProblemKind::Removed,
            Some(head_path),
            None,
            None,
            format!("{name} holds {have} entries, the chain head signed at {head_time} vouches for {vouched}: entries were removed"),
        );
    } else if vouched > 0 && hash_at(vouched - 1).as_deref() != Some(vouched_hash) {
        r.problem(
            ProblemKind::Altered,
            Some(head_path),
            None,
            None,
            format!("entry {} of {name} differs from what the chain head signed at {head_time} vouches for — altered", vouched - 1),
        );
    }
}

/// Every head, epoch record and checkpoint against the records as stored:
/// a voucher for more records than the store holds names the missing range;
/// one whose hash differs names the records altered since the last voucher
/// that still matches.
fn check_vouchers(
    r: &mut VerifyReport,
    ctx: &Ctx,
    log: &[RetentionEntry],
    mut vouchers: Vec<Voucher>,
) {
    vouchers.sort_by_key(|v| v.seq);
    let mut last_ok = 0u64;
    let mut cut_reported = false;
    let end = ctx.present_end.unwrap_or(0);
    // The voucher for the most records beyond the end names the whole cut.
    if let Some(v) = vouchers.iter().rev().find(|v| v.seq > end) {
        let deleted = log
            .iter()
            .any(|e| e.first_seq < v.seq && v.seq - 1 <= e.last_seq());
        if !deleted {
            r.problem(
                ProblemKind::Removed,
                v.path.as_deref(),
                Some(end),
                Some(v.seq - 1),
                format!(
                    "records {end}..{} are missing: {} vouches for {} records, the store holds {end} — cut from the end",
                    v.seq - 1,
                    v.label,
                    v.seq
                ),
            );
            cut_reported = true;
        }
    }
    for v in &vouchers {
        if v.seq == 0 {
            continue;
        }
        let t = v.seq - 1;
        if let Some(e) = log.iter().find(|e| e.first_seq <= t && t <= e.last_seq()) {
            if t == e.last_seq() && hash_from_hex(&e.final_hash) != v.hash {
                r.problem(ProblemKind::Altered, v.path.as_deref(), Some(t), None, format!("{} names a chain hash for record {t} that the retention record of segment {} does not — altered", v.label, e.segment));
            }
            continue;
        }
        if t >= end {
            if !cut_reported {
                r.problem(
                    ProblemKind::Removed,
                    v.path.as_deref(),
                    Some(end),
                    Some(t),
                    format!(
                        "records {end}..{t} are missing: {} vouches for them",
                        v.label
                    ),
                );
            }
            continue;
        }
        match ctx.hashes.get(&t) {
            Some(h) if Some(*h) == v.hash => last_ok = v.seq,
            Some(_) => r.problem(
                ProblemKind::Altered,
                v.path.as_deref(),
                Some(last_ok.min(t)),
                Some(t),
                format!(
                    "records {}..{t}: the chain hash of record {t} differs from what {} vouches for — records in this range were altered (and the chain recomputed) after it was signed",
                    last_ok.min(t),
                    v.label
                ),
            ),
            // Unreadable records are reported where they are.
            None => {}
        }
    }
}

fn verify_segment(
    seg: &FoundSegment,
    is_newest: bool,
    ctx: &mut Ctx,
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
        ctx.present_end = Some(ctx.present_end.map_or(h.first_seq, |e| e.max(h.first_seq)));
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
        if last >= ctx.head_seq {
            ctx.tail_written.push(h.written_micros);
        }
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
        if ctx.wanted.contains(&rec.seq) {
            ctx.hashes.insert(rec.seq, rec.hash);
        }
        ctx.present_end = Some(ctx.present_end.map_or(rec.seq + 1, |e| e.max(rec.seq + 1)));
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
            if let Err(why) = ctx.keys.check(s.epoch, &s.message(), &s.signature) {
                push(
                    r,
                    ProblemKind::BadSignature,
                    Some(s.first_seq),
                    Some(s.last_seq()),
                    None,
                    format!("seal of segment {}: {why}", s.segment),
                );
            }
            if let Some((prev_id, prev_epoch)) = ctx.seal_epoch
                && s.epoch < prev_epoch
            {
                push(
                    r,
                    ProblemKind::Altered,
                    Some(s.first_seq),
                    Some(s.last_seq()),
                    None,
                    format!(
                        "segment {} was sealed in epoch {}, before the seal of the older segment {prev_id} (epoch {prev_epoch}): one of them was re-signed",
                        s.segment, s.epoch
                    ),
                );
            }
            ctx.seal_epoch = Some((s.segment, s.epoch));
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
