//! Runs the MLX development corpus (`../shared/corpus/mlx/dev`) through the
//! decoder line by line, as the pipeline would, and checks that every line
//! lands in exactly one event, that at least 99.9 % of lines decode into real
//! `mlx.*` datasets, and that every line the ground truth points at carries
//! the fields a detection rule needs.
//!
//! `ground_truth.jsonl` describes the corpus and is not a log: it is skipped.
//! Skipped with a note when the corpus is not beside the repository.

use sightline_decode::{Assembler, DecodeOptions, Event, Source, StreamInfo, field, tags};
use sightline_decode_mlx::{MlxSource, vocab};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

mod common;

fn corpus_dir() -> Option<PathBuf> {
    common::shared_corpus("mlx/dev")
}

fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "ground_truth.jsonl") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Decodes a file as the pipeline does: lines without terminators, offsets
/// of line starts, invalid UTF-8 replaced.
fn decode_file(path: &Path) -> (u64, Vec<Event>) {
    let bytes = std::fs::read(path).expect("corpus file readable");
    let stream = StreamInfo::for_path(path);
    let decoder = MlxSource.open(&stream, &DecodeOptions::default());
    let mut asm = Assembler::new(decoder, stream, Arc::new(DecodeOptions::default()));
    let mut events = Vec::new();
    let mut offset = 0u64;
    let mut lines = 0u64;
    for raw in bytes.split_inclusive(|&b| b == b'\n') {
        let start = offset;
        offset += raw.len() as u64;
        lines += 1;
        let mut line = raw.strip_suffix(b"\n").unwrap_or(raw);
        line = line.strip_suffix(b"\r").unwrap_or(line);
        events.extend(asm.push(&String::from_utf8_lossy(line), start));
    }
    events.extend(asm.finish());
    (lines, events)
}

/// Every log file of the corpus with its line count and events, decoded once
/// for all tests.
fn decoded_corpus(dir: &Path) -> &'static [(PathBuf, u64, Vec<Event>)] {
    static CORPUS: OnceLock<Vec<(PathBuf, u64, Vec<Event>)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        log_files(dir)
            .into_iter()
            .map(|f| {
                let (lines, events) = decode_file(&f);
                (f, lines, events)
            })
            .collect()
    })
}

fn lines_of(ev: &Event) -> u64 {
    1 + ev.original.bytes().filter(|&b| b == b'\n').count() as u64
}

#[test]
fn every_line_is_kept_and_decoded() {
    let Some(dir) = corpus_dir() else { return };
    let mut total = 0u64;
    let mut decoded = 0u64;
    let mut per_dataset: BTreeMap<String, u64> = BTreeMap::new();
    for (file, lines, events) in decoded_corpus(&dir) {
        let (lines, events) = (*lines, events);
        let covered: u64 = events.iter().map(lines_of).sum();
        assert_eq!(
            covered,
            lines,
            "{}: lines covered by events",
            file.display()
        );
        total += lines;
        for ev in events {
            *per_dataset.entry(ev.dataset.to_string()).or_default() += 1;
            let real = ev.module == "mlx" && vocab::DATASETS.contains(&ev.dataset.as_ref());
            if real && !ev.has_tag(tags::PARSE_FAILURE) {
                decoded += lines_of(ev);
            } else {
                eprintln!("not decoded: {}: {:?}", file.display(), ev.original);
            }
        }
    }
    eprintln!("MLX corpus: {total} lines, {decoded} decoded; events per dataset: {per_dataset:?}");
    assert!(total > 0);
    assert!(
        decoded * 1000 >= total * 999,
        "{decoded}/{total} lines decoded"
    );
}

#[test]
fn sdk_events_carry_their_own_time_and_schema() {
    let Some(dir) = corpus_dir() else { return };
    for (_, _, events) in decoded_corpus(&dir)
        .iter()
        .filter(|(f, _, _)| f.extension().is_some_and(|e| e == "jsonl"))
    {
        for ev in events {
            assert!(
                !ev.has_tag(tags::TIMESTAMP_INFERRED),
                "untimed: {}",
                ev.original
            );
            assert!(
                !ev.has_tag(vocab::TAG_SCHEMA_MISMATCH),
                "schema: {}",
                ev.original
            );
        }
    }
}

