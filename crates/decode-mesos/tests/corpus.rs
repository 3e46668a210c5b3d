//! Decodes the Mesos dev corpus (`../shared/corpus/mesos/dev`) line by line
//! through the Assembler, as the pipeline does, and checks coverage and the
//! fields the ground-truth attacks need.
//!
//! `MANIFEST.json` and `ground_truth.jsonl` are the corpus's own metadata,
//! not logs: they are skipped. Everything else is fed to the Mesos decoder,
//! including the WARNING/ERROR files and the `mesos-*.INFO` link stubs that
//! discovery would skip as redundant (they decode too; the stubs into one
//! informational event each).

use sightline_decode::{Assembler, DecodeOptions, Event, Source, StreamInfo, tags};
use sightline_decode_mesos::MesosSource;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

fn corpus_dir() -> Option<PathBuf> {
    common::shared_corpus("mesos/dev")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.retain(|p| {
        !matches!(
            p.file_name().and_then(|n| n.to_str()),
            Some("MANIFEST.json" | "ground_truth.jsonl")
        )
    });
    files
}

/// Decodes one file; returns its line count and its events.
fn decode_file(path: &Path) -> (u64, u64, Vec<Event>) {
    let bytes = std::fs::read(path).expect("readable corpus file");
    let text = String::from_utf8_lossy(&bytes);
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| jiff::Timestamp::try_from(t).ok());
    let mut stream = StreamInfo::for_path(path);
    stream.modified = modified;
    let opts = DecodeOptions::default();
    let decoder = MesosSource.open(&stream, &opts);
    let mut asm = Assembler::new(decoder, stream, Arc::new(opts));
    let mut events = Vec::new();
    let mut offset = 0u64;
    let mut lines = 0u64;
    for raw in text.split_inclusive('\n') {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        events.extend(asm.push(line, offset));
        offset += raw.len() as u64;
        lines += 1;
    }
    events.extend(asm.finish());
    (lines, asm.emitted_lines(), events)
}

fn decode_corpus(dir: &Path) -> Vec<(PathBuf, Event)> {
    let mut all = Vec::new();
    for path in log_files(dir) {
        let (_, _, events) = decode_file(&path);
        all.extend(events.into_iter().map(|e| (path.clone(), e)));
    }
    all
}

const DATASETS: [&str; 3] = ["mesos.master", "mesos.agent", "mesos.task"];

#[test]
fn every_line_is_covered_and_decoded() {
    let Some(dir) = corpus_dir() else { return };
    let files = log_files(&dir);
    assert!(!files.is_empty());
    let (mut total, mut decoded) = (0u64, 0u64);
    let mut per_dataset: BTreeMap<String, u64> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &files {
        let (lines, emitted, events) = decode_file(path);
        assert_eq!(
            emitted,
            lines,
            "{}: every line in exactly one event",
            path.display()
        );
        let in_events: u64 = events
            .iter()
            .map(|e| e.original.split('\n').count() as u64)
            .sum();
        assert_eq!(in_events, lines, "{}", path.display());
        total += lines;
        for e in &events {
            let n = e.original.split('\n').count() as u64;
            *per_dataset.entry(e.dataset.to_string()).or_default() += n;
            if !e.has_tag(tags::PARSE_FAILURE)
                && DATASETS.contains(&e.dataset.as_ref())
                && e.module == "mesos"
            {
                decoded += n;
            } else {
                failures.push(format!("{}: {}", path.display(), e.original));
            }
        }
    }
    eprintln!(
        "mesos corpus: {total} lines, {decoded} decoded ({:.3}%)",
        100.0 * decoded as f64 / total as f64
    );
    for (ds, n) in &per_dataset {
        eprintln!("  {ds}: {n} lines");
    }
    for f in failures.iter().take(20) {
        eprintln!("  not decoded: {f}");
    }
    assert!(
        decoded as f64 >= 0.999 * total as f64,
        "{decoded}/{total} decoded"
    );
    for ds in DATASETS {
        assert!(
            per_dataset.get(ds).copied().unwrap_or(0) > 0,
            "no {ds} events"
        );
    }
}

