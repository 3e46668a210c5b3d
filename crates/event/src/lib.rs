//! The normalized security event.
//!
//! Every component of Sightline (decoders, detection, storage, alerting, review)
//! works on [`Event`]. Its field names follow the Elastic Common Schema (ECS)
//! where ECS has the field, and use the `ray.*`, `mesos.*`, `milvus.*` and
//! `mlx.*` namespaces for system-specific ones. Events serialize to flat JSON
//! objects with dotted keys (`{"source.ip": "10.0.0.5"}`), which is what both
//! Sigma rules and ECS-aware tools address fields by.
//!
//! The crate knows nothing about files, HTTP or storage: dependencies point
//! inward to it.

pub mod action;
mod event;
pub mod field;
mod id;
mod json;
pub mod ocsf;
mod value;

pub use event::{Event, EventParseError, FieldRef, Outcome, tags};
pub use id::EventId;
pub use jiff::Timestamp;
pub use value::Value;
