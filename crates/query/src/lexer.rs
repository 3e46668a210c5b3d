//! Turns query text into tokens.
//!
//! The language is context-sensitive in one place: inside a value (after
//! `field:`) a `:` is an ordinary character, so `@timestamp:>=2026-01-02T10:00:00Z`
//! and `url.full:http://x` need no quoting, while in a term position a `:` ends
//! the field name. The parser therefore asks for tokens in a [`Mode`] and uses
//! the character-level helpers directly for values and ranges.

use crate::QueryError;

/// What the parser expects next, which decides where words end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Terms, operators and parentheses.
    Expr,
    /// After `|`: words separated by spaces and commas.
    Agg,
}

/// An unquoted word with its backslash escapes resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    /// The text with every escape resolved (`a\*b` → `a*b`).
    pub text: String,
    /// The text as a wildcard pattern: escapes kept only for `*`, `?` and `\`,
    /// which is the escaping [`crate::Expr::Wildcard`] patterns use.
    pub pattern: String,
    /// Whether an unescaped `*` or `?` occurs.
    pub wild: bool,
    /// Whether any backslash escape occurs (keywords and `*` must be literal).
    pub escaped: bool,
}

impl Word {
    /// The word is exactly `s`, typed without escapes.
    pub fn is(&self, s: &str) -> bool {
        !self.escaped && self.text == s
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Word(Word),
    /// A word directly followed by `:` (the colon is consumed).
    Field(Word),
    Quoted(String),
    LParen,
    RParen,
    And,
    Or,
    Not,
    Pipe,
    Comma,
    /// A character that cannot start a term here (`[`, `>`, `:` …); the parser
    /// turns it into an error that says what to write instead.
    Stray(char),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.src[self.pos..].chars().nth(1)
    }

    pub fn bump_char(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub fn skip_ws(&mut self) {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.bump_char();
        }
    }

