//! Syslog framing with messages as real senders produce them.

use sightline_receive::{SyslogFrame, SyslogFramer, syslog_inbound, udp_datagram};

/// `logger --rfc5424 -t ray-train "..."` (util-linux 2.39).
const LOGGER_5424: &str = r#"<13>1 2024-06-01T12:34:56.789012+00:00 gpu-node-3 ray-train - - [timeQuality tzKnown="1" isSynced="1" syncAccuracy="429500"] job raysubmit_Ab3 started"#;
/// `logger --rfc3164 -t sshd "..."`.
const LOGGER_3164: &str =
    "<13>Jun  1 12:34:56 gpu-node-3 sshd: Accepted publickey for ray from 10.0.0.5 port 50522 ssh2";
/// rsyslog `RSYSLOG_SyslogProtocol23Format` (newline-framed forwarding).
const RSYSLOG_23: &str = "<86>1 2024-06-01T12:34:56.123456+02:00 mesos-agent-7 sshd 4242 - - pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)";
/// syslog-ng `syslog()` destination: IETF syslog with structured data.
const SYSLOG_NG: &str = r#"<38>1 2024-06-01T12:34:57+00:00 milvus-0 milvus 7 audit [meta sequenceId="12"] grant role admin to user alice"#;

fn octet(msg: &str) -> String {
    format!("{} {msg}", msg.len())
}

fn frame_all(stream: &[u8], max: usize) -> Vec<SyslogFrame> {
    let mut framer = SyslogFramer::new(max);
    let mut out = Vec::new();
    framer.push(stream, &mut out);
    framer.finish(&mut out);
    out
}

fn texts(frames: &[SyslogFrame]) -> Vec<String> {
    frames
        .iter()
        .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
        .collect()
}

#[test]
fn newline_framing_with_lf_crlf_and_nul() {
    let stream = format!("{LOGGER_3164}\n{RSYSLOG_23}\r\n{LOGGER_5424}\0\n\n{SYSLOG_NG}\n");
    let frames = frame_all(stream.as_bytes(), 64 * 1024);
    assert_eq!(
        texts(&frames),
        [LOGGER_3164, RSYSLOG_23, LOGGER_5424, SYSLOG_NG]
    );
    assert!(frames.iter().all(|f| !f.truncated));
    assert_eq!(frames[0].offset, 0);
    assert_eq!(frames[1].offset, LOGGER_3164.len() as u64 + 1);
}

#[test]
fn octet_counting_as_logger_and_syslog_ng_send_it() {
    // `logger --octet-count -T` and syslog-ng's syslog() driver: no newline
    // between messages, and the messages may contain newlines.
    let multi = "<11>1 2024-06-01T12:00:00Z ray-head raylet 99 - - Traceback (most recent call last):\n  File \"x.py\", line 1";
    let stream = format!("{}{}{}", octet(LOGGER_5424), octet(multi), octet(SYSLOG_NG));
    let frames = frame_all(stream.as_bytes(), 64 * 1024);
    assert_eq!(texts(&frames), [LOGGER_5424, multi, SYSLOG_NG]);
    assert_eq!(frames[1].offset, octet(LOGGER_5424).len() as u64);
}

#[test]
fn framing_is_detected_per_message() {
    let stream = format!(
        "{}{RSYSLOG_23}\n{}\n",
        octet(LOGGER_5424),
        octet(LOGGER_3164)
    );
    let frames = frame_all(stream.as_bytes(), 64 * 1024);
    assert_eq!(texts(&frames), [LOGGER_5424, RSYSLOG_23, LOGGER_3164]);
}

#[test]
fn a_line_starting_with_a_number_is_not_a_length() {
    let stream = b"2024 disk full on /dev/sda1\n42 is the answer\n2024-06-01 12:00:00 INFO up\n";
    let frames = frame_all(stream, 1024);
    assert_eq!(
        texts(&frames),
        [
            "2024 disk full on /dev/sda1",
            "42 is the answer",
            "2024-06-01 12:00:00 INFO up"
        ]
    );
}

#[test]
fn oversized_messages_are_cut_and_flagged() {
    let long = format!("<13>{}", "x".repeat(100));
    let stream = format!("{long}\nshort\n{}short2\n", octet(&long));
    let frames = frame_all(stream.as_bytes(), 20);
    assert_eq!(
        texts(&frames),
        [&long[..20], "short", &long[..20], "short2"]
    );
    assert_eq!(
        frames.iter().map(|f| f.truncated).collect::<Vec<_>>(),
        [true, false, true, false]
    );
    let inbound = frames[0].to_inbound("10.0.0.5:514", "syslog-tcp:10.0.0.5");
    assert_eq!(inbound.attribute("truncated"), Some("true"));
}

#[test]
fn unterminated_tail_is_emitted_at_finish() {
    let frames = frame_all(LOGGER_3164.as_bytes(), 1024);
    assert_eq!(texts(&frames), [LOGGER_3164]);
    assert!(!frames[0].truncated);
    // An octet-counted message cut off by the peer closing is flagged.
    let frames = frame_all(b"100 <13>1 - - - - - partial", 1024);
    assert_eq!(texts(&frames), ["<13>1 - - - - - partial"]);
    assert!(frames[0].truncated);
}

#[test]
fn udp_datagram_strips_trailing_newline() {
    assert_eq!(
        udp_datagram(format!("{LOGGER_3164}\n").as_bytes()),
        LOGGER_3164.as_bytes()
    );
    assert_eq!(udp_datagram(b"<13>x\r\n\0"), b"<13>x");
    assert_eq!(udp_datagram(b""), b"");
}

#[test]
fn inbound_keeps_the_whole_message() {
    let inbound = syslog_inbound(
        b"<13>Jun  1 12:34:56 h app: caf\xc3\xa9 \xff",
        "10.1.2.3:5140",
        "s",
        7,
    );
    assert_eq!(
        inbound.line,
        "<13>Jun  1 12:34:56 h app: caf\u{e9} \u{fffd}"
    );
    assert_eq!(inbound.source_hint.as_deref(), Some("syslog"));
    assert_eq!(inbound.stream, "s");
    assert_eq!(inbound.offset, 7);
    assert_eq!(inbound.attribute("syslog.peer"), Some("10.1.2.3:5140"));
    assert!(inbound.host.is_none());
}
