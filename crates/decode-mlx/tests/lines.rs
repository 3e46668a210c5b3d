//! Verbatim lines of every format and security-relevant message kind, and
//! hostile input, through the source as the pipeline uses it.

use sightline_decode::{Assembler, DecodeOptions, Event, Outcome, Source, StreamInfo, field, tags};
use sightline_decode_mlx::{MlxSource, vocab};
use sightline_event::FieldRef;
use std::sync::Arc;

fn run_with(path: &str, lines: &[&str], options: DecodeOptions) -> Vec<Event> {
    let stream = StreamInfo::for_path(path);
    let decoder = MlxSource.open(&stream, &options);
    let mut asm = Assembler::new(decoder, stream, Arc::new(options));
    let mut out = Vec::new();
    let mut offset = 0u64;
    for l in lines {
        out.extend(asm.push(l, offset));
        offset += l.len() as u64 + 1;
    }
    out.extend(asm.finish());
    let covered: usize = out
        .iter()
        .map(|e| 1 + e.original.matches('\n').count())
        .sum();
    assert_eq!(covered, lines.len(), "every line in exactly one event");
    out
}

fn sdk(lines: &[&str]) -> Vec<Event> {
    run_with(
        "/var/log/mlx/sightline-mlx.jsonl",
        lines,
        DecodeOptions::default(),
    )
}

fn server(lines: &[&str]) -> Vec<Event> {
    run_with(
        "/var/log/mlx/mlx_lm.server.log",
        lines,
        DecodeOptions::default(),
    )
}

fn one(evs: Vec<Event>) -> Event {
    assert_eq!(evs.len(), 1, "{evs:#?}");
    evs.into_iter().next().unwrap()
}

fn s<'a>(ev: &'a Event, name: &str) -> Option<&'a str> {
    ev.get_str(name)
}

fn b(ev: &Event, name: &str) -> Option<bool> {
    match ev.get(name)? {
        FieldRef::Bool(b) => Some(b),
        _ => None,
    }
}

fn f(ev: &Event, name: &str) -> Option<f64> {
    match ev.get(name)? {
        FieldRef::Float(x) => Some(x),
        FieldRef::Int(i) => Some(i as f64),
        _ => None,
    }
}

fn assert_decoded(ev: &Event, dataset: &str) {
    assert_eq!(ev.module, "mlx");
    assert_eq!(ev.dataset, dataset, "{ev:#?}");
    assert!(!ev.has_tag(tags::PARSE_FAILURE), "{ev:#?}");
}

// ---- SDK events -------------------------------------------------------

#[test]
fn sdk_start() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T05:41:04.521Z","event":"mlx.sdk.start","outcome":"success","service":"eval-runner","host":"mlx-batch-01","pid":44528,"seq":1,"sdk_version":"0.1.0","mlx_version":"0.32.4","mlx_lm_version":"0.32.2","python_version":"3.11.7","device":"cpu","hardware":"linux-cpu-x86_64","memory_limit_bytes":20615843020,"entrypoint":"app","argv_digest":"ecf3ba0c208d07cb"}"#,
    ]));
    assert_decoded(&ev, vocab::DS_SDK);
    assert_eq!(ev.timestamp.to_string(), "2026-11-20T05:41:04.521Z");
    assert!(!ev.has_tag(tags::TIMESTAMP_INFERRED));
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_SDK_STARTED));
    assert_eq!(ev.category, ["process"]);
    assert_eq!(ev.event_type, ["start"]);
    assert_eq!(ev.outcome, Outcome::Success);
    assert_eq!(s(&ev, field::SERVICE_NAME), Some("eval-runner"));
    assert_eq!(s(&ev, field::HOST_NAME), Some("mlx-batch-01"));
    assert_eq!(ev.get_i64(field::PROCESS_PID), Some(44528));
    assert_eq!(ev.get_i64(field::MLX_SEQ), Some(1));
    assert_eq!(s(&ev, "mlx.version"), Some("0.32.4"));
    assert_eq!(s(&ev, "mlx.device"), Some("cpu"));
    assert_eq!(s(&ev, "mlx.argv_digest"), Some("ecf3ba0c208d07cb"));
    assert_eq!(ev.get_i64(field::MLX_MEMORY_LIMIT_BYTES), Some(20615843020));
    assert!(!ev.has_tag(vocab::TAG_SCHEMA_MISMATCH));
    assert!(!ev.fields.contains_key(field::MLX_SCHEMA));
}

#[test]
fn sdk_stop_is_the_end_of_the_lifecycle() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T18:00:00.000Z","event":"mlx.sdk.stop","outcome":"success","service":"chat-api","host":"h","pid":9,"seq":77,"exit_code":0,"uptime_s":3600}"#,
    ]));
    assert_decoded(&ev, vocab::DS_SDK);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_SDK_STOPPED));
    assert_eq!(ev.event_type, ["end"]);
    assert_eq!(ev.get_i64(field::PROCESS_EXIT_CODE), Some(0));
    assert_eq!(ev.get_i64("mlx.uptime_s"), Some(3600));
}

