//! The receivers against what real shippers send and what hostile callers
//! try: structured Elasticsearch documents keep their fields, a bulk `_id`
//! is stored once however requests are composed, invalid UTF-8 is replaced,
//! refusals come in each protocol's shape before anything is parsed, and
//! every refused request is audited (rate-limited), sanitized, and feeds the
//! platform brute-force rule. One server for all of it.

use crate::support::*;

fn bulk(
    c: &shim::blocking_shim::Client,
    url: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> shim::blocking_shim::Resp {
    let mut req = c
        .raw()
        .post(format!("{url}/_bulk"))
        .header("content-type", "application/x-ndjson")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    c.send(req)
}

fn not_audit(q: &str) -> String {
    format!("({q}) AND NOT event.dataset:sightline.audit")
}

#[test]
fn receivers_keep_structure_hold_ids_and_refuse_in_each_protocols_shape() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "");
    let c = client(&server.data());
    let url = &server.url;
    let count = |q: &str| search_count(&c, url, ADMIN, &not_audit(q));

    // An ECS document as Filebeat or elasticsearch-py send it.
    let ecs = concat!(
        "{\"index\":{\"_index\":\"logs-system.auth-default\"}}\n",
        r#"{"@timestamp":"2026-11-20T10:00:00.000Z","message":"Failed password for root from 192.0.2.10 port 22 ssh2 ecsmarker","event":{"category":["authentication"],"dataset":"system.auth","outcome":"failure"},"source":{"ip":"192.0.2.10","port":50022},"user":{"name":"root"},"host":{"name":"bastion-1"}}"#,
        "\n"
    );
    let r = bulk(&c, url, Some(ADMIN), ecs.into());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["x-elastic-product"], "Elasticsearch");
    eventually("the ECS document", || count("ecsmarker") == 1);
    assert_eq!(
        count(
            "ecsmarker AND source.ip:192.0.2.10 AND source.port:50022 AND event.category:authentication AND event.outcome:failure AND user.name:root AND event.dataset:system.auth AND event.module:system AND NOT tags:timestamp_inferred"
        ),
        1,
        "typed fields, the document's dataset and the sender's time: {:?}",
        search_events(&c, url, ADMIN, &not_audit("ecsmarker"), 1)
    );
    let ev = &search_events(&c, url, ADMIN, &not_audit("ecsmarker"), 1)[0];
    assert_eq!(ev["@timestamp"], "2026-11-20T10:00:00Z");
    assert!(
        ev.get("labels").and_then(|l| l.get("source.ip")).is_none(),
        "{ev}"
    );

    // The same `_id`s in differently composed requests: stored once, answered as Elasticsearch does.
    let doc = |id: &str| format!("{{\"message\":\"document {id} idmarker\"}}\n");
    let create = |ids: &[&str]| -> Vec<u8> {
        ids.iter()
            .flat_map(|id| {
                format!(
                    "{{\"create\":{{\"_index\":\"app\",\"_id\":\"{id}\"}}}}\n{}",
                    doc(id)
                )
                .into_bytes()
            })
            .collect()
    };
    let r = bulk(&c, url, Some(ADMIN), create(&["a", "b", "c"]));
    let statuses = |r: &shim::blocking_shim::Resp, op: &str| -> Vec<u64> {
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[op]["status"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(statuses(&r, "create"), [201, 201, 201], "{}", r.body);
    // Resending only "failed" items, re-batched with a new one, as `index`.
    let mixed = format!(
        "{{\"index\":{{\"_index\":\"app\",\"_id\":\"d\"}}}}\n{}{{\"index\":{{\"_index\":\"app\",\"_id\":\"b\"}}}}\n{}{{\"index\":{{\"_index\":\"app\",\"_id\":\"d\"}}}}\n{}",
        doc("d"),
        doc("b"),
        doc("d")
    );
    let r = bulk(&c, url, Some(ADMIN), mixed.into_bytes());
    assert_eq!(statuses(&r, "index"), [201, 200, 200], "{}", r.body);
    assert_eq!(r.json()["items"][1]["index"]["result"], "noop");
    assert_eq!(r.json()["errors"], false);
    let r = bulk(&c, url, Some(ADMIN), create(&["c", "e"]));
    assert_eq!(statuses(&r, "create"), [409, 201], "{}", r.body);
    assert_eq!(r.json()["errors"], true);
    assert_eq!(
        r.json()["items"][0]["create"]["error"]["type"],
        "version_conflict_engine_exception"
    );
    eventually("the documents", || count("idmarker") >= 5);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(count("idmarker"), 5, "a, b, c, d, e once each");

    // Invalid UTF-8 inside JSON bodies is replaced, not refused.
    let mut es = b"{\"index\":{}}\n{\"message\":\"utf8marker es caf".to_vec();
    es.extend_from_slice(b"\xe9\"}\n");
    let r = bulk(&c, url, Some(ADMIN), es);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["items"][0]["index"]["status"], 201, "{}", r.body);
    let mut hec = b"{\"event\": \"utf8marker hec caf".to_vec();
    hec.extend_from_slice(b"\xe9\"}");
    let r = c.send(
        c.raw()
            .post(format!("{url}/services/collector/event"))
            .header("authorization", format!("Splunk {ADMIN}"))
            .body(hec),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_u64()),
        (200, Some(0)),
        "{}",
        r.body
    );
    let mut otlp = b"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"utf8marker otlp caf".to_vec();
    otlp.extend_from_slice(b"\xe9\"}}]}]}]}");
    let r = c.send(
        c.raw()
            .post(format!("{url}/v1/logs"))
            .bearer_auth(ADMIN)
            .header("content-type", "application/json")
            .body(otlp),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    eventually("the replaced characters", || count("utf8marker") == 3);
    for ev in search_events(&c, url, ADMIN, &not_audit("utf8marker"), 10) {
        let message = ev["message"].as_str().unwrap_or_default();
        assert!(message.ends_with("caf\u{fffd}"), "{ev}");
    }

    // Refusals, before any body or query is read, in each protocol's shape.
    let viewer = c.post_json(
        &format!("{url}/api/v1/tokens"),
        ADMIN,
        &serde_json::json!({"name": "viewer-1", "role": "viewer"}),
    );
    let viewer = viewer.json()["token"].as_str().unwrap().to_owned();
    let r = bulk(&c, url, None, ecs.into());
    assert_eq!(r.status, 401);
    assert_eq!(
        r.headers["x-elastic-product"], "Elasticsearch",
        "ES 401 with a body"
    );
    assert_eq!(
        r.json()["error"]["type"],
        "security_exception",
        "{}",
        r.body
    );
    let r = c.get(&format!("{url}/"), None);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.headers["x-elastic-product"], "Elasticsearch",
        "ES 401 without a body"
    );
    let hec = |auth: Option<&str>| {
        let mut req = c
            .raw()
            .post(format!("{url}/services/collector/event"))
            .body(r#"{"event":"x"}"#);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = c.send(req);
        (r.status, r.json()["code"].as_u64().unwrap_or(99))
    };
    assert_eq!(hec(None), (401, 2), "Token is required");
    assert_eq!(hec(Some("Splunk")), (401, 3), "Invalid authorization");
    assert_eq!(
        hec(Some("Splunk sl_not_a_token")),
        (403, 4),
        "Invalid token, as Splunk answers"
    );
    assert_eq!(hec(Some(&format!("Splunk {viewer}"))).0, 403);
    let health = c.get(&format!("{url}/services/collector/health"), None);
    assert_eq!(
        (health.status, health.json()["code"].as_u64()),
        (200, Some(17))
    );
    let r = c.send(
        c.raw()
            .post(format!("{url}/v1/logs"))
            .header("content-type", "application/x-protobuf")
            .body(vec![0x0a, 0x00]),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.headers["content-type"], "application/x-protobuf");
    // google.rpc.Status: field 1 (code) = 16 UNAUTHENTICATED, then the message.
    assert_eq!(&r.body.as_bytes()[..2], b"\x08\x10", "{:?}", r.body);
    let r = c.send(
        c.raw()
            .post(format!("{url}/v1/logs"))
            .bearer_auth(&viewer)
            .header("content-type", "application/json")
            .body("{}"),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_i64()),
        (403, Some(7)),
        "{}",
        r.body
    );
    // A bad query or body never tells an unauthorized caller more than 401/403.
    assert_eq!(
        c.get(&format!("{url}/api/v1/search?limit=many"), None)
            .status,
        401
    );
    let r = c.send(
        c.raw()
            .post(format!("{url}/api/v1/alerts/abc/state"))
            .bearer_auth(&viewer)
            .header("content-type", "application/json")
            .body("{not json"),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(c.get(&format!("{url}/no/such/path"), None).status, 401);

    // Refused requests are audited: who (when known), from where, what; never the token.
    let audited = |q: &str| {
        search_count(
            &c,
            url,
            ADMIN,
            &format!("event.dataset:sightline.audit AND {q}"),
        )
    };
    eventually("the 403 audit record", || {
        audited(
            "event.action:authorization-denied AND user.name:viewer-1 AND url.path:\"/api/v1/alerts/abc/state\"",
        ) == 1
    });
    let denied = search_events(
        &c,
        url,
        ADMIN,
        "event.dataset:sightline.audit AND event.action:authentication-failed",
        100,
    );
    assert!(!denied.is_empty());
    for ev in &denied {
        let text = ev.to_string();
        assert!(
            !text.contains("sl_not_a_token"),
            "the presented token is never recorded: {text}"
        );
        assert_eq!(ev["source.ip"], "127.0.0.1");
    }
    // A flood of unknown tokens: recorded up to the per-address limit, and it raises the brute-force alert.
    let before = audited("event.action:authentication-failed");
    for i in 0..40 {
        let r = c.get(
            &format!("{url}/api/v1/alerts"),
            Some(&format!("sl_guess_{i:04}")),
        );
        assert_eq!(r.status, 401);
    }
    eventually("the brute-force alert", || {
        let r = c.get(&format!("{url}/api/v1/alerts"), Some(ADMIN));
        r.json()["alerts"].as_array().is_some_and(|a| {
            a.iter().any(|x| {
                x["rule.id"] == "d0d1c12f-6f6a-4236-98c9-58096543b18a"
                    && x["alert.group"]["source.ip"] == "127.0.0.1"
            })
        })
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // 20 per address and minute; earlier refusals used part of this minute's.
    let after = audited("event.action:authentication-failed");
    assert!(
        after - before < 40,
        "the flood was not recorded request by request: {before} then {after}"
    );

    // Audit records go through the sanitizer: a secret typed into a search is redacted.
    let r = c.send(
        c.raw()
            .get(format!("{url}/api/v1/search"))
            .bearer_auth(ADMIN)
            .query(&[("q", "sanitizermarker OR \"password=Hunter2Hunter2x\"")]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // (Each search below is audited too, with the marker but without the secret.)
    let redacted = "event.dataset:sightline.audit AND event.action:search AND sanitizermarker AND tags:redacted";
    eventually("the search's audit record", || {
        search_count(&c, url, ADMIN, redacted) == 1
    });
    let ev = &search_events(&c, url, ADMIN, redacted, 1)[0];
    let text = ev.to_string();
    assert!(!text.contains("Hunter2Hunter2x"), "{text}");
    assert!(
        ev["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "redacted"),
        "{text}"
    );
    assert_eq!(
        metric(&c, url, ADMIN, "sightline_audit_failures_total "),
        0.0
    );
    server.stop();
}
