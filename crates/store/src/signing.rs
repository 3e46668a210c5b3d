//! Signatures of the writer: the chain head, checkpoints, and the epoch
//! change that comes before any of them when due.

use crate::chain::to_hex;
use crate::checkpoint::{CHECKPOINT_TAG, Checkpoint, store_id};
use crate::error::StoreError;
use crate::head::ChainHead;
use crate::retention::{self, RetentionEntry};
use crate::segment::hex;
use crate::store::{Store, Writer};
use jiff::Timestamp;
use std::time::Instant;

impl Store {
    /// Before any signature: the records it will vouch for must be on disk,
    /// and the key must be the current epoch's (moving to a new epoch
    /// certifies its key, with the chain state, in keys.log).
    pub(crate) fn prepare_signing(&self, w: &mut Writer) -> Result<(), StoreError> {
        self.sync_active(w)?;
        let now = Timestamp::now();
        if let Some(target) = w.key.due(now, w.cfg.seal_epoch) {
            let head = w.head;
            w.key
                .advance(target, &mut w.keylog, (w.next_seq, &head), now)?;
        }
        Ok(())
    }

    /// Signs and writes `chain.json` if anything it vouches for changed (or
    /// when `force`d).
    pub(crate) fn sign_head(&self, w: &mut Writer, force: bool) -> Result<(), StoreError> {
        let retention_entries = w.last_retention.as_ref().map_or(0, |e| e.n + 1);
        let state = (w.next_seq, w.head, retention_entries, w.keylog.len());
        if !force && w.signed == Some(state) {
            return Ok(());
        }
        self.prepare_signing(w)?;
        let now = Timestamp::now();
        let mut head = ChainHead {
            format: 2,
            newest_segment: w.newest.0,
            first_seq: w.newest.1,
            prev_hash: hex(&w.newest.2),
            seq: w.next_seq,
            hash: hex(&w.head),
            retention_entries,
            retention_hash: w
                .last_retention
                .as_ref()
                .map_or_else(retention::zero_entry_hash, RetentionEntry::entry_hash),
            key_records: w.keylog.len(),
            key_hash: w.keylog.last_hash(),
            interval_ms: w.cfg.index_commit_ms,
            incidents: w.incidents.clone(),
            time: now.to_string(),
            epoch: w.key.epoch(),
            signature: String::new(),
        };
        head.signature = w.key.sign(&head.message()).1;
        head.write(&self.data_dir)?;
        w.signed = Some((w.next_seq, w.head, retention_entries, w.keylog.len()));
        w.last_head = Instant::now();
        w.head_fault = None;
        Ok(())
    }

    /// A signed checkpoint of everything stored so far, for external
    /// witnesses (`verify --anchors` checks the store against them). The
    /// head is signed first, so the store never vouches for less than a
    /// checkpoint it handed out.
    pub fn checkpoint(&self) -> Result<Checkpoint, StoreError> {
        let mut w = self.writer()?;
        self.prepare_signing(&mut w)?;
        self.sign_head(&mut w, false)?;
        let mut c = Checkpoint {
            sightline: CHECKPOINT_TAG.into(),
            store: store_id(&w.key.root_public()),
            seq: w.next_seq,
            hash: hex(&w.head),
            time: Timestamp::now().to_string(),
            epoch: w.key.epoch(),
            signature: String::new(),
        };
        c.signature = w.key.sign(&c.message()).1;
        Ok(c)
    }

    /// The root public key (hex) that `verify` needs: keep a copy away from
    /// this machine. `None` for a read-only store.
    pub fn verification_key(&self) -> Option<String> {
        self.root_public.as_ref().map(|k| to_hex(k))
    }

    /// Why signing the chain head failed, while it does.
    pub fn head_fault(&self) -> Option<String> {
        self.writer
            .as_ref()
            .and_then(|w| w.lock().ok().and_then(|w| w.head_fault.clone()))
    }
}