#[test]
fn model_load_from_tmp() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T11:06:15.448Z","event":"mlx.model.load","outcome":"success","service":"chat-api","host":"mlx-inf-02","pid":16614,"seq":784,"sdk_version":"0.1.0","bytes":4280000000,"model_sha256":"49b85d9a3ee5bcb0e7c30f87b2991b417086eb30b6b9787c9c7a34255e045d48","integrity":"unpinned","hash_ms":9223.3,"duration_ms":9811.5,"params":7600000000,"model_name":"qwen2.5-7b-instruct-4bit","model_source":{"type":"local","path":"/tmp/.hf_cache/q7b-instruct-4bit"},"format":"safetensors","loader":"mlx_lm.load","files":1,"trust_remote_code":false,"lazy":false,"strict":true}"#,
    ]));
    assert_decoded(&ev, vocab::DS_MODEL);
    assert_eq!(ev.action.as_deref(), Some("model-loaded"));
    assert_eq!(ev.outcome, Outcome::Success);
    assert_eq!(ev.category, ["file"]);
    assert_eq!(
        s(&ev, field::MLX_MODEL_NAME),
        Some("qwen2.5-7b-instruct-4bit")
    );
    assert_eq!(
        s(&ev, field::MLX_MODEL_SOURCE),
        Some("/tmp/.hf_cache/q7b-instruct-4bit")
    );
    assert_eq!(s(&ev, field::MLX_MODEL_SOURCE_TYPE), Some("local"));
    assert_eq!(
        s(&ev, field::MLX_MODEL_PATH),
        Some("/tmp/.hf_cache/q7b-instruct-4bit")
    );
    assert_eq!(
        s(&ev, field::FILE_PATH),
        Some("/tmp/.hf_cache/q7b-instruct-4bit")
    );
    let sha = "49b85d9a3ee5bcb0e7c30f87b2991b417086eb30b6b9787c9c7a34255e045d48";
    assert_eq!(s(&ev, field::MLX_MODEL_SHA256), Some(sha));
    assert_eq!(s(&ev, field::FILE_HASH_SHA256), Some(sha));
    assert_eq!(s(&ev, field::MLX_MODEL_INTEGRITY), Some("unpinned"));
    assert_eq!(s(&ev, field::MLX_MODEL_FORMAT), Some("safetensors"));
    assert_eq!(s(&ev, field::MLX_LOADER), Some("mlx_lm.load"));
    assert_eq!(b(&ev, field::MLX_MODEL_TRUST_REMOTE_CODE), Some(false));
    assert_eq!(b(&ev, "mlx.model.strict"), Some(true));
    assert_eq!(ev.get_i64(field::EVENT_DURATION), Some(9_811_500_000));
    assert_eq!(ev.get_i64("mlx.model.bytes"), Some(4280000000));
    assert!(
        !ev.fields.contains_key(field::MLX_MODEL_REVISION_PINNED),
        "only hub sources have revisions"
    );
}

#[test]
fn hub_model_load_unpinned_with_remote_code() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T11:00:00.000Z","event":"mlx.model.load","outcome":"success","service":"s","host":"h","pid":1,"seq":2,"model_name":"m","model_source":{"type":"hub","repo":"someone/evil-model","revision":null},"trust_remote_code":true,"integrity":"unpinned","request_id":"r-1"}"#,
    ]));
    assert_eq!(s(&ev, field::MLX_MODEL_SOURCE), Some("someone/evil-model"));
    assert_eq!(s(&ev, field::MLX_MODEL_SOURCE_TYPE), Some("hub"));
    assert_eq!(b(&ev, field::MLX_MODEL_REVISION_PINNED), Some(false));
    assert!(!ev.fields.contains_key(field::MLX_MODEL_REVISION));
    assert_eq!(b(&ev, field::MLX_MODEL_TRUST_REMOTE_CODE), Some(true));
    assert_eq!(s(&ev, field::MLX_REQUEST_ID), Some("r-1"));
    assert!(!ev.fields.contains_key(field::FILE_PATH));
}

#[test]
fn integrity_mismatch_is_a_failed_verification() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T11:00:00.000Z","event":"mlx.model.load","outcome":"success","model_name":"m","model_source":{"type":"local","path":"/srv/m"},"model_sha256":"aa","expected_sha256":"bb","integrity":"mismatch"}"#,
    ]));
    assert_eq!(ev.outcome, Outcome::Failure);
    assert_eq!(s(&ev, field::MLX_MODEL_INTEGRITY), Some("mismatch"));
    assert_eq!(s(&ev, field::MLX_MODEL_EXPECTED_SHA256), Some("bb"));
    assert!(ev.event_type.iter().any(|t| t == "change"));
    // Without a verdict, the two hashes give it.
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T11:00:00.000Z","event":"mlx.model.load","outcome":"success","model_sha256":"aa","expected_sha256":"bb"}"#,
    ]));
    assert_eq!(s(&ev, field::MLX_MODEL_INTEGRITY), Some("mismatch"));
    assert_eq!(ev.outcome, Outcome::Failure);
}

#[test]
fn model_load_failed() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T11:00:00.000Z","event":"mlx.model.load_failed","outcome":"failure","model_name":"tiny","model_source":{"type":"local","path":"/models/tiny"},"format":"safetensors","loader":"mx.load","error_type":"RuntimeError","error_message":"[load_safetensors] Failed to open file /models/tiny/model.safetensors"}"#,
    ]));
    assert_decoded(&ev, vocab::DS_MODEL);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_MODEL_LOAD_FAILED));
    assert_eq!(ev.outcome, Outcome::Failure);
    assert_eq!(s(&ev, field::ERROR_TYPE), Some("RuntimeError"));
    assert_eq!(s(&ev, field::MLX_ERROR_OP), Some("load_safetensors"));
    assert_eq!(s(&ev, field::FILE_PATH), Some("/models/tiny"));
}

