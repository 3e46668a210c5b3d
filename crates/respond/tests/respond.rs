//! The responder end to end: real child processes, real HTTP servers on
//! loopback (axum), real SQLite files. Time is passed in, never slept on.

use jiff::{SignedDuration, Timestamp};
use sightline_respond::{
    RespondError, Responder, ResponseConfig, ResponseSection, RunKind, RunRecord, RunState,
    SkipReason,
};
use sightline_route::{AlertInfo, AlertState};
use std::path::Path;
use std::sync::{Arc, Mutex};

fn t0() -> Timestamp {
    "2026-12-07T12:00:00Z".parse().unwrap()
}

fn at(mins: i64) -> Timestamp {
    t0() + SignedDuration::from_mins(mins)
}

fn alert(id: &str, labels: &[(&str, &str)]) -> AlertInfo {
    let mut l: sightline_route::Labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    l.entry("rule_id".into()).or_insert_with(|| "r1".into());
    l.entry("rule".into()).or_insert_with(|| "Rule one".into());
    AlertInfo {
        id: id.into(),
        labels: l,
        state: AlertState::Firing,
        summary: "summary".into(),
        explanation: String::new(),
        count: 1,
        first_seen: t0(),
        last_seen: t0(),
        url: None,
    }
}

#[derive(serde::Deserialize)]
struct File {
    response: ResponseSection,
}

fn compile(toml_text: &str) -> Result<ResponseConfig, sightline_route::ConfigError> {
    let f: File = toml::from_str(toml_text).expect("valid TOML");
    ResponseConfig::compile(&f.response)
}

fn responder(dir: &Path, toml_text: &str) -> Responder {
    let cfg = compile(toml_text).unwrap_or_else(|e| panic!("config: {e}"));
    Responder::open(cfg, &dir.join("respond.db")).unwrap()
}

fn one(runs: Vec<RunRecord>) -> RunRecord {
    assert_eq!(runs.len(), 1, "{runs:#?}");
    runs.into_iter().next().unwrap()
}

/// Prints each argument on its own line between brackets, through `"$@"`
/// (the labels are positional parameters, never part of the script).
const ARGS_SCRIPT: &str = r#"for a in "$@"; do printf '<%s>\n' "$a"; done"#;

#[test]
fn hostile_labels_arrive_as_single_literal_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let r = responder(
        dir.path(),
        &format!(
            r#"
[[response.action]]
name = "args"
type = "command"
rules = ["r1"]
dry_run = false
argv = ["/bin/sh", "-c", {ARGS_SCRIPT:?}, "sh", "{{user.name}}", "--user={{user.name}}"]
target = "{{user.name}}"
allow = ["*"]
"#
        ),
    );
    let hostile = [
        format!("; touch {d}/semicolon"),
        format!("$(touch {d}/subst)"),
        format!("`touch {d}/backtick`"),
        format!("a\ntouch {d}/newline"),
        "-rf /".to_string(),
        "' \" \\ * ? ~".to_string(),
    ];
    for (i, value) in hostile.iter().enumerate() {
        let run = one(r
            .on_alert(&alert(&format!("a{i}"), &[("user.name", value)]), t0())
            .unwrap());
        assert_eq!(run.state, RunState::Queued);
        let done = one(r.execute_due(t0()).unwrap());
        assert_eq!(done.state, RunState::Succeeded, "{done:#?}");
        let expected = format!("stdout:\n<{value}>\n<--user={value}>\n");
        assert_eq!(done.output, expected, "value {value:?}");
        match done.rendered {
            Some(sightline_respond::Rendered::Command { argv, .. }) => {
                assert_eq!(argv[4], *value);
                assert_eq!(argv.len(), 6);
            }
            other => panic!("{other:?}"),
        }
    }
    for f in ["semicolon", "subst", "backtick", "newline"] {
        assert!(!dir.path().join(f).exists(), "{f} ran");
    }
}

