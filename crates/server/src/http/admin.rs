//! Running the server: health, metrics, who the caller is, the rules (and
//! reloading them), API tokens. Changes are audited.

use super::routes::{Endpoint, Verb};
use super::{ApiError, ApiResult, Shared, audit, json};
use crate::admission::Access;
use crate::auth::{Permission, Principal, Role};
use crate::pipeline::Payload;
use axum::extract::{ConnectInfo, Extension, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Duration;

pub(super) fn endpoints() -> Vec<Endpoint> {
    use Permission::*;
    use Verb::*;
    vec![
        Endpoint::native(Get, "/health", Access::Public, health),
        Endpoint::native(Get, "/metrics", Access::Need(Read), metrics),
        Endpoint::native(Get, "/api/v1/whoami", Access::Authenticated, whoami),
        Endpoint::native(Get, "/api/v1/rules", Access::Need(Read), rules),
        Endpoint::native(
            Post,
            "/api/v1/rules/reload",
            Access::Need(Admin),
            reload_rules,
        ),
        Endpoint::native(Get, "/api/v1/tokens", Access::Need(Admin), list_tokens),
        Endpoint::native(Post, "/api/v1/tokens", Access::Need(Admin), create_token),
        Endpoint::native(
            Delete,
            "/api/v1/tokens/{name}",
            Access::Need(Admin),
            delete_token,
        ),
    ]
}

async fn health() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        "{\"status\":\"ok\"}",
    )
}

async fn metrics(State(state): State<Shared>) -> ApiResult<Response> {
    let mut text = state.metrics.render();
    if let Some(acting) = state.acting.clone() {
        let routing = tokio::task::spawn_blocking(move || acting.render_metrics())
            .await
            .map_err(|e| super::ApiError::internal(e.to_string()))?;
        text.push_str(&routing);
    }
    if let Some(f) = state.forwarding.clone() {
        let lines = tokio::task::spawn_blocking(move || crate::forwarding::render_metrics(&f))
            .await
            .map_err(|e| super::ApiError::internal(e.to_string()))?;
        text.push_str(&lines);
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

async fn whoami(Extension(who): Extension<Principal>) -> ApiResult<Response> {
    Ok(json(
        serde_json::json!({"name": who.name, "role": who.role.as_str()}),
    ))
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
