//! Maps the key/value pairs of a structured log line (JSON, logfmt) onto
//! event fields: first the configured mapping (`DecodeOptions.json_mapping`),
//! then the keys common loggers use for time, level, message, host..., then
//! ECS field names passed through as they are, and everything else into
//! `labels` (bounded in count and size).

use crate::time::{epoch_f64, parse_time_text};
use sightline_decode::helpers::{
    normalize_level, parse_epoch_int, set_http_request_line, set_http_status, set_source_addr,
    set_url,
};
use sightline_decode::{Context, Event, Outcome, Value, field};
use sightline_event::action;
use sightline_event::field::FieldType;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Tag set when labels were dropped or cut because a line carried more than
/// [`MAX_LABELS`] keys, values longer than [`MAX_VALUE_BYTES`], or nesting
/// deeper than the flattening depth.
pub const LABELS_TRUNCATED: &str = "labels_truncated";
/// Most labels one event gets from its line.
pub const MAX_LABELS: usize = 200;
/// Longest label value kept, in bytes (cut at a character boundary).
pub const MAX_VALUE_BYTES: usize = 8192;
/// Longest key kept, in bytes.
const MAX_KEY_BYTES: usize = 256;

/// One value of a structured line.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// An array: its items' text when all are scalars, and its JSON text.
    Array(Option<Vec<String>>, String),
    /// An object kept whole (beyond the depth limit), as JSON text.
    Object(String),
}

impl Val<'_> {
    /// The text a label gets.
    fn text(&self) -> Option<Cow<'_, str>> {
        Some(match self {
            Val::Str(s) => Cow::Borrowed(s.as_ref()),
            Val::Int(i) => Cow::Owned(i.to_string()),
            Val::Float(f) => Cow::Owned(f.to_string()),
            Val::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Val::Null => return None,
            Val::Array(_, json) | Val::Object(json) => Cow::Borrowed(json.as_str()),
        })
    }

    fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Float(f) if f.fract() == 0.0 && f.abs() < 9e18 => Some(*f as i64),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

pub type Pair<'a> = (Cow<'a, str>, Val<'a>);

/// Where the keys that are not mapped go and how many are left.
struct Labels {
    room: usize,
    truncated: bool,
}

impl Labels {
    fn put(&mut self, ev: &mut Event, key: &str, val: &Val<'_>) {
        let Some(text) = val.text() else {
            return;
        };
        if self.room == 0 {
            self.truncated = true;
            return;
        }
        self.room -= 1;
        let key = if key.is_empty() {
            "_"
        } else {
            cut(key, MAX_KEY_BYTES)
        };
        let value = cut(&text, MAX_VALUE_BYTES);
        if value.len() < text.len() || key.len() > MAX_KEY_BYTES {
            self.truncated = true;
        }
        ev.label(key, value);
    }
}

/// `s` cut to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// What the mapping found that decides the dataset.
pub struct Mapped {
    pub has_message: bool,
}