#[test]
fn commands_get_a_cleared_environment_and_a_fixed_directory() {
    let dir = tempfile::tempdir().unwrap();
    let r = responder(
        dir.path(),
        r#"
[[response.action]]
name = "env"
type = "command"
rules = ["r1"]
dry_run = false
argv = ["/bin/sh", "-c", "env | sort; pwd"]
working_dir = "/"
"#,
    );
    // SAFETY: set before any thread of this test reads the environment.
    unsafe { std::env::set_var("SIGHTLINE_TEST_SECRET", "leak") };
    r.on_alert(&alert("a", &[]), t0()).unwrap();
    let done = one(r.execute_due(t0()).unwrap());
    assert_eq!(done.state, RunState::Succeeded);
    let names: Vec<&str> = done
        .output
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    for n in &names {
        assert!(
            [
                "PATH",
                "LANG",
                "SIGHTLINE_RUN_ID",
                "SIGHTLINE_ALERT_ID",
                "PWD",
                "SHLVL",
                "_"
            ]
            .contains(n),
            "unexpected variable {n} in {}",
            done.output
        );
    }
    assert!(done.output.contains("SIGHTLINE_ALERT_ID=a\n"));
    assert!(!done.output.contains("leak"));
    assert!(done.output.ends_with("\n/\n"), "{}", done.output);
}

#[test]
fn a_timeout_kills_the_command_and_its_children_without_holding_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let r = responder(
        dir.path(),
        r#"
[response]
max_output_bytes = 16

[[response.action]]
name = "hang"
type = "command"
rules = ["r1"]
dry_run = false
timeout = "300ms"
argv = ["/bin/sh", "-c", "sleep 60 & sleep 60"]

[[response.action]]
name = "daemon"
type = "command"
rules = ["r1"]
dry_run = false
argv = ["/bin/sh", "-c", "sleep 60 & echo started"]

[[response.action]]
name = "loud"
type = "command"
rules = ["r1"]
dry_run = false
argv = ["/bin/sh", "-c", "printf '%050d' 0"]
"#,
    );
    assert_eq!(r.on_alert(&alert("a", &[]), t0()).unwrap().len(), 3);
    let done = r.execute_due(t0()).unwrap();
    let hang = done.iter().find(|x| x.action == "hang").unwrap();
    assert_eq!(hang.state, RunState::TimedOut, "{hang:#?}");
    assert_eq!(hang.exit_code, None);
    let daemon = done.iter().find(|x| x.action == "daemon").unwrap();
    assert_eq!(
        daemon.state,
        RunState::Succeeded,
        "its background child does not hold it"
    );
    assert_eq!(daemon.output, "stdout:\nstarted\n");
    let loud = done.iter().find(|x| x.action == "loud").unwrap();
    assert_eq!(loud.state, RunState::Succeeded);
    assert!(
        loud.output
            .starts_with("stdout:\n0000000000000000\n[34 more bytes"),
        "{}",
        loud.output
    );
}

#[test]
fn the_rate_limit_counts_executed_runs_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let r = responder(
        dir.path(),
        r#"
[[response.action]]
name = "t"
type = "command"
rules = ["r1"]
dry_run = false
rate_limit = "2/1h"
argv = ["/bin/true"]
"#,
    );
    for i in 0..2 {
        let run = one(r.on_alert(&alert(&format!("a{i}"), &[]), t0()).unwrap());
        assert_eq!(run.state, RunState::Queued);
    }
    let third = one(r.on_alert(&alert("a2", &[]), t0()).unwrap());
    assert_eq!(
        (third.state, third.skip),
        (RunState::Skipped, Some(SkipReason::RateLimited))
    );
    assert_eq!(r.execute_due(t0()).unwrap().len(), 2);
    let fourth = one(r.on_alert(&alert("a3", &[]), at(30)).unwrap());
    assert_eq!(fourth.skip, Some(SkipReason::RateLimited));
    let later = one(r.on_alert(&alert("a4", &[]), at(61)).unwrap());
    assert_eq!(later.state, RunState::Queued);
}

