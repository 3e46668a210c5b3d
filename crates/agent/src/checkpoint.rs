//! Where each file was acknowledged up to, kept across restarts.
//!
//! Written atomically (temporary file, fsync, rename, fsync of the
//! directory) after every acknowledged batch, with a checksum line, and the
//! copy it replaces kept as `checkpoints.prev`. A file that is empty, torn or
//! fails its checksum (an OOM kill or power loss between write and flush,
//! vector#20753) is set aside and the previous copy used; with no good copy
//! at all the agent reads every file from its start, which repeats nothing
//! at the server because event ids are derived from stream, offset and line.

use crate::fingerprint::Digest;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const MAGIC: &str = "sightline-agent-checkpoint v1";
const CURRENT: &str = "checkpoints";
const PREVIOUS: &str = "checkpoints.prev";

/// One file's acknowledged position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub dev: u64,
    pub ino: u64,
    /// The file's head; `None` while the file had no complete first line.
    pub head: Option<Digest>,
    /// The stream its lines are shipped under (part of their event ids).
    pub stream: String,
    /// The path it was last seen at.
    pub path: PathBuf,
    /// Bytes acknowledged by the server.
    pub offset: u64,
    /// The last acknowledged bytes, to notice a rewrite in place.
    pub tail: Digest,
}

/// How the checkpoint was loaded.
#[derive(Debug, PartialEq, Eq)]
pub enum Loaded {
    /// No checkpoint yet (first start).
    Fresh,
    Current,
    /// The current copy was bad (named); the previous copy was used.
    Previous {
        bad: String,
    },
    /// Neither copy was usable: every file is read from its start.
    NoneUsable {
        bad: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

pub struct Checkpointer {
    dir: PathBuf,
}

impl Checkpointer {
    pub fn new(dir: impl Into<PathBuf>) -> Result<Checkpointer, CheckpointError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|source| CheckpointError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Checkpointer { dir })
    }

    pub fn load(&self) -> Result<(Vec<Entry>, Loaded), CheckpointError> {
        let current = self.dir.join(CURRENT);
        let previous = self.dir.join(PREVIOUS);
        let first = read(&current)?;
        match first {
            Some(Ok(entries)) => return Ok((entries, Loaded::Current)),
            None if !previous.exists() => return Ok((Vec::new(), Loaded::Fresh)),
            _ => {}
        }
        let bad = match first {
            Some(Err(why)) => {
                // Kept for inspection; never read again.
                let _ = fs::rename(&current, self.dir.join("checkpoints.bad"));
                format!("{}: {why}", current.display())
            }
            _ => format!("{}: missing", current.display()),
        };
        match read(&previous)? {
            Some(Ok(entries)) => Ok((entries, Loaded::Previous { bad })),
            Some(Err(why)) => Ok((
                Vec::new(),
                Loaded::NoneUsable {
                    bad: format!("{bad}; {}: {why}", previous.display()),
                },
            )),
            None => Ok((Vec::new(), Loaded::NoneUsable { bad })),
        }
    }

    pub fn save(&self, entries: &[Entry]) -> Result<(), CheckpointError> {
        let json = serde_json::to_string(entries).expect("entries serialize");
        let text = format!("{MAGIC} {}\n{json}", blake3::hash(json.as_bytes()).to_hex());
        let tmp = self.dir.join("checkpoints.tmp");
        let current = self.dir.join(CURRENT);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CheckpointError::Io { path, source }
        };
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(text.as_bytes()).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        if current.exists() {
            fs::rename(&current, self.dir.join(PREVIOUS)).map_err(io(&current))?;
        }
        fs::rename(&tmp, &current).map_err(io(&current))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&self.dir))
    }
}

/// `None` when the file does not exist; `Some(Err(why))` when it is unusable.
fn read(path: &Path) -> Result<Option<Result<Vec<Entry>, String>>, CheckpointError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(CheckpointError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    Ok(Some(parse(&bytes)))
}

fn parse(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    if bytes.is_empty() {
        return Err("empty".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let (first, json) = text.split_once('\n').ok_or("no header line")?;
    let sum = first
        .strip_prefix(MAGIC)
        .map(str::trim)
        .ok_or("not a checkpoint file")?;
    if blake3::hash(json.as_bytes()).to_hex().as_str() != sum {
        return Err("checksum mismatch (torn write)".into());
    }
    serde_json::from_str(json).map_err(|e| format!("unreadable: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(offset: u64) -> Entry {
        Entry {
            dev: 1,
            ino: 2,
            head: Some(Digest::of(b"first\n")),
            stream: "/var/log/x.log".into(),
            path: "/var/log/x.log".into(),
            offset,
            tail: Digest::of(b"last\n"),
        }
    }

    #[test]
    fn saved_entries_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let c = Checkpointer::new(dir.path()).unwrap();
        assert_eq!(c.load().unwrap(), (vec![], Loaded::Fresh));
        c.save(&[entry(10)]).unwrap();
        c.save(&[entry(20)]).unwrap();
        assert_eq!(c.load().unwrap(), (vec![entry(20)], Loaded::Current));
        assert!(!dir.path().join("checkpoints.tmp").exists());
    }

    #[test]
    fn an_empty_checkpoint_falls_back_to_the_previous_copy() {
        let dir = tempfile::tempdir().unwrap();
        let c = Checkpointer::new(dir.path()).unwrap();
        c.save(&[entry(10)]).unwrap();
        c.save(&[entry(20)]).unwrap();
        fs::write(dir.path().join(CURRENT), b"").unwrap();
        let (entries, how) = c.load().unwrap();
        assert_eq!(entries, vec![entry(10)]);
        assert!(matches!(how, Loaded::Previous { bad } if bad.contains("empty")));
    }

    #[test]
    fn a_torn_checkpoint_is_detected_by_its_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let c = Checkpointer::new(dir.path()).unwrap();
        c.save(&[entry(10)]).unwrap();
        c.save(&[entry(20)]).unwrap();
        let path = dir.path().join(CURRENT);
        let full = fs::read(&path).unwrap();
        fs::write(&path, &full[..full.len() - 7]).unwrap();
        let (entries, how) = c.load().unwrap();
        assert_eq!(entries, vec![entry(10)]);
        assert!(matches!(how, Loaded::Previous { bad } if bad.contains("checksum")));
        assert!(dir.path().join("checkpoints.bad").exists());
    }

    #[test]
    fn with_no_good_copy_nothing_is_assumed_read() {
        let dir = tempfile::tempdir().unwrap();
        let c = Checkpointer::new(dir.path()).unwrap();
        c.save(&[entry(10)]).unwrap();
        c.save(&[entry(20)]).unwrap();
        fs::write(dir.path().join(CURRENT), b"garbage").unwrap();
        fs::write(dir.path().join(PREVIOUS), b"").unwrap();
        let (entries, how) = c.load().unwrap();
        assert!(entries.is_empty());
        assert!(matches!(how, Loaded::NoneUsable { .. }));
    }
}
