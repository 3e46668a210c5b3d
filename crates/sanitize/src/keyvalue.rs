//! Secrets named by their key: `password=…`, `"api_key": "…"`, `--token …`,
//! `Authorization: Bearer …`, `RAY_AUTH_TOKEN=…`.
//!
//! The Aho-Corasick prefilter reports where a key word (`pass`, `token`,
//! `secret`, ...) occurs; this module reads the whole key around it, decides
//! whether it names a secret, and finds the value. It is hand-written rather
//! than a regex because what separates a credential from prose is context a
//! look-around-free regex cannot state: `tokens=128` is a count, `token=…` a
//! credential; `password: hunter2` at the start of a record is a value while
//! `failed to verify password: bad hash` is an error chain; `PWD=/home/ray` is
//! a directory; `eos_token: </s>` is a tokenizer setting.
//!
//! All positions it returns are at ASCII delimiters (or the text's ends), so
//! they are always `char` boundaries.

use crate::config::kind;

/// A key is at most this long; longer runs of key characters are data.
const MAX_KEY: usize = 64;
/// Blanks tolerated around a delimiter.
const MAX_BLANKS: usize = 16;

/// One secret value found after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub kind: &'static str,
}

/// How a key's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueForm {
    Plain,
    /// `Authorization`: an optional scheme word (`Bearer`, `Basic`) precedes the credential.
    Scheme,
    /// A bare `token`: may be Milvus-style `user:password`, of which only the password goes.
    UserPass,
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Reads `key <delimiter> value` around the key word found at `[a, b)`.
pub fn scan(text: &str, a: usize, b: usize) -> Option<Hit> {
    let t = text.as_bytes();
    let mut ks = a;
    while ks > 0 && t.get(ks - 1).copied().is_some_and(is_key_byte) {
        ks -= 1;
        if a - ks > MAX_KEY {
            return None;
        }
    }
    let mut ke = b;
    while t.get(ke).copied().is_some_and(is_key_byte) {
        ke += 1;
        if ke - b > MAX_KEY {
            return None;
        }
    }
    let key = t.get(ks..ke)?;
    let dashes = key.iter().take(2).take_while(|&&c| c == b'-').count();
    let name = key.get(dashes..)?;
    let (kind, form) = classify(name)?;
    // A flag stands on its own: `cmd --password x`, `args=['--password', 'x']`.
    // (After `]` it is not one: that is how `XYZ--password` reads once an
    // earlier pass redacted `XYZ`, and the second pass must agree with the first.)
    let flag = dashes > 0
        && ks.checked_sub(1).and_then(|i| t.get(i)).is_none_or(|&c| {
            matches!(
                c,
                b' ' | b'\t' | b'\n' | b'"' | b'\'' | b'=' | b'(' | b'[' | b','
            )
        });

    // An opening quote right before the key must close right after it.
    let mut p = ke;
    let mut quoted_key = false;
    if let Some(q @ (b'"' | b'\'')) = ks.checked_sub(1).and_then(|i| t.get(i)).copied() {
        let escaped = ks >= 2 && t.get(ks - 2) == Some(&b'\\');
        if escaped && t.get(p) == Some(&b'\\') && t.get(p + 1) == Some(&q) {
            p += 2;
            quoted_key = true;
        } else if !escaped && t.get(p) == Some(&q) {
            p += 1;
            quoted_key = true;
        }
    }

    let after_key = p;
    p = skip_blanks(t, p);
    let blanks_before = p > after_key;
    // `Key: value` with a blank after the colon and an unquoted key reads
    // like a sentence as easily as like a record (`Token: the header holds`).
    let mut loose = false;
    let strong = match t.get(p) {
        Some(b'=') => {
            if matches!(t.get(p + 1), Some(b'=')) {
                return None; // `password == x`: a comparison
            }
            p += 1;
            true
        }
        Some(b':') => {
            if matches!(t.get(p + 1), Some(b':')) {
                return None; // `Token::new`: a path
            }
            p += 1;
            let tight = !matches!(t.get(p), Some(b' ' | b'\t') | None);
            loose = !quoted_key && !tight;
            quoted_key || tight || at_key_position(t, ks)
        }
        // `--password hunter2`: a command-line flag takes the next argument.
        Some(_) if flag && blanks_before && !quoted_key => true,
        _ => return None,
    };
    p = skip_blanks(t, p);
    if flag && t.get(p) == Some(&b'-') {
        return None; // the flag's value is missing; this is the next flag
    }

    let (vs, ve) = match form {
        ValueForm::Scheme => {
            let (qs, qe, quoted) = value_extent(t, p)?;
            match skip_scheme(t, qs, if quoted { qe } else { t.len() }) {
                Some(cs) if quoted => (cs, qe),
                Some(cs) => {
                    let (s, e, _) = value_extent(t, cs)?;
                    (s, e)
                }
                // A scheme word with nothing after it is not a credential.
                None if strong && !starts_with_scheme(t.get(qs..qe)?) => (qs, qe),
                None => return None,
            }
        }
        _ if !strong => return None,
        _ => {
            let (s, e, _) = value_extent(t, p)?;
            (s, e)
        }
    };
    let value = text.get(vs..ve)?;
    if rejected(kind, value) {
        return None;
    }
    // A capitalized word, a loose colon and one short plain word is a
    // sentence (`Password: incorrect`, `Token: the ...`), not a record
    // (`defaultRootPassword: Milvus`, `password: hunter`).
    let sentence_case = name.first().is_some_and(u8::is_ascii_uppercase)
        && name.iter().skip(1).all(u8::is_ascii_lowercase);
    if loose
        && sentence_case
        && form != ValueForm::Scheme
        && value.len() < 12
        && value.bytes().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    if form == ValueForm::UserPass
        && let Some((user, _)) = user_password(value)
    {
        return Some(Hit {
            start: vs + user.len() + 1,
            end: ve,
            kind: kind::PASSWORD,
        });
    }
    Some(Hit {
        start: vs,
        end: ve,
        kind,
    })
}

