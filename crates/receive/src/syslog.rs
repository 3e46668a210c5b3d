//! Syslog over TCP/TLS (RFC 6587 framing) and UDP (RFC 5426, one message per
//! datagram).
//!
//! Senders mix framings in practice (`logger --octet-count`, rsyslog
//! `TCP_Framing="octet-counted"`, RFC 5425 TLS, versus plain newline
//! framing), so the framing is detected per message: a message starting
//! `NONZERO-DIGIT *DIGIT SP "<"` is octet-counted, anything else runs to the
//! next LF (or NUL, which some old senders use; a CR before it is dropped).
//! Requiring the `<` of the PRI after the count keeps a newline-framed line
//! that happens to start with a number (`2024 ...`) from being misread.

use crate::attrs::Attrs;
use crate::inbound::Inbound;
use crate::limits::{DEFAULT_SYSLOG_MAX_MESSAGE, TRUNCATED};

/// One message cut from a TCP stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogFrame {
    /// Offset of the message's first byte (its length prefix when
    /// octet-counted) in the connection's byte stream.
    pub offset: u64,
    /// The message, without framing (no length prefix, no trailing newline).
    pub bytes: Vec<u8>,
    /// The message was longer than the limit (or cut off by the end of the
    /// connection) and only its start is kept.
    pub truncated: bool,
}

impl SyslogFrame {
    /// The record for this frame: [`syslog_inbound`] at the frame's offset,
    /// plus `truncated=true` when the frame was cut.
    pub fn to_inbound(&self, peer: &str, stream: &str) -> Inbound {
        let mut inbound = syslog_inbound(&self.bytes, peer, stream, self.offset);
        if self.truncated && inbound.attribute(TRUNCATED).is_none() {
            inbound
                .attributes
                .push((TRUNCATED.to_owned(), "true".to_owned()));
        }
        inbound
    }
}

/// Longest length prefix looked at: 10 digits already exceed any sane limit.
const MAX_PREFIX_DIGITS: u8 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between messages: separators are skipped, the next byte decides.
    Start,
    /// Reading what may be a length prefix; `buf` holds the digits so far.
    Digits { len: u64, digits: u8 },
    /// Saw `DIGITS SP`; octet-counted only if `<` follows.
    Space { len: u64 },
    /// Inside an octet-counted message with this many bytes still to come.
    Counted { remaining: u64 },
    /// Inside a newline-framed message.
    Line,
    /// Skipping the rest of an oversized octet-counted message.
    SkipCounted { remaining: u64 },
    /// Skipping the rest of an oversized newline-framed message.
    SkipLine,
}

/// Streaming RFC 6587 framer: feed bytes in any chunks, get whole messages.
///
/// Memory stays at most `max_message` plus a few bytes whatever the input; the
/// frames produced do not depend on how the stream was split into chunks.
#[derive(Debug, Clone)]
pub struct SyslogFramer {
    max_message: usize,
    state: State,
    buf: Vec<u8>,
    /// Bytes consumed so far (stream offset of the next byte).
    pos: u64,
    /// Offset where the current message started.
    start: u64,
}

impl Default for SyslogFramer {
    fn default() -> Self {
        SyslogFramer::new(DEFAULT_SYSLOG_MAX_MESSAGE)
    }
}

fn is_terminator(b: u8) -> bool {
    b == b'\n' || b == 0
}

impl SyslogFramer {
    /// A framer keeping at most `max_message` bytes per message (at least 1).
    pub fn new(max_message: usize) -> SyslogFramer {
        SyslogFramer {
            max_message: max_message.max(1),
            state: State::Start,
            buf: Vec::new(),
            pos: 0,
            start: 0,
        }
    }

