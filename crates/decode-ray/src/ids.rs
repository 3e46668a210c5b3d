//! Ray ids. Export events carry binary ids in base64 (`"job_id":"AQAAAA=="`
//! is job `01000000`, ray-logs.md §4.7); logs print them in hex. Everything
//! Sightline emits is hex, so the two can be joined.

use base64::Engine;

/// Binary lengths of Ray's id types.
#[derive(Debug, Clone, Copy)]
pub enum IdKind {
    Job,
    Actor,
    Task,
    /// Node and worker ids.
    Unique,
}

impl IdKind {
    fn bytes(self) -> usize {
        match self {
            IdKind::Job => 4,
            IdKind::Actor => 16,
            IdKind::Task => 24,
            IdKind::Unique => 28,
        }
    }
}

/// The hex form of an id given in hex or base64; `None` for empty or nil ids
/// and for text that is neither.
pub fn to_hex(s: &str, kind: IdKind) -> Option<String> {
    let s = s.trim();
    let n = kind.bytes();
    if s.is_empty() {
        return None;
    }
    if s.len() == 2 * n && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(s.to_ascii_lowercase());
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    if raw.len() != n {
        return None;
    }
    let mut out = String::with_capacity(2 * n);
    for b in raw {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    Some(out)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_ids() {
        assert_eq!(to_hex("AQAAAA==", IdKind::Job).as_deref(), Some("01000000"));
        assert_eq!(to_hex("BQAAAA==", IdKind::Job).as_deref(), Some("05000000"));
        assert_eq!(
            to_hex("oYpF/Nwv5WVGyZ7W37jZSQSNPQ7PcVqeACfFkA==", IdKind::Unique).as_deref(),
            Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
        );
        assert_eq!(
            to_hex("1uKrLFvEIUKwVHtDBQAAAA==", IdKind::Actor).as_deref(),
            Some("d6e2ab2c5bc42142b0547b4305000000")
        );
        assert_eq!(to_hex("01000000", IdKind::Job).as_deref(), Some("01000000"));
        assert_eq!(to_hex("", IdKind::Job), None);
        assert_eq!(to_hex("not base64!", IdKind::Job), None);
        assert_eq!(to_hex("AQAA", IdKind::Actor), None);
    }
}
