//! How every command and the server load rules: the bundled pack and/or
//! files and directories, with indicator lists and a tuning file, and a
//! fingerprint of all of them so the server reloads when one changes.

use sightline_detect::tuning::Tuning;
use sightline_detect::{CompileOptions, RuleError, RuleSet, RuleSetBuilder};
use sightline_event::Timestamp;
use std::path::{Path, PathBuf};

/// Where rules come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// `builtin`, rule files or directories of `*.yml`.
    pub rules: Vec<String>,
    pub tuning: Option<PathBuf>,
    /// A directory of indicator lists (`NAME.txt` or `NAME.list`) giving
    /// `%NAME%` placeholders, read by the one list loader
    /// (`sightline_enrich::lists`).
    pub indicators: Option<PathBuf>,
}

/// A compiled rule set and what loading it reported.
pub struct Loaded {
    pub rules: RuleSet,
    /// Invalid rules (skipped), with file and line.
    pub errors: Vec<RuleError>,
    /// Tuning warnings (expired exceptions, unknown rules).
    pub warnings: Vec<String>,
    pub disabled: usize,
    pub exceptions: usize,
    /// The tuning file as parsed (empty without one), so a reload can tell
    /// what changed in it.
    pub tuning: Tuning,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid indicator lists:\n  {}", list(.0))]
    Indicators(Vec<RuleError>),
    #[error("reading the tuning file {path}: {source}")]
    TuningRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid tuning file:\n  {}", list(.0))]
    Tuning(Vec<RuleError>),
    /// Nothing compiled; the invalid rules say why.
    #[error("no rule loaded; check the rule sources (a directory of *.yml files, or `builtin`){}", invalid(.0))]
    NoRules(Vec<RuleError>),
}

fn invalid(errors: &[RuleError]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        format!("; invalid rules:\n  {}", list(errors))
    }
}

fn list(errors: &[RuleError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// A builder holding the rules of `sources` (`builtin` = the bundled pack).
pub fn builder(sources: &[String], options: CompileOptions) -> RuleSetBuilder {
    let mut b = RuleSetBuilder::new().with_options(options);
    for s in sources {
        if s == "builtin" {
            for (path, text) in crate::files() {
                b.add_text(path, text);
            }
        } else if Path::new(s).is_dir() {
            b.add_dir(Path::new(s));
        } else {
            b.add_file(Path::new(s));
        }
    }
    b
}

/// Loads, tunes and compiles. Invalid rules are reported, not fatal; invalid
/// indicator or tuning files are (a half-applied tuning would hide alerts).
pub fn load(sources: &Sources, now: Timestamp) -> Result<Loaded, LoadError> {
    let mut options = CompileOptions::default();
    if let Some(dir) = &sources.indicators {
        options.placeholders =
            sightline_detect::indicators::load_dir(dir).map_err(LoadError::Indicators)?;
    }
    let mut b = builder(&sources.rules, options);
    let (mut warnings, mut disabled, mut exceptions) = (Vec::new(), 0, 0);
    let mut parsed = Tuning::default();
    if let Some(path) = &sources.tuning {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::TuningRead {
            path: path.clone(),
            source,
        })?;
        let tuning =
            Tuning::parse(&path.display().to_string(), &text).map_err(LoadError::Tuning)?;
        let applied = b.tune(&tuning, now);
        warnings = applied.warnings.iter().map(ToString::to_string).collect();
        disabled = applied.disabled.len();
        exceptions = applied.exceptions;
        parsed = tuning;
    }
    let (rules, errors) = b.build();
    if rules.rules.is_empty() {
        return Err(LoadError::NoRules(errors));
    }
    Ok(Loaded {
        rules,
        errors,
        warnings,
        disabled,
        exceptions,
        tuning: parsed,
    })
}

/// Changes whenever a file under the sources is added, removed, resized or
/// touched: cheap enough to poll every few seconds.
pub fn fingerprint(sources: &Sources) -> u64 {
    let mut h = blake3::Hasher::new();
    let mut paths: Vec<PathBuf> = sources
        .rules
        .iter()
        .filter(|s| s.as_str() != "builtin")
        .map(PathBuf::from)
        .chain(sources.tuning.clone())
        .chain(sources.indicators.clone())
        .collect();
    while let Some(p) = paths.pop() {
        h.update(p.as_os_str().as_encoded_bytes());
        let Ok(meta) = std::fs::metadata(&p) else {
            h.update(b"missing");
            continue;
        };
        h.update(&meta.len().to_le_bytes());
        if let Ok(m) = meta.modified()
            && let Ok(d) = m.duration_since(std::time::UNIX_EPOCH)
        {
            h.update(&d.as_nanos().to_le_bytes());
        }
        if meta.is_dir()
            && let Ok(rd) = std::fs::read_dir(&p)
        {
            let mut children: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            children.sort();
            paths.extend(children);
        }
    }
    let bytes = h.finalize();
    u64::from_le_bytes(bytes.as_bytes()[..8].try_into().unwrap_or([0; 8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_follows_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let sources = Sources {
            rules: vec![dir.path().display().to_string()],
            ..Default::default()
        };
        let a = fingerprint(&sources);
        std::fs::write(dir.path().join("r.yml"), "title: x\n").unwrap();
        let b = fingerprint(&sources);
        assert_ne!(a, b, "a new file changes it");
        assert_eq!(b, fingerprint(&sources), "stable when nothing changes");
    }

    #[test]
    fn builtin_loads_and_bad_tuning_is_fatal() {
        let sources = Sources {
            rules: vec!["builtin".into()],
            ..Default::default()
        };
        let loaded = load(&sources, Timestamp::now()).unwrap();
        assert!(loaded.rules.rules.len() > 40);
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("t.yml");
        std::fs::write(&t, "rules: [not a map\n").unwrap();
        let bad = Sources {
            tuning: Some(t),
            ..sources
        };
        assert!(matches!(
            load(&bad, Timestamp::now()),
            Err(LoadError::Tuning(_))
        ));
    }
}