#[test]
fn model_deploy_and_save() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T10:12:00.000Z","event":"mlx.model.deploy","outcome":"success","service":"summarizer","host":"mlx-sum-01","pid":61534,"seq":549,"sdk_version":"0.1.0","deploy_id":"dep-3278","actor":"ci-deployer","model_name":"llama-3.2-3b-instruct-4bit","model_source":{"type":"hub","repo":"mlx-community/Llama-3.2-3B-Instruct-4bit","revision":"b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80"},"expected_sha256":"4deb4d82146c9082e24d0d588160007b55dcfcbf26f1896d0368f598c4f59a21","change_ticket":"CHG-88798"}"#,
    ]));
    assert_decoded(&ev, vocab::DS_MODEL);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_MODEL_DEPLOYED));
    assert_eq!(ev.category, ["configuration"]);
    assert_eq!(s(&ev, field::USER_NAME), Some("ci-deployer"));
    assert_eq!(s(&ev, field::MLX_DEPLOY_ID), Some("dep-3278"));
    assert_eq!(s(&ev, field::MLX_DEPLOY_CHANGE_TICKET), Some("CHG-88798"));
    assert_eq!(
        s(&ev, field::MLX_MODEL_REVISION),
        Some("b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80")
    );
    assert_eq!(b(&ev, field::MLX_MODEL_REVISION_PINNED), Some(true));

    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:59:50.735Z","event":"mlx.model.save","outcome":"success","service":"eval-runner","host":"mlx-batch-01","pid":44528,"seq":86,"sdk_version":"0.1.0","path":"/data/eval/results/last_run_logits.safetensors","format":"safetensors","bytes":54000000,"sha256":"c5b2db4b8dd9d23e06ad78fb21d16ab87a235ac4522414111ea5ccc2d32626dd","duration_ms":68.4}"#,
    ]));
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_MODEL_SAVED));
    assert_eq!(ev.event_type, ["creation"]);
    assert_eq!(
        s(&ev, field::FILE_PATH),
        Some("/data/eval/results/last_run_logits.safetensors")
    );
    assert_eq!(ev.get_i64(field::FILE_SIZE), Some(54000000));
    assert_eq!(
        s(&ev, field::FILE_HASH_SHA256),
        Some("c5b2db4b8dd9d23e06ad78fb21d16ab87a235ac4522414111ea5ccc2d32626dd")
    );
}

#[test]
fn pickle_enabled_data_load() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T16:15:56.169Z","event":"mlx.data.load","outcome":"success","service":"eval-runner","host":"mlx-batch-01","pid":31704,"seq":131,"sdk_version":"0.1.0","loader":"numpy.load","path":"/tmp/calib_batch_0412.npz","format":"npz","bytes":632960,"sha256":"33de5174df08d66aaa46c1568daa4ea9a7cdd89c755adf93503bd853522950da","allow_pickle":true,"object_arrays":1,"arrays":1,"duration_ms":13.7}"#,
    ]));
    assert_decoded(&ev, vocab::DS_DATA);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_DATA_LOADED));
    assert_eq!(s(&ev, field::MLX_LOADER), Some("numpy.load"));
    assert_eq!(s(&ev, field::FILE_PATH), Some("/tmp/calib_batch_0412.npz"));
    assert_eq!(b(&ev, field::MLX_DATA_PICKLE_ALLOWED), Some(true));
    assert_eq!(ev.get_i64(field::MLX_DATA_OBJECT_ARRAYS), Some(1));
    assert_eq!(s(&ev, "mlx.data.format"), Some("npz"));
    assert_eq!(ev.get_i64(field::FILE_SIZE), Some(632960));
    assert_eq!(ev.get_i64(field::PROCESS_PID), Some(31704));
}

#[test]
fn extraction_shaped_inference() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T12:31:52.183Z","event":"mlx.inference","outcome":"success","service":"chat-api","host":"mlx-inf-01","pid":9647,"seq":1967,"sdk_version":"0.1.0","latency_ms":80.9,"ttft_ms":68.1,"output_tokens":1,"finish_reason":"length","generation_tps":78.5,"peak_memory_bytes":4574941997,"request_id":"fd148af9-c7f5-aa80-fa7c-a1e7b676c30e","user":"u7382","client_app":"support-portal","client_ip":"10.40.81.225","model_name":"qwen2.5-7b-instruct-4bit","model_sha256":"ff966b0a6e6d5614f22815a189d96f244d5d24b9a5482e5f58dc0a6cc5ddac31","api":"stream_generate","input_tokens":42,"input_chars":160,"input_digest":"hmac-sha256:d54c3c907adf377323e60e286a617cf1","max_tokens":1,"temperature":0.0,"top_logprobs":10}"#,
    ]));
    assert_decoded(&ev, vocab::DS_INFERENCE);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_INFERENCE_COMPLETED));
    assert_eq!(ev.outcome, Outcome::Success);
    assert_eq!(s(&ev, field::USER_NAME), Some("u7382"));
    assert_eq!(s(&ev, field::SOURCE_IP), Some("10.40.81.225"));
    assert_eq!(s(&ev, field::MLX_CLIENT_APP), Some("support-portal"));
    assert_eq!(f(&ev, field::MLX_LATENCY_MS), Some(80.9));
    assert_eq!(ev.get_i64(field::EVENT_DURATION), Some(80_900_000));
    assert_eq!(ev.get_i64(field::MLX_INPUT_TOKENS), Some(42));
    assert_eq!(ev.get_i64(field::MLX_OUTPUT_TOKENS), Some(1));
    assert_eq!(ev.get_i64(field::MLX_MAX_TOKENS), Some(1));
    assert_eq!(f(&ev, field::MLX_TEMPERATURE), Some(0.0));
    assert_eq!(ev.get_i64(field::MLX_TOP_LOGPROBS), Some(10));
    assert_eq!(
        s(&ev, field::MLX_INPUT_SHA256),
        Some("hmac-sha256:d54c3c907adf377323e60e286a617cf1")
    );
    assert_eq!(s(&ev, field::MLX_FINISH_REASON), Some("length"));
    assert_eq!(ev.get_i64(field::MLX_PEAK_MEMORY_BYTES), Some(4574941997));
    assert_eq!(s(&ev, field::MLX_API), Some("stream_generate"));
}

