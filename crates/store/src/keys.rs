//! Forward-secure sealing keys.
//!
//! The store signs with one Ed25519 key per *epoch* (default 15 minutes). The
//! seed of epoch `e + 1` is a one-way hash of the seed of epoch `e`, and the
//! key file (outside the data directory) only ever holds the current seed: an
//! intruder who steals it can sign as the current epoch and later ones, never
//! as an earlier one. This is the hash ratchet of journald's Forward Secure
//! Sealing, with Ed25519 signatures instead of journald's HMAC-like tags.
//!
//! `verify` needs only the root public key (epoch 0, `signing.pub`). Each
//! later epoch's public key is certified in `DATA/keys.log` by the key of the
//! epoch before it, and that certificate also names the chain state (record
//! count and chain hash) at the moment the epoch began. So every epoch record
//! is a checkpoint signed by a key the intruder can no longer obtain: records
//! written before the current epoch began cannot be altered, re-signed or cut
//! without `verify` naming it.

use crate::chain::{Hash, from_hex, to_hex};
use crate::error::{IoContext, StoreError};
use crate::sign::{self, Message};
use jiff::Timestamp;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const KEY_FORMAT: &str = "sightline.sealing-key/2";
const RATCHET_CONTEXT: &str = "sightline 2026-12 sealing key ratchet v1";

/// The seed of the next epoch: a one-way function of this one.
fn next_seed(seed: &[u8; 32]) -> [u8; 32] {
    blake3::derive_key(RATCHET_CONTEXT, seed)
}

fn pair_of(seed: &[u8; 32]) -> Result<Ed25519KeyPair, String> {
    Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| format!("invalid seed: {e}"))
}

fn public_of(pair: &Ed25519KeyPair) -> [u8; 32] {
    let mut p = [0u8; 32];
    p.copy_from_slice(pair.public_key().as_ref());
    p
}

/// The key file's content.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    epoch: u64,
    seed: String,
    root_public: String,
    /// When the current epoch began (µs since the epoch).
    epoch_started: i64,
}

/// The current epoch's signing key.
pub(crate) struct SealingKey {
    path: PathBuf,
    epoch: u64,
    seed: [u8; 32],
    pair: Ed25519KeyPair,
    root_public: [u8; 32],
    epoch_started: i64,
}

impl Drop for SealingKey {
    fn drop(&mut self) {
        self.seed = [0; 32];
    }
}

