//! The mapping's choices on small events; scripts/schema-check validates the
//! output of every corpus event against the OCSF schema itself.

use super::*;
use crate::EventId;

fn event(module: &'static str, dataset: &'static str) -> Event {
    Event::new(
        EventId::derive("x", 0, b""),
        "2026-01-01T00:00:00Z".parse().unwrap(),
        module,
        dataset,
        "raw",
    )
}

/// The class, activity and type ids agree, and the activity is one the class defines.
fn assert_consistent(o: &J) {
    let class = o["class_uid"].as_u64().unwrap() as u32;
    let activity = o["activity_id"].as_u64().unwrap() as u32;
    assert_eq!(o["type_uid"], class * 100 + activity, "{o}");
    let c = classes().iter().find(|c| c.uid == class).unwrap();
    assert_eq!(o["category_uid"], c.category_uid);
    if activity != 99 {
        assert_eq!(
            o["activity_name"],
            c.activity_caption(activity).unwrap(),
            "{o}"
        );
    }
}

#[test]
fn failed_http_request_maps_to_http_activity_failure() {
    let mut ev = event("ray", "ray.dashboard");
    ev.add_category("web").add_type("access");
    ev.outcome = Outcome::Failure;
    ev.set(field::HTTP_REQUEST_METHOD, "POST")
        .set(field::URL_PATH, "/api/jobs/")
        .set(field::SOURCE_IP, "10.1.2.3")
        .set(field::HTTP_RESPONSE_STATUS_CODE, 401i64)
        .set(field::RAY_JOB_ID, "01000000");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 4002);
    assert_eq!(o["type_uid"], 400206);
    assert_eq!(o["status_id"], 2);
    assert_eq!(o["src_endpoint"]["ip"], "10.1.2.3");
    assert_eq!(o["http_request"]["url"]["path"], "/api/jobs/");
    assert_eq!(o["http_response"]["code"], 401);
    assert_eq!(o["unmapped"]["ray.job.id"], "01000000");
    assert!(o["unmapped"].get("source.ip").is_none());
    assert_eq!(o["observables"][0]["name"], "src_endpoint.ip");
    assert_eq!(o["observables"][0]["type_id"], 2);
}

#[test]
fn authentication_needs_a_user_else_the_request_is_http_activity() {
    let mut ev = event("milvus", "milvus.proxy");
    ev.add_category("authentication").add_category("web");
    ev.set(field::USER_NAME, "root")
        .set(field::HTTP_RESPONSE_STATUS_CODE, 401i64);
    let o = to_ocsf(&ev);
    assert_eq!(o["class_uid"], 3002);
    assert_eq!(o["user"]["name"], "root");
    // The service authenticated to: the writer's component, else its system.
    assert_eq!(o["service"]["name"], "milvus");

    ev.remove(field::USER_NAME);
    let o = to_ocsf(&ev);
    assert_eq!(o["class_uid"], 4002, "no user to authenticate: {o}");
    assert_eq!(o["activity_id"], 0);
    assert_consistent(&o);
}

#[test]
fn process_activity_has_the_process_the_writer_and_the_host() {
    let mut ev = event("mesos", "mesos.agent");
    ev.add_category("process").add_type("start");
    ev.set_action("task-launched");
    ev.set(field::MESOS_TASK_ID, "t-1")
        .set(field::MESOS_TASK_USER, "nobody")
        .set(field::MESOS_FRAMEWORK_NAME, "marathon")
        .set(field::PROCESS_PID, 4242i64)
        .set(field::HOST_NAME, "agent-7");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 1007);
    assert_eq!(o["activity_name"], "Launch");
    assert_eq!(o["process"]["uid"], "t-1");
    assert_eq!(o["process"]["user"]["name"], "nobody");
    assert_eq!(o["actor"]["app_name"], "marathon");
    assert_eq!(o["device"]["hostname"], "agent-7");
    // The host's kind is not in the logs: Unknown, not a guess.
    assert_eq!(o["device"]["type_id"], 0);
    assert_eq!(o["metadata"]["profiles"], json!(["host"]));
    // The writer's pid is not the launched task's.
    assert_eq!(o["unmapped"]["process.pid"], 4242);
}

#[test]
fn a_process_event_without_its_host_is_a_base_event_keeping_every_field() {
    let mut ev = event("ray", "ray.raylet");
    ev.add_category("process").add_type("start");
    ev.set_action("worker-started");
    ev.set(field::RAY_WORKER_PID, 8339i64)
        .set(field::SERVICE_NAME, "raylet");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 0);
    assert_eq!(o["activity_id"], 99);
    assert_eq!(o["activity_name"], "worker-started");
    assert!(o.get("process").is_none());
    assert_eq!(o["unmapped"]["ray.worker.pid"], 8339);
    assert_eq!(o["unmapped"]["service.name"], "raylet");
    assert_eq!(o["unmapped"]["event.category"], json!(["process"]));
}

#[test]
fn a_service_that_starts_is_its_application_lifecycle() {
    let mut ev = event("milvus", "milvus.proxy");
    ev.add_category("process").add_type("start");
    ev.set_action("service-started");
    ev.set(field::SERVICE_NAME, "proxy");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 6002);
    assert_eq!(o["activity_name"], "Start");
    assert_eq!(o["app"]["name"], "proxy");
}