/// The secret in `value` when the field or label it belongs to is named
/// like a secret's key (the last dotted segment counts: `mlx.api_key`).
pub fn scan_named(name: &str, value: &str) -> Option<Hit> {
    let last = name.rsplit('.').next()?.trim_start_matches('-');
    let (kind, form) = classify(last.as_bytes())?;
    let t = value.as_bytes();
    let vs = match form {
        ValueForm::Scheme => skip_scheme(t, 0, t.len()).unwrap_or(0),
        _ => 0,
    };
    let v = value.get(vs..)?;
    if rejected(kind, v) || (form == ValueForm::Scheme && is_scheme(v.as_bytes())) {
        return None;
    }
    if form == ValueForm::UserPass
        && let Some((user, _)) = user_password(v)
    {
        return Some(Hit {
            start: vs + user.len() + 1,
            end: t.len(),
            kind: kind::PASSWORD,
        });
    }
    Some(Hit {
        start: vs,
        end: t.len(),
        kind,
    })
}

/// Milvus-style `user:password`: the user part, and the password.
fn user_password(value: &str) -> Option<(&str, &str)> {
    let (user, pass) = value.split_once(':')?;
    let user_like = !user.is_empty()
        && user.len() <= MAX_KEY
        && user
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'@' | b'+' | b'-'));
    (user_like && !pass.is_empty()).then_some((user, pass))
}

