//! The HTTP API: receivers, search, alerts, rules, tokens, metrics. Every
//! route but the health checks is reached only through the admission layer
//! ([`crate::admission`]), which authenticates the caller, checks its role
//! and hands the handler the [`Principal`]; every user action is written to
//! the audit log.

use crate::audit;
use crate::auth::{Principal, RateLimiter, Role, Tokens};
use crate::detection::RulesSummary;
use crate::metrics::Metrics;
use crate::pipeline::{IngestError, Payload, Queue};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use sightline_alerts::{AlertFilter, AlertStore};
use sightline_store::{SearchOptions, Store};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How long a request waits for room in the queue before it gets 503.
const PATIENCE: Duration = Duration::from_secs(2);

pub struct AppState {
    pub tokens: Arc<Tokens>,
    pub limiter: RateLimiter,
    pub queue: Queue,
    pub store: Arc<Store>,
    pub alerts: Arc<AlertStore>,
    pub metrics: Arc<Metrics>,
    pub rules: Arc<RwLock<RulesSummary>>,
    pub max_body: usize,
    /// Refused requests waiting to be audited.
    pub denials: Arc<audit::Denials>,
    /// Longest pause allowed while a request body arrives (`server.idle_timeout`).
    pub idle_timeout: Duration,
}

type Shared = Arc<AppState>;

pub fn router(state: Shared) -> Router {
    let max = state.max_body;
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/api/v1/whoami", get(whoami))
        .route("/api/v1/ingest", post(ingest_native))
        .route("/api/v1/search", get(search))
        .route("/api/v1/alerts", get(list_alerts))
        .route("/api/v1/alerts/{id}", get(show_alert))
        .route("/api/v1/alerts/{id}/state", post(set_alert_state))
        .route("/api/v1/rules", get(rules))
        .route("/api/v1/rules/reload", post(reload_rules))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{name}", delete(delete_token))
        .route("/", get(es_info))
        .route("/_bulk", post(es_bulk).put(es_bulk))
        .route("/{index}/_bulk", post(es_bulk_index).put(es_bulk_index))
        .route("/services/collector", post(hec_event))
        .route("/services/collector/event", post(hec_event))
        .route("/services/collector/event/1.0", post(hec_event))
        .route("/services/collector/raw", post(hec_raw))
        .route("/services/collector/raw/1.0", post(hec_raw))
        .route("/services/collector/health", get(hec_health))
        .route("/v1/logs", post(otlp_logs))
        // Compressed bodies are limited by the admission layer (which also
        // refuses unauthenticated ones unread); decompressed ones by `decode_body`.
        .layer(DefaultBodyLimit::max(max))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::admission::admit,
        ))
        .with_state(state)
}

/// An error response with a JSON body saying what to do (in our protocol;
/// [`crate::protocol::Protocol::render`] gives it the shape of others).
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    pub(crate) retry_after: Option<u64>,
    /// The HEC status code, where it is not the one HEC gives the HTTP status.
    pub(crate) hec_code: Option<u32>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
            hec_code: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        let (status, retry) = match &e {
            IngestError::Busy(s) => (StatusCode::SERVICE_UNAVAILABLE, Some(*s)),
            IngestError::ShuttingDown => (StatusCode::SERVICE_UNAVAILABLE, Some(5)),
            IngestError::DiskFull(_) => (StatusCode::INSUFFICIENT_STORAGE, Some(60)),
            IngestError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, Some(5)),
            IngestError::Rules(_) => (StatusCode::UNPROCESSABLE_ENTITY, None),
        };
        ApiError {
            status,
            message: e.to_string(),
            retry_after: retry,
            hec_code: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message }).to_string();
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"sightline\""),
            );
        }
        resp
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Writes an audit record and waits until it is stored. A failure to audit
/// is logged and counted; the action has already happened.
async fn audit(
    state: &AppState,
    who: &Principal,
    peer: SocketAddr,
    action: &str,
    success: bool,
    details: serde_json::Value,
) {
    let ev = audit::record(Some(who), Some(peer), action, success, details);
    if let Err(e) = state
        .queue
        .submit("audit", Payload::Audit(vec![ev]), PATIENCE)
        .await
    {
        state
            .metrics
            .audit_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::error!("audit record for {action} by {} not stored: {e}", who.name);
    }
}

