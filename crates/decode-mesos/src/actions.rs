//! `event.action` values specific to Mesos (the shared ones live in
//! `sightline_event::action`). Listed with their meaning in
//! docs/decoders/mesos.md.

// Authentication (CRAM-MD5 over libprocess).
pub const AUTHENTICATION_STARTED: &str = "authentication-started";
pub const AUTHENTICATION_DISCARDED: &str = "authentication-discarded";
/// A step of the SASL exchange (authenticator.cpp / authenticatee.cpp); the
/// per-peer verdict is the master.cpp line (authentication-succeeded/failed).
pub const SASL_STEP: &str = "sasl-authentication-step";
pub const SASL_SUCCEEDED: &str = "sasl-authentication-succeeded";
pub const SASL_FAILED: &str = "sasl-authentication-failed";

// Authorization.
pub const AUTHORIZATION_CHECK: &str = "authorization-check";

// HTTP and APIs.
pub const HTTP_RESPONSE: &str = "http-response";
pub const HTTP_REDIRECT: &str = "http-redirect";
/// An operator or agent API call was received (before authorization).
pub const API_CALL: &str = "api-call";
/// A scheduler API call (driver message or HTTP) was processed.
pub const SCHEDULER_CALL: &str = "scheduler-call";

// Frameworks.
pub const FRAMEWORK_SUBSCRIBE_RECEIVED: &str = "framework-subscribe-received";
pub const FRAMEWORK_SUBSCRIBED: &str = "framework-subscribed";
pub const FRAMEWORK_SUBSCRIPTION_REFUSED: &str = "framework-subscription-refused";
pub const FRAMEWORK_ADDED: &str = "framework-added";
pub const FRAMEWORK_FAILED_OVER: &str = "framework-failed-over";
pub const FRAMEWORK_DISCONNECTED: &str = "framework-disconnected";
pub const FRAMEWORK_TEARDOWN: &str = "framework-teardown";
pub const FRAMEWORK_REMOVED: &str = "framework-removed";
pub const FRAMEWORK_PRINCIPAL_CHANGED: &str = "framework-principal-changed";
/// A message was ignored because its sender is not the registered one (spoofing).
pub const UNEXPECTED_SENDER: &str = "unexpected-sender";

// Agents.
pub const AGENT_REGISTRATION_RECEIVED: &str = "agent-registration-received";
pub const AGENT_REGISTERING: &str = "agent-registering";
pub const AGENT_REGISTRATION_REFUSED: &str = "agent-registration-refused";
pub const AGENT_DISCONNECTED: &str = "agent-disconnected";
pub const AGENT_REMOVAL_SCHEDULED: &str = "agent-removal-scheduled";
pub const AGENT_UNREACHABLE: &str = "agent-unreachable";
pub const AGENT_REMOVING: &str = "agent-removing";
pub const AGENT_SHUTDOWN_REQUESTED: &str = "agent-shutdown-requested";
pub const AGENT_MAINTENANCE: &str = "agent-maintenance";
pub const MASTER_DETECTED: &str = "master-detected";
pub const MASTER_DISCONNECTED: &str = "master-disconnected";

// Control plane.
pub const SERVICE_STARTED: &str = "service-started";
pub const SERVICE_EXITED: &str = "service-exited";
pub const LEADER_ELECTED: &str = "leader-elected";
pub const LEADER_DETECTED: &str = "leader-detected";
pub const LEADERSHIP_LOST: &str = "leadership-lost";
pub const ZOOKEEPER_CONNECTED: &str = "zookeeper-connected";
pub const ZOOKEEPER_DISCONNECTED: &str = "zookeeper-disconnected";
pub const ZOOKEEPER_SESSION_EXPIRED: &str = "zookeeper-session-expired";
pub const LOGGING_LEVEL_CHANGED: &str = "logging-level-changed";