#[test]
fn inference_failed_on_metal_malloc() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T15:18:45.528Z","event":"mlx.inference_failed","outcome":"failure","service":"chat-api","host":"mlx-inf-03","pid":4471,"seq":1876,"sdk_version":"0.1.0","latency_ms":76572.7,"error_type":"RuntimeError","error_message":"[metal::malloc] Attempting to allocate 144310901145 bytes which is greater than the maximum allowed buffer size of 92771293593 bytes.","stage":"decode","request_id":"6621e007-63c0-f448-9820-6db7eb613c9a","client_app":"unknown","client_ip":"10.40.93.74","model_name":"qwen2.5-7b-instruct-4bit","model_sha256":"ff966b0a6e6d5614f22815a189d96f244d5d24b9a5482e5f58dc0a6cc5ddac31","api":"stream_generate","input_tokens":31000,"input_chars":109587,"input_digest":"hmac-sha256:5576656ba5e0c15504e28cdc613a9d9b","max_tokens":1000000,"temperature":0.7}"#,
    ]));
    assert_decoded(&ev, vocab::DS_INFERENCE);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_INFERENCE_FAILED));
    assert_eq!(ev.outcome, Outcome::Failure);
    assert_eq!(ev.event_type, ["error"]);
    assert_eq!(s(&ev, field::ERROR_TYPE), Some("RuntimeError"));
    assert_eq!(s(&ev, field::MLX_ERROR_OP), Some("metal::malloc"));
    assert_eq!(s(&ev, field::MLX_STAGE), Some("decode"));
    assert_eq!(ev.get_i64(field::MLX_MAX_TOKENS), Some(1_000_000));
    assert_eq!(s(&ev, field::SOURCE_IP), Some("10.40.93.74"));
    assert!(!ev.fields.contains_key(field::USER_NAME));
}

#[test]
fn server_request_and_auth_failure() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T07:35:31.908Z","event":"mlx.server.request","outcome":"failure","service":"code-assist","host":"mlx-code-01","pid":24816,"seq":161,"sdk_version":"0.1.0","request_id":"cdc0572f-6df6-e7ab-fa2d-edb5685b0106","client_ip":"10.40.14.176","user":"u6047","method":"POST","path":"/v1/chat/completions","status":400,"bytes_in":3096,"latency_ms":4.7,"user_agent":"python-httpx/0.28.1","requested_model":"default_model","stream":true}"#,
    ]));
    assert_decoded(&ev, vocab::DS_SERVER);
    assert_eq!(ev.action.as_deref(), Some("http-request"));
    assert_eq!(ev.outcome, Outcome::Failure);
    assert_eq!(s(&ev, field::HTTP_REQUEST_METHOD), Some("POST"));
    assert_eq!(s(&ev, field::URL_PATH), Some("/v1/chat/completions"));
    assert_eq!(ev.get_i64(field::HTTP_RESPONSE_STATUS_CODE), Some(400));
    assert_eq!(
        s(&ev, field::USER_AGENT_ORIGINAL),
        Some("python-httpx/0.28.1")
    );
    assert_eq!(ev.get_i64(field::HTTP_REQUEST_BODY_BYTES), Some(3096));
    assert_eq!(s(&ev, field::MLX_REQUESTED_MODEL), Some("default_model"));
    assert_eq!(b(&ev, "mlx.stream"), Some(true));
    assert_eq!(ev.get_i64(field::EVENT_DURATION), Some(4_700_000));

    // A 401 is an authentication failure whatever the envelope says.
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T07:35:31.908Z","event":"mlx.server.request","outcome":"success","client_ip":"[2001:db8::7]:51234","method":"get","path":"/v1/models?x=1","status":401,"model_override":true,"requested_model":"/tmp/evil_model"}"#,
    ]));
    assert_eq!(ev.outcome, Outcome::Failure);
    assert!(ev.category.iter().any(|c| c == "authentication"));
    assert_eq!(s(&ev, field::SOURCE_IP), Some("2001:db8::7"));
    assert_eq!(ev.get_i64(field::SOURCE_PORT), Some(51234));
    assert_eq!(s(&ev, field::HTTP_REQUEST_METHOD), Some("GET"));
    assert_eq!(s(&ev, field::URL_QUERY), Some("x=1"));
    assert_eq!(b(&ev, "mlx.model_override"), Some(true));
    assert_eq!(s(&ev, field::MLX_REQUESTED_MODEL), Some("/tmp/evil_model"));
}

#[test]
fn resource_sample_is_a_metric() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.resource","outcome":"success","service":"eval-runner","host":"mlx-batch-01","pid":44528,"seq":3,"sdk_version":"0.1.0","active_memory_bytes":1903043936,"peak_memory_bytes":1989661925,"cache_memory_bytes":619855388,"memory_limit_bytes":20615843020,"memory_utilization":0.0923,"rss_bytes":2405287450,"inflight_requests":0,"interval_s":60}"#,
    ]));
    assert_decoded(&ev, vocab::DS_RESOURCE);
    assert_eq!(ev.kind, "metric");
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_RESOURCE_SAMPLE));
    assert_eq!(ev.get_i64(field::MLX_PEAK_MEMORY_BYTES), Some(1989661925));
    assert_eq!(ev.get_i64(field::MLX_ACTIVE_MEMORY_BYTES), Some(1903043936));
    assert_eq!(ev.get_i64(field::MLX_CACHE_MEMORY_BYTES), Some(619855388));
    assert_eq!(f(&ev, field::MLX_MEMORY_UTILIZATION), Some(0.0923));
    assert_eq!(ev.get_i64(field::MLX_RSS_BYTES), Some(2405287450));
    assert_eq!(ev.get_i64(field::MLX_INFLIGHT_REQUESTS), Some(0));
    assert_eq!(ev.get_i64("mlx.interval_s"), Some(60));
}

#[test]
fn unknown_event_types_and_keys_are_kept() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.model.evict","outcome":"success","model_name":"m","reason":{"kind":"lru","age_s":30},"tags":["a",1],"weird key!":"v","":"empty"}"#,
    ]));
    assert_decoded(&ev, vocab::DS_MODEL);
    assert_eq!(s(&ev, field::MLX_EVENT), Some("mlx.model.evict"));
    assert_eq!(ev.action, None);
    assert_eq!(s(&ev, field::MLX_MODEL_NAME), Some("m"));
    assert_eq!(s(&ev, "mlx.reason.kind"), Some("lru"));
    assert_eq!(ev.get_i64("mlx.reason.age_s"), Some(30));
    assert_eq!(
        ev.get("mlx.tags"),
        Some(FieldRef::List(&["a".to_owned(), "1".to_owned()]))
    );
    assert_eq!(ev.labels.get("weird key!").map(String::as_str), Some("v"));
    assert_eq!(ev.labels.get("").map(String::as_str), Some("empty"));

    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.something.new","x":1}"#,
    ]));
    assert_decoded(&ev, vocab::DS_SDK);
    assert_eq!(ev.get_i64("mlx.x"), Some(1));
}