/// The events of the SDK files in a scenario's time window.
fn events_in_window(dir: &Path, start: &str, end: &str) -> Vec<&'static Event> {
    let start: jiff::Timestamp = start.parse().expect("start_utc");
    let end: jiff::Timestamp = end.parse().expect("end_utc");
    decoded_corpus(dir)
        .iter()
        .flat_map(|(_, _, events)| events.iter())
        .filter(|e| e.timestamp >= start && e.timestamp <= end)
        .collect()
}

#[test]
fn ground_truth_signals_carry_their_fields() {
    let Some(dir) = corpus_dir() else { return };
    let truth = std::fs::read_to_string(dir.join("ground_truth.jsonl")).expect("ground truth");
    for line in truth.lines().filter(|l| !l.trim().is_empty()) {
        let gt: serde_json::Value = serde_json::from_str(line).expect("ground truth line");
        let scenario = gt["scenario"].as_str().unwrap_or_default();
        let evs = events_in_window(
            &dir,
            gt["start_utc"].as_str().unwrap(),
            gt["end_utc"].as_str().unwrap(),
        );
        let of = |name: &str| -> Vec<&Event> {
            evs.iter()
                .copied()
                .filter(|e| e.get_str(field::MLX_EVENT) == Some(name))
                .collect()
        };
        let actor = |prefix: &str| -> Option<String> {
            gt["actors"]
                .as_array()?
                .iter()
                .filter_map(|a| a.as_str()?.strip_prefix(prefix))
                .map(str::to_owned)
                .next()
        };
        for name in gt["events"].as_array().unwrap() {
            assert!(
                !of(name.as_str().unwrap()).is_empty(),
                "{scenario}: no {name} in window"
            );
        }
        match scenario {
            "inference_latency_shift" => {
                let host = actor("host:").unwrap();
                let inf: Vec<_> = of("mlx.inference")
                    .into_iter()
                    .filter(|e| e.get_str(field::HOST_NAME) == Some(&host))
                    .collect();
                assert!(!inf.is_empty());
                for e in inf {
                    assert_eq!(e.action.as_deref(), Some(vocab::ACT_INFERENCE_COMPLETED));
                    assert!(
                        e.get(field::MLX_LATENCY_MS).is_some()
                            && e.get_i64(field::EVENT_DURATION).is_some()
                    );
                    assert!(e.get_i64(field::MLX_OUTPUT_TOKENS).is_some());
                    assert!(e.get_str(field::MLX_MODEL_SHA256).is_some());
                    assert_eq!(e.get_str(field::SERVICE_NAME), Some("chat-api"));
                }
            }
            "error_rate_spike_malformed_inputs" => {
                let ip = actor("client_ip:").unwrap();
                let failed: Vec<_> = of("mlx.inference_failed")
                    .into_iter()
                    .filter(|e| e.get_str(field::SOURCE_IP) == Some(&ip))
                    .collect();
                assert!(failed.len() > 10, "{scenario}: {} failures", failed.len());
                for e in &failed {
                    assert_eq!(e.outcome, sightline_decode::Outcome::Failure);
                    assert_eq!(e.action.as_deref(), Some(vocab::ACT_INFERENCE_FAILED));
                    assert!(
                        e.get_str(field::ERROR_TYPE).is_some()
                            && e.get_str(field::ERROR_MESSAGE).is_some()
                    );
                }
                let rejected = evs
                    .iter()
                    .filter(|e| {
                        e.get_str(field::SOURCE_IP) == Some(&ip)
                            && e.get_i64(field::HTTP_RESPONSE_STATUS_CODE)
                                .is_some_and(|s| s >= 400)
                    })
                    .count();
                assert!(rejected > 10, "{scenario}: {rejected} 4xx");
            }
            "model_unexpected_source" => {
                let src = actor("model_source:").unwrap();
                let loads: Vec<_> = of("mlx.model.load")
                    .into_iter()
                    .filter(|e| e.get_str(field::MLX_MODEL_SOURCE) == Some(&src))
                    .collect();
                assert_eq!(loads.len(), 1);
                let e = loads[0];
                assert_eq!(
                    e.action.as_deref(),
                    Some(sightline_event::action::MODEL_LOADED)
                );
                assert_eq!(e.get_str(field::MLX_MODEL_SOURCE_TYPE), Some("local"));
                assert_eq!(e.get_str(field::FILE_PATH), Some(src.as_str()));
                assert_eq!(
                    e.get_i64(field::PROCESS_PID),
                    actor("pid:").and_then(|p| p.parse().ok())
                );
                assert!(e.get_str(field::FILE_HASH_SHA256).is_some());
            }
            "model_extraction_pattern" => {
                let user = actor("user:").unwrap();
                let ip = actor("client_ip:").unwrap();
                let principal = |e: &&Event| {
                    e.get_str(field::USER_NAME) == Some(&user)
                        && e.get_str(field::SOURCE_IP) == Some(&ip)
                };
                let inf: Vec<_> = of("mlx.inference").into_iter().filter(principal).collect();
                assert!(inf.len() > 100);
                for e in inf {
                    assert_eq!(e.get_i64(field::MLX_MAX_TOKENS), Some(1));
                    assert!(e.get_i64(field::MLX_TOP_LOGPROBS).is_some());
                    assert!(e.get(field::MLX_TEMPERATURE).is_some());
                    assert!(
                        e.get_str(field::MLX_INPUT_SHA256)
                            .is_some_and(|d| d.starts_with("hmac-sha256:"))
                    );
                    assert!(e.get_str(field::SOURCE_IP).is_some());
                }
                let reqs = of("mlx.server.request")
                    .into_iter()
                    .filter(principal)
                    .count();
                assert!(reqs > 100);
            }
            "model_sha256_changed_without_deploy" => {
                let new = gt["new_sha256"].as_str().unwrap();
                let loads = of("mlx.model.load");
                assert!(
                    loads
                        .iter()
                        .any(|e| e.get_str(field::MLX_MODEL_SHA256) == Some(new)
                            && e.get_str(field::FILE_HASH_SHA256) == Some(new))
                );
                assert!(
                    of("mlx.sdk.start")
                        .iter()
                        .all(|e| e.action.as_deref() == Some(vocab::ACT_SDK_STARTED))
                );
            }
            "resource_exhaustion_huge_max_tokens" => {
                let ip = actor("client_ip:").unwrap();
                assert!(evs.iter().any(|e| {
                    e.get_str(field::SOURCE_IP) == Some(&ip)
                        && e.get_i64(field::MLX_MAX_TOKENS)
                            .is_some_and(|m| m >= 100_000)
                }));
                assert!(
                    evs.iter()
                        .any(|e| e.get_str(field::MLX_ERROR_OP) == Some("metal::malloc"))
                );
                assert!(
                    of("mlx.resource")
                        .iter()
                        .all(|e| e.get(field::MLX_MEMORY_UTILIZATION).is_some()
                            && e.kind == "metric")
                );
            }
            "pickle_enabled_array_load" => {
                let path = actor("path:").unwrap();
                let loads: Vec<_> = of("mlx.data.load")
                    .into_iter()
                    .filter(|e| e.get_str(field::FILE_PATH) == Some(&path))
                    .collect();
                assert_eq!(loads.len(), 1);
                assert_eq!(
                    loads[0].get(field::MLX_DATA_PICKLE_ALLOWED),
                    Some(sightline_event::FieldRef::Bool(true))
                );
                assert!(
                    loads[0]
                        .get_i64(field::MLX_DATA_OBJECT_ARRAYS)
                        .is_some_and(|n| n > 0)
                );
                assert_eq!(loads[0].get_str(field::MLX_LOADER), Some("numpy.load"));
            }
            other => panic!("ground truth scenario {other:?} has no check here"),
        }
    }
}

/// Detection never claims the other systems' files (Ray's Python logs,
/// Milvus's JSON logs, glog): their first lines score 0.
#[test]
fn other_corpora_are_not_claimed() {
    let mut checked = 0;
    for system in ["ray", "mesos", "milvus"] {
        let Some(dir) = common::shared_corpus(&format!("{system}/dev")) else {
            continue;
        };
        for file in log_files(&dir) {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 << 10)]).into_owned();
            let sample: Vec<&str> = head.lines().take(20).collect();
            let score = MlxSource.detect(Some(&file), &sample);
            assert_eq!(score, 0, "{} scored {score}", file.display());
            checked += 1;
        }
    }
    eprintln!("{checked} files of other systems checked");
}
