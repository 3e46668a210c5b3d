use serde_json::{Value, json};
use sightline_receive::{BulkAction, es_bulk, es_bulk_response};

/// What `elasticsearch.helpers.bulk(es, actions)` sends for plain `_source`
/// dicts with `_index` (and one with `_id`).
const PYTHON_HELPERS_BULK: &str = concat!(
    r#"{"index":{"_index":"logs"}}"#,
    "\n",
    r#"{"@timestamp":"2024-06-01T12:00:00.123Z","message":"Failed password for root from 203.0.113.9 port 4242 ssh2","host":{"name":"gpu-1","ip":"10.0.0.1"},"log":{"file":{"path":"/var/log/auth.log"},"level":"warn"},"user":{"name":"root"},"tags":["auth","ssh"]}"#,
    "\n",
    r#"{"index":{"_index":"ray-logs","_id":"abc-1"}}"#,
    "\n",
    r#"{"@timestamp":1717243200000,"level":"INFO","msg":"structured only"}"#,
    "\n",
);

#[test]
fn python_client_bulk_with_message_and_structured_docs() {
    let parse = es_bulk(
        PYTHON_HELPERS_BULK.as_bytes(),
        None,
        "es:10.0.0.1:0011",
        "shipper",
    )
    .unwrap();
    assert_eq!(parse.items.len(), 2);
    let first = &parse.items[0];
    assert_eq!(first.action, BulkAction::Index);
    assert_eq!(first.index.as_deref(), Some("logs"));
    assert_eq!(first.id.len(), 20);
    let r = first.result.as_ref().unwrap();
    assert_eq!(
        r.line,
        "Failed password for root from 203.0.113.9 port 4242 ssh2"
    );
    assert_eq!(r.stream, "es:10.0.0.1:0011");
    assert!(r.whole, "a bulk document is one event");
    assert_eq!(
        r.offset,
        PYTHON_HELPERS_BULK.find("{\"@timestamp\"").unwrap() as u64
    );
    assert_eq!(r.time.unwrap().to_string(), "2024-06-01T12:00:00.123Z");
    assert_eq!(r.host.as_deref(), Some("gpu-1"));
    assert_eq!(r.path.as_deref(), Some("/var/log/auth.log"));
    assert_eq!(r.source_hint, None);
    assert_eq!(r.attribute("es.index"), Some("logs"));
    assert_eq!(r.id_key, None, "no _id: identity from the batch");
    assert_eq!(r.module.as_deref(), Some("elasticsearch"));
    assert_eq!(r.dataset.as_deref(), Some("elasticsearch.bulk"));
    // The rest of the document, structured, for the event's typed fields.
    let fields = r.fields.as_ref().unwrap();
    assert_eq!(fields["host"]["ip"], "10.0.0.1");
    assert_eq!(fields["log"]["level"], "warn");
    assert_eq!(fields["user"]["name"], "root");
    assert_eq!(fields["tags"], json!(["auth", "ssh"]));
    assert!(!fields.contains_key("message"), "the line is not repeated");
    // Protocol attributes only.
    assert_eq!(
        r.attributes,
        vec![("es.index".to_owned(), "logs".to_owned())]
    );

    let second = &parse.items[1];
    assert_eq!(second.id, "abc-1");
    let r = second.result.as_ref().unwrap();
    assert_eq!(r.id_key.as_deref(), Some("es:shipper:ray-logs:abc-1"));
    assert_eq!(r.fields, None, "the line is the whole document");
    // No message field: the whole document for the JSON decoder.
    let doc: Value = serde_json::from_str(&r.line).unwrap();
    assert_eq!(doc["msg"], "structured only");
    assert_eq!(r.time.unwrap().to_string(), "2024-06-01T12:00:00Z");
    assert_eq!(r.source_hint.as_deref(), Some("ray"));
}

