//! `sightline.mlx/1` SDK events: one JSON object per line (spec:
//! mlx-events.md §4).
//!
//! Every member of the object ends up in the event: envelope and known keys
//! in their ECS or `mlx.*` fields, unknown keys as `mlx.<key>` (objects
//! flattened with dots), keys that cannot be field names as labels. Lines of
//! another schema version, or with an event type this decoder does not know,
//! are decoded with the same key mapping (tagged `schema_mismatch` for the
//! former).

use crate::json::{self, J};
use crate::vocab::*;
use sightline_decode::{Context, Event, Outcome, Record, Value, field, helpers};
use sightline_event::action;
use std::fmt::Write as _;

/// What an SDK event is about, from its `event` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SdkStart,
    SdkStop,
    ModelLoad,
    ModelLoadFailed,
    ModelDeploy,
    ModelSave,
    DataLoad,
    Inference,
    InferenceFailed,
    ServerRequest,
    Resource,
    Other,
}

impl Kind {
    fn of(name: &str) -> Kind {
        match name.strip_prefix("mlx.").unwrap_or(name) {
            "sdk.start" => Kind::SdkStart,
            "sdk.stop" => Kind::SdkStop,
            "model.load" => Kind::ModelLoad,
            "model.load_failed" => Kind::ModelLoadFailed,
            "model.deploy" => Kind::ModelDeploy,
            "model.save" => Kind::ModelSave,
            "data.load" => Kind::DataLoad,
            "inference" => Kind::Inference,
            "inference_failed" => Kind::InferenceFailed,
            "server.request" => Kind::ServerRequest,
            "resource" => Kind::Resource,
            _ => Kind::Other,
        }
    }

    fn dataset(self, name: &str) -> &'static str {
        match self {
            Kind::SdkStart | Kind::SdkStop => DS_SDK,
            Kind::ModelLoad | Kind::ModelLoadFailed | Kind::ModelDeploy | Kind::ModelSave => {
                DS_MODEL
            }
            Kind::DataLoad => DS_DATA,
            Kind::Inference | Kind::InferenceFailed => DS_INFERENCE,
            Kind::ServerRequest => DS_SERVER,
            Kind::Resource => DS_RESOURCE,
            // A newer event type still belongs to its family (`mlx.model.evict`
            // is a model event), judged by the dotted prefix.
            Kind::Other => {
                let n = name.strip_prefix("mlx.").unwrap_or(name);
                if n.starts_with("model.") {
                    DS_MODEL
                } else if n.starts_with("data.") {
                    DS_DATA
                } else if n.starts_with("inference") {
                    DS_INFERENCE
                } else if n.starts_with("server.") {
                    DS_SERVER
                } else if n.starts_with("resource") {
                    DS_RESOURCE
                } else {
                    DS_SDK
                }
            }
        }
    }

    fn is_model_load(self) -> bool {
        matches!(self, Kind::ModelLoad | Kind::ModelLoadFailed)
    }
}

/// Facts gathered while mapping members, applied once all are seen (the
/// members may come in any order).
#[derive(Default)]
struct Pending {
    status: Option<u16>,
    outcome_given: bool,
    integrity: Option<String>,
    model_sha: Option<String>,
    expected_sha: Option<String>,
}

