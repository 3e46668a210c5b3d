//! Recursive-descent parser: text → [`Query`].
//!
//! ```text
//! query    := or? ('|' aggregation)?
//! or       := and (('OR' | '||') and)*
//! and      := unary (('AND' | '&&')? unary)*      adjacent terms are ANDed
//! unary    := ('NOT' | '!' | '-') unary | '(' or ')' | term
//! term     := FIELD ':' value | WORD | "PHRASE"
//! value    := WORD | "PHRASE" | '*' | range | ('>' | '>=' | '<' | '<=') bound
//! range    := ('[' | '{') bound 'TO' bound (']' | '}')
//! ```

use crate::ast::{Expr, Query, Scalar};
use crate::lexer::{Lexer, Mode, Tok, Token, Word};
use crate::time::parse_instant;
use crate::{MAX_DEPTH, MAX_QUERY_BYTES, MAX_TERMS, QueryError, tokenize};
use std::ops::Bound;

mod agg;

/// Parses a query. See `docs/query.md` for the language.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        // Report the limit as the position, moved back to a character
        // boundary so callers can slice the text there.
        let mut at = MAX_QUERY_BYTES;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        return Err(QueryError::new(
            at,
            format!(
                "the query is {} bytes; the limit is {MAX_QUERY_BYTES} (8 KiB)",
                text.len()
            ),
        ));
    }
    Parser {
        lex: Lexer::new(text),
        peeked: None,
        mode: Mode::Expr,
        terms: 0,
    }
    .query()
}

struct Parser<'a> {
    lex: Lexer<'a>,
    peeked: Option<Token>,
    mode: Mode,
    terms: usize,
}

fn can_start_term(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Word(_) | Tok::Field(_) | Tok::Quoted(_) | Tok::LParen | Tok::Not | Tok::Stray(_)
    )
}

