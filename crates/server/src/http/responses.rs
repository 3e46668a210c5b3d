//! Response runs: list them, approve or reject those waiting (audited).

use super::routes::{Endpoint, Verb};
use super::{ApiError, ApiResult, Shared, audit, json};
use crate::admission::Access;
use crate::auth::{Permission, Principal};
use axum::extract::{ConnectInfo, Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sightline_respond::{RespondError, Responder};
use std::net::SocketAddr;
use std::sync::Arc;

pub(super) fn endpoints() -> Vec<Endpoint> {
    use Permission::*;
    vec![
        Endpoint::native(Verb::Get, "/api/v1/responses", Access::Need(Read), list),
        Endpoint::native(
            Verb::Post,
            "/api/v1/responses/{id}/approve",
            Access::Need(Triage),
            approve,
        ),
        Endpoint::native(
            Verb::Post,
            "/api/v1/responses/{id}/reject",
            Access::Need(Triage),
            reject,
        ),
    ]
}

fn responder(state: &Shared) -> ApiResult<Arc<Responder>> {
    state.responder.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "automated response is not configured: add [[response.action]] tables (docs/response.md)",
        )
    })
}

#[derive(Deserialize)]
struct ListParams {
    /// Only the runs of this alert.
    alert: Option<String>,
    limit: Option<usize>,
}

async fn list(State(state): State<Shared>, Query(p): Query<ListParams>) -> ApiResult<Response> {
    let r = responder(&state)?;
    let runs = tokio::task::spawn_blocking(move || match &p.alert {
        Some(a) => r.runs_for_alert(a),
        None => r.list(p.limit.unwrap_or(100).clamp(1, 10_000)),
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(json(serde_json::json!({ "runs": runs })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Decision {
    #[serde(default)]
    reason: Option<String>,
}

async fn approve(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let r = responder(&state)?;
    let actor = who.name.clone();
    let now = jiff::Timestamp::now();
    let result = tokio::task::spawn_blocking(move || r.approve(id, &actor, now))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    decided(&state, &who, peer, "response-approve", id, result).await
}

async fn reject(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    body: Option<axum::Json<Decision>>,
) -> ApiResult<Response> {
    let r = responder(&state)?;
    let actor = who.name.clone();
    let reason = body
        .and_then(|b| b.0.reason)
        .unwrap_or_else(|| "rejected by an analyst".into());
    let now = jiff::Timestamp::now();
    let result = tokio::task::spawn_blocking(move || r.reject(id, &actor, &reason, now))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    decided(&state, &who, peer, "response-reject", id, result).await
}

async fn decided(
    state: &Shared,
    who: &Principal,
    peer: SocketAddr,
    action: &str,
    id: i64,
    result: Result<sightline_respond::RunRecord, RespondError>,
) -> ApiResult<Response> {
    let details = match &result {
        Ok(run) => serde_json::to_value(run).unwrap_or_default(),
        Err(e) => serde_json::json!({ "run": id, "error": e.to_string() }),
    };
    audit(state, who, peer, action, result.is_ok(), details).await;
    let run = result.map_err(|e| match e {
        RespondError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        RespondError::NotPending { .. } | RespondError::ApprovalExpired { .. } => {
            ApiError::new(StatusCode::CONFLICT, e.to_string())
        }
        other => ApiError::internal(other.to_string()),
    })?;
    Ok(json(serde_json::to_value(&run).unwrap_or_default()))
}
