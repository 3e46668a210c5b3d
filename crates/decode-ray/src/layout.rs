//! What a file of a Ray session's `logs/` directory is, from its name alone.
//!
//! Ray names every log file after the component that writes it (ray-logs.md
//! §3), and the name decides three things: the dataset, how records span lines
//! (the [`Mode`]) and the context that the name itself carries (job,
//! submission, worker ids and pid).

use sightline_decode::DecodeOptions;
use std::path::Path;

/// How records of a stream span physical lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A component log: every line that does not start a record (a C++ or
    /// Python header) continues the previous one (state dumps, tracebacks,
    /// autoscaler status blocks).
    Log,
    /// Raw process output (worker stdout/stderr, job entrypoint output,
    /// component `.out`/`.err`): one line per record, except Python
    /// tracebacks and indented continuation lines.
    Output,
    /// One JSON object per line (events, export events).
    Json,
    /// The whole file is one record (`debug_state.txt`, rewritten in place).
    Whole,
    /// A file we do not know by name: header records absorb the lines that
    /// follow them as in [`Mode::Log`], other lines are read as in
    /// [`Mode::Output`].
    Mixed,
}

/// Which component wrote a file, with the context its name carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Gcs,
    Raylet,
    /// `python-core-driver-<worker id>_<pid>.log` / `python-core-worker-...`.
    CoreWorker {
        driver: bool,
        worker_id: Option<String>,
        pid: Option<u32>,
    },
    /// `dashboard.log` and the `dashboard_<Module>.log` subprocess modules.
    Dashboard,
    DashboardAgent,
    RuntimeEnvAgent,
    /// `runtime_env_setup-<job id>.log`.
    RuntimeEnvSetup {
        job_id: Option<String>,
    },
    /// `monitor.*`: the autoscaler monitor.
    Monitor,
    LogMonitor,
    ClientServer,
    /// `job-driver-<submission id>.log`.
    JobDriver {
        submission_id: String,
    },
    /// `jobs/supervisor-<submission id>.log`.
    Supervisor {
        submission_id: String,
    },
    /// `worker-<worker id>-<job id>-<pid>.out|.err`.
    Worker {
        worker_id: Option<String>,
        job_id: Option<String>,
        pid: Option<u32>,
    },
    /// `events/event_<SOURCE>.log` and `export_events/event_EXPORT_<TYPE>.log`.
    Events {
        source: String,
    },
    /// `debug_state.txt` (raylet) / `debug_state_gcs.txt`.
    DebugState {
        gcs: bool,
    },
    /// Ray Serve component logs (`serve/controller_<pid>.log`, ...).
    Serve,
    Unknown,
}

/// Everything the file name tells.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub kind: Kind,
    pub mode: Mode,
    /// `event.dataset`; for [`Kind::Unknown`] it is chosen per record.
    pub dataset: &'static str,
    /// `service.name`: the component, named as the file names it.
    pub service: Option<String>,
    /// The file lies in a Ray session directory (`session_*/logs/`).
    pub in_session: bool,
    /// The file lies in a folder named `logs`.
    pub in_logs: bool,
}

impl FileInfo {
    pub fn unknown() -> Self {
        FileInfo {
            kind: Kind::Unknown,
            mode: Mode::Mixed,
            dataset: "ray.log",
            service: None,
            in_session: false,
            in_logs: false,
        }
    }
}

/// Strips a rotation suffix: `raylet.out.1` → `raylet.out` (the suffix goes
/// after the extension, ray-logs.md §4.9).
pub fn strip_rotation(name: &str) -> &str {
    if let Some((base, n)) = name.rsplit_once('.')
        && !n.is_empty()
        && n.len() <= 4
        && n.bytes().all(|b| b.is_ascii_digit())
        && (base.ends_with(".log")
            || base.ends_with(".out")
            || base.ends_with(".err")
            || base.ends_with(".txt"))
    {
        return base;
    }
    name
}

fn name_of(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Whether `path` lies under a Ray session's log directory (`session_*/logs/`).
pub fn in_session_dir(path: &Path) -> bool {
    path.ancestors().skip(1).any(|a| {
        name_of(a) == "logs"
            && a.parent()
                .is_some_and(|p| name_of(p).starts_with("session_"))
    })
}

/// Whether `path` lies in a directory named `logs` (directly, or in its
/// `events/`, `export_events/`, `jobs/` or `serve/` subdirectory), as a
/// copied session's log folder does.
pub fn in_logs_dir(path: &Path) -> bool {
    path.ancestors()
        .skip(1)
        .take(2)
        .any(|a| name_of(a) == "logs")
}

/// Classifies a file from its path.
pub fn classify(path: Option<&Path>) -> FileInfo {
    let Some(path) = path else {
        return FileInfo::unknown();
    };
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return FileInfo::unknown();
    };
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let in_session = in_session_dir(path);
    let in_logs = in_logs_dir(path);
    let name = strip_rotation(name);
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) => (s, e),
        None => (name, ""),
    };
    let Some((kind, mode)) = kind_of(stem, ext, parent) else {
        return FileInfo {
            in_session,
            in_logs,
            ..FileInfo::unknown()
        };
    };
    let dataset = dataset_of(&kind);
    let service = service_of(&kind, stem);
    FileInfo {
        kind,
        mode,
        dataset,
        service,
        in_session,
        in_logs,
    }
}

