//! Syslog: RFC 5424 and RFC 3164, as files written by rsyslog and
//! syslog-ng and as single messages received from the network.

mod auth;
mod header;
mod pri;
mod sd;
pub(crate) mod time;

pub use auth::{INVALID_USER, PAM_AUTHENTICATION_FAILURE};
pub use header::Format;

use header::Header;
use sightline_decode::{
    Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo, field,
};
use std::path::Path;
use time::YearState;

pub const MODULE: &str = "syslog";
pub const DATASET_5424: &str = "syslog.rfc5424";
pub const DATASET_3164: &str = "syslog.rfc3164";

pub struct SyslogSource;

impl Source for SyslogSource {
    fn module(&self) -> &'static str {
        MODULE
    }

    /// Scores by how many sample lines have a syslog header: most lines with a
    /// PRI or a delimited tag (`tag:`, `tag[pid]:`) score 70; lines whose
    /// only syslog trait is `TIME HOST WORD` score 60 together with those. A
    /// syslog-like file name (`syslog`, `messages`, `auth.log`, `secure`...)
    /// adds 5, and alone (empty sample) scores 20.
    fn detect(&self, path: Option<&Path>, sample: &[&str]) -> u8 {
        let named = path.is_some_and(syslog_file_name);
        let lines: Vec<&str> = sample
            .iter()
            .copied()
            .filter(|l| !l.trim().is_empty())
            .collect();
        if lines.is_empty() {
            return if named { 20 } else { 0 };
        }
        let (mut strong, mut weak) = (0usize, 0usize);
        for l in &lines {
            match shape(l) {
                Shape::Strong => strong += 1,
                Shape::Weak => weak += 1,
                Shape::None => {}
            }
        }
        let bonus = if named { 5 } else { 0 };
        let n = lines.len();
        if strong * 10 >= n * 6 {
            70 + bonus
        } else if (strong + weak) * 10 >= n * 6 {
            60 + bonus
        } else if named && (strong + weak) * 10 >= n * 3 {
            40
        } else {
            0
        }
    }

    fn open(&self, stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(SyslogDecoder {
            years: YearState::default(),
            reference: stream.modified,
        })
    }
}

fn syslog_file_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    // Rotated names: syslog.1, auth.log.2.gz (already decompressed), messages-20261122.
    let base = name.split(['.', '-']).next().unwrap_or(name);
    matches!(
        base,
        "syslog" | "messages" | "auth" | "secure" | "kern" | "daemon" | "user" | "authpriv"
    )
}

#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Strong,
    Weak,
    None,
}

/// Words that, in the HOSTNAME position, show an application log line
/// (`2026-11-22T12:00:00Z INFO main: started`) rather than syslog.
const LEVEL_WORDS: &[&str] = &[
    "trace", "debug", "info", "notice", "warn", "warning", "error", "err", "crit", "critical",
    "fatal", "alert", "emerg", "panic", "dbg", "inf", "wrn", "erro", "eror", "d", "i", "w", "e",
    "f",
];

fn shape(line: &str) -> Shape {
    let Ok(h) = header::parse(line) else {
        return Shape::None;
    };
    if h.pri.is_some() {
        // A lone `<13>` before arbitrary text is weaker than a full header.
        return if h.stamp.is_some() {
            Shape::Strong
        } else {
            Shape::Weak
        };
    }
    let Some(stamp) = h.stamp else {
        return Shape::None;
    };
    let host_ok = h.host.is_some_and(|host| {
        !LEVEL_WORDS
            .iter()
            .any(|w| w.eq_ignore_ascii_case(host.trim_matches(['[', ']'])))
    });
    match stamp {
        time::Stamp::Bsd(_) if h.tag_confirmed => Shape::Strong,
        time::Stamp::Bsd(_) if host_ok && h.app.is_some() => Shape::Weak,
        // ISO time + host + delimited tag: rsyslog's RSYSLOG_FileFormat, syslog-ng ts-format(iso).
        _ if host_ok && h.tag_confirmed => Shape::Strong,
        _ => Shape::None,
    }
}

#[derive(Debug)]
struct SyslogDecoder {
    years: YearState,
    reference: Option<sightline_event::Timestamp>,
}

impl StreamDecoder for SyslogDecoder {
    /// Syslog records are one line; an indented line continues the previous
    /// one (what a multi-line message looks like when the writer does not
    /// escape its newlines as `#012`).
    fn continues(&mut self, line: &str) -> bool {
        line.starts_with([' ', '\t'])
    }

    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        decode_with(record, ctx, self.reference, &mut self.years)
    }

    fn carried_state(&self) -> Option<String> {
        Some(format!("{self:?}"))
    }
}

/// Decodes one syslog message (RFC 5424 or RFC 3164, with or without PRI)
/// into an event: the entry point for network receivers, one call per
/// frame.
///
/// `record.text` is the message without its framing (octet count or
/// trailing newline; trailing `\r`, `\n` and NUL are ignored here anyway).
/// `record.offset` must differ between messages of the same stream — the
/// byte offset of the frame in the connection, or a per-peer sequence
/// number — because the event id is derived from stream name, offset and
/// text, and identical messages must not share an id. `ctx.stream.name`
/// names the peer (e.g. `udp://10.0.0.5:514`), `ctx.stream.host` may carry
/// the peer's address as a fallback `host.name`. Year-less RFC 3164 times
/// are placed in the year that puts them closest before now (or
/// `DecodeOptions.year`), in `DecodeOptions.timezone`.
pub fn decode_message(record: &Record<'_>, ctx: &Context<'_>) -> Event {
    let text = record.text.trim_end_matches(['\r', '\n', '\0']);
    let record = Record { text, ..*record };
    decode_with(&record, ctx, None, &mut YearState::default())
}

