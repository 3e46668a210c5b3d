//! Reading the configuration file with every problem reported, not just the
//! first: syntax errors (the TOML parser recovers and goes on), then values
//! of the wrong type or unknown keys (each bad key is set aside and the rest
//! read again), then the checks of [`Config::validate`]. Each problem names
//! its key path and line, and says what was expected in words ("a whole
//! number like 64"), never in Rust's type names.

use super::{Config, ConfigError};
use std::fmt;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// Enough for any real file; a bound so a pathological one cannot loop long.
const MAX_PROBLEMS: usize = 200;

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not TOML.
    Syntax,
    /// A value of the wrong type, an unknown or a missing key.
    Type,
    /// A value the setting does not accept.
    Value,
}

/// One problem in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: Kind,
    /// 1-based, when the problem has a place in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Dotted key path (`server.queue_batches`, `tokens[1].role`); empty
    /// when a syntax error has no key around it.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            _ => {}
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem of the file: syntax, types and values, in file order.
pub fn check(text: &str) -> Vec<Problem> {
    let (config, mut problems, removed) = read_tracked(text);
    if let Err(ConfigError::Invalid { problems: found }) = config.validate() {
        let (doc, _) = DeTable::parse_recoverable(text);
        let lines = Lines::new(text);
        // A key that could not be read was checked with its default or a
        // recovered fragment: its problem is already reported.
        let unreadable = |key: &str| {
            problems.iter().any(|p| {
                let k = p.key.as_str();
                !k.is_empty()
                    && (key == k
                        || (p.kind == Kind::Type
                            && key
                                .strip_prefix(k)
                                .is_some_and(|r| r.starts_with(['.', '[']))))
            })
        };
        let mut values = Vec::new();
        for p in found.lines() {
            let (key, message) = p.split_once(": ").unwrap_or(("", p));
            // Indices of the checked configuration, as they are in the file.
            let path = original_path(&parse_key_path(key), &removed);
            let key = if path.is_empty() {
                key.to_owned()
            } else {
                render_like(key, &path)
            };
            if unreadable(&key) {
                continue;
            }
            let line = locate(doc.get_ref(), &path).map(|offset| lines.position(offset).0);
            values.push(Problem {
                kind: Kind::Value,
                line,
                column: None,
                key,
                message: message.to_owned(),
            });
        }
        problems.extend(values);
    }
    problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.column.unwrap_or(0)));
    problems
}

/// The configuration as far as it can be read, and every syntax and type
/// problem. Keys that could not be read keep their defaults, so the rest can
/// still be checked.
pub fn read(text: &str) -> (Config, Vec<Problem>) {
    let (config, problems, _) = read_tracked(text);
    (config, problems)
}

/// [`read`], and which array entries were set aside (by their index in the file).
fn read_tracked(text: &str) -> (Config, Vec<Problem>, Vec<Removed>) {
    let lines = Lines::new(text);
    let (mut doc, errors) = DeTable::parse_recoverable(text);
    let mut problems: Vec<Problem> = Vec::new();
    for e in &errors {
        let p = syntax_problem(text, &lines, e);
        if !problems.contains(&p) {
            problems.push(p);
        }
    }
    let examples = toml::Value::try_from(Config::default()).ok();
    let mut removed: Vec<Removed> = Vec::new();
    // Keys set aside (file paths): a struct then misses them, which is no
    // second problem.
    let mut removed_keys: Vec<Vec<Seg>> = Vec::new();
    let mut config = None;
    while problems.len() < MAX_PROBLEMS {
        let de = toml::de::Deserializer::from(doc.clone());
        match serde_path_to_error::deserialize::<_, Config>(de) {
            Ok(c) => {
                config = Some(c);
                break;
            }
            Err(e) => {
                let mut path: Vec<Seg> = e
                    .path()
                    .iter()
                    .filter_map(|s| match s {
                        serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                        serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                        _ => None,
                    })
                    .collect();
                let inner = e.into_inner();
                let message = inner.message().to_owned();
                if let Some(k) = unknown_key(&message)
                    && path.last() != Some(&Seg::Key(k.clone()))
                {
                    path.push(Seg::Key(k));
                }
                let original = original_path(&path, &removed);
                let offset = inner
                    .span()
                    .map(|s| s.start)
                    .or_else(|| locate(doc.get_ref(), &path));
                let (line, column) = match offset {
                    Some(o) => {
                        let (l, c) = lines.position(o);
                        (Some(l), Some(c))
                    }
                    None => (None, None),
                };
                let example = examples.as_ref().and_then(|v| example_at(v, &original));
                let key = render(&original);
                // A key set aside is then missing, and a value the syntax
                // error already names is then of the wrong type: no second
                // problem for either.
                let consequence = missing_key(&message).is_some_and(|k| {
                    let mut p = original.clone();
                    p.push(Seg::Key(k));
                    removed_keys.contains(&p)
                }) || problems
                    .iter()
                    .any(|p| p.kind == Kind::Syntax && p.key == key);
                if !consequence {
                    problems.push(Problem {
                        kind: Kind::Type,
                        line,
                        column,
                        key,
                        message: in_words(&message, example.as_deref()),
                    });
                }
                if !remove(doc.get_mut(), &path) {
                    break;
                }
                match original.split_last() {
                    Some((Seg::Index(i), parent)) => removed.push((parent.to_vec(), *i)),
                    _ => removed_keys.push(original),
                }
            }
        }
    }
    if config.is_none() && problems.is_empty() {
        // Never a silent fall-back to the defaults.
        problems.push(Problem {
            kind: Kind::Type,
            line: None,
            column: None,
            key: String::new(),
            message: "the file could not be read as a Sightline configuration".into(),
        });
    }
    problems.sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.column.unwrap_or(0)));
    (config.unwrap_or_default(), problems, removed)
}