/// Python components write Python logging to `.log` and raw stdout/stderr to `.out`/`.err`.
fn py_mode(ext: &str) -> Mode {
    if ext == "log" {
        Mode::Log
    } else {
        Mode::Output
    }
}

fn is_log_ext(ext: &str) -> bool {
    matches!(ext, "log" | "out" | "err")
}

fn kind_of(stem: &str, ext: &str, parent: &str) -> Option<(Kind, Mode)> {
    if ext == "txt" {
        return match stem {
            "debug_state" => Some((Kind::DebugState { gcs: false }, Mode::Whole)),
            "debug_state_gcs" => Some((Kind::DebugState { gcs: true }, Mode::Whole)),
            _ => None,
        };
    }
    if !is_log_ext(ext) {
        return None;
    }
    if ext == "log"
        && (parent == "events" || parent == "export_events")
        && let Some(source) = stem.strip_prefix("event_")
    {
        return Some((
            Kind::Events {
                source: source.to_owned(),
            },
            Mode::Json,
        ));
    }
    if parent == "serve" && ext == "log" {
        return Some((Kind::Serve, Mode::Log));
    }
    let kind = match stem {
        "gcs_server" => return Some((Kind::Gcs, Mode::Log)),
        "raylet" => return Some((Kind::Raylet, Mode::Log)),
        "dashboard" => Kind::Dashboard,
        "dashboard_agent" => Kind::DashboardAgent,
        "runtime_env_agent" => Kind::RuntimeEnvAgent,
        "monitor" => Kind::Monitor,
        "log_monitor" => Kind::LogMonitor,
        "ray_client_server" => Kind::ClientServer,
        _ => return kind_by_prefix(stem, ext, parent),
    };
    Some((kind, py_mode(ext)))
}

fn kind_by_prefix(stem: &str, ext: &str, parent: &str) -> Option<(Kind, Mode)> {
    if let Some(rest) = stem
        .strip_prefix("python-core-driver-")
        .or_else(|| stem.strip_prefix("core-driver-"))
    {
        let (worker_id, pid) = split_id_pid(rest);
        return Some((
            Kind::CoreWorker {
                driver: true,
                worker_id,
                pid,
            },
            Mode::Log,
        ));
    }
    if let Some(rest) = stem
        .strip_prefix("python-core-worker-")
        .or_else(|| stem.strip_prefix("core-worker-"))
    {
        let (worker_id, pid) = split_id_pid(rest);
        return Some((
            Kind::CoreWorker {
                driver: false,
                worker_id,
                pid,
            },
            Mode::Log,
        ));
    }
    if let Some(sid) = stem.strip_prefix("job-driver-")
        && ext == "log"
        && !sid.is_empty()
    {
        return Some((
            Kind::JobDriver {
                submission_id: sid.to_owned(),
            },
            Mode::Output,
        ));
    }
    if let Some(sid) = stem.strip_prefix("supervisor-")
        && ext == "log"
        && !sid.is_empty()
        && (parent == "jobs" || parent == "logs")
    {
        return Some((
            Kind::Supervisor {
                submission_id: sid.to_owned(),
            },
            Mode::Log,
        ));
    }
    if let Some(rest) = stem.strip_prefix("worker-")
        && (ext == "out" || ext == "err")
    {
        return Some((worker_kind(rest), Mode::Output));
    }
    if let Some(rest) = stem.strip_prefix("runtime_env_setup-") {
        let job_id = is_job_id(rest).then(|| rest.to_owned());
        return Some((Kind::RuntimeEnvSetup { job_id }, Mode::Log));
    }
    if stem.starts_with("ray_client_server_") {
        return Some((Kind::ClientServer, py_mode(ext)));
    }
    if stem.starts_with("dashboard_") {
        return Some((Kind::Dashboard, py_mode(ext)));
    }
    if stem.starts_with("raylet_") {
        return Some((Kind::Raylet, Mode::Log));
    }
    None
}