/// Which secret a key names, from its lower-cased text.
fn classify(name: &[u8]) -> Option<(&'static str, ValueForm)> {
    if name.len() > MAX_KEY {
        return None;
    }
    let mut buf = [0u8; MAX_KEY];
    let lc = buf.get_mut(..name.len())?;
    lc.copy_from_slice(name);
    lc.make_ascii_lowercase();
    let lc: &[u8] = lc;
    let ends = |suffix: &str| lc.ends_with(suffix.as_bytes());
    let any_end = |suffixes: &[&str]| suffixes.iter().any(|s| lc.ends_with(s.as_bytes()));

    if any_end(&["ray_auth_token", "ray-authentication-token"]) {
        return Some((kind::RAY_TOKEN, ValueForm::Plain));
    }
    if ends("ray-authorization") {
        return Some((kind::RAY_TOKEN, ValueForm::Scheme));
    }
    if ends("authorization") {
        return Some((kind::BEARER_TOKEN, ValueForm::Scheme));
    }
    if any_end(&[
        "secret_access_key",
        "secretaccesskey",
        "secret-access-key",
        "aws_session_token",
    ]) {
        return Some((kind::AWS_KEY, ValueForm::Plain));
    }
    if any_end(&["private_key", "privatekey", "private-key"]) {
        return Some((kind::PRIVATE_KEY, ValueForm::Plain));
    }
    if any_end(&[
        "api_key",
        "apikey",
        "api-key",
        "api_token",
        "apitoken",
        "api-token",
    ]) {
        return Some((kind::API_KEY, ValueForm::Plain));
    }
    if any_end(&["password", "passwd", "passphrase"])
        || lc == b"pwd"
        || any_end(&["_pwd", "-pwd", ".pwd"])
    {
        return Some((kind::PASSWORD, ValueForm::Plain));
    }
    if any_end(&["secret", "secret_key", "secretkey", "secret-key"]) {
        return Some((kind::SECRET, ValueForm::Plain));
    }
    if lc == b"token" {
        return Some((kind::SECRET, ValueForm::UserPass));
    }
    if ends("token") {
        // Only a word of its own: `auth_token`, `x-auth-token`, `accessToken`;
        // not a compound that merely ends in "token".
        let at = name.len() - 5;
        let sep = at.checked_sub(1).and_then(|i| lc.get(i)).copied();
        let camel = name.get(at) == Some(&b'T');
        if !(matches!(sep, Some(b'_' | b'-' | b'.')) || camel) {
            return None;
        }
        // The word before `token`: tokenizer settings, token counts (which
        // LLM servers log a lot) and pagination cursors are not credentials.
        let head = lc.get(..at)?;
        let head = head
            .strip_suffix(b"_")
            .or_else(|| head.strip_suffix(b"-"))
            .or_else(|| head.strip_suffix(b"."))
            .unwrap_or(head);
        let word = head
            .rsplit(|&c| matches!(c, b'_' | b'-' | b'.'))
            .next()
            .unwrap_or(head);
        const NOT_CREDENTIALS: &[&str] = &[
            "eos",
            "bos",
            "pad",
            "unk",
            "sep",
            "cls",
            "mask",
            "stop",
            "start",
            "end",
            "special",
            "image",
            "video",
            "audio",
            "max",
            "min",
            "num",
            "total",
            "prompt",
            "input",
            "output",
            "completion",
            "generated",
            "cached",
            "first",
            "last",
            "think",
            "page",
            "continuation",
            "cancellation",
        ];
        if NOT_CREDENTIALS.iter().any(|w| word == w.as_bytes()) {
            return None;
        }
        return Some((kind::SECRET, ValueForm::Plain));
    }
    None
}

fn skip_blanks(t: &[u8], mut p: usize) -> usize {
    let start = p;
    while matches!(t.get(p), Some(b' ' | b'\t')) && p - start < MAX_BLANKS {
        p += 1;
    }
    p
}

/// Whether a key starting at `ks` stands where a record's keys stand (start
/// of the text or line, after `{`, `,`, `[`, ...), so that `key: value` there
/// is a value and not a sentence ending in a colon.
fn at_key_position(t: &[u8], ks: usize) -> bool {
    let mut i = ks;
    while i > 0 && matches!(t.get(i - 1), Some(b' ' | b'\t')) && ks - i < MAX_BLANKS {
        i -= 1;
    }
    if i == 0 {
        return true;
    }
    match t.get(i - 1) {
        Some(
            b'\n' | b'\r' | b'{' | b',' | b';' | b'(' | b'[' | b']' | b'&' | b'?' | b'|' | b'"'
            | b'\'' | b'`',
        ) => true,
        // A line break that neutralization already escaped.
        Some(b'n' | b'r') => i >= 2 && t.get(i - 2) == Some(&b'\\'),
        _ => false,
    }
}