/// A key written by [`render`], except that a dataset name (with dots) in
/// `store.retention.per_dataset` stays as written.
fn render_like(key: &str, path: &[Seg]) -> String {
    if key.starts_with("store.retention.per_dataset.") {
        return key.to_owned();
    }
    render(path)
}

/// An array entry set aside: the array's path and the entry's index, as in the file.
type Removed = (Vec<Seg>, usize);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Maps indices of the current (partly removed) document back to the file's.
fn original_path(path: &[Seg], removed: &[Removed]) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::with_capacity(path.len());
    for s in path {
        match s {
            Seg::Index(j) => {
                let mut gone: Vec<usize> = removed
                    .iter()
                    .filter(|(p, _)| *p == out)
                    .map(|(_, i)| *i)
                    .collect();
                gone.sort_unstable();
                let mut orig = *j;
                for g in gone {
                    if g <= orig {
                        orig += 1;
                    }
                }
                out.push(Seg::Index(orig));
            }
            k => out.push(k.clone()),
        }
    }
    out
}

/// Removes what `path` names from the document; false when it is not there.
fn remove(table: &mut DeTable<'_>, path: &[Seg]) -> bool {
    match path {
        [Seg::Key(k)] => table.remove(k.as_str()).is_some(),
        [Seg::Key(k), rest @ ..] => match table.get_mut(k.as_str()) {
            Some(v) => remove_in(v.get_mut(), rest),
            None => false,
        },
        _ => false,
    }
}

fn remove_in(value: &mut DeValue<'_>, path: &[Seg]) -> bool {
    match (value, path) {
        (DeValue::Table(t), p) => remove(t, p),
        (DeValue::Array(a), [Seg::Index(i)]) if *i < a.len() => {
            let mut kept = DeArray::new();
            for (j, v) in a.iter().enumerate() {
                if j != *i {
                    kept.push(v.clone());
                }
            }
            *a = kept;
            true
        }
        (DeValue::Array(a), [Seg::Index(i), rest @ ..]) => match a.get_mut(*i) {
            Some(v) => remove_in(v.get_mut(), rest),
            None => false,
        },
        _ => false,
    }
}

/// Where the value a key path names starts in the file.
fn locate(table: &DeTable<'_>, path: &[Seg]) -> Option<usize> {
    let (first, rest) = path.split_first()?;
    let Seg::Key(k) = first else { return None };
    let (key, value) = table.get_key_value(k.as_str())?;
    if rest.is_empty() {
        return Some(key.span().start);
    }
    locate_value(value, rest).or(Some(key.span().start))
}

fn locate_value(value: &Spanned<DeValue<'_>>, path: &[Seg]) -> Option<usize> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value.span().start);
    };
    match (first, value.get_ref()) {
        (Seg::Key(_), DeValue::Table(t)) => locate(t, path),
        (Seg::Index(i), DeValue::Array(a)) => {
            let item = a.get(*i)?;
            locate_value(item, rest).or(Some(item.span().start))
        }
        _ => None,
    }
}

