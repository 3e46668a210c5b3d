//! File naming conventions: glog's per-severity log files and their
//! `<program>.<SEVERITY>` links, and the agent's task sandboxes.

use std::path::Path;

/// A glog severity, ordered so that a file of one severity holds every line
/// of the files of higher severities of the same process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
    Fatal,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "INFO" => Some(Severity::Info),
            "WARNING" => Some(Severity::Warning),
            "ERROR" => Some(Severity::Error),
            "FATAL" => Some(Severity::Fatal),
            _ => None,
        }
    }
}

/// `<program>.<host>.<user>.log.<SEVERITY>.<YYYYMMDD>-<HHMMSS>.<pid>`, as glog
/// names the files it creates under `--log_dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlogFileName<'a> {
    pub program: &'a str,
    pub host: &'a str,
    pub user: &'a str,
    pub severity: Severity,
    pub year: i16,
    pub month: i8,
    pub day: i8,
    pub pid: u32,
}

impl GlogFileName<'_> {
    /// Whether both files were written by the same process run.
    pub fn same_process(&self, other: &GlogFileName<'_>) -> bool {
        self.program == other.program
            && self.host == other.host
            && self.user == other.user
            && self.pid == other.pid
    }
}

/// Parses a glog file name. The host may contain dots (an FQDN), so the name
/// is read from both ends.
pub fn parse_glog_name(name: &str) -> Option<GlogFileName<'_>> {
    let (head, tail) = name.rsplit_once(".log.")?;
    let mut parts = tail.split('.');
    let severity = Severity::parse(parts.next()?)?;
    let stamp = parts.next()?;
    let pid: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let (date, time) = stamp.split_once('-')?;
    if date.len() != 8
        || time.len() != 6
        || !date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let year = date.get(0..4)?.parse().ok()?;
    let month = date.get(4..6)?.parse().ok()?;
    let day = date.get(6..8)?.parse().ok()?;
    let (program, rest) = head.split_once('.')?;
    let (host, user) = rest.rsplit_once('.')?;
    if program.is_empty() || host.is_empty() || user.is_empty() {
        return None;
    }
    Some(GlogFileName {
        program,
        host,
        user,
        severity,
        year,
        month,
        day,
        pid,
    })
}

/// `<program>.<SEVERITY>`: the link glog keeps to the newest file of a severity.
pub fn parse_link_name(name: &str) -> Option<(&str, Severity)> {
    let (program, sev) = name.rsplit_once('.')?;
    let sev = Severity::parse(sev)?;
    (!program.is_empty() && !program.contains('.')).then_some((program, sev))
}

/// Whether a glog program name is one of Mesos's daemons.
pub fn is_mesos_program(program: &str) -> bool {
    program.starts_with("mesos-") || program == "mesos"
}

/// Which daemon a program name is.
pub fn program_role(program: &str) -> Option<crate::stream::Role> {
    use crate::stream::Role;
    match program {
        "mesos-master" => Some(Role::Master),
        "mesos-agent" | "mesos-slave" => Some(Role::Agent),
        "mesos-executor" | "mesos-fetcher" | "mesos-docker-executor" | "mesos-default-executor" => {
            Some(Role::Task)
        }
        _ => None,
    }
}

/// The identifiers a task sandbox path carries:
/// `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>/{stdout,stderr}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SandboxPath {
    pub agent_id: String,
    pub framework_id: String,
    pub executor_id: String,
    /// `None` for the `runs/latest` link.
    pub container_id: Option<String>,
    /// Set for the tasks of a task group (`.../runs/<c>/tasks/<task>/stdout`).
    pub task_id: Option<String>,
    /// `stdout` or `stderr`.
    pub stream: &'static str,
}

