//! Automated response to alerts, with guardrails: actions (webhook,
//! command, Ray job stop, verbosity order) triggered by rules and label
//! matchers, dry-run by default, allowlisted targets, rate limits,
//! approvals that expire, timeouts, and undo after a period. Every run and
//! each of its transitions is kept in SQLite for the audit log
//! ([docs/response.md](../../../docs/response.md)).

pub mod allow;
pub mod config;
pub mod exec;
pub mod model;
pub mod render;
pub mod responder;
pub mod store;
pub mod template;

pub use config::{ActionEntry, ActionType, ResponseConfig, ResponseSection, UndoEntry};
pub use model::{Rendered, RunKind, RunRecord, RunState, SkipReason, Transition, VerbosityOrder};
pub use responder::{Counters, RespondError, Responder};
pub use template::Template;
