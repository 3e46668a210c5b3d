//! Builders of the OCSF objects an event's ECS fields fill.
//!
//! Each builder returns `None` when the event lacks what the object needs to
//! be valid (its required attributes and its "at least one of" constraint),
//! so a caller never emits an object the schema rejects and never makes a
//! value up. Every builder records which ECS fields it consumed, so those do
//! not repeat under `unmapped`.

use crate::{Event, FieldRef, field};
use serde_json::{Map, Value as J, json};

/// An OCSF object under construction, with the ECS fields it took values from.
#[derive(Debug, Default, Clone)]
pub struct Obj {
    pub map: Map<String, J>,
    pub uses: Vec<&'static str>,
}

impl Obj {
    /// Sets `key` from the ECS field `ecs` when the event has it as a string.
    pub fn str(&mut self, ev: &Event, key: &str, ecs: &'static str) -> &mut Self {
        if let Some(v) = ev.get_str(ecs).filter(|s| !s.is_empty()) {
            self.map.insert(key.into(), J::from(v));
            self.uses.push(ecs);
        }
        self
    }

    /// Sets `key` from the ECS field `ecs` when the event has it as an integer.
    pub fn int(&mut self, ev: &Event, key: &str, ecs: &'static str) -> &mut Self {
        if let Some(FieldRef::Int(v)) = ev.get(ecs) {
            self.map.insert(key.into(), J::from(v));
            self.uses.push(ecs);
        }
        self
    }

    /// Sets `key` from the first string of the ECS list field `ecs`
    /// (`host.ip`, which ECS keeps as an array; OCSF has one address).
    pub fn first_of_list(&mut self, ev: &Event, key: &str, ecs: &'static str) -> &mut Self {
        let (first, all) = match ev.get(ecs) {
            Some(FieldRef::List(l)) => (l.first().map(String::as_str), l.len() == 1),
            Some(FieldRef::Str(s)) => (Some(s), true),
            _ => (None, false),
        };
        if let Some(v) = first {
            self.map.insert(key.into(), J::from(v));
            // A list of several stays whole under `unmapped` too.
            if all {
                self.uses.push(ecs);
            }
        }
        self
    }