/// Recognizes a sandbox output file (`stdout`, `stderr`, or a rotated
/// `stdout.1` of the logrotate container logger).
pub fn parse_sandbox_path(path: &Path) -> Option<SandboxPath> {
    let comps: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let file = *comps.last()?;
    let stream = match file.split_once('.') {
        None => file,
        Some((base, n)) if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => base,
        Some(_) => return None,
    };
    let stream = match stream {
        "stdout" => "stdout",
        "stderr" => "stderr",
        _ => return None,
    };
    // The last `slaves/` whose layout continues as expected.
    let start = (0..comps.len()).rev().find(|&i| {
        comps.get(i) == Some(&"slaves")
            && comps.get(i + 2) == Some(&"frameworks")
            && comps.get(i + 4) == Some(&"executors")
            && comps.get(i + 6) == Some(&"runs")
    })?;
    let get = |k: usize| comps.get(start + k).map(|s| (*s).to_owned());
    let container = get(7)?;
    // Between the container and the file: nothing, or `tasks/<id>` (task
    // groups), or `containers/<id>` (nested containers).
    let inner = comps.get(start + 8..comps.len() - 1)?;
    let mut task_id = None;
    let mut nested = None;
    for pair in inner.chunks(2) {
        match pair {
            ["tasks", t] => task_id = Some((*t).to_owned()),
            ["containers", c] => nested = Some((*c).to_owned()),
            _ => return None,
        }
    }
    let container_id = nested.or((container != "latest").then_some(container));
    Some(SandboxPath {
        agent_id: get(1)?,
        framework_id: get(3)?,
        executor_id: get(5)?,
        container_id,
        task_id,
        stream,
    })
}

/// The file a glog link name stands for: the symlink's target, or the name a
/// copied-out link holds as its only content (some archivers and `git` store
/// a symlink as a small file holding the target's name).
pub fn link_target(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        return symlink_target(path);
    }
    stub_target(path)
}

fn symlink_target(path: &Path) -> Option<String> {
    let target = std::fs::read_link(path).ok()?;
    target.file_name()?.to_str().map(str::to_owned)
}

/// The target named by a link stub: a small regular file whose whole content
/// is one glog file name.
pub fn stub_target(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 512 {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let name = text.trim();
    let base = name.rsplit('/').next()?;
    parse_glog_name(base).map(|_| base.to_owned())
}

/// Whether discovery can skip `path` because other files among `all` already
/// hold its lines. Only ever true when another file in the same directory
/// holds them, so the only copy of a log is never hidden:
/// - a WARNING/ERROR/FATAL file when a lower-severity file of the same
///   process is present (glog writes every line to each file at or below
///   its severity);
/// - a `<program>.<SEVERITY>` link or link stub whose target is present, or
///   whose target is covered by the rule above;
/// - a plain copy of the newest file under the link's name (`cp -L`) when the
///   original is present with the same size and content.
pub fn redundant(path: &Path, all: &[std::path::PathBuf]) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let dir = path.parent();
    // The same directory, however the paths were spelled (`d/x`, `./d/y`).
    let canon_dir = std::sync::OnceLock::new();
    let same_dir = move |p: &Path| {
        p.parent() == dir || {
            let mine = canon_dir.get_or_init(|| dir.and_then(|d| std::fs::canonicalize(d).ok()));
            mine.is_some() && p.parent().and_then(|d| std::fs::canonicalize(d).ok()) == *mine
        }
    };
    // Names are compared first: the directory check may cost a syscall.
    let others = || all.iter().filter(|p| p.as_path() != path);
    if let Some(g) = parse_glog_name(name) {
        return g.severity > Severity::Info && covered_by_sibling(&g, others(), true, &same_dir);
    }
    let Some((program, _)) = parse_link_name(name) else {
        return false;
    };
    if !is_mesos_program(program)
        && std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_symlink())
    {
        // A regular file under a link name of another program: not ours to judge.
        return stub_target(path)
            .is_some_and(|t| others().any(|p| file_name(p) == Some(t.as_str()) && same_dir(p)));
    }
    if let Some(target) = link_target(path) {
        if others().any(|p| file_name(p) == Some(target.as_str()) && same_dir(p)) {
            return true;
        }
        return parse_glog_name(&target)
            .is_some_and(|g| covered_by_sibling(&g, others(), false, &same_dir));
    }
    // A regular file under the link's name that is not a stub: a copy of one
    // of the timestamped files, if one matches it byte for byte.
    others().any(|p| {
        file_name(p).and_then(parse_glog_name).is_some() && same_dir(p) && same_content(path, p)
    })
}

