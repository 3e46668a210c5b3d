//! Silences (list, create, expire; audited) and `routes test`.

use super::routes::{Endpoint, Verb};
use super::{ApiError, ApiResult, Shared, audit, json};
use crate::acting::{Acting, ActingError};
use crate::admission::Access;
use crate::auth::{Permission, Principal};
use axum::extract::{ConnectInfo, Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sightline_route::{Labels, SilenceError, SilenceSpec};
use std::net::SocketAddr;
use std::sync::Arc;

pub(super) fn endpoints() -> Vec<Endpoint> {
    use Permission::*;
    vec![
        Endpoint::native(Verb::Get, "/api/v1/silences", Access::Need(Read), list),
        Endpoint::native(Verb::Post, "/api/v1/silences", Access::Need(Triage), create),
        Endpoint::native(
            Verb::Delete,
            "/api/v1/silences/{id}",
            Access::Need(Triage),
            expire,
        ),
        Endpoint::native(
            Verb::Post,
            "/api/v1/routes/test",
            Access::Need(Read),
            test_route,
        ),
    ]
}

fn acting(state: &Shared) -> ApiResult<Arc<Acting>> {
    state.acting.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "routing is not configured: add a [routing] table to the configuration (docs/routing.md)",
        )
    })
}

async fn list(State(state): State<Shared>) -> ApiResult<Response> {
    let acting = acting(&state)?;
    let now = jiff::Timestamp::now();
    let silences = tokio::task::spawn_blocking(move || acting.silences(now))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(json(serde_json::json!({ "silences": silences })))
}

/// The body of `POST /api/v1/silences`: who creates it is the caller.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSilence {
    matchers: Vec<String>,
    starts_at: Option<String>,
    /// An end time, or give `duration`.
    ends_at: Option<String>,
    /// `2h`, `30m`: from `starts_at` (default now).
    duration: Option<String>,
    comment: String,
}

async fn create(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    axum::Json(body): axum::Json<NewSilence>,
) -> ApiResult<Response> {
    let acting = acting(&state)?;
    let now = jiff::Timestamp::now();
    let spec = spec_of(&body, &who, now)?;
    let details = serde_json::json!({
        "matchers": spec.matchers, "starts_at": spec.starts_at, "ends_at": spec.ends_at,
        "comment": spec.comment,
    });
    let result = tokio::task::spawn_blocking(move || acting.create_silence(&spec, now))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut details = details;
    if let Ok(s) = &result {
        details["silence"] = s.id.clone().into();
    }
    audit(
        &state,
        &who,
        peer,
        "silence-create",
        result.is_ok(),
        details,
    )
    .await;
    let silence = result.map_err(api_error)?;
    Ok((
        StatusCode::CREATED,
        json(serde_json::to_value(&silence).unwrap_or_default()),
    )
        .into_response())
}

fn spec_of(body: &NewSilence, who: &Principal, now: jiff::Timestamp) -> ApiResult<SilenceSpec> {
    let time = |field: &str, v: &str| {
        sightline_query::parse_time(v, now)
            .map_err(|e| ApiError::bad_request(format!("{field}: {e}")))
    };
    let starts_at = body
        .starts_at
        .as_deref()
        .map(|v| time("starts_at", v))
        .transpose()?;
    let ends_at = match (&body.ends_at, &body.duration) {
        (Some(e), None) => time("ends_at", e)?,
        (None, Some(d)) => {
            let d = sightline_route::duration::parse_duration(d)
                .map_err(|e| ApiError::bad_request(format!("duration: {e}")))?;
            starts_at
                .unwrap_or(now)
                .checked_add(d)
                .map_err(|e| ApiError::bad_request(format!("duration: {e}")))?
        }
        _ => {
            return Err(ApiError::bad_request(
                "give either ends_at (a time) or duration (like 2h), not both and not neither",
            ));
        }
    };
    Ok(SilenceSpec {
        matchers: body.matchers.clone(),
        starts_at,
        ends_at,
        created_by: who.name.clone(),
        comment: body.comment.clone(),
    })
}

async fn expire(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let acting = acting(&state)?;
    let now = jiff::Timestamp::now();
    let by = who.name.clone();
    let target = id.clone();
    let result = tokio::task::spawn_blocking(move || acting.expire_silence(&target, &by, now))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    audit(
        &state,
        &who,
        peer,
        "silence-expire",
        result.is_ok(),
        serde_json::json!({ "silence": id }),
    )
    .await;
    let silence = result.map_err(api_error)?;
    Ok(json(serde_json::to_value(&silence).unwrap_or_default()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteTest {
    labels: Labels,
}

async fn test_route(
    State(state): State<Shared>,
    axum::Json(body): axum::Json<RouteTest>,
) -> ApiResult<Response> {
    let acting = acting(&state)?;
    let now = jiff::Timestamp::now();
    let explanation = tokio::task::spawn_blocking(move || acting.explain(&body.labels, now))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut v = serde_json::to_value(&explanation).unwrap_or_default();
    v["text"] = explanation.text().into();
    Ok(json(v))
}

fn api_error(e: ActingError) -> ApiError {
    match e {
        ActingError::Silence(SilenceError::Unknown(_)) => {
            ApiError::new(StatusCode::NOT_FOUND, e.to_string())
        }
        ActingError::Silence(SilenceError::AlreadyExpired { .. }) => {
            ApiError::new(StatusCode::CONFLICT, e.to_string())
        }
        ActingError::Silence(SilenceError::Store(_)) | ActingError::Store(_) => {
            ApiError::internal(e.to_string())
        }
        ActingError::Silence(_) => ApiError::bad_request(e.to_string()),
    }
}