/// Applies all pairs of one line to `ev`. `truncated` says whether the
/// caller already had to drop pairs (too deep, too many).
pub fn apply(ev: &mut Event, pairs: &[Pair<'_>], ctx: &Context<'_>, truncated: bool) -> Mapped {
    let mut used = vec![false; pairs.len()];
    let mut labels = Labels {
        room: MAX_LABELS,
        truncated,
    };

    // 1. The operator's mapping: exact keys, and prefixes for whole objects.
    let mut configured: Vec<String> = Vec::new();
    for (src, dst) in &ctx.options.json_mapping {
        for (i, (key, val)) in pairs.iter().enumerate() {
            if used[i] {
                continue;
            }
            let target: Cow<'_, str> = if key == src {
                Cow::Borrowed(dst.as_str())
            } else if let Some(suffix) = key
                .strip_prefix(src.as_str())
                .and_then(|s| s.strip_prefix('.'))
            {
                Cow::Owned(format!("{dst}.{suffix}"))
            } else {
                continue;
            };
            used[i] = set_named(ev, &target, val, true, &mut labels, ctx);
            if used[i] {
                configured.push(target.into_owned());
            }
        }
    }

    // 2. Common keys, the best-ranked key per slot.
    let mut best: [Option<(u8, usize)>; SLOTS] = [None; SLOTS];
    for (i, (key, _)) in pairs.iter().enumerate() {
        if used[i] {
            continue;
        }
        let lower: Cow<'_, str> = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(key.to_ascii_lowercase())
        } else {
            Cow::Borrowed(key.as_ref())
        };
        if let Some((slot, rank)) = alias(&lower) {
            let s = slot as usize;
            if best[s].is_none_or(|(r, _)| rank < r) {
                best[s] = Some((rank, i));
            }
        }
    }
    let mut http = false;
    for slot in SLOT_ORDER {
        if slot == Slot::Status && !http {
            continue;
        }
        // A field the operator's mapping already set is not overwritten.
        if configured.iter().any(|t| t == slot.field()) {
            continue;
        }
        if let Some((_, i)) = best[slot as usize] {
            let val = &pairs[i].1;
            if apply_slot(ev, slot, val, ctx) {
                used[i] = true;
                http |= matches!(slot, Slot::Method | Slot::Path | Slot::Url | Slot::Request);
            }
        }
    }
    if http && ev.action.is_none() && ev.get(field::HTTP_RESPONSE_STATUS_CODE).is_some() {
        ev.set_action(action::HTTP_REQUEST);
    }

    // 3. ECS names pass through; the rest become labels.
    for (i, (key, val)) in pairs.iter().enumerate() {
        if !used[i] && !set_named(ev, key, val, false, &mut labels, ctx) {
            labels.put(ev, key, val);
        }
    }
    if labels.truncated {
        ev.add_tag(LABELS_TRUNCATED);
    }
    Mapped {
        has_message: !ev.message.is_empty(),
    }
}

/// Known field types by name, built once from the schema.
static KNOWN: LazyLock<HashMap<&'static str, (&'static str, FieldType)>> = LazyLock::new(|| {
    field::SCHEMA
        .iter()
        .map(|s| (s.name, (s.name, s.ty)))
        .collect()
});

/// Sets the field called `name`. `configured` allows names outside the
/// schema (the operator asked for them). Returns false when the value does
/// not fit the field, so the caller keeps it as a label.
fn set_named(
    ev: &mut Event,
    name: &str,
    val: &Val<'_>,
    configured: bool,
    labels: &mut Labels,
    ctx: &Context<'_>,
) -> bool {
    match name {
        field::TIMESTAMP | field::MESSAGE | field::LOG_LEVEL => {
            // Handled by the slots (they parse and normalize); via a configured mapping too.
            let slot = match name {
                field::TIMESTAMP => Slot::Timestamp,
                field::MESSAGE => Slot::Message,
                _ => Slot::Level,
            };
            configured && apply_slot(ev, slot, val, ctx)
        }
        field::EVENT_ACTION => match val.str() {
            Some(s) if !s.is_empty() => {
                ev.set_action(s);
                true
            }
            _ => false,
        },
        field::EVENT_OUTCOME => match val.str().and_then(Outcome::parse) {
            Some(o) => {
                ev.outcome = o;
                true
            }
            None => false,
        },
        field::EVENT_CATEGORY | field::EVENT_TYPE => {
            let items: Vec<&str> = match val {
                Val::Str(s) => vec![s.as_ref()],
                Val::Array(Some(items), _) => items.iter().map(String::as_str).collect(),
                _ => return false,
            };
            for it in items {
                if name == field::EVENT_CATEGORY {
                    ev.add_category(it);
                } else {
                    ev.add_type(it);
                }
            }
            true
        }
        field::EVENT_KIND => match val.str() {
            Some(k @ ("event" | "alert" | "metric" | "state" | "signal" | "enrichment")) => {
                ev.kind = Cow::Owned(k.to_owned());
                true
            }
            _ => false,
        },
        // Identity and provenance stay ours: the source's values become labels.
        field::EVENT_ID
        | field::EVENT_MODULE
        | field::EVENT_DATASET
        | field::EVENT_ORIGINAL
        | field::TAGS => false,
        _ => {
            if let Some(k) = name.strip_prefix("labels.") {
                labels.put(ev, k, val);
                return true;
            }
            if let Some((static_name, ty)) = KNOWN.get(name) {
                return match coerce(*ty, val) {
                    Some(v) => {
                        ev.set(static_name, v);
                        true
                    }
                    None => false,
                };
            }
            // Not in the schema (looked up above): known only as a system namespace.
            if configured
                || field::SYSTEM_NAMESPACES
                    .iter()
                    .any(|ns| name.starts_with(ns))
            {
                return match native(val) {
                    Some(v) => {
                        ev.set_dynamic(name.to_owned(), v);
                        true
                    }
                    None => false,
                };
            }
            false
        }
    }
}

