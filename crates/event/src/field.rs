//! Field names, and the schema that documents them.
//!
//! Decoders use these constants instead of string literals so a typo is a
//! compile error. [`SCHEMA`] lists every well-known field with its type and
//! meaning; `docs/schema.md` is written from the same facts and a test keeps
//! the two in step.

pub const TIMESTAMP: &str = "@timestamp";
pub const EVENT_ID: &str = "event.id";
pub const EVENT_KIND: &str = "event.kind";
pub const EVENT_MODULE: &str = "event.module";
pub const EVENT_DATASET: &str = "event.dataset";
pub const EVENT_CATEGORY: &str = "event.category";
pub const EVENT_TYPE: &str = "event.type";
pub const EVENT_ACTION: &str = "event.action";
pub const EVENT_OUTCOME: &str = "event.outcome";
pub const EVENT_ORIGINAL: &str = "event.original";
pub const EVENT_DURATION: &str = "event.duration";
pub const EVENT_SEVERITY: &str = "event.severity";
pub const LOG_LEVEL: &str = "log.level";
pub const LOG_LOGGER: &str = "log.logger";
pub const LOG_ORIGIN_FILE: &str = "log.origin.file.name";
pub const LOG_ORIGIN_LINE: &str = "log.origin.file.line";
pub const LOG_FILE_PATH: &str = "log.file.path";
pub const MESSAGE: &str = "message";
pub const TAGS: &str = "tags";
pub const LABELS: &str = "labels";
pub const HOST_NAME: &str = "host.name";
pub const HOST_IP: &str = "host.ip";
pub const SERVICE_NAME: &str = "service.name";
pub const SERVICE_VERSION: &str = "service.version";
pub const PROCESS_PID: &str = "process.pid";
pub const PROCESS_THREAD_ID: &str = "process.thread.id";
pub const PROCESS_NAME: &str = "process.name";
pub const PROCESS_COMMAND_LINE: &str = "process.command_line";
pub const PROCESS_EXIT_CODE: &str = "process.exit_code";
pub const SOURCE_IP: &str = "source.ip";
pub const SOURCE_PORT: &str = "source.port";
pub const DESTINATION_IP: &str = "destination.ip";
pub const DESTINATION_PORT: &str = "destination.port";
pub const USER_NAME: &str = "user.name";
pub const USER_ROLES: &str = "user.roles";
pub const USER_TARGET_NAME: &str = "user.target.name";
pub const GROUP_NAME: &str = "group.name";
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
pub const HTTP_REQUEST_REFERRER: &str = "http.request.referrer";
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
pub const HTTP_RESPONSE_BODY_BYTES: &str = "http.response.body.bytes";
pub const HTTP_REQUEST_BODY_BYTES: &str = "http.request.body.bytes";
pub const HTTP_VERSION: &str = "http.version";
pub const URL_PATH: &str = "url.path";
pub const URL_QUERY: &str = "url.query";
pub const URL_ORIGINAL: &str = "url.original";
pub const USER_AGENT_ORIGINAL: &str = "user_agent.original";
pub const ERROR_TYPE: &str = "error.type";
pub const ERROR_MESSAGE: &str = "error.message";
pub const ERROR_CODE: &str = "error.code";
pub const ERROR_STACK_TRACE: &str = "error.stack_trace";
pub const FILE_PATH: &str = "file.path";
pub const FILE_HASH_SHA256: &str = "file.hash.sha256";
pub const FILE_SIZE: &str = "file.size";
pub const SERVER_ADDRESS: &str = "server.address";
pub const SERVER_PORT: &str = "server.port";
pub const NETWORK_PROTOCOL: &str = "network.protocol";
pub const NETWORK_TRANSPORT: &str = "network.transport";
pub const TRACE_ID: &str = "trace.id";
pub const RULE_NAME: &str = "rule.name";
/// Byte offset of a record in its file. ECS has no such field (Beats' `log.offset` is not ECS).
pub const SIGHTLINE_LOG_OFFSET: &str = "sightline.log.offset";
/// Set by the sanitizer: how many secrets it replaced in this event.
pub const SIGHTLINE_REDACTIONS: &str = "sightline.redactions";
pub const LOG_SYSLOG_PRIORITY: &str = "log.syslog.priority";
pub const LOG_SYSLOG_FACILITY_CODE: &str = "log.syslog.facility.code";
pub const LOG_SYSLOG_FACILITY_NAME: &str = "log.syslog.facility.name";
pub const LOG_SYSLOG_SEVERITY_CODE: &str = "log.syslog.severity.code";
pub const LOG_SYSLOG_SEVERITY_NAME: &str = "log.syslog.severity.name";
pub const LOG_SYSLOG_VERSION: &str = "log.syslog.version";
pub const LOG_SYSLOG_MSGID: &str = "log.syslog.msgid";
pub const LOG_SYSLOG_PROCID: &str = "log.syslog.procid";