/// When the worker whose stdout/stderr is `path` started: the first header
/// time of its core-worker log beside it (`<lang>-core-worker-<worker
/// id>_<pid>.log`). A worker's `.out`/`.err` lines carry no time of their
/// own; they were written after this.
pub fn worker_start(path: &Path, options: &DecodeOptions) -> Option<jiff::Timestamp> {
    use std::io::Read;
    let Kind::Worker {
        worker_id: Some(worker),
        pid: Some(pid),
        ..
    } = classify(Some(path)).kind
    else {
        return None;
    };
    let dir = path.parent()?;
    for lang in ["python", "java", "cpp"] {
        let log = dir.join(format!("{lang}-core-worker-{worker}_{pid}.log"));
        let Ok(file) = std::fs::File::open(&log) else {
            continue;
        };
        let mut head = Vec::with_capacity(8192);
        file.take(8192).read_to_end(&mut head).ok()?;
        let text = String::from_utf8_lossy(&head);
        return text
            .lines()
            .find_map(crate::header::parse_cpp)
            .and_then(|h| sightline_decode::helpers::parse_local_datetime(h.ts, options));
    }
    None
}

/// `<worker id>-<job id>-<pid>` (2.x) or `<worker id>-<pid>` (older releases).
fn worker_kind(rest: &str) -> Kind {
    let parts: Vec<&str> = rest.split('-').collect();
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    let pid = parts.last().and_then(|p| p.parse::<u32>().ok());
    let worker_id = parts.first().filter(|w| hex(w)).map(|w| (*w).to_owned());
    // `ffffffff`: a prestarted worker not yet bound to a job (§3).
    let job_id = match parts.as_slice() {
        [_, job, _] if is_job_id(job) && !job.eq_ignore_ascii_case("ffffffff") => {
            Some((*job).to_owned())
        }
        _ => None,
    };
    Kind::Worker {
        worker_id,
        job_id,
        pid,
    }
}

/// `<hex id>_<pid>`.
fn split_id_pid(rest: &str) -> (Option<String>, Option<u32>) {
    match rest.rsplit_once('_') {
        Some((id, pid)) => (
            (!id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_owned()),
            pid.parse().ok(),
        ),
        None => (None, None),
    }
}

/// A Ray job id: 8 hex digits.
pub fn is_job_id(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn dataset_of(kind: &Kind) -> &'static str {
    match kind {
        Kind::Gcs | Kind::DebugState { gcs: true } => "ray.gcs",
        Kind::Raylet | Kind::DebugState { gcs: false } => "ray.raylet",
        Kind::CoreWorker { .. } => "ray.core_worker",
        Kind::Dashboard => "ray.dashboard",
        Kind::DashboardAgent | Kind::RuntimeEnvAgent | Kind::RuntimeEnvSetup { .. } => "ray.agent",
        Kind::Monitor => "ray.autoscaler",
        Kind::LogMonitor => "ray.log_monitor",
        Kind::ClientServer => "ray.client",
        Kind::JobDriver { .. } | Kind::Supervisor { .. } => "ray.job",
        Kind::Worker { .. } => "ray.worker",
        Kind::Events { .. } => "ray.event",
        Kind::Serve => "ray.serve",
        Kind::Unknown => "ray.log",
    }
}