#[test]
fn other_schema_versions_are_decoded_and_tagged() {
    let ev = one(sdk(&[
        r#"{"schema":"sightline.mlx/2","ts":"2026-11-20T06:00:53.387Z","event":"mlx.inference","outcome":"success","user":"u1","client_ip":"10.0.0.9","latency_ms":"12.5","output_tokens":"7","new_field":true}"#,
    ]));
    assert_decoded(&ev, vocab::DS_INFERENCE);
    assert!(ev.has_tag(vocab::TAG_SCHEMA_MISMATCH));
    assert_eq!(s(&ev, field::MLX_SCHEMA), Some("sightline.mlx/2"));
    assert_eq!(s(&ev, field::USER_NAME), Some("u1"));
    // Quoted numbers are read as numbers.
    assert_eq!(f(&ev, field::MLX_LATENCY_MS), Some(12.5));
    assert_eq!(ev.get_i64(field::MLX_OUTPUT_TOKENS), Some(7));
    assert_eq!(b(&ev, "mlx.new_field"), Some(true));

    // No schema at all, but clearly an MLX event.
    let ev = one(sdk(&[
        r#"{"ts":"2026-11-20T06:00:53Z","event":"mlx.resource","peak_memory_bytes":5}"#,
    ]));
    assert_decoded(&ev, vocab::DS_RESOURCE);
    assert!(ev.has_tag(vocab::TAG_SCHEMA_MISMATCH));
}

#[test]
fn missing_or_bad_time_keeps_the_event() {
    let evs = sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.resource"}"#,
        r#"{"schema":"sightline.mlx/1","ts":"yesterday","event":"mlx.resource"}"#,
        r#"{"schema":"sightline.mlx/1","ts":1795351044.5,"event":"mlx.resource"}"#,
    ]);
    assert!(evs[1].has_tag(tags::TIMESTAMP_INFERRED));
    assert_eq!(
        evs[1].timestamp, evs[0].timestamp,
        "inferred from the previous record"
    );
    assert_eq!(s(&evs[1], "mlx.ts"), Some("yesterday"));
    assert!(!evs[1].has_tag(tags::PARSE_FAILURE));
    assert_eq!(evs[2].timestamp.to_string(), "2026-11-22T12:37:24.5Z");
}

// ---- mlx_lm.server log --------------------------------------------------

#[test]
fn startup_warning_and_bind_address() {
    let evs = server(&[
        "/opt/venv/lib/python3.11/site-packages/mlx_lm/server.py:1894: UserWarning: mlx_lm.server is not recommended for production as it only implements basic security checks.",
        "  warnings.warn(",
        "2026-11-20 05:49:53,790 - INFO - Starting httpd at 0.0.0.0 on port 8080...",
    ]);
    assert_eq!(evs.len(), 2);
    let w = &evs[0];
    assert_decoded(w, vocab::DS_LM_SERVER);
    assert!(w.has_tag(tags::MULTILINE));
    assert_eq!(w.level.as_deref(), Some("warning"));
    assert_eq!(s(w, "mlx.warning.category"), Some("UserWarning"));
    assert_eq!(
        s(w, field::LOG_ORIGIN_FILE),
        Some("/opt/venv/lib/python3.11/site-packages/mlx_lm/server.py")
    );
    assert_eq!(w.get_i64(field::LOG_ORIGIN_LINE), Some(1894));
    assert_eq!(
        w.message,
        "mlx_lm.server is not recommended for production as it only implements basic security checks."
    );

    let st = &evs[1];
    assert_decoded(st, vocab::DS_LM_SERVER);
    assert_eq!(st.timestamp.to_string(), "2026-11-20T05:49:53.79Z");
    assert_eq!(st.action.as_deref(), Some(vocab::ACT_SERVER_STARTED));
    assert_eq!(st.level.as_deref(), Some("info"));
    assert_eq!(s(st, field::SERVER_ADDRESS), Some("0.0.0.0"));
    assert_eq!(st.get_i64(field::SERVER_PORT), Some(8080));
    assert_eq!(b(st, field::MLX_SERVER_LOOPBACK), Some(false));

    let lo = one(server(&[
        "2026-11-22 13:11:51,124 - INFO - Starting httpd at 127.0.0.1 on port 18080...",
    ]));
    assert_eq!(b(&lo, field::MLX_SERVER_LOOPBACK), Some(true));
}

