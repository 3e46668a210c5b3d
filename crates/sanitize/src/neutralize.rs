//! Log-injection neutralization: characters that could forge a line, drive a
//! terminal or make text read differently from what it is become visible
//! escapes (`\x1b`, `\r`, `\u{202e}`).
//!
//! The output holds only characters this module never escapes, so a second
//! pass is a no-op (idempotent). Backslashes already in the text are left as
//! they are: escaping them too would make every pass double them.

use std::fmt::Write;

/// Bytes that may start a character needing an escape: ASCII controls, DEL,
/// and the UTF-8 lead bytes of the ranges listed in [`needs_escape`]. Every
/// other byte is skipped with one table lookup (the common case).
static CANDIDATE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'\t' as usize] = false;
    t[0x7f] = true;
    t[0xc2] = true; // U+0080..U+00BF: C1 controls, soft hyphen
    t[0xd8] = true; // U+0600..U+063F: Arabic letter mark
    t[0xe1] = true; // U+1000..U+1FFF: Mongolian vowel separator, Hangul fillers
    t[0xe2] = true; // U+2000..U+2FFF: zero-width, bidi, line/paragraph separators
    t[0xe3] = true; // U+3000..U+3FFF: Hangul filler
    t[0xef] = true; // U+F000..U+FFFF: BOM, interlinear annotations, halfwidth filler
    t[0xf3] = true; // U+C0000..U+FFFFF: tag characters (U+E0000..)
    t
};

/// Whether `c` must be escaped. `\n` is kept only where the caller says line
/// breaks are the record's real structure.
pub fn needs_escape(c: char, keep_newlines: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !keep_newlines,
        '\0'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}' => true,
        // Invisible format characters that can hide or reorder text: soft
        // hyphen, Arabic letter mark, Mongolian vowel separator, zero-width
        // space/joiners and directional marks, line/paragraph separators
        // (line breaks to some viewers), bidi embeddings/overrides/isolates,
        // word joiner and invisible operators, BOM, interlinear annotations,
        // Hangul fillers, and the tag block used to smuggle hidden ASCII.
        '\u{ad}'
        | '\u{61c}'
        | '\u{115f}'
        | '\u{1160}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{3164}'
        | '\u{feff}'
        | '\u{ffa0}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}' => true,
        _ => false,
    }
}

/// Index of the first character that needs an escape.
fn first_escape(s: &str, keep_newlines: bool) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    // Eight bytes at a time while they are all printable ASCII (the common
    // case); a chunk holding anything else is looked at byte by byte.
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if !all_printable_ascii(u64::from_le_bytes(word))
            && let Some(at) = scan_bytes(s, i, i + 8, keep_newlines)
        {
            return Some(at);
        }
        i += 8;
    }
    scan_bytes(s, i, bytes.len(), keep_newlines)
}

/// Whether every byte of `x` is in `0x20..=0x7e`. Exact: the "has a byte
/// less than n" bit trick has no false negatives for n <= 128, and a byte
/// >= 0x7f either has its top bit set or gets it by adding one.
fn all_printable_ascii(x: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let below_space = x.wrapping_sub(LO * 0x20) & !x & HI;
    let del_or_high = (x.wrapping_add(LO) | x) & HI;
    below_space | del_or_high == 0
}

/// The first character needing an escape that starts in `from..to`.
fn scan_bytes(s: &str, from: usize, to: usize, keep_newlines: bool) -> Option<usize> {
    let bytes = s.as_bytes();
    for i in from..to.min(bytes.len()) {
        let b = bytes.get(i).copied().unwrap_or(0);
        if CANDIDATE[usize::from(b)] {
            // Candidates are ASCII or UTF-8 lead bytes, so `i` is a char boundary.
            if let Some(c) = s.get(i..).and_then(|t| t.chars().next())
                && needs_escape(c, keep_newlines)
            {
                return Some(i);
            }
        }
    }
    None
}

/// Whether [`neutralize`] would change `s`.
pub fn is_clean(s: &str, keep_newlines: bool) -> bool {
    first_escape(s, keep_newlines).is_none()
}