#[test]
fn targets_outside_the_allowlist_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = responder(
        dir.path(),
        r#"
[[response.action]]
name = "block"
type = "command"
rules = ["r1"]
dry_run = false
argv = ["/bin/true", "--", "{source.ip}"]
target = "{source.ip}"
allow = ["10.0.0.0/8", "*.lab.example"]
"#,
    );
    let out = one(r
        .on_alert(&alert("a", &[("source.ip", "8.8.8.8")]), t0())
        .unwrap());
    assert_eq!(
        (out.state, out.skip),
        (RunState::Skipped, Some(SkipReason::NotAllowlisted))
    );
    assert!(out.reason.unwrap().contains("8.8.8.8"));
    let inside = one(r
        .on_alert(&alert("b", &[("source.ip", "10.1.2.3")]), t0())
        .unwrap());
    assert_eq!(inside.state, RunState::Queued);
    let missing = one(r.on_alert(&alert("c", &[]), t0()).unwrap());
    assert_eq!(missing.skip, Some(SkipReason::MissingLabel));
    assert!(
        missing.reason.unwrap().contains("source.ip"),
        "the reason names the label"
    );
}

#[test]
fn the_configuration_refuses_unguarded_targets_from_events() {
    let base = r#"
[[response.action]]
name = "x"
type = "command"
rules = ["r1"]
argv = ["/bin/true", "{source.ip}"]
"#;
    let e = compile(base).unwrap_err().to_string();
    assert!(e.contains("response.action[0].target"), "{e}");
    let e = compile(&format!("{base}target = \"{{source.ip}}\"\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("response.action[0].allow"), "{e}");
    assert!(
        compile(&format!(
            "{base}target = \"{{source.ip}}\"\nallow = [\"*\"]\n"
        ))
        .is_ok()
    );
    for (extra, key) in [
        ("argv = [\"true\"]", "argv[0]"),
        ("url = \"http://x\"", "url"),
        ("rules = []", "rules"),
        ("undo_after = \"1h\"", "undo"),
        ("rate_limit = \"0/1h\"", "rate_limit"),
    ] {
        let text = format!(
            "[[response.action]]\nname = \"x\"\ntype = \"command\"\n{}\n{extra}\n",
            if extra.starts_with("rules") {
                ""
            } else {
                "rules = [\"r1\"]"
            }
        );
        let text = if extra.starts_with("argv") {
            text
        } else {
            format!("{text}argv = [\"/bin/true\"]\n")
        };
        let e = compile(&text).unwrap_err().to_string();
        assert!(
            e.contains(&format!("response.action[0].{key}")),
            "{extra}: {e}"
        );
    }
}

#[test]
fn dry_run_is_the_default_and_executes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("ran");
    let r = responder(
        dir.path(),
        &format!(
            r#"
[[response.action]]
name = "touch"
type = "command"
rules = ["Rule one"]
argv = ["/usr/bin/touch", "{}"]
"#,
            canary.display()
        ),
    );
    let run = one(r.on_alert(&alert("a", &[]), t0()).unwrap());
    assert_eq!(run.state, RunState::DryRun);
    assert!(run.dry_run);
    assert!(run.rendered.is_some());
    assert!(r.execute_due(at(1)).unwrap().is_empty());
    assert!(!canary.exists());
}

#[test]
fn the_same_action_runs_once_per_alert_and_target() {
    let dir = tempfile::tempdir().unwrap();
    let r = responder(
        dir.path(),
        r#"
[[response.action]]
name = "t"
type = "command"
rules = ["r1"]
dry_run = false
argv = ["/bin/true", "{host}"]
target = "{host}"
allow = ["*"]
"#,
    );
    assert_eq!(
        r.on_alert(&alert("a", &[("host", "n1")]), t0())
            .unwrap()
            .len(),
        1
    );
    assert!(
        r.on_alert(&alert("a", &[("host", "n1")]), at(1))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        r.on_alert(&alert("a", &[("host", "n2")]), at(1))
            .unwrap()
            .len(),
        1
    );
    let mut resolved = alert("b", &[("host", "n1")]);
    resolved.state = AlertState::Resolved;
    assert!(r.on_alert(&resolved, at(1)).unwrap().is_empty());
    assert_eq!(
        r.counters
            .duplicates
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

const APPROVAL: &str = r#"
[[response.action]]
name = "t"
type = "command"
rules = ["r1"]
dry_run = false
require_approval = true
approval_timeout = "10m"
argv = ["/bin/true"]
"#;

#[test]
fn approval_gates_the_run_and_records_who() {
    let dir = tempfile::tempdir().unwrap();
    let r = responder(dir.path(), APPROVAL);
    let run = one(r.on_alert(&alert("a", &[]), t0()).unwrap());
    assert_eq!(run.state, RunState::PendingApproval);
    assert!(
        r.execute_due(at(1)).unwrap().is_empty(),
        "nothing runs unapproved"
    );
    let approved = r.approve(run.id, "alice", at(2)).unwrap();
    assert_eq!(approved.state, RunState::Queued);
    let done = one(r.execute_due(at(3)).unwrap());
    assert_eq!(done.state, RunState::Succeeded);
    assert_eq!(done.approved_by.as_deref(), Some("alice"));
    let states: Vec<_> = done
        .transitions
        .iter()
        .map(|t| (t.to, t.actor.clone()))
        .collect();
    assert_eq!(
        states,
        [
            (RunState::PendingApproval, None),
            (RunState::Queued, Some("alice".into())),
            (RunState::Running, None),
            (RunState::Succeeded, None),
        ]
    );
    let other = one(r.on_alert(&alert("b", &[]), t0()).unwrap());
    let rejected = r.reject(other.id, "bob", "false positive", at(1)).unwrap();
    assert_eq!(rejected.state, RunState::Rejected);
    assert!(matches!(
        r.approve(other.id, "alice", at(2)),
        Err(RespondError::NotPending {
            state: RunState::Rejected,
            ..
        })
    ));
    assert!(matches!(
        r.approve(9999, "alice", at(2)),
        Err(RespondError::NotFound(9999))
    ));
}

#[test]
fn pending_approvals_expire() {
    let dir = tempfile::tempdir().unwrap();
    let r = responder(dir.path(), APPROVAL);
    let late = one(r.on_alert(&alert("a", &[]), t0()).unwrap());
    match r.approve(late.id, "alice", at(10)) {
        Err(RespondError::ApprovalExpired { run }) => assert_eq!(run.state, RunState::Expired),
        other => panic!("{other:?}"),
    }
    let stale = one(r.on_alert(&alert("b", &[]), t0()).unwrap());
    let expired = one(r.execute_due(at(11)).unwrap());
    assert_eq!((expired.id, expired.state), (stale.id, RunState::Expired));
    assert!(r.execute_due(at(12)).unwrap().is_empty());
}

#[test]
fn an_undo_runs_after_its_period() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("blocked");
    let r = responder(
        dir.path(),
        &format!(
            r#"
[[response.action]]
name = "block"
type = "command"
rules = ["r1"]
dry_run = false
argv = ["/usr/bin/touch", "{m}"]
target = "{{source.ip}}"
allow = ["10.0.0.0/8"]
undo_after = "1h"
undo = {{ argv = ["/bin/rm", "{m}"] }}
"#,
            m = mark.display()
        ),
    );
    r.on_alert(&alert("a", &[("source.ip", "10.0.0.9")]), t0())
        .unwrap();
    let done = r.execute_due(t0()).unwrap();
    assert_eq!(done.len(), 2, "the run and its scheduled undo");
    assert_eq!(done[0].state, RunState::Succeeded);
    assert_eq!(
        (done[1].kind, done[1].state),
        (RunKind::Undo, RunState::Queued)
    );
    assert_eq!(done[1].undo_of, Some(done[0].id));
    assert!(mark.exists());
    assert!(r.execute_due(at(59)).unwrap().is_empty());
    assert!(mark.exists());
    let undone = one(r.execute_due(at(61)).unwrap());
    assert_eq!(
        (undone.kind, undone.state),
        (RunKind::Undo, RunState::Succeeded)
    );
    assert!(!mark.exists());
    assert_eq!(r.runs_for_alert("a").unwrap().len(), 2);
}

#[test]
fn state_survives_a_restart_and_interrupted_runs_are_not_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("respond.db");
    let text = format!(
        "{APPROVAL}\n[[response.action]]\nname = \"q\"\ntype = \"command\"\nrules = [\"r1\"]\ndry_run = false\nargv = [\"/bin/true\"]\n"
    );
    let (pending_id, running_id) = {
        let r = Responder::open(compile(&text).unwrap(), &db).unwrap();
        let runs = r.on_alert(&alert("a", &[]), t0()).unwrap();
        (runs[0].id, runs[1].id)
    };
    // A crash in the middle of a run: the row says running.
    {
        let mut store = sightline_respond::store::Store::open(&db).unwrap();
        let mut run = store.get(running_id).unwrap().unwrap();
        run.state = RunState::Running;
        store.update(&run).unwrap();
    }
    let r = Responder::open(compile(&text).unwrap(), &db).unwrap();
    assert_eq!(r.interrupted().len(), 1);
    assert_eq!(
        r.get(running_id).unwrap().unwrap().state,
        RunState::Interrupted
    );
    assert!(r.execute_due(at(1)).unwrap().is_empty(), "not re-run");
    assert_eq!(
        r.approve(pending_id, "alice", at(1)).unwrap().state,
        RunState::Queued
    );
    assert_eq!(
        one(r.execute_due(at(2)).unwrap()).state,
        RunState::Succeeded
    );
    assert_eq!(r.list(10).unwrap().len(), 2);
    // The same alert after the restart is still a duplicate.
    assert!(r.on_alert(&alert("a", &[]), at(3)).unwrap().is_empty());
}

#[test]
fn verbosity_orders_last_their_duration() {
    let dir = tempfile::tempdir().unwrap();
    let r = responder(
        dir.path(),
        r#"
[[response.action]]
name = "verbose"
type = "raise_verbosity"
rules = ["r1"]
dry_run = false
allow = ["node-*"]
duration = "30m"
"#,
    );
    r.on_alert(&alert("a", &[("host", "node-1")]), t0())
        .unwrap();
    let bad = one(r.on_alert(&alert("b", &[("host", "db-1")]), t0()).unwrap());
    assert_eq!(bad.skip, Some(SkipReason::NotAllowlisted));
    assert_eq!(one(r.execute_due(t0()).unwrap()).state, RunState::Succeeded);
    let orders = r.verbosity_orders("node-1", at(10)).unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!((orders[0].from, orders[0].until), (t0(), at(30)));
    assert_eq!(orders[0].reason, "Rule one");
    assert!(r.verbosity_orders("node-1", at(30)).unwrap().is_empty());
    assert!(r.verbosity_orders("node-2", at(10)).unwrap().is_empty());
}

// ---- HTTP actions against real servers on loopback ----

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// Starts `app` on 127.0.0.1; the runtime lives as long as the returned value.
fn serve(app: axum::Router) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), rt)
}

