//! Indicator lists for rules: files of addresses, CIDRs, domains, hashes or
//! model sources that rules reference as `%name%` placeholders with the
//! `expand` modifier (e.g. `source.ip|expand|cidr: '%bad_networks%'`).
//!
//! The files are read by the one loader of indicator lists,
//! [`sightline_enrich::lists`], which also feeds enrichment, so a directory
//! means the same thing in `[detect] indicators` and `[enrich] indicators`:
//! `bad_networks.txt` (or `.list`) defines `%bad_networks%`, one value per
//! line, `#` comments, blank lines and repeats skipped, an empty list an
//! error. Lists are read when rules are compiled, so reloading rules reloads
//! them; a rule expanding a list to more than 10,000 values is refused.

use crate::rule::RuleError;
use std::collections::BTreeMap;
use std::path::Path;

pub use sightline_enrich::lists::parse_list;

/// Reads every `*.txt` / `*.list` file of `dir` into a placeholder map;
/// every problem is reported, naming its file.
pub fn load_dir(dir: &Path) -> Result<BTreeMap<String, Vec<String>>, Vec<RuleError>> {
    sightline_enrich::lists::load_dir(dir).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| RuleError::new(&e.path.display().to_string(), 0, e.message))
            .collect()
    })
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