/// Escapes, in place, every character [`needs_escape`] names; returns how
/// many were escaped. Allocates only when there is something to escape.
pub fn neutralize(s: &mut String, keep_newlines: bool) -> u32 {
    let Some(start) = first_escape(s, keep_newlines) else {
        return 0;
    };
    let (head, tail) = s.split_at(start);
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(head);
    let mut count = 0u32;
    for c in tail.chars() {
        if needs_escape(c, keep_newlines) {
            count = count.saturating_add(1);
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    *s = out;
    count
}

/// The visible form of one escaped character.
fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        // Writing to a String cannot fail.
        c if c.is_ascii() => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// Neutralizes a copy-on-write string, allocating only when needed.
pub fn neutralize_cow(s: &mut std::borrow::Cow<'static, str>) -> u32 {
    if is_clean(s, false) {
        return 0;
    }
    let mut owned = s.to_string();
    let n = neutralize(&mut owned, false);
    *s = std::borrow::Cow::Owned(owned);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str, keep: bool) -> (String, u32) {
        let mut t = s.to_string();
        let n = neutralize(&mut t, keep);
        (t, n)
    }

    #[test]
    fn clean_text_is_untouched() {
        // µ (Milvus timeCost), dashes, CJK and emoji share lead bytes with
        // escaped ranges but are ordinary text.
        let s = "timeCost: 308.881µs – “quoted” 中文 日本語 é ✓ 🚀\ttabbed";
        assert_eq!(run(s, false), (s.to_string(), 0));
    }

    #[test]
    fn ansi_colour_codes_from_ray_become_visible() {
        // Verbatim from ray/dev/logs/dashboard_agent.log.
        let line = "2026-11-22 12:37:31,074\tINFO worker.py:2029 -- Connected to Ray cluster. View the dashboard at \u{1b}[1m\u{1b}[32mhttp://127.0.0.1:8265 \u{1b}[39m\u{1b}[22m";
        let (out, n) = run(line, false);
        assert_eq!(n, 4);
        assert!(
            out.ends_with("at \\x1b[1m\\x1b[32mhttp://127.0.0.1:8265 \\x1b[39m\\x1b[22m"),
            "{out}"
        );
    }

    #[test]
    fn line_breaks_forge_nothing() {
        let (out, n) = run("ok\r\nFAKE 200 admin login", false);
        assert_eq!(out, "ok\\r\\nFAKE 200 admin login");
        assert_eq!(n, 2);
        let (out, n) = run("Traceback:\n  File x\r", true);
        assert_eq!(out, "Traceback:\n  File x\\r");
        assert_eq!(n, 1);
    }

    #[test]
    fn bidi_and_invisible_characters() {
        let (out, n) = run(
            "user=\u{202e}nimda\u{202c} ok\u{200b}\u{2028}\u{feff}\u{e0041}",
            false,
        );
        assert_eq!(
            out,
            "user=\\u{202e}nimda\\u{202c} ok\\u{200b}\\u{2028}\\u{feff}\\u{e0041}"
        );
        assert_eq!(n, 6);
        let (out, _) = run("\u{0}\u{7f}\u{85}\u{9b}31m", false);
        assert_eq!(out, "\\x00\\x7f\\u{85}\\u{9b}31m");
    }

    #[test]
    fn word_check_agrees_with_the_byte_check() {
        for b in 0u8..=255 {
            for pos in 0..8 {
                let mut w = *b"abcdefgh";
                w[pos] = b;
                let printable = (0x20..=0x7e).contains(&b);
                assert_eq!(
                    all_printable_ascii(u64::from_le_bytes(w)),
                    printable,
                    "{b:#x} at {pos}"
                );
            }
        }
        // Escapes found in every position of a chunk and in the tail.
        for pos in 0..19 {
            let mut s = "x".repeat(19);
            s.replace_range(pos..pos + 1, "\u{1b}");
            assert_eq!(first_escape(&s, false), Some(pos));
        }
    }

    #[test]
    fn second_pass_changes_nothing() {
        let (once, _) = run("a\u{1b}[31m\r\n\u{202e}b\\x1b", false);
        let (twice, n) = run(&once, false);
        assert_eq!(once, twice);
        assert_eq!(n, 0);
    }
}
