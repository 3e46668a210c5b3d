//! Verbatim lines of every format and every security-relevant message kind
//! (from ../shared/corpus/milvus/dev unless noted), with the fields they
//! must yield; then hostile input.

use sightline_decode::{Assembler, DecodeOptions, Event, Source, StreamInfo, tags};
use sightline_decode_milvus::MilvusSource;
use sightline_event::FieldRef;
use std::sync::Arc;

/// Decodes `lines` as the stream `path`, checking every line lands in exactly one event.
fn decode(path: &str, lines: &[&str]) -> Vec<Event> {
    let stream = StreamInfo::for_path(path);
    let decoder = MilvusSource.open(&stream, &DecodeOptions::default());
    let mut asm = Assembler::new(decoder, stream, Arc::new(DecodeOptions::default()));
    let mut out = Vec::new();
    let mut offset = 0u64;
    for l in lines {
        out.extend(asm.push(l, offset));
        offset += l.len() as u64 + 1;
    }
    out.extend(asm.finish());
    assert_eq!(
        asm.emitted_lines(),
        lines.len() as u64,
        "every line in one event"
    );
    out
}

fn one(path: &str, line: &str) -> Event {
    let mut evs = decode(path, &[line]);
    assert_eq!(evs.len(), 1);
    let ev = evs.remove(0);
    assert!(
        !ev.has_tag(tags::PARSE_FAILURE),
        "{:?}",
        ev.get_str("error.message")
    );
    ev
}

fn s<'a>(ev: &'a Event, f: &str) -> Option<&'a str> {
    ev.get_str(f)
}

fn i(ev: &Event, f: &str) -> Option<i64> {
    match ev.get(f)? {
        FieldRef::Int(n) => Some(n),
        _ => None,
    }
}

fn lab<'a>(ev: &'a Event, k: &str) -> Option<&'a str> {
    ev.labels.get(k).map(String::as_str)
}

fn list(ev: &Event, f: &str) -> Vec<String> {
    match ev.get(f) {
        Some(FieldRef::List(l)) => l.to_vec(),
        Some(FieldRef::Str(x)) => vec![x.to_owned()],
        _ => Vec::new(),
    }
}

const PROXY_A: &str = "/var/lib/milvus/logs/proxy-7.log";
const PROXY_B: &str = "/var/lib/milvus/logs/proxy-5.log";
const ACCESS: &str = "/var/lib/milvus/access/milvus_access.log";

// ---------------------------------------------------------------- main log, text

#[test]
fn text_permission_deny() {
    let ev = one(
        PROXY_A,
        r#"[2026/03/09 07:10:12.772 +00:00] [INFO] [proxy/privilege_interceptor.go:174] ["permission deny"] [traceID=3054da4135a4e179b88dffbae63ce910] [username=reporting_ro] [role_names="[public]"] [object_type=Collection] [object_privilege=PrivilegeSearch] [db_name=default] [object_index=1] [object_name=support_docs] [object_indexs=0] [object_names="[]"] [roles="[public]"]"#,
    );
    assert_eq!(ev.timestamp.to_string(), "2026-03-09T07:10:12.772Z");
    assert_eq!(ev.dataset, "milvus.proxy");
    assert_eq!(ev.action.as_deref(), Some("authorization-denied"));
    assert_eq!(ev.outcome.as_str(), "failure");
    assert_eq!(ev.category, ["iam"]);
    assert_eq!(ev.event_type, ["denied"]);
    assert_eq!(ev.level.as_deref(), Some("info"));
    assert_eq!(ev.message, "permission deny");
    assert_eq!(s(&ev, "user.name"), Some("reporting_ro"));
    assert_eq!(list(&ev, "user.roles"), ["public"]);
    assert_eq!(s(&ev, "milvus.privilege"), Some("PrivilegeSearch"));
    assert_eq!(s(&ev, "milvus.object.type"), Some("Collection"));
    assert_eq!(s(&ev, "milvus.object.name"), Some("support_docs"));
    assert_eq!(s(&ev, "milvus.collection"), Some("support_docs"));
    assert_eq!(s(&ev, "milvus.database"), Some("default"));
    assert_eq!(s(&ev, "trace.id"), Some("3054da4135a4e179b88dffbae63ce910"));
    assert_eq!(
        s(&ev, "log.origin.file.name"),
        Some("proxy/privilege_interceptor.go")
    );
    assert_eq!(i(&ev, "log.origin.file.line"), Some(174));
    assert_eq!(s(&ev, "milvus.component"), Some("proxy"));
    assert_eq!(lab(&ev, "object_index"), Some("1"));
    assert_eq!(lab(&ev, "object_names"), Some("[]"));
}

