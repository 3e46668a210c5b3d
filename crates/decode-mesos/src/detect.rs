//! How sure we are that a stream is Mesos's: from glog's file naming and
//! the sandbox layout, else from the content (glog lines written by Mesos
//! source files).

use crate::naming;
use sightline_decode::glog;
use std::path::Path;

/// Source files only Mesos (and its libprocess/ZooKeeper glue) logs from.
const MESOS_SOURCES: &[&str] = &[
    "master.cpp",
    "slave.cpp",
    "hierarchical.cpp",
    "registrar.cpp",
    "status_update_manager_process.hpp",
    "task_status_update_manager.cpp",
    "containerizer.cpp",
    "linux_launcher.cpp",
    "authenticatee.cpp",
    "contender.cpp",
    "detector.cpp",
    "fetcher.cpp",
    "quota_handler.cpp",
    "weights_handler.cpp",
    "registry_operations.cpp",
    "credentials.hpp",
    "sched.cpp",
    "exec.cpp",
];

pub fn score(path: Option<&Path>, sample: &[&str]) -> u8 {
    path.map_or(0, path_score).max(content_score(sample))
}

fn path_score(path: &Path) -> u8 {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if naming::parse_glog_name(name).is_some_and(|g| naming::is_mesos_program(g.program)) {
        return 95;
    }
    if naming::parse_link_name(name).is_some_and(|(p, _)| naming::is_mesos_program(p)) {
        return 90;
    }
    if naming::parse_sandbox_path(path).is_some() {
        return 90;
    }
    0
}

fn content_score(sample: &[&str]) -> u8 {
    let (mut glog_plain, mut glog_year, mut mesos, mut headers, mut stubs, mut other) =
        (0u32, 0u32, 0u32, 0u32, 0u32, 0u32);
    let mut wrapped = 0u32;
    for line in sample {
        let line = line.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with("Log file created at: ")
            || line.starts_with("Running on machine: ")
            || line.starts_with("Log line format: ")
        {
            headers += 1;
        } else if let Some(g) = crate::wrapped::parse(line).and_then(|w| glog::parse(w.body)) {
            // A syslog/journald line of a Mesos daemon.
            wrapped += 1;
            if MESOS_SOURCES.contains(&g.file) {
                mesos += 1;
            }
        } else if let Some(g) = glog::parse(line) {
            if g.year.is_some() {
                glog_year += 1;
            } else {
                glog_plain += 1;
            }
            if MESOS_SOURCES.contains(&g.file) {
                mesos += 1;
            }
        } else if naming::parse_glog_name(line.trim())
            .is_some_and(|g| naming::is_mesos_program(g.program))
        {
            stubs += 1;
        } else {
            other += 1;
        }
    }
    if wrapped > 0 {
        // Only a journal or syslog file mostly of Mesos lines: a shared
        // syslog file with a few of them stays syslog's.
        let lines = wrapped + glog_plain + glog_year + other + stubs;
        return if mesos > 0 && wrapped * 10 >= lines * 6 {
            85
        } else {
            0
        };
    }
    if mesos > 0 {
        return if headers > 0 { 90 } else { 85 };
    }
    if stubs > 0 && glog_plain + glog_year + other == 0 {
        return 70;
    }
    if glog_plain > 0 && glog_plain >= other {
        return if headers > 0 { 50 } else { 40 };
    }
    if glog_year > 0 {
        return 10;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_path() {
        assert_eq!(
            score(
                Some(Path::new(
                    "/var/log/mesos/mesos-master.m1.root.log.INFO.20261120-060000.13567"
                )),
                &[]
            ),
            95
        );
        assert_eq!(
            score(Some(Path::new("/var/log/mesos/mesos-agent.INFO")), &[]),
            90
        );
        assert_eq!(
            score(
                Some(Path::new(
                    "/var/lib/mesos/slaves/A-S1/frameworks/F-0000/executors/e/runs/c/stdout"
                )),
                &["hello"]
            ),
            90
        );
        assert_eq!(
            score(
                Some(Path::new("/var/log/syslog")),
                &["Nov 20 06:00:00 host sshd[1]: hi"]
            ),
            0
        );
    }

    #[test]
    fn journald_prefixed() {
        let lines = [
            "Nov 20 06:00:00 mesos-m1 mesos-master[13567]: I1120 06:00:00.800893 13603 master.cpp:450] Master c85990d2 (mesos-m1) started on 10.20.0.11:5050",
            "Nov 20 06:00:00 mesos-m1 systemd[1]: Started Mesos Master.",
        ];
        assert_eq!(score(None, &lines[..1]), 85);
        assert_eq!(
            score(None, &lines),
            0,
            "half the lines are another program's"
        );
        let mostly = [lines[0], lines[0], lines[1]];
        assert_eq!(score(None, &mostly), 85);
        assert_eq!(
            score(None, &["Nov 20 06:00:00 h sshd[1]: Accepted publickey"]),
            0
        );
    }

    #[test]
    fn by_content() {
        let master = [
            "Log file created at: 2026/11/20 06:00:00",
            "Running on machine: mesos-m1",
            "Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg",
            "I1120 06:00:00.757433 13567 logging.cpp:461] INFO level logging started!",
            "I1120 06:00:00.800893 13603 master.cpp:450] Master c85990d2-e844-4762-939a-e232588efbce (mesos-m1) started on 10.20.0.11:5050",
        ];
        assert_eq!(score(None, &master), 90);
        assert_eq!(
            score(None, &["I1120 06:00:00.757433 13567 other.cc:1] x"]),
            40
        );
        assert_eq!(
            score(
                None,
                &["I20261122 13:09:57.616384 26935 server.cpp:82] [SERVER] Start"]
            ),
            10
        );
        assert_eq!(
            score(
                None,
                &["mesos-master.mesos-m1.root.log.INFO.20261120-083621.6322"]
            ),
            70
        );
        assert_eq!(score(None, &["{\"a\":1}", "plain text"]), 0);
        assert_eq!(score(None, &[]), 0);
    }
}
