//! Label matchers: `level = "critical"`, `host != "web1"`,
//! `dataset =~ "ray\..*"`, `rule !~ "test.*"`.
//!
//! Regular expressions are anchored at both ends, as in Alertmanager:
//! `host =~ "web"` matches `web`, not `web1`.
//!
//! A label the alert does not have is absent, never an empty value: `=` and
//! `=~` never match it, `!=` and `!~` always do. So `host !~ ".*"` means
//! "has no host label" and `host =~ ".*"` means "has one".

use crate::model::Labels;
use regex::Regex;
use serde::{Serialize, Serializer};
use std::fmt;

/// Compiled regexes are bounded so a silence typed into the UI cannot
/// make every alert evaluation slow or huge.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// How a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MatchOp {
    #[serde(rename = "=")]
    Equal,
    #[serde(rename = "!=")]
    NotEqual,
    #[serde(rename = "=~")]
    Regex,
    #[serde(rename = "!~")]
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }

    /// `!=` and `!~`: they match an alert that lacks the label.
    pub fn is_negative(self) -> bool {
        matches!(self, MatchOp::NotEqual | MatchOp::NotRegex)
    }
}

/// One matcher on one label.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// `^(?:value)$`, for `=~` and `!~`.
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

/// Why a matcher could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    #[error("{0:?} has no operator; write label = \"value\" (or !=, =~, !~)")]
    NoOperator(String),
    #[error("{0:?} has no label name before the operator")]
    NoName(String),
    #[error(
        "{text:?}: label name {name:?} may use only letters, digits, _, . and - (quote it otherwise)"
    )]
    BadName { text: String, name: String },
    #[error("{0:?}: the quoted value is not closed")]
    Unclosed(String),
    #[error("{0:?}: text after the closing quote")]
    Trailing(String),
    #[error("{text:?}: invalid regular expression: {reason}")]
    BadRegex { text: String, reason: String },
}

impl Matcher {
    /// A matcher from its parts; regexes are compiled (anchored) here.
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, MatcherError> {
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(
                regex::RegexBuilder::new(&format!("^(?:{value})$"))
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| MatcherError::BadRegex {
                        text: format!("{name} {} {value:?}", op.as_str()),
                        reason: first_line(&e.to_string()),
                    })?,
            ),
            _ => None,
        };
        Ok(Matcher {
            name: name.to_owned(),
            op,
            value: value.to_owned(),
            regex,
        })
    }

    /// Reads `name op value`; the value is either double-quoted (`\"` and
    /// `\\` are its escapes; any other backslash is kept, so regexes read
    /// naturally) or the rest of the text, trimmed.
    pub fn parse(text: &str) -> Result<Matcher, MatcherError> {
        let s = text.trim();
        let (name, rest) = if let Some(quoted) = s.strip_prefix('"') {
            let (name, after) =
                read_quoted(quoted).ok_or_else(|| MatcherError::Unclosed(text.into()))?;
            (name, after.trim_start())
        } else {
            let end = s
                .find(['=', '!'])
                .ok_or_else(|| MatcherError::NoOperator(text.into()))?;
            let name = s[..end].trim().to_owned();
            if name.is_empty() {
                return Err(MatcherError::NoName(text.into()));
            }
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            {
                return Err(MatcherError::BadName {
                    text: text.into(),
                    name,
                });
            }
            (name, &s[end..])
        };
        let (op, rest) = [
            ("=~", MatchOp::Regex),
            ("!~", MatchOp::NotRegex),
            ("!=", MatchOp::NotEqual),
            ("=", MatchOp::Equal),
        ]
        .into_iter()
        .find_map(|(tok, op)| rest.strip_prefix(tok).map(|r| (op, r)))
        .ok_or_else(|| MatcherError::NoOperator(text.into()))?;
        let rest = rest.trim();
        let value = if let Some(quoted) = rest.strip_prefix('"') {
            let (value, after) =
                read_quoted(quoted).ok_or_else(|| MatcherError::Unclosed(text.into()))?;
            if !after.trim().is_empty() {
                return Err(MatcherError::Trailing(text.into()));
            }
            value
        } else {
            rest.to_owned()
        };
        Matcher::new(&name, op, &value)
    }

    /// Whether the labels satisfy this matcher (absent labels: see the module doc).
    pub fn matches(&self, labels: &Labels) -> bool {
        match labels.get(&self.name) {
            None => self.op.is_negative(),
            Some(v) => match self.op {
                MatchOp::Equal => *v == self.value,
                MatchOp::NotEqual => *v != self.value,
                MatchOp::Regex => self.regex.as_ref().is_some_and(|r| r.is_match(v)),
                MatchOp::NotRegex => !self.regex.as_ref().is_some_and(|r| r.is_match(v)),
            },
        }
    }

    /// Whether the matcher can match an alert for every value of its label
    /// (or none): a silence made only of such matchers would mute everything.
    pub fn matches_any_value(&self) -> bool {
        match self.op {
            MatchOp::Equal => false,
            MatchOp::Regex => self.regex.as_ref().is_some_and(|r| r.is_match("")),
            MatchOp::NotEqual | MatchOp::NotRegex => true,
        }
    }

    /// Why this matcher does or does not match, in words.
    pub fn explain(&self, labels: &Labels) -> String {
        let verdict = if self.matches(labels) { "yes" } else { "no" };
        match labels.get(&self.name) {
            None => format!("{self}: {verdict} (the alert has no {} label)", self.name),
            Some(v) => format!("{self}: {verdict} ({} is {v:?})", self.name),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if plain {
            f.write_str(&self.name)?;
        } else {
            write_quoted(f, &self.name)?;
        }
        write!(f, " {} ", self.op.as_str())?;
        write_quoted(f, &self.value)
    }
}