async fn record(log: &Log, req: axum::extract::Request) -> Seen {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap().to_vec();
    let seen = Seen {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body,
    };
    log.lock().unwrap().push(seen.clone());
    seen
}

#[test]
fn a_webhook_posts_the_rendered_json_signed_with_the_secret() {
    use axum::response::IntoResponse;
    let log: Log = Arc::default();
    let l = log.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let l = l.clone();
        async move {
            record(&l, req).await;
            (axum::http::StatusCode::ACCEPTED, "queued").into_response()
        }
    });
    let (base, _rt) = serve(app);
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("hook.key");
    std::fs::write(&secret, "s3cret\n").unwrap();
    let r = responder(
        dir.path(),
        &format!(
            r#"
[[response.action]]
name = "notify"
type = "webhook"
rules = ["Rule one"]
dry_run = false
url = "{base}/hooks/{{rule_id}}"
method = "PUT"
secret_file = "{}"
body = {{ text = "{{rule}} on {{host}}", alert = "{{alert.id}}", tags = ["sightline", "{{level}}"], n = 3 }}
"#,
            secret.display()
        ),
    );
    let host = "n1\" , \"injected\": \"1";
    r.on_alert(
        &alert(
            "a",
            &[("host", host), ("rule_id", "r 1/x"), ("level", "high")],
        ),
        t0(),
    )
    .unwrap();
    let done = one(r.execute_due(t0()).unwrap());
    assert_eq!(
        (done.state, done.http_status),
        (RunState::Succeeded, Some(202)),
        "{done:#?}"
    );
    assert_eq!(done.output, "queued");
    let seen = log.lock().unwrap().pop().unwrap();
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.uri, "/hooks/r%201%2Fx");
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"text": format!("Rule one on {host}"), "alert": "a", "tags": ["sightline", "high"], "n": 3})
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"s3cret");
    let sig = seen.header("x-sightline-signature").unwrap();
    let hex = sig.strip_prefix("sha256=").unwrap();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    ring::hmac::verify(&key, &seen.body, &bytes).expect("valid signature");
    assert_eq!(seen.header("content-type"), Some("application/json"));
    // The stored run holds no secret.
    let stored = serde_json::to_string(&r.get(done.id).unwrap().unwrap()).unwrap();
    assert!(!stored.contains("s3cret"));
}