/// Decodes one SDK line (the record's text).
pub fn decode(record: &Record<'_>, ctx: &Context<'_>) -> Event {
    let mut ev = ctx.new_event(record, "mlx", DS_SDK);
    let text = record.body().trim_start_matches('\u{feff}');
    let members = match json::parse_object(text) {
        Ok(m) => m,
        Err(e) => {
            ev.message = text.to_owned();
            ev.mark_parse_failure(e);
            return ev;
        }
    };
    let find = |key: &str| members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v);
    let name = find("event").and_then(J::as_str).unwrap_or("");
    let schema = find("schema").and_then(J::as_str);
    if name.is_empty() && schema.is_none() {
        // Another system's JSON: kept raw, not dressed up as MLX fields.
        ev.message = text.to_owned();
        ev.mark_parse_failure(
            "JSON object has neither `schema` nor `event`: not a sightline.mlx event",
        );
        return ev;
    }
    let kind = Kind::of(name);
    ev.dataset = kind.dataset(name).into();
    if !name.is_empty() {
        ev.set(field::MLX_EVENT, name);
    }
    if schema != Some(SCHEMA) {
        ev.add_tag(TAG_SCHEMA_MISMATCH);
        if let Some(s) = schema {
            ev.set(field::MLX_SCHEMA, s);
        }
    }

    let mut p = Pending::default();
    for (key, value) in &members {
        map_member(&mut ev, ctx, kind, &mut p, key, value);
    }
    finish(&mut ev, kind, p);
    ev.message = summary(&ev, name, kind);
    ev
}