    /// Bytes consumed so far: the offset the next pushed byte will have.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Consumes `bytes`, appending each message completed by them to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<SyslogFrame>) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let used = self.step(rest, out);
            self.pos += used as u64;
            rest = &rest[used..];
        }
    }

    /// End of the connection: the message in progress, if any, is emitted
    /// (an incomplete octet-counted one flagged truncated).
    pub fn finish(&mut self, out: &mut Vec<SyslogFrame>) {
        match self.state {
            State::Digits { .. } | State::Space { .. } | State::Line => self.emit_line(false, out),
            State::Counted { .. } => self.emit(true, out),
            State::Start | State::SkipCounted { .. } | State::SkipLine => {}
        }
        self.buf.clear();
        self.state = State::Start;
    }

    /// Handles the start of `input` in the current state; returns how many
    /// bytes it consumed (always at least one).
    fn step(&mut self, input: &[u8], out: &mut Vec<SyslogFrame>) -> usize {
        let b = input[0];
        match self.state {
            State::Start => {
                if is_terminator(b) || b == b'\r' {
                    return 1;
                }
                self.start = self.pos;
                self.buf.clear();
                if (b'1'..=b'9').contains(&b) {
                    self.buf.push(b);
                    self.state = State::Digits {
                        len: u64::from(b - b'0'),
                        digits: 1,
                    };
                    1
                } else {
                    self.state = State::Line;
                    self.line(input, out)
                }
            }
            State::Digits { len, digits } => {
                if b.is_ascii_digit() && digits < MAX_PREFIX_DIGITS {
                    self.buf.push(b);
                    self.state = State::Digits {
                        len: len * 10 + u64::from(b - b'0'),
                        digits: digits + 1,
                    };
                    1
                } else if b == b' ' {
                    self.buf.push(b);
                    self.state = State::Space { len };
                    1
                } else {
                    self.state = State::Line;
                    self.line(input, out)
                }
            }
            State::Space { len } => {
                if b == b'<' {
                    self.buf.clear();
                    self.state = State::Counted { remaining: len };
                    self.counted(input, out)
                } else {
                    self.state = State::Line;
                    self.line(input, out)
                }
            }
            State::Counted { .. } => self.counted(input, out),
            State::Line => self.line(input, out),
            State::SkipCounted { remaining } => {
                let n = usize::try_from(remaining)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                let remaining = remaining - n as u64;
                self.state = if remaining == 0 {
                    State::Start
                } else {
                    State::SkipCounted { remaining }
                };
                n
            }
            State::SkipLine => match input.iter().position(|&b| is_terminator(b)) {
                Some(i) => {
                    self.state = State::Start;
                    i + 1
                }
                None => input.len(),
            },
        }
    }

    fn counted(&mut self, input: &[u8], out: &mut Vec<SyslogFrame>) -> usize {
        let State::Counted { remaining } = self.state else {
            return 0;
        };
        let want = usize::try_from(remaining).unwrap_or(usize::MAX);
        let take = want.min(input.len());
        let room = self.max_message - self.buf.len();
        let keep = take.min(room);
        self.buf.extend_from_slice(&input[..keep]);
        let remaining = remaining - keep as u64;
        if remaining == 0 {
            self.emit(false, out);
            self.state = State::Start;
        } else if self.buf.len() == self.max_message {
            self.emit(true, out);
            self.state = State::SkipCounted { remaining };
        } else {
            self.state = State::Counted { remaining };
        }
        keep
    }

    fn line(&mut self, input: &[u8], out: &mut Vec<SyslogFrame>) -> usize {
        let end = input.iter().position(|&b| is_terminator(b));
        let body = &input[..end.unwrap_or(input.len())];
        // A length-prefix guess may already hold more digits than a tiny limit.
        let room = self.max_message.saturating_sub(self.buf.len());
        if body.len() > room {
            // One byte more than fits and no terminator before it: cut here.
            self.buf.truncate(self.max_message);
            self.buf.extend_from_slice(&body[..room]);
            self.emit_line(true, out);
            self.state = State::SkipLine;
            return room + 1;
        }
        self.buf.extend_from_slice(body);
        match end {
            Some(i) => {
                self.emit_line(false, out);
                self.state = State::Start;
                i + 1
            }
            None => input.len(),
        }
    }

    /// Emits a newline-framed message: a CR before the LF is framing too.
    fn emit_line(&mut self, mut truncated: bool, out: &mut Vec<SyslogFrame>) {
        if self.buf.len() > self.max_message {
            self.buf.truncate(self.max_message);
            truncated = true;
        }
        if !truncated && self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if !self.buf.is_empty() {
            self.emit(truncated, out);
        }
    }

    fn emit(&mut self, truncated: bool, out: &mut Vec<SyslogFrame>) {
        let mut bytes = std::mem::take(&mut self.buf);
        if !truncated {
            // Some octet-counting senders count a trailing newline too.
            strip_trailing_newline(&mut bytes);
        }
        out.push(SyslogFrame {
            offset: self.start,
            bytes,
            truncated,
        });
    }
}

fn strip_trailing_newline(bytes: &mut Vec<u8>) {
    while matches!(bytes.last(), Some(b'\n' | b'\r' | 0)) {
        bytes.pop();
    }
}

/// The message in one UDP datagram (RFC 5426): trailing LF/CR/NUL removed.
pub fn udp_datagram(bytes: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    strip_trailing_newline(&mut v);
    v
}

/// The record for one syslog message. The line is the whole message,
/// `<PRI>` and header included, so the syslog decoder parses it (invalid
/// UTF-8 is replaced, not refused). The peer address is kept as attribute
/// `syslog.peer`; the host comes from the message's HOSTNAME, since the
/// peer is often a relay.
pub fn syslog_inbound(frame: &[u8], peer: &str, stream: &str, offset: u64) -> Inbound {
    let mut attrs = Attrs::default();
    let line = String::from_utf8_lossy(frame).into_owned();
    let mut inbound = Inbound::new(stream, offset, line, &mut attrs);
    attrs.push("syslog.peer", peer);
    inbound.source_hint = Some("syslog".to_owned());
    inbound.attributes = attrs.finish();
    inbound
}
