//! Ed25519 signing of sealed segments, the chain head and retention records.
//!
//! The private key lives in `StoreConfig::key_file`, outside the data
//! directory, so that someone who can rewrite the data cannot also re-sign it.
//! The public key is copied to `DATA/signing.pub` (hex) for convenience only:
//! an auditor should pass their own copy to `verify`.

use crate::chain::{from_hex, to_hex};
use crate::error::{IoContext, StoreError};
use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use std::io::Write;
use std::path::Path;

/// Loads the PKCS#8 key from `path`, generating it (mode 0600) if missing.
pub(crate) fn load_or_generate(path: &Path) -> Result<Ed25519KeyPair, StoreError> {
    let key_err = |detail: String| StoreError::Key {
        path: path.to_path_buf(),
        detail,
    };
    if !path.exists() {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| key_err("could not generate a key (no system randomness)".into()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).at(dir)?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).at(path)?;
        f.write_all(pkcs8.as_ref()).at(path)?;
        f.sync_all().at(path)?;
    }
    let bytes = std::fs::read(path).at(path)?;
    Ed25519KeyPair::from_pkcs8(&bytes).map_err(|e| {
        key_err(format!(
            "not an Ed25519 PKCS#8 key ({e}); point key_file at the key this store was created with"
        ))
    })
}

/// The public key as written to `signing.pub`.
pub(crate) fn public_hex(key: &Ed25519KeyPair) -> String {
    to_hex(key.public_key().as_ref())
}

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

    #[test]
    fn generate_sign_verify() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k/key.pk8");
        let k = load_or_generate(&path).unwrap();
        let k2 = load_or_generate(&path).unwrap();
        assert_eq!(public_hex(&k), public_hex(&k2));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let msg = Message::new("t").u64(1).bytes(b"x").finish();
        let sig = sign(&k, &msg);
        let pubk: [u8; 32] = k.public_key().as_ref().try_into().unwrap();
        assert!(verify(&pubk, &msg, &sig));
        assert!(!verify(&pubk, b"other", &sig));
        assert!(!verify(&pubk, &msg, "zz"));
    }
}