    /// The next token in `mode`, after skipping whitespace.
    pub fn token(&mut self, mode: Mode) -> Result<Token, QueryError> {
        self.skip_ws();
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let tok = match (mode, c) {
            (_, '|') if self.peek_second() == Some('|') && mode == Mode::Expr => {
                self.pos += 2;
                Tok::Or
            }
            (_, '|') => {
                self.pos += 1;
                Tok::Pipe
            }
            (Mode::Agg, ',') => {
                self.pos += 1;
                Tok::Comma
            }
            (Mode::Agg, '"') => {
                self.pos += 1;
                Tok::Stray('"')
            }
            (Mode::Agg, _) => {
                Tok::Word(self.read_word(|c| c.is_whitespace() || c == ',' || c == '|')?)
            }
            (Mode::Expr, '(') => {
                self.pos += 1;
                Tok::LParen
            }
            (Mode::Expr, ')') => {
                self.pos += 1;
                Tok::RParen
            }
            (Mode::Expr, '"') => Tok::Quoted(self.read_quoted()?),
            (Mode::Expr, '&') if self.peek_second() == Some('&') => {
                self.pos += 2;
                Tok::And
            }
            (Mode::Expr, '!' | '-') => {
                self.pos += 1;
                Tok::Not
            }
            (Mode::Expr, '[' | ']' | '{' | '}' | '<' | '>' | ':') => {
                self.pos += 1;
                Tok::Stray(c)
            }
            (Mode::Expr, _) => {
                let w =
                    self.read_word(|c| c.is_whitespace() || matches!(c, '(' | ')' | '|' | ':'))?;
                if self.peek_char() == Some(':') {
                    self.pos += 1;
                    Tok::Field(w)
                } else if w.is("AND") {
                    Tok::And
                } else if w.is("OR") {
                    Tok::Or
                } else if w.is("NOT") {
                    Tok::Not
                } else {
                    Tok::Word(w)
                }
            }
        };
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    /// Reads an unquoted word up to (not including) the first unescaped
    /// character for which `stop` holds. A `"` inside a word is an error rather
    /// than the start of a phrase: `a"b c"` is almost always a typo.
    pub fn read_word(&mut self, stop: impl Fn(char) -> bool) -> Result<Word, QueryError> {
        let mut w = Word {
            text: String::new(),
            pattern: String::new(),
            wild: false,
            escaped: false,
        };
        while let Some(c) = self.peek_char() {
            if stop(c) {
                break;
            }
            let at = self.pos;
            self.bump_char();
            match c {
                '\\' => {
                    let Some(e) = self.bump_char() else {
                        return Err(QueryError::new(
                            at,
                            r"a backslash at the end escapes nothing (write \\ for a backslash)",
                        ));
                    };
                    w.escaped = true;
                    w.text.push(e);
                    if matches!(e, '*' | '?' | '\\') {
                        w.pattern.push('\\');
                    }
                    w.pattern.push(e);
                }
                '"' => {
                    return Err(QueryError::new(
                        at,
                        r#"unexpected quote inside a word (escape it as \" or quote the whole value: field:"a b")"#,
                    ));
                }
                _ => {
                    w.wild |= matches!(c, '*' | '?');
                    w.text.push(c);
                    w.pattern.push(c);
                }
            }
        }
        Ok(w)
    }

    /// Reads a `"quoted"` string starting at the opening quote. Backslash
    /// escapes any character (`\"`, `\\`).
    pub fn read_quoted(&mut self) -> Result<String, QueryError> {
        let open = self.pos;
        self.bump_char(); // the opening quote
        let mut out = String::new();
        loop {
            match self.bump_char() {
                None => {
                    return Err(QueryError::new(
                        open,
                        r#"unterminated quoted phrase (close it with ")"#,
                    ));
                }
                Some('"') => return Ok(out),
                Some('\\') => match self.bump_char() {
                    Some(e) => out.push(e),
                    None => {
                        return Err(QueryError::new(
                            open,
                            r#"unterminated quoted phrase (close it with ")"#,
                        ));
                    }
                },
                Some(c) => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        let mut lx = Lexer::new(s);
        let mut out = Vec::new();
        loop {
            let t = lx.token(Mode::Expr).unwrap();
            if t.tok == Tok::Eof {
                return out;
            }
            out.push(t.tok);
        }
    }

    #[test]
    fn operators_and_keywords() {
        let t = toks("a AND b && c OR d || NOT e !f -g");
        let kinds: Vec<&str> = t
            .iter()
            .map(|t| match t {
                Tok::Word(_) => "w",
                Tok::And => "and",
                Tok::Or => "or",
                Tok::Not => "not",
                _ => "?",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "w", "and", "w", "and", "w", "or", "w", "or", "not", "w", "not", "w", "not", "w"
            ]
        );
    }

    #[test]
    fn lower_case_keywords_and_escaped_keywords_are_words() {
        assert!(matches!(&toks("and")[0], Tok::Word(w) if w.text == "and"));
        assert!(matches!(&toks(r"\AND")[0], Tok::Word(w) if w.text == "AND"));
    }

    #[test]
    fn field_ends_at_colon_and_escapes_resolve() {
        let t = toks(r"source.ip:x a\:b\*c*");
        assert!(matches!(&t[0], Tok::Field(w) if w.text == "source.ip"));
        match &t[2] {
            Tok::Word(w) => {
                assert_eq!(w.text, "a:b*c*");
                assert_eq!(w.pattern, r"a:b\*c*");
                assert!(w.wild && w.escaped);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(toks(r#""a \"b\" c""#), [Tok::Quoted(r#"a "b" c"#.into())]);
        let mut lx = Lexer::new(r#"x "open"#);
        lx.token(Mode::Expr).unwrap();
        let err = lx.token(Mode::Expr);
        assert_eq!(err.unwrap_err().position, 2);
    }

    #[test]
    fn trailing_backslash_is_an_error() {
        let err = Lexer::new(r"ab\").token(Mode::Expr).unwrap_err();
        assert_eq!(err.position, 2);
    }
}
