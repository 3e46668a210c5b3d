//! Mapping to the Open Cybersecurity Schema Framework (OCSF 1.8.0).
//!
//! Used by `sightline parse --format ocsf`. The class is chosen from the ECS
//! categories, but only when the event has what that class requires (a
//! Process Activity needs the process and the host, an API Activity the
//! operation, the caller and where it came from...); otherwise the next
//! fitting class is tried, down to Base Event, so every object is valid
//! against the OCSF schema without a value being made up. Fields OCSF has no
//! slot for stay under `unmapped` with their ECS names, so nothing is lost.
//! docs/schema.md has the class table; scripts/schema-check validates the
//! output of every corpus event against the official schema.

mod class;
mod objects;

pub use class::OcsfClass;
use class::*;
use objects::Obj;

use crate::{Event, Outcome, action, field};
use serde_json::{Map, Value as J, json};
use std::collections::BTreeSet;

/// OCSF schema version written into `metadata.version`.
pub const OCSF_VERSION: &str = "1.8.0";

/// Dataset of the server's audit records: each is the record of one API
/// call a user made, so it maps to API Activity.
const AUDIT_DATASET: &str = "sightline.audit";

/// Every class [`to_ocsf`] can emit.
pub fn classes() -> &'static [OcsfClass] {
    class::ALL
}

fn has_cat(ev: &Event, c: &str) -> bool {
    ev.category.iter().any(|x| x == c)
}

fn has_type(ev: &Event, t: &str) -> bool {
    ev.event_type.iter().any(|x| x == t)
}

/// The classes that fit the event's categories, best first; Base Event last.
fn candidates(ev: &Event) -> Vec<OcsfClass> {
    let mut c = Vec::new();
    if ev.dataset == AUDIT_DATASET {
        c.push(API_ACTIVITY);
    }
    if has_cat(ev, "authentication") {
        c.push(AUTHENTICATION);
    }
    if has_cat(ev, "iam") {
        if has_type(ev, "group") {
            c.push(GROUP_MANAGEMENT);
        }
        // An authorization decision (denied, allowed) changes no account.
        if ["user", "creation", "deletion", "change"]
            .iter()
            .any(|t| has_type(ev, t))
        {
            c.push(ACCOUNT_CHANGE);
        }
    }
    if has_cat(ev, "process") {
        c.push(PROCESS_ACTIVITY);
    }
    if has_cat(ev, "web") {
        c.push(HTTP_ACTIVITY);
    }
    if has_cat(ev, "database") || has_cat(ev, "api") {
        c.push(API_ACTIVITY);
    }
    if has_cat(ev, "configuration") || has_cat(ev, "host") {
        c.push(APPLICATION_LIFECYCLE);
    }
    // Any call that names its operation is an API call, whatever else it is.
    c.push(API_ACTIVITY);
    // A program that started or stopped without naming another process
    // (a service, the SDK's host application) is that application's lifecycle.
    if has_cat(ev, "process")
        && (has_type(ev, "start") || has_type(ev, "end"))
        && !objects::names_subject(ev)
    {
        c.push(APPLICATION_LIFECYCLE);
    }
    c.push(BASE_EVENT);
    c
}

/// Whether the event has everything `class` requires.
fn fits(class: OcsfClass, ev: &Event) -> bool {
    match class.uid {
        3002 => objects::user(ev, field::USER_NAME).is_some(),
        3001 => objects::user(ev, field::USER_TARGET_NAME).is_some(),
        3006 => objects::group(ev).is_some(),
        1007 => objects::subject_process(ev).is_some() && objects::device(ev).is_some(),
        4002 => objects::http_request(ev).is_some() || objects::http_response(ev).is_some(),
        6003 => api_parts(ev).is_some(),
        _ => true,
    }
}

/// Picks the OCSF class for an event.
pub fn class_of(ev: &Event) -> OcsfClass {
    candidates(ev)
        .into_iter()
        .find(|c| fits(*c, ev))
        .unwrap_or(BASE_EVENT)
}

