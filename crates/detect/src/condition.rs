//! The condition language: `sel and not 1 of filter*`, with precedence
//! `or` < `and` < `not` < `x of` < parentheses. Also the boolean expressions
//! over rule names used by extended temporal correlation conditions.

use crate::rule::RefExpr;
use serde::{Deserialize, Serialize};

/// Deepest parenthesis/`not` nesting accepted (keeps recursion bounded).
const MAX_DEPTH: usize = 100;

/// Which search identifiers a quantifier ranges over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Selector {
    /// `them`: every identifier not starting with `_`.
    Them,
    /// A name pattern with `*` wildcards.
    Pattern(String),
}

/// A parsed detection condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cond {
    Ident(String),
    OneOf(Selector),
    AllOf(Selector),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
    Pipe,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            out.push(Tok::Word(std::mem::take(word)));
        }
    };
    for c in s.chars() {
        match c {
            '(' => {
                flush(&mut word, &mut out);
                out.push(Tok::LParen);
            }
            ')' => {
                flush(&mut word, &mut out);
                out.push(Tok::RParen);
            }
            '|' => {
                flush(&mut word, &mut out);
                out.push(Tok::Pipe);
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '*' | '?') => word.push(c),
            c => return Err(format!("unexpected character `{c}`")),
        }
    }
    flush(&mut word, &mut out);
    Ok(out)
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

struct P {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn descend(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.and()?];
        while is_kw(self.peek(), "or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::Or(items)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut items = vec![self.not()?];
        while is_kw(self.peek(), "and") {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Cond::And(items)
        })
    }

    fn not(&mut self) -> Result<Cond, String> {
        if is_kw(self.peek(), "not") {
            self.pos += 1;
            self.descend()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond, String> {
        match self.next() {
            Some(Tok::LParen) => {
                self.descend()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.next() {
                    Some(Tok::RParen) => Ok(inner),
                    _ => Err("missing `)`".into()),
                }
            }
            Some(Tok::Word(w)) => {
                let lw = w.to_ascii_lowercase();
                if is_kw(self.peek(), "of") {
                    self.pos += 1;
                    let sel = match self.next() {
                        Some(Tok::Word(t)) if t.eq_ignore_ascii_case("them") => Selector::Them,
                        Some(Tok::Word(t)) if !is_keyword(&t) => Selector::Pattern(t),
                        _ => return Err(format!("`{w} of` must be followed by `them` or a name pattern like `selection*`")),
                    };
                    return match lw.as_str() {
                        "1" | "any" => Ok(Cond::OneOf(sel)),
                        "all" => Ok(Cond::AllOf(sel)),
                        _ => Err(format!("`{w} of`: only `1 of` and `all of` are defined")),
                    };
                }
                if is_keyword(&w) {
                    return Err(format!("unexpected `{w}`"));
                }
                Ok(Cond::Ident(w))
            }
            Some(Tok::RParen) => Err("unexpected `)`".into()),
            Some(Tok::Pipe) => Err(
                "aggregations after `|` (count, near) are Sigma 1.x; write a correlation rule instead".into(),
            ),
            None => Err("ends too early: an identifier is missing".into()),
        }
    }
}

fn is_keyword(w: &str) -> bool {
    ["and", "or", "not", "of", "them"]
        .iter()
        .any(|k| w.eq_ignore_ascii_case(k))
}

/// Parses a detection condition.
pub fn parse(s: &str) -> Result<Cond, String> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err("the condition is empty".into());
    }
    let mut p = P {
        toks,
        pos: 0,
        depth: 0,
    };
    let c = p.or()?;
    match p.peek() {
        None => Ok(c),
        Some(Tok::Pipe) => Err(
            "aggregations after `|` (count, near) are Sigma 1.x; write a correlation rule instead"
                .into(),
        ),
        Some(t) => Err(format!(
            "unexpected {} after a complete expression",
            describe(t)
        )),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)` (unbalanced parentheses)".into(),
        Tok::Word(w) => format!("`{w}` (missing `and`/`or`?)"),
        Tok::Pipe => "`|`".into(),
    }
}

/// Parses an extended temporal correlation condition (`a and not b`).
pub fn parse_ref_expr(s: &str) -> Result<RefExpr, String> {
    fn conv(c: Cond) -> Result<RefExpr, String> {
        Ok(match c {
            Cond::Ident(r) => RefExpr::Rule(r),
            Cond::Not(x) => RefExpr::Not(Box::new(conv(*x)?)),
            Cond::And(v) => RefExpr::And(v.into_iter().map(conv).collect::<Result<_, _>>()?),
            Cond::Or(v) => RefExpr::Or(v.into_iter().map(conv).collect::<Result<_, _>>()?),
            Cond::OneOf(_) | Cond::AllOf(_) => {
                return Err("`1 of`/`all of` are not allowed in correlation conditions".into());
            }
        })
    }
    conv(parse(s)?)
}

/// Does a name match a `*`-pattern of the condition (`selection*`)?
pub fn name_matches(pattern: &str, name: &str) -> bool {
    crate::pattern::Pattern::parse(pattern)
        .compile()
        .is_match(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Cond {
        Cond::Ident(s.into())
    }

    #[test]
    fn precedence_not_and_or() {
        // a or b and not c  ==  a or (b and (not c))
        assert_eq!(
            parse("a or b and not c").unwrap(),
            Cond::Or(vec![
                id("a"),
                Cond::And(vec![id("b"), Cond::Not(Box::new(id("c")))])
            ])
        );
        // not a and b == (not a) and b
        assert_eq!(
            parse("not a and b").unwrap(),
            Cond::And(vec![Cond::Not(Box::new(id("a"))), id("b")])
        );
        assert_eq!(
            parse("(a or b) and c").unwrap(),
            Cond::And(vec![Cond::Or(vec![id("a"), id("b")]), id("c")])
        );
        assert_eq!(parse("NOT a").unwrap(), Cond::Not(Box::new(id("a"))));
        assert_eq!(
            parse("not not a").unwrap(),
            Cond::Not(Box::new(Cond::Not(Box::new(id("a")))))
        );
    }

    #[test]
    fn quantifiers() {
        assert_eq!(
            parse("1 of sel* and not all of filter_*").unwrap(),
            Cond::And(vec![
                Cond::OneOf(Selector::Pattern("sel*".into())),
                Cond::Not(Box::new(Cond::AllOf(Selector::Pattern("filter_*".into()))))
            ])
        );
        assert_eq!(parse("all of them").unwrap(), Cond::AllOf(Selector::Them));
        assert_eq!(parse("any of them").unwrap(), Cond::OneOf(Selector::Them));
        assert!(parse("2 of them").is_err());
        assert!(parse("1 of").is_err());
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "a and",
            "(a",
            "a)",
            "a b",
            "and",
            "sel | count() > 5",
            "a & b",
            "of them",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&format!("{}a{}", "(".repeat(500), ")".repeat(500))).is_err());
        assert!(parse(&"not ".repeat(500)).is_err());
    }

    #[test]
    fn ref_exprs() {
        assert_eq!(
            parse_ref_expr("a and not b").unwrap(),
            RefExpr::And(vec![
                RefExpr::Rule("a".into()),
                RefExpr::Not(Box::new(RefExpr::Rule("b".into())))
            ])
        );
        assert!(parse_ref_expr("1 of them").is_err());
        assert!(name_matches("sel*", "selection"));
        assert!(!name_matches("sel*", "filter"));
    }
}