#[test]
fn create_update_delete_and_path_index() {
    let body = concat!(
        r#"{"create":{}}"#,
        "\n",
        r#"{"log":"plain log field","event":{"dataset":"milvus.proxy"}}"#,
        "\n",
        r#"{"update":{"_id":"7"}}"#,
        "\n",
        r#"{"doc":{"event":{"original":"orig text"}},"doc_as_upsert":true}"#,
        "\n",
        r#"{"delete":{"_id":"8"}}"#,
        "\n",
        r#"{"index":{}}"#,
        "\n",
        r#"not json"#,
        "\n",
        r#"{"update":{}}"#,
        "\n",
        r#"{"script":{"source":"ctx._source.x++"}}"#,
        "\n",
    );
    let parse = es_bulk(body.as_bytes(), Some("milvus-2024.06"), "s", "t").unwrap();
    let actions: Vec<_> = parse.items.iter().map(|i| i.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete", "index", "update"]);
    assert!(
        parse
            .items
            .iter()
            .all(|i| i.index.as_deref() == Some("milvus-2024.06"))
    );
    let r = parse.items[0].result.as_ref().unwrap();
    assert_eq!(r.line, "plain log field");
    assert_eq!(r.dataset.as_deref(), Some("milvus.proxy"));
    assert_eq!(
        r.module.as_deref(),
        Some("milvus"),
        "a dataset names its module"
    );
    assert_eq!(r.fields, None, "provenance is not repeated as a field");
    assert_eq!(r.source_hint.as_deref(), Some("milvus"));
    assert_eq!(parse.items[1].result.as_ref().unwrap().line, "orig text");
    assert!(
        parse.items[2]
            .result
            .as_ref()
            .unwrap_err()
            .contains("not supported")
    );
    assert!(
        parse.items[3]
            .result
            .as_ref()
            .unwrap_err()
            .contains("failed to parse")
    );
    assert!(parse.items[4].result.is_err());

    let resp = es_bulk_response(&parse, 12);
    assert_eq!(resp["took"], 12);
    assert_eq!(resp["errors"], true);
    let items = resp["items"].as_array().unwrap();
    assert_eq!(items[0]["create"]["status"], 201);
    assert_eq!(items[0]["create"]["result"], "created");
    assert_eq!(items[1]["update"]["status"], 200);
    assert_eq!(items[1]["update"]["_id"], "7");
    assert_eq!(items[2]["delete"]["status"], 400);
    assert_eq!(
        items[2]["delete"]["error"]["type"],
        "illegal_argument_exception"
    );
    assert_eq!(
        items[3]["index"]["error"]["type"],
        "mapper_parsing_exception"
    );
}

#[test]
fn response_shape_for_all_success() {
    let parse = es_bulk(PYTHON_HELPERS_BULK.as_bytes(), Some("x"), "s", "t").unwrap();
    let resp = es_bulk_response(&parse, 3);
    let id = parse.items[0].id.clone();
    assert_eq!(
        resp,
        json!({"took": 3, "errors": false, "items": [
            {"index": {"_index": "logs", "_id": id, "_version": 1, "result": "created",
                       "_shards": {"total": 1, "successful": 1, "failed": 0}, "status": 201}},
            {"index": {"_index": "ray-logs", "_id": "abc-1", "_version": 1, "result": "created",
                       "_shards": {"total": 1, "successful": 1, "failed": 0}, "status": 201}},
        ]})
    );
    assert_eq!(parse.accepted().len(), 2);
    // Retrying the same body yields the same generated ids and offsets.
    let again = es_bulk(PYTHON_HELPERS_BULK.as_bytes(), Some("x"), "s", "t").unwrap();
    assert_eq!(again, parse);
}

#[test]
fn malformed_action_lines_fail_the_request_with_the_line_number() {
    let err = es_bulk(
        b"{\"index\":{}}\n{}\n\n{\"frobnicate\":{}}\n{}\n",
        None,
        "s",
        "t",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4: malformed action/metadata line: expected create, delete, index or update but found [frobnicate]"
    );
    let err = es_bulk(b"{\"index\":{}}\n", None, "s", "t").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("line 1: index action has no document line"),
        "{err}"
    );
    let err = es_bulk(b"garbage\n", None, "s", "t").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("line 1: malformed action/metadata line"),
        "{err}"
    );
    assert!(es_bulk(b"", None, "s", "t").unwrap().items.is_empty());
}

/// The ECS document of the issue, as Filebeat, Elastic Agent or
/// elasticsearch-py send it.
const ECS_DOC: &str = r#"{"@timestamp":"2026-11-20T10:00:00Z","message":"Failed password for root from 192.0.2.10 port 22 ssh2","event":{"category":["authentication"],"dataset":"system.auth"},"source":{"ip":"192.0.2.10"}}"#;

