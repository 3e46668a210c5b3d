//! Sigma string values: wildcards (`*`, `?`), backslash escapes, and the
//! fast matchers they compile to.
//!
//! Matching works on bytes. Case-insensitive matching lowercases both sides
//! (the pattern once at compile time, the field text once per event), so the
//! matchers themselves are plain byte comparisons.

use memchr::memmem;

/// The characters `windash` treats as interchangeable.
pub const DASHES: &[char] = &['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// One token of a wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// Literal bytes.
    Lit(Vec<u8>),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
    /// Exactly one character out of a set (used by `windash`).
    Class(&'static [char]),
}

/// A parsed wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pattern {
    pub toks: Vec<Tok>,
}

impl Pattern {
    /// Parses a Sigma string value. Escaping follows pySigma: `\*`, `\?` and
    /// `\\` stand for the character itself, a backslash before anything else
    /// is kept as is.
    pub fn parse(s: &str) -> Pattern {
        let mut p = Pattern::default();
        let mut lit = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        lit.push(n);
                        chars.next();
                    }
                    _ => lit.push('\\'),
                },
                '*' => {
                    p.push_lit(&mut lit);
                    if p.toks.last() != Some(&Tok::Star) {
                        p.toks.push(Tok::Star);
                    }
                }
                '?' => {
                    p.push_lit(&mut lit);
                    p.toks.push(Tok::One);
                }
                c => lit.push(c),
            }
        }
        p.push_lit(&mut lit);
        p
    }

    /// A pattern matching exactly `bytes`.
    pub fn literal(bytes: Vec<u8>) -> Pattern {
        let toks = if bytes.is_empty() {
            Vec::new()
        } else {
            vec![Tok::Lit(bytes)]
        };
        Pattern { toks }
    }

    fn push_lit(&mut self, lit: &mut String) {
        if !lit.is_empty() {
            self.toks.push(Tok::Lit(std::mem::take(lit).into_bytes()));
        }
    }

    /// Whether the pattern has `*`, `?` or a character class.
    pub fn has_wildcards(&self) -> bool {
        self.toks.iter().any(|t| !matches!(t, Tok::Lit(_)))
    }

    /// The literal bytes when the pattern has no wildcards.
    pub fn plain_bytes(&self) -> Option<Vec<u8>> {
        if self.has_wildcards() {
            return None;
        }
        Some(
            self.toks
                .iter()
                .flat_map(|t| match t {
                    Tok::Lit(b) => b.clone(),
                    _ => Vec::new(),
                })
                .collect(),
        )
    }

    /// `*value*`, without doubling stars already there.
    pub fn wrap(mut self, start: bool, end: bool) -> Pattern {
        if start && self.toks.first() != Some(&Tok::Star) {
            self.toks.insert(0, Tok::Star);
        }
        if end && self.toks.last() != Some(&Tok::Star) {
            self.toks.push(Tok::Star);
        }
        self
    }

    /// Replaces every dash-like character in literals by a class of all of them.
    pub fn windash(self) -> Pattern {
        let mut out = Pattern::default();
        for t in self.toks {
            match t {
                Tok::Lit(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let mut lit = String::new();
                    for c in text.chars() {
                        if DASHES.contains(&c) {
                            out.push_lit(&mut lit);
                            out.toks.push(Tok::Class(DASHES));
                        } else {
                            lit.push(c);
                        }
                    }
                    out.push_lit(&mut lit);
                }
                other => out.toks.push(other),
            }
        }
        out
    }

    /// Lowercases the literal parts (Unicode-aware), for case-insensitive matching.
    pub fn lowercased(self) -> Pattern {
        let toks = self
            .toks
            .into_iter()
            .map(|t| match t {
                Tok::Lit(b) => Tok::Lit(lower_bytes(&b)),
                other => other,
            })
            .collect();
        Pattern { toks }
    }

    /// The longest literal run, which any matching text must contain.
    pub fn longest_literal(&self) -> Option<&[u8]> {
        self.toks
            .iter()
            .filter_map(|t| match t {
                Tok::Lit(b) => Some(b.as_slice()),
                _ => None,
            })
            .max_by_key(|b| b.len())
    }

    /// Compiles into the cheapest matcher that implements the pattern.
    pub fn compile(&self) -> StrMatch {
        use Tok::*;
        match self.toks.as_slice() {
            [] => StrMatch::Exact(Vec::new()),
            [Lit(b)] => StrMatch::Exact(b.clone()),
            [Star] => StrMatch::Any,
            [Lit(b), Star] => StrMatch::Prefix(b.clone()),
            [Star, Lit(b)] => StrMatch::Suffix(b.clone()),
            [Star, Lit(b), Star] => {
                StrMatch::Contains(Box::new(memmem::Finder::new(b).into_owned()))
            }
            toks => StrMatch::Glob(toks.to_vec()),
        }
    }

    /// The pattern as a regular expression (used by the reference interpreter).
    pub fn to_regex(&self) -> String {
        let mut re = String::from("^");
        for t in &self.toks {
            match t {
                Tok::Lit(b) => re.push_str(&regex::escape(&String::from_utf8_lossy(b))),
                Tok::Star => re.push_str("(?s:.*)"),
                Tok::One => re.push_str("(?s:.)"),
                Tok::Class(set) => {
                    re.push('[');
                    for c in set.iter() {
                        re.push_str(&regex::escape(&c.to_string()));
                    }
                    re.push(']');
                }
            }
        }
        re.push('$');
        re
    }
}

