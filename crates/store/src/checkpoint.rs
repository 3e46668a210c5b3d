//! Signed checkpoints for witnesses outside the machine.
//!
//! Nothing inside the data directory can show that its newest records were
//! cut if the intruder also restores an older head: the store emits
//! checkpoints (record count, chain hash, time, epoch, signature) that the
//! server sends to external witnesses and writes to its own log. `verify
//! --anchors` checks the store against whatever checkpoints were collected,
//! in whatever form they arrived (JSON lines, syslog lines, log lines that
//! embed the JSON, JSON logs that quote it).

use crate::chain::to_hex;
use crate::sign::Message;
use serde::{Deserialize, Serialize};

/// The value of the `sightline` member that marks a checkpoint.
pub const CHECKPOINT_TAG: &str = "checkpoint/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    /// Always [`CHECKPOINT_TAG`].
    pub sightline: String,
    /// Which store: [`store_id`] of its root public key.
    pub store: String,
    /// Records stored so far (the next seq), and the chain hash of the last.
    pub seq: u64,
    pub hash: String,
    pub time: String,
    pub epoch: u64,
    pub signature: String,
}

impl Checkpoint {
    pub fn message(&self) -> Vec<u8> {
        Message::new("sightline.checkpoint/1")
            .bytes(self.store.as_bytes())
            .u64(self.seq)
            .bytes(self.hash.as_bytes())
            .bytes(self.time.as_bytes())
            .u64(self.epoch)
            .finish()
    }

    /// One JSON line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A store's short name in checkpoints: 16 hex digits of BLAKE3 of its root
/// public key, so a witness shared by several servers keeps them apart.
pub fn store_id(root_public: &[u8; 32]) -> String {
    to_hex(&blake3::hash(root_public).as_bytes()[..8])
}

/// A checkpoint found in collected text, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub checkpoint: Checkpoint,
    /// `file:line`.
    pub origin: String,
}

/// Every checkpoint in `text` (one per line at most), whatever wraps it.
pub fn parse_anchors(text: &str, name: &str) -> Vec<Anchor> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !line.contains(CHECKPOINT_TAG) {
            continue;
        }
        if let Some(checkpoint) = find_in_text(line, 0) {
            out.push(Anchor {
                checkpoint,
                origin: format!("{name}:{}", i + 1),
            });
        }
    }
    out
}

/// Tries every `{` of `text` as the start of a JSON value: a checkpoint
/// itself, or a JSON document (a JSON log line) that holds one, possibly as
/// a string (the quoted message of a JSON logger).
fn find_in_text(text: &str, depth: u8) -> Option<Checkpoint> {
    if depth > 3 {
        return None;
    }
    for (at, _) in text.match_indices('{') {
        let mut values =
            serde_json::Deserializer::from_str(&text[at..]).into_iter::<serde_json::Value>();
        if let Some(Ok(v)) = values.next()
            && let Some(c) = find_in_value(&v, depth)
        {
            return Some(c);
        }
    }
    None
}

fn find_in_value(v: &serde_json::Value, depth: u8) -> Option<Checkpoint> {
    match v {
        serde_json::Value::Object(map) => {
            if map.get("sightline").and_then(|s| s.as_str()) == Some(CHECKPOINT_TAG) {
                return serde_json::from_value(v.clone()).ok();
            }
            map.values().find_map(|x| find_in_value(x, depth))
        }
        serde_json::Value::Array(items) => items.iter().find_map(|x| find_in_value(x, depth)),
        serde_json::Value::String(s) if s.contains(CHECKPOINT_TAG) => find_in_text(s, depth + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp() -> Checkpoint {
        Checkpoint {
            sightline: CHECKPOINT_TAG.into(),
            store: "00112233aabbccdd".into(),
            seq: 42,
            hash: "ab".repeat(32),
            time: "2026-12-07T12:00:00Z".into(),
            epoch: 3,
            signature: "cd".repeat(64),
        }
    }

    #[test]
    fn anchors_are_found_however_they_were_carried() {
        let json = cp().to_json();
        let quoted = serde_json::to_string(&format!("checkpoint {json}")).unwrap();
        let text = format!(
            "{json}\n\
             <110>1 2026-12-07T12:00:00Z node sightline - checkpoint - {json}\n\
             2026-12-07T12:00:00.1Z  INFO sightline::checkpoint: checkpoint {json}\n\
             {{\"level\":\"INFO\",\"fields\":{{\"message\":{quoted}}}}}\n\
             unrelated line\n\
             checkpoint/1 but no json\n"
        );
        let found = parse_anchors(&text, "f");
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found.iter().all(|a| a.checkpoint == cp()));
        assert_eq!(found[3].origin, "f:4");
    }
}