pub const RAY_JOB_ID: &str = "ray.job.id";
pub const RAY_JOB_SUBMISSION_ID: &str = "ray.job.submission_id";
pub const RAY_JOB_STATUS: &str = "ray.job.status";
pub const RAY_NODE_ID: &str = "ray.node.id";
pub const RAY_WORKER_ID: &str = "ray.worker.id";
pub const RAY_ACTOR_ID: &str = "ray.actor.id";
pub const RAY_ACTOR_NAME: &str = "ray.actor.name";
pub const RAY_ACTOR_CLASS: &str = "ray.actor.class_name";
pub const RAY_ACTOR_STATE: &str = "ray.actor.state";
pub const RAY_TASK_ID: &str = "ray.task.id";
pub const RAY_TASK_NAME: &str = "ray.task.name";
pub const RAY_COMPONENT: &str = "ray.component";
pub const RAY_EVENT_LABEL: &str = "ray.event.label";
pub const RAY_EVENT_SOURCE_TYPE: &str = "ray.event.source_type";
pub const RAY_NODE_STATE: &str = "ray.node.state";
pub const RAY_TASK_FUNC_NAME: &str = "ray.task.func_name";
pub const RAY_TASK_TYPE: &str = "ray.task.type";
pub const RAY_TASK_STATE: &str = "ray.task.state";
pub const RAY_TASK_ERROR_TYPE: &str = "ray.task.error_type";
pub const RAY_LEASE_ID: &str = "ray.lease.id";
pub const RAY_PLACEMENT_GROUP_ID: &str = "ray.placement_group.id";
pub const RAY_CLUSTER_ID: &str = "ray.cluster.id";
pub const RAY_NODE_NAME: &str = "ray.node.name";
pub const RAY_NODE_ADDRESS: &str = "ray.node.address";
pub const RAY_NODE_DEATH_REASON: &str = "ray.node.death_reason";
pub const RAY_NODE_IS_HEAD: &str = "ray.node.is_head";
pub const RAY_WORKER_PID: &str = "ray.worker.pid";
pub const RAY_WORKER_EXIT_TYPE: &str = "ray.worker.exit_type";
pub const RAY_WORKER_EXIT_DETAIL: &str = "ray.worker.exit_detail";
pub const RAY_OWNER_WORKER_ID: &str = "ray.owner.worker_id";
pub const RAY_DRIVER_PID: &str = "ray.driver.pid";
pub const RAY_NAMESPACE: &str = "ray.namespace";
pub const RAY_ACTOR_DEATH_REASON: &str = "ray.actor.death_reason";
pub const RAY_RUNTIME_ENV: &str = "ray.runtime_env";
pub const RAY_JOB_METADATA: &str = "ray.job.metadata";
pub const RAY_API_OPERATION: &str = "ray.api.operation";
pub const RAY_EVENT_ID: &str = "ray.event.id";
pub const RAY_EVENT_SEVERITY: &str = "ray.event.severity";
pub const RAY_MEMORY_USED_BYTES: &str = "ray.memory.used_bytes";
pub const RAY_MEMORY_THRESHOLD_BYTES: &str = "ray.memory.threshold_bytes";
pub const RAY_MEMORY_TOTAL_BYTES: &str = "ray.memory.total_bytes";
pub const RAY_OOM_KILLED_PIDS: &str = "ray.oom.killed_pids";
pub const RAY_OOM_KILLED_WORKER_IDS: &str = "ray.oom.killed_worker_ids";
pub const RAY_OOM_KILLED_TASKS: &str = "ray.oom.killed_tasks";
pub const RAY_OOM_KILLED_JOB_IDS: &str = "ray.oom.killed_job_ids";
pub const RAY_COMMIT: &str = "ray.commit";

pub const MESOS_FRAMEWORK_ID: &str = "mesos.framework.id";
pub const MESOS_FRAMEWORK_NAME: &str = "mesos.framework.name";
pub const MESOS_TASK_ID: &str = "mesos.task.id";
pub const MESOS_TASK_STATE: &str = "mesos.task.state";
pub const MESOS_TASK_REASON: &str = "mesos.task.reason";
pub const MESOS_TASK_SOURCE: &str = "mesos.task.source";
pub const MESOS_AGENT_ID: &str = "mesos.agent.id";
pub const MESOS_EXECUTOR_ID: &str = "mesos.executor.id";
pub const MESOS_CONTAINER_ID: &str = "mesos.container.id";
pub const MESOS_OFFER_ID: &str = "mesos.offer.id";
pub const MESOS_ROLE: &str = "mesos.role";
pub const MESOS_RESOURCES: &str = "mesos.resources";
pub const MESOS_CALL: &str = "mesos.call";
pub const MESOS_PRINCIPAL: &str = "mesos.principal";
pub const MESOS_UPID: &str = "mesos.upid";
pub const MESOS_AGENT_HOSTNAME: &str = "mesos.agent.hostname";
pub const MESOS_TASK_USER: &str = "mesos.task.user";
pub const MESOS_TASK_STATUS_UUID: &str = "mesos.task.status_uuid";
pub const MESOS_RESOURCES_CPUS: &str = "mesos.resources.cpus";
pub const MESOS_RESOURCES_MEM: &str = "mesos.resources.mem";
pub const MESOS_RESOURCES_DISK: &str = "mesos.resources.disk";
pub const MESOS_RESOURCES_GPUS: &str = "mesos.resources.gpus";
pub const MESOS_FLAGS: &str = "mesos.flags";
pub const MESOS_FRAMEWORK_CAPABILITIES: &str = "mesos.framework.capabilities";
pub const MESOS_OPERATION_TYPE: &str = "mesos.operation.type";
pub const MESOS_AUTHORIZATION_ACTION: &str = "mesos.authorization.action";
pub const MESOS_FETCH_URIS: &str = "mesos.fetch.uris";

pub const MILVUS_DATABASE: &str = "milvus.database";
pub const MILVUS_COLLECTION: &str = "milvus.collection";
pub const MILVUS_PARTITION: &str = "milvus.partition";
pub const MILVUS_METHOD: &str = "milvus.method";
pub const MILVUS_ERROR_CODE: &str = "milvus.error_code";
pub const MILVUS_PRIVILEGE: &str = "milvus.privilege";
pub const MILVUS_OBJECT_TYPE: &str = "milvus.object.type";
pub const MILVUS_OBJECT_NAME: &str = "milvus.object.name";
pub const MILVUS_ROLE: &str = "milvus.role";
pub const MILVUS_TOPK: &str = "milvus.topk";
pub const MILVUS_NQ: &str = "milvus.nq";
pub const MILVUS_RESULT_SIZE: &str = "milvus.result_size";
pub const MILVUS_COMPONENT: &str = "milvus.component";
pub const MILVUS_TRACE_ID: &str = "milvus.trace_id";
pub const MILVUS_EXPR: &str = "milvus.expr";
pub const MILVUS_OUTPUT_FIELDS: &str = "milvus.output_fields";
pub const MILVUS_CONSISTENCY_LEVEL: &str = "milvus.consistency_level";
pub const MILVUS_STATUS: &str = "milvus.status";
pub const MILVUS_REQUEST_ID: &str = "milvus.request_id";
pub const MILVUS_COLLECTION_ID: &str = "milvus.collection_id";

