//! The names this decoder gives things: datasets, MLX-specific actions and
//! tags. Documented in docs/decoders/mlx.md.

/// `mlx.sdk.start` / `mlx.sdk.stop`, and SDK events of unknown type.
pub const DS_SDK: &str = "mlx.sdk";
/// Model loads, load failures, deploy announcements and saves.
pub const DS_MODEL: &str = "mlx.model";
/// Array/data file loads (`mx.load`, `numpy.load`).
pub const DS_DATA: &str = "mlx.data";
/// Inferences and failed inferences.
pub const DS_INFERENCE: &str = "mlx.inference";
/// HTTP requests seen by the SDK's server middleware.
pub const DS_SERVER: &str = "mlx.server";
/// Periodic memory/load samples.
pub const DS_RESOURCE: &str = "mlx.resource";
/// The log `mlx_lm.server` writes itself (http.server access lines, Python
/// logging, warnings, tracebacks).
pub const DS_LM_SERVER: &str = "mlx.lm_server";

/// Every dataset the decoder produces.
pub const DATASETS: &[&str] = &[
    DS_SDK,
    DS_MODEL,
    DS_DATA,
    DS_INFERENCE,
    DS_SERVER,
    DS_RESOURCE,
    DS_LM_SERVER,
];

pub const ACT_SDK_STARTED: &str = "sdk-started";
pub const ACT_SDK_STOPPED: &str = "sdk-stopped";
pub const ACT_MODEL_LOAD_FAILED: &str = "model-load-failed";
pub const ACT_MODEL_DEPLOYED: &str = "model-deployed";
pub const ACT_MODEL_SAVED: &str = "model-saved";
pub const ACT_DATA_LOADED: &str = "data-loaded";
pub const ACT_INFERENCE_COMPLETED: &str = "inference-completed";
pub const ACT_INFERENCE_FAILED: &str = "inference-failed";
pub const ACT_RESOURCE_SAMPLE: &str = "resource-sample";
pub const ACT_SERVER_STARTED: &str = "server-started";
pub const ACT_HTTP_ERROR: &str = "http-error";
pub const ACT_REQUEST_INVALID: &str = "request-invalid";
pub const ACT_REQUEST_FAILED: &str = "request-failed";
pub const ACT_REQUEST_RECEIVED: &str = "request-received";
pub const ACT_RESPONSE_SENT: &str = "response-sent";
pub const ACT_PROMPT_PROGRESS: &str = "prompt-progress";
pub const ACT_PROMPT_CACHE: &str = "prompt-cache-status";
pub const ACT_UNCAUGHT_EXCEPTION: &str = "uncaught-exception";

/// An SDK line whose `schema` is missing or not `sightline.mlx/1`: decoded
/// with the `/1` vocabulary as far as it goes.
pub const TAG_SCHEMA_MISMATCH: &str = "schema_mismatch";

/// The schema this decoder implements.
pub const SCHEMA: &str = "sightline.mlx/1";