// Offers, allocation, resources.
pub const OFFERS_SENT: &str = "offers-sent";
pub const OFFER_REMOVED: &str = "offer-removed";
pub const OFFER_RESCINDED: &str = "offer-rescinded";
pub const OPERATION_APPLIED: &str = "operation-applied";
pub const OPERATION_DROPPED: &str = "operation-dropped";
pub const QUOTA_UPDATED: &str = "quota-updated";
pub const ALLOCATOR_FRAMEWORK_ADDED: &str = "allocator-framework-added";
pub const ALLOCATOR_FRAMEWORK_REMOVED: &str = "allocator-framework-removed";
pub const ALLOCATOR_FRAMEWORK_CHANGED: &str = "allocator-framework-changed";
pub const ALLOCATOR_AGENT_ADDED: &str = "allocator-agent-added";
pub const ALLOCATOR_AGENT_REMOVED: &str = "allocator-agent-removed";

// Tasks.
pub const TASK_LAUNCHED: &str = "task-launched";
pub const TASK_ASSIGNED: &str = "task-assigned";
pub const TASK_QUEUED: &str = "task-queued";
pub const TASK_SENT_TO_EXECUTOR: &str = "task-sent-to-executor";
pub const TASK_STARTED: &str = "task-started";
/// A non-terminal status update as the master receives it from an agent or
/// generates it (terminal ones are `job-finished`).
pub const TASK_STATUS: &str = "task-status";
/// The agent (or its status update manager) received a status update from an executor.
pub const TASK_STATUS_RECEIVED: &str = "task-status-received";
pub const TASK_STATUS_FORWARDED: &str = "task-status-forwarded";
pub const TASK_STATUS_CHECKPOINTED: &str = "task-status-checkpointed";
pub const TASK_STATUS_ACKNOWLEDGED: &str = "task-status-acknowledged";
pub const TASK_STATE_UPDATED: &str = "task-state-updated";
/// The master refused a task (TASK_ERROR other than an authorization denial).
pub const TASK_REJECTED: &str = "task-rejected";
pub const TASK_REMOVED: &str = "task-removed";
pub const TASK_KILL_SENT: &str = "task-kill-sent";
pub const TASK_OUTPUT: &str = "task-output";

// Executors, containers, sandboxes.
pub const EXECUTOR_ADDED: &str = "executor-added";
pub const EXECUTOR_LAUNCHED: &str = "executor-launched";
pub const EXECUTOR_SUBSCRIBED: &str = "executor-subscribed";
pub const EXECUTOR_EXITED: &str = "executor-exited";
pub const EXECUTOR_REMOVED: &str = "executor-removed";
pub const EXECUTOR_CLEANUP: &str = "executor-cleanup";
pub const EXECUTOR_REGISTRATION_TIMEOUT: &str = "executor-registration-timeout";
pub const CONTAINER_LAUNCHED: &str = "container-launched";
pub const CONTAINER_STARTED: &str = "container-started";
pub const CONTAINER_STATE_CHANGED: &str = "container-state-changed";
pub const CONTAINER_FORKED: &str = "container-forked";
pub const CONTAINER_EXITED: &str = "container-exited";
pub const CONTAINER_DESTROYING: &str = "container-destroying";
pub const SANDBOX_CREATED: &str = "sandbox-created";
pub const GC_SCHEDULED: &str = "gc-scheduled";
pub const GC_UNSCHEDULED: &str = "gc-unscheduled";
pub const GC_DELETED: &str = "gc-deleted";

// Fetcher and command executor (sandbox stderr/stdout).
pub const FETCH_PLANNED: &str = "fetch-planned";
pub const FETCH_DOWNLOAD: &str = "fetch-download";
pub const FETCH_COMPLETED: &str = "fetch-completed";
pub const FETCH_EXTRACTED: &str = "fetch-extracted";
pub const FETCH_FAILED: &str = "fetch-failed";
pub const COMMAND_FORKED: &str = "command-forked";
pub const COMMAND_EXITED: &str = "command-exited";
