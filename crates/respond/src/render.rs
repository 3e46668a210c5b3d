//! An action plus an alert: the exact target, argv, URL and body, or why not.

use crate::config::{Action, BodyTemplate, Spec};
use crate::model::{Rendered, SkipReason};
use crate::template::{Context, RenderError, Template};
use sightline_route::AlertInfo;

/// What a run will do, rendered once when it is decided.
#[derive(Debug, Clone)]
pub struct Plan {
    pub target: Option<String>,
    pub rendered: Rendered,
    pub undo: Option<Rendered>,
}

/// Why the action cannot run for this alert.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub skip: SkipReason,
    pub reason: String,
}

impl From<RenderError> for Refusal {
    fn from(e: RenderError) -> Self {
        let skip = match e {
            RenderError::Missing(_) => SkipReason::MissingLabel,
            RenderError::Unusable { .. } => SkipReason::UnusableValue,
        };
        Refusal {
            skip,
            reason: e.to_string(),
        }
    }
}

pub fn plan(action: &Action, alert: &AlertInfo) -> Result<Plan, Refusal> {
    let rendered = render_spec(&action.spec, alert)?;
    let undo = action
        .undo
        .as_ref()
        .map(|u| render_spec(u, alert))
        .transpose()?;
    let target = match &action.target {
        Some(t) => Some(t.render(alert, Context::Plain)?),
        None => match &rendered {
            Rendered::Webhook { url, .. } => reqwest::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned)),
            _ => None,
        },
    };
    if !action.allow.is_empty() {
        let Some(t) = &target else {
            return Err(Refusal {
                skip: SkipReason::NotAllowlisted,
                reason: "the action has no target to check against allow".into(),
            });
        };
        if action.allow.allows(t).is_none() {
            return Err(Refusal {
                skip: SkipReason::NotAllowlisted,
                reason: format!("target {t:?} matches no allow pattern"),
            });
        }
    }
    Ok(Plan {
        target,
        rendered,
        undo,
    })
}

fn render_spec(spec: &Spec, alert: &AlertInfo) -> Result<Rendered, Refusal> {
    Ok(match spec {
        Spec::Webhook {
            method, url, body, ..
        } => {
            let url = render_url(url, alert)?;
            Rendered::Webhook {
                method: method.to_string(),
                url,
                body: body.as_ref().map(|b| render_body(b, alert)).transpose()?,
            }
        }
        Spec::Command { argv, working_dir } => Rendered::Command {
            argv: argv
                .iter()
                .map(|a| a.render(alert, Context::Plain))
                .collect::<Result<_, _>>()?,
            working_dir: working_dir.display().to_string(),
        },
        Spec::RayStopJob {
            dashboard_url,
            job_id,
            ..
        } => {
            let id = job_id.render(alert, Context::Plain)?;
            let segment = job_id.render(alert, Context::PathSegment)?;
            Rendered::RayStopJob {
                url: format!("{dashboard_url}/api/jobs/{segment}/stop"),
                job_id: id,
            }
        }
        Spec::RaiseVerbosity {
            host,
            level,
            duration,
            reason,
        } => Rendered::RaiseVerbosity {
            host: host.render(alert, Context::Plain)?,
            level: level.clone(),
            duration_ms: duration.as_millis() as i64,
            reason: reason.render(alert, Context::Plain)?,
        },
    })
}

fn render_url(t: &Template, alert: &AlertInfo) -> Result<String, Refusal> {
    let url = t.render(alert, Context::PathSegment)?;
    reqwest::Url::parse(&url).map_err(|e| Refusal {
        skip: SkipReason::UnusableValue,
        reason: format!("the rendered URL {url:?} is not valid: {e}"),
    })?;
    Ok(url)
}

fn render_body(b: &BodyTemplate, alert: &AlertInfo) -> Result<serde_json::Value, RenderError> {
    Ok(match b {
        BodyTemplate::Str(t) => serde_json::Value::String(t.render(alert, Context::Plain)?),
        BodyTemplate::Array(a) => serde_json::Value::Array(
            a.iter()
                .map(|x| render_body(x, alert))
                .collect::<Result<_, _>>()?,
        ),
        BodyTemplate::Object(o) => serde_json::Value::Object(
            o.iter()
                .map(|(k, v)| Ok((k.clone(), render_body(v, alert)?)))
                .collect::<Result<_, RenderError>>()?,
        ),
        BodyTemplate::Value(v) => v.clone(),
    })
}
