//! glog lines behind a syslog or journald prefix.
//!
//! Without `--log_dir` Mesos logs to stderr only, and under systemd that
//! ends up in the journal and in syslog files with the collector's own
//! prefix in front of the glog line:
//!
//! ```text
//! Nov 20 06:00:00 mesos-m1 mesos-master[13567]: I1120 06:00:00.757433 13567 logging.cpp:461] INFO level logging started!
//! 2026-11-20T06:00:00.757512+0000 mesos-m1 mesos-master[13567]: I1120 06:00:00.757433 13567 ...   (journalctl -o short-iso)
//! ```
//!
//! Only lines whose program is a Mesos daemon are taken; the prefix gives
//! the host and pid, the glog line the rest (its time is the precise one).

use crate::naming::is_mesos_program;

/// The parts of a prefixed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wrapped<'a> {
    pub host: &'a str,
    pub program: &'a str,
    pub pid: Option<u32>,
    /// What follows `program[pid]: `.
    pub body: &'a str,
}

/// Reads `<time> <host> <program>[<pid>]: <body>` for a Mesos program.
pub fn parse(line: &str) -> Option<Wrapped<'_>> {
    parse_any(line).filter(|w| is_mesos_program(w.program))
}

/// The same for any program (systemd's lines about the unit, in a journal
/// export of a Mesos unit).
pub fn parse_any(line: &str) -> Option<Wrapped<'_>> {
    let rest = strip_time(line)?;
    let (host, rest) = rest.split_once(' ')?;
    let (tag, body) = rest.split_once(": ")?;
    let (program, pid) = match tag.split_once('[') {
        Some((p, pid)) => (p, Some(pid.strip_suffix(']')?.parse().ok()?)),
        None => (tag, None),
    };
    let valid = !host.is_empty() && !program.is_empty() && !program.contains(' ');
    valid.then_some(Wrapped {
        host,
        program,
        pid,
        body,
    })
}

/// Skips an RFC 3164 time (`Nov 20 06:00:00 `, `Nov  2 06:00:00 `) or an
/// ISO 8601 one (`2026-11-20T06:00:00.757512+0000 `).
fn strip_time(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    let first = *b.first()?;
    if first.is_ascii_uppercase() {
        let month_ok = b.get(1..3)?.iter().all(u8::is_ascii_lowercase) && b.get(3) == Some(&b' ');
        let day_ok = b.get(4).is_some_and(|c| *c == b' ' || c.is_ascii_digit())
            && b.get(5).is_some_and(u8::is_ascii_digit);
        let time_ok = b.get(6) == Some(&b' ')
            && b.get(9) == Some(&b':')
            && b.get(12) == Some(&b':')
            && b.get(15) == Some(&b' ');
        return (month_ok && day_ok && time_ok)
            .then(|| line.get(16..))
            .flatten();
    }
    if first.is_ascii_digit() && b.get(4) == Some(&b'-') && b.get(10) == Some(&b'T') {
        let end = memchr::memchr(b' ', b)?;
        return line.get(end + 1..);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_prefixes() {
        let w = parse("Nov 20 06:00:00 mesos-m1 mesos-master[13567]: I1120 06:00:00.757433 13567 logging.cpp:461] x").unwrap();
        assert_eq!(
            (w.host, w.program, w.pid),
            ("mesos-m1", "mesos-master", Some(13567))
        );
        assert!(w.body.starts_with("I1120 "));
        let w = parse("2026-11-20T06:00:00.757512+0000 a1 mesos-agent[7]: hello").unwrap();
        assert_eq!(
            (w.host, w.program, w.pid, w.body),
            ("a1", "mesos-agent", Some(7), "hello")
        );
        let w = parse("Nov  2 06:00:00 a1 mesos-slave: x").unwrap();
        assert_eq!((w.program, w.pid), ("mesos-slave", None));
    }

    #[test]
    fn other_programs_and_garbage() {
        assert!(parse("Nov 20 06:00:00 h sshd[1]: Accepted").is_none());
        assert!(parse("Nov 20 06:00:00 h mesos-master[x]: y").is_none());
        assert!(parse("I1120 06:00:00.757433 13567 logging.cpp:461] x").is_none());
        assert!(parse("").is_none());
        assert!(parse("Né").is_none());
        assert!(parse("2026-11-20T").is_none());
    }
}
