//! OpenTelemetry semantic-convention attribute names → the ECS fields our
//! events use, so that an OTLP log's `client.address` is searchable as
//! `source.ip` like every other source's.

use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value::Value as Av};
use serde_json::{Map, Value};

/// `(semantic-convention attribute, ECS field)`. Several attributes may fill
/// one field; the first one present wins, so current names come before the
/// older ones many SDKs still send (`http.method`, `net.peer.ip`...).
const MAPPING: &[(&str, &str)] = &[
    ("client.address", "source.ip"),
    ("source.address", "source.ip"),
    ("http.client_ip", "source.ip"),
    ("net.sock.peer.addr", "source.ip"),
    ("net.peer.ip", "source.ip"),
    // The peer of the connection is the client on the server side, where logs come from.
    ("network.peer.address", "source.ip"),
    ("client.port", "source.port"),
    ("source.port", "source.port"),
    ("net.peer.port", "source.port"),
    ("network.peer.port", "source.port"),
    ("server.address", "server.address"),
    ("net.host.name", "server.address"),
    ("server.port", "server.port"),
    ("net.host.port", "server.port"),
    ("destination.address", "destination.ip"),
    ("destination.port", "destination.port"),
    ("url.full", "url.original"),
    ("http.url", "url.original"),
    ("url.path", "url.path"),
    ("url.query", "url.query"),
    ("http.request.method", "http.request.method"),
    ("http.method", "http.request.method"),
    ("http.response.status_code", "http.response.status_code"),
    ("http.status_code", "http.response.status_code"),
    ("http.request.body.size", "http.request.body.bytes"),
    ("http.response.body.size", "http.response.body.bytes"),
    ("user_agent.original", "user_agent.original"),
    ("http.user_agent", "user_agent.original"),
    ("user.name", "user.name"),
    ("enduser.id", "user.name"),
    ("network.protocol.name", "network.protocol"),
    ("network.transport", "network.transport"),
    ("net.transport", "network.transport"),
    ("host.name", "host.name"),
    ("service.name", "service.name"),
    ("service.version", "service.version"),
    ("process.pid", "process.pid"),
    ("process.executable.name", "process.name"),
    ("process.command_line", "process.command_line"),
    ("process.exit.code", "process.exit_code"),
    ("thread.id", "process.thread.id"),
    ("exception.type", "error.type"),
    ("exception.message", "error.message"),
    ("exception.stacktrace", "error.stack_trace"),
    ("code.file.path", "log.origin.file.name"),
    ("code.filepath", "log.origin.file.name"),
    ("code.line.number", "log.origin.file.line"),
    ("code.lineno", "log.origin.file.line"),
];

/// Fields whose value must be an IP address; a host name there (a
/// `client.address` may be one) stays only in the `otel.*` labels.
const IP_FIELDS: [&str; 2] = ["source.ip", "destination.ip"];

/// The ECS fields `kvs` fill, added to `out` where `out` has none yet (call
/// with the record's attributes before the resource's so the record wins).
pub(super) fn map_attributes(kvs: &[KeyValue], out: &mut Map<String, Value>) {
    for (attribute, field) in MAPPING {
        if out.contains_key(*field) {
            continue;
        }
        let Some(value) = kvs
            .iter()
            .find(|kv| kv.key == *attribute)
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
            .and_then(scalar)
        else {
            continue;
        };
        if IP_FIELDS.contains(field) && !is_ip(&value) {
            continue;
        }
        out.insert((*field).to_owned(), value);
    }
}

/// `log.level` from the severity: the text the SDK gives, else the level of
/// the severity number's range (OTLP data model: 1-4 trace ... 21-24 fatal).
pub(super) fn level(severity_text: &str, severity_number: i32) -> Option<String> {
    if !severity_text.trim().is_empty() {
        return Some(severity_text.trim().to_owned());
    }
    let level = match severity_number {
        1..=4 => "trace",
        5..=8 => "debug",
        9..=12 => "info",
        13..=16 => "warning",
        17..=20 => "error",
        21..=24 => "fatal",
        _ => return None,
    };
    Some(level.to_owned())
}

/// Rough size in bytes, to charge copies of resource fields to the budget.
pub(super) fn size(fields: &Map<String, Value>) -> usize {
    fields
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(8, str::len))
        .sum()
}

fn scalar(v: &Av) -> Option<Value> {
    Some(match v {
        Av::StringValue(s) if !s.trim().is_empty() => Value::String(s.clone()),
        Av::IntValue(i) => Value::Number((*i).into()),
        Av::BoolValue(b) => Value::Bool(*b),
        Av::DoubleValue(d) => serde_json::Number::from_f64(*d).map(Value::Number)?,
        _ => return None,
    })
}

fn is_ip(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.trim().parse::<std::net::IpAddr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::AnyValue;

    fn kv(k: &str, v: Av) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue { value: Some(v) }),
            ..Default::default()
        }
    }

    #[test]
    fn current_names_win_over_old_ones_and_host_names_are_not_addresses() {
        let mut out = Map::new();
        map_attributes(
            &[
                kv("net.peer.ip", Av::StringValue("10.0.0.1".into())),
                kv("client.address", Av::StringValue("192.0.2.10".into())),
                kv("http.status_code", Av::IntValue(500)),
                kv("http.response.status_code", Av::IntValue(401)),
                kv("destination.address", Av::StringValue("db.internal".into())),
            ],
            &mut out,
        );
        assert_eq!(out["source.ip"], "192.0.2.10");
        assert_eq!(out["http.response.status_code"], 401);
        assert!(!out.contains_key("destination.ip"), "{out:?}");
    }

    #[test]
    fn severity_number_ranges() {
        assert_eq!(level("", 9).as_deref(), Some("info"));
        assert_eq!(level("", 17).as_deref(), Some("error"));
        assert_eq!(level("WARN", 17).as_deref(), Some("WARN"));
        assert_eq!(level("", 0), None);
    }
}