/// A value converted to a schema type, or None when it does not fit.
fn coerce(ty: FieldType, val: &Val<'_>) -> Option<Value> {
    Some(match ty {
        FieldType::Keyword | FieldType::Text => match val {
            Val::Array(..) | Val::Object(_) | Val::Null => return None,
            other => Value::Str(other.text()?.into_owned()),
        },
        FieldType::Long => Value::Int(val.int()?),
        FieldType::Double => match val {
            Val::Int(i) => Value::Float(*i as f64),
            Val::Float(f) => Value::Float(*f),
            Val::Str(s) => Value::Float(s.trim().parse().ok()?),
            _ => return None,
        },
        FieldType::Boolean => match val {
            Val::Bool(b) => Value::Bool(*b),
            Val::Str(s) if s == "true" => Value::Bool(true),
            Val::Str(s) if s == "false" => Value::Bool(false),
            _ => return None,
        },
        FieldType::Ip => {
            let s = val.str()?.trim();
            s.parse::<std::net::IpAddr>().ok()?;
            Value::Str(s.to_owned())
        }
        FieldType::KeywordList => match val {
            Val::Str(s) => Value::List(vec![s.to_string()]),
            Val::Array(Some(items), _) => Value::List(items.clone()),
            _ => return None,
        },
        FieldType::IpList => {
            let items = match val {
                Val::Str(s) => vec![s.trim().to_owned()],
                Val::Array(Some(items), _) => items.iter().map(|i| i.trim().to_owned()).collect(),
                _ => return None,
            };
            if items.is_empty() || items.iter().any(|i| i.parse::<std::net::IpAddr>().is_err()) {
                return None;
            }
            Value::List(items)
        }
        // Objects are flattened into dotted names before they get here.
        FieldType::Timestamp | FieldType::Object => return None,
    })
}

