//! What a response run is, as stored, listed and audited.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a run is. Terminal: everything but `PendingApproval`, `Queued`
/// and `Running`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Not run: see the run's `skip` and `reason`.
    Skipped,
    /// Waits for an analyst (`require_approval`) until `expires`.
    PendingApproval,
    /// Will run at `not_before` (now, or the undo time).
    Queued,
    Running,
    Succeeded,
    Failed,
    /// Killed (command) or abandoned (HTTP) at the action's `timeout`.
    TimedOut,
    /// Recorded, rendered and checked, not executed (`dry_run`).
    DryRun,
    Rejected,
    /// Nobody approved it within `approval_timeout`.
    Expired,
    /// It was running when the responder stopped; never re-run on its own.
    Interrupted,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Skipped => "skipped",
            RunState::PendingApproval => "pending_approval",
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::TimedOut => "timed_out",
            RunState::DryRun => "dry_run",
            RunState::Rejected => "rejected",
            RunState::Expired => "expired",
            RunState::Interrupted => "interrupted",
        }
    }
}

/// Why a run was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The rendered target matches no `allow` pattern.
    NotAllowlisted,
    /// The action's `rate_limit` was used up.
    RateLimited,
    /// A template names a label the alert lacks (or a value unusable there).
    MissingLabel,
    /// A value cannot be used where it goes (NUL byte, `.`/`..` as a URL path segment).
    UnusableValue,
    /// The action was removed from the configuration before the run executed.
    ActionRemoved,
}

/// The action itself or the undo of an earlier run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Action,
    Undo,
}

/// What exactly will run, rendered from the alert when the run was decided
/// (so an approval approves these bytes). Never holds a secret: tokens and
/// HMAC keys are read from their files when the run executes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rendered {
    Webhook {
        method: String,
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<serde_json::Value>,
    },
    Command {
        argv: Vec<String>,
        working_dir: String,
    },
    RayStopJob {
        url: String,
        job_id: String,
    },
    RaiseVerbosity {
        host: String,
        level: String,
        duration_ms: i64,
        reason: String,
    },
}

/// One change of state, for the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<RunState>,
    pub to: RunState,
    /// The analyst, for approvals and rejections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One run of one action for one alert (or its undo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: i64,
    pub action: String,
    pub kind: RunKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<i64>,
    pub alert_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// The rendered target the allowlist was checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<Rendered>,
    /// The undo rendered with the action, scheduled when the action succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<Rendered>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_after_ms: Option<i64>,
    pub dry_run: bool,
    pub state: RunState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkipReason>,
    /// Why it was skipped, rejected or failed, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub created: Timestamp,
    pub not_before: Timestamp,
    /// When a pending approval expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Captured output or response body, truncated to `max_output_bytes`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
    #[serde(default)]
    pub transitions: Vec<Transition>,
}

impl RunRecord {
    /// Moves to `to`, recording the transition.
    pub(crate) fn set_state(
        &mut self,
        to: RunState,
        at: Timestamp,
        actor: Option<&str>,
        note: Option<String>,
    ) {
        self.transitions.push(Transition {
            at,
            from: Some(self.state),
            to,
            actor: actor.map(str::to_owned),
            note,
        });
        self.state = to;
    }
}

/// "Log more on host H from F until U": what agents will poll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerbosityOrder {
    pub run_id: i64,
    pub host: String,
    pub level: String,
    pub from: Timestamp,
    pub until: Timestamp,
    pub reason: String,
}
