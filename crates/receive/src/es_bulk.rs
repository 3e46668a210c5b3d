//! Elasticsearch `_bulk` (`POST /_bulk`, `POST /{index}/_bulk`): NDJSON
//! action/metadata lines, each but `delete` followed by a document line.
//!
//! Shippers that only speak Elasticsearch (Beats, Logstash, Fluent Bit,
//! Vector, the Python client's `helpers.bulk`) can then send to Sightline
//! unchanged. Per-item problems are reported per item, as Elasticsearch does;
//! only a malformed action line fails the request, because after it the
//! pairing of action and document lines is lost.

use crate::attrs::Attrs;
use crate::batch::{provenance, source_for_index};
use crate::error::ReceiveError;
use crate::inbound::Inbound;
use crate::json::{bounded_fields, lookup, lossy_utf8, take};
use crate::limits::MAX_ITEMS;
use crate::lines::lines;
use crate::time::{epoch_millis, parse_datetime};
use serde_json::{Map, Value, json};

/// The operation an action line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    Index,
    Create,
    Update,
    Delete,
}

impl BulkAction {
    /// The name used on the wire (action line key, response item key).
    pub fn as_str(self) -> &'static str {
        match self {
            BulkAction::Index => "index",
            BulkAction::Create => "create",
            BulkAction::Update => "update",
            BulkAction::Delete => "delete",
        }
    }

    fn parse(name: &str) -> Option<BulkAction> {
        Some(match name {
            "index" => BulkAction::Index,
            "create" => BulkAction::Create,
            "update" => BulkAction::Update,
            "delete" => BulkAction::Delete,
            _ => return None,
        })
    }
}

/// One action of the request, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkItem {
    pub action: BulkAction,
    /// `_index` of the action, else the index from the URL path.
    pub index: Option<String>,
    /// `_id` of the action, else one derived from the batch stream and the
    /// document's offset (so a retried request gets the same ids back).
    pub id: String,
    /// The record, or why this item was refused (reported as a 400 item).
    pub result: Result<Inbound, String>,
    /// Set by the server when the document's `_id` was stored before: a
    /// `create` is then answered `409`, an `index` or `update` `200 noop`.
    pub exists: bool,
}

/// A parsed `_bulk` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkParse {
    pub items: Vec<BulkItem>,
}

impl BulkParse {
    /// The records of the items that parsed, in request order.
    pub fn accepted(&self) -> Vec<Inbound> {
        self.items
            .iter()
            .filter_map(|i| i.result.as_ref().ok().cloned())
            .collect()
    }
}

/// Parses a `_bulk` body. `default_index` is the `{index}` of
/// `/{index}/_bulk`; `batch_stream` (see [`crate::batch_stream`]) names the
/// records' stream, each at the byte offset of its document line.
///
/// A document whose action gives an `_id` gets `id_key`
/// `es:{id_scope}:{index}:{_id}`, so its event id is the same in any request
/// that carries it: `id_scope` should name the sender stably (the token's
/// name), keeping one sender's ids from colliding with another's.
pub fn es_bulk(
    body: &[u8],
    default_index: Option<&str>,
    batch_stream: &str,
    id_scope: &str,
) -> Result<BulkParse, ReceiveError> {
    let mut items = Vec::new();
    let mut lines = lines(body);
    while let Some(line) = lines.next() {
        if items.len() >= MAX_ITEMS {
            return Err(ReceiveError::TooManyItems { limit: MAX_ITEMS });
        }
        let line_no = line.number;
        let (action, meta) = parse_action(&lossy_utf8(line.bytes), line_no)?;
        let index = meta_str(&meta, "_index").or_else(|| default_index.map(str::to_owned));
        let given_id = meta_str(&meta, "_id");
        let (doc_offset, result) = if action == BulkAction::Delete {
            (
                line.offset,
                Err("delete is not supported: Sightline stores events append-only".to_owned()),
            )
        } else {
            let Some(doc) = lines.next() else {
                return Err(ReceiveError::InvalidLine {
                    line: line_no,
                    reason: format!("{} action has no document line after it", action.as_str()),
                });
            };
            let result = document(&lossy_utf8(doc.bytes), action).map(|d| {
                let mut inbound = to_inbound(d, index.as_deref(), batch_stream, doc.offset);
                inbound.id_key = given_id
                    .as_ref()
                    .map(|id| format!("es:{id_scope}:{}:{id}", index.as_deref().unwrap_or("")));
                inbound
            });
            (doc.offset, result)
        };
        let id = given_id.unwrap_or_else(|| derived_id(batch_stream, doc_offset));
        items.push(BulkItem {
            action,
            index,
            id,
            result,
            exists: false,
        });
    }
    Ok(BulkParse { items })
}