/// Lowercases UTF-8 text (invalid sequences are lowercased bytewise).
pub fn lower_bytes(b: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_lowercase().into_bytes(),
        Err(_) => b.to_ascii_lowercase(),
    }
}

/// A compiled string matcher.
#[derive(Debug, Clone)]
pub enum StrMatch {
    Exact(Vec<u8>),
    Prefix(Vec<u8>),
    Suffix(Vec<u8>),
    Contains(Box<memmem::Finder<'static>>),
    /// `*`: any value at all.
    Any,
    Glob(Vec<Tok>),
}

impl StrMatch {
    /// Whether `text` (already lowercased for case-insensitive patterns) matches.
    pub fn is_match(&self, text: &[u8]) -> bool {
        match self {
            StrMatch::Exact(b) => text == b.as_slice(),
            StrMatch::Prefix(b) => text.starts_with(b),
            StrMatch::Suffix(b) => text.ends_with(b),
            StrMatch::Contains(f) => f.find(text).is_some(),
            StrMatch::Any => true,
            StrMatch::Glob(toks) => glob_match(toks, text),
        }
    }
}

/// Length of the UTF-8 character starting at `b[0]`, if it starts one.
fn char_len(b: &[u8]) -> Option<usize> {
    let lead = *b.first()?;
    let n = match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return None,
    };
    (b.len() >= n).then_some(n)
}

/// Does the token at `t` match at the start of `text`? Returns bytes consumed.
fn tok_at(tok: &Tok, text: &[u8]) -> Option<usize> {
    match tok {
        Tok::Lit(b) => text.starts_with(b).then_some(b.len()),
        Tok::One => char_len(text),
        Tok::Class(set) => {
            let n = char_len(text)?;
            let s = std::str::from_utf8(text.get(..n)?).ok()?;
            let c = s.chars().next()?;
            set.contains(&c).then_some(n)
        }
        Tok::Star => Some(0),
    }
}