impl SealingKey {
    /// Loads the key file, generating epoch 0 (mode 0600) if it is missing.
    pub(crate) fn load_or_generate(path: &Path) -> Result<SealingKey, StoreError> {
        let key_err = |detail: String| StoreError::Key {
            path: path.to_path_buf(),
            detail,
        };
        if !path.exists() {
            let mut seed = [0u8; 32];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed)
                .map_err(|_| key_err("could not generate a key (no system randomness)".into()))?;
            let pair = pair_of(&seed).map_err(key_err)?;
            let key = SealingKey {
                path: path.to_path_buf(),
                epoch: 0,
                seed,
                root_public: public_of(&pair),
                pair,
                epoch_started: Timestamp::now().as_microsecond(),
            };
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).at(dir)?;
            }
            key.save()?;
            return Ok(key);
        }
        let bytes = std::fs::read(path).at(path)?;
        let file: KeyFile = serde_json::from_slice(&bytes).map_err(|_| {
            key_err(format!(
                "not a Sightline sealing key ({KEY_FORMAT}); keys written by earlier versions (PKCS#8) are not forward-secure and are not read: start a new data directory with a new key_file"
            ))
        })?;
        if file.format != KEY_FORMAT {
            return Err(key_err(format!(
                "key format {:?}, expected {KEY_FORMAT}",
                file.format
            )));
        }
        let seed: [u8; 32] = from_hex(&file.seed)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| key_err("the seed is not 64 hex digits".into()))?;
        let root_public: [u8; 32] = from_hex(&file.root_public)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| key_err("root_public is not 64 hex digits".into()))?;
        let pair = pair_of(&seed).map_err(key_err)?;
        if file.epoch == 0 && public_of(&pair) != root_public {
            return Err(key_err(
                "the epoch-0 seed does not match root_public: the file was altered".into(),
            ));
        }
        Ok(SealingKey {
            path: path.to_path_buf(),
            epoch: file.epoch,
            seed,
            pair,
            root_public,
            epoch_started: file.epoch_started,
        })
    }

    /// Writes the key file atomically, mode 0600, replacing the previous seed.
    fn save(&self) -> Result<(), StoreError> {
        let file = KeyFile {
            format: KEY_FORMAT.into(),
            epoch: self.epoch,
            seed: to_hex(&self.seed),
            root_public: to_hex(&self.root_public),
            epoch_started: self.epoch_started,
        };
        let bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
        write_secret_atomic(&self.path, &bytes)
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    pub(crate) fn root_public(&self) -> [u8; 32] {
        self.root_public
    }

    pub(crate) fn public(&self) -> [u8; 32] {
        public_of(&self.pair)
    }

    /// Signs `message` with the current epoch's key: (epoch, hex signature).
    pub(crate) fn sign(&self, message: &[u8]) -> (u64, String) {
        (self.epoch, sign::sign(&self.pair, message))
    }

    /// The epoch that should be current at `now`, if later than the current one.
    pub(crate) fn due(&self, now: Timestamp, epoch_len: Duration) -> Option<u64> {
        let len = i64::try_from(epoch_len.as_micros())
            .unwrap_or(i64::MAX)
            .max(1);
        let elapsed = now.as_microsecond().saturating_sub(self.epoch_started);
        (elapsed >= len).then(|| self.epoch + (elapsed / len) as u64)
    }

    /// The public key of a later epoch (ratcheting a copy of the seed).
    fn public_at(&self, epoch: u64) -> Result<[u8; 32], String> {
        let mut seed = self.seed;
        for _ in self.epoch..epoch {
            seed = next_seed(&seed);
        }
        pair_of(&seed).map(|p| public_of(&p))
    }

    /// Moves to `target`: certifies its public key (with the chain state) in
    /// keys.log, signed by the current key, then replaces the key file with
    /// the new seed. The old seed is gone from the file and from memory.
    pub(crate) fn advance(
        &mut self,
        target: u64,
        log: &mut KeyLog,
        chain: (u64, &Hash),
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if target <= self.epoch {
            return Ok(());
        }
        let public = self.public_at(target).map_err(|detail| StoreError::Key {
            path: self.path.clone(),
            detail,
        })?;
        let mut rec = KeyRecord {
            n: log.len(),
            epoch: target,
            public_key: to_hex(&public),
            signed_by: self.epoch,
            seq: chain.0,
            hash: to_hex(chain.1),
            time: now.to_string(),
            prev_entry: log.last_hash(),
            signature: String::new(),
        };
        rec.signature = sign::sign(&self.pair, &rec.message());
        log.append(rec)?;
        self.finish_advance(target, now)
    }

    /// Ratchets the seed to `target` and saves it.
    fn finish_advance(&mut self, target: u64, now: Timestamp) -> Result<(), StoreError> {
        let mut seed = self.seed;
        for _ in self.epoch..target {
            seed = next_seed(&seed);
        }
        self.pair = pair_of(&seed).map_err(|detail| StoreError::Key {
            path: self.path.clone(),
            detail,
        })?;
        self.seed = seed;
        self.epoch = target;
        self.epoch_started = now.as_microsecond();
        self.save()
    }

    /// After a crash between certifying an epoch in keys.log and saving the
    /// key file, the log is one epoch ahead: catch up if the certified key is
    /// ours. `Err` when keys.log certifies a key this seed cannot reach.
    pub(crate) fn catch_up(&mut self, log: &KeyLog) -> Result<bool, StoreError> {
        let Some(last) = log.records.last() else {
            return Ok(false);
        };
        if last.epoch <= self.epoch {
            return Ok(false);
        }
        let expected = self.public_at(last.epoch).ok().map(|p| to_hex(&p));
        if expected.as_deref() != Some(last.public_key.as_str()) {
            return Err(StoreError::Key {
                path: self.path.clone(),
                detail: format!(
                    "keys.log certifies a key for epoch {} that this key file cannot derive: keys.log or the key file was replaced",
                    last.epoch
                ),
            });
        }
        let started = Timestamp::now();
        self.finish_advance(last.epoch, started)?;
        Ok(true)
    }
}

/// Writes a secret atomically: a 0600 temp file, fsync, rename, directory fsync.
fn write_secret_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).at(&tmp)?;
        f.write_all(bytes).at(&tmp)?;
        f.sync_all().at(&tmp)?;
    }
    std::fs::rename(&tmp, path).at(path)?;
    crate::segment::sync_dir(path)
}

