//! Syslog as rsyslog, syslog-ng and `logger` really write it (fixtures), the
//! RFC examples, and the security messages inside.

mod common;

use common::*;
use sightline_decode::{Context, DecodeOptions, Event, Outcome, Record, Source, StreamInfo, tags};
use sightline_decode_std::syslog::{self, decode_message};
use sightline_decode_std::{JsonSource, LogfmtSource, SyslogSource, TextSource};

/// Files holding the same 24 messages, as each writer renders them.
const WRITERS: &[(&str, &str)] = &[
    ("rsyslog-traditional.log", "syslog.rfc3164"),
    ("rsyslog-fileformat.log", "syslog.rfc3164"),
    ("rsyslog-protocol23.log", "syslog.rfc5424"),
    ("rsyslog-forward.txt", "syslog.rfc3164"),
    ("rsyslog-tradforward.txt", "syslog.rfc3164"),
    ("syslog-ng-default.log", "syslog.rfc3164"),
    ("syslog-ng-iso.log", "syslog.rfc3164"),
    ("syslog-ng-5424.log", "syslog.rfc5424"),
];

#[test]
fn every_writer_decodes_fully() {
    for (name, dataset) in WRITERS {
        let events = run_file(&SyslogSource, name);
        assert_eq!(events.len(), 24, "{name}");
        for ev in &events {
            assert!(!ev.has_tag(tags::PARSE_FAILURE), "{name}: {}", ev.original);
            assert_eq!(ev.dataset, *dataset, "{name}: {}", ev.original);
            assert_eq!(ev.module, "syslog");
            assert!(
                !ev.has_tag(tags::TIMESTAMP_INFERRED),
                "{name}: {}",
                ev.original
            );
            assert!(
                ev.timestamp.to_string().starts_with("2026-11-22T21:46:18"),
                "{name}: {}",
                ev.timestamp
            );
            assert!(s(ev, "service.name").is_some(), "{name}: {}", ev.original);
            assert!(!ev.message.starts_with(' '), "{name}: {:?}", ev.message);
        }
        let ray = find(&events, "job submitted");
        assert_eq!(s(ray, "service.name"), Some("ray-agent"), "{name}");
        assert_eq!(s(ray, "host.name"), Some("vm"), "{name}");
        assert_eq!(ray.message, "job submitted", "{name}");
        let cron = find(&events, "CMD (");
        assert_eq!(
            (s(cron, "process.name"), i(cron, "process.pid")),
            (Some("CRON"), Some(3301)),
            "{name}"
        );
        let uni = find(&events, "Unicode:");
        assert_eq!(uni.message, "Unicode: café ✓ 日本語", "{name}");
        check_security(name, &events);
    }
}

