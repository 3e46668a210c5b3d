//! Indicator lists: the one file format, and the one loader, for both uses
//! of a list: enrichment (`[enrich] indicators`: events that hit a list are
//! tagged `indicator_match`) and rule placeholders (`[detect] indicators`,
//! `hunt --indicators`: `%NAME%` with the `expand` modifier).
//!
//! A directory holds one list per file: `NAME.txt` or `NAME.list` defines
//! the list `NAME` (letters, digits, `_`, `-`, `.`); other files are
//! ignored, so a README can sit beside the lists. One value per line;
//! surrounding blanks are trimmed, blank lines skipped, `#` starts a comment
//! (at the start of a line or after a value), and repeated values count once.
//! A list without values is an error (a rule or a lookup over it would
//! silently match nothing), and so is a file that cannot be read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Most values one list may hold, to bound memory (a rule expanding a list
/// has its own, lower limit of 10,000 values).
pub const MAX_LIST_VALUES: usize = 1_000_000;

/// Lists by name, each with its values in file order.
pub type Lists = BTreeMap<String, Vec<String>>;

/// Why a list file (or the directory) cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ListError {
    pub path: PathBuf,
    pub message: String,
}

impl ListError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        ListError {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Whether `name` may name a list (and so a `%name%` placeholder).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Reads every `*.txt` / `*.list` file of `dir`. All problems are reported
/// at once; any problem fails the whole load, so a half-read set of lists
/// never replaces a good one.
pub fn load_dir(dir: &Path) -> Result<Lists, Vec<ListError>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![ListError::new(
            dir,
            format!("cannot read the indicator directory: {e}"),
        )]
    })?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("txt" | "list")))
        .collect();
    files.sort();
    let mut lists = Lists::new();
    let mut errors = Vec::new();
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if !valid_name(&name) {
            errors.push(ListError::new(
                &path,
                format!(
                    "{name:?} cannot name an indicator list: use letters, digits, '_', '-' and '.'"
                ),
            ));
            continue;
        }
        if lists.contains_key(&name) {
            errors.push(ListError::new(
                &path,
                format!("a second file defines the list `{name}` (NAME.txt and NAME.list)"),
            ));
            continue;
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(ListError::new(&path, format!("cannot read: {e}")));
                continue;
            }
        };
        let values = parse_list(&text);
        if values.is_empty() {
            errors.push(ListError::new(
                &path,
                format!("indicator list `{name}` has no values"),
            ));
        } else if values.len() > MAX_LIST_VALUES {
            errors.push(ListError::new(
                &path,
                format!(
                    "indicator list `{name}` has {} values; at most {MAX_LIST_VALUES} are supported",
                    values.len()
                ),
            ));
        } else {
            lists.insert(name, values);
        }
    }
    if errors.is_empty() {
        Ok(lists)
    } else {
        Err(errors)
    }
}

/// The values of one list file, in order, without duplicates.
pub fn parse_list(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let value = line.split_once('#').map_or(line, |(v, _)| v).trim();
        if !value.is_empty() && seen.insert(value) {
            out.push(value.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_skip_comments_blanks_and_repeats() {
        let v = parse_list(
            "# known scanners\n203.0.113.0/24  # shadowserver\n\n  198.51.100.7\n203.0.113.0/24\n",
        );
        assert_eq!(v, ["203.0.113.0/24", "198.51.100.7"]);
    }

    #[test]
    fn a_directory_of_lists_with_every_problem_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad_networks.txt"), "203.0.113.0/24\n").unwrap();
        std::fs::write(dir.path().join("miners.list"), "xmrig\n").unwrap();
        std::fs::write(dir.path().join("README.md"), "not a list").unwrap();
        let lists = load_dir(dir.path()).unwrap();
        assert_eq!(
            lists.keys().collect::<Vec<_>>(),
            ["bad_networks", "miners"],
            "both extensions, other files ignored"
        );

        std::fs::write(dir.path().join("empty.txt"), "# nothing yet\n").unwrap();
        std::fs::write(dir.path().join("miners.txt"), "xmrig\n").unwrap();
        std::fs::write(dir.path().join("bad name.txt"), "x\n").unwrap();
        let errors = load_dir(dir.path()).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 3, "{text:?}");
        assert!(text.iter().any(|e| e.contains("`empty` has no values")));
        assert!(
            text.iter()
                .any(|e| e.contains("second file defines the list `miners`"))
        );
        assert!(text.iter().any(|e| e.contains("\"bad name\" cannot name")));
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_it() {
        let errors = load_dir(Path::new("/nonexistent/lists")).unwrap_err();
        assert!(
            errors[0]
                .to_string()
                .starts_with("/nonexistent/lists: cannot read")
        );
    }
}
