//! Executing a rendered run: a child process without a shell, or an HTTP
//! request, each bounded by the action's timeout.

use crate::model::{Rendered, RunState};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The only environment a command gets (plus the run's own variables).
const SAFE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// How an execution ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub state: RunState,
    pub exit_code: Option<i32>,
    pub http_status: Option<u16>,
    pub output: String,
    pub note: Option<String>,
    pub elapsed: Duration,
}

impl Outcome {
    fn failed(note: String, elapsed: Duration) -> Outcome {
        Outcome {
            state: RunState::Failed,
            exit_code: None,
            http_status: None,
            output: String::new(),
            note: Some(note),
            elapsed,
        }
    }
}

/// Secrets and limits that are not part of the rendered run.
pub struct ExecParams<'a> {
    pub timeout: Duration,
    pub max_output: usize,
    pub secret_file: Option<&'a Path>,
    pub token_file: Option<&'a Path>,
    pub run_id: i64,
    pub alert_id: &'a str,
    pub client: &'a reqwest::blocking::Client,
}

pub fn execute(r: &Rendered, p: &ExecParams) -> Outcome {
    let start = Instant::now();
    match r {
        Rendered::Command { argv, working_dir } => run_command(argv, working_dir, p, start),
        Rendered::Webhook { method, url, body } => webhook(method, url, body.as_ref(), p, start),
        Rendered::RayStopJob { url, job_id } => ray_stop(url, job_id, p, start),
        // Stored by the responder itself; nothing to execute here.
        Rendered::RaiseVerbosity { .. } => Outcome {
            state: RunState::Succeeded,
            exit_code: None,
            http_status: None,
            output: String::new(),
            note: None,
            elapsed: start.elapsed(),
        },
    }
}

fn run_command(argv: &[String], dir: &str, p: &ExecParams, start: Instant) -> Outcome {
    use std::os::unix::process::CommandExt;
    let Some((program, args)) = argv.split_first() else {
        return Outcome::failed("empty argv".into(), start.elapsed());
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", SAFE_PATH)
        .env("LANG", "C.UTF-8")
        .env("SIGHTLINE_RUN_ID", p.run_id.to_string())
        .env("SIGHTLINE_ALERT_ID", p.alert_id)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills what it started too.
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::failed(format!("cannot start {program}: {e}"), start.elapsed()),
    };
    let max = p.max_output;
    let out = child
        .stdout
        .take()
        .map(|s| thread::spawn(move || capture(s, max)));
    let err = child
        .stderr
        .take()
        .map(|s| thread::spawn(move || capture(s, max)));
    let deadline = start + p.timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                kill_group(child.id());
                break child.wait().ok();
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    // Whatever the command left behind in its group dies with it: a
    // background child would otherwise hold the pipes (and this thread) open.
    kill_group(child.id());
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    let mut output = String::new();
    if !stdout.is_empty() {
        output.push_str("stdout:\n");
        output.push_str(&stdout);
    }
    if !stderr.is_empty() {
        if !output.is_empty() && !output.ends_with('\n') {
            output.push('\n');
        }
        output.push_str("stderr:\n");
        output.push_str(&stderr);
    }
    let exit_code = status.and_then(|s| s.code());
    let (state, note) = if timed_out {
        (
            RunState::TimedOut,
            Some(format!("killed after {:?}", p.timeout)),
        )
    } else if status.is_some_and(|s| s.success()) {
        (RunState::Succeeded, None)
    } else {
        (
            RunState::Failed,
            Some(match exit_code {
                Some(c) => format!("exited with status {c}"),
                None => "killed by a signal".into(),
            }),
        )
    };
    Outcome {
        state,
        exit_code,
        http_status: None,
        output,
        note,
        elapsed: start.elapsed(),
    }
}

fn kill_group(pid: u32) {
    // SAFETY: kill(2) with a negative pid signals the process group the
    // child leads (process_group(0) above); it touches no memory of ours.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
}