#[test]
fn text_authentication_failures() {
    let ev = one(
        PROXY_A,
        r#"[2026/03/09 07:54:04.916 +00:00] [WARN] [proxy/authentication_interceptor.go:96] ["fail to verify password"] [username=root]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("authentication-failed"));
    assert_eq!(
        (ev.category.as_slice(), ev.event_type.as_slice()),
        (
            &["authentication".to_string()][..],
            &["start".to_string()][..]
        )
    );
    assert_eq!(ev.outcome.as_str(), "failure");
    assert_eq!(s(&ev, "user.name"), Some("root"));
    assert_eq!(ev.level.as_deref(), Some("warning"));

    let ev = one(
        PROXY_A,
        r#"[2026/03/09 07:54:16.657 +00:00] [ERROR] [proxy/util.go:1094] ["Verify password failed"] [error="crypto/bcrypt: hashedPassword is not the hash of the given password"]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("authentication-failed"));
    assert_eq!(
        s(&ev, "error.message"),
        Some("crypto/bcrypt: hashedPassword is not the hash of the given password")
    );
    assert_eq!(ev.level.as_deref(), Some("error"));
}

#[test]
fn text_rate_limit_and_quota() {
    let ev = one(
        PROXY_A,
        r#"[2026/03/09 07:32:35.924 +00:00] [WARN] [proxy/rate_limit_interceptor.go:62] ["rate limit exceeded"] [role=proxy] [method=Insert] [error="request is rejected by grpc RateLimiter middleware, please retry later: rate limit exceeded[rate=100]"]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("rate-limited"));
    assert_eq!(ev.outcome.as_str(), "failure");
    assert_eq!(s(&ev, "milvus.method"), Some("Insert"));
    assert_eq!(s(&ev, "milvus.component"), Some("proxy"));

    let ev = one(
        PROXY_A,
        r#"[2026/03/09 09:50:25.303 +00:00] [WARN] [proxy/impl.go:2471] ["Failed to enqueue insert task"] [traceID=392ae465d3d1b6247578d8678f0d1f08] [role=proxy] [db=default] [error="quota exceeded[reason=disk quota exceeded, please allocate more resources]"]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("rate-limited"));
    assert_eq!(
        s(&ev, "error.message"),
        Some("quota exceeded[reason=disk quota exceeded, please allocate more resources]")
    );
    assert_eq!(s(&ev, "milvus.database"), Some("default"));

    let ev = one(
        "/var/lib/milvus/logs/rootcoord-1.log",
        r#"[2026/03/09 09:50:22.956 +00:00] [WARN] [rootcoord/quota_center.go:1207] ["cluster disk quota exceeded"] ["disk usage"=2199317410371] ["disk quota"=2199023255552]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("quota-exceeded"));
    assert_eq!(ev.dataset, "milvus.rootcoord");
    assert_eq!(lab(&ev, "disk usage"), Some("2199317410371"));
    assert_eq!(lab(&ev, "disk quota"), Some("2199023255552"));
}

#[test]
fn text_iam_changes() {
    let ev = one(
        PROXY_A,
        r#"[2026/03/09 11:44:29.271 +00:00] [INFO] [proxy/impl.go:4454] [CreateCredential] [traceID=b85ee7aec5008ba2b9af506b29b34c18] [username=svc_maint] [role=proxy]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("user-created"));
    assert_eq!(ev.category, ["iam"]);
    assert_eq!(ev.event_type, ["user", "creation"]);
    // The logged username is the user created, not the actor.
    assert_eq!(s(&ev, "user.target.name"), Some("svc_maint"));
    assert_eq!(s(&ev, "user.name"), None);
    assert_eq!(s(&ev, "milvus.method"), Some("CreateCredential"));

    let ev = one(
        PROXY_A,
        r#"[2026/03/09 11:44:34.814 +00:00] [INFO] [proxy/impl.go:5122] [OperateUserRole] [traceID=e3d9c69dbff6bc9b7f09e95604d67e31] [req="{\"username\":\"svc_maint\",\"role_name\":\"admin\"}"]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("privilege-granted"));
    assert_eq!(s(&ev, "user.target.name"), Some("svc_maint"));
    assert_eq!(s(&ev, "milvus.role"), Some("admin"));
    assert_eq!(s(&ev, "group.name"), Some("admin"));

    let ev = one(
        "/var/lib/milvus/logs/rootcoord-1.log",
        r#"[2026/03/09 11:44:29.281 +00:00] [INFO] [rootcoord/root_coord.go:2037] [CreateCredential] [traceID=b85ee7aec5008ba2b9af506b29b34c18] [username=svc_maint] [role=rootcoord]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("user-created"));
    assert_eq!(ev.dataset, "milvus.rootcoord");
    assert_eq!(s(&ev, "user.target.name"), Some("svc_maint"));
}

#[test]
fn text_collection_drop() {
    let evs = decode(
        PROXY_A,
        &[
            r#"[2026/03/09 10:36:29.208 +00:00] [INFO] [proxy/impl.go:462] ["DropCollection received"] [traceID=4d085bc29110666c99e1e5cc9248f246] [role=proxy] [db=default] [collection=product_embeddings]"#,
            r#"[2026/03/09 10:36:29.278 +00:00] [INFO] [proxy/impl.go:2716] ["DropCollection done"] [traceID=4d085bc29110666c99e1e5cc9248f246] [role=proxy] [db=default] [collection=product_embeddings] [BeginTS=913795097945341952] [EndTS=913795097945341952]"#,
        ],
    );
    for ev in &evs {
        assert_eq!(ev.action.as_deref(), Some("collection-deleted"));
        assert_eq!(s(ev, "milvus.collection"), Some("product_embeddings"));
        assert_eq!(s(ev, "milvus.database"), Some("default"));
        assert_eq!(s(ev, "milvus.method"), Some("DropCollection"));
    }
    assert_eq!(evs[0].outcome.as_str(), "unknown");
    assert_eq!(evs[1].outcome.as_str(), "success");
    assert_eq!(lab(&evs[1], "BeginTS"), Some("913795097945341952"));

    let ev = one(
        "/var/lib/milvus/logs/rootcoord-1.log",
        r#"[2026/03/09 10:36:29.258 +00:00] [INFO] [rootcoord/root_coord.go:1216] ["received request to drop collection"] [traceID=4d085bc29110666c99e1e5cc9248f246] [role=rootcoord] [dbName=default] [name=product_embeddings] [ts=449000001773052589]"#,
    );
    assert_eq!(ev.action.as_deref(), Some("collection-deleted"));
    assert_eq!(s(&ev, "milvus.collection"), Some("product_embeddings"));
}

#[test]
fn text_operational_lines_typed_and_datasets_by_caller() {
    let ev = one(
        "/var/lib/milvus/logs/datanode-11.log",
        r#"[2026/03/09 06:00:04.453 +00:00] [INFO] [syncmgr/task.go:170] ["task done"] [segmentID=449040163860895635] [flushedSize=5372419] [timeTaken=2.507585809s]"#,
    );
    assert_eq!(ev.dataset, "milvus.datanode");
    assert_eq!(i(&ev, "event.duration"), Some(2_507_585_809));
    assert_eq!(lab(&ev, "segmentID"), Some("449040163860895635"));
    assert_eq!(ev.action, None);

    let ev = one(
        "/var/lib/milvus/logs/querynode-9.log",
        r#"[2026/03/09 06:00:15.492 +00:00] [INFO] [delegator/delegator.go:382] ["start do search"] [collectionID=449057595658640983] [channel=by-dev-rootcoord-dml_11_449057595658640983v0] [nq=1] [topK=10]"#,
    );
    assert_eq!(i(&ev, "milvus.collection_id"), Some(449057595658640983));
    assert_eq!(
        (i(&ev, "milvus.nq"), i(&ev, "milvus.topk")),
        (Some(1), Some(10))
    );
    assert_eq!(
        lab(&ev, "channel"),
        Some("by-dev-rootcoord-dml_11_449057595658640983v0")
    );

    // A read method's failure in the proxy log: category and outcome, no action.
    let ev = one(
        PROXY_A,
        r#"[2026/03/09 06:08:41.415 +00:00] [WARN] [proxy/impl.go:604] ["DescribeCollection failed to WaitToFinish"] [traceID=b5fbee02869b79bb3069734917554c93] [role=proxy] [db=default] [collection=image_vectors_v3_tmp] [error="collection not found[database=default][collection=image_vectors_v3_tmp]"]"#,
    );
    assert_eq!(ev.action, None);
    assert_eq!(ev.outcome.as_str(), "failure");
    assert_eq!(
        (ev.category.as_slice(), ev.event_type.as_slice()),
        (&["database".to_string()][..], &["error".to_string()][..])
    );
    assert_eq!(s(&ev, "milvus.method"), Some("DescribeCollection"));
    assert_eq!(s(&ev, "milvus.collection"), Some("image_vectors_v3_tmp"));
    assert_eq!(
        s(&ev, "error.message"),
        Some("collection not found[database=default][collection=image_vectors_v3_tmp]")
    );

    // A datacoord line in the coordinator's file belongs to datacoord.
    let ev = one(
        "/var/lib/milvus/logs/rootcoord-1.log",
        r#"[2026/03/09 06:00:39.606 +00:00] [INFO] [datacoord/compaction_trigger.go:447] ["generate a plan for small candidates"] [planID=449091878783893546] [segmentIDs="[449057595658649126,449057595658649129,449057595658649133]"] [totalRows=313482]"#,
    );
    assert_eq!(ev.dataset, "milvus.datacoord");
    assert_eq!(
        lab(&ev, "segmentIDs"),
        Some("[449057595658649126,449057595658649129,449057595658649133]")
    );

    // A shared helper package: the file's role decides.
    let ev = one(
        "/var/lib/milvus/logs/querynode-9.log",
        r#"[2026/03/09 05:59:20.300 +00:00] [INFO] [sessionutil/session_util.go:290] ["Session try to connect to etcd"]"#,
    );
    assert_eq!(ev.dataset, "milvus.querynode");

    // On stdout with no role in the name, the caller's package decides...
    let ev = one(
        "/var/log/containers/app.log",
        r#"[2026/03/09 05:59:20.600 +00:00] [INFO] [components/querynode.go:60] ["querynode successfully started"] [address=10.244.1.19:21123]"#,
    );
    assert_eq!(ev.dataset, "milvus.querynode");
    assert_eq!(ev.action.as_deref(), Some("service-started"));
    // ... or, when it cannot, the `role` field, else milvus.server.
    let ev = one(
        "/var/log/containers/app.log",
        r#"[2026/03/09 05:59:20.600 +00:00] [INFO] [util/x.go:1] [hello] [role=indexnode]"#,
    );
    assert_eq!(ev.dataset, "milvus.indexnode");
    let ev = one(
        "/var/log/containers/app.log",
        r#"[2026/03/09 05:59:20.600 +00:00] [INFO] [util/x.go:1] [hello]"#,
    );
    assert_eq!(ev.dataset, "milvus.server");
}

// ---------------------------------------------------------------- main log, JSON

#[test]
fn json_permission_deny_and_auth() {
    let ev = one(
        PROXY_B,
        r#"{"level":"INFO","time":"2026/03/09 08:15:54.710 +00:00","caller":"proxy/privilege_interceptor.go:174","message":"permission deny","traceID":"c5038d129e21dab3b8ea1d2708159574","username":"dana.w","role_names":["public"],"object_type":"Global","object_privilege":"PrivilegeCreateRole","db_name":"default","object_index":0,"object_name":"*","object_indexs":0,"object_names":[],"roles":["public"]}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("authorization-denied"));
    assert_eq!(ev.timestamp.to_string(), "2026-03-09T08:15:54.71Z");
    assert_eq!(s(&ev, "user.name"), Some("dana.w"));
    assert_eq!(list(&ev, "user.roles"), ["public"]);
    assert_eq!(s(&ev, "milvus.privilege"), Some("PrivilegeCreateRole"));
    assert_eq!(s(&ev, "milvus.object.type"), Some("Global"));
    assert_eq!(s(&ev, "milvus.object.name"), Some("*"));
    assert_eq!(s(&ev, "milvus.collection"), None);

    let ev = one(
        PROXY_B,
        r#"{"level":"ERROR","time":"2026/03/09 09:24:37.367 +00:00","caller":"proxy/util.go:1081","message":"found no credential","username":"api","error":"find credential info for user api failed"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("authentication-failed"));
    assert_eq!(s(&ev, "user.name"), Some("api"));
    assert_eq!(
        s(&ev, "error.message"),
        Some("find credential info for user api failed")
    );

    let ev = one(
        PROXY_B,
        r#"{"level":"WARN","time":"2026/03/09 09:25:22.596 +00:00","caller":"proxy/authentication_interceptor.go:78","message":"key not found in header"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("authentication-failed"));
    assert_eq!(ev.level.as_deref(), Some("warning"));
}

#[test]
fn json_privilege_escalation_requests() {
    let ev = one(
        PROXY_B,
        r#"{"level":"INFO","time":"2026/03/09 08:17:12.774 +00:00","caller":"proxy/impl.go:4896","message":"OperatePrivilege","traceID":"423847c0c4eaf83ded77628e8de70c88","req":"{\"entity\":{\"role\":{\"name\":\"shadow_ops\"},\"object\":{\"name\":\"Global\"},\"object_name\":\"*\",\"grantor\":{\"user\":{\"name\":\"dana.w\"},\"privilege\":{\"name\":\"All\"}},\"db_name\":\"*\"},\"type\":0}"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("privilege-granted"));
    assert_eq!(s(&ev, "user.name"), Some("dana.w"));
    assert_eq!(s(&ev, "milvus.role"), Some("shadow_ops"));
    assert_eq!(s(&ev, "milvus.privilege"), Some("All"));
    assert_eq!(s(&ev, "milvus.object.type"), Some("Global"));
    assert_eq!(s(&ev, "milvus.object.name"), Some("*"));
    assert_eq!(s(&ev, "milvus.database"), Some("*"));

    let ev = one(
        PROXY_B,
        r#"{"level":"INFO","time":"2026/03/09 08:16:59.878 +00:00","caller":"proxy/impl.go:4834","message":"CreateRole","traceID":"04fe23a6ce7246c5ca24f4b9e8dc305b","req":"{\"entity\":{\"name\":\"shadow_ops\"}}"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("role-created"));
    assert_eq!(s(&ev, "milvus.role"), Some("shadow_ops"));

    let ev = one(
        PROXY_B,
        r#"{"level":"INFO","time":"2026/03/09 08:17:28.806 +00:00","caller":"proxy/impl.go:4929","message":"OperateUserRole","traceID":"65febcb2dab9c205ae1eddcd14b3f150","req":"{\"username\":\"dana.w\",\"role_name\":\"shadow_ops\"}"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("privilege-granted"));
    assert_eq!(s(&ev, "user.target.name"), Some("dana.w"));
    assert_eq!(s(&ev, "milvus.role"), Some("shadow_ops"));

    // A revoke in protobuf text form (zap's Stringer rendering).
    let ev = one(
        PROXY_B,
        r#"{"level":"INFO","time":"2026/03/09 08:17:28.806 +00:00","caller":"proxy/impl.go:4929","message":"OperateUserRole","req":"username:\"bob\" role_name:\"admin\" type:RemoveUserFromRole"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("privilege-revoked"));
    assert_eq!(s(&ev, "user.target.name"), Some("bob"));

    let mix = "/var/lib/milvus/logs/mixcoord-2.log";
    let ev = one(
        mix,
        r#"{"level":"INFO","time":"2026/03/09 08:16:59.888 +00:00","caller":"rootcoord/root_coord.go:2569","message":"create role success","traceID":"04fe23a6ce7246c5ca24f4b9e8dc305b","role_name":"shadow_ops"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("role-created"));
    assert_eq!(ev.outcome.as_str(), "success");
    assert_eq!(ev.dataset, "milvus.rootcoord");
    assert_eq!(s(&ev, "milvus.role"), Some("shadow_ops"));
    let ev = one(
        mix,
        r#"{"level":"INFO","time":"2026/03/09 08:17:12.784 +00:00","caller":"rootcoord/root_coord.go:2784","message":"OperatePrivilege success","traceID":"423847c0c4eaf83ded77628e8de70c88","role_name":"shadow_ops"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("privilege-changed"));
    assert_eq!(ev.outcome.as_str(), "success");
}

#[test]
fn json_slow_queries_and_quota_center() {
    let ev = one(
        PROXY_B,
        r#"{"level":"INFO","time":"2026/03/09 11:22:33.646 +00:00","caller":"proxy/impl.go:2693","message":"Search slow","traceID":"24be120233e6cb9c8c2f01066600f4d7","role":"proxy","db":"default","collection":"kb_chunks","partitions":[],"ConsistencyLevel":"Bounded","useDefaultConsistency":true,"nq":1,"duration":"10.842853154s"}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("slow-query"));
    assert_eq!(s(&ev, "milvus.method"), Some("Search"));
    assert_eq!(i(&ev, "event.duration"), Some(10_842_853_154));
    assert_eq!(i(&ev, "milvus.nq"), Some(1));
    assert_eq!(s(&ev, "milvus.collection"), Some("kb_chunks"));
    assert_eq!(s(&ev, "milvus.consistency_level"), Some("Bounded"));
    assert_eq!(lab(&ev, "useDefaultConsistency"), Some("true"));

    let ev = one(
        "/var/lib/milvus/logs/mixcoord-2.log",
        r#"{"level":"WARN","time":"2026/03/09 10:14:04.045 +00:00","caller":"rootcoord/quota_center.go:735","message":"QuotaCenter: QueryNode memory to high water level","path":"queryNode","collections":[449015319773826975, 449089629389264100],"UsedMem":30617571617,"TotalMem":32212254720,"currentMemUsage":0.9521,"memoryHighWaterLevel":0.95}"#,
    );
    assert_eq!(ev.action.as_deref(), Some("quota-exceeded"));
    assert_eq!(lab(&ev, "currentMemUsage"), Some("0.9521"));
    assert_eq!(lab(&ev, "UsedMem"), Some("30617571617"));
    assert_eq!(
        lab(&ev, "collections"),
        Some("[449015319773826975,449089629389264100]")
    );
}

// ---------------------------------------------------------------- access log

#[test]
fn access_failed_login_and_compromise() {
    let ev = one(
        ACCESS,
        "[2026/03/09 09:25:15.092 +00:00] [ACCESS] <service: tcp-45.155.205.233:35419> Connect [status: GrpcUnauthenticated] [code: 65535] [sdk: Golang-2.4.1] [msg: rpc error: code = Unauthenticated desc = auth check failure, please check username and password are correct] [traceID: 7d5f6955631a6c6819c7bf521c46ecf7] [timeCost: 499.838µs]",
    );
    assert_eq!(ev.dataset, "milvus.access");
    assert_eq!(ev.timestamp.to_string(), "2026-03-09T09:25:15.092Z");
    assert_eq!(ev.action.as_deref(), Some("authentication-failed"));
    assert_eq!(ev.category, ["authentication"]);
    assert_eq!(ev.outcome.as_str(), "failure");
    assert_eq!(s(&ev, "user.name"), Some("service"));
    assert_eq!(s(&ev, "source.ip"), Some("45.155.205.233"));
    assert_eq!(i(&ev, "source.port"), Some(35419));
    assert_eq!(s(&ev, "network.transport"), Some("tcp"));
    assert_eq!(s(&ev, "milvus.method"), Some("Connect"));
    assert_eq!(s(&ev, "milvus.status"), Some("GrpcUnauthenticated"));
    assert_eq!(i(&ev, "milvus.error_code"), Some(65535));
    assert_eq!(s(&ev, "error.type"), Some("Unauthenticated"));
    assert_eq!(
        s(&ev, "error.message"),
        Some(
            "rpc error: code = Unauthenticated desc = auth check failure, please check username and password are correct"
        )
    );
    assert_eq!(i(&ev, "event.duration"), Some(499_838));
    assert_eq!(s(&ev, "user_agent.original"), Some("Golang-2.4.1"));
    assert_eq!(s(&ev, "trace.id"), Some("7d5f6955631a6c6819c7bf521c46ecf7"));

    let ev = one(
        ACCESS,
        "[2026/03/09 07:55:28.975 +00:00] [ACCESS] <root: tcp-103.214.6.12:54948> Connect [status: Successful] [code: 0] [sdk: Python-2.4.3] [msg: ] [traceID: 6ed208d480ed68447b3b218857f450d2] [timeCost: 1.514109ms]",
    );
    assert_eq!(ev.action.as_deref(), Some("authentication-succeeded"));
    assert_eq!(ev.outcome.as_str(), "success");
    assert_eq!(s(&ev, "user.name"), Some("root"));
    assert_eq!(s(&ev, "source.ip"), Some("103.214.6.12"));
    assert_eq!(s(&ev, "error.message"), None);

    let ev = one(
        ACCESS,
        "[2026/03/09 09:25:22.596 +00:00] [ACCESS] <Unknown: tcp-45.155.205.233:54084> ShowCollections [status: GrpcUnauthenticated] [code: 65535] [sdk: Unknown] [msg: rpc error: code = Unauthenticated desc = missing authorization in header] [traceID: 95f541665567c14b32bb353a3f48b775] [timeCost: 163.9µs]",
    );
    assert_eq!(ev.action.as_deref(), Some("authentication-failed"));
    assert_eq!(s(&ev, "user.name"), None);
    assert_eq!(s(&ev, "user_agent.original"), None);
    assert_eq!(s(&ev, "source.ip"), Some("45.155.205.233"));
}

#[test]
fn access_permission_denied() {
    let ev = one(
        ACCESS,
        "[2026/03/09 07:10:12.775 +00:00] [ACCESS] <reporting_ro: tcp-10.40.14.49:41250> Search [status: GrpcPermissionDenied] [code: 65535] [sdk: Python-2.5.4] [msg: rpc error: code = PermissionDenied desc = PrivilegeSearch: permission deny to reporting_ro in the `default` database] [traceID: 3054da4135a4e179b88dffbae63ce910] [timeCost: 663.877µs] [database: default] [collection: support_docs] [partitions: []] [expr: ]",
    );
    assert_eq!(ev.action.as_deref(), Some("authorization-denied"));
    assert_eq!(ev.category, ["iam"]);
    assert_eq!(ev.event_type, ["denied"]);
    assert_eq!(s(&ev, "milvus.privilege"), Some("PrivilegeSearch"));
    assert_eq!(s(&ev, "milvus.collection"), Some("support_docs"));
    assert_eq!(s(&ev, "milvus.database"), Some("default"));
    assert_eq!(s(&ev, "milvus.partition"), None);
    assert_eq!(s(&ev, "milvus.expr"), None);
    assert_eq!(s(&ev, "user.name"), Some("reporting_ro"));

    let ev = one(
        ACCESS,
        "[2026/03/09 08:15:54.713 +00:00] [ACCESS] <dana.w: tcp-10.52.29.236:39920> CreateRole [status: GrpcPermissionDenied] [code: 65535] [sdk: Python-2.4.8] [msg: rpc error: code = PermissionDenied desc = PrivilegeCreateRole: permission deny to dana.w in the `default` database] [traceID: c5038d129e21dab3b8ea1d2708159574] [timeCost: 480.438µs]",
    );
    assert_eq!(ev.action.as_deref(), Some("authorization-denied"));
    assert_eq!(s(&ev, "milvus.privilege"), Some("PrivilegeCreateRole"));
    assert_eq!(s(&ev, "milvus.method"), Some("CreateRole"));

    // An API-key caller: no user name in the head, `apikey user` in the denial.
    let ev = one(
        ACCESS,
        "[2026/03/09 08:15:54.713 +00:00] [ACCESS] <Unknown: tcp-10.52.29.236:39920> DropCollection [status: GrpcPermissionDenied] [code: 65535] [sdk: Python-2.5.4] [msg: rpc error: code = PermissionDenied desc = PrivilegeDropCollection: permission deny to apikey user in the `prod` database] [traceID: c5] [timeCost: 480.438µs]",
    );
    assert_eq!(ev.action.as_deref(), Some("authorization-denied"));
    assert_eq!(s(&ev, "user.name"), None);
    assert_eq!(lab(&ev, "credential"), Some("apikey"));
    assert_eq!(s(&ev, "milvus.database"), Some("prod"));
    assert_eq!(s(&ev, "milvus.privilege"), Some("PrivilegeDropCollection"));
}

#[test]
fn access_iam_and_ddl() {
    for (line, action, types) in [
        (
            "[2026/03/09 11:44:29.273 +00:00] [ACCESS] <ml_pipeline: tcp-185.220.101.47:38409> CreateCredential [status: Successful] [code: 0] [sdk: Python-2.5.4] [msg: ] [traceID: 373c5d0fcfad1652bd55edaeedb01490] [timeCost: 1.990389ms]",
            "user-created",
            ["user", "creation"],
        ),
        (
            "[2026/03/09 11:44:34.817 +00:00] [ACCESS] <ml_pipeline: tcp-185.220.101.47:35210> OperateUserRole [status: Successful] [code: 0] [sdk: Python-2.5.4] [msg: ] [traceID: 8549834f63c107734eb4af7ddba4ea74] [timeCost: 3.235169ms]",
            "user-role-changed",
            ["user", "change"],
        ),
        (
            "[2026/03/09 08:16:59.881 +00:00] [ACCESS] <dana.w: tcp-10.52.29.236:47442> CreateRole [status: Successful] [code: 0] [sdk: Python-2.4.8] [msg: ] [traceID: d05dbf28cc051aaae18cf15728563cf7] [timeCost: 2.785922ms]",
            "role-created",
            ["group", "creation"],
        ),
        (
            "[2026/03/09 08:17:12.782 +00:00] [ACCESS] <dana.w: tcp-10.52.29.236:60172> OperatePrivilege [status: Successful] [code: 0] [sdk: Python-2.4.8] [msg: ] [traceID: 3d4a968c53d6bacffc3283127c966be5] [timeCost: 8.722895ms]",
            "privilege-changed",
            ["group", "change"],
        ),
    ] {
        let ev = one(ACCESS, line);
        assert_eq!(ev.action.as_deref(), Some(action), "{line}");
        assert_eq!(ev.category, ["iam"]);
        assert_eq!(ev.event_type, types);
        assert_eq!(ev.outcome.as_str(), "success");
        assert!(s(&ev, "user.name").is_some() && s(&ev, "source.ip").is_some());
    }
    let ev = one(
        ACCESS,
        "[2026/03/09 10:36:29.431 +00:00] [ACCESS] <reporting_ro: tcp-203.0.113.45:54361> DropCollection [status: Successful] [code: 0] [sdk: Python-2.5.4] [msg: ] [traceID: 3ed9ad572dd324816980665dca4165fa] [timeCost: 222.785266ms]",
    );
    assert_eq!(ev.action.as_deref(), Some("collection-deleted"));
    assert_eq!(ev.category, ["database"]);
    assert_eq!(ev.event_type, ["deletion"]);
    assert_eq!(s(&ev, "user.name"), Some("reporting_ro"));
    assert_eq!(s(&ev, "source.ip"), Some("203.0.113.45"));
    assert_eq!(i(&ev, "event.duration"), Some(222_785_266));
}

#[test]
fn access_rate_limits_quotas_and_errors() {
    let ev = one(
        ACCESS,
        "[2026/03/09 07:32:35.924 +00:00] [ACCESS] <ml_pipeline: tcp-10.40.28.209:35324> Insert [status: Failed] [code: 8] [sdk: Python-2.4.8] [msg: request is rejected by grpc RateLimiter middleware, please retry later: rate limit exceeded[rate=100]] [traceID: 28f06944474bd5a3c11ca4edf8caccb9] [timeCost: 206.649µs]",
    );
    assert_eq!(ev.action.as_deref(), Some("rate-limited"));
    assert_eq!(ev.event_type, ["denied"]);
    assert_eq!(i(&ev, "milvus.error_code"), Some(8));
    assert_eq!(s(&ev, "error.code"), Some("8"));
    assert_eq!(
        s(&ev, "error.message"),
        Some(
            "request is rejected by grpc RateLimiter middleware, please retry later: rate limit exceeded[rate=100]"
        )
    );

    let ev = one(
        ACCESS,
        "[2026/03/09 09:50:37.983 +00:00] [ACCESS] <ml_pipeline: tcp-10.40.28.209:34787> Import [status: Failed] [code: 9] [sdk: Python-2.4.8] [msg: quota exceeded[reason=disk quota exceeded, please allocate more resources]] [traceID: 03d2bd62db2f907d93f8b1a97eaed4b5] [timeCost: 99.363µs]",
    );
    assert_eq!(ev.action.as_deref(), Some("rate-limited"));
    assert_eq!(i(&ev, "milvus.error_code"), Some(9));
    assert_eq!(s(&ev, "milvus.method"), Some("Import"));

    // Service unavailable is a failure, not a refusal by a limiter.
    let ev = one(
        ACCESS,
        "[2026/03/09 07:32:37.380 +00:00] [ACCESS] <ml_pipeline: tcp-10.40.28.209:53488> Insert [status: Failed] [code: 2] [sdk: Python-2.4.8] [msg: service unavailable[reason=internal: Milvus Proxy is not ready yet. please wait]] [traceID: 30e17425b1a553815d3fbc90c8653228] [timeCost: 352.334µs]",
    );
    assert_eq!(ev.action.as_deref(), Some("data-inserted"));
    assert_eq!(ev.outcome.as_str(), "failure");
    assert_eq!(ev.event_type, ["change", "error"]);
    assert_eq!(i(&ev, "milvus.error_code"), Some(2));
}

#[test]
fn access_extended_template_exfiltration_fields() {
    let ev = one(
        "/var/lib/milvus/access/milvus_access.2026-03-09T10-14-19.350.log",
        "[2026/03/09 08:41:36.042 +00:00] [ACCESS] <feature_store: tcp-198.51.100.77:53974> Search [status: Successful] [code: 0] [sdk: Python-2.4.3] [msg: ] [traceID: 70d17d27eaf27ed441add18af395b60d] [timeCost: 1.27576395s] [database: default] [collection: user_profiles_vec] [partitions: []] [expr: ] [outputs: [*]] [respSize: 24355706] [consistency: Strong]",
    );
    assert_eq!(ev.action.as_deref(), Some("data-searched"));
    assert_eq!(list(&ev, "milvus.output_fields"), ["*"]);
    assert_eq!(i(&ev, "milvus.result_size"), Some(24_355_706));
    assert_eq!(s(&ev, "milvus.consistency_level"), Some("Strong"));
    assert_eq!(s(&ev, "milvus.collection"), Some("user_profiles_vec"));
    assert_eq!(i(&ev, "event.duration"), Some(1_275_763_950));

    let ev = one(
        ACCESS,
        "[2026/03/09 06:00:07.685 +00:00] [ACCESS] <feature_store: tcp-10.52.14.223:58132> Query [status: Successful] [code: 0] [sdk: Python-2.4.3] [msg: ] [traceID: e1dec02c8384df0fa4d1cbd051520797] [timeCost: 14.888096ms] [database: default] [collection: fraud_signals] [partitions: []] [expr: id in [147002,161441]] [outputs: [id metadata]] [respSize: 5172] [consistency: Bounded]",
    );
    assert_eq!(s(&ev, "milvus.expr"), Some("id in [147002,161441]"));
    assert_eq!(list(&ev, "milvus.output_fields"), ["id", "metadata"]);
}

#[test]
fn access_other_formatters_by_grammar() {
    // 2.6 `search` formatter: nq and search params (topk inside).
    let ev = one(
        ACCESS,
        r#"[2026/03/09 06:00:05.754 +00:00] [ACCESS] <nina.k: tcp-10.40.15.188:56811> HybridSearch [status: Successful] [code: 0] [sdk: Java-2.4.5] [msg: ] [traceID: b784] [timeCost: 19.229284ms] [database: default] [collection: docs] [partitions: [p1 p2]] [expr: lang == "en"] [nq: ["2", "3"]] [params: ["{\"topk\":\"50\",\"metric_type\":\"L2\"}"]]"#,
    );
    assert_eq!(i(&ev, "milvus.nq"), Some(5));
    assert_eq!(list(&ev, "milvus.partition"), ["p1", "p2"]);
    let ev = one(
        ACCESS,
        r#"[2026/03/09 06:00:05.754 +00:00] [ACCESS] <nina.k: tcp-10.40.15.188:56811> Search [status: Successful] [code: 0] [sdk: Java-2.4.5] [msg: Unknown] [traceID: b784] [timeCost: 19.229284ms] [database: default] [collection: docs] [partitions: Unknown] [expr: Unknown] [nq: 3] [params: {"topk":"16384","metric_type":"L2"}]"#,
    );
    assert_eq!(i(&ev, "milvus.nq"), Some(3));
    assert_eq!(i(&ev, "milvus.topk"), Some(16384));
    assert_eq!(s(&ev, "error.message"), None);
    assert_eq!(s(&ev, "milvus.expr"), None);

    // The quote option: msg and expr in strconv.Quote form.
    let ev = one(
        ACCESS,
        r#"[2026/03/09 06:00:05.754 +00:00] [ACCESS] <bob: tcp-10.0.0.9:5> Delete [status: Failed] [code: 1100] [sdk: Python-2.4.3] [msg: "invalid expr: \"id in [1] ] [code: 0\""] [traceID: x] [timeCost: 1ms] [database: default] [collection: c] [partitions: []] [expr: "id in [1] ] [code: 0"]"#,
    );
    assert_eq!(i(&ev, "milvus.error_code"), Some(1100));
    assert_eq!(s(&ev, "milvus.expr"), Some("id in [1] ] [code: 0"));
    assert_eq!(
        s(&ev, "error.message"),
        Some(r#"invalid expr: "id in [1] ] [code: 0""#)
    );

    // An operator's own extra group, kept as a label.
    let ev = one(
        ACCESS,
        "[2026/03/09 06:00:05.754 +00:00] [ACCESS] <bob: tcp-10.0.0.9:5> Flush [status: Successful] [code: 0] [sdk: Python-2.4.3] [msg: ] [traceID: x] [timeCost: 1ms] [cluster: by-dev] [tenant: acme]",
    );
    assert_eq!(ev.labels.get("tenant").map(String::as_str), Some("acme"));
    assert_eq!(ev.labels.get("cluster").map(String::as_str), Some("by-dev"));

    // RESTful access: the path is the method, the client IP has no network prefix.
    let ev = one(
        ACCESS,
        "[2026/03/09 06:00:05.754 +00:00] [ACCESS] <Unknown: 192.0.2.10> /v2/vectordb/users/create [status: HttpError401] [code: 1800] [sdk: Restful] [msg: user hasn't authenticated] [traceID: Unknown] [timeCost: 150µs]",
    );
    assert_eq!(ev.action.as_deref(), Some("authentication-failed"));
    assert_eq!(i(&ev, "http.response.status_code"), Some(401));
    assert_eq!(s(&ev, "url.path"), Some("/v2/vectordb/users/create"));
    assert_eq!(s(&ev, "milvus.method"), Some("CreateCredential"));
    assert_eq!(s(&ev, "source.ip"), Some("192.0.2.10"));
    assert_eq!(s(&ev, "network.protocol"), Some("http"));
    // A web request (SigmaHQ's webserver rules select `web` and read `url.original`),
    // on top of what the verdict says.
    assert_eq!(s(&ev, "url.original"), Some("/v2/vectordb/users/create"));
    assert_eq!(ev.category, ["authentication", "web"]);
    let ev = one(
        ACCESS,
        "[2026/03/09 06:00:05.754 +00:00] [ACCESS] <alice: 192.0.2.10> /v2/vectordb/roles/grant_privilege [status: Successful] [code: 0] [sdk: Restful] [msg: ] [traceID: t] [timeCost: 2ms]",
    );
    assert_eq!(ev.action.as_deref(), Some("privilege-granted"));
    assert_eq!(i(&ev, "http.response.status_code"), Some(200));
    assert!(ev.category.contains(&"web".to_owned()), "{:?}", ev.category);
    // A gRPC call is not.
    let ev = one(
        ACCESS,
        "[2026/03/09 06:00:05.754 +00:00] [ACCESS] <bob: tcp-10.0.0.9:5> Flush [status: Successful] [code: 0] [sdk: Python-2.4.3] [msg: ] [traceID: x] [timeCost: 1ms]",
    );
    assert!(
        !ev.category.contains(&"web".to_owned()),
        "{:?}",
        ev.category
    );
    assert_eq!(s(&ev, "url.original"), None);
}

// ---------------------------------------------------------------- C++ core and client

#[test]
fn milvus_lite_glog_lines() {
    let path = "/tmp/real/milvus-lite-2.5.1/milvus_lite_server.log";
    let ev = one(
        path,
        "I20261122 13:10:00.051786 26957 timer.h:61] [SERVER][Print][grpcpp_sync_ser][]uid: Search-haAKO3Nn TOTAL duration:10282 microseconds ",
    );
    assert_eq!(ev.dataset, "milvus.lite");
    assert_eq!(ev.timestamp.to_string(), "2026-11-22T13:10:00.051786Z");
    assert_eq!(s(&ev, "milvus.method"), Some("Search"));
    assert_eq!(s(&ev, "milvus.request_id"), Some("Search-haAKO3Nn"));
    assert_eq!(i(&ev, "event.duration"), Some(10_282_000));
    assert_eq!(i(&ev, "process.thread.id"), Some(26957));
    assert_eq!(s(&ev, "log.origin.file.name"), Some("timer.h"));

    let ev = one(
        path,
        "E20261122 13:10:00.309206 26972 milvus_proxy.cpp:222] [SERVER][Search][grpcpp_sync_ser][]Can not find secrets's schema",
    );
    assert_eq!(s(&ev, "milvus.collection"), Some("secrets"));
    assert_eq!(ev.outcome.as_str(), "failure");
    assert_eq!(ev.level.as_deref(), Some("error"));

    let ev = one(
        path,
        "E20261122 13:10:00.223978 26972 search_task.cpp:98] [SERVER][ParseSearchInfo][grpcpp_sync_ser][]Topk should be in range [1, 16384], but got 100000",
    );
    assert_eq!(i(&ev, "milvus.topk"), Some(100_000));
    assert_eq!(ev.outcome.as_str(), "failure");

    let ev = one(
        path,
        "I20261122 13:09:58.112120 26939 index_factory.cc:55] [KNOWHERE][Create][grpcpp_sync_ser] use key IVF_FLAT_CC_fp32 to create knowhere index IVF_FLAT_CC with version 6",
    );
    assert_eq!(
        ev.message,
        "use key IVF_FLAT_CC_fp32 to create knowhere index IVF_FLAT_CC with version 6"
    );
    assert_eq!(
        ev.labels.get("module").map(String::as_str),
        Some("KNOWHERE")
    );

    let ev = one(
        path,
        "line 1:5 extraneous input '<' expecting {'(', '[', EXISTS, '+', '-', '~', NOT, JSONContains, JSONContainsAll, JSONContainsAny, ArrayContains, ArrayContainsAll, ArrayContainsAny, ArrayLength, BooleanConstant, IntegerConstant, FloatingConstant, Identifier, StringLiteral, JSONIdentifier}",
    );
    assert_eq!(ev.dataset, "milvus.lite");
    assert_eq!(ev.outcome.as_str(), "failure");
}

#[test]
fn pymilvus_lines_and_multiline_exception() {
    let path = "/tmp/real/milvus-lite-2.5.1/milvus_lite_process_stderr.log";
    let evs = decode(
        path,
        &[
            "2026-11-22 13:10:00,313 [ERROR][handler]: RPC error: [search], <MilvusException: (code=2000, message= => vector dimension mismatch, expected vector size(byte) 32, actual 36. at /workspace/milvus-lite/thirdparty/milvus/internal/core/src/query/Plan.cpp:63",
            ": segcore error)>, <Time:{'RPC start': '2026-11-22 13:10:00.312546', 'RPC error': '2026-11-22 13:10:00.313339'}> (decorators.py:140)",
            "2026-11-22 13:10:00,313 [ERROR][search]: Failed to search collection: docs (milvus_client.py:414)",
        ],
    );
    assert_eq!(evs.len(), 2);
    let ev = &evs[0];
    assert!(ev.has_tag(tags::MULTILINE));
    assert_eq!(ev.dataset, "milvus.client");
    assert_eq!(i(ev, "milvus.error_code"), Some(2000));
    assert_eq!(s(ev, "error.type"), Some("MilvusException"));
    assert_eq!(s(ev, "milvus.method"), Some("Search"));
    assert!(s(ev, "error.message").unwrap().ends_with(": segcore error"));
    assert_eq!(s(ev, "log.origin.file.name"), Some("decorators.py"));
    assert_eq!(s(&evs[1], "milvus.collection"), Some("docs"));
    assert_eq!(evs[1].timestamp.to_string(), "2026-11-22T13:10:00.313Z");
}

#[test]
fn go_panic_is_one_record() {
    let evs = decode(
        "/var/lib/milvus/logs/querynode-9.log",
        &[
            r#"[2026/03/09 06:00:04.453 +00:00] [INFO] [syncmgr/task.go:170] ["task done"]"#,
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1]",
            "",
            "goroutine 1 [running]:",
            "main.main()",
            "\t/go/src/milvus/cmd/main.go:12 +0x1d",
        ],
    );
    assert_eq!(evs.len(), 2);
    let p = &evs[1];
    assert!(!p.has_tag(tags::PARSE_FAILURE));
    assert_eq!(p.dataset, "milvus.querynode");
    assert_eq!(s(p, "error.type"), Some("panic"));
    assert!(
        s(p, "error.stack_trace")
            .unwrap()
            .contains("goroutine 1 [running]:")
    );
}

// ---------------------------------------------------------------- detection

#[test]
fn detection_scores() {
    use std::path::Path;
    let zap = r#"[2026/03/09 05:59:20.000 +00:00] [INFO] [roles/roles.go:333] ["starting running Milvus components"]"#;
    let json = r#"{"level":"INFO","time":"2026/03/09 05:59:20.000 +00:00","caller":"roles/roles.go:333","message":"starting running Milvus components"}"#;
    let access = "[2026/03/09 06:00:02.582 +00:00] [ACCESS] <search_api: tcp-10.40.17.87:55176> Flush [status: Successful] [code: 0] [sdk: Node-2.4.9] [msg: ] [traceID: d574] [timeCost: 110.465896ms]";
    let glog = "I20261122 13:09:57.616384 26935 server.cpp:82] [SERVER][main][milvus][]Start milvus-local success...";
    let mesos = "I1122 12:00:00.123456 12345 master.cpp:1234] Received registration request";
    let src = MilvusSource;
    assert!(src.detect(Some(Path::new("proxy-7.log")), &[zap]) >= 90);
    assert!(src.detect(None, &[json]) >= 90);
    assert!(src.detect(None, &[access]) >= 95);
    assert!(src.detect(None, &[glog]) >= 90);
    assert_eq!(src.detect(None, &[mesos]), 0);
    assert_eq!(src.detect(None, &["# README", "plain text"]), 0);
    assert_eq!(src.detect(None, &[r#"{"scenario":"x"}"#]), 0);
    assert_eq!(src.detect(None, &[]), 0);
    // A few Milvus lines drowned in foreign text score low.
    let mut sample = vec!["foreign"; 20];
    sample.push(zap);
    assert!(src.detect(None, &sample) < 50);
}

// ---------------------------------------------------------------- hostile input

#[test]
fn hostile_input_never_panics_and_keeps_every_line() {
    let huge_brackets = "] [a: ".repeat(50_000);
    let huge_access = format!(
        "[2026/03/09 06:00:02.582 +00:00] [ACCESS] <u: tcp-1.2.3.4:5> Q [expr: {huge_brackets}]"
    );
    let huge_zap = format!(
        "[2026/03/09 06:00:02.582 +00:00] [INFO] [a/b.go:1] [m] {}",
        "[k=\"v\\\"] ".repeat(40_000)
    );
    let deep_json = format!(
        "{{\"level\":\"INFO\",\"time\":\"2026/03/09 06:00:02.582 +00:00\",\"req\":\"{}\"}}",
        "{".repeat(10_000)
    );
    let deep_req = format!(
        r#"[2026/03/09 06:00:02.582 +00:00] [INFO] [proxy/impl.go:1] [OperatePrivilege] [req="{}"]"#,
        "entity:{".repeat(10_000)
    );
    let lines: Vec<String> = vec![
        String::new(),
        "\u{0}\u{1}\u{7f}binary\u{fffd}\u{fffd}".into(),
        "[".into(),
        "[2".into(),
        "[2026/03/09 06:24:24.463 +00:00]".into(),
        "[2026/03/09 06:24:24.463 +00:00] [INFO".into(),
        r#"[2026/03/09 06:24:24.463 +00:00] [INFO] [proxy/impl.go:174] ["permission"#.into(),
        r#"[2026/03/09 06:24:24.463 +00:00] [INFO] [proxy/impl.go:174] ["perm\"] [x=y"#.into(),
        "[2026/13/40 99:99:99.999 +99:99] [INFO] [a.go:1] [m]".into(),
        "[2026/03/09 06:00:02.582 +00:00] [ACCESS] <".into(),
        "[2026/03/09 06:00:02.582 +00:00] [ACCESS] <é: tcp-é> Ü [status: é]".into(),
        "[2026/03/09 06:00:02.582 +00:00] [ACCESS] <u: tcp-1.2.3.4:5> Connect [status: Successful] [code: 99999999999999999999999]".into(),
        "[2026/03/09 06:00:02.582 +00:00] [ACCESS] <u: tcp-1.2.3.4:5> Connect [timeCost: 99999999999999999h]".into(),
        "{".into(),
        r#"{"level":"INFO"}"#.into(),
        r#"{"level":"INFO","time":"2026/03/09 06:00:02.582 +00:00","username":["a",1,null,{"x":2}],"duration":"-5s"}"#.into(),
        "I20261122 13:09:57.616384 26935 server.cpp:82] [SERVER][".into(),
        "I20261122 99:09:57.616384 26935 server.cpp:82] x".into(),
        "2026-11-22 13:10:00,224 [ERROR][handler]: RPC error: [".into(),
        "2026-11-22 13:10:00,224 [ERROR][handler]: RPC error: [x], <".into(),
        "line 1:5 ".into(),
        "panic: ".into(),
        "[2026/03/09 06:24:24.463 +00:00] [INFO] [a/é.go:1] [é] [é=é] [\"é\"=\"\\uZZZZ\\xZZ\\\"]".into(),
        huge_access,
        huge_zap,
        deep_json,
        deep_req,
        "x".repeat(1 << 20),
    ];
    for path in [
        PROXY_A,
        ACCESS,
        "/x/milvus_lite_server.log",
        "/x/unknown.log",
    ] {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let evs = decode(path, &refs);
        assert!(!evs.is_empty());
        for ev in &evs {
            assert!(ev.dataset.starts_with("milvus."), "{}", ev.dataset);
            assert!(!ev.original.is_empty() || ev.message.is_empty());
        }
    }
}

#[test]
fn every_prefix_of_a_line_decodes_without_panic() {
    for line in [
        r#"[2026/03/09 07:10:12.772 +00:00] [INFO] [proxy/privilege_interceptor.go:174] ["permission deny"] [traceID=3054] [username=reporting_ro] [role_names="[public]"] [req="{\"username\":\"é\"}"]"#,
        "[2026/03/09 09:25:15.092 +00:00] [ACCESS] <service: tcp-[::1]:35419> Connect [status: GrpcUnauthenticated] [code: 65535] [sdk: Golang-2.4.1] [msg: a ] [b: c] [traceID: 7d5f] [timeCost: 499.838µs] [expr: \"x\"]",
        r#"{"level":"INFO","time":"2026/03/09 08:17:12.774 +00:00","caller":"proxy/impl.go:4896","message":"OperatePrivilege","req":"{\"entity\":{\"role\":{\"name\":\"é\"}}}"}"#,
        "I20261122 13:10:00.051786 26957 timer.h:61] [SERVER][Print][grpcpp_sync_ser][]uid: Search-haAKO3Nn TOTAL duration:10282 µs",
        "2026-11-22 13:10:00,224 [ERROR][handler]: RPC error: [search], <MilvusException: (code=1100, message=é)>, <Time:{}> (decorators.py:140)",
    ] {
        for (end, _) in line.char_indices() {
            let _ = decode(PROXY_A, &[&line[..end]]);
        }
    }
}

#[test]
fn raw_lines_after_entries() {
    // Plain output after an info entry (the startup banner) stays with it as a label.
    let evs = decode(
        "/var/log/milvus-standalone.log",
        &[
            r#"[2026/03/09 05:59:20.000 +00:00] [INFO] [roles/roles.go:333] ["starting running Milvus components"]"#,
            "Welcome to use Milvus!",
            "Version:   v2.4.15",
        ],
    );
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].dataset, "milvus.standalone");
    assert_eq!(
        evs[0].labels.get("continuation").map(String::as_str),
        Some("Welcome to use Milvus!\nVersion:   v2.4.15")
    );
    assert_eq!(s(&evs[0], "error.stack_trace"), None);
    // A goroutine dump after a JSON error entry is its stack trace.
    let evs = decode(
        PROXY_B,
        &[
            r#"{"level":"ERROR","time":"2026/03/09 06:00:00.000 +00:00","caller":"proxy/impl.go:1","message":"boom"}"#,
            "goroutine 7 [running]:",
            "\tgithub.com/milvus-io/milvus/internal/proxy.(*Proxy).Search(...)",
        ],
    );
    assert_eq!(evs.len(), 1);
    assert!(!evs[0].has_tag(tags::PARSE_FAILURE));
    assert!(
        s(&evs[0], "error.stack_trace")
            .unwrap()
            .starts_with("goroutine 7 [running]:")
    );
    // A file that starts in the middle of a record: that fragment is a parse failure, the rest decodes.
    let evs = decode(
        PROXY_A,
        &[
            "\tat continuation",
            r#"[2026/03/09 05:59:20.000 +00:00] [INFO] [roles/roles.go:333] ["m"]"#,
        ],
    );
    assert_eq!(evs.len(), 2);
    assert!(evs[0].has_tag(tags::PARSE_FAILURE));
    assert_eq!(evs[0].dataset, "milvus.proxy");
    assert!(!evs[1].has_tag(tags::PARSE_FAILURE));
}