fn parse_action(raw: &[u8], line: usize) -> Result<(BulkAction, Map<String, Value>), ReceiveError> {
    let invalid = |reason: String| ReceiveError::InvalidLine { line, reason };
    let value: Value = serde_json::from_slice(raw)
        .map_err(|e| invalid(format!("malformed action/metadata line: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(invalid(
            "malformed action/metadata line: expected a JSON object".to_owned(),
        ));
    };
    let mut entries = obj.into_iter();
    let (Some((name, meta)), None) = (entries.next(), entries.next()) else {
        return Err(invalid(
            "malformed action/metadata line: expected exactly one of create, delete, index, update"
                .to_owned(),
        ));
    };
    let action = BulkAction::parse(&name).ok_or_else(|| {
        invalid(format!(
            "malformed action/metadata line: expected create, delete, index or update but found [{name}]"
        ))
    })?;
    match meta {
        Value::Object(meta) => Ok((action, meta)),
        _ => Err(invalid(format!(
            "malformed action/metadata line: [{name}] must be an object"
        ))),
    }
}

fn meta_str(meta: &Map<String, Value>, key: &str) -> Option<String> {
    match meta.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The document an item carries (`update` wraps it in `doc`).
fn document(raw: &[u8], action: BulkAction) -> Result<Map<String, Value>, String> {
    let value: Value =
        serde_json::from_slice(raw).map_err(|e| format!("failed to parse document: {e}"))?;
    let Value::Object(mut obj) = value else {
        return Err("failed to parse document: expected a JSON object".to_owned());
    };
    if action != BulkAction::Update {
        return Ok(obj);
    }
    match obj.remove("doc").or_else(|| obj.remove("upsert")) {
        Some(Value::Object(doc)) => Ok(doc),
        _ => Err("update is supported only with a partial document in [doc]".to_owned()),
    }
}

/// Fields holding the line to decode, rawest first: `event.original` is the
/// record as the source wrote it (Filebeat keeps it when an ingest pipeline
/// has cut `message` down), `log` is Docker's and Fluent Bit's raw line.
const LINE_FIELDS: [&str; 3] = ["event.original", "message", "log"];

/// What the receiver calls itself when the sender names no dataset.
const MODULE: &str = "elasticsearch";
const DATASET: &str = "elasticsearch.bulk";

fn to_inbound(
    mut doc: Map<String, Value>,
    index: Option<&str>,
    stream: &str,
    offset: u64,
) -> Inbound {
    let time = lookup(&doc, "@timestamp").and_then(doc_time);
    let host = ["host.name", "host"]
        .iter()
        .find_map(|k| lookup(&doc, k).and_then(Value::as_str).map(str::to_owned));
    let path = lookup(&doc, "log.file.path")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let text = |doc: &Map<String, Value>, k: &str| {
        lookup(doc, k).and_then(Value::as_str).map(str::to_owned)
    };
    let (module, dataset) = provenance(
        text(&doc, "event.module").as_deref(),
        text(&doc, "event.dataset").as_deref(),
        MODULE,
        DATASET,
    );
    let line_field = LINE_FIELDS
        .iter()
        .find(|k| matches!(lookup(&doc, k), Some(Value::String(s)) if !s.trim().is_empty()));
    let mut attrs = Attrs::default();
    let mut inbound = match line_field {
        Some(key) => {
            let line = match take(&mut doc, key) {
                Some(Value::String(s)) => s,
                _ => String::new(),
            };
            let mut inbound = Inbound::whole(stream, offset, line, &mut attrs);
            // Provenance is carried on its own; the rest is mapped field by field.
            for k in ["event.module", "event.dataset"] {
                take(&mut doc, k);
            }
            let mut cut = false;
            let fields = bounded_fields(doc, &mut cut);
            if cut {
                attrs.mark_dropped();
            }
            inbound.fields = (!fields.is_empty()).then_some(fields);
            inbound
        }
        // No line: the JSON decoder reads the whole document.
        None => Inbound::whole(
            stream,
            offset,
            serde_json::to_string(&doc).unwrap_or_default(),
            &mut attrs,
        ),
    };
    inbound.time = time;
    inbound.host = host;
    inbound.path = path;
    inbound.module = Some(module);
    inbound.dataset = Some(dataset);
    if let Some(index) = index {
        attrs.push("es.index", index);
        inbound.source_hint = source_for_index(index).map(str::to_owned);
    }
    inbound.attributes = attrs.finish();
    inbound
}

/// `@timestamp` as Elasticsearch's default date format takes it: an
/// ISO 8601 string or epoch milliseconds.
fn doc_time(v: &Value) -> Option<jiff::Timestamp> {
    match v {
        Value::String(s) => {
            parse_datetime(s).or_else(|| s.parse::<i64>().ok().and_then(epoch_millis))
        }
        Value::Number(n) => n.as_i64().and_then(epoch_millis),
        _ => None,
    }
}

fn derived_id(stream: &str, offset: u64) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(stream.as_bytes());
    hasher.update(&offset.to_le_bytes());
    hasher.finalize().to_hex().as_str()[..20].to_owned()
}

