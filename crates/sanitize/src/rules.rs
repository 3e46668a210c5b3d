//! Built-in secret shapes that regexes describe best. `key = value` secrets
//! (passwords, tokens, API keys named by their key) are found by the
//! hand-written scanner in `keyvalue.rs` instead, which needs context a regex
//! without look-around cannot express.
//!
//! Each rule names the literals (anchors) that every match contains; the
//! regex runs only on text where the Aho-Corasick prefilter found one. An
//! anchor written `\bxyz` only counts when no ASCII letter, digit or `_`
//! precedes it (so `task-` does not wake the `sk-` rule).

use crate::config::kind;

/// A further test a match must pass (things a regex states badly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    /// At least 16 characters and one digit: an opaque credential, not a word.
    Opaque,
}

#[derive(Debug)]
pub struct RuleSpec {
    pub kind: &'static str,
    pub anchors: &'static [&'static str],
    /// The secret is the group named `secret` (or `secret2`, ... where the
    /// shape has alternatives); the whole match when there is none.
    pub regex: &'static str,
    pub check: Check,
}

pub const RULES: &[RuleSpec] = &[
    // A service-account JSON's key: the whole string value, escapes included.
    RuleSpec {
        kind: kind::GCP_KEY,
        anchors: &["private"],
        regex: r#"\\?["']private_key\\?["']\s*:\s*\\?["'](?P<secret>-----BEGIN[^"']*?)(?:\\?["']|\z)"#,
        check: Check::None,
    },
    // PEM private keys: the header and footer stay (they say what kind of
    // key leaked), the body goes. A block cut off by the end of the record is
    // redacted to the end.
    RuleSpec {
        kind: kind::PRIVATE_KEY,
        anchors: &["private"],
        regex: r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?P<secret>(?s:.*?))(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
        check: Check::None,
    },
    // AWS access key ids (long-term AKIA, temporary ASIA, and the rarer prefixes).
    RuleSpec {
        kind: kind::AWS_KEY,
        anchors: &[r"\bakia", r"\basia"],
        regex: r"(?-u:\b)(?:AKIA|ASIA)[A-Z0-9]{16}(?-u:\b)",
        check: Check::None,
    },
    // JSON Web Tokens: base64url header and payload that both start `{"`.
    RuleSpec {
        kind: kind::JWT,
        anchors: &[r"\beyj"],
        regex: r"(?-u:\b)eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        check: Check::None,
    },
    // Provider token shapes: OpenAI/Anthropic `sk-`, Hugging Face `hf_`,
    // GitHub, GitLab, Slack, Stripe secret/restricted keys, Google API keys
    // and npm tokens. No anchor is shorter than 3 bytes: the prefilter
    // compares as many leading bytes as its shortest anchor has, and two
    // would let common letter pairs through.
    RuleSpec {
        kind: kind::API_KEY,
        anchors: &[
            r"\bsk-",
            r"\bhf_",
            r"\bghp_",
            r"\bgho_",
            r"\bghu_",
            r"\bghs_",
            r"\bghr_",
            r"\bgithub_pat_",
            r"\bglpat-",
            r"\bxox",
            "k_live_",
            "k_test_",
            r"\baiza",
            r"\bnpm_",
        ],
        regex: r"(?-u:\b)(?:sk-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36})",
        check: Check::None,
    },
    // `scheme://user:password@host`: user and host stay.
    RuleSpec {
        kind: kind::URL_CREDENTIAL,
        anchors: &["://"],
        regex: r#"(?i)[a-z][a-z0-9+.-]{0,30}://[^\s/@:?#'"<>]*:(?P<secret>[^\s/@?#'"<>]+)@"#,
        check: Check::None,
    },
    // A bearer credential outside an `Authorization` header (curl -H "...",
    // quoted headers); the header form is handled with its key.
    RuleSpec {
        kind: kind::BEARER_TOKEN,
        anchors: &[r"\bbearer"],
        regex: r"(?i:bearer)\s+(?P<secret>[A-Za-z0-9._~+/-]+=*)",
        check: Check::Opaque,
    },
    // Passwords on command lines of programs whose `-p` takes one (for
    // redis-cli `-p` is the port and `-a` the password).
    RuleSpec {
        kind: kind::PASSWORD,
        anchors: &[r"\bmysql", r"\bmariadb", r"\bxmrig"],
        regex: r#"(?-u:\b)(?:mysql(?:dump|admin)?|mariadb(?:-dump|-admin)?|xmrig)(?:\s+[^\s|;&]+)*?\s+-p(?:\s+)?(?:"(?P<secret>[^"]*)"|'(?P<secret2>[^']*)'|(?P<secret3>[^\s'"-][^\s'"]*))"#,
        check: Check::None,
    },
    // sshpass: only its own `-p` (the command it runs may have a `-p` port).
    RuleSpec {
        kind: kind::PASSWORD,
        anchors: &[r"\bsshpass"],
        regex: r#"(?-u:\b)sshpass\s+-p\s*(?:"(?P<secret>[^"]*)"|'(?P<secret2>[^']*)'|(?P<secret3>[^\s'"-][^\s'"]*))"#,
        check: Check::None,
    },
    RuleSpec {
        kind: kind::PASSWORD,
        anchors: &[r"\bredis-cli"],
        regex: r#"(?-u:\b)redis-cli(?:\s+[^\s|;&]+)*?\s+-a\s+(?:"(?P<secret>[^"]*)"|'(?P<secret2>[^']*)'|(?P<secret3>[^\s'"-][^\s'"]*))"#,
        check: Check::None,
    },
    // curl's `-u user:password` / `--user user:password`. The anchor has the
    // space so that access logs' `curl/7.88.1` user agents do not wake it.
    RuleSpec {
        kind: kind::PASSWORD,
        anchors: &[r"\bcurl "],
        regex: r#"(?-u:\b)curl(?:\s+[^\s|;&]+)*?\s+(?:-u|--user)(?:\s+|=)?["']?[^\s:'"]*:(?P<secret>[^\s'"]+)"#,
        check: Check::None,
    },
];