/// The three objects API Activity requires: `api`, `actor`, `src_endpoint`.
/// A call received over the network has its client as source and actor; a
/// call inside the writing process (an SDK event) comes from the host that
/// wrote it, made by the application the SDK runs in.
fn api_parts(ev: &Event) -> Option<(Obj, Obj, Obj)> {
    let audit_op = (ev.dataset == AUDIT_DATASET)
        .then_some(ev.action.as_deref())
        .flatten();
    let api = objects::api(ev, audit_op)?;
    if objects::is_remote_call(ev) {
        Some((api, objects::caller(ev)?, objects::src_endpoint(ev)?))
    } else {
        Some((api, objects::writer(ev), objects::host_endpoint(ev)?))
    }
}

/// The OCSF activity id within the class, from the ECS event types and action.
fn activity_id(class: OcsfClass, ev: &Event) -> u32 {
    let t = |x: &str| has_type(ev, x);
    let act = ev.action.as_deref().unwrap_or("");
    let other = if ev.action.is_some() { 99 } else { 0 };
    match class.uid {
        3002 if act == action::SESSION_CLOSED => 2,
        3002 => 1,
        3001 if t("creation") => 1,
        3001 if t("deletion") => 6,
        3001 if act == action::CREDENTIAL_CHANGED => 3,
        3006 if act == action::PRIVILEGE_GRANTED => 1,
        3006 if act == action::PRIVILEGE_REVOKED => 2,
        3006 if t("creation") => 6,
        3006 if t("deletion") => 5,
        1007 if t("start") => 1,
        1007 if t("end") => 2,
        4002 => match ev.get_str(field::HTTP_REQUEST_METHOD) {
            Some("CONNECT") => 1,
            Some("DELETE") => 2,
            Some("GET") => 3,
            Some("HEAD") => 4,
            Some("OPTIONS") => 5,
            Some("POST") => 6,
            Some("PUT") => 7,
            Some("TRACE") => 8,
            Some("PATCH") => 9,
            Some(_) => 99,
            None => other,
        },
        6003 if t("creation") => 1,
        6003 if t("deletion") => 4,
        6003 if t("change") => 3,
        6003 if t("access") => 2,
        6002 if t("start") => 3,
        6002 if t("end") => 4,
        _ => other,
    }
}

fn severity(level: Option<&str>) -> (u32, &'static str) {
    match level {
        Some("debug" | "trace" | "info" | "notice") => (1, "Informational"),
        Some("warning" | "warn") => (2, "Low"),
        Some("error") => (3, "Medium"),
        Some("critical" | "alert") => (5, "Critical"),
        Some("fatal" | "emergency") => (6, "Fatal"),
        _ => (0, "Unknown"),
    }
}

/// The event being converted, the ECS fields already mapped, and the OCSF
/// profiles the output uses (listed in `metadata.profiles`, so a validator
/// checks it against the right schema).
struct Out<'a> {
    ev: &'a Event,
    map: Map<String, J>,
    used: BTreeSet<&'static str>,
    profiles: BTreeSet<&'static str>,
}

impl Out<'_> {
    fn put(&mut self, key: &str, o: Option<Obj>) {
        if let Some(o) = o {
            self.used.extend(o.uses);
            self.map.insert(key.into(), J::Object(o.map));
        }
    }

    /// `device` of the host that wrote the event (host profile).
    fn device(&mut self) {
        if let Some(d) = objects::device(self.ev) {
            self.profiles.insert("host");
            self.put("device", Some(d));
        }
    }

    fn str_field(&mut self, key: &str, ecs: &'static str) {
        if let Some(v) = self.ev.get_str(ecs) {
            self.map.insert(key.into(), json!(v));
            self.used.insert(ecs);
        }
    }
}

/// Converts an event to an OCSF object.
pub fn to_ocsf(ev: &Event) -> J {
    let class = class_of(ev);
    let mut out = Out {
        ev,
        map: Map::new(),
        used: BTreeSet::new(),
        profiles: BTreeSet::new(),
    };
    header(&mut out, class);
    match class.uid {
        3002 => authentication(&mut out),
        3001 => account_change(&mut out),
        3006 => group_management(&mut out),
        1007 => process_activity(&mut out),
        4002 => http_activity(&mut out),
        6003 => api_activity(&mut out),
        6002 => {
            out.put("app", Some(objects::product(ev)));
            out.device();
        }
        _ => out.device(),
    }
    out.str_field("status_code", field::ERROR_CODE);
    out.str_field("status_detail", field::ERROR_MESSAGE);
    metadata(&mut out);
    let observables = observables(&out.map);
    if !observables.is_empty() {
        out.map.insert("observables".into(), J::Array(observables));
    }
    let unmapped = unmapped(ev, &out.used);
    if !unmapped.is_empty() {
        out.map.insert("unmapped".into(), J::Object(unmapped));
    }
    J::Object(out.map)
}

