//! Short names for the Ray fields this decoder sets beyond the common ones
//! (catalogued in `sightline_event::field::SCHEMA`), and the Ray-specific
//! `event.action` values (documented in docs/decoders/ray.md).

use sightline_event::field;

pub const TASK_FUNC_NAME: &str = field::RAY_TASK_FUNC_NAME;
pub const TASK_TYPE: &str = field::RAY_TASK_TYPE;
pub const TASK_STATE: &str = field::RAY_TASK_STATE;
pub const TASK_ERROR_TYPE: &str = field::RAY_TASK_ERROR_TYPE;
pub const LEASE_ID: &str = field::RAY_LEASE_ID;
pub const PLACEMENT_GROUP_ID: &str = field::RAY_PLACEMENT_GROUP_ID;
pub const CLUSTER_ID: &str = field::RAY_CLUSTER_ID;
pub const NODE_NAME: &str = field::RAY_NODE_NAME;
pub const NODE_ADDRESS: &str = field::RAY_NODE_ADDRESS;
pub const NODE_DEATH_REASON: &str = field::RAY_NODE_DEATH_REASON;
pub const NODE_IS_HEAD: &str = field::RAY_NODE_IS_HEAD;
pub const WORKER_PID: &str = field::RAY_WORKER_PID;
pub const WORKER_EXIT_TYPE: &str = field::RAY_WORKER_EXIT_TYPE;
pub const WORKER_EXIT_DETAIL: &str = field::RAY_WORKER_EXIT_DETAIL;
pub const OWNER_WORKER_ID: &str = field::RAY_OWNER_WORKER_ID;
pub const DRIVER_PID: &str = field::RAY_DRIVER_PID;
pub const NAMESPACE: &str = field::RAY_NAMESPACE;
pub const ACTOR_DEATH_REASON: &str = field::RAY_ACTOR_DEATH_REASON;
pub const RUNTIME_ENV: &str = field::RAY_RUNTIME_ENV;
pub const JOB_METADATA: &str = field::RAY_JOB_METADATA;
pub const API_OPERATION: &str = field::RAY_API_OPERATION;
pub const EVENT_ID: &str = field::RAY_EVENT_ID;
pub const EVENT_SEVERITY: &str = field::RAY_EVENT_SEVERITY;
pub const MEMORY_USED_BYTES: &str = field::RAY_MEMORY_USED_BYTES;
pub const MEMORY_THRESHOLD_BYTES: &str = field::RAY_MEMORY_THRESHOLD_BYTES;
pub const MEMORY_TOTAL_BYTES: &str = field::RAY_MEMORY_TOTAL_BYTES;
pub const OOM_KILLED_PIDS: &str = field::RAY_OOM_KILLED_PIDS;
pub const OOM_KILLED_WORKER_IDS: &str = field::RAY_OOM_KILLED_WORKER_IDS;
pub const OOM_KILLED_TASKS: &str = field::RAY_OOM_KILLED_TASKS;
pub const OOM_KILLED_JOB_IDS: &str = field::RAY_OOM_KILLED_JOB_IDS;
pub const COMMIT: &str = field::RAY_COMMIT;

/// Actions specific to Ray (the shared ones come from `sightline_event::action`).
pub mod action {
    /// A driver (`ray.init`) registered a job with the GCS.
    pub const JOB_REGISTERED: &str = "job-registered";
    /// The Jobs API started a submitted job (its supervisor and entrypoint).
    pub const JOB_STARTED: &str = "job-started";
    /// The raylet started a worker process.
    pub const WORKER_STARTED: &str = "worker-started";
    /// A worker left on purpose (idle, job finished, `exit_actor`).
    pub const WORKER_EXITED: &str = "worker-exited";
    /// An actor was created and is alive.
    pub const ACTOR_CREATED: &str = "actor-created";
    /// An actor moved between pending states (dependencies, creation, restart).
    pub const ACTOR_STATE_CHANGED: &str = "actor-state-changed";
    /// An actor died (other than by a worker crash or OOM kill).
    pub const ACTOR_DIED: &str = "actor-died";
    /// A task failed.
    pub const TASK_FAILED: &str = "task-failed";
    /// A task finished.
    pub const TASK_FINISHED: &str = "task-finished";
    /// A task changed state (submitted, running...).
    pub const TASK_STATE_CHANGED: &str = "task-state-changed";
    /// A worker began running a task (`:task_name:` marker).
    pub const TASK_STARTED: &str = "task-started";
    /// A worker began hosting an actor (`:actor_name:` marker).
    pub const ACTOR_STARTED: &str = "actor-started";
    /// A worker was bound to a job (`:job_id:` marker).
    pub const WORKER_JOB_BOUND: &str = "worker-job-bound";
    /// A node started (raylet up) or is shutting down.
    pub const NODE_STARTED: &str = "node-started";
    pub const NODE_STOPPING: &str = "node-stopping";
    /// Node memory crossed the OOM killer's threshold.
    pub const MEMORY_THRESHOLD_EXCEEDED: &str = "memory-threshold-exceeded";
    /// A working_dir / py_modules package was uploaded or installed.
    pub const PACKAGE_UPLOADED: &str = "package-uploaded";
    /// A runtime environment (env vars, working_dir, pip...) was created.
    pub const RUNTIME_ENV_CREATED: &str = "runtime-env-created";
    /// Serve applications were deployed or deleted through the REST API.
    pub const SERVE_DEPLOYED: &str = "serve-applications-deployed";
    pub const SERVE_DELETED: &str = "serve-applications-deleted";
    /// A browser-origin mutation was refused (HTTP 405).
    pub const BROWSER_REQUEST_DENIED: &str = "browser-request-denied";
    /// Token authentication is off.
    pub const AUTHENTICATION_DISABLED: &str = "authentication-disabled";
    /// A program asked the dynamic loader to preload a library (`LD_PRELOAD`).
    pub const LIBRARY_PRELOAD: &str = "library-preload";
}
