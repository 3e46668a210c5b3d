//! Splits a syslog line into its header parts, RFC 5424 or RFC 3164 and
//! the variants real senders write.

use super::pri;
use super::sd::{self, Element};
use super::time::{self, Stamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rfc5424,
    /// RFC 3164 and its relatives: the BSD header with or without PRI, with
    /// an RFC 3339 time in place of the BSD one, with or without HOSTNAME.
    Rfc3164,
}

/// The parts of one syslog message. NILVALUEs (`-`) are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Header<'a> {
    pub format: Format,
    pub pri: Option<u8>,
    pub version: Option<u16>,
    pub stamp: Option<Stamp>,
    pub host: Option<&'a str>,
    /// APP-NAME (5424) or TAG (3164).
    pub app: Option<&'a str>,
    pub procid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    pub sd: Vec<Element<'a>>,
    /// Why the structured data could not be read, if it could not; `msg` then
    /// holds everything after MSGID.
    pub sd_error: Option<&'static str>,
    /// The 3164 tag ended in `:` or `[pid]`, so it is certainly a tag and not
    /// the first word of the message.
    pub tag_confirmed: bool,
    pub msg: &'a str,
}

impl<'a> Header<'a> {
    fn new(format: Format, pri: Option<u8>) -> Self {
        Header {
            format,
            pri,
            version: None,
            stamp: None,
            host: None,
            app: None,
            procid: None,
            msgid: None,
            sd: Vec::new(),
            sd_error: None,
            tag_confirmed: false,
            msg: "",
        }
    }
}

/// Parses one message. The error says why the line is not syslog.
pub fn parse(line: &str) -> Result<Header<'_>, &'static str> {
    match pri::parse(line) {
        Some((pri, rest)) => match version(rest) {
            Some((v, rest)) => parse_5424(pri, v, rest),
            None => parse_3164(Some(pri), rest),
        },
        None => parse_3164(None, line),
    }
}

/// The RFC 5424 VERSION (`1`..`999`) and a space, when what follows is a
/// TIMESTAMP or its NILVALUE. `<13>2026-...` is a 3164 line with an RFC 3339
/// time, not version 2026.
fn version(s: &str) -> Option<(u16, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=3).contains(&digits) || s.starts_with('0') {
        return None;
    }
    let rest = s.get(digits..)?.strip_prefix(' ')?;
    let next = rest.as_bytes().first()?;
    if !(next.is_ascii_digit() || *next == b'-') {
        return None;
    }
    Some((s.get(..digits)?.parse().ok()?, rest))
}

/// The next space-delimited token and the text after the space(s) that end it.
fn token(s: &str) -> (&str, &str) {
    match memchr::memchr(b' ', s.as_bytes()) {
        Some(i) => (
            s.get(..i).unwrap_or_default(),
            s.get(i + 1..).unwrap_or_default().trim_start_matches(' '),
        ),
        None => (s, ""),
    }
}

fn nil(s: &str) -> Option<&str> {
    (!s.is_empty() && s != "-").then_some(s)
}

fn parse_5424(pri: u8, version: u16, s: &str) -> Result<Header<'_>, &'static str> {
    let mut h = Header::new(Format::Rfc5424, Some(pri));
    h.version = Some(version);
    let (ts, rest) = token(s);
    if ts != "-" {
        h.stamp = Some(time::parse_iso(ts).ok_or("RFC 5424 TIMESTAMP is not an RFC 3339 time")?);
    }
    let (host, rest) = token(rest);
    let (app, rest) = token(rest);
    let (procid, rest) = token(rest);
    let (msgid, rest) = token(rest);
    if msgid.is_empty() {
        return Err("RFC 5424 header ends early");
    }
    h.host = nil(host);
    h.app = nil(app);
    h.procid = nil(procid);
    h.msgid = nil(msgid);
    if rest.starts_with('[') {
        match sd::parse(rest) {
            Ok((elements, after)) => {
                h.sd = elements;
                h.msg = after.strip_prefix(' ').unwrap_or(after);
            }
            Err(e) => {
                h.sd_error = Some(e);
                h.msg = rest;
            }
        }
    } else if let Some(after) = rest.strip_prefix('-') {
        h.msg = after.strip_prefix(' ').unwrap_or(after);
    } else {
        // No STRUCTURED-DATA at all: not allowed, but some senders omit it.
        h.msg = rest;
    }
    h.msg = h.msg.strip_prefix('\u{feff}').unwrap_or(h.msg);
    Ok(h)
}

