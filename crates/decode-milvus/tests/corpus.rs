//! The dev corpus (../shared/corpus/milvus/dev): every line lands in
//! exactly one event, ≥ 99.9 % of lines decode into a component dataset,
//! and every ground-truth scenario leaves events with the fields its
//! detection needs.
//!
//! The corpus folder also holds files that are not logs (MANIFEST.json,
//! ground_truth.jsonl, real/README.md, real/.../driver.py). They are
//! recognized the way auto-detection does it, by `detect` scoring them 0,
//! and are left out (auto-detection sends them to the generic sources).

use sightline_decode::{Assembler, DecodeOptions, Event, Source, StreamInfo, tags};
use sightline_decode_milvus::MilvusSource;
use sightline_event::FieldRef;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

fn corpus_dir() -> Option<PathBuf> {
    common::shared_corpus("milvus/dev")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Decodes one file line by line; returns its events and line count.
fn decode_file(path: &Path, text: &str) -> (Vec<Event>, u64) {
    let stream = StreamInfo::for_path(path);
    let decoder = MilvusSource.open(&stream, &DecodeOptions::default());
    let mut asm = Assembler::new(decoder, stream, Arc::new(DecodeOptions::default()));
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
    assert_eq!(
        asm.emitted_lines(),
        lines,
        "{}: every line in exactly one event",
        path.display()
    );
    (events, lines)
}

const DATASETS: &[&str] = &[
    "milvus.access",
    "milvus.proxy",
    "milvus.rootcoord",
    "milvus.querycoord",
    "milvus.datacoord",
    "milvus.indexcoord",
    "milvus.mixcoord",
    "milvus.querynode",
    "milvus.datanode",
    "milvus.indexnode",
    "milvus.streamingnode",
    "milvus.standalone",
    "milvus.lite",
    "milvus.client",
];

struct Decoded {
    /// (deployment, event)
    events: Vec<(String, Event)>,
}

fn decode_corpus(dir: &Path) -> Decoded {
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut per_dataset: BTreeMap<String, u64> = BTreeMap::new();
    let (mut total_lines, mut good_lines) = (0u64, 0u64);
    let mut all = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).expect("readable corpus file");
        let text = String::from_utf8_lossy(&bytes);
        let sample: Vec<&str> = text.lines().take(20).collect();
        if MilvusSource.detect(Some(&path), &sample) == 0 {
            println!(
                "not a Milvus log, left to the generic sources: {}",
                path.display()
            );
            continue;
        }
        let (events, lines) = decode_file(&path, &text);
        total_lines += lines;
        let rel = path.strip_prefix(dir).unwrap_or(&path);
        let deployment = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut file_good = 0u64;
        for ev in events {
            let n = u64::from(ev.original.matches('\n').count() as u32 + 1);
            *per_dataset.entry(ev.dataset.to_string()).or_default() += 1;
            if !ev.has_tag(tags::PARSE_FAILURE) && DATASETS.contains(&ev.dataset.as_ref()) {
                file_good += n;
            } else {
                println!(
                    "  not decoded in {}: {:?} ({:?})",
                    rel.display(),
                    ev.original,
                    ev.get_str("error.message")
                );
            }
            all.push((deployment.clone(), ev));
        }
        good_lines += file_good;
        println!(
            "{:>7} lines {:>7} decoded  {}",
            lines,
            file_good,
            rel.display()
        );
    }
    println!("events per dataset: {per_dataset:#?}");
    let share = good_lines as f64 / total_lines.max(1) as f64;
    println!(
        "{good_lines} of {total_lines} lines decoded into Milvus datasets ({:.3} %)",
        share * 100.0
    );
    assert!(total_lines > 40_000, "the corpus is there");
    assert!(share >= 0.999, "decoded share {share}");
    Decoded { events: all }
}

// -------------------------------------------------------------- ground truth

fn s<'a>(ev: &'a Event, f: &str) -> Option<&'a str> {
    ev.get_str(f)
}

fn i(ev: &Event, f: &str) -> Option<i64> {
    match ev.get(f)? {
        FieldRef::Int(n) => Some(n),
        _ => None,
    }
}

struct Scenario {
    name: String,
    deployment: String,
    start: jiff::Timestamp,
    end: jiff::Timestamp,
    user: String,
    ip: String,
    raw: serde_json::Value,
}

fn scenarios(dir: &Path) -> Vec<Scenario> {
    let text = std::fs::read_to_string(dir.join("ground_truth.jsonl")).expect("ground truth");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("ground-truth JSON");
            let st = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            Scenario {
                name: st("scenario"),
                deployment: st("deployment"),
                start: st("start_utc").parse().expect("start time"),
                end: st("end_utc").parse().expect("end time"),
                user: v["actors"]["user"].as_str().unwrap_or_default().to_owned(),
                ip: v["actors"]["ip"].as_str().unwrap_or_default().to_owned(),
                raw: v,
            }
        })
        .collect()
}

