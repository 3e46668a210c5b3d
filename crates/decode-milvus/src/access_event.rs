//! Event fields and security meaning of an access-log line: who
//! (`$user_name`, `$user_addr`), which method on which database and
//! collection, with what status and error code, how long, and how much
//! came back.
//!
//! `$method_status` and `$error_code` carry the verdicts (grpc_info.go):
//! `GrpcUnauthenticated` is a failed login, `GrpcPermissionDenied` an RBAC
//! denial (both with code 65535), codes 3/4/7/8/9/11/1807 and
//! `GrpcResourceExhausted` are rate-limit or quota refusals.

use crate::access::{Access, Var};
use crate::fields::split_list;
use crate::methods::{self, Direction};
use crate::textscan::{self, Class};
use crate::{gostr, req::Req};
use sightline_decode::{Event, Outcome, field, helpers};
use sightline_event::action;

/// merr codes of refusals by the rate limiter or the quota center.
const LIMIT_CODES: &[i64] = &[3, 4, 7, 8, 9, 11, 1807];

pub fn fill(ev: &mut Event, a: &Access<'_>) {
    ev.set(field::MILVUS_COMPONENT, "proxy");
    ev.set(field::SERVICE_NAME, "proxy");
    let known = |s: &str| !s.is_empty() && s != "Unknown";
    if known(a.user) {
        ev.set(field::USER_NAME, a.user);
    }
    set_addr(ev, a.addr);

    // RESTful calls log the path as the method name.
    let (method, direction) = if a.method.starts_with('/') {
        ev.set(field::NETWORK_PROTOCOL, "http");
        ev.set(field::URL_ORIGINAL, a.method);
        helpers::set_url(ev, a.method);
        match methods::from_rest_path(a.method) {
            Some((m, d)) => (m, d),
            None => (a.method, None),
        }
    } else {
        ev.set(field::NETWORK_PROTOCOL, "grpc");
        (a.method, None)
    };
    ev.set(field::MILVUS_METHOD, method);

    let status = a.get(Var::Status);
    if let Some(s) = status {
        ev.set(field::MILVUS_STATUS, s);
        if let Some(code) = s
            .strip_prefix("HttpError")
            .and_then(|c| c.parse::<u16>().ok())
        {
            ev.set(field::HTTP_RESPONSE_STATUS_CODE, code);
        } else if a.method.starts_with('/') && matches!(s, "Successful" | "Failed") {
            // The REST handler only reaches these with HTTP 200.
            ev.set(field::HTTP_RESPONSE_STATUS_CODE, 200u16);
        }
    }
    let code = a.get(Var::Code).and_then(|c| c.parse::<i64>().ok());
    if let Some(c) = code {
        ev.set(field::MILVUS_ERROR_CODE, c);
        if c != 0 {
            ev.set(field::ERROR_CODE, c.to_string());
        }
    }
    if let Some(sdk) = a.get(Var::Sdk) {
        ev.set(field::USER_AGENT_ORIGINAL, sdk);
    }
    let msg = a.get(Var::Msg);
    if let Some(m) = msg {
        ev.set(field::ERROR_MESSAGE, m);
        if let Some(t) = grpc_code(m) {
            ev.set(field::ERROR_TYPE, t);
        }
    }
    if let Some(t) = a.get(Var::Trace) {
        ev.set(field::TRACE_ID, t);
        ev.set(field::MILVUS_TRACE_ID, t);
    }
    if let Some(ns) = a.get(Var::Cost).and_then(gostr::parse_duration) {
        ev.set(field::EVENT_DURATION, ns);
    }
    if let Some(d) = a.get(Var::Database) {
        ev.set(field::MILVUS_DATABASE, d);
    }
    if let Some(c) = a.get(Var::Collection) {
        ev.set(field::MILVUS_COLLECTION, c);
    }
    if let Some(p) = a.get(Var::Partitions) {
        let l = split_list(p);
        match l.len() {
            0 => {}
            1 => {
                ev.set(
                    field::MILVUS_PARTITION,
                    l.into_iter().next().unwrap_or_default(),
                );
            }
            _ => {
                ev.set(field::MILVUS_PARTITION, l);
            }
        }
    }
    if let Some(x) = a.get(Var::Expr) {
        ev.set(field::MILVUS_EXPR, x);
    }
    if let Some(o) = a.get(Var::Outputs) {
        let l = split_list(o);
        if !l.is_empty() {
            ev.set(field::MILVUS_OUTPUT_FIELDS, l);
        }
    }
    if let Some(n) = a.get(Var::RespSize).and_then(|s| s.parse::<i64>().ok()) {
        ev.set(field::MILVUS_RESULT_SIZE, n);
    }
    if let Some(c) = a.get(Var::Consistency) {
        ev.set(field::MILVUS_CONSISTENCY_LEVEL, c);
    }
    if let Some(nq) = a.get(Var::Nq) {
        // HybridSearch prints one nq per sub-request: `["1", "2"]`.
        match nq.parse::<i64>() {
            Ok(n) => {
                ev.set(field::MILVUS_NQ, n);
            }
            Err(_) => {
                let total: i64 = split_list(nq)
                    .iter()
                    .filter_map(|x| x.parse::<i64>().ok())
                    .sum();
                if total > 0 {
                    ev.set(field::MILVUS_NQ, total);
                }
            }
        }
    }
    if let Some(p) = a.get(Var::Params) {
        ev.label("params", p);
        // Search params carry `topk`, query params `limit`.
        let r = Req::parse(p);
        if let Some(k) = r
            .first(&["topk", "topK", "limit"])
            .and_then(|k| k.parse::<i64>().ok())
        {
            ev.set(field::MILVUS_TOPK, k);
        }
    }
    for g in &a.groups {
        let (label, var, value) = (g.label, g.var, &g.value);
        // Variables without a field of their own are kept as labels.
        let keep = matches!(
            var,
            Var::ErrorType | Var::TimeStart | Var::TimeEnd | Var::Cluster | Var::Anns | Var::Other
        );
        if keep && !value.is_empty() && value != "Unknown" {
            ev.label(label, value.as_ref());
        }
    }
    classify(ev, method, direction, status, code, msg);
    if a.method.starts_with('/') {
        // A RESTful call is a web request whatever its verdict (ECS `web`: what
        // SigmaHQ's webserver rules select); gRPC calls are not.
        ev.add_category("web");
    }
}

