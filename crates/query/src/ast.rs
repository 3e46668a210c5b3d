//! The parsed form of a query. The parser produces it; the store translates
//! it into index queries, and [`crate::Expr::matches`] evaluates it over a
//! single event (used where there is no index, and as the reference in tests).

use jiff::Timestamp;
use std::ops::Bound;

/// A whole query: which events, and optionally what to compute over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub filter: Expr,
    pub aggregation: Option<Aggregation>,
}

/// Which events a query selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Every event (the empty query, or `*`).
    All,
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `field:value`, or a bare word when `field` is `None` (free text over
    /// `message` and `event.original`). Case-insensitive.
    ///
    /// With a field: equality with the field's value (numerically for
    /// numeric fields when `value` is a number). Without: `value`'s tokens
    /// (see [`crate::tokenize`]) occur consecutively in `message` or in
    /// `event.original`; the parser only emits free-text terms made of
    /// letters and digits, so that is one token.
    Term {
        field: Option<String>,
        value: String,
    },
    /// `field:"a b c"` or `"a b c"`: the words in this order.
    ///
    /// `text` is as written; its words are [`crate::tokenize`]`(text)`, and
    /// a phrase with no words matches nothing.
    Phrase {
        field: Option<String>,
        text: String,
    },
    /// `field:adm*n` or `pass?ord`: `*` any run of characters, `?` one character.
    ///
    /// In `pattern` a backslash makes the next character literal (`\*`,
    /// `\?`, `\\`); nothing else is escaped. Matching is
    /// case-insensitive and covers the whole value (with a field) or one
    /// token (free text).
    Wildcard {
        field: Option<String>,
        pattern: String,
    },
    /// `field:[a TO b]`, `field:{a TO b}`, `field:>5`, `field:<=2026-01-01`.
    Range {
        field: String,
        lower: Bound<Scalar>,
        upper: Bound<Scalar>,
    },
    /// `field:*` or `_exists_:field`.
    Exists {
        field: String,
    },
}

/// A range bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Num(f64),
    Time(Timestamp),
    Text(String),
}

/// What to compute over the selected events (after a `|`).
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregation {
    /// `| count`: how many.
    Count,
    /// `| count by f1, f2 [limit N]`: how many per combination of values, largest first.
    CountBy { fields: Vec<String>, limit: usize },
    /// `| top N field`: the N most frequent values of a field.
    Top { field: String, limit: usize },
    /// `| timechart 5m` (or `| count over 5m`): how many per time bucket.
    CountOverTime { interval_secs: u64 },
}