fn map_member(
    ev: &mut Event,
    ctx: &Context<'_>,
    kind: Kind,
    p: &mut Pending,
    key: &str,
    v: &J<'_>,
) {
    let handled = match key {
        "schema" | "event" => true,
        "ts" | "timestamp" | "@timestamp" => set_time(ev, ctx, v),
        "outcome" => match v
            .as_str()
            .and_then(|s| Outcome::parse(&s.to_ascii_lowercase()))
        {
            Some(o) => {
                ev.outcome = o;
                p.outcome_given = true;
                true
            }
            None => false,
        },
        "level" => match v.as_str() {
            Some(l) => {
                ev.level = Some(helpers::normalize_level(l).to_owned());
                true
            }
            None => false,
        },
        "message" | "msg" => match v.as_str() {
            Some(m) => {
                ev.set(field::MLX_MESSAGE, m);
                true
            }
            None => false,
        },
        "service" => str_field(ev, field::SERVICE_NAME, v),
        "host" => str_field(ev, field::HOST_NAME, v),
        "pid" => int_field(ev, field::PROCESS_PID, v),
        "seq" => int_field(ev, field::MLX_SEQ, v),
        "sdk_version" => str_field(ev, field::MLX_SDK_VERSION, v),
        "exit_code" => int_field(ev, field::PROCESS_EXIT_CODE, v),

        // sdk.start
        "mlx_version" => str_field(ev, field::MLX_VERSION, v),
        "mlx_lm_version" => str_field(ev, field::MLX_LM_VERSION, v),
        "python_version" => str_field(ev, field::MLX_PYTHON_VERSION, v),
        "device" => str_field(ev, field::MLX_DEVICE, v),
        "hardware" => str_field(ev, field::MLX_HARDWARE, v),
        "entrypoint" => str_field(ev, field::MLX_ENTRYPOINT, v),
        "argv_digest" => str_field(ev, field::MLX_ARGV_DIGEST, v),
        "memory_limit_bytes" => int_field(ev, field::MLX_MEMORY_LIMIT_BYTES, v),

        // models
        "model_name" | "model" => str_field(ev, field::MLX_MODEL_NAME, v),
        "model_source" => model_source(ev, kind, v),
        "revision" => str_field(ev, field::MLX_MODEL_REVISION, v),
        "model_sha256" => {
            let ok = str_field(ev, field::MLX_MODEL_SHA256, v);
            if let (true, Some(s)) = (ok, v.as_str()) {
                p.model_sha = Some(s.to_owned());
                if kind.is_model_load() {
                    ev.set(field::FILE_HASH_SHA256, s);
                }
            }
            ok
        }
        "expected_sha256" => {
            let ok = str_field(ev, field::MLX_MODEL_EXPECTED_SHA256, v);
            p.expected_sha = v.as_str().map(str::to_owned);
            ok
        }
        "integrity" => {
            let ok = str_field(ev, field::MLX_MODEL_INTEGRITY, v);
            p.integrity = v.as_str().map(str::to_ascii_lowercase);
            ok
        }
        "format" if kind == Kind::DataLoad => str_field(ev, field::MLX_DATA_FORMAT, v),
        "format" => str_field(ev, field::MLX_MODEL_FORMAT, v),
        "loader" => str_field(ev, field::MLX_LOADER, v),
        "files" => int_field(ev, field::MLX_MODEL_FILES, v),
        "params" => int_field(ev, field::MLX_MODEL_PARAMS, v),
        "bytes" if kind.is_model_load() => int_field(ev, field::MLX_MODEL_BYTES, v),
        "bytes" if matches!(kind, Kind::ModelSave | Kind::DataLoad) => {
            int_field(ev, field::FILE_SIZE, v)
        }
        "hash_ms" => float_field(ev, field::MLX_HASH_MS, v),
        "duration_ms" => duration(ev, field::MLX_DURATION_MS, v),
        "trust_remote_code" => bool_field(ev, field::MLX_MODEL_TRUST_REMOTE_CODE, v),
        "lazy" => bool_field(ev, field::MLX_MODEL_LAZY, v),
        "strict" => bool_field(ev, field::MLX_MODEL_STRICT, v),
        "adapter_path" => str_field(ev, field::MLX_MODEL_ADAPTER_PATH, v),
        "allow_pickle" if kind == Kind::DataLoad => {
            bool_field(ev, field::MLX_DATA_PICKLE_ALLOWED, v)
        }
        "allow_pickle" => bool_field(ev, field::MLX_MODEL_PICKLE_ALLOWED, v),
        "object_arrays" => int_field(ev, field::MLX_DATA_OBJECT_ARRAYS, v),
        "arrays" => int_field(ev, field::MLX_DATA_ARRAYS, v),
        "sha256" => str_field(ev, field::FILE_HASH_SHA256, v),
        "path" if kind == Kind::ServerRequest => match v.as_str() {
            Some(s) => {
                helpers::set_url(ev, s);
                true
            }
            None => false,
        },
        "path" => str_field(ev, field::FILE_PATH, v),
        "deploy_id" => str_field(ev, field::MLX_DEPLOY_ID, v),
        "actor" => str_field(ev, field::USER_NAME, v),
        "change_ticket" => str_field(ev, field::MLX_DEPLOY_CHANGE_TICKET, v),

        // requests and inferences
        "request_id" => str_field(ev, field::MLX_REQUEST_ID, v),
        "user" => str_field(ev, field::USER_NAME, v),
        "client_app" => str_field(ev, field::MLX_CLIENT_APP, v),
        "client_ip" | "client_addr" | "client" => client_addr(ev, v),
        "client_port" => int_field(ev, field::SOURCE_PORT, v),
        "api" => str_field(ev, field::MLX_API, v),
        "input_tokens" => int_field(ev, field::MLX_INPUT_TOKENS, v),
        "output_tokens" => int_field(ev, field::MLX_OUTPUT_TOKENS, v),
        "input_chars" => int_field(ev, field::MLX_INPUT_CHARS, v),
        "input_digest" | "input_sha256" => str_field(ev, field::MLX_INPUT_SHA256, v),
        "max_tokens" => int_field(ev, field::MLX_MAX_TOKENS, v),
        "temperature" => float_field(ev, field::MLX_TEMPERATURE, v),
        "top_logprobs" => int_field(ev, field::MLX_TOP_LOGPROBS, v),
        "latency_ms" => duration(ev, field::MLX_LATENCY_MS, v),
        "ttft_ms" => float_field(ev, field::MLX_TTFT_MS, v),
        "finish_reason" => str_field(ev, field::MLX_FINISH_REASON, v),
        "generation_tps" => float_field(ev, field::MLX_GENERATION_TPS, v),
        "peak_memory_bytes" => int_field(ev, field::MLX_PEAK_MEMORY_BYTES, v),
        "stage" => str_field(ev, field::MLX_STAGE, v),
        "error_type" => str_field(ev, field::ERROR_TYPE, v),
        "error_message" => {
            let ok = str_field(ev, field::ERROR_MESSAGE, v);
            if let Some(op) = v.as_str().and_then(mlx_op) {
                ev.set(field::MLX_ERROR_OP, op);
            }
            ok
        }
        "method" => match v.as_str() {
            Some(m) if !m.is_empty() => {
                ev.set(field::HTTP_REQUEST_METHOD, m.to_ascii_uppercase());
                true
            }
            _ => false,
        },
        "status" => match v.as_i64().and_then(|s| u16::try_from(s).ok()) {
            Some(s) => {
                p.status = Some(s);
                true
            }
            None => false,
        },
        "bytes_in" => int_field(ev, field::HTTP_REQUEST_BODY_BYTES, v),
        "bytes_out" => int_field(ev, field::HTTP_RESPONSE_BODY_BYTES, v),
        "user_agent" => str_field(ev, field::USER_AGENT_ORIGINAL, v),
        "requested_model" => str_field(ev, field::MLX_REQUESTED_MODEL, v),
        "model_override" => bool_field(ev, field::MLX_MODEL_OVERRIDE, v),
        "stream" => bool_field(ev, field::MLX_STREAM, v),

        // resource samples
        "active_memory_bytes" => int_field(ev, field::MLX_ACTIVE_MEMORY_BYTES, v),
        "cache_memory_bytes" => int_field(ev, field::MLX_CACHE_MEMORY_BYTES, v),
        "memory_utilization" => float_field(ev, field::MLX_MEMORY_UTILIZATION, v),
        "rss_bytes" => int_field(ev, field::MLX_RSS_BYTES, v),
        "inflight_requests" => int_field(ev, field::MLX_INFLIGHT_REQUESTS, v),
        "interval_s" => int_field(ev, field::MLX_INTERVAL_S, v),
        _ => false,
    };
    if !handled {
        generic(ev, key, v);
    }
}