/// Class, activity, time, severity, status and the record itself.
fn header(out: &mut Out<'_>, class: OcsfClass) {
    let ev = out.ev;
    let activity = activity_id(class, ev);
    let activity_name = match activity {
        99 => ev.action.as_deref().unwrap_or("Other"),
        id => class.activity_caption(id).unwrap_or("Unknown"),
    };
    let (status_id, status) = match ev.outcome {
        Outcome::Success => (1, "Success"),
        Outcome::Failure => (2, "Failure"),
        Outcome::Unknown => (0, "Unknown"),
    };
    let (severity_id, severity) = severity(ev.level.as_deref());
    let m = &mut out.map;
    m.insert("class_uid".into(), json!(class.uid));
    m.insert("class_name".into(), json!(class.name));
    m.insert("category_uid".into(), json!(class.category_uid));
    m.insert("category_name".into(), json!(class.category_name));
    m.insert("activity_id".into(), json!(activity));
    m.insert("activity_name".into(), json!(activity_name));
    m.insert("type_uid".into(), json!(class.uid * 100 + activity));
    m.insert(
        "type_name".into(),
        json!(format!("{}: {activity_name}", class.name)),
    );
    m.insert("time".into(), json!(ev.timestamp.as_millisecond()));
    m.insert("severity_id".into(), json!(severity_id));
    m.insert("severity".into(), json!(severity));
    m.insert("status_id".into(), json!(status_id));
    m.insert("status".into(), json!(status));
    m.insert("message".into(), json!(ev.message));
    m.insert("raw_data".into(), json!(ev.original));
}

fn metadata(out: &mut Out<'_>) {
    let ev = out.ev;
    let mut md = json!({
        "version": OCSF_VERSION,
        "uid": ev.id.to_string(),
        "log_name": ev.dataset,
        "log_provider": ev.module,
        "product": {
            "name": "Sightline",
            "vendor_name": "Sightline",
            "version": env!("CARGO_PKG_VERSION"),
        },
    });
    if let J::Object(m) = &mut md {
        if let Some(level) = &ev.level {
            m.insert("log_level".into(), json!(level));
        }
        // OCSF's `metadata.tags` are key/value pairs; its `labels` are the
        // plain strings ECS `tags` are.
        if !ev.tags.is_empty() {
            m.insert("labels".into(), json!(ev.tags));
        }
        if !out.profiles.is_empty() {
            m.insert("profiles".into(), json!(out.profiles));
        }
    }
    out.map.insert("metadata".into(), md);
}

fn authentication(out: &mut Out<'_>) {
    let ev = out.ev;
    out.put("user", objects::user(ev, field::USER_NAME));
    let mut actor = Obj::default();
    actor.obj("user", objects::user(ev, field::USER_NAME));
    out.put("actor", Some(actor));
    // The service authenticated to: the component that wrote the log.
    out.put("service", Some(objects::product(ev)));
    out.put("src_endpoint", objects::src_endpoint(ev));
    out.put("dst_endpoint", objects::dst_endpoint(ev));
    out.device();
}

fn account_change(out: &mut Out<'_>) {
    let ev = out.ev;
    out.put("user", objects::user(ev, field::USER_TARGET_NAME));
    out.put("actor", objects::caller(ev));
    out.put("src_endpoint", objects::src_endpoint(ev));
    out.device();
}

fn group_management(out: &mut Out<'_>) {
    let ev = out.ev;
    out.put("group", objects::group(ev));
    out.put("user", objects::user(ev, field::USER_TARGET_NAME));
    out.put("actor", objects::caller(ev));
    out.put("src_endpoint", objects::src_endpoint(ev));
    if let Some(p) = ev.get_str(field::MILVUS_PRIVILEGE) {
        out.map.insert("privileges".into(), json!([p]));
        out.used.insert(field::MILVUS_PRIVILEGE);
    }
    out.device();
}

