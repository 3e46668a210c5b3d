//! Sightline's bundled rule pack: every file under the repository's `rules/`
//! directory, embedded when the binary is built (`--rules builtin`).
//! docs/rule-pack.md lists the rules and what they catch.

pub mod load;

pub use load::{LoadError, Loaded, Sources, builder, fingerprint, load};

include!(concat!(env!("OUT_DIR"), "/files.rs"));

/// The bundled rule files as (path like `rules/ray/x.yml`, contents), in path order.
pub fn files() -> &'static [(&'static str, &'static str)] {
    FILES
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_are_sorted_and_yaml() {
        let paths: Vec<&str> = super::files().iter().map(|(p, _)| *p).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
        assert!(
            paths
                .iter()
                .all(|p| p.starts_with("rules/") && (p.ends_with(".yml") || p.ends_with(".yaml")))
        );
    }
}