fn parse_3164(pri: Option<u8>, s: &str) -> Result<Header<'_>, &'static str> {
    let mut h = Header::new(Format::Rfc3164, pri);
    let rest = match stamp(s) {
        Some((st, rest)) => {
            h.stamp = Some(st);
            rest.trim_start_matches(' ')
        }
        // A PRI with no time: allowed by RFC 3164 §4.3.3 (relays add one).
        None if pri.is_some() => s,
        None => return Err("no syslog header (PRI or timestamp)"),
    };
    if rest.is_empty() {
        return Ok(h);
    }
    let (first, after_first) = token(rest);
    let (host, tag_part) = if tag_token_is_certain(first) {
        (None, rest)
    } else {
        (nil(first), after_first)
    };
    h.host = host;
    let (app, pid, confirmed, msg) = tag(tag_part);
    h.app = app;
    h.procid = pid;
    h.tag_confirmed = confirmed;
    h.msg = msg;
    Ok(h)
}

/// A timestamp at the start of a 3164 line: BSD, or an ISO token
/// (optionally `YYYY-MM-DD HH:MM:SS` with a space).
fn stamp(s: &str) -> Option<(Stamp, &str)> {
    if let Some((b, rest)) = time::parse_bsd(s) {
        return Some((Stamp::Bsd(b), rest));
    }
    let (tok, rest) = token(s);
    if let Some(st) = time::parse_iso(tok) {
        return Some((st, rest));
    }
    // "2026-11-22 12:00:00[.fff][Z]" split over two tokens.
    if tok.len() == 10 {
        let (t2, rest2) = token(rest);
        let joined_len = tok.len() + 1 + t2.len();
        let joined = s.get(..joined_len)?;
        return time::parse_iso(joined).map(|st| (st, rest2));
    }
    None
}

/// Whether the token right after the time is the tag (no HOSTNAME): it ends
/// in `:` or carries `[pid]`. An IPv6 host (`2001:db8::1`) does neither.
fn tag_token_is_certain(tok: &str) -> bool {
    tok.ends_with(':') || (tok.ends_with(']') && tok.contains('['))
}

/// Splits `TAG[PID]: MSG`, `TAG: MSG`, or `TAG MSG` (rsyslog writes the
/// APP-NAME of 5424 messages into 3164 files without a colon). Returns the
/// tag, the pid, whether the tag was delimited, and the message.
fn tag(s: &str) -> (Option<&str>, Option<&str>, bool, &str) {
    let b = s.as_bytes();
    let Some(end) = b.iter().position(|&c| c == b'[' || c == b':' || c == b' ') else {
        return (nil(s), None, false, "");
    };
    let name = s.get(..end).unwrap_or_default();
    let rest = s.get(end..).unwrap_or_default();
    match b[end] {
        b'[' => {
            let inner = rest.get(1..).unwrap_or_default();
            match inner.find(']') {
                Some(close) if !inner.get(..close).unwrap_or(" ").contains(' ') => {
                    let pid = inner.get(..close).unwrap_or_default();
                    let after = inner.get(close + 1..).unwrap_or_default();
                    let after = after.strip_prefix(':').unwrap_or(after);
                    (nil(name), nil(pid), true, skip_space(after))
                }
                // "[" that is not a pid: no tag, the whole text is the message.
                _ => (None, None, false, s),
            }
        }
        b':' => {
            let after = rest.get(1..).unwrap_or_default();
            if name.is_empty() {
                return (None, None, false, s);
            }
            (Some(name), None, true, skip_space(after))
        }
        _ => {
            if name.is_empty() {
                return (None, None, false, s);
            }
            (Some(name), None, false, skip_space(rest))
        }
    }
}