/// Wildcard matching with a single backtracking point (every non-star token
/// has a fixed extent, so the classic greedy algorithm is exact).
fn glob_match(toks: &[Tok], text: &[u8]) -> bool {
    let (mut ti, mut pos) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if ti == toks.len() && pos == text.len() {
            return true;
        }
        match toks.get(ti) {
            Some(Tok::Star) => {
                ti += 1;
                star = Some((ti, pos));
                continue;
            }
            Some(tok) => {
                if let Some(n) = text.get(pos..).and_then(|rest| tok_at(tok, rest)) {
                    ti += 1;
                    pos += n;
                    continue;
                }
            }
            None => {}
        }
        // Mismatch (or pattern exhausted with text left): retry after the last star.
        match star {
            Some((sti, spos)) if spos < text.len() => {
                star = Some((sti, spos + 1));
                ti = sti;
                pos = spos + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Pattern::parse(p).compile().is_match(t.as_bytes())
    }

    #[test]
    fn wildcards() {
        assert!(m("prog?.exe", "progA.exe"));
        assert!(!m("prog?.exe", "prog.exe"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "abcd"));
        assert!(m("*", ""));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("*ab?", "xxabz"));
        assert!(m("?é", "xé"));
        assert!(!m("?", "é\u{301}"));
        assert!(m("a*a*a*a*b", "aaaaaaaaaaaaaaaab"));
        assert!(!m("a*a*a*a*b", "aaaaaaaaaaaaaaaaa"));
    }

    #[test]
    fn escapes_follow_pysigma() {
        assert_eq!(
            Pattern::parse(r"a\*b").toks,
            vec![Tok::Lit(b"a*b".to_vec())]
        );
        assert_eq!(
            Pattern::parse(r"a\?b").toks,
            vec![Tok::Lit(b"a?b".to_vec())]
        );
        // A lone backslash before an ordinary character is kept.
        assert_eq!(
            Pattern::parse(r"C:\Windows").toks,
            vec![Tok::Lit(br"C:\Windows".to_vec())]
        );
        // Double backslash is one backslash.
        assert_eq!(
            Pattern::parse(r"C:\\Windows").toks,
            vec![Tok::Lit(br"C:\Windows".to_vec())]
        );
        // Escaped backslash followed by a real wildcard.
        assert_eq!(
            Pattern::parse(r"dir\\*").toks,
            vec![Tok::Lit(br"dir\".to_vec()), Tok::Star]
        );
        // Three backslashes: backslash then a literal star.
        assert_eq!(
            Pattern::parse(r"dir\\\*").toks,
            vec![Tok::Lit(br"dir\*".to_vec())]
        );
        // Four backslashes: two backslashes.
        assert_eq!(
            Pattern::parse(r"\\\\").toks,
            vec![Tok::Lit(br"\\".to_vec())]
        );
        // Trailing backslash stays.
        assert_eq!(Pattern::parse("a\\").toks, vec![Tok::Lit(b"a\\".to_vec())]);
        assert!(m(r"50\%\*", r"50\%*"));
        assert!(!m(r"50\*", "50x"));
    }

    #[test]
    fn matcher_shapes() {
        assert!(matches!(
            Pattern::parse("abc").compile(),
            StrMatch::Exact(_)
        ));
        assert!(matches!(
            Pattern::parse("abc*").compile(),
            StrMatch::Prefix(_)
        ));
        assert!(matches!(
            Pattern::parse("*abc").compile(),
            StrMatch::Suffix(_)
        ));
        assert!(matches!(
            Pattern::parse("*abc*").compile(),
            StrMatch::Contains(_)
        ));
        assert!(matches!(Pattern::parse("**").compile(), StrMatch::Any));
    }

    #[test]
    fn windash_class() {
        let p = Pattern::parse("-enc").windash().wrap(true, true);
        let c = p.compile();
        for t in [
            "x -enc y",
            "x /enc",
            "x \u{2013}enc",
            "\u{2014}enc",
            "\u{2015}enc",
        ] {
            assert!(c.is_match(t.as_bytes()), "{t}");
        }
        assert!(!c.is_match(b"x +enc"));
        assert_eq!(p.longest_literal(), Some(&b"enc"[..]));
    }

    #[test]
    fn regex_form_agrees() {
        for (p, t) in [
            ("a*b?c", "axxbyc"),
            ("*x*", "yyy"),
            (r"a\*", "a*"),
            ("?", "é"),
        ] {
            let re = regex::Regex::new(&Pattern::parse(p).to_regex()).unwrap();
            assert_eq!(re.is_match(t), m(p, t), "{p} {t}");
        }
    }
}
