//! RFC 5424 STRUCTURED-DATA: `[id name="value" ...][id2 ...]`.
//!
//! Inside a PARAM-VALUE, `\"`, `\\` and `\]` are escapes; a backslash before
//! any other character is kept as written (RFC 5424 §6.3.3).

use std::borrow::Cow;

/// One SD-ELEMENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    pub id: &'a str,
    pub params: Vec<(&'a str, Cow<'a, str>)>,
}

/// Parses the elements at the start of `s` (which begins with `[`).
/// Returns them and the text after the last `]`.
pub fn parse(s: &str) -> Result<(Vec<Element<'_>>, &str), &'static str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(body) = rest.strip_prefix('[') {
        let (element, after) = element(body)?;
        out.push(element);
        rest = after;
    }
    Ok((out, rest))
}

/// One element after its `[`, up to and including its `]`.
fn element(s: &str) -> Result<(Element<'_>, &str), &'static str> {
    let id_end = s
        .bytes()
        .position(|b| b == b' ' || b == b']')
        .ok_or("unterminated structured-data element")?;
    let id = s.get(..id_end).ok_or("bad SD-ID")?;
    if id.is_empty() || id.bytes().any(|b| b == b'=' || b == b'"') {
        return Err("bad SD-ID");
    }
    let mut params = Vec::new();
    let mut rest = s.get(id_end..).ok_or("bad SD-ID")?;
    loop {
        if let Some(after) = rest.strip_prefix(']') {
            return Ok((Element { id, params }, after));
        }
        let body = rest
            .strip_prefix(' ')
            .ok_or("expected a space or ']' in structured data")?;
        let body = body.trim_start_matches(' ');
        if let Some(after) = body.strip_prefix(']') {
            // Trailing spaces before `]`: tolerated (seen from hand-written senders).
            return Ok((Element { id, params }, after));
        }
        let eq = body
            .find("=\"")
            .ok_or("structured-data parameter without =\"value\"")?;
        let name = body.get(..eq).ok_or("bad PARAM-NAME")?;
        if name.is_empty() || name.bytes().any(|b| b == b' ' || b == b']' || b == b'"') {
            return Err("bad PARAM-NAME");
        }
        let (value, after) = value(body.get(eq + 2..).ok_or("bad PARAM-VALUE")?)?;
        params.push((name, value));
        rest = after;
    }
}

/// A PARAM-VALUE after its opening quote: the unescaped value and the text
/// after the closing quote.
fn value(s: &str) -> Result<(Cow<'_, str>, &str), &'static str> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut owned: Option<String> = None;
    let mut copied = 0; // bytes of `s` already copied into `owned`
    while let Some(off) = memchr::memchr2(b'"', b'\\', b.get(i..).unwrap_or_default()) {
        let at = i + off;
        if b[at] == b'"' {
            let v = match owned {
                Some(mut o) => {
                    o.push_str(s.get(copied..at).unwrap_or_default());
                    Cow::Owned(o)
                }
                None => Cow::Borrowed(s.get(..at).unwrap_or_default()),
            };
            return Ok((v, s.get(at + 1..).unwrap_or_default()));
        }
        // A backslash: escapes `"`, `\` and `]`, nothing else.
        match b.get(at + 1) {
            Some(&c @ (b'"' | b'\\' | b']')) => {
                let o = owned.get_or_insert_with(String::new);
                o.push_str(s.get(copied..at).unwrap_or_default());
                o.push(c as char);
                copied = at + 2;
                i = at + 2;
            }
            _ => i = at + 1,
        }
    }
    Err("unterminated structured-data value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        let (els, rest) =
            parse(r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application"#).unwrap();
        assert_eq!(rest, " An application");
        assert_eq!(els.len(), 1);
        assert_eq!(els[0].id, "exampleSDID@32473");
        assert_eq!(
            els[0].params[1],
            ("eventSource", Cow::Borrowed("Application"))
        );
        let (els, rest) = parse(
            r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#,
        )
        .unwrap();
        assert_eq!((els.len(), rest), (2, ""));
        assert_eq!(els[1].params, vec![("class", Cow::Borrowed("high"))]);
    }

    #[test]
    fn escapes() {
        let (els, _) =
            parse(r#"[ray@32473 node="head-1" path="C:\\tmp \"x\" [y\]" odd="a\b"]"#).unwrap();
        assert_eq!(els[0].params[1].1, r#"C:\tmp "x" [y]"#);
        assert_eq!(els[0].params[2].1, r"a\b");
        let (els, _) = parse(r#"[a x=""]"#).unwrap();
        assert_eq!(els[0].params[0].1, "");
        let (els, _) = parse("[timeQuality]").unwrap();
        assert!(els[0].params.is_empty());
    }

    #[test]
    fn malformed() {
        assert!(parse(r#"[a x="unterminated]"#).is_err());
        assert!(parse(r#"[a x="v""#).is_err());
        assert!(parse("[a").is_err());
        assert!(parse("[a x=1]").is_err());
        assert!(parse("[]").is_err());
        assert!(parse(r#"[a x="é\"#).is_err());
        assert!(parse(r#"[a x="\é"]"#).is_ok());
    }
}