async fn health() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        "{\"status\":\"ok\"}",
    )
}

async fn metrics(State(state): State<Shared>) -> ApiResult<Response> {
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response())
}

async fn whoami(Extension(who): Extension<Principal>) -> ApiResult<Response> {
    Ok(json(
        serde_json::json!({"name": who.name, "role": who.role.as_str()}),
    ))
}

fn json(v: serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

fn content_encoding(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
}

fn decoded_body(state: &AppState, headers: &HeaderMap, body: &[u8]) -> ApiResult<Vec<u8>> {
    sightline_receive::decode_body(content_encoding(headers), body, state.max_body).map_err(|e| {
        let status = match e {
            sightline_receive::ReceiveError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            sightline_receive::ReceiveError::UnsupportedEncoding(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.to_string())
    })
}

fn sender_name(who: &Principal, peer: SocketAddr) -> String {
    format!("{}@{}", who.name, peer.ip())
}

async fn ingest_native(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = decoded_body(&state, &headers, &body)?;
    let stream = sightline_receive::batch_stream("http", &sender_name(&who, peer), &body);
    let records = sightline_receive::native_batch(&body, &stream).map_err(|e| {
        state.metrics.failed.add("http", 1);
        ApiError::bad_request(e.to_string())
    })?;
    let report = state
        .queue
        .submit("http", Payload::Records(records), PATIENCE)
        .await?;
    Ok(json(serde_json::to_value(&report).unwrap_or_default()))
}

/// A time query parameter (RFC 3339, a date, `now` or an age), as the CLI takes them.
fn param_time(s: Option<&str>, now: jiff::Timestamp) -> ApiResult<Option<jiff::Timestamp>> {
    s.map(|t| sightline_query::parse_time(t, now))
        .transpose()
        .map_err(|e| ApiError::bad_request(e.to_string()))
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

#[derive(Deserialize)]
struct AlertParams {
    /// Comma-separated states.
    state: Option<String>,
    min_level: Option<String>,
    rule: Option<String>,
    since: Option<String>,
    until: Option<String>,
    text: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

async fn list_alerts(
    State(state): State<Shared>,
    Query(p): Query<AlertParams>,
) -> ApiResult<Response> {
    let now = jiff::Timestamp::now();
    let time = |s: &Option<String>| param_time(s.as_deref(), now);
    let mut filter = AlertFilter {
        since: time(&p.since)?,
        until: time(&p.until)?,
        rule_id: p.rule.clone(),
        text: p.text.clone(),
        limit: Some(p.limit.unwrap_or(100).clamp(1, 10_000)),
        offset: p.offset.unwrap_or(0),
        ..Default::default()
    };
    if let Some(states) = &p.state {
        for s in states.split(',').filter(|s| !s.is_empty()) {
            filter.states.push(s.parse().map_err(
                |e: sightline_alerts::ParseTriageStateError| ApiError::bad_request(e.to_string()),
            )?);
        }
    }
    if let Some(l) = &p.min_level {
        filter.min_level = Some(sightline_detect::rule::Level::parse(l).ok_or_else(|| {
            ApiError::bad_request(format!(
                "min_level {l:?}: expected informational, low, medium, high or critical"
            ))
        })?);
    }
    let alerts = state.alerts.clone();
    let (list, total) = tokio::task::spawn_blocking(move || {
        let count_filter = AlertFilter {
            limit: None,
            offset: 0,
            ..filter.clone()
        };
        Ok::<_, sightline_alerts::AlertStoreError>((
            alerts.list(&filter)?,
            alerts.count(&count_filter)?,
        ))
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(json(serde_json::json!({"total": total, "alerts": list})))
}

async fn show_alert(State(state): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    let full = state
        .alerts
        .resolve_id(&id)
        .map_err(|e| ApiError::new(StatusCode::NOT_FOUND, e.to_string()))?;
    let rec = state
        .alerts
        .get(&full)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no alert {id}")))?;
    Ok(json(serde_json::to_value(&rec).unwrap_or_default()))
}

#[derive(Deserialize)]
struct StateChange {
    state: String,
    note: Option<String>,
}

async fn set_alert_state(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    axum::Json(change): axum::Json<StateChange>,
) -> ApiResult<Response> {
    let new_state =
        change
            .state
            .parse()
            .map_err(|e: sightline_alerts::ParseTriageStateError| {
                ApiError::bad_request(e.to_string())
            })?;
    let result = state.alerts.resolve_id(&id).and_then(|full| {
        state.alerts.set_state(
            &full,
            new_state,
            &who.name,
            change.note.as_deref(),
            jiff::Timestamp::now(),
        )
    });
    audit(
        &state,
        &who,
        peer,
        "alert-state",
        result.is_ok(),
        serde_json::json!({"alert": id, "state": change.state, "note": change.note}),
    )
    .await;
    let rec = result.map_err(|e| ApiError::new(StatusCode::NOT_FOUND, e.to_string()))?;
    Ok(json(serde_json::to_value(&rec).unwrap_or_default()))
}

async fn rules(State(state): State<Shared>) -> ApiResult<Response> {
    let summary = state.rules.read().map(|s| s.clone()).unwrap_or_default();
    Ok(json(serde_json::to_value(&summary).unwrap_or_default()))
}

async fn reload_rules(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Response> {
    let result = state
        .queue
        .submit("admin", Payload::ReloadRules, Duration::from_secs(30))
        .await;
    let msg = match &result {
        Ok(r) => r.message.clone().unwrap_or_default(),
        Err(e) => e.to_string(),
    };
    audit(
        &state,
        &who,
        peer,
        "rules-reload",
        result.is_ok(),
        serde_json::json!({"result": msg}),
    )
    .await;
    result?;
    Ok(json(serde_json::json!({"result": msg})))
}

async fn list_tokens(State(state): State<Shared>) -> ApiResult<Response> {
    let list: Vec<serde_json::Value> = state
        .tokens
        .list()
        .into_iter()
        .map(|t| {
            serde_json::json!({"name": t.name, "role": t.role, "created_at": t.created_at,
                "created_by": t.created_by, "from_config": t.from_config})
        })
        .collect();
    Ok(json(serde_json::json!({"tokens": list})))
}

#[derive(Deserialize)]
struct NewToken {
    name: String,
    role: String,
}

async fn create_token(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    axum::Json(req): axum::Json<NewToken>,
) -> ApiResult<Response> {
    let role = Role::parse(&req.role).ok_or_else(|| {
        ApiError::bad_request(format!(
            "role {:?}: expected admin, analyst, viewer or ingest",
            req.role
        ))
    })?;
    let result = state.tokens.create(&req.name, role, &who.name);
    audit(
        &state,
        &who,
        peer,
        "token-create",
        result.is_ok(),
        serde_json::json!({"name": req.name, "role": req.role}),
    )
    .await;
    let token = result.map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(json(
        serde_json::json!({"name": req.name, "role": role.as_str(), "token": token}),
    ))
}

async fn delete_token(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let result = state.tokens.delete(&name);
    audit(
        &state,
        &who,
        peer,
        "token-delete",
        result.is_ok(),
        serde_json::json!({"name": name}),
    )
    .await;
    result.map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(json(serde_json::json!({"deleted": name})))
}

// ---- Elasticsearch `_bulk` -------------------------------------------------

/// Elasticsearch clients refuse servers that do not say they are one.
fn es_headers(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    resp
}

async fn es_info() -> Response {
    es_headers(json(serde_json::json!({
        "name": "sightline",
        "cluster_name": "sightline",
        "version": {"number": "8.15.0", "build_flavor": "default", "lucene_version": "9.11.1",
                     "minimum_wire_compatibility_version": "7.17.0",
                     "minimum_index_compatibility_version": "7.0.0"},
        "tagline": "You Know, for Search"
    })))
}

async fn es_bulk(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    es_bulk_any(state, peer, who, headers, None, body).await
}

async fn es_bulk_index(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    Path(index): Path<String>,
    body: Bytes,
) -> Response {
    es_bulk_any(state, peer, who, headers, Some(index), body).await
}

async fn es_bulk_any(
    state: Shared,
    peer: SocketAddr,
    who: Principal,
    headers: HeaderMap,
    index: Option<String>,
    body: Bytes,
) -> Response {
    let result: ApiResult<Response> = async {
        let body = decoded_body(&state, &headers, &body)?;
        let started = std::time::Instant::now();
        let stream = sightline_receive::batch_stream("es", &sender_name(&who, peer), &body);
        let mut parsed = sightline_receive::es_bulk(&body, index.as_deref(), &stream, &who.name)
            .map_err(|e| {
                state.metrics.failed.add("es_bulk", 1);
                ApiError::bad_request(e.to_string())
            })?;
        let records: Vec<_> = parsed.accepted();
        let bad = parsed.items.len() - records.len();
        if bad > 0 {
            state.metrics.failed.add("es_bulk", bad as u64);
        }
        if !records.is_empty() {
            let report = state
                .queue
                .submit("es_bulk", Payload::Records(records), PATIENCE)
                .await?;
            mark_existing(&mut parsed, &report.duplicate_ids);
        }
        let resp =
            sightline_receive::es_bulk_response(&parsed, started.elapsed().as_millis() as u64);
        Ok(es_headers(json(resp)))
    }
    .await;
    result.unwrap_or_else(|e| crate::protocol::Protocol::Elasticsearch.render(e))
}

/// Marks the items whose `_id` was stored before, as the store's duplicates
/// say. The first of several items with one `_id` in a request is the one
/// stored, unless that `_id` was stored before the request.
fn mark_existing(
    parsed: &mut sightline_receive::BulkParse,
    duplicates: &[sightline_event::EventId],
) {
    use std::collections::HashMap;
    let mut repeats: HashMap<sightline_event::EventId, usize> = HashMap::new();
    for id in duplicates {
        *repeats.entry(*id).or_insert(0) += 1;
    }
    let keyed = |item: &sightline_receive::BulkItem| {
        item.result
            .as_ref()
            .ok()
            .and_then(|r| r.id_key.as_deref())
            .map(crate::structured::keyed_id)
    };
    let mut in_request: HashMap<sightline_event::EventId, usize> = HashMap::new();
    for item in &parsed.items {
        if let Some(id) = keyed(item) {
            *in_request.entry(id).or_insert(0) += 1;
        }
    }
    // Of n items with one id of which d were duplicates, the first n - d were stored.
    let mut seen: HashMap<sightline_event::EventId, usize> = HashMap::new();
    for item in &mut parsed.items {
        let Some(id) = keyed(item) else { continue };
        let n = in_request.get(&id).copied().unwrap_or(0);
        let d = repeats.get(&id).copied().unwrap_or(0);
        let k = seen.entry(id).or_insert(0);
        item.exists = *k >= n.saturating_sub(d);
        *k += 1;
    }
}

// ---- Splunk HEC ---------------------------------------------------------------

/// Splunk's health check, open to all as Splunk's is (shippers probe it
/// before sending): 503 with code 18 while the queue is full.
async fn hec_health(State(state): State<Shared>) -> Response {
    use std::sync::atomic::Ordering::Relaxed;
    let full =
        state.metrics.queue_depth.load(Relaxed) >= state.metrics.queue_capacity.load(Relaxed);
    let (status, body) = if full {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"text": "HEC is unhealthy, queues are full", "code": 18}),
        )
    } else {
        (
            StatusCode::OK,
            serde_json::json!({"text": "HEC is healthy", "code": 17}),
        )
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A refused HEC request in Splunk's shape (with `invalid-event-number`).
fn hec_reject(e: &sightline_receive::HecError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        sightline_receive::hec_response(Some(e)).to_string(),
    )
        .into_response()
}

async fn hec_event(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    hec_ingest(
        &state,
        peer,
        &who,
        &headers,
        &body,
        "hec",
        sightline_receive::hec_events,
    )
    .await
}

#[derive(Deserialize, Default)]
struct HecRawParams {
    host: Option<String>,
    source: Option<String>,
    sourcetype: Option<String>,
}

async fn hec_raw(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    Query(p): Query<HecRawParams>,
    body: Bytes,
) -> Response {
    let params = sightline_receive::HecRawParams {
        host: p.host.as_deref(),
        source: p.source.as_deref(),
        sourcetype: p.sourcetype.as_deref(),
        index: None,
    };
    hec_ingest(
        &state,
        peer,
        &who,
        &headers,
        &body,
        "hec-raw",
        |body, stream| sightline_receive::hec_raw(body, &params, stream),
    )
    .await
}

/// Both HEC endpoints: decompress, parse with `parse`, submit, and answer
/// in HEC's own shapes.
async fn hec_ingest(
    state: &AppState,
    peer: SocketAddr,
    who: &Principal,
    headers: &HeaderMap,
    body: &[u8],
    kind: &str,
    parse: impl FnOnce(
        &[u8],
        &str,
    ) -> Result<Vec<sightline_receive::Inbound>, sightline_receive::HecError>,
) -> Response {
    let hec = |e: ApiError| crate::protocol::Protocol::Hec.render(e);
    let result: Result<Response, Response> = async {
        let body = decoded_body(state, headers, body).map_err(hec)?;
        let stream = sightline_receive::batch_stream(kind, &sender_name(who, peer), &body);
        let records = parse(&body, &stream).map_err(|e| {
            state.metrics.failed.add("hec", 1);
            hec_reject(&e)
        })?;
        state
            .queue
            .submit("hec", Payload::Records(records), PATIENCE)
            .await
            .map_err(|e| hec(ApiError::from(e)))?;
        Ok(json(sightline_receive::hec_response(None)))
    }
    .await;
    result.unwrap_or_else(|r| r)
}

// ---- OTLP/HTTP logs -----------------------------------------------------------

async fn otlp_logs(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let protocol = crate::protocol::Protocol::of("/v1/logs", &headers);
    let answer = |e: ApiError| protocol.render(e);
    let body = match decoded_body(&state, &headers, &body) {
        Ok(b) => b,
        Err(e) => return answer(e),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/x-protobuf")
        .to_owned();
    let logs = match sightline_receive::otlp_logs(&body, &content_type) {
        Ok(l) => l,
        Err(e) => {
            state.metrics.failed.add("otlp", 1);
            let format = sightline_receive::OtlpFormat::from_content_type(&content_type)
                .unwrap_or(sightline_receive::OtlpFormat::Protobuf);
            let status = if matches!(
                e,
                sightline_receive::ReceiveError::UnsupportedContentType(_)
            ) {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            } else {
                StatusCode::BAD_REQUEST
            };
            return (
                status,
                [(header::CONTENT_TYPE, format.content_type())],
                sightline_receive::otlp_error_response(format, &e),
            )
                .into_response();
        }
    };
    if logs.rejected > 0 {
        state.metrics.failed.add("otlp", logs.rejected);
    }
    let format = logs.format;
    if !logs.records.is_empty()
        && let Err(e) = state
            .queue
            .submit("otlp", Payload::Records(logs.records), PATIENCE)
            .await
    {
        return answer(ApiError::from(e));
    }
    (
        [(header::CONTENT_TYPE, format.content_type())],
        sightline_receive::otlp_response(format, logs.rejected, &logs.rejected_reason),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_tell_clients_when_to_retry() {
        let busy = ApiError::from(IngestError::Busy(1)).into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.headers()[header::RETRY_AFTER], "1");
        let full = ApiError::from(IngestError::DiskFull("quota".into())).into_response();
        assert_eq!(full.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(full.headers().contains_key(header::RETRY_AFTER));
        let anonymous = ApiError::new(StatusCode::UNAUTHORIZED, "x").into_response();
        assert!(anonymous.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
