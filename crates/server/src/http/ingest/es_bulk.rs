//! Elasticsearch `_bulk` (`/_bulk`, `/{index}/_bulk`), answered item by item
//! as Elasticsearch does, and `GET /`, which Beats and Logstash call first.

use super::{BodyRules, Declaration, HttpReceiver, Incoming, Parsed, Probe};
use crate::admission::Access;
use crate::auth::Permission;
use crate::http::routes::Verb;
use crate::http::{ApiError, json};
use crate::pipeline::BatchReport;
use crate::protocol::{elastic_product, elasticsearch};
use axum::http::HeaderMap;
use axum::response::Response;
use sightline_event::EventId;
use sightline_receive::{BulkItem, BulkParse, ReceiveError};
use std::collections::HashMap;
use std::time::Instant;

pub struct EsBulk;

/// The parsed items, answered one by one once stored.
pub struct Items {
    parse: BulkParse,
    started: Instant,
}

impl HttpReceiver for EsBulk {
    type Pending = Items;
    type Error = ReceiveError;

    fn declaration(&self) -> Declaration {
        use Verb::*;
        Declaration {
            name: "es_bulk",
            routes: &[
                (Post, "/_bulk"),
                (Put, "/_bulk"),
                (Post, "/{index}/_bulk"),
                (Put, "/{index}/_bulk"),
            ],
            permission: Permission::Ingest,
            body: BodyRules::STANDARD,
        }
    }

    fn parse(&self, request: &Incoming<'_>) -> Result<Parsed<Items>, ReceiveError> {
        let started = Instant::now();
        let stream = sightline_receive::batch_stream("es", &request.sender(), request.body);
        let parse = sightline_receive::es_bulk(
            request.body,
            request.param("index"),
            &stream,
            request.token,
        )?;
        let records = parse.accepted();
        let rejected = (parse.items.len() - records.len()) as u64;
        Ok(Parsed {
            records,
            rejected,
            pending: Items { parse, started },
        })
    }

    fn accepted(&self, mut items: Items, report: &BatchReport) -> Response {
        mark_existing(&mut items.parse, &report.duplicate_ids);
        let took = items.started.elapsed().as_millis() as u64;
        elastic_product(json(sightline_receive::es_bulk_response(
            &items.parse,
            took,
        )))
    }

    fn rejected(&self, error: ReceiveError, _: &HeaderMap) -> Response {
        elasticsearch(ApiError::bad_request(error.to_string()))
    }

    fn refusal(&self, error: ApiError, _: &HeaderMap) -> Response {
        elasticsearch(error)
    }

    fn probes(&self) -> Vec<Probe> {
        vec![Probe::new(
            Verb::Get,
            "/",
            Access::Need(Permission::Ingest),
            info,
        )]
    }
}

/// The version object Elasticsearch clients check before sending.
async fn info() -> Response {
    elastic_product(json(serde_json::json!({
        "name": "sightline",
        "cluster_name": "sightline",
        "version": {"number": "8.15.0", "build_flavor": "default", "lucene_version": "9.11.1",
                     "minimum_wire_compatibility_version": "7.17.0",
                     "minimum_index_compatibility_version": "7.0.0"},
        "tagline": "You Know, for Search"
    })))
}

/// Marks the items whose `_id` was stored before, as the store's duplicates
/// say. The first of several items with one `_id` in a request is the one
/// stored, unless that `_id` was stored before the request.
fn mark_existing(parsed: &mut BulkParse, duplicates: &[EventId]) {
    let mut repeats: HashMap<EventId, usize> = HashMap::new();
    for id in duplicates {
        *repeats.entry(*id).or_insert(0) += 1;
    }
    let keyed = |item: &BulkItem| {
        item.result
            .as_ref()
            .ok()
            .and_then(|r| r.id_key.as_deref())
            .map(crate::structured::keyed_id)
    };
    let mut in_request: HashMap<EventId, usize> = HashMap::new();
    for item in &parsed.items {
        if let Some(id) = keyed(item) {
            *in_request.entry(id).or_insert(0) += 1;
        }
    }
    // Of n items with one id of which d were duplicates, the first n - d were stored.
    let mut seen: HashMap<EventId, usize> = HashMap::new();
    for item in &mut parsed.items {
        let Some(id) = keyed(item) else { continue };
        let n = in_request.get(&id).copied().unwrap_or(0);
        let d = repeats.get(&id).copied().unwrap_or(0);
        let k = seen.entry(id).or_insert(0);
        item.exists = *k >= n.saturating_sub(d);
        *k += 1;
    }
}
