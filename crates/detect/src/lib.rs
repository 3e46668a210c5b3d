//! Sightline's detection engine: Sigma rules (detection, correlation and
//! filter documents) parsed natively, compiled once into a shared matcher,
//! and run over [`sightline_event::Event`]s in streaming or retrospective mode.
//!
//! Field names in rules are ours (ECS-style dotted names, see
//! `sightline_event::field`), or the Sigma taxonomy's names SigmaHQ's rules
//! use, mapped to ours per log source category when rules compile (see
//! [`taxonomy`]); `logsource` maps to `event.module`, `event.dataset`,
//! `event.category` and `event.type` (see [`rule::logsource`]).
//! docs/rules.md is the rule writer's guide.
//!
//! # Use
//!
//! ```
//! use std::sync::Arc;
//! use sightline_detect::{Engine, EngineConfig, RuleSetBuilder};
//! use sightline_event::{Event, EventId, Timestamp};
//!
//! // Load rules (files: `add_dir`/`add_file`); errors carry file and line.
//! let mut builder = RuleSetBuilder::new();
//! builder.add_text("inline.yml", "
//! title: Ray API request refused
//! name: api_refused
//! logsource: {product: ray, service: dashboard}
//! detection:
//!     sel: {http.response.status_code: [401, 403]}
//!     condition: sel
//! ---
//! title: Ray API brute force
//! id: ray-api-brute
//! level: high
//! correlation:
//!     type: event_count
//!     rules: api_refused
//!     group-by: [source.ip]
//!     timespan: 1m
//!     condition: {gte: 3}
//! ");
//! let (rules, errors) = builder.build();
//! assert!(errors.is_empty(), "{errors:?}");
//!
//! // One engine per stream; `process` per event, `advance_to` on idle timers,
//! // `finish` at the end of a retrospective run, `snapshot`/`restore` across restarts.
//! let mut engine = Engine::new(Arc::new(rules), EngineConfig::default());
//! let mut alerts = Vec::new();
//! for i in 0..3 {
//!     let ts = Timestamp::from_second(1_795_000_000 + i).unwrap();
//!     let mut ev = Event::new(EventId::derive("doc", i as u64, b"x"), ts, "ray", "ray.dashboard", "raw");
//!     ev.set("http.response.status_code", 401i64).set("source.ip", "10.0.0.5");
//!     engine.process(&ev, &mut alerts);
//! }
//! engine.finish(&mut alerts);
//! assert_eq!(alerts.len(), 1);
//! assert_eq!(alerts[0].rule_id, "ray-api-brute");
//! assert_eq!(alerts[0].group["source.ip"], "10.0.0.5");
//! println!("{}", alerts[0].to_json());
//! ```

pub mod alert;
pub mod anomaly;
pub mod compile;
pub mod condition;
pub mod correlation;
pub mod engine;
pub mod indicators;
pub mod matcher;
pub mod modifiers;
pub mod naive;
pub mod pattern;
pub mod prefilter;
pub mod rule;
pub mod ruleset;
pub mod ruletest;
pub mod taxonomy;
pub mod tuning;
pub mod yaml;

pub use alert::{Alert, AlertStatus};
pub use compile::CompileOptions;
pub use engine::{
    EmitMode, Engine, EngineConfig, EngineState, EngineStats, EventMatches, RuleMatcher,
};
pub use rule::{RuleDoc, RuleError};
pub use ruleset::{Explanation, RuleSet, RuleSetBuilder, Scratch};
