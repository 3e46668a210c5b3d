//! The prefilter: finds every occurrence of every anchor literal, ASCII
//! case-insensitively, so that regexes and the key/value scanner run only
//! where one occurs.
//!
//! Aho-Corasick's own case-insensitive mode gets no prefilter with dozens of
//! patterns (it walks the automaton byte by byte, about 300 MB/s here), while
//! its packed (Teddy, SIMD) searcher handles them several times faster but
//! only case-sensitively. So the text is lower-cased into a reused buffer
//! (same length, same offsets: only ASCII bytes change) and searched for the
//! lower-cased anchors with the packed searcher. Where the packed searcher
//! is unavailable (no SIMD on the target, too many patterns) the automaton's
//! case-insensitive overlapping search is used instead.

use aho_corasick::packed;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind, Span};
use std::cell::RefCell;

/// What finding an anchor sets off. `T` is the caller's own tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use<T> {
    pub what: T,
    /// Counts only where no ASCII letter, digit or `_` precedes the anchor.
    pub boundary: bool,
}

#[derive(Debug, Clone)]
enum Finder {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

#[derive(Debug, Clone)]
pub struct Anchors<T> {
    finder: Finder,
    /// By pattern id: everything that anchor sets off.
    uses: Vec<Vec<Use<T>>>,
    /// Length of the shortest anchor: shorter strings hold none.
    shortest: usize,
}

thread_local! {
    /// Lower-cased copy of the string being searched, reused across calls.
    static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl<T: Copy> Anchors<T> {
    /// `None` when there are no anchors.
    pub fn new(
        list: Vec<(String, Use<T>)>,
    ) -> Result<Option<Anchors<T>>, aho_corasick::BuildError> {
        // One pattern per distinct lower-cased text.
        let mut texts: Vec<String> = Vec::new();
        let mut uses: Vec<Vec<Use<T>>> = Vec::new();
        for (text, u) in list {
            let text = text.to_ascii_lowercase();
            match texts.iter().position(|t| *t == text) {
                Some(i) => {
                    if let Some(v) = uses.get_mut(i) {
                        v.push(u);
                    }
                }
                None => {
                    texts.push(text);
                    uses.push(vec![u]);
                }
            }
        }
        // Leftmost-first search reports one pattern per start position, so an
        // anchor that extends another (`pass`, `passwd`) would hide it: fold
        // the longer one's uses into the shorter (which fires wherever the
        // longer would), and drop the longer.
        let mut i = 0;
        while i < texts.len() {
            let longer = (0..texts.len()).find(|&j| {
                j != i
                    && texts
                        .get(j)
                        .zip(texts.get(i))
                        .is_some_and(|(l, s)| l.len() > s.len() && l.starts_with(s.as_str()))
            });
            match longer {
                Some(j) => {
                    let moved = uses.remove(j);
                    texts.remove(j);
                    let target = if j < i { i - 1 } else { i };
                    if let Some(v) = uses.get_mut(target) {
                        v.extend(moved);
                    }
                    i = 0;
                }
                None => i += 1,
            }
        }
        if texts.is_empty() {
            return Ok(None);
        }
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(texts.iter())
            .build();
        let finder = match packed {
            Some(p) => Finder::Packed(p),
            None => Finder::Automaton(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&texts)?,
            ),
        };
        let shortest = texts.iter().map(String::len).min().unwrap_or(0);
        Ok(Some(Anchors {
            finder,
            uses,
            shortest,
        }))
    }

    /// Calls `f(start, end, what)` for every use of every anchor occurrence
    /// in `text` (boundary conditions already checked).
    pub fn find(&self, text: &str, mut f: impl FnMut(usize, usize, T)) {
        let bytes = text.as_bytes();
        if bytes.len() < self.shortest {
            return;
        }
        let mut report = |start: usize, end: usize, pattern: usize| {
            let Some(uses) = self.uses.get(pattern) else {
                return;
            };
            let after_word = start > 0
                && bytes
                    .get(start - 1)
                    .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
            for u in uses {
                if !(u.boundary && after_word) {
                    f(start, end, u.what);
                }
            }
        };
        match &self.finder {
            Finder::Automaton(ac) => {
                for m in ac.find_overlapping_iter(text) {
                    report(m.start(), m.end(), m.pattern().as_usize());
                }
            }
            Finder::Packed(searcher) => {
                let search = |lower: &[u8], report: &mut dyn FnMut(usize, usize, usize)| {
                    let mut at = 0;
                    while at < lower.len() {
                        let Some(m) = searcher.find_in(lower, Span::from(at..lower.len())) else {
                            break;
                        };
                        report(m.start(), m.end(), m.pattern().as_usize());
                        // Restart just after this start: every occurrence is
                        // seen, overlapping ones included.
                        at = m.start() + 1;
                    }
                };
                // Most field values are short: lower-case them on the stack.
                let mut stack = [0u8; 256];
                if let Some(lower) = stack.get_mut(..bytes.len()) {
                    lower.copy_from_slice(bytes);
                    lower.make_ascii_lowercase();
                    search(lower, &mut report);
                    return;
                }
                LOWER.with(|cell| {
                    // A re-entrant call (none exists) would find the buffer
                    // taken; it then searches its own copy rather than panic.
                    let mut owned = Vec::new();
                    let mut guard = cell.try_borrow_mut().ok();
                    let buf = guard.as_deref_mut().unwrap_or(&mut owned);
                    buf.clear();
                    buf.extend_from_slice(bytes);
                    buf.make_ascii_lowercase();
                    search(buf, &mut report);
                    // Do not keep a huge line's buffer alive forever.
                    if buf.capacity() > 1 << 16 {
                        *buf = Vec::new();
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(list: &[(&str, bool, u8)], text: &str) -> Vec<(usize, u8)> {
        let a = Anchors::new(
            list.iter()
                .map(|&(t, boundary, what)| (t.to_string(), Use { what, boundary }))
                .collect(),
        )
        .expect("builds")
        .expect("not empty");
        let mut out = Vec::new();
        a.find(text, |s, _, w| out.push((s, w)));
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_every_occurrence_case_insensitively() {
        let list = [("pass", false, 1), ("Token", false, 2), ("sk-", true, 3)];
        assert_eq!(
            all(&list, "PASSWORD token TOKENS"),
            [(0, 1), (9, 2), (15, 2)]
        );
        assert_eq!(all(&list, "task-1 sk-2 (sk-3"), [(7, 3), (13, 3)]);
        assert_eq!(all(&list, "passpass"), [(0, 1), (4, 1)]);
    }

    #[test]
    fn an_anchor_extending_another_is_not_hidden() {
        let list = [
            ("passwd", false, 1),
            ("pass", false, 2),
            ("asswd", false, 3),
        ];
        assert_eq!(all(&list, "x passwd"), [(2, 1), (2, 2), (3, 3)]);
        assert_eq!(all(&list, "x pass"), [(2, 1), (2, 2)]);
    }

    #[test]
    fn long_text_uses_the_shared_buffer() {
        let list = [("token", false, 1), ("pass", true, 2)];
        let text = format!("{}TOKEN x{}Pass", "é".repeat(300), "a".repeat(5000));
        assert_eq!(all(&list, &text), [(600, 1)]);
        let text = format!("{} pass", "b".repeat(1000));
        assert_eq!(all(&list, &text), [(1001, 2)]);
        assert_eq!(all(&list, "pa"), []);
    }

    #[test]
    fn multibyte_text_keeps_offsets() {
        let list = [("token", false, 1)];
        assert_eq!(all(&list, "ÄÖÜ TOKEN ß token"), [(7, 1), (16, 1)]);
    }
}
