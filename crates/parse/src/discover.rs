use crate::Registry;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The files to read, and the ones passed over with the reason.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<(PathBuf, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{path}: {source} (check that the path exists and is readable)")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Expands files and directories (recursively, in name order) into the log
/// files to read.
///
/// - A symlink to a file that is also reached directly is read once
///   (glog's `mesos-master.INFO` points at the current INFO file).
/// - Files whose lines other files already hold are skipped, as each source
///   knows them (glog's WARNING/ERROR files repeat the INFO file).
/// - Binary files (a NUL byte in the first 8 KiB) are skipped: they are not logs.
///
/// Symlinked directories are not followed, so a link loop cannot trap us.
pub fn discover(paths: &[PathBuf], registry: &Registry) -> Result<Discovered, DiscoverError> {
    let mut found: Vec<PathBuf> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| DiscoverError::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(p, &mut found)?;
        } else {
            found.push(p.clone());
        }
    }
    let mut out = Discovered::default();
    // Canonical paths of everything reached without a symlink.
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    let (links, direct): (Vec<_>, Vec<_>) = found.into_iter().partition(|p| is_symlink(p));
    let mut unique = Vec::new();
    for p in direct.into_iter().chain(links) {
        let canon = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if seen.insert(canon) {
            unique.push(p);
        } else {
            out.skipped
                .push((p, "a symlink to a file already read".into()));
        }
    }
    unique.sort();
    for p in &unique {
        if let Some(reason) = registry.redundant(p, &unique) {
            out.skipped.push((p.clone(), reason));
        } else if is_binary(p) {
            out.skipped
                .push((p.clone(), "binary file, not a log".into()));
        } else {
            out.files.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DiscoverError> {
    let io = |source| DiscoverError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let Ok(lmeta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if lmeta.is_dir() {
            walk(&p, out)?;
        } else if lmeta.is_file() || (lmeta.file_type().is_symlink() && p.is_file()) {
            out.push(p);
        }
    }
    Ok(())
}

fn is_symlink(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

fn is_binary(p: &Path) -> bool {
    let mut head = [0u8; 8192];
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    let n = f.read(&mut head).unwrap_or(0);
    memchr::memchr(0, &head[..n]).is_some()
}