impl Parser<'_> {
    fn peek(&mut self) -> Result<&Token, QueryError> {
        let t = match self.peeked.take() {
            Some(t) => t,
            None => self.lex.token(self.mode)?,
        };
        Ok(self.peeked.insert(t))
    }

    fn bump(&mut self) -> Result<Token, QueryError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lex.token(self.mode),
        }
    }

    fn query(mut self) -> Result<Query, QueryError> {
        let filter = match self.peek()?.tok {
            Tok::Eof | Tok::Pipe => Expr::All,
            _ => self.or(0)?,
        };
        let t = self.bump()?;
        let aggregation = match t.tok {
            Tok::Eof => None,
            Tok::Pipe => {
                self.mode = Mode::Agg;
                Some(self.aggregation(t.start)?)
            }
            Tok::RParen => {
                return Err(QueryError::new(
                    t.start,
                    "unmatched ')' (remove it or add a '(' before it)",
                ));
            }
            // `and` stops only at the tokens above.
            _ => return Err(QueryError::new(t.start, "unexpected input")),
        };
        Ok(Query {
            filter,
            aggregation,
        })
    }

    /// Fails unless the next token can start a term, naming the operator
    /// that needs one.
    fn need_term_after(&mut self, op: &str, op_end: usize) -> Result<(), QueryError> {
        let t = self.peek()?;
        if can_start_term(&t.tok) {
            Ok(())
        } else {
            Err(QueryError::new(
                t.start.max(op_end),
                format!("expected a term after {op}"),
            ))
        }
    }

    fn or(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut items = vec![self.and(depth)?];
        while self.peek()?.tok == Tok::Or {
            let op = self.bump()?;
            self.need_term_after("OR", op.end)?;
            items.push(self.and(depth)?);
        }
        Ok(flatten(items, false))
    }

    fn and(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let mut items = vec![self.unary(depth)?];
        loop {
            match self.peek()?.tok {
                Tok::Or | Tok::RParen | Tok::Pipe | Tok::Eof => break,
                Tok::And => {
                    let op = self.bump()?;
                    self.need_term_after("AND", op.end)?;
                }
                _ => {}
            }
            items.push(self.unary(depth)?);
        }
        Ok(flatten(items, true))
    }

    fn deeper(depth: usize, at: usize) -> Result<usize, QueryError> {
        if depth >= MAX_DEPTH {
            Err(QueryError::new(
                at,
                format!(
                    "the query nests deeper than {MAX_DEPTH} levels (simplify the parentheses and NOTs)"
                ),
            ))
        } else {
            Ok(depth + 1)
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, QueryError> {
        let t = self.bump()?;
        match t.tok {
            Tok::Not => {
                let depth = Self::deeper(depth, t.start)?;
                self.need_term_after("NOT", t.end)?;
                Ok(Expr::Not(Box::new(self.unary(depth)?)))
            }
            Tok::LParen => {
                let depth = Self::deeper(depth, t.start)?;
                if self.peek()?.tok == Tok::RParen {
                    return Err(QueryError::new(
                        t.start,
                        "empty parentheses (put a term inside or remove them)",
                    ));
                }
                let inner = self.or(depth)?;
                let close = self.bump()?;
                if close.tok != Tok::RParen {
                    return Err(QueryError::new(
                        t.start,
                        "unclosed '(' (add a matching ')')",
                    ));
                }
                Ok(inner)
            }
            Tok::Field(name) => {
                self.count_term(t.start)?;
                let field = field_name(&name, t.start)?;
                self.value(field, t.end)
            }
            Tok::Word(w) => {
                self.count_term(t.start)?;
                free_word(w, t.start)
            }
            Tok::Quoted(s) => {
                self.count_term(t.start)?;
                if tokenize(&s).next().is_none() {
                    return Err(QueryError::new(
                        t.start,
                        "the phrase has no letters or digits to search for (free text matches words)",
                    ));
                }
                Ok(Expr::Phrase {
                    field: None,
                    text: s,
                })
            }
            Tok::RParen => Err(QueryError::new(
                t.start,
                "unmatched ')' (remove it or add a '(' before it)",
            )),
            Tok::And | Tok::Or => {
                let op = if t.tok == Tok::And { "AND" } else { "OR" };
                Err(QueryError::new(
                    t.start,
                    format!(
                        "{op} needs a term on its left (lower-case and/or are searched as words)"
                    ),
                ))
            }
            Tok::Pipe => Err(QueryError::new(t.start, "expected a term before '|'")),
            Tok::Eof => Err(QueryError::new(t.start, "expected a term")),
            Tok::Comma => Err(QueryError::new(t.start, "unexpected ','")),
            Tok::Stray(c) => Err(QueryError::new(t.start, stray_message(c))),
        }
    }

    fn count_term(&mut self, at: usize) -> Result<(), QueryError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            Err(QueryError::new(
                at,
                format!("the query has more than {MAX_TERMS} terms (split it up)"),
            ))
        } else {
            Ok(())
        }
    }

    /// The value after `field:`. No whitespace is allowed in between: a
    /// space there is almost always a value that needed quotes.
    fn value(&mut self, field: String, colon_end: usize) -> Result<Expr, QueryError> {
        let after = |what: &str| {
            QueryError::new(
                colon_end,
                format!(
                    "expected {what} after \"{field}:\" (quote values with spaces: field:\"a b\")"
                ),
            )
        };
        if field == "_exists_" {
            let w = self.lex.read_word(value_stop)?;
            if w.text.is_empty() {
                return Err(after("a field name"));
            }
            return Ok(Expr::Exists {
                field: field_name(&w, colon_end)?,
            });
        }
        let Some(c) = self.lex.peek_char() else {
            return Err(after("a value"));
        };
        match c {
            '"' => {
                let s = self.lex.read_quoted()?;
                if tokenize(&s).next().is_none() {
                    return Err(QueryError::new(
                        colon_end,
                        "the phrase has no letters or digits (to match punctuation exactly, \
                         escape it without quotes: field:a\\ b)",
                    ));
                }
                Ok(Expr::Phrase {
                    field: Some(field),
                    text: s,
                })
            }
            '[' | '{' => self.range(field),
            '>' | '<' => {
                self.lex.bump_char();
                let eq = self.lex.peek_char() == Some('=');
                if eq {
                    self.lex.bump_char();
                }
                let at = self.lex.pos();
                let bound = match self.lex.peek_char() {
                    Some('"') => self.lex.read_quoted()?,
                    _ => self.lex.read_word(value_stop)?.text,
                };
                let op = format!("{c}{}", if eq { "=" } else { "" });
                if bound.is_empty() {
                    return Err(QueryError::new(
                        at,
                        format!("expected a value right after \"{field}:{op}\" (no space)"),
                    ));
                }
                let b = scalar(&field, bound, at)?;
                let b = if eq {
                    Bound::Included(b)
                } else {
                    Bound::Excluded(b)
                };
                let (lower, upper) = if c == '>' {
                    (b, Bound::Unbounded)
                } else {
                    (Bound::Unbounded, b)
                };
                Ok(Expr::Range {
                    field,
                    lower,
                    upper,
                })
            }
            '(' => Err(QueryError::new(
                colon_end,
                format!(
                    "grouping values after a field is not supported \
                     (write ({field}:a OR {field}:b))"
                ),
            )),
            c if value_stop(c) => Err(after("a value")),
            _ => {
                let w = self.lex.read_word(value_stop)?;
                if w.text == "*" && !w.escaped {
                    Ok(Expr::Exists { field })
                } else if w.wild {
                    Ok(Expr::Wildcard {
                        field: Some(field),
                        pattern: w.pattern,
                    })
                } else {
                    Ok(Expr::Term {
                        field: Some(field),
                        value: w.text,
                    })
                }
            }
        }
    }

    /// `[a TO b]`, `{a TO b}` or a mix; `*` is an open end.
    fn range(&mut self, field: String) -> Result<Expr, QueryError> {
        let inclusive_low = self.lex.bump_char() == Some('[');
        self.lex.skip_ws();
        let lower = self.bound(&field, "a lower bound")?;
        let before_to = self.lex.pos();
        self.lex.skip_ws();
        let to_at = self.lex.pos();
        let to = self.lex.read_word(range_stop)?;
        if !to.is("TO") || to_at == before_to {
            return Err(QueryError::new(
                to_at,
                "expected TO in the range (write field:[a TO b], TO in upper case)",
            ));
        }
        self.lex.skip_ws();
        let upper = self.bound(&field, "an upper bound")?;
        self.lex.skip_ws();
        let close_at = self.lex.pos();
        let inclusive_high = match self.lex.bump_char() {
            Some(']') => true,
            Some('}') => false,
            _ => {
                return Err(QueryError::new(
                    close_at,
                    "expected ']' or '}' to close the range",
                ));
            }
        };
        let wrap = |b: Option<Scalar>, inclusive: bool| match b {
            None => Bound::Unbounded,
            Some(s) if inclusive => Bound::Included(s),
            Some(s) => Bound::Excluded(s),
        };
        let (lower, upper) = (wrap(lower, inclusive_low), wrap(upper, inclusive_high));
        if lower == Bound::Unbounded && upper == Bound::Unbounded {
            // `[* TO *]` asks only that the field have a value.
            return Ok(Expr::Exists { field });
        }
        Ok(Expr::Range {
            field,
            lower,
            upper,
        })
    }

    /// One range bound; `None` for an unescaped `*`.
    fn bound(&mut self, field: &str, what: &str) -> Result<Option<Scalar>, QueryError> {
        let at = self.lex.pos();
        let text = match self.lex.peek_char() {
            Some('"') => self.lex.read_quoted()?,
            _ => {
                let w = self.lex.read_word(range_stop)?;
                if w.is("*") {
                    return Ok(None);
                }
                w.text
            }
        };
        if text.is_empty() {
            return Err(QueryError::new(
                at,
                format!("expected {what} in the range (write field:[a TO b], * for an open end)"),
            ));
        }
        scalar(field, text, at).map(Some)
    }
}

