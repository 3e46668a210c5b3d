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
    let parse = es_bulk(PYTHON_HELPERS_BULK.as_bytes(), None, "es:10.0.0.1:0011").unwrap();
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
    assert_eq!(r.attribute("host.ip"), Some("10.0.0.1"));
    assert_eq!(r.attribute("log.level"), Some("warn"));
    assert_eq!(r.attribute("user.name"), Some("root"));
    assert_eq!(r.attribute("tags"), Some(r#"["auth","ssh"]"#));
    // Mapped fields are not repeated as attributes.
    for k in ["message", "@timestamp", "host.name", "log.file.path"] {
        assert_eq!(r.attribute(k), None, "{k}");
    }

    let second = &parse.items[1];
    assert_eq!(second.id, "abc-1");
    let r = second.result.as_ref().unwrap();
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
    let parse = es_bulk(body.as_bytes(), Some("milvus-2024.06"), "s").unwrap();
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
    assert_eq!(r.attribute("event.dataset"), Some("milvus.proxy"));
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
    let parse = es_bulk(PYTHON_HELPERS_BULK.as_bytes(), Some("x"), "s").unwrap();
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
    let again = es_bulk(PYTHON_HELPERS_BULK.as_bytes(), Some("x"), "s").unwrap();
    assert_eq!(again, parse);
}

#[test]
fn malformed_action_lines_fail_the_request_with_the_line_number() {
    let err = es_bulk(
        b"{\"index\":{}}\n{}\n\n{\"frobnicate\":{}}\n{}\n",
        None,
        "s",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 4: malformed action/metadata line: expected create, delete, index or update but found [frobnicate]"
    );
    let err = es_bulk(b"{\"index\":{}}\n", None, "s").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("line 1: index action has no document line"),
        "{err}"
    );
    let err = es_bulk(b"garbage\n", None, "s").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("line 1: malformed action/metadata line"),
        "{err}"
    );
    assert!(es_bulk(b"", None, "s").unwrap().items.is_empty());
}