/// `tokens[1].role` → [tokens, 1, role]. Dataset names in
/// `store.retention.per_dataset.<name>` keep their dots.
fn parse_key_path(key: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    if let Some(ds) = key.strip_prefix("store.retention.per_dataset.") {
        return vec![
            Seg::Key("store".into()),
            Seg::Key("retention".into()),
            Seg::Key("per_dataset".into()),
            Seg::Key(ds.into()),
        ];
    }
    for part in key.split('.') {
        let mut name = part;
        let mut indices = Vec::new();
        while let Some(open) = name.rfind('[') {
            if let Ok(i) = name[open + 1..].trim_end_matches(']').parse::<usize>() {
                indices.push(i);
            }
            name = &name[..open];
        }
        if !name.is_empty() {
            out.push(Seg::Key(name.to_owned()));
        }
        out.extend(indices.into_iter().rev().map(Seg::Index));
    }
    out
}

/// The default value at `path`, written as TOML, to show what a value looks like.
fn example_at(root: &toml::Value, path: &[Seg]) -> Option<String> {
    let mut v = root;
    for s in path {
        v = match (s, v) {
            (Seg::Key(k), toml::Value::Table(t)) => t.get(k)?,
            (Seg::Index(i), toml::Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    match v {
        toml::Value::String(s) if s.is_empty() => None,
        toml::Value::Array(a) if a.is_empty() => None,
        toml::Value::Table(_) | toml::Value::Boolean(_) => None,
        other => Some(other.to_string()),
    }
}

/// The key an "unknown field" error names.
fn unknown_key(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// The key a "missing field" error names.
fn missing_key(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// serde's messages, in the words of someone editing a TOML file.
fn in_words(message: &str, example: Option<&str>) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let rest = rest
            .replace(", expected one of ", "; the keys here are ")
            .replace(", expected ", "; the only key here is ")
            .replace(", there are no fields", "; this table has no keys");
        return format!("unknown key {rest}");
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("missing key {rest} (required here)");
    }
    let (kind, rest) = if let Some(r) = message.strip_prefix("invalid type: ") {
        ("type", r)
    } else if let Some(r) = message.strip_prefix("invalid value: ") {
        ("value", r)
    } else {
        return message.to_owned();
    };
    let Some((found, expected)) = rest.rsplit_once(", expected ") else {
        return message.to_owned();
    };
    let mut want = expected_in_words(expected, kind == "value");
    if let Some(e) = example {
        want.push_str(" like ");
        want.push_str(e);
    }
    format!("expected {want}, found {}", found_in_words(found))
}

fn expected_in_words(expected: &str, out_of_range: bool) -> String {
    let range = |lo: i128, hi: i128| {
        if out_of_range {
            format!("a whole number from {lo} to {hi}")
        } else {
            "a whole number".to_owned()
        }
    };
    match expected {
        "usize" | "u64" => range(0, i128::from(u64::MAX)),
        "u32" => range(0, i128::from(u32::MAX)),
        "u16" => range(0, i128::from(u16::MAX)),
        "u8" => range(0, i128::from(u8::MAX)),
        "isize" | "i64" => range(i128::from(i64::MIN), i128::from(i64::MAX)),
        "i32" => range(i128::from(i32::MIN), i128::from(i32::MAX)),
        "i16" => range(i128::from(i16::MIN), i128::from(i16::MAX)),
        "i8" => range(i128::from(i8::MIN), i128::from(i8::MAX)),
        "f64" | "f32" => "a number".to_owned(),
        "a boolean" => "true or false".to_owned(),
        "a string" | "path string" | "a borrowed string" | "a character" => {
            "a string in quotes".to_owned()
        }
        "a sequence" => "a list in brackets".to_owned(),
        "a map" => "a table".to_owned(),
        e if e.starts_with("struct ") => "a table".to_owned(),
        e => e.to_owned(),
    }
}

fn found_in_words(found: &str) -> String {
    let quoted = |s: &str| s.trim_matches('`').to_owned();
    if let Some(s) = found.strip_prefix("string ") {
        return format!("a string ({s})");
    }
    if let Some(n) = found
        .strip_prefix("integer ")
        .or_else(|| found.strip_prefix("floating point "))
    {
        return format!("the number {}", quoted(n));
    }
    if let Some(b) = found.strip_prefix("boolean ") {
        return quoted(b);
    }
    match found {
        "sequence" => "a list".to_owned(),
        "map" => "a table".to_owned(),
        other => other.to_owned(),
    }
}

/// A syntax error, with its line and the key path around it.
fn syntax_problem(text: &str, lines: &Lines, e: &toml::de::Error) -> Problem {
    let offset = e.span().map(|s| s.start);
    let (line, column) = match offset {
        Some(o) => {
            let (l, c) = lines.position(o);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    Problem {
        kind: Kind::Syntax,
        line,
        column,
        key: line.map(|l| key_context(text, l)).unwrap_or_default(),
        message: e.message().replace('\n', " "),
    }
}

/// The table header in force at `line` (1-based) and the key written on it.
fn key_context(text: &str, line: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let here = all
        .get(line.saturating_sub(1))
        .copied()
        .unwrap_or("")
        .trim();
    let header = |l: &str| -> Option<String> {
        let l = l.trim();
        if !l.starts_with('[') {
            return None;
        }
        let inner = l.split('#').next().unwrap_or(l).trim();
        Some(
            inner
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                .to_owned(),
        )
    };
    if let Some(h) = header(here) {
        return h;
    }
    let table = all[..line.saturating_sub(1).min(all.len())]
        .iter()
        .rev()
        .find_map(|l| header(l))
        .unwrap_or_default();
    let key = here
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty() && !k.contains(char::is_whitespace))
        .unwrap_or_default();
    match (table.is_empty(), key.is_empty()) {
        (_, true) => table,
        (true, false) => key,
        (false, false) => format!("{table}.{key}"),
    }
}

/// Byte offsets to 1-based lines and columns.
struct Lines {
    starts: Vec<usize>,
    text_len: usize,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines {
            starts,
            text_len: text.len(),
        }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text_len);
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        (line, offset - self.starts[line - 1] + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(problems: &[Problem]) -> String {
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_problem_of_a_file_with_many_mistakes() {
        let text = r#"[redactions]
enabled = false

[server]
listen = "localhost"
queue_batches = "64"
max_body = 12
bogus = 1

[tls]
enabled = "yes"

[detect]
rules = "builtin"
lateness = 5s

[decode]
timezone = "Mars/Olympus"
"#;
        let problems = check(text);
        let all = lines_of(&problems);
        for expected in [
            "line 1, column 2: redactions: unknown key `redactions`",
            "line 5: server.listen: \"localhost\" is not an address",
            "line 6, column 17: server.queue_batches: expected a whole number like 64, found a string (\"64\")",
            "line 7, column 12: server.max_body: expected a string in quotes like \"16MiB\", found the number 12",
            "line 8, column 1: server.bogus: unknown key `bogus`; the keys here are `listen`",
            "line 11, column 11: tls.enabled: expected true or false, found a string (\"yes\")",
            "line 14, column 9: detect.rules: expected a list in brackets like [\"builtin\"]",
            "line 15, column 12: detect.lateness: string values must be quoted",
            "line 18: decode.timezone: unknown time zone \"Mars/Olympus\"",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
        }
        assert_eq!(problems.len(), 9, "one line per problem:\n{all}");
        for rust in ["usize", "u64", "i16", "f64", "struct ", "sequence", "field"] {
            assert!(!all.contains(rust), "Rust words ({rust}) in:\n{all}");
        }
        let in_order: Vec<usize> = problems.iter().filter_map(|p| p.line).collect();
        assert!(in_order.is_sorted(), "in file order:\n{all}");
    }

    #[test]
    fn syntax_errors_are_all_reported_with_their_key() {
        let text = "[server]\ndata_dir = \"unclosed\nlisten = \n[tls]\nenabled = tru\n[store\n";
        let problems = check(text);
        let all = lines_of(&problems);
        assert!(problems.iter().all(|p| p.kind == Kind::Syntax), "{all}");
        for key in ["server.data_dir", "server.listen", "tls.enabled", "store"] {
            assert!(
                problems.iter().any(|p| p.key == key && p.line.is_some()),
                "{key} missing from:\n{all}"
            );
        }
    }

    #[test]
    fn array_entries_keep_their_index_in_the_file() {
        let text = r#"
[[tokens]]
name = "a"
role = "admin"

[[tokens]]
name = "b"
role = "viewer"
hash = 5

[[tokens]]
name = "c"
role = "ingest"
hash = "blake3:00"
"#;
        let problems = check(text);
        let all = lines_of(&problems);
        assert!(
            all.contains("line 2, column 1: tokens[0]: missing key `hash`"),
            "{all}"
        );
        assert!(
            all.contains(
                "line 9, column 8: tokens[1].hash: expected a string in quotes, found the number 5"
            ),
            "{all}"
        );
        assert!(
            all.contains("line 14: tokens[2].hash: expected blake3:"),
            "{all}"
        );
        assert_eq!(
            problems.len(),
            3,
            "no second problem for a key set aside:\n{all}"
        );
    }

    #[test]
    fn a_valid_file_has_no_problem() {
        let text =
            "[server]\nqueue_batches = 8\n[decode]\ntimezone = \"Europe/Berlin\"\nyear = 2026\n";
        assert_eq!(check(text), Vec::new());
        let (config, problems) = read(text);
        assert!(problems.is_empty());
        assert_eq!(config.server.queue_batches, 8);
        assert_eq!(config.decode.year, Some(2026));
    }
}