/// Applies what depends on several members: outcome, integrity, and the
/// categorization of the kind.
fn finish(ev: &mut Event, kind: Kind, p: Pending) {
    if let Some(status) = p.status {
        // The status is the HTTP truth; the envelope outcome is the SDK's view of it.
        helpers::set_http_status(ev, status);
    }
    // No verdict but both hashes: the comparison is the verdict.
    let integrity = p
        .integrity
        .or_else(|| match (&p.model_sha, &p.expected_sha) {
            (Some(a), Some(b)) => {
                let verdict = if a.eq_ignore_ascii_case(b) {
                    "match"
                } else {
                    "mismatch"
                };
                ev.set(field::MLX_MODEL_INTEGRITY, verdict);
                Some(verdict.to_owned())
            }
            _ => None,
        });
    let tampered = integrity.as_deref() == Some("mismatch");
    match kind {
        Kind::SdkStart => {
            ev.set_action(ACT_SDK_STARTED);
            ev.add_category("process").add_type("start");
        }
        Kind::SdkStop => {
            ev.set_action(ACT_SDK_STOPPED);
            ev.add_category("process").add_type("end");
        }
        Kind::ModelLoad => {
            ev.set_action(action::MODEL_LOADED);
            ev.add_category("file").add_type("access");
        }
        Kind::ModelLoadFailed => {
            ev.set_action(ACT_MODEL_LOAD_FAILED);
            ev.add_category("file").add_type("access").add_type("error");
            ev.outcome = Outcome::Failure;
        }
        Kind::ModelDeploy => {
            ev.set_action(ACT_MODEL_DEPLOYED);
            ev.add_category("configuration").add_type("change");
        }
        Kind::ModelSave => {
            ev.set_action(ACT_MODEL_SAVED);
            ev.add_category("file").add_type("creation");
        }
        Kind::DataLoad => {
            ev.set_action(ACT_DATA_LOADED);
            ev.add_category("file").add_type("access");
        }
        Kind::Inference => {
            ev.set_action(ACT_INFERENCE_COMPLETED);
            ev.add_category("api").add_type("access");
        }
        Kind::InferenceFailed => {
            ev.set_action(ACT_INFERENCE_FAILED);
            ev.add_category("api").add_type("error");
            ev.outcome = Outcome::Failure;
        }
        Kind::ServerRequest => {
            ev.set_action(action::HTTP_REQUEST);
            ev.add_category("web").add_type("access");
        }
        Kind::Resource => {
            ev.set_action(ACT_RESOURCE_SAMPLE);
            ev.kind = "metric".into();
            ev.add_category("host").add_type("info");
        }
        Kind::Other => {}
    }
    if tampered {
        // Weights that differ from the pinned hash: the load "worked", the
        // verification did not.
        ev.outcome = Outcome::Failure;
        ev.add_type("change");
    }
    if !p.outcome_given
        && ev.outcome == Outcome::Unknown
        && matches!(kind, Kind::Inference | Kind::ModelLoad)
    {
        ev.outcome = Outcome::Success;
    }
}

