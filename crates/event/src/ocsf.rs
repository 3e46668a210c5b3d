//! Mapping to the Open Cybersecurity Schema Framework (OCSF 1.3).
//!
//! Used by `--format ocsf` and the OCSF forwarder. The class is chosen from
//! the ECS categories; fields OCSF has no slot for stay under `unmapped` with
//! their ECS names, so nothing is lost.

use crate::{Event, Outcome, field};
use serde_json::{Map, Value as J, json};

/// OCSF schema version written into `metadata.version`.
pub const OCSF_VERSION: &str = "1.3.0";

/// An OCSF event class: (class_uid, class_name, category_uid, category_name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OcsfClass {
    pub uid: u32,
    pub name: &'static str,
    pub category_uid: u32,
    pub category_name: &'static str,
}

const AUTHENTICATION: OcsfClass = OcsfClass {
    uid: 3002,
    name: "Authentication",
    category_uid: 3,
    category_name: "Identity & Access Management",
};
const ACCOUNT_CHANGE: OcsfClass = OcsfClass {
    uid: 3001,
    name: "Account Change",
    category_uid: 3,
    category_name: "Identity & Access Management",
};
const GROUP_MANAGEMENT: OcsfClass = OcsfClass {
    uid: 3006,
    name: "Group Management",
    category_uid: 3,
    category_name: "Identity & Access Management",
};
const HTTP_ACTIVITY: OcsfClass = OcsfClass {
    uid: 4002,
    name: "HTTP Activity",
    category_uid: 4,
    category_name: "Network Activity",
};
const PROCESS_ACTIVITY: OcsfClass = OcsfClass {
    uid: 1007,
    name: "Process Activity",
    category_uid: 1,
    category_name: "System Activity",
};
const API_ACTIVITY: OcsfClass = OcsfClass {
    uid: 6003,
    name: "API Activity",
    category_uid: 6,
    category_name: "Application Activity",
};
const APPLICATION_LIFECYCLE: OcsfClass = OcsfClass {
    uid: 6002,
    name: "Application Lifecycle",
    category_uid: 6,
    category_name: "Application Activity",
};
const BASE_EVENT: OcsfClass = OcsfClass {
    uid: 0,
    name: "Base Event",
    category_uid: 0,
    category_name: "Uncategorized",
};

/// Picks the OCSF class for an event from its ECS categories and types.
pub fn class_of(ev: &Event) -> OcsfClass {
    let has_cat = |c: &str| ev.category.iter().any(|x| x == c);
    let has_type = |t: &str| ev.event_type.iter().any(|x| x == t);
    if has_cat("authentication") {
        AUTHENTICATION
    } else if has_cat("iam") {
        if has_type("group") {
            GROUP_MANAGEMENT
        } else {
            ACCOUNT_CHANGE
        }
    } else if has_cat("process") {
        PROCESS_ACTIVITY
    } else if has_cat("web") {
        HTTP_ACTIVITY
    } else if has_cat("database") || has_cat("api") {
        API_ACTIVITY
    } else if has_cat("configuration") || has_cat("host") {
        APPLICATION_LIFECYCLE
    } else {
        BASE_EVENT
    }
}

/// The OCSF activity id within the class, from the ECS event types.
fn activity_id(class: OcsfClass, ev: &Event) -> u32 {
    let has_type = |t: &str| ev.event_type.iter().any(|x| x == t);
    match class.uid {
        // Authentication: 1 Logon.
        3002 => 1,
        // Account Change: 1 Create, 6 Delete, 3 Password change is not seen; 99 Other.
        3001 => {
            if has_type("creation") {
                1
            } else if has_type("deletion") {
                6
            } else {
                99
            }
        }
        // Group Management: 1 Assign Privileges, 2 Revoke Privileges, 5 Create, 6 Delete.
        3006 => {
            if has_type("creation") {
                5
            } else if has_type("deletion") {
                6
            } else {
                1
            }
        }
        // Process Activity: 1 Launch, 2 Terminate.
        1007 => {
            if has_type("end") {
                2
            } else if has_type("start") {
                1
            } else {
                99
            }
        }
        // HTTP Activity: by method.
        4002 => match ev.get_str(field::HTTP_REQUEST_METHOD) {
            Some("CONNECT") => 1,
            Some("DELETE") => 2,
            Some("GET") => 3,
            Some("HEAD") => 4,
            Some("OPTIONS") => 5,
            Some("POST") => 6,
            Some("PUT") => 7,
            Some("TRACE") => 8,
            _ => 99,
        },
        // API Activity: 1 Create, 2 Read, 3 Update, 4 Delete.
        6003 => {
            if has_type("creation") {
                1
            } else if has_type("deletion") {
                4
            } else if has_type("change") {
                3
            } else if has_type("access") {
                2
            } else {
                99
            }
        }
        // Application Lifecycle: 3 Start, 4 Stop.
        6002 => {
            if has_type("start") {
                3
            } else if has_type("end") {
                4
            } else {
                99
            }
        }
        _ => 0,
    }
}

