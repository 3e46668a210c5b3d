//! What to redact: the built-in kinds and the operator's own patterns.
//!
//! Deserializes from the `[redaction]` table of the configuration file:
//!
//! ```toml
//! [redaction]
//! disable = ["url-credential"]
//!
//! [[redaction.patterns]]
//! kind = "internal-token"
//! regex = '''itk_[0-9a-f]{32}'''
//! anchors = ["itk_"]
//! ```

use serde::{Deserialize, Serialize};

/// Names of the built-in kinds, as they appear in `[REDACTED:<kind>]`.
pub mod kind {
    pub const PASSWORD: &str = "password";
    pub const BEARER_TOKEN: &str = "bearer-token";
    pub const API_KEY: &str = "api-key";
    pub const RAY_TOKEN: &str = "ray-token";
    pub const JWT: &str = "jwt";
    pub const AWS_KEY: &str = "aws-key";
    pub const GCP_KEY: &str = "gcp-key";
    pub const PRIVATE_KEY: &str = "private-key";
    pub const URL_CREDENTIAL: &str = "url-credential";
    pub const SECRET: &str = "secret";
}

/// Every built-in kind, most specific first. When two matches overlap, the
/// union is redacted and labelled with the kind that comes first here
/// (custom patterns rank above all of them).
pub const BUILTIN_KINDS: &[&str] = &[
    kind::RAY_TOKEN,
    kind::GCP_KEY,
    kind::PRIVATE_KEY,
    kind::AWS_KEY,
    kind::JWT,
    kind::API_KEY,
    kind::URL_CREDENTIAL,
    kind::BEARER_TOKEN,
    kind::PASSWORD,
    kind::SECRET,
];

/// Redaction settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedactionConfig {
    /// Redact at all. Neutralization of control characters always runs.
    pub enabled: bool,
    /// Built-in kinds to turn off, by name (see [`BUILTIN_KINDS`]).
    pub disable: Vec<String>,
    /// The operator's own patterns, tried before the built-in ones.
    pub patterns: Vec<CustomPattern>,
}

impl Default for RedactionConfig {
    fn default() -> Self {
        RedactionConfig {
            enabled: true,
            disable: Vec::new(),
            patterns: Vec::new(),
        }
    }
}

/// One operator-defined secret shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPattern {
    /// Label in `[REDACTED:<kind>]`: 1 to 32 of `a-z`, `0-9`, `-`, `_`.
    pub kind: String,
    /// Rust `regex` syntax. If it has a group named `secret`, only that group
    /// is replaced (so `key=` prefixes stay readable); otherwise the whole match.
    pub regex: String,
    /// Literals (matched ASCII case-insensitively) of which at least one
    /// occurs in every match. The regex runs only on text holding one, which
    /// keeps clean lines fast. Empty: the regex runs on every string (slow).
    #[serde(default)]
    pub anchors: Vec<String>,
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("redaction pattern #{index} (kind `{kind}`): invalid regex: {source}")]
    BadRegex {
        index: usize,
        kind: String,
        #[source]
        source: Box<regex::Error>,
    },
    #[error(
        "redaction pattern #{index}: kind {kind:?} must be 1 to 32 characters of a-z, 0-9, '-' and '_'"
    )]
    BadKind { index: usize, kind: String },
    #[error("redaction pattern #{index} (kind `{kind}`): anchor #{anchor} is empty")]
    EmptyAnchor {
        index: usize,
        kind: String,
        anchor: usize,
    },
    #[error("`disable` names unknown redaction kind {0:?}; built-in kinds are: {kinds}", kinds = BUILTIN_KINDS.join(", "))]
    UnknownKind(String),
    #[error("cannot build the redaction anchor matcher: {0}")]
    Anchors(#[from] aho_corasick::BuildError),
}

/// Whether `kind` may appear in a placeholder: the characters are chosen so
/// that `[REDACTED:<kind>]` can always be recognized again (idempotence).
pub fn valid_kind(kind: &str) -> bool {
    (1..=32).contains(&kind.len())
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