/// A value kept with its own type (fields outside the schema).
fn native(val: &Val<'_>) -> Option<Value> {
    Some(match val {
        Val::Str(s) => Value::Str(s.to_string()),
        Val::Int(i) => Value::Int(*i),
        Val::Float(f) => Value::Float(*f),
        Val::Bool(b) => Value::Bool(*b),
        Val::Array(Some(items), _) => Value::List(items.clone()),
        Val::Array(None, json) | Val::Object(json) => Value::Str(json.clone()),
        Val::Null => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Timestamp,
    Level,
    Message,
    Host,
    Logger,
    Pid,
    Tid,
    ErrorMessage,
    ErrorType,
    ErrorStack,
    Caller,
    OriginFile,
    OriginLine,
    Service,
    TraceId,
    User,
    SourceIp,
    Method,
    Path,
    Url,
    Request,
    UserAgent,
    Referrer,
    Status,
}

impl Slot {
    /// The field a slot fills (the main one, for slots that fill several).
    fn field(self) -> &'static str {
        match self {
            Slot::Timestamp => field::TIMESTAMP,
            Slot::Level => field::LOG_LEVEL,
            Slot::Message => field::MESSAGE,
            Slot::Host => field::HOST_NAME,
            Slot::Logger => field::LOG_LOGGER,
            Slot::Pid => field::PROCESS_PID,
            Slot::Tid => field::PROCESS_THREAD_ID,
            Slot::ErrorMessage => field::ERROR_MESSAGE,
            Slot::ErrorType => field::ERROR_TYPE,
            Slot::ErrorStack => field::ERROR_STACK_TRACE,
            Slot::Caller | Slot::OriginFile => field::LOG_ORIGIN_FILE,
            Slot::OriginLine => field::LOG_ORIGIN_LINE,
            Slot::Service => field::SERVICE_NAME,
            Slot::TraceId => field::TRACE_ID,
            Slot::User => field::USER_NAME,
            Slot::SourceIp => field::SOURCE_IP,
            Slot::Method | Slot::Request => field::HTTP_REQUEST_METHOD,
            Slot::Path => field::URL_PATH,
            Slot::Url => field::URL_ORIGINAL,
            Slot::UserAgent => field::USER_AGENT_ORIGINAL,
            Slot::Referrer => field::HTTP_REQUEST_REFERRER,
            Slot::Status => field::HTTP_RESPONSE_STATUS_CODE,
        }
    }
}

const SLOTS: usize = 24;

/// Status last: it only counts as HTTP when a method, path or request line was seen.
const SLOT_ORDER: [Slot; SLOTS] = [
    Slot::Timestamp,
    Slot::Level,
    Slot::Message,
    Slot::Host,
    Slot::Logger,
    Slot::Pid,
    Slot::Tid,
    Slot::ErrorMessage,
    Slot::ErrorType,
    Slot::ErrorStack,
    Slot::Caller,
    Slot::OriginFile,
    Slot::OriginLine,
    Slot::Service,
    Slot::TraceId,
    Slot::User,
    Slot::SourceIp,
    Slot::Method,
    Slot::Path,
    Slot::Url,
    Slot::Request,
    Slot::UserAgent,
    Slot::Referrer,
    Slot::Status,
];

/// The slot a (lower-cased) key fills and its rank (lower wins).
fn alias(key: &str) -> Option<(Slot, u8)> {
    use Slot::*;
    Some(match key {
        "@timestamp" => (Timestamp, 0),
        "timestamp" => (Timestamp, 1),
        "time" => (Timestamp, 2),
        "ts" => (Timestamp, 3),
        "@t" => (Timestamp, 4),
        "datetime" => (Timestamp, 5),
        // python-json-logger's default field.
        "asctime" => (Timestamp, 6),
        "log.level" => (Level, 0),
        "level" => (Level, 1),
        "severity" => (Level, 2),
        "lvl" => (Level, 3),
        "loglevel" => (Level, 4),
        "log_level" => (Level, 5),
        "levelname" => (Level, 6),
        "@l" => (Level, 7),
        "severity_text" => (Level, 8),
        // Heroku's logfmt convention: at=info.
        "at" => (Level, 9),
        "message" => (Message, 0),
        "msg" => (Message, 1),
        "@m" => (Message, 2),
        "@mt" => (Message, 3),
        // Docker's json-file driver: {"log":"line\n","stream":"stderr","time":...}
        "log" => (Message, 4),
        // structlog names the message "event".
        "event" => (Message, 5),
        "host.name" => (Host, 0),
        "host" => (Host, 1),
        "hostname" => (Host, 2),
        "host_name" => (Host, 3),
        "log.logger" => (Logger, 0),
        "logger" => (Logger, 1),
        "logger_name" => (Logger, 2),
        "loggername" => (Logger, 3),
        // Python logging's record name; pino and bunyan's logger name.
        "name" => (Logger, 4),
        "process.pid" => (Pid, 0),
        "pid" => (Pid, 1),
        "process_id" => (Pid, 2),
        // Python logging's LogRecord attributes: process (pid), thread (id), exc_text.
        "process" => (Pid, 3),
        "process.thread.id" => (Tid, 0),
        "tid" => (Tid, 1),
        "thread_id" => (Tid, 2),
        "thread" => (Tid, 3),
        "error.message" => (ErrorMessage, 0),
        "error" => (ErrorMessage, 1),
        "err" => (ErrorMessage, 2),
        "error_message" => (ErrorMessage, 3),
        "err.message" => (ErrorMessage, 4),
        "error.msg" => (ErrorMessage, 5),
        "error.type" => (ErrorType, 0),
        "err.type" => (ErrorType, 1),
        "error.kind" => (ErrorType, 2),
        "error_type" => (ErrorType, 3),
        "error.stack_trace" => (ErrorStack, 0),
        "stack_trace" => (ErrorStack, 1),
        "stacktrace" => (ErrorStack, 2),
        "stack" => (ErrorStack, 3),
        "exception" => (ErrorStack, 4),
        "exc_info" => (ErrorStack, 5),
        "exc_text" => (ErrorStack, 9),
        "@x" => (ErrorStack, 6),
        "err.stack" => (ErrorStack, 7),
        "error.stack" => (ErrorStack, 8),
        "caller" => (Caller, 0),
        "log.origin.file.name" => (OriginFile, 0),
        "filename" => (OriginFile, 1),
        "log.origin.file.line" => (OriginLine, 0),
        "lineno" => (OriginLine, 1),
        "service.name" => (Service, 0),
        "service" => (Service, 1),
        "service_name" => (Service, 2),
        "app" => (Service, 3),
        "application" => (Service, 4),
        "app_name" => (Service, 5),
        "appname" => (Service, 6),
        "trace.id" => (TraceId, 0),
        "trace_id" => (TraceId, 1),
        "traceid" => (TraceId, 2),
        "user.name" => (User, 0),
        "user" => (User, 1),
        "username" => (User, 2),
        "user_name" => (User, 3),
        "source.ip" => (SourceIp, 0),
        "client_ip" => (SourceIp, 1),
        "clientip" => (SourceIp, 2),
        "remote_addr" => (SourceIp, 3),
        "remote_ip" => (SourceIp, 4),
        "src_ip" => (SourceIp, 5),
        "source_ip" => (SourceIp, 6),
        // pino-http / Node's request object.
        "req.remoteaddress" => (SourceIp, 7),
        "http.request.method" => (Method, 0),
        "method" => (Method, 1),
        "http_method" => (Method, 2),
        "request_method" => (Method, 3),
        "req.method" => (Method, 4),
        "url.path" => (Path, 0),
        "path" => (Path, 1),
        "request_path" => (Path, 2),
        "req.url" => (Path, 3),
        "url.original" => (Url, 0),
        "url" => (Url, 1),
        "uri" => (Url, 2),
        "request_uri" => (Url, 3),
        "request" => (Request, 0),
        "user_agent.original" => (UserAgent, 0),
        "user_agent" => (UserAgent, 1),
        "useragent" => (UserAgent, 2),
        "http_user_agent" => (UserAgent, 3),
        "http.request.referrer" => (Referrer, 0),
        "referer" => (Referrer, 1),
        "referrer" => (Referrer, 2),
        "http_referer" => (Referrer, 3),
        "http.response.status_code" => (Status, 0),
        "status" => (Status, 1),
        "status_code" => (Status, 2),
        "http_status" => (Status, 3),
        "res.statuscode" => (Status, 4),
        _ => return None,
    })
}

/// Sets the field(s) of one slot. Returns false when the value does not fit
/// (an unparsable time, a non-numeric pid...): the pair then stays a label.
fn apply_slot(ev: &mut Event, slot: Slot, val: &Val<'_>, ctx: &Context<'_>) -> bool {
    let s = val.str().map(str::trim).filter(|s| !s.is_empty());
    match slot {
        Slot::Timestamp => {
            let ts = match val {
                Val::Str(s) => parse_time_text(s, ctx.options),
                Val::Int(i) => parse_epoch_int(*i),
                Val::Float(f) => epoch_f64(*f),
                _ => None,
            };
            match ts {
                Some(ts) => {
                    ctx.stamp(ev, ts);
                    true
                }
                None => false,
            }
        }
        Slot::Level => {
            let level = match val {
                Val::Int(n) => numeric_level(*n),
                Val::Str(t) => match t.trim().parse::<i64>() {
                    Ok(n) => numeric_level(n),
                    Err(_) => word_level(t),
                },
                _ => None,
            };
            match level {
                Some(l) => {
                    ev.level = Some(l);
                    true
                }
                None => false,
            }
        }
        Slot::Message => match val {
            Val::Str(m) => {
                ev.message = m.trim_end().to_owned();
                true
            }
            _ => false,
        },
        Slot::Host => set_str(ev, field::HOST_NAME, s),
        Slot::Logger => set_str(ev, field::LOG_LOGGER, s),
        // A value starting with a digit is a measurement (Heroku's service=18ms), not a name.
        Slot::Service => set_str(
            ev,
            field::SERVICE_NAME,
            s.filter(|v| !v.starts_with(|c: char| c.is_ascii_digit())),
        ),
        Slot::TraceId => set_str(ev, field::TRACE_ID, s),
        Slot::User => set_str(ev, field::USER_NAME, s),
        Slot::ErrorMessage => set_str(ev, field::ERROR_MESSAGE, s),
        Slot::ErrorType => set_str(ev, field::ERROR_TYPE, s),
        Slot::OriginFile => set_str(ev, field::LOG_ORIGIN_FILE, s),
        Slot::UserAgent => set_str(ev, field::USER_AGENT_ORIGINAL, s),
        Slot::Referrer => set_str(ev, field::HTTP_REQUEST_REFERRER, s),
        Slot::Url => set_str(ev, field::URL_ORIGINAL, s),
        Slot::ErrorStack => match val {
            Val::Str(t) if !t.trim().is_empty() => {
                ev.set(field::ERROR_STACK_TRACE, t.trim_end());
                true
            }
            // Some formatters write the traceback as a list of lines.
            Val::Array(Some(lines), _) if !lines.is_empty() => {
                ev.set(field::ERROR_STACK_TRACE, lines.join("\n"));
                true
            }
            _ => false,
        },
        Slot::Pid => set_int(ev, field::PROCESS_PID, val, 0),
        Slot::Tid => set_int(ev, field::PROCESS_THREAD_ID, val, 0),
        Slot::OriginLine => set_int(ev, field::LOG_ORIGIN_LINE, val, 0),
        Slot::Caller => {
            // zap: "proxy/impl.go:123"
            let Some(c) = s else {
                return false;
            };
            match c.rsplit_once(':') {
                Some((file, line)) if !file.is_empty() && line.parse::<u32>().is_ok() => {
                    ev.set(field::LOG_ORIGIN_FILE, file);
                    ev.set(
                        field::LOG_ORIGIN_LINE,
                        line.parse::<u32>().unwrap_or_default(),
                    );
                }
                _ => {
                    ev.set(field::LOG_ORIGIN_FILE, c);
                }
            }
            true
        }
        Slot::SourceIp => {
            let Some(addr) = s else {
                return false;
            };
            set_source_addr(ev, addr);
            ev.fields.contains_key(field::SOURCE_IP)
        }
        Slot::Method => match s {
            Some(m) if m.len() <= 16 && m.bytes().all(|b| b.is_ascii_alphabetic()) => {
                ev.set(field::HTTP_REQUEST_METHOD, m.to_ascii_uppercase());
                true
            }
            _ => false,
        },
        Slot::Path => match s {
            Some(p) if p.starts_with('/') => {
                set_url(ev, p);
                true
            }
            _ => false,
        },
        Slot::Request => s.is_some_and(|r| set_http_request_line(ev, r)),
        Slot::Status => match val.int() {
            Some(code) if (100..=599).contains(&code) => {
                set_http_status(ev, code as u16);
                true
            }
            _ => false,
        },
    }
}

fn set_str(ev: &mut Event, name: &'static str, s: Option<&str>) -> bool {
    match s {
        Some(s) => {
            ev.set(name, s);
            true
        }
        None => false,
    }
}

fn set_int(ev: &mut Event, name: &'static str, val: &Val<'_>, min: i64) -> bool {
    match val.int() {
        Some(n) if n >= min => {
            ev.set(name, n);
            true
        }
        _ => false,
    }
}

/// Numeric levels: syslog severities 0-7, and pino/bunyan's 10..60.
fn numeric_level(n: i64) -> Option<String> {
    let l = match n {
        0 => "emergency",
        1 => "alert",
        2 => "critical",
        3 => "error",
        4 => "warning",
        5 => "notice",
        6 => "info",
        7 => "debug",
        10 => "trace",
        20 => "debug",
        30 => "info",
        40 => "warning",
        50 => "error",
        60 => "fatal",
        _ => return None,
    };
    Some(l.to_owned())
}

/// A level word, normalized; an unknown word is kept lower-cased (short ones only).
fn word_level(t: &str) -> Option<String> {
    let t = t.trim();
    if t.is_empty() || t.len() > 32 {
        return None;
    }
    Some(match normalize_level(t) {
        "unknown" => t.to_ascii_lowercase(),
        l => l.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("héllo", 3), "hé");
        assert_eq!(cut("abc", 10), "abc");
    }

    #[test]
    fn levels() {
        assert_eq!(numeric_level(30).as_deref(), Some("info"));
        assert_eq!(numeric_level(3).as_deref(), Some("error"));
        assert_eq!(numeric_level(35), None);
        assert_eq!(word_level("WARN").as_deref(), Some("warning"));
        assert_eq!(word_level("Verbose").as_deref(), Some("verbose"));
    }
}
