//! Turns a main-log entry (text or JSON encoder) into event fields: the
//! well-known context keys Milvus logs (`traceID`, `username`, `db_name`,
//! `collection`, `error`...) to their ECS / `milvus.*` fields, everything
//! else to `milvus.<key>` typed, and the message to its security meaning
//! (see [`crate::semantics`]).

use crate::component::{self, StreamRole};
use crate::fields::FVal;
use crate::semantics;
use sightline_decode::{Event, Value, field, helpers};
use std::borrow::Cow;

/// A main-log entry, independent of the encoder.
pub struct Entry<'e, 'a> {
    pub level: &'e str,
    pub logger: Option<&'e str>,
    pub caller: Option<&'e str>,
    pub message: &'e str,
    pub fields: &'e [(Cow<'a, str>, FVal<'a>)],
}

/// What the well-known keys said; semantics decides where some of them go
/// (a `username` is the actor of a login but the target of CreateCredential).
#[derive(Debug, Default)]
pub struct Slots {
    pub user: Option<String>,
    pub roles: Option<Vec<String>>,
    pub role_name: Option<String>,
    pub object_type: Option<String>,
    pub object_name: Option<String>,
    pub privilege: Option<String>,
    pub database: Option<String>,
    pub collection: Option<String>,
    /// A bare `name` (rootcoord logs the collection or database name so).
    pub name: Option<String>,
    pub partition: Option<Value>,
    pub method: Option<String>,
    pub error: Option<String>,
    pub error_verbose: Option<String>,
    pub stack: Option<String>,
    pub error_code: Option<i64>,
    pub req: Option<String>,
    pub expr: Option<String>,
    pub output_fields: Option<Vec<String>>,
    pub consistency: Option<String>,
    pub component: Option<&'static str>,
}

/// Fills `ev` from a main-log entry.
pub fn fill(ev: &mut Event, e: &Entry<'_, '_>, role: &StreamRole) {
    ev.level = Some(helpers::normalize_level(e.level).to_owned());
    ev.message = e.message.to_owned();
    if let Some(l) = e.logger.filter(|l| !l.is_empty()) {
        ev.set(field::LOG_LOGGER, l);
    }
    if let Some((file, line)) = e.caller.and_then(|c| c.rsplit_once(':')) {
        ev.set(field::LOG_ORIGIN_FILE, file);
        if let Ok(n) = line.parse::<i64>() {
            ev.set(field::LOG_ORIGIN_LINE, n);
        }
    }
    let mut slots = Slots::default();
    for (k, v) in e.fields {
        take(ev, &mut slots, k, v);
    }
    // The caller's package is the most specific clue, then the file the
    // process writes, then a `role` field naming a component.
    let comp = e
        .caller
        .and_then(component::from_caller)
        .or(role.component)
        .or(slots.component);
    if let Some(c) = comp {
        ev.dataset = Cow::Borrowed(component::dataset(c));
        ev.set(field::MILVUS_COMPONENT, c);
        ev.set(field::SERVICE_NAME, c);
    } else {
        ev.dataset = Cow::Borrowed(component::dataset(""));
    }
    semantics::classify(ev, e, &mut slots);
    write_slots(ev, slots);
}