/// A one-line summary for full-text search and display: the event type and
/// the members that say who did what to what.
fn summary(ev: &Event, name: &str, kind: Kind) -> String {
    let keys: &[(&str, &str)] = match kind {
        Kind::SdkStart | Kind::SdkStop => &[
            ("service", field::SERVICE_NAME),
            ("pid", field::PROCESS_PID),
            ("mlx", field::MLX_VERSION),
            ("device", field::MLX_DEVICE),
            ("exit_code", field::PROCESS_EXIT_CODE),
        ],
        Kind::ModelLoad | Kind::ModelLoadFailed => &[
            ("model", field::MLX_MODEL_NAME),
            ("source", field::MLX_MODEL_SOURCE),
            ("integrity", field::MLX_MODEL_INTEGRITY),
            ("trust_remote_code", field::MLX_MODEL_TRUST_REMOTE_CODE),
            ("error", field::ERROR_MESSAGE),
        ],
        Kind::ModelDeploy => &[
            ("deploy", field::MLX_DEPLOY_ID),
            ("actor", field::USER_NAME),
            ("model", field::MLX_MODEL_NAME),
            ("expected_sha256", field::MLX_MODEL_EXPECTED_SHA256),
        ],
        Kind::ModelSave => &[
            ("path", field::FILE_PATH),
            ("format", field::MLX_MODEL_FORMAT),
        ],
        Kind::DataLoad => &[
            ("loader", field::MLX_LOADER),
            ("path", field::FILE_PATH),
            ("allow_pickle", field::MLX_DATA_PICKLE_ALLOWED),
            ("object_arrays", field::MLX_DATA_OBJECT_ARRAYS),
        ],
        Kind::Inference | Kind::InferenceFailed => &[
            ("model", field::MLX_MODEL_NAME),
            ("user", field::USER_NAME),
            ("client", field::SOURCE_IP),
            ("latency_ms", field::MLX_LATENCY_MS),
            ("error", field::ERROR_MESSAGE),
        ],
        Kind::ServerRequest => &[
            ("method", field::HTTP_REQUEST_METHOD),
            ("path", field::URL_PATH),
            ("status", field::HTTP_RESPONSE_STATUS_CODE),
            ("client", field::SOURCE_IP),
            ("user", field::USER_NAME),
        ],
        Kind::Resource => &[
            ("peak_memory_bytes", field::MLX_PEAK_MEMORY_BYTES),
            ("memory_utilization", field::MLX_MEMORY_UTILIZATION),
            ("inflight", field::MLX_INFLIGHT_REQUESTS),
        ],
        Kind::Other => &[],
    };
    let mut out = String::with_capacity(96);
    out.push_str(if name.is_empty() { "mlx event" } else { name });
    for (label, f) in keys {
        if let Some(v) = ev.fields.get(*f) {
            // Writing to a String cannot fail.
            let _ = write!(out, " {label}={v}");
        }
    }
    out
}