#[test]
fn a_remote_api_call_has_its_operation_caller_and_source() {
    let mut ev = event("milvus", "milvus.access");
    ev.add_category("database").add_type("access");
    ev.set(field::MILVUS_METHOD, "Search")
        .set(field::USER_NAME, "analyst")
        .set(field::SOURCE_IP, "10.0.0.9")
        .set(field::SOURCE_PORT, 50000i64)
        .set(field::NETWORK_PROTOCOL, "grpc")
        .set(field::MILVUS_COLLECTION, "docs")
        .set(field::TRACE_ID, "abc");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 6003);
    assert_eq!(o["activity_name"], "Read");
    assert_eq!(o["api"]["operation"], "Search");
    assert_eq!(o["actor"]["user"]["name"], "analyst");
    assert_eq!(o["src_endpoint"]["port"], 50000);
    assert_eq!(o["resources"][0]["name"], "docs");
    assert_eq!(o["trace"]["uid"], "abc");
    assert_eq!(o["metadata"]["profiles"], json!(["trace"]));

    // Without any caller identity the call cannot be API Activity.
    ev.remove(field::USER_NAME);
    assert_eq!(to_ocsf(&ev)["class_uid"], 0);
}

#[test]
fn an_in_process_api_call_comes_from_the_writing_host_and_application() {
    let mut ev = event("mlx", "mlx.inference");
    ev.add_category("api").add_type("access");
    ev.set(field::MLX_API, "stream_generate")
        .set(field::HOST_NAME, "mlx-01")
        .set(field::SERVICE_NAME, "chat-api")
        .set(field::PROCESS_PID, 77i64)
        .set(field::MLX_REQUEST_ID, "r-1");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 6003);
    assert_eq!(o["src_endpoint"]["hostname"], "mlx-01");
    assert_eq!(o["actor"]["app_name"], "chat-api");
    assert_eq!(o["actor"]["process"]["pid"], 77);
    assert_eq!(o["api"]["request"]["uid"], "r-1");
}

#[test]
fn an_audit_record_is_the_api_call_it_records() {
    let mut ev = event("sightline", "sightline.audit");
    ev.add_category("configuration");
    ev.set_action("token-create");
    ev.outcome = Outcome::Success;
    ev.set(field::USER_NAME, "admin")
        .set(field::USER_ROLES, vec!["admin".to_owned()])
        .set(field::SOURCE_IP, "127.0.0.1");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 6003);
    assert_eq!(o["api"]["operation"], "token-create");
    assert_eq!(o["actor"]["user"]["name"], "admin");
    assert_eq!(o["src_endpoint"]["ip"], "127.0.0.1");
}

#[test]
fn group_management_activities_follow_the_class_enum() {
    let mut ev = event("milvus", "milvus.rootcoord");
    ev.add_category("iam")
        .add_type("group")
        .add_type("creation");
    ev.set_action("role-created");
    ev.set(field::MILVUS_ROLE, "ops");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 3006);
    assert_eq!(o["activity_name"], "Create");
    assert_eq!(o["group"]["name"], "ops");

    ev.event_type = vec!["group".into(), "change".into()];
    ev.set_action("privilege-granted");
    ev.set(field::MILVUS_PRIVILEGE, "PrivilegeSearch");
    let o = to_ocsf(&ev);
    assert_eq!(o["activity_name"], "Assign Privileges");
    assert_eq!(o["privileges"], json!(["PrivilegeSearch"]));
}

#[test]
fn an_authorization_decision_is_no_account_change() {
    let mut ev = event("milvus", "milvus.proxy");
    ev.add_category("iam").add_type("denied");
    ev.set_action("authorization-denied");
    ev.set(field::USER_NAME, "reader");
    assert_eq!(to_ocsf(&ev)["class_uid"], 0);

    let mut created = event("milvus", "milvus.proxy");
    created
        .add_category("iam")
        .add_type("user")
        .add_type("creation");
    created.set(field::USER_TARGET_NAME, "svc");
    let o = to_ocsf(&created);
    assert_eq!(o["class_uid"], 3001);
    assert_eq!(o["user"]["name"], "svc");
    assert_eq!(o["activity_name"], "Create");
}

#[test]
fn tags_are_metadata_labels_and_unknown_levels_are_unknown_severity() {
    let mut ev = event("text", "text");
    ev.add_tag("multiline");
    let o = to_ocsf(&ev);
    assert_consistent(&o);
    assert_eq!(o["class_uid"], 0);
    assert_eq!(o["activity_id"], 0);
    assert_eq!(o["metadata"]["labels"], json!(["multiline"]));
    assert!(o["metadata"].get("tags").is_none());
    assert_eq!(o["severity_id"], 0);
    assert_eq!(o["metadata"]["version"], OCSF_VERSION);
}

#[test]
fn a_host_with_several_addresses_keeps_them_all() {
    let mut ev = event("syslog", "syslog.log");
    ev.set(field::HOST_NAME, "h1").set(
        field::HOST_IP,
        vec!["10.0.0.1".to_owned(), "fe80::1".to_owned()],
    );
    let o = to_ocsf(&ev);
    // OCSF's device has one address; the list stays whole under unmapped.
    assert_eq!(o["device"]["ip"], "10.0.0.1");
    assert_eq!(o["unmapped"]["host.ip"], json!(["10.0.0.1", "fe80::1"]));

    ev.set(field::HOST_IP, vec!["10.0.0.1".to_owned()]);
    let o = to_ocsf(&ev);
    assert_eq!(o["device"]["ip"], "10.0.0.1");
    assert!(o["unmapped"].get("host.ip").is_none());
}