/// The sshd / sudo / su / PAM messages every fixture carries.
fn check_security(name: &str, events: &[Event]) {
    let ev = find(events, "Failed password for invalid user admin");
    assert_eq!(
        ev.action.as_deref(),
        Some("authentication-failed"),
        "{name}"
    );
    assert_eq!(ev.outcome, Outcome::Failure);
    assert_eq!(ev.category, ["authentication"]);
    assert_eq!(s(ev, "user.name"), Some("admin"));
    assert_eq!(s(ev, "source.ip"), Some("203.0.113.7"));
    assert_eq!(i(ev, "source.port"), Some(52144));
    assert_eq!(i(ev, "process.pid"), Some(2231));
    assert_eq!(s(ev, "labels.ssh.method"), Some("password"));
    assert_eq!(s(ev, "labels.ssh.invalid_user"), Some("true"));

    let ev = find(events, "Invalid user admin from");
    assert_eq!(ev.action.as_deref(), Some(syslog::INVALID_USER), "{name}");
    assert_eq!(
        (s(ev, "user.name"), s(ev, "source.ip")),
        (Some("admin"), Some("203.0.113.7"))
    );

    let ev = find(events, "Failed password for root");
    assert_eq!(
        (ev.action.as_deref(), s(ev, "user.name")),
        (Some("authentication-failed"), Some("root"))
    );
    assert_eq!(i(ev, "source.port"), Some(52160));

    let ev = find(events, "Accepted publickey for ubuntu");
    assert_eq!(
        ev.action.as_deref(),
        Some("authentication-succeeded"),
        "{name}"
    );
    assert_eq!(ev.outcome, Outcome::Success);
    assert_eq!(
        (s(ev, "user.name"), s(ev, "source.ip")),
        (Some("ubuntu"), Some("198.51.100.23"))
    );
    assert_eq!(
        s(ev, "labels.ssh.key"),
        Some("ED25519 SHA256:Zk3mQ8b1x0GdVh2pYf9sJtC4uWqA7eLrN5oKiX6yB0E")
    );

    let ev = find(events, "Accepted password for deploy");
    assert_eq!(
        (s(ev, "user.name"), s(ev, "source.ip")),
        (Some("deploy"), Some("2001:db8::5"))
    );
    assert_eq!(i(ev, "source.port"), Some(50122));

    let ev = find(events, "Accepted keyboard-interactive/pam");
    assert_eq!(s(ev, "labels.ssh.method"), Some("keyboard-interactive/pam"));
    assert_eq!(s(ev, "user.name"), Some("alice"));

    let ev = find(events, "Failed publickey for git");
    assert_eq!(
        (ev.action.as_deref(), s(ev, "source.ip")),
        (Some("authentication-failed"), Some("198.51.100.99"))
    );

    let ev = find(events, "pam_unix(sshd:auth): authentication failure");
    assert_eq!(
        ev.action.as_deref(),
        Some(syslog::PAM_AUTHENTICATION_FAILURE),
        "{name}"
    );
    assert_eq!(
        (s(ev, "user.name"), s(ev, "source.ip")),
        (Some("root"), Some("203.0.113.7"))
    );
    assert_eq!(ev.outcome, Outcome::Failure);

    let ev = find(events, "session opened for user ubuntu");
    assert_eq!(ev.action.as_deref(), Some("session-opened"));
    assert_eq!(
        (s(ev, "user.name"), s(ev, "user.target.name")),
        (Some("ubuntu"), None)
    );
    let ev = find(events, "session closed for user ubuntu");
    assert_eq!(
        (ev.action.as_deref(), s(ev, "user.name")),
        (Some("session-closed"), Some("ubuntu"))
    );
    let ev = find(events, "pam_unix(su:session): session opened for user root");
    assert_eq!(
        (s(ev, "user.name"), s(ev, "user.target.name")),
        (Some("alice"), Some("root"))
    );

    let ev = find(events, "alice : TTY=pts/0");
    assert_eq!(ev.action.as_deref(), Some("process-started"), "{name}");
    assert_eq!(ev.category, ["process"]);
    assert_eq!(
        (s(ev, "user.name"), s(ev, "user.target.name")),
        (Some("alice"), Some("root"))
    );
    assert_eq!(
        s(ev, "process.command_line"),
        Some("/usr/bin/cat /etc/shadow")
    );
    assert_eq!(s(ev, "labels.sudo.pwd"), Some("/home/alice"));

    let ev = find(events, "3 incorrect password attempts");
    assert_eq!(
        (ev.action.as_deref(), ev.outcome),
        (Some("authentication-failed"), Outcome::Failure)
    );
    assert_eq!(
        (s(ev, "user.name"), s(ev, "process.command_line")),
        (Some("bob"), Some("/bin/bash"))
    );

    let ev = find(events, "user NOT in sudoers");
    assert_eq!(
        (ev.action.as_deref(), ev.outcome),
        (Some("authorization-denied"), Outcome::Failure)
    );
    assert_eq!(s(ev, "user.name"), Some("mallory"));

    let ev = find(events, "(to root) alice on pts/0");
    assert_eq!(
        (ev.action.as_deref(), ev.outcome),
        (Some("authentication-succeeded"), Outcome::Success)
    );
    assert_eq!(
        (s(ev, "user.name"), s(ev, "user.target.name")),
        (Some("alice"), Some("root"))
    );
    let ev = find(events, "FAILED SU (to root) bob");
    assert_eq!(
        (ev.action.as_deref(), s(ev, "user.name")),
        (Some("authentication-failed"), Some("bob"))
    );

    // Messages that are not security events get no action.
    assert_eq!(find(events, "Started ray-head.service").action, None);
}