/// The Ray Jobs REST API's stop endpoint as documented: `POST
/// /api/jobs/{submission_id}/stop` answers 200 `{"stopped": true}` for a
/// running job, `{"stopped": false}` for one already finished, 404 for an
/// unknown id. This one also checks the bearer token.
fn ray_dashboard(log: Log) -> axum::Router {
    use axum::extract::Path as P;
    use axum::response::IntoResponse;
    axum::Router::new().route(
        "/api/jobs/{id}/stop",
        axum::routing::post(move |P(id): P<String>, req: axum::extract::Request| {
            let log = log.clone();
            async move {
                let seen = record(&log, req).await;
                if seen.header("authorization") != Some("Bearer ray-token") {
                    return (axum::http::StatusCode::UNAUTHORIZED, "no").into_response();
                }
                match id.as_str() {
                    "raysubmit_a/b c" => {
                        axum::Json(serde_json::json!({"stopped": true})).into_response()
                    }
                    "raysubmit_done" => {
                        axum::Json(serde_json::json!({"stopped": false})).into_response()
                    }
                    _ => (
                        axum::http::StatusCode::NOT_FOUND,
                        format!("Job {id} does not exist"),
                    )
                        .into_response(),
                }
            }
        }),
    )
}

#[test]
fn ray_stop_job_calls_the_jobs_api_with_the_encoded_id_and_token() {
    let log: Log = Arc::default();
    let (base, _rt) = serve(ray_dashboard(log.clone()));
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("ray.token");
    std::fs::write(&token, "ray-token\n").unwrap();
    let r = responder(
        dir.path(),
        &format!(
            r#"
[[response.action]]
name = "stop"
type = "ray_stop_job"
rules = ["r1"]
dry_run = false
dashboard_url = "{base}/"
token_file = "{}"
allow = ["raysubmit_*", ".."]
"#,
            token.display()
        ),
    );
    let id = "ray.job.submission_id";
    r.on_alert(&alert("a", &[(id, "raysubmit_a/b c")]), t0())
        .unwrap();
    r.on_alert(&alert("b", &[(id, "raysubmit_gone")]), t0())
        .unwrap();
    r.on_alert(&alert("c", &[(id, "raysubmit_done")]), t0())
        .unwrap();
    let dots = one(r.on_alert(&alert("d", &[(id, "..")]), t0()).unwrap());
    assert_eq!(dots.skip, Some(SkipReason::UnusableValue), "{dots:#?}");
    let done = r.execute_due(t0()).unwrap();
    let by_alert = |a: &str| done.iter().find(|x| x.alert_id == a).unwrap();
    assert_eq!(
        (by_alert("a").state, by_alert("a").http_status),
        (RunState::Succeeded, Some(200))
    );
    assert_eq!(
        (by_alert("b").state, by_alert("b").http_status),
        (RunState::Failed, Some(404))
    );
    assert!(
        by_alert("b")
            .reason
            .as_deref()
            .unwrap()
            .contains("raysubmit_gone")
    );
    assert_eq!(
        by_alert("c").state,
        RunState::Failed,
        "not stopped: it had ended"
    );
    let seen = log.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.method == "POST"));
    assert!(
        seen.iter()
            .any(|s| s.uri == "/api/jobs/raysubmit_a%2Fb%20c/stop"),
        "{seen:#?}"
    );
}