/// Keeps the first `max` bytes, reads (and drops) the rest so the child
/// never blocks on a full pipe.
fn capture(mut r: impl Read, max: usize) -> String {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    let mut dropped = 0usize;
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = max.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                dropped += n.saturating_sub(room);
            }
        }
    }
    truncated(&kept, dropped)
}

fn truncated(kept: &[u8], dropped: usize) -> String {
    let mut s = String::from_utf8_lossy(kept).into_owned();
    if dropped > 0 {
        s.push_str(&format!("\n[{dropped} more bytes not kept]"));
    }
    s
}

fn read_secret(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn hmac_hex(key: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
    ring::hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads at most `max` bytes of a response body.
fn body_text(resp: reqwest::blocking::Response, max: usize) -> String {
    let mut kept = Vec::new();
    let mut limited = resp.take(max as u64 + 1);
    let _ = limited.read_to_end(&mut kept);
    let more = kept.len() > max;
    kept.truncate(max);
    let mut s = String::from_utf8_lossy(&kept).into_owned();
    if more {
        s.push_str("\n[truncated]");
    }
    s
}

fn webhook(
    method: &str,
    url: &str,
    body: Option<&serde_json::Value>,
    p: &ExecParams,
    start: Instant,
) -> Outcome {
    let Ok(method) = method.parse::<reqwest::Method>() else {
        return Outcome::failed(format!("bad method {method}"), start.elapsed());
    };
    let mut req = p
        .client
        .request(method, url)
        .timeout(p.timeout)
        .header("X-Sightline-Run", p.run_id.to_string());
    if let Some(body) = body {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        if let Some(path) = p.secret_file {
            match read_secret(path) {
                Ok(key) => {
                    req = req.header(
                        "X-Sightline-Signature",
                        format!("sha256={}", hmac_hex(&key, &bytes)),
                    )
                }
                Err(e) => return Outcome::failed(e, start.elapsed()),
            }
        }
        req = req.header("Content-Type", "application/json").body(bytes);
    }
    http_outcome(req.send(), p, start, |_| None)
}

fn ray_stop(url: &str, job_id: &str, p: &ExecParams, start: Instant) -> Outcome {
    let mut req = p.client.post(url).timeout(p.timeout);
    if let Some(path) = p.token_file {
        match read_secret(path) {
            Ok(token) => req = req.bearer_auth(token),
            Err(e) => return Outcome::failed(e, start.elapsed()),
        }
    }
    http_outcome(req.send(), p, start, |(status, body)| {
        if status == 404 {
            return Some(format!("Ray knows no job {job_id:?}"));
        }
        if status == 200 {
            // `{"stopped": false}`: the job had already ended.
            let stopped = serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v.get("stopped").and_then(|s| s.as_bool()));
            return match stopped {
                Some(true) => None,
                Some(false) => Some("Ray did not stop the job: it had already ended".into()),
                None => Some("the reply has no \"stopped\" field".into()),
            };
        }
        None
    })
}

/// 2xx is success unless `judge` finds a problem in the status and body.
fn http_outcome(
    sent: reqwest::Result<reqwest::blocking::Response>,
    p: &ExecParams,
    start: Instant,
    judge: impl Fn((u16, &str)) -> Option<String>,
) -> Outcome {
    match sent {
        Ok(resp) => {
            let status = resp.status();
            let body = body_text(resp, p.max_output);
            let problem = judge((status.as_u16(), &body));
            let ok = status.is_success() && problem.is_none();
            Outcome {
                state: if ok {
                    RunState::Succeeded
                } else {
                    RunState::Failed
                },
                exit_code: None,
                http_status: Some(status.as_u16()),
                output: body,
                note: problem.or_else(|| (!ok).then(|| format!("HTTP {status}"))),
                elapsed: start.elapsed(),
            }
        }
        Err(e) if e.is_timeout() => Outcome {
            state: RunState::TimedOut,
            note: Some(format!("no reply within {:?}", p.timeout)),
            ..Outcome::failed(String::new(), start.elapsed())
        },
        Err(e) => Outcome::failed(format!("request failed: {e}"), start.elapsed()),
    }
}