impl Scenario {
    fn count(&self, raw: &str) -> usize {
        self.raw[raw].as_u64().unwrap_or(0) as usize
    }
}

/// Events of the scenario's deployment inside its window, with a minute of
/// slack: access lines are written when a call ends (`$time_now`), up to
/// its time cost after the window's last request started.
fn window<'a>(d: &'a Decoded, sc: &Scenario) -> Vec<&'a Event> {
    let slack = jiff::SignedDuration::from_secs(60);
    let (lo, hi) = (sc.start - slack, sc.end + slack);
    d.events
        .iter()
        .filter(|(dep, ev)| *dep == sc.deployment && ev.timestamp >= lo && ev.timestamp <= hi)
        .map(|(_, ev)| ev)
        .collect()
}

fn act<'a>(evs: &[&'a Event], action: &str) -> Vec<&'a Event> {
    evs.iter()
        .copied()
        .filter(|e| e.action.as_deref() == Some(action))
        .collect()
}

fn check(d: &Decoded, sc: &Scenario) {
    let evs = window(d, sc);
    let access: Vec<&Event> = evs
        .iter()
        .copied()
        .filter(|e| e.dataset == "milvus.access")
        .collect();
    let main: Vec<&Event> = evs
        .iter()
        .copied()
        .filter(|e| e.dataset != "milvus.access")
        .collect();
    let by_actor = |e: &&Event| {
        s(e, "user.name") == Some(sc.user.as_str()) && s(e, "source.ip") == Some(sc.ip.as_str())
    };
    let name = sc.name.as_str();
    match name {
        "permission_denied_probe" => {
            let collection = sc.raw["collection"].as_str().unwrap_or_default();
            let denied: Vec<_> = act(&access, "authorization-denied")
                .into_iter()
                .filter(by_actor)
                .collect();
            assert!(
                denied.len() >= sc.count("denials"),
                "{name}: {} access denials",
                denied.len()
            );
            assert!(
                denied
                    .iter()
                    .all(|e| s(e, "milvus.privilege").is_some_and(|p| p.starts_with("Privilege")))
            );
            let logged = act(&main, "authorization-denied");
            assert!(!logged.is_empty());
            for e in logged {
                assert_eq!(s(e, "user.name"), Some(sc.user.as_str()));
                assert_eq!(s(e, "milvus.collection"), Some(collection));
                assert!(s(e, "milvus.privilege").is_some());
            }
        }
        "error_spike_rate_limit" => {
            let failed = access
                .iter()
                .filter(|e| e.outcome.as_str() == "failure")
                .count();
            assert!(failed >= sc.count("failures"), "{name}: {failed} failures");
            let limited = act(&access, "rate-limited");
            assert!(limited.iter().all(|e| i(e, "milvus.error_code") == Some(8)));
            assert!(!limited.is_empty() && !act(&main, "rate-limited").is_empty());
        }
        "brute_force_then_success" => {
            let fails: Vec<_> = act(&access, "authentication-failed")
                .into_iter()
                .filter(by_actor)
                .collect();
            assert!(
                fails.len() >= sc.count("failures"),
                "{name}: {} failures",
                fails.len()
            );
            let last_fail = fails.iter().map(|e| e.timestamp).max().expect("failures");
            let ok = act(&access, "authentication-succeeded")
                .into_iter()
                .filter(by_actor)
                .any(|e| e.timestamp > last_fail);
            assert!(ok, "{name}: success after the failures");
            assert!(
                act(&main, "authentication-failed")
                    .iter()
                    .any(|e| s(e, "user.name") == Some(sc.user.as_str()))
            );
        }
        "privilege_escalation" => {
            let role = sc.raw["role"].as_str().unwrap_or_default();
            let mine: Vec<_> = access.iter().copied().filter(by_actor).collect();
            for (method, action) in [
                ("CreateRole", "role-created"),
                ("OperatePrivilege", "privilege-changed"),
                ("OperateUserRole", "user-role-changed"),
            ] {
                assert!(
                    mine.iter().any(|e| s(e, "milvus.method") == Some(method)
                        && e.action.as_deref() == Some(action)),
                    "{name}: {method} in the access log"
                );
            }
            assert!(
                mine.iter()
                    .any(|e| e.action.as_deref() == Some("authorization-denied")
                        && s(e, "milvus.method") == Some("CreateRole"))
            );
            assert!(
                act(&main, "role-created")
                    .iter()
                    .any(|e| s(e, "milvus.role") == Some(role))
            );
            let grant = act(&main, "privilege-granted");
            assert!(grant.iter().any(|e| s(e, "milvus.role") == Some(role)
                && s(e, "milvus.privilege").is_some()
                && s(e, "user.name") == Some(sc.user.as_str())));
            assert!(
                grant
                    .iter()
                    .any(|e| s(e, "user.target.name") == Some(sc.user.as_str())
                        && s(e, "milvus.role") == Some("admin"))
            );
        }
        "data_exfiltration" => {
            let collection = sc.raw["collection"].as_str().unwrap_or_default();
            let bulk: Vec<_> = access
                .iter()
                .copied()
                .filter(by_actor)
                .filter(|e| matches!(e.action.as_deref(), Some("data-searched" | "data-queried")))
                .filter(|e| s(e, "milvus.collection") == Some(collection))
                .filter(|e| i(e, "milvus.result_size").is_some_and(|n| n >= 9_000_000))
                .filter(|e| matches!(e.get("milvus.output_fields"), Some(FieldRef::List(l)) if l == ["*"]))
                .collect();
            assert!(
                bulk.len() >= sc.count("requests"),
                "{name}: {} bulk reads",
                bulk.len()
            );
        }
        "credential_stuffing" => {
            let fails = act(&access, "authentication-failed");
            let from_ip: Vec<_> = fails
                .iter()
                .filter(|e| s(e, "source.ip") == Some(sc.ip.as_str()))
                .collect();
            assert!(
                from_ip.len() >= sc.count("failures"),
                "{name}: {} failures",
                from_ip.len()
            );
            // Every name tried, the one that finally worked included.
            let users: BTreeSet<_> = access
                .iter()
                .filter(|e| {
                    s(e, "source.ip") == Some(sc.ip.as_str())
                        && e.category.iter().any(|c| c == "authentication")
                })
                .filter_map(|e| s(e, "user.name"))
                .collect();
            assert!(
                users.len() >= sc.count("usernames_tried"),
                "{name}: {} users",
                users.len()
            );
            let compromised = sc.raw["compromised_user"].as_str().unwrap_or_default();
            assert!(
                act(&access, "authentication-succeeded")
                    .iter()
                    .any(|e| s(e, "source.ip") == Some(sc.ip.as_str())
                        && s(e, "user.name") == Some(compromised))
            );
            assert!(
                act(&main, "authentication-failed")
                    .iter()
                    .any(|e| e.message == "found no credential" && s(e, "user.name").is_some())
            );
        }
        "resource_exhaustion_disk_quota" | "resource_exhaustion_memory_quota" => {
            assert!(
                !act(&main, "quota-exceeded").is_empty(),
                "{name}: quota center warning"
            );
            let rejected = act(&access, "rate-limited")
                .into_iter()
                .filter(|e| i(e, "milvus.error_code") == Some(9))
                .filter(|e| matches!(s(e, "milvus.method"), Some("Insert" | "Upsert" | "Import")))
                .count();
            assert!(
                rejected >= sc.count("rejected_writes"),
                "{name}: {rejected} rejected writes"
            );
        }
        "unusual_collection_drop" => {
            let collection = sc.raw["collection"].as_str().unwrap_or_default();
            assert!(
                act(&access, "collection-deleted")
                    .into_iter()
                    .any(|e| by_actor(&e) && e.outcome.as_str() == "success")
            );
            assert!(
                act(&main, "collection-deleted")
                    .iter()
                    .any(|e| s(e, "milvus.collection") == Some(collection)
                        && e.outcome.as_str() == "success")
            );
        }
        "slow_query_burst" => {
            let slow = access
                .iter()
                .filter(|e| matches!(s(e, "milvus.method"), Some("Search" | "Query")))
                .filter(|e| i(e, "event.duration").is_some_and(|d| d >= 5_000_000_000))
                .count();
            assert!(slow >= sc.count("requests"), "{name}: {slow} slow requests");
            assert!(!act(&main, "slow-query").is_empty());
        }
        "unexpected_admin_user_created" => {
            let new_user = sc.raw["new_user"].as_str().unwrap_or_default();
            assert!(
                act(&access, "user-created")
                    .into_iter()
                    .any(|e| by_actor(&e))
            );
            assert!(
                act(&access, "user-role-changed")
                    .into_iter()
                    .any(|e| by_actor(&e))
            );
            assert!(
                act(&main, "user-created")
                    .iter()
                    .any(|e| s(e, "user.target.name") == Some(new_user))
            );
            assert!(
                act(&main, "privilege-granted")
                    .iter()
                    .any(|e| s(e, "user.target.name") == Some(new_user)
                        && s(e, "milvus.role") == Some("admin"))
            );
        }
        other => panic!("unknown scenario {other}: add its expectations"),
    }
    println!("scenario {name}: ok");
}

#[test]
fn dev_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let decoded = decode_corpus(&dir);
    for sc in scenarios(&dir) {
        check(&decoded, &sc);
    }
}