pub const MLX_MODEL_NAME: &str = "mlx.model.name";
pub const MLX_MODEL_SOURCE: &str = "mlx.model.source";
pub const MLX_MODEL_SHA256: &str = "mlx.model.sha256";
pub const MLX_MODEL_PATH: &str = "mlx.model.path";
pub const MLX_MODEL_FORMAT: &str = "mlx.model.format";
pub const MLX_MODEL_INTEGRITY: &str = "mlx.model.integrity";
pub const MLX_MODEL_PICKLE_ALLOWED: &str = "mlx.model.pickle_allowed";
pub const MLX_MODEL_TRUST_REMOTE_CODE: &str = "mlx.model.trust_remote_code";
pub const MLX_LATENCY_MS: &str = "mlx.latency_ms";
pub const MLX_INPUT_TOKENS: &str = "mlx.tokens.input";
pub const MLX_OUTPUT_TOKENS: &str = "mlx.tokens.output";
pub const MLX_INPUT_SHA256: &str = "mlx.input.sha256";
pub const MLX_PEAK_MEMORY_BYTES: &str = "mlx.memory.peak_bytes";
pub const MLX_EVENT: &str = "mlx.event";
pub const MLX_SCHEMA: &str = "mlx.schema";
pub const MLX_SEQ: &str = "mlx.seq";
pub const MLX_SDK_VERSION: &str = "mlx.sdk.version";
pub const MLX_MODEL_SOURCE_TYPE: &str = "mlx.model.source_type";
pub const MLX_MODEL_REVISION: &str = "mlx.model.revision";
pub const MLX_MODEL_REVISION_PINNED: &str = "mlx.model.revision_pinned";
pub const MLX_MODEL_EXPECTED_SHA256: &str = "mlx.model.expected_sha256";
pub const MLX_LOADER: &str = "mlx.loader";
pub const MLX_DATA_PICKLE_ALLOWED: &str = "mlx.data.pickle_allowed";
pub const MLX_DATA_OBJECT_ARRAYS: &str = "mlx.data.object_arrays";
pub const MLX_DEPLOY_ID: &str = "mlx.deploy.id";
pub const MLX_DEPLOY_CHANGE_TICKET: &str = "mlx.deploy.change_ticket";
pub const MLX_REQUEST_ID: &str = "mlx.request_id";
pub const MLX_CLIENT_APP: &str = "mlx.client_app";
pub const MLX_API: &str = "mlx.api";
pub const MLX_REQUESTED_MODEL: &str = "mlx.requested_model";
pub const MLX_MAX_TOKENS: &str = "mlx.max_tokens";
pub const MLX_TEMPERATURE: &str = "mlx.temperature";
pub const MLX_TOP_LOGPROBS: &str = "mlx.top_logprobs";
pub const MLX_INPUT_CHARS: &str = "mlx.input.chars";
pub const MLX_TTFT_MS: &str = "mlx.ttft_ms";
pub const MLX_GENERATION_TPS: &str = "mlx.generation_tps";
pub const MLX_FINISH_REASON: &str = "mlx.finish_reason";
pub const MLX_STAGE: &str = "mlx.stage";
pub const MLX_ACTIVE_MEMORY_BYTES: &str = "mlx.memory.active_bytes";
pub const MLX_CACHE_MEMORY_BYTES: &str = "mlx.memory.cache_bytes";
pub const MLX_MEMORY_LIMIT_BYTES: &str = "mlx.memory.limit_bytes";
pub const MLX_MEMORY_UTILIZATION: &str = "mlx.memory.utilization";
pub const MLX_RSS_BYTES: &str = "mlx.memory.rss_bytes";
pub const MLX_INFLIGHT_REQUESTS: &str = "mlx.inflight_requests";
pub const MLX_ERROR_OP: &str = "mlx.error.op";
pub const MLX_SERVER_LOOPBACK: &str = "mlx.server.loopback";
pub const MLX_VERSION: &str = "mlx.version";
pub const MLX_LM_VERSION: &str = "mlx.lm_version";
pub const MLX_PYTHON_VERSION: &str = "mlx.python_version";
pub const MLX_DEVICE: &str = "mlx.device";
pub const MLX_HARDWARE: &str = "mlx.hardware";
pub const MLX_ENTRYPOINT: &str = "mlx.entrypoint";
pub const MLX_ARGV_DIGEST: &str = "mlx.argv_digest";
pub const MLX_MODEL_FILES: &str = "mlx.model.files";
pub const MLX_MODEL_BYTES: &str = "mlx.model.bytes";
pub const MLX_MODEL_PARAMS: &str = "mlx.model.params";
pub const MLX_MODEL_LAZY: &str = "mlx.model.lazy";
pub const MLX_MODEL_STRICT: &str = "mlx.model.strict";
pub const MLX_MODEL_ADAPTER_PATH: &str = "mlx.model.adapter_path";
pub const MLX_MODEL_OVERRIDE: &str = "mlx.model_override";
pub const MLX_REQUESTED_DRAFT_MODEL: &str = "mlx.requested_draft_model";
pub const MLX_HASH_MS: &str = "mlx.hash_ms";
pub const MLX_DURATION_MS: &str = "mlx.duration_ms";
pub const MLX_DATA_FORMAT: &str = "mlx.data.format";
pub const MLX_DATA_ARRAYS: &str = "mlx.data.arrays";
pub const MLX_INTERVAL_S: &str = "mlx.interval_s";
pub const MLX_STREAM: &str = "mlx.stream";
pub const MLX_CLIENT_IP: &str = "mlx.client_ip";
pub const MLX_TS: &str = "mlx.ts";
pub const MLX_MESSAGE: &str = "mlx.message";
pub const MLX_PROMPT_PROCESSED: &str = "mlx.prompt.processed";
pub const MLX_PROMPT_CACHE_ENTRY: &str = "mlx.prompt_cache.entry";
pub const MLX_PROMPT_CACHE_SEQUENCES: &str = "mlx.prompt_cache.sequences";
pub const MLX_PROMPT_CACHE_GB: &str = "mlx.prompt_cache.gb";
pub const MLX_WARNING_CATEGORY: &str = "mlx.warning.category";

/// The type a field's values have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Timestamp,
    Keyword,
    Text,
    Long,
    Double,
    Boolean,
    Ip,
    KeywordList,
    /// Several addresses (ECS normalizes `host.ip` to an array).
    IpList,
    /// A map of string values (`labels`).
    Object,
}