#[test]
fn access_lines() {
    let evs = server(&[
        r#"10.40.15.154 - - [20/Nov/2026 06:01:07] "POST /v1/chat/completions HTTP/1.1" 200 -"#,
        r#"10.40.53.59 - - [20/Nov/2026 09:34:00] "POST /v1/chat/completions HTTP/1.1" 400 -"#,
        "127.0.0.1 - - [22/Nov/2026 13:16:08] code 501, message Unsupported method ('PUT')",
        r#"127.0.0.1 - - [22/Nov/2026 13:16:08] "PUT /v1/completions HTTP/1.1" 501 -"#,
        r#"10.9.9.9 - - [22/Nov/2026 13:16:09] "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" 400 -"#,
    ]);
    assert_eq!(evs.len(), 5);
    let ok = &evs[0];
    assert_decoded(ok, vocab::DS_LM_SERVER);
    assert_eq!(ok.timestamp.to_string(), "2026-11-20T06:01:07Z");
    assert_eq!(ok.action.as_deref(), Some("http-request"));
    assert_eq!(s(ok, field::SOURCE_IP), Some("10.40.15.154"));
    assert_eq!(s(ok, field::HTTP_REQUEST_METHOD), Some("POST"));
    assert_eq!(s(ok, field::URL_PATH), Some("/v1/chat/completions"));
    assert_eq!(ok.get_i64(field::HTTP_RESPONSE_STATUS_CODE), Some(200));
    assert_eq!(ok.outcome, Outcome::Success);

    assert_eq!(evs[1].outcome, Outcome::Failure);
    assert_eq!(evs[1].get_i64(field::HTTP_RESPONSE_STATUS_CODE), Some(400));

    let e = &evs[2];
    assert_decoded(e, vocab::DS_LM_SERVER);
    assert_eq!(e.action.as_deref(), Some(vocab::ACT_HTTP_ERROR));
    assert_eq!(e.get_i64(field::HTTP_RESPONSE_STATUS_CODE), Some(501));
    assert_eq!(s(e, field::HTTP_REQUEST_METHOD), Some("PUT"));
    assert_eq!(
        s(e, field::ERROR_MESSAGE),
        Some("Unsupported method ('PUT')")
    );
    assert_eq!(e.outcome, Outcome::Failure);

    assert_eq!(evs[3].get_i64(field::HTTP_RESPONSE_STATUS_CODE), Some(501));
    // A TLS handshake sent to the plain HTTP port: decoded, request line kept.
    let junk = &evs[4];
    assert_decoded(junk, vocab::DS_LM_SERVER);
    assert_eq!(junk.get_i64(field::HTTP_RESPONSE_STATUS_CODE), Some(400));
    assert!(junk.labels.contains_key("request_line"));
}

#[test]
fn prompt_progress_and_cache_lines() {
    let evs = server(&[
        "2026-11-22 13:12:07,935 - INFO - Prompt processing progress: 16/17",
        "2026-11-22 13:12:07,988 - INFO - Prompt Cache: 1 sequences, 0.00 GB",
        "2026-11-22 13:12:07,988 - INFO - - assistant: 1 sequences, 0.00 GB",
        "2026-11-22 13:12:07,989 - INFO - We have 2 kv caches that take 0.41 GB",
    ]);
    assert_eq!(evs.len(), 4);
    assert_eq!(evs[0].action.as_deref(), Some(vocab::ACT_PROMPT_PROGRESS));
    assert_eq!(evs[0].get_i64("mlx.prompt.processed"), Some(16));
    assert_eq!(evs[0].get_i64(field::MLX_INPUT_TOKENS), Some(17));
    assert_eq!(evs[1].action.as_deref(), Some(vocab::ACT_PROMPT_CACHE));
    assert_eq!(evs[1].get_i64("mlx.prompt_cache.sequences"), Some(1));
    assert_eq!(s(&evs[2], "mlx.prompt_cache.entry"), Some("assistant"));
    assert_eq!(evs[3].get_i64("mlx.prompt_cache.sequences"), Some(2));
    assert_eq!(f(&evs[3], "mlx.prompt_cache.gb"), Some(0.41));
}

#[test]
fn json_decode_error_with_raw_body() {
    let evs = server(&[
        r#"2026-11-22 13:12:08,052 - ERROR - JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 17 (char 16) - Raw body: {"prompt": "x", bad json"#,
        "2026-11-20 09:34:11,958 - ERROR - JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 17 (char 16) - Raw body: <2031 bytes>",
    ]);
    for ev in &evs {
        assert_decoded(ev, vocab::DS_LM_SERVER);
        assert_eq!(ev.action.as_deref(), Some(vocab::ACT_REQUEST_INVALID));
        assert_eq!(ev.level.as_deref(), Some("error"));
        assert_eq!(ev.outcome, Outcome::Failure);
        assert_eq!(s(ev, field::ERROR_TYPE), Some("JSONDecodeError"));
        assert_eq!(
            s(ev, field::ERROR_MESSAGE),
            Some("Expecting property name enclosed in double quotes: line 1 column 17 (char 16)")
        );
    }
    assert_eq!(evs[0].get_i64(field::HTTP_REQUEST_BODY_BYTES), Some(24));
    assert_eq!(evs[1].get_i64(field::HTTP_REQUEST_BODY_BYTES), Some(2031));
}

#[test]
fn generation_thread_died() {
    let ev = one(server(&[
        "2026-11-20 15:20:02,096 - ERROR - mlx_lm.server generation thread died: [metal::malloc] Attempting to allocate 144310901145 bytes which is greater than the maximum allowed buffer size of 92771293593 bytes.",
    ]));
    assert_decoded(&ev, vocab::DS_LM_SERVER);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_INFERENCE_FAILED));
    assert_eq!(ev.outcome, Outcome::Failure);
    assert_eq!(s(&ev, field::MLX_ERROR_OP), Some("metal::malloc"));
    assert!(
        s(&ev, field::ERROR_MESSAGE)
            .is_some_and(|m| m.starts_with("[metal::malloc] Attempting to allocate"))
    );
}

