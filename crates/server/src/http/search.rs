//! Search: `GET /api/v1/search`, audited with its query.

use super::routes::{Endpoint, Verb};
use super::{ApiError, ApiResult, Shared, audit, json, param_time};
use crate::admission::Access;
use crate::auth::{Permission, Principal};
use axum::extract::{ConnectInfo, Extension, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sightline_store::SearchOptions;
use std::net::SocketAddr;
use std::sync::Arc;

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::native(
        Verb::Get,
        "/api/v1/search",
        Access::Need(Permission::Read),
        search,
    )]
}

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
    /// `desc` (newest first, the default) or `asc`.
    order: Option<String>,
}

async fn search(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    Query(p): Query<SearchParams>,
) -> ApiResult<Response> {
    let query = sightline_query::parse(&p.q).map_err(|e| ApiError::bad_request(e.to_string()))?;
    // The platform's own records only when the query names them.
    let query = crate::platform::scoped(query);
    let now = jiff::Timestamp::now();
    let time = |s: &Option<String>| param_time(s.as_deref(), now);
    let opts = SearchOptions {
        from: time(&p.from)?,
        to: time(&p.to)?,
        limit: p.limit.unwrap_or(100).clamp(1, 10_000),
        cursor: p.cursor.clone(),
        newest_first: p.order.as_deref() != Some("asc"),
    };
    let store = Arc::clone(&state.store);
    let result = tokio::task::spawn_blocking(move || store.search(&query, &opts))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(|e| ApiError::bad_request(e.to_string()));
    audit(
        &state,
        &who,
        peer,
        "search",
        result.is_ok(),
        serde_json::json!({"query": p.q, "from": p.from, "to": p.to}),
    )
    .await;
    let result = result?;
    Ok(json(search_json(&result)))
}

/// The JSON form of a search result, shared by the API and `sightline search --data-dir`.
pub fn search_json(result: &sightline_store::SearchResult) -> serde_json::Value {
    let events: Vec<serde_json::Value> = result
        .events
        .iter()
        .filter_map(|e| serde_json::from_str(&e.to_json()).ok())
        .collect();
    serde_json::json!({
        "total": result.total,
        "events": events,
        "next_cursor": result.next_cursor,
        "aggregation": result.aggregation.as_ref().map(aggregation_json),
    })
}

fn aggregation_json(a: &sightline_store::AggregationResult) -> serde_json::Value {
    use sightline_store::AggregationResult as A;
    let groups = |fields: &[String], groups: &[sightline_store::Group]| -> serde_json::Value {
        groups
            .iter()
            .map(|g| {
                let mut o = serde_json::Map::new();
                for (f, v) in fields.iter().zip(&g.values) {
                    o.insert(f.clone(), v.clone().into());
                }
                o.insert("count".into(), g.count.into());
                serde_json::Value::Object(o)
            })
            .collect()
    };
    match a {
        A::Count(n) => serde_json::json!({"type": "count", "count": n}),
        A::CountBy { fields, groups: g } => {
            serde_json::json!({"type": "count_by", "fields": fields, "groups": groups(fields, g)})
        }
        A::Top { field, groups: g } => serde_json::json!({
            "type": "top", "fields": [field], "groups": groups(std::slice::from_ref(field), g)
        }),
        A::CountOverTime {
            interval_secs,
            buckets,
        } => serde_json::json!({
            "type": "timechart",
            "interval_secs": interval_secs,
            "buckets": buckets.iter().map(|b| serde_json::json!({"start": b.start.to_string(), "count": b.count})).collect::<Vec<_>>(),
        }),
    }
}
