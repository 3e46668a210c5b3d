//! What one event or alert looks like on the wire for each destination.
//! Each item is encoded once, when enqueued, into the bytes a batch is made
//! of (a batch body is its records one after the other), so delivery only
//! concatenates what the spool hands out.

use crate::config::{Destination, Format, Kind};
use serde_json::json;
use sightline_detect::Alert;
use sightline_event::{Event, Timestamp, field};

/// The record of one event for `dest`.
pub fn event_record(dest: &Destination, ev: &Event, out: &mut Vec<u8>) {
    let host = ev.get_str(field::HOST_NAME);
    match &dest.kind {
        Kind::SplunkHec {
            index,
            source,
            sourcetype,
            ..
        } => {
            let mut doc = Vec::new();
            write_doc(dest.format, ev, &mut doc);
            hec_envelope(
                out,
                ev.timestamp,
                host,
                source,
                sourcetype,
                index.as_deref(),
                &doc,
            );
        }
        Kind::Elasticsearch { index, .. } => {
            // `create` with the event's id: a batch sent again after a lost
            // answer gets 409 for what already arrived, not duplicates.
            let action = json!({"create": {"_index": index, "_id": ev.id.to_string()}});
            push_json(out, &action);
            out.push(b'\n');
            write_doc(dest.format, ev, out);
            out.push(b'\n');
        }
        Kind::HttpJson { .. } => {
            write_doc(dest.format, ev, out);
            out.push(b'\n');
        }
        Kind::Syslog {
            facility, app_name, ..
        } => {
            let severity = ev.level.as_deref().map_or(6, severity_of_level);
            syslog_header(
                out,
                *facility,
                severity,
                ev.timestamp,
                host,
                app_name,
                "event",
            );
            write_doc(dest.format, ev, out);
        }
    }
}

/// The record of one alert for `dest` (always Sightline's alert JSON).
pub fn alert_record(dest: &Destination, alert: &Alert, out: &mut Vec<u8>) {
    let doc = serde_json::to_vec(alert).unwrap_or_default();
    let host = alert.group.get(field::HOST_NAME).map(String::as_str);
    match &dest.kind {
        Kind::SplunkHec {
            alerts_index,
            source,
            alerts_sourcetype,
            ..
        } => hec_envelope(
            out,
            alert.last_seen,
            host,
            source,
            alerts_sourcetype,
            alerts_index.as_deref(),
            &doc,
        ),
        Kind::Elasticsearch { alerts_index, .. } => {
            // `index`: an alert is updated in place as it grows.
            let action = json!({"index": {"_index": alerts_index, "_id": alert.id}});
            push_json(out, &action);
            out.push(b'\n');
            out.extend_from_slice(&doc);
            out.push(b'\n');
        }
        Kind::HttpJson { .. } => {
            out.extend_from_slice(&doc);
            out.push(b'\n');
        }
        Kind::Syslog {
            facility, app_name, ..
        } => {
            let severity = match alert.level.as_str() {
                "critical" => 2,
                "high" => 3,
                "medium" => 4,
                "low" => 5,
                _ => 6,
            };
            syslog_header(
                out,
                *facility,
                severity,
                alert.last_seen,
                host,
                app_name,
                "alert",
            );
            out.extend_from_slice(&doc);
        }
    }
}

fn write_doc(format: Format, ev: &Event, out: &mut Vec<u8>) {
    match format {
        Format::Ecs => ev.write_json(out),
        Format::Ocsf => push_json(out, &sightline_event::ocsf::to_ocsf(ev)),
    }
}

fn push_json(out: &mut Vec<u8>, v: &serde_json::Value) {
    // Writing a Value into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// `{"time", "host"?, "source", "sourcetype", "index"?, "event"}`, one line.
fn hec_envelope(
    out: &mut Vec<u8>,
    time: Timestamp,
    host: Option<&str>,
    source: &str,
    sourcetype: &str,
    index: Option<&str>,
    doc: &[u8],
) {
    let secs = time.as_microsecond() as f64 / 1e6;
    let mut head = serde_json::Map::new();
    head.insert(
        "time".into(),
        json!(format!("{secs:.6}").parse::<f64>().unwrap_or(secs)),
    );
    if let Some(h) = host {
        head.insert("host".into(), json!(h));
    }
    head.insert("source".into(), json!(source));
    head.insert("sourcetype".into(), json!(sourcetype));
    if let Some(i) = index {
        head.insert("index".into(), json!(i));
    }
    push_json(out, &serde_json::Value::Object(head));
    // Reopen the object to append the event without parsing it again.
    out.pop();
    out.extend_from_slice(b",\"event\":");
    out.extend_from_slice(doc);
    out.extend_from_slice(b"}\n");
}

/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID - ` (RFC 5424), the MSG follows.
fn syslog_header(
    out: &mut Vec<u8>,
    facility: u8,
    severity: u8,
    time: Timestamp,
    host: Option<&str>,
    app_name: &str,
    msgid: &str,
) {
    use std::io::Write;
    let pri = u32::from(facility) * 8 + u32::from(severity);
    // TIME-SECFRAC allows at most 6 digits.
    let ts = format!("{:.6}", time);
    let host = host.map(header_field).unwrap_or_else(|| "-".into());
    let _ = write!(out, "<{pri}>1 {ts} {host} {app_name} - {msgid} - ");
}

/// PRINTUSASCII, at most 255 characters, `-` when nothing is left.
fn header_field(s: &str) -> String {
    let f: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(255)
        .collect();
    if f.is_empty() { "-".into() } else { f }
}

/// RFC 5424 severity of a `log.level`.
pub fn severity_of_level(level: &str) -> u8 {
    match level {
        "emergency" | "emerg" | "panic" => 0,
        "alert" => 1,
        "critical" | "crit" | "fatal" => 2,
        "error" | "err" => 3,
        "warning" | "warn" => 4,
        "notice" => 5,
        "info" | "informational" => 6,
        "debug" | "trace" => 7,
        _ => 6,
    }
}
