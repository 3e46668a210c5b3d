//! `event.action` values shared across systems, so one rule can key on the
//! same behaviour wherever it shows. Decoders add system-specific actions of
//! their own (documented per decoder in docs/schema.md); these are the ones
//! that mean the same thing everywhere.

/// A caller proved its identity.
pub const AUTHENTICATION_SUCCEEDED: &str = "authentication-succeeded";
/// A caller failed to prove its identity (bad password, token, certificate).
pub const AUTHENTICATION_FAILED: &str = "authentication-failed";
/// An authenticated caller was refused an operation.
pub const AUTHORIZATION_DENIED: &str = "authorization-denied";
/// An HTTP request was served (the access log of a web endpoint).
pub const HTTP_REQUEST: &str = "http-request";
/// A job, task or workload was submitted to run code.
pub const JOB_SUBMITTED: &str = "job-submitted";
/// A job, task or workload started running a command (`process.command_line`).
pub const PROCESS_STARTED: &str = "process-started";
/// A job, task or workload ended (`event.outcome` tells how).
pub const JOB_FINISHED: &str = "job-finished";
/// A job was stopped or killed on request.
pub const JOB_STOPPED: &str = "job-stopped";
/// A job record was deleted.
pub const JOB_DELETED: &str = "job-deleted";
/// A process was killed for lack of memory.
pub const OOM_KILL: &str = "oom-kill";
/// A worker or executor process died unexpectedly.
pub const WORKER_FAILED: &str = "worker-failed";
/// A node, agent or member joined the cluster.
pub const NODE_REGISTERED: &str = "node-registered";
/// A node, agent or member left or was removed.
pub const NODE_REMOVED: &str = "node-removed";
/// A user or credential was created.
pub const USER_CREATED: &str = "user-created";
/// A user or credential was deleted.
pub const USER_DELETED: &str = "user-deleted";
/// A password or credential was changed.
pub const CREDENTIAL_CHANGED: &str = "credential-changed";
/// A role was created.
pub const ROLE_CREATED: &str = "role-created";
/// A role was dropped.
pub const ROLE_DELETED: &str = "role-deleted";
/// A role was granted to a user, or a privilege to a role.
pub const PRIVILEGE_GRANTED: &str = "privilege-granted";
/// A role or privilege was revoked.
pub const PRIVILEGE_REVOKED: &str = "privilege-revoked";
/// A request was refused for quota or rate limits.
pub const RATE_LIMITED: &str = "rate-limited";
/// A model was loaded into memory.
pub const MODEL_LOADED: &str = "model-loaded";
/// A configuration was read or changed at start-up (flags, settings).
pub const CONFIGURATION: &str = "configuration";
/// A login or PAM session was opened (sshd, su, sudo, login).
pub const SESSION_OPENED: &str = "session-opened";
/// A login or PAM session was closed.
pub const SESSION_CLOSED: &str = "session-closed";
/// A workload fetched a file or package from a URL (`url.original`) to run it.
pub const FILE_DOWNLOADED: &str = "file-downloaded";
