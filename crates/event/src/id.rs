use std::fmt;

/// A deterministic event identifier.
///
/// Derived from where a record came from (a stream name such as the file path,
/// and the byte offset of its first line) and its raw bytes, so re-reading the
/// same file yields the same ids and re-ingestion is idempotent. 128 bits of
/// BLAKE3, written as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId([u8; 16]);

impl EventId {
    pub fn derive(stream: &str, offset: u64, raw: &[u8]) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"sightline.event.id/1\0");
        hasher.update(&(stream.len() as u64).to_le_bytes());
        hasher.update(stream.as_bytes());
        hasher.update(&offset.to_le_bytes());
        hasher.update(raw);
        let mut out = [0u8; 16];
        out.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
        EventId(out)
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        EventId(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses the 32-hex-digit form.
    pub fn parse(hex: &str) -> Option<Self> {
        if hex.len() != 32 {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            let s = std::str::from_utf8(chunk).ok()?;
            out[i] = u8::from_str_radix(s, 16).ok()?;
        }
        Some(EventId(out))
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_input_same_id_and_any_change_changes_it() {
        let a = EventId::derive("/var/log/x.log", 10, b"line");
        assert_eq!(a, EventId::derive("/var/log/x.log", 10, b"line"));
        assert_ne!(a, EventId::derive("/var/log/x.log", 11, b"line"));
        assert_ne!(a, EventId::derive("/var/log/y.log", 10, b"line"));
        assert_ne!(a, EventId::derive("/var/log/x.log", 10, b"linf"));
        // The length prefix keeps ("ab", "c...") and ("a", "bc...") apart.
        assert_ne!(
            EventId::derive("ab", 0, b"c"),
            EventId::derive("a", 0, b"bc")
        );
    }

    #[test]
    fn hex_round_trip() {
        let a = EventId::derive("s", 1, b"x");
        let text = a.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(EventId::parse(&text), Some(a));
        assert_eq!(EventId::parse("zz"), None);
    }
}