fn set_time(ev: &mut Event, ctx: &Context<'_>, v: &J<'_>) -> bool {
    let ts = match v {
        J::Str(s) => {
            helpers::parse_rfc3339(s).or_else(|| helpers::parse_local_datetime(s, ctx.options))
        }
        J::Int(_) | J::Float(_) => v.as_f64().and_then(helpers::parse_epoch),
        _ => None,
    };
    match ts {
        Some(ts) => {
            ctx.stamp(ev, ts);
            true
        }
        // Kept as written; the event keeps its inferred time and tag.
        None => {
            ev.set(field::MLX_TS, v.to_text());
            true
        }
    }
}

fn str_field(ev: &mut Event, name: &'static str, v: &J<'_>) -> bool {
    match v {
        J::Str(s) if !s.is_empty() => {
            ev.set(name, s.as_ref());
            true
        }
        // Absent and empty are the same thing to a rule.
        J::Null | J::Str(_) => true,
        J::Int(_) | J::Float(_) | J::Bool(_) => {
            ev.set(name, v.to_text());
            true
        }
        _ => false,
    }
}

fn int_field(ev: &mut Event, name: &'static str, v: &J<'_>) -> bool {
    match v.as_i64() {
        Some(i) => {
            ev.set(name, i);
            true
        }
        None => matches!(v, J::Null),
    }
}

fn float_field(ev: &mut Event, name: &'static str, v: &J<'_>) -> bool {
    match v.as_f64().filter(|f| f.is_finite()) {
        Some(f) => {
            ev.set(name, f);
            true
        }
        None => matches!(v, J::Null),
    }
}

fn bool_field(ev: &mut Event, name: &'static str, v: &J<'_>) -> bool {
    match v.as_bool() {
        Some(b) => {
            ev.set(name, b);
            true
        }
        None => matches!(v, J::Null),
    }
}

/// A duration in milliseconds: kept as written and as `event.duration` (ns).
fn duration(ev: &mut Event, name: &'static str, v: &J<'_>) -> bool {
    let Some(ms) = v.as_f64().filter(|f| f.is_finite() && *f >= 0.0) else {
        return matches!(v, J::Null);
    };
    ev.set(name, ms);
    if ms < 9.0e12 {
        ev.set(field::EVENT_DURATION, (ms * 1e6).round() as i64);
    }
    true
}

fn client_addr(ev: &mut Event, v: &J<'_>) -> bool {
    let Some(addr) = v.as_str() else {
        return matches!(v, J::Null);
    };
    helpers::set_source_addr(ev, addr);
    if !ev.fields.contains_key(field::SOURCE_IP) && !addr.is_empty() {
        // Not an address (a host name, "unknown"): kept, but not as source.ip.
        ev.set(field::MLX_CLIENT_IP, addr);
    }
    true
}

