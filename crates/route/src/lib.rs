//! Alert routing (the "act" stage's decisions): which receivers an alert
//! reaches, grouped how, when, and what mutes it. Knows alerts and labels,
//! not how a notification is delivered (`sightline-notify`).

pub mod model;

pub use model::{AlertInfo, AlertState, Labels, Notification, NotificationKind, labels_of};