fn value_stop(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '|')
}

fn range_stop(c: char) -> bool {
    c.is_whitespace() || matches!(c, ']' | '}')
}

fn stray_message(c: char) -> String {
    match c {
        '[' | '{' => "a range needs a field: field:[a TO b]".into(),
        '<' | '>' => format!("a comparison needs a field: field:{c}5"),
        ':' => "a ':' must follow a field name directly (field:value, no spaces)".into(),
        _ => format!("unexpected '{c}' (escape it with a backslash: \\{c})"),
    }
}

/// Checks a field name: letters, digits, `.`, `_`, `@`, `-`.
fn field_name(w: &Word, at: usize) -> Result<String, QueryError> {
    let ok = !w.text.is_empty()
        && w.text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'));
    if ok {
        Ok(w.text.clone())
    } else {
        Err(QueryError::new(
            at,
            format!(
                "\"{}\" is not a field name (field names use letters, digits, . _ @ -; \
                 to search for a ':' escape it: \\:)",
                w.text
            ),
        ))
    }
}

/// A free-text word. A word with separators (`10.0.0.5`, `user-agent`)
/// becomes the phrase of its tokens, because that is what it matches in the
/// tokenized text.
fn free_word(w: Word, at: usize) -> Result<Expr, QueryError> {
    if w.is("*") {
        return Ok(Expr::All);
    }
    if w.wild {
        if let Some(bad) = w
            .text
            .chars()
            .find(|&c| !c.is_alphanumeric() && c != '*' && c != '?')
        {
            return Err(QueryError::new(
                at,
                format!(
                    "free-text wildcards match one word; \"{}\" contains '{bad}' \
                     (use a field instead: field:{})",
                    w.text, w.pattern
                ),
            ));
        }
        if w.escaped && w.pattern.contains('\\') {
            return Err(QueryError::new(
                at,
                format!(
                    "free-text wildcards match one word; \"{}\" has an escaped wildcard",
                    w.text
                ),
            ));
        }
        return Ok(Expr::Wildcard {
            field: None,
            pattern: w.pattern,
        });
    }
    if tokenize(&w.text).next().is_none() {
        return Err(QueryError::new(
            at,
            format!(
                "\"{}\" has no letters or digits to search for (free text matches words; \
                 search a field for punctuation: field:value)",
                w.text
            ),
        ));
    }
    if w.text.chars().all(char::is_alphanumeric) {
        Ok(Expr::Term {
            field: None,
            value: w.text,
        })
    } else {
        Ok(Expr::Phrase {
            field: None,
            text: w.text,
        })
    }
}