fn file_name(p: &Path) -> Option<&str> {
    p.file_name().and_then(|n| n.to_str())
}

/// Whether a file of the same process in the same directory holds the lines of `g`:
/// strictly lower severity (when `strict`), or lower-or-equal.
fn covered_by_sibling<'a>(
    g: &GlogFileName<'_>,
    mut others: impl Iterator<Item = &'a std::path::PathBuf>,
    strict: bool,
    same_dir: &dyn Fn(&Path) -> bool,
) -> bool {
    others.any(|p| {
        let own;
        let other_name = match file_name(p) {
            Some(n) if parse_glog_name(n).is_some() => n,
            // Only a real symlink holds its target's lines; a stub holds a name.
            Some(n) if parse_link_name(n).is_some() => match symlink_target(p) {
                Some(t) => {
                    own = t;
                    own.as_str()
                }
                None => return false,
            },
            _ => return false,
        };
        parse_glog_name(other_name).is_some_and(|o| {
            o.same_process(g)
                && if strict {
                    o.severity < g.severity
                } else {
                    o.severity <= g.severity
                }
        }) && same_dir(p)
    })
}

/// Same length and same bytes (compared in full only when lengths agree).
fn same_content(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    if ma.len() != mb.len() || !ma.is_file() || !mb.is_file() {
        return false;
    }
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn glog_names() {
        let g =
            parse_glog_name("mesos-master.mesos-m1.root.log.INFO.20261120-060000.13567").unwrap();
        assert_eq!(
            (g.program, g.host, g.user, g.severity, g.pid),
            ("mesos-master", "mesos-m1", "root", Severity::Info, 13567)
        );
        assert_eq!((g.year, g.month, g.day), (2026, 11, 20));
        let g =
            parse_glog_name("mesos-agent.node1.dc.example.com.root.log.WARNING.20261231-235959.7")
                .unwrap();
        assert_eq!(
            (g.host, g.user, g.severity),
            ("node1.dc.example.com", "root", Severity::Warning)
        );
        for bad in [
            "mesos-master.INFO",
            "x.log.INFO.2026-1.1",
            "a.b.log.INFO.20261120-060000.1",
            "m.h.u.log.DEBUG.20261120-060000.1",
            "m.h.u.log.INFO.20261120-060000.x",
        ] {
            assert!(parse_glog_name(bad).is_none(), "{bad}");
        }
        assert_eq!(
            parse_link_name("mesos-master.WARNING"),
            Some(("mesos-master", Severity::Warning))
        );
        assert_eq!(parse_link_name("syslog.1"), None);
    }

    #[test]
    fn sandbox_paths() {
        let p = Path::new(
            "/var/lib/mesos/slaves/c85990d2-e844-4762-939a-e232588efbce-S1/frameworks/c85990d2-e844-4762-939a-e232588efbce-0000/executors/kworker-sync.1dea343d-62bd-4dbd-a0f4-6220f1828119/runs/3a5db4ca-64be-494c-b6c2-d072e9613994/stdout",
        );
        let s = parse_sandbox_path(p).unwrap();
        assert_eq!(s.agent_id, "c85990d2-e844-4762-939a-e232588efbce-S1");
        assert_eq!(s.framework_id, "c85990d2-e844-4762-939a-e232588efbce-0000");
        assert_eq!(
            s.executor_id,
            "kworker-sync.1dea343d-62bd-4dbd-a0f4-6220f1828119"
        );
        assert_eq!(
            s.container_id.as_deref(),
            Some("3a5db4ca-64be-494c-b6c2-d072e9613994")
        );
        assert_eq!(s.stream, "stdout");
        let s = parse_sandbox_path(Path::new(
            "/w/slaves/A-S1/frameworks/F-0001/executors/e/runs/latest/tasks/t1/stderr.2",
        ))
        .unwrap();
        assert_eq!(
            (s.container_id, s.task_id.as_deref(), s.stream),
            (None, Some("t1"), "stderr")
        );
        assert!(
            parse_sandbox_path(Path::new(
                "/w/slaves/A/frameworks/F/executors/e/runs/c/stdout.logrotate.conf"
            ))
            .is_none()
        );
        assert!(parse_sandbox_path(Path::new("/tmp/stdout")).is_none());
        assert!(
            parse_sandbox_path(Path::new(
                "/w/slaves/A/frameworks/F/executors/e/runs/c/other/stdout"
            ))
            .is_none()
        );
    }

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "sightline-mesos-naming-{tag}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn warning_files_are_redundant_only_next_to_their_info_file() {
        let d = tmpdir("sev");
        let info = d.join("mesos-master.m1.root.log.INFO.20261120-060000.10");
        let warn = d.join("mesos-master.m1.root.log.WARNING.20261120-070000.10");
        let err = d.join("mesos-master.m1.root.log.ERROR.20261120-080000.10");
        let other_run = d.join("mesos-master.m1.root.log.WARNING.20261120-090000.11");
        for p in [&info, &warn, &err, &other_run] {
            std::fs::write(p, "I1120 06:00:00.000000 1 a.cpp:1] x\n").unwrap();
        }
        let all = vec![info.clone(), warn.clone(), err.clone(), other_run.clone()];
        assert!(!redundant(&info, &all));
        // Spelled differently, still the same directory.
        let dotted = d
            .join(".")
            .join("mesos-master.m1.root.log.INFO.20261120-060000.10");
        assert!(redundant(&warn, &[dotted, warn.clone()]));
        assert!(redundant(&warn, &all));
        assert!(redundant(&err, &all));
        assert!(
            !redundant(&other_run, &all),
            "another run's only WARNING copy"
        );
        // Without the INFO file the WARNING file is the only copy; ERROR is still covered by WARNING.
        let some = vec![warn.clone(), err.clone()];
        assert!(!redundant(&warn, &some));
        assert!(redundant(&err, &some));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn links_and_stubs() {
        let d = tmpdir("links");
        let info = d.join("mesos-agent.a1.root.log.INFO.20261120-060000.10");
        let warn = d.join("mesos-agent.a1.root.log.WARNING.20261120-070000.10");
        std::fs::write(&info, "I1120 06:00:00.000000 1 slave.cpp:1] x\n").unwrap();
        std::fs::write(&warn, "W1120 07:00:00.000000 1 slave.cpp:1] x\n").unwrap();
        let stub = d.join("mesos-agent.INFO");
        std::fs::write(&stub, "mesos-agent.a1.root.log.INFO.20261120-060000.10").unwrap();
        let wlink = d.join("mesos-agent.WARNING");
        std::os::unix::fs::symlink("mesos-agent.a1.root.log.WARNING.20261120-070000.10", &wlink)
            .unwrap();
        let copy = d.join("mesos-agent.ERROR");
        std::fs::write(&copy, "W1120 07:00:00.000000 1 slave.cpp:1] x\n").unwrap();
        let all = vec![
            info.clone(),
            warn.clone(),
            stub.clone(),
            wlink.clone(),
            copy.clone(),
        ];
        assert!(redundant(&stub, &all));
        assert!(redundant(&wlink, &all));
        assert!(redundant(&copy, &all), "byte copy of the WARNING file");
        // Only the links given: the INFO stub points at nothing present, and
        // the WARNING link is then the only copy of its lines.
        let links = vec![stub.clone(), wlink.clone()];
        assert!(!redundant(&wlink, &links));
        assert!(!redundant(&stub, &links));
        let _ = std::fs::remove_dir_all(&d);
    }
}