#[test]
fn the_documented_miner_playbook_compiles_and_triggers_on_the_bundled_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/response.md")).unwrap();
    let block = doc
        .split("<!-- playbook -->\n```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the playbook block in docs/response.md");
    let rule =
        std::fs::read_to_string(root.join("rules/ray/job-entrypoint-cryptominer.yml")).unwrap();
    let rule_id = rule
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .expect("the rule's id")
        .trim();
    assert!(
        block.contains(rule_id),
        "the playbook names the bundled rule's id"
    );
    let dir = tempfile::tempdir().unwrap();
    let r = responder(dir.path(), &format!("[response]\n{block}"));
    let miner = alert(
        "m1",
        &[
            ("rule_id", rule_id),
            ("rule", "Ray job runs a cryptocurrency miner"),
            ("level", "critical"),
            ("host", "gpu-node-3"),
            ("ray.job.submission_id", "raysubmit_x1"),
        ],
    );
    let runs = r.on_alert(&miner, t0()).unwrap();
    let states: Vec<_> = runs.iter().map(|x| (x.action.as_str(), x.state)).collect();
    assert_eq!(
        states,
        [
            ("stop-miner-job", RunState::Queued),
            ("notify-miner", RunState::Queued),
            ("verbose-miner-node", RunState::Queued),
        ]
    );
    match &runs[0].rendered {
        Some(sightline_respond::Rendered::RayStopJob { url, .. }) => assert_eq!(
            url,
            "http://ray-head.internal:8265/api/jobs/raysubmit_x1/stop"
        ),
        other => panic!("{other:?}"),
    }
    assert!(r.on_alert(&alert("other", &[]), t0()).unwrap().is_empty());
}

