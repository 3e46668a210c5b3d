//! Enrichment between decoding and storage or detection: asset tags and
//! labels by host name, and indicator lists matched against addresses,
//! domains and hashes.
//!
//! [`lists`] is the one reader of indicator-list files, used for enrichment
//! (`[enrich] indicators`) and for the `%NAME%` placeholders of rules
//! (`[detect] indicators`, `hunt --indicators`), so both read the same
//! format with the same rules.

mod enricher;
pub mod lists;

pub use enricher::{Applied, AssetEntry, EnrichConfig, Enricher, INDICATOR_TAG};
pub use lists::{ListError, Lists};