fn service_of(kind: &Kind, stem: &str) -> Option<String> {
    let s = match kind {
        Kind::Gcs => "gcs_server",
        Kind::Raylet | Kind::DebugState { gcs: false } => "raylet",
        Kind::DebugState { gcs: true } => "gcs_server",
        Kind::CoreWorker { driver: true, .. } => "core_driver",
        Kind::CoreWorker { driver: false, .. } => "core_worker",
        Kind::Dashboard
        | Kind::DashboardAgent
        | Kind::RuntimeEnvAgent
        | Kind::LogMonitor
        | Kind::ClientServer => {
            return Some(stem.to_owned());
        }
        Kind::RuntimeEnvSetup { .. } => "runtime_env_agent",
        Kind::Monitor => "autoscaler",
        Kind::JobDriver { .. } => "job_driver",
        Kind::Supervisor { .. } => "job_supervisor",
        Kind::Worker { .. } => "worker",
        Kind::Serve => "serve",
        Kind::Events { .. } | Kind::Unknown => return None,
    };
    Some(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(p: &str) -> FileInfo {
        classify(Some(Path::new(p)))
    }

    #[test]
    fn names_of_a_session() {
        let l = "/tmp/ray/session_2026-11-22_12-37-06_990969_7821/logs/";
        let f = c(&format!("{l}gcs_server.out"));
        assert_eq!(
            (f.kind, f.mode, f.dataset, f.in_session),
            (Kind::Gcs, Mode::Log, "ray.gcs", true)
        );
        assert_eq!(c(&format!("{l}raylet.out.2")).kind, Kind::Raylet);
        assert_eq!(
            c(&format!("{l}dashboard_JobHead.log")).service.as_deref(),
            Some("dashboard_JobHead")
        );
        assert_eq!(c(&format!("{l}dashboard.err")).mode, Mode::Output);
        assert_eq!(c(&format!("{l}dashboard_agent.log")).dataset, "ray.agent");
        let w = c(&format!(
            "{l}worker-cd2e6bf90017ab13451acb43bb8dbb6773fd2910fc85f2b4580a5b90-05000000-15359.out"
        ));
        assert_eq!(
            w.kind,
            Kind::Worker {
                worker_id: Some("cd2e6bf90017ab13451acb43bb8dbb6773fd2910fc85f2b4580a5b90".into()),
                job_id: Some("05000000".into()),
                pid: Some(15359)
            }
        );
        let w = c(&format!(
            "{l}worker-8f41bbda3d038c8ba6992b929e9df31124612bd98c3e8a3b6f98beb3-ffffffff-8339.err"
        ));
        assert!(matches!(
            w.kind,
            Kind::Worker {
                job_id: None,
                pid: Some(8339),
                ..
            }
        ));
        let j = c(&format!("{l}job-driver-raysubmit_7RZqETtwsLv2wH2A.log"));
        assert_eq!(
            j.kind,
            Kind::JobDriver {
                submission_id: "raysubmit_7RZqETtwsLv2wH2A".into()
            }
        );
        assert_eq!(j.mode, Mode::Output);
        assert_eq!(
            c(&format!("{l}jobs/supervisor-burst_dev_1.log")).kind,
            Kind::Supervisor {
                submission_id: "burst_dev_1".into()
            }
        );
        assert_eq!(c(&format!("{l}events/event_JOBS.log")).mode, Mode::Json);
        assert_eq!(
            c(&format!("{l}export_events/event_EXPORT_NODE.log")).kind,
            Kind::Events {
                source: "EXPORT_NODE".into()
            }
        );
        let d = c(&format!(
            "{l}python-core-driver-01000000ffffffffffffffffffffffffffffffffffffffffffffffff_8280.log"
        ));
        assert!(matches!(
            d.kind,
            Kind::CoreWorker {
                driver: true,
                pid: Some(8280),
                ..
            }
        ));
        assert_eq!(c(&format!("{l}debug_state.txt")).mode, Mode::Whole);
        assert_eq!(
            c(&format!("{l}runtime_env_setup-02000000.log")).kind,
            Kind::RuntimeEnvSetup {
                job_id: Some("02000000".into())
            }
        );
        assert_eq!(c(&format!("{l}monitor.log")).dataset, "ray.autoscaler");
    }

    #[test]
    fn unknown_names() {
        assert_eq!(c("/var/log/syslog").kind, Kind::Unknown);
        assert_eq!(c("/x/notes.txt").kind, Kind::Unknown);
        assert_eq!(classify(None).kind, Kind::Unknown);
        assert_eq!(strip_rotation("raylet.out.1"), "raylet.out");
        assert_eq!(strip_rotation("x.1"), "x.1");
        assert_eq!(
            c("/x/worker-.out").kind,
            Kind::Worker {
                worker_id: None,
                job_id: None,
                pid: None
            }
        );
    }

    #[test]
    fn worker_output_borrows_the_core_worker_start_time() {
        let dir = tempfile::tempdir().unwrap();
        let wid = "cd2e6bf90017ab13451acb43bb8dbb6773fd2910fc85f2b4580a5b90";
        let out = dir.path().join(format!("worker-{wid}-05000000-4242.out"));
        std::fs::write(&out, ":task_name:t\nhello\n").unwrap();
        let opts = DecodeOptions::default();
        assert_eq!(worker_start(&out, &opts), None, "no core-worker log yet");
        std::fs::write(
            dir.path().join(format!("python-core-worker-{wid}_4242.log")),
            "garbage first\n[2026-11-22 12:39:00,288 I 4242 4242] core_worker_process.cc:872: Constructing CoreWorkerProcess. pid: 4242\n",
        )
        .unwrap();
        assert_eq!(
            worker_start(&out, &opts).map(|t| t.to_string()),
            Some("2026-11-22T12:39:00.288Z".to_owned())
        );
        // Another worker's pid, or a file that is not worker output: nothing.
        let other = dir.path().join(format!("worker-{wid}-05000000-4243.out"));
        assert_eq!(worker_start(&other, &opts), None);
        assert_eq!(worker_start(&dir.path().join("raylet.out"), &opts), None);
    }
}
