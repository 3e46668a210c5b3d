//! Alerts: list, show, and change their triage state (audited).

use super::routes::{Endpoint, Verb};
use super::{ApiError, ApiResult, Shared, audit, json, param_time};
use crate::admission::Access;
use crate::auth::{Permission, Principal};
use axum::extract::{ConnectInfo, Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sightline_alerts::AlertFilter;
use std::net::SocketAddr;

pub(super) fn endpoints() -> Vec<Endpoint> {
    use Permission::*;
    vec![
        Endpoint::native(Verb::Get, "/api/v1/alerts", Access::Need(Read), list_alerts),
        Endpoint::native(
            Verb::Get,
            "/api/v1/alerts/{id}",
            Access::Need(Read),
            show_alert,
        ),
        Endpoint::native(
            Verb::Post,
            "/api/v1/alerts/{id}/state",
            Access::Need(Triage),
            set_alert_state,
        ),
    ]
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
    if let Some(acting) = state.acting.clone() {
        // Acknowledged alerts stop escalating; resolved ones are announced.
        let r = rec.clone();
        let _ =
            tokio::task::spawn_blocking(move || acting.observe_triage(&r, jiff::Timestamp::now()))
                .await;
    }
    Ok(json(serde_json::to_value(&rec).unwrap_or_default()))
}