fn decode_with(
    record: &Record<'_>,
    ctx: &Context<'_>,
    reference: Option<sightline_event::Timestamp>,
    years: &mut YearState,
) -> Event {
    let line = record.first_line();
    let header = match header::parse(line) {
        Ok(h) => h,
        Err(reason) => {
            let mut ev = ctx.new_event(record, MODULE, DATASET_3164);
            ev.message = record.body().to_owned();
            ev.mark_parse_failure(reason);
            return ev;
        }
    };
    let dataset = match header.format {
        Format::Rfc5424 => DATASET_5424,
        Format::Rfc3164 => DATASET_3164,
    };
    let mut ev = ctx.new_event(record, MODULE, dataset);
    fill(&mut ev, &header, record, ctx, reference, years);
    ev
}

fn fill(
    ev: &mut Event,
    h: &Header<'_>,
    record: &Record<'_>,
    ctx: &Context<'_>,
    reference: Option<sightline_event::Timestamp>,
    years: &mut YearState,
) {
    if let Some(pri) = h.pri {
        pri::apply(ev, pri);
    }
    if let Some(v) = h.version {
        ev.set(field::LOG_SYSLOG_VERSION, v.to_string());
    }
    if let Some(stamp) = h.stamp {
        match stamp.resolve(ctx.options, reference, years) {
            Some(ts) => ctx.stamp(ev, ts),
            None => {
                ev.mark_parse_failure("syslog timestamp is not a valid date");
            }
        }
    }
    if let Some(host) = h.host {
        ev.set(field::HOST_NAME, host);
    }
    if let Some(app) = h.app {
        ev.set(field::SERVICE_NAME, app);
        ev.set(field::PROCESS_NAME, app);
    }
    if let Some(procid) = h.procid {
        match procid.parse::<u32>() {
            Ok(pid) => ev.set(field::PROCESS_PID, pid),
            Err(_) => ev.set(field::LOG_SYSLOG_PROCID, procid),
        };
    }
    if let Some(msgid) = h.msgid {
        ev.set(field::LOG_SYSLOG_MSGID, msgid);
    }
    for el in &h.sd {
        for (name, value) in &el.params {
            let key = format!("sd.{}.{}", el.id, name);
            match ev.labels.get_mut(&key) {
                // A PARAM-NAME may repeat within an element (RFC 5424 §6.3.3).
                Some(v) => {
                    v.push(',');
                    v.push_str(value);
                }
                None => {
                    ev.labels.insert(key, value.to_string());
                }
            }
            if el.id == "origin" && *name == "ip" && value.parse::<std::net::IpAddr>().is_ok() {
                // An origin element may give several addresses (RFC 5424 §7.2.1).
                let mut ips = match ev.remove(field::HOST_IP) {
                    Some(sightline_decode::Value::List(ips)) => ips,
                    _ => Vec::new(),
                };
                ips.push(value.to_string());
                ev.set(field::HOST_IP, ips);
            }
        }
        if el.params.is_empty() {
            ev.label(format!("sd.{}", el.id), "");
        }
    }
    // Continuation lines (an indented multi-line message) belong to the message.
    let msg = match record.rest() {
        Some(rest) => format!("{}\n{}", h.msg.trim(), rest.trim_end()),
        None => h.msg.trim().to_owned(),
    };
    if let Some(e) = h.sd_error {
        ev.mark_parse_failure(e);
    }
    auth::enrich(ev, h.app, &msg);
    ev.message = msg;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        for n in [
            "/var/log/syslog",
            "/var/log/auth.log",
            "/var/log/messages-20261122",
            "/var/log/secure",
            "syslog.1",
        ] {
            assert!(syslog_file_name(Path::new(n)), "{n}");
        }
        for n in ["/var/log/app.log", "/x/raylet.out", "/x/mesos-master.INFO"] {
            assert!(!syslog_file_name(Path::new(n)), "{n}");
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(shape("<13>Nov 22 21:35:36 vm app: x"), Shape::Strong);
        assert_eq!(
            shape("<13>1 2026-11-22T21:35:36Z vm app - - - x"),
            Shape::Strong
        );
        assert_eq!(shape("Nov 22 21:35:36 vm sshd[1]: x"), Shape::Strong);
        assert_eq!(shape("Nov 22 21:35:36 vm app job submitted"), Shape::Weak);
        assert_eq!(
            shape("2026-11-22T21:35:36.1+00:00 vm sshd[1]: x"),
            Shape::Strong
        );
        assert_eq!(
            shape("2026-11-22T12:00:00Z INFO main: started"),
            Shape::None
        );
        assert_eq!(
            shape("2026-11-22 12:00:00,123 INFO worker.py:12 -- hi"),
            Shape::None
        );
        assert_eq!(shape("2026-11-22T12:00:00Z web started"), Shape::None);
        assert_eq!(
            shape("I1120 09:52:13.890398 284321 fetcher.cpp:562] x"),
            Shape::None
        );
        assert_eq!(shape(r#"{"a":1}"#), Shape::None);
    }
}
