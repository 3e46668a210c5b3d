//! What the test files of this crate share.

use std::path::{Path, PathBuf};

/// `../shared/corpus/<relative>` beside the repository. `None` when it is
/// missing: the test is skipped with a note, except under CI (`CI` set and
/// not `false` or `0`), where a missing corpus fails the test rather than
/// letting it pass without having run.
pub fn shared_corpus(relative: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(relative);
    if dir.exists() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "false" | "0"));
    assert!(
        !ci,
        "{} is missing and CI is set: the corpus tests must run in CI (the corpus lives in ../shared/corpus beside the repository)",
        dir.display()
    );
    eprintln!(
        "note: {} is missing; test skipped (under CI=true this fails)",
        dir.display()
    );
    None
}