/// Serialized as the text [`Matcher::parse`] reads back.
impl Serialize for Matcher {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Matcher {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Matcher::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Whether every matcher matches (an empty list matches everything).
pub fn all_match(matchers: &[Matcher], labels: &Labels) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

/// Parses a list of matchers, naming the index of the first bad one.
pub fn parse_all(texts: &[String]) -> Result<Vec<Matcher>, (usize, MatcherError)> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Matcher::parse(t).map_err(|e| (i, e)))
        .collect()
}

/// `a = "1", b =~ "x.*"`.
pub fn list_text(matchers: &[Matcher]) -> String {
    matchers
        .iter()
        .map(|m| m.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The body of a quoted string (after the opening quote) and what follows it.
fn read_quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return None,
            },
            c => out.push(c),
        }
    }
    None
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => f.write_str("\\\"")?,
            // A backslash before a quote or a backslash would be read as an
            // escape: double it. Elsewhere it is kept as written.
            '\\' if matches!(chars.peek(), Some('"' | '\\') | None) => f.write_str("\\\\")?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or(s)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_the_four_operators_quoted_or_bare() {
        let m = Matcher::parse(r#"level = "critical""#).unwrap();
        assert_eq!(
            (m.name.as_str(), m.op, m.value.as_str()),
            ("level", MatchOp::Equal, "critical")
        );
        let m = Matcher::parse("host!=web1").unwrap();
        assert_eq!((m.op, m.value.as_str()), (MatchOp::NotEqual, "web1"));
        let m = Matcher::parse(r#"dataset =~ "ray\..*""#).unwrap();
        assert_eq!((m.op, m.value.as_str()), (MatchOp::Regex, r"ray\..*"));
        let m = Matcher::parse(r#"source.ip !~ "10\..*""#).unwrap();
        assert_eq!((m.name.as_str(), m.op), ("source.ip", MatchOp::NotRegex));
        let m = Matcher::parse(r#""odd name" = "say \"hi\"""#).unwrap();
        assert_eq!(
            (m.name.as_str(), m.value.as_str()),
            ("odd name", r#"say "hi""#)
        );
    }

    #[test]
    fn refuses_malformed_matchers_with_the_reason() {
        assert!(matches!(
            Matcher::parse("level critical"),
            Err(MatcherError::NoOperator(_))
        ));
        assert!(matches!(
            Matcher::parse(" = x"),
            Err(MatcherError::NoName(_))
        ));
        assert!(matches!(
            Matcher::parse("le vel = x"),
            Err(MatcherError::BadName { .. })
        ));
        assert!(matches!(
            Matcher::parse(r#"a = "x"#),
            Err(MatcherError::Unclosed(_))
        ));
        assert!(matches!(
            Matcher::parse(r#"a = "x" y"#),
            Err(MatcherError::Trailing(_))
        ));
        let e = Matcher::parse(r#"a =~ "(""#).unwrap_err();
        assert!(matches!(e, MatcherError::BadRegex { .. }), "{e}");
    }

    #[test]
    fn regexes_are_anchored() {
        let m = Matcher::parse(r#"host =~ "web""#).unwrap();
        assert!(m.matches(&labels(&[("host", "web")])));
        assert!(!m.matches(&labels(&[("host", "web1")])));
        assert!(!m.matches(&labels(&[("host", "aweb")])));
        let m = Matcher::parse(r#"host =~ "web|db""#).unwrap();
        assert!(m.matches(&labels(&[("host", "db")])));
        assert!(!m.matches(&labels(&[("host", "webdb")])));
    }

    #[test]
    fn an_absent_label_is_not_an_empty_value() {
        let none = labels(&[("rule", "r")]);
        let present_empty = labels(&[("host", "")]);
        for (text, on_absent) in [
            (r#"host = """#, false),
            (r#"host =~ ".*""#, false),
            (r#"host != "web1""#, true),
            (r#"host !~ ".*""#, true),
        ] {
            let m = Matcher::parse(text).unwrap();
            assert_eq!(
                m.matches(&none),
                on_absent,
                "{text} on an alert without host"
            );
        }
        assert!(
            Matcher::parse(r#"host = """#)
                .unwrap()
                .matches(&present_empty)
        );
        assert!(
            !Matcher::parse(r#"host !~ ".*""#)
                .unwrap()
                .matches(&present_empty)
        );
    }

    #[test]
    fn display_reads_back_the_same() {
        for text in [
            r#"level = "critical""#,
            r#"dataset =~ "ray\..*""#,
            r#"a != "q\"uote""#,
            r#"b = "back\\""#,
            r#""with space" = "x""#,
        ] {
            let m = Matcher::parse(text).unwrap();
            let again = Matcher::parse(&m.to_string()).unwrap();
            assert_eq!(m, again, "{text} -> {m}");
            assert_eq!(m.to_string(), text);
        }
    }

    #[test]
    fn says_which_matchers_match_any_value() {
        assert!(!Matcher::parse("a = x").unwrap().matches_any_value());
        assert!(!Matcher::parse("a =~ x.+").unwrap().matches_any_value());
        assert!(Matcher::parse("a =~ .*").unwrap().matches_any_value());
        assert!(Matcher::parse("a != x").unwrap().matches_any_value());
    }

    #[test]
    fn explains_in_words() {
        let m = Matcher::parse("host = web1").unwrap();
        assert_eq!(
            m.explain(&labels(&[])),
            r#"host = "web1": no (the alert has no host label)"#
        );
        assert_eq!(
            m.explain(&labels(&[("host", "web2")])),
            r#"host = "web1": no (host is "web2")"#
        );
    }
}