fn process_activity(out: &mut Out<'_>) {
    let ev = out.ev;
    out.put("process", objects::subject_process(ev));
    out.put("actor", Some(objects::writer(ev)));
    if let Some(code) = ev.get_i64(field::PROCESS_EXIT_CODE) {
        out.map.insert("exit_code".into(), json!(code));
        out.used.insert(field::PROCESS_EXIT_CODE);
    }
    out.device();
}

fn http_activity(out: &mut Out<'_>) {
    let ev = out.ev;
    out.put("http_request", objects::http_request(ev));
    out.put("http_response", objects::http_response(ev));
    out.put("src_endpoint", objects::src_endpoint(ev));
    out.put("dst_endpoint", objects::dst_endpoint(ev));
    if let Some(t) = objects::trace(ev) {
        out.profiles.insert("trace");
        out.put("trace", Some(t));
    }
    if let Some(u) = objects::user(ev, field::USER_NAME) {
        // `actor` is a host-profile attribute of HTTP Activity.
        out.profiles.insert("host");
        let mut actor = Obj::default();
        actor.obj("user", Some(u));
        out.put("actor", Some(actor));
    }
    out.device();
}

fn api_activity(out: &mut Out<'_>) {
    let ev = out.ev;
    let Some((api, actor, src)) = api_parts(ev) else {
        return;
    };
    out.put("api", Some(api));
    out.put("actor", Some(actor));
    out.put("src_endpoint", Some(src));
    if objects::is_remote_call(ev) {
        out.put("dst_endpoint", objects::dst_endpoint(ev));
    }
    out.put("http_request", objects::http_request(ev));
    out.put("http_response", objects::http_response(ev));
    if let Some((r, ecs)) = objects::resources(ev) {
        out.map.insert("resources".into(), r);
        out.used.insert(ecs);
    }
    if let Some(t) = objects::trace(ev) {
        out.profiles.insert("trace");
        out.put("trace", Some(t));
    }
    out.device();
}

/// `observables`: the addresses, names and agents the object carries, each
/// pointing at its attribute, so a consumer can pivot on them.
fn observables(m: &Map<String, J>) -> Vec<J> {
    const PATHS: &[(&str, u32, &str)] = &[
        ("src_endpoint.ip", 2, "IP Address"),
        ("dst_endpoint.ip", 2, "IP Address"),
        ("device.ip", 2, "IP Address"),
        ("dst_endpoint.hostname", 1, "Hostname"),
        ("device.hostname", 1, "Hostname"),
        ("user.name", 4, "User Name"),
        ("actor.user.name", 4, "User Name"),
        ("http_request.user_agent", 16, "HTTP User-Agent"),
        ("process.cmd_line", 13, "Command Line"),
    ];
    PATHS
        .iter()
        .filter_map(|(path, type_id, type_name)| {
            let value = string_at(m, path)?;
            Some(json!({"name": path, "type_id": type_id, "type": type_name, "value": value}))
        })
        .collect()
}

/// The string at a dotted attribute path of the object.
fn string_at<'a>(m: &'a Map<String, J>, path: &str) -> Option<&'a str> {
    let mut parts = path.split('.');
    let mut v = m.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    v.as_str()
}

/// Every ECS field no OCSF attribute took, under its ECS name.
fn unmapped(ev: &Event, used: &BTreeSet<&'static str>) -> Map<String, J> {
    let mut u = Map::new();
    for (k, v) in &ev.fields {
        if !used.contains(k.as_ref()) {
            u.insert(k.to_string(), serde_json::to_value(v).unwrap_or(J::Null));
        }
    }
    if ev.kind != "event" {
        u.insert(field::EVENT_KIND.into(), json!(ev.kind));
    }
    if !ev.category.is_empty() {
        u.insert(field::EVENT_CATEGORY.into(), json!(ev.category));
    }
    if !ev.event_type.is_empty() {
        u.insert(field::EVENT_TYPE.into(), json!(ev.event_type));
    }
    if let Some(a) = &ev.action {
        u.insert(field::EVENT_ACTION.into(), json!(a));
    }
    if !ev.labels.is_empty() {
        u.insert(field::LABELS.into(), json!(ev.labels));
    }
    u
}

#[cfg(test)]
mod tests;