/// Builds an OCSF object from (OCSF key, ECS field, value) triples, recording
/// which ECS fields it consumed; `None` when no value was present.
fn obj(mapped: &mut Vec<&'static str>, pairs: &[(&str, &'static str, Option<J>)]) -> Option<J> {
    let mut m = Map::new();
    for (key, ecs, v) in pairs {
        if let Some(v) = v.clone() {
            m.insert((*key).to_owned(), v);
            mapped.push(ecs);
        }
    }
    (!m.is_empty()).then_some(J::Object(m))
}

fn severity_id(level: Option<&str>) -> u32 {
    match level {
        Some("debug" | "trace" | "info" | "notice") => 1,
        Some("warning" | "warn") => 2,
        Some("error") => 3,
        Some("critical" | "alert") => 5,
        Some("fatal" | "emergency") => 6,
        _ => 0,
    }
}

/// Converts an event to an OCSF object.
pub fn to_ocsf(ev: &Event) -> J {
    let class = class_of(ev);
    let activity = activity_id(class, ev);
    let (status_id, status) = match ev.outcome {
        Outcome::Success => (1, "Success"),
        Outcome::Failure => (2, "Failure"),
        Outcome::Unknown => (0, "Unknown"),
    };
    let mut out = Map::new();
    out.insert("class_uid".into(), json!(class.uid));
    out.insert("class_name".into(), json!(class.name));
    out.insert("category_uid".into(), json!(class.category_uid));
    out.insert("category_name".into(), json!(class.category_name));
    out.insert("activity_id".into(), json!(activity));
    out.insert("type_uid".into(), json!(class.uid * 100 + activity));
    out.insert("time".into(), json!(ev.timestamp.as_millisecond()));
    out.insert(
        "severity_id".into(),
        json!(severity_id(ev.level.as_deref())),
    );
    out.insert("status_id".into(), json!(status_id));
    out.insert("status".into(), json!(status));
    out.insert("message".into(), json!(ev.message));
    out.insert("raw_data".into(), json!(ev.original));
    out.insert(
        "metadata".into(),
        json!({
            "version": OCSF_VERSION,
            "uid": ev.id.to_string(),
            "log_name": ev.dataset,
            "log_provider": ev.module,
            "product": {"name": "Sightline", "vendor_name": "Sightline"},
            "tags": ev.tags,
        }),
    );
    let s = |name: &str| ev.get_str(name).map(J::from);
    let i = |name: &str| ev.get_i64(name).map(J::from);
    let mut mapped: Vec<&'static str> = Vec::new();
    if let Some(src) = obj(
        &mut mapped,
        &[
            ("ip", field::SOURCE_IP, s(field::SOURCE_IP)),
            ("port", field::SOURCE_PORT, i(field::SOURCE_PORT)),
        ],
    ) {
        out.insert("src_endpoint".into(), src);
    }
    if let Some(dst) = obj(
        &mut mapped,
        &[
            ("ip", field::DESTINATION_IP, s(field::DESTINATION_IP)),
            ("port", field::DESTINATION_PORT, i(field::DESTINATION_PORT)),
            ("hostname", field::HOST_NAME, s(field::HOST_NAME)),
        ],
    ) {
        out.insert("dst_endpoint".into(), dst);
    }
    if let Some(user) = obj(
        &mut mapped,
        &[("name", field::USER_NAME, s(field::USER_NAME))],
    ) {
        out.insert("actor".into(), json!({ "user": user }));
        if class.uid == 3002 {
            out.insert("user".into(), out["actor"]["user"].clone());
        }
    }
    if let Some(req) = obj(
        &mut mapped,
        &[
            (
                "http_method",
                field::HTTP_REQUEST_METHOD,
                s(field::HTTP_REQUEST_METHOD),
            ),
            (
                "user_agent",
                field::USER_AGENT_ORIGINAL,
                s(field::USER_AGENT_ORIGINAL),
            ),
        ],
    ) {
        let mut req = req;
        if let (Some(path), J::Object(m)) = (s(field::URL_PATH), &mut req) {
            m.insert("url".into(), json!({ "path": path }));
            mapped.push(field::URL_PATH);
        }
        out.insert("http_request".into(), req);
    }
    if let Some(resp) = obj(
        &mut mapped,
        &[(
            "code",
            field::HTTP_RESPONSE_STATUS_CODE,
            i(field::HTTP_RESPONSE_STATUS_CODE),
        )],
    ) {
        out.insert("http_response".into(), resp);
    }
    if let Some(p) = obj(
        &mut mapped,
        &[
            ("pid", field::PROCESS_PID, i(field::PROCESS_PID)),
            (
                "cmd_line",
                field::PROCESS_COMMAND_LINE,
                s(field::PROCESS_COMMAND_LINE),
            ),
        ],
    ) {
        out.insert("process".into(), p);
    }
    if let Some(msg) = s(field::ERROR_MESSAGE) {
        out.insert("status_detail".into(), msg);
        mapped.push(field::ERROR_MESSAGE);
    }
    let mut unmapped = Map::new();
    for (k, v) in &ev.fields {
        if !mapped.contains(&k.as_ref()) {
            unmapped.insert(k.to_string(), serde_json::to_value(v).unwrap_or(J::Null));
        }
    }
    if let Some(a) = &ev.action {
        unmapped.insert(field::EVENT_ACTION.into(), json!(a));
    }
    if !ev.labels.is_empty() {
        unmapped.insert(field::LABELS.into(), json!(ev.labels));
    }
    if !unmapped.is_empty() {
        out.insert("unmapped".into(), J::Object(unmapped));
    }
    J::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventId;

    #[test]
    fn failed_http_request_maps_to_http_activity_failure() {
        let mut ev = Event::new(
            EventId::derive("x", 0, b""),
            "2026-01-01T00:00:00Z".parse().unwrap(),
            "ray",
            "ray.dashboard",
            "",
        );
        ev.add_category("web").add_type("access");
        ev.outcome = Outcome::Failure;
        ev.set(field::HTTP_REQUEST_METHOD, "POST")
            .set(field::URL_PATH, "/api/jobs/")
            .set(field::SOURCE_IP, "10.1.2.3")
            .set(field::HTTP_RESPONSE_STATUS_CODE, 401i64)
            .set(field::RAY_JOB_ID, "01000000");
        let o = to_ocsf(&ev);
        assert_eq!(o["class_uid"], 4002);
        assert_eq!(o["type_uid"], 400206);
        assert_eq!(o["status_id"], 2);
        assert_eq!(o["src_endpoint"]["ip"], "10.1.2.3");
        assert_eq!(o["http_request"]["url"]["path"], "/api/jobs/");
        assert_eq!(o["http_response"]["code"], 401);
        assert_eq!(o["unmapped"]["ray.job.id"], "01000000");
        assert!(o["unmapped"].get("source.ip").is_none());
    }

    #[test]
    fn authentication_class_carries_user() {
        let mut ev = Event::new(
            EventId::derive("x", 0, b""),
            "2026-01-01T00:00:00Z".parse().unwrap(),
            "milvus",
            "milvus.proxy",
            "",
        );
        ev.add_category("authentication");
        ev.set(field::USER_NAME, "root");
        let o = to_ocsf(&ev);
        assert_eq!(o["class_uid"], 3002);
        assert_eq!(o["user"]["name"], "root");
    }
}