#[test]
fn webhooks_follow_no_redirect_and_give_up_at_their_timeout() {
    use axum::response::IntoResponse;
    let log: Log = Arc::default();
    let l = log.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let l = l.clone();
        async move {
            let seen = record(&l, req).await;
            if seen.uri == "/slow" {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
            (
                axum::http::StatusCode::TEMPORARY_REDIRECT,
                [("location", "http://10.255.255.1/elsewhere")],
            )
                .into_response()
        }
    });
    let (base, _rt) = serve(app);
    let dir = tempfile::tempdir().unwrap();
    let r = responder(
        dir.path(),
        &format!(
            r#"
[[response.action]]
name = "moved"
type = "webhook"
rules = ["r1"]
dry_run = false
url = "{base}/moved"

[[response.action]]
name = "slow"
type = "webhook"
rules = ["r1"]
dry_run = false
timeout = "200ms"
url = "{base}/slow"
"#
        ),
    );
    r.on_alert(&alert("a", &[]), t0()).unwrap();
    let done = r.execute_due(t0()).unwrap();
    let moved = done.iter().find(|x| x.action == "moved").unwrap();
    assert_eq!(
        (moved.state, moved.http_status),
        (RunState::Failed, Some(307))
    );
    let slow = done.iter().find(|x| x.action == "slow").unwrap();
    assert_eq!(slow.state, RunState::TimedOut, "{slow:#?}");
    let uris: Vec<String> = log.lock().unwrap().iter().map(|s| s.uri.clone()).collect();
    assert_eq!(uris.len(), 2, "no request followed the redirect: {uris:?}");
}
