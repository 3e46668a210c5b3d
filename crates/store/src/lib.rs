//! The embedded central store of security events.
//!
//! Events are appended in batches to time-partitioned, zstd-compressed,
//! append-only segment files; every record is linked into one BLAKE3 hash
//! chain, sealed segments are signed with Ed25519 by a key kept outside the
//! data directory, and a tantivy index (derived data, rebuilt from the
//! segments when it lags) answers `sightline_query` queries with exactly the
//! semantics of `Expr::matches`. See `docs/store.md` for the on-disk format.

mod catalog;
pub mod chain;
mod checkpoint;
mod config;
mod dedup;
mod error;
pub mod format;
mod head;
mod index;
mod indexer;
mod keys;
mod open;
mod retention;
mod search;
mod segment;
mod sign;
mod signing;
mod store;
mod translate;
mod verify;

pub use checkpoint::{Anchor, CHECKPOINT_TAG, Checkpoint, parse_anchors, store_id};
pub use config::{FsyncPolicy, RetentionPolicy, StoreConfig};
pub use error::StoreError;
pub use head::{ChainHead, Incident};
pub use index::{FACETS, KV_MAX};
pub use indexer::IndexQueue;
pub use keys::KeyRecord;
pub use retention::RetentionEntry;
pub use search::{AggregationResult, Bucket, Group, MAX_EVENTS_READ, SearchOptions, SearchResult};
pub use segment::Seal;
pub use sign::read_public_key;
pub use store::{AppendReport, OpenReport, Prepared, RetentionReport, Store, StoreStats};
pub use verify::{Problem, ProblemKind, VerifyReport, verify, verify_with_anchors};

#[cfg(test)]
mod send_sync {
    fn assert<T: Send + Sync>() {}
    #[test]
    fn store_is_send_and_sync() {
        assert::<super::Store>();
    }
}
