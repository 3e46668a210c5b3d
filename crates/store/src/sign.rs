//! Ed25519 signatures and the domain-separated messages they cover.
//!
//! The private keys live in `StoreConfig::key_file`, outside the data
//! directory, and evolve per epoch (see `keys`). The root public key is
//! copied to `DATA/signing.pub` (hex) for convenience only: an auditor should
//! pass their own copy to `verify`.

use crate::chain::{from_hex, to_hex};
use crate::error::{IoContext, StoreError};
use ring::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};
use std::path::Path;

/// Reads a public key file: 64 hex digits (as in `signing.pub`) or 32 raw bytes.
pub fn read_public_key(path: &Path) -> Result<[u8; 32], StoreError> {
    let bytes = std::fs::read(path).at(path)?;
    let parsed = if bytes.len() == 32 {
        Some(bytes)
    } else {
        std::str::from_utf8(&bytes).ok().and_then(from_hex)
    };
    parsed
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| StoreError::Key {
            path: path.to_path_buf(),
            detail: "not an Ed25519 public key (expected 64 hex digits or 32 raw bytes)".into(),
        })
}

/// Signs `message`.
pub(crate) fn sign(key: &Ed25519KeyPair, message: &[u8]) -> String {
    to_hex(key.sign(message).as_ref())
}

/// Whether `signature_hex` is `public`'s signature of `message`.
pub(crate) fn verify(public: &[u8; 32], message: &[u8], signature_hex: &str) -> bool {
    let Some(sig) = from_hex(signature_hex) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, public)
        .verify(message, &sig)
        .is_ok()
}

/// Builds a domain-separated message from fixed-width parts, so no two
/// different field lists can produce the same bytes.
pub(crate) struct Message(Vec<u8>);

impl Message {
    pub(crate) fn new(domain: &str) -> Self {
        let mut v = domain.as_bytes().to_vec();
        v.push(0);
        Message(v)
    }
    pub(crate) fn u64(mut self, x: u64) -> Self {
        self.0.extend_from_slice(&x.to_le_bytes());
        self
    }
    pub(crate) fn i64(mut self, x: i64) -> Self {
        self.0.extend_from_slice(&x.to_le_bytes());
        self
    }
    pub(crate) fn bytes(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.0.extend_from_slice(b);
        self
    }
    pub(crate) fn finish(self) -> Vec<u8> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::KeyPair;

    #[test]
    fn sign_verify() {
        let k = Ed25519KeyPair::from_seed_unchecked(&[5; 32]).unwrap();
        let msg = Message::new("t").u64(1).bytes(b"x").finish();
        let sig = sign(&k, &msg);
        let pubk: [u8; 32] = k.public_key().as_ref().try_into().unwrap();
        assert!(verify(&pubk, &msg, &sig));
        assert!(!verify(&pubk, b"other", &sig));
        assert!(!verify(&pubk, &msg, "zz"));
    }
}
