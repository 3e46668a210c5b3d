//! The Sightline query language: one parser for the CLI, the HTTP API and the
//! UI, its AST, and a reference evaluator over single events.
//!
//! ```
//! use sightline_query::{parse, Aggregation};
//! let q = parse("event.outcome:failure AND source.ip:10.0.0.5 | count by user.name").unwrap();
//! assert!(matches!(q.aggregation, Some(Aggregation::CountBy { .. })));
//! ```
//!
//! The language is described in `docs/query.md`; [`Expr::matches`] is the
//! definition of what a query selects.

mod ast;
mod eval;
mod lexer;
mod parser;
mod time;

pub use ast::*;
pub use eval::tokenize;
pub use parser::parse;
pub use time::parse_time;

/// Longest accepted query text, in bytes.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// Deepest accepted nesting of parentheses and NOTs.
pub const MAX_DEPTH: usize = 64;
/// Most terms (field terms, words, phrases) in one query.
pub const MAX_TERMS: usize = 1024;
/// Largest `limit` for `count by` and `top`.
pub const MAX_LIMIT: usize = 10_000;

/// Why a query (or a time) did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {position}: {message}")]
pub struct QueryError {
    /// Byte offset into the text where the problem is.
    pub position: usize,
    /// What is wrong and, where it helps, what to write instead.
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        QueryError {
            position,
            message: message.into(),
        }
    }
}
