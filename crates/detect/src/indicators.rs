//! Indicator lists: files of addresses, CIDRs, domains, hashes or model
//! sources that rules reference as `%name%` placeholders with the `expand`
//! modifier (e.g. `source.ip|expand|cidr: '%bad_networks%'`).
//!
//! A directory holds one list per file: `bad_networks.txt` defines
//! `%bad_networks%`, one value per line; blank lines and lines starting with
//! `#` are skipped, and a `#` after a value starts a comment. Lists are read
//! when rules are compiled, so reloading rules reloads them.

use crate::rule::RuleError;
use std::collections::BTreeMap;
use std::path::Path;

/// Most values one list may hold (the expansion limit of the compiler).
pub const MAX_VALUES: usize = 10_000;

/// Reads every `*.txt` / `*.list` file of `dir` into a placeholder map.
pub fn load_dir(dir: &Path) -> Result<BTreeMap<String, Vec<String>>, Vec<RuleError>> {
    let at = |p: &Path, line: usize, m: String| RuleError::new(&p.display().to_string(), line, m);
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![at(
            dir,
            0,
            format!("cannot read the indicator directory: {e}"),
        )]
    })?;
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("txt" | "list")))
        .collect();
    files.sort();
    let mut lists = BTreeMap::new();
    let mut errors = Vec::new();
    for path in files {
        let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let values = parse_list(&text);
                if values.is_empty() {
                    errors.push(at(
                        &path,
                        0,
                        format!("indicator list `{name}` has no values"),
                    ));
                } else if values.len() > MAX_VALUES {
                    errors.push(at(
                        &path,
                        0,
                        format!("indicator list `{name}` has {} values; at most {MAX_VALUES} are supported", values.len()),
                    ));
                } else {
                    lists.insert(name, values);
                }
            }
            Err(e) => errors.push(at(&path, 0, format!("cannot read: {e}"))),
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
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let value = line.split_once('#').map_or(line, |(v, _)| v).trim();
        if !value.is_empty() && !out.iter().any(|v| v == value) {
            out.push(value.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::CompileOptions;
    use crate::ruleset::RuleSetBuilder;
    use sightline_event::{Event, EventId, Timestamp};

    #[test]
    fn lists_skip_comments_and_duplicates() {
        let v = parse_list(
            "# known scanners\n203.0.113.0/24  # shadowserver\n\n198.51.100.7\n203.0.113.0/24\n",
        );
        assert_eq!(v, ["203.0.113.0/24", "198.51.100.7"]);
    }

    #[test]
    fn rules_match_against_lists_from_files() {
        let dir = std::env::temp_dir().join(format!("sightline-indicators-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("bad_networks.txt"),
            "203.0.113.0/24\n# old\n198.51.100.7/32\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.md"), "not a list").unwrap();
        let lists = load_dir(&dir).unwrap();
        assert_eq!(lists.keys().collect::<Vec<_>>(), ["bad_networks"]);
        let mut b = RuleSetBuilder::new().with_options(CompileOptions {
            placeholders: lists,
        });
        b.add_text(
            "r.yml",
            "title: from a listed network\nlogsource: {product: ray}\ndetection:\n    sel:\n        source.ip|expand|cidr: '%bad_networks%'\n    condition: sel\n",
        );
        let (set, errors) = b.build();
        assert!(errors.is_empty(), "{errors:?}");
        let ev = |ip: &str| {
            let mut e = Event::new(
                EventId::derive("t", 0, ip.as_bytes()),
                Timestamp::UNIX_EPOCH,
                "ray",
                "ray.dashboard",
                ip,
            );
            e.set("source.ip", ip);
            e
        };
        assert_eq!(set.matching_rules(&ev("203.0.113.77")).len(), 1);
        assert_eq!(set.matching_rules(&ev("198.51.100.7")).len(), 1);
        assert!(set.matching_rules(&ev("10.0.0.1")).is_empty());
        std::fs::write(dir.join("empty.txt"), "# nothing yet\n").unwrap();
        let errors = load_dir(&dir).unwrap_err();
        assert!(
            errors[0].message.contains("`empty` has no values"),
            "{errors:?}"
        );
    }
}