/// One line of `DATA/keys.log`: the public key of `epoch`, signed by the key
/// of `signed_by` (the previous epoch), with the chain state when it began.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyRecord {
    /// Line number, from 0.
    pub n: u64,
    pub epoch: u64,
    pub public_key: String,
    pub signed_by: u64,
    /// Records stored when the epoch began, and the chain hash of the last.
    pub seq: u64,
    pub hash: String,
    pub time: String,
    /// BLAKE3 of the previous line's message (zeros for the first).
    pub prev_entry: String,
    pub signature: String,
}

impl KeyRecord {
    pub fn message(&self) -> Vec<u8> {
        Message::new("sightline.epoch-key/1")
            .u64(self.n)
            .u64(self.epoch)
            .bytes(self.public_key.as_bytes())
            .u64(self.signed_by)
            .u64(self.seq)
            .bytes(self.hash.as_bytes())
            .bytes(self.time.as_bytes())
            .bytes(self.prev_entry.as_bytes())
            .finish()
    }

    pub fn entry_hash(&self) -> String {
        to_hex(blake3::hash(&self.message()).as_bytes())
    }
}

/// `DATA/keys.log` as the writer keeps it.
pub(crate) struct KeyLog {
    path: PathBuf,
    pub(crate) records: Vec<KeyRecord>,
}

pub(crate) fn keys_log_path(data: &Path) -> PathBuf {
    data.join("keys.log")
}

/// (records, (line, why) for lines that are not records).
pub(crate) type KeyLogContents = (Vec<KeyRecord>, Vec<(usize, String)>);

pub(crate) fn read_key_log(data: &Path) -> Result<KeyLogContents, StoreError> {
    let path = keys_log_path(data);
    let text = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(StoreError::io(&path, e)),
    };
    let mut records = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<KeyRecord>(line) {
            Ok(r) => records.push(r),
            Err(e) => bad.push((i + 1, format!("not a valid epoch key record: {e}"))),
        }
    }
    Ok((records, bad))
}

impl KeyLog {
    pub(crate) fn open(data: &Path) -> Result<(KeyLog, Vec<(usize, String)>), StoreError> {
        let (records, bad) = read_key_log(data)?;
        Ok((
            KeyLog {
                path: keys_log_path(data),
                records,
            },
            bad,
        ))
    }

    pub(crate) fn len(&self) -> u64 {
        self.records.len() as u64
    }

    pub(crate) fn last_hash(&self) -> String {
        self.records
            .last()
            .map_or_else(zero_hash_hex, KeyRecord::entry_hash)
    }

    fn append(&mut self, rec: KeyRecord) -> Result<(), StoreError> {
        let mut line = serde_json::to_vec(&rec).unwrap_or_default();
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .at(&self.path)?;
        f.write_all(&line).at(&self.path)?;
        f.sync_all().at(&self.path)?;
        crate::segment::sync_dir(&self.path)?;
        self.records.push(rec);
        Ok(())
    }
}

pub(crate) fn zero_hash_hex() -> String {
    to_hex(&[0u8; 32])
}

/// The verification side: the public key of every certified epoch.
pub(crate) struct EpochKeys {
    keys: BTreeMap<u64, [u8; 32]>,
    pub(crate) records: Vec<KeyRecord>,
}

impl EpochKeys {
    /// Walks keys.log from the root key; returns the keys it could certify
    /// and the problems, by line.
    pub(crate) fn build(root: &[u8; 32], records: Vec<KeyRecord>) -> (EpochKeys, Vec<String>) {
        let mut keys = BTreeMap::new();
        keys.insert(0, *root);
        let mut problems = Vec::new();
        let mut prev = zero_hash_hex();
        let mut current = 0u64;
        for (i, r) in records.iter().enumerate() {
            if r.n != i as u64 {
                problems.push(format!(
                    "epoch record {} is at position {i}: records were removed or reordered",
                    r.n
                ));
            }
            if r.prev_entry != prev {
                problems.push(format!(
                    "epoch record {} (epoch {}) does not chain from the record before it — removed, reordered or altered",
                    r.n, r.epoch
                ));
            }
            prev = r.entry_hash();
            let signer = if r.signed_by == current {
                keys.get(&r.signed_by)
            } else {
                None
            };
            let Some(signer) = signer else {
                problems.push(format!(
                    "epoch record {} claims to be signed by epoch {}, but the newest certified epoch is {current} — altered or inserted",
                    r.n, r.signed_by
                ));
                continue;
            };
            if r.epoch <= current {
                problems.push(format!(
                    "epoch record {} certifies epoch {} which is not after epoch {current} — altered",
                    r.n, r.epoch
                ));
                continue;
            }
            if !sign::verify(signer, &r.message(), &r.signature) {
                problems.push(format!(
                    "epoch record {} (epoch {}): signature does not verify with the key of epoch {} — altered or signed by another key",
                    r.n, r.epoch, r.signed_by
                ));
                continue;
            }
            let Some(public) = from_hex(&r.public_key).and_then(|p| <[u8; 32]>::try_from(p).ok())
            else {
                problems.push(format!(
                    "epoch record {}: public_key is not 64 hex digits",
                    r.n
                ));
                continue;
            };
            keys.insert(r.epoch, public);
            current = r.epoch;
        }
        (EpochKeys { keys, records }, problems)
    }