/// A range bound: a number, else a time, else text. `@timestamp` accepts
/// only times, so a typo there is an error rather than a range that never
/// matches.
fn scalar(field: &str, text: String, at: usize) -> Result<Scalar, QueryError> {
    if let Some(n) = crate::eval::parse_number(&text) {
        if field != "@timestamp" {
            return Ok(Scalar::Num(n));
        }
    } else if let Some((t, _)) = parse_instant(&text) {
        return Ok(Scalar::Time(t));
    } else if field != "@timestamp" {
        return Ok(Scalar::Text(text));
    }
    Err(QueryError::new(
        at,
        format!(
            "\"{text}\" is not a time (@timestamp bounds are RFC 3339 like \
             2026-01-02T15:04:05Z or dates like 2026-01-02; for ages use the time picker or --from 1h)"
        ),
    ))
}

/// Joins operands into one And/Or, merging nested ones of the same kind.
fn flatten(items: Vec<Expr>, and: bool) -> Expr {
    let mut out = Vec::with_capacity(items.len());
    for e in items {
        match e {
            Expr::And(inner) if and => out.extend(inner),
            Expr::Or(inner) if !and => out.extend(inner),
            other => out.push(other),
        }
    }
    if out.len() == 1 {
        return out.pop().unwrap_or(Expr::All);
    }
    if and { Expr::And(out) } else { Expr::Or(out) }
}