#[test]
fn request_exception_frame_is_one_event() {
    let evs = server(&[
        r#"127.0.0.1 - - [22/Nov/2026 13:14:00] "GET /v1/models HTTP/1.1" 200 -"#,
        "----------------------------------------",
        "Exception occurred during processing of request from ('127.0.0.1', 33852)",
        "Traceback (most recent call last):",
        "  File \"/usr/lib/python3.11/socketserver.py\", line 691, in process_request_thread",
        "    self.finish_request(request, client_address)",
        "  File \"/opt/venv/lib/python3.11/site-packages/huggingface_hub/utils/_cache_manager.py\", line 500, in scan_cache_dir",
        "    raise CacheNotFound(",
        "huggingface_hub.errors.CacheNotFound: Cache directory not found: /root/.cache/huggingface/hub. Please use `cache_dir` argument or set `HF_HUB_CACHE` environment variable.",
        "----------------------------------------",
        r#"127.0.0.1 - - [22/Nov/2026 13:14:01] "GET /health HTTP/1.1" 200 -"#,
    ]);
    assert_eq!(evs.len(), 3);
    let ev = &evs[1];
    assert_decoded(ev, vocab::DS_LM_SERVER);
    assert!(ev.has_tag(tags::MULTILINE));
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_REQUEST_FAILED));
    assert_eq!(ev.outcome, Outcome::Failure);
    assert_eq!(s(ev, field::SOURCE_IP), Some("127.0.0.1"));
    assert_eq!(ev.get_i64(field::SOURCE_PORT), Some(33852));
    assert_eq!(
        s(ev, field::ERROR_TYPE),
        Some("huggingface_hub.errors.CacheNotFound")
    );
    assert!(
        s(ev, field::ERROR_MESSAGE).is_some_and(|m| m.starts_with("Cache directory not found"))
    );
    assert!(s(ev, field::ERROR_STACK_TRACE).is_some_and(|t| t.starts_with("Traceback")));
    // It took the timestamp of the access line before it.
    assert_eq!(ev.timestamp, evs[0].timestamp);
}

#[test]
fn logged_exception_with_traceback() {
    let ev = one(server(&[
        "2026-11-22 13:20:00,001 - ERROR - Error in generation",
        "Traceback (most recent call last):",
        "  File \"/opt/venv/lib/python3.11/site-packages/mlx_lm/server.py\", line 700, in _generate",
        "    logits = model(x)",
        "ValueError: [gather] Got indices with invalid dtype. Indices must be integral.",
    ]));
    assert_decoded(&ev, vocab::DS_LM_SERVER);
    assert_eq!(ev.level.as_deref(), Some("error"));
    assert_eq!(s(&ev, field::ERROR_TYPE), Some("ValueError"));
    assert_eq!(
        s(&ev, field::ERROR_MESSAGE),
        Some("[gather] Got indices with invalid dtype. Indices must be integral.")
    );
    assert_eq!(s(&ev, field::MLX_ERROR_OP), Some("gather"));
    assert_eq!(ev.message.lines().next(), Some("Error in generation"));
}

#[test]
fn uncaught_thread_exception() {
    let ev = one(server(&[
        "Exception in thread Thread-1 (_generate):",
        "Traceback (most recent call last):",
        "  File \"/usr/lib/python3.11/threading.py\", line 1045, in _bootstrap_inner",
        "RuntimeError: [metal::malloc] Attempting to allocate 1 bytes which is greater than the maximum allowed buffer size of 0 bytes.",
    ]));
    assert_decoded(&ev, vocab::DS_LM_SERVER);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_UNCAUGHT_EXCEPTION));
    assert_eq!(s(&ev, field::ERROR_TYPE), Some("RuntimeError"));
    assert_eq!(s(&ev, field::MLX_ERROR_OP), Some("metal::malloc"));
}

#[test]
fn debug_request_body_dump() {
    let evs = server(&[
        "2026-11-22 13:12:07,900 - DEBUG - Incoming Request Body: {",
        "\t\"model\": \"/tmp/evil_model\",",
        "\t\"messages\": [",
        "\t\t{",
        "\t\t\t\"role\": \"user\",",
        "\t\t\t\"content\": \"secret prompt\"",
        "\t\t}",
        "\t],",
        "\t\"max_tokens\": 100000000,",
        "\t\"top_logprobs\": 10",
        "}",
        r#"127.0.0.1 - - [22/Nov/2026 13:12:07] "POST /v1/chat/completions HTTP/1.1" 200 -"#,
    ]);
    assert_eq!(evs.len(), 2);
    let ev = &evs[0];
    assert_decoded(ev, vocab::DS_LM_SERVER);
    assert_eq!(ev.action.as_deref(), Some(vocab::ACT_REQUEST_RECEIVED));
    assert_eq!(ev.level.as_deref(), Some("debug"));
    assert_eq!(s(ev, field::MLX_REQUESTED_MODEL), Some("/tmp/evil_model"));
    assert_eq!(ev.get_i64(field::MLX_MAX_TOKENS), Some(100_000_000));
    assert_eq!(ev.get_i64(field::MLX_TOP_LOGPROBS), Some(10));
    assert!(
        ev.fields
            .values()
            .all(|v| !v.to_string().contains("secret prompt")),
        "prompt text only in message/original"
    );
}

#[test]
fn configured_timezone_applies_to_local_times() {
    let opts = DecodeOptions {
        timezone: jiff::tz::TimeZone::fixed(jiff::tz::offset(2)),
        ..Default::default()
    };
    let evs = run_with(
        "/x/mlx_lm.server.log",
        &[
            "2026-11-20 05:49:53,790 - INFO - Starting httpd at 0.0.0.0 on port 8080...",
            r#"10.40.15.154 - - [20/Nov/2026 06:01:07] "POST /v1/chat/completions HTTP/1.1" 200 -"#,
            r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T05:41:04.521Z","event":"mlx.resource"}"#,
        ],
        opts,
    );
    assert_eq!(evs[0].timestamp.to_string(), "2026-11-20T03:49:53.79Z");
    assert_eq!(evs[1].timestamp.to_string(), "2026-11-20T04:01:07Z");
    // SDK times carry their zone and are not shifted.
    assert_eq!(evs[2].timestamp.to_string(), "2026-11-20T05:41:04.521Z");
}

#[test]
fn basic_python_logging_format() {
    let ev = one(server(&[
        "WARNING:root:Draft model tokenizer does not match model tokenizer.",
    ]));
    assert_decoded(&ev, vocab::DS_LM_SERVER);
    assert_eq!(ev.level.as_deref(), Some("warning"));
    assert_eq!(s(&ev, field::LOG_LOGGER), Some("root"));
    assert!(ev.has_tag(tags::TIMESTAMP_INFERRED));
}

