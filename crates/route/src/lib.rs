//! Alert routing (the "act" stage's decisions): which receivers an alert
//! reaches, grouped how, when, and what mutes it. Knows alerts and labels,
//! not how a notification is delivered (`sightline-notify`).

pub mod config;
pub mod dispatch;
pub mod duration;
pub mod inhibit;
pub mod matcher;
pub mod model;
pub mod mute;
pub mod risk;
pub mod router;
pub mod silence;
pub mod state;
pub mod store;

pub use config::{ConfigError, InhibitEntry, Problem, RiskSection, Routing, RoutingSection};
pub use dispatch::{DispatchCounters, Dispatcher, DueError, Explanation, RouteChoice};
pub use model::{AlertInfo, AlertState, Labels, Notification, NotificationKind, labels_of};
pub use silence::{Silence, SilenceError, SilenceSpec};
pub use store::{MemoryStore, RoutingStore, SqliteStore, StoreError};
