//! The aggregation after `|`: `count`, `count by …`, `top …`, `timechart …`.

use super::{Parser, field_name};
use crate::ast::Aggregation;
use crate::lexer::{Tok, Word};
use crate::time::parse_duration;
use crate::{MAX_LIMIT, QueryError};

const DEFAULT_LIMIT: usize = 10;
const AGGREGATIONS: &str = "count, count by FIELD[, FIELD…] [limit N], top [N] FIELD, \
                            timechart INTERVAL, count over INTERVAL";

impl Parser<'_> {
    fn agg_word(&mut self, what: &str) -> Result<(Word, usize), QueryError> {
        let t = self.bump()?;
        match t.tok {
            Tok::Word(w) => Ok((w, t.start)),
            _ => Err(QueryError::new(t.start, format!("expected {what}"))),
        }
    }

    fn agg_field(&mut self, what: &str) -> Result<String, QueryError> {
        let t = self.bump()?;
        match t.tok {
            Tok::Word(w) => field_name(&w, t.start),
            _ => Err(QueryError::new(t.start, format!("expected {what}"))),
        }
    }

    fn peek_word_is(&mut self, kw: &str) -> Result<bool, QueryError> {
        Ok(matches!(&self.peek()?.tok, Tok::Word(w) if w.text.eq_ignore_ascii_case(kw)))
    }

    pub(super) fn aggregation(&mut self, pipe_at: usize) -> Result<Aggregation, QueryError> {
        let t = self.bump()?;
        let Tok::Word(w) = t.tok else {
            return Err(QueryError::new(
                t.start.max(pipe_at + 1),
                format!("expected an aggregation after '|' ({AGGREGATIONS})"),
            ));
        };
        let agg = match w.text.to_ascii_lowercase().as_str() {
            "count" if self.peek_word_is("by")? => {
                self.bump()?;
                let mut fields = vec![self.agg_field("a field after \"count by\"")?];
                while self.peek()?.tok == Tok::Comma {
                    self.bump()?;
                    fields.push(self.agg_field("a field after ','")?);
                }
                let limit = if self.peek_word_is("limit")? {
                    self.bump()?;
                    let (n, at) = self.agg_word("a number after \"limit\"")?;
                    limit(&n.text, at)?
                } else {
                    DEFAULT_LIMIT
                };
                Aggregation::CountBy { fields, limit }
            }
            "count" if self.peek_word_is("over")? => {
                self.bump()?;
                self.interval("count over")?
            }
            "count" => Aggregation::Count,
            "top" => {
                let (first, at) = self.agg_word("a field after \"top\" (top N FIELD)")?;
                // A leading number is N; field names made only of digits
                // are not worth the ambiguity.
                if first.text.bytes().all(|b| b.is_ascii_digit()) {
                    let n = limit(&first.text, at)?;
                    let what = format!("a field after \"top {}\"", first.text);
                    let field = self.agg_field(&what)?;
                    Aggregation::Top { field, limit: n }
                } else {
                    Aggregation::Top {
                        field: field_name(&first, at)?,
                        limit: DEFAULT_LIMIT,
                    }
                }
            }
            "timechart" => self.interval("timechart")?,
            _ => {
                return Err(QueryError::new(
                    t.start,
                    format!("unknown aggregation \"{}\" (use {AGGREGATIONS})", w.text),
                ));
            }
        };
        let rest = self.bump()?;
        match rest.tok {
            Tok::Eof => Ok(agg),
            Tok::Pipe => Err(QueryError::new(
                rest.start,
                "only one aggregation ('|') is allowed",
            )),
            _ => Err(QueryError::new(
                rest.start,
                format!("unexpected text after the aggregation ({AGGREGATIONS})"),
            )),
        }
    }

    fn interval(&mut self, after: &str) -> Result<Aggregation, QueryError> {
        let (w, at) = self.agg_word(&format!(
            "an interval after \"{after}\" like 5m (units s, m, h, d)"
        ))?;
        let text = w.text;
        match parse_duration(&text, false) {
            Some(interval_secs) => Ok(Aggregation::CountOverTime { interval_secs }),
            None => Err(QueryError::new(
                at,
                format!(
                    "\"{text}\" is not an interval (write a positive number and a unit: 30s, 5m, 1h, 1d)"
                ),
            )),
        }
    }
}

fn limit(text: &str, at: usize) -> Result<usize, QueryError> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(QueryError::new(
            at,
            format!("\"{text}\" is not a limit (use a whole number from 1 to {MAX_LIMIT})"),
        )),
    }
}