/// `model_source`: `{"type":"local","path":...}`, `{"type":"hub","repo":...,
/// "revision":...}`, a URL form, or a bare string.
fn model_source(ev: &mut Event, kind: Kind, v: &J<'_>) -> bool {
    match v {
        J::Str(s) => {
            let ty = guess_source_type(s);
            set_source(ev, kind, ty, s);
            true
        }
        J::Obj(members) => {
            let get = |k: &str| v.get(k).and_then(J::as_str).filter(|s| !s.is_empty());
            let location = get("path")
                .or_else(|| get("repo"))
                .or_else(|| get("url"))
                .or_else(|| get("uri"));
            let ty = get("type").map(str::to_ascii_lowercase).unwrap_or_else(|| {
                let guess = if get("path").is_some() {
                    "local"
                } else if get("repo").is_some() {
                    "hub"
                } else {
                    location.map_or("unknown", guess_source_type)
                };
                guess.to_owned()
            });
            match location {
                Some(l) => set_source(ev, kind, &ty, l),
                None => {
                    ev.set(field::MLX_MODEL_SOURCE_TYPE, ty.as_str());
                }
            }
            let revision = v.get("revision");
            if let Some(r) = revision.and_then(J::as_str).filter(|s| !s.is_empty()) {
                ev.set(field::MLX_MODEL_REVISION, r);
            }
            if ty == "hub" {
                // Only a commit hash pins the bytes; a branch or tag can move.
                let pinned = revision.and_then(J::as_str).is_some_and(is_commit_hash);
                ev.set(field::MLX_MODEL_REVISION_PINNED, pinned);
            }
            for (k, x) in members {
                if !matches!(
                    k.as_ref(),
                    "type" | "path" | "repo" | "url" | "uri" | "revision"
                ) {
                    generic_nested(ev, format!("mlx.model_source.{k}"), x, 1);
                }
            }
            true
        }
        _ => false,
    }
}

fn set_source(ev: &mut Event, kind: Kind, ty: &str, location: &str) {
    ev.set(field::MLX_MODEL_SOURCE, location);
    ev.set(field::MLX_MODEL_SOURCE_TYPE, ty);
    match ty {
        "local" | "file" => {
            ev.set(field::MLX_MODEL_PATH, location);
            if kind.is_model_load() {
                ev.set(field::FILE_PATH, location);
            }
        }
        "url" | "http" | "https" | "s3" => {
            ev.set(field::URL_ORIGINAL, location);
        }
        _ => {}
    }
}

fn guess_source_type(s: &str) -> &'static str {
    if s.contains("://") {
        "url"
    } else if s.starts_with('/') || s.starts_with('.') || s.starts_with('~') || s.contains('\\') {
        "local"
    } else if s.split('/').count() == 2 && !s.contains(' ') {
        "hub"
    } else {
        "unknown"
    }
}

fn is_commit_hash(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The MLX operation an error names: `[metal::malloc] Attempting ...` → `metal::malloc`.
pub fn mlx_op(msg: &str) -> Option<&str> {
    let rest = msg.trim_start().strip_prefix('[')?;
    let (op, _) = rest.split_once(']')?;
    let ok = !op.is_empty()
        && op.len() <= 64
        && op
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
    ok.then_some(op)
}

/// A member this decoder has no mapping for: `mlx.<key>`, or a label when the
/// key cannot be a field name. Fields set from known members are never
/// overwritten by it.
fn generic(ev: &mut Event, key: &str, v: &J<'_>) {
    if is_field_key(key) {
        generic_nested(ev, format!("mlx.{key}"), v, 0);
    } else {
        ev.label(truncate(key, 128), v.to_text());
    }
}

fn generic_nested(ev: &mut Event, name: String, v: &J<'_>, depth: u8) {
    let value = match v {
        J::Null => return,
        J::Bool(b) => Value::Bool(*b),
        J::Int(i) => Value::Int(*i),
        J::Float(f) if f.is_finite() => Value::Float(*f),
        J::Float(f) => Value::Str(f.to_string()),
        J::Str(s) => Value::Str(s.to_string()),
        J::Arr(items) => Value::List(items.iter().map(J::to_text).collect()),
        J::Obj(members) if depth < 4 => {
            for (k, x) in members {
                if is_field_key(k) {
                    generic_nested(ev, format!("{name}.{k}"), x, depth + 1);
                } else {
                    ev.label(
                        format!("{}.{}", name.trim_start_matches("mlx."), truncate(k, 128)),
                        x.to_text(),
                    );
                }
            }
            return;
        }
        J::Obj(_) => Value::Str(v.to_text()),
    };
    ev.fields.entry(name.into()).or_insert(value);
}

fn is_field_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 64
        && !k.starts_with('.')
        && !k.ends_with('.')
        && !k.contains("..")
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}