// ---- hostile input --------------------------------------------------------

#[test]
fn broken_json_is_a_parse_failure_kept_raw() {
    let evs = sdk(&[
        "{",
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.infer"#,
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.resource"} trailing"#,
        r#"{"a":1}"#,
        "[1,2,3]",
    ]);
    assert_eq!(evs.len(), 5);
    for ev in &evs {
        assert!(ev.has_tag(tags::PARSE_FAILURE), "{ev:#?}");
        assert_eq!(ev.module, "mlx");
        assert!(s(ev, field::ERROR_MESSAGE).is_some());
    }
    assert_eq!(
        evs[1].original,
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.infer"#
    );
}

#[test]
fn foreign_json_in_server_output_is_plain_text() {
    let ev = one(server(&[r#"{"status": "ok"}"#]));
    assert_decoded(&ev, vocab::DS_LM_SERVER);
    assert_eq!(ev.message, r#"{"status": "ok"}"#);
    // The same line in an SDK file is damage.
    assert!(one(sdk(&[r#"{"status": "ok"}"#])).has_tag(tags::PARSE_FAILURE));
    // SDK events printed into server output are still SDK events.
    let ev = one(server(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.resource"}"#,
    ]));
    assert_decoded(&ev, vocab::DS_RESOURCE);
}

#[test]
fn garbage_and_text_in_an_sdk_file() {
    let evs = sdk(&[
        "\u{0}\u{1}\u{2}binary\u{fffd}\u{fffd}",
        "just some text",
        "é - - [x] y",
    ]);
    assert_eq!(evs.len(), 3);
    assert!(evs.iter().all(|e| e.has_tag(tags::PARSE_FAILURE)));
}

#[test]
fn empty_and_blank_lines() {
    let evs = server(&["", "   ", ""]);
    assert_eq!(evs.len(), 1);
    let evs = sdk(&[
        r#"{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.resource"}"#,
        "",
        "  ",
    ]);
    assert_eq!(evs.len(), 1);
    assert!(
        !evs[0].has_tag(tags::PARSE_FAILURE),
        "blank lines after a JSON line do not break it"
    );
}

#[test]
fn non_ascii_at_delimiters_never_panics() {
    let lines = [
        "2026-11-20 05:49:53,79é - INFO - x",
        "2026-11-20 05:49:53é790 - INFO - x",
        "2026-11-2é 05:49:53,790 - INFO - x",
        "10.0.0.1 - - [20/Nov/2026 06:01:0é] \"GET / HTTP/1.1\" 200 -",
        "10.0.0.1 - - [20/Nov/2026 06:01:07] \"GET /é HTTP/1.1\" 2é0 -",
        "10.0.0.1 - - [20/Né/2026 06:01:07] \"GET / HTTP/1.1\" 200 -",
        "x.py:1é: UserWarning: y",
        "2026-11-20 05:49:53,790 - INFO - Starting httpd at é on port é...",
        "2026-11-20 05:49:53,790 - INFO - Prompt processing progress: é/é",
        "2026-11-20 05:49:53,790 - INFO - Prompt Cache: é sequences, é GB",
        "2026-11-20 05:49:53,790 - ERROR - é: é - Raw body: <é bytes>",
        "Exception occurred during processing of request from ('é', é)",
        "{\"schema\":\"sightline.mlx/1\",\"ts\":\"é\",\"event\":\"é\",\"client_ip\":\"é:é\",\"model_source\":{\"type\":\"é\"}}",
        "2026-11-20 05:49:53,790 - ERROR - mlx_lm.server generation thread died: [é",
    ];
    let evs = server(&lines);
    assert!(!evs.is_empty());
    // And every line alone.
    for l in lines {
        let _ = server(&[l]);
        let _ = sdk(&[l]);
        let truncated: Vec<String> = (0..l.len())
            .filter(|i| l.is_char_boundary(*i))
            .map(|i| l[..i].to_owned())
            .collect();
        for t in &truncated {
            let _ = server(&[t.as_str()]);
        }
    }
}

#[test]
fn huge_and_deep_lines() {
    let huge = format!(
        r#"{{"schema":"sightline.mlx/1","ts":"2026-11-20T06:00:53.387Z","event":"mlx.inference","error_message":"{}"}}"#,
        "x".repeat(1 << 20)
    );
    let ev = one(sdk(&[&huge]));
    assert!(!ev.has_tag(tags::PARSE_FAILURE));
    let deep = format!(
        r#"{{"schema":"sightline.mlx/1","event":"mlx.x","a":{}1{}}}"#,
        r#"{"b":"#.repeat(200),
        "}".repeat(200)
    );
    let ev = one(sdk(&[&deep]));
    assert!(
        ev.has_tag(tags::PARSE_FAILURE),
        "recursion limit, not a stack overflow"
    );
    let nested = format!(
        r#"{{"schema":"sightline.mlx/1","event":"mlx.x","a":{}1{}}}"#,
        r#"{"b":"#.repeat(10),
        "}".repeat(10)
    );
    let ev = one(sdk(&[&nested]));
    assert!(
        s(&ev, "mlx.a.b.b.b.b").is_some(),
        "flattened to a bounded depth: {:?}",
        ev.fields.keys().collect::<Vec<_>>()
    );
    let long_text = "a".repeat(2 << 20);
    let _ = server(&[long_text.as_str()]);
}

#[test]
fn a_long_traceback_is_cut_not_lost() {
    let mut lines = vec![
        "2026-11-20 05:49:53,790 - ERROR - boom".to_owned(),
        "Traceback (most recent call last):".to_owned(),
    ];
    for i in 0..6000 {
        lines.push(format!("  File \"f{i}.py\", line {i}, in g"));
    }
    lines.push("ValueError: deep".to_owned());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let evs = server(&refs);
    assert!(evs.len() >= 2);
    assert!(evs.iter().any(|e| e.has_tag(tags::TRUNCATED)));
}
