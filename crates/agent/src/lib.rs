//! `sightline agent`: finds the log files of Ray, Mesos, Milvus and MLX on a
//! node, follows them through rotation and truncation, and ships every line
//! to the server's native endpoint exactly once (acknowledged checkpoints
//! plus idempotent event ids). See docs/agent.md.

pub mod checkpoint;
pub mod fingerprint;
pub mod tailer;