#[test]
fn rfc5424_details() {
    let events = run_file(&SyslogSource, "rsyslog-protocol23.log");
    let ray = find(&events, "job submitted");
    assert_eq!(i(ray, "log.syslog.priority"), Some(36));
    assert_eq!(
        (
            i(ray, "log.syslog.facility.code"),
            s(ray, "log.syslog.facility.name")
        ),
        (Some(4), Some("auth"))
    );
    assert_eq!(
        (
            i(ray, "log.syslog.severity.code"),
            s(ray, "log.syslog.severity.name")
        ),
        (Some(4), Some("warning"))
    );
    assert_eq!(ray.level.as_deref(), Some("warning"));
    assert_eq!(s(ray, "log.syslog.msgid"), Some("AUTH"));
    assert_eq!(s(ray, "log.syslog.version"), Some("1"));
    assert_eq!(s(ray, "labels.sd.ray@32473.node"), Some("head-1"));
    assert_eq!(
        s(ray, "labels.sd.ray@32473.path"),
        Some(r#"C:\tmp "x" [y]"#)
    );
    assert_eq!(s(ray, "labels.sd.timeQuality.tzKnown"), Some("1"));
    assert_eq!(ray.timestamp.to_string(), "2026-11-22T21:46:18.276512Z");
    let nohost = find(&events, "notime nohost");
    assert_eq!(s(nohost, "host.name"), None);
    // `logger -p kern.warning` is sent as user.warning: only the kernel may use facility 0.
    let kernel = find(&events, "Out of memory");
    assert_eq!(
        (
            s(kernel, "log.syslog.facility.name"),
            kernel.level.as_deref()
        ),
        (Some("user"), Some("warning"))
    );
    let local = find(&events, "Unicode");
    assert_eq!(
        (s(local, "log.syslog.facility.name"), local.level.as_deref()),
        (Some("local0"), Some("error"))
    );
}

#[test]
fn bsd_time_uses_the_configured_zone_and_year() {
    let path = fixture("rsyslog-traditional.log");
    let bytes = std::fs::read(&path).unwrap();
    let opts = DecodeOptions {
        timezone: jiff::tz::TimeZone::fixed(jiff::tz::offset(1)),
        year: Some(2025),
        ..Default::default()
    };
    let (events, _) = run_bytes(&SyslogSource, &path, &bytes, opts);
    assert_eq!(events[0].timestamp.to_string(), "2025-11-22T20:46:18Z");
    // Without a configured year, the file's mtime (2026-11-22) gives the year.
    let events = run_file(&SyslogSource, "rsyslog-traditional.log");
    assert_eq!(events[0].timestamp.to_string(), "2026-11-22T21:46:18Z");
}

#[test]
fn rfc_examples() {
    let events = run_file(&SyslogSource, "rfc5424-examples.txt");
    assert!(
        events
            .iter()
            .all(|e| !e.has_tag(tags::PARSE_FAILURE) && e.dataset == "syslog.rfc5424")
    );
    assert_eq!(
        events[0].message,
        "'su root' failed for lonvick on /dev/pts/8"
    );
    assert_eq!(events[0].timestamp.to_string(), "2003-10-11T22:14:15.003Z");
    assert_eq!(
        events[1].timestamp.to_string(),
        "2003-08-24T12:14:15.000003Z"
    );
    assert_eq!(
        (s(&events[1], "host.name"), i(&events[1], "process.pid")),
        (Some("192.0.2.1"), Some(8710))
    );
    assert_eq!(events[2].message, "An application event log entry...");
    assert_eq!(
        s(&events[2], "labels.sd.exampleSDID@32473.eventSource"),
        Some("Application")
    );
    assert_eq!(events[3].message, "");
    assert_eq!(
        s(&events[3], "labels.sd.examplePriority@32473.class"),
        Some("high")
    );

    let events = run_file(&SyslogSource, "rfc3164-examples.txt");
    assert!(
        events
            .iter()
            .all(|e| !e.has_tag(tags::PARSE_FAILURE) && e.dataset == "syslog.rfc3164")
    );
    assert_eq!(
        (s(&events[0], "host.name"), s(&events[0], "service.name")),
        (Some("mymachine"), Some("su"))
    );
    assert_eq!(
        events[0].message,
        "'su root' failed for lonvick on /dev/pts/8"
    );
    assert_eq!(s(&events[1], "host.name"), Some("10.0.0.99"));
}

#[test]
fn network_messages_through_the_public_api() {
    let text = std::fs::read_to_string(fixture("logger-network.txt")).unwrap();
    let stream = StreamInfo {
        name: "udp://127.0.0.1:40000".into(),
        ..Default::default()
    };
    let opts = DecodeOptions::default();
    let ctx = Context {
        stream: &stream,
        options: &opts,
        last_timestamp: None,
    };
    let mut events = Vec::new();
    let mut offset = 0;
    for line in text.lines() {
        let record = Record {
            text: line,
            offset,
            lines: 1,
            truncated: false,
        };
        events.push(decode_message(&record, &ctx));
        offset += line.len() as u64 + 1;
    }
    assert_eq!(events.len(), 44);
    assert!(events.iter().all(|e| !e.has_tag(tags::PARSE_FAILURE)));
    let (bsd, rfc5424) = events.split_at(20);
    assert!(
        bsd.iter()
            .all(|e| e.dataset == "syslog.rfc3164" && s(e, "host.name") == Some("vm"))
    );
    assert!(rfc5424.iter().all(|e| e.dataset == "syslog.rfc5424"));
    // The last datagram (sshd with structured data) carries the `Failed publickey` message.
    let last = events[43].clone();
    check_security(
        "logger --rfc3164",
        &[bsd, std::slice::from_ref(&last)].concat(),
    );
    check_security(
        "logger --rfc5424",
        &rfc5424[..20]
            .iter()
            .chain([&last])
            .cloned()
            .collect::<Vec<_>>(),
    );
    // `logger --rfc5424=notime,nohost`: NILVALUE time and host.
    let nil = find(&events, "notime nohost");
    assert!(nil.has_tag(tags::TIMESTAMP_INFERRED));
    assert_eq!(s(nil, "host.name"), None);
    // Identical text at another offset is another event.
    let r1 = Record {
        text: "<13>Nov 22 21:46:18 vm a: x",
        offset: 1,
        lines: 1,
        truncated: false,
    };
    let r2 = Record { offset: 2, ..r1 };
    assert_ne!(decode_message(&r1, &ctx).id, decode_message(&r2, &ctx).id);
    // Framing leftovers are ignored.
    let r3 = Record {
        text: "<13>Nov 22 21:46:18 vm a: x\r\n",
        ..r1
    };
    assert_eq!(decode_message(&r3, &ctx).message, "x");
}

#[test]
fn detection_prefers_syslog_for_every_writer() {
    for (name, _) in WRITERS
        .iter()
        .chain(&[("logger-network.txt", ""), ("rfc5424-examples.txt", "")])
    {
        let sample = sample(name);
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        let syslog = SyslogSource.detect(None, &refs);
        assert!(syslog >= 60, "{name}: {syslog}");
        assert!(syslog > JsonSource.detect(None, &refs), "{name}");
        assert!(syslog > LogfmtSource.detect(None, &refs), "{name}");
        assert!(syslog > TextSource.detect(None, &refs), "{name}");
    }
    for name in ["json-lines.jsonl", "logfmt.log"] {
        let sample = sample(name);
        let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
        assert_eq!(SyslogSource.detect(None, &refs), 0, "{name}");
    }
    assert_eq!(
        SyslogSource.detect(Some(std::path::Path::new("/var/log/auth.log")), &[]),
        20
    );
}

#[test]
fn sshd_message_variants() {
    let stream = StreamInfo::default();
    let opts = DecodeOptions::default();
    let ctx = Context {
        stream: &stream,
        options: &opts,
        last_timestamp: None,
    };
    let dec = |text: &str| {
        decode_message(
            &Record {
                text,
                offset: 0,
                lines: 1,
                truncated: false,
            },
            &ctx,
        )
    };
    // OpenSSH ≥ 9.8 logs from sshd-session.
    let ev = dec(
        "2026-11-22T10:00:00.123456+00:00 bastion sshd-session[901]: Failed password for root from 10.1.2.3 port 4444 ssh2",
    );
    assert_eq!(
        (ev.action.as_deref(), s(&ev, "source.ip")),
        (Some("authentication-failed"), Some("10.1.2.3"))
    );
    assert_eq!(s(&ev, "host.name"), Some("bastion"));
    // rsyslog's repeated-message reduction.
    let ev = dec(
        "Nov 22 10:00:00 bastion sshd[901]: message repeated 5 times: [ Failed password for root from 10.1.2.3 port 4444 ssh2]",
    );
    assert_eq!(
        (ev.action.as_deref(), s(&ev, "labels.syslog.repeated")),
        (Some("authentication-failed"), Some("5"))
    );
    // A user name with spaces (attackers send anything).
    let ev = dec("Nov 22 10:00:00 h sshd[9]: Invalid user admin admin from 10.1.2.3 port 22");
    assert_eq!(s(&ev, "user.name"), Some("admin admin"));
    // Older sshd: no port on Invalid user.
    let ev = dec("Nov 22 10:00:00 h sshd[9]: Invalid user test from 10.1.2.3");
    assert_eq!(
        (s(&ev, "user.name"), s(&ev, "source.ip")),
        (Some("test"), Some("10.1.2.3"))
    );
    // Not an sshd message shape: no action, no panic.
    let ev = dec("Nov 22 10:00:00 h sshd[9]: Failed none");
    assert_eq!(ev.action, None);
    // shadow-utils su.
    let ev = dec("Nov 22 10:00:00 h su[77]: FAILED su for root by eve");
    assert_eq!(
        (
            ev.action.as_deref(),
            s(&ev, "user.name"),
            s(&ev, "user.target.name")
        ),
        (Some("authentication-failed"), Some("eve"), Some("root"))
    );
    // sudo with a COMMAND holding " ; ".
    let ev = dec(
        "Nov 22 10:00:00 h sudo: alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh -c echo a ; id",
    );
    assert_eq!(
        s(&ev, "process.command_line"),
        Some("/bin/sh -c echo a ; id")
    );
}
