//! Sightline's detection engine: Sigma rules (detection, correlation and
//! filter documents) parsed natively, compiled once into a shared matcher,
//! and run over [`sightline_event::Event`]s in streaming or retrospective mode.
//!
//! Field names in rules are ours (ECS-style dotted names, see
//! `sightline_event::field`); `logsource` maps to `event.module`,
//! `event.dataset` and `event.category` (see [`rule::logsource`]).
//! docs/rules.md is the rule writer's guide.

pub mod alert;
pub mod compile;
pub mod condition;
pub mod correlation;
pub mod engine;
pub mod matcher;
pub mod modifiers;
pub mod naive;
pub mod pattern;
pub mod prefilter;
pub mod rule;
pub mod ruleset;
pub mod yaml;

pub use alert::{Alert, AlertStatus};
pub use compile::CompileOptions;
pub use engine::{EmitMode, Engine, EngineConfig, EngineState, EngineStats};
pub use rule::{RuleDoc, RuleError};
pub use ruleset::{Explanation, RuleSet, RuleSetBuilder, Scratch};