/// `tcp-10.40.14.49:60363` (gRPC peers) or `10.0.0.5` (REST client IPs).
fn set_addr(ev: &mut Event, addr: &str) {
    if addr.is_empty() || addr == "Unknown" {
        return;
    }
    let (net, host) = match addr.split_once('-') {
        Some((n, h)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_alphanumeric()) => {
            (Some(n), h)
        }
        _ => (None, addr),
    };
    if let Some(n) = net {
        let transport = n.trim_end_matches(['4', '6']);
        if matches!(transport, "tcp" | "udp") {
            ev.set(field::NETWORK_TRANSPORT, transport);
        }
    }
    helpers::set_source_addr(ev, host);
}

/// `rpc error: code = Unauthenticated desc = ...` → `Unauthenticated`.
fn grpc_code(msg: &str) -> Option<&str> {
    let rest = msg.split_once("rpc error: code = ")?.1;
    let code = rest.split(' ').next()?;
    (!code.is_empty() && code.bytes().all(|c| c.is_ascii_alphanumeric())).then_some(code)
}

fn classify(
    ev: &mut Event,
    method: &str,
    direction: Option<Direction>,
    status: Option<&str>,
    code: Option<i64>,
    msg: Option<&str>,
) {
    let info = methods::info(method);
    match info {
        Some(i) => {
            ev.add_category(i.category);
            for t in i.types {
                ev.add_type(t);
            }
            let act = direction
                .and_then(|d| methods::directed_action(method, d))
                .or(i.action);
            if let Some(a) = act {
                ev.set_action(a);
            }
        }
        None => {
            ev.add_category("database").add_type("access");
        }
    }
    ev.outcome = match status {
        Some("Successful") if code.is_none_or(|c| c == 0) => Outcome::Success,
        Some("Unknown") | None => match code {
            Some(0) => Outcome::Success,
            Some(_) => Outcome::Failure,
            None => Outcome::Unknown,
        },
        Some(_) => Outcome::Failure,
    };
    let hits = msg.map(textscan::scan).unwrap_or_default();
    let status = status.unwrap_or("");

    let auth_failed = matches!(status, "GrpcUnauthenticated" | "HttpError401")
        || matches!(code, Some(1400 | 1800))
        || hits.has(Class::AuthFailed);
    let denied = matches!(status, "GrpcPermissionDenied" | "HttpError403")
        || code == Some(1401)
        || hits.has(Class::AuthzDenied);
    let limited = matches!(status, "GrpcResourceExhausted" | "HttpError429")
        || code.is_some_and(|c| LIMIT_CODES.contains(&c))
        || hits.has(Class::Limited);

    if ev.outcome == Outcome::Failure && auth_failed {
        reset(ev, "authentication", "start");
        ev.set_action(action::AUTHENTICATION_FAILED);
    } else if ev.outcome == Outcome::Failure && denied {
        reset(ev, "iam", "denied");
        ev.set_action(action::AUTHORIZATION_DENIED);
        if let Some(msg) = msg {
            permission_details(ev, msg);
        }
    } else if ev.outcome == Outcome::Failure && limited {
        ev.event_type.clear();
        ev.add_type("denied");
        ev.set_action(action::RATE_LIMITED);
    } else if method == "Connect"
        && ev.outcome == Outcome::Success
        && ev.fields.contains_key(field::USER_NAME)
    {
        reset(ev, "authentication", "start");
        ev.set_action(action::AUTHENTICATION_SUCCEEDED);
    } else if ev.outcome == Outcome::Failure {
        ev.add_type("error");
    }
}

fn reset(ev: &mut Event, category: &str, ty: &str) {
    ev.category.clear();
    ev.event_type.clear();
    ev.add_category(category).add_type(ty);
}

/// `PrivilegeSearch: permission deny to bob in the `default` database`.
fn permission_details(ev: &mut Event, msg: &str) {
    let Some((before, after)) = msg.split_once(": permission deny to ") else {
        return;
    };
    if let Some(p) = before
        .rsplit([' ', '='])
        .next()
        .filter(|p| p.starts_with("Privilege"))
    {
        ev.set(field::MILVUS_PRIVILEGE, p);
    }
    if let Some((user, db)) = after.split_once(" in the `") {
        // With an API key the proxy names the user `apikey user`.
        if user == "apikey user" {
            ev.label("credential", "apikey");
        } else if !ev.fields.contains_key(field::USER_NAME) && !user.is_empty() {
            ev.set(field::USER_NAME, user);
        }
        if let Some(db) = db.split('`').next().filter(|d| !d.is_empty())
            && !ev.fields.contains_key(field::MILVUS_DATABASE)
        {
            ev.set(field::MILVUS_DATABASE, db);
        }
    }
}