/// Routes one context field to its slot, its field, or `milvus.<key>`.
fn take(ev: &mut Event, s: &mut Slots, key: &str, v: &FVal<'_>) {
    let text = || v.text().into_owned();
    let nonempty = || Some(text()).filter(|t| !t.is_empty());
    match key {
        "traceID" | "traceId" | "trace_id" | "TraceID" => {
            if !v.is_empty() {
                let t = text();
                ev.set(field::TRACE_ID, t.as_str());
                ev.set(field::MILVUS_TRACE_ID, t);
            }
        }
        "username" | "userName" | "user_name" | "user" | "UserName" => {
            s.user = s.user.take().or_else(nonempty)
        }
        "role_names" | "roleNames" | "roles" => {
            if s.roles.is_none() {
                s.roles = Some(v.list());
            }
        }
        // `role` is usually the logging component (`[role=proxy]`); a value
        // that is not a component name is an RBAC role.
        "role" => match component::canonical(&v.text()) {
            Some(c) => s.component = Some(c),
            None => s.role_name = s.role_name.take().or_else(nonempty),
        },
        "role_name" | "roleName" | "RoleName" => s.role_name = nonempty().or(s.role_name.take()),
        "object_type" | "objectType" => s.object_type = nonempty(),
        "object_name" | "objectName" => s.object_name = nonempty(),
        "object_privilege" | "privilege" | "privilegeName" | "privilege_name" => {
            s.privilege = nonempty()
        }
        "db_name" | "dbName" | "db" | "database" | "databaseName" | "database_name" => {
            s.database = s.database.take().or_else(nonempty)
        }
        "collection" | "collection_name" | "collectionName" | "collName" => {
            s.collection = s.collection.take().or_else(nonempty)
        }
        "name" => s.name = nonempty(),
        "partition" | "partitions" | "partition_name" | "partitionName" | "partitionNames"
        | "partition_names" => {
            let l = v.list();
            s.partition = match l.len() {
                0 => s.partition.take(),
                1 => l.into_iter().next().map(Value::Str),
                _ => Some(Value::List(l)),
            };
        }
        "method" | "Method" => s.method = nonempty(),
        "error" | "err" => s.error = nonempty(),
        "errorVerbose" | "errVerbose" => s.error_verbose = nonempty(),
        "stack" | "stacktrace" => s.stack = nonempty(),
        "errorCode" | "error_code" | "ErrorCode" => s.error_code = v.int(),
        "req" | "request" => s.req = nonempty(),
        "expr" | "expression" | "dsl" | "filter" => s.expr = nonempty(),
        "output_fields" | "outputFields" => s.output_fields = Some(v.list()),
        "ConsistencyLevel" | "consistency_level" | "consistencyLevel" => s.consistency = nonempty(),
        "nq" | "NQ" => set_int(ev, field::MILVUS_NQ, key, v),
        "collectionID" | "collectionId" | "collection_id" | "CollectionID" => {
            set_int(ev, field::MILVUS_COLLECTION_ID, key, v)
        }
        "topK" | "topk" | "TopK" | "top_k" => set_int(ev, field::MILVUS_TOPK, key, v),
        "duration" | "timeTaken" | "timeCost" | "elapse" | "elapsed" | "latency" | "cost"
        | "timeUsed" => match v.duration_ns() {
            Some(ns) if !ev.fields.contains_key(field::EVENT_DURATION) => {
                ev.set(field::EVENT_DURATION, ns);
            }
            _ => generic(ev, key, v),
        },
        _ => generic(ev, key, v),
    }
}

/// An integer field, or the label when the value is not an integer.
fn set_int(ev: &mut Event, name: &'static str, key: &str, v: &FVal<'_>) {
    match v.int() {
        Some(i) => {
            ev.set(name, i);
        }
        None => generic(ev, key, v),
    }
}

/// Any other key: a label with the value as the encoder wrote it. Only
/// catalogued fields (`field::SCHEMA`) become typed event fields, so the
/// open-ended operational keys (`segmentID`, `planID`, `"disk usage"`...)
/// stay labels.
fn generic(ev: &mut Event, key: &str, v: &FVal<'_>) {
    // A stray plain group has no key: keep its text.
    let key = if key.is_empty() { "extra" } else { key };
    ev.label(key, v.text().into_owned());
}

fn write_slots(ev: &mut Event, s: Slots) {
    if let Some(r) = s.roles.filter(|r| !r.is_empty()) {
        ev.set(field::USER_ROLES, r);
    }
    if let Some(x) = s.role_name {
        ev.set(field::MILVUS_ROLE, x);
    }
    if let Some(x) = s.object_type {
        ev.set(field::MILVUS_OBJECT_TYPE, x);
    }
    if let Some(x) = s.object_name {
        ev.set(field::MILVUS_OBJECT_NAME, x);
    }
    if let Some(x) = s.privilege {
        ev.set(field::MILVUS_PRIVILEGE, x);
    }
    if let Some(x) = s.database {
        ev.set(field::MILVUS_DATABASE, x);
    }
    if let Some(x) = s.collection {
        ev.set(field::MILVUS_COLLECTION, x);
    }
    if let Some(x) = s.name {
        ev.label("name", x);
    }
    if let Some(x) = s.partition {
        ev.set(field::MILVUS_PARTITION, x);
    }
    if let Some(x) = s.method {
        ev.set(field::MILVUS_METHOD, x);
    }
    if let Some(x) = s.error {
        ev.set(field::ERROR_MESSAGE, x);
    }
    if let Some(x) = s.error_verbose.or(s.stack) {
        ev.set(field::ERROR_STACK_TRACE, x);
    }
    if let Some(x) = s.error_code {
        ev.set(field::MILVUS_ERROR_CODE, x);
    }
    if let Some(x) = s.req {
        ev.label("req", x);
    }
    if let Some(x) = s.expr {
        ev.set(field::MILVUS_EXPR, x);
    }
    if let Some(x) = s.output_fields.filter(|l| !l.is_empty()) {
        ev.set(field::MILVUS_OUTPUT_FIELDS, x);
    }
    if let Some(x) = s.consistency {
        ev.set(field::MILVUS_CONSISTENCY_LEVEL, x);
    }
    if let Some(u) = s.user {
        ev.set(field::USER_NAME, u);
    }
}