#[test]
fn an_ecs_document_keeps_its_structure_and_provenance() {
    let body = format!("{{\"index\":{{\"_index\":\"logs-system.auth-default\"}}}}\n{ECS_DOC}\n");
    let parse = es_bulk(body.as_bytes(), None, "s", "t").unwrap();
    let r = parse.items[0].result.as_ref().unwrap();
    assert_eq!(
        r.line,
        "Failed password for root from 192.0.2.10 port 22 ssh2"
    );
    let fields = r.fields.as_ref().unwrap();
    assert_eq!(fields["source"]["ip"], "192.0.2.10");
    assert_eq!(fields["event"]["category"], json!(["authentication"]));
    assert!(fields["event"].get("dataset").is_none());
    assert_eq!(r.dataset.as_deref(), Some("system.auth"));
    assert_eq!(r.module.as_deref(), Some("system"));
    assert_eq!(r.time.unwrap().to_string(), "2026-11-20T10:00:00Z");
}

#[test]
fn event_original_is_the_line_when_message_was_cut_down() {
    let body = concat!(
        r#"{"create":{"_id":"x1"}}"#,
        "\n",
        r#"{"message":"Raylet started","event":{"original":"[2024-06-01 12:00:00,123 I 1234 1234] raylet.cc:100: Raylet started"}}"#,
        "\n",
    );
    let parse = es_bulk(body.as_bytes(), Some("logs"), "s", "t").unwrap();
    let r = parse.items[0].result.as_ref().unwrap();
    assert!(
        r.line.starts_with("[2024-06-01 12:00:00,123 I"),
        "{}",
        r.line
    );
    assert_eq!(r.fields.as_ref().unwrap()["message"], "Raylet started");
}

#[test]
fn an_id_keeps_its_identity_in_any_request_and_repeats_are_answered_as_elasticsearch_does() {
    let doc = r#"{"message":"m1"}"#;
    let alone = format!("{{\"create\":{{\"_index\":\"logs\",\"_id\":\"a\"}}}}\n{doc}\n");
    let mixed = format!(
        "{{\"index\":{{\"_index\":\"logs\"}}}}\n{{\"message\":\"other\"}}\n{{\"index\":{{\"_id\":\"a\"}}}}\n{doc}\n"
    );
    let first = es_bulk(alone.as_bytes(), None, "es:t:1", "t").unwrap();
    let second = es_bulk(mixed.as_bytes(), Some("logs"), "es:t:2", "t").unwrap();
    let key = |p: &sightline_receive::BulkParse, i: usize| {
        p.items[i].result.as_ref().unwrap().id_key.clone()
    };
    assert_eq!(key(&first, 0), key(&second, 1));
    assert_eq!(key(&second, 0), None);
    let other_sender = es_bulk(alone.as_bytes(), None, "es:u:1", "u").unwrap();
    assert_ne!(key(&first, 0), key(&other_sender, 0), "scoped by sender");

    let mut again = first.clone();
    again.items[0].exists = true;
    let resp = es_bulk_response(&again, 1);
    assert_eq!(resp["errors"], true);
    let item = &resp["items"][0]["create"];
    assert_eq!(item["status"], 409);
    assert_eq!(item["error"]["type"], "version_conflict_engine_exception");
    let mut reindexed = second.clone();
    reindexed.items[1].exists = true;
    let resp = es_bulk_response(&reindexed, 1);
    assert_eq!(resp["errors"], false);
    assert_eq!(resp["items"][0]["index"]["status"], 201);
    assert_eq!(resp["items"][1]["index"]["status"], 200);
    assert_eq!(resp["items"][1]["index"]["result"], "noop");
}

#[test]
fn invalid_utf8_in_a_document_is_replaced_not_refused() {
    let mut body = b"{\"index\":{\"_index\":\"logs\"}}\n{\"message\":\"bad \xff\xfe byte\",\"user\":{\"name\":\"r\xc3\"}}\n".to_vec();
    body.extend_from_slice(b"{\"index\":{}}\n{\"message\":\"fine\"}\n");
    let parse = es_bulk(&body, None, "s", "t").unwrap();
    let r = parse.items[0].result.as_ref().unwrap();
    assert_eq!(r.line, "bad \u{fffd}\u{fffd} byte");
    assert_eq!(r.fields.as_ref().unwrap()["user"]["name"], "r\u{fffd}");
    assert!(parse.items[1].result.is_ok());
}
