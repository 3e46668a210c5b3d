//! `DATA/chain.json`: the signed name of the newest segment, so that deleting
//! the newest segment files (which no later segment chains from) is noticed.

use crate::error::StoreError;
use crate::segment::write_atomic;
use crate::sign::{self, Message};
use ring::signature::Ed25519KeyPair;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainHead {
    pub format: u32,
    /// Id of the newest segment created.
    pub newest_segment: u64,
    /// Its first record's seq.
    pub first_seq: u64,
    /// The chain hash its first record follows.
    pub prev_hash: String,
    pub signature: String,
}

impl ChainHead {
    pub fn message(&self) -> Vec<u8> {
        Message::new("sightline.chain-head/1")
            .u64(self.newest_segment)
            .u64(self.first_seq)
            .bytes(self.prev_hash.as_bytes())
            .finish()
    }

    pub(crate) fn path(data: &Path) -> PathBuf {
        data.join("chain.json")
    }

    pub(crate) fn write(
        data: &Path,
        key: &Ed25519KeyPair,
        newest_segment: u64,
        first_seq: u64,
        prev_hash: String,
    ) -> Result<(), StoreError> {
        let mut h = ChainHead {
            format: 1,
            newest_segment,
            first_seq,
            prev_hash,
            signature: String::new(),
        };
        h.signature = sign::sign(key, &h.message());
        let bytes = serde_json::to_vec_pretty(&h).unwrap_or_default();
        write_atomic(&Self::path(data), &bytes)
    }

    pub(crate) fn read(data: &Path) -> Option<Result<ChainHead, String>> {
        let bytes = std::fs::read(Self::path(data)).ok()?;
        Some(serde_json::from_slice(&bytes).map_err(|e| format!("chain.json is not valid: {e}")))
    }
}