impl FieldType {
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Timestamp => "timestamp",
            FieldType::Keyword => "keyword",
            FieldType::Text => "text",
            FieldType::Long => "long",
            FieldType::Double => "double",
            FieldType::Boolean => "boolean",
            FieldType::Ip => "ip",
            FieldType::KeywordList => "keyword[]",
            FieldType::IpList => "ip[]",
            FieldType::Object => "object",
        }
    }
}

/// One documented field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    pub description: &'static str,
}

const fn f(name: &'static str, ty: FieldType, description: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        description,
    }
}

use FieldType::*;

/// Every well-known field. Decoders may also set fields under their own
/// namespace that are not listed here (they are still valid), and anything
/// else goes into `labels`.
pub const SCHEMA: &[FieldSpec] = &[
    f(
        TIMESTAMP,
        Timestamp,
        "When the event happened, RFC 3339 UTC, sub-second precision kept.",
    ),
    f(
        EVENT_ID,
        Keyword,
        "Deterministic id: BLAKE3 of stream name, byte offset and raw record.",
    ),
    f(
        EVENT_KIND,
        Keyword,
        "ECS kind: event, alert, metric, state, pipeline_error.",
    ),
    f(
        EVENT_MODULE,
        Keyword,
        "Source system: ray, mesos, milvus, mlx, syslog, json, logfmt, text.",
    ),
    f(
        EVENT_DATASET,
        Keyword,
        "Source system and component, e.g. ray.dashboard, mesos.master, milvus.access.",
    ),
    f(
        EVENT_CATEGORY,
        KeywordList,
        "ECS categories: authentication, iam, process, web, database, network, configuration, file, host, api, malware.",
    ),
    f(
        EVENT_TYPE,
        KeywordList,
        "ECS types: start, end, creation, deletion, change, access, denied, allowed, error, info, connection, user, admin.",
    ),
    f(
        EVENT_ACTION,
        Keyword,
        "What happened, as a stable snake_case verb phrase, e.g. job-submitted, authentication-failed.",
    ),
    f(EVENT_OUTCOME, Keyword, "success, failure or unknown."),
    f(
        EVENT_ORIGINAL,
        Text,
        "The raw record (all its lines), redacted and neutralized.",
    ),
    f(EVENT_DURATION, Long, "Duration in nanoseconds."),
    f(
        EVENT_SEVERITY,
        Long,
        "Numeric severity (syslog severity 0-7 where the source gives one).",
    ),
    f(
        LOG_LEVEL,
        Keyword,
        "Level as the source names it, lowercased: debug, info, warning, error, critical, fatal.",
    ),
    f(
        LOG_LOGGER,
        Keyword,
        "Logger name, where the source writes one.",
    ),
    f(
        LOG_ORIGIN_FILE,
        Keyword,
        "Source-code file that wrote the line (e.g. master.cpp, web_log.py).",
    ),
    f(
        LOG_ORIGIN_LINE,
        Long,
        "Source-code line that wrote the line.",
    ),
    f(
        LOG_FILE_PATH,
        Keyword,
        "Path of the log file the record was read from.",
    ),
    f(
        SIGHTLINE_LOG_OFFSET,
        Long,
        "Byte offset of the record's first line in that file (Sightline's own: ECS has no offset field).",
    ),
    f(
        MESSAGE,
        Text,
        "The human-readable message, without the line header.",
    ),
    f(
        TAGS,
        KeywordList,
        "Processing tags, e.g. parse_failure, redacted, multiline, timestamp_inferred.",
    ),
    f(
        LABELS,
        Object,
        "Map of further key/value pairs the source carried.",
    ),
    f(HOST_NAME, Keyword, "Host that wrote the log."),
    f(
        HOST_IP,
        IpList,
        "Addresses of that host, where the source states them.",
    ),
    f(
        SERVICE_NAME,
        Keyword,
        "Component or service, e.g. raylet, mesos-master, proxy, chat-api.",
    ),
    f(SERVICE_VERSION, Keyword, "Version of that service."),
    f(PROCESS_PID, Long, "Process id of the writer."),
    f(PROCESS_THREAD_ID, Long, "Thread id of the writer."),
    f(
        PROCESS_NAME,
        Keyword,
        "Process name (syslog APP-NAME and similar).",
    ),
    f(
        PROCESS_COMMAND_LINE,
        Text,
        "Command line: Ray job entrypoints, Mesos task commands.",
    ),
    f(
        PROCESS_EXIT_CODE,
        Long,
        "Exit code of a process or entrypoint.",
    ),
    f(
        SOURCE_IP,
        Ip,
        "Address of the client or peer that caused the event.",
    ),
    f(SOURCE_PORT, Long, "Port of that client."),
    f(DESTINATION_IP, Ip, "Address the event was directed to."),
    f(DESTINATION_PORT, Long, "Port the event was directed to."),
    f(
        USER_NAME,
        Keyword,
        "Authenticated (or claimed) user or principal.",
    ),
    f(USER_ROLES, KeywordList, "Roles of that user."),
    f(
        USER_TARGET_NAME,
        Keyword,
        "User acted upon (created, dropped, granted).",
    ),
    f(GROUP_NAME, Keyword, "Group or role acted upon."),
    f(HTTP_REQUEST_METHOD, Keyword, "HTTP method, upper case."),
    f(HTTP_REQUEST_REFERRER, Keyword, "HTTP Referer header."),
    f(HTTP_RESPONSE_STATUS_CODE, Long, "HTTP status code."),
    f(
        HTTP_RESPONSE_BODY_BYTES,
        Long,
        "Response body size in bytes.",
    ),
    f(HTTP_REQUEST_BODY_BYTES, Long, "Request body size in bytes."),
    f(HTTP_VERSION, Keyword, "HTTP version, e.g. 1.1."),
    f(URL_PATH, Keyword, "Request path without the query."),
    f(URL_QUERY, Keyword, "Query string without the '?'."),
    f(
        URL_ORIGINAL,
        Keyword,
        "URL as the source wrote it (fetcher URIs, model repositories).",
    ),
    f(USER_AGENT_ORIGINAL, Keyword, "User-Agent header."),
    f(
        ERROR_TYPE,
        Keyword,
        "Error class, exception type or error name.",
    ),
    f(
        ERROR_MESSAGE,
        Text,
        "Error text; for parse_failure events, why the record did not parse.",
    ),
    f(ERROR_CODE, Keyword, "Error code as the source gives it."),
    f(ERROR_STACK_TRACE, Text, "Stack trace or traceback."),
    f(
        FILE_PATH,
        Keyword,
        "A file the event is about (not the log file itself).",
    ),
    f(FILE_HASH_SHA256, Keyword, "SHA-256 of that file."),
    f(FILE_SIZE, Long, "Size of that file in bytes."),
    f(
        SERVER_ADDRESS,
        Keyword,
        "Address a server listens on or was reached at (0.0.0.0 = all interfaces).",
    ),
    f(
        SERVER_PORT,
        Long,
        "Port a server listens on or was reached at.",
    ),
    f(
        NETWORK_PROTOCOL,
        Keyword,
        "Application protocol: http, grpc, syslog.",
    ),
    f(NETWORK_TRANSPORT, Keyword, "tcp or udp."),
    f(TRACE_ID, Keyword, "Distributed trace id."),
    f(
        RULE_NAME,
        Keyword,
        "Name of an ACL or rule the source reports applying.",
    ),
    f(
        SIGHTLINE_REDACTIONS,
        Long,
        "Secrets replaced by [REDACTED:<kind>] in this event, counted per replacement in each field (see docs/redaction.md).",
    ),
    f(
        LOG_SYSLOG_PRIORITY,
        Long,
        "Syslog PRI value (facility * 8 + severity).",
    ),
    f(
        LOG_SYSLOG_FACILITY_CODE,
        Long,
        "Syslog facility number (0-23).",
    ),
    f(
        LOG_SYSLOG_FACILITY_NAME,
        Keyword,
        "Syslog facility keyword: kern, user, auth, authpriv, daemon, local0..local7...",
    ),
    f(
        LOG_SYSLOG_SEVERITY_CODE,
        Long,
        "Syslog severity number (0 emergency - 7 debug).",
    ),
    f(
        LOG_SYSLOG_SEVERITY_NAME,
        Keyword,
        "Syslog severity keyword: emerg, alert, crit, err, warning, notice, info, debug.",
    ),
    f(
        LOG_SYSLOG_VERSION,
        Keyword,
        "RFC 5424 VERSION of the syslog header.",
    ),
    f(LOG_SYSLOG_MSGID, Keyword, "RFC 5424 MSGID."),
    f(
        LOG_SYSLOG_PROCID,
        Keyword,
        "Syslog PROCID when it is not a number (numeric ones go to process.pid).",
    ),
    f(
        RAY_JOB_ID,
        Keyword,
        "Ray job id (8 hex digits, e.g. 02000000).",
    ),
    f(
        RAY_JOB_SUBMISSION_ID,
        Keyword,
        "Jobs API submission id (raysubmit_... or client-chosen).",
    ),
    f(
        RAY_JOB_STATUS,
        Keyword,
        "Job status: PENDING, RUNNING, SUCCEEDED, FAILED, STOPPED.",
    ),
    f(RAY_NODE_ID, Keyword, "Ray node id (hex)."),
    f(RAY_WORKER_ID, Keyword, "Ray worker id (hex)."),
    f(RAY_ACTOR_ID, Keyword, "Ray actor id (hex)."),
    f(RAY_ACTOR_NAME, Keyword, "Ray actor name."),
    f(RAY_ACTOR_CLASS, Keyword, "Ray actor class name."),
    f(
        RAY_ACTOR_STATE,
        Keyword,
        "Actor state: PENDING_CREATION, ALIVE, DEAD...",
    ),
    f(RAY_TASK_ID, Keyword, "Ray task id."),
    f(RAY_TASK_NAME, Keyword, "Ray task name."),
    f(
        RAY_COMPONENT,
        Keyword,
        "Ray component tag of C++ lines (gcs_server, raylet).",
    ),
    f(
        RAY_EVENT_LABEL,
        Keyword,
        "Label of a Ray event (RAY_WORKER_FAILURE, Out of Memory...).",
    ),
    f(
        RAY_EVENT_SOURCE_TYPE,
        Keyword,
        "source_type of a Ray event or export event.",
    ),
    f(
        RAY_NODE_STATE,
        Keyword,
        "Node state from export events (ALIVE, DEAD).",
    ),
    f(
        RAY_TASK_FUNC_NAME,
        Keyword,
        "Fully qualified function of a Ray task (task_func_name).",
    ),
    f(
        RAY_TASK_TYPE,
        Keyword,
        "Task type: NORMAL_TASK, ACTOR_TASK, ACTOR_CREATION_TASK, DRIVER_TASK.",
    ),
    f(
        RAY_TASK_STATE,
        Keyword,
        "Latest task state of an export TASK event: RUNNING, FINISHED, FAILED...",
    ),
    f(
        RAY_TASK_ERROR_TYPE,
        Keyword,
        "Ray error type of a failed task: TASK_EXECUTION_EXCEPTION, OUT_OF_MEMORY, ACTOR_DIED...",
    ),
    f(RAY_LEASE_ID, Keyword, "Ray worker lease id (hex)."),
    f(
        RAY_PLACEMENT_GROUP_ID,
        Keyword,
        "Ray placement group id (hex).",
    ),
    f(RAY_CLUSTER_ID, Keyword, "Ray cluster id (hex)."),
    f(
        RAY_NODE_NAME,
        Keyword,
        "Node name as Ray reports it (usually its IP).",
    ),
    f(
        RAY_NODE_ADDRESS,
        Keyword,
        "Node manager address of the node a message is about.",
    ),
    f(
        RAY_NODE_DEATH_REASON,
        Keyword,
        "Why a node died: EXPECTED_TERMINATION, UNEXPECTED_TERMINATION, AUTOSCALER_DRAIN_*.",
    ),
    f(
        RAY_NODE_IS_HEAD,
        Boolean,
        "Whether the node is the head node.",
    ),
    f(
        RAY_WORKER_PID,
        Long,
        "Pid of the Ray worker process a message is about (started, failed, killed).",
    ),
    f(
        RAY_WORKER_EXIT_TYPE,
        Keyword,
        "Worker exit type: SYSTEM_ERROR, USER_ERROR, NODE_OUT_OF_MEMORY, INTENDED_USER_EXIT...",
    ),
    f(
        RAY_WORKER_EXIT_DETAIL,
        Text,
        "Ray's explanation of a worker exit.",
    ),
    f(
        RAY_OWNER_WORKER_ID,
        Keyword,
        "Worker id of the owner of a task, actor or lease.",
    ),
    f(
        RAY_DRIVER_PID,
        Long,
        "Pid of a Ray driver (ray.init process).",
    ),
    f(RAY_NAMESPACE, Keyword, "Ray namespace of an actor."),
    f(
        RAY_ACTOR_DEATH_REASON,
        Keyword,
        "Why an actor died: WORKER_DIED, RAY_KILL, OUT_OF_MEMORY, or the death context type.",
    ),
    f(
        RAY_RUNTIME_ENV,
        Text,
        "Runtime environment JSON of a job, task or actor (env_vars, working_dir, pip...).",
    ),
    f(
        RAY_JOB_METADATA,
        Text,
        "Jobs API submission metadata as JSON.",
    ),
    f(
        RAY_API_OPERATION,
        Keyword,
        "Jobs/Serve REST operation a request asks for: job-submit, job-stop, job-delete, job-list, package-upload, serve-delete...",
    ),
    f(
        RAY_EVENT_ID,
        Keyword,
        "event_id of a Ray event or export event.",
    ),
    f(
        RAY_EVENT_SEVERITY,
        Keyword,
        "Severity of a Ray event as written (INFO, WARNING, ERROR).",
    ),
    f(
        RAY_MEMORY_USED_BYTES,
        Long,
        "Node memory in use when the OOM monitor reported.",
    ),
    f(
        RAY_MEMORY_THRESHOLD_BYTES,
        Long,
        "Node memory threshold of Ray's OOM killer.",
    ),
    f(
        RAY_MEMORY_TOTAL_BYTES,
        Long,
        "Total node memory as the OOM monitor sees it.",
    ),
    f(
        RAY_OOM_KILLED_PIDS,
        KeywordList,
        "Pids of the workers an OOM kill selected.",
    ),
    f(
        RAY_OOM_KILLED_WORKER_IDS,
        KeywordList,
        "Worker ids an OOM kill selected.",
    ),
    f(
        RAY_OOM_KILLED_TASKS,
        KeywordList,
        "Task names of the workers an OOM kill selected.",
    ),
    f(
        RAY_OOM_KILLED_JOB_IDS,
        KeywordList,
        "Job ids of the workers an OOM kill selected.",
    ),
    f(RAY_COMMIT, Keyword, "Ray build commit."),
    f(MESOS_FRAMEWORK_ID, Keyword, "Mesos framework id."),
    f(MESOS_FRAMEWORK_NAME, Keyword, "Mesos framework name."),
    f(MESOS_TASK_ID, Keyword, "Mesos task id."),
    f(
        MESOS_TASK_STATE,
        Keyword,
        "Task state: TASK_RUNNING, TASK_FAILED...",
    ),
    f(
        MESOS_TASK_REASON,
        Keyword,
        "Status-update reason: REASON_COMMAND_EXECUTOR_FAILED...",
    ),
    f(
        MESOS_TASK_SOURCE,
        Keyword,
        "Status-update source: SOURCE_EXECUTOR, SOURCE_AGENT, SOURCE_MASTER.",
    ),
    f(MESOS_AGENT_ID, Keyword, "Mesos agent id (...-S3)."),
    f(MESOS_EXECUTOR_ID, Keyword, "Mesos executor id."),
    f(MESOS_CONTAINER_ID, Keyword, "Mesos container id."),
    f(MESOS_OFFER_ID, Keyword, "Mesos offer id."),
    f(MESOS_ROLE, Keyword, "Mesos role."),
    f(
        MESOS_RESOURCES,
        Keyword,
        "Resources as Mesos prints them: cpus:2; mem:1024.",
    ),
    f(
        MESOS_CALL,
        Keyword,
        "Operator/scheduler API call type (GET_STATE, TEARDOWN...).",
    ),
    f(
        MESOS_PRINCIPAL,
        Keyword,
        "Principal named by authentication or authorization.",
    ),
    f(
        MESOS_UPID,
        Keyword,
        "libprocess PID of the peer: scheduler-<uuid>@ip:port, slave(1)@ip:port, master@ip:port.",
    ),
    f(
        MESOS_AGENT_HOSTNAME,
        Keyword,
        "Hostname an agent reports (may differ from its address).",
    ),
    f(
        MESOS_TASK_USER,
        Keyword,
        "OS user a task or sandbox runs as (or was requested to run as).",
    ),
    f(
        MESOS_TASK_STATUS_UUID,
        Keyword,
        "UUID of a task status update.",
    ),
    f(
        MESOS_RESOURCES_CPUS,
        Double,
        "CPUs in mesos.resources (sum of the cpus entries).",
    ),
    f(
        MESOS_RESOURCES_MEM,
        Double,
        "Memory in mesos.resources, MB.",
    ),
    f(MESOS_RESOURCES_DISK, Double, "Disk in mesos.resources, MB."),
    f(MESOS_RESOURCES_GPUS, Double, "GPUs in mesos.resources."),
    f(
        MESOS_FLAGS,
        KeywordList,
        "Daemon flags as name=value (Flags at startup, and the start-up lines that state one), e.g. authenticate_agents=false.",
    ),
    f(
        MESOS_FRAMEWORK_CAPABILITIES,
        KeywordList,
        "Capabilities a framework subscribed with (MULTI_ROLE, GPU_RESOURCES...).",
    ),
    f(
        MESOS_OPERATION_TYPE,
        Keyword,
        "Offer operation: RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME...",
    ),
    f(
        MESOS_AUTHORIZATION_ACTION,
        Keyword,
        "Action an authorization request is for (REGISTER_AGENT, TEARDOWN_FRAMEWORK...).",
    ),
    f(
        MESOS_FETCH_URIS,
        KeywordList,
        "Every URI of a fetcher plan (url.original holds the first).",
    ),
    f(MILVUS_DATABASE, Keyword, "Milvus database."),
    f(MILVUS_COLLECTION, Keyword, "Milvus collection."),
    f(MILVUS_PARTITION, Keyword, "Milvus partition."),
    f(
        MILVUS_METHOD,
        Keyword,
        "gRPC/REST method (Search, Query, DropCollection...).",
    ),
    f(
        MILVUS_ERROR_CODE,
        Long,
        "Milvus error code (merr code or legacy ErrorCode).",
    ),
    f(
        MILVUS_PRIVILEGE,
        Keyword,
        "Privilege checked or granted (PrivilegeSearch...).",
    ),
    f(
        MILVUS_OBJECT_TYPE,
        Keyword,
        "RBAC object type (Collection, Global, User).",
    ),
    f(MILVUS_OBJECT_NAME, Keyword, "RBAC object name."),
    f(
        MILVUS_ROLE,
        Keyword,
        "Role created, dropped, granted or checked.",
    ),
    f(MILVUS_TOPK, Long, "topK of a search."),
    f(MILVUS_NQ, Long, "Number of query vectors."),
    f(
        MILVUS_RESULT_SIZE,
        Long,
        "Rows or bytes returned, as the source reports.",
    ),
    f(
        MILVUS_COMPONENT,
        Keyword,
        "Milvus component (proxy, querynode, rootcoord...).",
    ),
    f(MILVUS_TRACE_ID, Keyword, "Milvus trace id."),
    f(
        MILVUS_EXPR,
        Text,
        "Filter expression of a query/search/delete.",
    ),
    f(
        MILVUS_OUTPUT_FIELDS,
        KeywordList,
        "Output fields a query/search asked for ([*] = all).",
    ),
    f(
        MILVUS_CONSISTENCY_LEVEL,
        Keyword,
        "Consistency level of a query/search (Strong, Bounded, Session, Eventually).",
    ),
    f(
        MILVUS_STATUS,
        Keyword,
        "Access-log method status: Successful, Failed, Grpc<Code> (GrpcUnauthenticated...), HttpError<NNN>.",
    ),
    f(
        MILVUS_REQUEST_ID,
        Keyword,
        "Request id of a milvus-lite timer line (Search-haAKO3Nn).",
    ),
    f(
        MILVUS_COLLECTION_ID,
        Long,
        "Numeric collection id (collectionID) in coordinator and node lines.",
    ),
    f(MLX_MODEL_NAME, Keyword, "Model name."),
    f(
        MLX_MODEL_SOURCE,
        Keyword,
        "Where the model came from: hub repository, local path, URL.",
    ),
    f(MLX_MODEL_SHA256, Keyword, "SHA-256 of the model weights."),
    f(MLX_MODEL_PATH, Keyword, "Local path of the model."),
    f(
        MLX_MODEL_FORMAT,
        Keyword,
        "Weights format: safetensors, npz, gguf, pickle.",
    ),
    f(
        MLX_MODEL_INTEGRITY,
        Keyword,
        "Integrity verdict as the SDK reports it: match, mismatch, unpinned.",
    ),
    f(
        MLX_MODEL_PICKLE_ALLOWED,
        Boolean,
        "Whether pickle deserialization was allowed.",
    ),
    f(
        MLX_MODEL_TRUST_REMOTE_CODE,
        Boolean,
        "Whether trust_remote_code was on.",
    ),
    f(MLX_LATENCY_MS, Double, "Inference latency in milliseconds."),
    f(MLX_INPUT_TOKENS, Long, "Prompt tokens."),
    f(MLX_OUTPUT_TOKENS, Long, "Generated tokens."),
    f(
        MLX_INPUT_SHA256,
        Keyword,
        "Digest of the inference input (never the input itself).",
    ),
    f(MLX_PEAK_MEMORY_BYTES, Long, "Peak memory in bytes."),
    f(
        MLX_EVENT,
        Keyword,
        "SDK event type as emitted (mlx.model.load, mlx.inference_failed...).",
    ),
    f(
        MLX_SCHEMA,
        Keyword,
        "Schema of an SDK line whose schema is not sightline.mlx/1 (decoded best-effort).",
    ),
    f(
        MLX_SEQ,
        Long,
        "Per-process sequence number of an SDK event (gaps = lost or deleted lines).",
    ),
    f(
        MLX_SDK_VERSION,
        Keyword,
        "Version of the Sightline MLX SDK that emitted the event.",
    ),
    f(
        MLX_MODEL_SOURCE_TYPE,
        Keyword,
        "Kind of model source: local, hub, url.",
    ),
    f(
        MLX_MODEL_REVISION,
        Keyword,
        "Hub revision requested for the model.",
    ),
    f(
        MLX_MODEL_REVISION_PINNED,
        Boolean,
        "Whether a hub model was pinned to a commit hash.",
    ),
    f(
        MLX_MODEL_EXPECTED_SHA256,
        Keyword,
        "SHA-256 the model was pinned to (manifest or deploy).",
    ),
    f(
        MLX_LOADER,
        Keyword,
        "API that loaded weights or data: mlx_lm.load, mx.load, numpy.load...",
    ),
    f(
        MLX_DATA_PICKLE_ALLOWED,
        Boolean,
        "Whether an array load allowed unpickling (numpy allow_pickle).",
    ),
    f(
        MLX_DATA_OBJECT_ARRAYS,
        Long,
        "Object (pickled) arrays found in a loaded array file.",
    ),
    f(
        MLX_DEPLOY_ID,
        Keyword,
        "Id of an announced model deployment.",
    ),
    f(
        MLX_DEPLOY_CHANGE_TICKET,
        Keyword,
        "Change ticket of an announced model deployment.",
    ),
    f(
        MLX_REQUEST_ID,
        Keyword,
        "Request id linking server requests, inferences and model loads.",
    ),
    f(
        MLX_CLIENT_APP,
        Keyword,
        "Client application that asked for an inference.",
    ),
    f(
        MLX_API,
        Keyword,
        "Generation API: stream_generate, generate, batch_generate, forward.",
    ),
    f(
        MLX_REQUESTED_MODEL,
        Keyword,
        "Model named in the request body (a path or repo makes mlx_lm.server load it).",
    ),
    f(MLX_MAX_TOKENS, Long, "max_tokens the client asked for."),
    f(
        MLX_TEMPERATURE,
        Double,
        "Sampling temperature the client asked for.",
    ),
    f(MLX_TOP_LOGPROBS, Long, "top_logprobs the client asked for."),
    f(MLX_INPUT_CHARS, Long, "Prompt length in characters."),
    f(MLX_TTFT_MS, Double, "Time to first token in milliseconds."),
    f(MLX_GENERATION_TPS, Double, "Generated tokens per second."),
    f(
        MLX_FINISH_REASON,
        Keyword,
        "Why generation stopped: stop, length.",
    ),
    f(
        MLX_STAGE,
        Keyword,
        "Stage an inference failed in: validate, prefill, decode.",
    ),
    f(MLX_ACTIVE_MEMORY_BYTES, Long, "MLX active memory in bytes."),
    f(MLX_CACHE_MEMORY_BYTES, Long, "MLX cache memory in bytes."),
    f(MLX_MEMORY_LIMIT_BYTES, Long, "MLX memory limit in bytes."),
    f(
        MLX_MEMORY_UTILIZATION,
        Double,
        "Active memory / memory limit, 0..1.",
    ),
    f(
        MLX_RSS_BYTES,
        Long,
        "Resident set size of the process in bytes.",
    ),
    f(
        MLX_INFLIGHT_REQUESTS,
        Long,
        "Requests in flight when sampled.",
    ),
    f(
        MLX_ERROR_OP,
        Keyword,
        "MLX operation named in an error ([metal::malloc], [gather], [load_safetensors]).",
    ),
    f(
        MLX_SERVER_LOOPBACK,
        Boolean,
        "Whether mlx_lm.server listens on a loopback address only.",
    ),
    f(
        MLX_VERSION,
        Keyword,
        "MLX version of the process (mlx.sdk.start).",
    ),
    f(
        MLX_LM_VERSION,
        Keyword,
        "mlx-lm version of the process (mlx.sdk.start).",
    ),
    f(
        MLX_PYTHON_VERSION,
        Keyword,
        "Python version of the process (mlx.sdk.start).",
    ),
    f(MLX_DEVICE, Keyword, "MLX default device: gpu or cpu."),
    f(
        MLX_HARDWARE,
        Keyword,
        "Hardware the process runs on, as the SDK names it.",
    ),
    f(
        MLX_ENTRYPOINT,
        Keyword,
        "Entry point of the process (app, mlx_lm.server...).",
    ),
    f(
        MLX_ARGV_DIGEST,
        Keyword,
        "Digest of the process arguments (the arguments themselves are never logged).",
    ),
    f(MLX_MODEL_FILES, Long, "Weight files loaded."),
    f(MLX_MODEL_BYTES, Long, "Bytes of weights loaded."),
    f(MLX_MODEL_PARAMS, Long, "Parameters of the loaded model."),
    f(
        MLX_MODEL_LAZY,
        Boolean,
        "Whether weights were loaded lazily.",
    ),
    f(
        MLX_MODEL_STRICT,
        Boolean,
        "Whether missing or extra weights were errors (strict=False hides them).",
    ),
    f(
        MLX_MODEL_ADAPTER_PATH,
        Keyword,
        "Adapter (LoRA) weights loaded with the model.",
    ),
    f(
        MLX_MODEL_OVERRIDE,
        Boolean,
        "Whether the request named a model other than the server's default.",
    ),
    f(
        MLX_REQUESTED_DRAFT_MODEL,
        Keyword,
        "Draft model named in the request body.",
    ),
    f(
        MLX_HASH_MS,
        Double,
        "Time spent hashing weights, in milliseconds.",
    ),
    f(
        MLX_DURATION_MS,
        Double,
        "Duration of a load or save in milliseconds (also event.duration).",
    ),
    f(
        MLX_DATA_FORMAT,
        Keyword,
        "Format of a loaded array file: npy, npz, safetensors, gguf.",
    ),
    f(MLX_DATA_ARRAYS, Long, "Arrays in a loaded array file."),
    f(
        MLX_INTERVAL_S,
        Long,
        "Sampling interval of a resource event in seconds.",
    ),
    f(MLX_STREAM, Boolean, "Whether the response was streamed."),
    f(
        MLX_CLIENT_IP,
        Keyword,
        "Client address as written when it is not an IP (then source.ip is absent).",
    ),
    f(
        MLX_TS,
        Keyword,
        "An SDK event's time as written, when it could not be read.",
    ),
    f(
        MLX_MESSAGE,
        Text,
        "Free-text message carried by an SDK event.",
    ),
    f(
        MLX_PROMPT_PROCESSED,
        Long,
        "Prompt tokens processed so far (mlx_lm.server progress lines).",
    ),
    f(
        MLX_PROMPT_CACHE_ENTRY,
        Keyword,
        "Prompt-cache entry a status line is about.",
    ),
    f(
        MLX_PROMPT_CACHE_SEQUENCES,
        Long,
        "Sequences held in mlx_lm.server's prompt cache.",
    ),
    f(
        MLX_PROMPT_CACHE_GB,
        Double,
        "Size of mlx_lm.server's prompt cache in GB, as it prints it.",
    ),
    f(
        MLX_WARNING_CATEGORY,
        Keyword,
        "Python warning category (UserWarning, DeprecationWarning...).",
    ),
];

/// Looks a field up in [`SCHEMA`].
pub fn spec(name: &str) -> Option<&'static FieldSpec> {
    SCHEMA.iter().find(|s| s.name == name)
}

/// Namespaces a decoder may add fields under without listing them in [`SCHEMA`].
pub const SYSTEM_NAMESPACES: &[&str] = &["ray.", "mesos.", "milvus.", "mlx.", "syslog."];

/// Whether `name` is a documented field or lives in a system namespace.
pub fn is_known(name: &str) -> bool {
    spec(name).is_some() || SYSTEM_NAMESPACES.iter().any(|ns| name.starts_with(ns))
}