    /// The newest epoch whose key is certified.
    pub(crate) fn newest(&self) -> u64 {
        self.keys.keys().next_back().copied().unwrap_or(0)
    }

    /// Whether `signature` is epoch `epoch`'s signature of `message`; `Err`
    /// says why not, in words.
    pub(crate) fn check(&self, epoch: u64, message: &[u8], signature: &str) -> Result<(), String> {
        let Some(public) = self.keys.get(&epoch) else {
            return Err(format!(
                "signed in epoch {epoch}, whose key keys.log does not certify (it ends at epoch {}) — keys.log was cut or altered, or this is another store's key",
                self.newest()
            ));
        };
        if sign::verify(public, message, signature) {
            Ok(())
        } else {
            Err(format!(
                "signature (epoch {epoch}) does not verify with this key — altered or signed by another key"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ratchet_is_one_way_and_certified() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let path = dir.path().join("k/key");
        let mut k = SealingKey::load_or_generate(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let root = k.root_public();
        assert_eq!(k.public(), root);
        let epoch0_file = std::fs::read(&path).unwrap();
        let (mut log, _) = KeyLog::open(&data).unwrap();
        k.advance(3, &mut log, (10, &[7; 32]), Timestamp::now())
            .unwrap();
        assert_eq!(k.epoch(), 3);
        assert_ne!(k.public(), root);
        // The file no longer holds the old seed.
        let now_file = std::fs::read_to_string(&path).unwrap();
        let old: KeyFile = serde_json::from_slice(&epoch0_file).unwrap();
        assert!(!now_file.contains(&old.seed));
        let reloaded = SealingKey::load_or_generate(&path).unwrap();
        assert_eq!((reloaded.epoch(), reloaded.public()), (3, k.public()));

        let (records, bad) = read_key_log(&data).unwrap();
        assert!(bad.is_empty());
        let (keys, problems) = EpochKeys::build(&root, records.clone());
        assert!(problems.is_empty(), "{problems:?}");
        let msg = b"hello";
        let (e, sig) = k.sign(msg);
        assert!(keys.check(e, msg, &sig).is_ok());
        assert!(
            keys.check(0, msg, &sig).is_err(),
            "epoch 3's signature is not epoch 0's"
        );
        assert!(
            keys.check(4, msg, &sig)
                .unwrap_err()
                .contains("does not certify")
        );

        // An altered record breaks the certification of its key.
        let mut forged = records;
        forged[0].seq = 11;
        let (keys, problems) = EpochKeys::build(&root, forged);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(keys.check(3, msg, &sig).is_err());
    }

    #[test]
    fn a_crash_between_log_and_key_file_is_caught_up() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let path = dir.path().join("key");
        let mut k = SealingKey::load_or_generate(&path).unwrap();
        let saved = std::fs::read(&path).unwrap();
        let (mut log, _) = KeyLog::open(&data).unwrap();
        k.advance(1, &mut log, (0, &[0; 32]), Timestamp::now())
            .unwrap();
        let want = k.public();
        // The key file as it was before the advance (crash before its rename).
        std::fs::write(&path, saved).unwrap();
        let mut k = SealingKey::load_or_generate(&path).unwrap();
        let (log, _) = KeyLog::open(&data).unwrap();
        assert!(k.catch_up(&log).unwrap());
        assert_eq!((k.epoch(), k.public()), (1, want));
    }

    #[test]
    fn legacy_and_garbage_key_files_are_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, [0x30u8, 0x53, 0x02, 0x01]).unwrap();
        let e = SealingKey::load_or_generate(&path)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("new data directory"), "{e}");
    }
}