#[test]
fn every_field_set_is_catalogued() {
    let Some(dir) = corpus_dir() else { return };
    let mut unknown = std::collections::BTreeSet::new();
    for (_, e) in decode_corpus(&dir) {
        for k in e.fields.keys() {
            if sightline_decode::field::spec(k).is_none() {
                unknown.insert(k.to_string());
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "fields missing from field::SCHEMA: {unknown:?}"
    );
}

#[test]
fn timestamps_follow_the_ground_truth_window() {
    let Some(dir) = corpus_dir() else { return };
    let lo: jiff::Timestamp = "2026-11-20T06:00:00Z".parse().unwrap();
    let hi: jiff::Timestamp = "2026-11-21T00:00:00Z".parse().unwrap();
    for (path, e) in decode_corpus(&dir) {
        if e.has_tag(tags::TIMESTAMP_INFERRED) {
            continue;
        }
        assert!(
            e.timestamp >= lo && e.timestamp <= hi,
            "{}: {} at {}",
            path.display(),
            e.original,
            e.timestamp
        );
    }
}

fn count(events: &[(PathBuf, Event)], f: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|(_, e)| f(e)).count()
}

fn s<'a>(e: &'a Event, name: &str) -> Option<&'a str> {
    e.get_str(name)
}

#[test]
fn ground_truth_signals_carry_their_fields() {
    let Some(dir) = corpus_dir() else { return };
    let ev = decode_corpus(&dir);
    let master = |e: &Event| e.dataset == "mesos.master";
    // Only the INFO files: WARNING/ERROR files repeat their lines.
    let info: Vec<(PathBuf, Event)> = ev
        .iter()
        .filter(|(p, _)| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.contains(".log.INFO.") || p.components().any(|c| c.as_os_str() == "runs")
            })
        })
        .cloned()
        .collect();

    // recon_state_flood: GET /master/state... from 10.20.14.77 with its user agent.
    let recon = count(&info, |e| {
        master(e)
            && e.action.as_deref() == Some("http-request")
            && s(e, "source.ip") == Some("10.20.14.77")
            && s(e, "http.request.method") == Some("GET")
            && s(e, "user_agent.original") == Some("python-requests/2.31.0")
            && s(e, "url.path").is_some_and(|p| p.starts_with("/master/"))
    });
    let agent_recon = count(&info, |e| {
        e.dataset == "mesos.agent"
            && e.action.as_deref() == Some("http-request")
            && s(e, "source.ip") == Some("10.20.14.77")
    });
    assert_eq!(
        (recon, agent_recon),
        (575, 66),
        "recon requests on master and agents"
    );

    // http_basic_bruteforce: only the success is visible.
    let api = count(&info, |e| {
        e.action.as_deref() == Some("http-request")
            && s(e, "source.ip") == Some("45.148.10.92")
            && s(e, "url.path") == Some("/master/api/v1")
    });
    assert!(api >= 1);
    let set_logging = count(&info, |e| {
        e.action.as_deref() == Some("api-call") && s(e, "mesos.call") == Some("SET_LOGGING_LEVEL")
    });
    assert_eq!(set_logging, 1);

    // framework_cram_md5_failures: 38 failures from the scheduler's IP, each with its SASL step.
    let failed = count(&info, |e| {
        e.action.as_deref() == Some("authentication-failed")
            && e.outcome == sightline_decode::Outcome::Failure
            && s(e, "source.ip") == Some("10.20.17.203")
            && s(e, "mesos.upid").is_some_and(|u| u.starts_with("scheduler-b430590b"))
            && e.category.iter().any(|c| c == "authentication")
    });
    assert_eq!(failed, 38);
    let sasl = count(&info, |e| {
        e.action.as_deref() == Some("sasl-authentication-failed")
            && e.level.as_deref() == Some("warning")
    });
    assert!(sasl >= 38);

    // unauthorized_teardown: POSTs from 10.20.9.61 and the TEARDOWN call type.
    let teardown_http = count(&info, |e| {
        e.action.as_deref() == Some("http-request")
            && s(e, "source.ip") == Some("10.20.9.61")
            && s(e, "http.request.method") == Some("POST")
            && matches!(
                s(e, "url.path"),
                Some("/master/teardown" | "/master/api/v1")
            )
    });
    assert_eq!(teardown_http, 5);
    let teardown_calls = count(&info, |e| {
        e.action.as_deref() == Some("api-call") && s(e, "mesos.call") == Some("TEARDOWN")
    });
    assert_eq!(teardown_calls, 2);

    // unauthorized_task_launch: the refused subscription and 6 denied launches.
    let refused = count(&info, |e| {
        e.action.as_deref() == Some("authorization-denied")
            && s(e, "mesos.framework.name") == Some("analytics-jobs")
            && s(e, "source.ip") == Some("10.20.2.51")
            && s(e, "mesos.role") == Some("infra")
    });
    assert_eq!(refused, 1);
    let denied_tasks = count(&info, |e| {
        e.action.as_deref() == Some("authorization-denied")
            && s(e, "user.name") == Some("analytics")
            && s(e, "mesos.task.user") == Some("root")
            && s(e, "mesos.task.state") == Some("TASK_ERROR")
            && s(e, "mesos.task.reason") == Some("REASON_TASK_UNAUTHORIZED")
            && s(e, "mesos.framework.id") == Some("04948682-4233-4b55-bff9-59b7c7fda173-0001")
            && s(e, "mesos.task.id").is_some()
    });
    assert_eq!(denied_tasks, 6);

    // cryptominer_task: launches with 30 cpus, the fetcher URI, and the pool URL in stdout.
    let miners = count(&info, |e| {
        master(e)
            && e.action.as_deref() == Some("job-submitted")
            && s(e, "mesos.task.id").is_some_and(|t| t.starts_with("kworker-sync."))
            && e.fields
                .get("mesos.resources.cpus")
                .and_then(|v| v.as_f64())
                == Some(30.0)
    });
    assert_eq!(miners, 3);
    let fetches = count(&info, |e| {
        e.dataset == "mesos.task"
            && e.action.as_deref() == Some("file-downloaded")
            && s(e, "url.original")
                == Some("http://185.199.110.31/x/xmrig-6.21.0-linux-static-x64.tar.gz")
            && s(e, "mesos.agent.id").is_some()
            && s(e, "mesos.executor.id").is_some_and(|x| x.starts_with("kworker-sync."))
    });
    assert_eq!(fetches, 3);
    let info_json = count(&info, |e| {
        e.action.as_deref() == Some("fetch-planned")
            && s(e, "url.original").is_some_and(|u| u.contains("xmrig"))
            && s(e, "user.name") == Some("nobody")
    });
    assert_eq!(info_json, 3);
    let pool = count(&info, |e| {
        e.dataset == "mesos.task"
            && s(e, "url.original") == Some("stratum+tcp://pool.supportxmr.example:3333")
            && s(e, "mesos.container.id").is_some()
    });
    assert_eq!(pool, 3);

    // excessive_resource_burst: accepted launches with their cpus, rejected ones with reason.
    let burst_ok = count(&info, |e| {
        master(e)
            && e.action.as_deref() == Some("job-submitted")
            && s(e, "mesos.task.id").is_some_and(|t| t.starts_with("bulk-train-"))
            && e.fields
                .get("mesos.resources.cpus")
                .and_then(|v| v.as_f64())
                .is_some_and(|c| c >= 30.0)
    });
    assert_eq!(burst_ok, 5);
    let burst_rejected = count(&info, |e| {
        e.action.as_deref() == Some("task-rejected")
            && s(e, "mesos.task.reason") == Some("REASON_TASK_INVALID")
            && s(e, "mesos.framework.id") == Some("c85990d2-e844-4762-939a-e232588efbce-0002")
            && e.fields
                .get("mesos.resources.cpus")
                .and_then(|v| v.as_f64())
                .is_some_and(|c| c >= 40.0)
    });
    assert_eq!(burst_rejected, 31);

    // rogue_agent_registration.
    let rogue_refused = count(&info, |e| {
        e.action.as_deref() == Some("agent-registration-refused")
            && s(e, "source.ip") == Some("172.31.44.9")
            && e.level.as_deref() == Some("warning")
    });
    assert!(rogue_refused >= 1);
    let rogue_auth = count(&info, |e| {
        e.action.as_deref() == Some("authentication-succeeded")
            && s(e, "source.ip") == Some("172.31.44.9")
            && s(e, "user.name") == Some("agent")
    });
    assert!(rogue_auth >= 1);
    let rogue_registered = count(&info, |e| {
        e.action.as_deref() == Some("node-registered")
            && s(e, "source.ip") == Some("172.31.44.9")
            && s(e, "mesos.agent.hostname") == Some("ip-172-31-44-9")
            && s(e, "mesos.agent.id") == Some("04948682-4233-4b55-bff9-59b7c7fda173-S0")
            && e.fields
                .get("mesos.resources.cpus")
                .and_then(|v| v.as_f64())
                == Some(96.0)
    });
    assert!(rogue_registered >= 1);

    // task_failed_storm: 150 TASK_FAILED updates for payments-api from agents.
    let storm = count(&info, |e| {
        master(e)
            && e.action.as_deref() == Some("job-finished")
            && s(e, "mesos.task.state") == Some("TASK_FAILED")
            && s(e, "mesos.task.id").is_some_and(|t| t.starts_with("payments-api."))
            && s(e, "mesos.agent.id").is_some()
            && e.outcome == sightline_decode::Outcome::Failure
    });
    assert_eq!(storm, 150);
}