/// The `_bulk` response body, in the shape Elasticsearch clients check
/// (`errors`, and per item its action key with `status`): new documents are
/// `201 created` (`200 updated` for `update`); a document whose `_id` was
/// stored before (`exists`) is `409 version_conflict_engine_exception` for
/// `create`, as Elasticsearch answers, and `200 noop` for `index` and
/// `update` (nothing changed: events are stored once); refused ones `400`
/// with an `error` object. The server may replace an item's `result` with an
/// `Err` (e.g. storage failed) before calling this.
pub fn es_bulk_response(parse: &BulkParse, took_ms: u64) -> Value {
    let mut errors = false;
    let rendered: Vec<Value> = parse
        .items
        .iter()
        .map(|item| {
            let index = item.index.as_deref().unwrap_or("");
            let mut body = json!({"_index": index, "_id": item.id});
            match (&item.result, item.exists) {
                (Ok(_), true) if item.action == BulkAction::Create => {
                    errors = true;
                    body["status"] = json!(409);
                    body["error"] = json!({
                        "type": "version_conflict_engine_exception",
                        "reason": format!(
                            "[{}]: version conflict, document already exists (current version [1])",
                            item.id
                        ),
                        "index": index,
                    });
                }
                (Ok(_), exists) => {
                    let (status, result, shards) = match (item.action, exists) {
                        (_, true) => (200, "noop", 0),
                        (BulkAction::Update, false) => (200, "updated", 1),
                        _ => (201, "created", 1),
                    };
                    body["_version"] = json!(1);
                    body["result"] = json!(result);
                    body["_shards"] = json!({"total": shards, "successful": shards, "failed": 0});
                    body["status"] = json!(status);
                }
                (Err(reason), _) => {
                    errors = true;
                    let kind = match item.action {
                        BulkAction::Delete => "illegal_argument_exception",
                        _ => "mapper_parsing_exception",
                    };
                    body["status"] = json!(400);
                    body["error"] = json!({"type": kind, "reason": reason});
                }
            }
            json!({ item.action.as_str(): body })
        })
        .collect();
    json!({"took": took_ms, "errors": errors, "items": rendered})
}