/// The value starting at `p`: `(start, end, quoted)`. Quoted values run to
/// their closing quote (or, cut off, to the end of the line); bare ones to the
/// first blank or punctuation that ends a value in logs.
fn value_extent(t: &[u8], p: usize) -> Option<(usize, usize, bool)> {
    match t.get(p)? {
        b'"' => {
            let s = p + 1;
            let mut i = s;
            while let Some(&c) = t.get(i) {
                match c {
                    b'\\' => i += 2,
                    b'"' | b'\n' => break,
                    _ => i += 1,
                }
            }
            Some((s, i.min(t.len()), true))
        }
        b'\'' => {
            let s = p + 1;
            let e = t
                .get(s..)?
                .iter()
                .position(|&c| c == b'\'' || c == b'\n')
                .map_or(t.len(), |n| s + n);
            Some((s, e, true))
        }
        b'\\' if t.get(p + 1) == Some(&b'"') => {
            // `\"value\"`: JSON inside a JSON string.
            let s = p + 2;
            let e = t
                .get(s..)?
                .windows(2)
                .position(|w| w == b"\\\"")
                .map_or(t.len(), |n| s + n);
            Some((s, e, true))
        }
        _ => {
            let mut i = p;
            while let Some(&c) = t.get(i) {
                let stop = match c {
                    b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'`' | b',' | b';' | b'&'
                    | b')' | b']' | b'}' | b'<' | b'>' => true,
                    // An escape (`\n`, `\"`) ends the value; other backslashes are part of it.
                    b'\\' => matches!(
                        t.get(i + 1),
                        Some(b'n' | b'r' | b't' | b'"' | b'\'' | b'x' | b'u' | b'\\')
                    ),
                    _ => false,
                };
                if stop {
                    break;
                }
                i += 1;
            }
            Some((p, i, false))
        }
    }
}

const SCHEMES: &[&str] = &[
    "bearer",
    "basic",
    "token",
    "apikey",
    "api-key",
    "splunk",
    "digest",
    "negotiate",
    "ntlm",
    "hawk",
    "dpop",
    "key",
    "sso-key",
    "aws4-hmac-sha256",
];

/// Whether `value` begins with a scheme word (`Bearer`, `Bearer\``).
fn starts_with_scheme(value: &[u8]) -> bool {
    let end = value
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'-'))
        .unwrap_or(value.len());
    value.get(..end).is_some_and(is_scheme)
}

fn is_scheme(word: &[u8]) -> bool {
    SCHEMES
        .iter()
        .any(|s| word.eq_ignore_ascii_case(s.as_bytes()))
}

/// If an authorization scheme word (`Bearer`, `Basic`, ...) starts at `p`,
/// followed by blanks and a credential before `limit`, where the credential starts.
fn skip_scheme(t: &[u8], p: usize, limit: usize) -> Option<usize> {
    let word_end = p + t
        .get(p..limit)?
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'-'))?;
    let word = t.get(p..word_end)?;
    if !is_scheme(word) {
        return None;
    }
    let cs = skip_blanks(t, word_end);
    (cs > word_end && cs < limit && !matches!(t.get(cs), Some(b'"' | b'\'' | b'\n') | None))
        .then_some(cs)
}