    /// Sets `key` from the first of `ecs` the event has as a string.
    pub fn first_str(&mut self, ev: &Event, key: &str, ecs: &[&'static str]) -> &mut Self {
        if let Some(f) = ecs
            .iter()
            .find(|f| ev.get_str(f).is_some_and(|s| !s.is_empty()))
        {
            self.str(ev, key, f);
        }
        self
    }

    /// Sets `key` to a nested object when it is there.
    pub fn obj(&mut self, key: &str, o: Option<Obj>) -> &mut Self {
        if let Some(o) = o {
            self.uses.extend(o.uses);
            self.map.insert(key.into(), J::Object(o.map));
        }
        self
    }

    /// Sets `key` to a value derived from no ECS field (a caption, an enum).
    pub fn value(&mut self, key: &str, v: J) -> &mut Self {
        self.map.insert(key.into(), v);
        self
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn has_any(&self, keys: &[&str]) -> bool {
        keys.iter().any(|k| self.has(k))
    }

    /// `Some(self)` when at least one of `keys` is set (OCSF's `at_least_one`).
    pub fn valid_if_any(self, keys: &[&str]) -> Option<Obj> {
        self.has_any(keys).then_some(self)
    }
}

/// Whether the event's client reached the writer over the network (an
/// access log, an RPC) rather than calling it inside the same process (an
/// SDK event of the process that writes it).
pub fn is_remote_call(ev: &Event) -> bool {
    [
        field::SOURCE_IP,
        field::SOURCE_PORT,
        field::MLX_CLIENT_IP,
        field::NETWORK_PROTOCOL,
        field::HTTP_REQUEST_METHOD,
    ]
    .iter()
    .any(|f| ev.get(f).is_some())
}

/// `network_endpoint` of the client: `source.*`.
pub fn src_endpoint(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.str(ev, "ip", field::SOURCE_IP)
        .int(ev, "port", field::SOURCE_PORT)
        .str(ev, "name", field::MLX_CLIENT_IP);
    o.valid_if_any(&["ip", "name"])
}

/// `network_endpoint` of the host that wrote the log: the source of an
/// in-process call, the destination of a request it served.
pub fn host_endpoint(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.str(ev, "hostname", field::HOST_NAME)
        .first_of_list(ev, "ip", field::HOST_IP);
    o.valid_if_any(&["hostname", "ip"])
}

/// `network_endpoint` a request was directed to: `destination.*`, else the
/// host that wrote the log (a server logs the requests it serves).
pub fn dst_endpoint(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.str(ev, "ip", field::DESTINATION_IP)
        .int(ev, "port", field::DESTINATION_PORT)
        .str(ev, "hostname", field::HOST_NAME);
    o.valid_if_any(&["ip", "hostname"])
}

/// `device`: the host that wrote the log. Its type is not known from logs,
/// so `type_id` is 0 Unknown.
pub fn device(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.str(ev, "hostname", field::HOST_NAME)
        .first_of_list(ev, "ip", field::HOST_IP);
    let mut o = o.valid_if_any(&["hostname", "ip"])?;
    o.value("type_id", json!(0)).value("type", json!("Unknown"));
    Some(o)
}

/// `user` named by one ECS field.
pub fn user(ev: &Event, ecs: &'static str) -> Option<Obj> {
    let mut o = Obj::default();
    o.str(ev, "name", ecs);
    o.valid_if_any(&["name"])
}

/// `actor` of a call received over the network: the authenticated user and
/// the client application (as the client names itself).
pub fn caller(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.obj("user", user(ev, field::USER_NAME)).first_str(
        ev,
        "app_name",
        &[
            field::MLX_CLIENT_APP,
            field::MESOS_FRAMEWORK_NAME,
            field::USER_AGENT_ORIGINAL,
        ],
    );
    o.valid_if_any(&["user", "app_name"])
}

/// `actor` that is the writer itself (a service acting on its own, or the
/// application an SDK runs in): its user, its name and its process.
pub fn writer(ev: &Event) -> Obj {
    let mut o = Obj::default();
    o.obj("user", user(ev, field::USER_NAME));
    if ev.get_str(field::MESOS_FRAMEWORK_NAME).is_some() {
        // A Mesos task or executor acts for the framework that launched it.
        o.str(ev, "app_name", field::MESOS_FRAMEWORK_NAME);
    } else {
        o.first_str(
            ev,
            "app_name",
            &[field::MLX_CLIENT_APP, field::SERVICE_NAME],
        );
        if !o.has("app_name") {
            o.value("app_name", json!(ev.module));
        }
        let mut p = Obj::default();
        p.int(ev, "pid", field::PROCESS_PID);
        o.obj("process", p.valid_if_any(&["pid"]));
    }
    o
}

/// Ids of the unit of work a process event is about, most specific first.
const PROCESS_UIDS: &[&str] = &[
    field::RAY_WORKER_ID,
    field::RAY_TASK_ID,
    field::RAY_ACTOR_ID,
    field::RAY_JOB_SUBMISSION_ID,
    field::RAY_JOB_ID,
    field::MESOS_TASK_ID,
    field::MESOS_EXECUTOR_ID,
    field::MESOS_CONTAINER_ID,
];

/// `process` a process event is about (launched, terminated): its pid where
/// the source gives it, else the id the system gave the worker, task or
/// container that runs it. `None` when the event names no such process.
pub fn subject_process(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.int(ev, "pid", field::RAY_WORKER_PID);
    if !o.has("pid") {
        o.int(ev, "pid", field::RAY_DRIVER_PID);
    }
    o.first_str(ev, "uid", PROCESS_UIDS);
    let mut o = o.valid_if_any(&["pid", "uid"])?;
    o.str(ev, "cmd_line", field::PROCESS_COMMAND_LINE)
        .obj("user", user(ev, field::MESOS_TASK_USER));
    Some(o)
}

/// Whether the event names a unit of work other than its writer.
pub fn names_subject(ev: &Event) -> bool {
    subject_process(ev).is_some()
}

/// `http_request`: method, URL, user agent, version.
pub fn http_request(ev: &Event) -> Option<Obj> {
    let mut url = Obj::default();
    url.str(ev, "path", field::URL_PATH)
        .str(ev, "query_string", field::URL_QUERY)
        .str(ev, "url_string", field::URL_ORIGINAL);
    let mut o = Obj::default();
    o.str(ev, "http_method", field::HTTP_REQUEST_METHOD)
        .obj("url", url.valid_if_any(&["path", "url_string"]))
        .str(ev, "user_agent", field::USER_AGENT_ORIGINAL)
        .str(ev, "version", field::HTTP_VERSION)
        .str(ev, "referrer", field::HTTP_REQUEST_REFERRER)
        .int(ev, "body_length", field::HTTP_REQUEST_BODY_BYTES);
    o.valid_if_any(&["http_method", "url", "user_agent"])
}

/// `http_response`: needs the status code.
pub fn http_response(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.int(ev, "code", field::HTTP_RESPONSE_STATUS_CODE);
    let mut o = o.valid_if_any(&["code"])?;
    o.int(ev, "body_length", field::HTTP_RESPONSE_BODY_BYTES);
    Some(o)
}

/// Fields naming the operation of an API call, per system.
const API_OPERATIONS: &[&str] = &[
    field::MILVUS_METHOD,
    field::MESOS_CALL,
    field::RAY_API_OPERATION,
    field::MLX_API,
];

/// The operation of an API call: the system's own name for it, else the
/// HTTP method and path.
fn operation(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.first_str(ev, "operation", API_OPERATIONS);
    if !o.has("operation")
        && let (Some(m), Some(p)) = (
            ev.get_str(field::HTTP_REQUEST_METHOD),
            ev.get_str(field::URL_PATH),
        )
    {
        // Also in http_request, where these fields are mapped.
        o.value("operation", json!(format!("{m} {p}")));
    }
    o.valid_if_any(&["operation"])
}

/// `api`: operation, service, request id, response code and error.
/// `operation_override` names the operation when the event itself is the
/// record of one (an audit record's action).
pub fn api(ev: &Event, operation_override: Option<&str>) -> Option<Obj> {
    let mut o = match operation_override {
        Some(op) => {
            let mut o = Obj::default();
            o.value("operation", json!(op));
            o
        }
        None => operation(ev)?,
    };
    let mut service = Obj::default();
    service.str(ev, "name", field::SERVICE_NAME);
    let mut request = Obj::default();
    request.first_str(
        ev,
        "uid",
        &[field::MLX_REQUEST_ID, field::MILVUS_REQUEST_ID],
    );
    let mut response = Obj::default();
    response
        .int(ev, "code", field::MILVUS_ERROR_CODE)
        .str(ev, "error", field::ERROR_TYPE)
        .str(ev, "error_message", field::ERROR_MESSAGE);
    o.obj("service", service.valid_if_any(&["name"]))
        .obj("request", request.valid_if_any(&["uid"]))
        .obj(
            "response",
            response.valid_if_any(&["code", "error", "error_message"]),
        );
    Some(o)
}

/// `resources` of an API call: the Milvus collection it touched.
pub fn resources(ev: &Event) -> Option<(J, &'static str)> {
    let name = ev.get_str(field::MILVUS_COLLECTION)?;
    Some((
        json!([{"name": name, "type": "collection"}]),
        field::MILVUS_COLLECTION,
    ))
}

/// `trace`: the distributed trace id (trace profile).
pub fn trace(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.str(ev, "uid", field::TRACE_ID);
    o.valid_if_any(&["uid"])
}

/// `group` acted upon: `group.name`, else the Milvus role.
pub fn group(ev: &Event) -> Option<Obj> {
    let mut o = Obj::default();
    o.first_str(ev, "name", &[field::GROUP_NAME, field::MILVUS_ROLE]);
    o.valid_if_any(&["name"])
}

/// `service` or `app` (`product`) named by the writer: `service.name`
/// (with `service.version`), else the source system.
pub fn product(ev: &Event) -> Obj {
    let mut o = Obj::default();
    o.str(ev, "name", field::SERVICE_NAME);
    if !o.has("name") {
        o.value("name", json!(ev.module));
    }
    o.str(ev, "version", field::SERVICE_VERSION);
    o
}
