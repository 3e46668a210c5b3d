//! Ray-specific field names and `event.action` values beyond the shared ones
//! in `sightline_event::field` and `sightline_event::action`. All live in the
//! `ray.` namespace, which the schema accepts without a listing; each is
//! documented in docs/decoders/ray.md.

pub const TASK_FUNC_NAME: &str = "ray.task.func_name";
pub const TASK_TYPE: &str = "ray.task.type";
pub const TASK_STATE: &str = "ray.task.state";
pub const TASK_ERROR_TYPE: &str = "ray.task.error_type";
pub const LEASE_ID: &str = "ray.lease.id";
pub const PLACEMENT_GROUP_ID: &str = "ray.placement_group.id";
pub const CLUSTER_ID: &str = "ray.cluster.id";
pub const NODE_NAME: &str = "ray.node.name";
pub const NODE_ADDRESS: &str = "ray.node.address";
pub const NODE_DEATH_REASON: &str = "ray.node.death_reason";
pub const NODE_IS_HEAD: &str = "ray.node.is_head";
pub const WORKER_PID: &str = "ray.worker.pid";
pub const WORKER_EXIT_TYPE: &str = "ray.worker.exit_type";
pub const WORKER_EXIT_DETAIL: &str = "ray.worker.exit_detail";
pub const OWNER_WORKER_ID: &str = "ray.owner.worker_id";
pub const DRIVER_PID: &str = "ray.driver.pid";
pub const NAMESPACE: &str = "ray.namespace";
pub const ACTOR_DEATH_REASON: &str = "ray.actor.death_reason";
pub const RUNTIME_ENV: &str = "ray.runtime_env";
pub const JOB_METADATA: &str = "ray.job.metadata";
pub const API_OPERATION: &str = "ray.api.operation";
pub const EVENT_ID: &str = "ray.event.id";
pub const EVENT_SEVERITY: &str = "ray.event.severity";
pub const MEMORY_USED_BYTES: &str = "ray.memory.used_bytes";
pub const MEMORY_THRESHOLD_BYTES: &str = "ray.memory.threshold_bytes";
pub const MEMORY_TOTAL_BYTES: &str = "ray.memory.total_bytes";
pub const OOM_KILLED_PIDS: &str = "ray.oom.killed_pids";
pub const OOM_KILLED_WORKER_IDS: &str = "ray.oom.killed_worker_ids";
pub const OOM_KILLED_TASKS: &str = "ray.oom.killed_tasks";
pub const OOM_KILLED_JOB_IDS: &str = "ray.oom.killed_job_ids";
pub const COMMIT: &str = "ray.commit";

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