/// Values that are not secrets even after a secret's key: placeholders,
/// references to where the secret lives, counts, and what earlier passes
/// already redacted.
fn rejected(kind: &str, value: &str) -> bool {
    if value.is_empty() || value.starts_with("[REDACTED:") {
        return true;
    }
    const PLACEHOLDERS: &[&str] = &[
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "empty",
        "unset",
        "hidden",
        "redacted",
        "masked",
        "omitted",
        "n/a",
        "-",
        "required",
        "optional",
        "yes",
        "no",
        "on",
        "off",
    ];
    if PLACEHOLDERS.iter().any(|p| value.eq_ignore_ascii_case(p)) {
        return true;
    }
    let v = value.as_bytes();
    // `****`, `xxx`, `<password>`, `${DB_PASSWORD}`, `$TOKEN`, `%(pw)s`, `{{ secret }}`.
    if v.iter().all(|&c| c == b'*')
        || (v.len() >= 3 && v.iter().all(|&c| c == b'x' || c == b'X'))
        || (v.first() == Some(&b'<') && v.last() == Some(&b'>'))
        || v.first() == Some(&b'$')
        || v.starts_with(b"%(")
        || v.starts_with(b"{{")
    {
        return true;
    }
    // A file that holds the secret (`--jwt_secret_key=/etc/mesos/...`,
    // `PWD=/home/ray`), not the secret itself.
    if v.first() == Some(&b'/')
        || v.starts_with(b"~/")
        || v.starts_with(b"./")
        || v.starts_with(b"../")
        || v.starts_with(b"file:")
    {
        return true;
    }
    // Counts, limits and numeric ids after token-ish keys (`token=-1`,
    // `max_token: 0.5`); a numeric password is still a password.
    let digits = v.strip_prefix(b"-").unwrap_or(v);
    if kind != kind::PASSWORD
        && !digits.is_empty()
        && digits.iter().all(|&c| c.is_ascii_digit() || c == b'.')
    {
        return true;
    }
    // A nested object or list (`"secret": {"type": "REFERENCE", ...}`): its
    // own keys say what in it is secret.
    matches!(v.first(), Some(b'{' | b'['))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the scanner at every occurrence of `word` and returns the redacted values.
    fn values(text: &str, word: &str) -> Vec<(&'static str, String)> {
        let lower = text.to_ascii_lowercase();
        lower
            .match_indices(word)
            .filter_map(|(i, w)| scan(text, i, i + w.len()))
            .map(|h| (h.kind, text[h.start..h.end].to_string()))
            .collect()
    }

    #[test]
    fn key_value_forms() {
        assert_eq!(
            values("user=bob password=hunter2 x=1", "pass"),
            [("password", "hunter2".into())]
        );
        assert_eq!(
            values(r#"{"password": "p@ss w\"rd", "u": 1}"#, "pass"),
            [("password", r#"p@ss w\"rd"#.into())]
        );
        assert_eq!(
            values("{'passwd': 'abc'}", "pass"),
            [("password", "abc".into())]
        );
        assert_eq!(
            values(r#"body={\"password\": \"abc\"}"#, "pass"),
            [("password", "abc".into())]
        );
        assert_eq!(
            values("MYSQL_ROOT_PASSWORD=s3cr3t", "pass"),
            [("password", "s3cr3t".into())]
        );
        assert_eq!(
            values("run --password hunter2 --verbose", "pass"),
            [("password", "hunter2".into())]
        );
        assert_eq!(
            values("run --password=hunter2", "pass"),
            [("password", "hunter2".into())]
        );
        assert_eq!(
            values("password: hunter2", "pass"),
            [("password", "hunter2".into())]
        );
        assert_eq!(
            values("{User:bob Password:hunter2}", "pass"),
            [("password", "hunter2".into())]
        );
        assert_eq!(
            values("GET /login?user=a&pwd=123456&next=/", "pwd"),
            [("password", "123456".into())]
        );
    }

    #[test]
    fn prose_and_counts_are_not_secrets() {
        for (text, word) in [
            ("password policy updated", "pass"),
            (
                "failed to verify password: crypto/bcrypt: hashedPassword is not the hash",
                "pass",
            ),
            (r#"["fail to verify password"] [username=root]"#, "pass"),
            (
                r#"{"message":"fail to verify password","username":"x"}"#,
                "pass",
            ),
            ("PWD=/home/ray OLDPWD=/tmp", "pwd"),
            ("if password == expected", "pass"),
            (
                "password=${DB_PASSWORD} password=<redacted> password=**** password=null",
                "pass",
            ),
            ("token bucket refilled", "token"),
            ("tokens=128 max_tokens=1024", "token"),
            (
                r#"{"input_tokens":27,"output_tokens":128,"max_tokens":1024}"#,
                "token",
            ),
            ("eos_token: </s> pad_token=<pad> bos_token=<s>", "token"),
            ("max_token=5 token=42", "token"),
            (
                "Unauthenticated: RPC error: InvalidAuthToken: Authentication token is missing",
                "token",
            ),
            ("Authentication token is missing or incorrect", "token"),
            (
                "--jwt_secret_key=\"/etc/mesos/executor-secret.key\"",
                "secret",
            ),
            ("Can not find secrets's schema", "secret"),
            ("RAY_AUTH_TOKEN_PATH=/home/ray/.ray/auth_token", "token"),
            (
                "Authentication required but no authorization header",
                "authorization",
            ),
            ("Token::new(x)", "token"),
            ("--token --verbose", "token"),
        ] {
            assert_eq!(values(text, word), [], "{text}");
        }
    }

    #[test]
    fn tokens_and_headers() {
        assert_eq!(
            values("RAY_AUTH_TOKEN=abc123def", "token"),
            [("ray-token", "abc123def".into())]
        );
        assert_eq!(
            values("Cookie: ray-authentication-token=abc123", "token"),
            [("ray-token", "abc123".into())]
        );
        assert_eq!(
            values("X-Ray-Authorization: Bearer abc.def", "authorization"),
            [("ray-token", "abc.def".into())]
        );
        assert_eq!(
            values("Authorization: Bearer abc.def rest", "authorization"),
            [("bearer-token", "abc.def".into())]
        );
        assert_eq!(
            values("'Authorization': 'Basic dXNlcjpwYXNz'", "authorization"),
            [("bearer-token", "dXNlcjpwYXNz".into())]
        );
        assert_eq!(
            values("authorization: cm9vdDpNaWx2dXM=", "authorization"),
            [("bearer-token", "cm9vdDpNaWx2dXM=".into())]
        );
        assert_eq!(
            values("-H authorization: Bearer xyz", "authorization"),
            [("bearer-token", "xyz".into())]
        );
        assert_eq!(
            values(
                r#"{"access_token":"ya29.a0Af","token_type":"Bearer"}"#,
                "token"
            ),
            [("secret", "ya29.a0Af".into())]
        );
        assert_eq!(
            values("accessToken=abcdef", "token"),
            [("secret", "abcdef".into())]
        );
        assert_eq!(
            values("x-api-key: k-123", "api-key"),
            [("api-key", "k-123".into())]
        );
        assert_eq!(
            values("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG", "secret"),
            [("aws-key", "wJalrXUtnFEMI/K7MDENG".into())]
        );
        assert_eq!(
            values("client_secret=abc", "secret"),
            [("secret", "abc".into())]
        );
    }

    #[test]
    fn milvus_user_password_token_keeps_the_user() {
        assert_eq!(
            values(
                r#"MilvusClient(uri="http://h:19530", token="root:Milvus")"#,
                "token"
            ),
            [("password", "Milvus".into())]
        );
        assert_eq!(
            values("token=abcdef", "token"),
            [("secret", "abcdef".into())]
        );
    }

    #[test]
    fn values_stop_at_escapes_and_cut_off_quotes() {
        assert_eq!(
            values("password=abc\\nnext line", "pass"),
            [("password", "abc".into())]
        );
        assert_eq!(
            values("password=a\\b", "pass"),
            [("password", "a\\b".into())]
        );
        assert_eq!(
            values("\"password\": \"abc", "pass"),
            [("password", "abc".into())]
        );
        assert_eq!(values("password=", "pass"), []);
        assert_eq!(values("password", "pass"), []);
        assert_eq!(values("\"password\":", "pass"), []);
    }
}