fn skip_space(s: &str) -> &str {
    s.strip_prefix(' ').unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5424_examples() {
        let h = parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8").unwrap();
        assert_eq!(h.format, Format::Rfc5424);
        assert_eq!((h.pri, h.version), (Some(34), Some(1)));
        assert_eq!(h.host, Some("mymachine.example.com"));
        assert_eq!((h.app, h.procid, h.msgid), (Some("su"), None, Some("ID47")));
        assert_eq!(h.msg, "'su root' failed for lonvick on /dev/pts/8");
        let h = parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.").unwrap();
        assert_eq!(
            (h.host, h.app, h.procid),
            (Some("192.0.2.1"), Some("myproc"), Some("8710"))
        );
        assert_eq!(h.msg, "%% It's time to make the do-nuts.");
        let h = parse(r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]"#).unwrap();
        assert_eq!((h.sd.len(), h.msg), (1, ""));
        let h = parse("<13>1 - - - - - -").unwrap();
        assert_eq!((h.stamp, h.host, h.app, h.msg), (None, None, None, ""));
    }

    #[test]
    fn rfc5424_errors() {
        assert!(parse("<13>1 2026-19-22T21:35:36Z host app - - - x").is_err());
        // Not a TIMESTAMP after the version: read as RFC 3164 with a PRI and no time.
        assert_eq!(
            parse("<13>1 notatime host app: x").map(|h| h.format),
            Ok(Format::Rfc3164)
        );
        assert!(parse("<13>1 2026-11-22T21:35:36Z host").is_err());
        let h = parse(r#"<13>1 2026-11-22T21:35:36Z h a - - [x y="unterminated] msg"#).unwrap();
        assert!(h.sd_error.is_some());
    }

    #[test]
    fn rfc3164_variants() {
        let h =
            parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")
                .unwrap();
        assert_eq!(h.format, Format::Rfc3164);
        assert_eq!(
            (h.host, h.app, h.procid, h.tag_confirmed),
            (Some("mymachine"), Some("su"), None, true)
        );
        assert_eq!(h.msg, "'su root' failed for lonvick on /dev/pts/8");
        let h = parse("Nov 22 21:35:36 vm sshd[13664]: Failed password").unwrap();
        assert_eq!(
            (h.pri, h.host, h.app, h.procid),
            (None, Some("vm"), Some("sshd"), Some("13664"))
        );
        let h = parse("<13>Nov 22 21:35:36 sshd[1]: no host").unwrap();
        assert_eq!((h.host, h.app, h.msg), (None, Some("sshd"), "no host"));
        let h = parse("<38>2026-11-22T21:35:36+00:00 vm sshd[13664]: x").unwrap();
        assert!(matches!(h.stamp, Some(Stamp::Instant(_))));
        assert_eq!(h.host, Some("vm"));
        let h = parse("Nov 22 21:35:36 vm ray-agent job submitted").unwrap();
        assert_eq!(
            (h.app, h.tag_confirmed, h.msg),
            (Some("ray-agent"), false, "job submitted")
        );
        let h = parse("Nov 22 21:35:36 2001:db8::1 kernel: x").unwrap();
        assert_eq!((h.host, h.app), (Some("2001:db8::1"), Some("kernel")));
        let h = parse("<13>hello world").unwrap();
        assert_eq!(
            (h.stamp, h.host, h.app, h.msg),
            (None, Some("hello"), Some("world"), "")
        );
        let h = parse("<13>").unwrap();
        assert_eq!(h.msg, "");
        let h = parse("2026-11-22 12:00:00 web01 nginx: x").unwrap();
        assert_eq!((h.host, h.app), (Some("web01"), Some("nginx")));
        let h = parse("Nov 22 21:35:36 vm postfix/smtpd[99]:msg").unwrap();
        assert_eq!(
            (h.app, h.procid, h.msg),
            (Some("postfix/smtpd"), Some("99"), "msg")
        );
        assert!(parse("just text").is_err());
        assert!(parse("").is_err());
    }
}
